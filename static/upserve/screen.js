// The projector screen: lobby with the room code, then each round's phase in large type.
import {
  Connection, readConfig, el, teamName, moveLabels, countdownText, showStatus, scenarioCard,
} from "./client.js";

const config = readConfig();
const $ = (id) => document.getElementById(id);
let stageKey = null;

const conn = new Connection(config, {
  render,
  onStatus: (status, detail) => showStatus($("status"), status, detail),
});
conn.start();
setInterval(tick, 250);

function tick() {
  const state = conn.state;
  const text = state && !state.ended ? countdownText(conn, state.round) : "";
  for (const node of document.querySelectorAll(".big-countdown")) {
    node.textContent = text;
    node.classList.toggle("low", Boolean(text) && !text.includes("paused") && /^0:[0-1]\d$/.test(text));
  }
}

function render(state) {
  const r = state.round;
  const lobby = !r && !state.ended;
  if (lobby) stageKey = null;
  $("lobby").hidden = !lobby;
  $("stage").hidden = lobby;
  $("join-strip").hidden = lobby || state.ended || state.joining_locked;
  if (lobby) renderLobby(state);
  else {
    // Rebuild only when something other than the vote count changed (votes arrive in floods).
    const round = r && { ...r, votes_in: 0, deadline: 0, paused_remaining: 0 };
    const key = JSON.stringify([state.ended, round, state.teams.map((t) => t.name), state.standings, state.settings]);
    if (key !== stageKey) {
      stageKey = key;
      $("stage").replaceChildren(...stage(state));
    }
    const votes = $("votes-in");
    if (votes && r) votes.textContent = String(r.votes_in);
  }
  tick();
}

function renderLobby(state) {
  const people = state.teams.reduce((n, t) => n + t.members.length, 0) + state.unassigned.length;
  $("lobby-count").textContent = people ? `${people} joined` : "Waiting for the first players…";
  $("lobby-locked").hidden = !state.joining_locked;
  const groups = state.teams.map((team) =>
    el("section", { class: "team-tile" },
      el("h3", { text: team.name }),
      el("ul", {}, team.members.map((m) => el("li", { text: m.nickname })))));
  if (state.unassigned.length) {
    groups.push(el("section", { class: "team-tile" }, el("h3", { text: "Waiting for a team" }),
      el("ul", {}, state.unassigned.map((m) => el("li", { text: m.nickname })))));
  }
  $("lobby-roster").replaceChildren(...groups);
}

function stage(state) {
  const r = state.round;
  if (state.ended) return [el("h1", { class: "phase-title", text: "Final standings" }), standingsTable(state)];
  const heading = (text) => el("div", { class: "phase-head" },
    el("h1", { class: "phase-title", text: `Round ${r.round} · ${text}` }),
    el("div", { class: "big-countdown" }));
  switch (r.phase) {
    case "brief":
      return [heading("The scenario"), scenarioCard(r.scenario)];
    case "pitch":
      return [heading("Teams write their move"), scenarioCard(r.scenario, { compact: true }), submittedGrid(state)];
    case "vote":
      return [heading("Vote on your phones"), voteBoard(state), ruleLine(state)];
    case "reveal":
      return [heading("Results"), revealGrid(state), ruleLine(state)];
    default:
      return [heading("Leaderboard"), standingsTable(state), debrief(r.scenario)];
  }
}

function submittedGrid(state) {
  const r = state.round;
  const done = state.teams.filter((t) => (r.moves[t.id]?.version || 0) > 0).length;
  return el("section", {},
    el("p", { class: "counter-line", text: `${done} of ${state.teams.length} teams have submitted` }),
    el("div", { class: "team-grid" },
      state.teams.map((team) => {
        const submitted = (r.moves[team.id]?.version || 0) > 0;
        return el("div", { class: submitted ? "team-chip done" : "team-chip" },
          el("span", { text: team.name }),
          el("span", { class: "chip-state", text: submitted ? "✓ submitted" : "writing…" }));
      })));
}

function voteBoard(state) {
  const r = state.round;
  const labels = moveLabels(state);
  const ordered = Object.keys(labels).sort((a, b) => labels[a].localeCompare(labels[b], undefined, { numeric: true }));
  return el("section", {},
    el("p", { class: "counter-line" }, el("strong", { id: "votes-in", text: String(r.votes_in) }), " votes in"),
    el("div", { class: "move-grid" },
      ordered.map((teamId) => el("article", { class: "card move-card" },
        el("h3", { text: labels[teamId] }),
        el("p", { text: r.moves[teamId].hidden ? "(hidden by the facilitator)" : r.moves[teamId].text ?? "" })))));
}

function revealGrid(state) {
  const r = state.round;
  const labels = moveLabels(state);
  const results = r.results || {};
  const teams = [...state.teams].sort((a, b) => (results[b.id]?.total || 0) - (results[a.id]?.total || 0));
  return el("div", { class: "reveal-grid" },
    teams.map((team) => {
      const x = results[team.id];
      if (!x) return null;
      const label = labels[team.id] && labels[team.id] !== team.name ? labels[team.id] : "";
      const q = (k, answer) => x.answers?.[k]?.[answer] ?? 0;
      return el("article", { class: `card reveal-card${x.upsell ? " upsell" : ""}${x.upserve ? " upserve" : ""}` },
        el("h3", {}, el("span", { text: team.name }), label ? el("span", { class: "muted", text: ` · ${label}` }) : null),
        el("p", { class: "big-number", text: String(x.total) }),
        x.has_move
          ? el("p", { class: "muted", text: `${x.votes} votes · life better: ${q("q1", "yes")} yes / ${q("q1", "unsure")} not sure / ${q("q1", "no")} no · world better: ${q("q2", "yes")} / ${q("q2", "unsure")} / ${q("q2", "no")}` })
          : el("p", { class: "muted", text: "no move" }),
        x.upserve ? el("p", { class: "badge upserve", text: `★ Upserve +${x.bonus}` }) : null,
        x.upsell ? el("p", { class: "badge upsell", text: "⚑ Upsell: scores 0" }) : null);
    }));
}

function standingsTable(state) {
  return el("table", { class: "standings" },
    el("tbody", {}, state.standings.map((row) =>
      el("tr", {},
        el("td", { class: "rank", text: String(row.rank) }),
        el("td", { text: teamName(state, row.team) }),
        el("td", { class: "num", text: row.badges ? "★".repeat(Math.min(row.badges, 5)) + (row.badges > 5 ? `×${row.badges}` : "") : "" }),
        el("td", { class: "num strong", text: String(row.total) }),
        el("td", { class: "num change", text: row.change ? `+${row.change}` : "" })))));
}

function debrief(scenario) {
  return scenario.debrief ? el("p", { class: "debrief", text: scenario.debrief }) : null;
}

function fraction(text) {
  if (String(text).includes("/")) {
    const [a, b] = String(text).split("/").map(Number);
    return b ? a / b : 0;
  }
  return Number(text);
}

function percent(text) {
  return `${Math.round(fraction(text) * 100)}%`;
}

// The scoring rule in words, from the workshop's settings.
function ruleLine(state) {
  const s = state.settings;
  return el("p", { class: "rule", text:
    `Yes = ${s.yes_value}, not sure = ${s.unsure_value}, no = ${s.no_value}; a vote is worth question 1 × question 2. ` +
    `Score = 100 × the average vote. More than ${percent(s.upsell_share)} "no" to question 1: flagged upsell, 0 points. ` +
    `At least ${percent(s.badge_share)} "yes" to both: upserve badge, +${s.badge_bonus}.` });
}
