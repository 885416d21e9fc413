"""Route queued chats to agents: skill group, capacity, priority, last-agent preference, no double assignment.

Routing state lives in the database, so every process sees the same queue. A drain for one shop runs under
the shop's routing lock (threading or Redis, `runtime.locks`), and each assignment is a conditional UPDATE
(`... WHERE status = 'queued'`), so an agent accepting by hand and the router can never both win a chat.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kefu.conversations.actions import channels_for, conversation_event, do_post_message
from kefu.conversations.models import TEST_CHANNEL, Conversation, ConversationEvent, Customer
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


def available_agents(db: Session, *, tenant_id: int, grace_seconds: int = GRACE_SECONDS) -> list[Agent]:
    """Agents routing may give chats to: online, with their workspace connected (a heartbeat within the grace).

    Someone online without a connected workspace (set through the API) still counts as "on duty" for the bot's
    handoff, so chats queue for them; they take chats by accepting them.
    """
    cutoff = utcnow() - dt.timedelta(seconds=grace_seconds)
    users = list(db.scalars(select(User).where(User.tenant_id == tenant_id, User.status == "online",
                                               User.seen_at.is_not(None), User.seen_at >= cutoff)))
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
    db.add(ConversationEvent(tenant_id=conv.tenant_id, conversation_id=conv.id, kind="assigned",
                             data={"user_id": user_id, "reason": reason}))
    agent = db.get(User, user_id)
    joined = (f"客服 {agent.name} 为您服务" if conv.locale != "en" else f"{agent.name} is here to help you")
    do_post_message(db, conv=conv, sender="system", text=joined, payload={"type": "agent_joined",
                                                                          "name": agent.name})
    emit(db, {**conversation_event(conv, "conversation_updated"), "assigned_user_id": user_id},
         channels_for(conv))
    return conv


def drain(db: Session, *, tenant_id: int, limit: int = 20_000, grace_seconds: int = GRACE_SECONDS
          ) -> list[tuple[int, int]]:
    """Assign queued chats, highest priority then longest waiting first, while any fitting agent is free.

    Call it under the shop's routing lock. Returns (conversation id, agent id) for each assignment.
    """
    agents = available_agents(db, tenant_id=tenant_id, grace_seconds=grace_seconds)
    if not any(a.free for a in agents):
        return []
    queued = db.execute(
        select(Conversation.id, Conversation.skill_group_id, Customer.last_agent_id)
        .join(Customer, Customer.id == Conversation.customer_id)
        .where(Conversation.tenant_id == tenant_id, Conversation.status == "queued",
               Conversation.channel != TEST_CHANNEL)  # a test chat never reaches a person
        .order_by(Conversation.priority.desc(), Conversation.queued_at, Conversation.id).limit(limit)).all()
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


def sweep_absent(db: Session, *, tenant_id: int | None = None, grace_seconds: int = GRACE_SECONDS) -> list[int]:
    """Put the chats of agents silent past the grace period back at the front of the queue; return those agents."""
    cutoff = utcnow() - dt.timedelta(seconds=grace_seconds)
    # Only agents that were connected (a workspace heartbeat set seen_at) can drop out; one made online through
    # the API alone stays online until told otherwise.
    cond = [User.status == "online", User.seen_at.is_not(None), User.seen_at < cutoff]
    if tenant_id is not None:
        cond.append(User.tenant_id == tenant_id)
    gone = list(db.scalars(select(User).where(*cond)))
    for user in gone:
        user.status, user.status_at = "offline", utcnow()
        emit(db, {"type": "agent_updated", "tenant_id": user.tenant_id, "user_id": user.id, "status": "offline"},
             [f"tenant:{user.tenant_id}"])
        for conv in db.scalars(select(Conversation).where(Conversation.assigned_user_id == user.id,
                                                          Conversation.status == "with_agent")):
            conv.status, conv.assigned_user_id = "queued", None
            conv.priority = max(conv.priority, REQUEUED_PRIORITY)
            conv.queued_at = conv.queued_at or utcnow()
            db.add(ConversationEvent(tenant_id=conv.tenant_id, conversation_id=conv.id, kind="requeued",
                                     data={"user_id": user.id, "reason": "agent_disconnected"}))
            emit(db, conversation_event(conv, "conversation_updated"), channels_for(conv))
    return [u.id for u in gone]
