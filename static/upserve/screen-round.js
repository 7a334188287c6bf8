// A round before its results: the scenario card, which teams have submitted, and the vote's progress.
// Nothing here reads round.results: the screen shows no result before the reveal.
import { el, moveLabels } from "./client.js";

// Move labels as the phones show them ("Move A" when moves are anonymous), in this page's language.
export function labelsFor(state) {
  const labels = moveLabels(state);
  for (const [team, label] of Object.entries(labels)) {
    const letter = /^Move ([A-Z]+)$/.exec(label);
    if (letter && state.settings.anonymous_moves) labels[team] = interpolate(gettext("Move %(letter)s"), { letter: letter[1] }, true);
  }
  return labels;
}

export function byLabel(labels) {
  return Object.keys(labels).sort((a, b) => labels[a].localeCompare(labels[b], undefined, { numeric: true }));
}

export function phaseHeading(state, text) {
  return el("div", { class: "phase-head" },
    el("h1", { class: "phase-title" },
      el("span", { class: "round-number", text: interpolate(gettext("Round %(round)s"), { round: state.round.round }, true) }),
      " ", // a screen reader reads "Round 1 · Vote", not "Round 1 ·Vote"
      el("span", { text })),
    el("div", { class: "big-countdown", role: "timer", "aria-label": gettext("Time left") }));
}

export function scenarioCard(scenario, { compact = false } = {}) {
  const row = (label, text) =>
    text ? el("div", { class: "scenario-row" }, el("dt", { text: label }), el("dd", { text })) : null;
  const rows = compact ? [] : [row(gettext("Customer"), scenario.customer), row(gettext("Situation"), scenario.situation)];
  return el("article", { class: compact ? "card scenario compact" : "card scenario" },
    el("h2", { text: scenario.title || "" }),
    el("dl", {}, rows, row(gettext("The ask"), scenario.ask)));
}

export function pitchBoard(state) {
  const r = state.round;
  const submitted = (team) => (r.moves[team.id]?.version || 0) > 0;
  const done = state.teams.filter(submitted).length;
  return el("section", { "aria-labelledby": "pitch-count" },
    el("h2", { id: "pitch-count", class: "counter-line",
      text: interpolate(ngettext("%(done)s of %(count)s team has submitted", "%(done)s of %(count)s teams have submitted",
        state.teams.length), { done, count: state.teams.length }, true) }),
    el("ul", { class: "team-grid" },
      state.teams.map((team) => el("li", { class: submitted(team) ? "team-chip done" : "team-chip" },
        el("span", { class: "chip-name", text: team.name }),
        el("span", { class: "chip-state", text: submitted(team) ? `✓ ${gettext("submitted")}` : `✎ ${gettext("writing…")}` })))));
}

// How many ratings the room will give if everyone rates their whole ballot (game/core/ballots.py).
export function expectedVotes(state) {
  const r = state.round;
  const s = state.settings;
  let total = 0;
  for (const team of state.teams) {
    const ring = r.ballot_rings[team.id] || [];
    const whole = state.teams.length <= s.full_ballot_max_teams || ring.length <= s.ballot_size;
    total += team.members.length * (whole ? ring.length : s.ballot_size);
  }
  return total;
}

export function voteBoard(state) {
  const r = state.round;
  const labels = labelsFor(state);
  return [
    el("section", { class: "vote-progress", "aria-labelledby": "votes-caption" },
      el("h2", { id: "votes-caption", class: "counter-line" }),
      el("div", { id: "votes-bar", class: "progress", role: "progressbar", "aria-labelledby": "votes-caption",
        "aria-valuemin": "0" },
        el("div", { class: "progress-fill" }))),
    el("ul", { class: Object.keys(labels).length > 6 ? "move-grid many" : "move-grid", "aria-label": gettext("The moves") },
      byLabel(labels).map((team) => {
        const move = r.moves[team];
        return el("li", { class: "card move-card" },
          el("h3", { text: labels[team] }),
          move.hidden
            ? el("p", { class: "muted hidden-move", text: gettext("Hidden by the facilitator") })
            : el("p", { class: "move-text", text: move.text ?? "" }));
      })),
  ];
}

// Votes arrive in floods: this only touches the bar and its caption, never rebuilds the stage.
export function updateVoteProgress(state) {
  const bar = document.getElementById("votes-bar");
  if (!bar) return;
  const votesIn = state.round.votes_in;
  const expected = Math.max(expectedVotes(state), votesIn);
  const caption = expected
    ? interpolate(ngettext("%(in)s of %(expected)s rating in", "%(in)s of %(expected)s ratings in", expected),
      { in: votesIn, expected }, true)
    : gettext("Nobody can vote yet");
  document.getElementById("votes-caption").textContent = caption;
  bar.setAttribute("aria-valuemax", String(expected));
  bar.setAttribute("aria-valuenow", String(votesIn));
  bar.setAttribute("aria-valuetext", caption);
  bar.firstElementChild.style.width = `${expected ? (100 * votesIn) / expected : 0}%`;
}
