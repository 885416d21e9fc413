"""Routing queued chats to agents: capacity, draining, priority, preference, skill groups, races, disconnects."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from kefu.conversations.actions import do_get_external_customer, do_open_conversation, do_set_status
from kefu.conversations.models import Conversation
from kefu.db import utcnow
from kefu.errors import Conflict
from kefu.live import actions, routing
from kefu.live.models import SkillGroup, SkillMember
from kefu.tenants.actions import do_create_user
from kefu.tenants.models import User
from tests.conftest import PASSWORD


@pytest.fixture
def shop(app, runtime, shop_a):
    return shop_a.tenant_id


def agent(runtime, tenant_id, name, *, max_chats=2, present=True, status="online") -> int:
    with runtime.db.session() as db:
        user = do_create_user(db, tenant_id=tenant_id, email=f"{name}@routing.test", name=name, role="agent",
                              password=PASSWORD)
        user.status, user.max_chats = status, max_chats
        user.seen_at = utcnow() if present else None
        db.flush()
        return user.id


def queue(runtime, tenant_id, customer="c", *, priority=0, group=None, minutes_ago=0.0) -> int:
    """A chat entering the queue, as the bot's handoff does it (the routing listener drains after commit)."""
    with runtime.db.session() as db:
        cust = do_get_external_customer(db, tenant_id=tenant_id, external_id=customer)
        conv, _ = do_open_conversation(db, tenant_id=tenant_id, customer=cust, channel="api", locale="zh",
                                       reuse=False)
        conv.priority, conv.skill_group_id = priority, group
        conv.queued_at = utcnow() - dt.timedelta(minutes=minutes_ago)
        do_set_status(db, conv=conv, status="queued", reason="test")
        return conv.id


def state(runtime, conv_id) -> tuple[str, int | None]:
    with runtime.db.session() as db:
        conv = db.get(Conversation, conv_id)
        return conv.status, conv.assigned_user_id


def close(runtime, conv_id):
    with runtime.db.session() as db:
        do_set_status(db, conv=db.get(Conversation, conv_id), status="closed", reason="done")


def test_capacity_limits_and_the_queue_drains_the_moment_capacity_frees(runtime, shop):
    a, b = agent(runtime, shop, "a"), agent(runtime, shop, "b")
    chats = [queue(runtime, shop, f"c{i}", minutes_ago=10 - i) for i in range(5)]
    owners = [state(runtime, c)[1] for c in chats]
    assert sorted(o for o in owners if o) == [a, a, b, b] and owners[4] is None  # the newest waits
    close(runtime, chats[0])
    assert state(runtime, chats[4]) == ("with_agent", owners[0])


def test_higher_priority_first_then_longest_waiting(runtime, shop):
    busy = agent(runtime, shop, "busy", max_chats=1)
    first = queue(runtime, shop, "first")
    assert state(runtime, first)[1] == busy
    old = queue(runtime, shop, "old", minutes_ago=5)
    new = queue(runtime, shop, "new", minutes_ago=1)
    angry = queue(runtime, shop, "angry", priority=2, minutes_ago=0)
    close(runtime, first)
    assert state(runtime, angry)[1] == busy and state(runtime, old)[0] == "queued"
    close(runtime, angry)
    assert state(runtime, old)[1] == busy and state(runtime, new)[0] == "queued"


def test_least_busy_agent_gets_the_next_chat(runtime, shop):
    a = agent(runtime, shop, "a", max_chats=5)
    queue(runtime, shop, "c1")
    queue(runtime, shop, "c2")
    b = agent(runtime, shop, "b", max_chats=5)
    assert state(runtime, queue(runtime, shop, "c3"))[1] == b
    assert a != b


def test_a_returning_customer_goes_back_to_their_last_agent(runtime, shop):
    a, b = agent(runtime, shop, "a", max_chats=5), agent(runtime, shop, "b", max_chats=5)
    first = queue(runtime, shop, "regular")
    served_by = state(runtime, first)[1]
    close(runtime, first)
    with runtime.db.session() as db:  # make the last agent the busier one
        for i in range(2):
            customer = do_get_external_customer(db, tenant_id=shop, external_id=f"x{i}")
            conv, _ = do_open_conversation(db, tenant_id=shop, customer=customer, channel="api", locale="zh")
            conv.status, conv.assigned_user_id = "with_agent", served_by
    again = queue(runtime, shop, "regular")
    assert state(runtime, again)[1] == served_by
    assert served_by in (a, b)


def test_pick_agent_rules():
    now = utcnow()
    a = routing.Agent(1, load=3, max_chats=5, groups={7}, last_assigned=now)
    b = routing.Agent(2, load=1, max_chats=5, groups=set(), last_assigned=now)
    full = routing.Agent(3, load=2, max_chats=2, groups={7}, last_assigned=None)
    assert routing.pick_agent([a, b, full], group_id=None, last_agent_id=None) is b  # least busy
    assert routing.pick_agent([a, b, full], group_id=None, last_agent_id=1) is a  # last agent, still free
    assert routing.pick_agent([a, b, full], group_id=None, last_agent_id=3) is b  # last agent full
    assert routing.pick_agent([a, b, full], group_id=7, last_agent_id=None) is a  # the group's free member
    a.load = 5
    assert routing.pick_agent([a, b, full], group_id=7, last_agent_id=None) is None  # group full: wait for it
    assert routing.pick_agent([a, b], group_id=9, last_agent_id=None) is b  # nobody in group 9: anyone


def test_skill_groups_route_by_intent_and_fall_back_when_nobody_of_the_group_is_on(runtime, shop):
    generalist = agent(runtime, shop, "general", max_chats=5)
    with runtime.db.session() as db:
        group = SkillGroup(tenant_id=shop, name="售后", intents=["return_refund", "售后"])
        db.add(group)
        db.flush()
        group_id = group.id
        assert routing.group_for(db, tenant_id=shop, intent="return_refund", category=None) == group_id
        assert routing.group_for(db, tenant_id=shop, intent="某个问题", category="售后/保修") == group_id
        assert routing.group_for(db, tenant_id=shop, intent="track_parcel", category="物流") is None
    # Nobody of the group is online: the chat still reaches a person.
    assert state(runtime, queue(runtime, shop, "early", group=group_id))[1] == generalist
    specialist = agent(runtime, shop, "after-sales", max_chats=5)
    with runtime.db.session() as db:
        db.add(SkillMember(tenant_id=shop, group_id=group_id, user_id=specialist))
    for i in range(3):
        assert state(runtime, queue(runtime, shop, f"r{i}", group=group_id))[1] == specialist


def test_a_bot_handoff_about_returns_lands_in_the_after_sales_group(runtime, shop):
    from tests.support.chat import Chat, add_order

    agent(runtime, shop, "general", max_chats=5)
    specialist = agent(runtime, shop, "after-sales", max_chats=5)
    with runtime.db.session() as db:
        group = SkillGroup(tenant_id=shop, name="售后", intents=["return_refund"])
        db.add(group)
        db.flush()
        db.add(SkillMember(tenant_id=shop, group_id=group.id, user_id=specialist))
    add_order(runtime, shop, "R1", "delivered", customer_ref="u-1", delivered_days_ago=1)
    chat = Chat.open(runtime, shop, external_id="u-1")
    chat.say("我要退货")
    out = chat.say("转人工")
    assert chat.conversation().assigned_user_id == specialist
    assert any("为您服务" in t for t in out)


def test_many_agents_accepting_one_chat_at_once_only_one_wins(runtime, shop):
    ids = [agent(runtime, shop, f"a{i}", present=False) for i in range(8)]  # not auto-routed: they accept
    chat = queue(runtime, shop, "c")
    winners, losers, barrier = [], [], threading.Barrier(len(ids))

    def take(user_id):
        barrier.wait()
        try:
            with runtime.db.session() as db:
                actions.do_accept(db, tenant_id=shop, conversation_id=chat, user=db.get(User, user_id))
            winners.append(user_id)
        except Conflict:
            losers.append(user_id)

    threads = [threading.Thread(target=take, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(winners) == 1 and len(losers) == 7
    assert state(runtime, chat) == ("with_agent", winners[0])


def test_concurrent_drains_never_overfill_an_agent_or_assign_twice(runtime, shop):
    agents = [agent(runtime, shop, f"a{i}", present=False) for i in range(3)]
    chats = [queue(runtime, shop, f"c{i}", minutes_ago=30 - i) for i in range(12)]
    with runtime.db.session() as db:  # now they connect, all at once
        for user in db.scalars(select(User).where(User.id.in_(agents))):
            user.seen_at = utcnow()
    barrier = threading.Barrier(6)

    def drain():
        barrier.wait()
        actions.drain_shop(runtime, shop)

    threads = [threading.Thread(target=drain) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    owners = [state(runtime, c)[1] for c in chats]
    assert sorted(o for o in owners if o) == sorted(agents * 2)
    assert owners[:6] == [o for o in owners if o]  # the six who waited longest were served


def test_accepting_at_the_limit_is_refused(runtime, shop):
    solo = agent(runtime, shop, "solo", max_chats=1, present=False)
    first, second = queue(runtime, shop, "c1"), queue(runtime, shop, "c2")
    with runtime.db.session() as db:
        actions.do_accept(db, tenant_id=shop, conversation_id=first, user=db.get(User, solo))
    with pytest.raises(Conflict, match="limit"), runtime.db.session() as db:
        actions.do_accept(db, tenant_id=shop, conversation_id=second, user=db.get(User, solo))


def test_an_agent_who_drops_out_loses_no_chats(runtime, shop):
    gone = agent(runtime, shop, "gone", max_chats=3)
    chats = [queue(runtime, shop, f"c{i}") for i in range(2)]
    assert all(state(runtime, c) == ("with_agent", gone) for c in chats)
    later = queue(runtime, shop, "later", minutes_ago=0)
    with runtime.db.session() as db:
        db.get(User, gone).seen_at = utcnow() - dt.timedelta(seconds=120)
    actions.sweep(runtime)
    with runtime.db.session() as db:
        assert db.get(User, gone).status == "offline"
        requeued = db.scalars(select(Conversation).where(Conversation.id.in_(chats))).all()
        assert all(c.status == "queued" and c.priority == routing.REQUEUED_PRIORITY for c in requeued)
    helper = agent(runtime, shop, "helper", max_chats=2)
    actions.drain_shop(runtime, shop)
    assert [state(runtime, c)[1] for c in chats] == [helper, helper]  # front of the queue, before "later"
    assert state(runtime, later) in (("with_agent", gone), ("queued", None))


def test_a_heartbeat_within_the_grace_keeps_the_agent(runtime, shop):
    kept = agent(runtime, shop, "kept")
    chat = queue(runtime, shop, "c")
    actions.sweep(runtime)
    with runtime.db.session() as db:
        assert db.get(User, kept).status == "online"
    assert state(runtime, chat) == ("with_agent", kept)


def test_coming_online_drains_the_queue(client, runtime, shop, shop_a, login):
    waiting = queue(runtime, shop, "c")
    agent_client = login(shop_a.agent_email)
    assert agent_client.post("/api/v1/live/heartbeat").status_code == 204
    assert state(runtime, waiting) == ("queued", None)  # offline still
    assert agent_client.put("/api/v1/auth/me/status", json={"status": "online"}).status_code == 200
    assert state(runtime, waiting)[0] == "with_agent"


def test_overview_accept_and_transfer_over_the_api(client, runtime, shop, shop_a, login):
    agent_client = login(shop_a.agent_email)
    other = agent(runtime, shop, "other", present=False)
    chat = queue(runtime, shop, "c", minutes_ago=2)
    # Only to a colleague who will see it: online with the workspace open.
    r = agent_client.post(f"/api/v1/live/conversations/{chat}/transfer", json={"to_user_id": other})
    assert r.status_code == 409 and r.json()["error"]["code"] == "agent_offline"
    live = agent_client.get("/api/v1/live").json()
    assert live["queue_length"] == 1 and live["queue"][0]["conversation_id"] == chat
    assert live["longest_wait_seconds"] >= 100
    assert agent_client.post(f"/api/v1/live/conversations/{chat}/accept").status_code == 200
    again = agent_client.post(f"/api/v1/live/conversations/{chat}/accept")
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_queued"
    with runtime.db.session() as db:
        db.get(User, other).seen_at = utcnow()  # their workspace connects
    r = agent_client.post(f"/api/v1/live/conversations/{chat}/transfer", json={"to_user_id": other, "note": "VIP"})
    assert r.status_code == 200 and state(runtime, chat) == ("with_agent", other)
    notes = agent_client.get(f"/api/v1/conversations/{chat}/notes").json()
    assert [n["text"] for n in notes] == ["VIP"]  # the colleague reads the transfer note with the transcript
    owner = login(shop_a.owner_email)
    group = owner.post("/api/v1/live/skill-groups", json={"name": "售前", "intents": ["presale"],
                                                          "members": [other]}).json()
    r = agent_client.post(f"/api/v1/live/conversations/{chat}/transfer", json={"to_group_id": group["id"]})
    # Through the queue, where routing gives it to the group's available member.
    assert r.status_code == 200 and r.json()["status"] == "queued" and state(runtime, chat) == ("with_agent", other)
    assert owner.put(f"/api/v1/live/agents/{other}", json={"max_chats": 8}).json()["max_chats"] == 8
    bad = agent_client.post(f"/api/v1/live/conversations/{chat}/transfer", json={})
    assert bad.status_code == 409 and bad.json()["error"]["code"] == "bad_transfer"
