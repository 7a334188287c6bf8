// The reveal: how the room answered both questions for every move, the chart, badges and the rule.
import { el } from "./client.js";
import { chartFigure } from "./screen-chart.js";
import { labelsFor } from "./screen-round.js";
import { ANSWERS, ANSWER_MARK, answerWord, meanAnswer, questionText, ruleSentence } from "./screen-text.js";

// Each team with a result, best first, with the name the room knows it by.
function entries(state) {
  const r = state.round;
  const results = r.results || {};
  const labels = labelsFor(state);
  return state.teams
    .filter((team) => results[team.id])
    .map((team) => {
      const label = labels[team.id] && labels[team.id] !== team.name ? labels[team.id] : "";
      return { team, label, result: results[team.id], move: r.moves[team.id] };
    })
    .sort((a, b) => b.result.total - a.result.total || Number(b.result.has_move) - Number(a.result.has_move));
}

// The points of the chart: only moves somebody rated have a place on it.
export function chartPoints(state) {
  return entries(state)
    .filter(({ result }) => result.votes > 0)
    .map(({ team, result }) => ({
      label: team.name,
      x: 100 * meanAnswer(result.answers.q1, state.settings),
      y: 100 * meanAnswer(result.answers.q2, state.settings),
      kind: result.upserve ? "upserve" : result.upsell ? "upsell" : "plain",
    }));
}

export function revealView(state) {
  const rows = entries(state);
  const rated = rows.filter((row) => row.result.has_move);
  const unrated = rows.filter((row) => !row.result.has_move);
  return [
    el("div", { class: rated.length > 6 ? "reveal-layout many" : "reveal-layout" },
      chartFigure(chartPoints(state)),
      el("section", { class: "reveal-moves", "aria-labelledby": "reveal-moves-title" },
        el("h2", { id: "reveal-moves-title", class: "visually-hidden", text: gettext("How the room answered, move by move") }),
        el("ul", { class: "reveal-grid" }, rated.map(resultCard)),
        unrated.length
          ? el("p", { class: "no-move" }, interpolate(gettext("No move: %(teams)s"),
            { teams: unrated.map((row) => row.team.name).join(", ") }, true))
          : null)),
    el("p", { class: "rule" }, el("strong", { text: gettext("Scoring:") }), " ", ruleSentence(state.settings)),
  ];
}

function resultCard({ team, label, result, move }) {
  const classes = ["card", "reveal-card", result.upserve ? "upserve" : "", result.upsell ? "upsell" : ""];
  return el("li", { class: classes.filter(Boolean).join(" ") },
    el("div", { class: "reveal-card-head" },
      el("div", {},
        el("h3", { text: team.name }),
        label ? el("p", { class: "move-label", text: label }) : null),
      el("p", { class: "reveal-total" },
        el("span", { class: "big-number", text: String(result.total) }),
        el("span", { class: "unit", text: ngettext("point", "points", result.total) }))),
    badges(result),
    move?.hidden
      ? el("p", { class: "move-snippet hidden-move", text: gettext("Hidden by the facilitator") })
      : el("p", { class: "move-snippet", text: move?.text ?? "" }),
    result.votes
      ? [answerBar("q1", result.answers.q1), answerBar("q2", result.answers.q2)]
      : el("p", { class: "muted", text: gettext("Nobody rated this move.") }),
    el("p", { class: "vote-count", text: interpolate(ngettext("%(n)s vote", "%(n)s votes", result.votes), { n: result.votes }, true) }));
}

function badges(result) {
  const list = [];
  if (result.upserve) {
    list.push(el("span", { class: "badge upserve",
      text: interpolate(gettext("★ Upserve +%(bonus)s"), { bonus: result.bonus }, true) }));
  }
  if (result.upsell) list.push(el("span", { class: "badge upsell", text: gettext("✗ Upsell: 0 points") }));
  return list.length ? el("p", { class: "badges" }, list) : null;
}

// One question's answers as a bar split yes / not sure / no; each part carries its mark and count.
function answerBar(question, counts) {
  const total = ANSWERS.reduce((sum, a) => sum + (counts[a] || 0), 0);
  const said = ANSWERS.map((a) => interpolate(gettext("%(count)s %(answer)s"), { count: counts[a] || 0, answer: answerWord(a) }, true));
  const summary = interpolate(gettext("%(question)s: %(answers)s"), { question: questionText(question), answers: said.join(", ") }, true);
  return el("div", { class: "answers" },
    el("p", { class: "answers-question", text: questionText(question), "aria-hidden": "true" }),
    el("div", { class: "answer-bar", role: "img", "aria-label": summary },
      ANSWERS.map((a) => {
        const n = counts[a] || 0;
        if (!n) return null;
        const part = el("span", { class: `answer ${a}`, title: answerWord(a) }, `${ANSWER_MARK[a]} ${n}`);
        part.style.flexGrow = String(n / total);
        return part;
      })));
}
