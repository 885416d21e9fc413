"""Fill the demo shop's built-in store: products, and orders in every state so each flow can be tried."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.commerce import actions
from kefu.commerce.models import Order
from kefu.commerce.schemas import OrderIn, ShipmentIn
from kefu.db import utcnow
from kefu.products.importer import import_catalogue

DEMO_PHONE = "13800138000"
CATALOGUE = Path(__file__).parent / "catalogue.jsonl"
# What the demo orders bought (the catalogue has these SKUs, names and prices too).
PRODUCTS = [
    ("TEA-250", "明前龙井 250g", 16800, "茶叶", {"产地": "西湖", "规格": "250g 罐装"}),
    ("MUG-350", "手作陶瓷马克杯", 8900, "杯具", {"容量": "350ml", "产地": "景德镇"}),
    ("BAG-16", "帆布托特包", 12900, "箱包", {"材质": "16 安帆布"}),
    ("NOTE-A5", "线装笔记本 A5", 3900, "文具", {"纸张": "100g 道林纸"}),
]
# (order number, status, what the demo shows it for, days since delivery)
ORDERS = [
    ("D1001", "pending_payment", "待付款", None),
    ("D1002", "paid", "待发货：可改地址、取消、催发货", None),
    ("D1003", "shipped", "运输中：查物流", None),
    ("D1004", "delivered", "已签收：可退货/退款", 2),
    ("D1005", "completed", "已完成，签收超过 7 天：退货被拒", 20),
    ("D1006", "cancelled", "已取消", None),
]


def seed_catalogue(db: Session, tenant_id: int) -> None:
    """Import the demo catalogue (kefu/demo/catalogue.jsonl: 30+ products with specifications and variants)."""
    result = import_catalogue(db, tenant_id=tenant_id, filename=CATALOGUE.name, data=CATALOGUE.read_bytes())
    if result.errors:  # the file ships with kefu: a bad row is a bug, never a half-seeded shop
        raise ValueError(f"demo catalogue: {result.errors[:3]}")


def seed_store(db: Session, tenant_id: int) -> None:
    """Add the demo products and orders once (a re-run leaves existing rows alone)."""
    if db.scalar(select(Order.id).where(Order.tenant_id == tenant_id).limit(1)):
        return
    seed_catalogue(db, tenant_id)
    now = utcnow()
    for i, (no, status, _, delivered_days) in enumerate(ORDERS):
        sku, name, price, _, attrs = PRODUCTS[i % len(PRODUCTS)]
        items = [{"sku": sku, "name": name, "quantity": 1, "unit_price_cents": price, "attributes": attrs}]
        if no == "D1004":
            # Two different goods, so returning one of them can be tried.
            items.append({"sku": "MUG-350", "name": "手作陶瓷马克杯", "quantity": 2, "unit_price_cents": 8900})
        shipped = status in ("shipped", "delivered", "completed")
        delivered = now - dt.timedelta(days=delivered_days) if delivered_days is not None else None
        actions.do_create_order(db, tenant_id=tenant_id, data=OrderIn(
            order_no=no, customer_ref="demo-customer", status=status, items=items, payment_method="微信支付",
            address={"name": "张三", "phone": DEMO_PHONE, "province": "浙江省", "city": "杭州市",
                     "district": "西湖区", "detail": "文三路90号"},
            created_at=now - dt.timedelta(days=(delivered_days or 0) + 3),
            paid_at=None if status in ("pending_payment", "cancelled") else now - dt.timedelta(days=3),
            shipped_at=now - dt.timedelta(days=(delivered_days or 0) + 2) if shipped else None,
            delivered_at=delivered, expected_ship_by=now + dt.timedelta(hours=30) if status == "paid" else None))
        if shipped:
            start = now - dt.timedelta(days=(delivered_days or 0) + 2)
            events = [{"time": start, "location": "杭州", "description": "快递员已揽收"},
                      {"time": start + dt.timedelta(hours=9), "location": "杭州转运中心", "description": "已发往上海"},
                      {"time": start + dt.timedelta(hours=20), "location": "上海转运中心", "description": "运输中"}]
            if delivered:
                events.append({"time": delivered, "location": "上海市徐汇区", "description": "已签收，签收人：本人"})
            actions.do_add_shipment(db, tenant_id=tenant_id, order_no=no, data=ShipmentIn(
                carrier="中通快递", tracking_no=f"ZT7{i}08812345", events=events,
                status="delivered" if delivered else "in_transit", expected_delivery=now + dt.timedelta(days=1)))
