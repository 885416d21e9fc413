/* kefu admin console: the knowledge base (list, search, filter, page, add, edit, delete, import, export)
   and the shop's dictionary of words and synonyms. */
(function () {
  "use strict";
  var K = window.KefuAdmin;
  var t = K.t, el = K.el, $ = K.$;

  var PAGE = 20;
  var MAX_BUTTONS = 5;
  var MAX_UPLOAD = 20 * 1024 * 1024;
  var POLL_MS = 400;
  var state = { search: "", category: "", tag: "", offset: 0, total: 0, items: [], loaded: false, seq: 0,
    editing: null, tree: null };
  var admin = false;

  // --- list -----------------------------------------------------------------------------------

  function load() {
    var seq = ++state.seq;
    var qs = new URLSearchParams({ search: state.search, limit: String(PAGE), offset: String(state.offset) });
    if (state.category) qs.set("category", state.category);
    if (state.tag) qs.set("tag", state.tag);
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
        : (state.category || state.tag) ? t("kb.noMatchFilter")
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

    var tagChip = $("#kb-tag-filter");
    tagChip.hidden = !state.tag;
    tagChip.textContent = state.tag ? t("kb.filter.tag", { tag: state.tag }) : "";
    tagChip.setAttribute("title", t("kb.filter.clearTag"));
    renderCategoryList();
  }

  /** The time window's state now: "" (open), "notYet" or "expired". */
  function windowState(item) {
    var now = Date.now();
    var from = item.valid_from ? K.parseTime(item.valid_from) : null;
    var to = item.valid_to ? K.parseTime(item.valid_to) : null;
    if (from && from.getTime() > now) return "notYet";
    if (to && to.getTime() <= now) return "expired";
    return "";
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
    if (item.tags && item.tags.length) {
      qCell.appendChild(el("div", { className: "kb-tags" }, item.tags.map(function (tag) {
        return el("button", { type: "button", className: "tag kb-tag", text: tag,
          on: { click: function () { setTag(tag); } } });
      })));
    }
    var answerCell = el("td", { "data-label": t("kb.col.answer") }, [
      el("div", { className: "kb-answer", text: item.answer, title: item.answer,
        on: { click: function () { this.classList.toggle("is-open"); } } })
    ]);
    var extras = [];
    if (item.image_url) extras.push(t("kb.hasImage"));
    if (item.link_url) extras.push(t("kb.hasLink"));
    if (item.buttons && item.buttons.length) extras.push(t("kb.hasButtons", { n: item.buttons.length }));
    if (extras.length) answerCell.appendChild(el("div", { className: "kb-extra", text: extras.join(" · ") }));

    var win = windowState(item);
    var statusCell = el("td", { "data-label": t("kb.col.status") }, [
      el("span", { className: "badge " + (item.enabled ? "badge-on" : "badge-off"),
        text: item.enabled ? t("kb.enabled") : t("kb.disabled") })
    ]);
    if (win) {
      statusCell.appendChild(el("div", {}, [el("span", { className: "badge badge-wait kb-window",
        text: t(win === "notYet" ? "kb.notYet" : "kb.expired") })]));
    }
    var period = [];
    if (item.valid_from) period.push(t("kb.validFrom", { t: K.formatTime(item.valid_from) }));
    if (item.valid_to) period.push(t("kb.validTo", { t: K.formatTime(item.valid_to) }));
    if (period.length) statusCell.appendChild(el("div", { className: "kb-extra", text: period.join("，") }));

    var tr = el("tr", { className: "kb-row" + (item.enabled ? "" : " is-disabled"), "data-id": item.id }, [
      qCell,
      answerCell,
      el("td", { "data-label": t("kb.col.category") }, [
        item.category ? el("span", { className: "tag kb-cat", text: item.category })
          : el("span", { className: "muted small", text: t("kb.uncategorized") })
      ]),
      statusCell,
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

  // --- filters --------------------------------------------------------------------------------

  function loadCategories() {
    return K.api("GET", "/knowledge/categories").then(function (tree) {
      state.tree = tree;
      renderCategoryFilter();
      renderCategoryList();
    }, function () { /* the filter just stays as it was */ });
  }

  function walk(nodes, depth, fn) {
    (nodes || []).forEach(function (n) {
      fn(n, depth);
      walk(n.children, depth + 1, fn);
    });
  }

  function renderCategoryFilter() {
    var select = K.clear($("#kb-category-filter"));
    select.appendChild(el("option", { value: "", text: t("kb.filter.allCategories") }));
    var found = false;
    if (state.tree) {
      walk(state.tree.items, 0, function (node, depth) {
        var indent = new Array(depth + 1).join("\u3000");
        select.appendChild(el("option", { value: node.path, text: indent + node.name + " (" + node.count + ")" }));
        if (node.path === state.category) found = true;
      });
    }
    if (state.category && !found) {
      select.appendChild(el("option", { value: state.category, text: state.category + " (0)" }));
    }
    select.value = state.category;
  }

  /** Suggestions for the editor's category field: every path in the tree. */
  function renderCategoryList() {
    var cats = K.clear($("#kb-categories"));
    var seen = {};
    function add(path) {
      if (path && !seen[path]) {
        seen[path] = true;
        cats.appendChild(el("option", { value: path }));
      }
    }
    if (state.tree) walk(state.tree.items, 0, function (node) { add(node.path); });
    state.items.forEach(function (i) { add(i.category); });
  }

  function syncUrl() {
    var url = new URL(location.href);
    [["q", state.search], ["category", state.category], ["tag", state.tag]].forEach(function (p) {
      if (p[1]) url.searchParams.set(p[0], p[1]); else url.searchParams.delete(p[0]);
    });
    history.replaceState(null, "", url.pathname + url.search);
  }

  function setTag(tag) {
    state.tag = tag || "";
    state.offset = 0;
    syncUrl();
    load();
  }

  // --- editor ---------------------------------------------------------------------------------

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  /** An API time (UTC) as the value of a datetime-local input, in this computer's time zone. */
  function toLocalInput(iso) {
    var d = iso ? K.parseTime(iso) : null;
    if (!d) return "";
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
      pad(d.getMinutes());
  }

  function fromLocalInput(value) {
    if (!value) return null;
    var d = new Date(value);
    return isNaN(d.getTime()) ? null : d.toISOString();
  }

  function buttonRow(button) {
    var kind = button && button.url ? "url" : "value";
    var label = el("input", { className: "input kb-button-label", maxlength: "40",
      placeholder: t("kb.f.buttonLabel"), "aria-label": t("kb.f.buttonLabel"), value: button ? button.label : "" });
    var select = el("select", { className: "select kb-button-kind", "aria-label": t("kb.f.buttonKind") }, [
      el("option", { value: "value", text: t("kb.f.buttonKind.value") }),
      el("option", { value: "url", text: t("kb.f.buttonKind.url") })
    ]);
    select.value = kind;
    var target = el("input", { className: "input kb-button-target", maxlength: "1000",
      value: button ? (button.url || button.value || "") : "" });
    function placeholder() {
      var text = select.value === "url" ? t("kb.f.buttonUrl") : t("kb.f.buttonValue");
      target.setAttribute("placeholder", text);
      target.setAttribute("aria-label", text);
      target.type = select.value === "url" ? "url" : "text";
    }
    select.addEventListener("change", placeholder);
    placeholder();
    var rowEl = el("div", { className: "btn-row kb-button-row" }, [label, select, target]);
    rowEl.appendChild(el("button", { type: "button", className: "btn btn-sm btn-ghost kb-button-remove",
      text: "✕", "aria-label": t("kb.f.buttonRemove"), title: t("kb.f.buttonRemove"),
      on: { click: function () { rowEl.remove(); updateButtonAdd(); } } }));
    return rowEl;
  }

  function updateButtonAdd() {
    $("#kb-button-add").disabled = $("#kb-buttons").children.length >= MAX_BUTTONS;
  }

  function readButtons() {
    var rows = $("#kb-buttons").querySelectorAll(".kb-button-row");
    var out = [];
    for (var i = 0; i < rows.length; i++) {
      var label = rows[i].querySelector(".kb-button-label").value.trim();
      var kind = rows[i].querySelector(".kb-button-kind").value;
      var target = rows[i].querySelector(".kb-button-target").value.trim();
      if (!label && !target) continue;
      if (!label || !target) return null;
      var b = { label: label };
      b[kind] = target;
      out.push(b);
    }
    return out;
  }

  function isHttpUrl(value) { return !value || /^https?:\/\/[^\s/]+\S*$/i.test(value); }

  function openEditor(item) {
    state.editing = item || null;
    $("#kb-dialog-title").textContent = item ? t("kb.dialog.edit") : t("kb.dialog.add");
    $("#kb-question").value = item ? item.question : "";
    $("#kb-similar").value = item ? (item.similar_questions || []).join("\n") : "";
    $("#kb-answer").value = item ? item.answer : "";
    $("#kb-category").value = item ? item.category : (state.category || "");
    $("#kb-tags").value = item ? (item.tags || []).join(", ") : "";
    $("#kb-valid-from").value = item ? toLocalInput(item.valid_from) : "";
    $("#kb-valid-to").value = item ? toLocalInput(item.valid_to) : "";
    $("#kb-image").value = item && item.image_url ? item.image_url : "";
    $("#kb-link").value = item && item.link_url ? item.link_url : "";
    var buttons = K.clear($("#kb-buttons"));
    ((item && item.buttons) || []).forEach(function (b) { buttons.appendChild(buttonRow(b)); });
    updateButtonAdd();
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
      enabled: $("#kb-enabled").checked,
      tags: $("#kb-tags").value.split(/[,，\n]/).map(function (s) { return s.trim(); })
        .filter(function (s) { return s; }),
      valid_from: fromLocalInput($("#kb-valid-from").value),
      valid_to: fromLocalInput($("#kb-valid-to").value),
      image_url: $("#kb-image").value.trim() || null,
      link_url: $("#kb-link").value.trim() || null,
      buttons: readButtons()
    };
    if (!body.question || !body.answer) {
      K.showError($("#kb-error"), t("kb.required"));
      (body.question ? $("#kb-answer") : $("#kb-question")).focus();
      return;
    }
    if (body.valid_from && body.valid_to && body.valid_to <= body.valid_from) {
      K.showError($("#kb-error"), t("kb.f.badWindow"));
      $("#kb-valid-to").focus();
      return;
    }
    if (!isHttpUrl(body.image_url) || !isHttpUrl(body.link_url)) {
      K.showError($("#kb-error"), t("kb.f.badUrl"));
      (isHttpUrl(body.image_url) ? $("#kb-link") : $("#kb-image")).focus();
      return;
    }
    if (body.buttons === null) {
      K.showError($("#kb-error"), t("kb.f.badButton"));
      return;
    }
    if (!body.buttons.length) body.buttons = null;
    var editing = state.editing;
    setSaving(true);
    K.showError($("#kb-error"), null);
    var req = editing ? K.api("PUT", "/knowledge/" + editing.id, body) : K.api("POST", "/knowledge", body);
    req.then(function () {
      closeEditor();
      K.toast(editing ? t("kb.updated") : t("kb.created"));
      if (!editing) state.offset = 0; // newest first: the new point is on the first page
      loadCategories();
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
        loadCategories();
        return load();
      }, function (err) {
        K.toast(K.errorText(err), true);
      });
    });
  }

  // --- import ---------------------------------------------------------------------------------

  var importing = { job: null, timer: null, busy: false };

  /** POST a file as multipart; errors become K.ApiError like K.api's. */
  function upload(path, file) {
    var form = new FormData();
    form.append("file", file, file.name);
    return fetch("/api/v1" + path, { method: "POST", credentials: "same-origin", body: form,
      headers: { "Accept": "application/json" } }).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (res.ok) return data;
        var err = data && data.error ? data.error : {};
        throw new K.ApiError(res.status, err.code || "http_" + res.status,
          err.message || t("err.generic", { status: res.status }), err.details);
      });
    }, function () {
      throw new K.ApiError(0, "network", t("err.network"));
    });
  }

  function openImport() {
    stopPolling();
    importing.job = null;
    $("#kb-import-file").value = "";
    $("#kb-import-skip").checked = false;
    $("#kb-import-mode").value = "upsert";
    resetImportResult();
    setImportBusy(false);
    var dlg = $("#kb-import-dialog");
    if (!dlg.open) dlg.showModal();
    $("#kb-import-file").focus();
  }

  function resetImportResult() {
    $("#kb-import-progress").hidden = true;
    $("#kb-import-result").hidden = true;
    $("#kb-import-errors-wrap").hidden = true;
    $("#kb-import-warnings-wrap").hidden = true;
    K.showError($("#kb-import-error"), null);
  }

  function closeImport() {
    stopPolling();
    var dlg = $("#kb-import-dialog");
    if (dlg.open) dlg.close();
  }

  function setImportBusy(busy) {
    importing.busy = busy;
    var start = $("#kb-import-start");
    start.disabled = busy;
    start.textContent = importing.job && !busy ? t("kb.import.again") : t("kb.import.start");
    $("#kb-import-file").disabled = busy;
    $("#kb-import-mode").disabled = busy;
    $("#kb-import-skip").disabled = busy;
  }

  function startImport(ev) {
    ev.preventDefault();
    if (importing.busy) return;
    var file = $("#kb-import-file").files[0];
    if (!file) {
      K.showError($("#kb-import-error"), t("kb.import.noFile"));
      return;
    }
    if (file.size > MAX_UPLOAD) {
      K.showError($("#kb-import-error"), t("kb.import.tooBig"));
      return;
    }
    resetImportResult();
    importing.job = null;
    setImportBusy(true);
    showProgress(null, t("kb.import.uploading"));
    var qs = new URLSearchParams({ mode: $("#kb-import-mode").value,
      skip_bad: $("#kb-import-skip").checked ? "true" : "false" });
    upload("/knowledge/import?" + qs.toString(), file).then(function (job) {
      importing.job = job;
      showJob(job);
    }, function (err) {
      setImportBusy(false);
      $("#kb-import-progress").hidden = true;
      K.showError($("#kb-import-error"), err);
    });
  }

  function stopPolling() {
    clearTimeout(importing.timer);
    importing.timer = null;
  }

  function poll() {
    var job = importing.job;
    if (!job) return;
    K.api("GET", "/knowledge/import/" + job.id).then(function (fresh) {
      if (!importing.job || importing.job.id !== fresh.id) return;
      importing.job = fresh;
      showJob(fresh);
    }, function (err) {
      // A passing network error: keep trying; anything else ends the wait.
      if (err.status === 0) importing.timer = setTimeout(poll, POLL_MS * 4);
      else {
        setImportBusy(false);
        K.showError($("#kb-import-error"), err);
      }
    });
  }

  function showProgress(fraction, text) {
    $("#kb-import-progress").hidden = false;
    var bar = $("#kb-import-bar");
    if (fraction === null) bar.removeAttribute("value");
    else bar.value = fraction;
    $("#kb-import-status").textContent = text;
  }

  /** Draw a job's state; quiet redraws (a language switch) neither toast nor reload the list. */
  function showJob(job, quiet) {
    if (job.status === "queued" || job.status === "running") {
      if (job.status === "queued") showProgress(null, t("kb.import.queued"));
      else if (!job.total) showProgress(null, t("kb.import.parsing"));
      else showProgress(job.processed / job.total, t("kb.import.running", { done: job.processed, total: job.total }));
      if (!quiet) {
        stopPolling();
        importing.timer = setTimeout(poll, POLL_MS);
      }
      return;
    }
    if (!quiet) {
      stopPolling();
      setImportBusy(false);
    }
    var result = $("#kb-import-result");
    result.hidden = false;
    if (job.status === "done") {
      showProgress(1, t("kb.import.running", { done: job.total, total: job.total }));
      result.className = "alert alert-ok";
      result.textContent = t("kb.import.done", { created: job.created, updated: job.updated, skipped: job.skipped });
      if (!quiet) {
        K.toast(t("kb.import.toast", { n: job.created + job.updated }));
        state.offset = 0;
        loadCategories();
        load();
      }
    } else {
      $("#kb-import-progress").hidden = true;
      result.className = "alert alert-error";
      var fileLevel = job.errors.some(function (e) { return e.row === null && e.code !== "truncated"; }) ||
        job.errors.some(function (e) { return e.code === "columns" || e.code === "empty"; });
      result.textContent = fileLevel ? t("kb.import.failedFile")
        : t("kb.import.failed", { n: job.errors.filter(function (e) { return e.code !== "truncated"; }).length });
    }
    fillProblems($("#kb-import-errors"), job.errors);
    $("#kb-import-errors-wrap").hidden = !job.errors.length;
    $("#kb-import-errors-title").textContent = t("kb.import.errors", { n: count(job.errors) });
    fillProblems($("#kb-import-warnings"), job.warnings);
    $("#kb-import-warnings-wrap").hidden = !job.warnings.length;
    $("#kb-import-warnings-title").textContent = t("kb.import.warnings", { n: count(job.warnings) });
  }

  function count(problems) {
    return problems.filter(function (p) { return p.code !== "truncated"; }).length;
  }

  /** A problem in the reader's language: the localised meaning of its code, then the server's words. */
  function problemText(p) {
    var key = "kb.code." + p.code;
    if (K.lang() === "en" || t(key) === key) return p.problem;
    return t(key) + "：" + p.problem;
  }

  function fieldText(name) {
    if (!name) return "";
    var key = "kb.field." + name;
    var text = t(key);
    return text === key ? name : text;
  }

  function fillProblems(table, problems) {
    var tbody = K.clear(table.querySelector("tbody"));
    problems.forEach(function (p) {
      tbody.appendChild(el("tr", { className: "kb-import-problem", "data-row": p.row === null ? "" : p.row,
        "data-code": p.code }, [
        el("td", { className: "kb-import-row", "data-label": t("kb.import.col.row"),
          text: p.row === null ? (p.code === "truncated" ? "…" : t("kb.import.wholeFile")) : String(p.row) }),
        el("td", { "data-label": t("kb.import.col.field"), text: fieldText(p.field) }),
        el("td", { className: "problem-text", "data-label": t("kb.import.col.problem"), text: problemText(p) })
      ]));
    });
  }

  // --- dictionary: the shop's words and their synonyms ------------------------------------------

  var dict = { items: [], loaded: false, editing: null, busy: false };

  /** "物流, 包裹、快件 运单" → ["物流", "包裹", "快件", "运单"]: commas (either width), 、 or spaces. */
  function splitSynonyms(text) {
    var out = [];
    text.split(/[,，、\s]+/).forEach(function (s) {
      s = s.trim();
      if (s && out.indexOf(s) < 0) out.push(s);
    });
    return out;
  }

  function loadDict() {
    return K.api("GET", "/dictionary").then(function (items) {
      dict.items = items;
      dict.loaded = true;
      renderDict();
    }, function (err) {
      K.showError($("#dict-error"), err);
    });
  }

  function renderDict() {
    var tbody = K.clear($("#dict-rows"));
    dict.items.forEach(function (term) {
      var syns = term.synonyms || [];
      var tr = el("tr", { className: "dict-row" + (dict.editing === term.id ? " is-editing" : ""),
        "data-id": term.id }, [
        el("td", { className: "dict-word", "data-label": t("dict.col.word"), text: term.word }),
        el("td", { "data-label": t("dict.col.synonyms") }, [
          syns.length ? el("div", { className: "dict-syns" }, syns.map(function (w) {
            return el("span", { className: "tag dict-syn", text: w });
          })) : el("span", { className: "muted small", text: t("dict.noSynonyms") })
        ])
      ]);
      if (admin) {
        tr.appendChild(el("td", { className: "col-actions" }, [
          el("button", { type: "button", className: "btn btn-sm dict-edit", text: t("common.edit"),
            on: { click: function () { editTerm(term); } } }),
          el("button", { type: "button", className: "btn btn-sm btn-danger dict-delete", text: t("common.delete"),
            on: { click: function () { removeTerm(term); } } })
        ]));
      }
      tbody.appendChild(tr);
    });
    $("#dict-table").hidden = !dict.items.length;
    var empty = $("#dict-empty");
    empty.hidden = !dict.loaded || dict.items.length > 0;
    empty.textContent = admin ? t("dict.empty") : t("dict.emptyAgent");
    setDictButton();
  }

  function setDictButton() {
    var b = $("#dict-add");
    b.disabled = dict.busy;
    b.textContent = dict.busy ? t("common.saving") : (dict.editing ? t("common.save") : t("dict.add"));
    $("#dict-cancel").hidden = !dict.editing;
  }

  function editTerm(term) {
    dict.editing = term.id;
    $("#dict-word").value = term.word;
    $("#dict-synonyms").value = (term.synonyms || []).join("、");
    K.showError($("#dict-error"), null);
    renderDict();
    $("#dict-word").focus();
  }

  function resetDictForm() {
    dict.editing = null;
    $("#dict-word").value = "";
    $("#dict-synonyms").value = "";
    K.showError($("#dict-error"), null);
    renderDict();
  }

  function saveTerm(ev) {
    ev.preventDefault();
    if (!admin || dict.busy) return;
    var word = $("#dict-word").value.trim();
    if (!word) {
      K.showError($("#dict-error"), t("dict.wordRequired"));
      $("#dict-word").focus();
      return;
    }
    if (/\s/.test(word)) {
      K.showError($("#dict-error"), t("dict.wordSpace"));
      $("#dict-word").focus();
      return;
    }
    var body = { word: word, synonyms: splitSynonyms($("#dict-synonyms").value).filter(function (s) {
      return s !== word;
    }) };
    var editing = dict.editing;
    dict.busy = true;
    setDictButton();
    K.showError($("#dict-error"), null);
    var req = editing ? K.api("PUT", "/dictionary/" + editing, body) : K.api("POST", "/dictionary", body);
    req.then(function () {
      dict.busy = false;
      K.toast(editing ? t("dict.updated") : t("dict.created"));
      resetDictForm();
      $("#dict-word").focus();
      return loadDict();
    }, function (err) {
      dict.busy = false;
      setDictButton();
      K.showError($("#dict-error"), err);
    });
  }

  function removeTerm(term) {
    K.confirmDialog({ title: t("dict.delete.title"), body: t("dict.delete.body", { w: term.word }),
      ok: t("common.delete"), danger: true }).then(function (yes) {
      if (!yes) return;
      K.api("DELETE", "/dictionary/" + term.id).then(function () {
        K.toast(t("dict.deleted"));
        if (dict.editing === term.id) resetDictForm();
        return loadDict();
      }, function (err) {
        K.showError($("#dict-error"), err);
      });
    });
  }

  // --- wiring ---------------------------------------------------------------------------------

  function init() {
    K.boot("knowledge").then(function () {
      admin = K.isAdmin();
      $("#kb-add").hidden = !admin;
      $("#kb-import").hidden = !admin;
      $("#kb-readonly").hidden = admin;
      var adminCols = document.querySelectorAll(".kb-admin-only, .dict-admin-only");
      for (var i = 0; i < adminCols.length; i++) adminCols[i].hidden = !admin;
      $("#dict-form").hidden = !admin;
      $("#dict-hint").hidden = !admin;

      var params = new URLSearchParams(location.search);
      var search = $("#kb-search");
      state.search = (params.get("q") || "").trim();
      state.category = (params.get("category") || "").trim();
      state.tag = (params.get("tag") || "").trim();
      search.value = state.search;

      search.addEventListener("input", K.debounce(function () {
        var q = search.value.trim();
        if (q === state.search) return;
        state.search = q;
        state.offset = 0;
        syncUrl();
        load();
      }, 300));

      $("#kb-category-filter").addEventListener("change", function () {
        state.category = this.value;
        state.offset = 0;
        syncUrl();
        load();
      });
      $("#kb-tag-filter").addEventListener("click", function () { setTag(""); });

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
      $("#kb-button-add").addEventListener("click", function () {
        if ($("#kb-buttons").children.length >= MAX_BUTTONS) return;
        var r = buttonRow(null);
        $("#kb-buttons").appendChild(r);
        updateButtonAdd();
        r.querySelector("input").focus();
      });

      $("#dict-form").addEventListener("submit", saveTerm);
      $("#dict-cancel").addEventListener("click", resetDictForm);

      $("#kb-import").addEventListener("click", openImport);
      $("#kb-import-form").addEventListener("submit", startImport);
      $("#kb-import-close").addEventListener("click", closeImport);
      $("#kb-import-x").addEventListener("click", closeImport);
      $("#kb-import-dialog").addEventListener("close", stopPolling);
      $("#kb-import-file").addEventListener("change", function () {
        K.showError($("#kb-import-error"), null);
      });
      // The export menu closes once a format is chosen, or on a click elsewhere.
      var exportMenu = $("#kb-export");
      exportMenu.addEventListener("click", function (ev) {
        if (ev.target.tagName === "A") exportMenu.open = false;
      });
      document.addEventListener("click", function (ev) {
        if (exportMenu.open && !exportMenu.contains(ev.target)) exportMenu.open = false;
      });

      K.onLangChange(function () {
        render();
        renderDict();
        renderCategoryFilter();
        var dlg = $("#kb-dialog");
        if (dlg.open) {
          $("#kb-dialog-title").textContent = state.editing ? t("kb.dialog.edit") : t("kb.dialog.add");
          setSaving($("#kb-save").disabled);
        }
        if ($("#kb-import-dialog").open && importing.job) showJob(importing.job, true);
        setImportBusy(importing.busy);
      });
      loadCategories();
      load();
      loadDict();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
