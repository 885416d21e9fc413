"""Serve the commerce calls from kefu's own tables: the built-in store."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.commerce import actions
from kefu.commerce.interface import (
    AddressData,
    CommerceError,
    OrderData,
    ProductData,
    ReturnData,
    ReturnKind,
    ShipmentData,
)
from kefu.commerce.models import Order, ReturnRequest, Shipment
from kefu.db import utcnow

UNSHIPPED = ("pending_payment", "paid")


def order_data(order: Order) -> OrderData:
    return OrderData.model_validate(order, from_attributes=True)


def shipment_data(shipment: Shipment) -> ShipmentData:
    return ShipmentData.model_validate(shipment, from_attributes=True)


def return_data(req: ReturnRequest, order_no: str) -> ReturnData:
    return ReturnData(return_no=req.return_no, order_no=order_no, kind=req.kind, skus=list(req.skus),
                      reason=req.reason, status=req.status, created_at=req.created_at)


class BuiltinCommerce:
    """The Commerce calls over one shop's rows; changes join the caller's transaction."""

    def __init__(self, db: Session, tenant_id: int, *, return_days: int = 7, ship_within_hours: int = 48) -> None:
        self.db = db
        self.tenant_id = tenant_id
        self.return_days = return_days
        self.ship_within_hours = ship_within_hours

    def _must(self, order_no: str) -> Order:
        order = actions.find_order(self.db, tenant_id=self.tenant_id, order_no=order_no)
        if order is None:
            raise CommerceError("not_found", "order not found")
        return order

    def orders_for_customer(self, customer_ref: str, *, limit: int = 5) -> list[OrderData]:
        rows, _ = actions.list_orders(self.db, tenant_id=self.tenant_id, customer_ref=customer_ref, limit=limit)
        return [order_data(o) for o in rows]

    def get_order(self, order_no: str) -> OrderData | None:
        order = actions.find_order(self.db, tenant_id=self.tenant_id, order_no=order_no)
        if order is None:
            return None
        data = order_data(order)
        open_ = self._open_return(order)
        data.open_return_no = open_.return_no if open_ is not None else None
        return data

    def _open_return(self, order: Order) -> ReturnRequest | None:
        return self.db.scalar(select(ReturnRequest).where(
            ReturnRequest.order_id == order.id, ReturnRequest.status.in_(("requested", "approved"))))

    def shipments(self, order_no: str) -> list[ShipmentData]:
        order = self._must(order_no)
        return [shipment_data(s) for s in actions.list_shipments(self.db, order=order)]

    def change_address(self, order_no: str, address: AddressData) -> OrderData:
        order = self._must(order_no)
        self._refuse_unless_unshipped(order)
        order.address = address.model_dump()
        order.updated_at = utcnow()
        self.db.flush()
        return order_data(order)

    def cancel_order(self, order_no: str, reason: str) -> OrderData:
        order = self._must(order_no)
        self._refuse_unless_unshipped(order)
        order.status = "cancelled"
        order.cancelled_at = order.updated_at = utcnow()
        order.note = (order.note + f"\n取消原因: {reason}").strip()[:2000]
        self.db.flush()
        return order_data(order)

    def create_return(self, order_no: str, *, kind: ReturnKind, skus: list[str], reason: str) -> ReturnData:
        order = self._must(order_no)
        if order.status == "cancelled":
            raise CommerceError("cancelled", "the order was cancelled")
        if order.status in UNSHIPPED and kind != "refund":
            raise CommerceError("not_shipped", "nothing to return yet; cancel the order instead")
        if order.status == "shipped" and kind != "refund":
            raise CommerceError("not_delivered", "the parcel has not been delivered yet")
        if order.delivered_at and utcnow() - order.delivered_at > dt.timedelta(days=self.return_days):
            raise CommerceError("window_passed", f"returns are accepted within {self.return_days} days")
        known = {item["sku"] for item in order.items}
        unknown = [s for s in skus if s not in known]
        if unknown:
            raise CommerceError("unknown_item", f"not in this order: {', '.join(unknown)}")
        open_ = self._open_return(order)
        if open_ is not None:
            raise CommerceError("already_requested", f"request {open_.return_no} is already open")
        req = ReturnRequest(tenant_id=self.tenant_id, order_id=order.id, return_no="R" + secrets.token_hex(5).upper(),
                            kind=kind, skus=skus or sorted(known), reason=reason[:1000])
        self.db.add(req)
        self.db.flush()
        return return_data(req, order.order_no)

    def urge_shipment(self, order_no: str) -> OrderData:
        order = self._must(order_no)
        if order.status != "paid":
            raise CommerceError("not_waiting", f"the order is {order.status}")
        order.urge_count += 1
        if order.expected_ship_by is None:
            order.expected_ship_by = (order.paid_at or order.created_at) + dt.timedelta(hours=self.ship_within_hours)
        order.updated_at = utcnow()
        self.db.flush()
        return order_data(order)

    def products(self, *, query: str = "", limit: int = 20) -> list[ProductData]:
        rows, _ = actions.list_products(self.db, tenant_id=self.tenant_id, search=query, limit=limit)
        return [ProductData.model_validate(p, from_attributes=True) for p in rows]

    def get_product(self, sku: str) -> ProductData | None:
        product = actions.find_product(self.db, tenant_id=self.tenant_id, sku=sku)
        return ProductData.model_validate(product, from_attributes=True) if product is not None else None

    @staticmethod
    def _refuse_unless_unshipped(order: Order) -> None:
        if order.status == "cancelled":
            raise CommerceError("cancelled", "the order was cancelled")
        if order.status not in UNSHIPPED:
            raise CommerceError("already_shipped", "the order has already shipped")
