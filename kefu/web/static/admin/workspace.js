/* kefu agent workspace: a placeholder until the workspace issue lands. It checks the login and points to the
 * conversations in the admin console, where a person can already read, reply to and close conversations. */
(function () {
  "use strict";
  var K = window.KefuAdmin;

  function init() {
    K.boot("workspace").then(function () {
      K.$("#ws-placeholder").hidden = false;
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
