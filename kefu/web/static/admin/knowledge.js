/* kefu admin console: the knowledge base (list, search, page, add, edit, delete). */
(function () {
  "use strict";
  var K = window.KefuAdmin;
  var t = K.t, el = K.el, $ = K.$;

  var PAGE = 20;
  var state = { search: "", offset: 0, total: 0, items: [], loaded: false, seq: 0, editing: null };
  var admin = false;

  // --- list -----------------------------------------------------------------------------------

  function load() {
    var seq = ++state.seq;
    var qs = new URLSearchParams({ search: state.search, limit: String(PAGE), offset: String(state.offset) });
    $("#kb-table").setAttribute("aria-busy", "true");
    return K.api("GET", "/knowledge?" + qs.toString()).then(function (page) {
      if (seq !== state.seq) return; // a newer search answered first
      if (!page.items.length && state.offset > 0 && page.total > 0) {
        state.offset = Math.max(0, Math.floor((page.total - 1) / PAGE) * PAGE);
        return load();
      }
      state.items = page.items;
      state.total = page.total;
      state.loaded = true;
      K.showError($("#kb-list-error"), null);
      render();
    }, function (err) {
      if (seq !== state.seq) return;
      K.showError($("#kb-list-error"), err);
    }).then(function () {
      if (seq === state.seq) {
        $("#kb-loading").hidden = true;
        $("#kb-table").removeAttribute("aria-busy");
      }
    });
  }

  function render() {
    var tbody = K.clear($("#kb-rows"));
    state.items.forEach(function (item) { tbody.appendChild(row(item)); });

    var empty = $("#kb-empty");
    empty.hidden = state.items.length > 0 || !state.loaded;
    if (!state.items.length) {
      empty.textContent = state.search ? t("kb.noMatch", { q: state.search })
        : (admin ? t("kb.empty") : t("kb.emptyAgent"));
    }
    $("#kb-table").hidden = !state.items.length;
    $("#kb-count").textContent = state.loaded ? t("kb.count", { n: state.total }) : "";

    var pager = $("#kb-pager");
    pager.hidden = state.total <= PAGE;
    $("#kb-range").textContent = t("common.range", {
      from: state.total ? state.offset + 1 : 0, to: state.offset + state.items.length, total: state.total });
    $("#kb-prev").disabled = state.offset === 0;
    $("#kb-next").disabled = state.offset + PAGE >= state.total;

    var cats = K.clear($("#kb-categories"));
    var seen = {};
    state.items.forEach(function (i) {
      if (i.category && !seen[i.category]) {
        seen[i.category] = true;
        cats.appendChild(el("option", { value: i.category }));
      }
    });
  }

  function row(item) {
    var similar = item.similar_questions || [];
    var qCell = el("td", { "data-label": t("kb.col.question") }, [
      el("div", { className: "kb-q", text: item.question })
    ]);
    if (similar.length) {
      var shown = similar.slice(0, 4).join(" · ") + (similar.length > 4 ? " …" : "");
      qCell.appendChild(el("div", { className: "kb-similar", title: similar.join("\n") },
        [t("kb.similar", { n: similar.length }) + shown]));
    }
    var tr = el("tr", { className: "kb-row" + (item.enabled ? "" : " is-disabled"), "data-id": item.id }, [
      qCell,
      el("td", { "data-label": t("kb.col.answer") }, [
        el("div", { className: "kb-answer", text: item.answer, title: item.answer,
          on: { click: function () { this.classList.toggle("is-open"); } } })
      ]),
      el("td", { "data-label": t("kb.col.category") }, [
        item.category ? el("span", { className: "tag", text: item.category })
          : el("span", { className: "muted small", text: t("kb.uncategorized") })
      ]),
      el("td", { "data-label": t("kb.col.status") }, [
        el("span", { className: "badge " + (item.enabled ? "badge-on" : "badge-off"),
          text: item.enabled ? t("kb.enabled") : t("kb.disabled") })
      ]),
      el("td", { className: "nowrap muted small", "data-label": t("kb.col.updated"),
        title: K.fullTime(item.updated_at), text: K.formatTime(item.updated_at) })
    ]);
    if (admin) {
      tr.appendChild(el("td", { className: "col-actions" }, [
        el("button", { type: "button", className: "btn btn-sm kb-edit", text: t("common.edit"),
          on: { click: function () { openEditor(item); } } }),
        el("button", { type: "button", className: "btn btn-sm btn-danger kb-delete", text: t("common.delete"),
          on: { click: function () { remove(item); } } })
      ]));
    }
    return tr;
  }

  // --- editor ---------------------------------------------------------------------------------

  function openEditor(item) {
    state.editing = item || null;
    $("#kb-dialog-title").textContent = item ? t("kb.dialog.edit") : t("kb.dialog.add");
    $("#kb-question").value = item ? item.question : "";
    $("#kb-similar").value = item ? (item.similar_questions || []).join("\n") : "";
    $("#kb-answer").value = item ? item.answer : "";
    $("#kb-category").value = item ? item.category : "";
    $("#kb-enabled").checked = item ? !!item.enabled : true;
    K.showError($("#kb-error"), null);
    setSaving(false);
    var dlg = $("#kb-dialog");
    if (!dlg.open) dlg.showModal();
    $("#kb-question").focus();
  }

  function closeEditor() {
    var dlg = $("#kb-dialog");
    if (dlg.open) dlg.close();
    state.editing = null;
  }

  function setSaving(saving) {
    var b = $("#kb-save");
    b.disabled = saving;
    b.textContent = saving ? t("common.saving") : t("common.save");
  }

  function save(ev) {
    ev.preventDefault();
    var body = {
      category: $("#kb-category").value.trim(),
      question: $("#kb-question").value.trim(),
      similar_questions: $("#kb-similar").value.split("\n").map(function (s) { return s.trim(); })
        .filter(function (s) { return s; }),
      answer: $("#kb-answer").value.trim(),
      enabled: $("#kb-enabled").checked
    };
    if (!body.question || !body.answer) {
      K.showError($("#kb-error"), t("kb.required"));
      (body.question ? $("#kb-answer") : $("#kb-question")).focus();
      return;
    }
    var editing = state.editing;
    setSaving(true);
    K.showError($("#kb-error"), null);
    var req = editing ? K.api("PUT", "/knowledge/" + editing.id, body) : K.api("POST", "/knowledge", body);
    req.then(function () {
      closeEditor();
      K.toast(editing ? t("kb.updated") : t("kb.created"));
      if (!editing) state.offset = 0; // newest first: the new point is on the first page
      return load();
    }, function (err) {
      setSaving(false);
      K.showError($("#kb-error"), err);
    });
  }

  function remove(item) {
    K.confirmDialog({ title: t("kb.delete.title"), body: t("kb.delete.body", { q: item.question }),
      ok: t("common.delete"), danger: true }).then(function (yes) {
      if (!yes) return;
      K.api("DELETE", "/knowledge/" + item.id).then(function () {
        K.toast(t("kb.deleted"));
        return load();
      }, function (err) {
        K.toast(K.errorText(err), true);
      });
    });
  }

  // --- wiring ---------------------------------------------------------------------------------

  function init() {
    K.boot("knowledge").then(function () {
      admin = K.isAdmin();
      $("#kb-add").hidden = !admin;
      $("#kb-readonly").hidden = admin;
      var adminCols = document.querySelectorAll(".kb-admin-only");
      for (var i = 0; i < adminCols.length; i++) adminCols[i].hidden = !admin;

      var params = new URLSearchParams(location.search);
      var search = $("#kb-search");
      state.search = (params.get("q") || "").trim();
      search.value = state.search;

      search.addEventListener("input", K.debounce(function () {
        var q = search.value.trim();
        if (q === state.search) return;
        state.search = q;
        state.offset = 0;
        var url = new URL(location.href);
        if (q) url.searchParams.set("q", q); else url.searchParams.delete("q");
        history.replaceState(null, "", url.pathname + url.search);
        load();
      }, 300));

      $("#kb-prev").addEventListener("click", function () {
        state.offset = Math.max(0, state.offset - PAGE);
        load();
      });
      $("#kb-next").addEventListener("click", function () {
        state.offset += PAGE;
        load();
      });
      $("#kb-add").addEventListener("click", function () { openEditor(null); });
      $("#kb-form").addEventListener("submit", save);
      $("#kb-cancel").addEventListener("click", closeEditor);
      $("#kb-dialog-x").addEventListener("click", closeEditor);
      $("#kb-dialog").addEventListener("close", function () { state.editing = null; });

      K.onLangChange(function () {
        render();
        var dlg = $("#kb-dialog");
        if (dlg.open) {
          $("#kb-dialog-title").textContent = state.editing ? t("kb.dialog.edit") : t("kb.dialog.add");
          setSaving($("#kb-save").disabled);
        }
      });
      load();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
