/** A console page's own zh/en strings (locales/<name>.<lang>.json), following the console's language. */
const K = window.KefuAdmin;

/** Load locales/<name>.zh.json and .en.json; return tr(key, vars) and apply(root) for [data-<attr>] elements. */
export async function pageStrings(name, attr = name) {
  const tables = {};
  await Promise.all(["zh", "en"].map(async (lang) => {
    const res = await fetch(`/static/admin/locales/${name}.${lang}.json`, { credentials: "same-origin" });
    tables[lang] = res.ok ? await res.json() : {};
  }));
  const tr = (key, vars) => {
    const table = tables[K.lang()] || tables.zh || {};
    let s = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : ((tables.en || {})[key] || key);
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, v) => (v in vars ? String(vars[v]) : m));
    return s;
  };
  const apply = (root = document) => {
    root.querySelectorAll(`[data-${attr}]`).forEach((node) => { node.textContent = tr(node.dataset[attr]); });
  };
  return { tr, apply };
}
