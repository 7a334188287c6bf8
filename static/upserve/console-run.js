// Running the workshop: the next step, the timer, the scenario for the next round, the lock,
// the end, and the projector window.
import { el, formatClock, timeLeft } from "./client.js";
import { confirmChoice } from "./console-dialog.js";

const $ = (id) => document.getElementById(id);

// What the facilitator's main button does in each phase, said as the action it takes.
const NEXT_STEP = {
  brief: () => gettext("Start the pitch"),
  pitch: () => gettext("Open voting"),
  vote: () => gettext("Reveal results"),
  reveal: () => gettext("Show the leaderboard"),
};

const PHASE_NAME = {
  brief: () => gettext("Brief"),
  pitch: () => gettext("Pitch"),
  vote: () => gettext("Vote"),
  reveal: () => gettext("Reveal"),
  leaderboard: () => gettext("Leaderboard"),
};

const PHASE_HINT = {
  brief: () => gettext("Everyone reads the scenario card on the screen."),
  pitch: () => gettext("Teams write their move on their phones."),
  vote: () => gettext("Everyone rates the other teams' moves."),
  reveal: () => gettext("The results are on the screen."),
  leaderboard: () => gettext("Start the next round when you are ready, or end the workshop."),
};

export class RunControls {
  constructor(ui, scenarios) {
    this.ui = ui; // {act, state(), conn}
    this.scenarios = scenarios;
    this.picked = null; // a scenario id the facilitator chose by hand for the next round
    this.pickerKey = null;
    const act = (type, fields) => () => ui.act(type, fields).catch(() => {});
    $("advance").addEventListener("click", act("advance"));
    $("pause").addEventListener("click", act("pause"));
    $("resume").addEventListener("click", act("resume"));
    $("minus30").addEventListener("click", act("adjust_timer", { seconds: -30 }));
    $("plus30").addEventListener("click", act("adjust_timer", { seconds: 30 }));
    $("lock").addEventListener("click", () => ui.act("lock_joining", { locked: !ui.state()?.joining_locked }).catch(() => {}));
    $("end").addEventListener("click", () => this.end());
    $("scenario").addEventListener("change", () => (this.picked = Number($("scenario").value) || null));
    $("start-round").addEventListener("click", () => this.start());
    $("open-screen").addEventListener("click", (event) => {
      // Its own window, to drag onto the projector; if pop-ups are blocked the link opens a tab.
      const opened = window.open($("open-screen").href, "upserve-screen", "popup");
      if (opened) event.preventDefault();
    });
  }

  render(state) {
    const r = state.round;
    const ended = state.ended;
    const between = !r || r.phase === "leaderboard";
    const number = r ? r.round : 0;
    $("phase").textContent = ended
      ? gettext("Workshop ended")
      : r
        ? interpolate(gettext("Round %(round)s · %(phase)s"), { round: number, phase: PHASE_NAME[r.phase]() }, true)
        : gettext("Lobby: no round yet");
    $("phase-hint").textContent = ended
      ? gettext("Nothing more can change. The results stay on the screen.")
      : r ? PHASE_HINT[r.phase]() : gettext("Pick a scenario and start the first round.");

    const advance = $("advance");
    advance.hidden = ended || between;
    if (!advance.hidden) advance.textContent = NEXT_STEP[r.phase]();

    const paused = Boolean(r && r.paused_remaining != null);
    const running = Boolean(r && r.deadline != null);
    $("pause").hidden = paused;
    $("resume").hidden = !paused;
    $("pause").disabled = ended || !running;
    $("resume").disabled = ended;
    $("minus30").disabled = ended || between || !(running || paused);
    $("plus30").disabled = ended || between;

    $("start-round").textContent = interpolate(gettext("Start round %s"), [number + 1]);
    $("start-round").disabled = ended || !between || !this.scenarios.length;
    $("scenario").disabled = ended || !between;
    $("start-round").closest(".start-row").hidden = ended;
    this.renderPicker(state);

    $("lock").textContent = state.joining_locked ? gettext("Unlock joining") : gettext("Lock joining");
    $("lock").disabled = ended;
    const lockState = $("lock-state");
    lockState.dataset.locked = String(Boolean(state.joining_locked));
    lockState.textContent = state.joining_locked ? gettext("Joining is locked") : gettext("Joining is open");
    $("lock-hint").hidden = !state.joining_locked || ended;
    $("end").disabled = ended;
    this.tick();
  }

  // Scenarios in planned order; the first planned one not yet played is chosen for the next round.
  renderPicker(state) {
    const played = new Set(state.rounds.map((x) => x.title));
    if (state.round) played.add(state.round.scenario.title);
    const key = JSON.stringify([...played]);
    if (key === this.pickerKey) return;
    if (this.pickerKey !== null && state.round) this.picked = null; // a round started: suggest afresh
    this.pickerKey = key;
    const option = (s) => el("option", {
      value: String(s.id),
      text: played.has(s.title) ? interpolate(gettext("%s (played)"), [s.title]) : s.title,
    });
    const planned = this.scenarios.filter((s) => s.planned !== false);
    const others = this.scenarios.filter((s) => s.planned === false);
    const select = $("scenario");
    if (!this.scenarios.length) {
      select.replaceChildren(el("option", { value: "", text: gettext("No scenarios in this deck") }));
      return;
    }
    // Groups only when the deck has scenarios outside the plan; otherwise one plain list.
    const groups = others.length
      ? [
        planned.length ? el("optgroup", { label: gettext("Planned") }, planned.map(option)) : null,
        el("optgroup", { label: gettext("Other scenarios") }, others.map(option)),
      ].filter(Boolean)
      : planned.map(option);
    select.replaceChildren(...groups);
    const suggested = planned.find((s) => !played.has(s.title)) || this.scenarios.find((s) => !played.has(s.title));
    const choice = this.picked ?? suggested?.id ?? this.scenarios[0].id;
    select.value = String(choice);
  }

  start() {
    const id = Number($("scenario").value);
    if (id) this.ui.act("start_round", { scenario_id: id }).then(() => (this.picked = null), () => {});
  }

  async end() {
    const ok = await confirmChoice({
      title: gettext("End the workshop?"),
      body: [gettext("Every phone and the screen stop. This cannot be undone.")],
      confirm: gettext("End workshop"),
      danger: true,
    });
    if (ok) this.ui.act("end_workshop").catch(() => {});
  }

  tick() {
    const state = this.ui.state();
    const node = $("countdown");
    const left = state && !state.ended ? timeLeft(this.ui.conn, state.round) : null;
    if (!left) node.textContent = state?.round && !state.ended ? gettext("no timer") : "";
    else if (left.paused) node.textContent = interpolate(gettext("%s paused"), [formatClock(left.seconds)]);
    else node.textContent = formatClock(left.seconds);
  }
}
