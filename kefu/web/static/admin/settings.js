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
      greeting_zh: $("#set-greeting-zh").value.trim(),
      greeting_en: $("#set-greeting-en").value.trim()
    };
    var missing = !body.name ? $("#set-name") : (!body.bot_name ? $("#set-bot-name") : null);
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

      K.onLangChange(function () {
        if (!settings) return;
        renderPreview();
        renderSecret();
        renderKeys();
      });

      return K.api("GET", "/settings").then(function (s) {
        fill(s);
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
