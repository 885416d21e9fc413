/* The reports page: a period, the live panel, headline figures, charts and tables; a click on a bar, a heatmap
 * cell or a table row lists the conversations behind it (each opens on the conversations page). */
import { applyStrings, loadStrings, tr } from "./i18n.js";
import { channelName, DASH, num, pct, secs, topicName } from "./format.js";
import { drawHeatmap, drawSeries } from "./charts.js";

const K = window.KefuAdmin;
const { el, $ } = K;
const LIVE_EVERY_MS = 15000;
// from/to empty: the server's default, the last 30 days of the shop's own calendar (its today may not be ours).
const state = { from: "", to: "", today: "", bucket: "day", heat: "conversations", data: null, drill: null };

function isoDay(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

function setDays(n) {
  const to = state.today ? new Date(`${state.today}T12:00:00`) : new Date();
  const from = new Date(to.getTime() - (n - 1) * 86400000);
  state.from = isoDay(from);
  state.to = isoDay(to);
  $("#rep-from").value = state.from;
  $("#rep-to").value = state.to;
}

function params(extra) {
  const q = new URLSearchParams(state.from ? { from: state.from, to: state.to } : {});
  Object.entries(extra || {}).forEach(([k, v]) => { if (v !== null && v !== undefined) q.set(k, String(v)); });
  return q.toString();
}

function exportLinks(box, table, filters) {
  K.clear(box);
  ["csv", "xlsx"].forEach((format) => {
    box.appendChild(el("a", {
      className: "btn btn-sm rep-export", download: "", "data-format": format, "data-table": table,
      href: `/api/v1/reports/export?${params({ table, format, bucket: state.bucket, ...(filters || {}) })}`,
      text: tr(`rep.${format}`),
    }));
  });
}

// --- headline figures ---------------------------------------------------------------------------

function kpi(id, label, value, sub) {
  return el("div", { className: "card rep-kpi", id }, [
    el("div", { className: "rep-kpi-label", text: label }),
    el("div", { className: "rep-kpi-value", text: value }),
    el("div", { className: "rep-kpi-sub", text: sub || "" }),
  ]);
}

function renderKpis(s) {
  const box = K.clear($("#rep-kpis"));
  const frt = s.first_response_seconds;
  box.appendChild(kpi("kpi-conversations", tr("rep.kpi.conversations"), num(s.conversations), ""));
  box.appendChild(kpi("kpi-bot", tr("rep.kpi.botResolved"), pct(s.bot_resolution_rate),
    tr("rep.kpi.of", { n: num(s.bot_resolved) })));
  box.appendChild(kpi("kpi-handoff", tr("rep.kpi.handoff"), pct(s.handoff_rate), tr("rep.kpi.of", { n: num(s.handed_off) })));
  box.appendChild(kpi("kpi-frt", tr("rep.kpi.frt"), frt ? `${secs(frt.p50)} / ${secs(frt.p90)}` : DASH,
    frt ? tr("rep.kpi.of", { n: num(frt.count) }) : ""));
  box.appendChild(kpi("kpi-csat", tr("rep.kpi.csat"), pct(s.csat.satisfied_share), tr("rep.kpi.csatSub", {
    avg: s.csat.average === null ? DASH : s.csat.average, n: num(s.csat.responses), rate: pct(s.csat.response_rate) })));
  box.appendChild(kpi("kpi-unanswered", tr("rep.kpi.unanswered"), pct(s.unanswered_rate),
    tr("rep.kpi.unansweredSub", { n: num(s.unanswered_messages), m: num(s.customer_messages) })));
}

async function refreshLive() {
  try {
    const l = await K.api("GET", "/reports/live");
    const box = K.clear($("#rep-live"));
    box.appendChild(el("strong", { className: "rep-live-title", text: tr("rep.live") }));
    [["waiting", num(l.waiting)], ["longest", secs(l.longest_wait_seconds)], ["online", num(l.online_agents)],
      ["available", num(l.available_agents)], ["withAgent", num(l.with_agent)], ["withBot", num(l.with_bot)]]
      .forEach(([k, v]) => box.appendChild(el("span", { className: "rep-live-item", "data-live": k }, [
        el("span", { className: "muted", text: tr(`rep.live.${k}`) }), " ", el("b", { text: v })])));
  } catch (e) { /* the next tick tries again */ }
}

// --- tables -------------------------------------------------------------------------------------

function table(node, columns, rows, onPick) {
  K.clear(node);
  const head = el("tr", {}, columns.map((c) => el("th", { text: tr(c[0]) })));
  node.appendChild(el("thead", {}, [head]));
  const body = el("tbody");
  if (!rows.length) body.appendChild(el("tr", {}, [el("td", { colSpan: columns.length, className: "muted",
    text: tr("rep.empty") })]));
  rows.forEach((r) => {
    const tr_ = el("tr", { className: "rep-row" }, columns.map((c, i) => {
      const v = String(c[1](r));
      return el("td", {}, [i === 0 ? el("button", { type: "button", className: "btn-link rep-pick", text: v }) : v]);
    }));
    tr_.querySelector(".rep-pick").addEventListener("click", () => onPick(r));
    body.appendChild(tr_);
  });
  node.appendChild(body);
}

const OUTCOME_COLUMNS = [
  ["rep.col.conversations", (r) => num(r.conversations)],
  ["rep.col.botRate", (r) => pct(r.bot_resolution_rate)],
  ["rep.col.handoffRate", (r) => pct(r.handoff_rate)],
  ["rep.col.frt", (r) => secs(r.first_response_avg_seconds)],
  ["rep.col.csat", (r) => pct(r.satisfied_share)],
];

function renderTables(d) {
  table($("#table-channels"), [["rep.col.channel", (r) => channelName(r.key)], ...OUTCOME_COLUMNS], d.channels,
    (r) => drill({ channel: r.key }, channelName(r.key)));
  table($("#table-topics"), [["rep.col.key", (r) => topicName(r.key)], ...OUTCOME_COLUMNS], d.topics,
    (r) => drill({ topic: r.key }, topicName(r.key)));
  table($("#table-points"), [
    ["rep.col.question", (r) => (r.deleted ? `#${r.point_id} ${tr("rep.deleted")}` : r.question)],
    ["rep.col.hits", (r) => num(r.hits)], ["rep.col.answered", (r) => num(r.answered)],
    ["rep.col.clarified", (r) => num(r.clarified)], ["rep.col.handedAfter", (r) => num(r.handed_off_after)],
    ["rep.col.ratings", (r) => num(r.ratings)], ["rep.col.rating", (r) => (r.rating_average ?? DASH)],
  ], d.points, (r) => drill({ point_id: r.point_id }, r.question || `#${r.point_id}`));
  table($("#table-agents"), [
    ["rep.col.agent", (r) => r.name || tr("rep.unknownAgent")], ["rep.col.chats", (r) => num(r.chats)],
    ["rep.col.frt", (r) => secs(r.first_response_avg_seconds)],
    ["rep.col.resolution", (r) => secs(r.resolution_avg_seconds)],
    ["rep.col.csat", (r) => pct(r.satisfied_share)], ["rep.col.rating", (r) => (r.rating_average ?? DASH)],
    ["rep.col.suggestions", (r) => `${num(r.suggestions_used)} / ${num(r.suggestions_shown)}`],
  ], d.agents, (r) => drill({ agent_id: r.user_id }, r.name || `#${r.user_id}`));
}

// --- the conversations behind a figure ------------------------------------------------------------

function outcomeOf(c) {
  if (c.bot_resolved) return "bot_resolved";
  if (c.handed_off) return "handed_off";
  if (c.came_back) return "came_back";
  if (c.unanswered) return "unanswered";
  return "open";
}

async function drill(filters, what, more) {
  const box = $("#rep-drill");
  if (!more) state.drill = { filters, what, offset: 0, items: [] };
  const d = state.drill;
  const page = await K.api("GET", `/reports/conversations?${params({ ...filters, bucket: state.bucket, limit: 50,
    offset: d.offset })}`);
  d.items = d.items.concat(page.items);
  d.offset = d.items.length;
  $("#rep-drill-what").textContent = what;
  $("#rep-drill-total").textContent = tr("rep.total", { n: num(page.total) });
  $("#rep-drill-more").hidden = d.items.length >= page.total;
  exportLinks($("#rep-drill-exports"), "conversations", filters);
  const t = K.clear($("#rep-drill-table"));
  t.appendChild(el("thead", {}, [el("tr", {}, ["rep.col.id", "rep.col.time", "rep.col.channel", "rep.col.customer",
    "rep.col.outcome", "rep.col.rating"].map((k) => el("th", { text: tr(k) })))]));
  const body = el("tbody");
  d.items.forEach((c) => {
    const outcome = outcomeOf(c);
    body.appendChild(el("tr", { className: "rep-conv", "data-id": c.conversation_id }, [
      el("td", {}, [el("a", { href: `/admin/conversations?id=${c.conversation_id}`, text: `#${c.conversation_id}` })]),
      el("td", { text: K.formatTime(c.created_at), title: K.fullTime(c.created_at) }),
      el("td", { text: channelName(c.channel) }),
      el("td", { text: c.customer_name }),
      el("td", {}, [el("span", { className: `badge rep-out rep-out-${outcome}`, text: tr(`rep.out.${outcome}`) })]),
      el("td", { text: c.rating === null ? DASH : `${c.rating}★` }),
    ]));
  });
  t.appendChild(body);
  box.hidden = false;
  if (!more) box.scrollIntoView({ block: "start" });
}

// --- loading ----------------------------------------------------------------------------------------

async function load() {
  K.showError($("#rep-error"), null);
  const q = params();
  try {
    const [summary, series, heatmap, channels, topics, points, agents] = await Promise.all([
      K.api("GET", `/reports/summary?${q}`), K.api("GET", `/reports/series?${params({ bucket: state.bucket })}`),
      K.api("GET", `/reports/heatmap?${q}`), K.api("GET", `/reports/channels?${q}`),
      K.api("GET", `/reports/topics?${q}`), K.api("GET", `/reports/points?${q}`), K.api("GET", `/reports/agents?${q}`),
    ]);
    if (!state.from) {  // the first load: show the period the server chose
      state.from = summary.from;
      state.to = summary.to;
      state.today = state.today || summary.to;
      $("#rep-from").value = summary.from;
      $("#rep-to").value = summary.to;
    }
    state.data = { summary, series: series.rows, heatmap, channels: channels.rows, topics: topics.rows,
      points: points.rows, agents: agents.rows };
    render();
  } catch (err) {
    K.showError($("#rep-error"), err);
  }
}

function render() {
  const d = state.data;
  applyStrings(document);
  document.querySelectorAll("#rep-quick [data-days]").forEach((b) => {
    b.textContent = tr("rep.quick", { n: b.getAttribute("data-days") });
  });
  document.querySelectorAll("#heat-kind [data-kind]").forEach((b) => {
    b.classList.toggle("is-on", b.getAttribute("data-kind") === state.heat);
  });
  document.querySelectorAll(".card-foot.rep-exports[data-table]").forEach((box) => {
    exportLinks(box, box.getAttribute("data-table"));
  });
  if (!d) return;
  $("#rep-tz").textContent = tr("rep.tz", { tz: d.summary.timezone });
  renderKpis(d.summary);
  drawSeries($("#chart-series"), d.series, state.bucket, (row) => drill({ day: row.bucket },
    tr("rep.what.bucket", { start: row.bucket, bucket: tr(`rep.bucket.${state.bucket}`) })));
  drawHeatmap($("#chart-heatmap"), d.heatmap[state.heat], (weekday, hour) => drill({ weekday, hour },
    tr("rep.what.cell", { weekday: tr(`rep.weekday.${weekday}`), hour: String(hour).padStart(2, "0") })));
  renderTables(d);
  if (state.drill && !$("#rep-drill").hidden) drill(state.drill.filters, state.drill.what);
}

async function init() {
  await K.boot("reports");
  await Promise.all([loadStrings(), K.loadFlowNames()]);
  if (!K.isAdmin()) {  // the report API answers 403 to agents
    applyStrings(document);
    K.showError($("#rep-error"), tr("rep.forbidden"));
    return;
  }
  $("#rep-range").addEventListener("submit", (e) => {
    e.preventDefault();
    state.from = $("#rep-from").value;
    state.to = $("#rep-to").value;
    state.bucket = $("#rep-bucket").value;
    load();
  });
  $("#rep-quick").addEventListener("click", (e) => {
    const days = e.target.closest("[data-days]");
    if (days) { setDays(Number(days.getAttribute("data-days"))); load(); }
  });
  $("#heat-kind").addEventListener("click", (e) => {
    const b = e.target.closest("[data-kind]");
    if (b) { state.heat = b.getAttribute("data-kind"); render(); }
  });
  $("#rep-drill-close").addEventListener("click", () => { $("#rep-drill").hidden = true; });
  $("#rep-drill-more").addEventListener("click", () => drill(state.drill.filters, state.drill.what, true));
  K.onLangChange(render);
  render();
  await load();
  refreshLive();
  setInterval(refreshLive, LIVE_EVERY_MS);
}

init();
