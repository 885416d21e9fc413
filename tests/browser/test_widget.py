"""The customer's chat widget in a real browser: the demo storefront, the loader, the chat frame, reconnects."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from playwright.sync_api import BrowserContext, FrameLocator, Page, expect
from sqlalchemy import func, select

from kefu.conversations.models import Customer, Message
from kefu.db import Database
from kefu.tenants.models import Tenant
from kefu.tenants.security import sign_identity_token
from tests.support.browser import check, on_duty, unique

WAIT = 10_000            # ms: an answer, a page, a frame
RECONNECT_WAIT = 20_000  # ms: a server start plus the widget's backoff (capped at 5 s)

STORED_ID = re.compile(r"^\d+$")
PENDING = re.compile(r"\bis-pending\b")
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>'

OUTBOX_JS = "() => localStorage.getItem('kefu:outbox:' + new URLSearchParams(location.search).get('key'))"
VISITOR_JS = "() => localStorage.getItem('kefu:visitor:' + new URLSearchParams(location.search).get('key'))"


# --- helpers -------------------------------------------------------------------------------------------

def open_store(page: Page, base_url: str) -> FrameLocator:
    """Load the demo storefront, click the launcher and wait until the chat is connected."""
    page.goto(base_url + "/demo/store")
    return open_widget(page)


def open_widget(page: Page) -> FrameLocator:
    page.locator("#kefu-launcher").click()
    expect(page.locator("#kefu-frame")).to_be_visible(timeout=WAIT)
    chat = page.frame_locator("#kefu-frame")
    expect(chat.locator("#kefu-status")).to_have_attribute("data-state", "open", timeout=WAIT)
    return chat


def send(chat: FrameLocator, text: str) -> None:
    box = chat.locator("#kefu-input")
    box.fill(text)
    box.press("Enter")


def customer_msgs(chat: FrameLocator, text: str):
    return chat.locator('.kefu-msg[data-sender="customer"]').filter(
        has=chat.locator(".kefu-bubble", has_text=text))


def bot_msgs(chat: FrameLocator, text: str):
    return chat.locator('.kefu-msg[data-sender="bot"]').filter(has=chat.locator(".kefu-bubble", has_text=text))


def chat_frame(page: Page):
    """The frame object (for evaluating script inside the chat)."""
    handle = page.locator("#kefu-frame").element_handle(timeout=WAIT)
    frame = handle.content_frame()
    assert frame is not None
    return frame


def assert_ids_unique(page: Page) -> None:
    ids = chat_frame(page).evaluate(
        "() => Array.from(document.querySelectorAll('.kefu-msg[data-id]')).map(e => e.dataset.id)")
    assert ids, "no stored messages on screen"
    assert len(ids) == len(set(ids)), f"a message is shown twice: {ids}"
    assert [int(i) for i in ids] == sorted(int(i) for i in ids), f"messages out of order: {ids}"


@contextmanager
def database(demo_server) -> Iterator[Database]:
    db = Database(demo_server.server.database_url)
    try:
        yield db
    finally:
        db.dispose()


def stored_count(demo_server, conversation_id: int, text: str, sender: str = "customer") -> int:
    with database(demo_server) as db, db.session() as s:
        return s.scalar(select(func.count()).select_from(Message).where(
            Message.conversation_id == conversation_id, Message.sender == sender, Message.text == text))


def conversation_id(chat: FrameLocator) -> int:
    return int(chat.locator("#kefu-app").get_attribute("data-conversation-id"))


@contextmanager
def new_context(browser, **options) -> Iterator[BrowserContext]:
    ctx = browser.new_context(**options)
    try:
        yield ctx
    finally:
        ctx.close()


def log_in_as_agent(staff: httpx.Client) -> None:
    staff.post("/api/v1/auth/login", json={"email": "agent@demo.kefu", "password": "demo-agent-pass"}
               ).raise_for_status()
    # The session is committed before the login response goes out: usable at once.
    assert staff.get("/api/v1/auth/me").status_code == 200


def ensure_running(demo_server) -> None:
    if demo_server.server.proc is None:
        demo_server.server.start()


# --- tests ---------------------------------------------------------------------------------------------

def test_greeting_answer_and_history_after_reload(demo_server, context):
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(demo_server.base_url + "/demo/store")
    launcher = page.locator("#kefu-launcher")
    expect(launcher).to_have_text("在线客服")
    expect(page.locator("#kefu-frame")).to_have_count(0)  # nothing connects before the customer asks
    chat = open_widget(page)

    greeting = chat.locator('.kefu-msg[data-sender="bot"]').first
    expect(greeting.locator(".kefu-bubble")).to_contain_text("机器人", timeout=WAIT)
    expect(greeting.locator(".kefu-bubble")).to_contain_text("不是真人")
    expect(greeting.locator(".kefu-label")).to_contain_text("机器人")
    expect(greeting.locator(".kefu-label")).to_contain_text("小智")
    expect(chat.locator("#kefu-handoff")).to_be_visible()

    send(chat, "多久发货")
    expect(customer_msgs(chat, "多久发货")).to_have_count(1, timeout=WAIT)
    answer = bot_msgs(chat, "48 小时")
    expect(answer).to_have_count(1, timeout=WAIT)
    expect(answer.locator(".kefu-label")).to_contain_text("机器人")
    expect(chat.locator("#kefu-input")).to_have_value("")

    page.reload()
    expect(page.locator("#kefu-frame")).to_be_hidden()
    chat = open_widget(page)
    expect(customer_msgs(chat, "多久发货")).to_have_count(1, timeout=WAIT)
    expect(bot_msgs(chat, "48 小时")).to_have_count(1, timeout=WAIT)
    expect(bot_msgs(chat, "不是真人")).to_have_count(1)  # the same conversation, not a new greeting
    assert_ids_unique(page)

    # The close button inside the frame hides it again.
    chat.locator("#kefu-close").click()
    expect(page.locator("#kefu-frame")).to_be_hidden(timeout=WAIT)
    expect(launcher).to_have_text("在线客服")
    assert problems == [], problems  # no script errors, no Content-Security-Policy refusals


def test_reconnects_after_server_restart_without_duplicates(demo_server, context):
    page = context.new_page()
    chat = open_store(page, demo_server.base_url)
    send(chat, "多久发货")
    expect(bot_msgs(chat, "48 小时")).to_have_count(1, timeout=WAIT)
    conv = conversation_id(chat)

    try:
        demo_server.server.restart()
    finally:
        ensure_running(demo_server)

    send(chat, "怎么退货")   # no reload: the widget reconnects by itself (or queues the message until it has)
    expect(chat.locator("#kefu-status")).to_have_attribute("data-state", "open", timeout=RECONNECT_WAIT)
    expect(bot_msgs(chat, "7 天内可无理由退货")).to_have_count(1, timeout=RECONNECT_WAIT)
    expect(customer_msgs(chat, "怎么退货")).to_have_count(1)
    expect(customer_msgs(chat, "怎么退货")).to_have_attribute("data-id", STORED_ID)  # stored: it has a server id
    assert stored_count(demo_server, conv, "怎么退货") == 1
    assert stored_count(demo_server, conv, "多久发货") == 1
    assert_ids_unique(page)

    page.reload()
    chat = open_widget(page)
    for question in ("多久发货", "怎么退货"):
        expect(customer_msgs(chat, question)).to_have_count(1, timeout=WAIT)
    expect(bot_msgs(chat, "48 小时")).to_have_count(1)
    expect(bot_msgs(chat, "7 天内可无理由退货")).to_have_count(1)
    expect(bot_msgs(chat, "不是真人")).to_have_count(1)
    assert conversation_id(chat) == conv
    assert_ids_unique(page)


def test_message_markup_shows_as_text(demo_server, context):
    page = context.new_page()
    chat = open_store(page, demo_server.base_url)
    send(chat, XSS)
    mine = chat.locator('.kefu-msg[data-sender="customer"]')
    expect(mine).to_have_count(1, timeout=WAIT)
    expect(mine.locator(".kefu-bubble")).to_have_text(XSS)
    expect(mine).to_have_attribute("data-id", STORED_ID, timeout=WAIT)  # stored, echoed
    expect(chat.locator('.kefu-msg[data-sender="bot"]')).to_have_count(2, timeout=WAIT)          # and answered
    expect(chat.locator("#kefu-messages img")).to_have_count(0)
    expect(chat.locator("#kefu-messages script")).to_have_count(0)
    frame = chat_frame(page)
    assert frame.evaluate("() => typeof window.__xss") == "undefined"
    assert page.evaluate("() => typeof window.__xss") == "undefined"

    # Reloaded from history, it is still text.
    page.reload()
    chat = open_widget(page)
    expect(chat.locator('.kefu-msg[data-sender="customer"] .kefu-bubble')).to_have_text(XSS, timeout=WAIT)
    assert chat_frame(page).evaluate("() => typeof window.__xss") == "undefined"


def test_handoff_button_queues_with_place_and_wait_and_a_message_can_be_left(demo_server, context, api_channel,
                                                                             owner_http):
    page = context.new_page()
    chat = open_store(page, demo_server.base_url)
    with on_duty(demo_server) as duty:
        ahead = api_channel.open(unique("ahead-"))["conversation"]["id"]
        api_channel.say(ahead, "转人工")  # someone is already waiting
        handoff = chat.locator("#kefu-handoff")
        expect(handoff).to_be_visible()
        expect(handoff).to_have_text("转人工")
        handoff.click()
        system = chat.locator('.kefu-msg[data-sender="system"]')
        expect(system).to_have_count(2, timeout=WAIT)  # connecting you …, then the place in the queue
        expect(system.first).to_contain_text("人工客服")
        expect(system.last).to_contain_text("第 2 位")
        expect(system.last).to_contain_text("预计等待")
        expect(system.locator(".kefu-label")).to_have_count(0)  # plain, centred, no bot badge
        expect(chat.locator("#kefu-subtitle")).to_contain_text("人工客服", timeout=WAIT)
        expect(handoff).to_be_visible()  # still there for the customer while waiting
        # The queue card: the place and the wait, below the latest message.
        card = chat.locator(".kefu-queue")
        expect(card.locator(".kefu-queue-place")).to_have_text("您前面还有 1 位，当前排在第 2 位", timeout=WAIT)
        expect(card.locator(".kefu-queue-eta")).to_contain_text("预计等待")
        # The customer ahead is done: the card moves up in place, no new line in the chat.
        check(owner_http.post(f"/api/v1/conversations/{ahead}/close"))
        expect(card.locator(".kefu-queue-place")).to_have_text("您前面还有 0 位，当前排在第 1 位", timeout=WAIT)
        expect(system).to_have_count(2)
        expect(chat.locator(".kefu-queue")).to_have_count(1)

        # The last agent available leaves: the customer is offered to leave a message, and does.
        with httpx.Client(base_url=demo_server.base_url, timeout=10) as staff:
            check(staff.post("/api/v1/auth/login", json={"email": duty["email"], "password": duty["password"]}))
            check(staff.put("/api/v1/auth/me/status", json={"status": "away"}))
        offer = system.filter(has_text="客服暂时都不在线了")
        expect(offer).to_have_count(1, timeout=WAIT)
        offer.locator(".kefu-option", has_text="留言").click()
        expect(bot_msgs(chat, "联系方式")).to_have_count(1, timeout=WAIT)
        expect(chat.locator(".kefu-queue")).to_have_count(1)  # their place is kept until the message is left
        send(chat, "13800138000")
        expect(bot_msgs(chat, "描述")).to_have_count(1, timeout=WAIT)
        send(chat, "等不及了，请尽快回电")
        expect(bot_msgs(chat, "已收到您的留言")).to_have_count(1, timeout=WAIT)
        expect(chat.locator(".kefu-queue")).to_have_count(0)
        expect(chat.locator("#kefu-subtitle")).to_contain_text("智能客服机器人")


def test_nobody_with_a_workspace_open_means_leaving_a_message(demo_server, context):
    """The demo's agent is "online" but nobody has the workspace open: the bot says so and takes a message."""
    page = context.new_page()
    chat = open_store(page, demo_server.base_url)
    chat.locator("#kefu-handoff").click()
    expect(chat.locator('.kefu-msg[data-sender="system"]').last).to_contain_text("暂时没有客服在线", timeout=WAIT)
    expect(bot_msgs(chat, "联系方式")).to_have_count(1, timeout=WAIT)
    expect(chat.locator(".kefu-queue")).to_have_count(0)


def test_english_ui_and_answer(demo_server, browser):
    with new_context(browser, locale="en-US") as ctx:
        page = ctx.new_page()
        page.goto(demo_server.base_url + "/demo/store")
        expect(page.locator("#kefu-launcher")).to_have_text("Chat with us")
        chat = open_widget(page)
        expect(chat.locator("#kefu-handoff")).to_have_text("Talk to a person")
        expect(chat.locator("#kefu-send")).to_have_text("Send")
        expect(chat.locator("#kefu-input")).to_have_attribute("placeholder", "Type your question…")
        greeting = chat.locator('.kefu-msg[data-sender="bot"]').first
        expect(greeting.locator(".kefu-bubble")).to_contain_text("bot", timeout=WAIT)
        expect(greeting.locator(".kefu-bubble")).to_contain_text("not a person")
        expect(greeting.locator(".kefu-label")).to_contain_text("Bot")

        send(chat, "how much is shipping")
        expect(bot_msgs(chat, "free on orders over")).to_have_count(1, timeout=WAIT)

        # The 中/EN toggle switches the UI (labels of shown messages too) and is remembered.
        chat.locator("#kefu-locale").click()
        expect(chat.locator("#kefu-handoff")).to_have_text("转人工")
        expect(greeting.locator(".kefu-label")).to_contain_text("机器人")
        page.reload()
        expect(page.locator("#kefu-launcher")).to_have_text("在线客服")
        chat = open_widget(page)
        expect(chat.locator("#kefu-send")).to_have_text("发送")


def test_phone_viewport_fills_screen(demo_server, browser):
    with new_context(browser, locale="zh-CN", viewport={"width": 375, "height": 667}, is_mobile=True,
                     has_touch=True) as ctx:
        page = ctx.new_page()
        page.goto(demo_server.base_url + "/demo/store")
        launcher = page.locator("#kefu-launcher")
        box = launcher.bounding_box()
        assert box and box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 667
        launcher.tap()
        frame = page.locator("#kefu-frame")
        expect(frame).to_be_visible(timeout=WAIT)
        chat = page.frame_locator("#kefu-frame")
        expect(chat.locator("#kefu-status")).to_have_attribute("data-state", "open", timeout=WAIT)
        box = frame.bounding_box()
        assert box == {"x": 0, "y": 0, "width": 375, "height": 667}, box
        for hook in ("#kefu-input", "#kefu-send", "#kefu-handoff", "#kefu-close"):
            expect(chat.locator(hook)).to_be_visible()
            b = chat.locator(hook).bounding_box()
            assert b and b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= 375 and b["y"] + b["height"] <= 667, \
                (hook, b)
        inner = chat_frame(page)
        assert inner.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")

        send(chat, "发什么快递")
        expect(bot_msgs(chat, "中通")).to_have_count(1, timeout=WAIT)
        assert inner.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")

        chat.locator("#kefu-close").tap()
        expect(frame).to_be_hidden(timeout=WAIT)
        expect(launcher).to_be_visible()


def test_message_sent_while_server_is_down_is_delivered_once(demo_server, context):
    page = context.new_page()
    chat = open_store(page, demo_server.base_url)
    conv = conversation_id(chat)
    try:
        demo_server.server.stop()
        status = chat.locator("#kefu-status")
        expect(status).to_have_attribute("data-state", "connecting", timeout=WAIT)
        expect(status).to_contain_text("重新连接中")
        send(chat, "用什么快递")
        pending = customer_msgs(chat, "用什么快递")
        expect(pending).to_have_count(1)
        expect(pending).to_have_class(PENDING)
        stored = chat_frame(page).evaluate(OUTBOX_JS)
        assert stored and "用什么快递" in stored  # a reload during the outage would not lose it
    finally:
        ensure_running(demo_server)

    expect(chat.locator("#kefu-status")).to_have_attribute("data-state", "open", timeout=RECONNECT_WAIT)
    expect(bot_msgs(chat, "中通")).to_have_count(1, timeout=RECONNECT_WAIT)
    mine = customer_msgs(chat, "用什么快递")
    expect(mine).to_have_count(1)
    expect(mine).not_to_have_class(PENDING)
    assert stored_count(demo_server, conv, "用什么快递") == 1
    assert chat_frame(page).evaluate(OUTBOX_JS) is None
    assert_ids_unique(page)


def test_long_message_blocked_and_shift_enter_newline(demo_server, context):
    page = context.new_page()
    chat = open_store(page, demo_server.base_url)
    box = chat.locator("#kefu-input")
    box.fill("好" * 2001)
    expect(chat.locator("#kefu-send")).to_be_disabled()
    expect(chat.locator("#kefu-error")).to_be_visible()
    expect(chat.locator("#kefu-error")).to_contain_text("2000")
    box.press("Enter")
    expect(chat.locator('.kefu-msg[data-sender="customer"]')).to_have_count(0)

    box.fill("")
    expect(chat.locator("#kefu-error")).to_be_hidden()
    box.type("第一行")
    box.press("Shift+Enter")
    box.type("第二行")
    box.press("Enter")
    bubble = chat.locator('.kefu-msg[data-sender="customer"] .kefu-bubble')
    expect(bubble).to_have_count(1, timeout=WAIT)
    assert bubble.evaluate("e => e.textContent") == "第一行\n第二行"
    assert bubble.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"


def _page_with_widget(page: Page, base_url: str, attributes: str) -> None:
    """Serve a shop page of our own (same origin as kefu here) that embeds the widget with given attributes."""
    html = (f'<!doctype html><html><head><meta charset="utf-8"><title>shop</title></head>'
            f'<body><h1>A shop</h1><script src="{base_url}/widget.js" {attributes} async></script></body></html>')
    page.route(base_url + "/test-shop", lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(base_url + "/test-shop")


def test_customer_token_goes_by_message_not_url(demo_server, context):
    with database(demo_server) as db, db.session() as s:
        secret = s.scalar(select(Tenant.identity_secret).where(Tenant.id == demo_server.tenant_id))
    token = sign_identity_token(secret, "shop-customer-42", name="张三")
    page = context.new_page()
    _page_with_widget(page, demo_server.base_url,
                      f'data-key="{demo_server.public_key}" data-customer-token="{token}" data-open="true"')
    frame = page.locator("#kefu-frame")
    expect(frame).to_be_visible(timeout=WAIT)  # data-open="true"
    chat = page.frame_locator("#kefu-frame")
    expect(chat.locator("#kefu-status")).to_have_attribute("data-state", "open", timeout=WAIT)
    assert token not in (frame.get_attribute("src") or "")
    send(chat, "多久发货")
    expect(bot_msgs(chat, "48 小时")).to_have_count(1, timeout=WAIT)
    with database(demo_server) as db, db.session() as s:
        customer = s.scalar(select(Customer).where(Customer.tenant_id == demo_server.tenant_id,
                                                   Customer.external_id == "shop-customer-42"))
        assert customer is not None and customer.name == "张三"
    assert chat_frame(page).evaluate(VISITOR_JS) is None
    # window.kefu drives the widget from the shop's own scripts.
    page.evaluate("() => window.kefu.close()")
    expect(frame).to_be_hidden()
    page.evaluate("() => window.kefu.open()")
    expect(frame).to_be_visible()


def test_refused_customer_token_is_reported(demo_server, context):
    """A token the shop's secret did not sign is refused plainly, not swapped for an anonymous chat."""
    token = sign_identity_token("x" * 43, "shop-customer-43")  # not the shop's secret
    page = context.new_page()
    _page_with_widget(page, demo_server.base_url,
                      f'data-key="{demo_server.public_key}" data-customer-token="{token}"')
    page.locator("#kefu-launcher").click()
    chat = page.frame_locator("#kefu-frame")
    expect(chat.locator("#kefu-status")).to_have_attribute("data-state", "closed", timeout=WAIT)
    expect(chat.locator("#kefu-notice")).to_contain_text("登录身份")
    expect(chat.locator("#kefu-input")).to_be_disabled()
    expect(chat.locator(".kefu-msg")).to_have_count(0)


def test_unknown_key_is_reported(demo_server, context):
    page = context.new_page()
    _page_with_widget(page, demo_server.base_url, 'data-key="pk_does_not_exist"')
    page.locator("#kefu-launcher").click()
    chat = page.frame_locator("#kefu-frame")
    expect(chat.locator("#kefu-status")).to_have_attribute("data-state", "closed", timeout=WAIT)
    expect(chat.locator("#kefu-notice")).to_contain_text("暂不可用")
    expect(chat.locator("#kefu-input")).to_be_disabled()


@pytest.mark.parametrize("width,height,name", [(1280, 800, "desktop"), (375, 667, "phone")])
def test_screenshot_of_open_widget(demo_server, browser, width, height, name, tmp_path):
    """Not an assertion about looks but a picture to look at: set KEFU_WIDGET_SCREENSHOTS=<dir> to keep it."""
    with new_context(browser, locale="zh-CN", viewport={"width": width, "height": height}) as ctx:
        page = ctx.new_page()
        chat = open_store(page, demo_server.base_url)
        send(chat, "多久发货")
        expect(bot_msgs(chat, "48 小时")).to_have_count(1, timeout=WAIT)
        target = os.environ.get("KEFU_WIDGET_SCREENSHOTS")
        page.screenshot(path=os.path.join(target, f"widget-{name}.png") if target else str(tmp_path / "w.png"))


def test_agent_reply_badge_and_closed_conversation(demo_server, context):
    page = context.new_page()
    chat = open_store(page, demo_server.base_url)
    conv = conversation_id(chat)
    with on_duty(demo_server):  # someone available, busy: the chat waits in the queue
        chat.locator("#kefu-handoff").click()
        expect(chat.locator('.kefu-msg[data-sender="system"]')).to_have_count(2, timeout=WAIT)
        chat.locator("#kefu-close").click()
        expect(page.locator("#kefu-frame")).to_be_hidden()

        # Waiting for a person, the customer moves on to another page: the widget reconnects there in the background.
        page.reload()
        expect(page.locator("#kefu-frame")).to_be_hidden()
        expect(page.frame_locator("#kefu-frame").locator("#kefu-status")).to_have_attribute("data-state", "open",
                                                                                             timeout=WAIT)
        with httpx.Client(base_url=demo_server.base_url, timeout=10) as staff:
            log_in_as_agent(staff)
            staff.post(f"/api/v1/conversations/{conv}/messages",
                       json={"text": "您好，我是客服小王。\n<b>马上</b>为您查询。"}).raise_for_status()

            # Closed, the widget shows an unread badge on the launcher; opened, the person's reply is labelled.
            expect(page.locator("#kefu-launcher")).to_contain_text("1", timeout=WAIT)
            chat = open_widget(page)
            expect(page.locator("#kefu-launcher")).not_to_contain_text("1")
            agent = chat.locator('.kefu-msg[data-sender="agent"]')
            expect(agent).to_have_count(1, timeout=WAIT)
            expect(agent.locator(".kefu-label")).to_contain_text("人工客服")
            expect(agent.locator(".kefu-label")).to_contain_text("客服小王")
            shown = agent.locator(".kefu-bubble").evaluate("e => e.textContent")
            assert shown == "您好，我是客服小王。\n<b>马上</b>为您查询。"
            expect(chat.locator("#kefu-subtitle")).to_contain_text("人工客服为您服务中", timeout=WAIT)

            staff.post(f"/api/v1/conversations/{conv}/close").raise_for_status()
        expect(chat.locator(".kefu-note")).to_contain_text("对话已结束", timeout=WAIT)

        # The next message starts a new conversation (the server refuses it on the closed one) and is sent once.
        send(chat, "怎么退货")
        expect(bot_msgs(chat, "7 天内可无理由退货")).to_have_count(1, timeout=RECONNECT_WAIT)
        expect(customer_msgs(chat, "怎么退货")).to_have_count(1)
        new_conv = conversation_id(chat)
        assert new_conv != conv
        assert stored_count(demo_server, new_conv, "怎么退货") == 1
        assert stored_count(demo_server, conv, "怎么退货") == 0
        assert_ids_unique(page)


def test_unsent_message_survives_a_reload_during_an_outage(demo_server, context):
    """The chat socket is cut (the page itself still loads): a message typed then, and a reload, lose nothing."""
    cut = {"on": False}

    def socket(ws):
        if cut["on"]:
            ws.close()
        else:
            ws.connect_to_server()

    context.route_web_socket(re.compile(r"/api/v1/widget/ws"), socket)
    page = context.new_page()
    chat = open_store(page, demo_server.base_url)
    conv = conversation_id(chat)
    cut["on"] = True
    page.reload()
    page.locator("#kefu-launcher").click()
    chat = page.frame_locator("#kefu-frame")
    expect(chat.locator("#kefu-status")).to_have_attribute("data-state", "connecting", timeout=WAIT)
    send(chat, "退款多久到账")
    expect(customer_msgs(chat, "退款多久到账")).to_have_class(PENDING)

    page.reload()
    page.locator("#kefu-launcher").click()
    chat = page.frame_locator("#kefu-frame")
    expect(customer_msgs(chat, "退款多久到账")).to_have_class(PENDING, timeout=WAIT)  # from the stored outbox

    cut["on"] = False
    expect(chat.locator("#kefu-status")).to_have_attribute("data-state", "open", timeout=RECONNECT_WAIT)
    expect(bot_msgs(chat, "原路返回")).to_have_count(1, timeout=WAIT)
    expect(customer_msgs(chat, "退款多久到账")).to_have_count(1)
    expect(customer_msgs(chat, "退款多久到账")).not_to_have_class(PENDING)
    assert conversation_id(chat) == conv
    assert stored_count(demo_server, conv, "退款多久到账") == 1
    assert_ids_unique(page)


def test_rich_answer_shows_link_image_and_buttons(demo_server, context):
    """A knowledge answer's link, image and buttons render as safe elements, not markup."""
    with httpx.Client(base_url=demo_server.base_url) as owner:
        owner.post("/api/v1/auth/login", json={"email": "owner@demo.kefu", "password": "demo-owner-pass"}
                   ).raise_for_status()
        r = owner.post("/api/v1/knowledge", json={
            "question": "尺码怎么选？", "similar_questions": ["尺码表在哪", "穿多大码合适"], "answer": "请看尺码表<b>",
            "link_url": "https://shop.example/size", "image_url": "https://shop.example/size.png",
            "buttons": [{"label": "查看 M 码", "value": "M 码适合多高"}]})
        assert r.status_code == 201, r.text
        point_id = r.json()["id"]
    try:
        page = context.new_page()
        chat = open_store(page, demo_server.base_url)
        send(chat, "尺码表在哪")
        answer = bot_msgs(chat, "请看尺码表<b>")
        expect(answer).to_have_count(1, timeout=WAIT)
        link = answer.locator("a.kefu-option--link")
        expect(link).to_have_attribute("href", "https://shop.example/size")
        expect(link).to_have_attribute("rel", "noopener noreferrer")
        expect(answer.locator("img.kefu-image")).to_have_attribute("src", "https://shop.example/size.png")
        button = answer.locator("button.kefu-option", has_text="查看 M 码")
        button.click()
        expect(customer_msgs(chat, "M 码适合多高")).to_have_count(1, timeout=WAIT)
        assert answer.locator(".kefu-bubble b").count() == 0
    finally:
        with httpx.Client(base_url=demo_server.base_url) as owner:
            owner.post("/api/v1/auth/login", json={"email": "owner@demo.kefu", "password": "demo-owner-pass"})
            owner.delete(f"/api/v1/knowledge/{point_id}")


def test_set_context_makes_the_bot_answer_about_the_page_product(demo_server, page: Page, tmp_path):
    """A single-page shop calls kefu.setContext({productSku}); the bot answers about that product, and changing
    the page changes the product; a SKU the shop does not have leaves the chat working."""
    page.goto(demo_server.base_url + "/demo/store")
    page.wait_for_function("() => window.kefu && window.kefu.setContext")
    page.evaluate("() => kefu.setContext({productSku: 'MUG-350'})")
    chat = open_widget(page)
    send(chat, "容量多大")
    expect(bot_msgs(chat, "350ml")).to_have_count(1, timeout=WAIT)
    page.evaluate("() => kefu.setContext({productSku: 'KB-87', pageUrl: location.href + '#kb'})")
    send(chat, "有背光吗")
    expect(bot_msgs(chat, "白色背光")).to_have_count(1, timeout=WAIT)
    page.evaluate("() => kefu.setContext({productSku: 'NOT-OURS-1'})")
    send(chat, "多少钱")  # still the keyboard: the unknown SKU was refused, the context kept
    expect(bot_msgs(chat, "¥299.00")).to_have_count(1, timeout=WAIT)
    expect(chat.locator("#kefu-error")).to_be_hidden()
    page.screenshot(path=str(tmp_path / "widget-context.png"))
