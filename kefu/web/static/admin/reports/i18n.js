/* The reports page's own zh/en strings (admin/locales/reports.<lang>.json), following the console's language. */
const K = window.KefuAdmin;
const tables = {};

export async function loadStrings() {
  await Promise.all(["zh", "en"].map(async (lang) => {
    const r = await fetch(`/static/admin/locales/reports.${lang}.json`);
    tables[lang] = await r.json();
  }));
}

/** A string of the page in the console's language, with {name} filled in. */
export function tr(key, vars) {
  const table = tables[K.lang()] || tables.zh || {};
  let s = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : (tables.zh || {})[key] || key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, n) => (Object.prototype.hasOwnProperty.call(vars, n) ? String(vars[n]) : m));
  return s;
}

/** Fill every [data-r] element's text under root. */
export function applyStrings(root) {
  root.querySelectorAll("[data-r]").forEach((node) => { node.textContent = tr(node.getAttribute("data-r")); });
}
