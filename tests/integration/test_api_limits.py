"""Inputs past what kefu can store get a 422 with the reason (they were 500s), and nothing is stored."""

from tests.conftest import api_headers

HUGE = "12333968717472509952"


def _invalid(r, field: str = "") -> bool:
    body = r.json()
    return r.status_code == 422 and body["error"]["code"] == "invalid_request" and field in body["error"]["message"]


def test_ids_past_the_largest_row_id_are_refused_with_the_reason(client, shop_a):
    h = api_headers(shop_a)
    assert _invalid(client.get(f"/api/v1/live/customers/{HUGE}", headers=h), "customer_id")
    assert _invalid(client.put(f"/api/v1/live/agents/{2**31}", json={"max_chats": 1}, headers=h), "user_id")
    assert _invalid(client.get("/api/v1/live/customers/0", headers=h), "customer_id")
    assert _invalid(client.get("/api/v1/conversations/1", params={"after": 2**31}, headers=h), "after")
    assert _invalid(client.get("/api/v1/packs/batches", params={"offset": 2**63}, headers=h), "offset")
    r = client.post("/api/v1/live/skill-groups", json={"name": "g", "members": [2**40]}, headers=h)
    assert _invalid(r, "members")
    r = client.post("/api/v1/reports/unanswered/ignore", json={"message_ids": [1, -5]}, headers=h)
    assert _invalid(r, "message_ids")
    # The largest id is only not found.
    assert client.get(f"/api/v1/live/customers/{2**31 - 1}", headers=h).status_code == 404
    # The schema states the limits, so clients know them before asking.
    schema = client.get("/openapi.json").json()
    param = schema["paths"]["/api/v1/live/customers/{customer_id}"]["get"]["parameters"][0]["schema"]
    assert (param["minimum"], param["maximum"]) == (1, 2**31 - 1)


def test_patches_refuse_null_where_a_field_cannot_be_empty(client, shop_a):
    h = api_headers(shop_a)
    order = {"order_no": "L-1", "items": [{"sku": "S", "name": "n"}], "address": {"phone": "13800138000"}}
    assert client.post("/api/v1/store/orders", json=order, headers=h).status_code == 201
    assert _invalid(client.patch("/api/v1/store/orders/L-1", json={"address": None}, headers=h), "address")
    assert _invalid(client.patch("/api/v1/store/orders/L-1", json={"note": None}, headers=h), "note")
    assert client.patch("/api/v1/store/orders/L-1", json={"expected_ship_by": None}, headers=h).status_code == 200
    assert client.get("/api/v1/store/orders/L-1", headers=h).json()["address"]["phone"] == "13800138000"
    assert client.post("/api/v1/store/products", json={"sku": "P1", "name": "杯子"}, headers=h).status_code == 201
    for field in ("name", "description", "tags", "price_cents", "category_path"):
        assert _invalid(client.patch("/api/v1/store/products/P1", json={field: None}, headers=h), field), field
    assert client.patch("/api/v1/store/products/P1", json={"image_url": None}, headers=h).status_code == 200


def test_links_need_a_host_and_money_fits_its_column(client, shop_a):
    h = api_headers(shop_a)
    assert client.post("/api/v1/store/products", json={"sku": "P1", "name": "杯子"}, headers=h).status_code == 201
    for bad in ("http://", "https:// x", "javascript:alert(1)", "http://a b"):
        assert _invalid(client.patch("/api/v1/store/products/P1", json={"image_url": bad}, headers=h), "image_url")
    r = client.patch("/api/v1/store/products/P1", json={"image_url": "https://img.example.com/a.png?w=1"}, headers=h)
    assert r.status_code == 200
    assert _invalid(client.patch("/api/v1/store/products/P1", json={"price_cents": 2**31}, headers=h), "price_cents")
    order = {"order_no": "L-2", "address": {"phone": "13800138000"},
             "items": [{"sku": "S", "name": "n", "quantity": 10_000, "unit_price_cents": 10**9}]}
    r = client.post("/api/v1/store/orders", json=order, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "total_too_large"
    assert client.get("/api/v1/store/orders/L-2", headers=h).status_code == 404


def test_nul_characters_are_refused_before_any_route(client, shop_a):
    h = api_headers(shop_a)
    r = client.post("/api/v1/knowledge", content=b'{"question": "a\\u0000b", "answer": "x"}',
                    headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "nul_character"
    r = client.get("/api/v1/knowledge?search=a%00b", headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "nul_character"
    # An escaped backslash followed by "u0000" is plain text.
    r = client.post("/api/v1/knowledge", content=b'{"question": "a\\\\u0000b", "answer": "x"}',
                    headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 201 and r.json()["question"] == "a\\u0000b"
    assert client.get("/api/v1/knowledge", headers=h).json()["total"] == 1


def test_the_shops_own_order_system_needs_its_secret(client, shop_a):
    h = api_headers(shop_a)
    r = client.patch("/api/v1/settings", json={"commerce_url": "https://erp.example.com", "commerce_secret": ""},
                     headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "commerce_secret_required"
    assert _invalid(client.patch("/api/v1/settings", json={"commerce_url": "http://"}, headers=h), "commerce_url")
    assert client.get("/api/v1/settings", headers=h).json()["commerce_url"] == ""
    r = client.patch("/api/v1/settings", json={"commerce_url": "https://erp.example.com", "commerce_secret": "s3cret"},
                     headers=h)
    assert r.status_code == 200
