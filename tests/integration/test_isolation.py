"""Tenant isolation: shop B's users and keys try every staff endpoint on shop A's data and get nothing.

The route list comes from the app's OpenAPI schema, so a new endpoint without a case here fails this test.
"""

import json
import re
import time

import pytest
from sqlalchemy import select

from tests.conftest import api_headers
from tests.support import images

MARK = "SHOP-A-SECRET-MARK"

# A valid body for each write, so a refusal can only be about whose data it is.
BODIES = {
    ("POST", "/api/v1/knowledge"): {"question": "B的问题", "answer": "B的答案"},
    ("PUT", "/api/v1/knowledge/{point_id}"): {"question": "hijack", "answer": "hijack"},
    ("PATCH", "/api/v1/settings"): {"bot_name": "B-bot"},
    ("POST", "/api/v1/api-keys"): {"name": "b"},
    ("POST", "/api/v1/conversations/{conversation_id}/messages"): {"text": "hijack"},
    ("POST", "/api/v1/channels/api/conversations"): {"customer_id": "a-customer"},
    ("POST", "/api/v1/channels/api/conversations/{conversation_id}/messages"): {"text": "hijack"},
    ("POST", "/api/v1/channels/api/conversations/{conversation_id}/handoff"): {},
    ("POST", "/api/v1/settings/identity-secret"): None,
    ("POST", "/api/v1/conversations/{conversation_id}/close"): None,
    ("POST", "/api/v1/dictionary"): {"word": "B词", "synonyms": []},
    ("PUT", "/api/v1/dictionary/{term_id}"): {"word": "hijack", "synonyms": []},
    ("PUT", "/api/v1/auth/me/status"): {"status": "online"},
    ("PUT", "/api/v1/auth/me/password"): {"current_password": "not the password", "new_password": "hijacked pw"},
    ("POST", "/api/v1/store/products"): {"sku": "B-1", "name": "B的商品"},
    ("PATCH", "/api/v1/store/products/{sku}"): {"stock": 0},
    ("POST", "/api/v1/store/orders"): {"order_no": "B-ORDER-1", "items": [{"sku": "B-1", "name": "B"}],
                                       "address": {"phone": "13800138000"}},
    ("PATCH", "/api/v1/store/orders/{order_no}"): {"status": "cancelled"},
    ("POST", "/api/v1/store/orders/{order_no}/shipments"): {"carrier": "x", "tracking_no": "X1"},
    ("POST", "/api/v1/store/orders/{order_no}/shipments/{tracking_no}/events"): {"description": "hijack"},
    ("PATCH", "/api/v1/store/returns/{return_no}"): {"status": "rejected"},
    ("PATCH", "/api/v1/flows/{flow_id}"): {"enabled": False},
    ("POST", "/api/v1/left-messages/{message_id}/handled"): None,
    ("POST", "/api/v1/live/conversations/{conversation_id}/accept"): None,
    ("POST", "/api/v1/live/conversations/{conversation_id}/transfer"): {"to_group_id": 1},
    ("POST", "/api/v1/live/heartbeat"): None,
    ("PUT", "/api/v1/live/agents/{user_id}"): {"max_chats": 0},
    ("POST", "/api/v1/live/skill-groups"): {"name": "B组", "intents": ["x"], "members": []},
    ("PUT", "/api/v1/live/skill-groups/{group_id}"): {"name": "hijack", "intents": [], "members": []},
    ("POST", "/api/v1/live/conversations/{conversation_id}/close"): {"disposition": "spam"},
    ("POST", "/api/v1/live/suggestions/used"): {"conversation_id": 1, "source": "knowledge"},
    ("POST", "/api/v1/live/canned"): {"shortcut": "b", "title": "b", "text": "b"},
    ("PUT", "/api/v1/live/canned/{canned_id}"): {"shortcut": "hijack", "title": "x", "text": "x"},
    ("PUT", "/api/v1/live/customers/{customer_id}/tags"): {"tags": ["hijack"]},
    ("POST", "/api/v1/live/conversations/{conversation_id}/product-card"): {"skus": ["A-SKU"]},
    ("POST", "/api/v1/conversations/{conversation_id}/notes"): {"text": "hijack"},
    ("POST", "/api/v1/channels/api/conversations/{conversation_id}/close"): None,
    ("POST", "/api/v1/channels/api/conversations/{conversation_id}/rating"): {"score": 1},
    ("POST", "/api/v1/packs/{pack_id}/import"): {},
    ("POST", "/api/v1/packs/{pack_id}/review"): {"decisions": {"promo.price_protect": "off"}},
    ("POST", "/api/v1/packs/{pack_id}/update"): {"resolutions": {}},
    ("PUT", "/api/v1/packs/{pack_id}/auto-update"): {"enabled": True},
    ("POST", "/api/v1/packs/batches/{batch_id}/rollback"): None,
    ("POST", "/api/v1/bot/try/conversations"): {"locale": "zh"},
    ("POST", "/api/v1/bot/try/conversations/{conversation_id}/messages"): {"text": "hijack", "button": True},
    ("POST", "/api/v1/bot/try/conversations/{conversation_id}/handoff"): None,
    # Message ids of shop A's customer (the first few of the database): shop B acts on none of them.
    ("POST", "/api/v1/reports/unanswered/new-point"): {"message_ids": [1, 2, 3, 4], "question": "B", "answer": "B"},
    ("POST", "/api/v1/reports/unanswered/add-to-point"): {"message_ids": [1, 2, 3, 4], "point_id": 1},
    ("POST", "/api/v1/reports/unanswered/ignore"): {"message_ids": [1, 2, 3, 4]},
}
# Path parameters that name code, not a shop's data: the call acts on the caller's own shop.
NOT_SHOP_DATA = {"flow_id", "pack_id"}
# Uploads (multipart) instead of a JSON body: a valid file for each.
FILES = {
    ("POST", "/api/v1/knowledge/import"): {"file": ("b.csv", "question,answer\nB的问题,B的答案\n".encode(),
                                                    "text/csv")},
    ("POST", "/api/v1/channels/api/conversations/{conversation_id}/attachments"): {
        "file": ("b.png", images.png(), "image/png")},
    ("POST", "/api/v1/widget/attachments"): {"file": ("b.png", images.png(), "image/png")},
    # Shop B's own catalogue: imported into B only (A's products stay as they were, see the snapshot).
    ("POST", "/api/v1/products/import"): {"file": ("b.jsonl", b'{"sku": "B-IMPORT-1", "name": "B", "price": "1"}',
                                                   "application/jsonl")},
}
PUBLIC = {"/api/v1/auth/login", "/api/v1/auth/logout", "/api/v1/widget/config"}


def _finished_import(client, headers, job):
    for _ in range(400):
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
        job = client.get(f"/api/v1/knowledge/import/{job['id']}", headers=headers).json()
    raise AssertionError(f"import did not finish: {job}")


@pytest.fixture
def shop_a_data(client, shop_a, runtime):
    h = api_headers(shop_a)
    point = client.post("/api/v1/knowledge", headers=h, json={
        "question": f"{MARK} 问题", "answer": f"{MARK} 答案", "similar_questions": [MARK]}).json()
    conv = client.post("/api/v1/channels/api/conversations", headers=h,
                       json={"customer_id": "a-customer", "customer_name": MARK}).json()
    cid = conv["conversation"]["id"]
    client.post(f"/api/v1/channels/api/conversations/{cid}/messages", headers=h, json={"text": MARK})
    # A file whose name and bytes carry the mark: shop B must get neither.
    attachment = client.post(f"/api/v1/channels/api/conversations/{cid}/attachments", headers=h, files={
        "file": (f"{MARK}.pdf", b"%PDF-1.4 " + MARK.encode(), "application/pdf")}).json()["message"]["payload"]
    key = client.post("/api/v1/api-keys", headers=h, json={"name": MARK}).json()
    job = client.post("/api/v1/knowledge/import", headers=h, files={
        "file": (f"{MARK}.csv", f"question,answer\n{MARK} 导入,{MARK}\n{MARK} 导入,dup\n".encode(), "text/csv")}).json()
    job = _finished_import(client, h, job)
    assert job["status"] == "failed" and MARK in str(job["errors"]) + job["filename"]
    term = client.post("/api/v1/dictionary", headers=h, json={"word": "A词", "synonyms": [MARK]}).json()
    client.post("/api/v1/store/products", headers=h, json={"sku": "A-SKU", "name": MARK})
    line = {"sku": "A-CAT", "name": MARK, "price": "¥9", "attributes": {"容量": MARK},
            "variants": [{"sku": "A-CAT-V", "attributes": {"颜色": MARK}, "stock": 1}]}
    r = client.post("/api/v1/products/import", headers=h, files={"file": ("a.jsonl", json.dumps(line).encode(),
                                                                          "application/jsonl")})
    assert r.status_code == 200 and r.json()["created"] == 1, r.text
    client.post("/api/v1/store/orders", headers=h, json={
        "order_no": "A-ORDER-1", "status": "paid", "items": [{"sku": "A-SKU", "name": MARK, "quantity": 1}],
        "address": {"name": MARK, "phone": "13800138000", "detail": MARK}})
    client.post("/api/v1/store/orders/A-ORDER-1/shipments", headers=h, json={
        "carrier": MARK, "tracking_no": "A-TRACK", "events": [
            {"time": "2026-01-01T00:00:00Z", "description": MARK}]})
    client.post("/api/v1/store/orders/A-ORDER-1/shipments/A-TRACK/events", headers=h,
                json={"description": "delivered", "status": "delivered"})
    from kefu.commerce.store import BuiltinCommerce
    from kefu.conversations.models import LeftMessage

    with runtime.db.session() as db:
        ret = BuiltinCommerce(db, shop_a.tenant_id).create_return("A-ORDER-1", kind="return", skus=[], reason=MARK)
        left = LeftMessage(tenant_id=shop_a.tenant_id, conversation_id=cid,
                           customer_id=conv["conversation"]["customer_id"], contact=MARK, text=MARK)
        db.add(left)
        from kefu.live.models import SkillGroup
        from kefu.tenants.models import User

        group = SkillGroup(tenant_id=shop_a.tenant_id, name=MARK, intents=[MARK])
        db.add(group)
        from kefu.live.models import CannedResponse, ConversationNote

        canned = CannedResponse(tenant_id=shop_a.tenant_id, user_id=None, shortcut=MARK, title=MARK, text=MARK)
        db.add(canned)
        db.add(ConversationNote(tenant_id=shop_a.tenant_id, conversation_id=cid, text=MARK))
        db.flush()
        left_id, group_id, canned_id = left.id, group.id, canned.id
        user_id = db.scalar(select(User.id).where(User.email == shop_a.agent_email))
    # A knowledge pack filled with A's facts: its points, history and batches carry the mark.
    client.patch("/api/v1/settings", headers=h, json={"facts": {"return_address": MARK}})
    pack = client.post("/api/v1/packs/ecommerce-en/import", headers=h, json={}).json()
    assert MARK in client.get("/api/v1/packs/history", headers=h, params={"limit": 1000}).text
    todo = client.get("/api/v1/packs/todo", headers=h).json()
    assert "promo.price_protect" in {w["key"] for w in todo["review"]} and todo["to_complete"]  # no phone given
    return {"point_id": point["id"], "conversation_id": cid, "key_id": key["id"], "job_id": job["id"],
            "term_id": term["id"], "sku": "A-SKU", "order_no": "A-ORDER-1", "tracking_no": "A-TRACK",
            "return_no": ret.return_no, "flow_id": "track_parcel", "message_id": left_id,
            "pack_id": "ecommerce-en", "batch_id": pack["packs"][0]["batch_id"], "group_id": group_id,
            "user_id": user_id, "canned_id": canned_id, "customer_id": conv["conversation"]["customer_id"],
            "attachment_id": attachment["attachment_id"]}


def _routes(app):
    """Every documented API operation (the OpenAPI schema is the public contract)."""
    for path, ops in app.openapi()["paths"].items():
        if path.startswith("/api/v1") and path not in PUBLIC:
            for method in ops:
                yield method.upper(), path


def _snapshot(client, shop, ids):
    h = api_headers(shop)
    return (client.get(f"/api/v1/knowledge/{ids['point_id']}", headers=h).json(),
            client.get(f"/api/v1/knowledge/import/{ids['job_id']}", headers=h).json(),
            client.get("/api/v1/knowledge/export?format=json", headers=h).json(),
            client.get(f"/api/v1/conversations/{ids['conversation_id']}", headers=h).json(),
            client.get("/api/v1/settings", headers=h).json(),
            client.get(f"/api/v1/store/orders/{ids['order_no']}", headers=h).json(),
            client.get("/api/v1/store/products", headers=h).json(),
            client.get("/api/v1/products/A-CAT-V", headers=h).json(),
            client.get("/api/v1/flows", headers=h).json(),
            client.get("/api/v1/left-messages", headers=h).json(),
            client.get("/api/v1/live/skill-groups", headers=h).json(),
            client.get(f"/api/v1/conversations/{ids['conversation_id']}/notes", headers=h).json(),
            [(a["id"], a["max_chats"]) for a in client.get("/api/v1/live", headers=h).json()["agents"]],
            [k for k in client.get("/api/v1/api-keys", headers=h).json() if k["id"] == ids["key_id"]],
            client.get("/api/v1/packs", headers=h).json()["items"],
            client.get("/api/v1/packs/history", headers=h, params={"limit": 1000}).json(),
            client.get("/api/v1/packs/batches", headers=h).json(),
            client.get(f"/api/v1/attachments/{ids['attachment_id']}", headers=h).content,
            client.get("/api/v1/packs/todo", headers=h).json())


def test_shop_b_can_reach_nothing_of_shop_a(app, client, login, shop_a, shop_b, shop_a_data):
    before = _snapshot(client, shop_a, shop_a_data)
    callers = {"b-api-key": (client, api_headers(shop_b)), "b-owner": (login(shop_b.owner_email), {}),
               "b-agent": (login(shop_b.agent_email), {})}
    tried = set()
    for method, path in _routes(app):
        params = re.findall(r"{(\w+)}", path)
        unknown = [p for p in params if p not in shop_a_data]
        assert not unknown, f"add shop A data for {unknown} used by {method} {path}"
        url = path.format(**shop_a_data)
        body, files = BODIES.get((method, path)), FILES.get((method, path))
        if method in ("POST", "PUT", "PATCH") and (method, path) not in BODIES and not files:
            pytest.fail(f"add a valid body for {method} {path} to BODIES (or a file to FILES)")
        for who, (c, headers) in callers.items():
            if files:
                r = c.request(method, url, headers=headers, files=files)
                if r.status_code == 202:  # shop B's own import: let it finish; it must stay in shop B
                    r = c.get(f"/api/v1/knowledge/import/{r.json()['id']}", headers=headers)
                    assert _finished_import(c, headers, r.json())["status"] == "done"
            else:
                r = c.request(method, url, headers=headers, json=body)
            assert MARK not in r.text, f"{who} saw shop A data via {method} {path}"
            assert shop_a.api_key not in r.text and shop_a.identity_secret not in r.text
            if set(params) - NOT_SHOP_DATA:
                assert r.status_code in (403, 404), f"{who} {method} {path} -> {r.status_code} {r.text[:200]}"
        tried.add((method, path))
    assert len(tried) >= 15
    assert _snapshot(client, shop_a, shop_a_data) == before, "shop A's data changed"


def test_unauthenticated_callers_get_401_everywhere(app, client, shop_a, shop_a_data):
    for method, path in _routes(app):
        body = BODIES.get((method, path))
        r = client.request(method, path.format(**shop_a_data), json=body)
        assert r.status_code == 401, f"{method} {path} -> {r.status_code}"
        assert MARK not in r.text


def test_widget_key_of_b_cannot_reach_a_conversation(client, runtime, shop_a, shop_b, shop_a_data):
    import json

    with client.websocket_connect("/api/v1/widget/ws") as ws:
        ws.send_text(json.dumps({"type": "hello", "key": shop_b.public_key, "after": 0}))
        ready = ws.receive_json()
        assert ready["conversation"]["id"] != shop_a_data["conversation_id"]
        assert MARK not in json.dumps(ready)
    # B's visitor, with B's key or A's, can neither read A's file nor send one into A's conversation.
    files_before = sorted(p for p in runtime.storage.root.rglob("*") if p.is_file())
    for key in (shop_b.public_key, shop_a.public_key):
        widget = {"X-Kefu-Key": key, "X-Kefu-Visitor": ready["visitor"]}
        r = client.get(f"/api/v1/attachments/{shop_a_data['attachment_id']}", headers=widget)
        assert r.status_code in (401, 404) and MARK not in r.text
        r = client.post("/api/v1/widget/attachments", headers=widget,
                        data={"conversation_id": str(shop_a_data["conversation_id"])},
                        files={"file": ("b.png", images.png(), "image/png")})
        assert r.status_code in (401, 404)
    assert sorted(p for p in runtime.storage.root.rglob("*") if p.is_file()) == files_before


REPORTS = ("summary", "series", "heatmap", "channels", "topics", "points", "agents", "live", "conversations")


def test_reports_show_each_shop_only_its_own(app, client, login, shop_a, shop_b, shop_a_data):
    """Every report endpoint, as shop A and as B's key, owner and agent: A sees its data, B nothing of it."""
    routes = {path for method, path in _routes(app) if path.startswith("/api/v1/reports/")}
    assert {f"/api/v1/reports/{name}" for name in (*REPORTS, "export")} <= routes
    a = api_headers(shop_a)
    cid = shop_a_data["conversation_id"]
    mine = client.get("/api/v1/reports/conversations", headers=a).json()
    assert mine["total"] == 1 and mine["items"][0]["conversation_id"] == cid and MARK in str(mine)
    assert client.get("/api/v1/reports/summary", headers=a).json()["conversations"] == 1
    exported = client.get("/api/v1/reports/export", params={"table": "conversations"}, headers=a)
    assert MARK in exported.content.decode("utf-8-sig")
    filters = {"point_id": shop_a_data["point_id"], "agent_id": shop_a_data["user_id"]}
    for who, (c, headers) in {"b-api-key": (client, api_headers(shop_b)), "b-owner": (login(shop_b.owner_email), {}),
                              "b-agent": (login(shop_b.agent_email), {})}.items():
        for name in REPORTS:
            r = c.get(f"/api/v1/reports/{name}", headers=headers)
            if who == "b-agent":
                assert r.status_code == 403, (name, r.text)
                continue
            assert r.status_code == 200 and MARK not in r.text, (who, name)
            body = r.json()
            assert body.get("conversations", 0) in (0, [[0] * 24] * 7) and body.get("total", 0) == 0
            assert not [row for row in body.get("rows", []) if row.get("conversations") or row.get("chats")]
        if who == "b-agent":
            continue
        for params in ({"point_id": filters["point_id"]}, {"agent_id": filters["agent_id"]}, {}):
            r = c.get("/api/v1/reports/conversations", params=params, headers=headers)
            assert r.json()["total"] == 0 and MARK not in r.text
            for table in ("conversations", "points", "summary"):
                for fmt in ("csv", "xlsx"):
                    r = c.get("/api/v1/reports/export", params={**params, "table": table, "format": fmt},
                              headers=headers)
                    assert r.status_code == 200 and MARK.encode() not in r.content
                    if table != "summary":  # B's tables have a header and no row
                        assert _table_rows(r.content, fmt) == 0, (who, table, fmt)


def _table_rows(content: bytes, fmt: str) -> int:
    import csv
    import io

    import openpyxl

    if fmt == "csv":
        return len(list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))) - 1
    return len(list(openpyxl.load_workbook(io.BytesIO(content)).active.values)) - 1


def test_a_product_of_another_shop_is_no_context(client, shop_a, shop_b, shop_a_data):
    """Shop B's customer on a page naming shop A's SKU: refused (422), B's conversation keeps its context."""
    hb = api_headers(shop_b)
    conv = client.post("/api/v1/channels/api/conversations", headers=hb, json={"customer_id": "b-1"}).json()
    url = f"/api/v1/channels/api/conversations/{conv['conversation']['id']}/messages"
    for sku in ("A-CAT", "A-CAT-V", "A-SKU"):
        r = client.post(url, headers=hb, json={"text": "容量多大", "context": {"product_sku": sku}})
        assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_product"
        assert MARK not in r.text
    # Nothing was stored for the refused message; the chat goes on.
    r = client.post(url, headers=hb, json={"text": "你好"})
    assert r.status_code == 200 and r.json()["replies"]
    assert MARK not in client.get(url, headers=hb).text
    # Shop A's own product works as context for A.
    ha = api_headers(shop_a)
    r = client.post(f"/api/v1/channels/api/conversations/{shop_a_data['conversation_id']}/messages", headers=ha,
                    json={"text": "容量多大", "context": {"product_sku": "A-CAT-V"}})
    assert r.status_code == 200 and MARK in r.json()["replies"][0]["text"]


def test_audit_log_shows_each_shop_only_its_own(client, login, shop_a, shop_b, shop_a_data):
    """Shop A's log names its API key (called MARK): A's owner reads it; B's owner gets only B's entries, B's agent
    and key nothing at all."""
    a_owner, b_owner = login(shop_a.owner_email), login(shop_b.owner_email)
    assert MARK in a_owner.get("/api/v1/audit", params={"limit": 500}).text
    assert MARK in a_owner.get("/api/v1/audit/export").content.decode("utf-8-sig")
    for params in ({}, {"action": "api_key"}, {"user_id": shop_a_data["user_id"]}, {"before": 10**9}):
        r = b_owner.get("/api/v1/audit", params=params)
        assert r.status_code == 200 and MARK not in r.text
        assert {e["actor_name"] for e in r.json()["items"]} <= {"Owner shop-b"}
        r = b_owner.get("/api/v1/audit/export", params=params)
        assert r.status_code == 200 and MARK not in r.content.decode("utf-8-sig")
    for c, headers in ((login(shop_b.agent_email), {}), (client, api_headers(shop_b))):
        for path in ("/api/v1/audit", "/api/v1/audit/export"):
            r = c.get(path, headers=headers)
            assert r.status_code == 403 and MARK not in r.text
