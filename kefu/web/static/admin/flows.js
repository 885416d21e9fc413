/* kefu admin console: the self-service flows — switch each on or off and change what the bot says in it.
 * A text box holds the shop's own wording; empty means the default, which is shown as the placeholder. */
(function () {
  "use strict";
  var K = window.KefuAdmin;
  var t = K.t, el = K.el, $ = K.$;

  var LOCALES = ["zh", "en"];
  var EXAMPLES_SHOWN = 6;
  var admin = false;
  var flows = [];
  var shared = { zh: {}, en: {} }; // wording keys every flow has (asking for the order, verifying, buttons …)
  var defaults = {};               // flow id → locale → key → default wording, as far as it is known
  var ui = {};                     // flow id → {open, lang, openCommon}

  /** Remember each text's default: the wording in force for keys the shop has not changed. */
  function learnDefaults(f) {
    var known = defaults[f.id] = defaults[f.id] || { zh: {}, en: {} };
    LOCALES.forEach(function (loc) {
      var given = f.defaults && f.defaults[loc]; // sent by servers that know them; otherwise learnt below
      Object.keys(f.texts[loc] || {}).forEach(function (key) {
        if (given && Object.prototype.hasOwnProperty.call(given, key)) known[loc][key] = given[key];
        else if (!Object.prototype.hasOwnProperty.call(f.overrides[loc] || {}, key)) known[loc][key] = f.texts[loc][key];
      });
    });
  }

  function findShared() {
    LOCALES.forEach(function (loc) {
      var keys = {};
      if (flows.length > 1) {
        Object.keys(flows[0].texts[loc] || {}).forEach(function (key) {
          if (flows.every(function (f) { return Object.prototype.hasOwnProperty.call(f.texts[loc] || {}, key); })) {
            keys[key] = true;
          }
        });
      }
      shared[loc] = keys;
    });
  }

  function flowName(f) { return f.name[K.lang()] || f.name.zh || f.id; }

  function changedCount(f) {
    return LOCALES.reduce(function (n, loc) { return n + Object.keys(f.overrides[loc] || {}).length; }, 0);
  }

  function placeholders(text) {
    var seen = {};
    (String(text || "").match(/\{\w+\}/g) || []).forEach(function (v) { seen[v] = true; });
    return Object.keys(seen);
  }

  // --- one text -------------------------------------------------------------------------------

  function textRow(f, loc, key) {
    var own = (f.overrides[loc] || {})[key];
    var custom = own !== undefined;
    var def = defaults[f.id][loc][key];
    var id = "ft-" + f.id + "-" + loc + "-" + key;
    var shown = def !== undefined ? def : f.texts[loc][key];
    var box = el("textarea", { className: "textarea flow-text", id: id, rows: String(shown.length > 70 ? 3 : 2),
      maxlength: "1000", "data-key": key, "data-locale": loc, "data-original": own || "", value: own || "",
      placeholder: def !== undefined ? def : t("flows.noDefault"), disabled: !admin });
    var head = el("div", { className: "text-row-head" }, [
      el("label", { className: "text-key", "for": id, text: key }),
      custom ? el("span", { className: "badge badge-paid text-custom", text: t("flows.customized") }) : null
    ]);
    if (custom && admin) {
      head.appendChild(el("button", { type: "button", className: "btn-link text-reset", text: t("flows.reset"),
        on: { click: function () { resetText(f, loc, key, this); } } }));
    }
    var vars = placeholders(shown);
    return el("div", { className: "text-row" + (custom ? " is-custom" : ""), "data-key": key, "data-locale": loc }, [
      head,
      box,
      vars.length ? el("p", { className: "hint", text: t("flows.vars", { vars: vars.join(" ") }) }) : null
    ]);
  }

  function textsFor(f, loc, u) {
    var keys = Object.keys(f.texts[loc] || {});
    var own = keys.filter(function (k) { return !shared[loc][k]; });
    var common = keys.filter(function (k) { return shared[loc][k]; });
    var wrap = el("div", { className: "flow-texts", "data-locale": loc, lang: loc === "zh" ? "zh-CN" : "en",
      hidden: u.lang !== loc });
    if (own.length) {
      wrap.appendChild(el("h3", { className: "section-title", text: t("flows.own") }));
      wrap.appendChild(el("div", { className: "text-rows" }, own.map(function (k) { return textRow(f, loc, k); })));
    }
    if (common.length) {
      var more = el("details", { className: "more flow-common", open: u.openCommon || !own.length }, [
        el("summary", { text: t("flows.common") }),
        el("p", { className: "hint small muted", style: "margin:0 0 12px", text: t("flows.commonHint") }),
        el("div", { className: "text-rows" }, common.map(function (k) { return textRow(f, loc, k); }))
      ]);
      more.addEventListener("toggle", function () { u.openCommon = more.open; });
      wrap.appendChild(more);
    }
    return wrap;
  }

  // --- one flow -------------------------------------------------------------------------------

  function flowCard(f) {
    var u = ui[f.id] = ui[f.id] || { open: false, lang: K.lang(), openCommon: false };
    var name = flowName(f);
    var toggle = el("input", { type: "checkbox", role: "switch", className: "flow-switch", checked: f.enabled,
      disabled: !admin, "aria-label": t("flows.switch", { name: name }) });
    var state = el("span", { className: "flow-state", text: f.enabled ? t("flows.on") : t("flows.off") });
    var examples = (f.examples[K.lang()] && f.examples[K.lang()].length ? f.examples[K.lang()] : f.examples.zh || [])
      .slice(0, EXAMPLES_SHOWN);
    var error = el("div", { className: "alert alert-error form-error flow-error", role: "alert", hidden: true });
    var card = el("section", { className: "card flow-card" + (f.enabled ? "" : " is-off"), "data-flow": f.id }, [
      el("div", { className: "card-head flow-head" }, [
        el("div", {}, [
          el("h2", {}, [el("span", { className: "flow-name", text: name }), el("span", { className: "flow-id", text: f.id })]),
          examples.length ? el("div", { className: "flow-examples" }, [el("span", { className: "label", text: t("flows.examples") })]
            .concat(examples.map(function (x) { return el("span", { className: "tag", text: x }); }))) : null
        ]),
        el("label", { className: "switch" }, [toggle, state])
      ])
    ]);
    toggle.addEventListener("change", function () { setEnabled(f, toggle, state, card, error); });

    var n = changedCount(f);
    var pills = el("div", { className: "status-tabs lang-pills", role: "group", "aria-label": t("flows.langs") },
      LOCALES.map(function (loc) {
        return el("button", { type: "button", "data-locale": loc, "aria-pressed": u.lang === loc ? "true" : "false",
          text: t("flows.lang." + loc) });
      }));
    var body = el("div", { className: "flow-wording-body" }, [
      el("p", { className: "hint small muted", style: "margin:0 0 12px", text: t("flows.wordingHint") }),
      pills
    ].concat(LOCALES.map(function (loc) { return textsFor(f, loc, u); })));
    pills.addEventListener("click", function (ev) {
      var b = ev.target.closest("button[data-locale]");
      if (!b) return;
      u.lang = b.getAttribute("data-locale");
      var all = pills.querySelectorAll("button");
      for (var i = 0; i < all.length; i++) all[i].setAttribute("aria-pressed", all[i] === b ? "true" : "false");
      var panes = body.querySelectorAll(".flow-texts");
      for (var j = 0; j < panes.length; j++) panes[j].hidden = panes[j].getAttribute("data-locale") !== u.lang;
    });
    var wording = el("details", { className: "more flow-wording", open: u.open }, [
      el("summary", { text: n ? t("flows.wordingCount", { n: n }) : t("flows.wording") }),
      body
    ]);
    wording.addEventListener("toggle", function () { u.open = wording.open; });
    card.appendChild(el("div", { className: "card-body", style: "padding-top:4px" }, [wording, error]));

    if (admin) {
      var save = el("button", { type: "button", className: "btn btn-primary flow-save", text: t("flows.save") });
      var saved = el("span", { className: "saved flow-saved", role: "status", hidden: true });
      save.addEventListener("click", function () { saveTexts(f, card, save, saved, error); });
      card.addEventListener("input", function (ev) {
        if (ev.target.classList.contains("flow-text")) saved.hidden = true;
      });
      var foot = el("div", { className: "card-foot flow-foot", hidden: !u.open }, [save, saved]);
      wording.addEventListener("toggle", function () { foot.hidden = !wording.open; });
      card.appendChild(foot);
    }
    return card;
  }

  /** What was typed in a card but not saved: "zh|key" → text. */
  function unsaved(card) {
    var out = {};
    if (!card) return out;
    var boxes = card.querySelectorAll("textarea.flow-text");
    for (var i = 0; i < boxes.length; i++) {
      var b = boxes[i];
      if (b.value !== b.getAttribute("data-original")) out[b.getAttribute("data-locale") + "|" + b.getAttribute("data-key")] = b.value;
    }
    return out;
  }

  /** Draw a flow's card again from its data, keeping anything typed and not yet saved (except `drop`). */
  function redraw(f, drop) {
    var old = document.querySelector('.flow-card[data-flow="' + f.id + '"]');
    var keep = unsaved(old);
    if (drop) delete keep[drop];
    var card = flowCard(f);
    Object.keys(keep).forEach(function (k) {
      var parts = k.split("|");
      var box = card.querySelector('textarea.flow-text[data-locale="' + parts[0] + '"][data-key="' + parts[1] + '"]');
      if (box) box.value = keep[k];
    });
    if (old) old.replaceWith(card);
    return card;
  }

  function replaceFlow(next) {
    flows = flows.map(function (f) { return f.id === next.id ? next : f; });
    learnDefaults(next);
    return next;
  }

  function setEnabled(f, toggle, state, card, error) {
    var on = toggle.checked;
    toggle.disabled = true;
    K.showError(error, null);
    K.api("PATCH", "/flows/" + encodeURIComponent(f.id), { enabled: on }).then(function (next) {
      replaceFlow(next);
      f.enabled = next.enabled;
      toggle.checked = next.enabled;
      state.textContent = next.enabled ? t("flows.on") : t("flows.off");
      card.classList.toggle("is-off", !next.enabled);
      K.toast(t(next.enabled ? "flows.switchedOn" : "flows.switchedOff", { name: flowName(next) }));
    }, function (err) {
      toggle.checked = !on;
      K.showError(error, err);
    }).then(function () { toggle.disabled = false; });
  }

  function saveTexts(f, card, button, saved, error) {
    var changes = {}, count = 0;
    var boxes = card.querySelectorAll("textarea.flow-text");
    for (var i = 0; i < boxes.length; i++) {
      var b = boxes[i];
      if (b.value === b.getAttribute("data-original")) continue;
      var loc = b.getAttribute("data-locale");
      changes[loc] = changes[loc] || {};
      changes[loc][b.getAttribute("data-key")] = b.value.trim() ? b.value : "";
      count++;
    }
    if (!count) {
      saved.textContent = t("flows.nothing");
      saved.hidden = false;
      return;
    }
    button.disabled = true;
    button.textContent = t("common.saving");
    K.showError(error, null);
    K.api("PATCH", "/flows/" + encodeURIComponent(f.id), { texts: changes }).then(function (next) {
      var fresh = redraw(replaceFlow(next));
      var ok = fresh.querySelector(".flow-saved");
      if (ok) {
        ok.textContent = t("flows.saved");
        ok.hidden = false;
      }
    }, function (err) {
      K.showError(error, err); // everything typed stays in the boxes
      button.disabled = false;
      button.textContent = t("flows.save");
    });
  }

  function resetText(f, loc, key, button) {
    button.disabled = true;
    var changes = {};
    changes[loc] = {};
    changes[loc][key] = "";
    var card = button.closest(".flow-card");
    var error = card.querySelector(".flow-error");
    K.showError(error, null);
    K.api("PATCH", "/flows/" + encodeURIComponent(f.id), { texts: changes }).then(function (next) {
      redraw(replaceFlow(next), loc + "|" + key);
      K.toast(t("flows.resetDone"));
    }, function (err) {
      K.showError(error, err);
      button.disabled = false;
    });
  }

  function renderAll() {
    var box = $("#flows");
    var keep = {};
    flows.forEach(function (f) { keep[f.id] = unsaved(box.querySelector('.flow-card[data-flow="' + f.id + '"]')); });
    K.clear(box);
    flows.forEach(function (f) {
      var card = flowCard(f);
      Object.keys(keep[f.id] || {}).forEach(function (k) {
        var parts = k.split("|");
        var ta = card.querySelector('textarea.flow-text[data-locale="' + parts[0] + '"][data-key="' + parts[1] + '"]');
        if (ta) ta.value = keep[f.id][k];
      });
      box.appendChild(card);
    });
    $("#flows-empty").hidden = flows.length > 0;
  }

  function init() {
    K.boot("flows").then(function () {
      admin = K.isAdmin();
      $("#flows-readonly").hidden = admin;
      K.onLangChange(function () { if (flows.length) renderAll(); });
      return K.api("GET", "/flows").then(function (list) {
        flows = list;
        flows.forEach(learnDefaults);
        findShared();
        renderAll();
      }, function (err) {
        K.showError($("#flows-error"), err);
      }).then(function () { $("#flows-loading").hidden = true; });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
