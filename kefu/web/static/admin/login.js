/* kefu admin console: the login page. */
(function () {
  "use strict";
  var K = window.KefuAdmin;
  var t = K.t;

  /** Where to go after logging in: ?next= when it is a path on this site, else the knowledge base. */
  function nextUrl() {
    var next = new URLSearchParams(location.search).get("next") || "";
    if (next.charAt(0) !== "/" || next.charAt(1) === "/" || next.charAt(1) === "\\" ||
        next.indexOf("/admin/login") === 0) {
      return "/admin/knowledge";
    }
    return next;
  }

  function init() {
    K.$("#auth-top").appendChild(K.langToggle());
    K.applyI18n(document);

    // Already logged in: go straight on.
    K.api("GET", "/auth/me", null, { noRedirect: true }).then(function () {
      location.replace(nextUrl());
    }, function () { /* not logged in: stay here */ });

    var form = K.$("#login-form");
    var email = K.$("#email");
    var password = K.$("#password");
    var submit = K.$("#login-submit");
    var errorBox = K.$("#login-error");
    var busy = false;
    var lastError = null;

    function renderErr() {
      K.showError(errorBox, lastError === "required" ? t("login.required") : lastError);
    }
    function showErr(err) {
      lastError = err;
      renderErr();
    }

    K.onLangChange(function () {
      if (!busy) submit.textContent = t("login.submit");
      renderErr();
    });

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (busy) return;
      if (!email.value.trim() || !password.value) {
        showErr("required");
        (email.value.trim() ? password : email).focus();
        return;
      }
      busy = true;
      submit.disabled = true;
      submit.textContent = t("login.submitting");
      showErr(null);
      K.api("POST", "/auth/login", { email: email.value.trim(), password: password.value }, { noRedirect: true })
        .then(function () {
          location.assign(nextUrl());
        }, function (err) {
          busy = false;
          submit.disabled = false;
          submit.textContent = t("login.submit");
          showErr(err);
          password.select();
          password.focus();
        });
    });
    // Tests (and impatient people) wait for this before submitting: the form is handled by script from now on.
    form.dataset.ready = "1";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
