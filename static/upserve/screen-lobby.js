// The lobby: the roster filling in live, grouped by team (the join code and QR are in the template).
import { el } from "./client.js";

const $ = (id) => document.getElementById(id);

export function renderLobby(state) {
  const people = state.teams.reduce((n, t) => n + t.members.length, 0) + state.unassigned.length;
  $("lobby-count").textContent = people
    ? interpolate(ngettext("%(count)s person has joined", "%(count)s people have joined", people), { count: people }, true)
    : gettext("Waiting for the first players…");
  $("lobby-locked").hidden = !state.joining_locked;
  const tile = (name, members) =>
    el("section", { class: "team-tile" },
      el("h3", {},
        el("span", { text: name }),
        el("span", { class: "tile-count", text: String(members.length) })),
      members.length
        ? el("ul", {}, members.map((m) => el("li", { text: m.nickname })))
        : el("p", { class: "tile-empty", text: gettext("Nobody yet") }));
  const tiles = state.teams.map((team) => tile(team.name, team.members));
  if (state.unassigned.length) tiles.push(tile(gettext("Waiting for a team"), state.unassigned));
  $("lobby-roster").replaceChildren(...tiles);
}
