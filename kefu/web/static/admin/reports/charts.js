/* The two charts (ECharts, vendored under /static/vendor/echarts): the time series and the weekday × hour
 * heatmap. A click calls back with what was clicked; the page lists the conversations behind it. */
import { tr } from "./i18n.js";

const charts = new Map();

function chartOn(node) {
  let chart = charts.get(node);
  if (!chart) {
    chart = window.echarts.init(node, null, { renderer: "canvas" });
    charts.set(node, chart);
    window.addEventListener("resize", () => chart.resize());
  }
  chart.off("click");
  chart.getZr().off("click");
  return chart;
}

/** Stacked bars (bot-resolved, handed off, other) per bucket and the bot resolution rate as a line. */
export function drawSeries(node, rows, bucket, onPick) {
  const chart = chartOn(node);
  const other = rows.map((r) => Math.max(0, r.conversations - r.bot_resolved - r.handed_off));
  chart.setOption({
    animation: false,
    color: ["#1a7f37", "#1f6feb", "#b0b8c4", "#8a5a00"],
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 48, top: 36, bottom: 56 },
    dataZoom: rows.length > 62 ? [{ type: "slider", bottom: 8 }] : [],
    xAxis: { type: "category", data: rows.map((r) => r.bucket) },
    yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }],
    series: [
      { name: tr("rep.s.botResolved"), type: "bar", stack: "c", data: rows.map((r) => r.bot_resolved) },
      { name: tr("rep.s.handedOff"), type: "bar", stack: "c", data: rows.map((r) => r.handed_off) },
      { name: tr("rep.s.other"), type: "bar", stack: "c", data: other },
      { name: tr("rep.s.rate"), type: "line", yAxisIndex: 1, smooth: true, connectNulls: true,
        data: rows.map((r) => (r.bot_resolution_rate === null ? null : Math.round(r.bot_resolution_rate * 1000) / 10)) },
    ],
  }, true);
  // Anywhere in a bucket's column opens it: a day's bar is thin, and an empty bucket has none to hit.
  chart.getZr().on("click", (e) => {
    if (!chart.containPixel("grid", [e.offsetX, e.offsetY])) return;
    const [index] = chart.convertFromPixel({ seriesIndex: 0 }, [e.offsetX, e.offsetY]);
    if (rows[index]) onPick(rows[index]);
  });
  node.dataset.rendered = String(rows.length);
}

/** grid[weekday][hour] as a heatmap, Monday on top. */
export function drawHeatmap(node, grid, onPick) {
  const chart = chartOn(node);
  const data = [];
  let max = 0;
  grid.forEach((row, weekday) => row.forEach((v, hour) => { data.push([hour, weekday, v]); max = Math.max(max, v); }));
  const days = [0, 1, 2, 3, 4, 5, 6].map((d) => tr(`rep.weekday.${d}`));
  chart.setOption({
    animation: false,
    tooltip: { formatter: (p) => `${days[p.value[1]]} ${String(p.value[0]).padStart(2, "0")}:00 · ${p.value[2]}` },
    grid: { left: 56, right: 16, top: 8, bottom: 64 },
    xAxis: { type: "category", data: [...Array(24).keys()].map((h) => String(h).padStart(2, "0")), splitArea: { show: true } },
    yAxis: { type: "category", data: days, inverse: true, splitArea: { show: true } },
    visualMap: { min: 0, max: Math.max(1, max), calculable: true, orient: "horizontal", left: "center", bottom: 0,
      inRange: { color: ["#f4f6fa", "#9cc2ff", "#1f6feb"] } },
    series: [{ type: "heatmap", data, emphasis: { itemStyle: { borderColor: "#1c2430", borderWidth: 1 } } }],
  }, true);
  chart.getZr().on("click", (e) => {
    if (!chart.containPixel("grid", [e.offsetX, e.offsetY])) return;
    const [hour, weekday] = chart.convertFromPixel({ seriesIndex: 0 }, [e.offsetX, e.offsetY]);
    if (hour >= 0 && hour < 24 && weekday >= 0 && weekday < 7) onPick(weekday, hour);
  });
  node.dataset.rendered = String(data.length);
}
