// Moderation: the round's moves with hide / show on the screen, and the facilitator's own
// blocked words on top of the built-in filter.
import { el, moveLabels } from "./client.js";

const $ = (id) => document.getElementById(id);
const hidden = (text) => el("span", { class: "visually-hidden", text });

export class Moderation {
  constructor(ui) {
    this.ui = ui; // {act, state()}
    this.wordsShown = null; // the list last put in the box, to tell the facilitator's edits from the server's
    $("blocked-words-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const words = $("blocked-words").value;
      ui.act("configure", { settings: { blocked_words: words } }).then(() => (this.wordsShown = null), () => {});
    });
  }

  render(state) {
    this.renderRound(state);
    this.renderWords(state);
  }

  renderRound(state) {
    const r = state.round;
    const box = $("round");
    if (!r) {
      box.replaceChildren(el("h2", { text: gettext("This round") }), el("p", { class: "hint", text: gettext("No round yet.") }));
      return;
    }
    const focused = box.contains(document.activeElement) ? document.activeElement.dataset.focus : null;
    const labels = moveLabels(state);
    const moves = state.teams.map((team) => this.moveItem(state, team, labels[team.id]));
    const submitted = state.teams.filter((t) => r.moves[t.id]).length;
    const voting = ["vote", "reveal", "leaderboard"].includes(r.phase);
    box.replaceChildren(
      el("h2", { text: r.scenario.title || gettext("This round") }),
      r.scenario.ask ? el("p", { class: "muted", text: r.scenario.ask }) : null,
      el("p", { class: "stats" },
        el("span", { text: interpolate(gettext("%(done)s of %(teams)s teams have a move"), { done: submitted, teams: state.teams.length }, true) }),
        voting ? el("span", { text: ` · ${interpolate(ngettext("%s vote in", "%s votes in", r.votes_in), [r.votes_in])}` }) : null),
      el("ul", { class: "moves" }, moves),
    );
    if (focused) box.querySelector(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
  }

  moveItem(state, team, label) {
    const move = state.round.moves[team.id];
    const alias = label && label !== team.name ? ` (${label})` : "";
    const isHidden = Boolean(move?.hidden);
    const toggle = move
      ? el("button", {
        type: "button",
        class: isHidden ? "small" : "small danger",
        "data-focus": `hide:${team.id}`,
        disabled: state.ended,
        onclick: () => this.ui.act("hide_move", { team: team.id, hidden: !isHidden }).catch(() => {}),
      }, isHidden ? gettext("Show on the screen") : gettext("Hide from the screen"), hidden(`: ${team.name}`))
      : null;
    return el("li", { class: ["move", move ? "saved" : "", isHidden ? "is-hidden" : ""].join(" ").trim() },
      el("div", { class: "move-head" },
        el("strong", { text: team.name + alias }),
        el("span", { class: "muted", text: move ? interpolate(gettext("version %s"), [move.version]) : gettext("no move yet") })),
      isHidden ? el("p", { class: "hidden-note", text: gettext("Hidden from the screen") }) : null,
      move && move.text != null ? el("p", { class: "move-text", text: move.text }) : null,
      toggle);
  }

  // The box follows the server's list unless the facilitator is editing it.
  renderWords(state) {
    const words = state.settings.blocked_words || "";
    const box = $("blocked-words");
    const editing = document.activeElement === box || (this.wordsShown !== null && box.value !== this.wordsShown);
    if (!editing && box.value !== words) box.value = words;
    if (!editing) this.wordsShown = words;
    $("blocked-words-now").textContent = words
      ? interpolate(gettext("Blocked now: %s"), [words])
      : gettext("No words of your own blocked yet.");
    const voting = state.round?.phase === "vote";
    $("save-words").disabled = state.ended || voting;
    $("words-hint").hidden = !voting || state.ended;
  }
}
