"""Decide when the bot steps aside, and hand the conversation to a person with what the bot learnt."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kefu.conversations.models import Conversation, ConversationEvent, Message
from kefu.db import utcnow
from kefu.live import routing

DEFAULT_POLICY: dict[str, Any] = {
    "customer_asks": True,        # "转人工", "talk to a person", the button: always honoured when on
    "not_understood_in_row": 2,   # fallbacks in a row before a person takes over (0 = never)
    "on_anger": True,             # an angry message goes straight to a person
    "anxious_in_row": 2,          # anxious messages in a row (0 = never)
    "on_flow_failure": True,      # a self-service flow that cannot finish (system down, verification failed)
    "vip_tags": ["VIP"],          # customers with any of these tags go to a person at their first message
    "max_wait_minutes": 10,       # waiting longer in the queue, the customer is offered to leave a message (0 = never)
}
# Allowed range of each number in the policy (others: 0-20).
RANGES = {"max_wait_minutes": (0, 240)}
REASONS = ("customer_asked", "not_understood", "angry", "anxious", "flow_failed", "vip")
# Priority in the queue: angry and VIP customers are served first (issue: routing).
PRIORITY = {"angry": 2, "vip": 2, "anxious": 1}
SUMMARY_LINES = 8


def policy_of(stored: dict[str, Any] | None) -> dict[str, Any]:
    """The shop's policy over the defaults."""
    policy = dict(DEFAULT_POLICY)
    policy.update({k: v for k, v in (stored or {}).items() if k in DEFAULT_POLICY})
    return policy


def check_policy(value: dict[str, Any]) -> dict[str, Any]:
    """Validate a shop's policy edit; unknown keys and wrong types are refused, not ignored."""
    from kefu.errors import KefuError

    out = {}
    for key, v in value.items():
        if key not in DEFAULT_POLICY:
            raise KefuError(f"unknown handoff policy setting: {key}", code="invalid_policy")
        default = DEFAULT_POLICY[key]
        if isinstance(default, bool):
            ok = isinstance(v, bool)
        elif isinstance(default, int):
            low, high = RANGES.get(key, (0, 20))
            ok = isinstance(v, int) and not isinstance(v, bool) and low <= v <= high
        else:
            ok = isinstance(v, list) and all(isinstance(t, str) and 0 < len(t) <= 50 for t in v) and len(v) <= 20
        if not ok:
            raise KefuError(f"handoff policy setting {key} has the wrong type or range", code="invalid_policy")
        out[key] = v
    return out


def in_service_hours(hours: dict[str, Any] | None, now: dt.datetime | None = None) -> bool:
    """True when the shop's people are at work; a shop without service hours is always open."""
    if not hours or not hours.get("open") or not hours.get("close"):
        return True
    zone = ZoneInfo(hours.get("timezone") or "Asia/Shanghai")
    local = (now or dt.datetime.now(dt.UTC)).astimezone(zone)
    if local.weekday() not in hours.get("days", range(7)):
        return False
    hhmm = local.strftime("%H:%M")
    start, end = hours["open"], hours["close"]
    return start <= hhmm < end if start <= end else (hhmm >= start or hhmm < end)  # overnight shifts


def agents_online(db: Session, tenant_id: int) -> int:
    """How many of the shop's people can take a chat now: online with their workspace connected (the same
    `available` definition routing assigns by), so a customer is queued only when someone will come."""
    return routing.count_available(db, tenant_id=tenant_id)


def queue_position(db: Session, conv: Conversation) -> int:
    """1-based place in the shop's queue, in the order routing serves it: priority, then longest waiting, then id."""
    queued_at = conv.queued_at or utcnow()
    ahead = db.scalar(select(func.count()).select_from(Conversation).where(
        Conversation.tenant_id == conv.tenant_id, Conversation.status == "queued", Conversation.id != conv.id,
        or_(Conversation.priority > conv.priority,
            (Conversation.priority == conv.priority) & (Conversation.queued_at < queued_at),
            (Conversation.priority == conv.priority) & (Conversation.queued_at == queued_at)
            & (Conversation.id < conv.id))))
    return (ahead or 0) + 1


# Wait estimate: the last hour of the shop's queue, or this per place (shared by the agents available).
ETA_WINDOW = dt.timedelta(hours=1)
ETA_SAMPLES = 200
DEFAULT_SECONDS_PER_PLACE = 120
# A chat taken this soon had a free agent waiting for it: it says nothing about how fast a full queue moves.
ETA_MIN_WAIT_SECONDS = 5


def seconds_per_place(db: Session, tenant_id: int, *, now: dt.datetime | None = None) -> float | None:
    """How long one place in the shop's queue takes now; None when nobody available could serve it.

    Learnt from the chats people took from the queue in the last hour: each one's wait divided by the place it
    entered the queue at (recorded by routing when it is taken), and the median of those, so one chat forgotten
    over lunch does not skew it. Chats taken within ETA_MIN_WAIT_SECONDS do not count (an agent was free). Without
    any in the last hour: DEFAULT_SECONDS_PER_PLACE shared by the agents available now (two agents halve it).
    """
    available = agents_online(db, tenant_id)
    if not available:
        return None
    since = (now or utcnow()) - ETA_WINDOW
    rows = db.scalars(select(ConversationEvent.data).where(
        ConversationEvent.tenant_id == tenant_id, ConversationEvent.kind == "assigned",
        ConversationEvent.created_at >= since).order_by(ConversationEvent.id.desc()).limit(ETA_SAMPLES))
    samples = [d["waited_seconds"] / d["queued_position"] for d in rows
               if (d or {}).get("queued_position") and (d.get("waited_seconds") or 0) >= ETA_MIN_WAIT_SECONDS]
    return statistics.median(samples) if samples else DEFAULT_SECONDS_PER_PLACE / available


def queue_status(db: Session, conv: Conversation) -> dict[str, Any]:
    """Where a queued customer stands: {"position", "ahead", "eta_seconds"}; eta_seconds is position times
    `seconds_per_place` (the median time one place took in the shop's last hour, or a default), None when
    nobody available could serve them now."""
    return status_at(queue_position(db, conv), seconds_per_place(db, conv.tenant_id))


def queue_statuses(db: Session, tenant_id: int, *, limit: int = 5000) -> dict[int, dict[str, Any]]:
    """The queue status of every customer waiting in the shop's queue, by conversation id (one ordered read)."""
    ids = list(db.scalars(routing.in_queue_order(select(Conversation.id).where(
        Conversation.tenant_id == tenant_id, Conversation.status == "queued")).limit(limit)))
    per_place = seconds_per_place(db, tenant_id) if ids else None
    return {conv_id: status_at(i, per_place) for i, conv_id in enumerate(ids, 1)}


def status_at(position: int, per_place: float | None) -> dict[str, Any]:
    """The queue status of the customer at position, given the time one place takes."""
    eta = None if per_place is None else int(round(position * per_place))
    return {"position": position, "ahead": position - 1, "eta_seconds": eta}


def note_queue_entry(db: Session, conv: Conversation) -> dict[str, Any]:
    """Record the place a chat got as it entered the queue (the wait estimate learns from it) and return its
    queue status; a fresh wait also gets a fresh offer to leave a message later."""
    db.flush()
    status = queue_status(db, conv)
    conv.queued_position = status["position"]
    conv.wait_offered_at = None
    return status


def summary(db: Session, conv: Conversation, locale: str) -> str:
    """A short transcript of the bot part, for the person taking over (the last few exchanges)."""
    labels = {"customer": "客户" if locale == "zh" else "Customer", "bot": "机器人" if locale == "zh" else "Bot"}
    rows = db.scalars(select(Message).where(Message.conversation_id == conv.id,
                                            Message.sender.in_(("customer", "bot")))
                      .order_by(Message.id.desc()).limit(SUMMARY_LINES))
    lines = []
    for m in reversed(list(rows)):
        text = " ".join(m.text.split())
        lines.append(f"{labels[m.sender]}: {text[:60]}{'…' if len(text) > 60 else ''}")
    return "\n".join(lines)
