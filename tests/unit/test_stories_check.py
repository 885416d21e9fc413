"""How a turn's expectations are checked against the bot's trace and replies."""

from __future__ import annotations

import datetime as dt

from kefu.stories.runner import check
from kefu.stories.shop import moment

TRACE = {
    "message_id": 7, "text": "D1003 到哪了", "locale": "zh", "button": False,
    "emotion": {"label": "neutral", "score": 0.9, "counted": True},
    "outcome": "flow", "point": None, "points": [],
    "flow": {"id": "track_parcel", "status": "asking", "asking": "phone", "slots": {"order_no": "D1003"}},
    "smalltalk": None, "handoff": None, "status": "bot",
}
ASK = [{"sender": "bot", "text": "为保护您的隐私，请提供订单 D1003 下单时填写的收货手机号。", "buttons": []}]


def run(expect, trace=TRACE, replies=ASK, status="bot", sent=True, events=(), names=()):
    return check(expect, trace=trace, replies=replies, status=status, sent_message=sent,
                 handoff_events=list(events), names=list(names))


def test_the_trace_keys():
    assert run({"outcome": "flow", "flow": "track_parcel", "step": "phone", "flow_status": "asking",
                "slots": {"order_no": "D1003"}, "handoff": False, "smalltalk": None, "emotion": "neutral",
                "status": "bot"}) == []
    problems = run({"flow": "order_status", "step": None, "slots": {"order_no": "D1004", "phone": "138"}})
    assert problems == ["flow: expected 'order_status', got 'track_parcel'", "step: expected None, got 'phone'",
                        "slots.order_no: expected 'D1004', got 'D1003' (slots: {'order_no': 'D1003'})",
                        "slots.phone: expected '138', got None (slots: {'order_no': 'D1003'})"]


def test_not_and_one_of():
    assert run({"outcome": "!fallback", "flow": ["urge_shipment", "track_parcel"], "emotion": "!angry"}) == []
    assert run({"outcome": "!flow"}) == ["outcome: expected anything but 'flow', got 'flow'"]
    assert run({"flow": ["cancel_order", "return_refund"]})[0].startswith("flow: expected one of")


def test_points_and_handoff_reasons():
    trace = {**TRACE, "outcome": "answer", "flow": None, "handoff": None,
             "point": {"id": 3, "question": "包邮吗？", "score": 0.9},
             "points": [{"id": 3, "question": "包邮吗？", "score": 0.9}, {"id": 1, "question": "什么时候发货？"}]}
    assert run({"point": ["包邮吗？", "什么时候发货？"], "flow": None}, trace=trace) == []
    assert run({"point": 3}, trace=trace) == []
    assert "point: expected '怎么退货？' among the answers" in run({"point": "怎么退货？"}, trace=trace)[0]
    angry = {**TRACE, "handoff": "angry"}
    assert run({"handoff": True}, trace=angry) == [] and run({"handoff": "angry"}, trace=angry) == []
    assert run({"handoff": False}, trace=angry) == ["handoff: expected none, the bot handed over (angry)"]
    assert run({"handoff": "customer_asked"}, trace=angry) == ["handoff: expected 'customer_asked', got 'angry'"]


def test_replies_and_language():
    assert run({"reply_contains": ["d1003", "手机号"], "reply_any": ["x", "隐私"], "reply_not_contains": "ZT72"}) == []
    assert run({"reply_contains": "中通"}) == ["reply_contains: the replies do not say ['中通']"]
    assert run({"reply_not_contains": ["隐私"]}) == ["reply_not_contains: the replies say ['隐私']"]
    clarify = [{"sender": "bot", "text": "Did you mean:", "buttons": ["Is shipping free?", "包邮吗？"]}]
    assert "found Chinese" in run({"reply_lang": "en"}, replies=clarify)[0]
    named = [{"sender": "bot", "text": "I'm 小智, a customer-service bot.", "buttons": ["明前龙井 250g"]}]
    assert run({"reply_lang": "en"}, replies=named, names=["明前龙井 250g", "小智"]) == []
    assert run({"reply_lang": "zh"}) == []
    assert run({"reply_lang": "zh"}, replies=[]) == ["reply_lang: expected replies in zh, there were none"]


def test_without_a_trace():
    # A message the bot did not trace: trace keys cannot be checked (and say so), replies still can.
    problems = run({"flow": "track_parcel", "reply_contains": "D1003"}, trace=None)
    assert len(problems) == 1 and "left no trace" in problems[0] and "flow" in problems[0]
    # Quiet while a person has the chat: silent holds when the bot said nothing.
    agent_only = [{"sender": "agent", "text": "您好", "buttons": []}]
    assert run({"outcome": "silent"}, trace=None, replies=agent_only, status="with_agent") == []
    assert run({"outcome": "silent"}, trace=None, replies=ASK) != []
    # A handoff button sends no message: the handoff shows in the conversation's events.
    assert run({"handoff": "customer_button"}, trace=None, sent=False, events=["customer_button"]) == []
    assert run({"handoff": True}, trace=None, sent=False, events=[]) == ["handoff: expected a handoff, there was none"]
    assert "sends no message" in run({"outcome": "handoff"}, trace=None, sent=False)[0]
    assert run({"status": "queued"}, trace=None, sent=False) == ["status: expected 'queued', the conversation is 'bot'"]


def test_relative_times():
    now = dt.datetime(2025, 1, 10, 12, 0, tzinfo=dt.UTC)
    assert moment("now", now) == now
    assert moment("now-2d", now) == now - dt.timedelta(days=2)
    assert moment("now + 30h", now) == now + dt.timedelta(hours=30)
    assert moment("NOW-90m", now) == now - dt.timedelta(minutes=90)
    assert moment("2025-01-01T00:00:00Z", now) == "2025-01-01T00:00:00Z"  # left to the order schema
    assert moment(5, now) == 5
