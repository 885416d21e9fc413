"""Say what kefu needs of a shop's order system: the shapes it exchanges and the calls it makes.

The same shapes are the JSON contract of the HTTP connector (docs/commerce-contract.md) and the
output of the built-in store's REST API, so a shop's own system and the built-in store look alike
to the bot and to agents.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

OrderStatus = Literal["pending_payment", "paid", "shipped", "delivered", "completed", "cancelled"]
ReturnKind = Literal["return", "refund", "exchange"]


class AddressData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field("", max_length=50)
    phone: str = Field("", max_length=32)
    province: str = Field("", max_length=30)
    city: str = Field("", max_length=30)
    district: str = Field("", max_length=30)
    detail: str = Field("", max_length=200)

    def one_line(self) -> str:
        place = f"{self.province}{self.city if self.city != self.province else ''}{self.district}{self.detail}"
        return " ".join(p for p in (place, self.name, self.phone) if p)


class ItemData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    quantity: int = Field(1, ge=1, le=10_000)
    unit_price_cents: int = Field(0, ge=0)
    attributes: dict[str, Any] = Field(default_factory=dict)


class OrderData(BaseModel):
    """An order as kefu sees it."""

    model_config = ConfigDict(extra="ignore")

    order_no: str
    customer_ref: str | None = None
    status: OrderStatus
    items: list[ItemData] = Field(default_factory=list)
    total_cents: int = 0
    address: AddressData = Field(default_factory=AddressData)
    # The phone the order was placed with (empty: the address's phone); it verifies anonymous customers together
    # with the address's current phone, so changing the address never locks the buyer out.
    buyer_phone: str = ""
    # An open return/refund/exchange request on the order, if any (so the bot can say so before asking anything).
    open_return_no: str | None = None
    payment_method: str = ""
    paid_at: dt.datetime | None = None
    shipped_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None
    expected_ship_by: dt.datetime | None = None
    urge_count: int = 0
    created_at: dt.datetime


class TrackingEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    time: dt.datetime
    location: str = ""
    description: str


class ShipmentData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    carrier: str
    tracking_no: str
    status: Literal["in_transit", "out_for_delivery", "delivered", "exception"] = "in_transit"
    events: list[TrackingEvent] = Field(default_factory=list)
    expected_delivery: dt.datetime | None = None


class ReturnData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    return_no: str
    order_no: str
    kind: ReturnKind
    skus: list[str] = Field(default_factory=list)
    reason: str = ""
    status: str = "requested"
    created_at: dt.datetime


class VariantData(BaseModel):
    """One variant of a product: its own SKU, what sets it apart, its stock and (None: the product's) price."""

    model_config = ConfigDict(extra="ignore")

    sku: str
    attributes: dict[str, Any] = Field(default_factory=dict)
    price_cents: int | None = None
    stock: int = 0


class ProductData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sku: str
    name: str
    attributes: dict[str, Any] = Field(default_factory=dict)
    price_cents: int = 0
    stock: int = 0
    category: str = ""
    tags: list[str] = Field(default_factory=list)
    image_url: str | None = None
    description: str = ""
    url: str | None = None
    category_path: str = ""
    variants: list[VariantData] = Field(default_factory=list)
    size_chart: list[dict[str, Any]] | None = None


class CommerceError(Exception):
    """A call the order system refused; `code` says why in words the bot can explain."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code


class CommerceUnavailable(CommerceError):
    """The order system did not answer in time, or answered with a server error."""

    def __init__(self, message: str = "the shop's order system is not available") -> None:
        super().__init__("unavailable", message)


class Commerce(Protocol):
    """What the bot and the workspace ask of a shop's order system."""

    def orders_for_customer(self, customer_ref: str, *, limit: int = 5) -> list[OrderData]:
        """Return the customer's most recent orders, newest first."""

    def get_order(self, order_no: str) -> OrderData | None:
        """Return one order, or None if there is no such order."""

    def shipments(self, order_no: str) -> list[ShipmentData]:
        """Return the order's parcels with tracking events, oldest event first."""

    def change_address(self, order_no: str, address: AddressData) -> OrderData:
        """Change the delivery address; refuses (`already_shipped`, `cancelled`) once it cannot."""

    def cancel_order(self, order_no: str, reason: str) -> OrderData:
        """Cancel an order that has not shipped; refuses with `already_shipped` or `cancelled`."""

    def create_return(self, order_no: str, *, kind: ReturnKind, skus: list[str], reason: str) -> ReturnData:
        """Open a return/refund/exchange request; refuses with `not_delivered`, `window_passed` …"""

    def urge_shipment(self, order_no: str) -> OrderData:
        """Record that the customer asked to hurry the order; returns it with `urge_count` and `expected_ship_by`."""

    def products(self, *, query: str = "", limit: int = 20) -> list[ProductData]:
        """Return products whose name, category or tags contain query (all when empty)."""

    def get_product(self, sku: str) -> ProductData | None:
        """Return one product with its variants (a variant's SKU finds its product), or None."""
