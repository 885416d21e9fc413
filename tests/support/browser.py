"""What the browser tests share: the demo's staff, logging in, checked API calls, the API channel, page errors."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import Page, expect

WAIT = 10_000  # ms: a page load, an API round trip, a debounced search

OWNER = ("owner@demo.kefu", "demo-owner-pass")
AGENT = ("agent@demo.kefu", "demo-agent-pass")


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def login(page: Page, base_url: str, who: tuple[str, str] = OWNER) -> None:
    page.goto(base_url + "/admin/login")
    page.locator("#email").fill(who[0])
    page.locator("#password").fill(who[1])
    expect(page.locator("#login-form")).to_have_attribute("data-ready", "1", timeout=WAIT)
    page.locator("#login-submit").click()
    expect(page).to_have_url(re.compile(r"/admin/knowledge$"), timeout=WAIT)
    expect(page.locator("#logout")).to_be_visible(timeout=WAIT)


def check(response: httpx.Response) -> dict | list | None:
    request = response.request
    assert response.is_success, f"{request.method} {request.url} → {response.status_code}: {response.text}"
    return response.json() if response.content else None


def watch_errors(page: Page) -> list[str]:
    """Collect uncaught script errors and CSP refusals on a page."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text}")
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    return errors


class ApiChannel:
    """The API channel as a shop's server uses it: open a customer's conversation, post their messages."""

    def __init__(self, base_url: str, secret: str):
        self.client = httpx.Client(base_url=base_url, timeout=10, headers={"Authorization": f"Bearer {secret}"})

    def open(self, customer_id: str, name: str = "", locale: str = "zh") -> dict:
        return check(self.client.post("/api/v1/channels/api/conversations",
                                      json={"customer_id": customer_id, "customer_name": name, "locale": locale,
                                            "new": True}))

    def say(self, conversation_id: int, text: str) -> list[dict]:
        out = check(self.client.post(f"/api/v1/channels/api/conversations/{conversation_id}/messages",
                                     json={"text": text}))
        return out["replies"]

    def messages(self, conversation_id: int) -> list[dict]:
        return check(self.client.get(f"/api/v1/channels/api/conversations/{conversation_id}/messages"))
