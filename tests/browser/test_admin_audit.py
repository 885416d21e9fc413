"""The console's 操作日志 page in a real browser: the owner sees the entry a settings change left, agents see
neither the link nor the log, and a locked login shows a notice on the owner's console."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.support.browser import AGENT, OWNER, WAIT, check, login, unique

SHOTS = Path(os.environ.get("KEFU_TEST_ARTIFACTS", "test-artifacts"))


def test_owner_sees_the_entry_of_a_settings_change(demo_server, owner_http, page: Page):
    before = check(owner_http.get("/api/v1/settings"))["bot_name"]
    login(page, demo_server.base_url)
    page.goto(demo_server.base_url + "/admin/settings")
    expect(page.locator("#set-bot-name")).to_have_value(before, timeout=WAIT)
    bot_name = unique("小")
    page.locator("#set-bot-name").fill(bot_name)
    page.locator("#set-save").click()
    expect(page.locator("#set-saved")).to_be_visible(timeout=WAIT)
    try:
        page.locator("#nav-audit").click()
        expect(page).to_have_url(re.compile(r"/admin/audit"), timeout=WAIT)
        expect(page.locator("h1")).to_have_text("操作日志")
        first = page.locator("#audit-rows tr").first
        expect(first.locator(".audit-action")).to_have_text("修改了设置", timeout=WAIT)
        expect(first.locator(".audit-who")).to_have_text(check(owner_http.get("/api/v1/auth/me"))["user"]["name"])
        expect(first.locator(".audit-detail")).to_have_text("改动: bot_name")
        expect(first.locator(".audit-target")).to_contain_text("店铺")
        expect(first.locator(".audit-from")).to_have_text("127.0.0.1")
        # The login that opened this page is there too; the filter keeps only logins.
        page.locator("#audit-action").select_option("login")
        page.locator("#audit-load").click()
        expect(page.locator("#audit-rows tr .audit-action").first).to_have_text("登录", timeout=WAIT)
        expect(page.locator("#audit-rows .audit-action", has_text="修改了设置")).to_have_count(0)
        expect(page).to_have_url(re.compile(r"\?action=login$"))
        page.locator("#audit-action").select_option("")
        page.locator("#audit-load").click()
        expect(page.locator("#audit-rows tr").first.locator(".audit-action")).to_have_text("修改了设置",
                                                                                          timeout=WAIT)
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "admin-audit.png"), full_page=True)
        # The CSV export carries the same filters; in English the page reads in English.
        expect(page.locator("#audit-export")).to_have_attribute("href", re.compile(r"^/api/v1/audit/export\?"))
        page.locator(".lang-toggle").click()
        expect(page.locator("#audit-rows tr").first.locator(".audit-action")).to_have_text("Changed settings")
        expect(page.locator("#audit-rows tr").first.locator(".audit-detail")).to_have_text("changed: bot_name")
        page.screenshot(path=str(SHOTS / "admin-audit-en.png"), full_page=True)
        page.locator(".lang-toggle").click()
    finally:
        check(owner_http.patch("/api/v1/settings", json={"bot_name": before}))


def test_agents_have_no_audit_link_nor_log(demo_server, page: Page):
    login(page, demo_server.base_url, AGENT)
    expect(page.locator("#nav-knowledge")).to_be_visible()
    expect(page.locator("#nav-audit")).to_have_count(0)
    page.goto(demo_server.base_url + "/admin/audit")
    expect(page.locator("#audit-owner-only")).to_have_text("只有店主可以查看操作日志。", timeout=WAIT)
    expect(page.locator("#audit-filters")).to_be_hidden()


def test_a_locked_login_shows_a_notice_to_the_owner(demo_server, browser, page: Page):
    """Last in the module: ten failures lock the agent's account and this machine's address for 15 minutes."""
    login(page, demo_server.base_url)
    expect(page.locator("#lock-notice")).to_have_count(0)
    with httpx.Client(base_url=demo_server.base_url, timeout=10) as c:
        codes = [c.post("/api/v1/auth/login", json={"email": AGENT[0], "password": "guess"}).status_code
                 for _ in range(11)]
        assert codes == [401] * 10 + [429]
        assert c.post("/api/v1/auth/login", json={"email": OWNER[0], "password": OWNER[1]}).status_code == 429
    page.reload()
    notice = page.locator("#lock-notice")
    expect(notice).to_contain_text("登录失败次数过多", timeout=WAIT)
    notice.locator("a").click()
    expect(page).to_have_url(re.compile(r"/admin/audit\?action=login_locked$"), timeout=WAIT)
    first = page.locator("#audit-rows tr").first
    expect(first.locator(".audit-action")).to_have_text("登录已锁定", timeout=WAIT)
    expect(first.locator(".audit-detail")).to_have_text("锁定: 账号, 来源地址；分钟: 15")
    # Whoever tries to log in from here now is told to wait, whichever account they type.
    other = browser.new_context(locale="zh-CN")
    try:
        login_page = other.new_page()
        login_page.goto(demo_server.base_url + "/admin/login")
        login_page.locator("#email").fill(OWNER[0])
        login_page.locator("#password").fill(OWNER[1])
        expect(login_page.locator("#login-form")).to_have_attribute("data-ready", "1", timeout=WAIT)
        login_page.locator("#login-submit").click()
        expect(login_page.locator("#login-error")).to_contain_text("登录失败次数过多，请稍后再试", timeout=WAIT)
    finally:
        other.close()
