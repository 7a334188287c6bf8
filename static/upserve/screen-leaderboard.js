// The leaderboard: it opens on the standings as they were before this round, then every row slides
// to its new place (FLIP: measure, reorder, play the difference back) as this round's points land.
// Under prefers-reduced-motion it shows the new standings at once, with no movement.
import { el, teamName } from "./client.js";
import { reducedMotion } from "./screen-theme.js";

const SETTLE_AFTER_MS = 1500;
const SLIDE_MS = 1000;
const COUNT_MS = 900;

let board = null; // {key, node, tbody, rows: Map(team -> {tr, cells}), settled, timer}

// The standings before this round's points: the order the room remembers.
export function previousStandings(state) {
  const results = state.round?.results || {};
  const created = state.teams.map((t) => t.id);
  const rows = state.standings.map((row) => ({
    ...row,
    total: row.total - row.change,
    badges: row.badges - (row.change && results[row.team]?.upserve ? 1 : 0),
  }));
  rows.sort((a, b) => b.total - a.total || b.badges - a.badges || created.indexOf(a.team) - created.indexOf(b.team));
  return rows.map((row, i) => ({ ...row, rank: i + 1 }));
}

// The board for this round; the same node is handed back while the round lasts, so it can move.
export function leaderboardView(state) {
  const key = state.round ? state.round.round : 0;
  if (board?.key === key) return board.node;
  clearTimeout(board?.timer);
  const tbody = el("tbody");
  const node = el("table", { class: "standings" },
    el("caption", { class: "visually-hidden", text: gettext("Standings") }),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col", class: "rank", text: gettext("Rank") }),
      el("th", { scope: "col", text: gettext("Team") }),
      el("th", { scope: "col", class: "moved", text: gettext("Places") }),
      el("th", { scope: "col", class: "num", text: gettext("Badges") }),
      el("th", { scope: "col", class: "num", text: gettext("This round") }),
      el("th", { scope: "col", class: "num", text: gettext("Total") }))),
    tbody);
  board = { key, node, tbody, rows: new Map(), settled: false, timer: null };
  return node;
}

// Call after the board is in the page (it measures rows), on every render while it shows.
export function updateLeaderboard(state) {
  if (!board || !board.node.isConnected) return;
  if (!board.settled && (reducedMotion() || !state.standings.some((row) => row.change))) board.settled = true;
  board.node.classList.toggle("many", state.standings.length > 12);
  if (board.settled) {
    sync(state, state.standings, { animate: !reducedMotion() });
    return;
  }
  sync(state, previousStandings(state), { animate: false, before: true });
  if (board.timer) return;
  const mine = board;
  mine.timer = setTimeout(() => {
    mine.settled = true;
    if (board === mine && latest()) updateLeaderboard(latest());
  }, SETTLE_AFTER_MS);
}

let latest = () => null;
export function followState(getState) {
  latest = getState;
}

function row(team) {
  const cells = {
    rank: el("td", { class: "rank" }),
    name: el("td", { class: "team-name" }),
    moved: el("td", { class: "moved" }),
    badges: el("td", { class: "num badges-cell" }),
    round: el("td", { class: "num change" }),
    total: el("td", { class: "num strong total" }),
  };
  const tr = el("tr", { "data-team": team }, Object.values(cells));
  return { tr, cells };
}

function movedText(places) {
  if (!places) return [el("span", { "aria-hidden": "true", text: "=" }), el("span", { class: "visually-hidden", text: gettext("same place") })];
  const up = places > 0;
  const n = Math.abs(places);
  const words = up
    ? ngettext("up %(n)s place", "up %(n)s places", n)
    : ngettext("down %(n)s place", "down %(n)s places", n);
  return [el("span", { "aria-hidden": "true", text: `${up ? "▲" : "▼"} ${n}` }),
    el("span", { class: "visually-hidden", text: interpolate(words, { n }, true) })];
}

function badgeText(count) {
  if (!count) return "";
  return count > 4 ? `★×${count}` : "★".repeat(count);
}

function sync(state, standings, { animate, before = false }) {
  const { tbody, rows } = board;
  const first = new Map();
  for (const [team, r] of rows) first.set(team, r.tr.getBoundingClientRect().top);
  const earlier = new Map(previousStandings(state).map((r) => [r.team, r.rank]));
  const present = new Set(standings.map((r) => r.team));
  for (const [team, r] of rows) {
    if (!present.has(team)) {
      r.tr.remove();
      rows.delete(team);
    }
  }
  for (const standing of standings) {
    if (!rows.has(standing.team)) rows.set(standing.team, row(standing.team));
    const { tr, cells } = rows.get(standing.team);
    cells.rank.textContent = String(standing.rank);
    cells.name.textContent = teamName(state, standing.team);
    cells.badges.textContent = badgeText(standing.badges);
    cells.badges.setAttribute("aria-label", interpolate(ngettext("%(n)s badge", "%(n)s badges", standing.badges), { n: standing.badges }, true));
    cells.round.textContent = before || !state.round?.results ? "" : `+${standing.change}`;
    cells.round.classList.toggle("zero", !standing.change);
    cells.moved.replaceChildren(...(before ? [] : movedText((earlier.get(standing.team) || standing.rank) - standing.rank)));
    tr.classList.toggle("rising", !before && (earlier.get(standing.team) || 0) > standing.rank);
    countTo(cells.total, standing.total, animate);
    tbody.append(tr);
  }
  if (!animate) return;
  for (const [team, { tr }] of rows) {
    const dy = (first.get(team) ?? tr.getBoundingClientRect().top) - tr.getBoundingClientRect().top;
    if (Math.abs(dy) < 1) continue;
    tr.animate([{ transform: `translateY(${dy}px)` }, { transform: "translateY(0)" }],
      { duration: SLIDE_MS, easing: "cubic-bezier(0.2, 0.8, 0.2, 1)" });
  }
}

// Totals count up to their new value while the rows slide.
function countTo(cell, target, animate) {
  const from = Number(cell.dataset.value ?? target);
  cell.dataset.value = String(target);
  cancelAnimationFrame(Number(cell.dataset.frame || 0));
  if (!animate || from === target) {
    cell.textContent = String(target);
    return;
  }
  const start = performance.now();
  const step = (now) => {
    const t = Math.min(1, (now - start) / COUNT_MS);
    cell.textContent = String(Math.round(from + (target - from) * (1 - (1 - t) ** 3)));
    if (t < 1) cell.dataset.frame = String(requestAnimationFrame(step));
  };
  cell.dataset.frame = String(requestAnimationFrame(step));
}
