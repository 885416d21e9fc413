"""Shapes the built-in store's REST API accepts; what it returns are the contract shapes in interface.py."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kefu.commerce.interface import AddressData, ItemData, OrderData, ProductData, ReturnData, TrackingEvent
from kefu.limits import MAX_CENTS, Link

_CODE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(pattern=_CODE)
    name: str = Field(min_length=1, max_length=200)
    attributes: dict[str, str] = Field(default_factory=dict, max_length=50)
    price_cents: int = Field(0, ge=0, le=MAX_CENTS)
    stock: int = Field(0, ge=0, le=10**9)
    category: str = Field("", max_length=100)
    tags: list[str] = Field(default_factory=list, max_length=20)
    image_url: Link | None = None
    description: str = Field("", max_length=5000)
    url: Link | None = None
    category_path: str = Field("", max_length=300)


class ProductPatch(BaseModel):
    """The fields to change; one left out stays as it is. Only the links may be null (no link)."""

    model_config = ConfigDict(extra="forbid")

    # Typed without `| None`: an explicit null is a 422, while a field left out keeps its None default (unset).
    name: str = Field(None, min_length=1, max_length=200)
    attributes: dict[str, str] = Field(None, max_length=50)
    price_cents: int = Field(None, ge=0, le=MAX_CENTS)
    stock: int = Field(None, ge=0, le=10**9)
    category: str = Field(None, max_length=100)
    tags: list[str] = Field(None, max_length=20)
    image_url: Link | None = None
    description: str = Field(None, max_length=5000)
    url: Link | None = None
    category_path: str = Field(None, max_length=300)


class OrderIn(BaseModel):
    """A new order; the total is the items' sum unless given."""

    model_config = ConfigDict(extra="forbid")

    order_no: str = Field(pattern=_CODE)
    customer_ref: str | None = Field(None, min_length=1, max_length=128)
    status: Literal["pending_payment", "paid", "shipped", "delivered", "completed", "cancelled"] = "pending_payment"
    items: list[ItemData] = Field(min_length=1, max_length=100)
    total_cents: int | None = Field(None, ge=0, le=MAX_CENTS)
    address: AddressData
    buyer_phone: str | None = Field(None, max_length=32, description="the phone the order was placed with; "
                                    "defaults to the address's phone")
    payment_method: str = Field("", max_length=32)
    paid_at: dt.datetime | None = None
    shipped_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    expected_ship_by: dt.datetime | None = None
    created_at: dt.datetime | None = None

    @field_validator("address")
    @classmethod
    def _phone_needed(cls, v: AddressData) -> AddressData:
        if sum(ch.isdigit() for ch in v.phone) < 7:
            raise ValueError("the address needs the recipient's phone number (it verifies anonymous customers)")
        return v


class OrderPatch(BaseModel):
    """Move an order along (paid → shipped → delivered …) or correct it."""

    model_config = ConfigDict(extra="forbid")

    # Not nullable (a null is a 422); left out, they stay as they are. expected_ship_by: null clears it.
    status: Literal["pending_payment", "paid", "shipped", "delivered", "completed", "cancelled"] = None
    address: AddressData = None
    expected_ship_by: dt.datetime | None = None
    note: str = Field(None, max_length=2000)


class ShipmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carrier: str = Field(min_length=1, max_length=64)
    tracking_no: str = Field(pattern=_CODE)
    status: Literal["in_transit", "out_for_delivery", "delivered", "exception"] = "in_transit"
    events: list[TrackingEvent] = Field(default_factory=list, max_length=200)
    expected_delivery: dt.datetime | None = None


class TrackingIn(BaseModel):
    """A new tracking event; the shipment's status moves with it when given."""

    model_config = ConfigDict(extra="forbid")

    time: dt.datetime | None = None
    location: str = Field("", max_length=100)
    description: str = Field(min_length=1, max_length=300)
    status: Literal["in_transit", "out_for_delivery", "delivered", "exception"] | None = None


class ReturnPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["requested", "approved", "rejected", "received", "refunded", "cancelled"]


class ReturnOut(ReturnData):
    next_statuses: list[str] = Field(default_factory=list, description="where the request may go from here")


class OrderDetail(OrderData):
    shipments: list[dict[str, Any]] = Field(default_factory=list)
    returns: list[ReturnOut] = Field(default_factory=list)
    next_statuses: list[str] = Field(default_factory=list, description="where the order may go from here")


class OrderPage(BaseModel):
    items: list[OrderData]
    total: int


class ProductPage(BaseModel):
    items: list[ProductData]
    total: int
