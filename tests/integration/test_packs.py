"""Knowledge packs end to end in one process: import (API and CLI), facts fill and refill, updates with
auto / keep / conflict / add / remove, resolutions, pending conflicts, rollback, history, auto-update, sources;
what the shop has not confirmed stays off: points quoting missing facts, service promises, possible duplicates of
the shop's own points (and sure duplicates are linked, not imported, through updates too)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from kefu.audit.models import AuditEntry
from kefu.config import Settings
from kefu.knowledge.models import KnowledgePoint
from kefu.packs import actions
from kefu.packs.models import PackChange, PackInstall, PackPoint
from kefu.packs.sources import Catalog, FolderSource, RemoteSource
from kefu.tenants.facts import unfilled
from kefu.tenants.models import Tenant
from tests.conftest import api_headers, wipe

PACK = "tiny-zh"


def _point(key, question, similar, answer, category="测试", tags=()):
    return {"key": key, "category": category, "question": question, "similar": similar, "answer": answer,
            "tags": list(tags)}


def v100() -> dict:
    return {
        "id": PACK, "name": "测试小包", "version": "1.0.0", "language": "zh", "description": "tests", "base": None,
        "placeholders": {"ship_within_hours": {"label": "发货时效", "default": "48"},
                         "carrier": {"label": "快递", "default": "顺丰"},
                         "return_days": {"label": "退货天数", "default": "7"},
                         "invoice_days": {"label": "发票天数", "default": "3"}},
        "points": [
            _point("ship.when", "多久发货？", ["几天发货", "啥时候发", "什么时候发货呀", "发货要多久", "fh多久"],
                   "付款后{{ship_within_hours}}小时内发货，默认{{carrier}}。"),
            _point("returns.window", "多少天内可以退货？",
                   ["几天能退", "能退货吗", "退货期限", "七天无理由吗", "过期还能退不"],
                   "本店支持{{return_days}}天无理由退货。"),
            _point("invoice.when", "什么时候开发票？",
                   ["发票啥时候开", "能开票吗", "要发票", "开票多久", "fp什么时候给"],
                   "确认收货后{{invoice_days}}天内开具电子发票。"),
            _point("pay.methods", "支持哪些付款方式？",
                   ["怎么付款", "能用微信吗", "支付宝行吗", "付款方式", "能刷卡吗"],
                   "支持支付宝和微信支付。"),
            _point("old.cod", "可以货到付款吗？", ["货到付款", "到付行吗", "能先收货再付钱吗", "cod", "收货付款"],
                   "暂不支持货到付款。"),
            _point("gift.wrap", "可以包装成礼物吗？", ["礼品包装", "送人包装", "能包装吗", "礼盒", "有贺卡吗"],
                   "可以，下单时备注即可。"),
            _point("stock.check", "这个还有货吗？", ["有货吗", "有现货吗", "还有库存不", "缺货吗", "能发吗 有货不"],
                   "页面能选的规格都有货。"),
        ]}


def v110() -> dict:
    pack = v100()
    pack["version"] = "1.1.0"
    pack["placeholders"]["vat_note"] = {"label": "专票说明", "default": "请提供税号和开户行"}
    points = {p["key"]: p for p in pack["points"]}
    points["ship.when"]["answer"] = "付款后{{ship_within_hours}}小时内发出，快递默认{{carrier}}。"  # shop: untouched
    points["returns.window"]["answer"] = "支持{{return_days}}天无理由退货（定制商品除外）。"  # shop: edited too
    points["pay.methods"]["similar"].append("能花呗吗")  # shop: edited the answer only
    points["stock.check"]["answer"] = "页面上能选中的规格都有现货。"  # shop: deleted it
    del points["old.cod"]  # shop: untouched → removed
    del points["gift.wrap"]  # shop: edited → conflict
    points["vat.special"] = _point("vat.special", "可以开增值税专票吗？",
                                   ["专票", "能开专票吗", "增值税发票", "开专用发票", "zp能开吗"],
                                   "可以开专票，{{vat_note}}。")
    pack["points"] = list(points.values())
    return pack


def facts_pack() -> dict:
    """A pack whose answers quote facts with no real default (a dummy phone, a stand-in address) and a promise."""
    cod = _point("pay.cod", "能货到付款吗？", ["货到付款行吗", "到付可以吗", "先收货后付款", "cod支持吗", "收货再给钱"],
                 "支持货到付款，签收时付给快递员。")
    return {
        "id": "facts-zh", "name": "店铺信息小包", "version": "1.0.0", "language": "zh", "description": "tests",
        "base": None,
        "placeholders": {"service_phone": {"label": "客服电话", "default": "400-000-0000"},
                         "return_address": {"label": "退货地址", "default": "请以客服提供的退货地址为准"},
                         "ship_within_hours": {"label": "发货时效", "default": "48"}},
        "points": [
            _point("contact.phone", "客服电话是多少？",
                   ["电话多少", "怎么打电话", "有客服热线吗", "热线号码", "dh多少"],
                   "客服热线{{service_phone}}，9点到22点有人接听。"),
            _point("returns.where", "退货寄到哪里？",
                   ["退货地址", "寄回哪里", "退到哪", "退货往哪寄", "地址给一下 退货"], "请寄到：{{return_address}}。"),
            _point("ship.hours", "付款后几小时发货？",
                   ["几个小时发出", "多少小时发货", "付完款多久发", "发货时效", "fh时效"],
                   "付款后{{ship_within_hours}}小时内发货。"),
            cod | {"promise": ["cash_on_delivery"]},
            _point("stock.check", "这个还有货吗？", ["有货吗", "有现货吗", "还有库存不", "缺货吗", "能发吗 有货不"],
                   "页面能选的规格都有货。"),
        ]}


def write_pack(folder: Path, pack: dict) -> Path:
    path = folder / pack["id"] / f"{pack['version']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(pack, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def packs_dir(tmp_path) -> Path:
    folder = tmp_path / "packs"
    write_pack(folder, v100())
    return folder


@pytest.fixture
def settings(database_url, packs_dir) -> Settings:
    """The suite's settings, with a local pack folder holding the test pack."""
    wipe(database_url)
    return Settings(database_url=database_url, redis_url=None, rate_limit_messages=1000, packs_dir=str(packs_dir),
                    packs_url=None)


def _points(runtime, tenant_id) -> dict[str, KnowledgePoint]:
    with runtime.db.session() as db:
        return {p.question: p for p in db.scalars(select(KnowledgePoint).where(KnowledgePoint.tenant_id == tenant_id))}


def _import(client, shop, pack_id=PACK, **body):
    r = client.post(f"/api/v1/packs/{pack_id}/import", headers=api_headers(shop), json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _edit(client, shop, point: KnowledgePoint, **changes):
    body = {"category": point.category, "question": point.question, "similar_questions": point.similar_questions,
            "answer": point.answer, "tags": point.tags} | changes
    r = client.put(f"/api/v1/knowledge/{point.id}", headers=api_headers(shop), json=body)
    assert r.status_code == 200, r.text


def _kb_version(runtime, tenant_id) -> int:
    with runtime.db.session() as db:
        return db.get(Tenant, tenant_id).kb_version


# --- listing and importing ---------------------------------------------------------------------------------

def test_list_shows_built_in_and_local_packs(client, login, shop_a):
    agent = login(shop_a.agent_email)
    r = agent.get("/api/v1/packs")
    assert r.status_code == 200, r.text
    items = {p["id"]: p for p in r.json()["items"]}
    assert {"ecommerce-zh", "ecommerce-en", "apparel-zh", "electronics-zh", PACK} <= items.keys()
    zh = items["ecommerce-zh"]
    assert (zh["points"], zh["language"], zh["base"], zh["installed_version"]) == (311, "zh", None, None)
    assert items["apparel-zh"]["base"] == "ecommerce-zh"
    assert {s["kind"] for s in r.json()["sources"]} == {"builtin", "local"}


def test_import_fills_the_shop_s_facts_and_the_bot_answers_with_them(client, runtime, shop_a):
    h = api_headers(shop_a)
    assert client.patch("/api/v1/settings", headers=h, json={"facts": {"return_days": "15"}}).status_code == 200
    before = _kb_version(runtime, shop_a.tenant_id)
    done = _import(client, shop_a)["packs"]
    assert [{k: d[k] for k in ("pack_id", "version", "added", "linked", "live", "review", "to_complete",
                               "missing_facts")} for d in done] == [
        {"pack_id": PACK, "version": "1.0.0", "added": 7, "linked": [], "live": 7, "review": [], "to_complete": [],
         "missing_facts": []}]
    facts = {f["name"]: f for f in done[0]["facts"]}
    assert facts["return_days"] | {"points": 1} == {"name": "return_days", "label": "退货天数", "value": "15",
                                                    "default": "7", "status": "set", "points": 1}
    assert (facts["carrier"]["status"], facts["carrier"]["value"]) == ("default", "顺丰")
    points = _points(runtime, shop_a.tenant_id)
    assert points["多少天内可以退货？"].answer == "本店支持15天无理由退货。"
    assert points["多久发货？"].answer == "付款后48小时内发货，默认顺丰。"  # the pack's defaults
    assert "{{" not in "".join(p.answer for p in points.values())
    assert _kb_version(runtime, shop_a.tenant_id) > before  # the bot rebuilds its index
    listed = {p["id"]: p for p in client.get("/api/v1/packs", headers=h).json()["items"]}[PACK]
    assert listed["installed_version"] == "1.0.0" and listed["update_available"] is False

    cid = client.post("/api/v1/channels/api/conversations", headers=h, json={"customer_id": "c1"}).json()
    cid = cid["conversation"]["id"]
    reply = client.post(f"/api/v1/channels/api/conversations/{cid}/messages", headers=h,
                        json={"text": "几天能退"}).json()["replies"]
    assert [m["text"] for m in reply] == ["本店支持15天无理由退货。"]


def test_import_twice_is_refused_and_agents_cannot_import(client, login, shop_a):
    _import(client, shop_a)
    r = client.post(f"/api/v1/packs/{PACK}/import", headers=api_headers(shop_a), json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "pack_installed"
    assert "update" in r.json()["error"]["message"]
    agent = login(shop_a.agent_email)
    assert agent.post("/api/v1/packs/ecommerce-en/import", json={}).status_code == 403
    r = client.post("/api/v1/packs/no-such-pack/import", headers=api_headers(shop_a), json={})
    assert r.status_code == 404 and r.json()["error"]["code"] == "pack_not_found"


def test_a_question_the_shop_has_is_linked_not_duplicated(client, runtime, shop_a):
    h = api_headers(shop_a)
    mine = client.post("/api/v1/knowledge", headers=h, json={"question": "多久发货？", "answer": "我们当天发。"}).json()
    done = _import(client, shop_a)["packs"][0]
    assert done["added"] == 6 and done["linked"] == ["ship.when"]
    points = _points(runtime, shop_a.tenant_id)
    assert len(points) == 7 and points["多久发货？"].answer == "我们当天发。"
    changes = client.get("/api/v1/packs/history", headers=h, params={"key": "ship.when"}).json()["items"]
    assert changes[0]["action"] == "linked" and changes[0]["point_id"] == mine["id"]


def test_a_vertical_brings_its_base_and_the_base_cannot_be_rolled_back_under_it(client, runtime, shop_a):
    done = _import(client, shop_a, "apparel-zh")["packs"]
    assert [(d["pack_id"], d["added"]) for d in done] == [("ecommerce-zh", 311), ("apparel-zh", 46)]
    assert len(_points(runtime, shop_a.tenant_id)) == 357
    r = client.post(f"/api/v1/packs/batches/{done[0]['batch_id']}/rollback", headers=api_headers(shop_a))
    assert r.status_code == 409 and "apparel-zh sits on ecommerce-zh" in r.json()["error"]["message"]


def test_a_broken_pack_imports_nothing_and_names_the_file(client, runtime, shop_a, packs_dir):
    pack = v100()
    pack["version"] = "1.0.1"
    pack["points"][3]["answer"] = "{{undeclared}}"
    path = write_pack(packs_dir, pack)
    r = client.post(f"/api/v1/packs/{PACK}/import", headers=api_headers(shop_a), json={"version": "1.0.1"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_pack"
    message = r.json()["error"]["message"]
    assert str(path) in message and "point pay.methods uses undeclared placeholders: undeclared" in message
    listed = client.get("/api/v1/packs", headers=api_headers(shop_a)).json()
    assert any(str(path) in p and "undeclared" in p for p in listed["problems"])
    assert _points(runtime, shop_a.tenant_id) == {}
    # a good file with a point the knowledge base refuses (filled answer too long) is refused as a whole
    with runtime.db.session() as db:
        db.get(Tenant, shop_a.tenant_id).facts = {"invoice_days": "长" * 500}
    pack = v100()
    pack["points"][2]["answer"] = "{{invoice_days}}" * 11
    write_pack(packs_dir, pack | {"version": "1.0.2"})
    r = client.post(f"/api/v1/packs/{PACK}/import", headers=api_headers(shop_a), json={"version": "1.0.2"})
    assert r.status_code == 422 and "invoice.when" in r.json()["error"]["message"]
    assert _points(runtime, shop_a.tenant_id) == {}


def test_a_point_two_packs_share_survives_one_of_them_dropping_it(client, runtime, shop_a, packs_dir):
    other = v100() | {"id": "other-zh", "name": "另一个包"}
    other["points"] = [p for p in other["points"] if p["key"] in ("ship.when", "pay.methods")]
    write_pack(packs_dir, other)
    _import(client, shop_a)
    assert _import(client, shop_a, "other-zh")["packs"][0]["linked"] == ["ship.when", "pay.methods"]
    write_pack(packs_dir, other | {"version": "1.1.0", "points": other["points"][1:]})
    r = client.post("/api/v1/packs/other-zh/update", headers=api_headers(shop_a), json={})
    assert r.status_code == 200 and r.json()["counts"] == {"kept": 1}, r.text
    assert _points(runtime, shop_a.tenant_id)["多久发货？"].answer == "付款后48小时内发货，默认顺丰。"
    change = client.get("/api/v1/packs/history", headers=api_headers(shop_a),
                        params={"pack_id": "other-zh", "key": "ship.when"}).json()["items"][0]
    assert "stays for tiny-zh ship.when" in change["note"]


# --- facts the shop has not given, promises, duplicates ----------------------------------------------------------

def _enabled(runtime, tenant_id) -> dict[str, KnowledgePoint]:
    return {q: p for q, p in _points(runtime, tenant_id).items() if p.enabled}


def test_import_asks_for_facts_and_holds_back_what_the_shop_has_not_confirmed(client, runtime, login, shop_a,
                                                                             packs_dir):
    write_pack(packs_dir, facts_pack())
    h = api_headers(shop_a)
    # The preview: the facts the answers quote, missing first, and what would not simply go live.
    r = login(shop_a.agent_email).get("/api/v1/packs/facts-zh/import-preview")
    assert r.status_code == 200, r.text
    plan = r.json()["packs"][0]
    assert plan["counts"] == {"live": 2, "linked": 0, "review": 1, "to_complete": 2}
    assert [(f["name"], f["status"], f["value"]) for f in plan["facts"]] == [
        ("return_address", "missing", ""), ("service_phone", "missing", ""), ("ship_within_hours", "default", "48")]
    items = {i["key"]: i for i in plan["items"]}
    assert items["pay.cod"]["state"] == "review" and items["pay.cod"]["promise"] == ["cash_on_delivery"]
    assert items["contact.phone"]["state"] == "to_complete" and items["contact.phone"]["missing_facts"] == [
        "service_phone"]
    assert _points(runtime, shop_a.tenant_id) == {}  # a preview writes nothing

    # A fact the pack does not quote is refused, and nothing is saved or imported.
    r = client.post("/api/v1/packs/facts-zh/import", headers=h, json={"facts": {"servce_phone": "1"}})
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_fact", r.text
    assert "servce_phone" in r.json()["error"]["message"] and "service_phone" in r.json()["error"]["message"]
    assert client.get("/api/v1/settings", headers=h).json()["facts"] == {}
    assert _points(runtime, shop_a.tenant_id) == {}

    # Import with the return address given: it is saved as the shop's fact; the phone is still missing.
    done = _import(client, shop_a, "facts-zh", facts={"return_address": "杭州市西湖区示范路100号"})["packs"][0]
    assert (done["live"], done["review"], done["to_complete"], done["missing_facts"]) == (
        3, ["pay.cod"], ["contact.phone"], ["service_phone"])
    assert client.get("/api/v1/settings", headers=h).json()["facts"] == {"return_address": "杭州市西湖区示范路100号"}
    points = _points(runtime, shop_a.tenant_id)
    assert points["退货寄到哪里？"].enabled and points["退货寄到哪里？"].answer == "请寄到：杭州市西湖区示范路100号。"
    assert not points["客服电话是多少？"].enabled and not points["能货到付款吗？"].enabled
    assert not any(unfilled(p.answer) for p in _enabled(runtime, shop_a.tenant_id).values())
    todo = client.get("/api/v1/packs/todo", headers=h).json()
    assert [(w["key"], w["review"], w["promise"]) for w in todo["review"]] == [
        ("pay.cod", "promise", ["cash_on_delivery"])]
    assert [(w["key"], w["missing_facts"]) for w in todo["to_complete"]] == [("contact.phone", ["service_phone"])]
    assert todo["missing_facts"] == {"service_phone": 1}
    change = client.get("/api/v1/packs/history", headers=h, params={"key": "contact.phone"}).json()["items"][0]
    assert change["action"] == "added" and "facts missing: service_phone" in change["note"]
    # The bot answers neither: the phone is unknown, cash on delivery unconfirmed.
    cid = client.post("/api/v1/channels/api/conversations", headers=h, json={"customer_id": "c1"}).json()
    cid = cid["conversation"]["id"]
    for question in ("电话多少", "货到付款行吗"):
        reply = client.post(f"/api/v1/channels/api/conversations/{cid}/messages", headers=h,
                            json={"text": question}).json()["replies"]
        assert not any("400-000-0000" in m["text"] or "货到付款，签收" in m["text"] for m in reply), reply

    # The review: a wrong decision or key is refused; confirming the promise puts it live.
    r = client.post("/api/v1/packs/facts-zh/review", headers=h, json={"decisions": {"pay.cod": "link"}})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_decision"
    r = client.post("/api/v1/packs/facts-zh/review", headers=h, json={"decisions": {"contact.phone": "confirm"}})
    assert r.status_code == 422 and r.json()["error"]["code"] == "not_in_review"
    assert login(shop_a.agent_email).post("/api/v1/packs/facts-zh/review",
                                          json={"decisions": {"pay.cod": "confirm"}}).status_code == 403
    r = client.post("/api/v1/packs/facts-zh/review", headers=h, json={"decisions": {"pay.cod": "confirm"}})
    assert r.status_code == 200 and r.json()["counts"] == {"confirm": 1}, r.text
    assert _points(runtime, shop_a.tenant_id)["能货到付款吗？"].enabled
    assert client.get("/api/v1/packs/todo", headers=h).json()["review"] == []
    change = client.get("/api/v1/packs/history", headers=h, params={"key": "pay.cod"}).json()["items"][0]
    assert change["action"] == "confirmed" and change["before"]["enabled"] is False and change["after"]["enabled"]

    # Setting the phone later: the refill fills it in and switches the point on.
    assert client.patch("/api/v1/settings", headers=h, json={"facts": {"service_phone": "0571-88001234"}}).is_success
    phone = _points(runtime, shop_a.tenant_id)["客服电话是多少？"]
    assert phone.enabled and phone.answer == "客服热线0571-88001234，9点到22点有人接听。"
    assert client.get("/api/v1/packs/todo", headers=h).json() == {"review": [], "to_complete": [],
                                                                  "missing_facts": {}}
    actions_ = [c["action"] for c in client.get("/api/v1/packs/history", headers=h,
                                                params={"key": "contact.phone"}).json()["items"]]
    assert actions_[:2] == ["released", "refilled"]

    # A point the shop switched off itself stays off when the facts come and go.
    assert phone.enabled
    _edit(client, shop_a, phone, enabled=False)
    client.patch("/api/v1/settings", headers=h, json={"facts": {"service_phone": ""}})
    assert client.get("/api/v1/packs/todo", headers=h).json()["to_complete"] == []  # the shop's own choice
    client.patch("/api/v1/settings", headers=h, json={"facts": {"service_phone": "0571-88009999"}})
    phone = _points(runtime, shop_a.tenant_id)["客服电话是多少？"]
    assert not phone.enabled and "0571-88009999" in phone.answer


def test_rolling_back_an_import_with_points_held_and_reviewed_removes_them_all(client, runtime, shop_a, packs_dir):
    write_pack(packs_dir, facts_pack())
    h = api_headers(shop_a)
    batch = _import(client, shop_a, "facts-zh")["packs"][0]["batch_id"]
    client.post("/api/v1/packs/facts-zh/review", headers=h, json={"decisions": {"pay.cod": "off"}})
    client.patch("/api/v1/settings", headers=h, json={"facts": {"service_phone": "0571-1"}})
    assert client.post(f"/api/v1/packs/batches/{batch}/rollback", headers=h).status_code == 200
    assert _points(runtime, shop_a.tenant_id) == {}
    assert client.get("/api/v1/packs/todo", headers=h).json()["review"] == []
    kinds = [b["kind"] for b in client.get("/api/v1/packs/batches", headers=h).json()]
    assert kinds == ["rollback", "refill", "review", "import"]


def test_a_promise_marked_later_puts_the_point_in_review_and_a_rollback_undoes_it(client, runtime, shop_a, packs_dir):
    h = api_headers(shop_a)
    _import(client, shop_a)
    points = _points(runtime, shop_a.tenant_id)
    _edit(client, shop_a, points["支持哪些付款方式？"], answer="支付宝、微信都行。")
    # The same version, now marking promises (what a shop that imported before promises were marked sees).
    marked = v100()
    for p in marked["points"]:
        if p["key"] in ("gift.wrap", "pay.methods"):
            p["promise"] = ["gift_service"] if p["key"] == "gift.wrap" else ["cash_on_delivery"]
    write_pack(packs_dir, marked)
    r = client.post(f"/api/v1/packs/{PACK}/update", headers=h, json={})
    assert r.status_code == 200 and r.json()["counts"] == {"held": 1}, r.text
    points = _points(runtime, shop_a.tenant_id)
    assert not points["可以包装成礼物吗？"].enabled
    assert points["支持哪些付款方式？"].enabled  # the shop's own answer there: not the pack's promise
    assert [w["key"] for w in client.get("/api/v1/packs/todo", headers=h).json()["review"]] == ["gift.wrap"]
    batch = client.get("/api/v1/packs/batches", headers=h).json()[0]
    assert client.post(f"/api/v1/packs/batches/{batch['id']}/rollback", headers=h).status_code == 200
    assert _points(runtime, shop_a.tenant_id)["可以包装成礼物吗？"].enabled
    assert client.get("/api/v1/packs/todo", headers=h).json()["review"] == []


def test_clearing_a_fact_switches_off_the_points_that_quote_it(client, runtime, shop_a, packs_dir):
    write_pack(packs_dir, facts_pack())
    h = api_headers(shop_a)
    _import(client, shop_a, "facts-zh", facts={"return_address": "杭州市西湖区示范路100号", "service_phone": "0571-1"})
    assert _points(runtime, shop_a.tenant_id)["客服电话是多少？"].enabled
    client.patch("/api/v1/settings", headers=h, json={"facts": {"service_phone": ""}})
    phone = _points(runtime, shop_a.tenant_id)["客服电话是多少？"]
    assert not phone.enabled and "400-000-0000" in phone.answer  # the pack's stand-in, never sent
    assert [w["key"] for w in client.get("/api/v1/packs/todo", headers=h).json()["to_complete"]] == ["contact.phone"]
    batch = client.get("/api/v1/packs/batches", headers=h).json()[0]
    assert batch["kind"] == "refill" and batch["counts"] == {"refilled": 1, "held": 1}


def test_the_bot_never_sends_an_answer_quoting_a_stand_in(client, runtime, shop_a):
    h = api_headers(shop_a)
    client.post("/api/v1/knowledge", headers=h, json={
        "question": "客服电话是多少？", "similar_questions": ["电话多少", "热线号码"],
        "answer": "请拨打400-000-0000。"})
    cid = client.post("/api/v1/channels/api/conversations", headers=h, json={"customer_id": "c1"}).json()
    cid = cid["conversation"]["id"]
    reply = client.post(f"/api/v1/channels/api/conversations/{cid}/messages", headers=h,
                        json={"text": "客服电话是多少？"}).json()["replies"]
    assert [m["payload"]["buttons"][0]["action"] for m in reply] == ["handoff"]  # the fallback offering a person
    assert not any("400-000-0000" in m["text"] for m in reply)


def test_a_shop_point_repeated_by_meaning_is_linked_and_updates_never_add_it(client, runtime, shop_a, packs_dir):
    h = api_headers(shop_a)
    mine = client.post("/api/v1/knowledge", headers=h, json={
        "question": "你们一般几天内发货？", "answer": "我们当天发。",
        "similar_questions": ["发货要几天", "付款后多久发出", "啥时候能发货", "下单后几天发", "多久能发货"]}).json()
    preview = client.get(f"/api/v1/packs/{PACK}/import-preview", headers=h).json()["packs"][0]
    link = next(i for i in preview["items"] if i["key"] == "ship.when")
    assert (link["state"], link["action"], link["duplicate"]["point_id"], link["duplicate"]["sure"]) == (
        "linked", "link_similar", mine["id"], True)
    done = _import(client, shop_a)["packs"][0]
    assert done["linked"] == ["ship.when"] and done["added"] == 6
    points = _points(runtime, shop_a.tenant_id)
    assert "多久发货？" not in points and points["你们一般几天内发货？"].answer == "我们当天发。"
    change = client.get("/api/v1/packs/history", headers=h, params={"key": "ship.when"}).json()["items"][0]
    assert change["action"] == "linked" and change["point_id"] == mine["id"] and "by meaning" in change["note"]
    cid = client.post("/api/v1/channels/api/conversations", headers=h, json={"customer_id": "c1"}).json()
    reply = client.post(f"/api/v1/channels/api/conversations/{cid['conversation']['id']}/messages", headers=h,
                        json={"text": "发货要多久"}).json()["replies"]
    assert [m["text"] for m in reply] == ["我们当天发。"]
    # 1.1.0 changes that point: the update shows it linked and leaves the shop's point as it is, adding nothing.
    write_pack(packs_dir, v110())
    plan = client.get(f"/api/v1/packs/{PACK}/preview", headers=h).json()
    item = next(i for i in plan["items"] if i["key"] == "ship.when")
    assert (item["action"], item["reason"], item["link_point_id"]) == ("stays_deleted", "linked", mine["id"])
    assert client.post(f"/api/v1/packs/{PACK}/update", headers=h, json={}).status_code == 200
    points = _points(runtime, shop_a.tenant_id)
    assert "多久发货？" not in points and points["你们一般几天内发货？"].answer == "我们当天发。"
    with runtime.db.session() as db:
        row = db.scalar(select(PackPoint).where(PackPoint.key == "ship.when"))
        assert (row.point_id, row.linked_to, row.deleted_by_shop) == (None, mine["id"], True)


def test_ecommerce_zh_in_the_freshly_seeded_demo_shop(app, runtime):
    """The issue's case: the demo shop's own answers win, nothing unconfirmed or unfilled reaches a customer."""
    from kefu.demo.seed import seed_demo
    from kefu.packs.sources import BUILTIN_DIR, read_pack_file
    from kefu.tenants.actions import do_update_settings
    from tests.support.chat import Chat

    info = seed_demo(runtime.db)
    tid = info.tenant_id
    with runtime.db.session() as db:  # this demo shop has not given its service phone yet
        tenant = db.get(Tenant, tid)
        tenant.facts = {k: v for k, v in tenant.facts.items() if k != "service_phone"}
        shipping = db.scalar(select(KnowledgePoint).where(KnowledgePoint.tenant_id == tid,
                                                          KnowledgePoint.question == "什么时候发货？"))
        own = {p.id for p in db.scalars(select(KnowledgePoint).where(KnowledgePoint.tenant_id == tid))}
        done = actions.do_import_pack(db, tenant_id=tid, pack_id="ecommerce-zh", actor="cli")[0]
    assert done.missing_facts == ["service_phone"] and done.added + len(done.linked) == 311
    pack = read_pack_file(BUILTIN_DIR / "ecommerce-zh" / "1.1.0.json")
    quotes_phone = {p.key for p in pack.points if "{{service_phone}}" in p.answer}
    with runtime.db.session() as db:
        rows = {r.key: r for r in db.scalars(select(PackPoint).where(PackPoint.tenant_id == tid))}
        points = {p.id: p for p in db.scalars(select(KnowledgePoint).where(KnowledgePoint.tenant_id == tid))}
        # The shop's own shipping-time point is linked: the pack's "付款后多久发货？" is not imported.
        ship = rows["shipping.ship_time"]
        assert (ship.point_id, ship.linked_to) == (None, shipping.id)
        assert "付款后多久发货？" not in {p.question for p in points.values()}
        assert own <= set(points) and all(points[i].enabled for i in own)  # the shop's own points untouched
        # No enabled point quotes a stand-in.
        assert not [p.question for p in points.values() if p.enabled and unfilled(p.answer)]
        # Every promise point is linked to a shop point or switched off for review.
        for key in pack.promises():
            row = rows[key]
            assert row.point_id is None or (row.review and not points[row.point_id].enabled), key
        assert rows["payment.cod"].review == "promise" and rows["promo.price_protection"].review == "promise"
        # The points quoting the phone are off and listed to complete.
        waiting = {k for k in quotes_phone if rows[k].point_id is not None}
        assert waiting and all(not points[rows[k].point_id].enabled and rows[k].missing_facts == ["service_phone"]
                               for k in waiting)
        assert waiting - {w.row.key for w in actions.list_waiting(db, tenant_id=tid) if w.row.review} == set(
            done.to_complete)
    chat = Chat.open(runtime, tid)
    assert chat.say("多久发货") == ["现货商品在付款后 48 小时内发货；预售商品以商品页标注的时间为准。"]

    # Once the shop gives its phone, the points waiting only for it go live with the number.
    with runtime.db.session() as db:
        do_update_settings(db, tenant_id=tid, changes={"facts": {"service_phone": "0571-8800 1234"}})
        actions.do_refill(db, tenant_id=tid, actor="cli")
    with runtime.db.session() as db:
        for key in done.to_complete:
            row = db.scalar(select(PackPoint).where(PackPoint.tenant_id == tid, PackPoint.key == key))
            point = db.get(KnowledgePoint, row.point_id)
            assert point.enabled and "0571-8800 1234" in point.answer and not row.held, key
        assert not [p.question for p in db.scalars(select(KnowledgePoint).where(KnowledgePoint.tenant_id == tid))
                    if p.enabled and unfilled(p.answer)]

    # Possible duplicates: the owner links one (the pack's copy goes, the shop's answers) and keeps another.
    with runtime.db.session() as db:
        maybe = [w for w in actions.list_waiting(db, tenant_id=tid) if w.row.review == "duplicate"]
        assert len(maybe) >= 2 and all(w.duplicate_of is not None and w.duplicate_of.id in own for w in maybe)
        same, other = maybe[0], next(w for w in maybe[1:] if not w.row.promise and not w.row.missing_facts)
        counts = actions.do_review(db, tenant_id=tid, pack_id="ecommerce-zh", actor="cli",
                                   decisions={same.row.key: "link", other.row.key: "confirm"})
        assert counts == {"link": 1, "confirm": 1}
        same_id, other_id, linked_to = same.point.id, other.point.id, same.duplicate_of.id
    with runtime.db.session() as db:
        row = db.scalar(select(PackPoint).where(PackPoint.tenant_id == tid, PackPoint.key == same.row.key))
        assert (row.point_id, row.linked_to, row.review, db.get(KnowledgePoint, same_id)) == (None, linked_to, "", None)
        assert db.get(KnowledgePoint, other_id).enabled


# --- facts refill --------------------------------------------------------------------------------------------

def test_changing_facts_refills_untouched_answers_and_leaves_edited_ones(client, runtime, shop_a):
    h = api_headers(shop_a)
    _import(client, shop_a)
    points = _points(runtime, shop_a.tenant_id)
    _edit(client, shop_a, points["什么时候开发票？"], answer="我们3天内开票，急用请联系客服。")
    r = client.patch("/api/v1/settings", headers=h, json={"facts": {"invoice_days": "5", "return_days": "30",
                                                                     "carrier": "京东"}})
    assert r.status_code == 200, r.text
    points = _points(runtime, shop_a.tenant_id)
    assert points["多少天内可以退货？"].answer == "本店支持30天无理由退货。"
    assert points["多久发货？"].answer == "付款后48小时内发货，默认京东。"
    assert points["什么时候开发票？"].answer == "我们3天内开票，急用请联系客服。"  # edited: left alone
    changes = client.get("/api/v1/packs/history", headers=h).json()["items"]
    refilled = {c["key"] for c in changes if c["action"] == "refilled"}
    assert refilled == {"returns.window", "ship.when"}
    # the refilled points are still the pack's: an update later treats them as untouched
    assert client.get(f"/api/v1/packs/{PACK}/preview", headers=h).json()["counts"]["keep"] == 1


# --- updates -------------------------------------------------------------------------------------------------

@pytest.fixture
def edited_shop(client, runtime, shop_a, packs_dir):
    """Shop A on 1.0.0 with its own edits, and 1.1.0 published."""
    _import(client, shop_a)
    points = _points(runtime, shop_a.tenant_id)
    _edit(client, shop_a, points["多少天内可以退货？"], answer="我们支持15天退货，运费险包来回。")
    _edit(client, shop_a, points["什么时候开发票？"], answer="下单后找客服开票。")
    _edit(client, shop_a, points["支持哪些付款方式？"], answer="支付宝、微信、银行卡都行。")
    _edit(client, shop_a, points["可以包装成礼物吗？"], answer="可以，免费礼盒包装。")
    r = client.delete(f"/api/v1/knowledge/{points['这个还有货吗？'].id}", headers=api_headers(shop_a))
    assert r.status_code == 204
    write_pack(packs_dir, v110())
    return shop_a


def test_preview_plans_every_case_and_shows_conflicts_side_by_side(client, login, edited_shop):
    listed = {p["id"]: p for p in client.get("/api/v1/packs", headers=api_headers(edited_shop)).json()["items"]}
    assert listed[PACK]["update_available"] is True and listed[PACK]["versions"] == ["1.0.0", "1.1.0"]
    r = login(edited_shop.agent_email).get(f"/api/v1/packs/{PACK}/preview")  # staff may look
    assert r.status_code == 200, r.text
    plan = r.json()
    assert (plan["from_version"], plan["to_version"], plan["update_available"]) == ("1.0.0", "1.1.0", True)
    actions_by_key = {i["key"]: i["action"] for i in plan["items"]}
    assert actions_by_key == {"ship.when": "auto", "returns.window": "conflict", "invoice.when": "keep",
                              "pay.methods": "auto", "old.cod": "remove", "gift.wrap": "conflict",
                              "stock.check": "stays_deleted", "vat.special": "add"}
    assert plan["counts"] == {"auto": 2, "keep": 1, "conflict": 2, "add": 1, "remove": 1, "stays_deleted": 1,
                              "unchanged": 0}
    assert [i["action"] for i in plan["items"][:2]] == ["conflict", "conflict"]
    items = {i["key"]: i for i in plan["items"]}
    answer = items["returns.window"]["fields"]["answer"]
    assert answer == {"status": "conflict", "base": "本店支持7天无理由退货。",
                      "mine": "我们支持15天退货，运费险包来回。",
                      "theirs": "支持7天无理由退货（定制商品除外）。", "result": None}
    assert items["gift.wrap"]["reason"] == "upstream_deleted" and items["gift.wrap"]["theirs"] is None
    pay = items["pay.methods"]
    assert pay["after"]["answer"] == "支付宝、微信、银行卡都行。" and "能花呗吗" in pay["after"]["similar_questions"]
    assert items["vat.special"]["after"]["answer"] == "可以开专票，请提供税号和开户行。"


def test_apply_merges_and_leaves_conflicts_pending_then_resolves_them(client, runtime, login, edited_shop):
    h = api_headers(edited_shop)
    owner = login(edited_shop.owner_email)
    before = _kb_version(runtime, edited_shop.tenant_id)
    r = owner.post(f"/api/v1/packs/{PACK}/update", json={})
    assert r.status_code == 200, r.text
    done = r.json()
    assert (done["from_version"], done["to_version"]) == ("1.0.0", "1.1.0")
    assert done["pending_conflicts"] == ["gift.wrap", "returns.window"]
    assert done["counts"] == {"updated": 2, "kept": 1, "deleted": 1, "added": 1, "stays_deleted": 1, "conflict": 2}
    assert _kb_version(runtime, edited_shop.tenant_id) > before
    points = _points(runtime, edited_shop.tenant_id)
    assert points["多久发货？"].answer == "付款后48小时内发出，快递默认顺丰。"
    assert points["什么时候开发票？"].answer == "下单后找客服开票。"
    assert points["支持哪些付款方式？"].answer == "支付宝、微信、银行卡都行。"
    assert "能花呗吗" in points["支持哪些付款方式？"].similar_questions
    assert "可以货到付款吗？" not in points and "这个还有货吗？" not in points
    assert points["可以开增值税专票吗？"].answer == "可以开专票，请提供税号和开户行。"
    # pending conflicts: untouched, listed, and shown again by a preview of the same version
    assert points["多少天内可以退货？"].answer == "我们支持15天退货，运费险包来回。"
    assert points["可以包装成礼物吗？"].answer == "可以，免费礼盒包装。"
    listed = {p["id"]: p for p in client.get("/api/v1/packs", headers=h).json()["items"]}[PACK]
    assert listed["installed_version"] == "1.1.0" and not listed["update_available"]
    assert listed["pending_conflicts"] == ["gift.wrap", "returns.window"]
    again = client.get(f"/api/v1/packs/{PACK}/preview", headers=h).json()
    assert (again["from_version"], again["to_version"], again["update_available"]) == ("1.1.0", "1.1.0", False)
    assert {i["key"] for i in again["items"] if i["action"] == "conflict"} == {"gift.wrap", "returns.window"}

    assert client.get(f"/api/v1/packs/{PACK}/preview", headers=h, params={"version": "x"}).status_code == 422
    r = client.get(f"/api/v1/packs/{PACK}/preview", headers=h, params={"version": "1.0.0"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "older_version"
    r = client.post(f"/api/v1/packs/{PACK}/update", headers=h, json={"resolutions": {"nope": "mine"}})
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_resolution"
    edited = {"question": "多少天内可以退货？", "similar_questions": ["几天能退", "退货期限"],
              "answer": "支持15天无理由退货（定制商品除外），运费险包来回。", "category": "测试"}
    r = owner.post(f"/api/v1/packs/{PACK}/update", json={"resolutions": {"returns.window": edited,
                                                                         "gift.wrap": "theirs"}})
    assert r.status_code == 200, r.text
    assert r.json()["pending_conflicts"] == [] and r.json()["counts"] == {"resolved": 2}
    points = _points(runtime, edited_shop.tenant_id)
    assert points["多少天内可以退货？"].answer == edited["answer"]
    assert points["多少天内可以退货？"].similar_questions == ["几天能退", "退货期限"]
    assert "可以包装成礼物吗？" not in points  # theirs: removed, as the pack did
    r = client.post(f"/api/v1/packs/{PACK}/update", headers=h, json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "nothing_to_apply"

    history = client.get("/api/v1/packs/history", headers=h, params={"key": "returns.window"}).json()["items"]
    assert [c["action"] for c in history] == ["resolved", "conflict", "added"]
    owner_id = owner.get("/api/v1/auth/me").json()["user"]["id"]
    assert history[0]["actor"] == f"user:{owner_id}" and history[0]["actor_name"]
    assert history[1]["actor"] == "update:1.1.0"
    assert history[0]["before"]["answer"] == "我们支持15天退货，运费险包来回。"
    assert history[0]["after"]["answer"] == edited["answer"]


def test_mine_keeps_the_shop_s_text_and_detaches_a_point_the_pack_removed(client, runtime, edited_shop):
    h = api_headers(edited_shop)
    r = client.post(f"/api/v1/packs/{PACK}/update", headers=h,
                    json={"resolutions": {"returns.window": "mine", "gift.wrap": "mine"}})
    assert r.status_code == 200 and r.json()["pending_conflicts"] == []
    points = _points(runtime, edited_shop.tenant_id)
    assert points["多少天内可以退货？"].answer == "我们支持15天退货，运费险包来回。"
    assert points["可以包装成礼物吗？"].answer == "可以，免费礼盒包装。"
    with runtime.db.session() as db:
        keys = set(db.scalars(select(PackPoint.key).where(PackPoint.tenant_id == edited_shop.tenant_id)))
    assert "gift.wrap" not in keys and "returns.window" in keys  # gift.wrap is now the shop's own point
    # a later facts change leaves the kept point alone: it is the shop's text now
    client.patch("/api/v1/settings", headers=h, json={"facts": {"return_days": "9"}})
    assert _points(runtime, edited_shop.tenant_id)["多少天内可以退货？"].answer == "我们支持15天退货，运费险包来回。"


def test_rollback_restores_every_point_the_update_touched(client, runtime, login, edited_shop):
    h = api_headers(edited_shop)
    before = {q: (p.answer, p.similar_questions) for q, p in _points(runtime, edited_shop.tenant_id).items()}
    client.post(f"/api/v1/packs/{PACK}/update", headers=h, json={"resolutions": {"returns.window": "theirs"}})
    batches = client.get("/api/v1/packs/batches", headers=h, params={"pack_id": PACK}).json()
    update = batches[0]
    assert update["kind"] == "update" and update["can_rollback"] and not batches[1]["can_rollback"]
    assert "roll that back first" in batches[1]["why_not"]
    assert login(edited_shop.agent_email).post(f"/api/v1/packs/batches/{update['id']}/rollback").status_code == 403
    r = client.post(f"/api/v1/packs/batches/{update['id']}/rollback", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "rollback" and r.json()["rolls_back"] == update["id"]
    after = {q: (p.answer, p.similar_questions) for q, p in _points(runtime, edited_shop.tenant_id).items()}
    assert after == before  # the removed point is back, the added one gone, edits and pack text as they were
    listed = {p["id"]: p for p in client.get("/api/v1/packs", headers=h).json()["items"]}[PACK]
    assert listed["installed_version"] == "1.0.0" and listed["update_available"]
    again = client.get(f"/api/v1/packs/{PACK}/preview", headers=h).json()
    assert again["counts"]["conflict"] == 2 and again["counts"]["auto"] == 2  # the same update, offered again
    r = client.post(f"/api/v1/packs/batches/{update['id']}/rollback", headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "rolled_back_already"
    undo = client.get("/api/v1/packs/batches", headers=h).json()[0]
    assert undo["kind"] == "rollback" and not undo["can_rollback"]
    rolled = client.get("/api/v1/packs/history", headers=h, params={"batch_id": undo["id"]}).json()["items"]
    assert {c["action"] for c in rolled} == {"rolled_back"}
    assert {c["key"] for c in rolled} >= {"ship.when", "old.cod", "vat.special", "returns.window"}
    back = next(c for c in rolled if c["key"] == "old.cod")
    assert back["before"] is None and back["after"]["question"] == "可以货到付款吗？"
    # with the update undone, the import is the newest change in force: rolling it back removes the pack
    first = client.get("/api/v1/packs/batches", headers=h, params={"pack_id": PACK}).json()[-1]
    assert first["kind"] == "import" and first["can_rollback"]
    assert client.post(f"/api/v1/packs/batches/{first['id']}/rollback", headers=h).status_code == 200
    assert _points(runtime, edited_shop.tenant_id) == {}


def test_rollback_of_an_import_removes_the_pack(client, runtime, shop_a):
    h = api_headers(shop_a)
    mine = client.post("/api/v1/knowledge", headers=h, json={"question": "多久发货？", "answer": "当天发"}).json()
    batch = _import(client, shop_a)["packs"][0]["batch_id"]
    r = client.post(f"/api/v1/packs/batches/{batch}/rollback", headers=h)
    assert r.status_code == 200, r.text
    points = _points(runtime, shop_a.tenant_id)
    assert list(points) == ["多久发货？"] and points["多久发货？"].id == mine["id"]  # the linked point stays
    with runtime.db.session() as db:
        assert db.scalar(select(func.count()).select_from(PackInstall)) == 0
        assert db.scalar(select(func.count()).select_from(PackPoint)) == 0
    _import(client, shop_a)  # and it can be imported again


def test_auto_update_applies_new_versions_and_leaves_conflicts(client, runtime, edited_shop, shop_b):
    h = api_headers(edited_shop)
    _import(client, shop_b, version="1.0.0")
    r = client.put(f"/api/v1/packs/{PACK}/auto-update", headers=h, json={"enabled": True})
    assert r.status_code == 200 and r.json()["auto_update"] is True
    with runtime.db.session() as db:
        outcomes = actions.run_auto_updates(db)
    assert [(o.tenant_id, o.to_version, o.pending_conflicts) for o in outcomes] == [
        (edited_shop.tenant_id, "1.1.0", ["gift.wrap", "returns.window"])]
    assert _points(runtime, edited_shop.tenant_id)["多久发货？"].answer == "付款后48小时内发出，快递默认顺丰。"
    assert _points(runtime, shop_b.tenant_id)["多久发货？"].answer == "付款后48小时内发货，默认顺丰。"  # off for B
    batch = client.get("/api/v1/packs/batches", headers=h).json()[0]
    assert batch["actor"] == "auto" and batch["kind"] == "update"
    with runtime.db.session() as db:
        assert actions.run_auto_updates(db)[0].to_version is None  # nothing newer now


def test_remote_pack_server_through_http(client, runtime, shop_a, packs_dir):
    """The app serves its packs under /packs/v1; a catalog reading it over HTTP sees and fetches them."""
    index = client.get("/packs/v1/index.json").json()
    tiny = next(p for p in index["packs"] if p["id"] == PACK)
    assert tiny["versions"] == ["1.0.0"] and tiny["points"] == 7 and tiny["similar_questions"] == 35
    assert client.get(f"/packs/v1/{PACK}/9.9.9.json").status_code == 404
    remote = RemoteSource("http://testserver", client=client)
    catalog = Catalog([remote])
    pack, kind = catalog.fetch(PACK)
    assert (pack.version, kind) == ("1.0.0", "remote")
    with runtime.db.session() as db:
        done = actions.do_import_pack(db, tenant_id=shop_a.tenant_id, pack_id=PACK, actor="cli", catalog=catalog)
    assert done[0].added == 7


def test_an_unreachable_pack_server_is_reported_not_fatal(runtime, shop_a):
    def down(request):
        raise httpx.ConnectError("connection refused")

    remote = RemoteSource("http://packs.invalid", client=httpx.Client(transport=httpx.MockTransport(down)))
    catalog = Catalog([FolderSource("builtin", Path(actions.__file__).parent / "data"), remote])
    assert "ecommerce-zh" in catalog.entries()
    bad = [s for s in catalog.status if not s.ok]
    assert bad and "not reachable" in bad[0].error and "packs.invalid" in bad[0].error

    def garbage(request):
        return httpx.Response(200, text="<html>")

    remote = RemoteSource("http://packs.example/", client=httpx.Client(transport=httpx.MockTransport(garbage)))
    catalog = Catalog([remote])
    with pytest.raises(Exception) as err:
        catalog.fetch("ecommerce-zh")
    assert "no knowledge pack" in str(err.value) and "packs.example/packs/v1" in str(err.value)


def test_shop_b_sees_nothing_of_shop_a_s_packs(client, login, edited_shop, shop_b):
    client.post(f"/api/v1/packs/{PACK}/update", headers=api_headers(edited_shop), json={})
    b = api_headers(shop_b)
    listed = {p["id"]: p for p in client.get("/api/v1/packs", headers=b).json()["items"]}
    assert listed[PACK]["installed_version"] is None
    assert client.get("/api/v1/packs/history", headers=b).json() == {"items": [], "total": 0}
    assert client.get("/api/v1/packs/batches", headers=b).json() == []
    a_batch = client.get("/api/v1/packs/batches", headers=api_headers(edited_shop)).json()[0]["id"]
    assert client.post(f"/api/v1/packs/batches/{a_batch}/rollback", headers=b).status_code == 404
    assert client.get(f"/api/v1/packs/{PACK}/preview", headers=b).status_code == 404
    assert client.post(f"/api/v1/packs/{PACK}/update", headers=b, json={}).status_code == 404


# --- the command line ------------------------------------------------------------------------------------

def kefu(*args, db_url, packs_dir, input_text=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env |= {"KEFU_DATABASE_URL": db_url, "KEFU_PACKS_DIR": str(packs_dir)}
    return subprocess.run([sys.executable, "-m", "kefu.cli", *args], env=env, capture_output=True, text=True,
                          input=input_text, timeout=120)


def test_cli_lists_imports_and_updates(tmp_path, packs_dir):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    run = lambda *a, **kw: kefu(*a, db_url=url, packs_dir=packs_dir, **kw)  # noqa: E731
    assert run("db", "upgrade").returncode == 0
    r = run("tenant", "create", "--slug", "tea", "--name", "茶叶店", "--owner-email", "o@tea.test",
            "--owner-password", "long-enough-pw")
    assert r.returncode == 0, r.stderr
    r = run("packs", "list", "--json")
    assert r.returncode == 0, r.stderr
    listed = {p["id"]: p for p in json.loads(r.stdout)}
    assert listed["ecommerce-zh"]["similar_questions"] == 2103 and listed[PACK]["points"] == 7
    assert "ecommerce-zh" in run("packs", "list").stdout
    r = run("packs", "import", PACK, "--tenant", "tea")
    assert r.returncode == 0 and "7 points added" in r.stdout, r.stderr
    r = run("packs", "import", PACK, "--tenant", "tea")
    assert r.returncode == 2 and "update it instead" in r.stderr
    assert run("packs", "import", PACK, "--tenant", "nope").returncode != 0
    assert "up to date" in run("packs", "update", "--tenant", "tea", "--yes").stdout

    from kefu.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(KnowledgePoint.__table__.update().where(KnowledgePoint.question == "多少天内可以退货？")
                     .values(answer="店铺改过的答案"))
    engine.dispose()
    write_pack(packs_dir, v110())
    r = run("packs", "update", "--tenant", "tea", "--yes")
    assert r.returncode == 0, r.stderr
    assert "conflict returns.window" in r.stdout and "now 1.1.0" in r.stdout and "1 conflict(s) pending" in r.stdout
    r = run("packs", "update", "--tenant", "tea", "--pack", PACK, input_text="y\nt\n")
    assert r.returncode == 0 and "now 1.1.0" in r.stdout, r.stdout + r.stderr
    engine = make_engine(url)
    with engine.connect() as conn:
        answer = conn.scalar(select(KnowledgePoint.answer).where(KnowledgePoint.question == "多少天内可以退货？"))
        actors = set(conn.scalars(select(PackChange.actor)))
    engine.dispose()
    assert answer == "支持7天无理由退货（定制商品除外）。" and "cli" in actors
    engine = make_engine(url)
    with engine.connect() as conn:  # the shop's audit log has the command line's imports and updates
        audited = conn.execute(select(AuditEntry.action, AuditEntry.actor_type, AuditEntry.target_id)).all()
    engine.dispose()
    assert ("pack.imported", "cli", PACK) in audited and ("pack.updated", "cli", PACK) in audited
    r = run("packs", "update", "--auto")
    assert r.returncode == 0 and "0 pack(s) updated" in r.stdout


def test_cli_import_takes_facts_and_says_what_is_missing(tmp_path, packs_dir):
    write_pack(packs_dir, facts_pack())
    url = f"sqlite:///{tmp_path / 'facts.db'}"
    run = lambda *a, **kw: kefu(*a, db_url=url, packs_dir=packs_dir, **kw)  # noqa: E731
    run("db", "upgrade")
    run("tenant", "create", "--slug", "tea", "--name", "茶叶店", "--owner-email", "o@tea.test",
        "--owner-password", "long-enough-pw")
    r = run("packs", "import", "facts-zh", "--tenant", "tea", "--fact", "return_address")
    assert r.returncode == 2 and "name=value" in r.stderr
    r = run("packs", "import", "facts-zh", "--tenant", "tea", "--fact", "nope=1")
    assert r.returncode == 2 and "nope: not a fact facts-zh quotes" in r.stderr
    r = run("packs", "import", "facts-zh", "--tenant", "tea", "--fact", "return_address=杭州市示范路100号",
            "--fact", "ship_within_hours=24")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "5 points added" in out and "3 live" in out
    assert "1 switched off for review (service promises, possible duplicates): pay.cod" in out
    assert "missing: service_phone (客服电话), quoted by 1 point(s)" in out and "--fact service_phone=" in out
    from kefu.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        facts = conn.scalar(select(Tenant.facts).where(Tenant.slug == "tea"))
        answer = conn.scalar(select(KnowledgePoint.answer).where(KnowledgePoint.question == "付款后几小时发货？"))
    engine.dispose()
    assert facts == {"return_address": "杭州市示范路100号", "ship_within_hours": "24"}
    assert answer == "付款后24小时内发货。"


def test_cli_update_auto_runs_every_shop_with_auto_update_on(tmp_path, packs_dir):
    url = f"sqlite:///{tmp_path / 'auto.db'}"
    run = lambda *a, **kw: kefu(*a, db_url=url, packs_dir=packs_dir, **kw)  # noqa: E731
    run("db", "upgrade")
    for slug in ("tea", "wine"):
        run("tenant", "create", "--slug", slug, "--name", slug, "--owner-email", f"o@{slug}.test",
            "--owner-password", "long-enough-pw")
        assert run("packs", "import", PACK, "--tenant", slug).returncode == 0
    from kefu.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        tea = conn.scalar(select(Tenant.id).where(Tenant.slug == "tea"))
        conn.execute(PackInstall.__table__.update().where(PackInstall.tenant_id == tea).values(auto_update=True))
    engine.dispose()
    write_pack(packs_dir, v110())
    r = run("packs", "update", "--auto")
    assert r.returncode == 0, r.stderr
    assert f"shop {tea} {PACK}: 1.0.0 → 1.1.0" in r.stdout and "1 pack(s) updated" in r.stdout


def test_pack_server_command_serves_a_folder_alone(tmp_path, packs_dir):
    from tests.support.server import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    proc = subprocess.Popen([sys.executable, "-m", "kefu.cli", "packs", "serve", "--dir", str(packs_dir),
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import time

        for _ in range(100):
            try:
                index = httpx.get(f"http://127.0.0.1:{port}/packs/v1/index.json", timeout=1).json()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert [p["id"] for p in index["packs"]] == [PACK]  # that folder only
        r = httpx.get(f"http://127.0.0.1:{port}/packs/v1/{PACK}/1.0.0.json")
        assert r.status_code == 200 and r.json()["version"] == "1.0.0"
        r = httpx.get(f"http://127.0.0.1:{port}/packs/v1/{PACK}/..%2F..%2Fetc.json")
        assert r.status_code == 404 and r.json()["error"]["code"] == "pack_not_found"
    finally:
        proc.terminate()
        proc.wait(10)
