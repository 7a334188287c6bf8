// The phone after the end: this person's own debrief (their team's moves, their own votes) and
// their one private commitment, which only they and the facilitator ever see.
import { el } from "./client.js";

const LIMIT = 280; // game/core/limits.py: COMMITMENT_MAX

const ANSWER = { yes: () => gettext("Yes"), unsure: () => gettext("Not sure"), no: () => gettext("No") };

function voteLine(vote) {
  const answers = interpolate(gettext("their life improves: %(q1)s · world better: %(q2)s"),
    { q1: ANSWER[vote.q1](), q2: ANSWER[vote.q2]() }, true);
  return el("li", {}, el("strong", { text: vote.team_name }), vote.text ? el("q", { text: vote.text }) : null, el("span", { text: answers }));
}

function roundBlock(round) {
  return el("div", { class: "my-round" },
    el("h3", { text: interpolate(gettext("Round %(round)s: %(title)s"), { round: round.round, title: round.title }, true) }),
    el("p", {}, el("span", { class: "muted", text: gettext("Your team's move:") }), " ",
      round.move ? el("q", { text: round.move }) : gettext("none this round")),
    round.votes.length
      ? el("ul", { class: "my-votes", "aria-label": gettext("Your votes") }, round.votes.map(voteLine))
      : el("p", { class: "muted", text: gettext("You cast no votes this round.") }));
}

async function loadDebrief(code, box) {
  try {
    const response = await fetch(`/debrief/${encodeURIComponent(code)}/me.json`, { credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    const mine = await response.json();
    box.replaceChildren(...(mine.rounds.length
      ? mine.rounds.map(roundBlock)
      : [el("p", { text: gettext("No round was scored.") })]));
  } catch {
    box.replaceChildren(el("p", { class: "muted", text: gettext("Your rounds could not be loaded. The link below has them.") }));
  }
}

export function endView(conn, state, code) {
  const rounds = el("div", { class: "my-rounds" }, el("p", { class: "muted", text: gettext("Loading…") }));
  const debrief = el("section", { class: "card my-debrief", "aria-labelledby": "my-debrief-heading" },
    el("h2", { id: "my-debrief-heading", text: gettext("Your debrief") }),
    rounds,
    el("p", {}, el("a", { href: `/debrief/${encodeURIComponent(code)}/me/`, text: gettext("My debrief, to read or print") })));
  loadDebrief(code, rounds);

  const saved = state.you?.commitment || "";
  const box = el("textarea", { id: "commitment", maxlength: LIMIT, rows: 3, "aria-describedby": "commitment-hint" });
  box.value = saved;
  const status = el("p", { id: "commitment-status", class: "hint", role: "status" });
  const button = el("button", { type: "submit", class: "primary", text: gettext("Save my commitment") });
  let dirty = false;
  box.addEventListener("input", () => (dirty = true));
  const form = el("form", { class: "commit-form" },
    el("label", { for: "commitment", text: gettext("My upserving move for Monday") }),
    el("p", { id: "commitment-hint", class: "hint", text: gettext("One thing you will do differently. Only you and the facilitator see it.") }),
    box, button, status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    status.textContent = gettext("Saving…");
    try {
      await conn.send("commit", { text: box.value });
      dirty = false;
      status.textContent = gettext("Saved. You can change it for a week.");
    } catch (problem) {
      status.textContent = problem.message; // the server's sentence, in the page's language
    } finally {
      button.disabled = false;
    }
  });
  const commitment = el("section", { class: "card commitment", "aria-labelledby": "commitment-heading" },
    el("h2", { id: "commitment-heading", text: gettext("Your commitment") }), form);

  return {
    nodes: [debrief, commitment],
    update(next) {
      // Another of this person's devices saved one: show it, unless they are typing here.
      const latest = next.you?.commitment;
      if (typeof latest === "string" && !dirty && document.activeElement !== box && box.value !== latest) box.value = latest;
    },
    connectionChanged() {},
  };
}
