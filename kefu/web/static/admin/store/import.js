/* The store page's catalogue upload: POST /api/v1/products/import, with the bad rows listed by line number. */
const K = window.KefuAdmin;
const strings = {};

function tr(key, vars) {
  const table = strings[K.lang()] || strings.zh || {};
  let s = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, n) => (n in vars ? String(vars[n]) : m));
  return s;
}

function node(tag, attrs, text) {
  const el = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => el.setAttribute(k, v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function build() {
  const button = node("button", { type: "button", class: "btn", id: "product-import", hidden: "" });
  const dialog = node("dialog", { id: "product-import-dialog", "aria-labelledby": "pi-title" });
  const form = node("form", { method: "dialog", novalidate: "" });
  const body = node("div", { class: "dialog-body" });
  const head = node("div", { class: "dialog-head" });
  head.append(node("h2", { id: "pi-title" }));
  const hint = node("p", { class: "hint", id: "pi-hint" });
  const fileLabel = node("label", { class: "field" });
  const fileText = node("span", { class: "label", id: "pi-file-label" });
  const file = node("input", { type: "file", id: "pi-file", accept: ".jsonl,.ndjson,.json,.csv,.xlsx" });
  fileLabel.append(fileText, file);
  const skipLabel = node("label", { class: "check" });
  const skip = node("input", { type: "checkbox", id: "pi-skip" });
  const skipText = node("span", { id: "pi-skip-label" });
  skipLabel.append(skip, " ", skipText);
  const status = node("div", { class: "alert", id: "pi-status", role: "status", hidden: "" });
  const table = node("table", { class: "table", id: "pi-problems", hidden: "" });
  const foot = node("div", { class: "dialog-foot" });
  const cancel = node("button", { type: "button", class: "btn", id: "pi-cancel" });
  const submit = node("button", { type: "button", class: "btn btn-primary", id: "pi-submit" });
  foot.append(cancel, submit);
  body.append(hint, fileLabel, skipLabel, status, table);
  form.append(head, body, foot);
  dialog.append(form);
  document.body.append(dialog);

  function label() {
    button.textContent = tr("button");
    head.firstChild.textContent = tr("title");
    hint.textContent = tr("hint");
    fileText.textContent = tr("file");
    skipText.textContent = tr("skip");
    cancel.textContent = tr("cancel");
    submit.textContent = tr("submit");
  }

  function show(kind, text) {
    status.hidden = false;
    status.className = "alert alert-" + kind;
    status.textContent = text;
  }

  function problems(rows) {
    table.replaceChildren();
    table.hidden = !rows.length;
    if (!rows.length) return;
    const tr_ = node("tr");
    ["col.row", "col.sku", "col.problem"].forEach((k) => tr_.append(node("th", {}, tr(k))));
    table.append(node("thead"));
    table.tHead.append(tr_);
    const tbody = node("tbody");
    rows.slice(0, 200).forEach((p) => {
      const row = node("tr");
      row.append(node("td", { class: "num" }, p.row == null ? "—" : String(p.row)), node("td", {}, p.sku || ""),
        node("td", {}, p.problem));
      tbody.append(row);
    });
    table.append(tbody);
  }

  async function send() {
    if (!file.files.length) { show("error", tr("noFile")); return; }
    const data = new FormData();
    data.append("file", file.files[0], file.files[0].name);
    submit.disabled = true;
    show("info", tr("busy"));
    problems([]);
    try {
      const res = await fetch("/api/v1/products/import?skip_bad=" + (skip.checked ? "true" : "false"), {
        method: "POST", credentials: "same-origin", body: data, headers: { Accept: "application/json" } });
      const out = await res.json().catch(() => ({}));
      if (res.ok) {
        show("success", tr("done", out));
        problems(out.problems || []);
        document.dispatchEvent(new CustomEvent("kefu:products-imported"));
      } else if (out.problems) {
        show("error", tr("bad", { n: out.problems.length }));
        problems(out.problems);
      } else {
        show("error", (out.error && out.error.message) || String(res.status));
      }
    } catch (e) {
      show("error", K.t("err.network"));
    } finally {
      submit.disabled = false;
    }
  }

  button.addEventListener("click", () => {
    status.hidden = true;
    problems([]);
    dialog.showModal();
  });
  cancel.addEventListener("click", () => dialog.close());
  submit.addEventListener("click", send);
  // Shown exactly when "新增商品" is: for owners and admins, on the products tab.
  const add = document.getElementById("product-add");
  add.after(button);
  const sync = () => { button.hidden = add.hidden; };
  new MutationObserver(sync).observe(add, { attributes: true, attributeFilter: ["hidden"] });
  sync();
  label();
  K.onLangChange(label);
}

Promise.all(["zh", "en"].map(async (lang) => {
  const r = await fetch(`/static/admin/locales/store-import.${lang}.json`);
  strings[lang] = await r.json();
})).then(build);
