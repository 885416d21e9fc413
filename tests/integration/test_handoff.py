"""The handoff policy: when the bot steps aside, the context it passes on, the queue, and taking a message."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kefu.conversations.models import LeftMessage
from kefu.tenants.models import Tenant
from tests.support.chat import Chat, add_order


@pytest.fixture
def shop(app, runtime, shop_a):
    return shop_a.tenant_id


def _policy(runtime, tenant_id, **kw):
    with runtime.db.session() as db:
        tenant = db.get(Tenant, tenant_id)
        for key, value in kw.items():
            setattr(tenant, key, value)


def test_asking_for_a_person_queues_with_place_and_context(runtime, shop, agent_online):
    first = Chat.open(runtime, shop)
    first.say("人工客服")
    second = Chat.open(runtime, shop)
    second.say("你好")
    out = second.say("我要找真人")
    assert "转接人工" in out[0] and "第 2 位" in out[-1]
    conv = second.conversation()
    assert conv.status == "queued" and conv.handoff["reason"] == "customer_asked"
    assert "我要找真人" in conv.handoff["summary"] and "你好" in conv.handoff["summary"]


def test_two_not_understood_in_a_row_hand_over(runtime, shop, agent_online):
    chat = Chat.open(runtime, shop)
    assert "没能理解" in chat.say("今天天气晴朗适合郊游")[-1]
    out = chat.say("月亮为什么是圆的呢")
    assert "转接人工" in " ".join(out) and chat.conversation().handoff["reason"] == "not_understood"


def test_the_shop_can_turn_the_fallback_rule_off(runtime, shop, agent_online):
    _policy(runtime, shop, handoff_policy={"not_understood_in_row": 0})
    chat = Chat.open(runtime, shop)
    for text in ("今天天气晴朗适合郊游", "月亮为什么是圆的呢", "火车几点开"):
        chat.say(text)
    assert chat.conversation().status == "bot"


def test_anger_goes_to_a_person_first_in_the_queue(runtime, shop, agent_online):
    calm = Chat.open(runtime, shop)
    calm.say("转人工")
    angry = Chat.open(runtime, shop)
    out = angry.say("你们这什么垃圾服务！！！骗子！我要投诉！")
    assert "非常抱歉" in out[0] and "第 1 位" in out[-1]
    conv = angry.conversation()
    assert conv.handoff["reason"] == "angry" and conv.handoff["emotion"] == "angry" and conv.priority == 2


def test_repeated_anxiety_hands_over(runtime, shop, agent_online):
    chat = Chat.open(runtime, shop)
    chat.say("急急急，明天就要用，能不能快点")
    chat.say("真的很着急，拜托了，今天能到吗？")
    assert chat.conversation().handoff["reason"] == "anxious"


def test_vip_customers_go_straight_to_a_person(runtime, shop, agent_online):
    chat = Chat.open(runtime, shop, external_id="vip-1", tags=["VIP"])
    chat.say("你好，问一下")
    assert chat.conversation().handoff["reason"] == "vip"


def test_handoff_context_carries_the_order_and_intent(runtime, shop, agent_online):
    add_order(runtime, shop, "C3001", "shipped", customer_ref="u-7")
    chat = Chat.open(runtime, shop, external_id="u-7")
    chat.say("我的快递到哪了")
    chat.say("转人工")
    handoff = chat.conversation().handoff
    assert handoff["order_no"] == "C3001" and handoff["intent"] == "track_parcel"


def test_a_down_order_system_apologises_and_hands_over(runtime, shop, agent_online):
    _policy(runtime, shop, commerce_url="http://127.0.0.1:9/", commerce_secret="s3cret")
    chat = Chat.open(runtime, shop, external_id="u-1")
    out = chat.say("查一下我的订单")
    assert "订单系统暂时无法访问" in out[0]
    assert chat.conversation().status == "queued" and chat.conversation().handoff["reason"] == "flow_failed"


def test_nobody_online_takes_a_message_for_later(runtime, shop):
    chat = Chat.open(runtime, shop)
    out = chat.say("转人工")
    assert "暂时没有客服在线" in out[0] and "联系方式" in out[-1]
    assert "描述" in chat.say("13800138000")[-1]
    assert "已收到您的留言" in chat.say("买的杯子碎了，想换一个")[-1]
    with runtime.db.session() as db:
        left = db.scalar(select(LeftMessage))
        assert left.contact == "13800138000" and left.text == "买的杯子碎了，想换一个"
        assert left.context["reason"] == "customer_asked"
    assert chat.conversation().status == "bot"


def test_outside_service_hours_says_so(runtime, shop, agent_online):
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    later = [(now + dt.timedelta(hours=h)).strftime("%H:%M") for h in (2, 3)]
    _policy(runtime, shop, service_hours={"timezone": "UTC", "days": list(range(7)),
                                          "open": later[0], "close": later[1]})
    chat = Chat.open(runtime, shop)
    out = chat.say("人工")
    assert "不在人工客服服务时间" in out[0]


def test_bot_keeps_quiet_once_a_person_has_the_chat(runtime, shop, agent_online):
    from kefu.conversations.actions import do_post_message, do_set_status
    from kefu.conversations.models import Conversation

    chat = Chat.open(runtime, shop)
    chat.say("转人工")
    with runtime.db.session() as db:
        conv = db.get(Conversation, chat.conversation_id)
        do_set_status(db, conv=conv, status="with_agent")
        do_post_message(db, conv=conv, sender="agent", text="您好，我来帮您")
    assert chat.say("我的快递到哪了") == []
    assert chat.say("急急急！！！") == []


def test_a_vip_tag_in_the_identity_token_reaches_a_person(client, runtime, shop, shop_a, agent_online):
    import json

    from kefu.tenants.security import sign_identity_token

    token = sign_identity_token(shop_a.identity_secret, "vip-9", tags=["VIP"])
    with client.websocket_connect("/api/v1/widget/ws") as ws:
        ws.send_text(json.dumps({"type": "hello", "key": shop_a.public_key, "token": token}))
        ready = ws.receive_json()
        assert ready["customer"]["tags"] == ["VIP"]
        ws.send_text(json.dumps({"type": "message", "client_id": "m1", "text": "你好"}))
        for _ in range(10):
            frame = ws.receive_json()
            if frame["type"] == "conversation" and frame["conversation"]["status"] == "queued":
                break
        else:
            raise AssertionError("the VIP was not queued")


def test_bad_tags_are_refused_clearly(client, shop_a):
    from tests.conftest import api_headers

    r = client.post("/api/v1/channels/api/conversations", headers=api_headers(shop_a),
                    json={"customer_id": "c1", "customer_tags": ["x" * 31]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_tags"
