/* kefu admin console: try the bot — chat as a customer and see, beside each of the bot's replies, what it
 * recognised (the trace the bot keeps in the conversation). The chat is a test conversation: it goes through the
 * same intake and bot as a customer's, never reaches the agents' queue and is left out of the conversation list.
 * Everything the bot or the tester wrote is set with textContent. */
(function () {
  "use strict";
  var K = window.KefuAdmin;
  var t = K.t, el = K.el, $ = K.$;

  var conv = null;     // the open test conversation
  var customer = null; // who the tester chats as
  var turns = [];      // [{message, replies, trace, pressed}] in order; drawn again when the language changes
  var busy = false;

  function score(x) { return typeof x === "number" && isFinite(x) ? x.toFixed(2) : "–"; }

  function flowName(id) { return K.intentName(id); }

  // --- the chat side ------------------------------------------------------------------------------

  /** A link the bot's answer carries, when it is http(s); anything else is shown as text. */
  function safeHref(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }

  function buttonsFor(m) {
    var p = m.payload;
    if (!p || (p.type !== "buttons" && p.type !== "answer") || !Array.isArray(p.buttons) || !p.buttons.length) {
      return null;
    }
    var box = el("div", { className: "msg-buttons try-buttons" });
    p.buttons.forEach(function (b) {
      if (!b || typeof b.label !== "string") return;
      var href = safeHref(b.url);
      if (href) {
        box.appendChild(el("a", { className: "chip", href: href, target: "_blank", rel: "noopener noreferrer",
          text: b.label }));
      } else if (b.action === "handoff") {
        box.appendChild(el("button", { type: "button", className: "chip try-option try-option-handoff",
          text: b.label, on: { click: function () { pressHandoff(b.label); } } }));
      } else if (typeof b.value === "string") {
        box.appendChild(el("button", { type: "button", className: "chip try-option", "data-value": b.value,
          text: b.label, on: { click: function () { send(b.value, true); } } }));
      }
    });
    return box.childNodes.length ? box : null;
  }

  function messageNode(m) {
    var meta = el("div", { className: "msg-meta" }, [
      el("span", { className: "msg-kind", text: t("sender." + m.sender) })
    ]);
    if (m.sender === "customer" && m.payload && m.payload.type === "button") {
      meta.appendChild(el("span", { className: "tag try-pressed", text: t("try.asButton") }));
    }
    var node = el("div", { className: "msg", "data-sender": m.sender, "data-id": m.id }, [
      meta,
      el("div", { className: "msg-text", text: m.text })
    ]);
    var p = m.payload || {};
    var link = safeHref(p.link_url);
    var image = safeHref(p.image_url);
    if (link || image) {
      node.appendChild(el("div", { className: "msg-buttons" }, [
        image ? el("a", { className: "chip", href: image, target: "_blank", rel: "noopener noreferrer",
          text: t("try.image") }) : null,
        link ? el("a", { className: "chip", href: link, target: "_blank", rel: "noopener noreferrer",
          text: t("try.link") }) : null
      ]));
    }
    if (m.sender === "bot") {
      var buttons = buttonsFor(m);
      if (buttons) node.appendChild(buttons);
    }
    return node;
  }

  // --- the trace side ------------------------------------------------------------------------------

  function row(dl, key, value, cls) {
    if (value === null || value === undefined || value === "") return;
    dl.appendChild(el("dt", { text: t(key) }));
    dl.appendChild(el("dd", { className: cls }, Array.isArray(value) ? value : [value]));
  }

  /** A slot's or an entity's value as text: a parsed address or a list reads as its parts. */
  function valueText(v) {
    if (v === null || v === undefined) return "";
    if (Array.isArray(v)) return v.map(valueText).filter(Boolean).join("、");
    if (typeof v === "object") {
      return Object.keys(v).map(function (k) { return valueText(v[k]); }).filter(Boolean).join(" ");
    }
    if (typeof v === "boolean") return v ? t("try.yes") : t("try.no");
    return String(v);
  }

  function pairs(obj, prefix, cls) {
    var keys = Object.keys(obj || {}).filter(function (k) { return valueText(obj[k]) !== ""; });
    if (!keys.length) return null;
    return el("span", { className: "try-pairs" }, keys.map(function (k) {
      return el("span", { className: "tag " + cls, "data-key": k }, [
        el("span", { className: "try-pair-key", text: K.label(prefix, k) }),
        " " + valueText(obj[k])
      ]);
    }));
  }

  /** Scores as a short list of bars, best first; `mark` is the one the bot chose. */
  function bars(items, nameOf, mark, cls) {
    var list = el("ol", { className: "try-bars " + cls });
    items.forEach(function (c) {
      var s = typeof c.score === "number" ? Math.max(0, Math.min(1, c.score)) : 0;
      var fill = el("span", { className: "try-bar-fill" });
      fill.style.width = Math.round(s * 100) + "%";
      list.appendChild(el("li", { className: "try-bar-row" + (mark(c) ? " is-chosen" : "") }, [
        el("span", { className: "try-bar-name", text: nameOf(c), title: nameOf(c) }),
        el("span", { className: "try-bar", "aria-hidden": "true" }, [fill]),
        el("span", { className: "try-bar-score", text: score(c.score) })
      ]));
    });
    return list;
  }

  function traceNode(turn) {
    var tr = turn.trace;
    var box = el("aside", { className: "try-trace", "aria-label": t("try.trace") });
    if (!tr) {
      box.classList.add("is-empty");
      box.appendChild(el("p", { className: "muted small", text: turn.pressed ? t("try.noTraceHandoff")
        : t("try.noTrace") }));
      return box;
    }
    var head = el("div", { className: "try-trace-head" }, [
      el("span", { className: "badge try-outcome try-outcome-" + (tr.outcome || "none"), "data-outcome": tr.outcome || "",
        text: K.label("try.outcome.", tr.outcome || "none") }),
      tr.locale ? el("span", { className: "tag", text: t("try.lang." + tr.locale) }) : null,
      tr.status && tr.status !== "bot" ? K.badge("status", tr.status) : null
    ]);
    box.appendChild(head);

    var dl = el("dl", { className: "kv try-kv" });
    var points = tr.points && tr.points.length ? tr.points : (tr.point ? [tr.point] : []);
    if (points.length) {
      row(dl, "try.point", points.map(function (p) {
        return el("div", { className: "try-point", "data-point": p.id }, [
          el("span", { className: "try-point-q", text: p.question }),
          el("span", { className: "try-score", text: score(p.score) })
        ]);
      }), "try-points");
    }
    if (tr.flow) {
      var f = tr.flow;
      row(dl, "try.flow", [
        el("span", { className: "try-flow-name", "data-flow": f.id, text: flowName(f.id) }),
        f.status ? el("span", { className: "tag try-flow-status", text: K.label("try.flowStatus.", f.status) }) : null,
        f.asking ? el("span", { className: "muted small try-asking",
          text: t("try.asking", { slot: K.label("try.slot.", f.asking) }) }) : null
      ], "try-flow");
      row(dl, "try.slots", pairs(f.slots, "try.slot.", "try-slot"), "try-slots");
    }
    row(dl, "try.entities", pairs(tr.entities, "try.entity.", "try-entity"), "try-entities");
    if (tr.emotion) {
      var e = tr.emotion;
      row(dl, "try.emotion", [
        K.emotionBadge(e.label || "neutral"),
        e.counted ? el("span", { className: "try-score", text: score(e.score) }) : null, // not read: no score
        el("span", { className: "muted small try-counted", "data-counted": e.counted ? "1" : "0",
          text: e.counted ? t("try.counted") : (tr.button ? t("try.notCountedButton") : t("try.notCounted")) })
      ], "try-emotion");
    }
    if (tr.smalltalk) row(dl, "try.smalltalk", K.label("try.small.", tr.smalltalk), "try-smalltalk");
    if (tr.handoff) row(dl, "try.handoff", K.label("handoff.reason.", tr.handoff), "try-handoff");
    if (dl.childNodes.length) box.appendChild(dl);

    if (tr.candidates && tr.candidates.length) {
      var chosen = {};
      points.forEach(function (p) { chosen[p.id] = true; });
      box.appendChild(el("div", { className: "try-sub", text: t("try.candidates") }));
      box.appendChild(bars(tr.candidates, function (c) { return c.question; },
        function (c) { return !!chosen[c.point_id]; }, "try-candidates"));
    }
    if (tr.flow_candidates && tr.flow_candidates.length) {
      box.appendChild(el("div", { className: "try-sub", text: t("try.flowCandidates") }));
      box.appendChild(bars(tr.flow_candidates, function (c) { return flowName(c.id); },
        function (c) { return !!tr.flow && tr.flow.id === c.id; }, "try-flow-candidates"));
    }
    return box;
  }

  // --- drawing -------------------------------------------------------------------------------------

  function turnNode(turn, i) {
    var chat = el("div", { className: "try-chat" });
    if (turn.message) chat.appendChild(messageNode(turn.message));
    if (turn.pressed) {
      chat.appendChild(el("div", { className: "msg", "data-sender": "customer" }, [
        el("div", { className: "msg-meta" }, [el("span", { className: "msg-kind", text: t("sender.customer") }),
          el("span", { className: "tag try-pressed", text: t("try.asButton") })]),
        el("div", { className: "msg-text", text: turn.pressed })
      ]));
    }
    turn.replies.forEach(function (m) { chat.appendChild(messageNode(m)); });
    var node = el("div", { className: "try-turn" + (i === 0 && !turn.message && !turn.pressed ? " is-greeting" : ""),
      "data-turn": String(i) }, [chat]);
    if (turn.message || turn.pressed) node.appendChild(traceNode(turn));
    return node;
  }

  function render() {
    var log = K.clear($("#try-log"));
    turns.forEach(function (turn, i) { log.appendChild(turnNode(turn, i)); });
    $("#try-empty").hidden = !!conv;
    renderHint();
  }

  /** Scroll the window so a new turn shows above the typing box, its top first when it is taller than that. */
  function reveal(node) {
    var top = ($("#topnav") ? $("#topnav").offsetHeight : 0) + 8;
    var bottom = window.innerHeight - $("#try-form").offsetHeight - 8;
    var r = node.getBoundingClientRect();
    if (r.bottom > bottom) window.scrollBy(0, Math.min(r.bottom - bottom, r.top - top));
  }

  function append(turn) {
    turns.push(turn);
    var node = turnNode(turn, turns.length - 1);
    $("#try-log").appendChild(node);
    renderHint();
    reveal(node);
  }

  function renderHint() {
    var hint = $("#try-hint");
    if (!conv) {
      hint.textContent = t("try.hint");
      return;
    }
    var who = customer && customer.external_id ? t("try.asCustomer", { id: customer.external_id }) : t("try.asVisitor");
    var text = t("try.current", { who: who, id: conv.id, lang: t("try.lang." + conv.locale) });
    if (conv.status === "closed") text += " " + t("try.closed");
    hint.textContent = text;
  }

  function setBusy(on) {
    busy = on;
    $("#try-send").disabled = on || !conv || conv.status === "closed";
    $("#try-text").disabled = !conv || conv.status === "closed";
    $("#try-new").disabled = on;
    var options = document.querySelectorAll(".try-option");
    for (var i = 0; i < options.length; i++) options[i].disabled = on;
  }

  // --- talking -------------------------------------------------------------------------------------

  function openConversation(ev) {
    if (ev) ev.preventDefault();
    if (busy) return;
    var body = { locale: $("#try-locale").value === "en" ? "en" : "zh" };
    if ($("#try-known").checked) {
      var id = $("#try-customer").value.trim();
      if (!id) {
        K.showError($("#try-error"), t("try.needCustomer"));
        $("#try-customer").focus();
        return;
      }
      body.customer_id = id;
    }
    K.showError($("#try-error"), null);
    setBusy(true);
    K.api("POST", "/bot/try/conversations", body).then(function (d) {
      conv = d.conversation;
      customer = d.customer;
      turns = [{ message: null, replies: d.messages, trace: null }];
      render();
      reveal($("#try-log").lastChild);
      setBusy(false);
      $("#try-text").focus();
    }, function (err) {
      K.showError($("#try-error"), err);
      setBusy(false);
    });
  }

  function afterTurn(turn) {
    conv = turn.conversation;
    append(turn);
    setBusy(false);
  }

  function send(text, button) {
    if (!conv || busy || !text.trim()) return;
    K.showError($("#try-error"), null);
    setBusy(true);
    K.api("POST", "/bot/try/conversations/" + conv.id + "/messages", { text: text, button: !!button })
      .then(function (turn) {
        if (!button) $("#try-text").value = "";
        afterTurn(turn);
        $("#try-text").focus();
      }, function (err) {
        K.showError($("#try-error"), err); // what was typed stays in the box
        setBusy(false);
      });
  }

  function pressHandoff(label) {
    if (!conv || busy) return;
    K.showError($("#try-error"), null);
    setBusy(true);
    K.api("POST", "/bot/try/conversations/" + conv.id + "/handoff").then(function (turn) {
      turn.pressed = label;
      afterTurn(turn);
    }, function (err) {
      K.showError($("#try-error"), err);
      setBusy(false);
    });
  }

  function init() {
    K.boot("try").then(function () {
      if (!K.isAdmin()) {
        $("#try-readonly").hidden = false;
        return;
      }
      $("#try-card").hidden = false;
      $("#try-empty").hidden = false;
      K.loadFlowNames().then(function () { if (turns.length) render(); });
      var who = document.querySelectorAll('input[name="try-who"]');
      for (var i = 0; i < who.length; i++) {
        who[i].addEventListener("change", function () {
          $("#try-customer").disabled = !$("#try-known").checked;
          if ($("#try-known").checked) $("#try-customer").focus();
        });
      }
      $("#try-locale").value = K.lang();
      $("#try-setup").addEventListener("submit", openConversation);
      $("#try-form").addEventListener("submit", function (ev) {
        ev.preventDefault();
        send($("#try-text").value, false);
      });
      $("#try-text").addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
          ev.preventDefault();
          send($("#try-text").value, false);
        }
      });
      K.onLangChange(function () { render(); });
      renderHint();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
