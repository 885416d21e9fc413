"""The HTTP connector against a live fake shop: every call, refusals, signatures, timeouts, retries, the breaker."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import socket
import threading
import time
import uuid

import httpx
import pytest

from kefu.commerce.http import (
    CircuitBreaker,
    CommerceAuthFailed,
    HttpCommerce,
    breaker_for,
    reset_breakers,
    sign,
    verify_signature,
)
from kefu.commerce.interface import AddressData, CommerceError, CommerceUnavailable
from tests.support.shop_server import FakeShop

SECRET = "shop-secret-7f3a/+="


@pytest.fixture(scope="module")
def live_shop():
    with FakeShop(SECRET) as shop:
        yield shop


@pytest.fixture
def shop(live_shop: FakeShop) -> FakeShop:
    live_shop.reset()
    live_shop.seed()
    return live_shop


@pytest.fixture(autouse=True)
def _fresh_breakers():
    reset_breakers()
    yield
    reset_breakers()


@pytest.fixture
def commerce(shop: FakeShop):
    with HttpCommerce(shop.base_url, SECRET, timeout=2.0) as c:
        yield c


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- signing -----------------------------------------------------------------------------------------------------


def test_sign_is_the_documented_hmac():
    body = '{"reason":"不要了"}'.encode()
    expected = hmac.new(b"k", b"1700000000\nPOST\n/orders/A%201/cancel?x=1\n" + body, hashlib.sha256).hexdigest()
    assert sign("k", "1700000000", "post", "/orders/A%201/cancel?x=1", body) == expected
    assert sign("k", "1700000000", "GET", "/orders", b"") == sign("k", "1700000000", "GET", "/orders", "")


def test_verify_signature_rejects_tampering_and_stale_timestamps():
    ts = str(int(time.time()))
    sig = sign("k", ts, "POST", "/orders/A1/cancel", b'{"reason":"x"}')
    assert verify_signature("k", ts, "POST", "/orders/A1/cancel", b'{"reason":"x"}', sig)
    assert verify_signature("k", ts, "POST", "/orders/A1/cancel", '{"reason":"x"}', sig.upper())
    assert not verify_signature("k", ts, "POST", "/orders/A1/cancel", b'{"reason":"y"}', sig)
    assert not verify_signature("k", ts, "POST", "/orders/A2/cancel", b'{"reason":"x"}', sig)
    assert not verify_signature("k", ts, "GET", "/orders/A1/cancel", b'{"reason":"x"}', sig)
    assert not verify_signature("other", ts, "POST", "/orders/A1/cancel", b'{"reason":"x"}', sig)
    assert not verify_signature("k", ts, "POST", "/orders/A1/cancel", b'{"reason":"x"}', "")
    assert not verify_signature("k", "not-a-number", "POST", "/orders/A1/cancel", b'{"reason":"x"}', sig)
    old = str(int(time.time()) - 301)
    old_sig = sign("k", old, "GET", "/orders", b"")
    assert not verify_signature("k", old, "GET", "/orders", b"", old_sig)
    assert verify_signature("k", old, "GET", "/orders", b"", old_sig, tolerance=600)


def test_every_request_is_authenticated_and_posts_carry_an_idempotency_key(shop, commerce):
    commerce.get_order("A1001")
    commerce.cancel_order("A1001", "买错了")
    get, post = shop.requests
    assert get.authorized and post.authorized
    for seen in (get, post):
        assert seen.headers["authorization"] == f"Bearer {SECRET}"
        assert seen.headers["x-kefu-timestamp"].isdigit()
        assert verify_signature(SECRET, seen.headers["x-kefu-timestamp"], seen.method, seen.target, seen.body,
                                seen.headers["x-kefu-signature"])
    assert "idempotency-key" not in get.headers
    uuid.UUID(post.headers["idempotency-key"])
    assert post.headers["content-type"].startswith("application/json")


def test_idempotency_keys_differ_between_calls(shop, commerce):
    commerce.urge_shipment("A1001")
    commerce.urge_shipment("A1001")
    keys = {s.headers["idempotency-key"] for s in shop.seen("/orders/{order_no}/urge")}
    assert len(keys) == 2


def test_a_base_url_with_a_path_prefix_is_signed_with_the_prefix():
    with FakeShop(SECRET, prefix="/api/kefu") as shop:
        shop.seed()
        commerce = HttpCommerce(shop.base_url + "/", SECRET, timeout=2.0)
        assert commerce.get_order("A1001").status == "paid"
        assert shop.requests[-1].target == "/api/kefu/orders/A1001"
        assert shop.requests[-1].authorized


# --- the calls ---------------------------------------------------------------------------------------------------


def test_orders_for_customer_newest_first_with_limit(shop, commerce):
    orders = commerce.orders_for_customer("cust-1", limit=3)
    assert [o.order_no for o in orders] == ["A1001", "A1002", "A1003"]
    assert len(commerce.orders_for_customer("cust-1")) == 5
    assert [o.order_no for o in commerce.orders_for_customer("someone-else")] == ["B2001"]
    assert commerce.orders_for_customer("nobody") == []


def test_customer_ref_is_query_encoded(shop, commerce):
    shop.add_order("C1", customer_ref="微信 用户&limit=99#x")
    assert [o.order_no for o in commerce.orders_for_customer("微信 用户&limit=99#x")] == ["C1"]
    assert shop.requests[-1].target.endswith("limit=5")


def test_get_order_returns_the_order_or_none(shop, commerce):
    order = commerce.get_order("A1002")
    assert order.order_no == "A1002" and order.status == "shipped" and order.shipped_at is not None
    assert order.items[0].sku == "TEE-BLK-L"
    assert order.address.city == "杭州市"
    assert commerce.get_order("NOPE-1") is None


def test_shipments(shop, commerce):
    parcels = commerce.shipments("A1002")
    assert [p.tracking_no for p in parcels] == ["SF1002"]
    assert [e.description for e in parcels[0].events] == ["已揽收", "运输中"]
    assert commerce.shipments("A1001") == []
    with pytest.raises(CommerceError) as err:
        commerce.shipments("NOPE-1")
    assert err.value.code == "not_found" and not isinstance(err.value, CommerceUnavailable)


def test_change_address(shop, commerce):
    new = AddressData(name="李四", phone="13900000000", province="上海市", city="上海市", district="徐汇区",
                      detail="漕溪北路 2 号")
    order = commerce.change_address("A1001", new)
    assert order.address == new
    assert shop.orders["A1001"]["address"]["name"] == "李四"
    with pytest.raises(CommerceError) as err:
        commerce.change_address("A1002", new)
    assert err.value.code == "already_shipped"
    with pytest.raises(CommerceError) as err:
        commerce.change_address("A1004", new)
    assert err.value.code == "cancelled"


def test_cancel_order(shop, commerce):
    order = commerce.cancel_order("A1001", "拍错了")
    assert order.status == "cancelled" and order.cancelled_at is not None
    assert shop.orders["A1001"]["cancel_reason"] == "拍错了"
    with pytest.raises(CommerceError) as err:
        commerce.cancel_order("A1001", "again")
    assert err.value.code == "cancelled"
    with pytest.raises(CommerceError) as err:
        commerce.cancel_order("A1003", "late")
    assert err.value.code == "already_shipped" and err.value.message == "the order has already shipped"


def test_create_return(shop, commerce):
    ret = commerce.create_return("A1003", kind="return", skus=["TEE-BLK-L"], reason="尺码不合适")
    assert ret.order_no == "A1003" and ret.kind == "return" and ret.skus == ["TEE-BLK-L"]
    assert ret.return_no.startswith("R") and ret.status == "requested"
    assert shop.returns[0]["reason"] == "尺码不合适"


@pytest.mark.parametrize(("order_no", "kind", "skus", "code"), [
    ("A1002", "return", [], "not_delivered"),
    ("A1001", "exchange", [], "not_shipped"),
    ("A1004", "refund", [], "cancelled"),
    ("A1005", "return", [], "window_passed"),
    ("A1003", "return", ["NOT-IN-ORDER"], "unknown_item"),  # the fake shop answers this one with 422
])
def test_create_return_refusals(shop, commerce, order_no, kind, skus, code):
    with pytest.raises(CommerceError) as err:
        commerce.create_return(order_no, kind=kind, skus=skus, reason="x")
    assert err.value.code == code
    assert not isinstance(err.value, CommerceUnavailable)


def test_a_second_return_is_refused(shop, commerce):
    commerce.create_return("A1003", kind="refund", skus=[], reason="x")
    with pytest.raises(CommerceError) as err:
        commerce.create_return("A1003", kind="return", skus=[], reason="y")
    assert err.value.code == "already_requested"


def test_urge_shipment(shop, commerce):
    order = commerce.urge_shipment("A1001")
    assert order.urge_count == 1 and order.expected_ship_by is not None
    assert commerce.urge_shipment("A1001").urge_count == 2
    with pytest.raises(CommerceError) as err:
        commerce.urge_shipment("A1002")
    assert err.value.code == "not_waiting"


def test_products(shop, commerce):
    assert [p.sku for p in commerce.products()] == ["TEE-BLK-L", "TEE-WHT-M", "MUG-01"]
    tees = commerce.products(query="T恤", limit=1)
    assert [p.sku for p in tees] == ["TEE-BLK-L"]
    assert tees[0].attributes == {"颜色": "黑", "尺码": "L"} and tees[0].stock == 20
    assert [p.sku for p in commerce.products(query="礼物")] == ["MUG-01"]
    assert commerce.products(query="没有这种东西") == []


def test_one_product_is_read_live_and_kept_briefly(shop, commerce):
    shop.products[0]["variants"] = [{"sku": "TEE-BLK-L-1", "attributes": {"颜色": "黑"}, "stock": 3}]
    tee = commerce.get_product("TEE-BLK-L-1")
    assert tee.sku == "TEE-BLK-L" and tee.variants[0].stock == 3
    assert commerce.get_product("NOPE") is None and commerce.get_product("../orders") is None
    shop.products[0]["name"] = "改了名"
    assert commerce.get_product("TEE-BLK-L-1").name != "改了名"  # kept PRODUCT_SECONDS, not read again


@pytest.mark.parametrize("call", ["change_address", "cancel_order", "create_return", "urge_shipment"])
def test_a_change_to_an_unknown_order_is_not_found(shop, commerce, call):
    calls = {
        "change_address": lambda: commerce.change_address("NOPE-1", AddressData(name="x")),
        "cancel_order": lambda: commerce.cancel_order("NOPE-1", "x"),
        "create_return": lambda: commerce.create_return("NOPE-1", kind="refund", skus=[], reason="x"),
        "urge_shipment": lambda: commerce.urge_shipment("NOPE-1"),
    }
    with pytest.raises(CommerceError) as err:
        calls[call]()
    assert err.value.code == "not_found" and not isinstance(err.value, CommerceUnavailable)


# --- refusals ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [409, 422])
def test_refusal_codes_and_messages_pass_through(shop, commerce, status):
    shop.refuse("Out_Of_Stock", "  没货了  ", status=status, route="/orders/{order_no}/address")
    with pytest.raises(CommerceError) as err:
        commerce.change_address("A1001", AddressData(name="x"))
    assert (err.value.code, err.value.message) == ("out_of_stock", "没货了")
    assert len(shop.seen("/orders/{order_no}/address")) == 1


def test_a_refusal_without_the_contract_body_is_unavailable(shop, commerce):
    # FastAPI's own validation error looks like {"detail": [...]}: not something the bot can explain.
    shop.fail(422, route="/orders/{order_no}/cancel")
    with pytest.raises(CommerceUnavailable):
        commerce.cancel_order("A1001", "x")


def test_a_refusal_coded_unavailable_is_unavailable(shop, commerce):
    shop.refuse("unavailable", "仓库系统维护中", route="/orders/{order_no}/urge")
    with pytest.raises(CommerceUnavailable) as err:
        commerce.urge_shipment("A1001")
    assert err.value.message == "仓库系统维护中"


def test_refusals_do_not_trip_the_breaker(shop, commerce):
    for _ in range(10):
        with pytest.raises(CommerceError):
            commerce.cancel_order("A1002", "x")
    assert not commerce.breaker.is_open and commerce.breaker.failures == 0


# --- order numbers are customer input ------------------------------------------------------------------------------


@pytest.mark.parametrize("order_no", [
    "../products", "../../admin", "a/b", "A 1001", "订单-１２３", "x?limit=1", "x#frag", "%2F..%2F", "a\\b",
    "..%2F", " .. ", "A1001/cancel", "tab\tnew\nline", "😀",
])
def test_odd_order_numbers_stay_one_path_segment(shop, commerce, order_no):
    assert commerce.get_order(order_no) is None
    seen = shop.requests[-1]
    assert seen.route == "/orders/{order_no}" and seen.order_no == order_no and seen.authorized
    shop.add_order(order_no, status="paid")
    assert commerce.get_order(order_no).order_no == order_no
    assert commerce.cancel_order(order_no, "x").status == "cancelled"
    assert shop.requests[-1].route == "/orders/{order_no}/cancel" and shop.requests[-1].order_no == order_no
    assert shop.orders["A1001"]["status"] == "paid"  # nothing else was touched


@pytest.mark.parametrize("order_no", ["", ".", "..", "...", "x" * 300])
def test_unusable_order_numbers_are_not_sent(shop, commerce, order_no):
    assert commerce.get_order(order_no) is None
    with pytest.raises(CommerceError) as err:
        commerce.cancel_order(order_no, "x")
    assert err.value.code == "not_found"
    with pytest.raises(CommerceError):
        commerce.shipments(order_no)
    assert shop.requests == []


# --- credentials -------------------------------------------------------------------------------------------------


def test_a_wrong_secret_is_unavailable_with_a_clear_message(shop, caplog):
    commerce = HttpCommerce(shop.base_url, "not-the-secret", timeout=2.0)
    with caplog.at_level(logging.ERROR, logger="kefu.commerce.http"), pytest.raises(CommerceAuthFailed) as err:
        commerce.get_order("A1001")
    assert isinstance(err.value, CommerceUnavailable) and err.value.code == "unavailable"
    assert err.value.status == 401 and "secret" in err.value.message
    assert "credentials rejected" in caplog.text and "not-the-secret" not in caplog.text
    assert len(shop.requests) == 1  # not retried: the same secret would fail again
    with pytest.raises(CommerceAuthFailed):
        commerce.cancel_order("A1001", "x")
    assert shop.orders["A1001"]["status"] == "paid"
    for _ in range(8):
        with pytest.raises(CommerceAuthFailed):
            commerce.get_order("A1001")
    # Another tenant on the same shop system with the right secret is not failed fast because of this one.
    assert not commerce.breaker.is_open
    assert HttpCommerce(shop.base_url, SECRET).get_order("A1001") is not None


def test_a_forged_signature_is_refused_by_the_shop(shop):
    ts = str(int(time.time()))
    headers = {"Authorization": f"Bearer {SECRET}", "X-Kefu-Timestamp": ts,
               "X-Kefu-Signature": sign(SECRET, ts, "POST", "/orders/A1001/cancel", b'{"reason":"a"}')}
    r = httpx.post(shop.base_url + "/orders/A1001/cancel", content=b'{"reason":"b"}', headers=headers)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert shop.orders["A1001"]["status"] == "paid"


# --- failures, timeouts and retries ----------------------------------------------------------------------------------


def test_a_slow_get_times_out_within_a_bounded_time(shop):
    shop.delay(3.0, times=None)
    commerce = HttpCommerce(shop.base_url, SECRET, timeout=0.5, retries=2)
    started = time.monotonic()
    with pytest.raises(CommerceUnavailable):
        commerce.get_order("A1001")
    assert time.monotonic() - started < 4.0
    assert len(shop.requests) == 3  # one try and two retries


def test_a_slow_post_times_out_without_a_retry(shop):
    shop.delay(3.0, times=None)
    commerce = HttpCommerce(shop.base_url, SECRET, timeout=0.5, retries=2)
    started = time.monotonic()
    with pytest.raises(CommerceUnavailable):
        commerce.cancel_order("A1001", "x")
    assert time.monotonic() - started < 2.5
    assert len(shop.requests) == 1
    # The abandoned cancel wakes up after the next test has seeded the shop again: it must not cancel that A1001.
    shop.reset()
    shop.seed()
    time.sleep(3.0)
    assert shop.orders["A1001"]["status"] == "paid"


def test_a_trickling_answer_is_abandoned(shop):
    shop.trickle(0.3, times=None)  # each piece within the read timeout, the whole far beyond it
    commerce = HttpCommerce(shop.base_url, SECRET, timeout=0.5, retries=0)
    started = time.monotonic()
    with pytest.raises(CommerceUnavailable):
        commerce.get_order("A1001")
    assert time.monotonic() - started < 2.5


def test_a_slow_answer_within_the_timeout_is_fine(shop):
    shop.delay(0.3)
    commerce = HttpCommerce(shop.base_url, SECRET, timeout=2.0)
    assert commerce.get_order("A1001").order_no == "A1001"


def test_get_retries_after_server_errors(shop, commerce):
    shop.fail(500, times=1)
    shop.fail(503, times=1)
    assert commerce.get_order("A1001").order_no == "A1001"
    assert len(shop.requests) == 3


def test_get_gives_up_after_its_retries(shop, caplog):
    shop.fail(502, times=None)
    commerce = HttpCommerce(shop.base_url, SECRET, timeout=2.0, retries=1)
    with caplog.at_level(logging.WARNING, logger="kefu.commerce.http"), pytest.raises(CommerceUnavailable):
        commerce.orders_for_customer("cust-1")
    assert len(shop.requests) == 2
    assert "attempt 2/2" in caplog.text and "HTTP 502" in caplog.text and SECRET not in caplog.text


@pytest.mark.parametrize("call", ["change_address", "cancel_order", "create_return", "urge_shipment"])
def test_posts_are_never_retried(shop, commerce, call):
    shop.fail(500, times=1)
    calls = {
        "change_address": lambda: commerce.change_address("A1001", AddressData(name="x")),
        "cancel_order": lambda: commerce.cancel_order("A1001", "x"),
        "create_return": lambda: commerce.create_return("A1003", kind="return", skus=[], reason="x"),
        "urge_shipment": lambda: commerce.urge_shipment("A1001"),
    }
    with pytest.raises(CommerceUnavailable):
        calls[call]()
    assert len(shop.requests) == 1
    calls[call]()  # the fault is used up: a person (or the bot, on the customer's next message) may try again
    assert len(shop.requests) == 2
    assert len({s.headers["idempotency-key"] for s in shop.requests}) == 2


@pytest.mark.parametrize("kind", ["html", "shape", "truncated"])
def test_garbage_answers_are_unavailable(shop, commerce, kind):
    shop.garbage(kind, times=None)
    with pytest.raises(CommerceUnavailable):
        commerce.get_order("A1001")
    with pytest.raises(CommerceUnavailable):
        commerce.orders_for_customer("cust-1")
    with pytest.raises(CommerceUnavailable):
        commerce.products()
    with pytest.raises(CommerceUnavailable):
        commerce.urge_shipment("A1001")
    assert len(shop.requests) == 4  # a malformed answer is not a hiccup: no retry


def test_an_unexpected_status_is_unavailable(shop, commerce):
    shop.fail(400, route="/products")
    with pytest.raises(CommerceUnavailable):
        commerce.products()
    assert len(shop.requests) == 1


def test_a_missing_list_endpoint_is_unavailable_not_empty(shop, commerce):
    shop.refuse("not_found", status=404, route="/orders")
    with pytest.raises(CommerceUnavailable):
        commerce.orders_for_customer("cust-1")


def test_connection_refused_is_unavailable_quickly():
    commerce = HttpCommerce(closed_port_url(), SECRET, timeout=1.0, retries=2)
    started = time.monotonic()
    with pytest.raises(CommerceUnavailable):
        commerce.products()
    with pytest.raises(CommerceUnavailable):
        commerce.cancel_order("A1", "x")
    assert time.monotonic() - started < 5.0


def test_calls_from_many_threads(shop, commerce):
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for _ in range(5):
                assert commerce.get_order("A1001").order_no == "A1001"
                assert len(commerce.orders_for_customer("cust-1", limit=2)) == 2
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert len(shop.requests) == 60


# --- the circuit breaker ----------------------------------------------------------------------------------------------


def test_breaker_opens_fails_fast_and_closes_after_a_good_trial(shop):
    commerce = HttpCommerce(shop.base_url, SECRET, timeout=2.0, retries=0)
    commerce.breaker.threshold, commerce.breaker.cooldown = 3, 0.5
    shop.fail(500, times=3)
    for _ in range(3):
        with pytest.raises(CommerceUnavailable):
            commerce.get_order("A1001")
    assert commerce.breaker.is_open
    with pytest.raises(CommerceUnavailable) as err:
        commerce.get_order("A1001")
    assert "few seconds" in err.value.message
    with pytest.raises(CommerceUnavailable):
        commerce.cancel_order("A1001", "x")
    assert len(shop.requests) == 3  # failed fast: nothing reached the shop
    # The same shop system seen through another connector instance is failing fast too.
    with pytest.raises(CommerceUnavailable):
        HttpCommerce(shop.base_url, SECRET).products()
    assert len(shop.requests) == 3
    time.sleep(0.6)
    assert commerce.get_order("A1001").order_no == "A1001"  # the trial call
    assert not commerce.breaker.is_open
    assert commerce.urge_shipment("A1001").urge_count == 1


def test_breaker_reopens_when_the_trial_fails(shop):
    commerce = HttpCommerce(shop.base_url, SECRET, timeout=2.0, retries=0)
    commerce.breaker.threshold, commerce.breaker.cooldown = 2, 0.3
    shop.garbage("html", times=None)
    for _ in range(2):
        with pytest.raises(CommerceUnavailable):
            commerce.products()
    time.sleep(0.4)
    with pytest.raises(CommerceUnavailable):
        commerce.products()  # the trial reaches the shop and fails
    assert len(shop.requests) == 3 and commerce.breaker.is_open
    with pytest.raises(CommerceUnavailable):
        commerce.products()
    assert len(shop.requests) == 3


def test_a_retried_get_counts_once(shop):
    commerce = HttpCommerce(shop.base_url, SECRET, timeout=2.0, retries=2)
    shop.fail(500, times=3)
    with pytest.raises(CommerceUnavailable):
        commerce.get_order("A1001")
    assert commerce.breaker.failures == 1
    assert commerce.get_order("A1001") is not None
    assert commerce.breaker.failures == 0


def test_breakers_are_per_base_url(shop):
    dead = HttpCommerce(closed_port_url(), SECRET, timeout=1.0, retries=0)
    for _ in range(dead.breaker.threshold):
        with pytest.raises(CommerceUnavailable):
            dead.products()
    assert dead.breaker.is_open
    assert breaker_for(dead.base_url + "/") is dead.breaker
    assert HttpCommerce(shop.base_url, SECRET).breaker is not dead.breaker
    assert HttpCommerce(shop.base_url, SECRET).products()


def test_breaker_lets_one_trial_through_per_cooldown():
    now = [100.0]
    breaker = CircuitBreaker(threshold=2, cooldown=5.0, clock=lambda: now[0])
    breaker.failed()
    assert breaker.allow() and not breaker.is_open
    breaker.failed()
    assert breaker.is_open and not breaker.allow()
    now[0] += 4.9
    assert not breaker.allow()
    now[0] += 0.2
    assert breaker.allow()  # the trial
    assert not breaker.allow()  # only one at a time
    breaker.failed()
    assert breaker.is_open and not breaker.allow()
    now[0] += 5.0
    assert breaker.allow()
    breaker.succeeded()
    assert not breaker.is_open and breaker.allow() and breaker.allow()
    breaker.failed()
    assert not breaker.is_open  # the count started again


def test_an_injected_client_is_used_and_left_open(shop):
    client = httpx.Client()
    with HttpCommerce(shop.base_url, SECRET, client=client) as commerce:
        assert commerce.get_order("A1001") is not None
    assert not client.is_closed
    client.close()


def test_base_url_must_be_http_and_the_secret_ascii():
    with pytest.raises(ValueError):
        HttpCommerce("ftp://shop.example", SECRET)
    for secret in ("", "有中文", "with space"):
        with pytest.raises(ValueError):
            HttpCommerce("https://shop.example", secret)


def test_timestamps_are_current(shop, commerce):
    commerce.get_order("A1001")
    sent = int(shop.requests[-1].headers["x-kefu-timestamp"])
    assert abs(sent - dt.datetime.now(dt.UTC).timestamp()) < 60
