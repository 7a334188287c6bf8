// Reveal, leaderboard and the end: this phone's team's score, badges and rank.
import { el } from "./client.js";

function rankRow(state, team) {
  return (team && state.standings.find((s) => s.team === team.id)) || null;
}

function rankText(state, row) {
  return interpolate(
    ngettext("#%(rank)s of %(count)s team", "#%(rank)s of %(count)s teams", state.standings.length),
    { rank: row.rank, count: state.standings.length }, true);
}

function outOf(state) {
  const count = state.standings.length;
  return interpolate(ngettext("out of %(count)s team", "out of %(count)s teams", count), { count }, true);
}

function pointsText(points) {
  return interpolate(ngettext("%(points)s point", "%(points)s points", points), { points }, true);
}

function badgeCount(row) {
  if (!row.badges) return null;
  const text = interpolate(
    ngettext("★ %(count)s upserve badge so far", "★ %(count)s upserve badges so far", row.badges),
    { count: row.badges }, true);
  return el("p", { class: "badge upserve", text });
}

export function resultCard(state, team) {
  const result = team && state.round.results?.[team.id];
  if (!result) return el("section", { class: "card" }, el("p", { text: gettext("Waiting for the results…") }));
  const row = rankRow(state, team);
  const rank = row ? el("p", { class: "rank-line", text: rankText(state, row) }) : null;
  if (!result.has_move) {
    return el("section", { class: "card result" },
      el("h2", { text: gettext("No move this round") }),
      el("p", { text: gettext("Your team did not save a move, so it scores 0.") }),
      rank);
  }
  const votes = interpolate(
    ngettext("%(score)s points from %(votes)s vote", "%(score)s points from %(votes)s votes", result.votes),
    { score: result.score, votes: result.votes }, true);
  const bonus = result.bonus ? interpolate(gettext("+ %(bonus)s bonus"), { bonus: result.bonus }, true) : "";
  return el(
    "section",
    { class: "card result" },
    el("h2", { class: "label", text: interpolate(gettext("Team %(name)s scored"), { name: team.name }, true) }),
    el("p", { class: "big-number", text: String(result.total) }),
    el("p", { text: bonus ? `${votes} ${bonus}` : votes }),
    result.upserve ? el("p", { class: "badge upserve", text: gettext("★ Upserve badge") }) : null,
    result.upsell ? el("p", { class: "badge upsell", text: gettext("⚑ Flagged as upsell: scores 0 this round") }) : null,
    rank,
  );
}

export function rankCard(state, team, { heading }) {
  const row = rankRow(state, team);
  const body = row
    ? el("div", { class: "rank" },
      el("p", { class: "big-number", text: `#${row.rank}` }),
      el("p", { text: `${outOf(state)} · ${pointsText(row.total)}` }),
      row.change ? el("p", { text: interpolate(gettext("+%(points)s this round"), { points: row.change }, true) }) : null,
      badgeCount(row))
    : el("p", { text: gettext("No standings yet.") });
  return el("section", { class: "card" }, el("h2", { text: heading }), body);
}
