"""Report figures on generated histories whose every figure is known (definitions: docs/reports.md)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import select

from kefu.knowledge.models import KnowledgePoint
from kefu.reports import metrics
from kefu.reports.metrics import Filters, Period
from kefu.reports.rollup import refresh
from kefu.tenants.models import Tenant, User
from tests.conftest import api_headers
from tests.support.history import History, utc

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


@pytest.fixture
def history(runtime, shop_a):
    return History(runtime, shop_a.tenant_id)


@pytest.fixture
def point_ids(runtime, shop_a):
    with runtime.db.session() as db:
        rows = [KnowledgePoint(tenant_id=shop_a.tenant_id, category=c, question=q, answer="a")
                for c, q in (("售后/退货", "怎么退货"), ("物流", "发什么快递"), ("", "营业时间"))]
        db.add_all(rows)
        db.flush()
        return [p.id for p in rows]


@pytest.fixture
def agent_id(runtime, shop_a):
    with runtime.db.session() as db:
        return db.scalar(select(User.id).where(User.email == shop_a.agent_email))


def report(runtime, tenant_id, fn, period=MARCH, *args):
    with runtime.db.session() as db:
        refresh(db, tenant_id=tenant_id)
    with runtime.db.session() as db:
        return fn(db, tenant_id, period, *args)


def test_an_empty_period_has_zeros_and_no_rates(runtime, shop_a):
    s = report(runtime, shop_a.tenant_id, metrics.summary)
    assert (s["conversations"], s["bot_resolved"], s["handed_off"], s["customer_messages"]) == (0, 0, 0, 0)
    assert s["bot_resolution_rate"] is None and s["handoff_rate"] is None and s["first_response_seconds"] is None
    assert s["csat"] == {"responses": 0, "average": None, "satisfied_share": None, "response_rate": None,
                         "closed": 0}
    rows = report(runtime, shop_a.tenant_id, metrics.series, MARCH, "week")
    assert [r["bucket"] for r in rows][:2] == ["2026-02-23", "2026-03-02"] and len(rows) == 6
    assert all(r["conversations"] == 0 for r in rows)
    grid = report(runtime, shop_a.tenant_id, metrics.heatmap)
    assert sum(map(sum, grid["conversations"])) == 0 and len(grid["messages"]) == 7


def test_one_conversation_the_bot_answered_is_bot_resolved(runtime, shop_a, history, point_ids):
    history.conversation("2026-03-10 02:00").ask(0, points=(point_ids[0],))
    s = report(runtime, shop_a.tenant_id, metrics.summary)
    assert (s["conversations"], s["bot_resolved"], s["handed_off"]) == (1, 1, 0)
    assert s["bot_resolution_rate"] == 1.0 and s["handoff_rate"] == 0.0
    assert s["customer_messages"] == 1 and s["unanswered_messages"] == 0 and s["bot_turns"] == 1
    assert s["first_response_seconds"] is None


def test_a_greeting_nobody_answered_and_the_test_panel_do_not_count(runtime, shop_a, history, point_ids):
    history.conversation("2026-03-10 02:00")  # opened, the customer never wrote
    history.conversation("2026-03-10 03:00", channel="test").ask(0, points=(point_ids[0],))
    s = report(runtime, shop_a.tenant_id, metrics.summary)
    assert s["conversations"] == 0 and s["customer_messages"] == 0


def test_days_hours_and_weekdays_are_the_shops_own(runtime, shop_a, history, point_ids):
    # 16:30 UTC on Sunday 1 March is 00:30 on Monday 2 March in Shanghai.
    conv = history.conversation("2026-03-01 16:30").ask(0, points=(point_ids[0],))
    day1, day2 = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 1)), Period(dt.date(2026, 3, 2), dt.date(2026, 3, 2))
    assert report(runtime, shop_a.tenant_id, metrics.summary, day1)["conversations"] == 0
    assert report(runtime, shop_a.tenant_id, metrics.summary, day2)["conversations"] == 1
    grid = report(runtime, shop_a.tenant_id, metrics.heatmap)
    assert grid["conversations"][0][0] == 1 and grid["customer_messages"][0][0] == 1  # Monday, 00:00-01:00
    with runtime.db.session() as db:
        items, total = metrics.conversations(db, shop_a.tenant_id, MARCH, Filters(weekday=0, hour=0))
    assert total == 1 and items[0]["conversation_id"] == conv.id
    # The shop moves to UTC: the same conversation is now on Sunday 1 March at 16:00.
    with runtime.db.session() as db:
        db.get(Tenant, shop_a.tenant_id).timezone = "UTC"
    assert report(runtime, shop_a.tenant_id, metrics.summary, day1)["conversations"] == 1
    assert report(runtime, shop_a.tenant_id, metrics.summary, day2)["conversations"] == 0
    grid = report(runtime, shop_a.tenant_id, metrics.heatmap)
    assert grid["conversations"][6][16] == 1 and grid["messages"][6][16] == 2  # customer + bot


def test_a_reopened_conversation_counts_once_and_its_last_close_ends_it(runtime, shop_a, history, agent_id):
    conv = history.conversation("2026-03-10 02:00").ask(0, outcome="fallback").handoff(1).agent(2, agent_id)
    conv.close(10).reopen(30).ask(31, outcome="fallback").agent(32, agent_id).close(40)
    s = report(runtime, shop_a.tenant_id, metrics.summary)
    assert s["conversations"] == 1 and s["handed_off"] == 1 and s["agent_replied"] == 1
    assert s["resolution_seconds"] == {"avg": 39 * 60.0, "count": 1}  # handoff at 1 min → last close at 40
    assert s["csat"]["closed"] == 1
    assert report(runtime, shop_a.tenant_id, metrics.series, MARCH, "month")[0]["conversations"] == 1


def test_handed_off_then_resolved_by_a_person(runtime, shop_a, history, agent_id, point_ids):
    history.conversation("2026-03-10 02:00").ask(0, points=(point_ids[0],)).ask(1, outcome="handoff",
                                                                                handoff="customer_asked")
    conv = history.conversation("2026-03-11 02:00", customer="c2").ask(0, points=(point_ids[1],))
    conv.handoff(1).agent(2.5, agent_id).suggestion(2, agent_id).suggestion(2.4, agent_id, "used")
    conv.close(11).rate(5, agent_id=agent_id)
    s = report(runtime, shop_a.tenant_id, metrics.summary)
    assert (s["conversations"], s["bot_resolved"], s["handed_off"]) == (2, 0, 1)
    assert s["first_response_seconds"] == {"p50": 90.0, "p90": 90.0, "avg": 90.0, "count": 1}
    assert s["resolution_seconds"]["avg"] == 600.0
    assert s["csat"] == {"responses": 1, "average": 5.0, "satisfied_share": 1.0, "response_rate": 1.0, "closed": 1}
    [agent] = report(runtime, shop_a.tenant_id, metrics.by_agent)
    assert agent["user_id"] == agent_id and agent["chats"] == 1 and agent["first_response_avg_seconds"] == 90.0
    assert agent["resolution_avg_seconds"] == 600.0 and agent["rating_average"] == 5.0
    assert (agent["suggestions_shown"], agent["suggestions_used"], agent["suggestion_use_rate"]) == (1, 1, 1.0)


def test_the_first_conversation_does_not_count_when_the_customer_came_back_with_the_same_need(
        runtime, shop_a, history, point_ids):
    returns, points = point_ids[0], point_ids[1]
    history.conversation("2026-03-10 02:00", customer="same").ask(0, points=(returns,))
    history.conversation("2026-03-10 20:00", customer="same").ask(0, points=(returns,))      # 18 h later, same
    history.conversation("2026-03-12 02:00", customer="late").ask(0, points=(returns,))
    history.conversation("2026-03-13 03:00", customer="late").ask(0, points=(returns,))      # 25 h later
    history.conversation("2026-03-14 02:00", customer="other").ask(0, points=(returns,))
    history.conversation("2026-03-14 04:00", customer="other").ask(0, points=(points,))      # another need
    history.conversation("2026-03-15 02:00", customer="person").ask(0, points=(points,))
    history.conversation("2026-03-15 05:00", customer="person").ask(0, outcome="handoff").handoff(0.5)
    history.conversation("2026-03-16 02:00", customer="happy").ask(0, points=(returns,)).close(5).rate(5)
    history.conversation("2026-03-16 03:00", customer="happy").ask(0, points=(returns,))
    with runtime.db.session() as db:
        refresh(db, tenant_id=shop_a.tenant_id)
    with runtime.db.session() as db:
        items, _ = metrics.conversations(db, shop_a.tenant_id, MARCH, Filters(outcome="came_back"))
        resolved, _ = metrics.conversations(db, shop_a.tenant_id, MARCH, Filters(outcome="bot_resolved"), limit=50)
    came_back = {(i["customer_name"], i["day"]) for i in items}
    assert came_back == {("same", "2026-03-10"), ("person", "2026-03-15"), ("happy", "2026-03-16")}
    assert {(i["customer_name"], i["day"]) for i in resolved} == {
        ("same", "2026-03-11"), ("late", "2026-03-12"), ("late", "2026-03-13"), ("other", "2026-03-14"),
        ("happy", "2026-03-16")}
    assert sum(1 for i in resolved if i["customer_name"] == "other") == 2
    assert sum(1 for i in resolved if i["customer_name"] == "happy") == 2  # rated 4-5: it helped


def test_a_return_arriving_later_takes_back_the_earlier_resolution(runtime, shop_a, history, point_ids):
    history.conversation("2026-03-10 02:00", customer="x").ask(0, points=(point_ids[0],))
    assert report(runtime, shop_a.tenant_id, metrics.summary)["bot_resolved"] == 1
    history.conversation("2026-03-10 09:00", customer="x").ask(0, points=(point_ids[0],))
    s = report(runtime, shop_a.tenant_id, metrics.summary)
    assert (s["conversations"], s["bot_resolved"]) == (2, 1)
    assert s["customer_messages"] == 2  # refreshing again counted nothing twice
    assert report(runtime, shop_a.tenant_id, metrics.summary) == s


def test_ratings_share_average_and_response_rate(runtime, shop_a, history, point_ids):
    for n, score in enumerate((5, 4, 2, None)):
        conv = history.conversation(f"2026-03-1{n} 02:00", customer=f"r{n}").ask(0, points=(point_ids[2],))
        conv.close(5)
        if score:
            conv.rate(score)
    csat = report(runtime, shop_a.tenant_id, metrics.summary)["csat"]
    assert csat == {"responses": 3, "average": 3.67, "satisfied_share": 0.6667, "response_rate": 0.75,
                    "closed": 4}


def test_unanswered_messages_and_rate(runtime, shop_a, history, point_ids):
    history.conversation("2026-03-10 02:00").ask(0, outcome="fallback").ask(1, outcome="fallback").ask(
        2, outcome="handoff", handoff="not_understood").handoff(2)
    history.conversation("2026-03-10 04:00", customer="c2").ask(0, points=(point_ids[0],))
    s = report(runtime, shop_a.tenant_id, metrics.summary)
    assert s["customer_messages"] == 4 and s["unanswered_messages"] == 3 and s["unanswered_rate"] == 0.75
    assert s["bot_resolved"] == 1 and s["handed_off"] == 1
    with runtime.db.session() as db:
        _, total = metrics.conversations(db, shop_a.tenant_id, MARCH, Filters(outcome="unanswered"))
    assert total == 1


def test_only_fallbacks_is_not_a_resolution(runtime, shop_a, history):
    history.conversation("2026-03-10 02:00").ask(0, outcome="fallback")
    history.conversation("2026-03-10 03:00", customer="c2").ask(0, outcome="smalltalk")
    assert report(runtime, shop_a.tenant_id, metrics.summary)["bot_resolved"] == 0


def test_per_knowledge_point_and_topic(runtime, shop_a, history, point_ids, agent_id):
    returns, shipping, hours = point_ids
    history.conversation("2026-03-10 02:00").ask(0, points=(returns,)).ask(1, outcome="handoff").handoff(1.5)
    history.conversation("2026-03-10 03:00", customer="c2").ask(0, outcome="clarify", options=(returns, shipping)) \
        .ask(1, points=(shipping,)).close(3).rate(4)
    history.conversation("2026-03-10 04:00", customer="c3").ask(0, outcome="flow", flow="track_parcel")
    with runtime.db.session() as db:
        db.delete(db.get(KnowledgePoint, hours))
    history.conversation("2026-03-10 05:00", customer="c4").ask(0, points=(hours,))
    rows = {r["point_id"]: r for r in report(runtime, shop_a.tenant_id, metrics.by_point)}
    assert (rows[returns]["hits"], rows[returns]["answered"], rows[returns]["clarified"]) == (2, 1, 1)
    assert rows[returns]["handed_off_after"] == 1 and rows[returns]["question"] == "怎么退货"
    assert (rows[shipping]["hits"], rows[shipping]["answered"], rows[shipping]["clarified"]) == (2, 1, 1)
    assert rows[shipping]["ratings"] == 1 and rows[shipping]["rating_average"] == 4.0
    assert rows[shipping]["handed_off_after"] == 0
    assert rows[hours]["deleted"] and rows[hours]["question"] is None and rows[hours]["answered"] == 1
    topics = {r["key"]: r["conversations"] for r in report(runtime, shop_a.tenant_id, metrics.by_key, MARCH,
                                                           "topic")}
    assert topics == {"category:售后": 1, "category:物流": 1, "flow:track_parcel": 1, "category:": 1}
    with runtime.db.session() as db:
        _, total = metrics.conversations(db, shop_a.tenant_id, MARCH, Filters(point_id=returns))
    assert total == 2


def test_series_buckets_and_the_bar_behind_a_click(runtime, shop_a, history, point_ids):
    for day in ("2026-03-02", "2026-03-08", "2026-03-09", "2026-03-31"):
        history.conversation(f"{day} 04:00", customer=day).ask(0, points=(point_ids[0],))
    weeks = report(runtime, shop_a.tenant_id, metrics.series, MARCH, "week")
    assert [(r["bucket"], r["conversations"]) for r in weeks if r["conversations"]] == [
        ("2026-03-02", 2), ("2026-03-09", 1), ("2026-03-30", 1)]
    with runtime.db.session() as db:
        items, total = metrics.conversations(db, shop_a.tenant_id, MARCH, Filters(day=dt.date(2026, 3, 4),
                                                                                  bucket="week"))
    assert total == 2 and {i["day"] for i in items} == {"2026-03-02", "2026-03-08"}
    days = report(runtime, shop_a.tenant_id, metrics.series, MARCH, "day")
    assert len(days) == 31 and days[1]["conversations"] == 1


# --- the API -----------------------------------------------------------------------------------------------

def test_summary_api_and_its_errors(client, login, runtime, shop_a, history, point_ids):
    history.conversation(utc("2026-03-10 02:00")).ask(0, points=(point_ids[0],))
    h = api_headers(shop_a)
    r = client.get("/api/v1/reports/summary", params={"from": "2026-03-01", "to": "2026-03-31"}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["conversations"] == 1 and body["bot_resolution_rate"] == 1.0 and body["from"] == "2026-03-01"
    assert body["timezone"] == "Asia/Shanghai" and body["csat"]["responses"] == 0
    for params, code in (({"from": "2026-03-31", "to": "2026-03-01"}, "invalid_range"),
                         ({"from": "2026-3-1"}, "invalid_date"), ({"to": "2026-02-30"}, "invalid_date"),
                         ({"from": "0001-01-01", "to": "9999-12-31"}, "range_too_long")):
        r = client.get("/api/v1/reports/summary", params=params, headers=h)
        assert r.status_code == 422 and r.json()["error"]["code"] == code, (params, r.text)
        assert r.json()["error"]["message"]
    ten_years = {"from": "2017-01-01", "to": "2026-12-31"}
    assert client.get("/api/v1/reports/summary", params=ten_years, headers=h).json()["conversations"] == 1
    months = client.get("/api/v1/reports/series", params={**ten_years, "bucket": "month"}, headers=h).json()
    assert len(months["rows"]) == 120 and sum(r["conversations"] for r in months["rows"]) == 1
    assert len(client.get("/api/v1/reports/series", params=ten_years, headers=h).json()["rows"]) == 3652
    r = client.get("/api/v1/reports/series", params={"from": "1990-01-01", "to": "2026-01-01"}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "too_many_buckets"
    agent = login(shop_a.agent_email)
    for path in ("summary", "series", "heatmap", "channels", "topics", "points", "agents", "live", "conversations",
                 "export"):
        assert agent.get(f"/api/v1/reports/{path}").status_code == 403
    assert login(shop_a.owner_email).get("/api/v1/reports/summary").status_code == 200


def test_every_table_exports_as_csv_and_xlsx(client, runtime, shop_a, history, point_ids, agent_id):
    conv = history.conversation("2026-03-10 02:00", customer="=HYPERLINK(1)").ask(0, points=(point_ids[0],))
    conv.handoff(1).agent(2, agent_id).close(5).rate(4)
    h = api_headers(shop_a)
    period = {"from": "2026-03-01", "to": "2026-03-31"}
    for table in ("summary", "series", "heatmap", "channels", "topics", "points", "agents", "conversations"):
        r = client.get("/api/v1/reports/export", params={**period, "table": table, "format": "csv"}, headers=h)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert f"report-shop-a-{table}-20260301-20260331.csv" in r.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
        x = client.get("/api/v1/reports/export", params={**period, "table": table, "format": "xlsx"}, headers=h)
        sheet = openpyxl.load_workbook(io.BytesIO(x.content)).active
        cells = list(sheet.values)
        assert list(cells[0]) == list(rows[0].keys()) and len(cells) == len(rows) + 1, table
        if table == "conversations":
            assert len(rows) == 1 and rows[0]["conversation_id"] == str(conv.id)
            assert rows[0]["customer_name"] == "'=HYPERLINK(1)" and cells[1][5] == "=HYPERLINK(1)"
            assert sheet.cell(2, 6).data_type == "s"  # text, not a formula
            assert rows[0]["handed_off"] == "true" and rows[0]["rating"] == "4"
        if table == "summary":
            assert rows[0]["conversations"] == "1" and rows[0]["csat.average"] == "4.0"
        if table == "series":
            assert len(rows) == 31
        if table == "heatmap":
            assert len(rows) == 21 and rows[1]["h10"] == "1"  # conversations, Tuesday 10:00 Shanghai


def test_live_panel(client, runtime, shop_a, history):
    history.conversation("2026-03-10 02:00").ask(0).handoff(1)
    from kefu.conversations.models import Conversation
    from kefu.db import utcnow

    with runtime.db.session() as db:
        conv = db.scalars(select(Conversation).where(Conversation.tenant_id == shop_a.tenant_id)).one()
        conv.status, conv.queued_at = "queued", utcnow() - dt.timedelta(minutes=3)
    body = client.get("/api/v1/reports/live", headers=api_headers(shop_a)).json()
    assert body["waiting"] == 1 and 179 < body["longest_wait_seconds"] < 240 and body["available_agents"] == 0


def test_the_real_bot_leaves_what_the_reports_count(client, runtime, shop_a):
    from kefu.knowledge.actions import do_create_point
    from kefu.knowledge.schemas import KnowledgeIn
    from tests.support.chat import Chat

    with runtime.db.session() as db:
        do_create_point(db, tenant_id=shop_a.tenant_id, data=KnowledgeIn(
            category="茶叶", question="茶叶保质期多久？", similar_questions=["能放多久", "铁观音能放多久"],
            answer="密封避光保存 18个月。"))
    chat = Chat.open(runtime, shop_a.tenant_id)
    chat.say("铁观音能放多久")
    chat.say("今天天气晴朗适合郊游")
    body = client.get("/api/v1/reports/summary", headers=api_headers(shop_a)).json()
    assert body["conversations"] == 1 and body["customer_messages"] == 2 and body["unanswered_messages"] == 1
    assert body["bot_resolved"] == 0  # its last turn was not understood
    rows = client.get("/api/v1/reports/points", headers=api_headers(shop_a)).json()["rows"]
    assert rows[0]["question"] == "茶叶保质期多久？" and rows[0]["answered"] == 1
    page = client.get("/api/v1/reports/conversations", params={"outcome": "unanswered"},
                      headers=api_headers(shop_a)).json()
    assert page["total"] == 1 and page["items"][0]["conversation_id"] == chat.conversation_id
