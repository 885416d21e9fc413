"""退货/退款: check the return window, gather kind, items and reason, open the request, give next steps."""

from __future__ import annotations

import datetime as dt

from kefu.commerce.interface import CommerceError
from kefu.db import utcnow
from kefu.flows import parsers
from kefu.flows.base import Flow, FlowContext
from kefu.tenants.facts import int_fact

KINDS = {
    "zh": [("return", ["退货退款", "退货", "退回"]), ("refund", ["仅退款", "只退款", "退钱", "退款"]),
           ("exchange", ["换货", "换一个", "换尺码", "换"])],
    "en": [("return", ["return", "send back"]), ("refund", ["refund only", "refund", "money back"]),
           ("exchange", ["exchange", "swap", "replace"])],
}
REASONS = {
    "zh": ["质量问题", "尺码不合适", "与描述不符", "发错货/少件", "不喜欢了"],
    "en": ["Defective", "Wrong size", "Not as described", "Wrong or missing item", "Changed my mind"],
}
# How customers name a reason inside the sentence that starts the flow ("质量有问题要退货"), by REASONS' order.
REASON_WORDS = {
    "zh": [["质量", "坏了", "破了", "破损", "瑕疵", "不能用", "用不了", "漏"], ["尺码", "太大", "太小", "偏大", "偏小",
           "大了", "小了", "不合身"], ["不符", "色差", "和图片不一样", "跟描述不一样", "假货"],
           ["发错", "少件", "少发", "漏发", "错发"], ["不喜欢", "不想要", "不需要了", "买多了", "拍多了"]],
    "en": [["broken", "defective", "damaged", "faulty", "doesn't work", "not working"], ["size", "too big",
           "too small", "doesn't fit"], ["not as described", "different from", "fake"], ["wrong item", "missing"],
           ["changed my mind", "don't want", "don't need", "don't like"]],
}


class ReturnRefund(Flow):
    id = "return_refund"
    name = {"zh": "退货退款", "en": "Return or refund"}
    order_states = ("delivered", "completed")
    examples = {
        "zh": ["我要退货", "申请退款", "这个东西我想退了", "我要退款", "帮我退了吧 不想要了", "我要换货",
               "尺码不合适想换", "质量有问题要退", "给我办个退货", "申请售后", "我要申请售后", "这单想售后", "售后",
               "我要售后", "退掉", "想退掉", "退款退货"],
        "en": ["i want to return this", "request a refund", "i want my money back",
               "exchange for another size", "return my order", "the item is broken i want a refund",
               "can i return it", "can i still return this order", "return this order", "send it back"],
    }
    texts = {
        "zh": {
            "ask_kind": "请选择要办理的类型：",
            "kind_return": "退货退款", "kind_refund": "仅退款", "kind_exchange": "换货",
            "ask_items": "要办理哪件商品？",
            "all_items": "全部商品",
            "ask_return_reason": "请告诉我原因（可点选）：",
            "confirm_return": "将为订单 {order_no} 申请{kind}：{items}，原因：{reason}。确认提交吗？",
            "created": "已提交{kind}申请，申请单号 {return_no}。\n下一步：{next}",
            "next_return": "请在7天内将商品寄回：{return_address}，并在订单页填写退货物流单号。"
                           "仓库签收后1-3个工作日内原路退款。",
            "next_refund": "审核通过后1-3个工作日内原路退款。",
            "next_exchange": "请将商品寄回：{return_address}，仓库收到后为您换发新商品。",
            "next_return_by_person": "退货地址将由人工客服提供，收到地址后请在7天内寄回，并在订单页填写退货物流单号。"
                                     "仓库签收后1-3个工作日内原路退款。",
            "next_exchange_by_person": "退货地址将由人工客服提供，收到地址后寄回商品，仓库收到后为您换发新商品。",
            "address_by_person": "点击下方按钮转人工，客服会把退货地址发给您。",
            "unpaid_nothing": "订单 {order_no} 还没有付款，无需退款；不想要可以直接取消订单。",
            "not_shipped_cancel": "订单 {order_no} 还没发货，直接取消订单即可全额退款。要我帮您取消吗？",
            "on_the_way": "订单 {order_no} 正在配送中，您可以拒收快递，商品退回后为您退款；或签收后再申请退货。",
            "window_passed": "订单 {order_no} 已签收超过{return_days}天，超出无理由退换期限。"
                             "如有质量问题，可以转人工为您处理。",
            "refused_already_requested": "订单 {order_no} 已有进行中的售后申请（{detail}），请耐心等待处理。",
        },
        "en": {
            "ask_kind": "What would you like to do?",
            "kind_return": "Return for refund", "kind_refund": "Refund only", "kind_exchange": "Exchange",
            "ask_items": "Which item is it about?",
            "all_items": "All items",
            "ask_return_reason": "What's the reason? (tap one or type)",
            "confirm_return": "Request a {kind} for order {order_no}: {items}, reason: {reason}. Submit?",
            "created": "Your {kind} request {return_no} is submitted.\nNext: {next}",
            "next_return": "Send the items within 7 days to: {return_address}, and add the tracking number on the "
                           "order page. We refund within 1-3 business days of receiving them.",
            "next_refund": "Once approved, the refund reaches your original payment method in 1-3 business days.",
            "next_exchange": "Send the item to: {return_address}; we ship the replacement once it arrives.",
            "next_return_by_person": "A person from our team will give you the return address; then send the items "
                                     "within 7 days and add the tracking number on the order page. We refund within "
                                     "1-3 business days of receiving them.",
            "next_exchange_by_person": "A person from our team will give you the return address; we ship the "
                                       "replacement once the item arrives.",
            "address_by_person": "Tap below to talk to a person, who will send you the return address.",
            "unpaid_nothing": "Order {order_no} hasn't been paid, so there's nothing to refund; you can cancel it.",
            "not_shipped_cancel": "Order {order_no} hasn't shipped; cancelling it refunds you in full. Cancel it?",
            "on_the_way": "Order {order_no} is on its way. Refuse the delivery to get a refund once it comes back, "
                          "or request a return after it arrives.",
            "window_passed": "Order {order_no} was delivered more than {return_days} days ago, beyond the return "
                             "window. If the item is faulty, a person can help you.",
            "refused_already_requested": "Order {order_no} already has an open request ({detail}).",
        },
    }

    def run(self, ctx: FlowContext) -> None:
        order = ctx.order()
        no = order.order_no
        if order.open_return_no:  # said at once, not after every question has been answered
            ctx.refuse(CommerceError("already_requested", order.open_return_no), order_no=no)
        if order.status == "cancelled":
            ctx.refuse(CommerceError("cancelled"), order_no=no)
        if order.status == "pending_payment":
            ctx.stop("done", "unpaid_nothing", order_no=no)
        if order.status == "paid":
            cancel = "取消订单" if ctx.locale == "zh" else "cancel my order"
            ctx.stop("done", "not_shipped_cancel", order_no=no, payload={
                "type": "buttons", "buttons": [{"label": ctx.text("yes_button"), "value": cancel}]})
        if order.status == "shipped":
            ctx.stop("done", "on_the_way", order_no=no)
        return_days = int_fact(ctx.facts, "return_days", 7)
        if order.delivered_at and utcnow() - order.delivered_at > dt.timedelta(days=return_days):
            ctx.stop("done", "window_passed", order_no=no, return_days=return_days, payload={
                "type": "buttons", "buttons": [{"label": ctx.text("handoff_button_label"), "action": "handoff"}]})
        kinds = KINDS.get(ctx.locale, KINDS["zh"])
        kind = ctx.require("kind", parsers.choice(kinds), "ask_kind", from_opening=True,
                           buttons=[{"label": ctx.text("kind_" + k), "value": ctx.text("kind_" + k)} for k, _ in kinds])
        skus = self._items(ctx, order)
        reasons = REASONS.get(ctx.locale, REASONS["zh"])
        named = parsers.choice(list(zip(reasons, REASON_WORDS.get(ctx.locale, REASON_WORDS["zh"]), strict=True)))
        if "reason" not in ctx.slots and ctx.opening and (found := named(ctx.opening)):
            ctx.slots["reason"] = found
        reason = ctx.require("reason", "free_text", "ask_return_reason",
                             buttons=[{"label": r, "value": r} for r in reasons])
        names = "，".join(i.name for i in order.items if i.sku in skus)
        ctx.confirm("confirm_return", order_no=no, kind=ctx.text("kind_" + kind), items=names, reason=reason)
        try:
            req = ctx.call(ctx.commerce.create_return, no, kind=kind, skus=skus, reason=reason)
        except CommerceError as e:
            ctx.refuse(e, order_no=no)
        payload = {"type": "return", "return_no": req.return_no, "order_no": no, "kind": kind}
        if kind != "refund" and ctx.fact("return_address") is None:
            # No address to give: say a person will send it, and offer one, rather than a stand-in.
            ctx.say("created", payload, kind=ctx.text("kind_" + kind), return_no=req.return_no,
                    next=ctx.text(f"next_{kind}_by_person"))
            ctx.stop("done", "address_by_person", payload={
                "type": "buttons", "buttons": [{"label": ctx.text("handoff_button_label"), "action": "handoff"}]})
        ctx.stop("done", "created", kind=ctx.text("kind_" + kind), return_no=req.return_no,
                 next=ctx.text("next_" + kind), payload=payload)

    @staticmethod
    def _items(ctx: FlowContext, order) -> list[str]:
        if len(order.items) <= 1:
            return [i.sku for i in order.items]
        all_label = ctx.text("all_items")
        options = [(i.sku, [i.name]) for i in order.items]
        pick = parsers.choice(options)

        def parse(text: str, _ctx=None) -> list[str] | None:
            if text.strip() in (all_label, "全部", "all"):
                return [i.sku for i in order.items]
            one = pick(text)
            return [one] if one else None

        buttons = [{"label": i.name, "value": i.name} for i in order.items] + [
            {"label": all_label, "value": all_label}]
        return ctx.require("skus", parse, "ask_items", buttons=buttons)
