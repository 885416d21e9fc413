/* kefu admin console: shop settings, the widget snippet, the identity secret and API keys. */
(function () {
  "use strict";
  var K = window.KefuAdmin;
  var t = K.t, el = K.el, $ = K.$;

  var MASK = "••••••••••••••••••••••••";
  var settings = null;
  var admin = false;
  var revealed = false;
  var keys = [];

  // --- shop and bot ---------------------------------------------------------------------------

  function fill(s) {
    settings = s;
    $("#set-name").value = s.name;
    $("#set-bot-name").value = s.bot_name;
    $("#set-locale").value = s.default_locale;
    $("#set-timezone").value = s.timezone || "Asia/Shanghai";
    $("#set-greeting-zh").value = s.greeting_zh;
    $("#set-greeting-en").value = s.greeting_en;
    // null = the bot's default, shown as the placeholder.
    $("#set-answer-threshold").value = s.answer_threshold == null ? "" : String(s.answer_threshold);
    $("#set-clarify-threshold").value = s.clarify_threshold == null ? "" : String(s.clarify_threshold);
    renderPreview();
    renderSnippet();
    renderSecret();
  }

  /** What a customer sees first: the fixed bot disclosure, then the greeting (as the bot builds it). */
  function renderPreview() {
    var zh = K.lang() === "zh";
    var shop = $("#set-name").value.trim() || (settings && settings.name) || "";
    var bot = $("#set-bot-name").value.trim() || (settings && settings.bot_name) || "";
    // Mirrors kefu/bot/texts.py "disclosure": the bot says it first, always.
    $("#set-preview-label").textContent = t("set.preview");
    $("#set-preview-fixed").textContent = t("set.previewDisclosure", { shop: shop, bot: bot });
    var greeting = (zh ? $("#set-greeting-zh") : $("#set-greeting-en")).value.trim();
    $("#set-preview-greeting").textContent = greeting ? "\n" + greeting : "";
  }

  function save(ev) {
    ev.preventDefault();
    if (!admin) return;
    var body = {
      name: $("#set-name").value.trim(),
      bot_name: $("#set-bot-name").value.trim(),
      default_locale: $("#set-locale").value,
      timezone: $("#set-timezone").value.trim(),
      greeting_zh: $("#set-greeting-zh").value.trim(),
      greeting_en: $("#set-greeting-en").value.trim()
    };
    var missing = !body.name ? $("#set-name") : (!body.bot_name ? $("#set-bot-name")
      : (!body.timezone ? $("#set-timezone") : null));
    if (missing) {
      var label = document.querySelector('label[for="' + missing.id + '"]').textContent;
      K.showError($("#set-error"), label + (K.lang() === "zh" ? "不能为空。" : " must not be empty."));
      missing.focus();
      return;
    }
    // The confidence cut-offs: a value is sent as it is, an emptied field as null (back to the default);
    // the server checks clarify ≤ answer.
    var bad = null;
    [["#set-answer-threshold", "answer_threshold"], ["#set-clarify-threshold", "clarify_threshold"]]
      .forEach(function (pair) {
        var input = $(pair[0]);
        var text = input.value.trim();
        if (!text && !input.validity.badInput) {
          body[pair[1]] = null;
          return;
        }
        var n = Number(text);
        if (!text || !isFinite(n) || n < 0 || n > 1) bad = bad || input;
        else body[pair[1]] = n;
      });
    if (bad) {
      K.showError($("#set-error"), t("set.thresholdRange"));
      bad.focus();
      return;
    }
    var button = $("#set-save");
    button.disabled = true;
    button.textContent = t("common.saving");
    $("#set-saved").hidden = true;
    K.showError($("#set-error"), null);
    K.api("PATCH", "/settings", body).then(function (s) {
      fill(s);
      $("#set-saved").hidden = false;
      var shop = $("#nav-shop");
      if (shop) { shop.textContent = s.name; shop.title = s.name; }
    }, function (err) {
      K.showError($("#set-error"), err);
    }).then(function () {
      button.disabled = false;
      button.textContent = t("set.save");
    });
  }

  // --- widget snippet -------------------------------------------------------------------------

  function snippetText() {
    return '<script src="' + location.origin + '/widget.js" data-key="' + settings.public_key + '" async></script>';
  }

  function renderSnippet() {
    $("#widget-snippet").textContent = snippetText();
    $("#set-public-key").textContent = settings.public_key;
    $("#set-demo-link").href = "/demo/store?key=" + encodeURIComponent(settings.public_key);
  }

  // --- identity secret ------------------------------------------------------------------------

  function renderSecret() {
    var section = $("#set-identity");
    if (!admin || !settings.identity_secret) {
      section.hidden = true;
      return;
    }
    section.hidden = false;
    $("#identity-secret").textContent = revealed ? settings.identity_secret : MASK;
    var b = $("#identity-reveal");
    b.setAttribute("aria-pressed", revealed ? "true" : "false");
    b.setAttribute("data-i18n", revealed ? "set.identity.hide" : "set.identity.reveal");
    b.textContent = t(revealed ? "set.identity.hide" : "set.identity.reveal");
  }

  function rotate() {
    K.confirmDialog({ title: t("set.identity.confirmTitle"), body: t("set.identity.confirmBody"),
      ok: t("set.identity.rotate"), danger: true }).then(function (yes) {
      if (!yes) return;
      K.api("POST", "/settings/identity-secret").then(function (s) {
        settings = s;
        revealed = true;
        renderSecret();
        K.toast(t("set.identity.rotated"));
      }, function (err) { K.toast(K.errorText(err), true); });
    });
  }

  // --- API keys -------------------------------------------------------------------------------

  function loadKeys() {
    return K.api("GET", "/api-keys").then(function (list) {
      keys = list;
      renderKeys();
    }, function (err) { K.showError($("#key-error"), err); });
  }

  function renderKeys() {
    var tbody = K.clear($("#key-rows"));
    keys.forEach(function (k) {
      var revoked = !!k.revoked_at;
      var actions = el("td", { className: "col-actions" });
      if (!revoked) {
        actions.appendChild(el("button", { type: "button", className: "btn btn-sm btn-danger key-revoke",
          text: t("set.keys.revoke"), on: { click: function () { revoke(k); } } }));
      }
      tbody.appendChild(el("tr", { className: "key-row", "data-id": k.id }, [
        el("td", { "data-label": t("set.keys.col.name"), text: k.name }),
        el("td", { "data-label": t("set.keys.col.prefix") }, [el("code", { text: k.prefix + "…" })]),
        el("td", { className: "nowrap muted small", "data-label": t("set.keys.col.created"),
          title: K.fullTime(k.created_at), text: K.formatTime(k.created_at) }),
        el("td", { className: "nowrap muted small", "data-label": t("set.keys.col.used"),
          text: k.last_used_at ? K.formatTime(k.last_used_at) : t("common.never") }),
        el("td", { "data-label": t("set.keys.col.status") }, [
          el("span", { className: "badge " + (revoked ? "badge-off" : "badge-on"),
            text: revoked ? t("set.keys.revoked") : t("set.keys.active") })
        ]),
        actions
      ]));
    });
    $("#key-table").hidden = !keys.length;
    $("#key-empty").hidden = keys.length > 0;
  }

  function createKey(ev) {
    ev.preventDefault();
    var name = $("#key-name").value.trim();
    if (!name) {
      K.showError($("#key-error"), t("set.keys.nameRequired"));
      $("#key-name").focus();
      return;
    }
    var b = $("#key-create");
    b.disabled = true;
    K.showError($("#key-error"), null);
    K.api("POST", "/api-keys", { name: name }).then(function (created) {
      $("#key-name").value = "";
      $("#key-new-secret").textContent = created.secret;
      $("#key-new").hidden = false;
      return loadKeys();
    }, function (err) { K.showError($("#key-error"), err); }).then(function () { b.disabled = false; });
  }

  function revoke(k) {
    K.confirmDialog({ title: t("set.keys.revokeTitle"), body: t("set.keys.revokeBody", { name: k.name }),
      ok: t("set.keys.revoke"), danger: true }).then(function (yes) {
      if (!yes) return;
      K.api("DELETE", "/api-keys/" + k.id).then(function () {
        K.toast(t("set.keys.revokedToast"));
        return loadKeys();
      }, function (err) { K.toast(K.errorText(err), true); });
    });
  }

  // --- shop facts -----------------------------------------------------------------------------

  // The facts answers and flows quote come with their defaults from the server (fact_defaults).
  // A box left empty uses the default (shop_name defaults to the shop's name).
  var DEFAULT_FACTS = {};
  var WIDE_FACTS = { return_address: true, remote_areas: true };

  function factNames(s) {
    DEFAULT_FACTS = s.fact_defaults || DEFAULT_FACTS;
    var names = Object.keys(DEFAULT_FACTS);
    Object.keys(s.facts || {}).forEach(function (k) { if (names.indexOf(k) < 0) names.push(k); });
    return names;
  }

  function fillFacts(s) {
    var box = K.clear($("#facts-fields"));
    factNames(s).forEach(function (name) {
      var known = Object.prototype.hasOwnProperty.call(DEFAULT_FACTS, name);
      var id = "fact-" + name;
      var input = el("input", { className: "input fact-input", id: id, "data-fact": name, maxlength: "500",
        autocomplete: "off", value: (s.facts || {})[name] || "", disabled: !admin,
        placeholder: name === "shop_name" ? s.name : (known ? DEFAULT_FACTS[name] : "") });
      box.appendChild(el("div", { className: "field", style: WIDE_FACTS[name] ? "grid-column:1/-1" : null }, [
        el("label", { "for": id, "data-i18n": known ? "fact." + name : null, text: known ? t("fact." + name) : name }),
        input,
        el("p", { className: "hint mono", text: "{" + name + "}" })
      ]));
    });
  }

  function saveFacts(ev) {
    ev.preventDefault();
    if (!admin) return;
    var facts = {};
    var inputs = document.querySelectorAll("#facts-fields .fact-input");
    for (var i = 0; i < inputs.length; i++) facts[inputs[i].getAttribute("data-fact")] = inputs[i].value.trim();
    patchSection("facts", { facts: facts }, fillFacts);
  }

  /** PATCH part of the settings from one section's form; on success redraw only that section. */
  function patchSection(prefix, body, refill) {
    var button = $("#" + prefix + "-save");
    var saved = $("#" + prefix + "-saved");
    button.disabled = true;
    button.textContent = t("common.saving");
    saved.hidden = true;
    K.showError($("#" + prefix + "-error"), null);
    return K.api("PATCH", "/settings", body).then(function (s) {
      settings = s;
      refill(s);
      saved.hidden = false;
    }, function (err) {
      K.showError($("#" + prefix + "-error"), err); // the form keeps what was typed
    }).then(function () {
      button.disabled = false;
      button.textContent = t("common.save");
    });
  }

  // --- handoff policy -------------------------------------------------------------------------

  var POLICY_FLAGS = ["customer_asks", "on_anger", "on_flow_failure"];
  var POLICY_COUNTS = ["not_understood_in_row", "anxious_in_row"];

  function fillHandoff(s) {
    var p = s.handoff_policy || {};
    POLICY_FLAGS.forEach(function (k) { $("#handoff-" + k).checked = !!p[k]; });
    POLICY_COUNTS.forEach(function (k) { $("#handoff-" + k).value = p[k] == null ? "" : String(p[k]); });
    $("#handoff-max_wait_minutes").value = p.max_wait_minutes == null ? "" : String(p.max_wait_minutes);
    $("#handoff-vip_tags").value = (p.vip_tags || []).join(", ");
  }

  function saveHandoff(ev) {
    ev.preventDefault();
    if (!admin) return;
    var policy = {};
    POLICY_FLAGS.forEach(function (k) { policy[k] = $("#handoff-" + k).checked; });
    var bad = null;
    POLICY_COUNTS.forEach(function (k) {
      var input = $("#handoff-" + k);
      var text = input.value.trim();
      var n = /^\d{1,2}$/.test(text) ? parseInt(text, 10) : -1;
      if (n < 0 || n > 20 || input.validity.badInput) bad = bad || input;
      else policy[k] = n;
    });
    if (bad) {
      K.showError($("#handoff-error"), t("set.handoff.badCount"));
      bad.focus();
      return;
    }
    var wait = $("#handoff-max_wait_minutes");
    var minutes = /^\d{1,3}$/.test(wait.value.trim()) ? parseInt(wait.value.trim(), 10) : -1;
    if (minutes < 0 || minutes > 240 || wait.validity.badInput) {
      K.showError($("#handoff-error"), t("set.handoff.badWait"));
      wait.focus();
      return;
    }
    policy.max_wait_minutes = minutes;
    policy.vip_tags = $("#handoff-vip_tags").value.split(/[,，、\n]/).map(function (s) { return s.trim(); })
      .filter(function (s, i, all) { return s && all.indexOf(s) === i; });
    patchSection("handoff", { handoff_policy: policy }, fillHandoff);
  }

  // --- service hours --------------------------------------------------------------------------

  function browserZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || "Asia/Shanghai"; } catch (e) { return "Asia/Shanghai"; }
  }

  function fillHours(s) {
    var h = s.service_hours || {};
    var set = !!(h.open && h.close);
    // Never set: suggest the hours the bot already quotes ("09:00-22:00"), every day, this computer's zone.
    var quoted = /^(\d\d:\d\d)\s*[-–~至]\s*(\d\d:\d\d)$/.exec(((s.facts || {}).service_hours || (s.fact_defaults || {}).service_hours || "").trim());
    var days = set ? h.days || [] : [0, 1, 2, 3, 4, 5, 6];
    $("#hours-always").checked = !set;
    $("#hours-set").checked = set;
    var boxes = document.querySelectorAll("#hours-days input");
    for (var i = 0; i < boxes.length; i++) boxes[i].checked = days.indexOf(parseInt(boxes[i].value, 10)) >= 0;
    $("#hours-open").value = set ? h.open : (quoted ? quoted[1] : "09:00");
    // A time box cannot show 24:00; 00:00 as the closing time means the same (until midnight).
    $("#hours-close").value = set ? (h.close === "24:00" ? "00:00" : h.close) : (quoted ? quoted[2] : "22:00");
    $("#hours-timezone").value = set ? h.timezone : browserZone();
    syncHours();
  }

  function syncHours() {
    $("#hours-fields").disabled = !admin || !$("#hours-set").checked;
  }

  function saveHours(ev) {
    ev.preventDefault();
    if (!admin) return;
    if ($("#hours-always").checked) {
      patchSection("hours", { service_hours: null }, fillHours);
      return;
    }
    var days = [];
    var boxes = document.querySelectorAll("#hours-days input");
    for (var i = 0; i < boxes.length; i++) if (boxes[i].checked) days.push(parseInt(boxes[i].value, 10));
    var open = $("#hours-open").value, close = $("#hours-close").value, zone = $("#hours-timezone").value.trim();
    var error = !days.length ? ["set.hours.noDays", boxes[0]] : !open ? ["set.hours.badTime", $("#hours-open")]
      : !close ? ["set.hours.badTime", $("#hours-close")] : !zone ? ["set.hours.noZone", $("#hours-timezone")] : null;
    if (error) {
      K.showError($("#hours-error"), t(error[0]));
      error[1].focus();
      return;
    }
    patchSection("hours", { service_hours: { timezone: zone, days: days, open: open.slice(0, 5),
      close: close.slice(0, 5) } }, fillHours);
  }

  function buildHours() {
    var days = $("#hours-days");
    for (var d = 0; d < 7; d++) {
      days.appendChild(el("label", { className: "check" }, [
        el("input", { type: "checkbox", value: String(d), id: "hours-day-" + d }),
        el("span", { "data-i18n": "set.hours.day." + d, text: t("set.hours.day." + d) })
      ]));
    }
    var zones = [];
    try { zones = Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : []; } catch (e) { zones = []; }
    var list = $("#hours-zones");
    (zones.length ? zones : ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo", "UTC"])
      .forEach(function (z) { list.appendChild(el("option", { value: z })); });
    ["#hours-always", "#hours-set"].forEach(function (s) {
      $(s).addEventListener("change", function () {
        $("#hours-saved").hidden = true;
        syncHours();
      });
    });
  }

  // --- order system ---------------------------------------------------------------------------

  function fillCommerce(s) {
    var own = !!s.commerce_url;
    $("#commerce-builtin").checked = !own;
    $("#commerce-own").checked = own;
    $("#commerce-url").value = s.commerce_url || "";
    // The secret is shown to admins only; agents get null.
    $("#commerce-secret-field").hidden = s.commerce_secret == null;
    $("#commerce-secret").value = s.commerce_secret || "";
    syncCommerce();
  }

  function syncCommerce() {
    $("#commerce-fields").disabled = !admin || !$("#commerce-own").checked;
  }

  function saveCommerce(ev) {
    ev.preventDefault();
    if (!admin) return;
    if ($("#commerce-builtin").checked) {
      patchSection("commerce", { commerce_url: "" }, fillCommerce);
      return;
    }
    var url = $("#commerce-url").value.trim();
    var secret = $("#commerce-secret").value.trim();
    var error = !url ? ["set.commerce.urlRequired", $("#commerce-url")]
      : !/^https?:\/\/\S+$/i.test(url) ? ["set.commerce.badUrl", $("#commerce-url")]
      : !/^[\x21-\x7e]*$/.test(secret) ? ["set.commerce.badSecret", $("#commerce-secret")] : null;
    if (error) {
      K.showError($("#commerce-error"), t(error[0]));
      error[1].focus();
      return;
    }
    patchSection("commerce", { commerce_url: url, commerce_secret: secret }, fillCommerce);
  }

  function initExtras() {
    buildHours();
    $("#facts-form").addEventListener("submit", saveFacts);
    $("#handoff-form").addEventListener("submit", saveHandoff);
    $("#hours-form").addEventListener("submit", saveHours);
    $("#commerce-form").addEventListener("submit", saveCommerce);
    ["#commerce-builtin", "#commerce-own"].forEach(function (s) {
      $(s).addEventListener("change", function () {
        $("#commerce-saved").hidden = true;
        syncCommerce();
      });
    });
    $("#commerce-reveal").addEventListener("click", function () {
      var input = $("#commerce-secret");
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      this.setAttribute("aria-pressed", show ? "true" : "false");
      this.setAttribute("data-i18n", show ? "set.identity.hide" : "set.identity.reveal");
      this.textContent = t(show ? "set.identity.hide" : "set.identity.reveal");
    });
    ["facts", "handoff", "hours", "commerce"].forEach(function (prefix) {
      $("#" + prefix + "-form").addEventListener("input", function () { $("#" + prefix + "-saved").hidden = true; });
    });
    var feet = document.querySelectorAll(".admin-foot");
    for (var i = 0; i < feet.length; i++) feet[i].hidden = !admin;
    if (!admin) {
      var inputs = document.querySelectorAll("#handoff-form input, #hours-form input, #commerce-form input");
      for (var j = 0; j < inputs.length; j++) inputs[j].disabled = true;
    }
  }

  function fillExtras(s) {
    fillFacts(s);
    fillHandoff(s);
    fillHours(s);
    fillCommerce(s);
  }

  // --- wiring ---------------------------------------------------------------------------------

  function init() {
    K.boot("settings").then(function () {
      admin = K.isAdmin();
      $("#set-readonly").hidden = admin;
      $("#set-foot").hidden = !admin;
      ["#set-name", "#set-bot-name", "#set-locale", "#set-greeting-zh", "#set-greeting-en", "#set-answer-threshold",
        "#set-clarify-threshold"].forEach(function (s) {
        $(s).disabled = !admin;
      });

      $("#widget-copy-slot").appendChild(K.copyButton(snippetText, "widget-copy"));
      $("#identity-copy-slot").appendChild(K.copyButton(function () { return settings.identity_secret; },
        "identity-copy"));
      $("#key-copy-slot").appendChild(K.copyButton(function () { return $("#key-new-secret").textContent; },
        "key-copy"));

      $("#set-form").addEventListener("submit", save);
      ["#set-name", "#set-bot-name", "#set-locale", "#set-greeting-zh", "#set-greeting-en", "#set-answer-threshold",
        "#set-clarify-threshold"].forEach(function (s) {
        $(s).addEventListener("input", function () {
          $("#set-saved").hidden = true;
          renderPreview();
        });
      });
      $("#identity-reveal").addEventListener("click", function () {
        revealed = !revealed;
        renderSecret();
      });
      $("#identity-rotate").addEventListener("click", rotate);
      $("#key-form").addEventListener("submit", createKey);
      initExtras();

      K.onLangChange(function () {
        if (!settings) return;
        renderPreview();
        renderSecret();
        renderKeys();
      });

      return K.api("GET", "/settings").then(function (s) {
        fill(s);
        fillExtras(s);
        $("#set-loading").hidden = true;
        $("#set-content").hidden = false;
        if (admin) {
          $("#set-keys").hidden = false;
          loadKeys();
        }
      }, function (err) {
        $("#set-loading").hidden = true;
        var box = el("div", { className: "alert alert-error", role: "alert", text: K.errorText(err) });
        $("main").appendChild(box);
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
