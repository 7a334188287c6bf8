// The vote: one card per move on this phone's ballot, two three-way questions each. A choice
// reads "saved" only once the server has acknowledged it; until the vote closes it can change.
import { el, teamOf, teamName, moveLabels } from "./client.js";

const QUESTIONS = () => [
  ["q1", gettext("Will the customer's life improve?")],
  ["q2", gettext("Will the world be better when it is over?")],
];
const ANSWERS = () => [
  ["yes", gettext("Yes")],
  ["unsure", gettext("Not sure")],
  ["no", gettext("No")],
];

function card(conn, state, teamId, label, questions, answers) {
  const r = state.round;
  const heading = el("h3", { id: `move-${teamId}`, text: label });
  const status = el("span", { class: "save-status", role: "status" });
  // latest: the number of the newest send; only its answer may say "saved".
  const c = { picks: { ...(r.my_votes[teamId] || {}) }, inputs: {}, status, latest: 0, waiting: false };

  const say = (text) => {
    if (status.textContent !== text) status.textContent = text;
  };

  c.connectionChanged = () => {
    if (!c.waiting) return;
    say(conn.live ? gettext("Saving…") : gettext("Kept on this phone: it will be sent when the connection is back."));
  };

  const choose = (q, value) => {
    c.picks[q] = value;
    if (!c.picks.q1 || !c.picks.q2) {
      say(gettext("Answer both questions to count your vote."));
      return;
    }
    const mine = (c.latest += 1);
    c.waiting = true;
    c.connectionChanged();
    conn.send("vote", { team: teamId, q1: c.picks.q1, q2: c.picks.q2 }).then(
      () => {
        if (mine !== c.latest) return; // a newer choice is on its way and will speak for itself
        c.waiting = false;
        say(gettext("Saved ✓"));
      },
      (problem) => {
        if (mine !== c.latest) return;
        c.waiting = false;
        say(interpolate(gettext("Not saved: %(reason)s"), { reason: problem.message }, true));
      },
    );
  };

  const fieldsets = questions.map(([q, prompt]) =>
    el("fieldset", { class: "question" },
      el("legend", { text: prompt }),
      el("div", { class: "three-way" },
        answers.map(([value, text]) => {
          const input = el("input", {
            type: "radio", name: `vote-${teamId}-${q}`, value,
            checked: c.picks[q] === value, onchange: () => choose(q, value),
          });
          c.inputs[`${q}:${value}`] = input;
          return el("label", { class: `answer answer-${value}` }, input, el("span", { text }));
        }))));

  // Shows what the server holds when that changes (this phone's vote arriving, or the same
  // person voting on another device), unless a newer choice from this phone is still on its way.
  // Comparing with the last value seen, not with the picks, keeps an acked choice from flickering
  // back while its event is still in the server's next tally batch.
  const votedKey = (v) => (v ? `${v.q1}/${v.q2}` : "");
  c.seen = votedKey(r.my_votes[teamId]);
  if (c.seen) say(gettext("Saved ✓"));
  c.update = (saved) => {
    const key = votedKey(saved);
    if (!key || key === c.seen) return;
    c.seen = key;
    if (c.waiting) return;
    for (const [q] of questions) {
      c.picks[q] = saved[q];
      const input = c.inputs[`${q}:${saved[q]}`];
      if (input && !input.checked) input.checked = true;
    }
    say(gettext("Saved ✓"));
  };

  c.node = el("article", { class: "card vote-card", "aria-labelledby": `move-${teamId}` },
    heading,
    r.moves[teamId].hidden
      ? el("p", { class: "move-text hint", text: gettext("The facilitator hid this move.") })
      : el("p", { class: "move-text", text: r.moves[teamId].text ?? "" }),
    ...fieldsets,
    status);
  return c;
}

export function voteView(conn, state) {
  const r = state.round;
  const own = teamOf(state, state.you?.id)?.id;
  const labels = moveLabels(state);
  const teams = r.ballot.filter((t) => t !== own && r.moves[t]);
  if (!teams.length) {
    const empty = el("section", { class: "card" }, el("p", { text: gettext("There are no other moves for you to rate this round.") }));
    return { nodes: [empty], update() {}, connectionChanged() {} };
  }
  const [questions, answers] = [QUESTIONS(), ANSWERS()];
  const cards = teams.map((t) => card(conn, state, t, labels[t] || teamName(state, t), questions, answers));
  const progress = el("p", { class: "progress", role: "status" });
  const bar = el("div", { class: "progress-bar", "aria-hidden": "true" }, el("span"));

  function update(latest) {
    const mine = latest.round.my_votes;
    const done = teams.filter((t) => mine[t]).length;
    const text = interpolate(gettext("%(done)s of %(total)s rated"), { done, total: teams.length }, true);
    if (progress.textContent !== text) progress.textContent = text;
    bar.firstChild.style.width = `${(100 * done) / teams.length}%`;
    teams.forEach((t, i) => cards[i].update(mine[t]));
  }

  const intro = el("section", { class: "card intro" },
    el("h2", { text: gettext("Rate each move") }),
    progress, bar,
    el("p", { class: "hint", text: gettext("You can change your answers until the vote closes.") }));
  return {
    nodes: [intro, ...cards.map((c) => c.node)],
    update,
    connectionChanged: () => cards.forEach((c) => c.connectionChanged()),
  };
}
