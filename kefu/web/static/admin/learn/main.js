/** The "unanswered questions" page: pick a range, see the groups, act on each. */
import { applyStrings, loadStrings, tr } from "./i18n.js";
import { groupCard } from "./card.js";

const K = window.KefuAdmin;
const $ = (sel) => document.querySelector(sel);
let report = null;

function isoDay(d) {
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

function summary() {
  const shown = report.groups.length;
  let s = tr("summary", { questions: report.questions, groups: report.total_groups });
  if (report.hidden) s += tr("summaryHidden", { hidden: report.hidden });
  $("#learn-summary").textContent = shown ? s : "";
  $("#learn-empty").hidden = shown > 0;
}

function render() {
  const box = K.clear($("#learn-groups"));
  report.groups.forEach((group, i) => box.appendChild(groupCard(group, i + 1, (done, card) => {
    report.groups = report.groups.filter((g) => g.id !== done.id);
    report.total_groups -= 1;
    card.remove();
    summary();
  })));
  summary();
}

async function load() {
  const from = $("#learn-from").value;
  const to = $("#learn-to").value;
  const params = new URLSearchParams({ limit: "100" });
  if (from) params.set("from", from);
  if (to) params.set("to", to);
  history.replaceState(null, "", "?" + new URLSearchParams({ from, to }).toString());
  K.showError($("#learn-error"), null);
  $("#learn-summary").textContent = tr("loading");
  $("#learn-load").disabled = true;
  try {
    report = await K.api("GET", "/reports/unanswered?" + params.toString());
    render();
  } catch (err) {
    $("#learn-summary").textContent = "";
    K.showError($("#learn-error"), err);
  } finally {
    $("#learn-load").disabled = false;
  }
}

async function start() {
  await loadStrings();
  applyStrings();
  await K.boot("learn");
  applyStrings();
  K.onLangChange(() => { applyStrings(); if (report) render(); });
  if (!K.isAdmin()) {
    $("#learn-readonly").hidden = false;
    $("#learn-range").hidden = true;
    return;
  }
  const query = new URLSearchParams(location.search);
  const today = new Date();
  $("#learn-to").value = query.get("to") || isoDay(today);
  $("#learn-from").value = query.get("from") || isoDay(new Date(today.getTime() - 29 * 86400000));
  $("#learn-range").addEventListener("submit", (ev) => { ev.preventDefault(); load(); });
  load();
}

start();
