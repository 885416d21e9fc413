/** A console page's own zh/en strings (admin/locales/<name>.<lang>.json), following the console's language. */
const K = window.KefuAdmin;

export function pageStrings(name, attr) {
  const tables = {};
  /** The string for key in the console's language (else Chinese, else the key), {name} filled from vars. */
  function tr(key, vars) {
    const table = tables[K.lang()] || tables.zh || {};
    const own = (t) => Object.prototype.hasOwnProperty.call(t, key);
    let s = own(table) ? table[key] : own(tables.zh || {}) ? tables.zh[key] : key;
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, n) => (Object.prototype.hasOwnProperty.call(vars, n) ? String(vars[n]) : m));
    return s;
  }
  return {
    tr,
    has: (key) => tr(key) !== key,
    async load() {
      await Promise.all(["zh", "en"].map(async (lang) => {
        const res = await fetch(`/static/admin/locales/${name}.${lang}.json`, { credentials: "same-origin" });
        tables[lang] = res.ok ? await res.json() : {};
      }));
    },
    /** Fill every [data-<attr>] element under root with its string, and the document's title. */
    apply(root = document) {
      root.querySelectorAll(`[data-${attr}]`).forEach((node) => { node.textContent = tr(node.getAttribute(`data-${attr}`)); });
      document.title = `${tr("page")} · kefu`;
    },
  };
}
