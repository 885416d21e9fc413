/** The "unanswered questions" page: pick a range, see the groups, act on each. */
import { applyStrings, loadStrings, tr } from "./i18n.js";
import { groupCard } from "./card.js";

const K = window.KefuAdmin;
const $ = (sel) => document.querySelector(sel);
let report = null;

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
  K.showError($("#learn-error"), null);
  $("#learn-summary").textContent = tr("loading");
  $("#learn-load").disabled = true;
  try {
    report = await K.api("GET", "/reports/unanswered?" + params.toString());
    // The server says which days it read: by default the last 30 of the shop's calendar (its time zone, not
    // this browser's).
    $("#learn-from").value = report.from;
    $("#learn-to").value = report.to;
    history.replaceState(null, "", "?" + new URLSearchParams({ from: report.from, to: report.to }).toString());
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
  $("#learn-to").value = query.get("to") || "";
  $("#learn-from").value = query.get("from") || "";
  $("#learn-range").addEventListener("submit", (ev) => { ev.preventDefault(); load(); });
  load();
}

start();
