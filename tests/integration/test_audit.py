"""The audit log: every kind of staff action leaves an entry, the owner alone reads it, no secret goes in."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from sqlalchemy import select

from kefu.access import Principal
from kefu.audit.actions import record
from kefu.audit.models import AuditEntry
from kefu.db import utcnow
from kefu.tenants.actions import do_create_user
from kefu.tenants.models import User
from tests.conftest import PASSWORD, api_headers

AUDIT = "/api/v1/audit"


def log(client, **params):
    r = client.get(AUDIT, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def all_rows(runtime, tenant_id):
    with runtime.db.session() as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.tenant_id == tenant_id).order_by(AuditEntry.id)))


def test_each_kind_of_staff_action_leaves_an_entry(client, login, runtime, shop_a):
    owner = login(shop_a.owner_email)
    h = api_headers(shop_a)
    calls = [
        ("settings.updated", owner.patch("/api/v1/settings", json={"bot_name": "小蜜", "greeting_zh": "您好"})),
        ("settings.identity_secret_rotated", owner.post("/api/v1/settings/identity-secret")),
        ("knowledge.point_created", point := owner.post("/api/v1/knowledge", json={"question": "Q1", "answer": "A"})),
        ("knowledge.point_updated", owner.put(f"/api/v1/knowledge/{point.json()['id']}",
                                              json={"question": "Q1", "answer": "B"})),
        ("knowledge.point_deleted", owner.delete(f"/api/v1/knowledge/{point.json()['id']}")),
        ("knowledge.term_created", owner.post("/api/v1/dictionary", json={"word": "快递", "synonyms": ["物流"]})),
        ("knowledge.imported", owner.post("/api/v1/knowledge/import", files={
            "file": ("k.csv", "question,answer\n多久发货,当天\n".encode(), "text/csv")})),
        ("export.knowledge", owner.get("/api/v1/knowledge/export?format=json")),
        ("export.report", owner.get("/api/v1/reports/export", params={"table": "summary", "format": "xlsx"})),
        ("routing.group_created", group := owner.post("/api/v1/live/skill-groups",
                                                      json={"name": "售后", "intents": ["退货"], "members": []})),
        ("routing.group_updated", owner.put(f"/api/v1/live/skill-groups/{group.json()['id']}",
                                            json={"name": "售后", "intents": ["退款"], "members": []})),
        ("routing.group_deleted", owner.delete(f"/api/v1/live/skill-groups/{group.json()['id']}")),
        ("agent.updated", owner.put(f"/api/v1/live/agents/{owner.get('/api/v1/auth/me').json()['user']['id']}",
                                    json={"max_chats": 3})),
        ("api_key.created", key := owner.post("/api/v1/api-keys", json={"name": "erp"})),
        ("api_key.revoked", owner.delete(f"/api/v1/api-keys/{key.json()['id']}")),
        ("pack.imported", owner.post("/api/v1/packs/ecommerce-en/import", json={})),
        ("pack.auto_update_set", owner.put("/api/v1/packs/ecommerce-en/auto-update", json={"enabled": True})),
        ("products.imported", client.post("/api/v1/products/import", headers=h, files={
            "file": ("p.jsonl", b'{"sku": "P-1", "name": "Tea", "price": "1"}', "application/jsonl")})),
        ("store.product_created", client.post("/api/v1/store/products", headers=h, json={"sku": "S-1", "name": "x"})),
        ("flow.updated", owner.patch("/api/v1/flows/track_parcel", json={"enabled": False})),
    ]
    for action, r in calls:
        assert r.status_code < 300, (action, r.status_code, r.text)
    items = log(owner, limit=500)["items"]
    actions = [e["action"] for e in items]
    assert {a for a, _ in calls} | {"login"} <= set(actions)
    by = {e["action"]: e for e in reversed(items)}
    # Who, what, on what, a detail of names, from where.
    settings = by["settings.updated"]
    assert settings["actor_type"] == "user" and settings["actor_name"] == "Owner shop-a"
    assert settings["detail"] == {"fields": ["bot_name", "greeting_zh"]} and settings["address"] == "testclient"
    assert settings["user_agent"] and settings["target_type"] == "tenant"
    assert by["knowledge.point_updated"]["detail"] == {"fields": ["answer"]}
    assert by["routing.group_updated"]["detail"] == {"fields": ["intents"]}
    api = by["store.product_created"]
    assert api["actor_type"] == "api" and api["actor_name"] == "tests" and api["target_id"] == "S-1"
    assert by["export.report"]["detail"]["table"] == "summary"
    # Newest first.
    assert [e["id"] for e in items] == sorted((e["id"] for e in items), reverse=True)


def test_a_refused_action_leaves_no_entry(login, runtime, shop_a):
    owner = login(shop_a.owner_email)
    before = len(all_rows(runtime, shop_a.tenant_id))
    assert owner.put("/api/v1/knowledge/999999", json={"question": "x", "answer": "y"}).status_code == 404
    assert owner.patch("/api/v1/settings", json={"answer_threshold": 0.1, "clarify_threshold": 0.9}).status_code == 422
    assert len(all_rows(runtime, shop_a.tenant_id)) == before


def test_no_secret_goes_into_the_log(client, login, runtime, shop_a):
    owner = login(shop_a.owner_email)
    secret = owner.post("/api/v1/api-keys", json={"name": "erp"}).json()["secret"]
    owner.patch("/api/v1/settings", json={"commerce_url": "https://erp.example/kefu",
                                          "commerce_secret": "shh-very-secret-value", "facts": {"phone": "400-1"}})
    rotated = owner.post("/api/v1/settings/identity-secret").json()["identity_secret"]
    owner.post("/api/v1/auth/logout")
    owner.post("/api/v1/auth/login", json={"email": shop_a.owner_email, "password": "not the password"})
    stored = json.dumps([{c.name: str(getattr(e, c.name)) for c in AuditEntry.__table__.columns}
                         for e in all_rows(runtime, shop_a.tenant_id)], ensure_ascii=False)
    for value in (secret, secret[3:12], "shh-very-secret-value", rotated, "400-1", PASSWORD, "not the password",
                  shop_a.api_key):
        assert value not in stored
    assert "commerce_secret" in stored  # the name of what changed, not its value
    # A caller passing a secret by mistake: the key is dropped.
    with runtime.db.session() as db:
        user = db.scalar(select(User).where(User.email == shop_a.owner_email))
        record(db, Principal(shop_a.tenant_id, "owner", user), "settings.updated", None, password="x", api_key="y",
               fields=["a"])
    assert all_rows(runtime, shop_a.tenant_id)[-1].detail == {"fields": ["a"]}


def test_only_the_owner_reads_the_log(client, login, runtime, shop_a):
    with runtime.db.session() as db:
        do_create_user(db, tenant_id=shop_a.tenant_id, email="admin@shop-a.test", name="Admin", role="admin",
                       password=PASSWORD)
    for c, headers in ((login("admin@shop-a.test"), {}), (login(shop_a.agent_email), {}),
                       (client, api_headers(shop_a))):
        for path in (AUDIT, AUDIT + "/export"):
            r = c.get(path, headers=headers)
            assert r.status_code == 403 and r.json()["error"]["code"] == "owner_only", path
    assert client.get(AUDIT).status_code == 401


def test_filters_pages_and_the_csv_export(login, runtime, shop_a):
    owner = login(shop_a.owner_email)
    agent = login(shop_a.agent_email)
    for n in range(5):
        owner.post("/api/v1/knowledge", json={"question": f"Q{n}", "answer": "A"})
    agent_id = agent.get("/api/v1/auth/me").json()["user"]["id"]
    # The agent's own login is in the owner's log; the action filter takes a code or its start.
    assert [e["action"] for e in log(owner, user_id=agent_id)["items"]] == ["login"]
    assert {e["action"] for e in log(owner, action="knowledge.")["items"]} == {"knowledge.point_created"}
    assert len(log(owner, action="knowledge.point_created")["items"]) == 5
    assert log(owner, action="knowledge_")["items"] == []  # "_" is a letter here, not a wildcard
    page1 = log(owner, action="knowledge", limit=2)
    page2 = log(owner, action="knowledge", limit=2, before=page1["next_before"])
    page3 = log(owner, action="knowledge", limit=2, before=page2["next_before"])
    ids = [e["id"] for p in (page1, page2, page3) for e in p["items"]]
    assert len(ids) == 5 == len(set(ids)) and ids == sorted(ids, reverse=True) and page3["next_before"] is None
    now = utcnow()
    assert len(log(owner, since=(now - dt.timedelta(minutes=5)).isoformat())["items"]) >= 7
    assert log(owner, until=(now - dt.timedelta(minutes=5)).isoformat())["items"] == []
    assert owner.get(AUDIT, params={"since": "yesterday"}).status_code == 422
    r = owner.get(AUDIT + "/export", params={"action": "knowledge"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["action"] for row in rows] == ["knowledge.point_created"] * 5
    assert log(owner, action="export.audit")["items"][0]["detail"] == {"filter": "knowledge", "user_id": None}


def test_entries_past_the_retention_period_are_deleted_as_new_ones_come(login, runtime, shop_a, shop_b):
    old = utcnow() - dt.timedelta(days=366)
    with runtime.db.session() as db:
        for shop in (shop_a, shop_b):
            db.add(AuditEntry(tenant_id=shop.tenant_id, created_at=old, actor_type="user", action="login"))
            db.add(AuditEntry(tenant_id=shop.tenant_id, created_at=old + dt.timedelta(days=2), actor_type="user",
                              action="login"))
    login(shop_a.owner_email)
    kept = [e.created_at for e in all_rows(runtime, shop_a.tenant_id)]
    assert len(kept) == 2 and min(kept) > old  # the 366-day-old one went, the 364-day-old one stays
    assert len(all_rows(runtime, shop_b.tenant_id)) == 2  # another shop's are its own business
