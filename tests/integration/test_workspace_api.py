"""The agent's desk over the API: close with a disposition, ratings, notes, canned replies, suggestions,
the customer panel, the staff websocket and closing idle bot chats."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kefu.conversations.models import Conversation
from kefu.db import utcnow
from kefu.live.feedback import close_idle_bot_chats
from tests.conftest import api_headers
from tests.support.chat import add_order


@pytest.fixture
def chat(client, shop_a, agent_online):
    """An API-channel customer handed over to a person: (conversation id, messages url, headers)."""
    h = api_headers(shop_a)
    client.post("/api/v1/knowledge", headers=h, json={"question": "怎么退货？", "similar_questions": [
        "退货流程", "如何退货"], "answer": "签收7天内可在订单页申请退货。"})
    cid = client.post("/api/v1/channels/api/conversations", headers=h,
                      json={"customer_id": "u-1"}).json()["conversation"]["id"]
    url = f"/api/v1/channels/api/conversations/{cid}/messages"
    client.post(url, headers=h, json={"text": "转人工"})
    return cid, url, h


def test_close_with_disposition_asks_for_a_rating_once(client, login, shop_a, chat):
    cid, url, h = chat
    agent = login(shop_a.agent_email)
    assert agent.post(f"/api/v1/live/conversations/{cid}/accept").status_code == 200
    bad = agent.post(f"/api/v1/live/conversations/{cid}/close", json={"disposition": "great"})
    assert bad.status_code == 422
    r = agent.post(f"/api/v1/live/conversations/{cid}/close", json={"disposition": "resolved", "note": "已退款"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    last = client.get(url, headers=h).json()[-1]
    assert last["sender"] == "system" and last["payload"] == {"type": "rating_request"}
    rate = f"/api/v1/channels/api/conversations/{cid}/rating"
    assert client.post(rate, headers=h, json={"score": 6}).status_code == 422
    assert client.post(rate, headers=h, json={"score": 5, "comment": "很快"}).status_code == 201
    again = client.post(rate, headers=h, json={"score": 1})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_rated"
    stats = agent.get("/api/v1/live/stats").json()
    assert stats["ratings"] == 1 and stats["rating_average"] == 5 and stats["ratings_by_source"]["agent"]["count"] == 1
    notes = agent.get(f"/api/v1/conversations/{cid}/notes").json()
    assert [n["text"] for n in notes] == ["已退款"]


def test_an_open_conversation_cannot_be_rated(client, shop_a, chat):
    cid, _, h = chat
    r = client.post(f"/api/v1/channels/api/conversations/{cid}/rating", headers=h, json={"score": 4})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_closed"


def test_a_bot_only_chat_is_rated_after_the_customer_closes_it(client, login, shop_a):
    h = api_headers(shop_a)
    cid = client.post("/api/v1/channels/api/conversations", headers=h,
                      json={"customer_id": "u-2"}).json()["conversation"]["id"]
    client.post(f"/api/v1/channels/api/conversations/{cid}/messages", headers=h, json={"text": "你好"})
    said = client.post(f"/api/v1/channels/api/conversations/{cid}/close", headers=h).json()
    assert said[-1]["payload"]["type"] == "rating_request"
    client.post(f"/api/v1/channels/api/conversations/{cid}/rating", headers=h, json={"score": 4})
    stats = login(shop_a.owner_email).get("/api/v1/live/stats").json()
    assert stats["ratings_by_source"]["bot"] == {"count": 1, "average": 4.0}


def test_idle_bot_chats_close_and_only_real_ones_ask_for_a_rating(client, runtime, shop_a):
    h = api_headers(shop_a)
    talked = client.post("/api/v1/channels/api/conversations", headers=h,
                         json={"customer_id": "u-3"}).json()["conversation"]["id"]
    client.post(f"/api/v1/channels/api/conversations/{talked}/messages", headers=h, json={"text": "你好"})
    silent = client.post("/api/v1/channels/api/conversations", headers=h,
                         json={"customer_id": "u-4"}).json()["conversation"]["id"]
    with runtime.db.session() as db:
        for cid in (talked, silent):
            db.get(Conversation, cid).updated_at = utcnow() - dt.timedelta(hours=1)
    with runtime.db.session() as db:
        assert close_idle_bot_chats(db, minutes=30) == 2
    msgs = client.get(f"/api/v1/channels/api/conversations/{talked}/messages", headers=h).json()
    assert msgs[-1]["payload"]["type"] == "rating_request"
    quiet = client.get(f"/api/v1/channels/api/conversations/{silent}/messages", headers=h).json()
    assert all((m["payload"] or {}).get("type") != "rating_request" for m in quiet)


def test_the_widget_offers_the_rating_after_a_reload_and_takes_it(client, runtime, shop_a, login, agent_online):
    with client.websocket_connect("/api/v1/widget/ws") as ws:
        ws.send_text(json.dumps({"type": "hello", "key": shop_a.public_key}))
        ready = ws.receive_json()
        visitor, cid = ready["visitor"], ready["conversation"]["id"]
        assert ready["pending_rating"] is None
    agent = login(shop_a.agent_email)
    agent.post(f"/api/v1/conversations/{cid}/messages", json={"text": "您好"})
    agent.post(f"/api/v1/live/conversations/{cid}/close", json={"disposition": "resolved"})
    with client.websocket_connect("/api/v1/widget/ws") as ws:
        ws.send_text(json.dumps({"type": "hello", "key": shop_a.public_key, "visitor": visitor}))
        ready = ws.receive_json()
        assert ready["pending_rating"] == cid and ready["conversation"]["id"] != cid
        ws.send_text(json.dumps({"type": "rate", "conversation_id": cid, "score": 0}))
        assert ws.receive_json()["code"] == "invalid_score"
        ws.send_text(json.dumps({"type": "rate", "conversation_id": cid, "score": 5, "comment": "赞"}))
        assert ws.receive_json()["type"] == "rated"
    with client.websocket_connect("/api/v1/widget/ws") as ws:
        ws.send_text(json.dumps({"type": "hello", "key": shop_a.public_key, "visitor": visitor}))
        assert ws.receive_json()["pending_rating"] is None


def test_notes_reach_staff_but_never_the_customer(client, login, shop_a, chat):
    cid, url, h = chat
    agent = login(shop_a.agent_email)
    with agent.websocket_connect("/api/v1/live/ws") as staff:
        assert staff.receive_json()["type"] == "ready"
        r = agent.post(f"/api/v1/conversations/{cid}/notes", json={"text": "客户是老客，注意语气"})
        assert r.status_code == 201
        for _ in range(10):
            frame = staff.receive_json()
            if frame["type"] == "event" and frame["event"]["type"] == "note_created":
                assert frame["event"]["note"]["text"] == "客户是老客，注意语气"
                break
        else:
            raise AssertionError("no note event for staff")
        staff.send_text(json.dumps({"type": "ping"}))
        assert staff.receive_json()["type"] in ("pong", "event")
    assert all("老客" not in m["text"] for m in client.get(url, headers=h).json())
    transcript = agent.get(f"/api/v1/conversations/{cid}").json()
    assert all("老客" not in m["text"] for m in transcript["messages"])
    assert agent.post(f"/api/v1/conversations/{cid}/notes", json={"text": "  "}).status_code == 400


def test_staff_socket_needs_a_login(client):
    with client.websocket_connect("/api/v1/live/ws") as ws:
        assert ws.receive_json()["code"] == "not_authenticated"


def test_canned_responses_team_and_personal(login, shop_a, shop_b):
    owner, agent = login(shop_a.owner_email), login(shop_a.agent_email)
    team = owner.post("/api/v1/live/canned", json={"scope": "team", "shortcut": "退货地址", "title": "退货地址",
                                                   "text": "请寄回：杭州市西湖区文三路90号"})
    assert team.status_code == 201
    assert agent.post("/api/v1/live/canned", json={"scope": "team", "shortcut": "x", "title": "x",
                                                   "text": "x"}).status_code == 403
    mine = agent.post("/api/v1/live/canned", json={"shortcut": "hi", "title": "问候", "text": "亲，在的～"}).json()
    assert {c["shortcut"] for c in agent.get("/api/v1/live/canned").json()} == {"退货地址", "hi"}
    assert {c["shortcut"] for c in owner.get("/api/v1/live/canned").json()} == {"退货地址"}
    assert owner.put(f"/api/v1/live/canned/{mine['id']}", json={"shortcut": "hi", "title": "t",
                                                                "text": "t"}).status_code == 404
    assert agent.delete(f"/api/v1/live/canned/{team.json()['id']}").status_code == 403
    assert agent.post("/api/v1/live/canned", json={"shortcut": "has space", "title": "t",
                                                   "text": "t"}).status_code == 422


def test_suggestions_from_knowledge_and_past_agent_replies_and_their_use(client, login, shop_a, chat, runtime):
    cid, url, h = chat
    agent = login(shop_a.agent_email)
    agent.post(f"/api/v1/conversations/{cid}/messages", json={"text": "您好，请问有什么可以帮您？"})
    # An earlier chat where an agent answered a similar question.
    old = client.post("/api/v1/channels/api/conversations", headers=h,
                      json={"customer_id": "u-old", "new": True}).json()["conversation"]["id"]
    client.post(f"/api/v1/channels/api/conversations/{old}/messages", headers=h, json={"text": "转人工"})
    client.post(f"/api/v1/channels/api/conversations/{old}/messages", headers=h, json={"text": "衣服怎么退货呀"})
    agent.post(f"/api/v1/conversations/{old}/messages", json={"text": "亲，在订单页点申请售后就可以退货哦"})
    client.post(url, headers=h, json={"text": "我想退货怎么弄"})
    got = agent.get(f"/api/v1/live/conversations/{cid}/suggestions").json()
    sources = {i["source"] for i in got["items"]}
    assert got["for_message_id"] and sources == {"knowledge", "history"}
    assert got["items"][0]["text"] in ("签收7天内可在订单页申请退货。", "亲，在订单页点申请售后就可以退货哦")
    agent.post("/api/v1/live/suggestions/used", json={"conversation_id": cid, "source": "knowledge",
                                                      "ref": got["items"][0]["ref"], "edited": True})
    stats = agent.get("/api/v1/live/stats").json()
    assert stats["suggestions_used"] == 1 and stats["suggestions_used_edited"] == 1
    assert stats["suggestions_shown"] >= 2 and 0 < stats["use_rate"] <= 0.5


def test_customer_panel_shows_orders_tags_and_history(client, runtime, login, shop_a, chat):
    cid, _, _ = chat
    add_order(runtime, shop_a.tenant_id, "P1", "shipped", customer_ref="u-1")
    agent = login(shop_a.agent_email)
    customer_id = agent.get(f"/api/v1/conversations/{cid}").json()["customer"]["id"]
    panel = agent.get(f"/api/v1/live/customers/{customer_id}").json()
    assert panel["customer"]["external_id"] == "u-1"
    assert [o["order_no"] for o in panel["orders"]] == ["P1"] and panel["orders"][0]["shipments"]
    assert [c["id"] for c in panel["past_conversations"]] == [cid]
    tagged = agent.put(f"/api/v1/live/customers/{customer_id}/tags", json={"tags": ["VIP", "老客户"]}).json()
    assert tagged["tags"] == ["VIP", "老客户"]
    assert agent.put(f"/api/v1/live/customers/{customer_id}/tags", json={"tags": [""]}).status_code == 400


def test_my_chats_lists_what_i_serve(login, shop_a, chat):
    cid, _, _ = chat
    agent = login(shop_a.agent_email)
    assert agent.get("/api/v1/live/mine").json() == []
    agent.post(f"/api/v1/live/conversations/{cid}/accept")
    mine = agent.get("/api/v1/live/mine").json()
    assert [m["conversation_id"] for m in mine] == [cid] and mine[0]["handoff_reason"] == "customer_asked"
