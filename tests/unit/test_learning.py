"""Collecting missed questions from a conversation's messages, grouping them by meaning, drafting answers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from kefu.conversations.models import Message
from kefu.learning.cluster import Group, TextSpace, cluster, display, fingerprint, group
from kefu.learning.collect import Missed, _missed_in, day_bounds, is_question
from kefu.learning.suggest import boilerplate, decided_alike, draft_answer

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
ALL = (T0 - dt.timedelta(days=1), T0 + dt.timedelta(days=1))


class TopicEmbedder:
    """Vectors by topic word, so tests know which texts mean the same (a stand-in for the real embedder)."""

    name, dim = "topics", 4
    TOPICS = (("发票", "invoice"), ("国外", "海外", "abroad"), ("实体店", "门店"), ("优惠券", "coupon"))

    def encode(self, texts):
        out = np.full((len(texts), self.dim), 0.05, dtype=np.float32)
        for r, text in enumerate(texts):
            for c, words in enumerate(self.TOPICS):
                if any(w in text for w in words):
                    out[r, c] = 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def item(mid: int, text: str, customer: int, replies=()) -> Missed:
    return Missed(mid, 100 + mid, customer, text, T0, reasons=["fallback"], agent_replies=list(replies))


# --- grouping --------------------------------------------------------------------------------------------------

def test_cluster_needs_no_number_of_groups_and_keeps_single_questions_alone():
    sims = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.2], [0.1, 0.2, 1.0]])
    assert cluster(sims, 0.5) == [[0, 1], [2]]
    assert cluster(sims, 0.95) == [[0], [1], [2]]
    assert cluster(np.ones((1, 1)), 0.5) == [[0]]
    assert cluster(np.zeros((0, 0)), 0.5) == []


def test_groups_are_named_and_ranked_by_distinct_customers():
    items = [item(1, "可以开发票吗", 1), item(2, "亲 能开发票吗？", 2), item(3, "可以开发票吗", 2),
             item(4, "你们有实体店吗", 3), item(5, "你们有实体店吗", 3), item(6, "你们有实体店吗", 3),
             item(7, "Can I get an invoice?", 4)]
    groups = group(items, TextSpace(TopicEmbedder()))
    assert [len(g.items) for g in groups] == [4, 3]
    invoice, store = groups
    assert invoice.customers == 3 and store.customers == 1  # three messages of one customer rank below
    assert invoice.name == "可以开发票吗"  # the most central, most asked wording
    assert invoice.texts[0] == "可以开发票吗" and "能开发票吗" in invoice.texts  # chatter removed for display
    assert "Can I get an invoice" in invoice.texts  # English and Chinese meet through the embedding
    assert invoice.message_ids == [1, 2, 3, 7] and invoice.reasons == {"fallback": 4}


def test_without_an_embedder_words_alone_group():
    items = [item(1, "可以开发票吗", 1), item(2, "开发票可以吗", 2), item(3, "你们有实体店吗", 3)]
    groups = group(items, TextSpace(None))
    assert sorted(len(g.items) for g in groups) == [1, 2]


def test_nothing_to_group():
    assert group([], TextSpace(TopicEmbedder())) == []
    assert group([item(1, "[表情]", 1)], TextSpace(TopicEmbedder())) == []  # no words: no question


def test_fingerprints_are_stable_whatever_the_order():
    assert fingerprint([3, 1, 2]) == fingerprint([1, 2, 3, 3]) != fingerprint([1, 2])
    assert len(fingerprint([1])) == 32


def test_display_keeps_the_question_without_chatter():
    assert display("亲，在吗？请问可以开发票吗") == "可以开发票吗"
    assert display("[微笑]") == "[微笑]"


# --- drafting and remembering ------------------------------------------------------------------------------------

def _group(texts, replies) -> Group:
    return group([item(i, t, i, replies) for i, t in enumerate(texts, 1)], TextSpace(TopicEmbedder()))[0]


def test_the_draft_is_the_agents_answer_not_their_greeting():
    g = _group(["可以开发票吗", "能开发票吗"], ["您好，请问有什么可以帮您？", "可以开发票，下单时填写发票抬头即可。"])
    assert draft_answer(g, TextSpace(TopicEmbedder())) == "可以开发票，下单时填写发票抬头即可。"
    bare = _group(["可以开发票吗"], ["您好，请问有什么可以帮您？", "好的"])
    assert draft_answer(bare, TextSpace(TopicEmbedder())) == ""


def test_replies_given_in_many_groups_are_boilerplate():
    same = "亲亲这边为您记录下来了哦"
    asked = ["可以开发票吗", "能寄到国外吗", "有实体店吗"]
    groups = [_group([t], [same, f"这是第{i}个问题的答案"]) for i, t in enumerate(asked)]
    assert boilerplate(groups) == {same}
    assert draft_answer(groups[0], TextSpace(TopicEmbedder()), boilerplate(groups)) == "这是第0个问题的答案"


def test_an_ignored_meaning_is_recognised_in_other_words():
    space = TextSpace(TopicEmbedder())
    g = _group(["开发票可以吗"], [])
    assert decided_alike(g, [["可以开发票吗", "能开发票吗"]], space)
    assert not decided_alike(g, [["你们有实体店吗"]], space)


# --- collecting ----------------------------------------------------------------------------------------------------

def msg(mid: int, sender: str, text: str, payload=None, minutes: int = 0) -> Message:
    return Message(id=mid, tenant_id=1, conversation_id=7, sender=sender, text=text, payload=payload,
                   created_at=T0 + dt.timedelta(minutes=mid + minutes))


def turn(mid: int, outcome: str, **extra) -> dict:
    return {"message_id": mid, "outcome": outcome, "locale": "zh", "button": False, "points": [], **extra}


def test_a_fallback_and_an_unpicked_clarification_are_missed_a_picked_one_is_not():
    buttons = {"type": "buttons", "buttons": [{"label": "运费多少", "value": "运费多少"},
                                              {"label": "包邮吗", "value": "包邮吗"}]}
    messages = [msg(1, "customer", "可以开发票吗"), msg(2, "bot", "没听懂"),
                msg(3, "customer", "运费怎么算的"), msg(4, "bot", "您是想问：", buttons),
                msg(5, "customer", "运费多少"), msg(6, "bot", "10元"),
                msg(7, "customer", "寄到新疆多少钱"), msg(8, "bot", "您是想问：", buttons),
                msg(9, "customer", "算了不问了你们有实体店吗"), msg(10, "bot", "没听懂")]
    turns = {1: turn(1, "fallback"), 3: turn(3, "clarify"), 5: turn(5, "answer", button=True),
             7: turn(7, "clarify"), 9: turn(9, "fallback")}
    found = {m.message_id: m.reasons for m in _missed_in(messages, turns, [], None, *ALL)}
    assert found == {1: ["fallback"], 7: ["clarify_unpicked"], 9: ["fallback"]}


def test_answers_followed_by_a_handoff_or_a_low_rating():
    messages = [msg(1, "customer", "多久发货"), msg(2, "bot", "48小时内"), msg(3, "customer", "转人工"),
                msg(4, "system", "正在转接"), msg(5, "customer", "茶叶保质期多久"), msg(6, "bot", "18个月")]
    turns = {1: turn(1, "answer", points=[4]), 3: turn(3, "handoff", handoff="customer_asked"),
             5: turn(5, "answer", points=[9])}
    found = {m.message_id: (m.reasons, m.points) for m in _missed_in(messages, turns, [], None, *ALL)}
    assert found == {1: (["answer_then_handoff"], [4])}  # the bare "转人工" is no question
    rated = {m.message_id: m.reasons for m in _missed_in(messages, turns, [], 1, *ALL)}
    assert rated == {1: ["answer_then_handoff", "low_rating"], 5: ["low_rating"]}
    assert {m.message_id for m in _missed_in(messages, turns, [], 4, *ALL)} == {1}  # 4 of 5 is no complaint


def test_questions_agents_answered_after_a_handoff_carry_their_replies():
    messages = [msg(1, "customer", "能寄到国外吗"), msg(2, "bot", "没听懂"), msg(3, "customer", "转人工"),
                msg(4, "agent", "您好，有什么可以帮您"), msg(5, "agent", "目前不寄海外"),
                msg(6, "customer", "优惠券怎么用不了"), msg(7, "agent", "结算时勾选即可"),
                msg(8, "customer", "好的谢谢"), msg(9, "agent", "不客气")]
    turns = {1: turn(1, "fallback"), 3: turn(3, "handoff", handoff="customer_asked")}
    found = {m.message_id: m for m in _missed_in(messages, turns, [T0], None, *ALL)}
    assert set(found) == {1, 6}  # thanks is no question
    assert found[1].reasons == ["fallback"] and found[1].agent_replies == ["您好，有什么可以帮您", "目前不寄海外"]
    assert found[6].reasons == ["agent_answered"] and found[6].agent_replies == ["结算时勾选即可"]


def test_only_messages_inside_the_range_count():
    messages = [msg(1, "customer", "可以开发票吗"), msg(2, "customer", "能寄到国外吗", minutes=60 * 24 * 3)]
    turns = {1: turn(1, "fallback"), 2: turn(2, "fallback")}
    assert [m.message_id for m in _missed_in(messages, turns, [], None, *ALL)] == [1]


def test_what_counts_as_a_question():
    assert is_question("可以开发票吗") and is_question("my parcel never came")
    assert is_question("我要转人工，发票开错了怎么办")
    for text in ("你好", "谢谢", "转人工", "[微笑]", "", "好的"):
        assert not is_question(text), text


def test_day_bounds_follow_the_shops_zone_and_refuse_bad_ranges():
    from zoneinfo import ZoneInfo

    start, end = day_bounds(dt.date(2026, 3, 1), dt.date(2026, 3, 1), ZoneInfo("Asia/Shanghai"))
    assert start == dt.datetime(2026, 2, 28, 16, 0, tzinfo=dt.UTC) and end - start == dt.timedelta(days=1)
    with pytest.raises(Exception, match="before"):
        day_bounds(dt.date(2026, 3, 2), dt.date(2026, 3, 1), ZoneInfo("UTC"))
    with pytest.raises(Exception, match="at most"):
        day_bounds(dt.date(2000, 1, 1), dt.date(2026, 3, 1), ZoneInfo("UTC"))
