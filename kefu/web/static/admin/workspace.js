/* kefu agent workspace (/workspace): the queue, my chats, one chat at a time with the customer beside it, and for
 * owners and admins a supervisor view (?view=supervisor).
 *
 * Real time comes over the staff socket /api/v1/live/ws: {"type":"ready","user"} then {"type":"event","event"} for
 * message_created, conversation_updated, note_created and agent_updated. The page pings every 20 s (that is the
 * agent's heartbeat), reconnects with backoff and fetches its state again after every (re)connect, so nothing
 * missed while away stays missing. Every text from customers and colleagues is set with textContent.
 */
(function () {
  "use strict";
  var K = window.KefuAdmin;
  var t = K.t, el = K.el, $ = K.$;

  var PING_EVERY_MS = 20000;
  var PONG_WAIT_MS = 10000;
  var BACKOFF_MAX_MS = 15000;
  var RELOAD_DEBOUNCE_MS = 250;
  var DISPOSITIONS = ["resolved", "unresolved", "follow_up", "spam"];

  var me = null;          // /auth/me
  var admin = false;
  var view = "chats";     // chats | supervisor

  // --- small helpers --------------------------------------------------------------------------------

  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /** 75 → "1:15", 3725 → "1:02:05". */
  function clockText(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = h ? (m < 10 ? "0" : "") + m : String(m);
    return (h ? h + ":" : "") + mm + ":" + (r < 10 ? "0" : "") + r;
  }

  function customerName(name, id) {
    return name || t("conv.visitor", { id: id });
  }

  /** Run fn at most once per `ms`, after the last call (several events in a burst → one reload). */
  function coalesce(fn, ms) {
    var timer = null;
    return function () {
      if (timer) return;
      timer = setTimeout(function () { timer = null; fn(); }, ms);
    };
  }

  // --- state --------------------------------------------------------------------------------------------

  var live = { queue: [], agents: [], queue_length: 0, longest_wait_seconds: 0, active_chats: 0, at: 0 };
  var mine = [];              // [{id, customer_id, status, customer_name, last_message, reason}]
  var unread = {};            // conversation id → customer messages not yet seen
  var supChats = [];          // with_agent conversations, for the supervisor
  var groups = [];            // skill groups
  var canned = [];            // canned responses

  var chat = null;            // the open chat: {id, conv, customer, handoff, shown:{}, notes:{}, lastId, used}

  // --- the staff socket ---------------------------------------------------------------------------------

  var sock = { ws: null, attempt: 0, timer: null, ping: null, pong: null, ready: false, everReady: false };

  function socketUrl() {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1/live/ws";
  }

  function setConn(state) {
    var box = $("#ws-conn");
    box.setAttribute("data-state", state);
    var key = state === "open" ? "ws.conn.open" : sock.everReady ? "ws.conn.reconnecting" : "ws.conn.connecting";
    var text = $("#ws-conn-text");
    text.setAttribute("data-i18n", key);
    text.textContent = t(key);
  }

  function connect() {
    clearTimeout(sock.timer);
    sock.timer = null;
    if (sock.ws) return;
    setConn("connecting");
    var ws;
    try {
      ws = new WebSocket(socketUrl());
    } catch (e) {
      scheduleReconnect();
      return;
    }
    sock.ws = ws;
    sock.ready = false;
    ws.onmessage = function (ev) {
      if (sock.ws !== ws) return;
      var frame;
      try { frame = JSON.parse(ev.data); } catch (e) { return; }
      if (frame && typeof frame === "object") onFrame(frame, ws);
    };
    ws.onclose = function (ev) { if (sock.ws === ws) lost(ev.code); };
    ws.onerror = function () { /* a close event follows */ };
  }

  function lost(code) {
    var ws = sock.ws;
    sock.ws = null;
    sock.ready = false;
    clearInterval(sock.ping);
    clearTimeout(sock.pong);
    if (ws) {
      ws.onmessage = ws.onclose = ws.onerror = null;
      try { ws.close(); } catch (e) { /* already closed */ }
    }
    setConn("connecting");
    // Refused for want of a login: api() sends the browser to the login page on the 401 it gets.
    if (code === 4401 || code === 4403 || code === 1008) K.api("GET", "/auth/me").catch(function () {});
    scheduleReconnect();
  }

  function scheduleReconnect() {
    if (sock.timer) return;
    var base = Math.min(BACKOFF_MAX_MS, 500 * Math.pow(2, sock.attempt));
    sock.attempt = Math.min(sock.attempt + 1, 10);
    sock.timer = setTimeout(function () { sock.timer = null; connect(); }, Math.round(base * (0.8 + Math.random() * 0.4)));
  }

  function reconnectNow() {
    sock.attempt = 0;
    if (sock.ws) return;
    clearTimeout(sock.timer);
    sock.timer = null;
    connect();
  }

  function startPing(ws) {
    clearInterval(sock.ping);
    sock.ping = setInterval(function () {
      if (sock.ws !== ws || !sock.ready) return;
      try { ws.send(JSON.stringify({ type: "ping" })); } catch (e) { lost(1006); return; }
      clearTimeout(sock.pong);
      sock.pong = setTimeout(function () { if (sock.ws === ws) lost(1006); }, PONG_WAIT_MS);
    }, PING_EVERY_MS);
  }

  function onFrame(frame, ws) {
    clearTimeout(sock.pong);
    if (frame.type === "ready") {
      sock.ready = true;
      sock.everReady = true;
      sock.attempt = 0;
      setConn("open");
      startPing(ws);
      if (frame.user && frame.user.status) showMyStatus(frame.user.status);
      resync();
    } else if (frame.type === "event" && frame.event) {
      onEvent(frame.event);
    } else if (frame.type === "error") {
      if (frame.code === "session_expired" || frame.code === "unauthorized") K.api("GET", "/auth/me").catch(function () {});
    }
  }

  /** After a (re)connect: everything may have changed while we were away. */
  function resync() {
    loadLive();
    loadMine();
    if (chat) refreshChat();
    if (view === "supervisor") loadSupChats();
  }

  function onEvent(e) {
    switch (e.type) {
      case "message_created": onMessageEvent(e); break;
      case "conversation_updated": onConversationEvent(e); break;
      case "note_created": if (chat && e.conversation_id === chat.id && e.note) addNote(e.note, true); break;
      case "agent_updated":
        if (me && e.user_id === me.user.id && e.status) showMyStatus(e.status);
        reloadLive();
        break;
    }
  }

  function onMessageEvent(e) {
    var m = e.message;
    if (!m) return;
    var cid = e.conversation_id || m.conversation_id;
    if (chat && cid === chat.id) {
      addMessage(m, true);
      if (m.sender === "customer") reloadSuggestions();
    }
    var item = mineItem(cid);
    if (item) {
      item.last_message = m.text;
      var looking = chat && chat.id === cid && document.visibilityState === "visible";
      if (m.sender === "customer" && !looking) unread[cid] = (unread[cid] || 0) + 1;
      renderMine();
    }
    if (view === "supervisor" && supChats.some(function (c) { return c.id === cid; })) reloadSupChats();
  }

  function onConversationEvent(e) {
    var conv = e.conversation;
    if (!conv) return;
    var assigned = e.assigned_user_id !== undefined ? e.assigned_user_id : conv.assigned_user_id;
    if (chat && conv.id === chat.id) {
      var was = chat.conv.status;
      chat.conv = Object.assign({}, chat.conv, conv);
      if (assigned !== undefined) chat.conv.assigned_user_id = assigned;
      renderChatHeader();
      if (was !== conv.status && conv.status === "closed") { renderSuggestions(null); reloadCustomer(); }
    }
    reloadMine();
    reloadLive();
    if (view === "supervisor") reloadSupChats();
  }

  // --- loading ------------------------------------------------------------------------------------------

  var liveSeq = 0;
  function loadLive() {
    var seq = ++liveSeq;
    return K.api("GET", "/live").then(function (data) {
      if (seq !== liveSeq) return;
      live = data;
      live.at = Date.now();
      var mineAgent = me && data.agents.filter(function (a) { return a.id === me.user.id; })[0];
      if (mineAgent) showMyStatus(mineAgent.status);
      renderQueue();
      renderSupervisor();
    }, function (err) {
      if (seq === liveSeq) K.toast(K.errorText(err), true);
    });
  }
  var reloadLive = coalesce(loadLive, RELOAD_DEBOUNCE_MS);

  var mineSeq = 0;
  function loadMine() {
    var seq = ++mineSeq;
    return K.api("GET", "/live/mine").then(function (items) {
      if (seq !== mineSeq) return;
      var first = !mineLoaded;
      mineLoaded = true;
      var before = {};
      mine.forEach(function (c) { before[c.id] = true; });
      mine = items.map(myChat);
      // Chats that became mine without my asking (routing, a colleague's transfer): say so, and open one if
      // nothing is open.
      var fresh = first ? [] : mine.filter(function (c) { return !before[c.id] && !taken[c.id]; });
      fresh.forEach(function (c) { K.toast(t("ws.assigned", { name: customerName(c.customer_name, c.customer_id) })); });
      if (fresh.length && !chat && view === "chats") openChat(fresh[0].id);
      mine.forEach(function (i) {
        if (typeof i.unread === "number" && unread[i.id] === undefined && !(chat && chat.id === i.id)) unread[i.id] = i.unread;
      });
      renderMine();
      // Opened with nothing chosen: the first of my chats.
      if (first && !chat && !requestedId() && mine.length && view === "chats") openChat(mine[0].id);
    }, function (err) {
      if (seq === mineSeq) K.toast(K.errorText(err), true);
    });
  }
  var reloadMine = coalesce(loadMine, RELOAD_DEBOUNCE_MS);

  var mineLoaded = false;
  var taken = {};             // chats I accepted myself (no "assigned to you" toast for them)

  /** One of my chats, flat: /live/mine gives {conversation_id, customer_id, customer_name, status, last_message …}. */
  function myChat(i) {
    var c = i.conversation || {};
    return { id: i.conversation_id || c.id, customer_id: i.customer_id || c.customer_id, status: i.status || c.status,
      customer_name: i.customer_name || "", last_message: i.last_message || "", unread: i.unread,
      reason: i.handoff_reason || null };
  }

  function mineItem(id) {
    for (var i = 0; i < mine.length; i++) if (mine[i].id === id) return mine[i];
    return null;
  }

  function loadGroups() {
    return K.api("GET", "/live/skill-groups").then(function (list) { groups = list; return list; },
      function () { return groups; });
  }

  function groupName(id) {
    for (var i = 0; i < groups.length; i++) if (groups[i].id === id) return groups[i].name;
    return "";
  }

  function agentName(id) {
    for (var i = 0; i < live.agents.length; i++) if (live.agents[i].id === id) return live.agents[i].name;
    return "";
  }

  // --- my status ----------------------------------------------------------------------------------------

  function showMyStatus(status) {
    K.showStatus(status);
    $("#ws-offline-hint").hidden = status === "online";
  }

  // --- the queue ----------------------------------------------------------------------------------------

  /** Seconds a queued chat has waited now: the server's count when loaded, plus the time since. */
  function waitedNow(q) {
    return q.waiting_seconds + (Date.now() - live.at) / 1000;
  }

  function reasonTag(reason) {
    return reason ? el("span", { className: "tag queue-reason", text: K.label("handoff.reason.", reason) }) : null;
  }

  function renderQueue() {
    var list = K.clear($("#queue-list"));
    live.queue.forEach(function (q) {
      var badges = el("div", { className: "queue-badges" }, [
        q.priority ? el("span", { className: "badge badge-prio-" + Math.min(q.priority, 2) + " queue-prio",
          text: K.label("priority.", String(Math.min(q.priority, 2))) }) : null,
        reasonTag(q.reason),
        q.emotion && q.emotion !== "neutral" ? K.emotionBadge(q.emotion) : null,
        q.skill_group_id && groupName(q.skill_group_id) ? el("span", { className: "tag", text: groupName(q.skill_group_id) }) : null
      ]);
      var accept = el("button", { type: "button", className: "btn btn-sm btn-primary queue-accept", text: t("ws.accept"),
        on: { click: function () { accept_(q.conversation_id, accept); } } });
      list.appendChild(el("li", { className: "ws-item queue-item", "data-id": q.conversation_id }, [
        el("div", { className: "ws-item-main" }, [
          el("div", { className: "ws-item-top" }, [
            el("span", { className: "ws-item-name", text: customerName(q.customer_name, q.customer_id) }),
            el("span", { className: "queue-wait", "data-i18n-title": "ws.waiting", title: t("ws.waiting"),
              text: clockText(waitedNow(q)) })
          ]),
          badges
        ]),
        accept
      ]));
    });
    $("#queue-empty").hidden = live.queue.length > 0;
    $("#queue-count").textContent = String(live.queue_length);
    $("#queue-count").classList.toggle("is-hot", live.queue_length > 0);
  }

  function tick() {
    var waits = document.querySelectorAll("#queue-list .queue-item, #sup-queue tr");
    for (var i = 0; i < waits.length; i++) {
      var id = Number(waits[i].getAttribute("data-id"));
      var q = live.queue.filter(function (x) { return x.conversation_id === id; })[0];
      var node = waits[i].querySelector(".queue-wait");
      if (q && node) node.textContent = clockText(waitedNow(q));
    }
    if (live.queue.length) {
      $("#sup-longest").textContent = clockText(live.longest_wait_seconds + (Date.now() - live.at) / 1000);
    }
  }

  function accept_(id, button) {
    if (button) button.disabled = true;
    taken[id] = true;
    K.api("POST", "/live/conversations/" + id + "/accept").then(function () {
      K.toast(t("ws.accepted"));
      if (view !== "chats") setView("chats");
      openChat(id);
      loadMine();
      loadLive();
    }, function (err) {
      if (err.code === "not_queued") K.toast(t("ws.taken"), true);
      else if (err.code === "at_capacity") K.toast(t("ws.atCapacity"), true);
      else K.toast(K.errorText(err), true);
      loadLive();
    }).then(function () { if (button) button.disabled = false; });
  }

  // --- my chats -----------------------------------------------------------------------------------------

  function renderMine() {
    var list = K.clear($("#mine-list"));
    var total = 0;
    mine.forEach(function (c) {
      var n = unread[c.id] || 0;
      total += n;
      var node = el("li", { className: "ws-item mine-item" + (chat && chat.id === c.id ? " is-current" : ""),
        "data-id": c.id, "data-status": c.status }, [
        el("button", { type: "button", className: "ws-item-open", "aria-current": chat && chat.id === c.id ? "true" : null,
          on: { click: function () { openChat(c.id); } } }, [
          el("div", { className: "ws-item-top" }, [
            el("span", { className: "ws-item-name", text: customerName(c.customer_name, c.customer_id) }),
            n ? el("span", { className: "tab-count mine-unread", "aria-label": t("ws.unread", { n: n }), text: String(n) }) : null
          ]),
          el("div", { className: "ws-item-last", text: c.last_message || "" })
        ])
      ]);
      list.appendChild(node);
    });
    $("#mine-empty").hidden = mine.length > 0;
    $("#mine-count").textContent = String(mine.length);
    var base = t("title.workspace");
    document.title = total ? "(" + total + ") " + base : base;
  }

  // --- the chat -----------------------------------------------------------------------------------------

  function requestedId() {
    var raw = new URLSearchParams(location.search).get("conv");
    return raw && /^\d+$/.test(raw) ? parseInt(raw, 10) : 0;
  }

  var chatSeq = 0;
  function openChat(id) {
    if (view !== "chats") setView("chats");
    var seq = ++chatSeq;
    if (!chat || chat.id !== id) {
      chat = { id: id, conv: null, customer: null, handoff: null, shown: {}, notes: {}, lastId: 0, used: null };
      K.clear($("#transcript"));
      $("#reply-text").value = "";
      setNoteMode(false);
      renderSuggestions(null);
      closeCannedMenu();
    }
    unread[id] = 0;
    renderMine();
    var url = "/workspace?conv=" + id;
    if (location.pathname + location.search !== url) history.replaceState(null, "", url);
    K.showError($("#chat-error"), null);
    return Promise.all([
      K.api("GET", "/conversations/" + id),
      K.api("GET", "/conversations/" + id + "/notes").catch(function () { return []; }),
      K.loadFlowNames()
    ]).then(function (got) {
      if (seq !== chatSeq) return;
      var tr = got[0];
      chat.conv = tr.conversation;
      chat.customer = tr.customer;
      chat.handoff = tr.handoff || null;
      $("#chat-empty").hidden = true;
      $("#chat").hidden = false;
      $("#chat").setAttribute("data-id", String(id));
      renderChatHeader();
      renderHandoff();
      renderTranscript(tr.messages, got[1]);
      loadSuggestions();
      loadCustomer();
    }, function (err) {
      if (seq !== chatSeq) return;
      chat = null;
      $("#chat").hidden = true;
      $("#chat-empty").hidden = false;
      K.showError($("#chat-error"), err.status === 404 ? t("conv.notFound") : K.errorText(err));
      renderCustomer(null);
    });
  }

  /** Fetch what is new in the open chat (after a reconnect, a send that raced an event). */
  function refreshChat() {
    if (!chat || !chat.conv) return Promise.resolve();
    var id = chat.id;
    return Promise.all([
      K.api("GET", "/conversations/" + id + "?after=" + chat.lastId),
      K.api("GET", "/conversations/" + id + "/notes").catch(function () { return []; })
    ]).then(function (got) {
      if (!chat || chat.id !== id) return;
      chat.conv = Object.assign({}, chat.conv, got[0].conversation);
      chat.customer = got[0].customer;
      chat.handoff = got[0].handoff || null;
      renderChatHeader();
      renderHandoff();
      got[0].messages.forEach(function (m) { addMessage(m, true); });
      got[1].forEach(function (n) { addNote(n, true); });
    }, function () { /* the next event or reconnect tries again */ });
  }

  function renderChatHeader() {
    if (!chat || !chat.conv) return;
    var c = chat.conv, cu = chat.customer || {};
    $("#chat-title").textContent = cu.name || cu.external_id || t("conv.anonymous") + " #" + (cu.id || c.customer_id);
    K.clear($("#chat-status")).appendChild(K.badge("status", c.status));
    K.clear($("#chat-verified")).appendChild(cu.verified
      ? el("span", { className: "badge badge-verified", text: t("conv.verified") }) : document.createTextNode(""));
    var meta = K.clear($("#chat-meta"));
    meta.appendChild(el("span", { text: t("conv.number", { id: c.id }) }));
    meta.appendChild(el("span", { text: K.label("channel.", c.channel) }));
    meta.appendChild(el("span", { title: K.fullTime(c.created_at), text: t("conv.started", { t: K.formatTime(c.created_at) }) }));
    if (c.assigned_user_id && me && c.assigned_user_id !== me.user.id && agentName(c.assigned_user_id)) {
      meta.appendChild(el("span", { className: "chat-agent", text: t("ws.servedBy", { name: agentName(c.assigned_user_id) }) }));
    }
    var closed = c.status === "closed";
    $("#chat-transfer").hidden = closed;
    $("#chat-close").hidden = closed;
    $("#reply-form").hidden = closed;
    $("#chat-closed").hidden = !closed;
    if (closed) {
      var text = c.closed_at ? t("conv.closedAt", { t: K.formatTime(c.closed_at) }) : t("status.closed");
      if (c.disposition) text += " · " + t("ws.disposition") + "：" + K.label("disp.", c.disposition);
      $("#chat-closed-text").textContent = text;
      closeCannedMenu();
    }
  }

  function renderHandoff() {
    var panel = $("#handoff-panel");
    panel.hidden = !chat || !chat.handoff;
    var body = K.clear($("#handoff-body"));
    if (chat && chat.handoff) K.handoffDetails(chat.handoff).forEach(function (n) { body.appendChild(n); });
  }

  function noteNode(n) {
    return el("div", { className: "msg msg-note", "data-sender": "note", "data-note-id": n.id }, [
      el("div", { className: "msg-meta" }, [
        el("span", { className: "msg-kind", text: t("ws.note") }),
        n.user_name ? el("span", { className: "msg-name", text: n.user_name }) : null,
        el("time", { className: "msg-time", datetime: n.created_at, title: K.fullTime(n.created_at),
          text: K.formatTime(n.created_at) })
      ]),
      el("div", { className: "msg-text", text: n.text }),
      el("div", { className: "msg-private", text: t("ws.notePrivate") })
    ]);
  }

  function renderTranscript(messages, notes) {
    var box = K.clear($("#transcript"));
    chat.shown = {};
    chat.notes = {};
    chat.lastId = 0;
    var items = messages.map(function (m) { return { at: K.parseTime(m.created_at), m: m }; })
      .concat(notes.map(function (n) { return { at: K.parseTime(n.created_at), n: n }; }));
    items.sort(function (a, b) { return (a.at || 0) - (b.at || 0); });
    items.forEach(function (i) {
      if (i.m) {
        chat.shown[i.m.id] = true;
        chat.lastId = Math.max(chat.lastId, i.m.id);
        box.appendChild(K.messageNode(i.m));
      } else {
        chat.notes[i.n.id] = true;
        box.appendChild(noteNode(i.n));
      }
    });
    if (!items.length) box.appendChild(el("div", { className: "empty", id: "transcript-empty", text: t("conv.noMessages") }));
    box.scrollTop = box.scrollHeight;
  }

  function appendToTranscript(node, pin) {
    var box = $("#transcript");
    var near = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
    var empty = $("#transcript-empty");
    if (empty) empty.remove();
    box.appendChild(node);
    if (near || pin) box.scrollTop = box.scrollHeight;
  }

  function addMessage(m, live_) {
    if (!chat || m.conversation_id !== chat.id || chat.shown[m.id]) return;
    chat.shown[m.id] = true;
    chat.lastId = Math.max(chat.lastId, m.id);
    appendToTranscript(K.messageNode(m), m.sender === "agent" && live_);
  }

  function addNote(n, pin) {
    if (!chat || chat.notes[n.id]) return;
    chat.notes[n.id] = true;
    appendToTranscript(noteNode(n), pin);
  }

  // --- replying -----------------------------------------------------------------------------------------

  var sending = false;

  function setNoteMode(on) {
    var box = $("#note-mode");
    box.checked = !!on;
    $("#reply-form").classList.toggle("is-note", !!on);
    var ph = on ? "ws.notePh" : "ws.replyPh";
    var text = $("#reply-text");
    text.setAttribute("data-i18n-placeholder", ph);
    text.placeholder = t(ph);
    var send = $("#reply-send");
    send.setAttribute("data-i18n", on ? "ws.addNote" : "conv.send");
    send.textContent = t(on ? "ws.addNote" : "conv.send");
    $("#reply-label").textContent = t(on ? "ws.noteMode" : "ws.replyLabel");
  }

  function sendReply(ev) {
    if (ev) ev.preventDefault();
    if (sending || !chat || !chat.conv) return;
    var input = $("#reply-text");
    var text = input.value;
    if (!text.trim()) { input.focus(); return; }
    var note = $("#note-mode").checked;
    var id = chat.id;
    sending = true;
    var button = $("#reply-send");
    button.disabled = true;
    K.showError($("#reply-error"), null);
    var done;
    if (note) {
      done = K.api("POST", "/conversations/" + id + "/notes", { text: text }).then(function (n) {
        if (chat && chat.id === id && n) addNote(n, true);
        input.value = "";
        setNoteMode(false);
      });
    } else {
      var used = chat.used;
      done = K.api("POST", "/conversations/" + id + "/messages", { text: text, client_id: newClientId() }).then(function (m) {
        if (m) addMessage(m, true);
        input.value = "";
        if (used) {
          K.api("POST", "/live/suggestions/used", { conversation_id: id, source: used.source, ref: used.ref,
            edited: text.trim() !== used.text.trim() }).catch(function () { /* statistics only */ });
        }
        if (chat && chat.id === id) chat.used = null;
        var item = mineItem(id);
        if (item) { item.last_message = text; renderMine(); }
      });
    }
    done.catch(function (err) {
      K.showError($("#reply-error"), err);
      if (err.code === "conversation_closed") return refreshChat();
    }).then(function () {
      sending = false;
      button.disabled = false;
      input.focus();
    });
  }

  // --- suggested replies -------------------------------------------------------------------------------

  var suggestSeq = 0;
  function loadSuggestions() {
    if (!chat || !chat.conv || chat.conv.status === "closed") { renderSuggestions(null); return; }
    var id = chat.id, seq = ++suggestSeq;
    K.api("GET", "/live/conversations/" + id + "/suggestions").then(function (data) {
      if (seq === suggestSeq && chat && chat.id === id) renderSuggestions(data);
    }, function () { if (seq === suggestSeq) renderSuggestions(null); });
  }
  var reloadSuggestions = coalesce(loadSuggestions, 600);

  function renderSuggestions(data) {
    var list = K.clear($("#suggestion-list"));
    var items = data && Array.isArray(data.items) ? data.items.slice(0, 3) : [];
    items.forEach(function (s, i) {
      var use = el("button", { type: "button", className: "btn btn-sm suggestion-use", text: t("ws.use"),
        on: { click: function () { useSuggestion(s); } } });
      list.appendChild(el("li", { className: "suggestion", "data-source": s.source, "data-index": i }, [
        el("div", { className: "suggestion-head" }, [
          el("span", { className: "badge plain suggestion-source badge-src-" + s.source, text: K.label("ws.src.", s.source) }),
          s.question ? el("span", { className: "suggestion-q", title: s.question, text: s.question }) : null,
          use
        ]),
        el("div", { className: "suggestion-text", text: s.text })
      ]));
    });
    $("#suggestions").hidden = !items.length;
  }

  function useSuggestion(s) {
    var input = $("#reply-text");
    setNoteMode(false);
    input.value = s.text;
    chat.used = { source: s.source, ref: s.ref === undefined || s.ref === null ? "" : String(s.ref), text: s.text };
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  // --- canned responses: "/" in the reply box -----------------------------------------------------------

  var cannedMenu = { open: false, items: [], active: 0, start: 0, end: 0 };

  function loadCanned() {
    return K.api("GET", "/live/canned").then(function (list) { canned = list || []; return canned; },
      function () { return canned; });
  }

  /** The "/word" just before the caret, if any: {query, start, end}. */
  function slashToken(input) {
    var pos = input.selectionStart;
    if (pos !== input.selectionEnd) return null;
    var before = input.value.slice(0, pos);
    var m = /(^|\s)\/([^\s/]*)$/.exec(before);
    if (!m) return null;
    return { query: m[2].toLowerCase(), start: pos - m[2].length - 1, end: pos };
  }

  function updateCannedMenu() {
    var input = $("#reply-text");
    var tok = $("#note-mode").checked ? null : slashToken(input);
    if (!tok) { closeCannedMenu(); return; }
    var q = tok.query;
    var items = canned.filter(function (c) {
      return !q || c.shortcut.toLowerCase().indexOf(q) === 0 || c.title.toLowerCase().indexOf(q) >= 0;
    }).slice(0, 8);
    cannedMenu.items = items;
    cannedMenu.start = tok.start;
    cannedMenu.end = tok.end;
    cannedMenu.active = Math.min(cannedMenu.active, Math.max(0, items.length - 1));
    var menu = K.clear($("#canned-menu"));
    if (!items.length) {
      menu.appendChild(el("li", { className: "canned-none", text: canned.length ? t("ws.cannedNoMatch") : t("ws.cannedEmpty") }));
    }
    items.forEach(function (c, i) {
      var li = el("li", { className: "canned-option", role: "option", id: "canned-opt-" + i, "data-shortcut": c.shortcut,
        "aria-selected": i === cannedMenu.active ? "true" : "false" }, [
        el("span", { className: "canned-shortcut", text: "/" + c.shortcut }),
        el("span", { className: "canned-title", text: c.title }),
        el("span", { className: "canned-preview", text: c.text })
      ]);
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); pickCanned(i); });
      menu.appendChild(li);
    });
    menu.hidden = false;
    cannedMenu.open = true;
    input.setAttribute("aria-expanded", "true");
    if (items.length) input.setAttribute("aria-activedescendant", "canned-opt-" + cannedMenu.active);
    else input.removeAttribute("aria-activedescendant");
  }

  function closeCannedMenu() {
    cannedMenu.open = false;
    cannedMenu.active = 0;
    $("#canned-menu").hidden = true;
    var input = $("#reply-text");
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function pickCanned(i) {
    var c = cannedMenu.items[i];
    if (!c) return;
    var input = $("#reply-text");
    var v = input.value;
    input.value = v.slice(0, cannedMenu.start) + c.text + v.slice(cannedMenu.end);
    var caret = cannedMenu.start + c.text.length;
    closeCannedMenu();
    input.focus();
    input.setSelectionRange(caret, caret);
  }

  function onReplyKey(ev) {
    if (cannedMenu.open) {
      var n = cannedMenu.items.length;
      if (ev.key === "ArrowDown" && n) { ev.preventDefault(); cannedMenu.active = (cannedMenu.active + 1) % n; updateCannedMenu(); return; }
      if (ev.key === "ArrowUp" && n) { ev.preventDefault(); cannedMenu.active = (cannedMenu.active - 1 + n) % n; updateCannedMenu(); return; }
      if ((ev.key === "Enter" || ev.key === "Tab") && n && !ev.isComposing) { ev.preventDefault(); pickCanned(cannedMenu.active); return; }
      if (ev.key === "Escape") { ev.preventDefault(); closeCannedMenu(); return; }
    }
    // Enter sends, Shift+Enter is a new line (not while an input method is composing).
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      sendReply(null);
    }
  }

  // The manage dialog: list, add, edit and delete (team responses only by owners and admins).
  var cannedEditing = null;

  function renderCannedList() {
    var list = K.clear($("#canned-list"));
    canned.forEach(function (c) {
      var mayEdit = c.scope === "personal" || admin;
      list.appendChild(el("li", { className: "canned-row", "data-id": c.id }, [
        el("div", { className: "canned-row-main" }, [
          el("div", {}, [
            el("span", { className: "canned-shortcut", text: "/" + c.shortcut }), " ",
            el("strong", { text: c.title }), " ",
            el("span", { className: "badge plain canned-scope", text: t("ws.scope." + c.scope) })
          ]),
          el("div", { className: "canned-preview", text: c.text })
        ]),
        mayEdit ? el("div", { className: "canned-row-actions" }, [
          el("button", { type: "button", className: "btn btn-sm canned-edit", text: t("common.edit"),
            on: { click: function () { editCanned(c); } } }),
          el("button", { type: "button", className: "btn btn-sm btn-danger canned-delete", text: t("common.delete"),
            on: { click: function () { deleteCanned(c); } } })
        ]) : null
      ]));
    });
    $("#canned-empty").hidden = canned.length > 0;
  }

  function resetCannedForm() {
    cannedEditing = null;
    $("#canned-shortcut").value = "";
    $("#canned-title-input").value = "";
    $("#canned-text").value = "";
    $("#canned-scope").value = "personal";
    $("#canned-scope").disabled = false;
    $("#canned-form-title").textContent = t("ws.cannedAdd");
    $("#canned-reset").hidden = true;
    K.showError($("#canned-error"), null);
  }

  function editCanned(c) {
    cannedEditing = c;
    $("#canned-shortcut").value = c.shortcut;
    $("#canned-title-input").value = c.title;
    $("#canned-text").value = c.text;
    $("#canned-scope").value = c.scope;
    $("#canned-form-title").textContent = t("ws.cannedEdit");
    $("#canned-reset").hidden = false;
    $("#canned-shortcut").focus();
  }

  function deleteCanned(c) {
    K.confirmDialog({ title: t("ws.cannedDeleteTitle", { s: "/" + c.shortcut }), body: c.title, ok: t("common.delete"), danger: true })
      .then(function (yes) {
        if (!yes) return;
        K.api("DELETE", "/live/canned/" + c.id).then(function () {
          K.toast(t("ws.cannedDeleted"));
          return loadCanned().then(renderCannedList);
        }, function (err) { K.toast(K.errorText(err), true); });
      });
  }

  function saveCanned(ev) {
    ev.preventDefault();
    var shortcut = $("#canned-shortcut").value.trim().replace(/^\//, "");
    var body = { shortcut: shortcut, title: $("#canned-title-input").value.trim() || shortcut,
      text: $("#canned-text").value.trim(), scope: admin ? $("#canned-scope").value : "personal" };
    if (!shortcut || !body.text) { K.showError($("#canned-error"), t("ws.cannedRequired")); return; }
    if (/\s|\//.test(shortcut)) { K.showError($("#canned-error"), t("ws.cannedBadShortcut")); return; }
    var save = $("#canned-save");
    save.disabled = true;
    var call = cannedEditing ? K.api("PUT", "/live/canned/" + cannedEditing.id, body) : K.api("POST", "/live/canned", body);
    call.then(function () {
      K.toast(t("ws.cannedSaved"));
      resetCannedForm();
      return loadCanned().then(renderCannedList);
    }, function (err) { K.showError($("#canned-error"), err); }).then(function () { save.disabled = false; });
  }

  function openCannedDialog() {
    resetCannedForm();
    $("#canned-scope-field").hidden = !admin;
    renderCannedList();
    $("#canned-dialog").showModal();
    loadCanned().then(renderCannedList);
  }

  // --- knowledge search ---------------------------------------------------------------------------------

  var kbSeq = 0;
  function searchKnowledge() {
    var q = $("#kb-search").value.trim();
    var list = K.clear($("#kb-results"));
    var empty = $("#kb-empty");
    if (!q) { empty.hidden = true; return; }
    var seq = ++kbSeq;
    K.api("GET", "/knowledge?limit=5&search=" + encodeURIComponent(q)).then(function (page) {
      if (seq !== kbSeq) return;
      K.clear(list);
      page.items.filter(function (p) { return p.enabled !== false; }).forEach(function (p) {
        list.appendChild(el("li", { className: "kb-result", "data-id": p.id }, [
          el("div", { className: "kb-result-main" }, [
            el("div", { className: "kb-result-q", text: p.question }),
            el("div", { className: "kb-result-a", text: p.answer })
          ]),
          el("button", { type: "button", className: "btn btn-sm kb-insert", text: t("ws.insert"),
            on: { click: function () { insertText(p.answer); } } })
        ]));
      });
      empty.textContent = t("kb.noMatch", { q: q });
      empty.hidden = list.childNodes.length > 0;
    }, function (err) {
      if (seq !== kbSeq) return;
      empty.textContent = K.errorText(err);
      empty.hidden = false;
    });
  }

  function insertText(text) {
    var input = $("#reply-text");
    var v = input.value;
    var start = input.selectionStart === undefined ? v.length : input.selectionStart;
    var end = input.selectionEnd === undefined ? v.length : input.selectionEnd;
    if (document.activeElement !== input && start === 0 && end === 0) start = end = v.length;
    input.value = v.slice(0, start) + text + v.slice(end);
    input.focus();
    input.setSelectionRange(start + text.length, start + text.length);
  }

  function toggleKb(open) {
    var panel = $("#kb-panel");
    var next = open === undefined ? panel.hidden : open;
    panel.hidden = !next;
    $("#kb-toggle").setAttribute("aria-expanded", next ? "true" : "false");
    if (next) $("#kb-search").focus();
  }

  // --- transfer and close -------------------------------------------------------------------------------

  function openTransfer() {
    if (!chat || !chat.conv) return;
    K.showError($("#transfer-error"), null);
    $("#transfer-note").value = "";
    Promise.all([loadLive(), loadGroups()]).then(function () {
      var sel = K.clear($("#transfer-agent"));
      var candidates = live.agents.filter(function (a) { return !me || a.id !== me.user.id; });
      candidates.forEach(function (a) {
        var label = a.name + " · " + t("agent.status." + a.status) + " · " + t("ws.loadOf", { n: a.load, max: a.max_chats });
        sel.appendChild(el("option", { value: a.id, text: label, disabled: a.status !== "online" }));
      });
      var firstOnline = candidates.filter(function (a) { return a.status === "online"; })[0];
      if (firstOnline) sel.value = String(firstOnline.id);
      var gsel = K.clear($("#transfer-group"));
      groups.forEach(function (g) { gsel.appendChild(el("option", { value: g.id, text: g.name })); });
      $("#transfer-to-group-label").hidden = !groups.length;
      gsel.hidden = !groups.length;
      $("#transfer-to-agent").checked = true;
      syncTransferChoice();
      if (!firstOnline && !groups.length) K.showError($("#transfer-error"), t("ws.nobodyOnline"));
      var dlg = $("#transfer-dialog");
      if (!dlg.open) dlg.showModal();
    });
  }

  function syncTransferChoice() {
    var toAgent = $("#transfer-to-agent").checked;
    $("#transfer-agent").disabled = !toAgent;
    $("#transfer-group").disabled = toAgent;
  }

  function submitTransfer(ev) {
    ev.preventDefault();
    if (!chat) return;
    var id = chat.id;
    var body = { note: $("#transfer-note").value.trim() };
    if ($("#transfer-to-agent").checked) {
      var uid = parseInt($("#transfer-agent").value, 10);
      if (!uid) { K.showError($("#transfer-error"), t("ws.pickAgent")); return; }
      body.to_user_id = uid;
    } else {
      body.to_group_id = parseInt($("#transfer-group").value, 10);
    }
    var ok = $("#transfer-ok");
    ok.disabled = true;
    K.api("POST", "/live/conversations/" + id + "/transfer", body).then(function () {
      $("#transfer-dialog").close();
      var to = body.to_user_id ? agentName(body.to_user_id) : groupName(body.to_group_id);
      K.toast(t("ws.transferred", { to: to }));
      leaveChat(id);
      loadMine();
      loadLive();
    }, function (err) {
      K.showError($("#transfer-error"), err);
    }).then(function () { ok.disabled = false; });
  }

  /** The chat went to someone else: show the next of mine, or nothing. */
  function leaveChat(id) {
    if (!chat || chat.id !== id) return;
    chat = null;
    chatSeq++;
    $("#chat").hidden = true;
    $("#chat-empty").hidden = false;
    renderCustomer(null);
    history.replaceState(null, "", "/workspace");
    renderMine();
  }

  function openClose() {
    if (!chat || !chat.conv) return;
    K.showError($("#close-error"), null);
    $("#close-note").value = "";
    document.querySelector('input[name="disposition"][value="resolved"]').checked = true;
    $("#close-dialog").showModal();
  }

  function submitClose(ev) {
    ev.preventDefault();
    if (!chat) return;
    var id = chat.id;
    var picked = document.querySelector('input[name="disposition"]:checked');
    var body = { disposition: picked ? picked.value : "resolved" };
    var note = $("#close-note").value.trim();
    if (note) body.note = note;
    var ok = $("#close-ok");
    ok.disabled = true;
    K.api("POST", "/live/conversations/" + id + "/close", body).then(function (conv) {
      $("#close-dialog").close();
      K.toast(t("ws.closed"));
      if (chat && chat.id === id) {
        chat.conv = Object.assign({}, chat.conv, conv && conv.status ? conv : { status: "closed" });
        if (!chat.conv.disposition) chat.conv.disposition = body.disposition;
        renderChatHeader();
        renderSuggestions(null);
        refreshChat();
        reloadCustomer();
      }
      loadMine();
    }, function (err) {
      K.showError($("#close-error"), err);
    }).then(function () { ok.disabled = false; });
  }

  // --- the customer panel -------------------------------------------------------------------------------

  var custSeq = 0;
  var cust = null;

  function loadCustomer() {
    if (!chat || !chat.conv) return;
    var cid = chat.conv.customer_id, seq = ++custSeq;
    K.showError($("#cust-error"), null);
    K.api("GET", "/live/customers/" + cid).then(function (data) {
      if (seq === custSeq) renderCustomer(data);
    }, function (err) {
      if (seq !== custSeq) return;
      // Without the panel's API the transcript's customer still says who it is.
      renderCustomer(chat && chat.customer ? { customer: chat.customer, orders: [], past_conversations: [] } : null);
      if (err.status !== 404) K.showError($("#cust-error"), err);
    });
  }
  var reloadCustomer = coalesce(loadCustomer, RELOAD_DEBOUNCE_MS);

  function renderCustomer(data) {
    cust = data;
    $("#cust").hidden = !data;
    $("#cust-empty").hidden = !!data;
    if (!data) return;
    var c = data.customer;
    $("#cust-name").textContent = c.name || c.external_id || t("conv.anonymous") + " #" + c.id;
    K.clear($("#cust-verified")).appendChild(c.verified
      ? el("span", { className: "badge badge-verified", text: t("conv.verified") })
      : el("span", { className: "badge badge-off", text: t("ws.anonymous") }));
    var facts = K.clear($("#cust-facts"));
    function fact(key, value) {
      if (value === null || value === undefined || value === "") return;
      facts.appendChild(el("dt", { text: t(key) }));
      facts.appendChild(el("dd", { text: String(value) }));
    }
    fact("ws.custId", c.external_id);
    fact("ws.custNo", "#" + c.id);
    renderTags(c.tags || []);
    renderOrders(data.orders || [], data.orders_error);
    renderPast(data.past_conversations || []);
  }

  function renderTags(tags) {
    var list = K.clear($("#cust-tags"));
    tags.forEach(function (tag) {
      list.appendChild(el("li", { className: "tag-chip", "data-tag": tag }, [
        el("span", { text: tag }),
        el("button", { type: "button", className: "tag-remove", "aria-label": t("ws.tagRemove", { tag: tag }),
          title: t("ws.tagRemove", { tag: tag }), text: "×", on: { click: function () { saveTags(tags.filter(function (x) { return x !== tag; })); } } })
      ]));
    });
    if (!tags.length) list.appendChild(el("li", { className: "muted small", text: t("ws.noTags") }));
  }

  function saveTags(tags) {
    if (!cust) return Promise.resolve();
    var id = cust.customer.id;
    return K.api("PUT", "/live/customers/" + id + "/tags", { tags: tags }).then(function (out) {
      var saved = out && Array.isArray(out.tags) ? out.tags : out && out.customer ? out.customer.tags : tags;
      if (cust && cust.customer.id === id) {
        cust.customer.tags = saved;
        renderTags(saved);
      }
      K.toast(t("ws.tagsSaved"));
    }, function (err) { K.toast(K.errorText(err), true); });
  }

  function addTag(ev) {
    ev.preventDefault();
    var input = $("#tag-input");
    var tag = input.value.trim();
    if (!tag || !cust) return;
    var tags = cust.customer.tags || [];
    if (tags.indexOf(tag) >= 0) { input.value = ""; return; }
    saveTags(tags.concat([tag])).then(function () { input.value = ""; });
  }

  function renderOrders(orders, error) {
    var box = K.clear($("#cust-orders"));
    if (error) box.appendChild(el("div", { className: "alert alert-warn small", id: "cust-orders-error",
      text: t("ws.ordersError", { e: error }) }));
    if (!orders.length) {
      if (!error) box.appendChild(el("p", { className: "muted small", text: t("ws.noOrders") }));
      return;
    }
    orders.forEach(function (o) {
      var items = (o.items || []).map(function (i) { return i.name + " × " + i.quantity; }).join("、");
      var node = el("details", { className: "ws-order", "data-no": o.order_no }, [
        el("summary", {}, [
          el("span", { className: "ws-order-head" }, [
            el("a", { className: "order-no", href: "/admin/store?order=" + encodeURIComponent(o.order_no), target: "_blank",
              rel: "noopener", text: o.order_no }),
            K.badge("order.status", o.status),
            el("span", { className: "money", text: K.money(o.total_cents) })
          ]),
          el("span", { className: "ws-order-items", text: items }),
          el("span", { className: "muted small", title: K.fullTime(o.created_at), text: t("order.placed", { t: K.formatTime(o.created_at) }) })
        ])
      ]);
      var addr = o.address || {};
      var line = [addr.province, addr.city !== addr.province ? addr.city : "", addr.district, addr.detail]
        .filter(function (s) { return s; }).join("");
      if (line) node.appendChild(el("p", { className: "small ws-order-addr", text: line }));
      var ships = o.shipments || [];
      if (ships.length) ships.forEach(function (s) { node.appendChild(K.shipmentNode(s)); });
      else node.appendChild(el("p", { className: "muted small", text: t("order.noShipments") }));
      box.appendChild(node);
    });
    // Open the order the bot was talking about, else the newest.
    var wanted = chat && chat.handoff && chat.handoff.order_no;
    var nodes = box.querySelectorAll(".ws-order");
    var open = nodes[0];
    for (var i = 0; i < nodes.length; i++) if (wanted && nodes[i].getAttribute("data-no") === wanted) open = nodes[i];
    if (open) open.open = true;
  }

  function renderPast(list) {
    var ul = K.clear($("#cust-past"));
    var others = list.filter(function (p) { return !chat || p.id !== chat.id; });
    others.forEach(function (p) {
      ul.appendChild(el("li", { className: "ws-item past-item", "data-id": p.id }, [
        el("button", { type: "button", className: "ws-item-open", on: { click: function () { openChat(p.id); } } }, [
          el("div", { className: "ws-item-top" }, [
            el("span", { className: "ws-item-name", text: t("conv.number", { id: p.id }) }),
            K.badge("status", p.status)
          ]),
          el("div", { className: "ws-item-last", text: p.last_message || "" }),
          el("div", { className: "muted small", title: K.fullTime(p.created_at), text: K.formatTime(p.created_at) })
        ])
      ]));
    });
    if (!others.length) ul.appendChild(el("li", { className: "muted small", text: t("ws.noPast") }));
  }

  // --- supervisor ---------------------------------------------------------------------------------------

  function renderSupervisor() {
    if (!admin) return;
    $("#sup-queue-len").textContent = String(live.queue_length);
    $("#sup-longest").textContent = clockText(live.queue.length ? live.longest_wait_seconds + (Date.now() - live.at) / 1000 : 0);
    $("#sup-active").textContent = String(live.active_chats);
    $("#sup-online").textContent = String(live.agents.filter(function (a) { return a.status === "online"; }).length);

    var body = K.clear($("#sup-agents"));
    live.agents.forEach(function (a) {
      var pct = a.max_chats ? Math.min(100, Math.round(100 * a.load / a.max_chats)) : 0;
      var names = (a.groups || []).map(groupName).filter(function (n) { return n; }).join("、");
      body.appendChild(el("tr", { "data-id": a.id, "data-status": a.status }, [
        el("td", { "data-label": t("sup.col.agent") }, [el("strong", { text: a.name }), " ",
          el("span", { className: "muted small", text: t("role." + a.role) })]),
        el("td", { "data-label": t("sup.col.status") }, [el("span", { className: "badge sup-status badge-agent-" + a.status,
          text: t("agent.status." + a.status) })]),
        el("td", { "data-label": t("sup.col.load") }, [
          el("span", { className: "sup-load", text: a.load + " / " + a.max_chats }),
          el("span", { className: "meter", "aria-hidden": "true" }, [el("span", { style: "width:" + pct + "%" })])
        ]),
        el("td", { className: "small", "data-label": t("sup.col.groups"), text: names || "—" }),
        el("td", { className: "muted small nowrap", "data-label": t("sup.col.seen"), title: a.seen_at ? K.fullTime(a.seen_at) : "",
          text: a.seen_at ? K.formatTime(a.seen_at) : t("common.never") })
      ]));
    });

    var qbody = K.clear($("#sup-queue"));
    live.queue.forEach(function (q) {
      qbody.appendChild(el("tr", { "data-id": q.conversation_id }, [
        el("td", { "data-label": t("conv.col.customer") }, [el("strong", { text: customerName(q.customer_name, q.customer_id) }),
          q.emotion && q.emotion !== "neutral" ? " " : null, q.emotion && q.emotion !== "neutral" ? K.emotionBadge(q.emotion) : null]),
        el("td", { "data-label": t("sup.col.wait") }, [el("span", { className: "queue-wait", text: clockText(waitedNow(q)) })]),
        el("td", { "data-label": t("handoff.priority"), text: K.label("priority.", String(Math.min(q.priority, 2))) }),
        el("td", { className: "small", "data-label": t("handoff.reason"), text: q.reason ? K.label("handoff.reason.", q.reason) : "—" }),
        el("td", { className: "small", "data-label": t("sup.col.group"), text: groupName(q.skill_group_id) || "—" }),
        el("td", { className: "col-actions" }, [el("button", { type: "button", className: "btn btn-sm btn-primary sup-accept",
          text: t("ws.accept"), on: { click: function () { accept_(q.conversation_id, this); } } })])
      ]));
    });
    $("#sup-queue-empty").hidden = live.queue.length > 0;
    $("#sup-queue-table").hidden = !live.queue.length;
    renderSupChats();
  }

  var supSeq = 0;
  function loadSupChats() {
    if (!admin) return Promise.resolve();
    var seq = ++supSeq;
    return K.api("GET", "/conversations?status=with_agent&limit=100").then(function (page) {
      if (seq !== supSeq) return;
      supChats = page.items;
      renderSupChats();
    }, function () { /* the next event reloads */ });
  }
  var reloadSupChats = coalesce(loadSupChats, RELOAD_DEBOUNCE_MS);

  function renderSupChats() {
    var body = K.clear($("#sup-chats"));
    supChats.forEach(function (c) {
      var row = el("tr", { className: "conv-row", "data-id": c.id }, [
        el("td", { "data-label": t("conv.col.customer") }, [el("a", { className: "conv-name", href: "/workspace?conv=" + c.id,
          text: customerName(c.customer_name, c.customer_id) })]),
        el("td", { className: "small", "data-label": t("sup.col.agent"), text: agentName(c.assigned_user_id) || "—" }),
        el("td", { "data-label": t("conv.col.last") }, [el("div", { className: "conv-last", text: c.last_message, title: c.last_message })]),
        el("td", { className: "nowrap muted small", "data-label": t("conv.col.updated"), title: K.fullTime(c.updated_at),
          text: K.formatTime(c.updated_at) })
      ]);
      row.addEventListener("click", function (ev) {
        ev.preventDefault();
        openChat(c.id);
      });
      body.appendChild(row);
    });
    $("#sup-chats-empty").hidden = supChats.length > 0;
    $("#sup-chats-table").hidden = !supChats.length;
  }

  // --- views --------------------------------------------------------------------------------------------

  function setView(next, push) {
    view = next === "supervisor" && admin ? "supervisor" : "chats";
    $("#ws-chats").hidden = view !== "chats";
    $("#ws-supervisor").hidden = view !== "supervisor";
    var tabs = document.querySelectorAll("#ws-tabs a");
    for (var i = 0; i < tabs.length; i++) {
      if (tabs[i].getAttribute("data-view") === view) tabs[i].setAttribute("aria-current", "page");
      else tabs[i].removeAttribute("aria-current");
    }
    if (push) {
      var url = view === "supervisor" ? "/workspace?view=supervisor" : chat ? "/workspace?conv=" + chat.id : "/workspace";
      history.pushState(null, "", url);
    }
    if (view === "supervisor") {
      renderSupervisor();
      loadSupChats();
    }
  }

  function rerender() {
    renderQueue();
    renderMine();
    if (chat && chat.conv) {
      renderChatHeader();
      renderHandoff();
      var box = $("#transcript");
      var nodes = box.querySelectorAll(".msg");
      // Re-render labels of the messages on screen from a fresh fetch (cheap and keeps one rendering path).
      if (nodes.length) openChat(chat.id);
    }
    setNoteMode($("#note-mode").checked);
    if (cust) renderCustomer(cust);
    renderSupervisor();
  }

  // --- start --------------------------------------------------------------------------------------------

  function wire() {
    $("#reply-form").addEventListener("submit", sendReply);
    var input = $("#reply-text");
    input.addEventListener("keydown", onReplyKey);
    input.addEventListener("input", updateCannedMenu);
    input.addEventListener("click", updateCannedMenu);
    input.addEventListener("blur", function () { setTimeout(closeCannedMenu, 150); });
    $("#note-mode").addEventListener("change", function () { setNoteMode(this.checked); closeCannedMenu(); });
    $("#kb-toggle").addEventListener("click", function () { toggleKb(); });
    $("#kb-search").addEventListener("input", K.debounce(searchKnowledge, 250));
    $("#kb-search").addEventListener("keydown", function (ev) { if (ev.key === "Escape") toggleKb(false); });
    $("#canned-manage").addEventListener("click", openCannedDialog);
    $("#canned-form").addEventListener("submit", saveCanned);
    $("#canned-reset").addEventListener("click", resetCannedForm);
    $("#canned-done").addEventListener("click", function () { $("#canned-dialog").close(); });
    $("#chat-transfer").addEventListener("click", openTransfer);
    $("#transfer-form").addEventListener("submit", submitTransfer);
    $("#transfer-cancel").addEventListener("click", function () { $("#transfer-dialog").close(); });
    $("#transfer-to-agent").addEventListener("change", syncTransferChoice);
    $("#transfer-to-group").addEventListener("change", syncTransferChoice);
    $("#chat-close").addEventListener("click", openClose);
    $("#close-form").addEventListener("submit", submitClose);
    $("#close-cancel").addEventListener("click", function () { $("#close-dialog").close(); });
    $("#tag-form").addEventListener("submit", addTag);
    var tabs = document.querySelectorAll("#ws-tabs a");
    for (var i = 0; i < tabs.length; i++) {
      tabs[i].addEventListener("click", function (ev) {
        ev.preventDefault();
        setView(this.getAttribute("data-view"), true);
      });
    }
    window.addEventListener("popstate", function () {
      var params = new URLSearchParams(location.search);
      setView(params.get("view") === "supervisor" ? "supervisor" : "chats");
      var id = requestedId();
      if (id && (!chat || chat.id !== id)) openChat(id);
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState !== "visible") return;
      if (!sock.ws) reconnectNow();
      if (chat && unread[chat.id]) { unread[chat.id] = 0; renderMine(); }
    });
    window.addEventListener("online", reconnectNow);
    K.onLangChange(rerender);
    setInterval(tick, 1000);
  }

  function init() {
    K.boot("workspace").then(function (data) {
      me = data;
      admin = K.isAdmin();
      $("#ws").hidden = false;
      $("#ws-tabs").hidden = !admin;
      showMyStatus(me.user.status);
      wire();
      var params = new URLSearchParams(location.search);
      setView(params.get("view") === "supervisor" ? "supervisor" : "chats");
      loadGroups().then(function () { renderQueue(); renderSupervisor(); });
      loadCanned();
      loadLive();
      loadMine();
      var id = requestedId();
      if (id) openChat(id);
      connect();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

/* The product-card panel is an ES module (admin/products/panel.js) with its own zh/en strings. */
import("/static/admin/products/panel.js").catch(function (e) {
  var box = document.getElementById("product-empty");
  if (box) { box.textContent = String(e); box.hidden = false; }
});
