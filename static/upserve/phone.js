// The participant's phone: who am I, the scenario, the move editor, the ballot, my result.
import {
  Connection, readConfig, el, teamOf, teamName, moveLabels, countdownText, showStatus,
  scenarioCard, PHASE_TEXT,
} from "./client.js";

const MOVE_MAX = 600;
const QUESTIONS = [
  ["q1", "Will the customer's life improve?"],
  ["q2", "Will the world be better when it is over?"],
];
const ANSWERS = [
  ["yes", "Yes"],
  ["unsure", "Not sure"],
  ["no", "No"],
];

const config = readConfig();
const $ = (id) => document.getElementById(id);
const stage = $("stage");
let stageKey = null;
let editor = null; // the pitch editor while it is on screen
let ballot = null; // the vote cards while they are on screen

const conn = new Connection(config, {
  render,
  onStatus: (status, detail) => showStatus($("status"), status, detail),
  onNotice: (problem) => notify(problem.message),
});
conn.start();
setInterval(tick, 250);

function notify(message) {
  const box = $("notice");
  box.textContent = message || "";
  box.hidden = !message;
}

function tick() {
  const state = conn.state;
  $("countdown").textContent = state && !state.ended ? countdownText(conn, state.round) : "";
}

function render(state) {
  const me = state.you || {};
  const team = teamOf(state, me.id);
  $("nickname").textContent = me.nickname || "";
  $("team-name").textContent = team ? `Team ${team.name}` : "Waiting for a team";
  $("teammates").replaceChildren(
    ...(team ? team.members.filter((m) => m.id !== me.id).map((m) => el("li", { text: m.nickname })) : []),
  );
  const r = state.round;
  $("phase").textContent = state.ended ? "Finished" : r ? `Round ${r.round} · ${PHASE_TEXT[r.phase]}` : "Lobby";
  const key = [state.ended, r?.round, r?.phase, team?.id].join("|");
  if (key !== stageKey) {
    stageKey = key;
    editor = null;
    ballot = null;
    stage.replaceChildren(...build(state, team));
  }
  if (editor) updateEditor(state);
  if (ballot) updateBallot(state);
  tick();
}

function build(state, team) {
  const r = state.round;
  if (state.ended) return [el("section", { class: "card" }, el("h2", { text: "The workshop has ended" }), rankLine(state, team), el("p", { text: "Thank you for playing." }))];
  if (!r) return [el("section", { class: "card" }, el("h2", { text: "You're in!" }), el("p", { text: "Watch the screen. The first round starts soon." }))];
  if (!team && ["pitch", "vote"].includes(r.phase)) {
    return [el("section", { class: "card" }, el("p", { text: "You are not in a team yet. The facilitator will put you in one." }))];
  }
  switch (r.phase) {
    case "brief":
      return [scenarioCard(r.scenario), el("p", { class: "hint", text: "Read the scenario. Your team writes its move next." })];
    case "pitch":
      return [scenarioCard(r.scenario, { compact: true }), buildEditor(state, team)];
    case "vote":
      return buildBallot(state);
    case "reveal":
      return [resultCard(state, team)];
    default:
      return [el("section", { class: "card" }, el("h2", { text: "Leaderboard" }), rankLine(state, team))];
  }
}

// -- pitch: the team's move --------------------------------------------------------------------

function draftKey(state) {
  return `upserve:draft:${config.code}:${state.round.round}`;
}

function buildEditor(state, team) {
  const move = state.round.moves[team.id];
  const textarea = el("textarea", { id: "move-text", maxlength: MOVE_MAX, rows: 7, placeholder: "What does your team offer or do, and why?" });
  const counter = el("span", { class: "counter" });
  const status = el("span", { class: "save-status", role: "status" });
  const save = el("button", { type: "button", class: "primary", text: "Save", onclick: () => saveMove() });
  const conflict = el("div", { class: "conflict", hidden: true });
  editor = { textarea, counter, status, save, conflict, base: move?.version || 0, dirty: false, saving: false, key: draftKey(state), team: team.id };
  let draft = null;
  try {
    draft = JSON.parse(localStorage.getItem(editor.key) || "null");
  } catch {
    draft = null;
  }
  if (draft && typeof draft.text === "string" && draft.text !== (move?.text ?? "")) {
    textarea.value = draft.text;
    editor.base = draft.base || 0;
    editor.dirty = true;
    status.textContent = "Draft not saved yet";
  } else {
    textarea.value = move?.text || "";
    status.textContent = move ? `Saved (version ${move.version})` : "Nothing saved yet";
  }
  textarea.addEventListener("input", () => {
    editor.dirty = true;
    editor.status.textContent = "Not saved yet";
    storeDraft();
    updateCounter();
  });
  updateCounter();
  return el(
    "section",
    { class: "card editor" },
    el("label", { for: "move-text", class: "label", text: "Your team's move" }),
    textarea,
    el("div", { class: "editor-bar" }, counter, status),
    conflict,
    save,
  );
}

function storeDraft(ed = editor) {
  try {
    localStorage.setItem(ed.key, JSON.stringify({ text: ed.textarea.value, base: ed.base }));
  } catch {
    /* private mode: no draft kept */
  }
}

function clearDraft(ed = editor) {
  try {
    localStorage.removeItem(ed.key);
  } catch {
    /* ignore */
  }
}

function updateCounter() {
  const n = editor.textarea.value.length;
  editor.counter.textContent = `${n} / ${MOVE_MAX}`;
  editor.counter.classList.toggle("near-limit", n > MOVE_MAX - 50);
}

function updateEditor(state) {
  const move = state.round.moves[editor.team];
  editor.save.disabled = editor.saving;
  if (!move || editor.saving) return;
  if (!editor.dirty) {
    if (move.version < editor.base) return; // our own save is acked; its event is on the way
    if (move.version > editor.base) editor.status.textContent = `Saved by ${authorName(state, move)} (version ${move.version})`;
    if (editor.textarea.value !== (move.text ?? "")) editor.textarea.value = move.text ?? "";
    editor.base = move.version;
    editor.conflict.hidden = true;
    updateCounter();
  } else if (move.version > editor.base) {
    showConflict(move);
  }
}

function authorName(state, move) {
  if (move.author === state.you?.id) return "you";
  return teamOf(state, move.author)?.members.find((m) => m.id === move.author)?.nickname || "a teammate";
}

function showConflict(move) {
  const useTheirs = () => {
    editor.textarea.value = move.text ?? "";
    editor.base = move.version;
    editor.dirty = false;
    editor.conflict.hidden = true;
    editor.status.textContent = `Saved (version ${move.version})`;
    clearDraft();
    updateCounter();
  };
  const keepMine = () => {
    editor.base = move.version;
    editor.conflict.hidden = true;
    storeDraft();
    saveMove();
  };
  editor.conflict.replaceChildren(
    el("strong", { text: `${authorName(conn.state, move).replace(/^you$/, "You, on another device,")} saved a newer version of your move:` }),
    el("blockquote", { text: move.text ?? "" }),
    el("div", { class: "choice-row" },
      el("button", { type: "button", text: "Use theirs", onclick: useTheirs }),
      el("button", { type: "button", text: "Save mine instead", onclick: keepMine })),
  );
  editor.conflict.hidden = false;
}

function saveMove() {
  const current = editor;
  const text = current.textarea.value;
  if (!text.trim()) {
    current.status.textContent = "Write something first.";
    return;
  }
  const base = current.base;
  current.saving = true;
  current.save.disabled = true;
  current.status.textContent = "Saving…";
  conn.send("submit_move", { text, base_version: base }).then(
    () => {
      current.saving = false;
      current.base = base + 1;
      if (current.textarea.value === text) {
        current.dirty = false;
        clearDraft(current);
      } else {
        storeDraft(current);
      }
      current.status.textContent = `Saved ✓ (version ${base + 1})`;
      current.conflict.hidden = true;
      if (conn.state) render(conn.state);
    },
    (problem) => {
      current.saving = false;
      current.save.disabled = false;
      if (problem.code === "stale_move") {
        current.status.textContent = "Not saved: a teammate saved first.";
        const move = conn.state?.round?.moves[current.team];
        if (move) showConflict(move);
      } else {
        current.status.textContent = `Not saved: ${problem.message}`;
      }
    },
  );
}

// -- vote: rate every move on the ballot -------------------------------------------------------

function buildBallot(state) {
  const r = state.round;
  const me = state.you || {};
  const own = teamOf(state, me.id)?.id;
  const labels = moveLabels(state);
  const teams = r.ballot.filter((t) => t !== own && r.moves[t]);
  const progress = el("p", { class: "progress", role: "status" });
  ballot = { progress, teams, cards: {} };
  const cards = teams.map((teamId) => {
    const picks = { ...(r.my_votes[teamId] || {}) };
    const status = el("span", { class: "save-status" });
    const card = { picks, status, inputs: {}, sending: false };
    ballot.cards[teamId] = card;
    const questions = QUESTIONS.map(([q, prompt]) =>
      el("fieldset", { class: "question" },
        el("legend", { text: prompt }),
        el("div", { class: "three-way" },
          ANSWERS.map(([value, label]) => {
            const input = el("input", { type: "radio", name: `vote-${teamId}-${q}`, value, checked: picks[q] === value, onchange: () => pick(teamId, q, value) });
            card.inputs[`${q}:${value}`] = input;
            return el("label", { class: `answer answer-${value}` }, input, el("span", { text: label }));
          }))));
    return el("article", { class: "card vote-card" },
      el("h3", { text: labels[teamId] || teamName(state, teamId) }),
      el("p", { class: "move-text", text: r.moves[teamId].text ?? "" }),
      ...questions, status);
  });
  if (!teams.length) return [el("section", { class: "card" }, el("p", { text: "There are no other moves for you to rate this round." }))];
  return [el("section", { class: "card intro" }, el("h2", { text: "Rate each move" }), progress), ...cards];
}

function pick(teamId, question, value) {
  const card = ballot.cards[teamId];
  card.picks[question] = value;
  if (!card.picks.q1 || !card.picks.q2) {
    card.status.textContent = "Answer both questions to count your vote.";
    return;
  }
  const vote = { team: teamId, q1: card.picks.q1, q2: card.picks.q2 };
  card.sending = true;
  card.status.textContent = "Saving…";
  conn.send("vote", vote).then(
    () => {
      card.sending = false;
      card.status.textContent = "Saved ✓";
      if (conn.state) render(conn.state);
    },
    (problem) => {
      card.sending = false;
      card.status.textContent = `Not saved: ${problem.message}`;
    },
  );
}

function updateBallot(state) {
  const mine = state.round.my_votes;
  const rated = ballot.teams.filter((t) => mine[t]).length;
  ballot.progress.textContent = `${rated} of ${ballot.teams.length} rated · changeable until the vote closes`;
  for (const [teamId, card] of Object.entries(ballot.cards)) {
    const saved = mine[teamId];
    if (!saved || card.sending) continue;
    if (!card.status.textContent) card.status.textContent = "Saved ✓";
    for (const [q] of QUESTIONS) {
      if (card.picks[q] && card.picks[q] !== saved[q]) continue; // a newer local choice
      card.picks[q] = saved[q];
      const input = card.inputs[`${q}:${saved[q]}`];
      if (input) input.checked = true;
    }
  }
}

// -- reveal and leaderboard ----------------------------------------------------------------------

function resultCard(state, team) {
  const result = team && state.round.results?.[team.id];
  if (!result) return el("section", { class: "card" }, el("p", { text: "Waiting for the results…" }));
  if (!result.has_move) {
    return el("section", { class: "card result" }, el("h2", { text: "No move this round" }), el("p", { text: "Your team did not save a move, so it scores 0." }));
  }
  return el(
    "section",
    { class: "card result" },
    el("p", { class: "label", text: `Team ${team.name} scored` }),
    el("p", { class: "big-number", text: String(result.total) }),
    el("p", { text: `${result.score} points from ${result.votes} vote${result.votes === 1 ? "" : "s"}${result.bonus ? ` + ${result.bonus} bonus` : ""}` }),
    result.upserve ? el("p", { class: "badge upserve", text: "★ Upserve badge" }) : null,
    result.upsell ? el("p", { class: "badge upsell", text: "⚑ Flagged as upsell: scores 0 this round" }) : null,
  );
}

function rankLine(state, team) {
  const row = team && state.standings.find((s) => s.team === team.id);
  if (!row) return el("p", { text: "No standings yet." });
  return el(
    "div",
    { class: "rank" },
    el("p", { class: "big-number", text: `#${row.rank}` }),
    el("p", { text: `of ${state.standings.length} teams · ${row.total} points` }),
    row.change ? el("p", { text: `+${row.change} this round` }) : null,
    row.badges ? el("p", { class: "badge upserve", text: `★ × ${row.badges}` }) : null,
  );
}
