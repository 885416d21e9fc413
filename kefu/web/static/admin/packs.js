/* kefu admin console: industry knowledge packs.
 *
 * - The list (/admin/packs): every pack the sources offer; import (first the shop facts the answers quote, with
 *   what would be linked, reviewed or wait for facts), "update available", conflicts waiting for a decision, the
 *   auto-update switch; above them, the imported points still waiting: for the owner's review (promises, possible
 *   duplicates: confirm / switch off / link) and for shop facts (a box per missing fact).
 * - An update (/admin/packs?preview=ID[&version=V]): the plan grouped by what happens to each point, every point
 *   expandable to its fields; conflicts side by side (base | the shop's | the pack's new) with a decision each
 *   (keep mine / take theirs / edit by hand, or decide later); Apply sends the decisions.
 * - The history (/admin/packs?tab=history[&pack=ID][&batch=N]): imports and updates with rollback, and every
 *   change, paged.
 * Pack and point text is only ever set with textContent.
 */
(function () {
  "use strict";
  var K = window.KefuAdmin;
  var t = K.t, el = K.el, $ = K.$;

  var PAGE = 20;
  var FIELDS = ["question", "answer", "category", "similar_questions", "tags"];
  var GROUPS = ["conflict", "auto", "keep", "add", "remove", "stays_deleted"];
  var CHANGE_ORDER = ["added", "linked", "updated", "kept", "resolved", "conflict", "deleted", "stays_deleted",
    "refilled", "held", "released", "confirmed", "switched_off", "rolled_back"];
  var admin = false;
  var packs = { items: [], sources: [], problems: [], loaded: false };
  var packsById = {};

  function enc(s) { return encodeURIComponent(s); }

  function setPacks(data) {
    packs.items = data.items || [];
    packs.sources = data.sources || [];
    packs.problems = data.problems || [];
    packs.loaded = true;
    packsById = {};
    packs.items.forEach(function (p) { packsById[p.id] = p; });
  }

  function packName(id) { return packsById[id] ? packsById[id].name : id; }

  function previewHref(id) { return "/admin/packs?preview=" + enc(id); }

  function historyHref(id) { return "/admin/packs?tab=history" + (id ? "&pack=" + enc(id) : ""); }

  /** Who made a change: a person's name, the API, the command line, auto-update or an update's merge rules. */
  function actorText(actor, name) {
    if (name) return name;
    var m = /^update:(.+)$/.exec(actor || "");
    if (m) return t("packs.actor.update", { v: m[1] });
    return K.label("packs.actor.", actor || "");
  }

  /** {added: 3, updated: 4} → "新增 3 · 更新 4", in a fixed order. */
  function countsText(counts) {
    counts = counts || {};
    var keys = Object.keys(counts).filter(function (k) { return counts[k] > 0; });
    keys.sort(function (a, b) {
      var ia = CHANGE_ORDER.indexOf(a), ib = CHANGE_ORDER.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
    });
    return keys.map(function (k) { return K.label("packs.change.", k) + " " + counts[k]; }).join(" · ");
  }

  function listSep() { return K.lang() === "zh" ? "、" : ", "; }

  function timeNode(iso) {
    return el("time", { datetime: iso, title: K.fullTime(iso), text: K.formatTime(iso) });
  }

  // --- values and fields side by side -----------------------------------------------------------

  function valueNode(v, col) {
    if (v === null || v === undefined) {
      return el("span", { className: "muted val-none", text: col === "theirs" ? t("packs.val.deleted") : "—" });
    }
    if (Array.isArray(v)) {
      if (!v.length) return el("span", { className: "muted val-none", text: t("common.none") });
      return el("div", { className: "val-list" }, v.map(function (x) { return el("span", { className: "tag", text: x }); }));
    }
    if (v === "") return el("span", { className: "muted val-none", text: t("packs.val.empty") });
    return el("div", { className: "val-text", text: String(v) });
  }

  function statusChip(status) {
    return el("span", { className: "fstatus fstatus-" + status, text: K.label("packs.fstatus.", status) });
  }

  /**
   * A table of fields, one row each: rows = [{name, status, values: {col: value}}], cols = [[col, labelKey]].
   */
  function fieldTable(rows, cols) {
    var head = el("tr", {}, [el("th", { text: t("packs.col.field") })].concat(cols.map(function (c) {
      return el("th", { className: "col-" + c[0], text: t(c[1]) });
    })));
    var body = el("tbody", {}, rows.map(function (r) {
      return el("tr", { className: "plan-field" + (r.status === "conflict" ? " is-conflict" : ""), "data-field": r.name },
        [el("th", { scope: "row" }, [
          el("span", { className: "field-name", text: t("kb.field." + r.name) }),
          r.status && r.status !== "same" ? statusChip(r.status) : null
        ])].concat(cols.map(function (c) {
          return el("td", { className: "col-" + c[0], "data-label": t(c[1]) }, [valueNode(r.values[c[0]], c[0])]);
        })));
    }));
    return el("div", { className: "table-wrap plan-fields-wrap" }, [
      el("table", { className: "table table-compact plan-fields" }, [el("thead", {}, [head]), body])
    ]);
  }

  /** Rows for the fields of an item's plan (only those whose status passes `keep`). */
  function planRows(item, cols, keep) {
    return FIELDS.filter(function (name) {
      var f = item.fields[name];
      return f && (!keep || keep(f));
    }).map(function (name) {
      var f = item.fields[name], values = {};
      cols.forEach(function (c) { values[c[0]] = f[c[0]]; });
      return { name: name, status: f.status, values: values };
    });
  }

  /** Rows for a whole point in one column. */
  function pointRows(point, col) {
    return FIELDS.map(function (name) {
      var values = {};
      values[col] = point ? point[name] : null;
      return { name: name, status: "", values: values };
    });
  }

  // --- the list ---------------------------------------------------------------------------------

  var ui = {}; // pack id → {result: the last import's summary}

  function loadList() {
    return K.api("GET", "/packs").then(function (data) {
      setPacks(data);
      K.showError($("#packs-error"), null);
      renderList();
    }, function (err) {
      K.showError($("#packs-error"), err);
    }).then(function () { $("#packs-loading").hidden = true; });
  }

  function renderList() {
    var box = K.clear($("#packs-list"));
    packs.items.forEach(function (p) { box.appendChild(packCard(p)); });
    $("#packs-empty").hidden = !packs.loaded || packs.items.length > 0;
    var notes = [];
    packs.sources.forEach(function (s) {
      if (!s.ok) notes.push(t("packs.sourceDown", { source: K.label("packs.source.", s.kind), error: s.error }));
    });
    packs.problems.forEach(function (p) { notes.push(t("packs.problem", { p: p })); });
    var warn = $("#packs-sources");
    warn.textContent = notes.join("\n");
    warn.hidden = !notes.length;
    var line = $("#packs-source-list");
    line.textContent = t("packs.sources", { list: packs.sources.map(function (s) {
      return K.label("packs.source.", s.kind) + (s.ok ? "" : " ✕");
    }).join(" · ") });
    line.hidden = !packs.sources.length;
  }

  function packCard(p) {
    var u = ui[p.id] = ui[p.id] || { result: "" };
    var installed = !!p.installed_version;
    var pending = p.pending_conflicts || [];
    var card = el("section", { className: "card pack-card" + (installed ? " is-installed" : ""), "data-pack": p.id });
    card.appendChild(el("div", { className: "card-head pack-head" }, [
      el("div", { className: "pack-title" }, [
        el("h2", {}, [el("span", { className: "pack-name", text: p.name }), el("span", { className: "pack-id", text: p.id })]),
        p.description ? el("p", { className: "pack-desc", text: p.description }) : null
      ]),
      el("div", { className: "pack-badges" }, [
        installed
          ? el("span", { className: "badge badge-on pack-installed", text: t("packs.installed", { v: p.installed_version }) })
          : el("span", { className: "badge badge-off pack-not-installed", text: t("packs.notInstalled") }),
        p.update_available
          ? el("span", { className: "badge badge-update pack-update", text: t("packs.updateAvailable", { v: p.version }) })
          : null,
        pending.length
          ? el("span", { className: "badge badge-conflict pack-pending", text: t("packs.pendingCount", { n: pending.length }) })
          : null
      ])
    ]));

    var facts = el("dl", { className: "pack-facts" });
    function fact(key, value, cls) {
      facts.appendChild(el("div", { className: "pack-fact " + cls }, [el("dt", { text: t(key) }), el("dd", { text: String(value) })]));
    }
    fact("packs.f.language", K.label("packs.lang.", p.language || "") || "—", "pack-lang");
    fact("packs.f.version", p.version + (p.versions && p.versions.length > 1 ? " " + t("packs.f.versions", { n: p.versions.length }) : ""),
      "pack-version");
    fact("packs.f.points", p.points, "pack-points");
    fact("packs.f.similar", p.similar_questions, "pack-similar");
    fact("packs.f.base", p.base ? packName(p.base) + (packsById[p.base] ? " · " + p.base : "") : "—", "pack-base");
    fact("packs.f.source", installed && p.installed_from ? K.label("packs.source.", p.installed_from) : "—", "pack-source");
    var body = el("div", { className: "card-body pack-body" }, [facts]);
    if (installed) {
      var when = [t("packs.installedAt", { t: K.formatTime(p.installed_at) })];
      if (p.updated_at && p.updated_at !== p.installed_at) when.push(t("packs.updatedAt", { t: K.formatTime(p.updated_at) }));
      body.appendChild(el("p", { className: "pack-when muted small", text: when.join(" · ") }));
    }
    if (u.result) body.appendChild(el("div", { className: "alert alert-ok pack-result", role: "status", text: u.result }));
    card.appendChild(body);

    var error = el("div", { className: "alert alert-error pack-error", role: "alert", hidden: true });
    var foot = el("div", { className: "card-foot pack-foot" });
    if (!installed && admin) {
      var imp = el("button", { type: "button", className: "btn btn-primary pack-import", text: t("packs.import") });
      imp.addEventListener("click", function () { openImport(p, card, imp, error); });
      foot.appendChild(imp);
    }
    if (installed) {
      if (p.update_available) {
        foot.appendChild(el("a", { className: "btn btn-primary pack-preview", href: previewHref(p.id),
          text: t("packs.previewUpdate", { v: p.version }) }));
      } else if (pending.length) {
        foot.appendChild(el("a", { className: "btn btn-primary pack-resolve", href: previewHref(p.id), text: t("packs.resolve") }));
      }
      foot.appendChild(el("a", { className: "btn pack-history", href: historyHref(p.id), text: t("packs.viewHistory") }));
      foot.appendChild(el("span", { className: "spacer" }));
      foot.appendChild(autoSwitch(p, error));
    }
    if (foot.children.length) {
      foot.appendChild(error);
      card.appendChild(foot);
    }
    return card;
  }

  function autoSwitch(p, error) {
    var toggle = el("input", { type: "checkbox", role: "switch", className: "pack-auto-switch", checked: p.auto_update,
      disabled: !admin });
    var state = el("span", { className: "pack-auto-state", text: t(p.auto_update ? "packs.auto.on" : "packs.auto.off") });
    var label = el("label", { className: "switch pack-auto", title: t("packs.auto.hint") }, [toggle, state]);
    toggle.addEventListener("change", function () {
      var on = toggle.checked;
      toggle.disabled = true;
      K.showError(error, null);
      K.api("PUT", "/packs/" + enc(p.id) + "/auto-update", { enabled: on }).then(function (res) {
        p.auto_update = res.auto_update;
        toggle.checked = res.auto_update;
        state.textContent = t(res.auto_update ? "packs.auto.on" : "packs.auto.off");
        K.toast(t(res.auto_update ? "packs.auto.onToast" : "packs.auto.offToast", { name: p.name }));
      }, function (err) {
        toggle.checked = !on;
        K.showError(error, err);
      }).then(function () { toggle.disabled = false; });
    });
    return label;
  }

  // --- import: the facts the answers quote and what would wait, then import ------------------------------

  function factLabel(f) {
    return f.label || K.label("fact.", f.name);
  }

  /** The facts of every pack an import brings (a vertical and its base), each name once, missing first. */
  function mergedFacts(plans) {
    var byName = {}, out = [];
    plans.forEach(function (plan) {
      plan.facts.forEach(function (f) {
        if (byName[f.name]) { byName[f.name].points += f.points; return; }
        byName[f.name] = { name: f.name, label: f.label, value: f.value, "default": f["default"], status: f.status,
          points: f.points };
        out.push(byName[f.name]);
      });
    });
    var order = { missing: 0, "default": 1, set: 2 };
    return out.sort(function (a, b) { return order[a.status] - order[b.status]; });
  }

  function promiseText(kinds) {
    return (kinds || []).map(function (k) { return K.label("packs.promise.", k); }).join(listSep());
  }

  function openImport(p, card, button, error) {
    if (card.querySelector(".import-panel")) return;
    button.disabled = true;
    K.showError(error, null);
    var panel = el("div", { className: "card-body import-panel" }, [
      el("div", { className: "loading", text: t("packs.import.checking") })
    ]);
    card.insertBefore(panel, card.querySelector(".pack-foot"));
    K.api("GET", "/packs/" + enc(p.id) + "/import-preview").then(function (res) {
      renderImport(p, panel, res, button, error);
    }, function (err) {
      panel.remove();
      button.disabled = false;
      K.showError(error, err);
    });
  }

  function renderImport(p, panel, res, button, error) {
    K.clear(panel);
    var facts = mergedFacts(res.packs);
    panel.appendChild(el("h3", { className: "import-title", text: t("packs.import.title", { name: p.name }) }));
    res.packs.forEach(function (plan) {
      var c = plan.counts;
      panel.appendChild(el("p", { className: "import-summary", "data-pack": plan.pack_id, text: t("packs.import.summary",
        { name: plan.name, n: plan.points, live: c.live, linked: c.linked, review: c.review, todo: c.to_complete }) }));
    });

    var missing = facts.filter(function (f) { return f.status === "missing"; }).length;
    var grid = el("div", { className: "import-fact-grid" });
    facts.forEach(function (f) {
      var id = "import-" + p.id + "-" + f.name;
      var input = el("input", { className: "input import-fact-input", id: id, "data-fact": f.name, maxlength: "500",
        autocomplete: "off", value: f.status === "set" ? f.value : "",
        placeholder: f.status === "default" ? f["default"] : t("packs.fact.placeholder") });
      grid.appendChild(el("div", { className: "field import-fact is-" + f.status, "data-fact": f.name }, [
        el("label", { "for": id }, [
          el("span", { text: factLabel(f) }),
          el("span", { className: "fact-status fact-status-" + f.status, text: t("packs.fact." + f.status) })
        ]),
        input,
        el("p", { className: "hint", text: t("packs.fact.points", { n: f.points }) +
          (f.status === "default" ? " · " + t("packs.fact.defaultHint") : "") })
      ]));
    });
    panel.appendChild(el("div", { className: "import-facts" }, [
      el("p", { className: "import-facts-hint", text: missing ? t("packs.import.factsMissing", { n: missing })
        : t("packs.import.factsOk") }),
      grid
    ]));

    var items = [];
    res.packs.forEach(function (plan) { items = items.concat(plan.items); });
    var linked = items.filter(function (i) { return i.state === "linked"; });
    var review = items.filter(function (i) { return i.state === "review"; });
    if (linked.length) {
      panel.appendChild(el("details", { className: "import-list import-links" }, [
        el("summary", { text: t("packs.import.linksTitle", { n: linked.length }) }),
        el("ul", {}, linked.map(function (i) {
          var mine = i.duplicate ? i.duplicate.question : t("packs.import.sameQuestion");
          return el("li", { className: "import-link", "data-key": i.key }, [
            el("span", { className: "plan-q", text: i.question }), " → ", el("span", { text: mine })
          ]);
        }))
      ]));
    }
    if (review.length) {
      panel.appendChild(el("details", { className: "import-list import-reviews" }, [
        el("summary", { text: t("packs.import.reviewTitle", { n: review.length }) }),
        el("ul", {}, review.map(function (i) {
          var why = i.duplicate ? t("packs.review.maybe", { q: i.duplicate.question })
            : t("packs.review.promise", { kinds: promiseText(i.promise) });
          return el("li", { className: "import-review", "data-key": i.key }, [
            el("span", { className: "plan-q", text: i.question }), " · ", el("span", { className: "muted", text: why })
          ]);
        }))
      ]));
    }

    var status = el("span", { className: "import-status muted", "aria-live": "polite" });
    var go = el("button", { type: "button", className: "btn btn-primary import-confirm", text: t("packs.import.go") });
    var cancel = el("button", { type: "button", className: "btn import-cancel", text: t("common.cancel") });
    panel.appendChild(el("div", { className: "import-actions" }, [go, cancel, status]));
    cancel.addEventListener("click", function () {
      panel.remove();
      button.disabled = false;
    });
    go.addEventListener("click", function () {
      var body = {}, given = {};
      facts.forEach(function (f) {
        var v = panel.querySelector('.import-fact-input[data-fact="' + f.name + '"]').value.trim();
        if (v !== (f.status === "set" ? f.value : "")) given[f.name] = v;
      });
      if (Object.keys(given).length) body.facts = given;
      go.disabled = cancel.disabled = true;
      status.textContent = t("packs.importing");
      K.showError(error, null);
      K.api("POST", "/packs/" + enc(p.id) + "/import", body).then(function (out) {
        out.packs.forEach(function (d) {
          ui[d.pack_id] = ui[d.pack_id] || {};
          ui[d.pack_id].result = t("packs.import.done", { name: packName(d.pack_id), v: d.version, added: d.added,
            live: d.live, linked: d.linked.length, review: d.review.length, todo: d.to_complete.length });
        });
        K.toast(t("packs.import.toast", { name: p.name }));
        return Promise.all([loadList(), loadTodo()]);
      }, function (err) {
        go.disabled = cancel.disabled = false;
        status.textContent = "";
        K.showError(error, err); // what was typed stays
      });
    });
    var first = panel.querySelector(".import-fact.is-missing .import-fact-input");
    if (first) first.focus();
  }

  // --- what imported packs still wait for: review, facts ------------------------------------------------

  var todo = { data: null };

  function loadTodo() {
    return K.api("GET", "/packs/todo").then(function (data) {
      todo.data = data;
      renderTodo();
    }, function (err) {
      K.showError($("#packs-error"), err);
    });
  }

  function renderTodo() {
    var d = todo.data;
    if (!d) return;
    var reviewCard = $("#review-card"), completeCard = $("#complete-card");
    reviewCard.hidden = !d.review.length;
    completeCard.hidden = !d.to_complete.length;
    $("#review-count").textContent = String(d.review.length);
    $("#complete-count").textContent = String(d.to_complete.length);
    var list = K.clear($("#review-list"));
    d.review.forEach(function (w) { list.appendChild(reviewItem(w)); });
    var box = K.clear($("#complete-list"));
    Object.keys(d.missing_facts).forEach(function (name) {
      var points = d.to_complete.filter(function (w) { return w.missing_facts.indexOf(name) >= 0; });
      box.appendChild(completeFact(name, points));
    });
  }

  function reviewItem(w) {
    var why = w.review === "duplicate"
      ? t("packs.review.maybe", { q: w.duplicate_of ? w.duplicate_of.question : "" })
      : t("packs.review.promise", { kinds: promiseText(w.promise) });
    var body = [
      el("div", { className: "todo-head" }, [
        el("span", { className: "plan-q", text: w.question }),
        el("span", { className: "plan-key", text: w.pack_id + " · " + w.key }),
        el("span", { className: "badge plain review-kind review-" + w.review, text: t("packs.review.kind." + w.review) })
      ]),
      el("p", { className: "todo-why", text: why }),
      el("div", { className: "val-text todo-answer", text: w.answer })
    ];
    if (w.duplicate_of) {
      body.push(el("div", { className: "todo-mine" }, [
        el("span", { className: "muted small", text: t("packs.review.yours") }),
        el("div", { className: "val-text", text: w.duplicate_of.answer })
      ]));
    }
    if (w.missing_facts.length) {
      body.push(el("p", { className: "hint", text: t("packs.review.alsoFacts", {
        facts: w.missing_facts.map(function (n) { return K.label("fact.", n); }).join(listSep()) }) }));
    }
    var node = el("div", { className: "todo-item review-item", "data-key": w.key, "data-pack": w.pack_id,
      "data-review": w.review }, body);
    if (admin) {
      var actions = el("div", { className: "todo-actions" });
      var choices = w.review === "duplicate" ? ["link", "confirm", "off"] : ["confirm", "off"];
      choices.forEach(function (how) {
        var b = el("button", { type: "button", className: "btn btn-sm review-" + how + (how === choices[0] ? " btn-primary" : ""),
          text: t("packs.review." + how + (w.review === "duplicate" ? "Dup" : "")) });
        b.addEventListener("click", function () { decide(w, how, node); });
        actions.appendChild(b);
      });
      node.appendChild(actions);
    }
    return node;
  }

  function decide(w, how, node) {
    var buttons = node.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    K.showError($("#review-error"), null);
    var decisions = {};
    decisions[w.key] = how;
    K.api("POST", "/packs/" + enc(w.pack_id) + "/review", { decisions: decisions }).then(function () {
      K.toast(t("packs.review.done." + how, { q: w.question }));
      return loadTodo();
    }, function (err) {
      for (var i = 0; i < buttons.length; i++) buttons[i].disabled = false;
      K.showError($("#review-error"), err);
    });
  }

  function completeFact(name, points) {
    var id = "complete-" + name;
    var input = el("input", { className: "input complete-input", id: id, maxlength: "500", autocomplete: "off",
      placeholder: t("packs.fact.placeholder"), disabled: !admin });
    var save = el("button", { type: "button", className: "btn btn-primary btn-sm complete-save", text: t("common.save"),
      disabled: !admin });
    var error = el("div", { className: "alert alert-error complete-error", role: "alert", hidden: true });
    function send() {
      var value = input.value.trim();
      if (!value) { input.focus(); return; }
      var facts = {};
      facts[name] = value;
      save.disabled = true;
      K.showError(error, null);
      K.api("PATCH", "/settings", { facts: facts }).then(function () {
        K.toast(t("packs.complete.saved", { fact: K.label("fact.", name) }));
        return loadTodo();
      }, function (err) {
        save.disabled = false;
        K.showError(error, err);
      });
    }
    save.addEventListener("click", send);
    input.addEventListener("keydown", function (ev) { if (ev.key === "Enter") send(); });
    return el("div", { className: "todo-item complete-fact", "data-fact": name }, [
      el("div", { className: "todo-head" }, [
        el("label", { "for": id, className: "complete-label", text: K.label("fact.", name) }),
        el("span", { className: "plan-key", text: "{" + name + "}" }),
        el("span", { className: "muted small complete-count", text: t("packs.complete.count", { n: points.length }) })
      ]),
      el("div", { className: "complete-form" }, [input, save]),
      error,
      el("details", { className: "complete-points" }, [
        el("summary", { text: t("packs.complete.which") }),
        el("ul", {}, points.map(function (w) {
          var others = w.missing_facts.filter(function (n) { return n !== name; });
          return el("li", { className: "complete-point", "data-key": w.key }, [
            el("span", { text: w.question }),
            others.length ? el("span", { className: "muted small", text: " · " + t("packs.complete.also", {
              facts: others.map(function (n) { return K.label("fact.", n); }).join(listSep()) }) }) : null
          ]);
        }))
      ])
    ]);
  }

  function initList() {
    $("#list-panel").hidden = false;
    K.onLangChange(function () {
      if (packs.loaded) renderList();
      renderTodo();
    });
    loadList();
    loadTodo();
  }

  // --- an update: preview, decide, apply ------------------------------------------------------------

  var pv = { packId: "", version: null, data: null, result: "" };

  function loadPreview() {
    var qs = pv.version ? "?version=" + enc(pv.version) : "";
    return Promise.all([
      K.api("GET", "/packs").catch(function () { return null; }),
      K.api("GET", "/packs/" + enc(pv.packId) + "/preview" + qs)
    ]).then(function (r) {
      if (r[0]) setPacks(r[0]);
      var keep = readChoices();
      pv.data = r[1];
      K.showError($("#preview-load-error"), null);
      $("#preview").hidden = false;
      renderPreview(keep);
    }, function (err) {
      K.showError($("#preview-load-error"), err);
    }).then(function () { $("#preview-loading").hidden = true; });
  }

  function itemQuestion(i) {
    return ((i.mine || i.after || i.theirs || {}).question) || i.key;
  }

  function renderPreview(keep) {
    var d = pv.data;
    $("#preview-title").textContent = t("packs.preview.title", { name: packName(d.pack_id) });
    $("#preview-versions").textContent = d.update_available
      ? t("packs.preview.versions", { from: d.from_version, to: d.to_version })
      : t("packs.preview.current", { v: d.from_version });
    $("#preview-history").setAttribute("href", historyHref(d.pack_id));

    var counts = K.clear($("#preview-counts"));
    GROUPS.concat(["unchanged"]).forEach(function (g) {
      var n = (d.counts && d.counts[g]) || 0;
      counts.appendChild(el("span", { className: "plan-count" + (n ? "" : " is-zero") + (g === "conflict" && n ? " is-conflict" : ""),
        "data-action": g }, [el("strong", { text: String(n) }), " " + t("packs.group." + g)]));
    });
    $("#preview-note").textContent = (d.counts && d.counts.conflict) ? t("packs.preview.noteConflicts") : t("packs.preview.note");

    var result = $("#preview-result");
    result.textContent = pv.result;
    result.hidden = !pv.result;
    $("#preview-readonly").hidden = admin;

    var groups = K.clear($("#plan-groups"));
    var index = 0;
    GROUPS.forEach(function (g) {
      var items = d.items.filter(function (i) { return i.action === g; });
      if (!items.length) return;
      groups.appendChild(el("section", { className: "card plan-group", "data-group": g }, [
        el("div", { className: "card-head" }, [
          el("h2", {}, [t("packs.group." + g), el("span", { className: "plan-group-count", text: String(items.length) })]),
          el("p", { text: t("packs.groupHint." + g) })
        ]),
        el("div", { className: "card-body plan-items" }, items.map(function (i) {
          return g === "conflict" ? conflictItem(i, index++, keep[i.key]) : planItem(i);
        }))
      ]));
    });

    var empty = $("#preview-empty");
    empty.hidden = d.items.length > 0;
    empty.textContent = d.update_available ? t("packs.preview.nothing", { v: d.to_version }) : t("packs.preview.upToDate");
    $("#apply-card").hidden = !admin || (!d.items.length && !d.update_available);
    showApplyError(null);
    updateApplyStatus();
  }

  function planItem(i) {
    var body = el("div", { className: "plan-body" });
    var changed = [];
    if (i.action === "auto" || i.action === "keep") {
      var cols = i.action === "auto"
        ? [["mine", "packs.col.now"], ["result", "packs.col.after"]]
        : [["base", "packs.col.base"], ["mine", "packs.col.mine"], ["theirs", "packs.col.theirs"]];
      var rows = planRows(i, cols, function (f) { return f.status !== "same"; });
      changed = rows.map(function (r) { return t("kb.field." + r.name); });
      body.appendChild(fieldTable(rows, cols));
    } else if (i.action === "add") {
      if (i.link_point_id) body.appendChild(el("p", { className: "plan-note", text: t("packs.add.linked") }));
      else if (i.duplicate) {
        body.appendChild(el("p", { className: "plan-note add-duplicate", text: t(i.duplicate.sure ? "packs.add.similar"
          : "packs.add.maybe", { q: i.duplicate.question }) }));
      }
      if (!i.link_point_id && !(i.duplicate && i.duplicate.sure)) {
        if (i.promise.length) {
          body.appendChild(el("p", { className: "plan-note add-promise", text: t("packs.review.promise",
            { kinds: promiseText(i.promise) }) + " " + t("packs.add.offUntil") }));
        }
        if (i.missing_facts.length) {
          body.appendChild(el("p", { className: "plan-note add-missing", text: t("packs.add.missing", {
            facts: i.missing_facts.map(function (n) { return K.label("fact.", n); }).join(listSep()) }) }));
        }
      }
      body.appendChild(fieldTable(pointRows(i.after || i.theirs, "after"), [["after", "packs.col.new"]]));
    } else if (i.action === "remove") {
      body.appendChild(fieldTable(pointRows(i.mine, "mine"), [["mine", "packs.col.removed"]]));
    } else if (i.action === "stays_deleted") {
      if (i.reason === "linked") body.appendChild(el("p", { className: "plan-note", text: t("packs.staysDeleted.linked") }));
      if (i.theirs) body.appendChild(fieldTable(pointRows(i.theirs, "theirs"), [["theirs", "packs.col.theirs"]]));
      else body.appendChild(el("p", { className: "plan-note", text: t("packs.staysDeleted.gone") }));
    }
    return el("details", { className: "plan-item", "data-key": i.key, "data-action": i.action }, [
      el("summary", {}, [
        el("span", { className: "plan-q", text: itemQuestion(i) }),
        el("span", { className: "plan-key", text: i.key }),
        changed.length ? el("span", { className: "plan-fields-changed", text: changed.join(listSep()) }) : null,
        i.action === "add" && (i.link_point_id || (i.duplicate && i.duplicate.sure))
          ? el("span", { className: "badge plain badge-paid", text: t("packs.add.link") }) : null,
        i.action === "add" && !i.link_point_id && !(i.duplicate && i.duplicate.sure) &&
          (i.duplicate || i.promise.length || i.missing_facts.length)
          ? el("span", { className: "badge plain badge-wait plan-off", text: t("packs.add.off") }) : null,
        i.reason === "linked" ? el("span", { className: "badge plain badge-paid", text: t("packs.add.link") }) : null
      ]),
      body
    ]);
  }

  var CHOICES = ["pending", "mine", "theirs", "edit"];

  function conflictItem(i, idx, kept) {
    var deleted = i.reason === "upstream_deleted";
    var cols = [["base", "packs.col.base"], ["mine", "packs.col.mine"], ["theirs", "packs.col.theirs"]];
    var state = el("span", { className: "badge conflict-state" });
    var name = "res-" + idx;
    var choices = el("div", { className: "choices", role: "radiogroup", "aria-label": t("packs.choice.legend") },
      CHOICES.map(function (how) {
        var label = how === "mine" || how === "theirs" ? "packs.choice." + how + (deleted ? "Deleted" : "") : "packs.choice." + how;
        return el("label", { className: "choice-opt choice-" + how }, [
          el("input", { type: "radio", name: name, value: how, checked: how === "pending", disabled: !admin }),
          el("span", { text: t(label) })
        ]);
      }));
    var form = editForm(i);
    var node = el("details", { className: "plan-item conflict-item", open: true, "data-key": i.key, "data-action": "conflict" }, [
      el("summary", {}, [
        el("span", { className: "plan-q", text: itemQuestion(i) }),
        el("span", { className: "plan-key", text: i.key }),
        state
      ]),
      el("div", { className: "plan-body" }, [
        el("p", { className: "plan-note conflict-why", text: t("packs.reason." + i.reason, {
          fields: (i.conflict_fields || []).map(function (f) { return t("kb.field." + f); }).join(listSep()) }) }),
        fieldTable(planRows(i, cols), cols),
        el("div", { className: "decide" }, [el("span", { className: "decide-label", text: t("packs.choice.legend") }), choices]),
        form
      ])
    ]);
    function sync() {
      var how = choiceOf(node);
      form.hidden = how !== "edit";
      state.className = "badge conflict-state " + (how === "pending" ? "badge-wait" : "badge-on");
      state.textContent = how === "pending" ? t("packs.choice.isPending")
        : t("packs.choice.isDecided", { how: t("packs.choice.short." + how) });
      node.classList.toggle("is-decided", how !== "pending");
      updateApplyStatus();
    }
    choices.addEventListener("change", function () {
      sync();
      if (choiceOf(node) === "edit") form.querySelector(".edit-question").focus();
    });
    if (kept) {
      var radio = choices.querySelector('input[value="' + kept.how + '"]');
      if (radio) radio.checked = true;
      if (kept.edit) fillEdit(form, kept.edit);
    }
    sync();
    return node;
  }

  function editForm(i) {
    var m = i.mine || {};
    var ids = "edit-" + Math.random().toString(36).slice(2, 8);
    function field(cls, key, input, hint) {
      input.id = ids + "-" + cls;
      return el("div", { className: "field" }, [
        el("label", { "for": input.id, text: t(key) }), input,
        hint ? el("p", { className: "hint", text: t(hint) }) : null
      ]);
    }
    var form = el("div", { className: "edit-form", hidden: true }, [
      el("div", { className: "edit-form-head" }, [
        el("span", { className: "decide-label", text: t("packs.edit.title") }),
        i.theirs ? el("button", { type: "button", className: "btn-link edit-from-theirs", text: t("packs.edit.fromTheirs"),
          on: { click: function () { fillEdit(form, i.theirs); } } }) : null,
        el("button", { type: "button", className: "btn-link edit-from-mine", text: t("packs.edit.fromMine"),
          on: { click: function () { fillEdit(form, m); } } })
      ]),
      field("question", "kb.f.question", el("input", { className: "input edit-question", maxlength: "500" })),
      field("answer", "kb.f.answer", el("textarea", { className: "textarea edit-answer", rows: "4", maxlength: "5000" })),
      el("div", { className: "field-row" }, [
        field("category", "kb.f.category", el("input", { className: "input edit-category", maxlength: "200" })),
        field("tags", "kb.f.tags", el("input", { className: "input edit-tags", maxlength: "700" }), "kb.f.tagsHint")
      ]),
      field("similar", "kb.f.similar", el("textarea", { className: "textarea edit-similar", rows: "4" }), "kb.f.similarHint"),
      el("div", { className: "alert alert-error edit-error", role: "alert", hidden: true })
    ]);
    fillEdit(form, m);
    return form;
  }

  function fillEdit(form, p) {
    form.querySelector(".edit-question").value = p.question || "";
    form.querySelector(".edit-answer").value = p.answer || "";
    form.querySelector(".edit-category").value = p.category || "";
    form.querySelector(".edit-tags").value = (p.tags || []).join(", ");
    form.querySelector(".edit-similar").value = (p.similar_questions || []).join("\n");
  }

  function readEdit(form) {
    return {
      category: form.querySelector(".edit-category").value.trim(),
      question: form.querySelector(".edit-question").value.trim(),
      similar_questions: form.querySelector(".edit-similar").value.split("\n").map(function (s) { return s.trim(); })
        .filter(function (s) { return s; }),
      answer: form.querySelector(".edit-answer").value.trim(),
      tags: form.querySelector(".edit-tags").value.split(/[,，\n]/).map(function (s) { return s.trim(); })
        .filter(function (s) { return s; })
    };
  }

  function choiceOf(node) {
    var r = node.querySelector(".choices input:checked");
    return r ? r.value : "pending";
  }

  /** What has been decided and typed in the conflicts on screen: key → {how, edit}. */
  function readChoices() {
    var out = {};
    var nodes = document.querySelectorAll(".conflict-item");
    for (var i = 0; i < nodes.length; i++) {
      var form = nodes[i].querySelector(".edit-form");
      out[nodes[i].getAttribute("data-key")] = { how: choiceOf(nodes[i]), edit: form ? readEdit(form) : null };
    }
    return out;
  }

  function updateApplyStatus() {
    var d = pv.data;
    if (!d) return;
    var nodes = document.querySelectorAll(".conflict-item");
    var total = nodes.length, decided = 0;
    for (var i = 0; i < nodes.length; i++) if (choiceOf(nodes[i]) !== "pending") decided++;
    var status = $("#apply-status");
    var text;
    if (!total) text = d.update_available ? t("packs.apply.ready", { v: d.to_version }) : t("packs.apply.readyCurrent");
    else if (decided < total) text = t("packs.apply.partial", { done: decided, total: total, left: total - decided });
    else text = t("packs.apply.allDecided", { total: total });
    status.textContent = text;
    status.classList.toggle("is-warn", decided < total);
    $("#apply").textContent = d.update_available ? t("packs.apply.to", { v: d.to_version }) : t("packs.apply.decisions");
  }

  function showApplyError(err) {
    $("#apply-error-wrap").hidden = !err;
    K.showError($("#apply-error"), err);
  }

  function applyUpdate() {
    var d = pv.data;
    var resolutions = {};
    var firstBad = null;
    var nodes = document.querySelectorAll(".conflict-item");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i], how = choiceOf(node), key = node.getAttribute("data-key");
      var form = node.querySelector(".edit-form");
      K.showError(form.querySelector(".edit-error"), null);
      if (how === "mine" || how === "theirs") resolutions[key] = how;
      else if (how === "edit") {
        var point = readEdit(form);
        if (!point.question || !point.answer) {
          K.showError(form.querySelector(".edit-error"), t("packs.edit.required"));
          if (!firstBad) firstBad = form.querySelector(point.question ? ".edit-answer" : ".edit-question");
        } else {
          resolutions[key] = point;
        }
      }
    }
    if (firstBad) {
      showApplyError(t("packs.apply.fixEdits"));
      firstBad.focus();
      return;
    }
    var button = $("#apply");
    button.disabled = true;
    button.textContent = t("packs.apply.busy");
    showApplyError(null);
    K.api("POST", "/packs/" + enc(d.pack_id) + "/update", { version: d.to_version, resolutions: resolutions })
      .then(function (res) {
        var text = t("packs.apply.done", { v: res.to_version, what: countsText(res.counts) || t("packs.apply.noChanges") });
        if (res.pending_conflicts.length) text += "\n" + t("packs.apply.stillPending", { n: res.pending_conflicts.length });
        pv.result = text;
        pv.version = null; // the installed version now: the preview shows what still waits for a decision
        history.replaceState(null, "", previewHref(d.pack_id));
        K.toast(t("packs.apply.toast", { name: packName(d.pack_id), v: res.to_version }));
        button.disabled = false;
        return loadPreview().then(function () {
          var r = $("#preview-result");
          if (r.scrollIntoView) r.scrollIntoView({ block: "nearest" });
        });
      }, function (err) {
        button.disabled = false;
        updateApplyStatus();
        showApplyError(err); // every decision and every edit stays as it is
      });
  }

  function initPreview(packId, version) {
    pv.packId = packId;
    pv.version = version || null;
    $("#preview-view").hidden = false;
    $("#apply").addEventListener("click", applyUpdate);
    K.onLangChange(function () { if (pv.data) renderPreview(readChoices()); });
    loadPreview();
  }

  // --- history: batches with rollback, every change -----------------------------------------------

  var hist = { pack: "", batch: null, bOffset: 0, cOffset: 0, batches: [], bMore: false, bLoaded: false,
    changes: [], total: 0, cLoaded: false, bSeq: 0, cSeq: 0 };

  function syncHistoryUrl() {
    var qs = new URLSearchParams({ tab: "history" });
    if (hist.pack) qs.set("pack", hist.pack);
    if (hist.batch !== null) qs.set("batch", String(hist.batch));
    history.replaceState(null, "", "/admin/packs?" + qs.toString());
  }

  function renderPackFilter() {
    var select = K.clear($("#history-pack"));
    select.appendChild(el("option", { value: "", text: t("packs.filter.allPacks") }));
    var found = false;
    packs.items.forEach(function (p) {
      select.appendChild(el("option", { value: p.id, text: p.name + " (" + p.id + ")" }));
      if (p.id === hist.pack) found = true;
    });
    if (hist.pack && !found) select.appendChild(el("option", { value: hist.pack, text: hist.pack }));
    select.value = hist.pack;
  }

  function loadBatches() {
    var seq = ++hist.bSeq;
    var qs = new URLSearchParams({ limit: String(PAGE + 1), offset: String(hist.bOffset) });
    if (hist.pack) qs.set("pack_id", hist.pack);
    return K.api("GET", "/packs/batches?" + qs.toString()).then(function (list) {
      if (seq !== hist.bSeq) return;
      hist.bMore = list.length > PAGE;
      hist.batches = list.slice(0, PAGE);
      hist.bLoaded = true;
      K.showError($("#batch-error"), null);
      renderBatches();
    }, function (err) {
      if (seq === hist.bSeq) K.showError($("#batch-error"), err);
    }).then(function () { if (seq === hist.bSeq) $("#batch-loading").hidden = true; });
  }

  function versionsText(b) {
    if (b.kind === "import") return "→ " + (b.to_version || "");
    if (b.kind === "refill") return b.to_version || "";
    return (b.from_version || "—") + " → " + (b.to_version || "—");
  }

  /** Why a batch cannot be rolled back, in the console's words where the reason is known. */
  function whyNot(b) {
    if (b.rolled_back_by) return t("packs.why.done", { id: b.rolled_back_by });
    var m = /changed again later \(batch (\d+)\)/.exec(b.why_not || "");
    if (m) return t("packs.why.later", { id: m[1] });
    m = /^(.+) sits on /.exec(b.why_not || "");
    if (m) return t("packs.why.dependants", { packs: m[1] });
    return b.why_not;
  }

  function renderBatches() {
    var tbody = K.clear($("#batch-rows"));
    hist.batches.forEach(function (b) { tbody.appendChild(batchRow(b)); });
    $("#batch-table").hidden = !hist.batches.length;
    $("#batch-empty").hidden = !hist.bLoaded || hist.batches.length > 0;
    $("#batch-pager").hidden = hist.bOffset === 0 && !hist.bMore;
    $("#batch-range").textContent = hist.batches.length
      ? t("packs.batches.range", { from: hist.bOffset + 1, to: hist.bOffset + hist.batches.length }) : "";
    $("#batch-prev").disabled = hist.bOffset === 0;
    $("#batch-next").disabled = !hist.bMore;
  }

  function batchRow(b) {
    var error = el("div", { className: "alert alert-error row-error", role: "alert", hidden: true });
    var actions = el("td", { className: "col-actions" });
    actions.appendChild(el("button", { type: "button", className: "btn btn-sm batch-changes", text: t("packs.batch.changes"),
      on: { click: function () { filterBatch(b.id); } } }));
    if (b.can_rollback && admin) {
      var undo = el("button", { type: "button", className: "btn btn-sm btn-danger batch-rollback", text: t("packs.rollback") });
      undo.addEventListener("click", function () { rollback(b, undo, error); });
      actions.appendChild(undo);
    } else if (b.kind === "import" || b.kind === "update") {
      var why = whyNot(b);
      if (why) actions.appendChild(el("div", { className: "sub-line batch-why", text: why, title: b.why_not }));
    }
    actions.appendChild(error);
    var kind = el("td", { "data-label": t("packs.col.kind") }, [
      el("span", { className: "badge plain batch-kind kind-" + b.kind, text: K.label("packs.kind.", b.kind) })
    ]);
    if (b.rolls_back) kind.appendChild(el("div", { className: "sub-line", text: t("packs.batch.rollsBack", { id: b.rolls_back }) }));
    return el("tr", { className: "batch-row" + (b.rolled_back_by ? " is-undone" : ""), "data-id": b.id, "data-kind": b.kind }, [
      el("td", { className: "nowrap", "data-label": t("packs.col.time") }, [timeNode(b.created_at),
        el("div", { className: "sub-line", text: "#" + b.id })]),
      el("td", { "data-label": t("packs.col.pack") }, [el("div", { text: packName(b.pack_id) }),
        el("div", { className: "sub-line mono", text: b.pack_id })]),
      kind,
      el("td", { className: "nowrap batch-versions", "data-label": t("packs.col.versions"), text: versionsText(b) }),
      el("td", { className: "batch-counts", "data-label": t("packs.col.counts"), text: countsText(b.counts) || "—" }),
      el("td", { "data-label": t("packs.col.by"), text: actorText(b.actor, b.actor_name) }),
      actions
    ]);
  }

  function rollback(b, button, error) {
    var name = packName(b.pack_id);
    K.confirmDialog({
      title: t("packs.rollback.title", { kind: K.label("packs.kind.", b.kind), name: name }),
      body: t(b.kind === "import" ? "packs.rollback.bodyImport" : "packs.rollback.bodyUpdate",
        { name: name, from: b.from_version || "", to: b.to_version || "" }),
      ok: t("packs.rollback"), danger: true
    }).then(function (yes) {
      if (!yes) return;
      button.disabled = true;
      K.showError(error, null);
      K.api("POST", "/packs/batches/" + b.id + "/rollback").then(function () {
        K.toast(t("packs.rollback.done", { name: name }));
        hist.bOffset = 0;
        hist.cOffset = 0;
        return Promise.all([loadBatches(), loadChanges()]);
      }, function (err) {
        K.showError(error, err);
        button.disabled = false;
      });
    });
  }

  function filterBatch(id) {
    hist.batch = id;
    hist.cOffset = 0;
    syncHistoryUrl();
    loadChanges().then(function () {
      var card = $("#changes-card");
      if (card.scrollIntoView) card.scrollIntoView({ block: "start" });
    });
  }

  function loadChanges() {
    var seq = ++hist.cSeq;
    var qs = new URLSearchParams({ limit: String(PAGE), offset: String(hist.cOffset) });
    if (hist.pack) qs.set("pack_id", hist.pack);
    if (hist.batch !== null) qs.set("batch_id", String(hist.batch));
    $("#change-table").setAttribute("aria-busy", "true");
    return K.api("GET", "/packs/history?" + qs.toString()).then(function (page) {
      if (seq !== hist.cSeq) return;
      if (!page.items.length && hist.cOffset > 0 && page.total > 0) {
        hist.cOffset = Math.max(0, Math.floor((page.total - 1) / PAGE) * PAGE);
        return loadChanges();
      }
      hist.changes = page.items;
      hist.total = page.total;
      hist.cLoaded = true;
      K.showError($("#change-error"), null);
      renderChanges();
    }, function (err) {
      if (seq === hist.cSeq) K.showError($("#change-error"), err);
    }).then(function () {
      if (seq === hist.cSeq) {
        $("#change-loading").hidden = true;
        $("#change-table").removeAttribute("aria-busy");
      }
    });
  }

  function renderChanges() {
    var tbody = K.clear($("#change-rows"));
    hist.changes.forEach(function (c) {
      changeRows(c).forEach(function (tr) { tbody.appendChild(tr); });
    });
    $("#change-table").hidden = !hist.changes.length;
    $("#change-empty").hidden = !hist.cLoaded || hist.changes.length > 0;
    $("#change-count").textContent = hist.cLoaded ? t("packs.changes.count", { n: hist.total }) : "";
    var chip = $("#change-batch-filter");
    chip.hidden = hist.batch === null;
    chip.textContent = hist.batch !== null ? t("packs.changes.batchFilter", { id: hist.batch }) : "";
    chip.setAttribute("title", t("packs.changes.clearBatch"));
    $("#change-pager").hidden = hist.total <= PAGE;
    $("#change-range").textContent = t("common.range", { from: hist.total ? hist.cOffset + 1 : 0,
      to: hist.cOffset + hist.changes.length, total: hist.total });
    $("#change-prev").disabled = hist.cOffset === 0;
    $("#change-next").disabled = hist.cOffset + PAGE >= hist.total;
  }

  var DIFF_FIELDS = FIELDS.concat(["enabled"]);

  function same(a, b) { return JSON.stringify(a === undefined ? null : a) === JSON.stringify(b === undefined ? null : b); }

  /** The fields a change touched, before and after, or null when it changed none. */
  function changeDiff(c) {
    var before = c.before, after = c.after;
    if (!before && !after) return null;
    var rows = DIFF_FIELDS.filter(function (name) {
      if (!before || !after) return name !== "enabled";
      return !same(before[name], after[name]);
    }).map(function (name) {
      return { name: name, status: "", values: { before: before ? before[name] : null, after: after ? after[name] : null } };
    });
    return rows.length ? fieldTable(rows, [["before", "packs.col.before"], ["after", "packs.col.afterChange"]]) : null;
  }

  /** A change's row, and the row under it that shows its fields before and after (opened on demand). */
  function changeRows(c) {
    var point = c.after || c.before || {};
    var diff = changeDiff(c);
    var diffRow = diff ? el("tr", { className: "change-diff-row", hidden: true }, [
      el("td", { colspan: "5", className: "change-diff" }, [diff])
    ]) : null;
    var toggle = diff ? el("button", { type: "button", className: "btn-link change-diff-toggle", "aria-expanded": "false",
      text: t("packs.changes.diff") }) : null;
    if (toggle) {
      toggle.addEventListener("click", function () {
        var open = diffRow.hidden;
        diffRow.hidden = !open;
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
    var what = el("td", { "data-label": t("packs.col.what") }, [
      el("span", { className: "badge plain change-action change-" + c.action, text: K.label("packs.change.", c.action) }),
      c.from_version || c.to_version
        ? el("span", { className: "muted small change-versions", text: " " + (c.from_version ? c.from_version + " → " : "") + (c.to_version || "") })
        : null,
      c.note ? el("div", { className: "sub-line change-note", text: c.note }) : null,
      toggle ? el("div", {}, [toggle]) : null
    ]);
    var row = el("tr", { className: "change-row", "data-id": c.id, "data-action": c.action, "data-key": c.key }, [
      el("td", { className: "nowrap", "data-label": t("packs.col.time") }, [timeNode(c.created_at)]),
      el("td", { "data-label": t("packs.col.point") }, [
        el("div", { className: "change-q", text: point.question || c.key }),
        el("div", { className: "sub-line mono", text: c.pack_id + " · " + c.key })
      ]),
      what,
      el("td", { className: "change-by", "data-label": t("packs.col.by"), text: actorText(c.actor, c.actor_name) }),
      el("td", { "data-label": t("packs.col.batch") }, [
        el("button", { type: "button", className: "btn-link change-batch", text: "#" + c.batch_id,
          on: { click: function () { filterBatch(c.batch_id); } } })
      ])
    ]);
    return diffRow ? [row, diffRow] : [row];
  }

  function initHistory(params) {
    $("#history-panel").hidden = false;
    hist.pack = params.get("pack") || "";
    var b = parseInt(params.get("batch") || "", 10);
    hist.batch = isFinite(b) ? b : null;
    renderPackFilter();
    K.api("GET", "/packs").then(function (data) {
      setPacks(data);
      renderPackFilter();
      renderBatches();
      renderChanges();
    }, function () { /* names stay as ids */ });
    $("#history-pack").addEventListener("change", function () {
      hist.pack = this.value;
      hist.batch = null;
      hist.bOffset = 0;
      hist.cOffset = 0;
      syncHistoryUrl();
      loadBatches();
      loadChanges();
    });
    $("#change-batch-filter").addEventListener("click", function () {
      hist.batch = null;
      hist.cOffset = 0;
      syncHistoryUrl();
      loadChanges();
    });
    $("#batch-prev").addEventListener("click", function () { hist.bOffset = Math.max(0, hist.bOffset - PAGE); loadBatches(); });
    $("#batch-next").addEventListener("click", function () { hist.bOffset += PAGE; loadBatches(); });
    $("#change-prev").addEventListener("click", function () { hist.cOffset = Math.max(0, hist.cOffset - PAGE); loadChanges(); });
    $("#change-next").addEventListener("click", function () { hist.cOffset += PAGE; loadChanges(); });
    K.onLangChange(function () {
      renderPackFilter();
      if (hist.bLoaded) renderBatches();
      if (hist.cLoaded) renderChanges();
    });
    loadBatches();
    loadChanges();
  }

  // --- wiring -----------------------------------------------------------------------------------

  function init() {
    K.boot("packs").then(function () {
      admin = K.isAdmin();
      var params = new URLSearchParams(location.search);
      var preview = params.get("preview");
      if (preview) {
        initPreview(preview, params.get("version"));
        return;
      }
      var tab = params.get("tab") === "history" ? "history" : "packs";
      $("#packs-main").hidden = false;
      $("#packs-readonly").hidden = admin;
      var links = document.querySelectorAll("#packs-tabs a");
      for (var i = 0; i < links.length; i++) {
        if (links[i].getAttribute("data-tab") === tab) links[i].setAttribute("aria-current", "page");
      }
      if (tab === "history") initHistory(params);
      else initList();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
