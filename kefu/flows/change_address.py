"""改地址: change the delivery address of an order that has not shipped, after confirming the parsed address."""

from __future__ import annotations

from kefu.commerce.interface import AddressData, CommerceError
from kefu.flows.base import Flow, FlowContext


class ChangeAddress(Flow):
    id = "change_address"
    name = {"zh": "修改收货地址", "en": "Change delivery address"}
    order_states = ("pending_payment", "paid")
    examples = {
        "zh": ["改地址", "修改收货地址", "地址填错了", "我想换个收货地址", "收货地址写错了能改吗", "帮我改一下地址",
               "改一下收件人电话", "送货地址要改"],
        "en": ["change my address", "change delivery address", "wrong shipping address", "update my address",
               "i entered the wrong address", "edit shipping address"],
    }
    texts = {
        "zh": {
            "ask_address": "请发送新的收货地址（省市区+详细地址，可附收件人和手机号）。当前地址：{current}",
            "confirm_address": "新地址是：{address}\n确认修改订单 {order_no} 的收货地址吗？",
            "changed": "已将订单 {order_no} 的收货地址改为：{address}",
            "refused_already_shipped": "订单 {order_no} 已经发货，无法修改地址。"
                                       "您可以联系{carrier}派送员改派，或拒收后重新下单。",
        },
        "en": {
            "ask_address": "Please send the new delivery address (province, city, district, street; name and "
                           "phone optional). Current: {current}",
            "confirm_address": "New address: {address}\nChange the address of order {order_no}?",
            "changed": "Done: order {order_no} will be delivered to {address}",
            "refused_already_shipped": "Order {order_no} has already shipped, so its address can't be changed. "
                                       "You can ask the courier to redirect it, or refuse delivery and reorder.",
        },
    }

    def run(self, ctx: FlowContext) -> None:
        order = ctx.order()
        if order.status not in ("pending_payment", "paid"):
            ctx.refuse(CommerceError("cancelled" if order.status == "cancelled" else "already_shipped"),
                       order_no=order.order_no)
        parsed = ctx.require("address", "address", "ask_address", current=order.address.one_line() or "-")
        # The place is replaced as a whole (a new city has no old district); name and phone stay unless given.
        new = AddressData(**{**parsed, "name": parsed.get("name") or order.address.name,
                             "phone": parsed.get("phone") or order.address.phone})
        ctx.confirm("confirm_address", address=new.one_line(), order_no=order.order_no)
        try:
            changed = ctx.call(ctx.commerce.change_address, order.order_no, new)
        except CommerceError as e:
            ctx.refuse(e, order_no=order.order_no)
        ctx.stop("done", "changed", order_no=order.order_no, address=changed.address.one_line())
