"""What the browser tests share: the demo's staff, logging in, checked API calls, the API channel, page errors."""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress

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


@contextmanager
def on_duty(demo_server, name: str = "值班 On duty") -> Iterator[dict]:
    """An agent of the demo shop who is available for the block (online, their staff websocket open) but busy with
    as many chats as they take: "转人工" then queues the chat, and it waits there for whoever accepts it.

    Afterwards their chat is closed (nobody inherits it) and they go offline.
    """
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    from kefu.access import SESSION_COOKIE
    from kefu.conversations.models import Conversation, Customer
    from kefu.db import Database, utcnow
    from kefu.tenants.actions import do_create_user

    email, password = f"{unique('on-duty-')}@test.kefu", "on-duty-pass-123"
    database = Database(demo_server.server.database_url)
    with database.session() as s:
        user = do_create_user(s, tenant_id=demo_server.tenant_id, email=email, name=name, role="agent",
                              password=password)
        user.status, user.max_chats = "online", 1
        customer = Customer(tenant_id=demo_server.tenant_id, external_id=unique("busy-"))
        s.add(customer)
        s.flush()
        filler = Conversation(tenant_id=demo_server.tenant_id, customer_id=customer.id, channel="api",
                              status="with_agent", assigned_user_id=user.id, assigned_at=utcnow())
        s.add(filler)
        s.flush()
        user_id, filler_id = user.id, filler.id

    def read(ws) -> None:  # keep reading so the server never waits on this socket
        with suppress(ConnectionClosed):
            for _frame in ws:
                pass

    try:
        with httpx.Client(base_url=demo_server.base_url, timeout=10) as http:
            check(http.post("/api/v1/auth/login", json={"email": email, "password": password}))
            url = demo_server.base_url.replace("http", "ws", 1) + "/api/v1/live/ws"
            with connect(url, additional_headers={"Cookie": f"{SESSION_COOKIE}={http.cookies[SESSION_COOKIE]}"}) as ws:
                assert json.loads(ws.recv(timeout=10))["type"] == "ready"
                threading.Thread(target=read, args=(ws,), daemon=True).start()
                try:
                    yield {"id": user_id, "email": email, "password": password}
                finally:
                    with database.session() as s:
                        s.get(Conversation, filler_id).status = "closed"
                    check(http.put("/api/v1/auth/me/status", json={"status": "offline"}))
    finally:
        database.dispose()
