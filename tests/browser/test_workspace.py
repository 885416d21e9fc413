"""The agent workspace and the customer's rating in real browsers: a customer on the demo storefront, agents in
their workspaces (one browser context each), a supervisor, all live over websockets."""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from playwright.sync_api import Browser, FrameLocator, Page, expect
from sqlalchemy import select

from kefu.conversations.models import Conversation
from kefu.live.models import Rating
from kefu.tenants.actions import do_create_user
from kefu.web.pages import PAGES
from tests.browser.test_widget import (
    bot_msgs,
    conversation_id,
    customer_msgs,
    database,
    open_store,
    open_widget,
    send,
)
from tests.support.browser import AGENT, OWNER, WAIT, check, login, on_duty, unique, watch_errors

LIVE_WAIT = 15_000  # ms: a message or an event travelling customer → server → staff socket (or back)
PASSWORD = "agent-pass-123"


# --- helpers -------------------------------------------------------------------------------------------

@contextmanager
def staff_http(demo_server, email: str, password: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=demo_server.base_url, timeout=10) as client:
        check(client.post("/api/v1/auth/login", json={"email": email, "password": password}))
        yield client


def make_agent(demo_server, name: str, status: str = "offline") -> dict:
    """A new agent of the demo shop (created in the database: people are added with `kefu user add`)."""
    email = f"{unique('agent-')}@test.kefu"
    with database(demo_server) as db, db.session() as s:
        user = do_create_user(s, tenant_id=demo_server.tenant_id, email=email, name=name, role="agent",
                              password=PASSWORD)
        user.status = status
        s.flush()
        uid = user.id
    return {"id": uid, "email": email, "password": PASSWORD, "name": name}


def set_status(demo_server, email: str, password: str, status: str) -> None:
    with staff_http(demo_server, email, password) as client:
        check(client.put("/api/v1/auth/me/status", json={"status": status}))


@contextmanager
def workspace(browser: Browser, base_url: str, who: tuple[str, str], *, locale: str = "zh-CN",
              path: str = "/workspace") -> Iterator[Page]:
    """A person logged in, in their own browser context, with the workspace open and its socket connected."""
    ctx = browser.new_context(locale=locale, viewport={"width": 1440, "height": 900})
    page = ctx.new_page()
    errors = watch_errors(page)
    try:
        login(page, base_url, who)
        page.goto(base_url + path)
        expect(page.locator("#ws-conn")).to_have_attribute("data-state", "open", timeout=WAIT)
        yield page
        assert not errors, "\n".join(errors)
    finally:
        ctx.close()


def choose_status(page: Page, status: str, label: str) -> None:
    """Pick a status in the workspace's selector and wait until it is saved (the selector is locked meanwhile)."""
    select = page.locator("#agent-status")
    select.select_option(status)
    expect(select).to_be_enabled(timeout=WAIT)
    expect(select).to_have_value(status)
    expect(select.locator("option:checked")).to_have_text(label)


def take_chat(page: Page, conv: int) -> None:
    """Wait until the chat is one of mine (routing gave it, or we accept it from the queue) and open it."""
    mine = page.locator(f'.mine-item[data-id="{conv}"]')
    accept = page.locator(f'.queue-item[data-id="{conv}"] .queue-accept')
    deadline = time.monotonic() + LIVE_WAIT / 1000
    while not mine.is_visible():
        assert time.monotonic() < deadline, f"chat {conv} never became mine"
        if accept.is_visible():
            # Routing may take it at the same moment: then it shows up in my chats anyway.
            with contextlib.suppress(Exception):
                accept.click(timeout=1000)
        page.wait_for_timeout(200)
    mine.locator(".ws-item-open").click()
    expect(page.locator("#chat")).to_have_attribute("data-id", str(conv), timeout=WAIT)


def agent_msgs(chat: FrameLocator, text: str):
    return chat.locator('.kefu-msg[data-sender="agent"]').filter(has=chat.locator(".kefu-bubble", has_text=text))


def transcript_msg(page: Page, sender: str, text: str):
    return page.locator(f'#transcript .msg[data-sender="{sender}"]').filter(
        has=page.locator(".msg-text", has_text=text))


def close_quietly(owner_http: httpx.Client, *conversations: int) -> None:
    for conv in conversations:
        owner_http.post(f"/api/v1/live/conversations/{conv}/close", json={"disposition": "resolved"})


def test_workspace_page_has_no_inline_script():
    text = (PAGES / "workspace.html").read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE):
        assert "src=" in tag, f"inline script: {tag}"
    assert not re.search(r"\son[a-z]+\s*=", text, flags=re.IGNORECASE), "inline event handler"


# --- the story -----------------------------------------------------------------------------------------

def test_customer_to_agent_to_colleague_close_and_rating(demo_server, browser, context, owner_http):
    """Bot → 转人工 → agent goes online and gets the chat → live messages → a suggested reply, edited → transfer
    with a note → the colleague closes with a disposition → the customer rates 5 with a comment."""
    base = demo_server.base_url
    second = make_agent(demo_server, "客服小李 Agent Li")
    shop = context.new_page()
    conv = 0
    duty = contextlib.ExitStack()
    try:
        # The customer asks the bot, then asks for a person: a colleague on duty is busy, so the chat waits in the
        # queue.
        duty.enter_context(on_duty(demo_server))
        chat = open_store(shop, base)
        send(chat, "什么时候发货？")
        expect(bot_msgs(chat, "48 小时内发货")).to_have_count(1, timeout=WAIT)
        send(chat, "转人工")
        expect(chat.locator('.kefu-msg[data-sender="system"]').last).to_contain_text("第 1 位", timeout=WAIT)
        expect(chat.locator("#kefu-subtitle")).to_contain_text("正在为您转接人工客服", timeout=WAIT)
        conv = conversation_id(chat)
        # The agent was away from the desk.
        set_status(demo_server, *AGENT, "away")

        with workspace(browser, base, AGENT) as desk:
            # The queue: the customer, why they asked, and the waiting time ticking.
            queued = desk.locator(f'.queue-item[data-id="{conv}"]')
            expect(queued).to_be_visible(timeout=WAIT)
            expect(queued.locator(".queue-reason")).to_have_text("顾客要求转人工")
            expect(desk.locator("#agent-status")).to_have_value("away")
            expect(desk.locator("#ws-offline-hint")).to_be_visible()
            before = queued.locator(".queue-wait").inner_text()
            expect(queued.locator(".queue-wait")).not_to_have_text(before, timeout=3000)

            # Online: routing gives the waiting chat to the agent whose workspace is open.
            choose_status(desk, "online", "在线")
            expect(desk.locator("#ws-offline-hint")).to_be_hidden()
            take_chat(desk, conv)
            duty.close()
            expect(desk.locator(f'.queue-item[data-id="{conv}"]')).to_have_count(0, timeout=WAIT)
            expect(desk.locator("#chat-status")).to_have_text("人工接待中", timeout=WAIT)
            # The bot's part of the conversation and what it passed on are there.
            expect(transcript_msg(desk, "bot", "48 小时内发货")).to_have_count(1)
            expect(transcript_msg(desk, "customer", "什么时候发货？")).to_have_count(1)
            expect(desk.locator("#handoff-panel .handoff-reason")).to_have_text("顾客要求转人工")
            expect(desk.locator("#cust-name")).to_be_visible(timeout=WAIT)
            # The customer hears that a person is here.
            expect(chat.locator('.kefu-msg[data-sender="system"]').last).to_contain_text("客服小王", timeout=LIVE_WAIT)
            expect(chat.locator("#kefu-subtitle")).to_contain_text("人工客服为您服务中", timeout=WAIT)

            # Messages both ways, live.
            desk.locator("#reply-text").fill("您好，我是客服小王，请问有什么可以帮您？")
            desk.locator("#reply-text").press("Enter")
            expect(agent_msgs(chat, "我是客服小王")).to_have_count(1, timeout=LIVE_WAIT)
            expect(agent_msgs(chat, "我是客服小王").locator(".kefu-label")).to_contain_text("客服小王")
            expect(desk.locator("#reply-text")).to_have_value("")
            send(chat, "请问什么时候发货？")
            expect(transcript_msg(desk, "customer", "请问什么时候发货？")).to_have_count(1, timeout=LIVE_WAIT)

            # A suggested reply for that question: Use puts it in the box, the agent edits it and sends it.
            suggestion = desk.locator("#suggestion-list .suggestion").first
            expect(suggestion).to_be_visible(timeout=LIVE_WAIT)
            suggested = suggestion.locator(".suggestion-text").inner_text()
            assert suggested.strip()
            suggestion.locator(".suggestion-use").click()
            expect(desk.locator("#reply-text")).to_have_value(suggested)
            desk.locator("#reply-text").press("End")
            desk.locator("#reply-text").type(" 祝您购物愉快！")
            desk.locator("#reply-send").click()
            edited = suggested + " 祝您购物愉快！"
            expect(agent_msgs(chat, "祝您购物愉快！")).to_have_count(1, timeout=LIVE_WAIT)
            shown = agent_msgs(chat, "祝您购物愉快！").locator(".kefu-bubble").evaluate("e => e.textContent")
            assert shown == edited
            stats = check(owner_http.get("/api/v1/live/stats"))
            assert stats["suggestions_used"] >= 1 and stats["suggestions_used_edited"] >= 1

            # A colleague comes online in their own workspace; the chat goes to them with a note.
            with workspace(browser, base, (second["email"], second["password"])) as desk2:
                choose_status(desk2, "online", "在线")
                desk.locator("#chat-transfer").click()
                expect(desk.locator("#transfer-dialog")).to_be_visible()
                option = desk.locator(f'#transfer-agent option[value="{second["id"]}"]')
                expect(option).to_contain_text("客服小李")
                expect(option).to_contain_text("在线", timeout=WAIT)
                desk.locator("#transfer-agent").select_option(str(second["id"]))
                note = "顾客在问发货时间，已发过发货说明"
                desk.locator("#transfer-note").fill(note)
                desk.locator("#transfer-ok").click()
                expect(desk.locator("#toast")).to_contain_text("已转接给 客服小李", timeout=WAIT)
                expect(desk.locator(f'.mine-item[data-id="{conv}"]')).to_have_count(0, timeout=WAIT)
                expect(desk.locator("#chat")).to_be_hidden()

                # The colleague has it, with the whole history and the note (which the customer never sees).
                take_chat(desk2, conv)
                expect(transcript_msg(desk2, "agent", "祝您购物愉快！")).to_have_count(1, timeout=WAIT)
                expect(desk2.locator("#transcript .msg-note").filter(has_text=note)).to_have_count(1, timeout=WAIT)
                desk2.locator("#reply-text").fill("您好，我是客服小李，接着为您处理。")
                desk2.locator("#reply-text").press("Enter")
                expect(agent_msgs(chat, "我是客服小李")).to_have_count(1, timeout=LIVE_WAIT)
                expect(agent_msgs(chat, "我是客服小李").locator(".kefu-label")).to_contain_text("客服小李")
                expect(chat.locator("body")).not_to_contain_text(note)

                # The colleague closes it as resolved.
                desk2.locator("#chat-close").click()
                expect(desk2.locator("#close-dialog")).to_be_visible()
                desk2.locator('input[name="disposition"][value="resolved"]').check()
                desk2.locator("#close-ok").click()
                expect(desk2.locator("#chat-status")).to_have_text("已结束", timeout=WAIT)
                expect(desk2.locator("#chat-closed")).to_contain_text("已解决")
                expect(desk2.locator("#reply-form")).to_be_hidden()
                expect(desk2.locator(f'.mine-item[data-id="{conv}"]')).to_have_count(0, timeout=WAIT)
                with database(demo_server) as db, db.session() as s:
                    assert s.get(Conversation, conv).disposition == "resolved"

        # The customer is asked to rate; the card stays after a reload until they do.
        expect(chat.locator("#kefu-subtitle")).to_contain_text("对话已结束", timeout=LIVE_WAIT)
        card = chat.locator(f'.kefu-rating[data-conversation-id="{conv}"]')
        expect(card).to_be_visible(timeout=LIVE_WAIT)
        expect(card.locator(".kefu-rating-title")).to_have_text("为本次服务打分")
        shop.reload()
        chat = open_widget(shop)
        card = chat.locator(f'.kefu-rating[data-conversation-id="{conv}"]')
        expect(card).to_be_visible(timeout=WAIT)
        card.locator('.kefu-star[data-score="5"]').click()
        expect(card.locator(".kefu-rating-label")).to_have_text("非常满意")
        card.locator(".kefu-rating-comment").fill("小王和小李都很耐心，谢谢！")
        card.locator(".kefu-rating-submit").click()
        expect(card.locator(".kefu-rating-thanks")).to_contain_text("感谢您的评价", timeout=WAIT)
        with database(demo_server) as db, db.session() as s:
            rating = s.scalar(select(Rating).where(Rating.conversation_id == conv))
            assert rating is not None
            assert (rating.score, rating.comment, rating.agent_id) == (5, "小王和小李都很耐心，谢谢！", second["id"])
        shop.reload()
        chat = open_widget(shop)
        expect(chat.locator(".kefu-rating")).to_have_count(0)

        # Typing again starts a new conversation with the bot.
        send(chat, "怎么退货")
        expect(bot_msgs(chat, "7 天内可无理由退货")).to_have_count(1, timeout=WAIT)
        assert conversation_id(chat) != conv
        expect(customer_msgs(chat, "怎么退货")).to_have_count(1)
    finally:
        duty.close()
        set_status(demo_server, *AGENT, "offline")
        set_status(demo_server, second["email"], second["password"], "offline")
        if conv:
            close_quietly(owner_http, conv)


# --- focused ---------------------------------------------------------------------------------------------

def test_internal_notes_never_reach_the_widget(demo_server, browser, context, owner_http):
    base = demo_server.base_url
    agent = make_agent(demo_server, "客服小赵 Agent Zhao", status="away")
    shop = context.new_page()
    frames: list[str] = []
    shop.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    note = unique("内部备注：这位顾客上周投诉过物流-")
    conv = 0
    duty = contextlib.ExitStack()
    try:
        duty.enter_context(on_duty(demo_server))  # a colleague on duty is busy: the chat queues
        chat = open_store(shop, base)
        send(chat, "转人工")
        expect(chat.locator("#kefu-subtitle")).to_contain_text("正在为您转接人工客服", timeout=WAIT)
        conv = conversation_id(chat)
        with workspace(browser, base, (agent["email"], agent["password"])) as desk, \
                workspace(browser, base, OWNER, path=f"/workspace?conv={conv}") as boss:
            # Away, the agent still takes a chat by hand.
            accept = desk.locator(f'.queue-item[data-id="{conv}"] .queue-accept')
            expect(accept).to_be_visible(timeout=WAIT)
            accept.click()
            expect(desk.locator("#chat")).to_have_attribute("data-id", str(conv), timeout=WAIT)
            expect(desk.locator(f'.mine-item[data-id="{conv}"]')).to_be_visible(timeout=WAIT)
            expect(boss.locator("#chat-status")).to_have_text("人工接待中", timeout=LIVE_WAIT)

            desk.locator("#note-mode").check()
            expect(desk.locator("#reply-text")).to_have_attribute("placeholder", re.compile("顾客看不到"))
            expect(desk.locator("#reply-send")).to_have_text("添加备注")
            desk.locator("#reply-text").fill(note)
            desk.locator("#reply-text").press("Enter")
            mine = desk.locator("#transcript .msg-note").filter(has_text=note)
            expect(mine).to_have_count(1, timeout=WAIT)
            expect(mine.locator(".msg-private")).to_have_text("仅同事可见")
            expect(mine.locator(".msg-name")).to_have_text("客服小赵 Agent Zhao")
            expect(desk.locator("#note-mode")).not_to_be_checked()
            # A colleague watching the chat sees the note arrive.
            expect(boss.locator("#transcript .msg-note").filter(has_text=note)).to_have_count(1, timeout=LIVE_WAIT)

            desk.locator("#reply-text").fill("您好，我来帮您看看。")
            desk.locator("#reply-text").press("Enter")
            expect(agent_msgs(chat, "我来帮您看看")).to_have_count(1, timeout=LIVE_WAIT)
            expect(boss.locator("#transcript .msg[data-sender='agent']").last).to_contain_text("我来帮您看看",
                                                                                            timeout=LIVE_WAIT)

        # Not on screen, not in the history after a reload, not in any frame the widget received.
        expect(chat.locator("body")).not_to_contain_text(note)
        shop.reload()
        chat = open_widget(shop)
        expect(agent_msgs(chat, "我来帮您看看")).to_have_count(1, timeout=WAIT)
        expect(chat.locator("body")).not_to_contain_text(note)
        assert any("我来帮您看看" in f for f in frames), "the widget's socket frames were not captured"
        assert not any(note in f or note in json.dumps(f, ensure_ascii=False) for f in frames)
        notes = check(owner_http.get(f"/api/v1/conversations/{conv}/notes"))
        assert [n["text"] for n in notes] == [note]
    finally:
        if conv:
            close_quietly(owner_http, conv)
        duty.close()


def test_canned_response_by_slash(demo_server, browser, owner_http, api_channel):
    base = demo_server.base_url
    agent = make_agent(demo_server, "客服小钱 Agent Qian", status="away")
    opened = api_channel.open(unique("canned-"), name=unique("顾客"))
    conv = opened["conversation"]["id"]
    api_channel.say(conv, "退货寄到哪里？")
    shortcut = unique("dz")
    text = "退货请寄到：浙江省杭州市西湖区文三路 100 号 kefu 售后部，收件人 售后组。"
    try:
        with workspace(browser, base, (agent["email"], agent["password"]), path=f"/workspace?conv={conv}") as desk:
            expect(desk.locator("#chat")).to_have_attribute("data-id", str(conv), timeout=WAIT)
            # Save a personal canned response in the manage dialog.
            desk.locator("#canned-manage").click()
            expect(desk.locator("#canned-dialog")).to_be_visible()
            expect(desk.locator("#canned-scope-field")).to_be_hidden()  # agents save personal ones only
            desk.locator("#canned-shortcut").fill(shortcut)
            desk.locator("#canned-title-input").fill("退货地址")
            desk.locator("#canned-text").fill(text)
            desk.locator("#canned-save").click()
            expect(desk.locator("#canned-list .canned-row").filter(has_text="/" + shortcut)).to_have_count(
                1, timeout=WAIT)
            desk.locator("#canned-done").click()
            saved = [c for c in check(owner_http.get("/api/v1/live/canned")) if c["shortcut"] == shortcut]
            assert saved == [], "a personal canned response is its owner's only"

            # "/" and the start of the shortcut offers it; Enter puts its text in the box.
            box = desk.locator("#reply-text")
            box.click()
            box.type("/" + shortcut[:4])
            menu = desk.locator("#canned-menu")
            expect(menu).to_be_visible()
            option = menu.locator(f'.canned-option[data-shortcut="{shortcut}"]')
            expect(option).to_contain_text("退货地址")
            expect(option).to_have_attribute("aria-selected", "true")
            box.press("Enter")
            expect(menu).to_be_hidden()
            expect(box).to_have_value(text)
            box.press("Enter")
            expect(transcript_msg(desk, "agent", "文三路 100 号")).to_have_count(1, timeout=WAIT)
            expect(box).to_have_value("")
            assert any(m["sender"] == "agent" and m["text"] == text for m in api_channel.messages(conv))

            # Escape closes the menu and leaves what was typed.
            box.type("/nothing-like-this")
            expect(menu).to_contain_text("没有匹配的快捷回复")
            box.press("Escape")
            expect(menu).to_be_hidden()
            expect(box).to_have_value("/nothing-like-this")
    finally:
        close_quietly(owner_http, conv)


def test_supervisor_sees_queue_and_loads(demo_server, browser, owner_http, api_channel):
    base = demo_server.base_url
    agent = make_agent(demo_server, "客服小孙 Agent Sun", status="away")
    convs = []
    duty = contextlib.ExitStack()
    duty.enter_context(on_duty(demo_server, "值班 On duty 2"))  # a colleague on duty is busy: chats wait
    for _ in range(2):
        opened = api_channel.open(unique("sup-"), name=unique("排队顾客"))
        convs.append(opened["conversation"]["id"])
        api_channel.say(convs[-1], "转人工")
    try:
        waiting = check(owner_http.get("/api/v1/live"))
        assert {q["conversation_id"] for q in waiting["queue"]} >= set(convs)
        with workspace(browser, base, OWNER, locale="en-US") as boss:
            expect(boss.locator("#ws-tabs")).to_be_visible()
            boss.locator("#tab-supervisor").click()
            expect(boss).to_have_url(re.compile(r"/workspace\?view=supervisor$"))
            expect(boss.locator("#ws-supervisor")).to_be_visible()
            expect(boss.locator(".ws-stat-label").first).to_have_text("Waiting")
            expect(boss.locator("#sup-queue-len")).to_have_text(str(waiting["queue_length"]), timeout=WAIT)
            for conv in convs:
                expect(boss.locator(f'#sup-queue tr[data-id="{conv}"]')).to_be_visible()
            longest = boss.locator("#sup-longest").inner_text()
            expect(boss.locator("#sup-longest")).not_to_have_text(longest, timeout=3000)  # ticking
            row = boss.locator(f'#sup-agents tr[data-id="{agent["id"]}"]')
            expect(row.locator(".sup-status")).to_have_text("Away")
            expect(row.locator(".sup-load")).to_have_text("0 / 5")

            with workspace(browser, base, (agent["email"], agent["password"])) as desk:
                expect(desk.locator("#ws-tabs")).to_be_hidden()  # agents have no supervisor view
                desk.locator(f'.queue-item[data-id="{convs[0]}"] .queue-accept').click()
                expect(desk.locator("#chat")).to_have_attribute("data-id", str(convs[0]), timeout=WAIT)

                # The supervisor's view follows: the agent's load, the queue, the chats with agents.
                expect(row.locator(".sup-load")).to_have_text("1 / 5", timeout=LIVE_WAIT)
                expect(boss.locator(f'#sup-queue tr[data-id="{convs[0]}"]')).to_have_count(0, timeout=LIVE_WAIT)
                expect(boss.locator(f'#sup-queue tr[data-id="{convs[1]}"]')).to_be_visible()
                expect(boss.locator("#sup-queue-len")).to_have_text(str(waiting["queue_length"] - 1))
                expect(boss.locator(f'#sup-chats tr[data-id="{convs[0]}"]')).to_be_visible(timeout=LIVE_WAIT)
                choose_status(desk, "busy", "忙碌")
                expect(row.locator(".sup-status")).to_have_text("Busy", timeout=LIVE_WAIT)

            # The supervisor takes the other one from the queue and answers it in the chat view.
            boss.locator(f'#sup-queue tr[data-id="{convs[1]}"] .sup-accept').click()
            expect(boss.locator("#ws-chats")).to_be_visible(timeout=WAIT)
            expect(boss.locator("#chat")).to_have_attribute("data-id", str(convs[1]), timeout=WAIT)
            expect(boss.locator("#chat-transfer")).to_have_text("Transfer")
            expect(boss.locator("#tab-chats")).to_have_attribute("aria-current", "page")
    finally:
        close_quietly(owner_http, *convs)
        duty.close()
