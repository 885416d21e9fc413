"""The console's try-the-bot panel API: the owner chats as a customer and reads the bot's trace of each message."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kefu.demo.seed import LOGINS, seed_demo
from tests.conftest import api_headers

URL = "/api/v1/bot/try/conversations"


@pytest.fixture
def demo(runtime):
    return seed_demo(runtime.db)


@pytest.fixture
def demo_owner(app, demo):
    _role, email, _name, password = next(login for login in LOGINS if login[0] == "owner")
    with TestClient(app) as c:
        r = c.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        yield c


def _open(c, **body) -> dict:
    r = c.post(URL, json={"locale": "zh"} | body)
    assert r.status_code == 200, r.text
    return r.json()


def _say(c, cid: int, text: str, **kw) -> dict:
    r = c.post(f"{URL}/{cid}/messages", json={"text": text} | kw)
    assert r.status_code == 200, r.text
    return r.json()


def test_open_as_a_customer_and_track_their_parcel(demo_owner):
    opened = _open(demo_owner, customer_id="demo-customer")
    conv = opened["conversation"]
    assert conv["channel"] == "test" and conv["locale"] == "zh" and conv["status"] == "bot"
    assert opened["customer"]["external_id"] == "demo-customer" and opened["customer"]["verified"]
    assert opened["messages"][0]["sender"] == "bot" and "机器人" in opened["messages"][0]["text"]

    turn = _say(demo_owner, conv["id"], "D1003 到哪了")
    assert turn["message"]["sender"] == "customer" and turn["message"]["text"] == "D1003 到哪了"
    assert turn["replies"] and all(m["sender"] != "customer" for m in turn["replies"])
    trace = turn["trace"]
    assert trace["message_id"] == turn["message"]["id"] and trace["text"] == "D1003 到哪了"
    assert trace["outcome"] == "flow" and trace["flow"]["id"] == "track_parcel"
    assert trace["entities"]["order_no"] == "D1003"
    assert trace["button"] is False and trace["emotion"]["counted"] is True
    assert trace["status"] == "bot" and turn["conversation"]["status"] == "bot"


def test_a_knowledge_answer_shows_the_point_and_its_candidates(demo_owner):
    cid = _open(demo_owner)["conversation"]["id"]
    turn = _say(demo_owner, cid, "多久发货")
    trace = turn["trace"]
    assert trace["outcome"] == "answer" and trace["point"]["question"] == "什么时候发货？"
    assert turn["replies"][0]["payload"]["point_id"] == trace["point"]["id"]
    scores = [c["score"] for c in trace["candidates"]]
    assert trace["candidates"][0]["question"] == "什么时候发货？" and scores == sorted(scores, reverse=True)
    assert 0 < trace["point"]["score"] <= 1 and trace["flow"] is None


def test_a_button_press_is_stored_as_one_and_not_counted_for_emotion(demo_owner):
    cid = _open(demo_owner, locale="en")["conversation"]["id"]
    turn = _say(demo_owner, cid, "When will my order ship?", button=True)
    assert turn["message"]["payload"] == {"type": "button"}
    assert turn["trace"]["button"] is True and turn["trace"]["emotion"]["counted"] is False
    assert turn["trace"]["locale"] == "en"
    typed = _say(demo_owner, cid, "when will my order ship")
    assert typed["message"]["payload"] is None and typed["trace"]["button"] is False


def test_asking_for_a_person_is_traced_but_never_queued(runtime, demo_owner, demo):
    cid = _open(demo_owner)["conversation"]["id"]
    turn = _say(demo_owner, cid, "转人工")
    assert turn["trace"]["handoff"] == "customer_asked"
    assert turn["conversation"]["status"] != "queued" and turn["replies"]
    assert demo_owner.get("/api/v1/live").json()["queue"] == []
    pressed = demo_owner.post(f"{URL}/{cid}/handoff")
    assert pressed.status_code == 200, pressed.text
    assert pressed.json()["conversation"]["status"] != "queued"
    assert demo_owner.get("/api/v1/live").json()["queue"] == []


def test_test_conversations_stay_out_of_the_lists(demo_owner):
    opened = _open(demo_owner, customer_id="demo-customer")
    _say(demo_owner, opened["conversation"]["id"], "多久发货")
    listed = demo_owner.get("/api/v1/conversations").json()
    assert listed["total"] == 0 and listed["items"] == []
    with_tests = demo_owner.get("/api/v1/conversations", params={"include_test": True}).json()
    assert [c["id"] for c in with_tests["items"]] == [opened["conversation"]["id"]]
    panel = demo_owner.get(f"/api/v1/live/customers/{opened['customer']['id']}").json()
    assert panel["past_conversations"] == []


def test_anonymous_tries_are_new_visitors_each_time(demo_owner):
    a, b = _open(demo_owner), _open(demo_owner)
    assert a["conversation"]["id"] != b["conversation"]["id"]
    assert a["customer"]["id"] != b["customer"]["id"] and a["customer"]["external_id"] is None


def test_only_the_shops_own_test_conversations_and_only_for_admins(client, login, shop_a, shop_b):
    owner_a, owner_b, agent_a = login(shop_a.owner_email), login(shop_b.owner_email), login(shop_a.agent_email)
    cid = _open(owner_a)["conversation"]["id"]
    for c in (owner_b,):
        assert c.post(f"{URL}/{cid}/messages", json={"text": "你好"}).status_code == 404
        assert c.post(f"{URL}/{cid}/handoff").status_code == 404
    r = client.post(f"{URL}/{cid}/messages", json={"text": "你好"}, headers=api_headers(shop_b))
    assert r.status_code == 404
    assert agent_a.post(URL, json={"locale": "zh"}).status_code == 403
    assert agent_a.post(f"{URL}/{cid}/messages", json={"text": "你好"}).status_code == 403
    # A real customer's conversation is not reachable through the panel.
    real = client.post("/api/v1/channels/api/conversations", json={"customer_id": "u-1"},
                       headers=api_headers(shop_a)).json()["conversation"]["id"]
    r = owner_a.post(f"{URL}/{real}/messages", json={"text": "hijack"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_a_test_conversation"


def test_bad_input_is_refused_clearly(login, shop_a):
    owner = login(shop_a.owner_email)
    assert owner.post(URL, json={"locale": "fr"}).status_code == 422
    assert owner.post(URL, json={"customer_id": ""}).status_code == 422
    assert owner.post(URL, json={"customer_id": "x" * 129}).status_code == 422
    cid = _open(owner)["conversation"]["id"]
    r = owner.post(f"{URL}/{cid}/messages", json={"text": "   "})
    assert r.status_code == 400 and r.json()["error"]["code"] == "empty_message"
    assert owner.post(f"{URL}/{cid}/messages", json={"text": "hi", "extra": 1}).status_code == 422
