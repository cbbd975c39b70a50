// The manager's charts, drawn by Apache ECharts (installed from npm into ui/vendor/ by
// .ci/ui-vendor; never pasted here). Each chart answers one question, written in its title.
// Without the library (a build that skipped the setup step) the chart's box says so and the
// numbers stay in the tables beside it.

import { t } from "./core.js";

const charts = new Map();

/** The tier colours, shared by every chart that splits by tier. */
const TIER_COLOURS = { regular: "#9aa5b1", active: "#4f9d69", core: "#2f6fb3", loyal: "#b8860b" };

function available() {
  return typeof window.echarts !== "undefined";
}

/** Draws (or redraws) `option` into `el`; returns the chart, or null without ECharts.
 * `empty`: the sentence shown across the chart when it has nothing to draw. */
function draw(el, option, empty) {
  if (!el) return null;
  if (!available()) {
    el.textContent = t("chart.missing");
    el.classList.add("chart-missing");
    return null;
  }
  let chart = charts.get(el);
  if (!chart || chart.isDisposed()) {
    chart = window.echarts.init(el, null, { renderer: "canvas" });
    charts.set(el, chart);
  }
  const note = empty
    ? { graphic: { type: "text", left: "center", top: "middle", style: { text: empty, fontSize: 14, fill: "#6b7280" } } }
    : {};
  chart.setOption({ animation: false, textStyle: { fontFamily: "Noto Sans CJK SC, sans-serif" }, ...option, ...note }, true);
  el.dataset.empty = empty ? "1" : "";
  el.dataset.drawn = "1";
  return chart;
}

/** A title that asks the chart's question. */
function question(text) {
  return { text, left: 8, top: 4, textStyle: { fontSize: 14, fontWeight: "bold" } };
}

window.addEventListener("resize", () => {
  for (const c of charts.values()) if (!c.isDisposed()) c.resize();
});

/** Charts in a screen that just became visible need their size again. */
function resizeWithin(root) {
  for (const [el, c] of charts) if (root.contains(el) && !c.isDisposed()) c.resize();
}

export { TIER_COLOURS, available, draw, question, resizeWithin };
