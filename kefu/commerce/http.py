"""Call a shop's own order system over the JSON contract in docs/commerce-contract.md.

Every request is signed (`X-Kefu-Signature`, an HMAC-SHA256 over timestamp, method, path and body) and carries
the shared secret as a bearer token. Refusals (409/422 with an error code) become `CommerceError`; anything
that leaves the bot without a usable answer (timeouts, refused connections, 5xx, malformed bodies, rejected
credentials) becomes `CommerceUnavailable`, so the bot can apologise and hand over to a person.

Only GETs are retried. A process-wide circuit breaker per base URL makes calls fail fast for a few seconds
after several consecutive failures, so a shop whose system is down does not hold every chat for the timeout.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Literal, TypeVar, overload
from urllib.parse import quote, urlencode

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kefu.commerce.interface import (
    AddressData,
    CommerceError,
    CommerceUnavailable,
    OrderData,
    ProductData,
    ReturnData,
    ReturnKind,
    ShipmentData,
)

log = logging.getLogger(__name__)

# Pauses before the 1st, 2nd, … retry of a GET; later retries reuse the last value.
BACKOFF = (0.1, 0.3)
# A signed request older or newer than this is refused by `verify_signature` (replay protection).
SIGNATURE_TOLERANCE = 300
# Bigger answers are a broken or hostile shop system, not an order list.
MAX_BODY_BYTES = 2 * 1024 * 1024
# The circuit opens after this many consecutive failed calls and stays open this many seconds.
BREAKER_THRESHOLD = 5
BREAKER_COOLDOWN = 5.0
# Order numbers longer than this are not looked up: no shop uses them, and they only bloat URLs.
MAX_ORDER_NO = 256
USER_AGENT = "kefu-commerce/1"
PRODUCT_SECONDS = 30.0

_ERROR_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


# --- signing ------------------------------------------------------------------------------------------------


def _bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def sign(secret: str, timestamp: str, method: str, path: str, body: bytes | str = b"") -> str:
    """Return the hex HMAC-SHA256 of `timestamp\\nMETHOD\\npath_with_query\\nbody` under the shared secret."""
    message = b"\n".join((_bytes(timestamp), method.upper().encode("ascii"), _bytes(path), _bytes(body)))
    return hmac.new(_bytes(secret), message, hashlib.sha256).hexdigest()


def verify_signature(secret: str, timestamp: str, method: str, path: str, body: bytes | str, signature: str,
                     *, now: float | None = None, tolerance: int = SIGNATURE_TOLERANCE) -> bool:
    """Tell whether a request really comes from kefu: the signature matches and the timestamp is recent.

    `path` is the request target exactly as received (raw, still percent-encoded path plus `?query`),
    `body` the raw request body (empty for GET).
    """
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - sent_at) > tolerance:
        return False
    expected = sign(secret, timestamp, method, path, body)
    return hmac.compare_digest(expected, (signature or "").strip().lower())


# --- circuit breaker ------------------------------------------------------------------------------------------


class CircuitBreaker:
    """Fail fast after `threshold` consecutive failed calls; after `cooldown` seconds let one trial call through."""

    def __init__(self, threshold: int = BREAKER_THRESHOLD, cooldown: float = BREAKER_COOLDOWN,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self.clock = clock
        self.failures = 0
        self.opened_at: float | None = None
        self._trial = False
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self.opened_at is not None

    def allow(self) -> bool:
        """Return whether a call may go out now; while open, only one trial call per cooldown passes."""
        with self._lock:
            if self.opened_at is None:
                return True
            if not self._trial and self.clock() - self.opened_at >= self.cooldown:
                self._trial = True
                return True
            return False

    def succeeded(self) -> None:
        """Record that the shop's system answered: close the circuit."""
        with self._lock:
            if self.opened_at is not None:
                log.info("commerce circuit closed again after %d failures", self.failures)
            self.failures = 0
            self.opened_at = None
            self._trial = False

    def failed(self) -> None:
        """Record a failed call; open (or re-open) the circuit at the threshold."""
        with self._lock:
            self.failures += 1
            self._trial = False
            if self.failures >= self.threshold:
                if self.opened_at is None:
                    log.warning("commerce circuit opened after %d consecutive failures; failing fast for %.0fs",
                                self.failures, self.cooldown)
                self.opened_at = self.clock()

    def reset(self) -> None:
        """Forget all failures."""
        with self._lock:
            self.failures = 0
            self.opened_at = None
            self._trial = False


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(base_url: str) -> CircuitBreaker:
    """Return the process-wide circuit breaker of one shop system (keyed by its base URL)."""
    key = base_url.rstrip("/").lower()
    with _breakers_lock:
        breaker = _breakers.get(key)
        if breaker is None:
            breaker = _breakers[key] = CircuitBreaker()
        return breaker


def reset_breakers() -> None:
    """Forget every breaker's state (tests, or after an operator fixed the shop's system)."""
    with _breakers_lock:
        _breakers.clear()


# --- wire shapes ----------------------------------------------------------------------------------------------


class _Orders(BaseModel):
    model_config = ConfigDict(extra="ignore")
    orders: list[OrderData]


class _Shipments(BaseModel):
    model_config = ConfigDict(extra="ignore")
    shipments: list[ShipmentData]


class _Products(BaseModel):
    model_config = ConfigDict(extra="ignore")
    products: list[ProductData]


class _ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="ignore")
    code: str = Field(max_length=64)
    message: str = ""

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        v = v.strip().lower()
        if not _ERROR_CODE.match(v):
            raise ValueError("error code must be lower_snake_case")
        return v

    @field_validator("message")
    @classmethod
    def _message(cls, v: str) -> str:
        return v.strip()[:500]


class _ErrorBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    error: _ErrorDetail


M = TypeVar("M", bound=BaseModel)


class CommerceAuthFailed(CommerceUnavailable):
    """The shop's system refused kefu's credentials (401/403): the secret on one side is wrong."""

    def __init__(self, status: int) -> None:
        super().__init__(f"the shop's order system rejected kefu's credentials (HTTP {status}); "
                         "check that both sides use the same shared secret")
        self.status = status


class _Unavailable(Exception):
    """One failed attempt: may a GET try again, does the breaker count it, and what the caller then sees."""

    def __init__(self, reason: str, *, retry: bool, counts: bool = True,
                 error: CommerceUnavailable | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
        self.counts = counts
        self.error = error


# --- the connector --------------------------------------------------------------------------------------------


def _segment(order_no: str) -> str:
    # safe="" also encodes "/", "?", "#" and "%", so customer input stays one path segment.
    return quote(order_no, safe="")


def _usable_order_no(order_no: str) -> bool:
    # "" would address /orders itself; "." and ".." are dot segments that URL normalisation (httpx, proxies) resolves.
    return bool(order_no) and len(order_no) <= MAX_ORDER_NO and order_no.strip(".") != ""


class HttpCommerce:
    """The `Commerce` calls answered by a shop's own order system over HTTP; safe to share between threads."""

    def __init__(self, base_url: str, secret: str, *, timeout: float = 3.0, retries: int = 2,
                 client: httpx.Client | None = None) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("base_url must be an http(s) URL")
        # The secret travels in the Authorization header, which only carries visible ASCII.
        if not secret or not all("!" <= ch <= "~" for ch in secret):
            raise ValueError("secret must be non-empty printable ASCII without spaces")
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.timeout = float(timeout)
        self.retries = max(0, int(retries))
        self.breaker = breaker_for(self.base_url)
        self._own_client = client is None
        # Redirects are not followed: the contract has none, and following one could leak the bearer token.
        self._client = client or httpx.Client(timeout=self.timeout, follow_redirects=False)
        # Price and stock are read live at answer time but kept briefly: one question often takes a few reads.
        self._product_cache: dict[str, tuple[float, ProductData | None]] = {}

    def close(self) -> None:
        """Close the connection pool, unless the caller passed in its own client."""
        if self._own_client:
            self._client.close()

    def __enter__(self) -> HttpCommerce:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the Commerce calls

    def orders_for_customer(self, customer_ref: str, *, limit: int = 5) -> list[OrderData]:
        """Return the customer's most recent orders, newest first."""
        answer = self._call("GET", "/orders", _Orders, query={"customer_ref": customer_ref, "limit": _clamp(limit)})
        return answer.orders

    def get_order(self, order_no: str) -> OrderData | None:
        """Return one order, or None if the shop has no such order."""
        if not _usable_order_no(order_no):
            return None
        return self._call("GET", f"/orders/{_segment(order_no)}", OrderData, on_404="none")

    def shipments(self, order_no: str) -> list[ShipmentData]:
        """Return the order's parcels with tracking events; refuses with `not_found` for an unknown order."""
        self._require(order_no)
        return self._call("GET", f"/orders/{_segment(order_no)}/shipments", _Shipments,
                          on_404="not_found").shipments

    def change_address(self, order_no: str, address: AddressData) -> OrderData:
        """Ask the shop to change the delivery address; it refuses once the order has shipped."""
        return self._change(order_no, "address", address.model_dump(mode="json"), OrderData)

    def cancel_order(self, order_no: str, reason: str) -> OrderData:
        """Ask the shop to cancel an order that has not shipped."""
        return self._change(order_no, "cancel", {"reason": reason}, OrderData)

    def create_return(self, order_no: str, *, kind: ReturnKind, skus: list[str], reason: str) -> ReturnData:
        """Open a return/refund/exchange request with the shop."""
        return self._change(order_no, "returns", {"kind": kind, "skus": list(skus), "reason": reason}, ReturnData)

    def urge_shipment(self, order_no: str) -> OrderData:
        """Tell the shop the customer asked to hurry the order."""
        return self._change(order_no, "urge", {}, OrderData)

    def products(self, *, query: str = "", limit: int = 20) -> list[ProductData]:
        """Return the shop's products matching query (all when empty)."""
        return self._call("GET", "/products", _Products, query={"q": query, "limit": _clamp(limit)}).products

    def get_product(self, sku: str) -> ProductData | None:
        """Return one product with its variants (live price and stock, kept PRODUCT_SECONDS), or None."""
        if not _usable_order_no(sku):
            return None
        hit = self._product_cache.get(sku)
        if hit and time.monotonic() - hit[0] < PRODUCT_SECONDS:
            return hit[1]
        product = self._call("GET", f"/products/{_segment(sku)}", ProductData, on_404="none")
        if product is None:
            # A system that predates this call (404 on every SKU) still answers the search by exact SKU.
            product = next((p for p in self.products(query=sku, limit=5) if p.sku == sku), None)
        self._product_cache[sku] = (time.monotonic(), product)
        return product

    # --- plumbing

    @staticmethod
    def _require(order_no: str) -> None:
        if not _usable_order_no(order_no):
            raise CommerceError("not_found", "order not found")

    def _change(self, order_no: str, action: str, payload: dict[str, Any], shape: type[M]) -> M:
        self._require(order_no)
        return self._call("POST", f"/orders/{_segment(order_no)}/{action}", shape, payload=payload,
                          on_404="not_found")

    @overload
    def _call(self, method: str, path: str, shape: type[M], *, query: dict[str, Any] | None = None,
              payload: dict[str, Any] | None = None, on_404: Literal["not_found", "unavailable"] = ...) -> M: ...

    @overload
    def _call(self, method: str, path: str, shape: type[M], *, query: dict[str, Any] | None = None,
              payload: dict[str, Any] | None = None, on_404: Literal["none"]) -> M | None: ...

    def _call(self, method: str, path: str, shape: type[M], *, query: dict[str, Any] | None = None,
              payload: dict[str, Any] | None = None, on_404: str = "unavailable") -> M | None:
        """Send one call (retrying GETs) and return its answer in `shape`.

        Refusals raise CommerceError; anything else that is not a usable answer raises CommerceUnavailable.
        """
        if not self.breaker.allow():
            raise CommerceUnavailable("the shop's order system keeps failing; not calling it for a few seconds")
        attempts = 1 + self.retries if method == "GET" else 1
        target = path + ("?" + urlencode(query, quote_via=quote) if query else "")
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False,
                                                      separators=(",", ":")).encode("utf-8")
        failure: _Unavailable | None = None
        for attempt in range(1, attempts + 1):
            try:
                status, answer = self._attempt(method, target, body)
                result = self._judge(status, answer, shape, on_404)
            except _Unavailable as exc:
                failure = exc
                log.warning("commerce %s %s %s failed (attempt %d/%d): %s", self.base_url, method, path,
                            attempt, attempts, exc.reason)
                if not exc.retry or attempt == attempts:
                    break
                time.sleep(BACKOFF[min(attempt - 1, len(BACKOFF) - 1)])
            except CommerceError:
                # A refusal is a healthy answer as far as the breaker is concerned.
                self.breaker.succeeded()
                raise
            except Exception:
                # Keeps a half-open breaker from waiting forever for a trial that died of a bug.
                self.breaker.failed()
                raise
            else:
                self.breaker.succeeded()
                return result
        assert failure is not None
        # The breaker hears about the call once, whatever its number of attempts.
        if failure.counts:
            self.breaker.failed()
        else:
            self.breaker.succeeded()
        raise failure.error or CommerceUnavailable()

    def _attempt(self, method: str, target: str, body: bytes) -> tuple[int, bytes]:
        """Send one request and read its body within the time budget of one attempt."""
        headers = {
            "Authorization": f"Bearer {self.secret}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if method != "GET":
            headers["Content-Type"] = "application/json; charset=utf-8"
            # Lets the shop recognise a resend by a person (kefu itself never resends a POST).
            headers["Idempotency-Key"] = str(uuid.uuid4())
        request = self._client.build_request(method, self.base_url + target, content=body or None,
                                             headers=headers, timeout=httpx.Timeout(self.timeout))
        # Sign what goes on the wire: the base URL's own path prefix included, encoded exactly as sent.
        wire_target = request.url.raw_path.decode("ascii")
        timestamp = str(int(time.time()))
        request.headers["X-Kefu-Timestamp"] = timestamp
        request.headers["X-Kefu-Signature"] = sign(self.secret, timestamp, method, wire_target, body)
        started = time.monotonic()
        try:
            response = self._client.send(request, stream=True)
            try:
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_BODY_BYTES:
                        raise _Unavailable(f"answer larger than {MAX_BODY_BYTES} bytes", retry=False)
                    # httpx's read timeout is per read; this bounds a body that trickles in.
                    if time.monotonic() - started > 2 * self.timeout:
                        raise _Unavailable(f"answer still arriving after {2 * self.timeout:.1f}s", retry=True)
                    chunks.append(chunk)
            finally:
                response.close()
        except httpx.TimeoutException as exc:
            raise _Unavailable(f"no answer within {self.timeout:.1f}s ({type(exc).__name__})", retry=True) from None
        except httpx.RequestError as exc:
            raise _Unavailable(f"{type(exc).__name__}: {_short(exc)}", retry=True) from None
        return response.status_code, b"".join(chunks)

    def _judge(self, status: int, body: bytes, shape: type[M], on_404: str) -> M | None:
        """Turn one answer into the call's result, a refusal, or a failed attempt."""
        if 200 <= status < 300:
            try:
                return shape.model_validate_json(body)
            except ValidationError as exc:
                raise _Unavailable(f"HTTP {status} with a body that is not the contract's shape: {_short(exc)}",
                                   retry=False) from None
        if status == 404 and on_404 == "none":
            return None
        if status == 404 and on_404 == "not_found":
            raise CommerceError("not_found", "order not found")
        if status in (409, 422):
            try:
                detail = _ErrorBody.model_validate_json(body).error
            except ValidationError:
                # Not the contract's refusal (e.g. a framework's own validation error): the bot cannot explain it.
                raise _Unavailable(f"HTTP {status} without a contract error body: {_snippet(body)}",
                                   retry=False) from None
            if detail.code == "unavailable":
                raise _Unavailable(f"the shop says it is unavailable: {detail.message}", retry=False,
                                   error=CommerceUnavailable(detail.message or CommerceUnavailable().message))
            raise CommerceError(detail.code, detail.message)
        if status in (401, 403):
            log.error("commerce %s: credentials rejected (HTTP %d); the shared secret differs on the two sides",
                      self.base_url, status)
            # The shop's system is up and only this secret is wrong, so the breaker is not involved.
            raise _Unavailable(f"credentials rejected (HTTP {status})", retry=False, counts=False,
                               error=CommerceAuthFailed(status))
        if status >= 500 or status == 429:
            raise _Unavailable(f"HTTP {status}: {_snippet(body)}", retry=True)
        raise _Unavailable(f"unexpected HTTP {status}: {_snippet(body)}", retry=False)


def _clamp(limit: int) -> int:
    return max(1, min(int(limit), 100))


def _short(exc: BaseException) -> str:
    return str(exc).replace("\n", " ")[:300]


def _snippet(body: bytes) -> str:
    return body[:200].decode("utf-8", "replace").replace("\n", " ")
