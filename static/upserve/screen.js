// The projector screen: the lobby with the room code, then each round's phase in large type.
// Each phase's view lives in its own module; this one connects, picks the view and keeps time.
import { Connection, readConfig, el, timeLeft } from "./client.js";
import { renderLobby } from "./screen-lobby.js";
import { phaseHeading, scenarioCard, pitchBoard, voteBoard, updateVoteProgress } from "./screen-round.js";
import { revealView, chartPoints } from "./screen-reveal.js";
import { mountChart, destroyChart } from "./screen-chart.js";
import { leaderboardView, updateLeaderboard, followState } from "./screen-leaderboard.js";
import { setUpTheme, onThemeChange } from "./screen-theme.js";
import { statusText, countdownText } from "./screen-text.js";

const $ = (id) => document.getElementById(id);
let stageKey = null;

const conn = new Connection(readConfig(), {
  render,
  onStatus(status, detail) {
    $("status").dataset.status = status;
    $("status").textContent = statusText(status, detail);
  },
});
followState(() => conn.state);
setUpTheme($("theme-toggle"));
onThemeChange(() => {
  stageKey = null; // the chart draws with the theme's colours: draw it again
  if (conn.state) render(conn.state);
});
conn.start();
setInterval(tick, 250);

function tick() {
  const state = conn.state;
  const round = state && !state.ended ? state.round : null;
  const text = round ? countdownText(conn, round) : "";
  const left = round ? timeLeft(conn, round) : null;
  for (const node of document.querySelectorAll(".big-countdown")) {
    if (node.textContent !== text) node.textContent = text;
    node.classList.toggle("low", Boolean(left && !left.paused && left.seconds <= 10));
  }
}

// What the stage shows, minus what changes every second or every vote (those are patched in place).
function keyOf(state) {
  const r = state.round;
  const round = r && { ...r, votes_in: 0, deadline: 0, paused_remaining: 0 };
  const teams = state.teams.map((t) => [t.id, t.name]); // members only count in the vote's progress
  return JSON.stringify([state.ended, round, teams, state.standings, state.settings]);
}

function render(state) {
  const r = state.round;
  const lobby = !r && !state.ended;
  $("lobby").hidden = !lobby;
  $("stage").hidden = lobby;
  $("join-strip").hidden = lobby || state.ended || state.joining_locked;
  if (lobby) {
    stageKey = null;
    destroyChart();
    renderLobby(state);
  } else {
    const key = keyOf(state);
    if (key !== stageKey) {
      stageKey = key;
      destroyChart();
      $("stage").replaceChildren(...stage(state));
      if (!state.ended && r.phase === "reveal") mountChart(chartPoints(state));
    }
    if (!state.ended && r.phase === "vote") updateVoteProgress(state);
    if (state.ended || r.phase === "leaderboard") updateLeaderboard(state);
  }
  tick();
}

function stage(state) {
  const r = state.round;
  if (state.ended) {
    return [el("h1", { class: "phase-title", text: gettext("Final standings") }), leaderboardView(state)];
  }
  switch (r.phase) {
    case "brief":
      return [phaseHeading(state, gettext("The scenario")), scenarioCard(r.scenario)];
    case "pitch":
      return [phaseHeading(state, gettext("Teams write their move")), scenarioCard(r.scenario, { compact: true }), pitchBoard(state)];
    case "vote":
      return [phaseHeading(state, gettext("Vote on your phones")), ...voteBoard(state)];
    case "reveal":
      return [phaseHeading(state, gettext("Results")), ...revealView(state)];
    default:
      return [phaseHeading(state, gettext("Leaderboard")), leaderboardView(state), debrief(r.scenario)];
  }
}

function debrief(scenario) {
  return scenario.debrief ? el("p", { class: "debrief", text: scenario.debrief }) : null;
}
