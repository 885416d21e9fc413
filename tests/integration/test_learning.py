"""The improvement loop through the API: missed questions grouped by meaning, made into knowledge or ignored."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kefu.conversations.actions import do_post_message, do_set_status
from kefu.conversations.models import Conversation, Message
from kefu.knowledge.actions import do_create_point
from kefu.knowledge.schemas import KnowledgeIn
from tests.conftest import api_headers
from tests.support.chat import Chat

# Days are the shop's (Asia/Shanghai, eight hours ahead of UTC): after 16:00 UTC its today is tomorrow in UTC.
SHOP_TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
TODAY = SHOP_TODAY.isoformat()
RANGE = {"from": (SHOP_TODAY - dt.timedelta(days=2)).isoformat(),
         "to": (SHOP_TODAY + dt.timedelta(days=1)).isoformat()}
INVOICE = ["可以开发票吗", "能开发票吗？", "亲 发票能开吗", "开发票可以吗"]


@pytest.fixture
def tea_shop(runtime, shop_a):
    with runtime.db.session() as db:
        point = do_create_point(db, tenant_id=shop_a.tenant_id, data=KnowledgeIn(
            category="茶叶", question="茶叶保质期多久？", similar_questions=["能放多久", "铁观音能放多久"],
            answer="密封避光保存 18个月。"))
        return point.id


def ask(runtime, tenant_id: int, *texts: str) -> Chat:
    chat = Chat.open(runtime, tenant_id)
    for text in texts:
        chat.say(text)
    return chat


def agent_takes_over(runtime, chat: Chat, *replies: str) -> None:
    """A person takes the chat and writes replies (as the workspace would post them)."""
    with runtime.db.session() as db:
        conv = db.get(Conversation, chat.conversation_id)
        do_set_status(db, conv=conv, status="with_agent", reason="accepted")
        for reply in replies:
            do_post_message(db, conv=conv, sender="agent", text=reply, sender_name="Agent")


def assert_audited(runtime, tenant_id: int, action: str, **detail) -> None:
    from kefu.audit.actions import list_entries

    with runtime.db.session() as db:
        [entry] = list_entries(db, tenant_id=tenant_id, action=action)
        assert entry.detail == detail and entry.actor_type == "api"


def report(client, shop, **params):
    r = client.get("/api/v1/reports/unanswered", headers=api_headers(shop), params={**RANGE, **params})
    assert r.status_code == 200, r.text
    return r.json()


def test_missed_questions_are_grouped_by_meaning_and_ranked_by_customers(client, runtime, shop_a, tea_shop):
    for text in INVOICE:  # four customers, one need the shop never wrote down
        ask(runtime, shop_a.tenant_id, text)
    ask(runtime, shop_a.tenant_id, "你们有线下实体店吗")
    ask(runtime, shop_a.tenant_id, "铁观音能放多久")  # answered: not a missed question
    ask(runtime, shop_a.tenant_id, "你好")  # small talk: never a question
    body = report(client, shop_a)
    assert body["questions"] == 5
    first = body["groups"][0]
    assert first["customers"] == 4 and first["messages"] == 4 and first["reasons"] == {"fallback": 4}
    assert set(first["questions"]) == {"可以开发票吗", "能开发票吗", "发票能开吗", "开发票可以吗"}
    assert first["question"] in first["questions"]
    shop = [g for g in body["groups"] if "实体店" in g["question"]]
    assert len(shop) == 1 and shop[0]["customers"] == 1 and shop[0]["messages"] == 1  # a cluster of one
    texts = {q for g in body["groups"] for q in g["questions"]}
    assert "铁观音能放多久" not in texts and "你好" not in texts


def test_agents_replies_after_a_handoff_draft_the_answer(client, runtime, shop_a, tea_shop, agent_online):
    chat = ask(runtime, shop_a.tenant_id, "能寄到国外吗", "转人工")
    assert chat.conversation().status == "queued"
    agent_takes_over(runtime, chat, "您好，有什么可以帮您", "目前只发中国大陆，暂不支持寄往海外。")
    chat.say("优惠券怎么用不了")
    agent_takes_over(runtime, chat, "结算时勾选优惠券即可。")
    other = ask(runtime, shop_a.tenant_id, "可以寄到国外吗")
    assert other.conversation().status == "bot"
    body = report(client, shop_a)
    abroad = next(g for g in body["groups"] if "能寄到国外吗" in g["questions"])
    assert abroad["customers"] == 2 and "可以寄到国外吗" in abroad["questions"]
    replies = [r["text"] for r in abroad["agent_replies"]]
    assert "目前只发中国大陆，暂不支持寄往海外。" in replies
    assert abroad["draft_answer"] == "目前只发中国大陆，暂不支持寄往海外。"  # never the greeting
    coupon = next(g for g in body["groups"] if "优惠券怎么用不了" in g["questions"])
    assert coupon["reasons"] == {"agent_answered": 1} and coupon["agent_replies"][0]["text"] == "结算时勾选优惠券即可。"


def test_accepting_a_group_as_a_new_point_teaches_the_bot(client, runtime, shop_a, tea_shop):
    for text in INVOICE[:3]:
        ask(runtime, shop_a.tenant_id, text)
    group = report(client, shop_a)["groups"][0]
    r = client.post("/api/v1/reports/unanswered/new-point", headers=api_headers(shop_a), json={
        "message_ids": group["message_ids"], "question": "可以开发票吗？", "answer": "可以，下单时填写抬头即可。",
        "category": "发票"})
    assert r.status_code == 201, r.text
    point = r.json()["point"]
    assert point["question"] == "可以开发票吗？" and point["category"] == "发票"
    assert set(point["similar_questions"]) == {"可以开发票吗", "能开发票吗", "发票能开吗"}
    assert r.json()["decision"]["decision"] == "created" and r.json()["decision"]["point_id"] == point["id"]
    # Decided: not listed again; the same click again is a clear conflict, and nothing is created twice.
    assert report(client, shop_a)["groups"] == []
    again = client.post("/api/v1/reports/unanswered/new-point", headers=api_headers(shop_a), json={
        "message_ids": group["message_ids"], "question": "发票", "answer": "x"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_decided"
    assert client.get("/api/v1/knowledge", headers=api_headers(shop_a)).json()["total"] == 2
    # The bot answers the next customer asking it that way.
    chat = ask(runtime, shop_a.tenant_id, "能开发票吗")
    assert chat.replies(0)[-1].text == "可以，下单时填写抬头即可。"


def test_adding_a_group_to_the_suggested_point(client, runtime, shop_a, tea_shop):
    for text in ("这个茶叶过期没有啊", "茶叶会不会过期啊"):  # answered, then the customer wants a person
        ask(runtime, shop_a.tenant_id, text, "转人工")
    groups = report(client, shop_a)["groups"]
    target = next(g for g in groups if any("过期" in q for q in g["questions"]))
    assert target["suggested_points"] and target["suggested_points"][0]["id"] == tea_shop
    r = client.post("/api/v1/reports/unanswered/add-to-point", headers=api_headers(shop_a), json={
        "message_ids": target["message_ids"], "point_id": tea_shop})
    assert r.status_code == 200, r.text
    similar = r.json()["point"]["similar_questions"]
    assert similar[:2] == ["能放多久", "铁观音能放多久"] and set(target["questions"]) <= set(similar)
    assert r.json()["decision"]["decision"] == "added"


def test_a_point_deleted_meanwhile_is_a_clear_404_and_nothing_is_decided(client, runtime, shop_a, tea_shop):
    ask(runtime, shop_a.tenant_id, "茶叶会不会过期啊", "转人工")
    group = report(client, shop_a)["groups"][0]
    h = api_headers(shop_a)
    assert client.delete(f"/api/v1/knowledge/{tea_shop}", headers=h).status_code == 204
    r = client.post("/api/v1/reports/unanswered/add-to-point", headers=h, json={
        "message_ids": group["message_ids"], "point_id": tea_shop})
    assert r.status_code == 404 and r.json()["error"]["code"] == "point_not_found"
    assert [g["id"] for g in report(client, shop_a)["groups"]] == [group["id"]]  # still there to decide


def test_ignored_groups_stay_away_even_when_asked_again_in_other_words(client, runtime, shop_a, tea_shop):
    for text in INVOICE[:2]:
        ask(runtime, shop_a.tenant_id, text)
    ask(runtime, shop_a.tenant_id, "你们有线下实体店吗")
    groups = report(client, shop_a)["groups"]
    invoice = next(g for g in groups if "可以开发票吗" in g["questions"])
    r = client.post("/api/v1/reports/unanswered/ignore", headers=api_headers(shop_a),
                    json={"message_ids": invoice["message_ids"]})
    assert r.status_code == 200 and r.json()["decision"]["decision"] == "ignored" and r.json()["point"] is None
    assert_audited(runtime, shop_a.tenant_id, "learning.ignored", questions=len(invoice["message_ids"]))
    ask(runtime, shop_a.tenant_id, "开发票可以吗")  # a new customer, the same need
    body = report(client, shop_a)
    assert [g["question"] for g in body["groups"]] == ["你们有线下实体店吗"] and body["hidden"] == 1


def test_two_owners_accepting_the_same_group_at_once_one_wins(client, runtime, shop_a, tea_shop, login):
    for text in INVOICE[:2]:
        ask(runtime, shop_a.tenant_id, text)
    group = report(client, shop_a)["groups"][0]
    owners = [login(shop_a.owner_email), client]
    results = []
    start = threading.Barrier(2)

    def accept(c, headers, question):
        start.wait()
        results.append(c.post("/api/v1/reports/unanswered/new-point", headers=headers, json={
            "message_ids": group["message_ids"], "question": question, "answer": "可以开。"}))

    threads = [threading.Thread(target=accept, args=(owners[0], {}, "能开发票吗？")),
               threading.Thread(target=accept, args=(owners[1], api_headers(shop_a), "开发票吗？"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in results) == [201, 409]
    loser = next(r for r in results if r.status_code == 409)
    assert loser.json()["error"]["code"] == "already_decided"
    points = client.get("/api/v1/knowledge", headers=api_headers(shop_a)).json()["items"]
    assert len([p for p in points if "发票" in p["question"]]) == 1


def test_bad_input_and_empty_periods(client, login, runtime, shop_a, shop_b, tea_shop):
    h = api_headers(shop_a)
    ask(runtime, shop_a.tenant_id, "你们有线下实体店吗")
    empty = client.get("/api/v1/reports/unanswered", headers=h, params={"from": "2020-01-01", "to": "2020-01-31"})
    assert empty.status_code == 200 and empty.json()["groups"] == [] and empty.json()["questions"] == 0
    ten_years = {"from": (SHOP_TODAY - dt.timedelta(days=3650)).isoformat(), "to": TODAY}
    assert client.get("/api/v1/reports/unanswered", headers=h, params=ten_years).json()["questions"] == 1
    for params, code in (({"from": "2024-02-30"}, 422), ({"from": "2024-05-02", "to": "2024-05-01"}, 422),
                         ({"from": "2000-01-01", "to": "2024-01-01"}, 422)):
        r = client.get("/api/v1/reports/unanswered", headers=h, params=params)
        assert r.status_code == code, (params, r.text)
        assert r.json()["error"]["message"]
    post = "/api/v1/reports/unanswered/ignore"
    assert client.post(post, headers=h, json={"message_ids": []}).status_code == 422
    assert client.post(post, headers=h, json={"message_ids": ["x"]}).status_code == 422
    r = client.post(post, headers=h, json={"message_ids": [10 ** 9]})
    assert r.status_code == 404 and r.json()["error"]["code"] == "message_not_found"
    with runtime.db.session() as db:  # a bot's message is no customer question
        bot_msg = db.scalar(select(Message.id).where(Message.tenant_id == shop_a.tenant_id, Message.sender == "bot"))
    assert client.post(post, headers=h, json={"message_ids": [bot_msg]}).status_code == 404
    group = report(client, shop_a)["groups"][0]
    r = client.post("/api/v1/reports/unanswered/new-point", headers=h, json={
        "message_ids": group["message_ids"], "question": "茶叶保质期多久？", "answer": "重复"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "duplicate_question"
    assert report(client, shop_a)["groups"][0]["id"] == group["id"]  # the refused decision left nothing behind
    # Agents read conversations but do not change the knowledge base.
    agent = login(shop_a.agent_email)
    assert agent.get("/api/v1/reports/unanswered").status_code == 403
    assert agent.post(post, json={"message_ids": group["message_ids"]}).status_code == 403
    # Shop B cannot act on shop A's questions.
    r = client.post(post, headers=api_headers(shop_b), json={"message_ids": group["message_ids"]})
    assert r.status_code == 404


def test_kefu_learn_prints_the_groups(app, runtime, shop_a, tea_shop, settings, monkeypatch):
    from typer.testing import CliRunner

    from kefu.cli import app

    for text in INVOICE[:2]:
        ask(runtime, shop_a.tenant_id, text)
    monkeypatch.setenv("KEFU_DATABASE_URL", settings.database_url)
    from kefu.config import get_settings

    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(app, ["learn", "--tenant", shop_a.slug, "--from", RANGE["from"], "--to", RANGE["to"]])
        assert out.exit_code == 0, out.output
        assert "2 questions not answered well, 1 groups" in out.output and "可以开发票吗" in out.output
        js = CliRunner().invoke(app, ["learn", "--tenant", shop_a.slug, "--json"])
        assert js.exit_code == 0 and '"customers": 2' in js.output
        bad = CliRunner().invoke(app, ["learn", "--tenant", shop_a.slug, "--from", "yesterday"])
        assert bad.exit_code == 2 and "not a date" in bad.output
    finally:
        get_settings.cache_clear()


def test_an_answer_in_a_conversation_rated_badly_is_collected(client, runtime, shop_a, tea_shop):
    from kefu.conversations.actions import do_close
    from kefu.live.feedback import do_rate

    chat = ask(runtime, shop_a.tenant_id, "铁观音能放多久")
    happy = ask(runtime, shop_a.tenant_id, "铁观音能放多久呀")
    for c, score in ((chat, 1), (happy, 5)):
        with runtime.db.session() as db:
            conv = db.get(Conversation, c.conversation_id)
            do_close(db, conv=conv, reason="idle")
            do_rate(db, conv=conv, score=score)
    groups = report(client, shop_a)["groups"]
    assert len(groups) == 1 and groups[0]["reasons"] == {"low_rating": 1}
    assert groups[0]["questions"] == ["铁观音能放多久"] and groups[0]["suggested_points"][0]["id"] == tea_shop
