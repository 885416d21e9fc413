"""The catalogue end to end: import by CLI and API, product reads, and questions asked with a product page."""

import json
import os
import subprocess
import sys

from tests.conftest import api_headers

WS = "/api/v1/widget/ws"
CATALOGUE = "\n".join(json.dumps(p, ensure_ascii=False) for p in [
    {"sku": "LAMP-1", "name": "木质台灯", "category": "家居/灯具", "price": "¥159.00",
     "url": "https://shop.test/p/LAMP-1", "attributes": {"功率": "9W", "色温": "3000K-5000K 三档", "线长": "1.5米"},
     "variants": [{"sku": "LAMP-1-OAK", "attributes": {"颜色": "橡木色"}, "stock": 0},
                  {"sku": "LAMP-1-WAL", "attributes": {"颜色": "胡桃色"}, "stock": 7}]},
    {"sku": "SHIRT-1", "name": "亚麻衬衫", "category": "服装 > 上衣", "price": 199, "attributes": {"材质": "亚麻"},
     "size_chart": [{"尺码": "M", "身高": "160-170", "体重": "50-62"},
                    {"尺码": "L", "身高": "170-180", "体重": "62-75"}],
     "variants": [{"sku": "SHIRT-1-M", "attributes": {"尺码": "M"}, "stock": 3},
                  {"sku": "SHIRT-1-L", "attributes": {"尺码": "L"}, "stock": 4}]},
]) + "\n"


def _import(client, shop, body: str, name="c.jsonl", **params):
    return client.post("/api/v1/products/import", headers=api_headers(shop), params=params,
                       files={"file": (name, body.encode(), "application/jsonl")})


def test_api_import_then_read_then_upsert(client, shop_a):
    r = _import(client, shop_a, CATALOGUE)
    assert r.status_code == 200, r.text
    assert r.json() | {"problems": None} == {"total": 6, "created": 2, "updated": 0, "variants": 4, "skipped": 0,
                                             "problems": None}
    lamp = client.get("/api/v1/products/LAMP-1-WAL", headers=api_headers(shop_a)).json()
    assert lamp["sku"] == "LAMP-1" and lamp["price_cents"] == 15900 and lamp["category_path"] == "家居 > 灯具"
    assert lamp["category"] == "灯具" and [v["stock"] for v in lamp["variants"]] == [0, 7]
    # The store's product list (the console's store page) still works, with the new fields.
    page = client.get("/api/v1/store/products", headers=api_headers(shop_a)).json()
    assert {p["sku"] for p in page["items"]} == {"LAMP-1", "SHIRT-1"}
    # Upsert by SKU: the price changes, nothing is duplicated.
    r = _import(client, shop_a, CATALOGUE.replace("¥159.00", "¥149.00"))
    assert r.json()["created"] == 0 and r.json()["updated"] == 2
    assert client.get("/api/v1/products/LAMP-1", headers=api_headers(shop_a)).json()["price_cents"] == 14900
    assert client.get("/api/v1/products/NOPE", headers=api_headers(shop_a)).status_code == 404


def test_api_import_with_bad_rows_imports_nothing_unless_asked(client, shop_a, login):
    bad = CATALOGUE + '{"sku": "LAMP-1", "name": "重复", "price": "1"}\n{"sku": "X-2", "name": "x", "price": "$3"}\n'
    r = _import(client, shop_a, bad)
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_rows"
    assert [(p["row"], p["sku"]) for p in r.json()["problems"]] == [(3, "LAMP-1"), (4, "X-2")]
    assert client.get("/api/v1/store/products", headers=api_headers(shop_a)).json()["total"] == 0
    r = _import(client, shop_a, bad, skip_bad="true")
    assert r.status_code == 200 and r.json()["created"] == 2 and r.json()["skipped"] == 2
    # Unreadable files and agents are refused.
    assert _import(client, shop_a, "").status_code == 422
    agent = login(shop_a.agent_email)
    r = agent.post("/api/v1/products/import", files={"file": ("c.jsonl", CATALOGUE.encode(), "application/jsonl")})
    assert r.status_code == 403


def test_cli_imports_with_progress_and_refuses_bad_files(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")} | {"KEFU_DATABASE_URL": url}

    def kefu(*args):
        return subprocess.run([sys.executable, "-m", "kefu.cli", *args], env=env, capture_output=True, text=True,
                              timeout=120)

    assert kefu("db", "upgrade").returncode == 0
    assert kefu("tenant", "create", "--slug", "lamp", "--name", "灯具店", "--owner-email", "o@l.test",
                "--owner-password", "long-enough-pw").returncode == 0
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.csv"
    good.write_text(CATALOGUE, encoding="utf-8")
    bad.write_text("sku,name,price,stock,parent_sku,attributes\nA-1,台灯,¥59.00,有货,,\n"
                   "A-1-V,,,3,NOPE,颜色:白\n", encoding="utf-8")
    r = kefu("products", "import", str(good), "--tenant", "lamp")
    assert r.returncode == 0, r.stderr
    assert "2 products created" in r.stdout and "4 variants" in r.stdout and "2/2" in r.stderr
    r = kefu("products", "import", str(bad), "--tenant", "lamp")
    assert r.returncode == 2 and "nothing imported" in r.stderr
    assert "有货" in r.stdout and "NOPE" in r.stdout
    r = kefu("products", "import", str(good), "--tenant", "nope", "--database", url)
    assert r.returncode == 2 and "no shop" in r.stderr


def test_api_channel_answers_about_the_page_the_customer_is_on(client, shop_a):
    assert _import(client, shop_a, CATALOGUE).status_code == 200
    h = api_headers(shop_a)
    conv = client.post("/api/v1/channels/api/conversations", headers=h, json={"customer_id": "c-1"}).json()
    url = f"/api/v1/channels/api/conversations/{conv['conversation']['id']}/messages"

    def say(text, **kw):
        r = client.post(url, headers=h, json={"text": text, **kw})
        assert r.status_code == 200, r.text
        return r.json()["replies"]

    replies = say("这个功率多大", context={"product_sku": "LAMP-1", "page_url": "https://shop.test/p/LAMP-1"})
    assert replies[0]["text"] == "木质台灯的功率：9W。" and replies[0]["payload"]["type"] == "product_answer"
    # The context stays for the next turns.
    assert "缺货" in say("橡木色还有吗")[0]["text"]
    unstated = say("这个台灯重不重")[0]
    assert "没有写" in unstated["text"] and unstated["payload"]["buttons"][0]["action"] == "handoff"
    # Another page: the shirt, with its size chart.
    assert "L" in say("我175 70kg穿什么码", context={"product_sku": "SHIRT-1-M"})[0]["text"]
    # A variant's page: "还有货吗" is about that variant.
    assert "橡木色" in say("还有货吗", context={"product_sku": "LAMP-1-OAK"})[0]["text"]
    r = client.post(url, headers=h, json={"text": "还有吗", "context": {"product_sku": "NO-SUCH"}})
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_product"
    r = client.post(url, headers=h, json={"text": "还有吗", "context": {"page_url": "javascript:alert(1)"}})
    assert r.status_code == 422


def test_widget_context_frame(client, shop_a, shop_b):
    assert _import(client, shop_a, CATALOGUE).status_code == 200
    for shop, sku, ok in ((shop_a, "LAMP-1", True), (shop_b, "LAMP-1", False)):
        with client.websocket_connect(WS) as ws:
            ws.send_text(json.dumps({"type": "hello", "key": shop.public_key}))
            assert ws.receive_json()["type"] == "ready"
            ws.send_text(json.dumps({"type": "context", "product_sku": sku, "page_url": "https://shop.test/x"}))
            frame = ws.receive_json()
            if ok:
                assert frame == {"type": "context", "context": {"product_sku": "LAMP-1",
                                                                "page_url": "https://shop.test/x"}}
                ws.send_text(json.dumps({"type": "message", "client_id": "c1", "text": "色温是多少"}))
                for _ in range(10):
                    f = ws.receive_json()
                    if f["type"] == "message" and f["message"]["sender"] == "bot" and "色温" in f["message"]["text"]:
                        break
                else:
                    raise AssertionError("no answer about the lamp")
            else:
                assert frame["type"] == "error" and frame["code"] == "unknown_product"
