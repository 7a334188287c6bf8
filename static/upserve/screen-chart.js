// The reveal's one chart: every move placed on the two questions, drawn with the vendored Chart.js
// (static/vendor/chart.js, loaded as a classic script that defines the global Chart).
import { el } from "./client.js";
import { reducedMotion, themeColour } from "./screen-theme.js";

let chart = null;

export function destroyChart() {
  if (chart) chart.destroy();
  chart = null;
}

// points: [{label, x, y, kind}] with x and y in 0..100 and kind "upserve" | "upsell" | "plain".
export function chartFigure(points) {
  return el("figure", { class: "reveal-chart" },
    el("figcaption", { id: "chart-title", text: gettext("Where each move lands") }),
    el("div", { class: "chart-box" },
      el("canvas", { id: "reveal-chart", role: "img", "aria-describedby": "chart-numbers",
        "aria-label": gettext("Chart of every move: across, how much the customer's life improves; up, how much better the world is. The same numbers are in the table that follows.") })),
    chartTable(points));
}

// The chart's text alternative: the same numbers, for screen readers (visually hidden).
function chartTable(points) {
  const kind = { upserve: gettext("upserve badge"), upsell: gettext("upsell"), plain: "" };
  return el("table", { id: "chart-numbers", class: "visually-hidden" },
    el("caption", { text: gettext("Where each move lands, in numbers") }),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col", text: gettext("Move") }),
      el("th", { scope: "col", text: gettext("Customer's life improves") }),
      el("th", { scope: "col", text: gettext("World better") }),
      el("th", { scope: "col", text: gettext("Badge") }))),
    el("tbody", {}, points.map((p) => el("tr", {},
      el("th", { scope: "row", text: p.label }),
      el("td", { text: `${Math.round(p.x)}%` }),
      el("td", { text: `${Math.round(p.y)}%` }),
      el("td", { text: kind[p.kind] })))));
}

// Moves on the same spot share one point and one label, so no label hides another.
function merge(points) {
  const spots = new Map();
  for (const p of points) {
    const key = `${p.x.toFixed(1)}:${p.y.toFixed(1)}`;
    const spot = spots.get(key);
    if (!spot) spots.set(key, { ...p });
    else {
      spot.label = `${spot.label} · ${p.label}`;
      if (spot.kind !== p.kind) spot.kind = "plain";
    }
  }
  return [...spots.values()];
}

function shorten(text, max = 22) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// Draws each point's label on a solid plate beside it: right of the point, else left, else nudged
// up or down until it overlaps no other label; a label that had to move gets a line to its point.
const pointLabels = {
  id: "upservePointLabels",
  afterDatasetsDraw(c) {
    const { ctx, chartArea } = c;
    const size = Math.round(Math.max(18, Math.min(30, c.height / 26)));
    const pad = 6;
    const height = size + 2 * pad;
    const placed = [];
    const clashes = (box) => placed.some((b) => box.x < b.x + b.w && b.x < box.x + box.w && box.y < b.y + b.h && b.y < box.y + box.h);
    const inside = (box) => box.x >= chartArea.left - 40 && box.x + box.w <= chartArea.right + 40;
    ctx.save();
    ctx.font = `700 ${size}px ${getComputedStyle(document.body).fontFamily}`;
    ctx.textBaseline = "middle";
    c.data.datasets.forEach((dataset, i) => {
      if (!c.isDatasetVisible(i)) return;
      c.getDatasetMeta(i).data.forEach((point, j) => {
        const text = shorten(dataset.data[j].label);
        const width = ctx.measureText(text).width + 2 * pad;
        const at = (side, step) => ({
          x: side > 0 ? point.x + 22 : point.x - 22 - width,
          y: point.y - height / 2 + step * (height + 2),
          w: width,
          h: height,
        });
        let box = null;
        for (let k = 0; !box && k < 16; k++) {
          const step = Math.ceil(k / 2) * (k % 2 ? -1 : 1);
          box = [at(1, step), at(-1, step)].find((b) => inside(b) && !clashes(b)) || null;
        }
        box = box || at(1, 0);
        placed.push(box);
        const moved = Math.abs(box.y + height / 2 - point.y) > 1;
        if (moved) {
          ctx.strokeStyle = themeColour("--s-text");
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.moveTo(point.x, point.y);
          ctx.lineTo(box.x < point.x ? box.x + box.w : box.x, box.y + height / 2);
          ctx.stroke();
        }
        ctx.fillStyle = themeColour("--s-plate");
        ctx.strokeStyle = themeColour("--s-line");
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.roundRect(box.x, box.y, box.w, box.h, 6);
        ctx.fill();
        ctx.stroke();
        ctx.fillStyle = themeColour("--s-text");
        ctx.fillText(text, box.x + pad, box.y + height / 2);
      });
    });
    ctx.restore();
  },
};

export function mountChart(points) {
  destroyChart();
  const canvas = document.getElementById("reveal-chart");
  if (!canvas || typeof Chart === "undefined") return;
  const text = themeColour("--s-text");
  const grid = themeColour("--s-grid");
  const font = { family: getComputedStyle(document.body).fontFamily, size: 22, weight: "600" };
  const spots = merge(points);
  const set = (kind, label, style, colour) => ({
    label,
    data: spots.filter((p) => p.kind === kind),
    pointStyle: style,
    pointRadius: 16,
    pointHoverRadius: 16,
    pointBorderWidth: 5,
    backgroundColor: colour,
    borderColor: colour, // the star and the cross are drawn as strokes
    clip: false, // a move at 100% on both sits in the corner: draw it whole
  });
  chart = new Chart(canvas, {
    type: "scatter",
    data: {
      datasets: [
        set("upserve", gettext("Upserve badge"), "star", themeColour("--s-gold")),
        set("upsell", gettext("Upsell"), "crossRot", themeColour("--s-bad")),
        set("plain", gettext("Other moves"), "circle", themeColour("--s-accent")),
      ],
    },
    options: {
      animation: reducedMotion() ? false : { duration: 900, easing: "easeOutCubic" },
      maintainAspectRatio: false,
      responsive: true,
      layout: { padding: { top: 24, right: 24, bottom: 8, left: 8 } },
      events: [], // nothing to hover on a projector
      plugins: {
        legend: { position: "bottom", labels: { color: text, font, usePointStyle: true, padding: 24,
          filter: (item, data) => data.datasets[item.datasetIndex].data.length > 0 } },
        tooltip: { enabled: false },
      },
      scales: {
        x: axis(gettext("Customer's life improves →"), text, grid, font),
        y: axis(gettext("World better →"), text, grid, font),
      },
    },
    plugins: [pointLabels],
  });
}

function axis(title, colour, grid, font) {
  return {
    min: 0,
    max: 100,
    ticks: { stepSize: 25, color: colour, font, callback: (v) => `${v}%` },
    grid: { color: grid, lineWidth: (c) => (c.tick?.value === 50 ? 3 : 1) },
    border: { color: colour },
    title: { display: true, text: title, color: colour, font: { ...font, size: 26, weight: "700" } },
  };
}
