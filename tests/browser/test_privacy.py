"""The settings page's personal-data card: the retention period and whether agents see contacts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import AGENT, WAIT, check, login

pytestmark = pytest.mark.browser


def test_settings_retention_and_agents_contacts(demo_server, page, owner_http):
    base = demo_server.base_url
    login(page, base)
    page.goto(base + "/admin/settings")
    retention, contacts = page.locator("#privacy-retention"), page.locator("#privacy-contacts")
    expect(retention).to_have_value("0", timeout=WAIT)
    expect(page.locator("label[for=privacy-retention]")).to_have_text("聊天记录保存天数")
    expect(contacts).not_to_be_checked()
    try:
        retention.fill("90")
        contacts.check()
        page.locator("#privacy-save").click()
        expect(page.locator("#privacy-saved")).to_be_visible(timeout=WAIT)
        saved = check(owner_http.get("/api/v1/settings"))
        assert (saved["retention_days"], saved["agents_see_contacts"]) == (90, True)
        page.reload()
        expect(retention).to_have_value("90", timeout=WAIT)
        expect(contacts).to_be_checked()
        # Out of range: refused in the page, nothing stored.
        retention.fill("-3")
        page.locator("#privacy-save").click()
        expect(page.locator("#privacy-error")).to_have_text("保存天数是 0 到 3650 之间的整数。")
        assert check(owner_http.get("/api/v1/settings"))["retention_days"] == 90
        # The card follows the console's language.
        page.locator("#lang-toggle").click()
        expect(page.locator("label[for=privacy-retention]")).to_have_text("Keep transcripts for (days)")
        page.locator("#lang-toggle").click()
    finally:
        check(owner_http.patch("/api/v1/settings", json={"retention_days": 0, "agents_see_contacts": False}))
    # An agent reads the settings but cannot change them.
    page.context.clear_cookies()
    login(page, base, AGENT)
    page.goto(base + "/admin/settings")
    expect(retention).to_have_value("0", timeout=WAIT)
    expect(retention).to_be_disabled()
    expect(contacts).to_be_disabled()
