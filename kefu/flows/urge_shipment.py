"""催发货: record that the customer wants the order shipped sooner and tell them the expected ship date."""

from __future__ import annotations

from kefu.commerce.interface import CommerceError
from kefu.flows.base import Flow, FlowContext


class UrgeShipment(Flow):
    id = "urge_shipment"
    name = {"zh": "催发货", "en": "Hurry shipment"}
    order_states = ("paid",)
    examples = {
        "zh": ["催发货", "怎么还不发货", "我的订单什么时候发货", "快点发货", "能不能早点发", "下单好几天了还没发货",
               "帮我催一下", "啥时候发货啊急用", "我买的东西还没发货", "还没发货", "怎么还没发", "我的货还没发",
               "买的东西一直没发货", "付款了还不发货"],
        "en": ["hurry shipment", "when will you ship my order", "why hasn't my order shipped", "please ship faster",
               "ship my order asap", "it still hasn't shipped"],
    }
    texts = {
        "zh": {
            "urged": "已为您催促仓库优先处理订单 {order_no}（第{count}次催单），预计 {ship_by} 前发出，"
                     "发货后可以随时找我查物流。",
            "unpaid": "订单 {order_no} 还未付款，付款后会在{ship_within_hours}小时内发货。",
            "already_on_way": "订单 {order_no} 已经发货了，需要我帮您查物流吗？",
        },
        "en": {
            "urged": "I've asked the warehouse to prioritise order {order_no} (request #{count}); it should ship "
                     "by {ship_by}. Ask me for tracking any time after that.",
            "unpaid": "Order {order_no} hasn't been paid yet; it ships within {ship_within_hours} hours of payment.",
            "already_on_way": "Order {order_no} has already shipped. Shall I track it for you?",
        },
    }

    def run(self, ctx: FlowContext) -> None:
        order = ctx.order()
        if order.status == "pending_payment":
            ctx.stop("done", "unpaid", order_no=order.order_no)
        if order.status == "cancelled":
            ctx.refuse(CommerceError("cancelled"), order_no=order.order_no)
        if order.status in ("shipped", "delivered", "completed"):
            track = "查物流" if ctx.locale == "zh" else "track my parcel"
            ctx.stop("done", "already_on_way", order_no=order.order_no,
                     payload={"type": "buttons", "buttons": [{"label": ctx.text("yes_button"), "value": track}]})
        try:
            urged = ctx.call(ctx.commerce.urge_shipment, order.order_no)
        except CommerceError as e:
            ctx.refuse(e, order_no=order.order_no)
        ctx.stop("done", "urged", order_no=order.order_no, count=urged.urge_count,
                 ship_by=ctx.when(urged.expected_ship_by))
