/* The workspace's product-card panel: search the shop's products (live price and stock) and send one as a card
 * into the open chat; with an empty search it lists what to recommend to this customer. */
const K = window.KefuAdmin;
const { el, $ } = K;
const tables = {};

async function loadStrings() {
  await Promise.all(["zh", "en"].map(async (lang) => {
    const r = await fetch(`/static/admin/locales/products.${lang}.json`);
    tables[lang] = await r.json();
  }));
}

function tr(key, vars) {
  const table = tables[K.lang()] || tables.zh || {};
  let s = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : (tables.zh || {})[key] || key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, n) => (Object.prototype.hasOwnProperty.call(vars, n) ? String(vars[n]) : m));
  return s;
}

function applyStrings() {
  document.querySelectorAll("[data-p]").forEach((node) => { node.textContent = tr(node.getAttribute("data-p")); });
  $("#product-search").placeholder = tr("pc.searchPh");
}

function chatId() {
  const raw = ($("#chat") || {}).getAttribute ? $("#chat").getAttribute("data-id") : "";
  return raw && /^\d+$/.test(raw) ? raw : "";
}

let seq = 0;

function row(card) {
  const stock = ["in_stock", "low", "out_of_stock"].includes(card.stock) ? card.stock : "in_stock";
  const send = el("button", { type: "button", className: "btn btn-sm btn-primary", text: tr("pc.send"),
    on: { click: () => sendCard(card, send) } });
  return el("li", { className: "ws-product", "data-sku": card.sku }, [
    el("div", { className: "ws-product-main" }, [
      el("span", { className: "ws-product-title", text: card.title }),
      el("span", { className: "msg-card-price", text: card.price }),
      el("span", { className: `msg-card-stock msg-card-stock--${stock}`, text: card.stock_label }),
      el("span", { className: "msg-card-sku", text: card.sku }),
      card.reason ? el("span", { className: "msg-card-reason", text: card.reason }) : null,
    ]),
    send,
  ]);
}

async function search() {
  const mine = ++seq;
  const q = $("#product-search").value.trim();
  const id = chatId();
  const list = K.clear($("#product-results"));
  const empty = $("#product-empty");
  empty.hidden = true;
  let items = [];
  let hint = tr("pc.hint");
  try {
    if (!q && id) {
      items = (await K.api("GET", `/live/conversations/${id}/recommendations`)).items;
      hint = tr("pc.suggested");
    } else {
      items = (await K.api("GET", `/live/products?${new URLSearchParams({ q, limit: "10", locale: K.lang() })}`)).items;
    }
  } catch (err) {
    if (mine !== seq) return;
    empty.textContent = (err && err.message) || String(err);
    empty.hidden = false;
    return;
  }
  if (mine !== seq) return;
  $("#product-hint").textContent = hint;
  items.forEach((c) => list.appendChild(row(c)));
  if (!items.length) {
    empty.textContent = tr("pc.none");
    empty.hidden = false;
  }
}

async function sendCard(card, button) {
  const id = chatId();
  if (!id) { K.toast(tr("pc.noChat"), true); return; }
  button.disabled = true;
  try {
    await K.api("POST", `/live/conversations/${id}/product-card`, { skus: [card.sku] });
    K.toast(tr("pc.sent", { title: card.title }));
  } catch (err) {
    K.toast((err && err.message) || String(err), true);
  } finally {
    button.disabled = false;
  }
}

function toggle(open) {
  const panel = $("#product-panel");
  const next = open === undefined ? panel.hidden : open;
  panel.hidden = !next;
  $("#product-toggle").setAttribute("aria-expanded", next ? "true" : "false");
  if (next) {
    $("#product-search").focus();
    search();
  }
}

let timer = null;
await loadStrings();
applyStrings();
K.onLangChange(applyStrings);
$("#product-toggle").addEventListener("click", () => toggle());
$("#product-search").addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(search, 250);
});
