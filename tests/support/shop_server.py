"""Play a shop's own order system for tests: the commerce contract served live by uvicorn on 127.0.0.1.

    with FakeShop(secret="s3cret") as shop:
        shop.seed()
        commerce = HttpCommerce(shop.base_url, "s3cret")
        shop.fail(500, times=2)               # the next two requests answer 500
        shop.delay(2.0, route="/orders/{order_no}/cancel")
        shop.refuse("already_shipped", route="/orders/{order_no}/address")
        shop.garbage("html")                  # 200 with an HTML page instead of JSON
        shop.trickle(0.3)                     # 200, but the body arrives piece by piece

Data lives in plain dicts (`orders`, `shipments`, `returns`, `products`) that tests may change directly.
Every request is recorded in `requests`, faults included. Requests are authenticated the way
docs/commerce-contract.md tells a shop to: bearer token plus HMAC signature over the raw request target,
written here independently of kefu's own signing code so a mistake on one side shows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import secrets as _secrets
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote

import uvicorn
from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel

from kefu.commerce.interface import AddressData, OrderData, ProductData, ReturnData, ShipmentData

UNSHIPPED = ("pending_payment", "paid")
ORDER_ROUTE = "/orders/{order_no}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Seen:
    """One request as the shop received it."""

    method: str
    target: str  # raw path + query, as on the request line (prefix removed)
    route: str  # e.g. "/orders/{order_no}/cancel" or "/products"
    order_no: str | None
    headers: dict[str, str]
    body: bytes
    authorized: bool = False


@dataclass
class Fault:
    """Injected behaviour for the next `times` matching requests (None: every one)."""

    kind: Literal["delay", "status", "garbage", "refuse", "trickle"]
    times: int | None = 1
    method: str | None = None
    route: str | None = None
    seconds: float = 0.0
    status: int = 500
    garbage: str = "html"
    code: str = ""
    message: str = ""

    def matches(self, method: str, route: str) -> bool:
        return (self.method is None or self.method == method) and (self.route is None or self.route == route)


class _Cancel(BaseModel):
    reason: str = ""


class _NewReturn(BaseModel):
    kind: Literal["return", "refund", "exchange"]
    skus: list[str] = []
    reason: str = ""


class Refusal(Exception):
    def __init__(self, code: str, message: str = "", status: int = 409) -> None:
        super().__init__(message or code)
        self.code, self.message, self.status = code, message or code, status


def error_response(code: str, message: str = "", status: int = 409) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message or code}}, status_code=status)


class FakeShop:
    """An in-memory order system speaking the commerce contract, live on a free port in a background thread."""

    def __init__(self, secret: str = "shop-secret", *, prefix: str = "", return_days: int = 7,
                 ship_within_hours: int = 48) -> None:
        self.secret = secret
        self.prefix = prefix.rstrip("/")
        self.return_days = return_days
        self.ship_within_hours = ship_within_hours
        self.port = 0
        self.base_url = ""
        self.orders: dict[str, dict[str, Any]] = {}
        self.shipments: dict[str, list[dict[str, Any]]] = {}
        self.returns: list[dict[str, Any]] = []
        self.products: list[dict[str, Any]] = []
        self.requests: list[Seen] = []
        self.generation = 0  # moves on every reset
        self.faults: list[Fault] = []
        self.now: Callable[[], dt.datetime] = utcnow
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.app = self._make_app()

    # --- lifecycle

    def start(self, timeout: float = 10.0) -> FakeShop:
        """Serve on a free port of 127.0.0.1 and wait until it answers."""
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}{self.prefix}"
        config = uvicorn.Config(self._asgi, interface="asgi3", log_level="warning", lifespan="off", access_log=False,
                                proxy_headers=False,
                                timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True,
                                        name=f"fake-shop-{self.port}")
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake shop server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._server = self._thread = None

    def __enter__(self) -> FakeShop:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- data

    def reset(self) -> None:
        """Forget all data, faults and recorded requests."""
        with self._lock:
            self.orders.clear()
            self.shipments.clear()
            self.returns.clear()
            self.products.clear()
            self.requests.clear()
            self.faults.clear()
            # A request still sleeping in a delay fault belongs to the test before: it must not touch what the
            # next test seeds (a delayed cancel of A1001 landing seconds later on a fresh A1001).
            self.generation += 1
        self.now = utcnow

    def add_order(self, order_no: str, *, customer_ref: str | None = "cust-1", status: str = "paid",
                  items: list[dict[str, Any]] | None = None, created_at: dt.datetime | None = None,
                  **fields: Any) -> dict[str, Any]:
        """Add an order; timestamps that fit `status` are filled in unless given."""
        now = self.now()
        created = created_at or now - dt.timedelta(days=1)
        items = items if items is not None else [
            {"sku": "TEE-BLK-L", "name": "纯棉T恤 黑色 L", "quantity": 1, "unit_price_cents": 9900}]
        order: dict[str, Any] = {
            "order_no": order_no, "customer_ref": customer_ref, "status": status, "items": items,
            "total_cents": sum(i.get("quantity", 1) * i.get("unit_price_cents", 0) for i in items),
            "address": {"name": "张三", "phone": "13800000000", "province": "浙江省", "city": "杭州市",
                        "district": "西湖区", "detail": "文三路 1 号"},
            "payment_method": "alipay", "paid_at": None, "shipped_at": None, "delivered_at": None,
            "cancelled_at": None, "expected_ship_by": None, "urge_count": 0, "created_at": created,
        }
        if status != "pending_payment":
            order["paid_at"] = created + dt.timedelta(minutes=5)
        if status in ("shipped", "delivered", "completed"):
            order["shipped_at"] = created + dt.timedelta(hours=20)
        if status in ("delivered", "completed"):
            order["delivered_at"] = min(now, created + dt.timedelta(days=2))
        if status == "cancelled":
            order["cancelled_at"] = created + dt.timedelta(hours=1)
        order.update(fields)
        OrderData.model_validate(order)  # a typo in a test's fields fails here, not in the connector
        with self._lock:
            self.orders[order_no] = order
        return order

    def add_shipment(self, order_no: str, *, carrier: str = "顺丰速运", tracking_no: str | None = None,
                     status: str = "in_transit", events: list[dict[str, Any]] | None = None,
                     **fields: Any) -> dict[str, Any]:
        now = self.now()
        shipment = {"carrier": carrier, "tracking_no": tracking_no or "SF" + _secrets.token_hex(5).upper(),
                    "status": status, "events": events if events is not None else [
                        {"time": now - dt.timedelta(hours=20), "location": "杭州", "description": "已揽收"},
                        {"time": now - dt.timedelta(hours=3), "location": "上海", "description": "运输中"}],
                    "expected_delivery": now + dt.timedelta(days=1), **fields}
        ShipmentData.model_validate(shipment)
        with self._lock:
            self.shipments.setdefault(order_no, []).append(shipment)
        return shipment

    def add_product(self, sku: str, name: str, **fields: Any) -> dict[str, Any]:
        product = {"sku": sku, "name": name, "attributes": {}, "price_cents": 0, "stock": 0, "category": "",
                   "tags": [], "image_url": None, **fields}
        ProductData.model_validate(product)
        with self._lock:
            self.products.append(product)
        return product

    def seed(self, customer_ref: str = "cust-1") -> None:
        """Add a small shop: orders in every state for one customer, a parcel, and a few products."""
        now = self.now()
        self.add_order("A1001", customer_ref=customer_ref, status="paid", created_at=now - dt.timedelta(hours=5))
        self.add_order("A1002", customer_ref=customer_ref, status="shipped", created_at=now - dt.timedelta(days=2))
        self.add_shipment("A1002", tracking_no="SF1002")
        self.add_order("A1003", customer_ref=customer_ref, status="delivered",
                       created_at=now - dt.timedelta(days=4), delivered_at=now - dt.timedelta(days=1))
        self.add_shipment("A1003", tracking_no="SF1003", status="delivered")
        self.add_order("A1004", customer_ref=customer_ref, status="cancelled", created_at=now - dt.timedelta(days=6))
        self.add_order("A1005", customer_ref=customer_ref, status="delivered",
                       created_at=now - dt.timedelta(days=40), delivered_at=now - dt.timedelta(days=30))
        self.add_order("A1006", customer_ref=customer_ref, status="pending_payment",
                       created_at=now - dt.timedelta(days=8))
        self.add_order("B2001", customer_ref="someone-else", status="paid")
        self.add_product("TEE-BLK-L", "纯棉T恤 黑色 L", attributes={"颜色": "黑", "尺码": "L"}, price_cents=9900,
                         stock=20, category="服装/T恤", tags=["纯棉", "夏季"])
        self.add_product("TEE-WHT-M", "纯棉T恤 白色 M", attributes={"颜色": "白", "尺码": "M"}, price_cents=9900,
                         stock=0, category="服装/T恤", tags=["纯棉"])
        self.add_product("MUG-01", "陶瓷马克杯", price_cents=3900, stock=100, category="家居", tags=["礼物"])

    # --- behaviour

    def delay(self, seconds: float, *, times: int | None = 1, method: str | None = None,
              route: str | None = None) -> None:
        """Sleep before answering the next matching requests (the answer itself is normal)."""
        self._add(Fault("delay", times, method, route, seconds=seconds))

    def fail(self, status: int = 500, *, times: int | None = 1, method: str | None = None,
             route: str | None = None) -> None:
        """Answer the next matching requests with `status` and a short text body."""
        self._add(Fault("status", times, method, route, status=status))

    def garbage(self, kind: Literal["html", "shape", "truncated"] = "html", *, times: int | None = 1,
                method: str | None = None, route: str | None = None) -> None:
        """Answer 200 with an HTML page, JSON of the wrong shape, or cut-off JSON."""
        self._add(Fault("garbage", times, method, route, garbage=kind))

    def refuse(self, code: str, message: str = "", *, status: int = 409, times: int | None = 1,
               method: str | None = None, route: str | None = None) -> None:
        """Refuse the next matching requests with the contract's error body."""
        self._add(Fault("refuse", times, method, route, status=status, code=code, message=message))

    def trickle(self, interval: float, *, times: int | None = 1, method: str | None = None,
                route: str | None = None) -> None:
        """Answer 200 but send the body in ten small pieces, `interval` seconds apart."""
        self._add(Fault("trickle", times, method, route, seconds=interval))

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def seen(self, route: str | None = None, method: str | None = None) -> list[Seen]:
        """Return the recorded requests, optionally only those of one route and method."""
        with self._lock:
            return [s for s in self.requests
                    if (route is None or s.route == route) and (method is None or s.method == method)]

    def _add(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def _take_faults(self, method: str, route: str) -> list[Fault]:
        """Return the faults that apply to this request (at most one of each kind), using them up."""
        taken: list[Fault] = []
        with self._lock:
            for fault in list(self.faults):
                if fault.matches(method, route) and all(t.kind != fault.kind for t in taken):
                    taken.append(fault)
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
        return taken

    # --- authentication, as docs/commerce-contract.md describes it to shops

    def authorized(self, method: str, target: str, headers: dict[str, str], body: bytes) -> bool:
        if not hmac.compare_digest(headers.get("authorization", ""), f"Bearer {self.secret}"):
            return False
        timestamp = headers.get("x-kefu-timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return False
        message = f"{timestamp}\n{method}\n{target}\n".encode() + body
        expected = hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, headers.get("x-kefu-signature", ""))

    # --- the ASGI front: record, authenticate, inject faults, and route on the raw path

    async def _asgi(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        method = scope["method"]
        # The raw target, not scope["path"]: the decoded path loses the difference between "/" and "%2F".
        raw_path = scope["raw_path"].decode("latin-1")
        query = scope["query_string"].decode("latin-1")
        full_target = raw_path + ("?" + query if query else "")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = raw_path
        if self.prefix:
            path = raw_path[len(self.prefix):] if raw_path.startswith(self.prefix + "/") else "/-outside-prefix"
        parts = path.split("/")
        order_no = None
        if len(parts) >= 3 and parts[1] == "orders":
            order_no = unquote(parts[2])
            rest = "/".join(parts[3:])
            route = ORDER_ROUTE + ("/" + rest if rest else "")
            inner_path = "/orders/_" + ("/" + rest if rest else "")
        else:
            route = inner_path = unquote(path)
        seen = Seen(method, full_target, route, order_no, headers, body)
        with self._lock:
            self.requests.append(seen)
        if not self.authorized(method, full_target, headers, body):
            await error_response("unauthorized", "bad credentials or signature", 401)(scope, receive, send)
            return
        seen.authorized = True
        for fault in self._take_faults(method, route):
            if fault.kind == "delay":
                generation = self.generation
                await asyncio.sleep(fault.seconds)
                if generation != self.generation:  # the shop was reset meanwhile: the caller is long gone
                    await error_response("unavailable", "reset while delayed", 503)(scope, receive, send)
                    return
                continue
            await self._fault_response(fault)(scope, receive, send)
            return
        delivered = False

        async def replay() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        inner = dict(scope, path=inner_path, raw_path=inner_path.encode(), root_path="")
        inner["kefu.order_no"] = order_no
        await self.app(inner, replay, send)

    @staticmethod
    def _fault_response(fault: Fault) -> Response:
        if fault.kind == "refuse":
            return error_response(fault.code, fault.message, fault.status)
        if fault.kind == "trickle":
            async def pieces() -> AsyncIterator[bytes]:
                body = b'{"order_no": "A1001", "status": "paid", "created_at": "2024-01-01T00:00:00Z"}'
                step = len(body) // 10 + 1
                for i in range(0, len(body), step):
                    yield body[i:i + step]
                    await asyncio.sleep(fault.seconds)

            return StreamingResponse(pieces(), media_type="application/json")
        if fault.kind == "status":
            return Response(f"injected HTTP {fault.status}", status_code=fault.status, media_type="text/plain")
        if fault.garbage == "shape":
            return JSONResponse({"unexpected": True, "orders": "not a list", "order_no": 42})
        if fault.garbage == "truncated":
            return Response('{"order_no": "A1001", "status": "pa', media_type="application/json")
        return Response("<html><body>502 Bad Gateway</body></html>", media_type="text/html")

    # --- the order system

    def _make_app(self) -> FastAPI:
        app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        shop = self

        @app.exception_handler(Refusal)
        async def refused(request: Request, exc: Refusal) -> JSONResponse:
            return error_response(exc.code, exc.message, exc.status)

        def order_of(request: Request) -> dict[str, Any]:
            order = shop.orders.get(request.scope["kefu.order_no"])
            if order is None:
                raise Refusal("not_found", "order not found", 404)
            return order

        def out(order: dict[str, Any]) -> dict[str, Any]:
            return OrderData.model_validate(order).model_dump(mode="json")

        def unshipped(order: dict[str, Any]) -> None:
            if order["status"] == "cancelled":
                raise Refusal("cancelled", "the order was cancelled")
            if order["status"] not in UNSHIPPED:
                raise Refusal("already_shipped", "the order has already shipped")

        @app.get("/orders")
        def list_orders(customer_ref: str, limit: int = 5) -> dict[str, Any]:
            mine = [o for o in shop.orders.values() if o["customer_ref"] == customer_ref]
            mine.sort(key=lambda o: o["created_at"], reverse=True)
            return {"orders": [out(o) for o in mine[:limit]]}

        @app.get("/orders/_")
        def get_order(request: Request) -> dict[str, Any]:
            return out(order_of(request))

        @app.get("/orders/_/shipments")
        def shipments(request: Request) -> dict[str, Any]:
            order = order_of(request)
            rows = shop.shipments.get(order["order_no"], [])
            return {"shipments": [ShipmentData.model_validate(s).model_dump(mode="json") for s in rows]}

        @app.post("/orders/_/address")
        def change_address(request: Request, address: AddressData) -> dict[str, Any]:
            order = order_of(request)
            unshipped(order)
            order["address"] = address.model_dump()
            return out(order)

        @app.post("/orders/_/cancel")
        def cancel(request: Request, payload: _Cancel) -> dict[str, Any]:
            order = order_of(request)
            unshipped(order)
            order["status"] = "cancelled"
            order["cancelled_at"] = shop.now()
            order["cancel_reason"] = payload.reason
            return out(order)

        @app.post("/orders/_/returns", status_code=201)
        def create_return(request: Request, payload: _NewReturn) -> dict[str, Any]:
            order = order_of(request)
            status, kind = order["status"], payload.kind
            if status == "cancelled":
                raise Refusal("cancelled", "the order was cancelled")
            if status in UNSHIPPED and kind != "refund":
                raise Refusal("not_shipped", "nothing to return yet; cancel the order instead")
            if status == "shipped" and kind != "refund":
                raise Refusal("not_delivered", "the parcel has not been delivered yet")
            delivered = order["delivered_at"]
            if delivered and shop.now() - delivered > dt.timedelta(days=shop.return_days):
                raise Refusal("window_passed", f"returns are accepted within {shop.return_days} days")
            known = {i["sku"] for i in order["items"]}
            unknown = [s for s in payload.skus if s not in known]
            if unknown:
                raise Refusal("unknown_item", f"not in this order: {', '.join(unknown)}", 422)
            for r in shop.returns:
                if r["order_no"] == order["order_no"] and r["status"] in ("requested", "approved"):
                    raise Refusal("already_requested", f"request {r['return_no']} is already open")
            req = {"return_no": "R" + _secrets.token_hex(5).upper(), "order_no": order["order_no"], "kind": kind,
                   "skus": payload.skus or sorted(known), "reason": payload.reason, "status": "requested",
                   "created_at": shop.now()}
            shop.returns.append(req)
            return ReturnData.model_validate(req).model_dump(mode="json")

        @app.post("/orders/_/urge")
        def urge(request: Request, payload: dict[str, Any] = Body(default_factory=dict)) -> dict[str, Any]:
            order = order_of(request)
            if order["status"] != "paid":
                raise Refusal("not_waiting", f"the order is {order['status']}")
            order["urge_count"] += 1
            if order["expected_ship_by"] is None:
                order["expected_ship_by"] = (order["paid_at"] or order["created_at"]) + dt.timedelta(
                    hours=shop.ship_within_hours)
            return out(order)

        @app.get("/products")
        def products(q: str = "", limit: int = 20) -> dict[str, Any]:
            def hit(p: dict[str, Any]) -> bool:
                return not q or q == p["sku"] or q in p["name"] or q in p["category"] or any(q in t for t in p["tags"])

            return {"products": [ProductData.model_validate(p).model_dump(mode="json")
                                 for p in shop.products if hit(p)][:limit]}

        @app.get("/products/{sku}")
        def product(sku: str) -> Any:
            for p in shop.products:
                if sku == p["sku"] or sku in {v["sku"] for v in p.get("variants", [])}:
                    return ProductData.model_validate(p).model_dump(mode="json")
            return JSONResponse({"error": {"code": "not_found", "message": "no such product"}}, status_code=404)

        return app

