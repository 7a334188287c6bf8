// A replay's states: the screen's snapshot before the round, folded with client.js's reduce, the
// same reducer the live screen runs. Nothing is ever undone: the state at a seq is always a fresh
// fold from the nearest checkpoint at or before it, so it is the same however you got there.
// No DOM here (tests/game/test_replay_property.py runs it in Node against the server's fold).
import { reduce } from "./client.js";

// A step back folds at most this many events; a round of thousands of votes keeps a few dozen copies.
const CHECKPOINT_EVERY = 64;

export class Replayer {
  // start: the screen's snapshot (with its seq); events: [{seq, type, data, at, mark}] in order
  // (the first piece of the log: `add` appends the next pieces).
  constructor(start, events, every = CHECKPOINT_EVERY) {
    this.events = events;
    this.every = Math.max(1, every);
    this.first = start.seq;
    this.last = events.length ? events[events.length - 1].seq : start.seq;
    this.checkpoints = new Map([[this.first, structuredClone(start)]]);
  }

  // More of the log, straight after what is held: the page fetches the log in pieces.
  add(events) {
    for (const event of events) {
      if (event.seq !== this.last + 1) throw new Error(`the log jumps from seq ${this.last} to ${event.seq}`);
      this.events.push(event);
      this.last = event.seq;
    }
  }

  clamp(seq) {
    return Math.min(Math.max(seq, this.first), this.last);
  }

  event(seq) {
    return this.events[seq - this.first - 1] || null;
  }

  // A new state object: the fold up to seq (clamped to the replay's range).
  stateAt(seq) {
    const target = this.clamp(seq);
    let from = this.first;
    for (const at of this.checkpoints.keys()) if (at <= target && at > from) from = at;
    const state = structuredClone(this.checkpoints.get(from));
    while (state.seq < target) {
      this.apply(state);
      if (state.seq % this.every === 0 && !this.checkpoints.has(state.seq)) this.checkpoints.set(state.seq, structuredClone(state));
    }
    return state;
  }

  // Fold the event after state.seq into state (in place); at the end, nothing changes.
  apply(state) {
    const event = this.event(state.seq + 1);
    if (!event) return state;
    if (event.seq !== state.seq + 1) throw new Error(`the log jumps from seq ${state.seq} to ${event.seq}`);
    reduce(state, event.type, event.data, null);
    state.seq = event.seq;
    return state;
  }
}
