"""Cloud updates between two real `kefu serve` processes: one serves packs from a folder, the other (a shop on its
own SQLite file, KEFU_PACKS_URL pointing at the first) imports, edits, sees the update, previews, resolves,
applies and rolls back — all over HTTP."""

from __future__ import annotations

import httpx
import pytest

from kefu.config import Settings
from kefu.migrate import upgrade
from kefu.runtime import Runtime
from tests.conftest import PASSWORD, api_headers, make_shop
from tests.integration.test_packs import PACK, v100, v110, write_pack
from tests.support.server import LiveServer

pytestmark = pytest.mark.multiprocess


@pytest.fixture
def servers(tmp_path):
    served = tmp_path / "served"
    write_pack(served, v100())
    urls = {name: f"sqlite:///{tmp_path / f'{name}.db'}" for name in ("packs", "shop")}
    for url in urls.values():
        upgrade(url)
    pack_server = LiveServer(urls["packs"], log_dir=tmp_path, env={"KEFU_PACKS_DIR": str(served)}).start()
    shop_server = LiveServer(urls["shop"], log_dir=tmp_path, env={"KEFU_PACKS_URL": pack_server.base_url}).start()
    runtime = Runtime(Settings(database_url=urls["shop"]))
    shop = make_shop(runtime, "tea")
    runtime.db.dispose()
    yield served, pack_server, shop_server, shop
    shop_server.stop()
    pack_server.stop()


def _point(owner: httpx.Client, question: str) -> dict | None:
    items = owner.get("/api/v1/knowledge", params={"search": question, "limit": 50}).json()["items"]
    return next((p for p in items if p["question"] == question), None)


def _pack(owner: httpx.Client) -> dict:
    listed = owner.get("/api/v1/packs").json()
    return next(p for p in listed["items"] if p["id"] == PACK)


def test_a_shop_takes_a_pack_and_its_update_from_another_kefu(servers):
    served, pack_server, shop_server, shop = servers
    assert PACK in {p["id"] for p in httpx.get(pack_server.base_url + "/packs/v1/index.json").json()["packs"]}
    with httpx.Client(base_url=shop_server.base_url, timeout=30) as owner:
        assert owner.post("/api/v1/auth/login", json={"email": shop.owner_email, "password": PASSWORD}).is_success
        listed = owner.get("/api/v1/packs").json()
        assert {"kind": "remote", "location": pack_server.base_url + "/packs/v1", "ok": True, "error": ""} in \
            listed["sources"]
        assert _pack(owner)["version"] == "1.0.0"

        # import from the other process, with the shop's facts filled in
        owner.patch("/api/v1/settings", json={"facts": {"return_days": "10"}})
        r = owner.post(f"/api/v1/packs/{PACK}/import", json={})
        assert r.status_code == 201, r.text
        tiny = _pack(owner)
        assert (tiny["installed_version"], tiny["installed_from"], tiny["update_available"]) == ("1.0.0", "remote",
                                                                                                 False)
        assert _point(owner, "多少天内可以退货？")["answer"] == "本店支持10天无理由退货。"

        # the bot of the shop process answers from the imported points
        h = api_headers(shop)
        conv = owner.post("/api/v1/channels/api/conversations", headers=h, json={"customer_id": "c1"}).json()
        reply = owner.post(f"/api/v1/channels/api/conversations/{conv['conversation']['id']}/messages", headers=h,
                           json={"text": "发货要多久"}).json()["replies"]
        assert reply[0]["text"] == "付款后48小时内发货，默认顺丰。"

        # the shop edits two points; then 1.1.0 is published on the pack server
        for question, answer in (("多少天内可以退货？", "我们10天包退。"), ("可以包装成礼物吗？", "免费礼盒。")):
            p = _point(owner, question)
            p["answer"] = answer
            body = {k: p[k] for k in ("category", "question", "similar_questions", "answer", "tags")}
            assert owner.put(f"/api/v1/knowledge/{p['id']}", json=body).status_code == 200
        write_pack(served, v110())
        tiny = _pack(owner)
        assert tiny["update_available"] and tiny["version"] == "1.1.0"

        plan = owner.get(f"/api/v1/packs/{PACK}/preview").json()
        assert plan["to_version"] == "1.1.0"
        conflicts = {i["key"]: i for i in plan["items"] if i["action"] == "conflict"}
        assert set(conflicts) == {"returns.window", "gift.wrap"}
        assert conflicts["returns.window"]["fields"]["answer"]["mine"] == "我们10天包退。"
        assert conflicts["returns.window"]["fields"]["answer"]["theirs"] == "支持10天无理由退货（定制商品除外）。"

        r = owner.post(f"/api/v1/packs/{PACK}/update",
                       json={"resolutions": {"returns.window": "theirs", "gift.wrap": "mine"}})
        assert r.status_code == 200, r.text
        assert r.json()["to_version"] == "1.1.0" and r.json()["pending_conflicts"] == []
        assert _point(owner, "多少天内可以退货？")["answer"] == "支持10天无理由退货（定制商品除外）。"
        assert _point(owner, "多久发货？")["answer"] == "付款后48小时内发出，快递默认顺丰。"
        assert _point(owner, "可以包装成礼物吗？")["answer"] == "免费礼盒。"
        assert _point(owner, "可以货到付款吗？") is None
        assert _pack(owner)["installed_version"] == "1.1.0"

        # roll the update back: every point as it was, 1.0.0 installed, the update offered again
        batch = owner.get("/api/v1/packs/batches", params={"pack_id": PACK}).json()[0]
        assert batch["kind"] == "update" and batch["can_rollback"]
        r = owner.post(f"/api/v1/packs/batches/{batch['id']}/rollback")
        assert r.status_code == 200, r.text
        assert _point(owner, "多少天内可以退货？")["answer"] == "我们10天包退。"
        assert _point(owner, "可以货到付款吗？")["answer"] == "暂不支持货到付款。"
        assert _point(owner, "可以开增值税专票吗？") is None
        tiny = _pack(owner)
        assert tiny["installed_version"] == "1.0.0" and tiny["update_available"]
        history = owner.get("/api/v1/packs/history", params={"pack_id": PACK, "limit": 500}).json()["items"]
        assert {"added", "updated", "deleted", "resolved", "rolled_back"} <= {c["action"] for c in history}

    # the pack server going away leaves the shop working, and says so
    pack_server.stop()
    with httpx.Client(base_url=shop_server.base_url, timeout=30) as owner:
        owner.post("/api/v1/auth/login", json={"email": shop.owner_email, "password": PASSWORD})
        listed = owner.get("/api/v1/packs").json()
        remote = next(s for s in listed["sources"] if s["kind"] == "remote")
        assert not remote["ok"] and "not reachable" in remote["error"]
        assert next(p for p in listed["items"] if p["id"] == PACK)["installed_version"] == "1.0.0"
        r = owner.get(f"/api/v1/packs/{PACK}/preview")
        assert r.status_code in (404, 502) and "pack" in r.json()["error"]["message"]
