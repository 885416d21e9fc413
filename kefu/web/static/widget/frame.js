/*
 * kefu chat frame: the customer's side of the conversation, served at /widget/frame?key=pk_...&locale=zh|en.
 *
 * Talks to /api/v1/widget/ws (protocol in kefu/channels/widget.py). Every piece of message text is put in
 * the page with textContent, never as markup. Messages the customer sends wait in an outbox (kept in
 * localStorage) until the server acknowledges them; after a reconnect they are resent with the same
 * client_id, which the server stores only once.
 *
 * Embedded by widget.js, the frame says {type:"kefu:ready"} to its parent and waits for
 * {type:"kefu:init", token} (the shop's identity token for a logged-in customer) before connecting.
 *
 * When a conversation ends the server posts a system message with payload {type:"rating_request"}; the frame
 * shows 1–5 stars and a comment box under it and sends {type:"rate", conversation_id, score, comment}, answered
 * by {type:"rated"} or an error frame. The "ready" frame's pending_rating names an ended conversation still
 * waiting for its rating, so the card is back after a reload until the customer rates.
 *
 * While the customer waits for a person a queue card below the latest message shows their place and estimated
 * wait; it is updated in place by {type:"queue"} frames (and the ready frame's conversation.queue), never as a
 * new line. A system message may carry buttons: "leave_message" sends {type:"leave_message"} (the bot takes a
 * message; the chat leaves the queue once it is left).
 *
 * Photos and files (the attach button, or an image pasted into the input) go by HTTP, not the socket:
 * POST /api/v1/widget/attachments with the same credentials as the hello frame in X-Kefu-* headers. They wait in
 * memory (not localStorage) until the socket is ready, show their upload progress, and come back as a customer
 * message with payload {type:"attachment", kind, url, …}. Stored images are fetched with those headers and shown
 * from a blob: URL; only kefu's own /api/v1/attachments/<id> addresses are ever fetched.
 */
(function () {
  "use strict";

  var MAX_CHARS = 2000;
  var BACKOFF_MAX_MS = 5000;
  var PING_EVERY_MS = 25000;
  var PONG_WAIT_MS = 10000;
  var INIT_WAIT_MS = 3000;
  var READY_WAIT_MS = 15000;
  var MAX_UPLOAD_BYTES = 10 * 1024 * 1024; // until the config says otherwise
  var ATTACHMENT_URL = /^\/api\/v1\/attachments\/\d+$/;

  var TEXT = {
    zh: {
      title: "在线客服",
      close: "关闭",
      connecting: "连接中…",
      reconnecting: "重新连接中…",
      offline: "无法连接客服",
      handoff: "转人工",
      handoffTitle: "联系人工客服",
      placeholder: "请输入您的问题…",
      inputLabel: "输入消息",
      send: "发送",
      newer: "有新消息 ↓",
      powered: "由 kefu 提供",
      bot: "机器人",
      agent: "人工客服",
      agentName: "客服",
      details: "查看详情",
      you: "我",
      sending: "发送中…",
      queuedOffline: "等待网络，恢复后自动发送",
      retrying: "稍后自动重试",
      failed: "未发送",
      subtitleBot: "智能客服机器人「{bot}」为您服务",
      subtitleBotNoName: "智能客服机器人为您服务",
      subtitleQueued: "正在为您转接人工客服…",
      subtitleAgent: "人工客服为您服务中",
      subtitleClosed: "对话已结束",
      closedNote: "本次对话已结束。发送新消息将开始新的对话。",
      tooLong: "消息不能超过 {max} 字（当前 {n} 字），请删减后再发送。",
      tooLongServer: "消息太长了（最多 {max} 字），未能发送。",
      empty: "不能发送空消息。",
      rateLimited: "发送太频繁了，请稍等几秒，消息会自动重发。",
      unknownKey: "该店铺的在线客服暂不可用（店铺密钥无效）。",
      badIdentity: "无法确认您的登录身份（可能已过期），请刷新页面或重新登录后再试。",
      serverError: "出错了：{message}",
      switchLang: "Switch to English",
      rateTitle: "为本次服务打分",
      rateEarlier: "您刚才的对话已结束，欢迎为我们的服务打分。",
      rateStars: "星级",
      rateStar: "{n} 星",
      rate1: "非常不满意",
      rate2: "不满意",
      rate3: "一般",
      rate4: "满意",
      rate5: "非常满意",
      rateComment: "还有什么想对我们说的？（选填）",
      rateCommentLabel: "评价内容",
      rateSubmit: "提交评价",
      rateSending: "提交中…",
      ratePick: "请先选择星级。",
      rateOffline: "网络未连接，请稍后再提交。",
      rateFailed: "评价没有提交成功：{message}",
      rateThanks: "感谢您的评价！",
      rateThanksNext: "如需继续咨询，直接发送消息即可开始新的对话。",
      rateGiven: "您的评分：{n} 星",
      queueTitle: "排队等待人工客服",
      queueWaiting: "正在为您排队…",
      queuePlace: "您前面还有 {ahead} 位，当前排在第 {position} 位",
      queueEta: "预计等待{eta}",
      queueEtaUnknown: "暂时无法估计等待时间",
      etaSoon: "不到 1 分钟",
      etaMinutes: "约 {n} 分钟",
      attach: "发送图片或文件",
      uploading: "上传中 {pct}%",
      image: "图片",
      imageOpen: "点击查看大图",
      imageUnavailable: "图片无法显示",
      fileTooLarge: "文件太大了（最大 {max} MB），请换一个或压缩后再发送。",
      fileType: "只能发送图片（JPG、PNG、WebP、GIF）或 PDF 文件。",
      fileHeic: "暂不支持 HEIC 格式的照片。请在 iPhone“设置 → 相机 → 格式”中选择“兼容性最佳”，或发送截图。",
      fileDamaged: "这张图片已损坏或不完整，无法发送。",
      fileEmpty: "文件是空的，没有发送。",
      imageTooLarge: "图片尺寸太大了，请缩小后再发送。",
      uploadFailed: "上传失败，请检查网络后重新选择文件。"
    },
    en: {
      title: "Customer service",
      close: "Close",
      connecting: "Connecting…",
      reconnecting: "Reconnecting…",
      offline: "Cannot reach customer service",
      handoff: "Talk to a person",
      handoffTitle: "Ask for a human agent",
      placeholder: "Type your question…",
      inputLabel: "Message",
      send: "Send",
      newer: "New messages ↓",
      powered: "Powered by kefu",
      bot: "Bot",
      agent: "Agent",
      agentName: "Agent",
      details: "Details",
      you: "You",
      sending: "Sending…",
      queuedOffline: "Waiting for the connection; will send automatically",
      retrying: "Will retry shortly",
      failed: "Not sent",
      subtitleBot: "{bot} · automated assistant",
      subtitleBotNoName: "Automated assistant",
      subtitleQueued: "Connecting you to a person…",
      subtitleAgent: "You are chatting with a person",
      subtitleClosed: "Conversation ended",
      closedNote: "This conversation has ended. Sending a new message starts a new one.",
      tooLong: "Messages can be at most {max} characters (this one has {n}). Please shorten it.",
      tooLongServer: "That message is too long (at most {max} characters) and was not sent.",
      empty: "You can't send an empty message.",
      rateLimited: "You're sending messages too fast; they'll be resent in a few seconds.",
      unknownKey: "Chat is unavailable for this shop (unknown shop key).",
      badIdentity: "We couldn't confirm your login (it may have expired). Please reload the page or sign in again.",
      serverError: "Something went wrong: {message}",
      switchLang: "切换到中文",
      rateTitle: "How did we do?",
      rateEarlier: "Your last conversation has ended. Please rate our service.",
      rateStars: "Rating",
      rateStar: "{n} star(s)",
      rate1: "Very poor",
      rate2: "Poor",
      rate3: "OK",
      rate4: "Good",
      rate5: "Excellent",
      rateComment: "Anything else you'd like to tell us? (optional)",
      rateCommentLabel: "Comment",
      rateSubmit: "Submit rating",
      rateSending: "Sending…",
      ratePick: "Choose a number of stars first.",
      rateOffline: "Not connected; please try again in a moment.",
      rateFailed: "Your rating was not saved: {message}",
      rateThanks: "Thank you for your feedback!",
      rateThanksNext: "To ask something else, just type a message: it starts a new conversation.",
      rateGiven: "Your rating: {n} star(s)",
      queueTitle: "Waiting for a person",
      queueWaiting: "Finding your place in the queue…",
      queuePlace: "You are number {position} ({ahead} ahead of you)",
      queueEta: "About {eta} to wait",
      queueEtaUnknown: "The wait can't be estimated right now",
      etaSoon: "under a minute",
      etaMinutes: "{n} min",
      attach: "Send a photo or file",
      uploading: "Uploading {pct}%",
      image: "Image",
      imageOpen: "Open full size",
      imageUnavailable: "Image unavailable",
      fileTooLarge: "That file is too large (at most {max} MB). Choose another or make it smaller.",
      fileType: "Only images (JPG, PNG, WebP, GIF) and PDF files can be sent.",
      fileHeic: "HEIC photos aren't supported yet. On iPhone choose Settings → Camera → Formats → Most Compatible, or send a screenshot.",
      fileDamaged: "This image is damaged or incomplete and can't be sent.",
      fileEmpty: "The file is empty and was not sent.",
      imageTooLarge: "The image is too big (too many pixels). Please make it smaller.",
      uploadFailed: "The upload failed. Check your connection and choose the file again."
    }
  };

  // --- small helpers -------------------------------------------------------------------------------

  var params = new URLSearchParams(location.search);
  var KEY = params.get("key") || "";
  var EMBEDDED = window.parent !== window;

  var memory = {};
  var storage = {
    get: function (name) {
      try { return window.localStorage.getItem(name); } catch (e) { return memory[name] || null; }
    },
    set: function (name, value) {
      try { window.localStorage.setItem(name, value); } catch (e) { memory[name] = value; }
    },
    remove: function (name) {
      try { window.localStorage.removeItem(name); } catch (e) { delete memory[name]; }
    }
  };
  var VISITOR_KEY = "kefu:visitor:" + KEY;
  var OUTBOX_KEY = "kefu:outbox:" + KEY;
  var LOCALE_KEY = "kefu:locale";

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) {
      return values && values[name] !== undefined ? String(values[name]) : "";
    });
  }

  function tr(name, values) { return fmt(TEXT[locale][name] || TEXT.zh[name] || name, values); }

  function charCount(text) { return Array.from(text).length; } // the server counts code points

  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function clock(iso) {
    var d = iso ? new Date(iso) : new Date();
    if (isNaN(d.getTime())) return "";
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function tellParent(message) {
    // Nothing secret goes this way (ready, close, unread count, language), so any parent origin may read it.
    if (EMBEDDED) window.parent.postMessage(message, "*");
  }

  // --- state ---------------------------------------------------------------------------------------

  var locale = (function () {
    var chosen = storage.get(LOCALE_KEY);
    if (chosen === "zh" || chosen === "en") return chosen;
    var given = (params.get("locale") || "").toLowerCase();
    if (given === "zh" || given === "en") return given;
    return (navigator.language || "").toLowerCase().indexOf("zh") === 0 ? "zh" : "en";
  })();

  var config = null;             // {shop_name, bot_name, default_locale}
  var token = null;              // identity token from the parent page
  var ws = null;                 // the live socket (null between attempts)
  var ready = false;             // the current socket got its "ready"
  var everReady = false;
  var fatal = false;             // a problem a reconnect cannot fix (unknown shop key)
  var started = false;
  var attempt = 0;
  var reconnectTimer = null;
  var pingTimer = null;
  var pongTimer = null;
  var readyTimer = null;
  var lastError = null;
  var maxId = 0;                 // highest message id seen; sent as "after" on reconnects
  var firstHello = true;         // the first hello of a page load asks for the whole history
  var status = "bot";            // the conversation's status
  var pendingHandoff = false;
  var pendingLeave = false;      // "leave a message" pressed while disconnected: sent on the next ready
  var queueInfo = null;          // {position, ahead, eta_seconds} while waiting for a person
  var queueCard = null;          // the card showing it, kept below the latest message and updated in place
  var visible = !EMBEDDED;
  var unread = 0;
  var rendered = {};             // message id -> element
  var pendingEls = {};           // client_id -> element of a message not yet stored
  var inflight = {};             // client_ids sent on the current socket
  var retryTimers = {};
  var errorTimer = null;
  var outbox = loadOutbox();
  var conversationId = null;     // from the ready frame: where uploads go
  var uploads = [];              // files waiting or uploading: {client_id, file, state, xhr}
  var attachmentUrls = {};       // attachment url -> promise of a blob: URL (fetched once)
  // The rating card: one at a time, for the conversation that asked last.
  var rating = { conversationId: null, node: null, score: 0, state: "idle", rated: {} };
  var MAX_COMMENT = 1000;
  var RATING_ERRORS = { invalid_score: 1, invalid_comment: 1, already_rated: 1, not_closed: 1, not_found: 1,
    invalid_conversation: 1 };

  function loadOutbox() {
    try {
      var items = JSON.parse(storage.get(OUTBOX_KEY) || "[]");
      return Array.isArray(items) ? items.filter(function (i) {
        return i && typeof i.client_id === "string" && typeof i.text === "string";
      }) : [];
    } catch (e) { return []; }
  }

  function saveOutbox() {
    if (outbox.length) storage.set(OUTBOX_KEY, JSON.stringify(outbox));
    else storage.remove(OUTBOX_KEY);
  }

  function inOutbox(clientId) {
    for (var i = 0; i < outbox.length; i++) if (outbox[i].client_id === clientId) return outbox[i];
    return null;
  }

  function dropFromOutbox(clientId) {
    var before = outbox.length;
    outbox = outbox.filter(function (i) { return i.client_id !== clientId; });
    delete inflight[clientId];
    if (outbox.length !== before) saveOutbox();
  }

  // --- elements ------------------------------------------------------------------------------------

  var app = $("kefu-app");
  var logBox = $("kefu-log");
  var list = $("kefu-messages");
  var input = $("kefu-input");
  var sendBtn = $("kefu-send");
  var form = $("kefu-form");
  var handoffBtn = $("kefu-handoff");
  var statusBox = $("kefu-status");
  var statusText = $("kefu-status-text");
  var errorBox = $("kefu-error");
  var counter = $("kefu-counter");
  var notice = $("kefu-notice");
  var newerBtn = $("kefu-newer");
  var titleEl = $("kefu-title");
  var subtitleEl = $("kefu-subtitle");
  var localeBtn = $("kefu-locale");
  var closeBtn = $("kefu-close");
  var attachBtn = $("kefu-attach");
  var fileInput = $("kefu-file");

  // --- language ------------------------------------------------------------------------------------

  function applyLocale() {
    document.documentElement.lang = locale === "zh" ? "zh-CN" : "en";
    var nodes = document.querySelectorAll("[data-i18n]");
    for (var i = 0; i < nodes.length; i++) nodes[i].textContent = tr(nodes[i].getAttribute("data-i18n"));
    nodes = document.querySelectorAll("[data-i18n-placeholder]");
    for (i = 0; i < nodes.length; i++) nodes[i].placeholder = tr(nodes[i].getAttribute("data-i18n-placeholder"));
    nodes = document.querySelectorAll("[data-i18n-label]");
    for (i = 0; i < nodes.length; i++) {
      nodes[i].setAttribute("aria-label", tr(nodes[i].getAttribute("data-i18n-label")));
      nodes[i].title = tr(nodes[i].getAttribute("data-i18n-label"));
    }
    handoffBtn.title = tr("handoffTitle");
    localeBtn.title = tr("switchLang");
    localeBtn.setAttribute("data-locale", locale);
    document.title = config ? config.shop_name + " · " + tr("title") : tr("title");
    if (config) titleEl.textContent = config.shop_name;
    renderSubtitle();
    renderQueue();
    refreshPendingStates();
    refreshRatingTexts();
    checkInput();
  }

  function setLocale(next) {
    if (next === locale) return;
    locale = next;
    storage.set(LOCALE_KEY, locale);
    applyLocale();
    tellParent({ type: "kefu:locale", locale: locale });
  }

  function renderSubtitle() {
    var text;
    if (status === "queued") text = tr("subtitleQueued");
    else if (status === "with_agent") text = tr("subtitleAgent");
    else if (status === "closed") text = tr("subtitleClosed");
    else text = config && config.bot_name ? tr("subtitleBot", { bot: config.bot_name }) : tr("subtitleBotNoName");
    subtitleEl.textContent = text;
    app.setAttribute("data-conversation", status);
  }

  // --- connection state ----------------------------------------------------------------------------

  function setState(state) {
    statusBox.setAttribute("data-state", state);
    var key = state === "open" ? "connecting" : state === "closed" ? "offline" : everReady ? "reconnecting" : "connecting";
    statusText.setAttribute("data-i18n", key);
    statusText.textContent = tr(key);
    refreshPendingStates();
  }

  function showError(text, sticky, kind) {
    clearTimeout(errorTimer);
    errorBox.textContent = text;
    errorBox.setAttribute("data-kind", kind || "");
    errorBox.hidden = false;
    if (!sticky) errorTimer = setTimeout(hideError, 6000);
  }

  function hideError() {
    clearTimeout(errorTimer);
    errorBox.hidden = true;
    errorBox.textContent = "";
    errorBox.setAttribute("data-kind", "");
  }

  function showFatal(text) {
    fatal = true;
    notice.textContent = text;
    notice.hidden = false;
    setState("closed");
    input.disabled = true;
    sendBtn.disabled = true;
    handoffBtn.disabled = true;
    attachBtn.disabled = true;
  }

  function errorText(code, message) {
    switch (code) {
      case "rate_limited": return tr("rateLimited");
      case "message_too_long": return tr("tooLongServer", { max: MAX_CHARS });
      case "empty_message": return tr("empty");
      case "unknown_tenant_key": return tr("unknownKey");
      case "file_too_large": case "request_too_large":
        return tr("fileTooLarge", { max: megabytes(maxUpload()) });
      case "unsupported_file_type": return tr("fileType");
      case "heic_not_supported": return tr("fileHeic");
      case "invalid_image": return tr("fileDamaged");
      case "empty_file": return tr("fileEmpty");
      case "image_too_large": return tr("imageTooLarge");
      default: return tr("serverError", { message: message || code || "?" });
    }
  }

  // --- the socket ----------------------------------------------------------------------------------

  function socketUrl() {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1/widget/ws";
  }

  function connect() {
    if (fatal) return;
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (ws) return;
    setState("connecting");
    var sock;
    try {
      sock = new WebSocket(socketUrl());
    } catch (e) {
      scheduleReconnect();
      return;
    }
    ws = sock;
    ready = false;
    inflight = {};
    lastError = null;
    // A connection that never gets as far as "ready" (a black-holed network, a stuck server) is given up.
    clearTimeout(readyTimer);
    readyTimer = setTimeout(function () { if (ws === sock && !ready) lost(1006); }, READY_WAIT_MS);
    sock.onopen = function () {
      if (ws !== sock) return;
      var hello = { type: "hello", key: KEY, locale: locale, after: firstHello ? 0 : maxId };
      var visitor = storage.get(VISITOR_KEY);
      if (visitor) hello.visitor = visitor;
      if (token) hello.token = token;
      sock.send(JSON.stringify(hello));
    };
    sock.onmessage = function (event) {
      if (ws !== sock) return;
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame === "object") handleFrame(frame, sock);
    };
    sock.onclose = function (event) {
      if (ws !== sock) return;
      lost(event.code);
    };
    sock.onerror = function () { /* a close event follows */ };
  }

  function lost(code, immediate) {
    var sock = ws;
    ws = null;
    ready = false;
    inflight = {};
    stopHeartbeat();
    clearTimeout(readyTimer);
    if (sock) {
      sock.onopen = sock.onmessage = sock.onclose = sock.onerror = null;
      try { sock.close(); } catch (e) { /* already closed */ }
    }
    if (code === 4401 || code === 4400) {
      // A refused hello does not get better by retrying. A refused login token is not quietly swapped for an
      // anonymous chat either (the customer would lose their history without knowing why): say so instead.
      var text = lastError === "unknown_tenant_key" ? tr("unknownKey")
        : lastError === "invalid_identity" ? tr("badIdentity")
        : tr("serverError", { message: lastError || code });
      showFatal(text);
      return;
    }
    if (immediate) { attempt = 0; connect(); } else scheduleReconnect();
  }

  function scheduleReconnect() {
    if (fatal || reconnectTimer) return;
    setState("connecting");
    var base = Math.min(BACKOFF_MAX_MS, 400 * Math.pow(2, attempt));
    var delay = Math.round(base * (0.8 + Math.random() * 0.4));
    attempt = Math.min(attempt + 1, 10);
    reconnectTimer = setTimeout(function () { reconnectTimer = null; connect(); }, Math.min(delay, BACKOFF_MAX_MS));
  }

  function reconnectNow() {
    attempt = 0;
    if (ws) { lost(1000, true); return; }
    connect();
  }

  function startHeartbeat(sock) {
    stopHeartbeat();
    pingTimer = setInterval(function () {
      if (ws !== sock || !ready) return;
      sock.send(JSON.stringify({ type: "ping" }));
      clearTimeout(pongTimer);
      pongTimer = setTimeout(function () { if (ws === sock) lost(1006); }, PONG_WAIT_MS);
    }, PING_EVERY_MS);
  }

  function stopHeartbeat() {
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
  }

  function transmit(frame) {
    if (!ws || !ready) return false;
    try {
      ws.send(JSON.stringify(frame));
      return true;
    } catch (e) {
      return false;
    }
  }

  function flushOutbox() {
    for (var i = 0; i < outbox.length; i++) {
      var item = outbox[i];
      if (inflight[item.client_id] || retryTimers[item.client_id]) continue;
      if (transmit({ type: "message", client_id: item.client_id, text: item.text })) inflight[item.client_id] = true;
    }
    refreshPendingStates();
  }

  function handleFrame(frame, sock) {
    clearTimeout(pongTimer);
    switch (frame.type) {
      case "ready":
        clearTimeout(readyTimer);
        ready = true;
        everReady = true;
        contextSent = null;
        firstHello = false;
        attempt = 0;
        setState("open");
        notice.hidden = true;
        if (typeof frame.visitor === "string" && frame.visitor) storage.set(VISITOR_KEY, frame.visitor);
        if (frame.conversation) {
          conversationId = frame.conversation.id;
          app.setAttribute("data-conversation-id", String(frame.conversation.id));
          queueInfo = frame.conversation.queue || null;
          setStatus(frame.conversation.status);
        }
        var messages = Array.isArray(frame.messages) ? frame.messages : [];
        for (var i = 0; i < messages.length; i++) {
          if (messages[i] && messages[i].client_id) dropFromOutbox(messages[i].client_id);
          addMessage(messages[i], false);
        }
        syncPendingRating(frame.pending_rating);
        scrollToBottom();
        startHeartbeat(sock);
        flushOutbox();
        flushUploads();
        if (pendingHandoff) {
          pendingHandoff = false;
          transmit({ type: "handoff", locale: locale });
        }
        if (pendingLeave) {
          pendingLeave = false;
          transmit({ type: "leave_message", locale: locale });
        }
        sendContext();
        break;
      case "message":
        if (frame.message && frame.message.client_id) dropFromOutbox(frame.message.client_id);
        addMessage(frame.message, true);
        break;
      case "ack":
        if (frame.client_id) dropFromOutbox(frame.client_id);
        addMessage(frame.message, true);
        break;
      case "conversation":
        if (frame.conversation) {
          if (frame.conversation.queue) queueInfo = frame.conversation.queue;
          setStatus(frame.conversation.status);
        }
        break;
      case "queue":
        if (frame.queue && status === "queued") {
          queueInfo = frame.queue;
          renderQueue();
        }
        break;
      case "rated":
        ratingDone();
        break;
      case "error":
        onServerError(frame);
        break;
      case "pong":
        break;
    }
  }

  function onServerError(frame) {
    lastError = frame.code || null;
    if (!ready) return; // a refused hello: the close code that follows decides what to do
    var clientId = typeof frame.client_id === "string" ? frame.client_id : null;
    if (rating.state === "sending" && !clientId && RATING_ERRORS[frame.code]) {
      if (frame.code === "already_rated") ratingDone();
      else ratingFailed(frame.code, frame.message);
      return;
    }
    if (frame.code === "unknown_product" || frame.code === "invalid_context") {
      // The shop's page named a SKU kefu does not know: the customer can still chat; the page's author is told.
      if (window.console) console.warn("kefu: " + (frame.message || frame.code));
      return;
    }
    if (frame.code === "conversation_closed") {
      // The agent closed the conversation: a new hello opens a new one, and the outbox goes there.
      setStatus("closed");
      reconnectNow();
      return;
    }
    if (clientId && inOutbox(clientId)) {
      delete inflight[clientId];
      if (frame.code === "rate_limited") {
        retryTimers[clientId] = setTimeout(function () {
          delete retryTimers[clientId];
          flushOutbox();
        }, 5000);
        markPending(clientId, "retrying");
      } else {
        dropFromOutbox(clientId);
        markPending(clientId, "failed");
      }
    }
    showError(errorText(frame.code, frame.message));
  }

  function setStatus(next) {
    if (next) tellParent({ type: "kefu:conversation", status: next });
    if (next && next !== "queued") queueInfo = null;
    if (!next || next === status) { renderSubtitle(); renderQueue(); return; }
    var was = status;
    status = next;
    renderSubtitle();
    renderQueue();
    if (next === "closed" && was !== "closed") addNote(tr("closedNote"), "closedNote");
  }

  // --- the queue card: place and estimated wait, updated in place as the queue moves ----------------

  function waitText(seconds) {
    if (typeof seconds !== "number") return tr("queueEtaUnknown");
    var span = seconds < 60 ? tr("etaSoon") : tr("etaMinutes", { n: Math.ceil(seconds / 60) });
    return tr("queueEta", { eta: span });
  }

  function renderQueue() {
    if (status !== "queued") {
      if (queueCard && queueCard.parentNode) queueCard.parentNode.removeChild(queueCard);
      queueCard = null;
      return;
    }
    if (!queueCard) {
      queueCard = el("li", "kefu-queue");
      queueCard.setAttribute("role", "status");
      queueCard.setAttribute("aria-live", "polite");
      queueCard.appendChild(el("div", "kefu-queue-title"));
      queueCard.appendChild(el("div", "kefu-queue-place"));
      queueCard.appendChild(el("div", "kefu-queue-eta"));
    }
    var info = queueInfo && typeof queueInfo.position === "number" ? queueInfo : null;
    queueCard.querySelector(".kefu-queue-title").textContent = tr("queueTitle");
    queueCard.querySelector(".kefu-queue-place").textContent = info
      ? tr("queuePlace", { position: info.position, ahead: info.ahead }) : tr("queueWaiting");
    var eta = queueCard.querySelector(".kefu-queue-eta");
    eta.textContent = info ? waitText(info.eta_seconds) : "";
    eta.hidden = !info;
    queueCard.setAttribute("data-position", info ? String(info.position) : "");
    placeQueueCard();
  }

  function placeQueueCard() {
    if (!queueCard) return;
    var wasNear = nearBottom();
    queueCard.setAttribute("data-order", String(maxId + 0.4));
    place(queueCard, maxId + 0.4);
    if (wasNear) scrollToBottom();
  }

  // --- messages ------------------------------------------------------------------------------------

  function orderOf(node) {
    if (node.hasAttribute("data-id") && node.getAttribute("data-id") !== "") return Number(node.getAttribute("data-id"));
    if (node.hasAttribute("data-order")) return Number(node.getAttribute("data-order"));
    return Infinity; // not yet stored: stays at the bottom
  }

  function place(node, order) {
    var after = list.lastElementChild;
    while (after && (after === node || orderOf(after) > order)) after = after.previousElementSibling;
    list.insertBefore(node, after ? after.nextElementSibling : list.firstElementChild);
  }

  function nearBottom() {
    return logBox.scrollHeight - logBox.scrollTop - logBox.clientHeight < 80;
  }

  function scrollToBottom() {
    logBox.scrollTop = logBox.scrollHeight;
    newerBtn.hidden = true;
  }

  function labelFor(m) {
    var label = el("div", "kefu-label");
    if (m.sender === "bot") {
      label.appendChild(el("span", "kefu-name", m.sender_name || (config && config.bot_name) || ""));
      var badge = el("span", "kefu-badge kefu-badge--bot", tr("bot"));
      badge.setAttribute("data-i18n", "bot");
      label.appendChild(badge);
    } else if (m.sender === "agent") {
      var name = el("span", "kefu-name", m.sender_name || tr("agentName"));
      if (!m.sender_name) name.setAttribute("data-i18n", "agentName");
      label.appendChild(name);
      var agentBadge = el("span", "kefu-badge kefu-badge--agent", tr("agent"));
      agentBadge.setAttribute("data-i18n", "agent");
      label.appendChild(agentBadge);
    }
    label.appendChild(el("time", "kefu-time", clock(m.created_at)));
    return label;
  }

  function safeUrl(u) {
    return typeof u === "string" && /^https?:\/\//i.test(u) ? u : null;
  }

  function linkButton(label, url) {
    var a = el("a", "kefu-option kefu-option--link", label);
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  function imageOf(url, cls) {
    // A picture from an http(s) address only, loaded when scrolled into view.
    var src = safeUrl(url);
    if (!src) return null;
    var image = el("img", cls);
    image.src = src;
    image.alt = "";
    image.loading = "lazy";
    return image;
  }

  function richFor(m) {
    // Image and link of a knowledge answer; only http(s) addresses are ever used.
    var payload = m.payload;
    if (!payload || payload.type !== "answer") return null;
    var box = el("div", "kefu-rich");
    var image = imageOf(payload.image_url, "kefu-image");
    if (image) box.appendChild(image);
    var link = safeUrl(payload.link_url);
    if (link) box.appendChild(linkButton(tr("details"), link));
    return box.childNodes.length ? box : null;
  }

  function buttonsFor(m) {
    var payload = m.payload;
    if (!payload || (payload.type !== "buttons" && payload.type !== "answer") || !Array.isArray(payload.buttons) ||
        !payload.buttons.length) return null;
    var box = el("div", "kefu-buttons");
    payload.buttons.forEach(function (b) {
      if (!b || typeof b.label !== "string") return;
      if (safeUrl(b.url)) {
        box.appendChild(linkButton(b.label, b.url));
        return;
      }
      var btn = el("button", "kefu-option", b.label);
      btn.type = "button";
      if (b.action === "handoff") {
        btn.classList.add("kefu-option--handoff");
        btn.addEventListener("click", function () { requestHandoff(); });
      } else if (b.action === "leave_message") {
        btn.classList.add("kefu-option--handoff", "kefu-option--leave");
        btn.addEventListener("click", function () {
          btn.disabled = true;
          requestLeaveMessage();
        });
      } else if (typeof b.value === "string") {
        btn.addEventListener("click", function () { sendText(b.value); });
      } else {
        return;
      }
      box.appendChild(btn);
    });
    return box.childNodes.length ? box : null;
  }

  function cardItems(p) {
    // A product card payload: {type:"product", product} or {type:"products", items:[…≤10]}.
    if (!p) return null;
    if (p.type === "product" && p.product && typeof p.product === "object") return [p.product];
    if (p.type === "products" && Array.isArray(p.items)) {
      var items = p.items.filter(function (c) { return c && typeof c === "object"; }).slice(0, 10);
      return items.length ? items : null;
    }
    return null;
  }

  function str(v) { return typeof v === "string" ? v : ""; }

  function productCard(c) {
    // Every text is set with textContent; images and links only when they are http(s).
    var card = el("div", "kefu-card");
    card.setAttribute("data-sku", str(c.sku));
    var image = imageOf(c.image, "kefu-card-img");
    // A product photo that does not load (the shop's image host is down) is left out rather than shown broken.
    if (image) image.addEventListener("error", function () { image.remove(); });
    if (image) card.appendChild(image);
    var body = el("div", "kefu-card-body");
    body.appendChild(el("div", "kefu-card-title", str(c.title).slice(0, 100)));
    var line = el("div", "kefu-card-line");
    line.appendChild(el("span", "kefu-card-price", str(c.price)));
    var stock = ["in_stock", "low", "out_of_stock"].indexOf(c.stock) >= 0 ? c.stock : "in_stock";
    line.appendChild(el("span", "kefu-card-stock kefu-card-stock--" + stock, str(c.stock_label)));
    body.appendChild(line);
    if (str(c.reason)) body.appendChild(el("div", "kefu-card-reason", str(c.reason).slice(0, 120)));
    var actions = el("div", "kefu-card-actions");
    (Array.isArray(c.actions) ? c.actions : []).slice(0, 3).forEach(function (a) {
      if (!a || !str(a.label)) return;
      if (a.kind === "link" && safeUrl(a.url)) {
        actions.appendChild(linkButton(a.label, a.url));
      } else if (a.kind === "message" && str(a.value)) {
        var ask = el("button", "kefu-option", a.label);
        ask.type = "button";
        ask.addEventListener("click", function () { sendText(a.value); });
        actions.appendChild(ask);
      }
    });
    if (actions.childNodes.length) body.appendChild(actions);
    card.appendChild(body);
    return card;
  }

  function cardsFor(m) {
    var items = cardItems(m.payload);
    if (!items) return null;
    var box = el("div", "kefu-cards" + (items.length > 1 ? " kefu-cards--list" : ""));
    items.forEach(function (c) { box.appendChild(productCard(c)); });
    return box;
  }

  function buildMessage(m) {
    var sender = ["customer", "bot", "agent", "system"].indexOf(m.sender) >= 0 ? m.sender : "system";
    var item = el("li", "kefu-msg kefu-msg--" + sender);
    item.setAttribute("data-sender", sender);
    if (sender === "bot" || sender === "agent") item.appendChild(labelFor(m));
    var attachment = m.payload && m.payload.type === "attachment" ? attachmentView(m.payload, m.preview) : null;
    var cards = sender !== "customer" ? cardsFor(m) : null;
    if (cards) {
      // The text is the fallback for channels without cards: here only the line said above them.
      if (str(m.payload.intro)) item.appendChild(el("div", "kefu-bubble", m.payload.intro));
      item.appendChild(cards);
    } else {
      var bubble = attachment || el("div", "kefu-bubble", typeof m.text === "string" ? m.text : "");
      item.appendChild(bubble);
    }
    if (sender === "bot") {
      var rich = richFor(m);
      if (rich) item.appendChild(rich);
    }
    if (sender === "bot" || sender === "system") {
      var buttons = buttonsFor(m);
      if (buttons) item.appendChild(buttons);
    }
    if (sender === "customer") {
      var meta = el("div", "kefu-meta");
      meta.appendChild(el("time", "kefu-time", clock(m.created_at)));
      meta.appendChild(el("span", "kefu-state"));
      item.appendChild(meta);
    }
    return item;
  }

  function addMessage(m, live) {
    if (!m || typeof m.id !== "number") return;
    if (m.id > maxId) maxId = m.id;
    if (rendered[m.id]) return; // already on screen (history + live events overlap)
    var wasNear = nearBottom();
    var node = m.client_id ? pendingEls[m.client_id] : null;
    if (node) {
      // Our own optimistic message, now stored: give it its id and time.
      delete pendingEls[m.client_id];
      node.classList.remove("is-pending", "is-failed", "is-retrying");
      node.querySelector(".kefu-time").textContent = clock(m.created_at);
      node.querySelector(".kefu-state").textContent = "";
    } else {
      node = buildMessage(m);
    }
    node.setAttribute("data-id", String(m.id));
    rendered[m.id] = node;
    place(node, m.id);
    if (m.sender === "system" && m.payload && m.payload.type === "rating_request") {
      showRating(m.conversation_id, m.id + 0.25, false);
    }
    if (live && m.sender === "system" && m.payload && m.payload.type === "queue" && status === "queued" &&
        typeof m.payload.position === "number") {
      queueInfo = m.payload; // the place the bot just announced, until the queue moves
      renderQueue();
    }
    placeQueueCard();
    if (live && m.sender !== "customer" && !visible) {
      unread += 1;
      tellParent({ type: "kefu:unread", count: unread });
    }
    if (!live || m.sender === "customer" || wasNear) scrollToBottom();
    else newerBtn.hidden = false;
  }

  function addPending(item) {
    if (pendingEls[item.client_id]) return pendingEls[item.client_id];
    var node = buildMessage({ sender: "customer", text: item.text, created_at: item.at ? new Date(item.at).toISOString() : null });
    return showPending(node, item.client_id);
  }

  // A customer message not yet acknowledged by the server: shown at the end, marked until its ack arrives.
  function showPending(node, clientId) {
    node.classList.add("is-pending");
    node.setAttribute("data-client-id", clientId);
    pendingEls[clientId] = node;
    place(node, Infinity);
    markPending(clientId, "pending");
    scrollToBottom();
    return node;
  }

  function markPending(clientId, state) {
    var node = pendingEls[clientId];
    if (!node) return;
    node.classList.toggle("is-failed", state === "failed");
    node.classList.toggle("is-retrying", state === "retrying");
    node.setAttribute("data-state", state);
    var key = state === "failed" ? "failed" : state === "retrying" ? "retrying" : state === "uploading" ? "uploading"
      : ready ? "sending" : "queuedOffline";
    node.querySelector(".kefu-state").textContent = tr(key, { pct: node.getAttribute("data-progress") || "0" });
  }

  function refreshPendingStates() {
    for (var clientId in pendingEls) {
      if (!Object.prototype.hasOwnProperty.call(pendingEls, clientId)) continue;
      markPending(clientId, pendingEls[clientId].getAttribute("data-state") || "pending");
    }
  }

  function addNote(text, i18nKey) {
    var note = el("li", "kefu-note", text);
    if (i18nKey) note.setAttribute("data-i18n", i18nKey);
    note.setAttribute("data-order", String(maxId + 0.5));
    place(note, maxId + 0.5);
    scrollToBottom();
  }

  // --- rating --------------------------------------------------------------------------------------

  /** The ready frame says which ended conversation still waits for a rating (null: none). */
  function syncPendingRating(pending) {
    if (typeof pending === "number" && pending > 0) {
      if (rating.conversationId !== pending || !rating.node) showRating(pending, maxId + 0.25, true);
      else if (rating.state === "sending") sendRating(); // the socket dropped before "rated": send again
    } else if (pending === null && rating.node && rating.state !== "done" && rating.state !== "sending") {
      removeRating(); // rated elsewhere (another tab) or too long ago
    }
  }

  function removeRating() {
    if (rating.node && rating.node.parentNode) rating.node.parentNode.removeChild(rating.node);
    rating.node = null;
    rating.conversationId = null;
    rating.state = "idle";
    rating.score = 0;
  }

  function showRating(conversationId, order, earlier) {
    if (typeof conversationId !== "number" || rating.rated[conversationId]) return;
    if (rating.conversationId === conversationId && rating.node) return;
    removeRating();
    rating.conversationId = conversationId;
    var card = el("li", "kefu-rating");
    card.setAttribute("data-conversation-id", String(conversationId));
    card.setAttribute("data-order", String(order));
    card.setAttribute("data-state", "idle");
    var form = el("form", "kefu-rating-form");
    form.noValidate = true;
    var title = el("p", "kefu-rating-title", tr("rateTitle"));
    title.setAttribute("data-i18n", "rateTitle");
    title.id = "kefu-rating-title-" + conversationId;
    form.appendChild(title);
    if (earlier) {
      var sub = el("p", "kefu-rating-sub", tr("rateEarlier"));
      sub.setAttribute("data-i18n", "rateEarlier");
      form.appendChild(sub);
    }
    var stars = el("div", "kefu-stars");
    stars.setAttribute("role", "radiogroup");
    stars.setAttribute("aria-labelledby", title.id);
    for (var n = 1; n <= 5; n++) stars.appendChild(starOption(n, conversationId));
    stars.addEventListener("mouseleave", function () { paintStars(rating.score); });
    form.appendChild(stars);
    var label = el("p", "kefu-rating-label");
    label.setAttribute("aria-live", "polite");
    form.appendChild(label);
    var commentLabel = el("label", "kefu-visually-hidden", tr("rateCommentLabel"));
    commentLabel.setAttribute("data-i18n", "rateCommentLabel");
    commentLabel.htmlFor = "kefu-rating-comment";
    form.appendChild(commentLabel);
    var comment = el("textarea", "kefu-rating-comment");
    comment.id = "kefu-rating-comment";
    comment.rows = 2;
    comment.maxLength = MAX_COMMENT;
    comment.placeholder = tr("rateComment");
    comment.setAttribute("data-i18n-placeholder", "rateComment");
    form.appendChild(comment);
    var error = el("p", "kefu-rating-error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    form.appendChild(error);
    var submit = el("button", "kefu-rating-submit", tr("rateSubmit"));
    submit.type = "submit";
    submit.setAttribute("data-i18n", "rateSubmit");
    form.appendChild(submit);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (rating.state === "sending") return;
      if (!rating.score) { ratingError(tr("ratePick")); return; }
      sendRating();
    });
    card.appendChild(form);
    rating.node = card;
    place(card, order);
    paintStars(0);
    if (nearBottom() || earlier) scrollToBottom();
  }

  function starOption(n, conversationId) {
    var label = el("label", "kefu-star");
    label.setAttribute("data-score", String(n));
    var radio = el("input", "kefu-visually-hidden");
    radio.type = "radio";
    radio.name = "kefu-score-" + conversationId;
    radio.value = String(n);
    radio.addEventListener("change", function () {
      rating.score = n;
      paintStars(n);
      hideRatingError();
    });
    label.appendChild(radio);
    var icon = el("span", "kefu-star-icon", "★");
    icon.setAttribute("aria-hidden", "true");
    label.appendChild(icon);
    label.appendChild(el("span", "kefu-visually-hidden kefu-star-name", tr("rateStar", { n: n })));
    label.addEventListener("mouseenter", function () { if (rating.state !== "sending") paintStars(n); });
    return label;
  }

  function paintStars(upTo) {
    if (!rating.node) return;
    var stars = rating.node.querySelectorAll(".kefu-star");
    for (var i = 0; i < stars.length; i++) stars[i].classList.toggle("is-on", i < upTo);
    var label = rating.node.querySelector(".kefu-rating-label");
    if (label) label.textContent = upTo ? tr("rate" + upTo) : "";
  }

  function refreshRatingTexts() {
    if (!rating.node) return;
    var names = rating.node.querySelectorAll(".kefu-star-name");
    for (var i = 0; i < names.length; i++) names[i].textContent = tr("rateStar", { n: i + 1 });
    var given = rating.node.querySelector(".kefu-rating-given");
    if (given) given.textContent = tr("rateGiven", { n: rating.score });
    paintStars(rating.score);
  }

  function ratingError(text) {
    var box = rating.node && rating.node.querySelector(".kefu-rating-error");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
  }

  function hideRatingError() {
    var box = rating.node && rating.node.querySelector(".kefu-rating-error");
    if (box) { box.hidden = true; box.textContent = ""; }
  }

  function setRatingState(state) {
    rating.state = state;
    if (!rating.node) return;
    rating.node.setAttribute("data-state", state);
    var busy = state === "sending";
    var controls = rating.node.querySelectorAll("input, textarea, button");
    for (var i = 0; i < controls.length; i++) controls[i].disabled = busy;
    var submit = rating.node.querySelector(".kefu-rating-submit");
    if (submit) {
      submit.setAttribute("data-i18n", busy ? "rateSending" : "rateSubmit");
      submit.textContent = tr(busy ? "rateSending" : "rateSubmit");
    }
  }

  function sendRating() {
    var comment = rating.node.querySelector(".kefu-rating-comment").value.trim();
    hideRatingError();
    setRatingState("sending");
    var sent = transmit({ type: "rate", conversation_id: rating.conversationId, score: rating.score, comment: comment });
    if (!sent) {
      setRatingState("idle");
      ratingError(tr("rateOffline"));
    }
  }

  function ratingDone() {
    if (!rating.node || rating.state === "done") return;
    rating.rated[rating.conversationId] = true;
    setRatingState("done");
    var card = rating.node;
    while (card.firstChild) card.removeChild(card.firstChild);
    var box = el("div", "kefu-rating-thanks");
    var shown = el("p", "kefu-rating-stars-shown", "★★★★★".slice(0, rating.score) + "☆☆☆☆☆".slice(rating.score));
    shown.setAttribute("aria-hidden", "true");
    box.appendChild(shown);
    box.appendChild(el("p", "kefu-visually-hidden kefu-rating-given", tr("rateGiven", { n: rating.score })));
    var thanks = el("p", "kefu-rating-title", tr("rateThanks"));
    thanks.setAttribute("data-i18n", "rateThanks");
    box.appendChild(thanks);
    var next = el("p", "kefu-rating-sub", tr("rateThanksNext"));
    next.setAttribute("data-i18n", "rateThanksNext");
    box.appendChild(next);
    card.appendChild(box);
    if (nearBottom()) scrollToBottom();
  }

  function ratingFailed(code, message) {
    setRatingState("idle");
    ratingError(tr("rateFailed", { message: code === "not_closed" || code === "not_found" ? errorText(code, message)
      : message || code }));
  }

  // --- sending -------------------------------------------------------------------------------------

  function sendText(raw) {
    if (fatal) return false;
    var text = String(raw);
    if (!text.trim()) return false;
    var n = charCount(text);
    if (n > MAX_CHARS) {
      showError(tr("tooLong", { max: MAX_CHARS, n: n }), true, "tooLong");
      return false;
    }
    hideError();
    var item = { client_id: newClientId(), text: text, at: Date.now() };
    outbox.push(item);
    saveOutbox();
    addPending(item);
    flushOutbox();
    return true;
  }

  function requestLeaveMessage() {
    if (fatal) return;
    if (!transmit({ type: "leave_message", locale: locale })) pendingLeave = true;
  }

  function requestHandoff() {
    if (fatal) return;
    handoffBtn.disabled = true;
    setTimeout(function () { if (!fatal) handoffBtn.disabled = false; }, 1500);
    if (!transmit({ type: "handoff", locale: locale })) pendingHandoff = true;
  }

  function checkInput() {
    var n = charCount(input.value);
    var tooLong = n > MAX_CHARS;
    counter.textContent = n > MAX_CHARS * 0.9 ? n + " / " + MAX_CHARS : "";
    counter.classList.toggle("is-over", tooLong);
    input.setAttribute("aria-invalid", tooLong ? "true" : "false");
    sendBtn.disabled = fatal || !input.value.trim() || tooLong;
    if (tooLong) showError(tr("tooLong", { max: MAX_CHARS, n: n }), true, "tooLong");
    else if (errorBox.getAttribute("data-kind") === "tooLong") hideError();
  }

  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 132) + "px";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sendText(input.value)) {
      input.value = "";
      autosize();
      checkInput();
    }
    input.focus();
  });

  input.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.dispatchEvent(new Event("submit", { cancelable: true }));
  });

  input.addEventListener("input", function () { autosize(); checkInput(); });

  handoffBtn.addEventListener("click", requestHandoff);
  localeBtn.addEventListener("click", function () { setLocale(locale === "zh" ? "en" : "zh"); });
  newerBtn.addEventListener("click", scrollToBottom);
  // Stay pinned to the newest message while the log's box changes size (the input grows, an error shows,
  // a phone keyboard opens), unless the customer has scrolled up to read.
  var pinned = true;
  logBox.addEventListener("scroll", function () {
    pinned = nearBottom();
    if (pinned) newerBtn.hidden = true;
  });
  if (window.ResizeObserver) {
    new ResizeObserver(function () { if (pinned) logBox.scrollTop = logBox.scrollHeight; }).observe(logBox);
  }

  if (EMBEDDED) {
    closeBtn.hidden = false;
    closeBtn.addEventListener("click", function () { tellParent({ type: "kefu:close" }); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") tellParent({ type: "kefu:close" });
    });
  }

  function setVisible(next) {
    visible = !!next;
    if (!visible) return;
    unread = 0;
    tellParent({ type: "kefu:unread", count: 0 });
    scrollToBottom();
    var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    if (!coarse && !input.disabled) setTimeout(function () { input.focus({ preventScroll: true }); }, 0);
  }

  // Come back quickly when the network does.
  window.addEventListener("online", function () { if (!ws && started) reconnectNow(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !ws && started && !fatal) reconnectNow();
  });

  // --- photos and files ----------------------------------------------------------------------------

  function maxUpload() { return (config && config.max_upload_bytes) || MAX_UPLOAD_BYTES; }

  function megabytes(n) { return String(Math.round(n / 104857.6) / 10); }

  function fileSize(n) { return n < 1024 * 1024 ? Math.max(1, Math.round(n / 1024)) + " KB" : megabytes(n) + " MB"; }

  /** Who the customer is, for HTTP: the same credentials the hello frame carries. */
  function customerHeaders() {
    var headers = { "X-Kefu-Key": KEY };
    var visitor = storage.get(VISITOR_KEY);
    if (token) headers["X-Kefu-Token"] = token;
    else if (visitor) headers["X-Kefu-Visitor"] = visitor;
    return headers;
  }

  /** A blob: URL for one of kefu's attachment addresses, fetched once with the customer's credentials. */
  function loadAttachment(url) {
    if (!attachmentUrls[url]) {
      attachmentUrls[url] = fetch(url, { headers: customerHeaders(), credentials: "omit" })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.blob();
        })
        .then(function (blob) { return URL.createObjectURL(blob); });
      attachmentUrls[url].catch(function () { delete attachmentUrls[url]; }); // a later render tries again
    }
    return attachmentUrls[url];
  }

  function keepPinned() { if (pinned) logBox.scrollTop = logBox.scrollHeight; }

  /** A photo as a thumbnail (opens full size) or a file as a download link; `preview` is the local copy. */
  function attachmentView(p, preview) {
    var url = typeof p.url === "string" && ATTACHMENT_URL.test(p.url) ? p.url : null;
    var name = typeof p.name === "string" ? p.name : "";
    if (p.kind === "image") {
      var link = el("a", "kefu-bubble kefu-attachment kefu-attachment--image");
      link.target = "_blank";
      link.rel = "noopener";
      link.title = tr("imageOpen");
      var img = el("img", "kefu-attachment-img");
      img.alt = name || tr("image");
      if (p.width > 0 && p.height > 0) img.style.aspectRatio = p.width + " / " + p.height;
      img.addEventListener("load", keepPinned);
      img.addEventListener("error", function () {
        if (img.parentNode === link) link.replaceChild(el("span", "kefu-attachment-missing", name || tr("imageUnavailable")), img);
      });
      link.appendChild(img);
      var show = function (src) { img.src = src; link.href = src; };
      if (preview) show(preview);
      else if (url) {
        loadAttachment(url).then(show, function () {
          if (img.parentNode === link) link.replaceChild(el("span", "kefu-attachment-missing", tr("imageUnavailable")), img);
        });
      }
      return link;
    }
    var file = el("a", "kefu-bubble kefu-attachment kefu-attachment--file");
    file.appendChild(el("span", "kefu-attachment-icon", "📄"));
    file.appendChild(el("span", "kefu-attachment-name", name));
    if (typeof p.size === "number") file.appendChild(el("span", "kefu-attachment-size", fileSize(p.size)));
    file.href = "#";
    file.addEventListener("click", function (event) {
      event.preventDefault();
      if (!url) return;
      loadAttachment(url).then(function (src) {
        var a = document.createElement("a");
        a.href = src;
        a.download = name || "file";
        document.body.appendChild(a);
        a.click();
        a.remove();
      }, function () { showError(tr("uploadFailed")); });
    });
    return file;
  }

  function refuseFile(file) {
    var type = (file.type || "").toLowerCase();
    if (!file.size) return tr("fileEmpty");
    if (file.size > maxUpload()) return tr("fileTooLarge", { max: megabytes(maxUpload()) });
    if (/^image\/hei[cf]/.test(type) || /\.hei[cf]$/i.test(file.name || "")) return tr("fileHeic");
    if (type && type.indexOf("image/") !== 0 && type !== "application/pdf") return tr("fileType");
    return null; // anything else the server decides (it decodes every image)
  }

  function sendFile(file) {
    if (fatal || !file) return;
    var problem = refuseFile(file);
    if (problem) { showError(problem); return; }
    hideError();
    var image = (file.type || "").indexOf("image/") === 0;
    var item = { client_id: newClientId(), file: file, state: "waiting", xhr: null,
      preview: image ? URL.createObjectURL(file) : null };
    var node = buildMessage({ sender: "customer", text: "", created_at: null, preview: item.preview,
      payload: { type: "attachment", kind: image ? "image" : "file", name: file.name || "", size: file.size } });
    showPending(node, item.client_id);
    uploads.push(item);
    flushUploads();
  }

  function flushUploads() {
    uploads.forEach(function (item) {
      if (item.state === "waiting" && ready && conversationId) upload(item);
    });
  }

  function dropUpload(item) {
    uploads = uploads.filter(function (i) { return i !== item; });
  }

  function upload(item) {
    item.state = "uploading";
    var node = pendingEls[item.client_id];
    var progress = function (pct) {
      if (node) node.setAttribute("data-progress", String(pct));
      markPending(item.client_id, "uploading");
    };
    progress(0);
    var form = new FormData();
    form.append("conversation_id", String(conversationId));
    form.append("client_id", item.client_id);
    form.append("file", item.file, item.file.name || "image.png");
    var xhr = item.xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/widget/attachments");
    var headers = customerHeaders();
    Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) progress(Math.min(99, Math.round(100 * event.loaded / event.total)));
    });
    xhr.addEventListener("load", function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON: a proxy's error page */ }
      if (xhr.status >= 200 && xhr.status < 300 && body && body.message) {
        dropUpload(item);
        var p = body.message.payload;
        if (item.preview && p && typeof p.url === "string") attachmentUrls[p.url] = Promise.resolve(item.preview);
        addMessage(body.message, true);
        return;
      }
      var error = (body && body.error) || {};
      if (error.code === "conversation_closed") {
        // Closed meanwhile (idle, or by an agent): the next ready frame brings a new conversation to send it to.
        item.state = "waiting";
        setStatus("closed");
        reconnectNow();
        return;
      }
      if (error.code === "rate_limited") {
        item.state = "retrying";
        markPending(item.client_id, "retrying");
        setTimeout(function () { item.state = "waiting"; flushUploads(); }, 5000);
        showError(errorText(error.code));
        return;
      }
      failUpload(item, errorText(error.code || "http_" + xhr.status, error.message));
    });
    xhr.addEventListener("error", function () { failUpload(item, tr("uploadFailed")); });
    xhr.send(form);
  }

  function failUpload(item, text) {
    dropUpload(item);
    markPending(item.client_id, "failed");
    var node = pendingEls[item.client_id];
    if (node) {
      node.title = text;
      delete pendingEls[item.client_id]; // not sent: it stays on screen as failed, and nothing will adopt it
    }
    showError(text, false, "upload");
  }

  attachBtn.addEventListener("click", function () { if (!fatal) fileInput.click(); });
  fileInput.addEventListener("change", function () {
    var files = Array.prototype.slice.call(fileInput.files || []);
    fileInput.value = ""; // choosing the same file again fires change again
    files.forEach(sendFile);
  });
  input.addEventListener("paste", function (event) {
    var files = event.clipboardData ? Array.prototype.slice.call(event.clipboardData.files || []) : [];
    var images = files.filter(function (f) { return (f.type || "").indexOf("image/") === 0; });
    if (!images.length) return; // text is pasted as usual
    event.preventDefault();
    images.forEach(sendFile);
  });
  // A phone offers its camera for image/* only; a desktop may also send PDFs.
  if (window.matchMedia && window.matchMedia("(pointer: coarse)").matches) fileInput.accept = "image/*";

  // --- start ---------------------------------------------------------------------------------------

  function start() {
    if (started) return;
    started = true;
    connect();
  }

  function loadConfig() {
    if (!KEY) { showFatal(tr("unknownKey")); return; }
    fetch("/api/v1/widget/config?key=" + encodeURIComponent(KEY), { credentials: "omit" })
      .then(function (response) {
        if (response.status === 401 || response.status === 404) { showFatal(tr("unknownKey")); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) return;
        config = data;
        applyLocale();
      })
      .catch(function () { /* the socket's reconnect loop reports being offline */ });
  }

  // The product page the customer is on (data-product-sku, kefu.setContext): sent once per change and after every
  // reconnect, so the bot answers "容量多大" about that product.
  var pageContext = null;
  var contextSent = null;

  function takeContext(c) {
    if (!c || typeof c !== "object") return;
    var sku = typeof c.productSku === "string" ? c.productSku.slice(0, 64) : "";
    var url = typeof c.pageUrl === "string" && /^https?:\/\//.test(c.pageUrl) ? c.pageUrl.slice(0, 500) : "";
    pageContext = { type: "context", product_sku: sku || null, page_url: url || null };
    contextSent = null;
    sendContext();
  }

  function sendContext() {
    if (!pageContext || contextSent === pageContext) return;
    if (transmit(pageContext)) contextSent = pageContext;
  }

  applyLocale();
  // Messages left unsent by an earlier page (e.g. a reload during an outage) wait at the bottom.
  outbox.forEach(addPending);
  loadConfig();

  if (EMBEDDED) {
    window.addEventListener("message", function (event) {
      if (event.source !== window.parent) return;
      var data = event.data;
      if (!data || typeof data !== "object") return;
      if (data.type === "kefu:init" || data.type === "kefu:context") {
        takeContext(data.context);
        if (data.type === "kefu:context") return;
        if (!started && typeof data.token === "string" && data.token) token = data.token;
        if (typeof data.visible === "boolean") setVisible(data.visible);
        start();
      } else if (data.type === "kefu:visible") {
        setVisible(data.visible);
      }
    });
    tellParent({ type: "kefu:ready" });
    setTimeout(start, INIT_WAIT_MS); // a parent that never answers still gets a working chat
  } else {
    start();
  }

  window.__kefuFrame = { // for debugging from the console
    state: function () {
      return { ready: ready, maxId: maxId, outbox: outbox.slice(), status: status, locale: locale,
        rating: { conversationId: rating.conversationId, state: rating.state, score: rating.score } };
    }
  };
})();
