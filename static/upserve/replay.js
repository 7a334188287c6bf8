// The replay page: a past round as the projector showed it, with play / pause, three speeds,
// one-event steps and a timeline to scrub. The server hands over the screen's snapshot before the
// round, the round's span and marks, and the first piece of its events as the screen saw them
// (each with its recorded time); the rest comes in pieces fetched as the replay plays or scrubs.
import { readConfig, el } from "./client.js";
import { Replayer } from "./replay-fold.js";
import { Timeline, playbackWait, clockText } from "./replay-timing.js";
import { drawStage, drawCountdown, forgetStage } from "./screen-stage.js";
import { followState } from "./screen-leaderboard.js";
import { setUpTheme, onThemeChange } from "./screen-theme.js";

const $ = (id) => document.getElementById(id);
const data = readConfig("replay-data");
const replayer = new Replayer(data.start, data.events);
const timeline = new Timeline(replayer, { start: data.start_at, end: data.end_at, marks: data.marks });
const END = data.last; // the round's last seq, whether or not its piece is here yet
// Fetch the next piece once fewer than this many events are held ahead of the replay.
const AHEAD = 200;
let next = data.next; // the seq the next piece starts after, or null once all is here
let loading = null;
const MARK_TEXT = {
  phase: gettext("phase change"),
  join: gettext("join"),
  move: gettext("move"),
  vote: gettext("vote"),
};

let state = replayer.stateAt(replayer.first + (END > replayer.first ? 1 : 0));
let scrubbing = 0; // the latest scrub; an older one that finishes loading later is dropped
let speed = 1;
let playing = null; // {timer, since, wait, gap} while playing

// The recorded time the replay stands at: between two events while playing, so countdowns run.
const clock = {
  serverNow() {
    const at = timeline.timeOf(state.seq);
    if (!playing || !playing.wait) return at;
    const part = Math.min(1, (performance.now() - playing.since) / (playing.wait * 1000));
    return at + part * playing.gap;
  },
};

const range = $("replay-timeline");
const scale = 1000; // the range counts milliseconds from the round's first event
// A slider takes only multiples of its step: about 200 of them, so an arrow key moves the
// timeline by half a percent. Values are rounded up to a step, never down before their event.
const rangeStep = Math.max(1, Math.round((timeline.duration * scale) / 200));
const onRange = (seconds) => String(Math.ceil((seconds * scale) / rangeStep) * rangeStep);
range.step = String(rangeStep);
range.max = onRange(timeline.duration);
drawMarks();

followState(() => state);
setUpTheme($("theme-toggle"));
onThemeChange(() => {
  forgetStage();
  show(state);
});

$("replay-play").addEventListener("click", () => (playing ? pause() : play()));
$("replay-back").addEventListener("click", () => stepBack());
$("replay-forward").addEventListener("click", () => stepForward());
for (const radio of document.querySelectorAll('input[name="speed"]')) {
  radio.addEventListener("change", () => {
    speed = Number(radio.value);
    if (playing) schedule(); // the wait for the next event starts again at the new speed
  });
}
range.addEventListener("input", async () => {
  pause();
  const ask = ++scrubbing;
  const offset = Number(range.value) / scale;
  const ready = await loaded(loadUntil(() => timeline.timeOf(replayer.last) > timeline.start + offset));
  if (!ready || ask !== scrubbing) return;
  show(replayer.stateAt(timeline.seqAt(offset)), { announce: true, keepRange: true });
});
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest?.("input, select, textarea")) return; // they use these keys themselves
  if (event.key === "ArrowLeft") stepBack();
  else if (event.key === "ArrowRight") stepForward();
  else if (event.key === " " && !event.target.closest?.("button, summary, a")) (playing ? pause() : play());
  else return;
  event.preventDefault();
});

show(state);
setInterval(() => {
  drawCountdown(state, clock);
  if (playing) writePosition();
}, 250);

// One piece of the log after what is held (one request at a time).
function fetchPiece() {
  if (next === null) return Promise.resolve();
  if (!loading) {
    const url = `${data.pieces}?round=${encodeURIComponent(data.round)}&after=${next}`;
    loading = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) throw new Error(`the replay's log did not load (${response.status})`);
        return response.json();
      })
      .then((piece) => {
        replayer.add(piece.events);
        next = piece.next;
      })
      .finally(() => {
        loading = null;
      });
  }
  return loading;
}

// Fetch pieces until `enough()` holds or the whole round is here.
async function loadUntil(enough) {
  while (next !== null && !enough()) await fetchPiece();
}

// Whether the pieces asked for came; if not, the page says so (and the replay stays where it is).
async function loaded(loading) {
  try {
    await loading;
    return true;
  } catch {
    $("replay-announce").textContent = gettext("The rest of this replay could not be loaded. Reload the page to try again.");
    $("replay-position").textContent = $("replay-announce").textContent;
    return false;
  }
}

const loadTo = (seq) => loadUntil(() => replayer.last >= Math.min(seq, END));

function fetchAhead() {
  if (next !== null && replayer.last - state.seq < AHEAD) fetchPiece().catch(() => {});
}

async function stepForward() {
  pause();
  if (state.seq >= END) return;
  if (!(await loaded(loadTo(state.seq + 1)))) return;
  show(replayer.apply(state), { announce: true });
}

// Never an undo: the state one event earlier is folded afresh from a checkpoint.
function stepBack() {
  pause();
  if (state.seq > replayer.first) show(replayer.stateAt(state.seq - 1), { announce: true });
}

function play() {
  if (state.seq >= END) show(replayer.stateAt(replayer.first));
  playing = { timer: null, since: 0, wait: 0, gap: 0 };
  setPlayButton();
  schedule();
}

function pause() {
  if (!playing) return;
  clearTimeout(playing.timer);
  playing = null;
  setPlayButton();
  writePosition(true);
}

async function schedule() {
  clearTimeout(playing.timer);
  if (state.seq >= END) {
    pause();
    return;
  }
  const waiting = playing;
  if (!(await loaded(loadTo(state.seq + 1)))) return pause();
  if (playing !== waiting) return; // paused, or played again, while the piece loaded
  clearTimeout(playing.timer);
  const gap = timeline.timeOf(state.seq + 1) - timeline.timeOf(state.seq);
  const wait = playbackWait(gap, speed);
  Object.assign(playing, { since: performance.now(), wait, gap });
  playing.timer = setTimeout(() => {
    if (!playing) return;
    show(replayer.apply(state));
    schedule();
  }, wait * 1000);
}

function setPlayButton() {
  const button = $("replay-play");
  button.textContent = playing ? gettext("Pause") : gettext("Play");
  button.setAttribute("aria-keyshortcuts", "Space");
}

function show(next, { announce = false, keepRange = false } = {}) {
  state = next;
  drawStage(state, clock);
  if (!keepRange) range.value = onRange(timeline.timeOf(state.seq) - timeline.start);
  $("replay-back").disabled = state.seq <= replayer.first;
  $("replay-forward").disabled = state.seq >= END;
  writePosition(announce);
  fetchAhead();
}

// "Event 12 of 80 · 1:05 of 3:10", on the page and as the timeline's spoken value.
function writePosition(announce = false) {
  const count = END - replayer.first;
  const shown = state.seq - replayer.first;
  const elapsed = clock.serverNow() - timeline.start;
  const event = replayer.event(state.seq);
  const text = interpolate(gettext("Event %(n)s of %(count)s · %(time)s of %(total)s"),
    { n: shown, count, time: clockText(elapsed), total: clockText(timeline.duration) }, true);
  const node = $("replay-position");
  node.dataset.seq = String(state.seq);
  if (node.textContent !== text) node.textContent = text;
  const spoken = event?.mark ? interpolate(gettext("%(position)s: %(mark)s"), { position: text, mark: MARK_TEXT[event.mark] }, true) : text;
  range.setAttribute("aria-valuetext", spoken);
  if (announce) $("replay-announce").textContent = spoken;
}

// One tick per marked event at its recorded time, under the timeline it belongs to.
function drawMarks() {
  const strip = $("timeline-marks");
  strip.replaceChildren(...timeline.marks().map(({ seq, mark, left }) => {
    const tick = el("span", { class: `mark ${mark}`, "data-seq": seq, title: MARK_TEXT[mark] });
    tick.style.left = `${(left * 100).toFixed(3)}%`;
    return tick;
  }));
}
