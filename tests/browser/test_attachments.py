"""Customers' photos in real browsers: attached or pasted in the widget, acknowledged by the bot, seen by the agent
in the workspace and by the owner in the console's transcript."""

from __future__ import annotations

import base64
import contextlib

from playwright.sync_api import expect

from tests.browser.test_widget import bot_msgs, chat_frame, conversation_id, open_store, open_widget, send
from tests.browser.test_workspace import LIVE_WAIT, close_quietly, take_chat, workspace
from tests.support import images
from tests.support.browser import AGENT, OWNER, WAIT, check, login, on_duty

LOADED = "img => img.complete && img.naturalWidth > 0"


def customer_images(chat):
    return chat.locator('.kefu-msg[data-sender="customer"][data-id] img.kefu-attachment-img')


def test_pasted_photo_is_acknowledged_by_the_bot_and_a_text_file_is_refused(demo_server, context):
    shop = context.new_page()
    chat = open_store(shop, demo_server.base_url)
    conv = conversation_id(chat)
    # Paste a PNG into the input, as after a screenshot: it is uploaded, not typed.
    png = base64.b64encode(images.png(120, 90, (220, 40, 40))).decode()
    chat_frame(shop).evaluate("""png => {
        const bytes = Uint8Array.from(atob(png), c => c.charCodeAt(0));
        const data = new DataTransfer();
        data.items.add(new File([bytes], "image.png", { type: "image/png" }));
        const input = document.getElementById("kefu-input");
        input.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    }""", png)
    shown = customer_images(chat)
    expect(shown).to_have_count(1, timeout=WAIT)
    expect(chat.locator("#kefu-input")).to_have_value("")
    assert shown.evaluate(LOADED)
    ack = bot_msgs(chat, "已收到您的图片")
    expect(ack).to_have_count(1, timeout=WAIT)
    expect(ack.locator(".kefu-option--handoff")).to_have_text("转人工")

    # After a reload the photo comes back from the server, fetched with the customer's credentials.
    shop.reload()
    chat = open_widget(shop)
    expect(customer_images(chat)).to_have_count(1, timeout=WAIT)
    chat_frame(shop).wait_for_function(
        "() => { const i = document.querySelector('img.kefu-attachment-img');"
        " return i && i.src.startsWith('blob:') && i.complete && i.naturalWidth === 120; }", timeout=WAIT)

    # A text file named like a photo: refused with a reason, shown as not sent, nothing else lost.
    chat.locator("#kefu-file").set_input_files(files=[{
        "name": "receipt.jpg", "mimeType": "image/jpeg", "buffer": b"this is not a photo at all\n"}])
    expect(chat.locator("#kefu-error")).to_contain_text("只能发送图片", timeout=WAIT)
    expect(chat.locator('.kefu-msg[data-sender="customer"].is-failed')).to_have_count(1)
    expect(customer_images(chat)).to_have_count(1)
    assert conversation_id(chat) == conv


def test_photo_sent_after_the_chat_was_closed_goes_to_the_new_conversation(demo_server, context, owner_http):
    shop = context.new_page()
    chat = open_store(shop, demo_server.base_url)
    first = conversation_id(chat)
    check(owner_http.post(f"/api/v1/conversations/{first}/close"))
    expect(chat.locator("#kefu-subtitle")).to_contain_text("对话已结束", timeout=WAIT)
    # The server refuses the upload into the closed chat; the widget reconnects, which opens a new one, and
    # sends the photo there without the customer choosing it again.
    chat.locator("#kefu-file").set_input_files(files=[{
        "name": "again.png", "mimeType": "image/png", "buffer": images.png(50, 50)}])
    expect(customer_images(chat)).to_have_count(1, timeout=WAIT)
    second = conversation_id(chat)
    assert second != first
    expect(bot_msgs(chat, "已收到您的图片")).to_have_count(1, timeout=WAIT)
    messages = check(owner_http.get(f"/api/v1/conversations/{second}"))["messages"]
    assert [m["payload"]["type"] for m in messages if m["sender"] == "customer"] == ["attachment"]
    close_quietly(owner_http, second)


def test_customer_photo_reaches_the_agent_and_the_transcript(demo_server, browser, context, owner_http):
    base = demo_server.base_url
    shop = context.new_page()
    chat = open_store(shop, base)
    duty = contextlib.ExitStack()
    duty.enter_context(on_duty(demo_server))  # a colleague on duty is busy: the chat waits in the queue
    send(chat, "转人工")
    expect(chat.locator("#kefu-subtitle")).to_contain_text("正在为您转接人工客服", timeout=WAIT)
    conv = conversation_id(chat)
    try:
        with workspace(browser, base, AGENT) as desk:
            take_chat(desk, conv)
            expect(desk.locator("#chat-status")).to_have_text("人工接待中", timeout=WAIT)

            # The customer takes a photo of the damaged parcel and sends it from the attach button.
            chat.locator("#kefu-file").set_input_files(files=[{
                "name": "破损.png", "mimeType": "image/png", "buffer": images.png(320, 240, (40, 160, 90))}])
            expect(customer_images(chat)).to_have_count(1, timeout=LIVE_WAIT)

            # The agent sees it live in the transcript, loaded from kefu, opening full size on click.
            img = desk.locator('#transcript .msg[data-sender="customer"] img.msg-image')
            expect(img).to_have_count(1, timeout=LIVE_WAIT)
            desk.wait_for_function(
                "() => { const i = document.querySelector('#transcript img.msg-image');"
                " return i && i.complete && i.naturalWidth === 320; }", timeout=WAIT)
            link = desk.locator('#transcript .msg[data-sender="customer"] a.msg-attachment-image')
            href = link.get_attribute("href")
            assert href and href.startswith("/api/v1/attachments/")
            assert link.get_attribute("target") == "_blank"
            with desk.context.expect_page(timeout=WAIT) as opened:
                link.click()
            full = opened.value
            full.wait_for_load_state()
            assert full.url.endswith(href)
            full.close()

            # A person has the chat: the bot says nothing about the photo.
            chat.locator('.kefu-msg[data-sender="customer"][data-id]').last.wait_for(timeout=WAIT)
            expect(bot_msgs(chat, "已收到您的图片")).to_have_count(0)

        # The owner reads the same transcript in the console.
        page = context.new_page()
        login(page, base, OWNER)
        page.goto(f"{base}/admin/conversations?id={conv}")
        expect(page.locator("#transcript img.msg-image")).to_have_count(1, timeout=WAIT)
        page.wait_for_function("() => document.querySelector('#transcript img.msg-image').naturalWidth === 320",
                               timeout=WAIT)
        expect(page.locator('#transcript .msg[data-sender="customer"]').filter(has_text="[图片]")).to_have_count(0)
    finally:
        close_quietly(owner_http, conv)
        duty.close()
