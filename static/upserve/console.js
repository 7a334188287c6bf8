// The facilitator's console: roster, round controls, moves, results and standings.
import {
  Connection, readConfig, el, teamName, moveLabels, countdownText, showStatus, PHASE_TEXT,
} from "./client.js";

const config = readConfig();
const scenarios = readConfig("scenarios-data");
const $ = (id) => document.getElementById(id);
let rosterKey = null;

const conn = new Connection(config, {
  render,
  onStatus: (status, detail) => showStatus($("status"), status, detail),
  onNotice: (problem) => notify(problem.message),
});

setupControls();
conn.start();
setInterval(tick, 250);

function notify(message, kind = "error") {
  const box = $("notice");
  box.textContent = message || "";
  box.dataset.kind = kind;
  box.hidden = !message;
}

// Send a command; show the refusal (if any) to the facilitator.
function act(type, fields = {}) {
  notify("");
  return conn.send(type, fields).catch((problem) => {
    notify(problem.message);
    throw problem;
  });
}

function setupControls() {
  const select = $("scenario");
  select.replaceChildren(...scenarios.map((s) => el("option", { value: s.id, text: s.title })));
  if (!scenarios.length) select.append(el("option", { value: "", text: "No scenarios in this deck" }));
  $("start-round").addEventListener("click", () => {
    const id = Number(select.value);
    if (id) act("start_round", { scenario_id: id }).then(nextScenario, () => {});
  });
  $("advance").addEventListener("click", () => act("advance").catch(() => {}));
  $("pause").addEventListener("click", () => act("pause").catch(() => {}));
  $("resume").addEventListener("click", () => act("resume").catch(() => {}));
  $("minus30").addEventListener("click", () => act("adjust_timer", { seconds: -30 }).catch(() => {}));
  $("plus30").addEventListener("click", () => act("adjust_timer", { seconds: 30 }).catch(() => {}));
  $("lock").addEventListener("click", () => {
    const locked = !conn.state?.joining_locked;
    act("lock_joining", { locked }).catch(() => {});
  });
  $("end").addEventListener("click", () => {
    if (confirm("End the workshop for everyone? This cannot be undone.")) act("end_workshop").catch(() => {});
  });
}

// After a round starts, preselect the next scenario in the deck.
function nextScenario() {
  const select = $("scenario");
  if (select.selectedIndex < select.options.length - 1) select.selectedIndex += 1;
}

function tick() {
  const state = conn.state;
  $("countdown").textContent = state && !state.ended ? countdownText(conn, state.round) || "no timer" : "";
}

function render(state) {
  const r = state.round;
  const ended = state.ended;
  const people = state.teams.reduce((n, t) => n + t.members.length, 0) + state.unassigned.length;
  $("phase").textContent = ended ? "Workshop ended" : r ? `Round ${r.round}: ${PHASE_TEXT[r.phase]}` : "Lobby: no round yet";
  $("people").textContent = `${people} participant${people === 1 ? "" : "s"}`;
  $("lock").textContent = state.joining_locked ? "Unlock joining" : "Lock joining";
  $("lock-state").textContent = state.joining_locked ? "Joining is locked" : "Joining is open";
  const timer = r && (r.deadline != null || r.paused_remaining != null);
  const canStart = !ended && (!r || r.phase === "leaderboard");
  $("start-round").disabled = !canStart || !scenarios.length;
  $("scenario").disabled = !canStart;
  $("advance").disabled = ended || !r || r.phase === "leaderboard";
  $("advance").textContent = r && r.phase !== "leaderboard" ? `Advance to ${nextPhase(r.phase)}` : "Advance phase";
  $("pause").hidden = Boolean(r && r.paused_remaining != null);
  $("resume").hidden = !$("pause").hidden;
  $("pause").disabled = ended || !r || r.deadline == null;
  $("resume").disabled = ended;
  const atEnd = !r || r.phase === "leaderboard"; // no timer can run at the leaderboard
  $("minus30").disabled = ended || atEnd || !timer;
  $("plus30").disabled = ended || atEnd;
  $("lock").disabled = ended;
  $("end").disabled = ended;
  renderRound(state);
  renderResults(state);
  renderStandings(state);
  renderRoster(state);
  tick();
}

function nextPhase(phase) {
  const order = ["brief", "pitch", "vote", "reveal", "leaderboard"];
  return order[order.indexOf(phase) + 1];
}

function renderRound(state) {
  const r = state.round;
  const box = $("round");
  if (!r) {
    box.replaceChildren(el("p", { class: "hint", text: "Pick a scenario and start the first round." }));
    return;
  }
  const labels = moveLabels(state);
  const moves = state.teams.map((team) => {
    const move = r.moves[team.id];
    const label = labels[team.id] && labels[team.id] !== team.name ? ` (${labels[team.id]})` : "";
    return el(
      "li",
      { class: move ? "move saved" : "move" },
      el("div", { class: "move-head" },
        el("strong", { text: team.name + label }),
        el("span", { class: "muted", text: move ? `version ${move.version}` : "no move yet" })),
      move && move.text != null ? el("p", { class: "move-text", text: move.text }) : null,
    );
  });
  const submitted = state.teams.filter((t) => r.moves[t.id]).length;
  box.replaceChildren(
    el("h3", { text: r.scenario.title || "" }),
    el("p", { class: "muted", text: r.scenario.ask || "" }),
    el("p", { class: "stats" },
      el("span", { text: `${submitted} of ${state.teams.length} teams have a move` }),
      ["vote", "reveal", "leaderboard"].includes(r.phase) ? el("span", { text: ` · ${r.votes_in} votes in` }) : null),
    el("ul", { class: "moves" }, moves),
  );
}

function renderResults(state) {
  const results = state.round?.results;
  const box = $("results");
  box.hidden = !results;
  if (!results) return;
  const rows = state.teams.map((team) => {
    const x = results[team.id];
    if (!x) return null;
    return el("tr", {},
      el("td", { text: team.name }),
      el("td", { class: "num", text: x.has_move ? String(x.score) : "–" }),
      el("td", { class: "num", text: String(x.votes) }),
      el("td", { text: x.upsell ? "⚑ upsell" : "" }),
      el("td", { text: x.upserve ? `★ +${x.bonus}` : "" }),
      el("td", { class: "num strong", text: String(x.total) }));
  });
  box.replaceChildren(
    el("h2", { text: `Round ${state.round.round} results` }),
    el("table", {},
      el("thead", {}, el("tr", {}, headers(["Team", "Score:", "Votes:", "Upsell", "Upserve", "Total:"]))),
      el("tbody", {}, rows)),
  );
}

// Table headings; a trailing ":" marks a numeric (right-aligned) column.
function headers(names) {
  return names.map((h) => el("th", { class: h.endsWith(":") ? "num" : null, text: h.replace(/:$/, "") }));
}

function renderStandings(state) {
  const rows = state.standings.map((row) =>
    el("tr", {},
      el("td", { class: "num", text: String(row.rank) }),
      el("td", { text: teamName(state, row.team) }),
      el("td", { class: "num strong", text: String(row.total) }),
      el("td", { class: "num", text: row.badges ? `★ ${row.badges}` : "" }),
      el("td", { class: "num", text: row.change ? `+${row.change}` : "" })));
  $("standings").replaceChildren(
    el("h2", { text: "Standings" }),
    el("table", {},
      el("thead", {}, el("tr", {}, headers(["#:", "Team", "Total:", "Badges:", "This round:"]))),
      el("tbody", {}, rows)),
  );
}

// The roster is rebuilt only when it changes, so an open <select> is not yanked away.
function renderRoster(state) {
  const key = JSON.stringify([state.teams, state.unassigned, state.ended]);
  if (key === rosterKey) return;
  rosterKey = key;
  const groups = state.teams.map((team) =>
    el("section", { class: "team-group" },
      el("h3", {}, el("span", { text: team.name }), el("span", { class: "muted", text: ` · ${team.members.length}` })),
      el("ul", {}, team.members.map((p) => personRow(state, p, team.id)))));
  if (state.unassigned.length) {
    groups.unshift(el("section", { class: "team-group unassigned" },
      el("h3", { text: "Not in a team" }),
      el("ul", {}, state.unassigned.map((p) => personRow(state, p, "")))));
  }
  $("roster").replaceChildren(el("h2", { text: "Teams" }), el("div", { class: "roster-grid" }, groups));
}

function personRow(state, person, currentTeam) {
  const select = el(
    "select",
    { "aria-label": `Team for ${person.nickname}`, disabled: state.ended },
    currentTeam ? null : el("option", { value: "", text: "Choose a team…", selected: true }),
    state.teams.map((t) => el("option", { value: t.id, text: t.name, selected: t.id === currentTeam })),
  );
  select.addEventListener("change", () => {
    if (!select.value) return;
    act("assign_team", { participant: person.id, team: select.value }).catch(() => {
      rosterKey = null; // put the select back as it was
      renderRoster(conn.state);
    });
  });
  const removal = (label, ban) => {
    const button = el("button", { type: "button", class: "small", text: label, disabled: state.ended });
    button.addEventListener("click", () => {
      const what = ban ? "remove and ban" : "remove";
      if (confirm(`${what[0].toUpperCase()}${what.slice(1)} ${person.nickname}?`)) {
        act("remove_participant", { participant: person.id, ban }).catch(() => {});
      }
    });
    return button;
  };
  return el("li", { class: "person" }, el("span", { class: "nickname", text: person.nickname }), select,
    removal("Remove", false), removal("Ban", true));
}
