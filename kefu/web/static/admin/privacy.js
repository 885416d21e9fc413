/** The settings page's personal-data card: how long transcripts are kept, and whether agents see contacts. */
import { pageStrings } from "./locale.js";

const K = window.KefuAdmin;
const $ = (sel) => document.querySelector(sel);

function fill(s) {
  $("#privacy-retention").value = String(s.retention_days || 0);
  $("#privacy-contacts").checked = !!s.agents_see_contacts;
}

async function save(ev, tr) {
  ev.preventDefault();
  const days = Number($("#privacy-retention").value);
  const error = $("#privacy-error");
  K.showError(error, null);
  if (!Number.isInteger(days) || days < 0 || days > 3650) {
    K.showError(error, tr("retentionBad"));
    return;
  }
  const button = $("#privacy-save");
  button.disabled = true;
  $("#privacy-saved").hidden = true;
  try {
    fill(await K.api("PATCH", "/settings", { retention_days: days, agents_see_contacts: $("#privacy-contacts").checked }));
    $("#privacy-saved").hidden = false;
  } catch (err) {
    K.showError(error, err); // the form keeps what was typed
  } finally {
    button.disabled = false;
  }
}

async function init() {
  const { tr, apply } = await pageStrings("privacy");
  apply();
  K.onLangChange(() => apply());
  const [me, settings] = await Promise.all([K.api("GET", "/auth/me"), K.api("GET", "/settings")]);
  fill(settings);
  const admin = me.user.role === "owner" || me.user.role === "admin";
  $("#privacy-retention").disabled = !admin;
  $("#privacy-contacts").disabled = !admin;
  $("#privacy-form").addEventListener("submit", (ev) => save(ev, tr));
}

init().catch((err) => K.showError($("#privacy-error"), err));
