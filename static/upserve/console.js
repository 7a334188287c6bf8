// The facilitator's console: wires the connection to the run controls, the roster, moderation
// and the results. Each part lives in its own console-*.js module.
import { Connection, readConfig, showStatus } from "./client.js";
import { Moderation } from "./console-moderation.js";
import { Presence, onlineText } from "./console-presence.js";
import { renderResults, renderStandings } from "./console-results.js";
import { Roster } from "./console-roster.js";
import { RunControls } from "./console-run.js";

const $ = (id) => document.getElementById(id);

const presence = new Presence(() => {
  roster.showPresence();
  showCounts(conn.state);
});

const conn = new Connection(readConfig(), {
  render,
  onStatus: (status, detail) => {
    showStatus($("status"), status, detail);
    presence.connectionChanged(status);
  },
  onNotice: (problem) => notify(problem.message),
});

const ui = { conn, presence, act, state: () => conn.state };
const run = new RunControls(ui, readConfig("scenarios-data"));
const roster = new Roster(ui);
const moderation = new Moderation(ui);

$("notice-close").addEventListener("click", () => notify(""));
presence.listen(conn);
conn.start();
setInterval(() => run.tick(), 250);

// A refusal stays up until dismissed or the next action: the facilitator may be looking away.
function notify(message) {
  $("notice-text").textContent = message || "";
  $("notice").hidden = !message;
}

// Send a command; show the refusal (if any). Rejects with it, for callers that undo something.
function act(type, fields = {}) {
  notify("");
  return conn.send(type, fields).catch((problem) => {
    notify(problem.message);
    throw problem;
  });
}

function showCounts(state) {
  if (!state) return;
  const people = state.teams.reduce((n, t) => n + t.members.length, 0) + state.unassigned.length;
  $("people").textContent = interpolate(ngettext("%s participant", "%s participants", people), [people]);
  const online = onlineText(presence, state);
  $("online-count").textContent = online;
  $("online-count").hidden = !online;
}

function render(state) {
  run.render(state);
  showCounts(state);
  moderation.render(state);
  renderResults(state);
  renderStandings(state);
  roster.render(state);
}
