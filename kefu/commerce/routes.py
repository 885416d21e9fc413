"""Routes of the built-in store: products, orders, shipments, tracking and return requests."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from kefu.access import Admin, DbDep, Staff
from kefu.audit.actions import record
from kefu.commerce import actions
from kefu.commerce.interface import OrderData, ProductData
from kefu.commerce.models import Order
from kefu.commerce.schemas import (
    OrderDetail,
    OrderIn,
    OrderPage,
    OrderPatch,
    ProductIn,
    ProductPage,
    ProductPatch,
    ReturnOut,
    ReturnPatch,
    ShipmentIn,
    TrackingIn,
)
from kefu.commerce.store import order_data, return_data, shipment_data
from kefu.limits import MAX_ID
from kefu.privacy.masking import mask_order, masks_for

router = APIRouter(prefix="/api/v1/store", tags=["store"])


def _detail(db, order: Order) -> OrderDetail:
    shipments = actions.list_shipments(db, order=order)
    returns = actions.list_returns(db, tenant_id=order.tenant_id, order_id=order.id)
    return OrderDetail(**order_data(order).model_dump(),
                       shipments=[shipment_data(s).model_dump(mode="json") for s in shipments],
                       returns=[_return_out(r, order.order_no) for r in returns],
                       next_statuses=list(actions.NEXT_STATUS[order.status]))


def _return_out(req, order_no: str) -> ReturnOut:
    return ReturnOut(**return_data(req, order_no).model_dump(),
                     next_statuses=list(actions.NEXT_RETURN_STATUS.get(req.status, ())))


@router.get("/products", response_model=ProductPage)
def list_products(principal: Staff, db: DbDep, search: str = Query("", max_length=100),
                  limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=MAX_ID)) -> ProductPage:
    """List the shop's products, newest first."""
    rows, total = actions.list_products(db, tenant_id=principal.tenant_id, search=search.strip(), limit=limit,
                                        offset=offset)
    return ProductPage(items=[ProductData.model_validate(p, from_attributes=True) for p in rows], total=total)


@router.post("/products", response_model=ProductData, status_code=201)
def create_product(body: ProductIn, principal: Admin, db: DbDep) -> ProductData:
    """Add a product."""
    product = actions.do_create_product(db, tenant_id=principal.tenant_id, data=body)
    record(db, principal, "store.product_created", ("product", product.sku))
    return ProductData.model_validate(product, from_attributes=True)


@router.patch("/products/{sku}", response_model=ProductData)
def update_product(sku: str, body: ProductPatch, principal: Admin, db: DbDep) -> ProductData:
    """Change a product's name, attributes, price or stock."""
    product = actions.do_update_product(db, tenant_id=principal.tenant_id, sku=sku, data=body)
    record(db, principal, "store.product_updated", ("product", sku), fields=sorted(body.model_fields_set))
    return ProductData.model_validate(product, from_attributes=True)


@router.delete("/products/{sku}", status_code=204)
def delete_product(sku: str, principal: Admin, db: DbDep) -> Response:
    """Delete a product (orders keep their own copy of the items)."""
    actions.do_delete_product(db, tenant_id=principal.tenant_id, sku=sku)
    record(db, principal, "store.product_deleted", ("product", sku))
    return Response(status_code=204)


@router.get("/orders", response_model=OrderPage)
def list_orders(principal: Staff, db: DbDep, customer_ref: str = Query("", max_length=128),
                status: str = Query("", max_length=20), search: str = Query("", max_length=64),
                limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=MAX_ID)) -> OrderPage:
    """List orders, newest first, optionally one customer's or in one status."""
    rows, total = actions.list_orders(db, tenant_id=principal.tenant_id, customer_ref=customer_ref.strip(),
                                      status=status.strip(), search=search.strip(), limit=limit, offset=offset)
    items = [order_data(o) for o in rows]
    if masks_for(db, principal):  # an agent of a shop that keeps contacts from them (docs/privacy.md)
        items = [OrderData(**mask_order(o.model_dump())) for o in items]
    return OrderPage(items=items, total=total)


@router.post("/orders", response_model=OrderDetail, status_code=201)
def create_order(body: OrderIn, principal: Admin, db: DbDep) -> OrderDetail:
    """Add an order (a shop without its own system, or a copy pushed from one)."""
    order = actions.do_create_order(db, tenant_id=principal.tenant_id, data=body)
    record(db, principal, "store.order_created", ("order", order.order_no))
    return _detail(db, order)


@router.get("/orders/{order_no}", response_model=OrderDetail)
def get_order(order_no: str, principal: Staff, db: DbDep) -> OrderDetail:
    """One order with its shipments and return requests."""
    detail = _detail(db, actions.get_order(db, tenant_id=principal.tenant_id, order_no=order_no))
    return OrderDetail(**mask_order(detail.model_dump())) if masks_for(db, principal) else detail


@router.patch("/orders/{order_no}", response_model=OrderDetail)
def update_order(order_no: str, body: OrderPatch, principal: Admin, db: DbDep) -> OrderDetail:
    """Move an order to its next status (paid, shipped, delivered, completed, cancelled) or correct it."""
    order = actions.do_update_order(db, tenant_id=principal.tenant_id, order_no=order_no, data=body)
    record(db, principal, "store.order_updated", ("order", order_no), fields=sorted(body.model_fields_set))
    return _detail(db, order)


@router.post("/orders/{order_no}/shipments", response_model=OrderDetail, status_code=201)
def add_shipment(order_no: str, body: ShipmentIn, principal: Admin, db: DbDep) -> OrderDetail:
    """Record a parcel sent for the order (a paid order becomes shipped)."""
    shipment = actions.do_add_shipment(db, tenant_id=principal.tenant_id, order_no=order_no, data=body)
    record(db, principal, "store.shipment_added", ("order", order_no))
    return _detail(db, db.get(Order, shipment.order_id))


@router.post("/orders/{order_no}/shipments/{tracking_no}/events", response_model=OrderDetail, status_code=201)
def add_tracking(order_no: str, tracking_no: str, body: TrackingIn, principal: Admin, db: DbDep) -> OrderDetail:
    """Add a tracking event; status "delivered" marks the order delivered."""
    shipment = actions.do_add_tracking(db, tenant_id=principal.tenant_id, order_no=order_no,
                                       tracking_no=tracking_no, data=body)
    record(db, principal, "store.tracking_added", ("order", order_no))
    return _detail(db, db.get(Order, shipment.order_id))


@router.get("/returns", response_model=list[ReturnOut])
def list_returns(principal: Staff, db: DbDep) -> list[ReturnOut]:
    """The latest return, refund and exchange requests."""
    rows = actions.list_returns(db, tenant_id=principal.tenant_id)
    numbers = dict(db.execute(select(Order.id, Order.order_no).where(
        Order.id.in_({r.order_id for r in rows}))).all()) if rows else {}
    return [_return_out(r, numbers[r.order_id]) for r in rows]


@router.patch("/returns/{return_no}", response_model=ReturnOut)
def update_return(return_no: str, body: ReturnPatch, principal: Admin, db: DbDep) -> ReturnOut:
    """Approve, reject or complete a return request."""
    req = actions.do_update_return(db, tenant_id=principal.tenant_id, return_no=return_no, status=body.status)
    record(db, principal, "store.return_updated", ("return", return_no), status=body.status)
    return _return_out(req, db.get(Order, req.order_id).order_no)
