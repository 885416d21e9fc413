"""`kefu demo --reset` puts the demo shop back as seeded, under the same widget key and logins, and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kefu.attachments.models import Attachment
from kefu.commerce.models import Order
from kefu.conversations.models import Conversation, Customer, Message
from kefu.db import Database
from kefu.demo.reset import reset_demo
from kefu.demo.seed import LOGINS, seed_demo
from kefu.infra.storage import StoredFileMissing
from kefu.knowledge.models import KnowledgePoint
from kefu.migrate import upgrade
from kefu.tenants.models import Tenant
from tests.conftest import api_headers

SEED_ADDRESS = "文三路90号"


def _owner(app) -> TestClient:
    _role, email, _name, password = next(login for login in LOGINS if login[0] == "owner")
    c = TestClient(app)
    r = c.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return c


def _play_with_the_demo(c: TestClient) -> None:
    """What a visitor of the demo does: edit an order, the knowledge, the settings, chat, make a key."""
    r = c.patch("/api/v1/store/orders/D1002", json={"address": {
        "name": "李四", "phone": "13900139000", "province": "上海市", "city": "上海市", "district": "浦东新区",
        "detail": "世纪大道1号"}})
    assert r.status_code == 200, r.text
    assert c.post("/api/v1/knowledge", json={"question": "演示新增的问题", "answer": "新增"}).status_code == 201
    assert c.patch("/api/v1/settings", json={"bot_name": "改过的名字", "facts": {"carrier": "顺丰"},
                                             "handoff_policy": {"on_anger": False}}).status_code == 200
    assert c.patch("/api/v1/flows/cancel_order", json={"enabled": False}).status_code == 200
    assert c.post("/api/v1/dictionary", json={"word": "演示词", "synonyms": ["同义"]}).status_code == 201
    cid = c.post("/api/v1/bot/try/conversations", json={"customer_id": "demo-customer"}).json()["conversation"]["id"]
    assert c.post(f"/api/v1/bot/try/conversations/{cid}/messages", json={"text": "多久发货"}).status_code == 200
    assert c.post("/api/v1/api-keys", json={"name": "demo"}).status_code == 201


def _attach_a_file(runtime, tenant_id: int) -> str:
    """A file a customer sent in the demo (stored bytes and their row), as the attachments module keeps them."""
    key = f"{tenant_id}/202601/resettest.png"
    runtime.storage.put(key, b"not really a png")
    with runtime.db.session() as db:
        conv = db.scalar(select(Conversation).where(Conversation.tenant_id == tenant_id))
        db.add(Attachment(tenant_id=tenant_id, conversation_id=conv.id, customer_id=conv.customer_id, kind="file",
                          name="x.png", content_type="image/png", size=16, sha256="0" * 64, storage_key=key))
    assert runtime.storage.get(key)
    return key


def _address(db, tenant_id: int) -> str:
    order = db.scalar(select(Order).where(Order.tenant_id == tenant_id, Order.order_no == "D1002"))
    return order.address["detail"]


def test_reset_puts_the_demo_back_and_keeps_key_and_logins(app, runtime, shop_b, client):
    seeded = seed_demo(runtime.db)
    with runtime.db.session() as db:
        tenant = db.get(Tenant, seeded.tenant_id)
        secret, points = tenant.identity_secret, db.scalar(
            select(func.count()).select_from(KnowledgePoint).where(KnowledgePoint.tenant_id == tenant.id))
    owner = _owner(app)
    _play_with_the_demo(owner)
    other = client.post("/api/v1/knowledge", headers=api_headers(shop_b), json={"question": "B 的问题", "answer": "B"})
    assert other.status_code == 201
    key = _attach_a_file(runtime, seeded.tenant_id)

    report = reset_demo(runtime.db, runtime.storage)

    assert report.existed and report.info.public_key == seeded.public_key
    changes = {name: (before, after) for name, before, after in report.changes()}
    assert changes["knowledge_points"] == (points + 1, points)
    assert changes["conversations"][1] == 0 and changes["messages"][1] == 0 and changes["api_keys"][1] == 0
    assert changes["attachments"] == (1, 0) and report.files_removed == 1
    with pytest.raises(StoredFileMissing):
        runtime.storage.get(key)
    with runtime.db.session() as db:
        tenant = db.scalar(select(Tenant).where(Tenant.slug == "demo"))
        assert (tenant.public_key, tenant.identity_secret) == (seeded.public_key, secret)
        assert tenant.bot_name == "小智" and tenant.facts["carrier"] == "中通快递"
        assert tenant.handoff_policy == {} and tenant.flow_settings == {}
        assert _address(db, tenant.id) == SEED_ADDRESS
        assert not db.scalar(select(KnowledgePoint.id).where(KnowledgePoint.tenant_id == tenant.id,
                                                             KnowledgePoint.question == "演示新增的问题"))
        assert db.scalar(select(func.count()).select_from(Conversation).where(Conversation.tenant_id == tenant.id)) == 0
        assert db.scalar(select(func.count()).select_from(Customer).where(Customer.tenant_id == tenant.id)) == 0
        assert db.scalar(select(func.count()).select_from(Message)) == 0
    # The old session is gone; the documented password logs in again, and the widget key still opens a chat.
    assert owner.get("/api/v1/auth/me").status_code == 401
    again = _owner(app)
    assert again.get("/api/v1/dictionary").json() == []
    # The bot, which had the old shop's index cached (SQLite may reuse the id), answers from the new points.
    cid = again.post("/api/v1/bot/try/conversations", json={}).json()["conversation"]["id"]
    reply = again.post(f"/api/v1/bot/try/conversations/{cid}/messages", json={"text": "多久发货"}).json()["replies"][0]
    with runtime.db.session() as db:
        point = db.get(KnowledgePoint, reply["payload"]["point_id"])
        assert point is not None and point.tenant_id == report.info.tenant_id
    assert client.get("/api/v1/widget/config", params={"key": seeded.public_key}).status_code == 200
    # Another shop is left alone.
    assert client.get("/api/v1/knowledge", headers=api_headers(shop_b)).json()["total"] == 1


def test_reset_without_a_demo_shop_creates_it(runtime):
    report = reset_demo(runtime.db)
    assert not report.existed and report.lines() == ["There was no demo shop yet: created it."]
    with runtime.db.session() as db:
        assert db.scalar(select(Tenant.public_key).where(Tenant.slug == "demo")) == report.info.public_key


def test_kefu_demo_reset_on_the_command_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    database = Database(url)
    seeded = seed_demo(database)
    with database.session() as db:
        order = db.scalar(select(Order).where(Order.tenant_id == seeded.tenant_id, Order.order_no == "D1002"))
        order.address = {**order.address, "detail": "改过的地址"}
        db.add(KnowledgePoint(tenant_id=seeded.tenant_id, question="命令行新增", answer="x"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")} | {"KEFU_DATABASE_URL": url}
    r = subprocess.run([sys.executable, "-m", "kefu.cli", "demo", "--reset", "--no-serve"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Demo shop reset" in r.stdout and "knowledge_points" in r.stdout
    assert seeded.public_key in r.stdout and "owner@demo.kefu" in r.stdout and "Uvicorn" not in r.stdout + r.stderr
    with database.session() as db:
        tenant = db.scalar(select(Tenant).where(Tenant.slug == "demo"))
        assert tenant.public_key == seeded.public_key
        assert _address(db, tenant.id) == SEED_ADDRESS
        assert not db.scalar(select(KnowledgePoint.id).where(KnowledgePoint.question == "命令行新增"))
    database.dispose()


def test_a_running_bot_answers_from_the_reset_shop(app, runtime):
    """The bot caches each shop's index by id and knowledge version; a reset must not leave it on the old one."""
    seed_demo(runtime.db)
    owner = _owner(app)

    def ask() -> int:
        cid = owner.post("/api/v1/bot/try/conversations", json={}).json()["conversation"]["id"]
        r = owner.post(f"/api/v1/bot/try/conversations/{cid}/messages", json={"text": "多久发货"})
        assert r.status_code == 200, r.text
        return r.json()["replies"][0]["payload"]["point_id"]

    ask()  # the index is built and cached
    report = reset_demo(runtime.db)
    owner = _owner(app)
    with runtime.db.session() as db:
        assert db.get(KnowledgePoint, ask()).tenant_id == report.info.tenant_id
