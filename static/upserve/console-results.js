// The round's results and the running standings, as tables.
import { el, teamName } from "./client.js";

const $ = (id) => document.getElementById(id);

// Table headings; numeric columns are right-aligned.
// A table that may scroll sideways on a phone: focusable, so the keyboard can scroll it too.
function scrolling(label, table) {
  return el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": label }, table);
}

function headers(columns) {
  return columns.map(([text, numeric]) => el("th", { scope: "col", class: numeric ? "num" : null, text }));
}

export function renderResults(state) {
  const results = state.round?.results;
  const box = $("results");
  box.hidden = !results;
  if (!results) return;
  const rows = state.teams.map((team) => {
    const x = results[team.id];
    if (!x) return null;
    return el("tr", {},
      el("th", { scope: "row", text: team.name }),
      el("td", { class: "num", text: x.has_move ? String(x.score) : "–" }),
      el("td", { class: "num", text: String(x.votes) }),
      el("td", { text: x.upsell ? `⚑ ${gettext("upsell")}` : "" }),
      el("td", { text: x.upserve ? `★ +${x.bonus}` : "" }),
      el("td", { class: "num strong", text: String(x.total) }));
  });
  const title = interpolate(gettext("Round %s results"), [state.round.round]);
  box.replaceChildren(
    el("h2", { text: title }),
    scrolling(title, el("table", {},
      el("thead", {}, el("tr", {}, headers([
        [gettext("Team")], [gettext("Score"), true], [gettext("Votes"), true],
        [gettext("Upsell")], [gettext("Upserve")], [gettext("Total"), true],
      ]))),
      el("tbody", {}, rows))),
  );
}

export function renderStandings(state) {
  const rows = state.standings.map((row) =>
    el("tr", {},
      el("td", { class: "num", text: String(row.rank) }),
      el("th", { scope: "row", text: teamName(state, row.team) }),
      el("td", { class: "num strong", text: String(row.total) }),
      el("td", { class: "num", text: row.badges ? `★ ${row.badges}` : "" }),
      el("td", { class: "num", text: row.change ? `+${row.change}` : "" })));
  $("standings").replaceChildren(
    el("h2", { text: gettext("Standings") }),
    scrolling(gettext("Standings"), el("table", {},
      el("thead", {}, el("tr", {}, headers([
        ["#", true], [gettext("Team")], [gettext("Total"), true], [gettext("Badges"), true], [gettext("This round"), true],
      ]))),
      el("tbody", {}, rows))),
  );
}
