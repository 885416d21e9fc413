/*!
 * kefu chat widget loader.
 *
 * A shop pastes one tag:
 *   <script src="https://HOST/widget.js" data-key="pk_..." async></script>
 * Optional attributes:
 *   data-locale="zh|en"          UI language (default: the browser's language, zh* -> zh, else en)
 *   data-customer-token="<JWT>"  the shop-signed identity of a logged-in customer (sent to the chat frame
 *                                by postMessage, never in a URL)
 *   data-open="true"             open the chat as soon as the page loads
 *   data-product-sku="MUG-350"   the product this page shows: the bot answers questions about it
 *
 * It adds a launcher button and, once the chat is first opened, an iframe served by kefu. The page gets
 * window.kefu = {open(), close(), toggle(), setContext({productSku, pageUrl})}. All styling is set through the CSSOM (element.style), so the
 * loader works even on pages whose Content-Security-Policy forbids inline styles.
 */
(function () {
  "use strict";

  if (window.kefu && window.kefu.__loaded) return;

  var script = document.currentScript;
  if (!script) {
    var candidates = document.querySelectorAll("script[data-key][src]");
    for (var i = 0; i < candidates.length; i++) {
      if (/\/widget\.js(\?|#|$)/.test(candidates[i].src)) { script = candidates[i]; break; }
    }
  }
  if (!script) return;

  var key = script.getAttribute("data-key") || "";
  if (!key) {
    if (window.console) console.warn("kefu: the widget script needs data-key=\"pk_...\"");
    return;
  }
  var ORIGIN = new URL(script.src, location.href).origin;
  var token = script.getAttribute("data-customer-token") || "";
  var autoOpen = script.getAttribute("data-open") === "true";
  var context = { productSku: script.getAttribute("data-product-sku") || "", pageUrl: location.href };

  var PREF_LOCALE = "kefu:locale:" + key;   // the customer's choice from the 中/EN toggle
  var PREF_WAITING = "kefu:waiting:" + key; // waiting for or talking to a person: reconnect in the background

  function store(name, value) {
    try {
      if (value === undefined) return window.localStorage.getItem(name);
      if (value === null) window.localStorage.removeItem(name);
      else window.localStorage.setItem(name, value);
    } catch (e) { /* storage blocked: the widget still works for this page view */ }
    return null;
  }

  function pickLocale() {
    var chosen = store(PREF_LOCALE);
    if (chosen === "zh" || chosen === "en") return chosen;
    var attr = (script.getAttribute("data-locale") || "").toLowerCase();
    if (attr === "zh" || attr === "en") return attr;
    var nav = (navigator.language || (navigator.languages && navigator.languages[0]) || "").toLowerCase();
    return nav.indexOf("zh") === 0 ? "zh" : "en";
  }

  var locale = pickLocale();
  var LABELS = {
    zh: { open: "在线客服", close: "关闭客服窗口", title: "在线客服" },
    en: { open: "Chat with us", close: "Close chat", title: "Customer service chat" }
  };

  var Z = "2147483000";
  var phone = window.matchMedia ? window.matchMedia("(max-width: 480px)") : { matches: false };
  var isOpen = false;
  var frame = null;
  var frameReady = false;
  var unread = 0;
  var savedOverflow = null;

  function css(el, styles) {
    for (var k in styles) if (Object.prototype.hasOwnProperty.call(styles, k)) el.style.setProperty(k, styles[k]);
  }

  function svg(paths, size) {
    var NS = "http://www.w3.org/2000/svg";
    var el = document.createElementNS(NS, "svg");
    el.setAttribute("viewBox", "0 0 24 24");
    el.setAttribute("width", size);
    el.setAttribute("height", size);
    el.setAttribute("aria-hidden", "true");
    el.setAttribute("focusable", "false");
    for (var i = 0; i < paths.length; i++) {
      var p = document.createElementNS(NS, "path");
      p.setAttribute("d", paths[i]);
      p.setAttribute("fill", "none");
      p.setAttribute("stroke", "currentColor");
      p.setAttribute("stroke-width", "2");
      p.setAttribute("stroke-linecap", "round");
      p.setAttribute("stroke-linejoin", "round");
      el.appendChild(p);
    }
    css(el, { display: "block", "flex-shrink": "0" });
    return el;
  }

  // --- the launcher ----------------------------------------------------------------------------------

  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.id = "kefu-launcher";
  launcher.setAttribute("aria-haspopup", "dialog");
  launcher.setAttribute("aria-expanded", "false");
  css(launcher, {
    position: "fixed", right: "20px", bottom: "20px", "z-index": Z,
    display: "flex", "align-items": "center", gap: "8px",
    height: "52px", padding: "0 20px 0 16px", margin: "0",
    border: "0", "border-radius": "26px", cursor: "pointer",
    background: "#1f6feb", color: "#fff",
    font: "600 15px/1 -apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', " +
          "'Microsoft YaHei', 'Noto Sans CJK SC', 'Noto Sans SC', sans-serif",
    "letter-spacing": "0", "text-transform": "none",
    "box-shadow": "0 6px 20px rgba(15, 40, 90, .28)",
    transition: "transform .15s ease, box-shadow .15s ease, background .15s ease",
    "-webkit-tap-highlight-color": "transparent"
  });
  var chatIcon = svg(["M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.6A8 8 0 1 1 21 12z", "M8.5 12h.01M12 12h.01M15.5 12h.01"], "22");
  var closeIcon = svg(["M6 6l12 12M18 6L6 18"], "22");
  closeIcon.style.display = "none";
  var launcherText = document.createElement("span");
  var badge = document.createElement("span");
  css(badge, {
    position: "absolute", top: "-4px", right: "-4px", "min-width": "20px", height: "20px",
    padding: "0 6px", "box-sizing": "border-box", "border-radius": "10px",
    background: "#e5484d", color: "#fff", border: "2px solid #fff",
    font: "700 11px/16px -apple-system, BlinkMacSystemFont, 'Segoe UI', sans-serif", "text-align": "center",
    display: "none"
  });
  launcher.appendChild(chatIcon);
  launcher.appendChild(closeIcon);
  launcher.appendChild(launcherText);
  launcher.appendChild(badge);
  launcher.addEventListener("mouseenter", function () {
    css(launcher, { transform: "translateY(-2px)", "box-shadow": "0 10px 24px rgba(15, 40, 90, .32)" });
  });
  launcher.addEventListener("mouseleave", function () {
    css(launcher, { transform: "none", "box-shadow": "0 6px 20px rgba(15, 40, 90, .28)" });
  });
  launcher.addEventListener("click", function () { if (isOpen) close(); else open(); });

  function renderLauncher() {
    var t = LABELS[locale];
    launcherText.textContent = isOpen ? "" : t.open;
    launcherText.style.display = isOpen ? "none" : "inline";
    chatIcon.style.display = isOpen ? "none" : "block";
    closeIcon.style.display = isOpen ? "block" : "none";
    launcher.setAttribute("aria-label", isOpen ? t.close : t.open);
    launcher.title = isOpen ? t.close : t.open;
    launcher.setAttribute("aria-expanded", isOpen ? "true" : "false");
    css(launcher, isOpen
      ? { width: "52px", padding: "0", "justify-content": "center" }
      : { width: "auto", padding: "0 20px 0 16px", "justify-content": "flex-start" });
    // On a phone the open chat covers the whole screen and has its own close button.
    launcher.style.display = isOpen && phone.matches ? "none" : "flex";
    badge.textContent = unread <= 0 ? "" : unread > 99 ? "99+" : String(unread);
    badge.style.display = unread > 0 && !isOpen ? "block" : "none";
    if (frame) frame.title = t.title;
  }

  // --- the chat frame --------------------------------------------------------------------------------

  function layoutFrame() {
    if (!frame) return;
    if (phone.matches) {
      css(frame, {
        top: "0", left: "0", right: "0", bottom: "0", width: "100%", height: "100%",
        "max-height": "none", "border-radius": "0", "box-shadow": "none"
      });
    } else {
      css(frame, {
        top: "auto", left: "auto", right: "20px", bottom: "84px", width: "380px", height: "600px",
        "max-width": "calc(100vw - 40px)", "max-height": "calc(100vh - 104px)",
        "border-radius": "16px", "box-shadow": "0 12px 48px rgba(15, 30, 60, .25)"
      });
    }
    frame.style.display = isOpen ? "block" : "none";
    // A full-screen chat on a phone should not let the shop page scroll underneath it.
    var root = document.documentElement;
    if (isOpen && phone.matches) {
      if (savedOverflow === null) savedOverflow = root.style.overflow;
      root.style.overflow = "hidden";
    } else if (savedOverflow !== null) {
      root.style.overflow = savedOverflow;
      savedOverflow = null;
    }
  }

  function ensureFrame() {
    if (frame) return frame;
    frame = document.createElement("iframe");
    frame.id = "kefu-frame";
    frame.src = ORIGIN + "/widget/frame?key=" + encodeURIComponent(key) + "&locale=" + encodeURIComponent(locale) +
      "&embed=1";
    frame.setAttribute("allow", "clipboard-write");
    frame.setAttribute("referrerpolicy", "origin");
    css(frame, {
      position: "fixed", "z-index": Z, border: "0", margin: "0", padding: "0",
      background: "#fff", "color-scheme": "light", display: "none", overflow: "hidden"
    });
    layoutFrame();
    renderLauncher();
    (document.body || document.documentElement).appendChild(frame);
    return frame;
  }

  function tell(message) {
    if (frame && frameReady && frame.contentWindow) frame.contentWindow.postMessage(message, ORIGIN);
  }

  function open() {
    ensureFrame();
    isOpen = true;
    unread = 0;
    layoutFrame();
    renderLauncher();
    tell({ type: "kefu:visible", visible: true });
  }

  function close() {
    isOpen = false;
    layoutFrame();
    renderLauncher();
    tell({ type: "kefu:visible", visible: false });
    try { launcher.focus({ preventScroll: true }); } catch (e) { /* old browsers */ }
  }

  window.addEventListener("message", function (event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== ORIGIN) return;
    var data = event.data;
    if (!data || typeof data !== "object") return;
    switch (data.type) {
      case "kefu:ready":
        frameReady = true;
        // The identity token goes only to the kefu origin, and only by message (never in a URL).
        frame.contentWindow.postMessage({ type: "kefu:init", token: token || null, visible: isOpen,
          context: context }, ORIGIN);
        break;
      case "kefu:close":
        close();
        break;
      case "kefu:unread":
        if (!isOpen) { unread = Math.max(0, data.count | 0); renderLauncher(); }
        break;
      case "kefu:conversation":
        // Only a conversation with (or waiting for) a person is worth a background connection on later pages.
        store(PREF_WAITING, data.status === "queued" || data.status === "with_agent" ? "1" : null);
        break;
      case "kefu:locale":
        if (data.locale === "zh" || data.locale === "en") {
          locale = data.locale;
          store(PREF_LOCALE, locale);
          renderLauncher();
        }
        break;
    }
  });

  function onViewportChange() { layoutFrame(); renderLauncher(); }
  if (phone.addEventListener) phone.addEventListener("change", onViewportChange);
  else if (phone.addListener) phone.addListener(onViewportChange);

  function mount() {
    renderLauncher();
    (document.body || document.documentElement).appendChild(launcher);
    if (autoOpen) open();
    else if (store(PREF_WAITING) === "1") ensureFrame(); // reconnect quietly so a person's reply raises the badge
  }

  // A single-page shop tells the chat which product is shown now: kefu.setContext({productSku: "MUG-350"}).
  function setContext(c) {
    c = c || {};
    context = { productSku: typeof c.productSku === "string" ? c.productSku : "",
      pageUrl: typeof c.pageUrl === "string" ? c.pageUrl : location.href };
    tell({ type: "kefu:context", context: context });
  }

  window.kefu = { open: open, close: close, toggle: function () { if (isOpen) close(); else open(); },
    setContext: setContext, __loaded: true };

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
