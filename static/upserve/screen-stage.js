// Draws a state on the projector screen's page: the live screen (screen.js) and a replay
// (replay.js) both draw through here, so a replay shows exactly what the room saw.
import { el, timeLeft } from "./client.js";
import { renderLobby } from "./screen-lobby.js";
import { phaseHeading, scenarioCard, pitchBoard, voteBoard, updateVoteProgress } from "./screen-round.js";
import { revealView, chartPoints } from "./screen-reveal.js";
import { mountChart, destroyChart } from "./screen-chart.js";
import { leaderboardView, updateLeaderboard } from "./screen-leaderboard.js";
import { countdownText } from "./screen-text.js";

const $ = (id) => document.getElementById(id);
let stageKey = null;

export function forgetStage() {
  stageKey = null; // the chart draws with the theme's colours: draw it again
}

// What the stage shows, minus what changes every second or every vote (patched in place).
function keyOf(state) {
  const r = state.round;
  const round = r && { ...r, votes_in: 0, deadline: 0, paused_remaining: 0 };
  const teams = state.teams.map((t) => [t.id, t.name]);
  return JSON.stringify([state.ended, round, teams, state.standings, state.settings]);
}

// clock: {serverNow()} — the connection live, or the recorded time a replay stands at.
export function drawStage(state, clock) {
  const r = state.round;
  const lobby = !r && !state.ended;
  $("lobby").hidden = !lobby;
  $("stage").hidden = lobby;
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
  drawCountdown(state, clock);
}

export function drawCountdown(state, clock) {
  const round = state && !state.ended ? state.round : null;
  const text = round ? countdownText(clock, round) : "";
  const left = round ? timeLeft(clock, round) : null;
  for (const node of document.querySelectorAll(".big-countdown")) {
    if (node.textContent !== text) node.textContent = text;
    node.classList.toggle("low", Boolean(left && !left.paused && left.seconds <= 10));
  }
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
