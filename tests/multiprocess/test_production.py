"""The production setup as docs/production.md describes it: graceful shutdown, and several workers on one port."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from websockets.sync.client import connect

from kefu.commerce.http import reset_breakers
from kefu.config import Settings
from kefu.conversations.models import Message
from kefu.migrate import upgrade
from kefu.runtime import Runtime
from kefu.tenants.models import Tenant
from kefu.tenants.security import sign_identity_token
from tests.conftest import REDIS_URL, make_shop
from tests.multiprocess.test_two_servers import _frames_until, shared_database  # noqa: F401  (a fixture)
from tests.support.server import LiveServer
from tests.support.shop_server import FakeShop

pytestmark = pytest.mark.multiprocess
SECRET = "shop-secret-prod"


def _hello(server: LiveServer, payload: dict):
    ws = connect(server.base_url.replace("http", "ws") + "/api/v1/widget/ws")
    ws.send(json.dumps({"type": "hello", **payload}))
    ready = json.loads(ws.recv(timeout=15))
    assert ready["type"] == "ready", ready
    return ws, ready


@pytest.mark.parametrize("shutdown_seconds", [30, 1])
def test_sigterm_lets_a_reply_in_flight_finish(tmp_path, shutdown_seconds):
    """The bot is waiting on a slow order system when the server is told to stop: the reply is still stored, within
    the graceful shutdown time, and past it too (the worker thread answering cannot be cancelled; the process
    exits once it is done)."""
    reset_breakers()
    url = f"sqlite:///{tmp_path / 'shutdown.db'}"
    upgrade(url)
    rt = Runtime(Settings(database_url=url))
    shop = make_shop(rt, "graceful")
    with FakeShop(SECRET) as fake:
        fake.seed("cust-1")
        with rt.db.session() as db:
            tenant = db.get(Tenant, shop.tenant_id)
            tenant.commerce_url, tenant.commerce_secret = fake.base_url, SECRET
        server = LiveServer(url, log_dir=tmp_path, env={"KEFU_SHUTDOWN_SECONDS": str(shutdown_seconds)})
        server.start(timeout=120)
        try:
            server.wait_ready()
            ws, ready = _hello(server, {"key": shop.public_key,
                                        "token": sign_identity_token(shop.identity_secret, "cust-1")})
            cid = ready["conversation"]["id"]
            # Each call to the shop's system takes 2 s (under the connector's 3 s timeout): a slow peak-day shop.
            fake.delay(2.0, times=None)
            ws.send(json.dumps({"type": "message", "client_id": "g1", "text": "查物流"}))
            deadline = time.monotonic() + 30
            while not fake.requests and time.monotonic() < deadline:
                time.sleep(0.05)
            assert fake.requests, "the bot never called the shop's system"
            os.killpg(server.proc.pid, signal.SIGTERM)  # as systemd or Kubernetes stops a server
            # uvicorn ends by re-raising the signal it handled, so the exit status says "stopped by SIGTERM".
            assert server.proc.wait(60) in (0, -signal.SIGTERM)
            ws.close()
        finally:
            server.stop()
    log = server.log_path.read_text()
    assert "Application shutdown complete" in log
    # The reply takes four calls of 2 s: past a 1 s grace the server cancels the socket's task, not the reply.
    assert ("timeout graceful shutdown exceeded" in log) == (shutdown_seconds == 1)
    with rt.db.session() as db:
        rows = db.scalars(select(Message).where(Message.conversation_id == cid).order_by(Message.id)).all()
    rt.db.dispose()
    customer = next(m for m in rows if m.client_id == "g1")
    replies = [m.text for m in rows if m.id > customer.id and m.sender == "bot"]
    assert any("A1002" in r or "SF1002" in r for r in replies), replies


def _worker_pids(server: LiveServer, want: int, tries: int = 400) -> set[int]:
    pids: set[int] = set()
    for _ in range(tries):
        # A fresh connection each time: the kernel hands each accept to one of the workers.
        pids.add(httpx.get(server.base_url + "/healthz", timeout=5).json()["pid"])
        if len(pids) >= want:
            break
    return pids


def _customer_messages(server: LiveServer) -> float:
    r = httpx.get(server.base_url + "/metrics", headers={"Authorization": "Bearer prod-token"}, timeout=10)
    assert r.status_code == 200, r.text
    types = [line.split()[2] for line in r.text.splitlines() if line.startswith("# TYPE ")]
    assert len(types) == len(set(types)), "a metric reported twice makes Prometheus refuse the scrape"
    assert "kefu_queue_length" in types and "kefu_reply_latency_seconds" in types
    return next(s.value for f in text_string_to_metric_families(r.text) for s in f.samples
                if s.name == "kefu_customer_messages_total")


def test_two_workers_serve_one_port(shared_database, tmp_path):  # noqa: F811
    rt = Runtime(Settings(database_url=shared_database))
    shop = make_shop(rt, f"workers-{uuid.uuid4().hex[:6]}")
    rt.db.dispose()
    server = LiveServer(shared_database, redis_url=REDIS_URL, log_dir=tmp_path, args=["--workers", "2",
                        "--log-format", "json"], env={"KEFU_METRICS_TOKEN": "prod-token"})
    server.start(timeout=120)  # two workers import the app side by side: slow on a busy machine
    try:
        server.wait_ready()
        pids = _worker_pids(server, 2)
        assert len(pids) == 2 and server.proc.pid not in pids, pids
        before = _customer_messages(server)

        # Two tabs of one customer, each on whichever worker took its connection: a message typed in one is
        # answered, and both tabs see it.
        tab1, ready = _hello(server, {"key": shop.public_key})
        tab2, _ = _hello(server, {"key": shop.public_key, "visitor": ready["visitor"]})
        try:
            tab1.send(json.dumps({"type": "message", "client_id": "w1", "text": "你好"}))
            # The bot's reply travels over the bus and may come before the ack.
            got = []
            _frames_until(tab1, lambda f: got.append(f) or (any(g["type"] == "ack" for g in got) and any(
                g["type"] == "message" and g["message"]["sender"] == "bot" for g in got)))
            seen = _frames_until(tab2, lambda f: f["type"] == "message" and f["message"]["sender"] == "customer")
            assert seen["message"]["client_id"] == "w1"
            _frames_until(tab2, lambda f: f["type"] == "message" and f["message"]["sender"] == "bot")
        finally:
            tab1.close()
            tab2.close()
        # Whichever worker Prometheus reaches, it reports both workers' counts summed.
        assert {_customer_messages(server) - before for _ in range(10)} == {1}
    finally:
        server.stop()
    lines = [line for line in server.log_path.read_text().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    assert any(r["logger"] == "uvicorn.access" and r["path"] == "/healthz" for r in records)
