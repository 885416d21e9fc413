"""Product cards in real browsers: the bot's recommendation in the widget, the same card in the agent's
transcript, and an agent sending a card from the workspace's product search to the customer's widget."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.browser.test_widget import conversation_id, open_store, send
from tests.browser.test_workspace import close_quietly, workspace
from tests.support import images
from tests.support.browser import AGENT, OWNER, WAIT, check, login, watch_errors

IMAGE = "https://img.kefu.test/mug.png"
SHOTS = Path(os.environ.get("KEFU_SHOTS", "/tmp/kefu-shots"))


def test_card_in_widget_and_workspace(demo_server, browser: Browser, owner_http):
    check(owner_http.patch("/api/v1/store/products/MUG-350", json={"image_url": IMAGE}))
    # The product's own page address (from the catalogue) wins over the shop's product_url template.
    check(owner_http.patch("/api/v1/settings", json={"facts": {"product_url": "https://shop.kefu.test/p/{sku}"}}))
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 800})
    # The product photo is the shop's own https address: served here so the card shows a picture offline.
    ctx.route("https://img.kefu.test/**", lambda route: route.fulfill(body=images.png(240, 180, (200, 120, 60)),
                                                                        content_type="image/png"))
    page = ctx.new_page()
    errors = watch_errors(page)
    conv = None
    try:
        chat = open_store(page, demo_server.base_url)
        conv = conversation_id(chat)
        send(chat, "推荐个陶瓷马克杯")
        card = chat.locator('.kefu-msg[data-sender="bot"] .kefu-card[data-sku="MUG-350"]')
        expect(card).to_be_visible(timeout=WAIT)
        expect(card.locator(".kefu-card-title")).to_have_text("手作陶瓷马克杯")
        expect(card.locator(".kefu-card-price")).to_have_text("¥89.00")
        expect(card.locator(".kefu-card-stock")).to_have_text("有货")
        expect(card.locator(".kefu-card-reason")).not_to_be_empty()
        expect(card.locator("img.kefu-card-img")).to_have_attribute("src", IMAGE)
        assert card.locator("img.kefu-card-img").evaluate("i => i.complete && i.naturalWidth") == 240
        link = card.locator("a.kefu-option--link")
        expect(link).to_have_attribute("href", "https://demo.kefu.example/p/MUG-350")
        expect(link).to_have_attribute("rel", "noopener noreferrer")
        page.screenshot(path=str(SHOTS / "widget-card.png"))
        # "Ask about it" sends the customer's question about that product.
        card.locator("button.kefu-option").click()
        expect(chat.locator('.kefu-msg[data-sender="customer"] .kefu-bubble', has_text="手作陶瓷马克杯")
               ).to_be_visible(timeout=WAIT)

        with workspace(browser, demo_server.base_url, AGENT, path=f"/workspace?conv={conv}") as desk:
            expect(desk.locator("#chat")).to_have_attribute("data-id", str(conv), timeout=WAIT)
            shown = desk.locator('#transcript .msg[data-sender="bot"] .msg-card[data-sku="MUG-350"]')
            expect(shown).to_be_visible(timeout=WAIT)
            expect(shown.locator(".msg-card-price")).to_have_text("¥89.00")
            # The agent finds the notebook and sends its card.
            desk.locator("#product-toggle").click()
            expect(desk.locator("#product-panel")).to_be_visible()
            # Opened with an empty search, the panel suggests products for this customer (a mug was recommended).
            expect(desk.locator("#product-hint")).to_have_text("推荐给这位顾客：", timeout=WAIT)
            expect(desk.locator("#product-results .ws-product")).not_to_have_count(0)
            desk.locator("#product-search").fill("线装笔记本")
            expect(desk.locator("#product-hint")).to_contain_text("实时", timeout=WAIT)
            row = desk.locator('#product-results .ws-product[data-sku="NOTE-A5"]')
            expect(desk.locator("#product-results .ws-product")).to_have_count(1, timeout=WAIT)
            expect(row).to_be_visible(timeout=WAIT)
            expect(row).to_contain_text("¥39.00")
            row.locator("button").click()
            sent = desk.locator('#transcript .msg[data-sender="agent"] .msg-card[data-sku="NOTE-A5"]')
            expect(sent).to_be_visible(timeout=WAIT)
            desk.screenshot(path=str(SHOTS / "workspace-card.png"))
        agent_card = chat.locator('.kefu-msg[data-sender="agent"] .kefu-card[data-sku="NOTE-A5"]')
        expect(agent_card).to_be_visible(timeout=WAIT)
        expect(agent_card.locator(".kefu-card-price")).to_have_text("¥39.00")
        page.screenshot(path=str(SHOTS / "widget-agent-card.png"))
        assert not errors, "\n".join(errors)

        # The product is deleted; the conversations page still shows both cards from what was sent.
        assert owner_http.delete("/api/v1/store/products/NOTE-A5").status_code == 204
        admin = ctx.new_page()
        admin_errors = watch_errors(admin)
        login(admin, demo_server.base_url, OWNER)
        admin.goto(f"{demo_server.base_url}/admin/conversations?id={conv}")
        kept = admin.locator('#transcript .msg[data-sender="agent"] .msg-card[data-sku="NOTE-A5"]')
        expect(kept).to_be_visible(timeout=WAIT)
        expect(kept.locator(".msg-card-title")).to_have_text("线装笔记本 A5")
        expect(kept.locator(".msg-card-price")).to_have_text("¥39.00")
        mug = admin.locator('#transcript .msg[data-sender="bot"] .msg-card[data-sku="MUG-350"]')
        expect(mug.locator("a.msg-card-title")).to_have_attribute("href", "https://demo.kefu.example/p/MUG-350")
        expect(mug.locator("img.msg-card-img")).to_have_attribute("src", IMAGE)
        kept.scroll_into_view_if_needed()
        admin.screenshot(path=str(SHOTS / "transcript-card.png"))
        assert not admin_errors, "\n".join(admin_errors)
    finally:
        if conv:
            close_quietly(owner_http, conv)
        ctx.close()
