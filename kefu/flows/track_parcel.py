"""查物流: where is my parcel — latest tracking events and expected delivery."""

from __future__ import annotations

from kefu.flows.base import Flow, FlowContext


class TrackParcel(Flow):
    id = "track_parcel"
    name = {"zh": "查物流", "en": "Track my parcel"}
    order_states = ("shipped",)
    examples = {
        "zh": ["查物流", "我的快递到哪了", "包裹到哪里了", "物流信息查一下", "快递怎么还没到", "帮我查下快递",
               "物流怎么不动了", "什么时候能送到", "快递单号多少", "我的货到哪了", "查一下我的包裹", "到哪了",
               "订单到哪了", "到哪儿了", "东西到哪了", "现在到哪了", "发到哪里了", "物流信息", "物流到哪了",
               "快递到哪了 急", "今天能送到吗", "明天能到吗", "货什么时候能到", "怎么还没送到", "还没收到货",
               "能准时送到吗", "几点能送到", "今天能收到吗"],
        "en": ["where is my parcel", "track my order", "where is my package", "tracking information",
               "when will my order arrive", "has my parcel shipped", "track my delivery"],
    }
    texts = {
        "zh": {
            "not_shipped": "订单 {order_no} 还没有发货（{status}），预计 {ship_by} 前发出。需要我帮您催一下发货吗？",
            "cancelled_order": "订单 {order_no} 已取消，没有物流信息。",
            "no_events": "订单 {order_no} 已交给{carrier}（单号 {tracking_no}），暂时还没有物流更新，请稍后再查。",
            "tracking": "订单 {order_no} 由{carrier}配送（单号 {tracking_no}），最新进展：\n{events}\n{eta}",
            "eta": "预计 {when} 送达。",
            "delivered_eta": "包裹已签收。",
        },
        "en": {
            "not_shipped": "Order {order_no} hasn't shipped yet ({status}); it should ship by {ship_by}. "
                           "Shall I ask the warehouse to hurry?",
            "cancelled_order": "Order {order_no} was cancelled, so there is no tracking.",
            "no_events": "Order {order_no} is with {carrier} (tracking {tracking_no}); no updates yet, please "
                         "check again later.",
            "tracking": "Order {order_no} is with {carrier} (tracking {tracking_no}). Latest:\n{events}\n{eta}",
            "eta": "Expected delivery: {when}.",
            "delivered_eta": "The parcel has been delivered.",
        },
    }

    def run(self, ctx: FlowContext) -> None:
        order = ctx.order()
        status = ctx.text("status_" + order.status)
        if order.status == "cancelled":
            ctx.stop("done", "cancelled_order", order_no=order.order_no)
        if order.status in ("pending_payment", "paid"):
            buttons = [{"label": ctx.text("yes_button"), "value": "催发货" if ctx.locale == "zh" else "hurry shipment"}]
            ctx.stop("done", "not_shipped", order_no=order.order_no, status=status,
                     ship_by=ctx.when(order.expected_ship_by),
                     payload={"type": "buttons", "buttons": buttons} if order.status == "paid" else None)
        parcels = ctx.call(ctx.commerce.shipments, order.order_no)
        if not parcels:
            ctx.stop("done", "no_events", order_no=order.order_no, carrier="-", tracking_no="-")
        parcel = parcels[-1]
        if not parcel.events:
            ctx.stop("done", "no_events", order_no=order.order_no, carrier=parcel.carrier,
                     tracking_no=parcel.tracking_no)
        latest = sorted(parcel.events, key=lambda e: e.time)[-3:][::-1]
        lines = "\n".join(f"· {ctx.when(e.time)} {e.location} {e.description}".replace("  ", " ") for e in latest)
        if parcel.status == "delivered" or order.status in ("delivered", "completed"):
            eta = ctx.text("delivered_eta")
        else:
            eta = ctx.text("eta", when=ctx.when(parcel.expected_delivery))
        ctx.stop("done", "tracking", order_no=order.order_no, carrier=parcel.carrier, tracking_no=parcel.tracking_no,
                 events=lines, eta=eta, payload={"type": "tracking", "order_no": order.order_no,
                                                  "carrier": parcel.carrier, "tracking_no": parcel.tracking_no,
                                                  "status": parcel.status})
