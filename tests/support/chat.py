"""Talk to the bot as one customer through the same intake the channels use, and read what came back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from kefu.channels.intake import take_customer_message
from kefu.commerce import actions as store
from kefu.commerce.schemas import OrderIn, ShipmentIn
from kefu.conversations import actions
from kefu.conversations.models import Conversation, Customer, Message
from kefu.db import utcnow
from kefu.runtime import Runtime


@dataclass
class Chat:
    runtime: Runtime
    tenant_id: int
    customer_id: int
    conversation_id: int

    @classmethod
    def open(cls, runtime: Runtime, tenant_id: int, *, external_id: str | None = None, locale: str = "zh",
             tags: list[str] | None = None) -> Chat:
        with runtime.db.session() as db:
            if external_id:
                customer = actions.do_get_external_customer(db, tenant_id=tenant_id, external_id=external_id)
            else:
                customer = actions.do_get_visitor(db, tenant_id=tenant_id, visitor_id=None)
            if tags:
                customer.tags = tags
            conv, _ = actions.do_open_conversation(db, tenant_id=tenant_id, customer=customer, channel="web",
                                                   locale=locale)
            ids = customer.id, conv.id
        return cls(runtime, tenant_id, *ids)

    def say(self, text: str) -> list[str]:
        """Send text as the customer; return the texts of the bot's and system's answers to it."""
        with self.runtime.db.session() as db:
            conv = db.get(Conversation, self.conversation_id)
            customer = db.get(Customer, self.customer_id)
            msg, _ = take_customer_message(self.runtime, db, conv=conv, customer=customer, text=text, client_id=None)
            after = msg.id
        return [m.text for m in self.replies(after)]

    def replies(self, after: int) -> list[Message]:
        with self.runtime.db.session() as db:
            rows = db.scalars(select(Message).where(Message.conversation_id == self.conversation_id,
                                                    Message.id > after, Message.sender != "customer")
                              .order_by(Message.id))
            out = list(rows)
            db.expunge_all()
            return out

    def last_payload(self) -> dict | None:
        msgs = self.replies(0)
        return msgs[-1].payload if msgs else None

    def conversation(self) -> Conversation:
        with self.runtime.db.session() as db:
            conv = db.get(Conversation, self.conversation_id)
            db.expunge(conv)
            return conv


def add_order(runtime: Runtime, tenant_id: int, order_no: str, status: str, *, customer_ref: str | None = None,
              phone: str = "13800138000", delivered_days_ago: float | None = None, items: int = 1,
              tracking: bool = True) -> None:
    """Put an order in the built-in store, with a tracked parcel once it has shipped."""
    now = utcnow()
    goods = [{"sku": f"SKU-{i}", "name": name, "quantity": 1, "unit_price_cents": 9900}
             for i, name in enumerate(["纯棉T恤", "牛仔裤", "帆布鞋"][:items], 1)]
    paid = now - dt.timedelta(days=10) if status != "pending_payment" else None
    delivered = now - dt.timedelta(days=delivered_days_ago) if delivered_days_ago is not None else None
    with runtime.db.session() as db:
        store.do_create_order(db, tenant_id=tenant_id, data=OrderIn(
            order_no=order_no, customer_ref=customer_ref, status=status, items=goods, payment_method="微信支付",
            address={"name": "张三", "phone": phone, "province": "浙江省", "city": "杭州市", "district": "西湖区",
                     "detail": "文三路90号"},
            paid_at=paid, created_at=now - dt.timedelta(days=11),
            shipped_at=now - dt.timedelta(days=9) if status in ("shipped", "delivered", "completed") else None,
            delivered_at=delivered, expected_ship_by=now + dt.timedelta(days=1) if status == "paid" else None))
        if tracking and status in ("shipped", "delivered", "completed"):
            events = [{"time": now - dt.timedelta(days=9), "location": "杭州", "description": "已揽收"},
                      {"time": now - dt.timedelta(days=8), "location": "上海转运中心", "description": "运输中"}]
            if status != "shipped":
                events.append({"time": delivered or now, "location": "杭州西湖区", "description": "已签收"})
            store.do_add_shipment(db, tenant_id=tenant_id, order_no=order_no, data=ShipmentIn(
                carrier="顺丰速运", tracking_no=f"SF{order_no}", events=events,
                status="delivered" if status != "shipped" else "in_transit",
                expected_delivery=now + dt.timedelta(days=1)))
