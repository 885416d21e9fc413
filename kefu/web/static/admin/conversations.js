/* kefu admin console: the conversation list, the messages customers left (?view=left) and, at ?id=N, one
 * conversation's transcript with what the bot passed on at the handoff and a reply box. */
(function () {
  "use strict";
  var K = window.KefuAdmin;
  var t = K.t, el = K.el, $ = K.$;

  var PAGE = 20;
  var LIST_REFRESH_MS = 15000;
  var TRANSCRIPT_REFRESH_MS = 4000;
  var STATUSES = ["bot", "queued", "with_agent", "closed"];

  // Badges, handoff details and transcript messages are drawn by admin.js, the same way in the workspace.
  function statusBadge(status) { return K.badge("status", status); }
  function channelName(channel) { return K.label("channel.", channel); }
  var label = K.label, emotionBadge = K.emotionBadge, handoffDetails = K.handoffDetails;
  var loadFlowNames = K.loadFlowNames;

  // --- list -----------------------------------------------------------------------------------

  var list = { status: "", offset: 0, total: 0, items: [], loaded: false, seq: 0, lastJson: "" };

  function loadList(quiet) {
    var seq = ++list.seq;
    var qs = new URLSearchParams({ limit: String(PAGE), offset: String(list.offset) });
    if (list.status) qs.set("status", list.status);
    return K.api("GET", "/conversations?" + qs.toString()).then(function (page) {
      if (seq !== list.seq) return;
      var json = JSON.stringify(page);
      K.showError($("#conv-list-error"), null);
      if (quiet && json === list.lastJson) return; // nothing changed: leave the DOM alone
      list.lastJson = json;
      list.items = page.items;
      list.total = page.total;
      list.loaded = true;
      renderList();
    }, function (err) {
      if (seq !== list.seq || quiet) return;
      K.showError($("#conv-list-error"), err);
    }).then(function () {
      if (seq === list.seq) $("#conv-loading").hidden = true;
    });
  }

  function renderList() {
    var buttons = document.querySelectorAll("#conv-filter button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", buttons[i].getAttribute("data-status") === list.status ? "true" : "false");
    }
    var tbody = K.clear($("#conv-rows"));
    list.items.forEach(function (c) { tbody.appendChild(listRow(c)); });
    $("#conv-table").hidden = !list.items.length;
    var empty = $("#conv-empty");
    empty.hidden = list.items.length > 0 || !list.loaded;
    empty.textContent = list.status ? t("conv.emptyFilter") : t("conv.empty");
    $("#conv-count").textContent = list.loaded ? t("kb.count", { n: list.total }) : "";
    $("#conv-pager").hidden = list.total <= PAGE;
    $("#conv-range").textContent = t("common.range", {
      from: list.total ? list.offset + 1 : 0, to: list.offset + list.items.length, total: list.total });
    $("#conv-prev").disabled = list.offset === 0;
    $("#conv-next").disabled = list.offset + PAGE >= list.total;
  }

  function listRow(c) {
    var href = "/admin/conversations?id=" + encodeURIComponent(c.id);
    var tr = el("tr", { className: "conv-row", "data-id": c.id, "data-status": c.status }, [
      el("td", { "data-label": t("conv.col.customer") }, [
        el("a", { className: "conv-name", href: href,
                  text: c.customer_name || t("conv.visitor", { id: c.customer_id }) })
      ]),
      el("td", { "data-label": t("conv.col.last") }, [
        el("div", { className: "conv-last", text: c.last_message, title: c.last_message })
      ]),
      el("td", { "data-label": t("conv.col.status") }, [statusBadge(c.status)]),
      el("td", { className: "nowrap muted small", "data-label": t("conv.col.channel"), text: channelName(c.channel) }),
      el("td", { className: "muted small", "data-label": t("conv.col.count"), text: String(c.message_count) }),
      el("td", { className: "nowrap muted small", "data-label": t("conv.col.updated"),
        title: K.fullTime(c.updated_at), text: K.formatTime(c.updated_at) })
    ]);
    tr.addEventListener("click", function (ev) {
      if (ev.target.closest("a")) return; // the link navigates by itself
      location.assign(href);
    });
    return tr;
  }

  // --- left messages ----------------------------------------------------------------------------

  var left = { handled: false, items: [], loaded: false, seq: 0 };

  function loadLeftCount() {
    return K.api("GET", "/left-messages?handled=false").then(function (items) {
      var badge = $("#left-count");
      badge.textContent = String(items.length);
      badge.hidden = !items.length;
      return items;
    }, function () { return null; });
  }

  function loadLeft() {
    var seq = ++left.seq;
    return Promise.all([K.api("GET", "/left-messages?handled=" + left.handled), loadFlowNames()]).then(function (got) {
      if (seq !== left.seq) return;
      left.items = got[0];
      left.loaded = true;
      K.showError($("#left-error"), null);
      renderLeft();
    }, function (err) {
      if (seq === left.seq) K.showError($("#left-error"), err);
    }).then(function () {
      if (seq === left.seq) $("#left-loading").hidden = true;
    });
  }

  function renderLeft() {
    var buttons = document.querySelectorAll("#left-filter button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", buttons[i].getAttribute("data-handled") === String(left.handled) ? "true" : "false");
    }
    var list = K.clear($("#left-list"));
    left.items.forEach(function (m) { list.appendChild(leftItem(m)); });
    var empty = $("#left-empty");
    empty.hidden = left.items.length > 0 || !left.loaded;
    empty.textContent = left.handled ? t("left.emptyHandled") : t("left.empty");
    $("#left-total").textContent = left.loaded ? t("kb.count", { n: left.items.length }) : "";
  }

  function leftItem(m) {
    var ctx = m.context || {};
    var meta = el("div", { className: "left-meta" }, [
      el("time", { datetime: m.created_at, title: K.fullTime(m.created_at), text: t("left.at", { t: K.formatTime(m.created_at) }) })
    ]);
    if (ctx.reason) meta.appendChild(el("span", { className: "tag", text: label("handoff.reason.", ctx.reason) }));
    if (ctx.emotion === "angry" || ctx.emotion === "anxious") meta.appendChild(emotionBadge(ctx.emotion));
    if (m.conversation_id) {
      meta.appendChild(el("a", { className: "left-conv", href: "/admin/conversations?id=" + encodeURIComponent(m.conversation_id),
        text: t("left.openConv") }));
    }
    var main = el("div", {}, [
      el("div", { className: "left-contact", title: t("left.contact") }, [el("span", { className: "visually-hidden",
        text: t("left.contact") + " " }), m.contact]),
      el("p", { className: "left-text", text: m.text }),
      meta
    ]);
    if (ctx.reason || ctx.summary) {
      main.appendChild(el("details", { className: "more left-context" }, [el("summary", { text: t("left.context") })]
        .concat(handoffDetails(ctx))));
    }
    var actions = el("div", { className: "left-actions" });
    if (m.handled_at) {
      actions.appendChild(el("span", { className: "badge badge-on left-handled", title: K.fullTime(m.handled_at),
        text: t("left.handledAt", { t: K.formatTime(m.handled_at) }) }));
    } else {
      actions.appendChild(el("button", { type: "button", className: "btn btn-sm btn-primary left-mark",
        text: t("left.markHandled"), on: { click: function () { markHandled(m, this); } } }));
    }
    return el("li", { className: "left-item", "data-id": m.id }, [main, actions]);
  }

  function markHandled(m, button) {
    button.disabled = true;
    K.showError($("#left-error"), null);
    K.api("POST", "/left-messages/" + m.id + "/handled").then(function () {
      left.items = left.items.filter(function (x) { return x.id !== m.id; });
      renderLeft();
      loadLeftCount();
      K.toast(t("left.done"));
    }, function (err) {
      K.showError($("#left-error"), err);
      button.disabled = false;
    });
  }

  function initLeft() {
    $("#left-card").hidden = false;
    $("#left-loading").hidden = false;
    var buttons = document.querySelectorAll("#left-filter button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function () {
        left.handled = this.getAttribute("data-handled") === "true";
        left.items = [];
        left.loaded = false;
        $("#left-loading").hidden = false;
        renderLeft();
        loadLeft();
      });
    }
    K.onLangChange(renderLeft);
    renderLeft();
    loadLeft();
  }

  function initList() {
    $("#list-view").hidden = false;
    var params = new URLSearchParams(location.search);
    var view = params.get("view") === "left" ? "left" : "list";
    var tabs = document.querySelectorAll("#conv-tabs a");
    for (var v = 0; v < tabs.length; v++) {
      if (tabs[v].getAttribute("data-view") === view) tabs[v].setAttribute("aria-current", "page");
    }
    loadLeftCount();
    if (view === "left") {
      initLeft();
      return;
    }
    $("#conv-list-card").hidden = false;
    var status = params.get("status") || "";
    list.status = STATUSES.indexOf(status) >= 0 ? status : "";
    var buttons = document.querySelectorAll("#conv-filter button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function () {
        list.status = this.getAttribute("data-status");
        list.offset = 0;
        list.lastJson = "";
        list.items = [];
        list.total = 0;
        list.loaded = false;
        $("#conv-loading").hidden = false;
        history.replaceState(null, "", "/admin/conversations" + (list.status ? "?status=" + list.status : ""));
        renderList();
        loadList(false);
      });
    }
    $("#conv-prev").addEventListener("click", function () {
      list.offset = Math.max(0, list.offset - PAGE);
      loadList(false);
    });
    $("#conv-next").addEventListener("click", function () {
      list.offset += PAGE;
      loadList(false);
    });
    K.onLangChange(renderList);
    renderList();
    loadList(false);
    setInterval(function () {
      if (document.visibilityState === "visible") loadList(true);
    }, LIST_REFRESH_MS);
  }

  // --- transcript -----------------------------------------------------------------------------

  var conv = { id: 0, data: null, customer: null, messages: [], lastId: 0, busy: false, timer: null, handoff: null };

  function renderHandoff() {
    var panel = $("#handoff-panel");
    panel.hidden = !conv.handoff;
    var body = K.clear($("#handoff-body"));
    if (conv.handoff) handoffDetails(conv.handoff).forEach(function (n) { body.appendChild(n); });
  }

  var messageNode = K.messageNode;

  function renderHeader() {
    var c = conv.data, cu = conv.customer;
    var name = cu.name || cu.external_id || t("conv.anonymous") + " #" + cu.id;
    $("#conv-customer").textContent = name;
    K.clear($("#conv-status")).appendChild(statusBadge(c.status));
    var verified = K.clear($("#conv-verified"));
    if (cu.verified) verified.appendChild(el("span", { className: "badge badge-verified", text: t("conv.verified") }));
    var meta = K.clear($("#conv-meta"));
    meta.appendChild(el("span", { text: t("conv.number", { id: c.id }) }));
    meta.appendChild(el("span", { text: channelName(c.channel) }));
    if (cu.external_id) meta.appendChild(el("span", { text: t("conv.customerId", { id: cu.external_id }) }));
    meta.appendChild(el("span", { title: K.fullTime(c.created_at), text: t("conv.started", { t: K.formatTime(c.created_at) }) }));
    if (c.closed_at) meta.appendChild(el("span", { text: t("conv.closedAt", { t: K.formatTime(c.closed_at) }) }));
    var closed = c.status === "closed";
    $("#conv-close").hidden = closed;
    $("#reply-form").hidden = closed;
    $("#reply-closed").hidden = !closed;
    document.title = name + " · " + t("title.conversations");
  }

  function renderMessages() {
    var box = K.clear($("#transcript"));
    if (!conv.messages.length) box.appendChild(el("div", { className: "empty", text: t("conv.noMessages") }));
    conv.messages.forEach(function (m) { box.appendChild(messageNode(m)); });
    box.scrollTop = box.scrollHeight;
  }

  function addMessages(messages) {
    var box = $("#transcript");
    var nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    var fresh = messages.filter(function (m) { return m.id > conv.lastId; });
    if (!fresh.length) return;
    if (!conv.messages.length) K.clear(box);
    fresh.forEach(function (m) {
      conv.messages.push(m);
      conv.lastId = Math.max(conv.lastId, m.id);
      box.appendChild(messageNode(m));
    });
    if (nearBottom) box.scrollTop = box.scrollHeight;
  }

  function loadTranscript() {
    return Promise.all([K.api("GET", "/conversations/" + conv.id), loadFlowNames()]).then(function (got) {
      var tr = got[0];
      conv.data = tr.conversation;
      conv.customer = tr.customer;
      conv.messages = tr.messages;
      conv.handoff = tr.handoff || null;
      conv.lastId = tr.messages.reduce(function (a, m) { return Math.max(a, m.id); }, 0);
      $("#conv-card").hidden = false;
      renderHeader();
      renderHandoff();
      renderMessages();
    }, function (err) {
      K.showError($("#conv-error"), err.status === 404 ? t("conv.notFound") : K.errorText(err));
    });
  }

  /** Fetch what is new since the last message we have (and the conversation's current status). */
  function refresh() {
    if (!conv.data) return Promise.resolve();
    return K.api("GET", "/conversations/" + conv.id + "?after=" + conv.lastId).then(function (tr) {
      var statusChanged = tr.conversation.status !== conv.data.status;
      var handoffChanged = JSON.stringify(tr.handoff || null) !== JSON.stringify(conv.handoff);
      conv.data = tr.conversation;
      conv.customer = tr.customer;
      conv.handoff = tr.handoff || null;
      if (statusChanged) renderHeader();
      if (handoffChanged) renderHandoff();
      addMessages(tr.messages);
      if (conv.data.status === "closed" && conv.timer) {
        clearInterval(conv.timer); // a customer who writes again starts a new conversation
        conv.timer = null;
      }
    }, function () { /* a missed poll is retried on the next tick */ });
  }

  function sendReply(ev) {
    ev.preventDefault();
    if (conv.busy) return;
    var input = $("#reply-text");
    var text = input.value.trim();
    if (!text) {
      input.focus();
      return;
    }
    conv.busy = true;
    var b = $("#reply-send");
    b.disabled = true;
    b.textContent = t("conv.sending");
    K.showError($("#reply-error"), null);
    K.api("POST", "/conversations/" + conv.id + "/messages", { text: text }).then(function () {
      input.value = "";
      return refresh();
    }, function (err) {
      K.showError($("#reply-error"), err);
      if (err.code === "conversation_closed") return refresh();
    }).then(function () {
      conv.busy = false;
      b.disabled = false;
      b.textContent = t("conv.send");
    });
  }

  function closeConversation() {
    K.confirmDialog({ title: t("conv.closeTitle"), body: t("conv.closeBody"), ok: t("conv.closeBtn"), danger: true })
      .then(function (yes) {
        if (!yes) return;
        K.api("POST", "/conversations/" + conv.id + "/close").then(function () {
          K.toast(t("conv.closedToast"));
          return refresh();
        }, function (err) { K.toast(K.errorText(err), true); });
      });
  }

  function initDetail(id) {
    conv.id = id;
    $("#detail-view").hidden = false;
    $("#reply-form").addEventListener("submit", sendReply);
    $("#reply-text").addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) sendReply(ev);
    });
    $("#conv-close").addEventListener("click", closeConversation);
    K.onLangChange(function () {
      if (!conv.data) return;
      renderHeader();
      renderHandoff();
      renderMessages();
    });
    loadTranscript().then(function () {
      conv.timer = setInterval(function () {
        if (document.visibilityState === "visible" && !conv.busy) refresh();
      }, TRANSCRIPT_REFRESH_MS);
    });
  }

  function init() {
    K.boot("conversations").then(function () {
      var raw = new URLSearchParams(location.search).get("id");
      var id = raw && /^\d+$/.test(raw) ? parseInt(raw, 10) : 0;
      if (id > 0) initDetail(id);
      else initList();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
