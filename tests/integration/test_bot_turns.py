"""Every customer message the bot handles leaves one `bot_turn` event: what reports and learning read."""

from __future__ import annotations

from sqlalchemy import select

from kefu.conversations.models import ConversationEvent, Message
from kefu.knowledge.actions import do_create_point
from kefu.knowledge.schemas import KnowledgeIn
from tests.support.chat import Chat


def _turns(runtime, conversation_id):
    with runtime.db.session() as db:
        rows = db.execute(select(ConversationEvent.data, Message.text)
                          .join(Message, Message.id == ConversationEvent.data["message_id"].as_integer())
                          .where(ConversationEvent.conversation_id == conversation_id,
                                 ConversationEvent.kind == "bot_turn")
                          .order_by(ConversationEvent.id)).all()
    return [(text, data) for data, text in rows]


def test_each_customer_message_is_recorded_with_what_the_bot_did(app, runtime, shop_a):
    with runtime.db.session() as db:
        point = do_create_point(db, tenant_id=shop_a.tenant_id, data=KnowledgeIn(
            category="茶叶", question="茶叶保质期多久？", similar_questions=["能放多久", "铁观音能放多久", "过期了吗"],
            answer="密封避光保存 18个月，开封后请尽快喝完。"))
        point_id = point.id
    chat = Chat.open(runtime, shop_a.tenant_id)
    chat.say("你好")
    chat.say("铁观音能放多久")
    chat.say("今天天气晴朗适合郊游")
    chat.say("我要退货")
    turns = _turns(runtime, chat.conversation_id)
    assert [text for text, _ in turns] == ["你好", "铁观音能放多久", "今天天气晴朗适合郊游", "我要退货"]
    hello, answer, missed, flow = (data for _, data in turns)
    assert hello["outcome"] == "smalltalk" and hello["points"] == []
    assert answer["outcome"] == "answer" and answer["points"] == [point_id]
    assert answer["candidates"][0][0] == point_id and answer["status"] == "bot"
    assert missed["outcome"] == "fallback" and missed["points"] == [] and missed["handoff"] is None
    assert flow["outcome"] == "flow" and flow["flow"] == "return_refund" and flow["flow_status"] == "asking"
