"""The built-in store's REST API: products, orders moving through their statuses, shipments, returns."""

from __future__ import annotations

from tests.conftest import api_headers

ORDER = {"order_no": "S1", "customer_ref": "u-1", "items": [{"sku": "TEA", "name": "龙井", "quantity": 2,
                                                           "unit_price_cents": 5000}],
         "address": {"name": "张三", "phone": "13800138000", "province": "浙江省", "city": "杭州市",
                     "district": "西湖区", "detail": "文三路90号"}}


def test_products_and_a_duplicate_sku(client, shop_a):
    h = api_headers(shop_a)
    assert client.post("/api/v1/store/products", headers=h, json={"sku": "TEA", "name": "龙井"}).status_code == 201
    dup = client.post("/api/v1/store/products", headers=h, json={"sku": "TEA", "name": "again"})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "duplicate_sku"
    assert client.patch("/api/v1/store/products/TEA", headers=h, json={"stock": 3}).json()["stock"] == 3
    assert client.patch("/api/v1/store/products/TEA", headers=h, json={"stock": -1}).status_code == 422
    assert [p["sku"] for p in client.get("/api/v1/store/products?search=龙", headers=h).json()["items"]] == ["TEA"]


def test_an_order_moves_only_along_its_allowed_statuses(client, shop_a):
    h = api_headers(shop_a)
    order = client.post("/api/v1/store/orders", headers=h, json=ORDER).json()
    assert order["total_cents"] == 10000 and order["next_statuses"] == ["paid", "cancelled"]
    bad = client.patch("/api/v1/store/orders/S1", headers=h, json={"status": "delivered"})
    assert bad.status_code == 409 and bad.json()["error"]["code"] == "bad_transition"
    paid = client.patch("/api/v1/store/orders/S1", headers=h, json={"status": "paid"}).json()
    assert paid["status"] == "paid" and paid["paid_at"] and paid["next_statuses"] == ["shipped", "cancelled"]
    shipped = client.post("/api/v1/store/orders/S1/shipments", headers=h,
                          json={"carrier": "顺丰", "tracking_no": "SF1"}).json()
    assert shipped["status"] == "shipped" and shipped["next_statuses"] == ["delivered"]
    done = client.post("/api/v1/store/orders/S1/shipments/SF1/events", headers=h,
                       json={"description": "已签收", "status": "delivered"}).json()
    assert done["status"] == "delivered" and done["shipments"][0]["events"][-1]["description"] == "已签收"
    assert client.post("/api/v1/store/orders", headers=h, json=ORDER).status_code == 409
    no_phone = dict(ORDER, order_no="S2", address={"name": "x"})
    assert client.post("/api/v1/store/orders", headers=h, json=no_phone).status_code == 422


def test_return_requests_move_only_along_their_allowed_statuses(client, runtime, shop_a):
    from kefu.commerce.store import BuiltinCommerce

    h = api_headers(shop_a)
    client.post("/api/v1/store/orders", headers=h, json=dict(ORDER, status="delivered"))
    with runtime.db.session() as db:
        no = BuiltinCommerce(db, shop_a.tenant_id).create_return("S1", kind="return", skus=[], reason="尺码").return_no
    listed = client.get("/api/v1/store/returns", headers=h).json()
    assert listed[0]["next_statuses"] == ["approved", "rejected"]
    bad = client.patch(f"/api/v1/store/returns/{no}", headers=h, json={"status": "refunded"})
    assert bad.status_code == 409 and bad.json()["error"]["code"] == "bad_transition"
    ok = client.patch(f"/api/v1/store/returns/{no}", headers=h, json={"status": "approved"}).json()
    assert ok["status"] == "approved" and ok["next_statuses"] == ["received", "refunded"]


def test_settings_tell_the_console_what_an_unset_fact_falls_back_to(client, shop_a):
    s = client.get("/api/v1/settings", headers=api_headers(shop_a)).json()
    assert s["fact_defaults"]["return_days"] == "7" and s["facts"] == {}
