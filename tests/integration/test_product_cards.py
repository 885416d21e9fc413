"""Product cards and recommendations over the API: the bot's cards on the API channel, an agent sending a card,
the product search, a card that outlives its product, and bad input."""

from __future__ import annotations

import pytest

from tests.conftest import api_headers

PRODUCTS = [
    {"sku": "CUP-1", "name": "玻璃花茶杯 带滤网", "price_cents": 5900, "stock": 40, "category": "杯具",
     "tags": ["礼物"], "attributes": {"容量": "400ml", "材质": "高硼硅玻璃"},
     "image_url": "https://img.example.com/cup1.jpg"},
    {"sku": "CUP-2", "name": "保温杯 不锈钢 500ml", "price_cents": 12900, "stock": 3, "category": "杯具",
     "attributes": {"容量": "500ml", "材质": "316不锈钢"}},
    {"sku": "CUP-3", "name": "情侣对杯 陶瓷", "price_cents": 16800, "stock": 0, "category": "杯具",
     "tags": ["礼物"], "attributes": {"材质": "陶瓷"}},
    {"sku": "KB-1", "name": "Mechanical keyboard 87 keys", "price_cents": 29900, "stock": 12, "category": "keyboards",
     "attributes": {"switch": "brown", "backlight": "white"}},
    {"sku": "KB-2", "name": "Wireless keyboard slim", "price_cents": 45900, "stock": 8, "category": "keyboards",
     "attributes": {"connection": "bluetooth"}},
    {"sku": "TEA-9", "name": "白茶 饼 357g", "price_cents": 26800, "stock": 20, "category": "茶叶"},
]


@pytest.fixture
def shop(client, shop_a):
    h = api_headers(shop_a)
    for p in PRODUCTS:
        assert client.post("/api/v1/store/products", headers=h, json=p).status_code == 201
    client.patch("/api/v1/settings", headers=h, json={"facts": {
        "product_url": "https://shop.example.com/p/{sku}", "cart_url": "https://shop.example.com/cart?add={sku}"}})
    return h


def _open(client, h, customer="u-cards"):
    cid = client.post("/api/v1/channels/api/conversations", headers=h,
                      json={"customer_id": customer}).json()["conversation"]["id"]
    return cid, f"/api/v1/channels/api/conversations/{cid}/messages"


def _bot_cards(client, h, url, text):
    replies = client.post(url, headers=h, json={"text": text}).json()["replies"]
    cards = [r for r in replies if (r["payload"] or {}).get("type") in ("product", "products")]
    assert cards, replies
    p = cards[-1]["payload"]
    return cards[-1], (p["items"] if p["type"] == "products" else [p["product"]])


def test_bot_recommends_cups_with_cards_on_the_api_channel(client, shop):
    _, url = _open(client, shop)
    msg, items = _bot_cards(client, shop, url, "有没有适合送女朋友的杯子")
    skus = [c["sku"] for c in items]
    assert set(skus) <= {"CUP-1", "CUP-2"} and "CUP-1" in skus  # CUP-3 is out of stock: never offered
    cup = next(c for c in items if c["sku"] == "CUP-1")
    assert cup["price"] == "¥59.00" and cup["stock"] == "in_stock" and cup["reason"]
    assert cup["url"] == "https://shop.example.com/p/CUP-1" and cup["image"] == "https://img.example.com/cup1.jpg"
    assert [a["action"] for a in cup["actions"]] == ["open", "cart", "ask"]
    assert cup["actions"][1]["url"] == "https://shop.example.com/cart?add=CUP-1"
    # The text says the same for channels that show no cards.
    assert "玻璃花茶杯 带滤网" in msg["text"] and "¥59.00" in msg["text"]
    thermos = next((c for c in items if c["sku"] == "CUP-2"), None)
    if thermos:
        assert thermos["stock"] == "low" and thermos["stock_label"] == "仅剩少量"


def test_budget_keeps_to_it_and_english_gets_english(client, shop):
    _, url = _open(client, shop)
    _, items = _bot_cards(client, shop, url, "预算100以内推荐一个")
    assert items and all(c["price_cents"] <= 10000 for c in items)
    _, url = _open(client, shop, "u-en")
    msg, items = _bot_cards(client, shop, url, "recommend a keyboard under 300")
    assert [c["sku"] for c in items] == ["KB-1"]  # the wireless one is over budget
    assert items[0]["stock_label"] == "In stock" and items[0]["actions"][0]["label"] == "View"
    assert "$" not in items[0]["price"] and items[0]["price"] == "¥299.00"


def test_nothing_in_budget_says_so_and_offers_a_person(client, shop):
    _, url = _open(client, shop)
    replies = client.post(url, headers=shop, json={"text": "预算20块推荐个杯子"}).json()["replies"]
    assert not any((r["payload"] or {}).get("type") in ("product", "products") for r in replies)
    assert any("没有有货" in r["text"] for r in replies)


def test_bought_together_seeds_a_signed_in_customer(client, shop):
    h = shop
    for i, skus in enumerate([["CUP-1", "TEA-9"], ["CUP-1", "TEA-9"], ["CUP-2", "KB-1"]]):
        client.post("/api/v1/store/orders", headers=h, json={
            "order_no": f"RC{i:04d}", "customer_ref": f"buyer-{i}", "status": "completed",
            "items": [{"sku": s, "name": s, "quantity": 1} for s in skus], "address": {"phone": "13800138000"}})
    client.post("/api/v1/store/orders", headers=h, json={
        "order_no": "RC9000", "customer_ref": "u-seed", "status": "completed",
        "items": [{"sku": "CUP-1", "name": "玻璃花茶杯", "quantity": 1}], "address": {"phone": "13800138000"}})
    cid, url = _open(client, h, "u-seed")
    _, items = _bot_cards(client, h, url, "再推荐点别的吧")
    assert items[0]["sku"] == "TEA-9" and "一起买" in items[0]["reason"]
    # The agent sees the same suggestion for this customer.
    recs = client.get(f"/api/v1/live/conversations/{cid}/recommendations", headers=h).json()["items"]
    assert recs[0]["sku"] == "TEA-9" and all(r["sku"] != "CUP-3" for r in recs)


def test_agent_searches_and_sends_a_card(client, login, shop_a, shop):
    cid, url = _open(client, shop)
    agent = login(shop_a.agent_email)
    found = agent.get("/api/v1/live/products", params={"q": "保温"}).json()["items"]
    assert [c["sku"] for c in found] == ["CUP-2"] and found[0]["price"] == "¥129.00"
    assert agent.get("/api/v1/live/products", params={"q": "CUP-1"}).json()["items"][0]["sku"] == "CUP-1"
    r = agent.post(f"/api/v1/live/conversations/{cid}/product-card", json={"skus": ["CUP-2"], "text": "这款保温好"})
    assert r.status_code == 201, r.text
    sent = r.json()
    assert sent["sender"] == "agent" and sent["payload"]["type"] == "product"
    assert sent["payload"]["product"]["sku"] == "CUP-2" and sent["text"].startswith("这款保温好")
    # The customer (API channel) reads the card as data.
    last = client.get(url, headers=shop).json()[-1]
    assert last["payload"]["product"]["price"] == "¥129.00"
    two = agent.post(f"/api/v1/live/conversations/{cid}/product-card", json={"skus": ["CUP-1", "CUP-3"]}).json()
    assert two["payload"]["type"] == "products" and [c["stock"] for c in two["payload"]["items"]] == [
        "in_stock", "out_of_stock"]
    # An out-of-stock product gets no add-to-cart action.
    assert [a["action"] for a in two["payload"]["items"][1]["actions"]] == ["open", "ask"]


def test_card_outlives_its_product(client, login, shop_a, shop):
    cid, _ = _open(client, shop)
    agent = login(shop_a.agent_email)
    agent.post(f"/api/v1/live/conversations/{cid}/product-card", json={"skus": ["TEA-9"]})
    assert client.delete("/api/v1/store/products/TEA-9", headers=shop).status_code == 204
    transcript = agent.get(f"/api/v1/conversations/{cid}").json()
    card = transcript["messages"][-1]["payload"]["product"]
    assert card["title"] == "白茶 饼 357g" and card["price"] == "¥268.00"


@pytest.mark.parametrize("body, status, code", [
    ({"skus": []}, 422, None),
    ({"skus": ["CUP-1"] * 11}, 422, None),
    ({"skus": ["NOPE-1"]}, 404, "product_not_found"),
    ({"skus": ["  "]}, 422, "no_products"),
    ({"skus": ["CUP-1"], "extra": 1}, 422, None),
])
def test_bad_card_requests(client, login, shop_a, shop, body, status, code):
    cid, _ = _open(client, shop)
    agent = login(shop_a.agent_email)
    r = agent.post(f"/api/v1/live/conversations/{cid}/product-card", json=body)
    assert r.status_code == status, r.text
    if code:
        assert r.json()["error"]["code"] == code
    assert all((m["payload"] or {}).get("type") != "product" for m in agent.get(f"/api/v1/conversations/{cid}")
               .json()["messages"])


def test_api_key_cannot_send_a_card_as_an_agent(client, shop):
    cid, _ = _open(client, shop)
    r = client.post(f"/api/v1/live/conversations/{cid}/product-card", headers=shop, json={"skus": ["CUP-1"]})
    assert r.status_code == 403


def test_closed_conversation_takes_no_card(client, login, shop_a, shop):
    cid, _ = _open(client, shop)
    agent = login(shop_a.agent_email)
    client.post(f"/api/v1/channels/api/conversations/{cid}/close", headers=shop)
    r = agent.post(f"/api/v1/live/conversations/{cid}/product-card", json={"skus": ["CUP-1"]})
    assert r.status_code == 403 and r.json()["error"]["code"] == "conversation_closed"


def test_shop_b_can_neither_find_nor_send_shop_a_products(client, login, shop_a, shop_b, shop):
    b = api_headers(shop_b)
    client.post("/api/v1/store/products", headers=b, json={"sku": "B-CUP", "name": "B的杯子", "stock": 5})
    cid, _ = _open(client, b, "b-customer")
    agent_b = login(shop_b.agent_email)
    found = agent_b.get("/api/v1/live/products", params={"q": "CUP"}).json()["items"]
    assert [c["sku"] for c in found] == ["B-CUP"]
    r = agent_b.post(f"/api/v1/live/conversations/{cid}/product-card", json={"skus": ["CUP-1"]})
    assert r.status_code == 404 and r.json()["error"]["code"] == "product_not_found"
    _, url = _open(client, b, "b-shopper")
    _, items = _bot_cards(client, b, url, "推荐个杯子")
    assert [c["sku"] for c in items] == ["B-CUP"]


def test_cards_read_the_shops_own_system_live_and_cache_briefly(client, login, runtime, shop_a):
    """A shop on its own order system (the HTTP connector): price and stock come from it, cached for seconds."""
    from kefu.commerce.http import reset_breakers
    from kefu.products import cards as card_data
    from kefu.tenants.models import Tenant
    from tests.support.shop_server import FakeShop

    reset_breakers()
    with FakeShop("s3cret") as fake:
        fake.seed("cust-1")
        with runtime.db.session() as db:
            tenant = db.get(Tenant, shop_a.tenant_id)
            tenant.commerce_url, tenant.commerce_secret = fake.base_url, "s3cret"
        h = api_headers(shop_a)
        cid, url = _open(client, h, "cust-1")
        agent = login(shop_a.agent_email)
        card = agent.post(f"/api/v1/live/conversations/{cid}/product-card", json={"skus": ["MUG-01"]}).json()
        assert card["payload"]["product"]["price"] == "¥39.00" and card["payload"]["product"]["stock"] == "in_stock"
        fake.products[-1]["stock"] = 0  # sold out in the shop's system
        again = agent.post(f"/api/v1/live/conversations/{cid}/product-card", json={"skus": ["MUG-01"]}).json()
        assert again["payload"]["product"]["stock"] == "in_stock"  # cached for a few seconds
        with runtime.db.session() as db:
            card_data.forget(db.get(Tenant, shop_a.tenant_id))
        fresh = agent.post(f"/api/v1/live/conversations/{cid}/product-card", json={"skus": ["MUG-01"]}).json()
        assert fresh["payload"]["product"]["stock"] == "out_of_stock"
        assert len(fake.seen("/products")) >= 2
        # The bot recommends from the shop's system too, and never the sold-out mug or the sold-out tee.
        _, url = _open(client, h, "cust-2")
        _, items = _bot_cards(client, h, url, "推荐一个礼物")
        assert items and {c["sku"] for c in items} <= {"TEE-BLK-L"}
        fake.fail(500, times=None)
        reset_breakers()
        r = agent.get("/api/v1/live/products", params={"q": "T恤"})
        assert r.status_code == 502 and r.json()["error"]["code"] == "commerce_unavailable"
    reset_breakers()
