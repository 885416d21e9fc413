"""The console's store, flows, shop settings, handoff context, left messages and agent status in a real browser."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import AGENT, WAIT, check, login, on_duty, unique, watch_errors

NEW_PAGES = ("admin-store.html", "admin-flows.html")
DEFAULT_POLICY = {"customer_asks": True, "not_understood_in_row": 2, "on_anger": True, "anxious_in_row": 2,
                  "on_flow_failure": True, "vip_tags": ["VIP"], "max_wait_minutes": 10}
ANGRY = "你们太垃圾了！气死我了，投诉你们！"
NEVER_OPEN = {"timezone": "Asia/Shanghai", "days": [0, 1, 2, 3, 4, 5, 6], "open": "03:00", "close": "03:00"}


def bot_texts(replies: list[dict]) -> list[str]:
    return [r["text"] for r in replies]


# --- store: orders --------------------------------------------------------------------------------------

def test_store_create_ship_track_deliver(demo_server, page, owner_http):
    base = demo_server.base_url
    login(page, base)
    page.locator("#nav-store").click()
    expect(page).to_have_url(re.compile(r"/admin/store$"), timeout=WAIT)
    for no in ("D1001", "D1003", "D1006"):
        expect(page.locator(f'.order-row[data-no="{no}"]')).to_be_visible(timeout=WAIT)
    expect(page.locator('.order-row[data-no="D1001"]')).to_contain_text("待付款")
    expect(page.locator('.order-row[data-no="D1001"]')).to_contain_text("¥168.00")

    # The new-order form: a known SKU fills in its name and price; the total follows the quantity.
    page.locator("#order-add").click()
    expect(page.locator("#order-dialog")).to_be_visible()
    page.locator("#of-no").fill("D1001")
    page.locator("#of-customer").fill("browser-customer")
    page.locator("#of-payment").fill("支付宝")
    row = page.locator("#of-items .item-row").first
    row.locator(".of-sku").fill("TEA-250")
    expect(row.locator(".of-name")).to_have_value("明前龙井 250g", timeout=WAIT)
    expect(row.locator(".of-price")).to_have_value("168.00")
    row.locator(".of-qty").fill("2")
    page.locator("#of-item-add").click()
    second = page.locator("#of-items .item-row").nth(1)
    second.locator(".of-sku").fill("GIFT-BOX")
    second.locator(".of-name").fill("礼盒 <b>包装</b>")
    second.locator(".of-price").fill("12.5")
    expect(page.locator("#of-total")).to_have_text("合计：¥348.50")
    page.locator("#of-recipient").fill("李四")
    page.locator("#of-phone").fill("139 0000 1111")
    page.locator("#of-province").fill("上海市")
    page.locator("#of-city").fill("上海市")
    page.locator("#of-district").fill("徐汇区")
    page.locator("#of-detail").fill("漕溪北路 1 号")

    # A number that exists: the server's refusal shows in the form, and nothing typed is lost.
    page.locator("#order-form-save").click()
    error = page.locator("#order-form-error")
    expect(error).to_be_visible(timeout=WAIT)
    expect(error).to_contain_text("已经有这个订单号")
    expect(error).to_contain_text("order D1001 exists already")
    expect(page.locator("#order-dialog")).to_be_visible()
    expect(page.locator("#of-recipient")).to_have_value("李四")
    expect(page.locator("#of-phone")).to_have_value("139 0000 1111")
    expect(second.locator(".of-name")).to_have_value("礼盒 <b>包装</b>")
    expect(row.locator(".of-qty")).to_have_value("2")

    order_no = unique("T")
    page.locator("#of-no").fill(order_no)
    page.locator("#order-form-save").click()
    expect(page).to_have_url(re.compile(rf"/admin/store\?order={order_no}$"), timeout=WAIT)
    expect(page.locator("#order-title")).to_have_text(f"订单 {order_no}", timeout=WAIT)
    expect(page.locator("#order-status")).to_have_text("待付款")
    expect(page.locator("#order-total")).to_have_text("¥348.50")
    expect(page.locator("#order-items")).to_contain_text("礼盒 <b>包装</b>")
    assert page.locator("#order-items b").count() == 0
    expect(page.locator("#order-phone")).to_have_text("139 0000 1111")
    expect(page.locator("#order-place")).to_contain_text("徐汇区 漕溪北路 1 号")
    # Only the moves the store allows from here.
    expect(page.locator("#order-actions button")).to_have_text(["标记为已付款", "取消订单"])
    expect(page.locator("#ship-form-wrap")).to_be_hidden()

    page.locator("#order-move-paid").click()
    expect(page.locator("#order-status")).to_have_text("待发货", timeout=WAIT)
    expect(page.locator("#order-actions button")).to_have_text(["标记为已发货", "取消订单"])

    # Ship with a tracking number: the order becomes shipped.
    tracking = unique("SF")
    page.locator("#ship-carrier").fill("顺丰速运")
    page.locator("#ship-submit").click()
    expect(page.locator("#ship-error")).to_have_text("请填写快递公司和运单号。")
    page.locator("#ship-tracking").fill(tracking)
    page.locator("#ship-submit").click()
    parcel = page.locator(f'.shipment[data-tracking="{tracking}"]')
    expect(parcel).to_contain_text(f"顺丰速运 · 运单号 {tracking}", timeout=WAIT)
    expect(parcel).to_contain_text("运输中")
    expect(page.locator("#order-status")).to_have_text("已发货")
    expect(page.locator("#order-actions button")).to_have_text(["标记为已签收"])

    # A tracking event, then a "delivered" one that marks the order delivered.
    parcel.locator(".track-more summary").click()
    parcel.locator(".track-desc").fill("已到达上海转运中心")
    parcel.locator(".track-location").fill("上海")
    parcel.locator(".track-submit").click()
    expect(parcel.locator(".tracking-event")).to_have_count(1, timeout=WAIT)
    expect(parcel.locator(".tracking-event").first).to_contain_text("已到达上海转运中心")
    expect(parcel.locator(".tracking-event").first).to_contain_text("上海")
    parcel.locator(".track-more summary").click()
    parcel.locator(".track-desc").fill("已签收，签收人：本人")
    parcel.locator(".track-status").select_option("delivered")
    parcel.locator(".track-submit").click()
    expect(page.locator("#order-status")).to_have_text("已签收", timeout=WAIT)
    expect(parcel.locator(".tracking-event")).to_have_count(2)
    expect(parcel.locator(".tracking-event").first).to_contain_text("已签收，签收人：本人")  # newest first
    expect(parcel.locator(".badge")).to_have_text("已签收")
    expect(page.locator("#order-actions button")).to_have_text(["标记为已完成"])

    stored = check(owner_http.get(f"/api/v1/store/orders/{order_no}"))
    assert stored["status"] == "delivered" and stored["customer_ref"] == "browser-customer"
    assert stored["total_cents"] == 34850 and stored["address"]["phone"] == "139 0000 1111"
    assert [s["tracking_no"] for s in stored["shipments"]] == [tracking]
    events = stored["shipments"][0]["events"]
    assert [e["description"] for e in events] == ["已到达上海转运中心", "已签收，签收人：本人"]

    # Back in the list it shows delivered, under the "delivered" filter and by its number.
    page.locator("#order-back").click()
    mine = page.locator(f'.order-row[data-no="{order_no}"]')
    expect(mine).to_contain_text("已签收", timeout=WAIT)
    expect(mine).to_contain_text("¥348.50")
    page.locator('#order-filter button[data-status="delivered"]').click()
    expect(mine).to_be_visible(timeout=WAIT)
    expect(page.locator('.order-row:not([data-status="delivered"])')).to_have_count(0)
    page.locator('#order-filter button[data-status=""]').click()
    page.locator("#order-search").fill(order_no)
    expect(page.locator(".order-row")).to_have_count(1, timeout=WAIT)
    expect(page).to_have_url(re.compile(rf"q={order_no}"))


def test_store_cancel_asks_first(demo_server, page, owner_http):
    order_no = unique("C")
    check(owner_http.post("/api/v1/store/orders", json={
        "order_no": order_no, "items": [{"sku": "MUG-350", "name": "手作陶瓷马克杯", "unit_price_cents": 8900}],
        "address": {"name": "王五", "phone": "13700000000"}}))
    login(page, demo_server.base_url)
    page.goto(f"{demo_server.base_url}/admin/store?order={order_no}")
    page.locator("#order-move-cancelled").click()
    expect(page.locator("#confirm-dialog")).to_contain_text(order_no)
    page.locator("#confirm-cancel").click()
    expect(page.locator("#order-status")).to_have_text("待付款")
    page.locator("#order-move-cancelled").click()
    page.locator("#confirm-ok").click()
    expect(page.locator("#order-status")).to_have_text("已取消", timeout=WAIT)
    expect(page.locator("#order-actions")).to_contain_text("最终状态")
    assert check(owner_http.get(f"/api/v1/store/orders/{order_no}"))["status"] == "cancelled"


# --- store: products and returns ----------------------------------------------------------------------------

def test_store_products_add_and_edit(demo_server, page, owner_http):
    login(page, demo_server.base_url)
    page.goto(demo_server.base_url + "/admin/store?tab=products")
    expect(page.locator('.product-row[data-sku="TEA-250"]')).to_contain_text("¥168.00", timeout=WAIT)
    expect(page.locator("#tab-products")).to_have_attribute("aria-current", "page")

    sku = unique("SKU-")
    page.locator("#product-add").click()
    page.locator("#pf-sku").fill(sku)
    page.locator("#pf-price").fill("abc")
    page.locator("#product-form-save").click()
    expect(page.locator("#product-form-error")).to_have_text("请填写 SKU 和商品名称。")
    page.locator("#pf-name").fill("竹制茶盘")
    page.locator("#product-form-save").click()
    expect(page.locator("#product-form-error")).to_have_text("价格格式不对，例如 168 或 168.50。")
    expect(page.locator("#pf-name")).to_have_value("竹制茶盘")
    page.locator("#pf-price").fill("59.9")
    page.locator("#pf-stock").fill("0")
    page.locator("#pf-category").fill("茶具")
    page.locator("#product-form-save").click()
    row = page.locator(f'.product-row[data-sku="{sku}"]')
    expect(row).to_contain_text("¥59.90", timeout=WAIT)
    expect(row).to_contain_text("缺货")

    # Edit price and stock in the row; a bad stock is refused in place, keeping what was typed.
    row.locator(".product-edit").click()
    row.locator(".product-price-input").fill("65")
    row.locator(".product-stock-input").fill("1.5")
    row.locator(".product-save").click()
    expect(row.locator(".product-error")).to_have_text("库存必须是 0 以上的整数。", timeout=WAIT)
    expect(row.locator(".product-price-input")).to_have_value("65")
    row.locator(".product-stock-input").fill("30")
    row.locator(".product-save").click()
    expect(row).to_contain_text("¥65.00", timeout=WAIT)
    expect(row.locator(".product-stock")).to_have_text("30")
    stored = {p["sku"]: p for p in check(owner_http.get("/api/v1/store/products?limit=500"))["items"]}
    assert stored[sku]["price_cents"] == 6500 and stored[sku]["stock"] == 30 and stored[sku]["category"] == "茶具"

    # A duplicate SKU: the server's refusal shows in the dialog.
    page.locator("#product-add").click()
    page.locator("#pf-sku").fill(sku)
    page.locator("#pf-name").fill("重复")
    page.locator("#product-form-save").click()
    expect(page.locator("#product-form-error")).to_contain_text("已经有这个 SKU 的商品", timeout=WAIT)
    page.locator("#product-form-cancel").click()

    row.locator(".product-delete").click()
    page.locator("#confirm-ok").click()
    expect(row).to_have_count(0, timeout=WAIT)


def test_store_returns_approve_and_refund(demo_server, page, owner_http, api_channel):
    # A customer opens a return for a delivered order through the bot.
    conv = api_channel.open("demo-customer", name="张三")["conversation"]["id"]
    for text in ("我要退货", "D1004", "全部", "尺码不合适"):  # "退货" names the kind already
        api_channel.say(conv, text)
    done = bot_texts(api_channel.say(conv, "确认"))
    return_no = re.search(r"R[0-9A-F]{6,}", done[0]).group(0)

    login(page, demo_server.base_url)
    page.goto(demo_server.base_url + "/admin/store?tab=returns")
    row = page.locator(f'.return-row[data-no="{return_no}"]')
    expect(row).to_contain_text("待处理", timeout=WAIT)
    expect(row).to_contain_text("D1004")
    expect(row).to_contain_text("尺码不合适")
    expect(row.locator(".return-do")).to_have_text(["同意", "拒绝"])
    row.locator('.return-do[data-next="approved"]').click()
    expect(row).to_contain_text("已同意", timeout=WAIT)
    row.locator('.return-do[data-next="refunded"]').click()
    expect(row).to_contain_text("已退款", timeout=WAIT)
    expect(row.locator(".return-do")).to_have_count(0)
    returns = {r["return_no"]: r for r in check(owner_http.get("/api/v1/store/returns"))}
    assert returns[return_no]["status"] == "refunded"

    # The order's page lists the request too.
    row.locator("a.order-no").click()
    expect(page.locator("#order-returns-card")).to_contain_text(return_no, timeout=WAIT)
    expect(page.locator("#order-returns-card")).to_contain_text("已退款")


# --- flows -------------------------------------------------------------------------------------------------

def test_flows_switch_off_and_reword(demo_server, page, owner_http, api_channel):
    base = demo_server.base_url
    default_ask = "请告诉我您的订单号（可在“我的订单”中查看）。"
    wording = f"亲，麻烦发一下订单号哦（{unique('')}）"
    login(page, base)
    page.locator("#nav-flows").click()
    cancel = page.locator('.flow-card[data-flow="cancel_order"]')
    track = page.locator('.flow-card[data-flow="track_parcel"]')
    try:
        expect(cancel.locator(".flow-name")).to_have_text("取消订单", timeout=WAIT)
        expect(cancel.locator(".flow-switch")).to_be_checked()
        cancel.locator(".flow-switch").click()
        expect(cancel.locator(".flow-state")).to_have_text("已关闭", timeout=WAIT)
        expect(page.locator("#toast")).to_contain_text("已关闭“取消订单”")

        track.locator(".flow-wording > summary").click()
        track.locator('.lang-pills button[data-locale="zh"]').click()
        track.locator('.flow-texts[data-locale="zh"] .flow-common > summary').click()
        box = track.locator('textarea[data-locale="zh"][data-key="ask_order_no"]')
        expect(box).to_have_value("")
        expect(box).to_have_attribute("placeholder", default_ask)
        box.fill(wording)
        track.locator(".flow-save").click()
        expect(track.locator(".flow-saved")).to_have_text("已保存", timeout=WAIT)
        row = track.locator('.text-row[data-locale="zh"][data-key="ask_order_no"]')
        expect(row.locator(".text-custom")).to_have_text("已修改")

        # Still there after a reload.
        page.reload()
        expect(cancel.locator(".flow-switch")).not_to_be_checked(timeout=WAIT)
        expect(track.locator('textarea[data-locale="zh"][data-key="ask_order_no"]')).to_have_value(wording)
        expect(track.locator(".flow-wording > summary")).to_have_text("话术（已修改 1 条）")

        # The bot says it that way, and no longer runs the switched-off flow.
        flows = {f["id"]: f for f in check(owner_http.get("/api/v1/flows"))}
        assert flows["cancel_order"]["enabled"] is False
        assert flows["track_parcel"]["overrides"]["zh"] == {"ask_order_no": wording}
        conv = api_channel.open(unique("flow-"))["conversation"]["id"]
        assert bot_texts(api_channel.say(conv, "查物流")) == [wording]
        other = api_channel.open(unique("flow-"))["conversation"]["id"]
        replies = bot_texts(api_channel.say(other, "我要取消订单"))
        assert wording not in replies and default_ask not in replies

        # Reset to the default: the box empties and shows the default again.
        track.locator(".flow-wording > summary").click()
        track.locator('.flow-texts[data-locale="zh"] .flow-common > summary').click()
        row.locator(".text-reset").click()
        expect(page.locator("#toast")).to_contain_text("已恢复默认话术", timeout=WAIT)
        expect(row.locator("textarea")).to_have_value("")
        expect(row.locator("textarea")).to_have_attribute("placeholder", default_ask)
        expect(row.locator(".text-custom")).to_have_count(0)
        flows = {f["id"]: f for f in check(owner_http.get("/api/v1/flows"))}
        assert flows["track_parcel"]["overrides"]["zh"] == {}
        conv = api_channel.open(unique("flow-"))["conversation"]["id"]
        assert bot_texts(api_channel.say(conv, "查物流")) == [default_ask]
    finally:
        check(owner_http.patch("/api/v1/flows/cancel_order", json={"enabled": True}))
        check(owner_http.patch("/api/v1/flows/track_parcel", json={"texts": {"zh": {"ask_order_no": ""}}}))


# --- settings ----------------------------------------------------------------------------------------------

def test_settings_facts_and_handoff_policy(demo_server, page, owner_http, api_channel):
    login(page, demo_server.base_url)
    page.goto(demo_server.base_url + "/admin/settings")
    try:
        # Shop facts: the shop's own values filled in, the defaults as placeholders.
        expect(page.locator("#fact-return_days")).to_have_value("7", timeout=WAIT)
        expect(page.locator("#fact-carrier")).to_have_value("中通快递")
        expect(page.locator("#fact-price_protect_days")).to_have_value("")  # the one the demo shop leaves
        expect(page.locator("#fact-price_protect_days")).to_have_attribute("placeholder", "7")
        expect(page.locator("label[for=fact-return_days]")).to_have_text("无理由退货（天）")
        page.locator("#fact-return_days").fill("15")
        page.locator("#fact-price_protect_days").fill("24")
        page.locator("#facts-save").click()
        expect(page.locator("#facts-saved")).to_be_visible(timeout=WAIT)

        # Handoff policy: a count out of range is caught in the page without losing what was typed.
        expect(page.locator("#handoff-on_anger")).to_be_checked()
        expect(page.locator("#handoff-not_understood_in_row")).to_have_value("2")
        expect(page.locator("#handoff-vip_tags")).to_have_value("VIP")
        page.locator("#handoff-on_anger").uncheck()
        page.locator("#handoff-vip_tags").fill("VIP，老客户, 批发")
        page.locator("#handoff-not_understood_in_row").fill("25")
        page.locator("#handoff-save").click()
        expect(page.locator("#handoff-error")).to_have_text("次数必须是 0 到 20 之间的整数。")
        expect(page.locator("#handoff-not_understood_in_row")).to_have_value("25")
        expect(page.locator("#handoff-vip_tags")).to_have_value("VIP，老客户, 批发")
        expect(page.locator("#handoff-on_anger")).not_to_be_checked()
        page.locator("#handoff-not_understood_in_row").fill("3")
        # The longest wait in the queue before the customer is offered to leave a message: 0-240 minutes.
        expect(page.locator("#handoff-max_wait_minutes")).to_have_value("10")
        page.locator("#handoff-max_wait_minutes").fill("300")
        page.locator("#handoff-save").click()
        expect(page.locator("#handoff-error")).to_have_text("等待时间必须是 0 到 240 之间的整数（分钟）。")
        page.locator("#handoff-max_wait_minutes").fill("15")
        page.locator("#handoff-save").click()
        expect(page.locator("#handoff-saved")).to_be_visible(timeout=WAIT)
        expect(page.locator("#handoff-error")).to_be_hidden()

        page.reload()
        expect(page.locator("#fact-return_days")).to_have_value("15", timeout=WAIT)
        expect(page.locator("#fact-price_protect_days")).to_have_value("24")
        expect(page.locator("#handoff-on_anger")).not_to_be_checked()
        expect(page.locator("#handoff-not_understood_in_row")).to_have_value("3")
        expect(page.locator("#handoff-max_wait_minutes")).to_have_value("15")
        expect(page.locator("#handoff-vip_tags")).to_have_value("VIP, 老客户, 批发")
        stored = check(owner_http.get("/api/v1/settings"))
        assert stored["facts"]["return_days"] == "15" and stored["facts"]["price_protect_days"] == "24"
        assert stored["handoff_policy"] == {**DEFAULT_POLICY, "on_anger": False, "not_understood_in_row": 3,
                                            "vip_tags": ["VIP", "老客户", "批发"], "max_wait_minutes": 15}

        # The bot follows the new policy: an angry message no longer goes straight to a person.
        conv = api_channel.open(unique("calm-"))["conversation"]["id"]
        api_channel.say(conv, ANGRY)
        assert check(owner_http.get(f"/api/v1/conversations/{conv}"))["conversation"]["status"] == "bot"

        # Emptying a fact goes back to the default.
        page.locator("#fact-price_protect_days").fill("")
        page.locator("#facts-save").click()
        expect(page.locator("#facts-saved")).to_be_visible(timeout=WAIT)
        assert "price_protect_days" not in check(owner_http.get("/api/v1/settings"))["facts"]
    finally:
        check(owner_http.patch("/api/v1/settings", json={"facts": {"return_days": "7", "price_protect_days": ""},
                                                          "handoff_policy": DEFAULT_POLICY}))


def test_settings_service_hours_and_order_system(demo_server, page, owner_http):
    login(page, demo_server.base_url)
    page.goto(demo_server.base_url + "/admin/settings")
    try:
        expect(page.locator("#hours-always")).to_be_checked(timeout=WAIT)
        expect(page.locator("#hours-open")).to_be_disabled()
        page.locator("#hours-set").check()
        expect(page.locator("#hours-open")).to_be_enabled()
        page.locator("#hours-day-5").uncheck()
        page.locator("#hours-day-6").uncheck()
        page.locator("#hours-open").fill("08:30")
        page.locator("#hours-close").fill("18:00")

        # A time zone the server does not know: its 422 is shown next to the form; what was typed stays.
        page.locator("#hours-timezone").fill("Mars/Olympus")
        page.locator("#hours-save").click()
        error = page.locator("#hours-error")
        expect(error).to_be_visible(timeout=WAIT)
        expect(error).to_contain_text("unknown time zone 'Mars/Olympus'")
        expect(page.locator("#hours-timezone")).to_have_value("Mars/Olympus")
        expect(page.locator("#hours-open")).to_have_value("08:30")
        expect(page.locator("#hours-day-5")).not_to_be_checked()
        expect(page.locator("#hours-saved")).to_be_hidden()
        assert check(owner_http.get("/api/v1/settings"))["service_hours"] == {}

        page.locator("#hours-timezone").fill("Asia/Shanghai")
        page.locator("#hours-save").click()
        expect(page.locator("#hours-saved")).to_be_visible(timeout=WAIT)
        expect(error).to_be_hidden()
        assert check(owner_http.get("/api/v1/settings"))["service_hours"] == {
            "timezone": "Asia/Shanghai", "days": [0, 1, 2, 3, 4], "open": "08:30", "close": "18:00"}

        # The order system: the shop's own, with a URL and a secret; a bad URL is caught first.
        expect(page.locator("#commerce-builtin")).to_be_checked()
        page.locator("#commerce-own").check()
        page.locator("#commerce-url").fill("ftp://erp.example.com")
        page.locator("#commerce-secret").fill("s3cret-" + "x" * 32)
        page.locator("#commerce-save").click()
        expect(page.locator("#commerce-error")).to_have_text("接口地址必须以 http:// 或 https:// 开头。")
        page.locator("#commerce-url").fill("https://erp.example.com/kefu")
        page.locator("#commerce-save").click()
        expect(page.locator("#commerce-saved")).to_be_visible(timeout=WAIT)

        page.reload()
        expect(page.locator("#hours-set")).to_be_checked(timeout=WAIT)
        expect(page.locator("#hours-open")).to_have_value("08:30")
        expect(page.locator("#hours-day-5")).not_to_be_checked()
        expect(page.locator("#hours-day-0")).to_be_checked()
        expect(page.locator("#commerce-own")).to_be_checked()
        expect(page.locator("#commerce-url")).to_have_value("https://erp.example.com/kefu")
        expect(page.locator("#commerce-secret")).to_have_attribute("type", "password")
        page.locator("#commerce-reveal").click()
        expect(page.locator("#commerce-secret")).to_have_value("s3cret-" + "x" * 32)

        # The store page says orders now come from elsewhere.
        page.goto(demo_server.base_url + "/admin/store")
        expect(page.locator("#store-external")).to_contain_text("https://erp.example.com/kefu", timeout=WAIT)

        # Back to always staffed and the built-in store.
        page.goto(demo_server.base_url + "/admin/settings")
        page.locator("#hours-always").check()
        page.locator("#hours-save").click()
        expect(page.locator("#hours-saved")).to_be_visible(timeout=WAIT)
        page.locator("#commerce-builtin").check()
        page.locator("#commerce-save").click()
        expect(page.locator("#commerce-saved")).to_be_visible(timeout=WAIT)
        stored = check(owner_http.get("/api/v1/settings"))
        assert stored["service_hours"] == {} and stored["commerce_url"] == ""
    finally:
        check(owner_http.patch("/api/v1/settings", json={"service_hours": None, "commerce_url": ""}))


# --- conversations: handoff context, emotions, left messages --------------------------------------------------

def test_handoff_context_panel_and_emotion_badges(demo_server, page, owner_http, api_channel):
    name = unique("着急的顾客")
    conv = api_channel.open(unique("angry-"), name=name)["conversation"]["id"]
    with on_duty(demo_server):  # someone available: the bot hands over rather than take a message
        api_channel.say(conv, "我的订单D1003到底什么时候到？")
        api_channel.say(conv, ANGRY)
    transcript = check(owner_http.get(f"/api/v1/conversations/{conv}"))
    handoff = transcript["handoff"]
    assert transcript["conversation"]["status"] == "queued" and handoff["reason"] == "angry"

    login(page, demo_server.base_url)
    page.goto(f"{demo_server.base_url}/admin/conversations?id={conv}")
    panel = page.locator("#handoff-panel")
    expect(panel).to_be_visible(timeout=WAIT)
    expect(panel.locator("h2")).to_have_text("转人工信息")
    expect(panel.locator(".handoff-reason")).to_have_text("顾客生气了")
    expect(panel.locator(".handoff-emotion")).to_have_text("生气")
    expect(panel.locator(".handoff-priority")).to_have_text("最高")
    expect(panel.locator(".handoff-summary")).to_contain_text("投诉你们")
    if handoff["intent"]:
        names = {f["id"]: f["name"]["zh"] for f in check(owner_http.get("/api/v1/flows"))}
        expect(panel.locator(".handoff-intent")).to_have_text(names.get(handoff["intent"], handoff["intent"]))

    customer = page.locator('.msg[data-sender="customer"]')
    expect(customer.last.locator(".badge-emotion")).to_have_text("生气")
    for i, m in enumerate(x for x in transcript["messages"] if x["sender"] == "customer"):
        badges = customer.nth(i).locator(".badge-emotion")
        expect(badges).to_have_count(1 if m["emotion"] in ("angry", "anxious") else 0)

    # English labels.
    page.locator("#lang-toggle").click()
    expect(panel.locator("h2")).to_have_text("Handoff details")
    expect(panel.locator(".handoff-reason")).to_have_text("The customer is angry")
    expect(customer.last.locator(".badge-emotion")).to_have_text("Angry")
    page.locator("#lang-toggle").click()

    # A conversation the bot kept has no panel.
    calm = api_channel.open(unique("calm-"))["conversation"]["id"]
    api_channel.say(calm, "包邮吗？")
    page.goto(f"{demo_server.base_url}/admin/conversations?id={calm}")
    expect(page.locator('.msg[data-sender="customer"]')).to_have_count(1, timeout=WAIT)
    expect(panel).to_be_hidden()


def test_left_messages_listed_and_marked_handled(demo_server, page, owner_http, api_channel):
    # (No order-number-like token in it: the flow runner would take that as a switch to another order.)
    question = "发票抬头写错了，能改吗？"
    check(owner_http.patch("/api/v1/settings", json={"service_hours": NEVER_OPEN}))
    try:
        conv = api_channel.open(unique("left-"), name="留言顾客")["conversation"]["id"]
        api_channel.say(conv, "转人工")
        api_channel.say(conv, "13900001111")
        assert "已收到您的留言" in bot_texts(api_channel.say(conv, question))[0]
    finally:
        check(owner_http.patch("/api/v1/settings", json={"service_hours": None}))
    pending = check(owner_http.get("/api/v1/left-messages?handled=false"))
    mine = next(m for m in pending if m["conversation_id"] == conv)
    assert mine["text"] == question and mine["contact"] == "13900001111"

    login(page, demo_server.base_url)
    page.locator("#nav-conversations").click()
    expect(page.locator("#left-count")).to_have_text(str(len(pending)), timeout=WAIT)
    page.locator("#tab-left").click()
    expect(page).to_have_url(re.compile(r"/admin/conversations\?view=left$"), timeout=WAIT)
    item = page.locator(f'.left-item[data-id="{mine["id"]}"]')
    expect(item.locator(".left-contact")).to_contain_text("13900001111", timeout=WAIT)
    expect(item.locator(".left-text")).to_have_text(question)
    expect(item).to_contain_text("顾客要求转人工")
    item.locator(".left-context summary").click()
    expect(item.locator(".handoff-summary")).to_contain_text("转人工")
    expect(item.locator(".left-conv")).to_have_attribute("href", f"/admin/conversations?id={conv}")

    item.locator(".left-mark").click()
    expect(item).to_have_count(0, timeout=WAIT)
    expect(page.locator("#toast")).to_contain_text("已标为已处理")
    handled = {m["id"]: m for m in check(owner_http.get("/api/v1/left-messages?handled=true"))}
    assert handled[mine["id"]]["handled_at"]

    page.locator('#left-filter button[data-handled="true"]').click()
    expect(item.locator(".left-handled")).to_contain_text("已于", timeout=WAIT)
    expect(item.locator(".left-mark")).to_have_count(0)


# --- agent status ------------------------------------------------------------------------------------------

def test_agent_status_selector_persists(demo_server, page, owner_http):
    login(page, demo_server.base_url)
    status = page.locator("#agent-status")
    expect(status).to_have_value("offline")
    try:
        status.select_option("busy")
        expect(page.locator("#toast")).to_contain_text("接待状态：忙碌", timeout=WAIT)
        assert check(owner_http.get("/api/v1/auth/me"))["user"]["status"] == "busy"
        page.reload()
        expect(page.locator("#agent-status")).to_have_value("busy", timeout=WAIT)
        # The same selector on every console page.
        page.locator("#nav-store").click()
        expect(page.locator("#agent-status")).to_have_value("busy", timeout=WAIT)
        page.locator("#agent-status").select_option("online")
        expect(page.locator("#toast")).to_contain_text("接待状态：在线", timeout=WAIT)
        expect(page.locator(".status-pick")).to_have_attribute("data-status", "online")
        page.goto(demo_server.base_url + "/admin/flows")
        expect(page.locator("#agent-status")).to_have_value("online", timeout=WAIT)
        assert check(owner_http.get("/api/v1/auth/me"))["user"]["status"] == "online"
    finally:
        check(owner_http.put("/api/v1/auth/me/status", json={"status": "offline"}))


# --- agents read, owners write; English; phones ---------------------------------------------------------------

def test_agent_sees_store_and_flows_read_only(demo_server, page):
    base = demo_server.base_url
    login(page, base, AGENT)
    page.locator("#nav-store").click()
    expect(page.locator("#store-readonly")).to_be_visible(timeout=WAIT)
    expect(page.locator('.order-row[data-no="D1002"]')).to_be_visible(timeout=WAIT)
    expect(page.locator("#order-add")).to_be_hidden()
    page.locator('.order-row[data-no="D1002"] a').click()
    expect(page.locator("#order-status")).to_have_text("待发货", timeout=WAIT)
    expect(page.locator("#order-actions button")).to_have_count(0)
    expect(page.locator("#ship-form-wrap")).to_be_hidden()
    page.goto(base + "/admin/store?tab=products")
    expect(page.locator(".product-row").first).to_be_visible(timeout=WAIT)
    assert page.locator(".product-edit, .product-delete").count() == 0

    page.locator("#nav-flows").click()
    expect(page.locator("#flows-readonly")).to_be_visible(timeout=WAIT)
    expect(page.locator(".flow-switch").first).to_be_disabled()
    assert page.locator(".flow-save").count() == 0

    page.locator("#nav-settings").click()
    expect(page.locator("#fact-carrier")).to_be_disabled(timeout=WAIT)
    expect(page.locator("#handoff-on_anger")).to_be_disabled()
    expect(page.locator("#facts-save")).to_be_hidden()
    expect(page.locator("#commerce-secret-field")).to_be_hidden()


def test_english_store_and_flows(demo_server, browser):
    ctx = browser.new_context(locale="en-US")
    try:
        page = ctx.new_page()
        errors = watch_errors(page)
        login(page, demo_server.base_url)
        expect(page.locator("#nav-store")).to_have_text("Store")
        expect(page.locator("#nav-flows")).to_have_text("Flows")
        expect(page.locator("#agent-status option:checked")).to_have_text("Offline")
        page.locator("#nav-store").click()
        expect(page.locator("#store-main h1")).to_have_text("Store", timeout=WAIT)
        expect(page.locator('.order-row[data-no="D1001"]')).to_contain_text("Awaiting payment", timeout=WAIT)
        page.goto(demo_server.base_url + "/admin/store?order=D1003")
        expect(page.locator("#order-title")).to_have_text("Order D1003", timeout=WAIT)
        expect(page.locator("#order-move-delivered")).to_have_text("Mark delivered")
        page.locator("#nav-flows").click()
        expect(page.locator('.flow-card[data-flow="track_parcel"] .flow-name')).to_have_text("Track my parcel",
                                                                                            timeout=WAIT)
        expect(page.locator(".flow-state").first).to_have_text("On")
        assert not errors, "\n".join(errors)
    finally:
        ctx.close()


@pytest.mark.parametrize("path", ["/admin/store", "/admin/store?order=D1004", "/admin/store?tab=products",
                                  "/admin/store?tab=returns", "/admin/flows", "/admin/conversations?view=left"])
def test_new_pages_fit_a_phone(demo_server, browser, path):
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    try:
        page = ctx.new_page()
        errors = watch_errors(page)
        login(page, demo_server.base_url)
        page.goto(demo_server.base_url + path)
        expect(page.locator("#logout")).to_be_visible(timeout=WAIT)
        expect(page.locator(".loading:visible")).to_have_count(0, timeout=WAIT)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide at a 390px viewport"
        assert not errors, "\n".join(errors)
    finally:
        ctx.close()


def test_store_catalogue_upload_lists_bad_rows_then_imports(demo_server, page, owner_http, tmp_path):
    login(page, demo_server.base_url)
    page.goto(demo_server.base_url + "/admin/store?tab=products")
    expect(page.locator('.product-row[data-sku="KB-87"]')).to_contain_text("87键机械键盘", timeout=WAIT)
    sku = unique("UP").upper().replace("_", "-")
    good = {"sku": sku, "name": "上传的<b>台灯</b>", "category": "家居/灯具", "price": "¥59.00",
            "attributes": {"功率": "9W"}, "variants": [{"sku": sku + "-W", "attributes": {"颜色": "白"}, "stock": 2}]}
    bad = {"sku": sku + "-2", "name": "美元价", "price": "$9"}
    path = tmp_path / "catalogue.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in (good, bad)) + "\n", encoding="utf-8")

    page.locator("#product-import").click()
    expect(page.locator("#product-import-dialog")).to_be_visible()
    page.locator("#pi-file").set_input_files(str(path))
    page.locator("#pi-submit").click()
    expect(page.locator("#pi-status")).to_contain_text("1 行有问题，没有导入任何商品", timeout=WAIT)
    expect(page.locator("#pi-problems tbody tr")).to_have_count(1)
    expect(page.locator("#pi-problems tbody tr").first).to_contain_text("another currency")
    assert check(owner_http.get("/api/v1/store/products", params={"search": sku}))["total"] == 0
    page.screenshot(path=str(tmp_path / "import-bad.png"))

    page.locator("#pi-skip").check()
    page.locator("#pi-submit").click()
    expect(page.locator("#pi-status")).to_contain_text("新增 1 个商品", timeout=WAIT)
    page.locator("#pi-cancel").click()
    row = page.locator(f'.product-row[data-sku="{sku}"]')
    expect(row).to_contain_text("上传的<b>台灯</b>", timeout=WAIT)  # text, never markup
    assert check(owner_http.get(f"/api/v1/products/{sku}-W"))["variants"][0]["stock"] == 2
