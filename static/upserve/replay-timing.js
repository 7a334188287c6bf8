// Replay time: where each event sits on the timeline (its recorded time) and how long playback
// waits between two events (the recorded gap at the chosen speed, long idle gaps cut short).

// No wait between two events lasts longer than this, whatever the speed: a pitch phase where
// nothing happened for a minute plays in two seconds.
export const IDLE_CAP_SECONDS = 2;

export function playbackWait(gapSeconds, speed) {
  return Math.min(Math.max(0, gapSeconds) / speed, IDLE_CAP_SECONDS);
}

export class Timeline {
  // replayer: a Replayer, holding the pieces of the log fetched so far (each event carries `at`,
  // the server time it was recorded); the whole round's span and marks come from the server.
  constructor(replayer, { start = 0, end = 0, marks = [] } = {}) {
    this.replayer = replayer;
    this.start = start;
    this.end = end;
    this.given = marks;
  }

  get duration() {
    return this.end - this.start;
  }

  // The recorded time of the state at seq (the state before the first event: the first's time).
  timeOf(seq) {
    const event = this.replayer.event(Math.max(seq, this.replayer.first + 1));
    return event ? event.at : this.start;
  }

  // The last seq held that was recorded at or before `offset` seconds from the start (at 0: the
  // first event). The page fetches the log up to that time before it asks.
  seqAt(offset) {
    const events = this.replayer.events;
    const t = this.start + offset;
    let [lo, hi] = [0, events.length - 1];
    if (hi < 0) return this.replayer.first;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (events[mid].at <= t) lo = mid;
      else hi = mid - 1;
    }
    return events[lo].seq;
  }

  // Where the timeline marks go: [{seq, mark, left}] with left in 0..1 (seq null for a mark
  // that stands for many events in a long round).
  marks() {
    return this.given;
  }
}

export function clockText(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}
