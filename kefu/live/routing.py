"""Route queued chats to agents: skill group, capacity, priority, last-agent preference, no double assignment.

Routing state lives in the database, so every process sees the same queue. A drain for one shop runs under
the shop's routing lock (threading or Redis, `runtime.locks`), and each assignment is a conditional UPDATE
(`... WHERE status = 'queued'`), so an agent accepting by hand and the router can never both win a chat.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from kefu.conversations.actions import channels_for, conversation_event, do_post_message
from kefu.conversations.models import TEST_CHANNEL, Conversation, ConversationEvent, Customer, Message
from kefu.db import utcnow
from kefu.live.models import SkillGroup, SkillMember
from kefu.runtime import emit
from kefu.tenants.models import User

# Seconds an online agent may be silent (a dropped workspace connection) before their chats go back to the queue.
GRACE_SECONDS = 60
# Chats taken back from a vanished agent go to the front of the queue.
REQUEUED_PRIORITY = 3


@dataclass
class Agent:
    id: int
    load: int
    max_chats: int
    groups: set[int]
    last_assigned: dt.datetime | None

    @property
    def free(self) -> bool:
        return self.load < self.max_chats


def grace_of(db: Session) -> int:
    """The disconnect grace of the process behind db (KEFU_AGENT_GRACE_SECONDS), or the default."""
    runtime = db.info.get("runtime")
    return runtime.settings.agent_grace_seconds if runtime is not None else GRACE_SECONDS


def present_since(db: Session, *, grace_seconds: int | None = None, now: dt.datetime | None = None) -> dt.datetime:
    """The oldest workspace heartbeat that still counts as connected."""
    grace = grace_of(db) if grace_seconds is None else grace_seconds
    return (now or utcnow()) - dt.timedelta(seconds=grace)


def available(tenant_id: int, cutoff: dt.datetime) -> list:
    """The one definition of an available agent, as SQL conditions on users: online, their workspace connected
    (a staff websocket or heartbeat since cutoff), and taking chats at all (a chat limit above 0).

    Routing gives chats only to them, and the bot queues a customer only when there is one: someone merely set
    online (the demo's agent, a status changed through the API) with no workspace open counts for neither.
    """
    return [User.tenant_id == tenant_id, User.status == "online", User.seen_at.is_not(None), User.seen_at >= cutoff,
            User.max_chats > 0]


def count_available(db: Session, *, tenant_id: int, grace_seconds: int | None = None,
                    now: dt.datetime | None = None) -> int:
    """How many available agents the shop has now (see `available`)."""
    cutoff = present_since(db, grace_seconds=grace_seconds, now=now)
    return db.scalar(select(func.count()).select_from(User).where(*available(tenant_id, cutoff))) or 0


def available_agents(db: Session, *, tenant_id: int, grace_seconds: int | None = None,
                     now: dt.datetime | None = None) -> list[Agent]:
    """The agents routing may give chats to (see `available`), with their load, groups and last assignment."""
    cutoff = present_since(db, grace_seconds=grace_seconds, now=now)
    users = list(db.scalars(select(User).where(*available(tenant_id, cutoff))))
    if not users:
        return []
    ids = [u.id for u in users]
    load = loads(db, tenant_id=tenant_id, user_ids=ids)
    last = dict(db.execute(
        select(Conversation.assigned_user_id, func.max(Conversation.assigned_at))
        .where(Conversation.tenant_id == tenant_id, Conversation.assigned_user_id.in_(ids))
        .group_by(Conversation.assigned_user_id)).all())
    groups = memberships(db, tenant_id=tenant_id, user_ids=ids)
    return [Agent(u.id, load.get(u.id, 0), u.max_chats, groups.get(u.id, set()), last.get(u.id)) for u in users]


def loads(db: Session, *, tenant_id: int, user_ids: list[int] | None = None) -> dict[int, int]:
    """How many chats each agent serves now (agents with none are absent from the dict)."""
    cond = [Conversation.tenant_id == tenant_id, Conversation.status == "with_agent",
            Conversation.assigned_user_id.is_not(None)]
    if user_ids is not None:
        cond.append(Conversation.assigned_user_id.in_(user_ids))
    return dict(db.execute(select(Conversation.assigned_user_id, func.count()).where(*cond)
                           .group_by(Conversation.assigned_user_id)).all())


def load_of(db: Session, *, tenant_id: int, user_id: int) -> int:
    """How many chats the agent serves now."""
    return loads(db, tenant_id=tenant_id, user_ids=[user_id]).get(user_id, 0)


def memberships(db: Session, *, tenant_id: int, user_ids: list[int] | None = None) -> dict[int, set[int]]:
    """The skill groups of each agent (agents in none are absent)."""
    stmt = select(SkillMember.user_id, SkillMember.group_id).where(SkillMember.tenant_id == tenant_id)
    if user_ids is not None:
        stmt = stmt.where(SkillMember.user_id.in_(user_ids))
    groups: dict[int, set[int]] = {}
    for user_id, group_id in db.execute(stmt):
        groups.setdefault(user_id, set()).add(group_id)
    return groups


def pick_agent(agents: list[Agent], *, group_id: int | None, last_agent_id: int | None) -> Agent | None:
    """The agent for one chat: the customer's last agent if free, else the least busy free one in the group.

    A chat for a group nobody of which is online goes to any free agent rather than wait for ever.
    """
    free = [a for a in agents if a.free]
    if group_id is not None:
        members = [a for a in agents if group_id in a.groups]
        if members:
            free = [a for a in members if a.free]
    if not free:
        return None
    for a in free:
        if a.id == last_agent_id:
            return a
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    return min(free, key=lambda a: (a.load / max(a.max_chats, 1), a.load, a.last_assigned or oldest, a.id))


def claim(db: Session, *, conv_id: int, user_id: int, reason: str) -> Conversation | None:
    """Give a queued chat to user_id if it is still queued; None if someone else got it first."""
    now = utcnow()
    result = db.execute(
        update(Conversation)
        .where(Conversation.id == conv_id, Conversation.status == "queued")
        .values(status="with_agent", assigned_user_id=user_id, assigned_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return None
    conv = db.get(Conversation, conv_id)
    db.refresh(conv)
    customer = db.get(Customer, conv.customer_id)
    if customer is not None:
        customer.last_agent_id = user_id
    data: dict = {"user_id": user_id, "reason": reason}
    if conv.queued_at is not None and conv.queued_position:
        # What the wait estimate learns from: how long this place in the queue took to reach a person.
        data.update(waited_seconds=round((now - conv.queued_at).total_seconds(), 1),
                    queued_position=conv.queued_position)
    db.add(ConversationEvent(tenant_id=conv.tenant_id, conversation_id=conv.id, kind="assigned", data=data))
    agent = db.get(User, user_id)
    joined = (f"客服 {agent.name} 为您服务" if conv.locale != "en" else f"{agent.name} is here to help you")
    do_post_message(db, conv=conv, sender="system", text=joined, payload={"type": "agent_joined",
                                                                          "name": agent.name})
    emit(db, {**conversation_event(conv, "conversation_updated"), "assigned_user_id": user_id},
         channels_for(conv))
    return conv


def in_queue_order(stmt):
    """Order queued chats the way they are served: highest priority, then longest waiting, then first in."""
    return stmt.order_by(Conversation.priority.desc(), Conversation.queued_at, Conversation.id)


def drain(db: Session, *, tenant_id: int, limit: int = 20_000, grace_seconds: int | None = None
          ) -> list[tuple[int, int]]:
    """Assign queued chats, highest priority then longest waiting first, while any fitting agent is free.

    Call it under the shop's routing lock. Returns (conversation id, agent id) for each assignment.
    """
    agents = available_agents(db, tenant_id=tenant_id, grace_seconds=grace_seconds)
    if not any(a.free for a in agents):
        return []
    queued = db.execute(in_queue_order(
        select(Conversation.id, Conversation.skill_group_id, Customer.last_agent_id)
        .join(Customer, Customer.id == Conversation.customer_id)
        .where(Conversation.tenant_id == tenant_id, Conversation.status == "queued",
               Conversation.channel != TEST_CHANNEL)  # a test chat never reaches a person
        ).limit(limit)).all()
    done = []
    for conv_id, group_id, last_agent_id in queued:
        agent = pick_agent(agents, group_id=group_id, last_agent_id=last_agent_id)
        if agent is None:
            continue  # this chat's group is full; a later chat may fit another group
        if claim(db, conv_id=conv_id, user_id=agent.id, reason="routed") is not None:
            agent.load += 1
            agent.last_assigned = utcnow()
            done.append((conv_id, agent.id))
        if not any(a.free for a in agents):
            break
    return done


def group_for(db: Session, *, tenant_id: int, intent: str | None, category: str | None) -> int | None:
    """The skill group whose intents name the flow, or a prefix of the knowledge category, the bot detected."""
    if not intent and not category:
        return None
    for group in db.scalars(select(SkillGroup).where(SkillGroup.tenant_id == tenant_id).order_by(SkillGroup.id)):
        for wanted in group.intents or []:
            if wanted == intent or (category and (category == wanted or category.startswith(wanted + "/"))):
                return group.id
    return None


def sweep_absent(db: Session, *, tenant_id: int | None = None, grace_seconds: int | None = None,
                 now: dt.datetime | None = None) -> list[int]:
    """Set online agents whose workspace has been silent past the grace period offline; return them.

    Their chats are requeued by the sweep (`unattended`), like those of any agent no longer connected. Only agents
    that were connected once (a heartbeat set seen_at) are set offline: one made online through the API alone was
    never available (see `available`) and keeps the status they chose.
    """
    cutoff = present_since(db, grace_seconds=grace_seconds, now=now)
    cond = [User.status == "online", User.seen_at.is_not(None), User.seen_at < cutoff]
    if tenant_id is not None:
        cond.append(User.tenant_id == tenant_id)
    gone = []
    for user_id, user_tenant in db.execute(select(User.id, User.tenant_id).where(*cond)).all():
        # Conditional, so that of several processes sweeping at once only one announces it.
        result = db.execute(update(User).where(User.id == user_id, *cond).values(status="offline", status_at=utcnow())
                            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            gone.append(user_id)
            emit(db, {"type": "agent_updated", "tenant_id": user_tenant, "user_id": user_id, "status": "offline"},
                 [f"tenant:{user_tenant}"])
    return gone


def unattended(db: Session, *, grace_seconds: int | None = None, now: dt.datetime | None = None,
               limit: int = 1000) -> list[Conversation]:
    """Chats with a person that nobody is looking after: no agent, a deleted one or one of another shop, or one
    whose workspace was connected and has been silent past the grace period, whatever their status says (a chat
    accepted while away is not kept by someone who closed the browser).

    Not counted as gone: an agent who replied in the chat within the grace period (from the console or the API),
    and one who never connected a workspace at all (they work through the console or the API; nothing says they
    left).
    """
    cutoff = present_since(db, grace_seconds=grace_seconds, now=now)
    replied = select(Message.id).where(Message.conversation_id == Conversation.id, Message.sender == "agent",
                                       Message.sender_user_id == Conversation.assigned_user_id,
                                       Message.created_at >= cutoff).exists()
    gone = or_(User.id.is_(None), User.tenant_id != Conversation.tenant_id,
               and_(User.seen_at.is_not(None), User.seen_at < cutoff, ~replied))
    return list(db.scalars(
        select(Conversation).outerjoin(User, User.id == Conversation.assigned_user_id)
        .where(Conversation.status == "with_agent", gone).order_by(Conversation.id).limit(limit)))


def requeue(db: Session, conv: Conversation, *, reason: str, data: dict | None = None) -> bool:
    """Put a chat back at the front of the queue if nobody moved it meanwhile; False when another process did.

    The conditional UPDATE (same status, same agent as read) makes concurrent sweeps and an agent's own action
    safe: only one of them requeues the chat and tells the customer.
    """
    now = utcnow()
    same_agent = (Conversation.assigned_user_id.is_(None) if conv.assigned_user_id is None
                  else Conversation.assigned_user_id == conv.assigned_user_id)
    result = db.execute(
        update(Conversation).where(Conversation.id == conv.id, Conversation.status == conv.status, same_agent)
        .values(status="queued", assigned_user_id=None, priority=max(conv.priority, REQUEUED_PRIORITY),
                queued_at=now, queued_position=None, wait_offered_at=None, updated_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    db.refresh(conv)
    db.add(ConversationEvent(tenant_id=conv.tenant_id, conversation_id=conv.id, kind="requeued",
                             data={**(data or {}), "reason": reason}))
    emit(db, conversation_event(conv, "conversation_updated"), channels_for(conv))
    return True
