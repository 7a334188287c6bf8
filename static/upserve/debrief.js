// The facilitator's debrief: draws the charts from the page's data with the vendored Chart.js
// (static/vendor/chart.js, a classic script defining the global Chart). Every chart has a table
// with the same numbers right after it, so the charts themselves are only pictures.
import { readConfig } from "./client.js";

const data = readConfig("debrief-data");
const charts = [];
// Distinguishable in colour and in grey (a printout may be black and white), ≥ 3:1 on white.
const PALETTE = ["#0b6e4f", "#1d4ed8", "#b3261e", "#7a5a00", "#6b21a8", "#0e7490", "#9d174d", "#3f3f46"];
const ANSWER_COLOURS = { yes: "#0b6e4f", unsure: "#7a5a00", no: "#b3261e" };
const DASHES = [[], [8, 4], [2, 3], [12, 3, 2, 3]];
const TEXT = "#1d2330";
const GRID = "#d9dde3";

// Charts are drawn once and still: no animation, so a printout never catches one half-drawn.
const BASE = {
  animation: false,
  responsive: true,
  maintainAspectRatio: false,
  events: [],
  plugins: { tooltip: { enabled: false }, legend: { labels: { color: TEXT, usePointStyle: true } } },
};

function draw(canvas, config) {
  if (!canvas || typeof Chart === "undefined") return;
  charts.push(new Chart(canvas, { ...config, options: { ...BASE, ...config.options } }));
}

const teamColour = (teamId) => PALETTE[data.teams.findIndex((t) => t.id === teamId) % PALETTE.length];

function standingsChart() {
  const labels = data.standings.map((s) => interpolate(gettext("Round %(round)s"), { round: s.round }, true));
  const datasets = data.teams.map((team, i) => ({
    label: team.name,
    data: data.standings.map((s) => s.totals[team.id] ?? 0),
    borderColor: teamColour(team.id),
    backgroundColor: teamColour(team.id),
    borderDash: DASHES[i % DASHES.length],
    borderWidth: 3,
    pointRadius: 5,
  }));
  draw(document.getElementById("standings-chart"), {
    type: "line",
    data: { labels, datasets },
    options: {
      scales: {
        x: { ticks: { color: TEXT }, grid: { color: GRID } },
        y: { beginAtZero: true, ticks: { color: TEXT }, grid: { color: GRID },
          title: { display: true, text: gettext("Points so far"), color: TEXT } },
      },
    },
  });
}

function positionChart(round) {
  const canvas = document.querySelector(`canvas.position-chart[data-round="${round.round}"]`);
  const rated = round.moves.filter((m) => m.position);
  const datasets = rated.map((m) => ({
    label: m.label,
    data: [{ x: m.position.x, y: m.position.y }],
    backgroundColor: teamColour(m.team),
    borderColor: teamColour(m.team),
    pointStyle: m.upserve ? "star" : m.upsell ? "crossRot" : "circle",
    pointRadius: 9,
    pointBorderWidth: 3,
    clip: false,
  }));
  const axis = (title) => ({
    min: 0,
    max: 100,
    ticks: { stepSize: 25, color: TEXT, callback: (v) => `${v}%` },
    grid: { color: GRID, lineWidth: (c) => (c.tick?.value === 50 ? 2 : 1) },
    title: { display: true, text: title, color: TEXT },
  });
  draw(canvas, {
    type: "scatter",
    data: { datasets },
    options: {
      layout: { padding: 12 },
      plugins: { ...BASE.plugins, legend: { position: "bottom", labels: BASE.plugins.legend.labels } },
      scales: { x: axis(gettext("Customer's life improves →")), y: axis(gettext("World better →")) },
    },
  });
}

function answersChart(round, move) {
  const canvas = document.querySelector(`canvas.answers-chart[data-round="${round.round}"][data-team="${move.team}"]`);
  const answers = [["yes", gettext("Yes")], ["unsure", gettext("Not sure")], ["no", gettext("No")]];
  draw(canvas, {
    type: "bar",
    data: {
      labels: [gettext("Their life improves?"), gettext("World better?")],
      datasets: answers.map(([key, label]) => ({
        label,
        data: [move.answers.q1[key], move.answers.q2[key]],
        backgroundColor: ANSWER_COLOURS[key],
      })),
    },
    options: {
      indexAxis: "y",
      scales: {
        x: { stacked: true, beginAtZero: true, ticks: { precision: 0, color: TEXT }, grid: { color: GRID } },
        y: { stacked: true, ticks: { color: TEXT }, grid: { display: false } },
      },
    },
  });
}

function drawAll() {
  standingsChart();
  for (const round of data.rounds) {
    positionChart(round);
    for (const move of round.moves) answersChart(round, move);
  }
  document.body.dataset.charts = String(charts.length); // tests wait for this
}

// The page and the printout have different widths: redraw at the new size before printing.
function fitAll() {
  for (const chart of charts) chart.resize();
}

drawAll();
window.addEventListener("beforeprint", fitAll);
window.matchMedia("print").addEventListener("change", fitAll);
