"""Self-service flows against the built-in store: happy paths, cancelling, topic switches and bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kefu.commerce.models import Order, ReturnRequest
from kefu.knowledge.actions import do_create_point
from kefu.knowledge.schemas import KnowledgeIn
from kefu.tenants.models import Tenant
from tests.support.chat import Chat, add_order


@pytest.fixture
def orders(app, runtime, shop_a):
    t = shop_a.tenant_id
    add_order(runtime, t, "A1001", "paid", customer_ref="u-1")
    add_order(runtime, t, "A1002", "shipped", customer_ref="u-2")
    add_order(runtime, t, "A1003", "delivered", customer_ref="u-3", delivered_days_ago=2, items=2)
    add_order(runtime, t, "A1004", "delivered", customer_ref="u-4", delivered_days_ago=30)
    add_order(runtime, t, "A1005", "pending_payment", customer_ref="u-5")
    add_order(runtime, t, "B2001", "paid", customer_ref="u-9", phone="13911112222")
    return t


@pytest.fixture
def faq(runtime, shop_a):
    with runtime.db.session() as db:
        do_create_point(db, tenant_id=shop_a.tenant_id, data=KnowledgeIn(
            question="运费怎么算？", similar_questions=["包邮吗", "邮费多少"], answer="满99元包邮。"))


def _order(runtime, tenant_id, no) -> Order:
    with runtime.db.session() as db:
        order = db.scalar(select(Order).where(Order.tenant_id == tenant_id, Order.order_no == no))
        db.expunge(order)
        return order


# --- 查物流 -----------------------------------------------------------------------------------------

def test_signed_in_customer_tracks_their_only_order_at_once(runtime, orders):
    chat = Chat.open(runtime, orders, external_id="u-2")
    out = chat.say("我的快递到哪了")
    assert len(out) == 1 and "A1002" in out[0] and "顺丰速运" in out[0] and "上海转运中心" in out[0]
    assert chat.last_payload()["type"] == "tracking"


def test_anonymous_customer_must_verify_with_the_phone_on_the_order(runtime, orders):
    chat = Chat.open(runtime, orders)
    assert "订单号" in chat.say("查物流")[-1]
    assert "手机号" in chat.say("A1002")[-1]
    out = chat.say("138-0013-8000")
    assert "顺丰速运" in out[-1] and "运输中" in out[-1]
    # The verified order is remembered: the next question about it needs no new proof.
    assert "A1002" in chat.say("订单状态怎么样了")[-1]


def test_unpaid_order_has_no_tracking_and_paid_offers_to_hurry(runtime, orders):
    chat = Chat.open(runtime, orders, external_id="u-1")
    out = chat.say("物流到哪了")
    assert "还没有发货" in out[-1] and chat.last_payload()["buttons"][0]["value"] == "催发货"


def test_someone_elses_order_is_never_shown(runtime, orders):
    chat = Chat.open(runtime, orders, external_id="u-1")
    chat.say("帮我查下 B2001 的物流")
    out = chat.say("13800138000")  # u-1's own phone, not the one on B2001
    assert "不匹配" in out[0] and "手机号" in out[-1]
    text = " ".join(m.text for m in chat.replies(0))
    assert "13911112222" not in text and "文三路" not in text


def test_unknown_order_number_gets_the_same_answer_as_a_wrong_phone(runtime, orders):
    chat = Chat.open(runtime, orders)
    chat.say("查物流")
    chat.say("Z9999999")
    out = chat.say("13800138000")
    assert "不匹配" in out[0] and "手机号" in out[-1]


def test_after_a_wrong_phone_only_the_phone_is_asked_again(runtime, orders):
    chat = Chat.open(runtime, orders)
    chat.say("A1002 到哪了")
    out = chat.say("13900000000")
    assert "不匹配" in out[0] and "A1002" in out[-1] and "手机号" in out[-1]
    assert "上海转运中心" in chat.say("138 0013 8000")[-1]


def test_a_new_order_number_typed_for_the_phone_is_the_order_meant(runtime, orders):
    chat = Chat.open(runtime, orders)
    chat.say("查物流 Z9999999")
    chat.say("13800138000")  # no such order: the same answer as a wrong phone
    out = chat.say("哦 打错了 是A1002")
    assert "A1002" in out[-1] and "手机号" in out[-1]
    assert "上海转运中心" in chat.say("13800138000")[-1]


def test_three_failed_verifications_hand_over_to_a_person(runtime, orders, agent_online):
    chat = Chat.open(runtime, orders)
    chat.say("查物流")
    for _ in range(3):
        chat.say("A1002")
        out = chat.say("13900000000")
    assert any("转接人工" in t for t in out)
    conv = chat.conversation()
    assert conv.status == "queued" and conv.handoff["reason"] == "flow_failed"


def test_cancel_word_leaves_the_flow(runtime, orders, faq):
    chat = Chat.open(runtime, orders)
    chat.say("查物流")
    assert "已退出" in chat.say("算了")[-1]
    assert chat.say("包邮吗") == ["满99元包邮。"]


def test_topic_switch_answers_then_offers_to_resume(runtime, orders, faq):
    chat = Chat.open(runtime, orders)
    chat.say("查物流")
    out = chat.say("运费怎么算")
    assert out[0] == "满99元包邮。" and "继续" in out[1]
    assert "订单号" in chat.say("继续")[-1]
    assert "手机号" in chat.say("A1002")[-1]


def test_a_reply_that_fits_nothing_is_asked_again(runtime, orders):
    chat = Chat.open(runtime, orders)
    chat.say("查物流")
    out = chat.say("嗯嗯嗯")
    assert "没能识别" in out[0] and "订单号" in out[-1]


# --- 查订单 -----------------------------------------------------------------------------------------

def test_order_status_lists_items_and_total(runtime, orders):
    chat = Chat.open(runtime, orders, external_id="u-3")
    out = chat.say("查一下我的订单")
    assert "A1003" in out[-1] and "已签收" in out[-1] and "纯棉T恤" in out[-1] and "198.00" in out[-1]


def test_customer_with_several_orders_picks_one(runtime, orders):
    add_order(runtime, orders, "A1010", "shipped", customer_ref="u-1")
    chat = Chat.open(runtime, orders, external_id="u-1")
    chat.say("查订单")
    buttons = chat.last_payload()["buttons"]
    assert {b["value"] for b in buttons} == {"A1001", "A1010"}
    assert "A1010" in chat.say("A1010")[-1]


# --- 催发货 -----------------------------------------------------------------------------------------

def test_urge_shipment_records_it_and_gives_the_date(runtime, orders):
    chat = Chat.open(runtime, orders, external_id="u-1")
    assert "第1次催单" in chat.say("怎么还不发货")[-1]
    assert "第2次催单" in chat.say("催发货")[-1]
    assert _order(runtime, orders, "A1001").urge_count == 2


def test_urge_on_a_shipped_order_points_to_tracking(runtime, orders):
    chat = Chat.open(runtime, orders, external_id="u-2")
    assert "已经发货" in chat.say("催一下发货")[-1]


# --- 取消订单 ---------------------------------------------------------------------------------------

def test_cancel_an_unshipped_order_after_reason_and_confirmation(runtime, orders):
    chat = Chat.open(runtime, orders, external_id="u-1")
    assert "原因" in chat.say("我要取消订单")[-1]
    assert "确认取消订单 A1001" in chat.say("拍错了")[-1]
    assert "已取消" in chat.say("确认")[-1]
    assert _order(runtime, orders, "A1001").status == "cancelled"


def test_saying_no_at_confirmation_changes_nothing(runtime, orders):
    chat = Chat.open(runtime, orders, external_id="u-1")
    chat.say("取消订单")
    chat.say("不想要了")
    assert "没有做任何修改" in chat.say("不用了")[-1]
    assert _order(runtime, orders, "A1001").status == "paid"


def test_cancel_after_shipment_is_refused(runtime, orders):
    chat = Chat.open(runtime, orders, external_id="u-2")
    assert "无法取消" in chat.say("取消订单")[-1]
    assert _order(runtime, orders, "A1002").status == "shipped"


# --- 退货/退款 --------------------------------------------------------------------------------------

def _set_facts(runtime, tenant_id, **facts):
    with runtime.db.session() as db:
        db.get(Tenant, tenant_id).facts = facts


def test_return_within_the_window_creates_a_request_and_gives_the_address(runtime, orders):
    _set_facts(runtime, orders, return_address="杭州市西湖区示范路100号 售后仓")
    chat = Chat.open(runtime, orders, external_id="u-3")
    assert "哪件" in chat.say("我要退货")[-1]  # "退货" names the kind already
    assert "原因" in chat.say("牛仔裤")[-1]
    assert "确认提交" in chat.say("尺码不合适")[-1]
    out = chat.say("确认")
    assert len(out) == 1 and "申请单号 R" in out[0]
    assert "请在7天内将商品寄回：杭州市西湖区示范路100号 售后仓，并在订单页填写退货物流单号" in out[0]
    assert chat.last_payload()["type"] == "return"
    with runtime.db.session() as db:
        req = db.scalar(select(ReturnRequest))
        assert req.kind == "return" and req.skus == ["SKU-2"] and req.reason == "尺码不合适"


def test_without_a_return_address_the_flow_says_a_person_will_give_it(runtime, orders):
    chat = Chat.open(runtime, orders, external_id="u-3")
    chat.say("我要退货")
    chat.say("退货退款")
    chat.say("牛仔裤")
    chat.say("尺码不合适")
    out = chat.say("确认")
    assert "申请单号 R" in out[0] and "退货地址将由人工客服提供" in out[0]
    assert "转人工" in out[1] and chat.last_payload()["buttons"][0]["action"] == "handoff"
    assert not any("为准" in text or "{return_address}" in text for text in out)
    with runtime.db.session() as db:
        assert db.scalar(select(ReturnRequest)).kind == "return"  # the request is made all the same
    # An exchange says the same.
    add_order(runtime, orders, "A1006", "delivered", customer_ref="u-6", delivered_days_ago=1)
    chat = Chat.open(runtime, orders, external_id="u-6")
    chat.say("我要换货")
    chat.say("换货")
    chat.say("尺码不合适")
    out = chat.say("确认")
    assert "退货地址将由人工客服提供" in out[0] and chat.last_payload()["buttons"][0]["action"] == "handoff"


def test_a_shop_wording_that_quotes_a_missing_fact_says_a_person_will_tell(runtime, orders):
    from kefu.flows.base import FlowContext
    from kefu.flows.registry import get_flow

    ctx = FlowContext(flow=get_flow("return_refund"), locale="en", slots={}, memory={}, commerce=None,
                      customer_ref=None, facts={"return_address": "", "carrier": "SF"},
                      overrides={"next_exchange": "Ship it with {carrier} to {return_address}."})
    assert ctx.text("next_exchange") == "Ship it with SF to (a person from our team will tell you)."
    assert ctx.fact("return_address") is None and ctx.fact("carrier") == "SF"


def test_return_after_the_window_is_refused_with_a_person_offered(runtime, orders):
    chat = Chat.open(runtime, orders, external_id="u-4")
    assert "超出无理由退换期限" in chat.say("申请退款")[-1]
    assert chat.last_payload()["buttons"][0]["action"] == "handoff"


def test_return_on_an_unshipped_order_suggests_cancelling(runtime, orders):
    chat = Chat.open(runtime, orders, external_id="u-1")
    assert "取消订单" in chat.say("我要退款")[-1]


def test_return_flow_can_be_cancelled_midway(runtime, orders):
    chat = Chat.open(runtime, orders, external_id="u-3")
    chat.say("我要退货")
    chat.say("仅退款")
    assert "已退出" in chat.say("不办了")[-1]
    with runtime.db.session() as db:
        assert db.scalar(select(ReturnRequest)) is None


# --- switches and wording ---------------------------------------------------------------------------

def test_a_switched_off_flow_is_not_started(runtime, orders, faq):
    from kefu.tenants.models import Tenant

    with runtime.db.session() as db:
        db.get(Tenant, orders).flow_settings = {"cancel_order": {"enabled": False}}
    chat = Chat.open(runtime, orders, external_id="u-1")
    chat.say("我要取消订单")
    assert _order(runtime, orders, "A1001").status == "paid"
    assert chat.conversation().bot_state.get("flow") is None


def test_a_shop_rewords_a_flow(runtime, orders):
    from kefu.tenants.models import Tenant

    with runtime.db.session() as db:
        db.get(Tenant, orders).flow_settings = {
            "urge_shipment": {"texts": {"zh": {"urged": "亲，已催仓库啦，{ship_by}前发出哦"}}}}
    chat = Chat.open(runtime, orders, external_id="u-1")
    assert chat.say("催发货")[-1].startswith("亲，已催仓库啦")


# --- 改地址 -----------------------------------------------------------------------------------------

def test_change_address_parses_confirms_and_saves(runtime, orders):
    chat = Chat.open(runtime, orders, external_id="u-1")
    assert "新的收货地址" in chat.say("地址填错了帮我改一下")[-1]
    out = chat.say("广东省深圳市南山区科技园科苑路15号 李四 13912345678")[-1]
    assert "确认修改" in out and "广东省深圳市南山区" in out and "李四" in out
    assert "已将订单 A1001 的收货地址改为" in chat.say("确认")[-1]
    address = _order(runtime, orders, "A1001").address
    assert (address["province"], address["city"], address["district"]) == ("广东省", "深圳市", "南山区")
    assert address["name"] == "李四" and address["phone"] == "13912345678"


def test_a_garbled_address_is_explained_and_asked_again(runtime, orders):
    chat = Chat.open(runtime, orders, external_id="u-1")
    chat.say("改地址")
    out = chat.say("火星基地1号")
    assert "地址没能识别" in out[0] and "新的收货地址" in out[-1]
    assert _order(runtime, orders, "A1001").address["city"] == "杭州市"


def test_address_change_after_shipment_is_refused(runtime, orders):
    chat = Chat.open(runtime, orders, external_id="u-2")
    assert "无法修改地址" in chat.say("修改收货地址")[-1]


def test_address_change_can_be_called_off(runtime, orders):
    chat = Chat.open(runtime, orders, external_id="u-1")
    chat.say("改地址")
    chat.say("北京市朝阳区建国路88号")
    assert "没有做任何修改" in chat.say("不用了")[-1]
    assert _order(runtime, orders, "A1001").address["city"] == "杭州市"


# --- every flow: cancel, topic switch, bad input ------------------------------------------------------------

OPENERS = {
    "track_parcel": "我的快递到哪了",
    "order_status": "帮我查一下订单",
    "change_address": "地址填错了帮我改一下",
    "cancel_order": "我要取消这个订单",
    "return_refund": "我要退货",
    "urge_shipment": "怎么还不发货",
}


@pytest.mark.parametrize("flow_id", sorted(OPENERS))
def test_every_flow_can_be_called_off(runtime, orders, flow_id):
    chat = Chat.open(runtime, orders)  # anonymous: every flow first asks for the order number
    assert "订单号" in chat.say(OPENERS[flow_id])[-1]
    assert chat.conversation().bot_state["flow"]["id"] == flow_id
    assert "已退出" in chat.say("算了")[-1]
    assert chat.conversation().bot_state.get("flow") is None


@pytest.mark.parametrize("flow_id", sorted(OPENERS))
def test_every_flow_answers_a_question_in_between_and_resumes(runtime, orders, faq, flow_id):
    chat = Chat.open(runtime, orders)
    chat.say(OPENERS[flow_id])
    out = chat.say("包邮吗")
    assert out[0] == "满99元包邮。" and "继续" in out[-1]
    assert "订单号" in chat.say("继续")[-1]
    assert chat.conversation().bot_state["flow"]["id"] == flow_id


@pytest.mark.parametrize("flow_id", sorted(OPENERS))
def test_every_flow_refuses_an_unknown_order_without_saying_which_part_was_wrong(runtime, orders, flow_id):
    chat = Chat.open(runtime, orders)
    chat.say(OPENERS[flow_id])
    assert "手机号" in chat.say("ZZ999999")[-1]
    out = chat.say("13800138000")
    assert "不匹配" in out[0] and "手机号" in out[-1]


@pytest.mark.parametrize("flow_id", sorted(OPENERS))
def test_every_flow_keeps_another_customers_order_hidden(runtime, orders, flow_id):
    chat = Chat.open(runtime, orders, external_id="u-1")
    chat.say(OPENERS[flow_id] + " B2001")
    out = chat.say("13800138000")  # not the phone on B2001
    assert "不匹配" in out[0]
    said = " ".join(m.text for m in chat.replies(0))
    assert "13911112222" not in said and "张三" not in said


def test_a_switched_off_flow_is_not_started_from_inside_another_flow(runtime, orders):
    from kefu.tenants.models import Tenant

    with runtime.db.session() as db:
        db.get(Tenant, orders).flow_settings = {"cancel_order": {"enabled": False}}
    chat = Chat.open(runtime, orders)
    chat.say("查物流")
    chat.say("我要取消这个订单")
    assert chat.conversation().bot_state["flow"]["id"] == "track_parcel"


def test_asking_for_the_same_flow_again_repeats_the_question(runtime, orders):
    chat = Chat.open(runtime, orders)
    chat.say("查物流")
    out = chat.say("我的快递到哪了")
    assert "订单号" in out[-1] and not any("没能理解" in t for t in out)


def test_a_chinese_only_shop_still_answers_an_english_question(runtime, orders, faq):
    chat = Chat.open(runtime, orders, locale="en")
    out = chat.say("how much is the shipping fee")
    assert out == ["满99元包邮。"]  # nothing in English to prefer: its own answer beats a fallback
