"""Accept, transfer and release chats, keep agents' presence, and drain the queue when capacity frees."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.bot.handoff import note_queue_entry
from kefu.conversations.actions import channels_for, conversation_event, get_conversation
from kefu.conversations.models import Conversation, ConversationEvent
from kefu.db import utcnow
from kefu.errors import Conflict, Forbidden, NotFound
from kefu.infra.periodic import Periodic
from kefu.live import queue, routing
from kefu.live.models import ConversationNote, SkillGroup
from kefu.runtime import Runtime, emit
from kefu.tenants.models import User


def do_accept(db: Session, *, tenant_id: int, conversation_id: int, user: User) -> Conversation:
    """Take a queued chat by hand; refused if someone else got it first or the agent is at their limit."""
    conv = get_conversation(db, tenant_id=tenant_id, conversation_id=conversation_id)
    if conv.status != "queued":
        raise Conflict("this chat is not waiting any more", code="not_queued")
    load = routing.load_of(db, tenant_id=tenant_id, user_id=user.id)
    if load >= user.max_chats:
        raise Conflict(f"you already have {load} chats (your limit is {user.max_chats})", code="at_capacity")
    claimed = routing.claim(db, conv_id=conv.id, user_id=user.id, reason="accepted")
    if claimed is None:
        raise Conflict("another agent took this chat first", code="not_queued")
    return claimed


def do_transfer(db: Session, *, tenant_id: int, conversation_id: int, by: User, to_user_id: int | None = None,
                to_group_id: int | None = None, note: str = "") -> Conversation:
    """Hand a chat to another agent (directly) or to a skill group (back to the front of the queue), with a note."""
    conv = get_conversation(db, tenant_id=tenant_id, conversation_id=conversation_id)
    if conv.status not in ("with_agent", "queued"):
        raise Conflict("only a chat with a person or in the queue can be transferred", code="not_transferable")
    if (to_user_id is None) == (to_group_id is None):
        raise Conflict("transfer to one agent or one group", code="bad_transfer")
    data: dict[str, Any] = {"from_user_id": by.id, "note": note[:1000]}
    if to_user_id is not None:
        target = db.get(User, to_user_id)
        if target is None or target.tenant_id != tenant_id:
            raise NotFound("agent not found")
        # Only to someone who will see it: online with their workspace open (routing's definition of available).
        cutoff = routing.present_since(db)
        if not db.scalar(select(User.id).where(User.id == target.id, *routing.available(tenant_id, cutoff))):
            raise Conflict(f"{target.name} is not online with the workspace open", code="agent_offline")
        conv.status, conv.assigned_user_id, conv.assigned_at = "with_agent", target.id, utcnow()
        data["to_user_id"] = target.id
    else:
        group = db.get(SkillGroup, to_group_id)
        if group is None or group.tenant_id != tenant_id:
            raise NotFound("skill group not found")
        if conv.status != "queued":
            conv.queued_at = utcnow()  # waiting again from now
        conv.status, conv.assigned_user_id, conv.skill_group_id = "queued", None, group.id
        conv.priority = max(conv.priority, routing.REQUEUED_PRIORITY)
        note_queue_entry(db, conv)
        data["to_group_id"] = group.id
    conv.updated_at = utcnow()
    db.add(ConversationEvent(tenant_id=tenant_id, conversation_id=conv.id, kind="transferred", data=data))
    if note.strip():  # the colleague taking over reads it with the transcript
        db.add(ConversationNote(tenant_id=tenant_id, conversation_id=conv.id, user_id=by.id, user_name=by.name,
                                text=note.strip()[:1000]))
    emit(db, conversation_event(conv, "conversation_updated"), channels_for(conv))
    return conv


def do_heartbeat(db: Session, *, user: User) -> None:
    """Record that the agent's workspace is still connected."""
    user.seen_at = utcnow()


def check_staff_user(user: User | None) -> User:
    if user is None:
        raise Forbidden("only a logged-in person can take chats")
    return user


def drain_shop(runtime: Runtime, tenant_id: int) -> list[tuple[int, int]]:
    """Assign what can be assigned now, under the shop's routing lock (one drain per shop at a time)."""
    with runtime.locks.lock(f"route:{tenant_id}"), runtime.db.session() as db:
        return routing.drain(db, tenant_id=tenant_id, grace_seconds=runtime.settings.agent_grace_seconds)


class Sweeper(Periodic):
    """Every few seconds, repair the chats nobody is responsible for (one thread per process)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        super().__init__("kefu-agent-sweep", runtime.settings.agent_sweep_seconds, lambda _stop: sweep(runtime))


def sweep(runtime: Runtime, *, now: dt.datetime | None = None) -> queue.Repairs:
    """Repair the open chats nobody is responsible for (see `queue.repair`) and close bot chats gone idle.

    now: the time to judge presence and waits by (tests pass a later one instead of waiting)."""
    repairs = queue.repair(runtime, now=now)
    if runtime.settings.idle_close_minutes > 0:
        from kefu.live.feedback import close_idle_bot_chats

        with runtime.db.session() as db:
            close_idle_bot_chats(db, minutes=runtime.settings.idle_close_minutes)
    return repairs


def install(runtime: Runtime) -> None:
    """Drain the shop's queue whenever a chat is queued or closed, or an agent comes online; tell waiting
    customers when the queue moves, and offer them a message when the last available agent has gone."""
    notifier = queue.QueueNotifier(runtime)

    def on_conversation(rt: Runtime, event: dict[str, Any]) -> None:
        if event.get("conversation", {}).get("status") in ("queued", "closed"):
            drain_shop(rt, event["tenant_id"])
        notifier.moved(event["tenant_id"])

    def on_agent(rt: Runtime, event: dict[str, Any]) -> None:
        drain_shop(rt, event["tenant_id"])
        with rt.db.session() as db:
            queue.offer_where_due(db, event["tenant_id"])
        notifier.moved(event["tenant_id"])  # the wait estimate shares the work among the agents available

    runtime.listen("conversation_updated", on_conversation)
    runtime.listen("agent_updated", on_agent)
