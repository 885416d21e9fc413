"""Personal data (docs/privacy.md): export and erase one customer, retention, masking for agents, logs."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import threading
import zipfile

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from kefu.attachments.models import Attachment
from kefu.cli import app as cli_app
from kefu.conversations.models import ERASED_TEXT, Conversation, Customer, LeftMessage, Message
from kefu.db import utcnow
from kefu.live.models import ConversationNote, Rating
from kefu.privacy.retention import purge_all
from kefu.reports import models as report_models
from kefu.reports.rollup import refresh_step
from kefu.tenants.models import Tenant
from tests.conftest import api_headers
from tests.support import images
from tests.support.chat import add_order

PHONE = "13812345678"
ADDRESS = "浙江省杭州市西湖区文三路90号"
SAID = f"我的手机{PHONE}，新地址是{ADDRESS}，麻烦改一下"
RETURNS = "上海市浦东新区张江路88号售后部"  # the shop's own address, in an agent's reply
ZH = ERASED_TEXT["zh"]


def _open(client, shop, customer_id="u-1"):
    r = client.post("/api/v1/channels/api/conversations", headers=api_headers(shop),
                    json={"customer_id": customer_id, "customer_name": "王小明"})
    assert r.status_code == 200, r.text
    return r.json()["conversation"]["id"], r.json()["conversation"]["customer_id"]


def _say(client, shop, cid, text):
    r = client.post(f"/api/v1/channels/api/conversations/{cid}/messages", headers=api_headers(shop),
                    json={"text": text})
    assert r.status_code in (200, 201), r.text
    return r.json()


def _upload(client, shop, cid):
    r = client.post(f"/api/v1/channels/api/conversations/{cid}/attachments", headers=api_headers(shop),
                    files={"file": ("身份证.png", images.png(), "image/png")})
    assert r.status_code in (200, 201), r.text


@pytest.fixture
def served(client, login, runtime, shop_a, agent_online):
    """A customer (shop id u-1) with their phone and address said, a photo, a person serving them, a note, a left
    message and two store orders (one by their shop id, one placed with the phone they gave); then a second,
    rated and closed conversation. Returns (customer id, open conversation id, closed conversation id)."""
    add_order(runtime, shop_a.tenant_id, "A1001", "paid", customer_ref="u-1")
    add_order(runtime, shop_a.tenant_id, "A2002", "paid", phone=PHONE)
    add_order(runtime, shop_a.tenant_id, "A3003", "paid", customer_ref="someone-else", phone="13900000000")
    first, customer_id = _open(client, shop_a)
    _say(client, shop_a, first, "你好")
    client.post(f"/api/v1/channels/api/conversations/{first}/close", headers=api_headers(shop_a))
    client.post(f"/api/v1/channels/api/conversations/{first}/rating", headers=api_headers(shop_a),
                json={"score": 2, "comment": f"打{PHONE}没人接"})
    cid, _ = _open(client, shop_a)
    assert cid != first
    _say(client, shop_a, cid, SAID)
    _upload(client, shop_a, cid)
    _say(client, shop_a, cid, "转人工")
    agent = login(shop_a.agent_email)
    assert agent.post(f"/api/v1/live/conversations/{cid}/accept").status_code == 200
    assert agent.post(f"/api/v1/conversations/{cid}/notes", json={"text": "客户王小明要改地址"}).status_code == 201
    agent.post(f"/api/v1/conversations/{cid}/messages", json={"text": f"好的，已记下 {PHONE}，退货请寄{RETURNS}"})
    with runtime.db.session() as db:
        db.add(LeftMessage(tenant_id=shop_a.tenant_id, conversation_id=cid, customer_id=customer_id,
                           contact=PHONE, text="晚上再联系我", context={"summary": SAID}))
    return customer_id, cid, first


# --- export -----------------------------------------------------------------------------------------------

def test_export_holds_everything_kefu_has_about_the_customer(login, shop_a, runtime, served):
    customer_id, cid, first = served
    owner = login(shop_a.owner_email)
    r = owner.get(f"/api/v1/customers/{customer_id}/export")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    doc = r.json()
    assert doc["format"] == "kefu-customer-export" and doc["shop"]["slug"] == shop_a.slug
    assert doc["customer"]["external_id"] == "u-1" and doc["customer"]["name"] == "王小明"
    assert "visitor_id" not in doc["customer"]
    convs = {c["id"]: c for c in doc["conversations"]}
    assert set(convs) == {first, cid}
    texts = [m["text"] for m in convs[cid]["messages"]]
    assert SAID in texts and f"好的，已记下 {PHONE}，退货请寄{RETURNS}" in texts
    assert {e["kind"] for e in convs[cid]["events"]} >= {"opened", "handoff", "assigned"}
    assert [n["text"] for n in convs[cid]["notes"]] == ["客户王小明要改地址"]
    assert convs[first]["rating"]["score"] == 2 and PHONE in convs[first]["rating"]["comment"]
    [photo] = convs[cid]["attachments"]
    assert "storage_key" not in photo and photo["file"].startswith("attachments/")
    assert [m["contact"] for m in doc["left_messages"]] == [PHONE]
    # By the shop's customer id and by the phone they gave; never a stranger's order.
    assert sorted(o["order_no"] for o in doc["orders"]) == ["A1001", "A2002"]
    assert doc["orders"][0]["address"]["detail"] == "文三路90号"

    z = zipfile.ZipFile(io.BytesIO(owner.get(f"/api/v1/customers/{customer_id}/export?format=zip").content))
    assert json.loads(z.read("customer.json"))["customer"]["id"] == customer_id
    with runtime.db.session() as db:
        key = db.scalar(select(Attachment.storage_key).where(Attachment.conversation_id == cid))
    assert z.read(photo["file"]) == runtime.storage.get(key)


def test_export_and_erase_are_for_owners_and_admins(login, shop_a, served):
    customer_id, _, _ = served
    agent = login(shop_a.agent_email)
    assert agent.get(f"/api/v1/customers/{customer_id}/export").status_code == 403
    assert agent.delete(f"/api/v1/customers/{customer_id}").status_code == 403
    owner = login(shop_a.owner_email)
    assert owner.get("/api/v1/customers/999999/export").json()["error"]["code"] == "not_found"
    assert owner.get(f"/api/v1/customers/{customer_id}/export?format=pdf").status_code == 422


def test_cli_exports_a_zip_and_json(runtime, settings, shop_a, served, tmp_path, monkeypatch):
    customer_id, _, _ = served
    monkeypatch.setenv("KEFU_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("KEFU_MEDIA_DIR", settings.media_dir)
    from kefu.config import get_settings

    get_settings.cache_clear()
    try:
        out = tmp_path / "c.zip"
        r = CliRunner().invoke(cli_app, ["customers", "export", "--tenant", shop_a.slug, "--customer",
                                         str(customer_id), "--output", str(out)])
        assert r.exit_code == 0, r.output
        names = zipfile.ZipFile(out).namelist()
        assert "customer.json" in names and any(n.startswith("attachments/") for n in names)
        r = CliRunner().invoke(cli_app, ["customers", "export", "--tenant", shop_a.slug, "--customer", "999999",
                                         "--output", str(tmp_path / "x.json")])
        assert r.exit_code == 2 and "customer not found" in r.output
    finally:
        get_settings.cache_clear()


# --- erase ------------------------------------------------------------------------------------------------

def _counts(runtime, customer_id):
    with runtime.db.session() as db:
        convs = select(Conversation.id).where(Conversation.customer_id == customer_id)
        return (db.scalar(select(func.count()).select_from(Message).where(Message.conversation_id.in_(convs))),
                db.scalar(select(func.count()).select_from(Conversation).where(Conversation.customer_id
                                                                                == customer_id)))


def test_erase_removes_personal_data_keeps_the_counts_and_is_idempotent(client, login, runtime, shop_a, served):
    customer_id, cid, first = served
    before = _counts(runtime, customer_id)
    files_before = [p for p in runtime.storage.root.rglob("*") if p.is_file()]
    assert files_before
    owner = login(shop_a.owner_email)
    r = owner.delete(f"/api/v1/customers/{customer_id}")
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["closed"] == [cid] and out["files"] == 1 and out["notes"] == 1 and out["conversations"] == 2
    # Closing by erasure posts nothing: the same rows, so the counts stay.
    assert _counts(runtime, customer_id) == before
    with runtime.db.session() as db:
        customer = db.get(Customer, customer_id)
        assert (customer.name, customer.external_id, customer.visitor_id, customer.tags) == ("", None, None, [])
        assert customer.erased_at is not None
        conv = db.get(Conversation, cid)
        assert conv.status == "closed" and conv.bot_state == {} and conv.scrubbed_at is not None
        assert conv.handoff is None or not conv.handoff.get("summary")
        messages = list(db.scalars(select(Message).where(Message.conversation_id.in_((cid, first)))))
        assert {m.text for m in messages} == {ZH}
        assert all(m.payload is None or m.payload["erased"] and set(m.payload) <= {"type", "erased", "name"}
                   for m in messages)
        assert {m.sender for m in messages} >= {"customer", "bot", "agent"}  # who said it stays for the counts
        assert db.scalar(select(func.count()).select_from(Attachment).where(Attachment.customer_id
                                                                            == customer_id)) == 0
        assert db.scalar(select(func.count()).select_from(ConversationNote).where(
            ConversationNote.conversation_id == cid)) == 0
        left = db.scalar(select(LeftMessage).where(LeftMessage.customer_id == customer_id))
        assert (left.contact, left.text, left.context) == ("", ZH, {})
        rating = db.scalar(select(Rating).where(Rating.conversation_id == first))
        assert (rating.score, rating.comment) == (2, "")
    assert not [p for p in runtime.storage.root.rglob("*") if p.is_file()]
    # Everything the customer said is gone from every table a person can read.
    doc = owner.get(f"/api/v1/customers/{customer_id}/export").text
    assert PHONE not in doc and "文三路" not in doc and "王小明" not in doc
    transcript = owner.get(f"/api/v1/conversations/{cid}").text
    assert PHONE not in transcript and "文三路" not in transcript
    # Again: nothing more to do, nothing fails.
    again = owner.delete(f"/api/v1/customers/{customer_id}").json()
    assert (again["closed"], again["messages"], again["files"], again["notes"], again["left_messages"]) == (
        [], 0, 0, 0, 0)
    # The same shop customer coming back is a new, empty customer.
    new_cid, new_customer = _open(client, shop_a)
    assert new_customer != customer_id


def test_report_tables_keep_no_personal_text_and_the_same_counts(login, runtime, shop_a, served):
    customer_id, cid, _ = served

    def facts():
        with runtime.db.session() as db:
            while refresh_step(db, tenant_id=shop_a.tenant_id, budget=10_000)[1]:
                pass
        with runtime.db.session() as db:
            rows = db.scalars(select(report_models.ConversationFact).where(
                report_models.ConversationFact.customer_id == customer_id)).all()
            dumped = json.dumps([{c.key: str(getattr(r, c.key)) for c in r.__table__.columns} for r in rows],
                                ensure_ascii=False)
            return {r.conversation_id: (r.customer_messages, r.agent_messages) for r in rows}, dumped

    counts, dumped = facts()
    assert PHONE not in dumped and "文三路" not in dumped
    assert login(shop_a.owner_email).delete(f"/api/v1/customers/{customer_id}").status_code == 200
    after, dumped = facts()
    assert after == counts and PHONE not in dumped


def test_cli_erase(runtime, settings, shop_a, served, monkeypatch):
    customer_id, _, _ = served
    monkeypatch.setenv("KEFU_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("KEFU_MEDIA_DIR", settings.media_dir)
    from kefu.config import get_settings

    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(cli_app, ["customers", "erase", "--tenant", shop_a.slug, "--customer",
                                         str(customer_id), "--yes"])
        assert r.exit_code == 0, r.output
        assert "2 conversations" in r.output
    finally:
        get_settings.cache_clear()
    with runtime.db.session() as db:
        assert db.get(Customer, customer_id).erased_at is not None


# --- retention --------------------------------------------------------------------------------------------

def test_retention_setting_is_checked(login, shop_a):
    owner, agent = login(shop_a.owner_email), login(shop_a.agent_email)
    assert owner.patch("/api/v1/settings", json={"retention_days": -1}).status_code == 422
    assert agent.patch("/api/v1/settings", json={"retention_days": 30}).status_code == 403
    r = owner.patch("/api/v1/settings", json={"retention_days": 30, "agents_see_contacts": True})
    assert r.status_code == 200 and (r.json()["retention_days"], r.json()["agents_see_contacts"]) == (30, True)
    assert agent.get("/api/v1/settings").json()["retention_days"] == 30


def _age(runtime, cid, days):
    with runtime.db.session() as db:
        conv = db.get(Conversation, cid)
        conv.closed_at = utcnow() - dt.timedelta(days=days)


def test_retention_scrubs_only_closed_conversations_past_the_period(client, runtime, shop_a, served):
    customer_id, open_cid, first = served
    recent, _ = _open(client, shop_a, "u-2")
    _say(client, shop_a, recent, SAID)
    client.post(f"/api/v1/channels/api/conversations/{recent}/close", headers=api_headers(shop_a))
    _age(runtime, first, 40)
    _age(runtime, recent, 5)
    assert purge_all(runtime) == {}  # retention off (0 days): everything is kept
    with runtime.db.session() as db:
        db.get(Tenant, shop_a.tenant_id).retention_days = 30
    done = purge_all(runtime)[shop_a.slug]
    assert done.conversations == 1
    with runtime.db.session() as db:
        texts = lambda cid: {m for m in db.scalars(select(Message.text).where(Message.conversation_id == cid))}  # noqa: E731
        assert texts(first) == {ZH}
        assert SAID in texts(recent) and SAID in texts(open_cid)
        assert db.scalar(select(Rating.comment).where(Rating.conversation_id == first)) == ""
        # The customer is not erased by retention: only the old transcript is.
        assert db.get(Customer, customer_id).external_id == "u-1"
    assert purge_all(runtime)[shop_a.slug].conversations == 0


def test_purges_running_at_once_scrub_each_conversation_once(client, runtime, shop_a):
    cids = []
    for i in range(6):
        cid, _ = _open(client, shop_a, f"old-{i}")
        _say(client, shop_a, cid, SAID)
        client.post(f"/api/v1/channels/api/conversations/{cid}/close", headers=api_headers(shop_a))
        _age(runtime, cid, 100)
        cids.append(cid)
    with runtime.db.session() as db:
        db.get(Tenant, shop_a.tenant_id).retention_days = 30
    results, errors = [], []

    def run():
        try:
            results.append(purge_all(runtime)[shop_a.slug].conversations)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and sum(results) == len(cids)
    with runtime.db.session() as db:
        assert set(db.scalars(select(Message.text).where(Message.conversation_id.in_(cids)))) == {ZH}


def test_cli_purge(runtime, settings, shop_a, monkeypatch):
    monkeypatch.setenv("KEFU_DATABASE_URL", settings.database_url)
    from kefu.config import get_settings

    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(cli_app, ["privacy", "purge", "--tenant", shop_a.slug])
        assert r.exit_code == 0 and "retention is off" in r.output
        r = CliRunner().invoke(cli_app, ["privacy", "purge", "--tenant", "nope"])
        assert r.exit_code != 0
    finally:
        get_settings.cache_clear()


# --- masking for agents -----------------------------------------------------------------------------------

def _all_text(response) -> str:
    assert response.status_code == 200, response.text
    return response.text


def test_agents_read_phones_and_addresses_masked_unless_the_shop_allows(client, login, runtime, shop_a, served):
    customer_id, cid, _ = served
    agent, owner = login(shop_a.agent_email), login(shop_a.owner_email)
    reads = [f"/api/v1/conversations/{cid}", "/api/v1/conversations", "/api/v1/live/mine",
             f"/api/v1/live/customers/{customer_id}", "/api/v1/store/orders", "/api/v1/store/orders/A1001",
             "/api/v1/left-messages"]
    for url in reads:
        seen = _all_text(agent.get(url))
        assert PHONE not in seen and "文三路90号" not in seen, url
    transcript = agent.get(f"/api/v1/conversations/{cid}").json()
    said = next(m["text"] for m in transcript["messages"] if m["text"].startswith("我的手机"))
    assert said == "我的手机138****5678，新地址是浙江省杭州市西湖区****，麻烦改一下"
    left = agent.get("/api/v1/left-messages").json()[0]
    assert left["contact"] == "138****5678"
    handled = agent.post(f"/api/v1/left-messages/{left['id']}/handled").json()
    assert handled["contact"] == "138****5678" and handled["handled_at"]
    # In an agent's own reply only the phone is masked: the address an agent writes is the shop's.
    reply = next(m["text"] for m in transcript["messages"] if m["sender"] == "agent")
    assert reply == f"好的，已记下 138****5678，退货请寄{RETURNS}"
    order = agent.get("/api/v1/store/orders/A1001").json()
    assert order["address"]["province"] == "浙江省" and order["address"]["detail"] == "****"
    assert order["address"]["phone"] == "138****8000"
    # Owners see everything; so does the customer, and the bot works on the real text.
    assert PHONE in _all_text(owner.get(f"/api/v1/conversations/{cid}"))
    assert "文三路90号" in _all_text(owner.get("/api/v1/store/orders/A1001"))
    mine = client.get(f"/api/v1/channels/api/conversations/{cid}/messages", headers=api_headers(shop_a)).json()
    assert SAID in [m["text"] for m in mine]
    # The shop lets its agents see contacts.
    assert owner.patch("/api/v1/settings", json={"agents_see_contacts": True}).status_code == 200
    for url in (f"/api/v1/conversations/{cid}", "/api/v1/store/orders/A1001"):
        assert "文三路90号" in _all_text(agent.get(url))


def test_staff_socket_masks_new_messages_for_agents(client, login, shop_a, served):
    _, cid, _ = served
    agent = login(shop_a.agent_email)
    with agent.websocket_connect("/api/v1/live/ws") as staff:
        assert staff.receive_json()["type"] == "ready"
        _say(client, shop_a, cid, f"再确认一下 {PHONE}")
        for _ in range(20):
            frame = staff.receive_json()
            if frame["type"] == "event" and frame["event"]["type"] == "message_created":
                assert frame["event"]["message"]["text"] == "再确认一下 138****5678"
                break
        else:
            raise AssertionError("no message event for staff")


# --- logs -------------------------------------------------------------------------------------------------

def test_logs_carry_no_phone_numbers_or_email_addresses(client, login, runtime, shop_a, served, caplog):
    customer_id, cid, _ = served
    caplog.set_level(logging.INFO)
    owner = login(shop_a.owner_email)
    owner.get(f"/api/v1/customers/{customer_id}/export")
    owner.delete(f"/api/v1/customers/{customer_id}")
    assert f"customer {customer_id} of shop {shop_a.tenant_id} erased" in caplog.text
    # A failing statement quotes its parameters in the exception: the log keeps neither them nor the phone.
    log = logging.getLogger("kefu.test")
    try:
        with runtime.db.session() as db:
            db.add(Customer(tenant_id=shop_a.tenant_id, external_id="dup", name=f"张三 {PHONE}"))
            db.add(Customer(tenant_id=shop_a.tenant_id, external_id="dup", name=f"张三 {PHONE}"))
            db.flush()
    except IntegrityError:
        log.exception("storing the customer failed")
    log.warning("customer wrote %s", f"call me on {PHONE} or mail wang.xiaoming@example.com, card 6222021234567890")
    text = caplog.text
    assert "storing the customer failed" in text and "call me on 138****5678" in text
    assert PHONE not in text and "wang.xiaoming@" not in text and "6222021234567890" not in text
