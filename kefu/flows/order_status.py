"""查订单: the status of an order, its items, total and delivery address."""

from __future__ import annotations

from kefu.flows.base import Flow, FlowContext


class OrderStatus(Flow):
    id = "order_status"
    name = {"zh": "查订单", "en": "Order status"}
    examples = {
        "zh": ["查订单", "我的订单状态", "订单怎么样了", "帮我查一下订单", "我下的单呢", "订单到哪一步了",
               "看看我的订单", "我买的东西订单情况"],
        "en": ["order status", "check my order", "what is the status of my order", "show my order",
               "look up my order", "my order details"],
    }
    texts = {
        "zh": {"summary": "订单 {order_no}：{status}\n商品：{items}\n实付：¥{total}\n收货地址：{address}"},
        "en": {"summary": "Order {order_no}: {status}\nItems: {items}\nPaid: ¥{total}\nShip to: {address}"},
    }

    def run(self, ctx: FlowContext) -> None:
        order = ctx.order()
        items = "，".join(f"{i.name}×{i.quantity}" for i in order.items) or "-"
        ctx.stop("done", "summary", order_no=order.order_no, status=ctx.text("status_" + order.status),
                 items=items, total=f"{order.total_cents / 100:.2f}", address=order.address.one_line() or "-",
                 payload={"type": "order", "order_no": order.order_no, "status": order.status})
