"""Tables of the built-in store: products, orders, shipments and return requests, per shop."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kefu.db import Base, UTCDateTime, utcnow

ORDER_STATUSES = ("pending_payment", "paid", "shipped", "delivered", "completed", "cancelled")
SHIPMENT_STATUSES = ("in_transit", "out_for_delivery", "delivered", "exception")
RETURN_KINDS = ("return", "refund", "exchange")
RETURN_STATUSES = ("requested", "approved", "rejected", "received", "refunded", "cancelled")


class Product(Base):
    """Something the shop sells, with its attributes and stock."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("tenant_id", "sku", name="uq_products_tenant_sku"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    # Free-form attributes shown to customers and agents: {"颜色": "黑", "尺码": "L"}.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    price_cents: Mapped[int] = mapped_column(Integer, default=0)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    category: Mapped[str] = mapped_column(String(100), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    image_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # The whole category path, levels joined by " > " ("家居 > 杯具 > 马克杯"); `category` keeps the last level.
    category_path: Mapped[str] = mapped_column(String(300), default="")
    # Rows of a size chart, e.g. [{"尺码": "M", "身高": "165-175", "体重": "55-65", "胸围": "100"}]; products of
    # the same category without their own use the category's (see kefu/products/catalogue.py).
    size_chart: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    variants: Mapped[list[ProductVariant]] = relationship(
        order_by="ProductVariant.position", cascade="all, delete-orphan", passive_deletes=True, lazy="selectin")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProductVariant(Base):
    """One buyable variant of a product (a colour, a size …) with its own SKU, stock and maybe price."""

    __tablename__ = "product_variants"
    __table_args__ = (UniqueConstraint("tenant_id", "sku", name="uq_product_variants_tenant_sku"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    # What sets it apart: {"颜色": "黑色", "尺码": "L"}.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # None: the parent product's price.
    price_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Order(Base):
    """A customer's order; `customer_ref` is the shop's own customer id (the identity token's sub)."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "order_no", name="uq_orders_tenant_order_no"),
        Index("ix_orders_tenant_customer", "tenant_id", "customer_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    order_no: Mapped[str] = mapped_column(String(64))
    customer_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="pending_payment")
    # [{"sku", "name", "quantity", "unit_price_cents", "attributes"}]: a snapshot taken at purchase.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    total_cents: Mapped[int] = mapped_column(Integer, default=0)
    # {"name", "phone", "province", "city", "district", "detail"}; the phone also verifies anonymous customers.
    address: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The phone the order was placed with: it keeps verifying the order after the address (and its phone) change.
    buyer_phone: Mapped[str] = mapped_column(String(32), default="")
    payment_method: Mapped[str] = mapped_column(String(32), default="")
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    shipped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expected_ship_by: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    urge_count: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Shipment(Base):
    """A parcel sent for an order, with its carrier's tracking events."""

    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    carrier: Mapped[str] = mapped_column(String(64))
    tracking_no: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="in_transit")
    # [{"time": iso, "location": str, "description": str}], oldest first.
    events: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    expected_delivery: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReturnRequest(Base):
    """A customer's request to return, refund or exchange items of an order."""

    __tablename__ = "return_requests"
    __table_args__ = (UniqueConstraint("tenant_id", "return_no", name="uq_return_requests_tenant_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    return_no: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    skus: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="requested")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
