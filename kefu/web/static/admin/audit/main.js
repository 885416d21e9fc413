/** The owner's audit log: who did what, filtered by kind of action, person and days; newest first, paged. */
import { pageStrings } from "../page-strings.js";

const K = window.KefuAdmin;
const S = pageStrings("audit", "audit");
const $ = (sel) => document.querySelector(sel);
// Kinds of action the filter offers: a code or the start of codes (the API's `action` filter).
const KINDS = ["", "login", "password_changed", "settings.", "knowledge.", "learning.", "routing.", "agent.",
  "api_key.", "export.", "pack.", "products.", "store.", "flow."];
const PAGE = 50;
let rows = [];
let next = null;

function dayStart(value, plusDays = 0) {
  const [y, m, d] = value.split("-").map(Number);
  return new Date(y, m - 1, d + plusDays).toISOString();  // the owner's own days, in UTC for the API
}

function filters() {
  const params = new URLSearchParams();
  if ($("#audit-action").value) params.set("action", $("#audit-action").value);
  if ($("#audit-user").value) params.set("user_id", $("#audit-user").value);
  if ($("#audit-since").value) params.set("since", dayStart($("#audit-since").value));
  if ($("#audit-until").value) params.set("until", dayStart($("#audit-until").value, 1));
  return params;
}

function detailText(detail) {
  return Object.entries(detail || {}).map(([k, v]) => {
    const value = Array.isArray(v) ? v.map((x) => (S.has(`v.${x}`) ? S.tr(`v.${x}`) : x)).join(", ")
      : v === null ? "—" : String(v);
    return `${S.has(`d.${k}`) ? S.tr(`d.${k}`) : k}: ${value}`;
  }).join(S.tr("sep"));
}

function row(e) {
  const who = e.actor_type === "api" ? S.tr("apiKey", { name: e.actor_name || "#" + (e.actor_id || "") })
    : e.actor_name;
  const action = S.has(`a.${e.action}`) ? S.tr(`a.${e.action}`) : e.action;
  const target = e.target_type ? `${S.has(`t.${e.target_type}`) ? S.tr(`t.${e.target_type}`) : e.target_type} `
    + `#${e.target_id}` : "";
  return K.el("tr", { "data-id": String(e.id) }, [
    K.el("td", { className: "audit-time", text: K.formatTime(e.created_at), title: K.fullTime(e.created_at) }),
    K.el("td", { className: "audit-who", text: who }),
    K.el("td", {}, [K.el("span", { className: "audit-action", "data-action": e.action, text: action,
      title: e.action })]),
    K.el("td", { className: "audit-target", text: target }),
    K.el("td", { className: "audit-detail", text: detailText(e.detail) }),
    K.el("td", { className: "audit-from", text: e.address, title: e.user_agent }),
  ]);
}

function render() {
  const body = K.clear($("#audit-rows"));
  rows.forEach((e) => body.appendChild(row(e)));
  $("#audit-empty").hidden = rows.length > 0;
  $("#audit-more").hidden = next === null;
  $("#audit-count").textContent = rows.length ? S.tr("count", { n: rows.length }) : "";
}

async function load(more) {
  const params = filters();
  $("#audit-export").href = "/api/v1/audit/export?" + params.toString();
  if (!more) {
    const shown = new URLSearchParams();
    ["action", "user_id"].forEach((k) => { if (params.get(k)) shown.set(k, params.get(k)); });
    if ($("#audit-since").value) shown.set("since", $("#audit-since").value);
    if ($("#audit-until").value) shown.set("until", $("#audit-until").value);
    history.replaceState(null, "", "?" + shown.toString());
  }
  params.set("limit", String(PAGE));
  if (more && next !== null) params.set("before", String(next));
  K.showError($("#audit-error"), null);
  $("#audit-load").disabled = $("#audit-more").disabled = true;
  try {
    const page = await K.api("GET", "/audit?" + params.toString());
    rows = more ? rows.concat(page.items) : page.items;
    next = page.next_before;
    render();
  } catch (err) {
    K.showError($("#audit-error"), err);
  } finally {
    $("#audit-load").disabled = $("#audit-more").disabled = false;
  }
}

function fillSelects(people) {
  const kind = $("#audit-action");
  const user = $("#audit-user");
  const keep = [kind.value, user.value];
  K.clear(kind);
  KINDS.forEach((k) => kind.appendChild(K.el("option", { value: k, text: S.tr(`g.${k || "all"}`) })));
  K.clear(user).appendChild(K.el("option", { value: "", text: S.tr("g.everyone") }));
  people.forEach((p) => user.appendChild(K.el("option", { value: String(p.id), text: p.name })));
  [kind.value, user.value] = keep;
}

async function start() {
  await S.load();
  S.apply();
  const me = await K.boot("audit");
  S.apply();
  if (me.user.role !== "owner") {
    $("#audit-owner-only").hidden = false;
    document.querySelectorAll("#audit-filters, #audit-page section, #audit-export").forEach((n) => { n.hidden = true; });
    return;
  }
  const people = await K.api("GET", "/live").then((o) => o.agents, () => []);
  fillSelects(people);
  const query = new URLSearchParams(location.search);
  $("#audit-action").value = KINDS.includes(query.get("action")) ? query.get("action") : "";
  if (!KINDS.includes(query.get("action")) && query.get("action")) {  // a code from a link (the lock notice)
    $("#audit-action").appendChild(K.el("option", { value: query.get("action"), text: query.get("action") }));
    $("#audit-action").value = query.get("action");
  }
  $("#audit-user").value = query.get("user_id") || "";
  $("#audit-since").value = query.get("since") || "";
  $("#audit-until").value = query.get("until") || "";
  K.onLangChange(() => { S.apply(); fillSelects(people); render(); });
  $("#audit-filters").addEventListener("submit", (ev) => { ev.preventDefault(); load(false); });
  $("#audit-more").addEventListener("click", () => load(true));
  load(false);
}

start();
