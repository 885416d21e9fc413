"""Two `kefu serve` processes on one PostgreSQL and one Redis deliver each other's messages.

This is the scale-out deployment: a load balancer may put a customer's websocket on one process and an
agent's request on another.
"""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from sqlalchemy import text
from websockets.sync.client import connect

from kefu.db import Database, make_engine
from kefu.migrate import upgrade
from tests.conftest import (
    PASSWORD,
    POSTGRES_URL,
    REDIS_URL,
    _postgres_problem,
    busy_colleague,
    make_shop,
    redis_problem,
)
from tests.support.server import LiveServer

pytestmark = pytest.mark.multiprocess


@pytest.fixture(scope="module")
def shared_database():
    problem = _postgres_problem() or redis_problem()
    if problem:
        pytest.skip(problem)
    name = f"kefu_mp_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(scope="module")
def two_servers(shared_database, tmp_path_factory):
    logs = tmp_path_factory.mktemp("servers")
    one = LiveServer(shared_database, redis_url=REDIS_URL, log_dir=logs).start()
    two = LiveServer(shared_database, redis_url=REDIS_URL, log_dir=logs).start()
    yield one, two
    one.stop()
    two.stop()


def _frames_until(ws, pred, limit=20):
    for _ in range(limit):
        frame = json.loads(ws.recv(timeout=10))
        if pred(frame):
            return frame
    raise AssertionError("expected frame never came")


def test_agent_message_posted_to_one_process_reaches_customer_on_the_other(shared_database, two_servers):
    one, two = two_servers
    from kefu.config import Settings
    from kefu.runtime import Runtime

    rt = Runtime(Settings(database_url=shared_database))
    shop = make_shop(rt, f"mp-{uuid.uuid4().hex[:6]}")
    rt.db.dispose()

    ws_url = two.base_url.replace("http", "ws") + "/api/v1/widget/ws"
    with connect(ws_url) as ws:
        ws.send(json.dumps({"type": "hello", "key": shop.public_key, "locale": "zh"}))
        ready = json.loads(ws.recv(timeout=10))
        assert ready["type"] == "ready"
        cid = ready["conversation"]["id"]

        with httpx.Client(base_url=one.base_url) as agent:
            agent.post("/api/v1/auth/login", json={"email": shop.agent_email, "password": PASSWORD})
            r = agent.post(f"/api/v1/conversations/{cid}/messages", json={"text": "我是人工客服，来自进程一"})
            assert r.status_code == 201, r.text

        seen = []
        _frames_until(ws, lambda f: seen.append(f) or (
            any(x["type"] == "conversation" for x in seen)
            and any(x["type"] == "message" and x["message"]["sender"] == "agent" for x in seen)))
        agent_msg = next(x for x in seen if x["type"] == "message" and x["message"]["sender"] == "agent")
        assert agent_msg["message"]["text"] == "我是人工客服，来自进程一"
        assert next(x for x in seen if x["type"] == "conversation")["conversation"]["status"] == "with_agent"


def test_customer_message_on_one_process_is_seen_by_a_second_tab_on_the_other(shared_database, two_servers):
    one, two = two_servers
    from kefu.config import Settings
    from kefu.runtime import Runtime

    rt = Runtime(Settings(database_url=shared_database))
    shop = make_shop(rt, f"mp-{uuid.uuid4().hex[:6]}")
    rt.db.dispose()

    def hello(server, visitor=None):
        ws = connect(server.base_url.replace("http", "ws") + "/api/v1/widget/ws")
        ws.send(json.dumps({"type": "hello", "key": shop.public_key, "visitor": visitor}))
        return ws, json.loads(ws.recv(timeout=10))

    tab1, ready1 = hello(one)
    tab2, ready2 = hello(two, ready1["visitor"])
    try:
        assert ready2["conversation"]["id"] == ready1["conversation"]["id"]
        tab1.send(json.dumps({"type": "message", "client_id": "t1", "text": "两个标签页都能看到吗"}))
        seen = _frames_until(tab2, lambda f: f["type"] == "message" and f["message"]["sender"] == "customer")
        assert seen["message"]["client_id"] == "t1"
        bot = _frames_until(tab2, lambda f: f["type"] == "message" and f["message"]["sender"] == "bot")
        assert bot["message"]["conversation_id"] == ready1["conversation"]["id"]
    finally:
        tab1.close()
        tab2.close()
    db = Database(shared_database)
    with db.session() as s:
        n = s.execute(text("select count(*) from messages where client_id = 't1'")).scalar()
    db.dispose()
    assert n == 1


def _shop_with_agents(url, n, *, present):
    from kefu.config import Settings
    from kefu.db import utcnow
    from kefu.runtime import Runtime
    from kefu.tenants.actions import do_create_user

    rt = Runtime(Settings(database_url=url))
    shop = make_shop(rt, f"mp-{uuid.uuid4().hex[:6]}")
    emails = []
    with rt.db.session() as db:
        for i in range(n):
            user = do_create_user(db, tenant_id=shop.tenant_id, email=f"r{i}-{shop.slug}@mp.test", name=f"r{i}",
                                  role="agent", password=PASSWORD)
            user.status, user.max_chats, user.seen_at = "online", 1, utcnow() if present else None
            emails.append(user.email)
    rt.db.dispose()
    return shop, emails


def test_handoffs_on_two_processes_at_once_never_overfill_an_agent(shared_database, two_servers):
    import threading

    servers = two_servers
    shop, _ = _shop_with_agents(shared_database, 6, present=True)
    headers = {"Authorization": f"Bearer {shop.api_key}"}
    barrier, errors = threading.Barrier(10), []

    def customer(i):
        with httpx.Client(base_url=servers[i % 2].base_url, headers=headers, timeout=30) as c:
            cid = c.post("/api/v1/channels/api/conversations", json={"customer_id": f"c{i}"}).json()
            barrier.wait()
            r = c.post(f"/api/v1/channels/api/conversations/{cid['conversation']['id']}/messages",
                       json={"text": "转人工"})
            if r.status_code != 200:
                errors.append(r.text)

    threads = [threading.Thread(target=customer, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    engine = make_engine(shared_database)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, assigned_user_id FROM conversations WHERE tenant_id = :t"),
                            {"t": shop.tenant_id}).all()
    engine.dispose()
    owners = [a for s, a in rows if s == "with_agent"]
    assert len(owners) == 6 and len(set(owners)) == 6  # each agent exactly their one chat
    assert sum(1 for s, _ in rows if s == "queued") == 4


def test_agents_on_two_processes_accepting_one_chat_only_one_wins(shared_database, two_servers):
    import threading

    servers = two_servers
    shop, emails = _shop_with_agents(shared_database, 6, present=False)
    # Someone available (connected, busy) so that the bot queues the chat rather than take a message.
    from kefu.config import Settings
    from kefu.runtime import Runtime

    rt = Runtime(Settings(database_url=shared_database))
    busy_colleague(rt, shop.tenant_id)
    rt.db.dispose()
    with httpx.Client(base_url=servers[0].base_url, headers={"Authorization": f"Bearer {shop.api_key}"}) as c:
        cid = c.post("/api/v1/channels/api/conversations", json={"customer_id": "c"}).json()["conversation"]["id"]
        c.post(f"/api/v1/channels/api/conversations/{cid}/messages", json={"text": "转人工"})
    agents = []
    for i, email in enumerate(emails):
        a = httpx.Client(base_url=servers[i % 2].base_url, timeout=30)
        a.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).raise_for_status()
        agents.append(a)
    barrier, codes = threading.Barrier(len(agents)), []

    def accept(a):
        barrier.wait()
        codes.append(a.post(f"/api/v1/live/conversations/{cid}/accept").status_code)

    threads = [threading.Thread(target=accept, args=(a,)) for a in agents]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for a in agents:
        a.close()
    assert sorted(codes) == [200] + [409] * 5
