// The participant's phone: who am I and with whom, then one view per phase of the round.
// The views live in phone-pitch.js, phone-vote.js and phone-results.js.
import { Connection, readConfig, el, teamOf, countdownText, showStatus, scenarioCard, PHASE_TEXT } from "./client.js";
import { pitchView } from "./phone-pitch.js";
import { voteView } from "./phone-vote.js";
import { resultCard, rankCard } from "./phone-results.js";
import { endView } from "./phone-commit.js";

const config = readConfig();
const $ = (id) => document.getElementById(id);
const stage = $("stage");
let stageKey = null;
let view = null; // the stage's live view: {update(state), connectionChanged()} while one is shown

const conn = new Connection(config, {
  render,
  onStatus,
  onNotice: (problem) => notify(problem.message),
});
$("notice-dismiss").addEventListener("click", () => notify(""));
conn.start();
setInterval(tick, 250);

const setText = (node, text) => {
  if (node.textContent !== text) node.textContent = text; // live regions speak on change only
};

function notify(message) {
  setText($("notice-text"), message || "");
  $("notice").hidden = !message;
}

function onStatus(status, detail) {
  showStatus($("status"), status, detail);
  if (status === "stopped") {
    stageKey = "stopped";
    view = null;
    stage.replaceChildren(stoppedCard(detail));
  } else if (view) {
    view.connectionChanged();
  }
}

function tick() {
  const state = conn.state;
  setText($("countdown"), state && !state.ended ? countdownText(conn, state.round) : "");
}

function card(heading, ...lines) {
  return el("section", { class: "card" }, heading ? el("h2", { text: heading }) : null,
    ...lines.map((line) => (typeof line === "string" ? el("p", { text: line }) : line)));
}

function stoppedCard(detail) {
  const join = el("a", { class: "button primary", href: `/join/${encodeURIComponent(config.code)}/`, text: gettext("Join again") });
  return card(gettext("You are no longer connected"), detail || gettext("This page has stopped."), join);
}

function render(state) {
  if (conn.stopped) return;
  const me = state.you || {};
  const team = teamOf(state, me.id);
  setText($("nickname"), me.nickname || "");
  setText($("team-name"), team ? interpolate(gettext("Team %(name)s"), { name: team.name }, true) : gettext("Waiting for a team"));
  const mates = team ? team.members.filter((m) => m.id !== me.id).map((m) => m.nickname) : [];
  if ($("teammates").dataset.names !== JSON.stringify(mates)) {
    $("teammates").dataset.names = JSON.stringify(mates);
    $("teammates").replaceChildren(...mates.map((name) => el("li", { text: name })));
  }
  $("teammates-heading").hidden = !mates.length;
  const r = state.round;
  setText($("phase"), state.ended
    ? gettext("Finished")
    : r ? interpolate(gettext("Round %(round)s · %(phase)s"), { round: r.round, phase: PHASE_TEXT[r.phase] }, true) : gettext("Lobby"));
  const key = keyOf(state, team);
  if (key !== stageKey) {
    stageKey = key;
    view = null;
    stage.replaceChildren(...build(state, team));
  }
  if (view) view.update(state);
  tick();
}

// The stage is rebuilt when this changes. The pitch and the vote keep their views (and what
// the person is typing or choosing) and update them in place; the other stages are plain text,
// so they also rebuild when what they show changes: round_scored may arrive in a later frame
// than the phase_changed that opened the reveal.
function keyOf(state, team) {
  const r = state.round;
  const key = [state.ended, r?.round, r?.phase, team?.id, Boolean(state.you)];
  if (r && ["pitch", "vote"].includes(r.phase)) return key.join("|");
  const standing = state.standings.find((s) => s.team === team?.id);
  return JSON.stringify([key, team?.name, r?.results?.[team?.id] || null, standing || null, state.standings.length]);
}

function build(state, team) {
  const r = state.round;
  if (!state.you) return [card(gettext("You are not in this workshop"), gettext("Join again with the room code."))];
  if (state.ended) {
    view = endView(conn, state, config.code);
    return [rankCard(state, team, { heading: gettext("The workshop has ended") }), card(null, gettext("Thank you for playing.")), ...view.nodes];
  }
  if (!r) {
    return [card(gettext("You're in!"), team
      ? interpolate(gettext("You play in team %(name)s. The first round starts soon: watch the screen."), { name: team.name }, true)
      : gettext("The facilitator will put you in a team. Watch the screen."))];
  }
  if (!team && ["pitch", "vote"].includes(r.phase)) {
    return [card(null, gettext("You are not in a team yet. The facilitator will put you in one."))];
  }
  switch (r.phase) {
    case "brief":
      return [scenarioCard(r.scenario), el("p", { class: "hint", text: gettext("Read the scenario. Your team writes its move next.") })];
    case "pitch":
      view = pitchView(conn, state, team);
      return [scenarioCard(r.scenario, { compact: true }), ...view.nodes];
    case "vote":
      view = voteView(conn, state);
      return view.nodes;
    case "reveal":
      return [resultCard(state, team)];
    default:
      return [rankCard(state, team, { heading: gettext("Leaderboard") })];
  }
}
