"""The console's 测试机器人 page in a real browser: chat as a customer, press the bot's buttons, read its trace."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.support.browser import WAIT, login

SHOTS = Path(os.environ.get("KEFU_TEST_ARTIFACTS", "test-artifacts"))


def _new(page: Page, customer: str | None) -> None:
    if customer:
        page.locator("#try-known").check()
        page.locator("#try-customer").fill(customer)
    else:
        page.locator("#try-anon").check()
    turns = page.locator(".try-turn")
    page.locator("#try-new").click()
    expect(turns).to_have_count(1, timeout=WAIT)
    expect(page.locator(".try-turn.is-greeting .msg[data-sender='bot']")).to_contain_text("机器人", timeout=WAIT)


def _say(page: Page, text: str):
    n = page.locator(".try-turn").count()
    page.locator("#try-text").fill(text)
    page.locator("#try-text").press("Enter")
    expect(page.locator(".try-turn")).to_have_count(n + 1, timeout=WAIT)
    return page.locator(".try-turn").last


def test_owner_chats_as_a_customer_and_sees_what_the_bot_recognised(demo_server, page: Page):
    login(page, demo_server.base_url)
    page.goto(demo_server.base_url + "/admin/try")
    expect(page.locator("#nav-try")).to_have_attribute("aria-current", "page", timeout=WAIT)
    expect(page.locator("h1")).to_have_text("测试机器人")
    expect(page.locator("#try-empty")).to_be_visible()

    # As the demo's signed-in customer, whose orders the flows see.
    _new(page, "demo-customer")
    expect(page.locator("#try-hint")).to_contain_text("demo-customer")
    turn = _say(page, "D1003 到哪了")
    expect(turn.locator(".msg[data-sender='customer'] .msg-text")).to_have_text("D1003 到哪了")
    expect(turn.locator(".msg[data-sender='bot']").first).to_be_visible()
    trace = turn.locator(".try-trace")
    expect(trace.locator(".try-outcome")).to_have_text("自助流程")
    expect(trace.locator(".try-flow-name")).to_have_text("查物流")
    expect(trace.locator(".try-entity[data-key='order_no']")).to_contain_text("D1003")
    expect(trace.locator(".try-counted")).to_have_attribute("data-counted", "1")

    # A question from the demo's knowledge base, as an anonymous visitor.
    _new(page, None)
    turn = _say(page, "多久发货")
    trace = turn.locator(".try-trace")
    expect(trace.locator(".try-outcome")).to_have_text("直接回答")
    expect(trace.locator(".try-point-q")).to_have_text("什么时候发货？")
    expect(trace.locator(".try-candidates .try-bar-row.is-chosen .try-bar-name")).to_have_text("什么时候发货？")
    expect(trace.locator(".try-point .try-score")).to_have_text(re.compile(r"^0\.\d\d$|^1\.00$"))

    SHOTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header would be drawn mid-page otherwise
    page.screenshot(path=str(SHOTS / "try-bot-zh.png"), full_page=True)

    # The bot's buttons are pressed as the customer would: sent as a button, not read for emotion.
    _new(page, "demo-customer")
    turn = _say(page, "查下我的订单")
    option = turn.locator(".try-option", has_text="D1003")
    expect(option).to_be_visible(timeout=WAIT)
    n = page.locator(".try-turn").count()
    option.click()
    expect(page.locator(".try-turn")).to_have_count(n + 1, timeout=WAIT)
    pressed = page.locator(".try-turn").last
    expect(pressed.locator(".msg[data-sender='customer'] .try-pressed")).to_have_text("点了按钮")
    expect(pressed.locator(".msg[data-sender='customer'] .msg-text")).to_have_text("D1003")
    expect(pressed.locator(".try-flow-name")).to_have_text("查订单")
    expect(pressed.locator(".try-slot[data-key='order_no']")).to_contain_text("D1003")
    expect(pressed.locator(".try-counted")).to_have_attribute("data-counted", "0")
    expect(pressed.locator(".try-counted")).to_have_text("不计入（按钮）")
    page.screenshot(path=str(SHOTS / "try-bot-button-zh.png"))

    # English labels after the language switch; the customer's text stays as typed.
    page.locator("#lang-toggle").click()
    expect(page.locator("h1")).to_have_text("Test the bot")
    expect(pressed.locator(".try-pressed")).to_have_text("pressed a button")
    expect(pressed.locator(".try-counted")).to_have_text("not counted (a button)")
    page.screenshot(path=str(SHOTS / "try-bot-button-en.png"))


def test_agents_are_told_only_owners_and_admins_can_test(demo_server, page: Page):
    from tests.support.browser import AGENT

    login(page, demo_server.base_url, AGENT)
    page.goto(demo_server.base_url + "/admin/try")
    expect(page.locator("#try-readonly")).to_be_visible(timeout=WAIT)
    expect(page.locator("#try-card")).to_be_hidden()
