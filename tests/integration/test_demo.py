"""`kefu demo` prints what a shop owner needs, seeds idempotently, and serves pages and docs offline."""

import os
import signal
import subprocess
import sys
import time

import httpx

from kefu.db import Database
from kefu.demo.seed import seed_demo
from kefu.migrate import upgrade
from tests.support.server import free_port


def test_seed_is_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path / 'd.db'}"
    upgrade(url)
    db = Database(url)
    first, second = seed_demo(db), seed_demo(db)
    assert first.public_key == second.public_key
    with db.session() as s:
        from sqlalchemy import func, select

        from kefu.knowledge.models import KnowledgePoint

        assert s.scalar(select(func.count()).select_from(KnowledgePoint)) >= 10
    db.dispose()


def start_demo(tmp_path) -> tuple[subprocess.Popen, int, str]:
    """Start `kefu demo` on a free port and read its output until it listens; retry on a taken port.

    free_port() only finds a port that was free a moment ago: on a busy machine (the PostgreSQL pass opens many
    client connections, each on a local port) another socket can take it before uvicorn binds.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env["KEFU_DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.db'}"
    for _attempt in range(3):
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "kefu.cli", "demo", "--port", str(port)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        out = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break  # it exited: no point waiting out the deadline
            out.append(line)
            if "Uvicorn running on" in line:  # printed once bound (startup completes before binding)
                return proc, port, "".join(out)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
        text = "".join(out)
        if "address already in use" not in text.lower():
            raise AssertionError(f"kefu demo did not start:\n{text}")
    raise AssertionError(f"kefu demo found no free port in three tries:\n{text}")


def test_kefu_demo_prints_urls_and_logins_and_serves(tmp_path):
    proc, port, text = start_demo(tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        for path in ("/demo/store", "/admin", "/workspace", "/docs"):
            assert base + path in text
        assert "owner@demo.kefu" in text and "agent@demo.kefu" in text and "data-key=\"pk_" in text
        store = httpx.get(base + "/demo/store")
        assert store.status_code == 200 and 'src="/widget.js"' in store.text and "pk_" in store.text
        docs = httpx.get(base + "/docs")
        assert docs.status_code == 200 and "/static/swagger/swagger-ui-bundle.js" in docs.text
        assert httpx.get(base + "/static/swagger/swagger-ui-bundle.js").status_code == 200
        assert "/api/v1/channels/api/conversations" in httpx.get(base + "/openapi.json").json()["paths"]
        for path in ("/admin/login", "/admin/knowledge", "/admin/settings", "/admin/conversations", "/workspace",
                     "/widget/frame", "/widget.js", "/"):
            assert httpx.get(base + path).status_code == 200, path
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


def test_a_fresh_demo_with_no_workspace_open_takes_a_message_and_an_open_one_takes_the_chat(app, runtime):
    """The issue: the seeded agent counted as online with nobody's workspace open, so 转人工 queued for no one."""
    from fastapi.testclient import TestClient

    from kefu.demo.seed import LOGINS
    from tests.support.chat import Chat

    info = seed_demo(runtime.db)
    chat = Chat.open(runtime, info.tenant_id)
    out = chat.say("转人工")
    assert "暂时没有客服在线" in out[0] and "联系方式" in out[-1]
    assert chat.conversation().status == "bot"
    _role, email, name, password = next(row for row in LOGINS if row[0] == "agent")
    with TestClient(app) as agent:
        assert agent.post("/api/v1/auth/login", json={"email": email, "password": password}).status_code == 200
        with agent.websocket_connect("/api/v1/live/ws") as staff:  # the demo agent opens the workspace
            assert staff.receive_json()["type"] == "ready"
            other = Chat.open(runtime, info.tenant_id)
            assert f"客服 {name} 为您服务" in other.say("转人工")
            assert other.conversation().status == "with_agent"
