"""取消订单: cancel an order that has not shipped, with a reason, after confirming."""

from __future__ import annotations

from kefu.commerce.interface import CommerceError
from kefu.flows import parsers
from kefu.flows.base import Flow, FlowContext

REASONS = {
    "zh": [("不想要了", ["不想要", "不要了", "不需要"]), ("拍错了", ["拍错", "买错", "选错"]),
           ("地址/信息填错", ["地址", "填错"]), ("其他原因", ["其他", "别的"])],
    "en": [("changed my mind", ["mind", "don't want", "dont want"]), ("ordered by mistake", ["mistake", "wrong"]),
           ("wrong address", ["address"]), ("other", ["other"])],
}


class CancelOrder(Flow):
    id = "cancel_order"
    name = {"zh": "取消订单", "en": "Cancel an order"}
    order_states = ("pending_payment", "paid")
    examples = {
        "zh": ["取消订单", "我不想要了帮我取消", "帮我取消订单", "我要取消这个订单", "拍错了要取消", "帮我把单取消",
               "不要了 取消吧", "刚下的单不想要了", "这单不要了", "订单取消掉"],
        "en": ["cancel my order", "i want to cancel the order", "please cancel order", "can i cancel my order",
               "cancel it i don't want it"],
    }
    texts = {
        "zh": {
            "ask_reason": "请问取消的原因是？",
            "confirm_cancel": "确认取消订单 {order_no}（{items}）吗？取消后无法恢复。",
            "done_cancel": "订单 {order_no} 已取消。{refund}",
            "refund_paid": "已付款项将在1-3个工作日内原路退回。",
            "refused_already_shipped": "订单 {order_no} 已经发货，无法取消。您可以拒收，或签收后申请退货退款。",
        },
        "en": {
            "ask_reason": "May I ask why you want to cancel?",
            "confirm_cancel": "Cancel order {order_no} ({items})? This can't be undone.",
            "done_cancel": "Order {order_no} is cancelled. {refund}",
            "refund_paid": "Your payment will be refunded to the original method within 1-3 business days.",
            "refused_already_shipped": "Order {order_no} has already shipped, so it can't be cancelled. You can "
                                       "refuse delivery, or return it after it arrives.",
        },
    }

    def run(self, ctx: FlowContext) -> None:
        order = ctx.order()
        if order.status not in ("pending_payment", "paid"):
            ctx.refuse(CommerceError("cancelled" if order.status == "cancelled" else "already_shipped"),
                       order_no=order.order_no)
        options = REASONS.get(ctx.locale, REASONS["zh"])
        reason = ctx.require("reason", _reason_parser(options), "ask_reason",
                             buttons=[{"label": v, "value": v} for v, _ in options])
        items = "，".join(f"{i.name}×{i.quantity}" for i in order.items) or "-"
        ctx.confirm("confirm_cancel", order_no=order.order_no, items=items)
        try:
            ctx.call(ctx.commerce.cancel_order, order.order_no, reason)
        except CommerceError as e:
            ctx.refuse(e, order_no=order.order_no)
        refund = ctx.text("refund_paid") if order.paid_at else ""
        ctx.stop("done", "done_cancel", order_no=order.order_no, refund=refund)


def _reason_parser(options):
    pick = parsers.choice(options)

    def parse(text: str, ctx=None) -> str | None:
        # Any reason in the customer's own words is fine; the buttons just save typing.
        return pick(text, ctx) or parsers.free_text(text, ctx)
    return parse
