"""Create and update the built-in store's products, orders, shipments and return requests."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.commerce.models import Order, Product, ProductVariant, ReturnRequest, Shipment
from kefu.commerce.schemas import OrderIn, OrderPatch, ProductIn, ProductPatch, ShipmentIn, TrackingIn
from kefu.db import utcnow
from kefu.errors import Conflict, KefuError, NotFound
from kefu.limits import MAX_CENTS

# Where an order may go from each status, main path first (the console shows the buttons in this order); the
# store refuses jumps that would confuse the bot's flows.
NEXT_STATUS = {
    "pending_payment": ("paid", "cancelled"),
    "paid": ("shipped", "cancelled"),
    "shipped": ("delivered",),
    "delivered": ("completed",),
    "completed": (),
    "cancelled": (),
}


# Where a return request may go from each status (the console offers exactly these buttons).
NEXT_RETURN_STATUS = {
    "requested": ("approved", "rejected"),
    "approved": ("received", "refunded"),
    "received": ("refunded",),
    "rejected": (),
    "refunded": (),
    "cancelled": (),
}


def get_product(db: Session, *, tenant_id: int, sku: str) -> Product:
    product = db.scalar(select(Product).where(Product.tenant_id == tenant_id, Product.sku == sku))
    if product is None:
        raise NotFound("product not found")
    return product


def find_product(db: Session, *, tenant_id: int, sku: str) -> Product | None:
    """The product with this SKU, or the parent of the variant with it; None if neither exists."""
    product = db.scalar(select(Product).where(Product.tenant_id == tenant_id, Product.sku == sku))
    if product is None:
        product = db.scalar(select(Product).join(ProductVariant, ProductVariant.product_id == Product.id).where(
            ProductVariant.tenant_id == tenant_id, ProductVariant.sku == sku))
    return product


def list_products(db: Session, *, tenant_id: int, search: str = "", limit: int = 50, offset: int = 0
                  ) -> tuple[list[Product], int]:
    cond = [Product.tenant_id == tenant_id]
    if search:
        cond.append(Product.name.contains(search) | Product.sku.contains(search) | Product.category.contains(search))
    total = db.scalar(select(func.count()).select_from(Product).where(*cond))
    rows = db.scalars(select(Product).where(*cond).order_by(Product.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def do_create_product(db: Session, *, tenant_id: int, data: ProductIn) -> Product:
    if db.scalar(select(Product.id).where(Product.tenant_id == tenant_id, Product.sku == data.sku)):
        raise Conflict(f"a product with SKU {data.sku} exists already", code="duplicate_sku")
    product = Product(tenant_id=tenant_id, **data.model_dump())
    db.add(product)
    db.flush()
    return product


def do_update_product(db: Session, *, tenant_id: int, sku: str, data: ProductPatch) -> Product:
    product = get_product(db, tenant_id=tenant_id, sku=sku)
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(product, key, value)
    product.updated_at = utcnow()
    return product


def do_delete_product(db: Session, *, tenant_id: int, sku: str) -> None:
    db.delete(get_product(db, tenant_id=tenant_id, sku=sku))


def find_order(db: Session, *, tenant_id: int, order_no: str) -> Order | None:
    return db.scalar(select(Order).where(Order.tenant_id == tenant_id, Order.order_no == order_no))


def get_order(db: Session, *, tenant_id: int, order_no: str) -> Order:
    order = find_order(db, tenant_id=tenant_id, order_no=order_no)
    if order is None:
        raise NotFound("order not found")
    return order


def list_shipments(db: Session, *, order: Order) -> list[Shipment]:
    """An order's parcels, oldest first."""
    return list(db.scalars(select(Shipment).where(Shipment.order_id == order.id).order_by(Shipment.id)))


def list_orders(db: Session, *, tenant_id: int, customer_ref: str = "", status: str = "", search: str = "",
                limit: int = 50, offset: int = 0) -> tuple[list[Order], int]:
    cond = [Order.tenant_id == tenant_id]
    if customer_ref:
        cond.append(Order.customer_ref == customer_ref)
    if status:
        cond.append(Order.status == status)
    if search:
        cond.append(Order.order_no.contains(search))
    total = db.scalar(select(func.count()).select_from(Order).where(*cond))
    rows = db.scalars(select(Order).where(*cond).order_by(Order.created_at.desc(), Order.id.desc())
                      .limit(limit).offset(offset))
    return list(rows), total


def do_create_order(db: Session, *, tenant_id: int, data: OrderIn) -> Order:
    if db.scalar(select(Order.id).where(Order.tenant_id == tenant_id, Order.order_no == data.order_no)):
        raise Conflict(f"order {data.order_no} exists already", code="duplicate_order")
    values = data.model_dump(exclude_none=True)
    values["items"] = [i.model_dump() for i in data.items]
    values["address"] = data.address.model_dump()
    values["buyer_phone"] = data.buyer_phone or data.address.phone
    if data.total_cents is None:
        values["total_cents"] = sum(i.quantity * i.unit_price_cents for i in data.items)
        if values["total_cents"] > MAX_CENTS:
            raise KefuError(f"the items add up to more than {MAX_CENTS} cents", code="total_too_large", status=422)
    order = Order(tenant_id=tenant_id, **values)
    db.add(order)
    db.flush()
    return order


def do_update_order(db: Session, *, tenant_id: int, order_no: str, data: OrderPatch) -> Order:
    order = get_order(db, tenant_id=tenant_id, order_no=order_no)
    changes = data.model_dump(exclude_unset=True)
    status = changes.pop("status", None)
    if status and status != order.status:
        if status not in NEXT_STATUS[order.status]:
            raise KefuError(f"an order cannot go from {order.status} to {status}", code="bad_transition",
                            status=409)
        now = utcnow()
        order.status = status
        stamp = {"paid": "paid_at", "shipped": "shipped_at", "delivered": "delivered_at",
                 "cancelled": "cancelled_at"}.get(status)
        if stamp:
            setattr(order, stamp, now)
    if "address" in changes:
        order.address = changes.pop("address")
    for key, value in changes.items():
        setattr(order, key, value)
    order.updated_at = utcnow()
    return order


def do_add_shipment(db: Session, *, tenant_id: int, order_no: str, data: ShipmentIn) -> Shipment:
    order = get_order(db, tenant_id=tenant_id, order_no=order_no)
    if order.status in ("pending_payment", "cancelled"):
        raise KefuError(f"a {order.status} order cannot ship", code="bad_transition", status=409)
    shipment = Shipment(tenant_id=tenant_id, order_id=order.id, carrier=data.carrier, tracking_no=data.tracking_no,
                        status=data.status, events=[e.model_dump(mode="json") for e in data.events],
                        expected_delivery=data.expected_delivery)
    db.add(shipment)
    if order.status == "paid":
        order.status, order.shipped_at = "shipped", utcnow()
    db.flush()
    return shipment


def do_add_tracking(db: Session, *, tenant_id: int, order_no: str, tracking_no: str, data: TrackingIn) -> Shipment:
    order = get_order(db, tenant_id=tenant_id, order_no=order_no)
    shipment = db.scalar(select(Shipment).where(Shipment.order_id == order.id, Shipment.tracking_no == tracking_no))
    if shipment is None:
        raise NotFound("shipment not found")
    event = {"time": (data.time or utcnow()).isoformat(), "location": data.location,
             "description": data.description}
    shipment.events = [*shipment.events, event]
    if data.status:
        shipment.status = data.status
        if data.status == "delivered" and order.status == "shipped":
            order.status, order.delivered_at = "delivered", data.time or utcnow()
    shipment.updated_at = utcnow()
    return shipment


def list_returns(db: Session, *, tenant_id: int, order_id: int | None = None) -> list[ReturnRequest]:
    stmt = select(ReturnRequest).where(ReturnRequest.tenant_id == tenant_id)
    if order_id is not None:
        stmt = stmt.where(ReturnRequest.order_id == order_id)
    return list(db.scalars(stmt.order_by(ReturnRequest.id.desc()).limit(200)))


def do_update_return(db: Session, *, tenant_id: int, return_no: str, status: str) -> ReturnRequest:
    req = db.scalar(select(ReturnRequest).where(ReturnRequest.tenant_id == tenant_id,
                                                ReturnRequest.return_no == return_no))
    if req is None:
        raise NotFound("return request not found")
    if status != req.status and status not in NEXT_RETURN_STATUS[req.status]:
        raise KefuError(f"a return request cannot go from {req.status} to {status}", code="bad_transition",
                        status=409)
    req.status = status
    req.updated_at = utcnow()
    return req
