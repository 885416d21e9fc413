"""Decide when the bot steps aside, and hand the conversation to a person with what the bot learnt."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kefu.conversations.models import Conversation, Message
from kefu.tenants.models import User

DEFAULT_POLICY: dict[str, Any] = {
    "customer_asks": True,        # "转人工", "talk to a person", the button: always honoured when on
    "not_understood_in_row": 2,   # fallbacks in a row before a person takes over (0 = never)
    "on_anger": True,             # an angry message goes straight to a person
    "anxious_in_row": 2,          # anxious messages in a row (0 = never)
    "on_flow_failure": True,      # a self-service flow that cannot finish (system down, verification failed)
    "vip_tags": ["VIP"],          # customers with any of these tags go to a person at their first message
}
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
            ok = isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 20
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
    """How many of the shop's people are online to take chats."""
    return db.scalar(select(func.count()).select_from(User).where(User.tenant_id == tenant_id,
                                                                  User.status == "online")) or 0


def queue_position(db: Session, conv: Conversation) -> int:
    """1-based place in the shop's queue: higher priority first, then who waited longest."""
    ahead = db.scalar(select(func.count()).select_from(Conversation).where(
        Conversation.tenant_id == conv.tenant_id, Conversation.status == "queued", Conversation.id != conv.id,
        or_(Conversation.priority > conv.priority,
            (Conversation.priority == conv.priority) & (Conversation.queued_at <= conv.queued_at))))
    return (ahead or 0) + 1


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
