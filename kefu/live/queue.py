"""Keep waiting customers informed and every open chat looked after.

- When a shop's queue moves, each customer still waiting hears their new place and wait (`QueueNotifier`).
- A chat whose agent is gone goes back to the front of the queue and the customer is told (`requeue_and_tell`).
- A customer who waits past the shop's limit, or whose last available agent went away, is offered to leave a
  message instead (`offer_message`).
- `repair`, run by the sweeper every few seconds in every process, finds open chats nobody is responsible for
  and puts them right. Every change is a conditional UPDATE, so processes sweeping at once never double up.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from kefu.bot.handoff import note_queue_entry, policy_of, queue_status, queue_statuses
from kefu.bot.texts import queue_text, t
from kefu.conversations.actions import channels_for, conversation_event, do_post_message
from kefu.conversations.models import Conversation, ConversationEvent
from kefu.conversations.schemas import ConversationOut, QueueOut
from kefu.db import utcnow
from kefu.infra.bus import RedisEventBus
from kefu.live import routing
from kefu.runtime import Runtime, emit
from kefu.tenants.models import Tenant

log = logging.getLogger(__name__)

# At most one round of queue updates per shop and process this often; the last change is always sent.
UPDATE_SECONDS = 2.0


def conversation_out(db: Session, conv: Conversation) -> ConversationOut:
    """The conversation as clients see it, with the customer's place and wait while it is queued."""
    out = ConversationOut.model_validate(conv)
    if conv.status == "queued":
        out.queue = QueueOut(**queue_status(db, conv))
    return out


def requeue_and_tell(db: Session, conv: Conversation, *, reason: str, data: dict[str, Any] | None = None) -> bool:
    """Put a chat its agent left back at the front of the queue and tell the customer their place; False when
    another process (or the agent) moved it first."""
    if not routing.requeue(db, conv, reason=reason, data=data):
        return False
    queue = note_queue_entry(db, conv)
    do_post_message(db, conv=conv, sender="system", text=queue_text(conv.locale, "requeued", queue),
                    payload={"type": "queue", "requeued": True, **queue})
    return True


def offer_message(db: Session, conv: Conversation, key: str) -> bool:
    """Offer a waiting customer to leave a message instead (a button; once per wait); False if offered already.

    key names the reason told: wait_too_long (past the shop's max_wait_minutes) or agents_gone (nobody available).
    The button sends the widget's leave_message frame: the bot takes the message, and once it is left the chat
    leaves the queue (until then the customer keeps their place).
    """
    result = db.execute(
        update(Conversation).where(Conversation.id == conv.id, Conversation.status == "queued",
                                   Conversation.wait_offered_at.is_(None))
        .values(wait_offered_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    db.add(ConversationEvent(tenant_id=conv.tenant_id, conversation_id=conv.id, kind="wait_offer",
                             data={"reason": key}))
    do_post_message(db, conv=conv, sender="system", text=t(conv.locale, key), payload={
        "type": "buttons", "reason": key,
        "buttons": [{"label": t(conv.locale, "leave_message_button"), "action": "leave_message"}]})
    return True


def offer_where_due(db: Session, tenant_id: int, *, now: dt.datetime | None = None) -> list[int]:
    """Offer a message to the shop's waiting customers who need it: all of them when no agent is available,
    else those waiting past the shop's max_wait_minutes (0 = never). Returns the conversations offered."""
    cond = [Conversation.tenant_id == tenant_id, Conversation.status == "queued",
            Conversation.wait_offered_at.is_(None)]
    if routing.count_available(db, tenant_id=tenant_id, now=now):
        minutes = policy_of(db.get(Tenant, tenant_id).handoff_policy)["max_wait_minutes"]
        if not minutes:
            return []
        key = "wait_too_long"
        cond.append(Conversation.queued_at < (now or utcnow()) - dt.timedelta(minutes=minutes))
    else:
        key = "agents_gone"
    offered = []
    for conv in db.scalars(routing.in_queue_order(select(Conversation).where(*cond)).limit(1000)):
        if offer_message(db, conv, key):
            log.info("offered conversation %s to leave a message (%s)", conv.id, key)
            offered.append(conv.id)
    return offered


@dataclass
class Repairs:
    """What one sweep put right."""

    gone: list[int] = field(default_factory=list)  # agents set offline
    requeued: list[int] = field(default_factory=list)  # chats whose agent was gone, back in the queue
    fixed: list[int] = field(default_factory=list)  # queued chats with inconsistent fields
    routed: list[tuple[int, int]] = field(default_factory=list)  # queued chats given to a free agent
    offered: list[int] = field(default_factory=list)  # customers offered to leave a message


def repair(runtime: Runtime, *, now: dt.datetime | None = None) -> Repairs:
    """Find the open chats nobody is responsible for and put each right, logging it with the conversation id.

    - agents online whose workspace went silent past the grace period are set offline;
    - queued chats without a queue time get one, and lose an agent id left on them;
    - chats with a person whose agent is disconnected, deleted or missing go back to the front of the queue, and
      the customer is told (if another agent is free, routing gives it to them at once);
    - every shop with customers waiting is drained (a drain lost with a crashed process is made up for), then
      customers waiting past the limit, or with no agent available at all, are offered to leave a message.

    now: the time to judge by (tests pass a later one instead of waiting).
    """
    grace = runtime.settings.agent_grace_seconds
    out = Repairs()
    with runtime.db.session() as db:
        out.gone = routing.sweep_absent(db, grace_seconds=grace, now=now)
    for user_id in out.gone:
        log.warning("agent %s went offline: workspace silent for more than %s s", user_id, grace)
    with runtime.db.session() as db:
        out.fixed = _fix_queued(db)
    with runtime.db.session() as db:
        for conv in routing.unattended(db, grace_seconds=grace, now=now):
            agent = conv.assigned_user_id
            if requeue_and_tell(db, conv, reason="agent_disconnected", data={"user_id": agent}):
                log.warning("repaired conversation %s: its agent %s is gone, back in the queue", conv.id, agent)
                out.requeued.append(conv.id)
    with runtime.db.session() as db:
        waiting = list(db.scalars(select(Conversation.tenant_id).where(Conversation.status == "queued").distinct()))
    for tenant_id in waiting:
        with runtime.locks.lock(f"route:{tenant_id}"), runtime.db.session() as db:
            routed = routing.drain(db, tenant_id=tenant_id, grace_seconds=grace)
        for conv_id, user_id in routed:
            log.warning("repaired conversation %s: waiting with agent %s free, given to them", conv_id, user_id)
        out.routed += routed
        with runtime.db.session() as db:
            out.offered += offer_where_due(db, tenant_id, now=now)
    return out


def _fix_queued(db: Session) -> list[int]:
    """Give queued chats without a queue time one (they would sort apart on each database) and clear an agent
    left on a queued chat."""
    fixed = []
    broken = or_(Conversation.queued_at.is_(None), Conversation.assigned_user_id.is_not(None))
    for conv in db.scalars(select(Conversation).where(Conversation.status == "queued", broken).limit(1000)):
        now = utcnow()
        result = db.execute(
            update(Conversation).where(Conversation.id == conv.id, Conversation.status == "queued", broken)
            .values(queued_at=conv.queued_at or now, assigned_user_id=None, updated_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            log.warning("repaired conversation %s: queued without a queue time or with agent %s left on it",
                        conv.id, conv.assigned_user_id)
            db.refresh(conv)
            emit(db, conversation_event(conv, "conversation_updated"), channels_for(conv))
            fixed.append(conv.id)
    return fixed


def _shown(status: dict[str, Any]) -> tuple:
    """What the customer sees of a status: the place and the wait to the minute."""
    eta = status["eta_seconds"]
    return status["position"], None if eta is None else math.ceil(eta / 60)


class QueueNotifier:
    """Tell each waiting customer their place and wait when the shop's queue moves, on their conversation's
    channel (`queue_updated`); the widget updates its queue card in place.

    A busy queue moves many times a second: a shop gets at most one round every UPDATE_SECONDS from a process
    (the first change at once, the latest one when the interval has passed), and a customer is sent nothing when
    what they see has not changed.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._guard = threading.Lock()
        self._last: dict[int, float] = {}  # shop -> time.monotonic() of its last round
        self._pending: set[int] = set()  # shops with a round scheduled
        self._sent: dict[int, dict[int, tuple]] = {}  # shop -> conversation -> what was last sent
        self._rounds: dict[int, threading.Lock] = defaultdict(threading.Lock)  # one round per shop at a time

    def moved(self, tenant_id: int) -> None:
        """Note that the shop's queue may have moved; send the round now or schedule it."""
        with self._guard:
            if tenant_id in self._pending:
                return
            wait = self._last.get(tenant_id, -math.inf) + UPDATE_SECONDS - time.monotonic()
            if wait > 0:
                self._pending.add(tenant_id)
                timer = threading.Timer(wait, self._scheduled, args=(tenant_id,))
                timer.daemon = True
                timer.start()
                return
            self._last[tenant_id] = time.monotonic()
        try:
            self.send(tenant_id)
        except Exception:  # telling waiting customers is best effort: it must not fail the change that moved it
            log.exception("queue update of shop %s failed", tenant_id)

    def _scheduled(self, tenant_id: int) -> None:
        with self._guard:
            self._pending.discard(tenant_id)
            self._last[tenant_id] = time.monotonic()
        try:
            self.send(tenant_id)
        except Exception:  # the next move sends again; a timer thread has nobody to report to
            log.exception("queue update of shop %s failed", tenant_id)

    def audible(self) -> bool:
        """Whether an update can reach anyone: this process's bus is running, or it is Redis (other processes'
        websockets listen there). A script or a story runner without a running bus has nobody to tell."""
        return isinstance(self.runtime.bus, RedisEventBus) or self.runtime.bus.hub.loop is not None

    def send(self, tenant_id: int) -> int:
        """Send every waiting customer of the shop whose place or wait changed their status; return how many."""
        if not self.audible():
            return 0
        with self._rounds[tenant_id]:
            with self.runtime.db.session() as db:
                statuses = queue_statuses(db, tenant_id)
            before = self._sent.get(tenant_id, {})
            self._sent[tenant_id] = {conv_id: _shown(s) for conv_id, s in statuses.items()}
            sent = 0
            for conv_id, status in statuses.items():
                if before.get(conv_id) != _shown(status):
                    self.runtime.bus.publish(f"conv:{conv_id}", {"type": "queue_updated", "tenant_id": tenant_id,
                                                                 "conversation_id": conv_id, "queue": status})
                    sent += 1
            return sent
