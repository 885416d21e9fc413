"""Every conversation ends well: presence is a connected workspace, a dropped agent's chats go back to the queue
with the customer told, waiting customers see their place and wait, are offered a message past the shop's limit
or when the last agent leaves, and the sweep repairs whatever chat nobody is responsible for."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading

import pytest
from sqlalchemy import delete, select

from kefu.bot import handoff
from kefu.conversations.actions import do_request_handoff, do_set_status
from kefu.conversations.models import Conversation, ConversationEvent, LeftMessage, Message
from kefu.db import utcnow
from kefu.errors import KefuError
from kefu.live import actions, queue, routing
from kefu.tenants.actions import do_create_user
from kefu.tenants.models import User
from tests.conftest import PASSWORD, api_headers, busy_colleague
from tests.support.chat import Chat


@pytest.fixture
def shop(app, runtime, shop_a):
    return shop_a.tenant_id


def make_agent(runtime, tenant_id, name, *, status="online", seen=True, max_chats=5) -> int:
    with runtime.db.session() as db:
        user = do_create_user(db, tenant_id=tenant_id, email=f"{name}@care.test", name=name, role="agent",
                              password=PASSWORD)
        user.status, user.max_chats, user.seen_at = status, max_chats, utcnow() if seen else None
        db.flush()
        return user.id


def later(runtime, seconds=1) -> dt.datetime:
    """A moment past the disconnect grace period (instead of waiting for it)."""
    return utcnow() + dt.timedelta(seconds=runtime.settings.agent_grace_seconds + seconds)


def system_messages(chat: Chat) -> list[Message]:
    return [m for m in chat.replies(0) if m.sender == "system"]


def agent_user(runtime, email) -> User:
    with runtime.db.session() as db:
        user = db.scalar(select(User).where(User.email == email))
        db.expunge(user)
        return user


# --- 1. presence: one definition for routing and the bot ------------------------------------------------

def test_only_an_online_agent_with_a_connected_workspace_counts(runtime, shop):
    def counted():
        with runtime.db.session() as db:
            bot_view = handoff.agents_online(db, shop)
            routing_view = {a.id for a in routing.available_agents(db, tenant_id=shop)}
        assert bot_view == len(routing_view)  # the bot and routing agree
        return routing_view

    assert counted() == set()
    never = make_agent(runtime, shop, "never-connected", seen=False)
    away = make_agent(runtime, shop, "away", status="away")
    no_chats = make_agent(runtime, shop, "supervisor", max_chats=0)
    assert counted() == set()
    with runtime.db.session() as db:
        db.get(User, never).seen_at = utcnow() - dt.timedelta(seconds=runtime.settings.agent_grace_seconds + 5)
    assert counted() == set()
    with runtime.db.session() as db:
        db.get(User, never).seen_at = utcnow()
    assert counted() == {never}
    assert away and no_chats


def test_nobody_connected_means_a_message_is_taken_even_if_someone_is_set_online(runtime, shop, shop_a, login):
    login(shop_a.agent_email).put("/api/v1/auth/me/status", json={"status": "online"})
    chat = Chat.open(runtime, shop)
    out = chat.say("转人工")
    assert "暂时没有客服在线" in out[0] and "联系方式" in out[-1]
    assert chat.conversation().status == "bot"


def test_connecting_the_workspace_makes_the_agent_available(client, runtime, shop, shop_a, login):
    agent = login(shop_a.agent_email)
    agent.put("/api/v1/auth/me/status", json={"status": "online"})
    with agent.websocket_connect("/api/v1/live/ws") as staff:
        assert staff.receive_json()["type"] == "ready"
        chat = Chat.open(runtime, shop)
        out = chat.say("转人工")
        assert any("为您服务" in t for t in out)
        assert chat.conversation().assigned_user_id == agent_user(runtime, shop_a.agent_email).id


# --- 2. a dropped agent's chats go back to the queue, and the customer is told ------------------------------

def test_a_closed_workspace_sends_its_chats_back_and_tells_the_customer(client, runtime, shop, shop_a, login):
    agent = login(shop_a.agent_email)
    agent.put("/api/v1/auth/me/status", json={"status": "online"})
    with agent.websocket_connect("/api/v1/live/ws") as staff:
        assert staff.receive_json()["type"] == "ready"
        chat = Chat.open(runtime, shop)
        chat.say("转人工")
        assert chat.conversation().status == "with_agent"
    # The socket is closed; the grace period passes.
    actions.sweep(runtime, now=later(runtime))
    conv = chat.conversation()
    assert conv.status == "queued" and conv.assigned_user_id is None and conv.priority == routing.REQUEUED_PRIORITY
    assert agent_user(runtime, shop_a.agent_email).status == "offline"
    told = system_messages(chat)
    requeued = next(m for m in told if (m.payload or {}).get("requeued"))
    assert "客服暂时断开了，已为您重新排队" in requeued.text and "第 1 位" in requeued.text
    # Nobody else is there: the customer may leave a message instead of waiting.
    offer = told[-1]
    assert offer.payload["buttons"] == [{"label": "留言", "action": "leave_message"}]
    assert offer.payload["reason"] == "agents_gone"


def test_a_dropped_agents_chat_goes_to_a_colleague_who_is_connected(client, runtime, shop, shop_a, login):
    agent = login(shop_a.agent_email)
    agent.put("/api/v1/auth/me/status", json={"status": "online"})
    with agent.websocket_connect("/api/v1/live/ws") as staff:
        assert staff.receive_json()["type"] == "ready"
        chat = Chat.open(runtime, shop, locale="en")
        chat.say("talk to a person")
        assert chat.conversation().status == "with_agent"
    colleague = make_agent(runtime, shop, "colleague")
    with runtime.db.session() as db:  # the first agent's last heartbeat is now older than the grace period
        db.scalar(select(User).where(User.email == shop_a.agent_email)).seen_at = utcnow() - dt.timedelta(
            seconds=runtime.settings.agent_grace_seconds + 1)
    actions.sweep(runtime)
    assert chat.conversation().assigned_user_id == colleague
    texts = [m.text for m in system_messages(chat)]
    assert any("back in the queue: number 1" in t for t in texts)
    assert texts[-1] == "colleague is here to help you"


def test_an_agent_away_who_closed_the_browser_does_not_keep_their_chats(client, runtime, shop, shop_a, login):
    """Accepting by hand works in any status; a chat accepted while away was never requeued before."""
    busy_colleague(runtime, shop)
    chat = Chat.open(runtime, shop)
    chat.say("转人工")
    agent = login(shop_a.agent_email)
    agent.put("/api/v1/auth/me/status", json={"status": "away"})
    with agent.websocket_connect("/api/v1/live/ws") as staff:
        assert staff.receive_json()["type"] == "ready"
        assert agent.post(f"/api/v1/live/conversations/{chat.conversation_id}/accept").status_code == 200
    actions.sweep(runtime, now=later(runtime))
    assert chat.conversation().status == "queued"
    assert "重新排队" in " ".join(m.text for m in system_messages(chat))


def test_an_agent_answering_from_the_console_keeps_the_chat_while_they_answer(client, runtime, shop, shop_a, login,
                                                                              agent_online):
    chat = Chat.open(runtime, shop)
    chat.say("转人工")
    agent = login(shop_a.agent_email)  # replies from the console's conversation page: no workspace, no heartbeat
    r = agent.post(f"/api/v1/conversations/{chat.conversation_id}/messages", json={"text": "您好，我来处理"})
    assert r.status_code == 201 and chat.conversation().status == "with_agent"
    actions.sweep(runtime, now=later(runtime))
    assert chat.conversation().status == "with_agent"  # never opened a workspace: nothing says they left
    with runtime.db.session() as db:  # they had the workspace open this morning
        db.scalar(select(User).where(User.email == shop_a.agent_email)).seen_at = utcnow() - dt.timedelta(hours=3)
    actions.sweep(runtime)
    assert chat.conversation().status == "with_agent"  # they replied a moment ago
    actions.sweep(runtime, now=later(runtime))
    assert chat.conversation().status == "queued"  # silent past the grace period since


# --- 3. the queue: place, estimated wait, updates --------------------------------------------------------

def test_the_queue_message_says_the_place_and_a_default_estimate(runtime, shop, agent_online):
    Chat.open(runtime, shop).say("转人工")
    second = Chat.open(runtime, shop)
    out = second.say("转人工")
    # No history yet: DEFAULT_SECONDS_PER_PLACE per place with one agent available.
    assert "第 2 位" in out[-1] and "预计等待约 4 分钟" in out[-1]
    payload = second.replies(0)[-1].payload
    assert payload == {"type": "queue", "position": 2, "ahead": 1, "eta_seconds": 2 * handoff.DEFAULT_SECONDS_PER_PLACE}
    with runtime.db.session() as db:
        assert handoff.queue_status(db, db.get(Conversation, second.conversation_id)) == {
            "position": 2, "ahead": 1, "eta_seconds": 240}


def test_the_estimate_learns_from_the_last_hours_waits(runtime, shop, shop_a, agent_online):
    taker = make_agent(runtime, shop, "taker", seen=False)
    # Three chats taken after waiting 300 s at place 1, 200 s at place 2 and 600 s at place 3: 300, 100 and 200 s
    # a place; the median is 200 s.
    for waited, place in ((300, 1), (200, 2), (600, 3)):
        chat = Chat.open(runtime, shop)
        chat.say("转人工")
        with runtime.db.session() as db:
            conv = db.get(Conversation, chat.conversation_id)
            conv.queued_at, conv.queued_position = utcnow() - dt.timedelta(seconds=waited), place
        with runtime.db.session() as db:
            actions.do_accept(db, tenant_id=shop, conversation_id=chat.conversation_id, user=db.get(User, taker))
    # An old one (two hours ago) no longer counts.
    with runtime.db.session() as db:
        db.add(ConversationEvent(tenant_id=shop, conversation_id=chat.conversation_id, kind="assigned",
                                 data={"waited_seconds": 9999, "queued_position": 1},
                                 created_at=utcnow() - dt.timedelta(hours=2)))
    Chat.open(runtime, shop).say("转人工")
    waiting = Chat.open(runtime, shop)
    out = waiting.say("转人工")
    assert "第 2 位" in out[-1] and "预计等待约 7 分钟" in out[-1]  # 2 × 200 s
    assert waiting.replies(0)[-1].payload["eta_seconds"] == 400


def test_the_api_channel_shows_the_place_while_queued(client, runtime, shop_a, agent_online):
    h = api_headers(shop_a)
    ids = []
    for who in ("u-1", "u-2"):
        cid = client.post("/api/v1/channels/api/conversations", headers=h,
                          json={"customer_id": who}).json()["conversation"]["id"]
        client.post(f"/api/v1/channels/api/conversations/{cid}/messages", headers=h, json={"text": "转人工"})
        ids.append(cid)
    got = client.get(f"/api/v1/channels/api/conversations/{ids[1]}", headers=h).json()
    assert got["status"] == "queued" and got["queue"] == {"position": 2, "ahead": 1, "eta_seconds": 240}
    with runtime.db.session() as db:
        do_set_status(db, conv=db.get(Conversation, ids[0]), status="closed", reason="done")
    got = client.get(f"/api/v1/channels/api/conversations/{ids[1]}", headers=h).json()
    assert got["queue"] == {"position": 1, "ahead": 0, "eta_seconds": 120}
    bot_only = client.post("/api/v1/channels/api/conversations", headers=h, json={"customer_id": "u-3"}).json()
    got = client.get(f"/api/v1/channels/api/conversations/{bot_only['conversation']['id']}", headers=h).json()
    assert got["status"] == "bot" and got["queue"] is None


def test_queue_updates_are_throttled_but_the_last_change_always_goes_out(runtime, monkeypatch):
    monkeypatch.setattr(queue, "UPDATE_SECONDS", 0.2)
    notifier = queue.QueueNotifier(runtime)
    rounds, last_round = [], threading.Event()

    def send(tenant_id):
        rounds.append(tenant_id)
        if len(rounds) == 2:
            last_round.set()
        return 0

    monkeypatch.setattr(notifier, "send", send)
    for _ in range(50):  # a burst of moves
        notifier.moved(7)
    assert last_round.wait(10)
    assert rounds == [7, 7]  # the first at once, the rest folded into one when the interval passed


# --- 4. past the shop's limit, or with the last agent gone: offer to leave a message ---------------------------

def test_waiting_past_the_limit_offers_a_message_once_and_leaving_one_ends_the_wait(runtime, shop, agent_online):
    chat = Chat.open(runtime, shop)
    chat.say("我要投诉，转人工")
    reason = chat.conversation().handoff["reason"]
    actions.sweep(runtime)
    assert all((m.payload or {}).get("type") != "buttons" for m in system_messages(chat))  # not yet: 10 minutes
    with runtime.db.session() as db:
        db.get(Conversation, chat.conversation_id).queued_at = utcnow() - dt.timedelta(minutes=11)
    actions.sweep(runtime)
    actions.sweep(runtime)
    offers = [m for m in system_messages(chat) if (m.payload or {}).get("type") == "buttons"]
    assert len(offers) == 1 and offers[0].payload["reason"] == "wait_too_long"
    assert "您可以继续等待，也可以留言" in offers[0].text
    assert chat.conversation().status == "queued"  # waiting on is fine too
    # The button: the bot takes the message; the customer keeps their place until it is left.
    with runtime.db.session() as db:
        do_request_handoff(db, conv=db.get(Conversation, chat.conversation_id), reason="leave_message")
    assert chat.conversation().status == "queued" and "联系方式" in chat.replies(0)[-1].text
    chat.say("13800138000")
    assert chat.conversation().status == "queued"
    assert "已收到您的留言" in chat.say("等太久了，请回电")[-1]
    assert chat.conversation().status == "bot"  # the wait is over
    with runtime.db.session() as db:
        left = db.scalar(select(LeftMessage))
        assert left.contact == "13800138000" and left.context["reason"] == reason  # why they were handed over


def test_a_shop_can_turn_the_wait_limit_off_or_change_it(client, runtime, shop, shop_a, login, agent_online):
    owner = login(shop_a.owner_email)
    for bad in (241, -1, "10", True):
        r = owner.patch("/api/v1/settings", json={"handoff_policy": {"max_wait_minutes": bad}})
        assert r.status_code in (400, 422) and "max_wait_minutes" in r.text
    r = owner.patch("/api/v1/settings", json={"handoff_policy": {"max_wait_minutes": 0}})
    assert r.status_code == 200 and r.json()["handoff_policy"]["max_wait_minutes"] == 0
    chat = Chat.open(runtime, shop)
    chat.say("转人工")
    with runtime.db.session() as db:
        db.get(Conversation, chat.conversation_id).queued_at = utcnow() - dt.timedelta(hours=3)
    actions.sweep(runtime)
    assert not [m for m in system_messages(chat) if (m.payload or {}).get("type") == "buttons"]
    owner.patch("/api/v1/settings", json={"handoff_policy": {"max_wait_minutes": 240}})
    with pytest.raises(KefuError):
        handoff.check_policy({"max_wait_minutes": 500})


def test_when_the_last_agent_leaves_the_waiting_customers_are_offered_a_message(client, runtime, shop, login):
    colleague = busy_colleague(runtime, shop)
    waiting = [Chat.open(runtime, shop) for _ in range(2)]
    for chat in waiting:
        chat.say("转人工")
        assert chat.conversation().status == "queued"
    on_duty = login(agent_user(runtime, f"on-duty-{shop}@busy.test").email)
    assert on_duty.put("/api/v1/auth/me/status", json={"status": "away"}).status_code == 200
    for chat in waiting:
        offer = system_messages(chat)[-1]
        assert offer.payload["reason"] == "agents_gone" and "客服暂时都不在线了" in offer.text
        assert chat.conversation().status == "queued"  # someone coming back still serves them
    assert colleague


# --- 5. the repair sweep -------------------------------------------------------------------------------------

def test_the_sweep_repairs_chats_nobody_is_responsible_for(client, runtime, shop, caplog):
    leaver = make_agent(runtime, shop, "leaver")
    chat = Chat.open(runtime, shop)
    chat.say("转人工")
    assert chat.conversation().assigned_user_id == leaver
    stuck = Chat.open(runtime, shop)
    with runtime.db.session() as db:
        db.execute(delete(User).where(User.id == leaver))  # the agent's account is removed mid-chat
        # Written without events, as by a process that died half-way: queued without a queue time.
        db.get(Conversation, stuck.conversation_id).status = "queued"
    assert chat.conversation().status == "with_agent" and chat.conversation().assigned_user_id is None
    with caplog.at_level(logging.WARNING, logger="kefu.live.queue"):
        actions.sweep(runtime)
    assert chat.conversation().status == "queued"
    assert "重新排队" in " ".join(m.text for m in system_messages(chat))
    assert stuck.conversation().queued_at is not None
    for c in (chat, stuck):
        assert f"repaired conversation {c.conversation_id}" in caplog.text
        # Nobody is left to serve them: both may leave a message.
        assert system_messages(c)[-1].payload["reason"] == "agents_gone"


def test_the_sweep_routes_a_chat_whose_drain_was_lost(client, runtime, shop, caplog):
    lost = Chat.open(runtime, shop)
    helper = make_agent(runtime, shop, "helper", seen=False)
    with runtime.db.session() as db:
        # Both written without events (a process that died before its drain): a queued chat, an agent connected.
        conv = db.get(Conversation, lost.conversation_id)
        conv.status, conv.queued_at = "queued", utcnow()
        db.get(User, helper).seen_at = utcnow()
    with caplog.at_level(logging.WARNING, logger="kefu.live.queue"):
        actions.sweep(runtime)
    assert lost.conversation().assigned_user_id == helper
    assert f"repaired conversation {lost.conversation_id}" in caplog.text


def test_sweeps_running_at_once_tell_the_customer_once(client, runtime, shop, shop_a, login):
    agent = login(shop_a.agent_email)
    agent.put("/api/v1/auth/me/status", json={"status": "online"})
    with agent.websocket_connect("/api/v1/live/ws") as staff:
        assert staff.receive_json()["type"] == "ready"
        chats = [Chat.open(runtime, shop) for _ in range(3)]
        for chat in chats:
            chat.say("转人工")
    when, barrier = later(runtime), threading.Barrier(4)

    def sweep():
        barrier.wait()
        actions.sweep(runtime, now=when)

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for chat in chats:
        kinds = [(m.payload or {}).get("requeued") or (m.payload or {}).get("reason") for m in system_messages(chat)]
        assert kinds.count(True) == 1 and kinds.count("agents_gone") == 1, kinds


def test_many_customers_none_is_left_without_word(client, runtime, shop):
    """The load report: of 60 widget customers some ended queued with no answer. Now each queued customer has
    their place and wait, and past the limit an offer to leave a message."""
    agents = [make_agent(runtime, shop, f"a{i}", max_chats=2) for i in range(2)]
    chats = [Chat.open(runtime, shop, external_id=f"load-{i}") for i in range(12)]
    for chat in chats:
        chat.say("转人工")
    served = [c for c in chats if c.conversation().status == "with_agent"]
    waiting = [c for c in chats if c.conversation().status == "queued"]
    assert len(served) == 4 and len(waiting) == 8
    assert {c.conversation().assigned_user_id for c in served} == set(agents)
    for chat in waiting:
        place = [m.payload for m in system_messages(chat) if (m.payload or {}).get("type") == "queue"][-1]
        assert place["position"] >= 1 and place["eta_seconds"] > 0
    with runtime.db.session() as db:
        for c in served[:2]:
            do_set_status(db, conv=db.get(Conversation, c.conversation_id), status="closed", reason="done")
    assert sum(c.conversation().status == "queued" for c in chats) == 6
    with runtime.db.session() as db:
        for c in chats:
            conv = db.get(Conversation, c.conversation_id)
            if conv.status == "queued":
                conv.queued_at = utcnow() - dt.timedelta(minutes=30)
    actions.sweep(runtime)
    for chat in chats:
        conv = chat.conversation()
        if conv.status == "queued":
            assert system_messages(chat)[-1].payload["reason"] == "wait_too_long"
        else:
            assert any((m.payload or {}).get("type") == "agent_joined" for m in system_messages(chat))


# --- the widget --------------------------------------------------------------------------------------------

def _frames_until(ws, pred, limit=30):
    seen = []
    for _ in range(limit):
        seen.append(ws.receive_json())
        if pred(seen[-1]):
            return seen
    raise AssertionError(f"no matching frame in {seen}")


def test_a_waiting_widget_customer_sees_the_queue_move_and_can_leave_a_message(client, runtime, shop, shop_a, login,
                                                                                 agent_online, monkeypatch):
    monkeypatch.setattr(queue, "UPDATE_SECONDS", 0)
    first = Chat.open(runtime, shop)
    first.say("转人工")
    with client.websocket_connect("/api/v1/widget/ws") as ws:
        ws.send_text(json.dumps({"type": "hello", "key": shop_a.public_key}))
        ready = ws.receive_json()
        ws.send_text(json.dumps({"type": "handoff"}))
        seen = []

        def placed(frame):
            seen.append(frame)
            return {"message", "queue"} <= {f["type"] for f in seen if f["type"] == "queue" or (
                f["type"] == "message" and (f["message"]["payload"] or {}).get("type") == "queue")}

        _frames_until(ws, placed)
        said = next(f["message"] for f in seen if f["type"] == "message" and f["message"]["payload"])
        assert said["payload"]["type"] == "queue" and "第 2 位" in said["text"]
        assert next(f["queue"] for f in seen if f["type"] == "queue")["position"] == 2
        # The customer ahead is served: this one moves up, as a queue frame, not a new message.
        agent = login(shop_a.agent_email)
        assert agent.post(f"/api/v1/live/conversations/{first.conversation_id}/accept").status_code == 200
        seen = _frames_until(ws, lambda f: f["type"] == "queue")
        assert seen[-1]["queue"] == {"position": 1, "ahead": 0, "eta_seconds": 120}
        assert not [f for f in seen if f["type"] == "message"]
    # A reload shows the same in the ready frame.
    with client.websocket_connect("/api/v1/widget/ws") as ws:
        ws.send_text(json.dumps({"type": "hello", "key": shop_a.public_key, "visitor": ready["visitor"]}))
        again = ws.receive_json()
        assert again["conversation"]["queue"]["position"] == 1
        ws.send_text(json.dumps({"type": "leave_message"}))
        _frames_until(ws, lambda f: f["type"] == "message" and "联系方式" in f["message"]["text"])
        ws.send_text(json.dumps({"type": "message", "client_id": "m1", "text": "13800138000"}))
        _frames_until(ws, lambda f: f["type"] == "message" and "描述" in f["message"]["text"])
        ws.send_text(json.dumps({"type": "message", "client_id": "m2", "text": "还要等多久？请回电"}))
        seen = []

        def left(frame):
            seen.append(frame)
            return (any(f["type"] == "conversation" and f["conversation"]["status"] == "bot" for f in seen)
                    and any(f["type"] == "message" and "已收到您的留言" in f["message"]["text"] for f in seen))

        _frames_until(ws, left)  # the wait is over once the message is left


def test_the_served_app_sweeps_by_itself(settings):
    """The sweeper runs in the app's lifespan: nobody has to call it."""
    import time

    from fastapi.testclient import TestClient

    from kefu.runtime import Runtime
    from kefu.web.app import create_app
    from tests.conftest import make_shop

    rt = Runtime(settings.model_copy(update={"agent_sweep_seconds": 1}))
    app = create_app(rt)
    try:
        shop = make_shop(rt, "swept")
        gone = make_agent(rt, shop.tenant_id, "gone")
        chat = Chat.open(rt, shop.tenant_id)
        chat.say("转人工")
        assert chat.conversation().assigned_user_id == gone
        with rt.db.session() as db:  # their workspace went silent a while ago
            db.get(User, gone).seen_at = utcnow() - dt.timedelta(seconds=settings.agent_grace_seconds + 1)
        with TestClient(app):
            deadline = time.monotonic() + 60
            while chat.conversation().status != "queued" and time.monotonic() < deadline:
                time.sleep(0.1)
        assert chat.conversation().status == "queued"
        assert "重新排队" in " ".join(m.text for m in system_messages(chat))
    finally:
        rt.db.dispose()
