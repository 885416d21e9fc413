/* kefu admin console: the built-in store — orders (list, and at ?order=NO one order with its parcels),
 * products and return requests. Amounts travel as integer cents and are shown in yuan. */
(function () {
  "use strict";
  var K = window.KefuAdmin;
  var t = K.t, el = K.el, $ = K.$;

  var PAGE = 20;
  var ORDER_STATUSES = ["pending_payment", "paid", "shipped", "delivered", "completed", "cancelled"];
  var SHIP_STATUSES = ["in_transit", "out_for_delivery", "delivered", "exception"];
  var CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

  var admin = false;

  // --- money ------------------------------------------------------------------------------------

  var money = K.money;

  /** "168", "168.5", "¥1,168.50" → cents; "" → def; anything else → null. */
  function parseMoney(text, def) {
    var s = String(text || "").trim().replace(/^[¥￥]\s*/, "").replace(/,/g, "");
    if (!s) return def;
    var m = /^(\d{1,8})(?:\.(\d{0,2}))?$/.exec(s);
    if (!m) return null;
    return parseInt(m[1], 10) * 100 + (m[2] ? parseInt((m[2] + "00").slice(0, 2), 10) : 0);
  }

  function yuanText(cents) { return (Math.round(cents) / 100).toFixed(2); }

  function parseCount(text, min) {
    var s = String(text || "").trim();
    if (!/^\d{1,9}$/.test(s)) return null;
    var n = parseInt(s, 10);
    return n >= min ? n : null;
  }

  var badge = K.badge;

  function orderHref(no) { return "/admin/store?order=" + encodeURIComponent(no); }

  // --- orders list ----------------------------------------------------------------------------

  var orders = { status: "", q: "", offset: 0, total: 0, items: [], loaded: false, seq: 0 };

  function ordersUrl() {
    var qs = new URLSearchParams();
    if (orders.status) qs.set("status", orders.status);
    if (orders.q) qs.set("q", orders.q);
    var s = qs.toString();
    return "/admin/store" + (s ? "?" + s : "");
  }

  function loadOrders() {
    var seq = ++orders.seq;
    var qs = new URLSearchParams({ limit: String(PAGE), offset: String(orders.offset) });
    if (orders.status) qs.set("status", orders.status);
    if (orders.q) qs.set("search", orders.q);
    return K.api("GET", "/store/orders?" + qs.toString()).then(function (page) {
      if (seq !== orders.seq) return;
      K.showError($("#order-list-error"), null);
      orders.items = page.items;
      orders.total = page.total;
      orders.loaded = true;
      renderOrders();
    }, function (err) {
      if (seq === orders.seq) K.showError($("#order-list-error"), err);
    }).then(function () {
      if (seq === orders.seq) $("#order-loading").hidden = true;
    });
  }

  function itemsSummary(items) {
    if (!items || !items.length) return "";
    var first = items[0];
    if (items.length === 1) return first.name + " × " + first.quantity;
    return t("order.itemsMore", { name: first.name, n: items.length - 1 });
  }

  function renderOrders() {
    var buttons = document.querySelectorAll("#order-filter button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", buttons[i].getAttribute("data-status") === orders.status ? "true" : "false");
    }
    var tbody = K.clear($("#order-rows"));
    orders.items.forEach(function (o) { tbody.appendChild(orderRow(o)); });
    $("#order-table").hidden = !orders.items.length;
    var empty = $("#order-empty");
    empty.hidden = orders.items.length > 0 || !orders.loaded;
    empty.textContent = orders.status || orders.q ? t("order.emptyFilter") : t("order.empty");
    $("#order-count").textContent = orders.loaded ? t("kb.count", { n: orders.total }) : "";
    $("#order-pager").hidden = orders.total <= PAGE;
    $("#order-range").textContent = t("common.range", {
      from: orders.total ? orders.offset + 1 : 0, to: orders.offset + orders.items.length, total: orders.total });
    $("#order-prev").disabled = orders.offset === 0;
    $("#order-next").disabled = orders.offset + PAGE >= orders.total;
  }

  function orderRow(o) {
    var href = orderHref(o.order_no);
    var who = o.address && o.address.name ? o.address.name : "";
    var tr = el("tr", { className: "order-row", "data-no": o.order_no, "data-status": o.status }, [
      el("td", { "data-label": t("order.col.no") }, [el("a", { className: "order-no", href: href, text: o.order_no })]),
      el("td", { "data-label": t("order.col.items") }, [el("div", { className: "conv-last", text: itemsSummary(o.items),
        title: (o.items || []).map(function (i) { return i.name + " × " + i.quantity; }).join("\n") })]),
      el("td", { "data-label": t("order.col.customer") }, [
        el("div", { text: who || o.customer_ref || "—" }),
        who && o.customer_ref ? el("div", { className: "sub-line mono", text: o.customer_ref }) : null
      ]),
      el("td", { className: "num money", "data-label": t("order.col.total"), text: money(o.total_cents) }),
      el("td", { "data-label": t("order.col.status") }, [badge("order.status", o.status)]),
      el("td", { className: "nowrap muted small", "data-label": t("order.col.created"), title: K.fullTime(o.created_at),
        text: K.formatTime(o.created_at) })
    ]);
    tr.addEventListener("click", function (ev) {
      if (ev.target.closest("a")) return;
      location.assign(href);
    });
    return tr;
  }

  function initOrders(params) {
    var status = params.get("status") || "";
    orders.status = ORDER_STATUSES.indexOf(status) >= 0 ? status : "";
    orders.q = (params.get("q") || "").trim();
    $("#order-search").value = orders.q;
    var buttons = document.querySelectorAll("#order-filter button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function () {
        orders.status = this.getAttribute("data-status");
        orders.offset = 0;
        history.replaceState(null, "", ordersUrl());
        renderOrders();
        loadOrders();
      });
    }
    $("#order-search").addEventListener("input", K.debounce(function () {
      orders.q = $("#order-search").value.trim();
      orders.offset = 0;
      history.replaceState(null, "", ordersUrl());
      loadOrders();
    }, 250));
    $("#order-prev").addEventListener("click", function () {
      orders.offset = Math.max(0, orders.offset - PAGE);
      loadOrders();
    });
    $("#order-next").addEventListener("click", function () {
      orders.offset += PAGE;
      loadOrders();
    });
    renderOrders();
    loadOrders();
  }

  // --- one order ------------------------------------------------------------------------------

  var order = null;

  function loadOrder(no) {
    return K.api("GET", "/store/orders/" + encodeURIComponent(no)).then(function (d) {
      $("#order-detail-loading").hidden = true;
      renderOrder(d);
    }, function (err) {
      $("#order-detail-loading").hidden = true;
      K.showError($("#order-load-error"), err.status === 404 ? t("order.notFound") : K.errorText(err));
    });
  }

  function renderOrder(d) {
    order = d;
    $("#order-detail").hidden = false;
    $("#order-title").textContent = t("order.heading", { no: d.order_no });
    K.clear($("#order-status")).appendChild(badge("order.status", d.status));
    document.title = t("order.heading", { no: d.order_no }) + " · " + t("title.store");

    var meta = K.clear($("#order-meta"));
    function stamp(key, iso) {
      if (iso) meta.appendChild(el("span", { title: K.fullTime(iso), text: t(key, { t: K.formatTime(iso) }) }));
    }
    if (d.customer_ref) meta.appendChild(el("span", { text: t("order.customerRef", { id: d.customer_ref }) }));
    stamp("order.placed", d.created_at);
    stamp("order.paidAt", d.paid_at);
    stamp("order.shippedAt", d.shipped_at);
    stamp("order.deliveredAt", d.delivered_at);
    stamp("order.cancelledAt", d.cancelled_at);
    if (d.status === "paid") stamp("order.shipBy", d.expected_ship_by);
    if (d.payment_method) meta.appendChild(el("span", { text: t("order.payment", { m: d.payment_method }) }));
    if (d.urge_count) meta.appendChild(el("span", { className: "badge badge-queued", text: t("order.urged", { n: d.urge_count }) }));

    var actions = K.clear($("#order-actions"));
    if (admin) {
      (d.next_statuses || []).forEach(function (s) {
        actions.appendChild(el("button", { type: "button", "data-next": s, id: "order-move-" + s,
          className: s === "cancelled" ? "btn btn-danger" : "btn btn-primary", text: t("order.move." + s),
          on: { click: function () { moveOrder(s, this); } } }));
      });
      if (!(d.next_statuses || []).length) actions.appendChild(el("span", { className: "muted small", text: t("order.final") }));
    }
    showActionError(null);

    var rows = K.clear($("#order-item-rows"));
    (d.items || []).forEach(function (i) {
      var attrs = Object.keys(i.attributes || {}).map(function (k) { return k + ": " + i.attributes[k]; }).join(" · ");
      rows.appendChild(el("tr", { className: "item-line" }, [
        el("td", { "data-label": t("order.item.name") }, [
          el("div", { text: i.name }),
          el("div", { className: "sub-line" }, [el("span", { className: "mono", text: i.sku }), attrs ? " · " + attrs : null])
        ]),
        el("td", { className: "num money", "data-label": t("order.item.price"), text: money(i.unit_price_cents) }),
        el("td", { className: "num", "data-label": t("order.item.qty"), text: "× " + i.quantity }),
        el("td", { className: "num money", "data-label": t("order.item.subtotal"),
          text: money(i.unit_price_cents * i.quantity) })
      ]));
    });
    rows.appendChild(el("tr", { className: "order-total" }, [
      el("td", { colspan: "3", text: t("order.total") }),
      el("td", { className: "num money", id: "order-total", text: money(d.total_cents) })
    ]));

    var addr = d.address || {};
    var box = K.clear($("#order-address"));
    var place = [addr.province, addr.city !== addr.province ? addr.city : "", addr.district, addr.detail]
      .filter(function (s) { return s; }).join(" ");
    if (!addr.name && !addr.phone && !place) {
      box.appendChild(el("p", { className: "muted", style: "margin:0", text: t("order.address.none") }));
    } else {
      box.appendChild(el("dl", { className: "kv" }, [
        el("dt", { text: t("order.f.recipient") }), el("dd", { id: "order-recipient", text: addr.name || "—" }),
        el("dt", { text: t("order.f.phone") }), el("dd", { id: "order-phone", text: addr.phone || "—" }),
        el("dt", { text: t("order.f.detail") }), el("dd", { id: "order-place", text: place || "—" })
      ]));
    }

    renderShipments(d);
    var shipOk = admin && (d.status === "paid" || d.status === "shipped" || d.status === "delivered");
    $("#ship-form-wrap").hidden = !shipOk;

    var returns = d.returns || [];
    $("#order-returns-card").hidden = !returns.length;
    var rbody = K.clear($("#order-return-rows"));
    returns.forEach(function (r) {
      rbody.appendChild(el("tr", {}, [
        el("td", { className: "mono-cell", "data-label": t("ret.col.no"), text: r.return_no }),
        el("td", { "data-label": t("ret.col.kind"), text: t("ret.kind." + r.kind) }),
        el("td", { "data-label": t("ret.col.reason"), text: r.reason || "—" }),
        el("td", { "data-label": t("ret.col.status") }, [badge("ret.status", r.status)]),
        el("td", { className: "nowrap muted small", "data-label": t("ret.col.created"), text: K.formatTime(r.created_at) })
      ]));
    });
  }

  function renderShipments(d) {
    var box = K.clear($("#order-shipments"));
    var list = d.shipments || [];
    if (!list.length) {
      box.appendChild(el("p", { className: "muted", style: "margin:0", id: "order-no-shipments", text: t("order.noShipments") }));
      return;
    }
    list.forEach(function (s) {
      var node = K.shipmentNode(s);
      if (admin) node.appendChild(trackingForm(d, s));
      box.appendChild(node);
    });
  }

  function trackingForm(d, s) {
    var desc = el("input", { className: "input track-desc", maxlength: "300", autocomplete: "off",
      placeholder: t("track.descPh") });
    var place = el("input", { className: "input track-location", maxlength: "100", autocomplete: "off" });
    var status = el("select", { className: "select track-status" }, [el("option", { value: "", text: t("track.statusSame") })]
      .concat(SHIP_STATUSES.map(function (v) { return el("option", { value: v, text: t("ship.status." + v) }); })));
    var submit = el("button", { type: "submit", className: "btn btn-primary track-submit", text: t("track.submit") });
    var error = el("div", { className: "alert alert-error form-error track-error", role: "alert", hidden: true });
    var uid = "tr-" + s.tracking_no;
    desc.id = uid + "-desc";
    place.id = uid + "-loc";
    status.id = uid + "-status";
    var form = el("form", { className: "inline-form track-form", novalidate: true }, [
      el("div", { className: "field" }, [el("label", { "for": desc.id, text: t("track.desc") }), desc]),
      el("div", { className: "field" }, [el("label", { "for": place.id, text: t("track.location") }), place]),
      el("div", { className: "field" }, [el("label", { "for": status.id, text: t("track.status") }), status]),
      el("div", { className: "form-actions" }, [submit])
    ]);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = { description: desc.value.trim(), location: place.value.trim() };
      if (status.value) body.status = status.value;
      if (!body.description) {
        K.showError(error, t("track.required"));
        desc.focus();
        return;
      }
      submit.disabled = true;
      K.showError(error, null);
      K.api("POST", "/store/orders/" + encodeURIComponent(d.order_no) + "/shipments/" +
        encodeURIComponent(s.tracking_no) + "/events", body).then(function (next) {
        renderOrder(next);
        K.toast(t("track.added"));
      }, function (err) {
        K.showError(error, err);
        submit.disabled = false;
      });
    });
    return el("details", { className: "more track-more" }, [
      el("summary", { text: t("track.add") }),
      form,
      el("p", { className: "hint small muted", style: "margin:8px 0 0", text: t("track.hint") }),
      error
    ]);
  }

  function showActionError(err) {
    $("#order-action-error-wrap").hidden = !err;
    K.showError($("#order-action-error"), err);
  }

  function moveOrder(status, button) {
    var ask = status === "cancelled"
      ? K.confirmDialog({ title: t("order.cancelTitle", { no: order.order_no }), body: t("order.cancelBody"),
        ok: t("order.move.cancelled"), danger: true })
      : Promise.resolve(true);
    ask.then(function (yes) {
      if (!yes) return;
      button.disabled = true;
      showActionError(null);
      K.api("PATCH", "/store/orders/" + encodeURIComponent(order.order_no), { status: status }).then(function (d) {
        renderOrder(d);
        K.toast(t("order.moved", { s: t("order.status." + d.status) }));
      }, function (err) {
        showActionError(err);
        button.disabled = false;
      });
    });
  }

  function addShipment(ev) {
    ev.preventDefault();
    var carrier = $("#ship-carrier").value.trim();
    var tracking = $("#ship-tracking").value.trim();
    if (!carrier || !tracking) {
      K.showError($("#ship-error"), t("ship.required"));
      (carrier ? $("#ship-tracking") : $("#ship-carrier")).focus();
      return;
    }
    var b = $("#ship-submit");
    b.disabled = true;
    K.showError($("#ship-error"), null);
    K.api("POST", "/store/orders/" + encodeURIComponent(order.order_no) + "/shipments",
      { carrier: carrier, tracking_no: tracking }).then(function (d) {
      $("#ship-carrier").value = "";
      $("#ship-tracking").value = "";
      renderOrder(d);
      K.toast(t("ship.added"));
    }, function (err) {
      K.showError($("#ship-error"), err);
    }).then(function () { b.disabled = false; });
  }

  function initOrder(no) {
    $("#order-view").hidden = false;
    $("#ship-form").addEventListener("submit", addShipment);
    K.onLangChange(function () { if (order) renderOrder(order); });
    loadOrder(no);
  }

  // --- new order dialog -----------------------------------------------------------------------

  var products = { items: [], loaded: false, q: "", seq: 0 };
  var catalog = null; // every product, for the order form's SKU suggestions

  function loadCatalog() {
    if (catalog) return Promise.resolve(catalog);
    return K.api("GET", "/store/products?limit=500").then(function (page) {
      catalog = page.items;
      var list = K.clear($("#of-skus"));
      catalog.forEach(function (p) { list.appendChild(el("option", { value: p.sku, label: p.name })); });
      // SKUs typed before the list arrived fill in now.
      var typed = document.querySelectorAll("#of-items .of-sku");
      for (var i = 0; i < typed.length; i++) typed[i].dispatchEvent(new Event("change"));
      return catalog;
    }, function () { return []; });
  }

  function itemRow() {
    var sku = el("input", { className: "input of-sku", maxlength: "64", list: "of-skus", autocomplete: "off",
      "aria-label": t("order.f.sku"), placeholder: t("order.f.sku") });
    var name = el("input", { className: "input of-name", maxlength: "200", autocomplete: "off",
      "aria-label": t("order.f.name"), placeholder: t("order.f.name") });
    var qty = el("input", { className: "input of-qty", type: "number", min: "1", step: "1", value: "1",
      inputmode: "numeric", "aria-label": t("order.f.qty") });
    var price = el("input", { className: "input of-price", inputmode: "decimal", autocomplete: "off",
      "aria-label": t("order.f.price"), placeholder: "0.00" });
    var remove = el("button", { type: "button", className: "btn btn-sm btn-ghost of-remove", text: "✕",
      "aria-label": t("order.f.itemRemove"), title: t("order.f.itemRemove") });
    var row = el("div", { className: "item-row" }, [sku, name, qty, price, remove]);
    function fromCatalog() {
      var p = (catalog || []).filter(function (c) { return c.sku === sku.value.trim(); })[0];
      if (!p) return;
      if (!name.value.trim()) name.value = p.name;
      if (!price.value.trim()) price.value = yuanText(p.price_cents);
      updateTotal();
    }
    sku.addEventListener("input", fromCatalog);
    sku.addEventListener("change", fromCatalog);
    [qty, price].forEach(function (i) { i.addEventListener("input", updateTotal); });
    remove.addEventListener("click", function () {
      row.remove();
      if (!$("#of-items").children.length) $("#of-items").appendChild(itemRow());
      updateTotal();
    });
    return row;
  }

  function readItems() {
    var out = [], problem = null;
    var rows = $("#of-items").querySelectorAll(".item-row");
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var sku = r.querySelector(".of-sku").value.trim();
      var name = r.querySelector(".of-name").value.trim();
      var qtyText = r.querySelector(".of-qty").value;
      var priceText = r.querySelector(".of-price").value;
      if (!sku && !name && !priceText.trim()) continue; // an untouched row
      if (!sku || !name) { problem = problem || { key: "order.f.required", node: r.querySelector(sku ? ".of-name" : ".of-sku") }; continue; }
      var qty = parseCount(qtyText, 1);
      if (qty === null) { problem = problem || { key: "order.f.badQty", node: r.querySelector(".of-qty") }; continue; }
      var cents = parseMoney(priceText, 0);
      if (cents === null) { problem = problem || { key: "order.f.badPrice", node: r.querySelector(".of-price") }; continue; }
      out.push({ sku: sku, name: name, quantity: qty, unit_price_cents: cents });
    }
    return { items: out, problem: problem };
  }

  function updateTotal() {
    var read = readItems();
    var sum = read.items.reduce(function (a, i) { return a + i.quantity * i.unit_price_cents; }, 0);
    $("#of-total").textContent = read.items.length ? t("order.f.total", { t: money(sum) }) : "";
  }

  function openOrderDialog() {
    ["#of-no", "#of-customer", "#of-payment", "#of-recipient", "#of-phone", "#of-province", "#of-city", "#of-district",
      "#of-detail"].forEach(function (s) { $(s).value = ""; });
    $("#of-status").value = "pending_payment";
    K.clear($("#of-items")).appendChild(itemRow());
    updateTotal();
    K.showError($("#order-form-error"), null);
    $("#order-form-save").disabled = false;
    loadCatalog();
    var dlg = $("#order-dialog");
    if (!dlg.open) dlg.showModal();
    $("#of-no").focus();
  }

  function closeDialog(sel) {
    var dlg = $(sel);
    if (dlg.open) dlg.close();
  }

  function createOrder(ev) {
    ev.preventDefault();
    var box = $("#order-form-error");
    var no = $("#of-no").value.trim();
    var read = readItems();
    if (!no) {
      K.showError(box, t("order.f.required"));
      $("#of-no").focus();
      return;
    }
    if (!CODE.test(no)) {
      K.showError(box, t("order.f.noHint"));
      $("#of-no").focus();
      return;
    }
    if (read.problem || !read.items.length) {
      K.showError(box, t(read.problem ? read.problem.key : "order.f.required"));
      (read.problem ? read.problem.node : $("#of-items .of-sku")).focus();
      return;
    }
    var phone = $("#of-phone").value.trim();
    if ((phone.match(/\d/g) || []).length < 7) {
      K.showError(box, t("order.f.phoneHint"));
      $("#of-phone").focus();
      return;
    }
    var body = {
      order_no: no,
      customer_ref: $("#of-customer").value.trim() || null,
      status: $("#of-status").value,
      payment_method: $("#of-payment").value.trim(),
      items: read.items,
      address: {
        name: $("#of-recipient").value.trim(), phone: phone, province: $("#of-province").value.trim(),
        city: $("#of-city").value.trim(), district: $("#of-district").value.trim(), detail: $("#of-detail").value.trim()
      }
    };
    var b = $("#order-form-save");
    b.disabled = true;
    K.showError(box, null);
    K.api("POST", "/store/orders", body).then(function (d) {
      closeDialog("#order-dialog");
      K.toast(t("order.f.created", { no: d.order_no }));
      location.assign(orderHref(d.order_no));
    }, function (err) {
      K.showError(box, err); // the dialog stays open with everything as typed
      b.disabled = false;
    });
  }

  // --- products -------------------------------------------------------------------------------

  var editing = null; // the SKU whose price and stock are being edited

  function loadProducts() {
    var seq = ++products.seq;
    var qs = new URLSearchParams({ limit: "500" });
    if (products.q) qs.set("search", products.q);
    return K.api("GET", "/store/products?" + qs.toString()).then(function (page) {
      if (seq !== products.seq) return;
      K.showError($("#product-list-error"), null);
      products.items = page.items;
      products.total = page.total;
      products.loaded = true;
      renderProducts();
    }, function (err) {
      if (seq === products.seq) K.showError($("#product-list-error"), err);
    }).then(function () {
      if (seq === products.seq) $("#product-loading").hidden = true;
    });
  }

  function renderProducts() {
    var tbody = K.clear($("#product-rows"));
    products.items.forEach(function (p) { tbody.appendChild(productRow(p)); });
    $("#product-table").hidden = !products.items.length;
    var empty = $("#product-empty");
    empty.hidden = products.items.length > 0 || !products.loaded;
    empty.textContent = products.q ? t("product.emptySearch") : t("product.empty");
    $("#product-count").textContent = products.loaded ? t("kb.count", { n: products.total }) : "";
  }

  function productRow(p) {
    var attrs = Object.keys(p.attributes || {}).map(function (k) { return k + ": " + p.attributes[k]; }).join(" · ");
    var isEditing = editing === p.sku;
    var tr = el("tr", { className: "product-row" + (isEditing ? " is-editing" : ""), "data-sku": p.sku }, [
      el("td", { className: "mono-cell", "data-label": t("product.col.sku"), text: p.sku }),
      el("td", { "data-label": t("product.col.name") }, [
        el("div", { className: "kb-q", text: p.name }),
        attrs ? el("div", { className: "sub-line", text: attrs }) : null
      ]),
      el("td", { "data-label": t("product.col.category") }, [p.category ? el("span", { className: "tag", text: p.category }) : null])
    ]);
    if (isEditing) {
      var price = el("input", { className: "input edit-num product-price-input", inputmode: "decimal",
        value: yuanText(p.price_cents), "aria-label": t("product.priceLabel", { sku: p.sku }) });
      var stock = el("input", { className: "input edit-num product-stock-input", type: "number", min: "0", step: "1",
        value: String(p.stock), "aria-label": t("product.stockLabel", { sku: p.sku }) });
      var error = el("div", { className: "alert alert-error row-error product-error", role: "alert", hidden: true });
      var save = el("button", { type: "button", className: "btn btn-sm btn-primary product-save", text: t("common.save") });
      var cancel = el("button", { type: "button", className: "btn btn-sm product-cancel", text: t("common.cancel") });
      tr.appendChild(el("td", { className: "num", "data-label": t("product.col.price") }, [price]));
      tr.appendChild(el("td", { className: "num", "data-label": t("product.col.stock") }, [stock]));
      tr.appendChild(el("td", { className: "col-actions" }, [save, cancel, error]));
      var submit = function () { saveProduct(p, price, stock, error, save); };
      save.addEventListener("click", submit);
      [price, stock].forEach(function (i) {
        i.addEventListener("keydown", function (ev) {
          if (ev.key === "Enter") { ev.preventDefault(); submit(); }
          if (ev.key === "Escape") { ev.preventDefault(); editing = null; renderProducts(); }
        });
      });
      cancel.addEventListener("click", function () { editing = null; renderProducts(); });
      setTimeout(function () { price.focus(); price.select(); }, 0);
    } else {
      tr.appendChild(el("td", { className: "num money", "data-label": t("product.col.price"), text: money(p.price_cents) }));
      tr.appendChild(el("td", { className: "num", "data-label": t("product.col.stock") }, [
        p.stock > 0 ? el("span", { className: "product-stock", text: String(p.stock) })
          : el("span", { className: "badge badge-stockout product-stock", text: t("product.outOfStock") })
      ]));
      var actions = el("td", { className: "col-actions", hidden: !admin });
      if (admin) {
        actions.appendChild(el("button", { type: "button", className: "btn btn-sm product-edit", text: t("common.edit"),
          on: { click: function () { editing = p.sku; renderProducts(); } } }));
        actions.appendChild(el("button", { type: "button", className: "btn btn-sm btn-danger product-delete",
          text: t("common.delete"), on: { click: function () { deleteProduct(p); } } }));
      }
      tr.appendChild(actions);
    }
    return tr;
  }

  function saveProduct(p, priceInput, stockInput, error, button) {
    var cents = parseMoney(priceInput.value, null);
    if (cents === null) {
      K.showError(error, t("order.f.badPrice"));
      priceInput.focus();
      return;
    }
    var stock = parseCount(stockInput.value, 0);
    if (stock === null) {
      K.showError(error, t("product.badStock"));
      stockInput.focus();
      return;
    }
    button.disabled = true;
    K.showError(error, null);
    K.api("PATCH", "/store/products/" + encodeURIComponent(p.sku), { price_cents: cents, stock: stock }).then(function (saved) {
      editing = null;
      products.items = products.items.map(function (x) { return x.sku === saved.sku ? saved : x; });
      catalog = null;
      renderProducts();
      K.toast(t("product.saved", { sku: saved.sku }));
    }, function (err) {
      K.showError(error, err);
      button.disabled = false;
    });
  }

  function deleteProduct(p) {
    K.confirmDialog({ title: t("product.deleteTitle", { sku: p.sku }), body: t("product.deleteBody", { name: p.name }),
      ok: t("common.delete"), danger: true }).then(function (yes) {
      if (!yes) return;
      K.api("DELETE", "/store/products/" + encodeURIComponent(p.sku)).then(function () {
        catalog = null;
        K.toast(t("product.deleted", { sku: p.sku }));
        return loadProducts();
      }, function (err) { K.showError($("#product-list-error"), err); });
    });
  }

  function openProductDialog() {
    ["#pf-sku", "#pf-name", "#pf-category", "#pf-price", "#pf-stock"].forEach(function (s) { $(s).value = ""; });
    K.showError($("#product-form-error"), null);
    $("#product-form-save").disabled = false;
    var dlg = $("#product-dialog");
    if (!dlg.open) dlg.showModal();
    $("#pf-sku").focus();
  }

  function createProduct(ev) {
    ev.preventDefault();
    var box = $("#product-form-error");
    var body = { sku: $("#pf-sku").value.trim(), name: $("#pf-name").value.trim(), category: $("#pf-category").value.trim() };
    if (!body.sku || !body.name) {
      K.showError(box, t("product.f.required"));
      (body.sku ? $("#pf-name") : $("#pf-sku")).focus();
      return;
    }
    if (!CODE.test(body.sku)) {
      K.showError(box, t("product.f.skuHint"));
      $("#pf-sku").focus();
      return;
    }
    body.price_cents = parseMoney($("#pf-price").value, 0);
    if (body.price_cents === null) {
      K.showError(box, t("order.f.badPrice"));
      $("#pf-price").focus();
      return;
    }
    body.stock = $("#pf-stock").value.trim() ? parseCount($("#pf-stock").value, 0) : 0;
    if (body.stock === null) {
      K.showError(box, t("product.badStock"));
      $("#pf-stock").focus();
      return;
    }
    var b = $("#product-form-save");
    b.disabled = true;
    K.showError(box, null);
    K.api("POST", "/store/products", body).then(function (p) {
      closeDialog("#product-dialog");
      catalog = null;
      K.toast(t("product.created", { sku: p.sku }));
      return loadProducts();
    }, function (err) {
      K.showError(box, err);
      b.disabled = false;
    });
  }

  function initProducts(params) {
    products.q = (params.get("q") || "").trim();
    $("#product-search").value = products.q;
    $("#product-search").addEventListener("input", K.debounce(function () {
      products.q = $("#product-search").value.trim();
      editing = null;
      history.replaceState(null, "", "/admin/store?tab=products" + (products.q ? "&q=" + encodeURIComponent(products.q) : ""));
      loadProducts();
    }, 250));
    loadProducts();
  }

  // --- returns --------------------------------------------------------------------------------

  var returns = { items: [], loaded: false };

  function loadReturns() {
    return K.api("GET", "/store/returns").then(function (list) {
      returns.items = list;
      returns.loaded = true;
      K.showError($("#return-error"), null);
      renderReturns();
    }, function (err) { K.showError($("#return-error"), err); }).then(function () {
      $("#return-loading").hidden = true;
    });
  }

  function renderReturns() {
    var tbody = K.clear($("#return-rows"));
    returns.items.forEach(function (r) {
      var actions = el("td", { className: "col-actions", hidden: !admin });
      if (admin) {
        (r.next_statuses || []).forEach(function (s) {
          actions.appendChild(el("button", { type: "button", "data-next": s,
            className: "btn btn-sm return-do " + (s === "rejected" ? "btn-danger" : s === "approved" ? "btn-primary" : ""),
            text: t("ret.do." + s), on: { click: function () { moveReturn(r, s, this); } } }));
        });
      }
      tbody.appendChild(el("tr", { className: "return-row", "data-no": r.return_no, "data-status": r.status }, [
        el("td", { className: "mono-cell", "data-label": t("ret.col.no"), text: r.return_no }),
        el("td", { "data-label": t("ret.col.order") }, [
          el("a", { className: "order-no", href: orderHref(r.order_no), text: r.order_no }),
          el("div", { className: "sub-line", text: r.skus && r.skus.length ? r.skus.join(", ") : t("ret.allItems") })
        ]),
        el("td", { "data-label": t("ret.col.kind"), text: t("ret.kind." + r.kind) }),
        el("td", { "data-label": t("ret.col.reason") }, [el("div", { className: "kb-answer", text: r.reason || "—" })]),
        el("td", { "data-label": t("ret.col.status") }, [badge("ret.status", r.status)]),
        el("td", { className: "nowrap muted small", "data-label": t("ret.col.created"), title: K.fullTime(r.created_at),
          text: K.formatTime(r.created_at) }),
        actions
      ]));
    });
    $("#return-table").hidden = !returns.items.length;
    $("#return-empty").hidden = returns.items.length > 0 || !returns.loaded;
  }

  function moveReturn(r, status, button) {
    var ask = status === "rejected"
      ? K.confirmDialog({ title: t("ret.rejectTitle", { no: r.return_no }), body: t("ret.rejectBody"),
        ok: t("ret.do.rejected"), danger: true })
      : Promise.resolve(true);
    ask.then(function (yes) {
      if (!yes) return;
      button.disabled = true;
      K.showError($("#return-error"), null);
      K.api("PATCH", "/store/returns/" + encodeURIComponent(r.return_no), { status: status }).then(function (saved) {
        returns.items = returns.items.map(function (x) { return x.return_no === saved.return_no ? saved : x; });
        renderReturns();
        K.toast(t("ret.updated", { no: saved.return_no, s: t("ret.status." + saved.status) }));
      }, function (err) {
        K.showError($("#return-error"), err);
        button.disabled = false;
      });
    });
  }

  // --- wiring ---------------------------------------------------------------------------------

  function init() {
    K.boot("store").then(function (me) {
      admin = K.isAdmin();
      var params = new URLSearchParams(location.search);
      var no = params.get("order");
      if (no) {
        initOrder(no);
        return;
      }
      var tab = params.get("tab");
      tab = tab === "products" || tab === "returns" ? tab : "orders";
      $("#store-main").hidden = false;
      $("#store-readonly").hidden = admin;
      var url = me.tenant && me.tenant.commerce_url;
      if (url) {
        var ext = $("#store-external");
        ext.textContent = t("store.external", { url: url });
        ext.hidden = false;
      }
      var links = document.querySelectorAll("#store-tabs a");
      for (var i = 0; i < links.length; i++) {
        if (links[i].getAttribute("data-tab") === tab) links[i].setAttribute("aria-current", "page");
      }
      var cols = document.querySelectorAll("th.store-admin-only");
      for (var j = 0; j < cols.length; j++) cols[j].hidden = !admin;
      $("#" + tab + "-panel").hidden = false;
      $("#order-add").hidden = !(admin && tab === "orders");
      $("#product-add").hidden = !(admin && tab === "products");

      $("#order-add").addEventListener("click", openOrderDialog);
      $("#order-form").addEventListener("submit", createOrder);
      $("#order-form-cancel").addEventListener("click", function () { closeDialog("#order-dialog"); });
      $("#order-dialog-x").addEventListener("click", function () { closeDialog("#order-dialog"); });
      $("#of-item-add").addEventListener("click", function () {
        var row = itemRow();
        $("#of-items").appendChild(row);
        row.querySelector(".of-sku").focus();
      });
      $("#product-add").addEventListener("click", openProductDialog);
      // The catalogue upload (store/import.js) announces an import: show the new products.
      document.addEventListener("kefu:products-imported", function () { loadProducts(); });
      import("/static/admin/store/import.js").catch(function (e) { if (window.console) console.error(e); });
      $("#product-form").addEventListener("submit", createProduct);
      $("#product-form-cancel").addEventListener("click", function () { closeDialog("#product-dialog"); });
      $("#product-dialog-x").addEventListener("click", function () { closeDialog("#product-dialog"); });

      K.onLangChange(function () {
        if (url) $("#store-external").textContent = t("store.external", { url: url });
        if (tab === "orders") renderOrders();
        if (tab === "products") renderProducts();
        if (tab === "returns") renderReturns();
        updateTotal();
      });
      if (tab === "orders") initOrders(params);
      else if (tab === "products") initProducts(params);
      else loadReturns();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
