/** The page's own zh/en strings (locales/learn.<lang>.json), following the console's language. */
const K = window.KefuAdmin;
const tables = {};

export async function loadStrings() {
  await Promise.all(["zh", "en"].map(async (lang) => {
    const res = await fetch(`/static/admin/locales/learn.${lang}.json`, { credentials: "same-origin" });
    tables[lang] = res.ok ? await res.json() : {};
  }));
}

/** The string for key in the console's language, with {name} filled from vars. */
export function tr(key, vars) {
  const table = tables[K.lang()] || tables.zh || {};
  let s = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : ((tables.en || {})[key] || key);
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  return s;
}

/** Fill every [data-learn] element under root with its string, and the document title. */
export function applyStrings(root = document) {
  root.querySelectorAll("[data-learn]").forEach((node) => { node.textContent = tr(node.dataset.learn); });
  root.querySelectorAll("[data-learn-placeholder]").forEach((node) => {
    node.setAttribute("placeholder", tr(node.dataset.learnPlaceholder));
  });
  document.title = `${tr("page")} · kefu`;
}
