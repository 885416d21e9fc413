"""Collect the customer questions the bot did not answer well in a date range, with what agents replied to them.

Read from the `bot_turn` events the bot leaves for every customer message (kefu/bot/engine.py turn_record), the
messages around them, handoffs and ratings. A question counts as missed when:

- fallback             the bot did not understand it;
- clarify_unpicked     the bot offered "did you mean" options and the customer's next message was none of them;
- answer_then_handoff  the bot answered and the customer's next turn asked for a person (or was handed over);
- low_rating           the bot answered in a conversation the customer rated 1 or 2 with no person in it;
- handoff              the message itself was handed over (the bot gave up: not understood, anger …);
- agent_answered       a person answered it after a handoff.

Greetings, thanks, bare requests for a person, pressed buttons and messages with nothing but chatter (order
cards, emoji codes) are never questions. Each question carries the agents' replies that followed it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from kefu.bot import smalltalk
from kefu.bot.texts import wants_person
from kefu.conversations.models import TEST_CHANNEL, Conversation, ConversationEvent, Message
from kefu.errors import KefuError
from kefu.live.models import Rating
from kefu.nlu.normalize import matchable, strip_chatter
from kefu.tenants.models import Tenant

# The conversations read per request (most recent first): clustering compares every question with every other.
MAX_CONVERSATIONS = 5000
MAX_QUESTIONS = 3000
MAX_DAYS = 3660  # ten years: any longer range is a typo
LOW_RATING = 2  # 1-2 of 5
AGENT_REPLIES = 3  # agent messages kept per question
REASONS = ("fallback", "clarify_unpicked", "answer_then_handoff", "low_rating", "handoff", "agent_answered")
# Handoffs of a message the bot could not serve; a customer asking for a person counts when the message also
# says what for (is_question drops a bare "转人工").
_GAVE_UP = {"not_understood", "angry", "anxious", "customer_asked"}


@dataclass
class Missed:
    """One customer question the bot did not answer well."""

    message_id: int
    conversation_id: int
    customer_id: int
    text: str
    at: dt.datetime
    locale: str = "zh"
    reasons: list[str] = field(default_factory=list)
    points: list[int] = field(default_factory=list)  # what the bot answered with, if anything
    agent_replies: list[str] = field(default_factory=list)


def shop_zone(tenant: Tenant) -> ZoneInfo:
    """The shop's time zone (its service hours' zone; China's by default, as for service hours)."""
    try:
        return ZoneInfo((tenant.service_hours or {}).get("timezone") or "Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Shanghai")


def day_bounds(first: dt.date, last: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[start of first, start of the day after last) in the shop's zone, as UTC times."""
    if last < first:
        raise KefuError("'to' is before 'from'", code="invalid_range", status=422)
    if (last - first).days > MAX_DAYS:
        raise KefuError(f"a range is at most {MAX_DAYS} days", code="invalid_range", status=422)
    start = dt.datetime.combine(first, dt.time(), zone).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    return start, end


def is_question(text: str) -> bool:
    """True when a customer message asks or tells something (not chatter, thanks, or a bare call for a person)."""
    if not matchable(text) or smalltalk.small_talk(text):
        return False
    return not (wants_person(text) and len(strip_chatter(text)) <= 12)


def _candidate_conversations(db: Session, tenant_id: int, start: dt.datetime, end: dt.datetime) -> list[int]:
    """The conversations of the range with something missed in them, most recent first."""
    turn = ConversationEvent.data["outcome"].as_string()
    events = select(ConversationEvent.conversation_id).where(
        ConversationEvent.tenant_id == tenant_id, ConversationEvent.created_at >= start,
        ConversationEvent.created_at < end,
        or_(and_(ConversationEvent.kind == "bot_turn", turn.in_(("fallback", "clarify", "handoff"))),
            ConversationEvent.kind.in_(("handoff", "handoff_unavailable"))))
    rated = select(Rating.conversation_id).where(Rating.tenant_id == tenant_id, Rating.score <= LOW_RATING,
                                                 Rating.created_at >= start)
    rows = db.execute(
        select(Conversation.id).where(
            Conversation.tenant_id == tenant_id, Conversation.channel != TEST_CHANNEL,
            # Erased or past the shop's retention period: its texts are placeholders now (kefu/privacy).
            Conversation.scrubbed_at.is_(None),
            or_(Conversation.id.in_(events), Conversation.id.in_(rated)))
        .order_by(Conversation.id.desc()).limit(MAX_CONVERSATIONS))
    return [r[0] for r in rows]


def collect(db: Session, *, tenant_id: int, start: dt.datetime, end: dt.datetime) -> list[Missed]:
    """The questions of [start, end) the bot did not answer well, oldest first (at most MAX_QUESTIONS, the latest)."""
    out: list[Missed] = []
    ids = _candidate_conversations(db, tenant_id, start, end)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        messages: dict[int, list[Message]] = defaultdict(list)
        for m in db.scalars(select(Message).where(Message.tenant_id == tenant_id, Message.conversation_id.in_(chunk))
                            .order_by(Message.id)):
            messages[m.conversation_id].append(m)
        turns: dict[int, dict[int, dict]] = defaultdict(dict)
        handoffs: dict[int, list[dt.datetime]] = defaultdict(list)
        for conv_id, kind, data, at in db.execute(
                select(ConversationEvent.conversation_id, ConversationEvent.kind, ConversationEvent.data,
                       ConversationEvent.created_at)
                .where(ConversationEvent.tenant_id == tenant_id, ConversationEvent.conversation_id.in_(chunk),
                       ConversationEvent.kind.in_(("bot_turn", "handoff", "handoff_unavailable")))
                .order_by(ConversationEvent.id)):
            if kind == "bot_turn" and (data or {}).get("message_id"):
                turns[conv_id][data["message_id"]] = data
            elif kind != "bot_turn":
                handoffs[conv_id].append(at)
        customers = dict(db.execute(select(Conversation.id, Conversation.customer_id)
                                    .where(Conversation.id.in_(chunk))).all())
        ratings = dict(db.execute(select(Rating.conversation_id, Rating.score).where(
            Rating.tenant_id == tenant_id, Rating.conversation_id.in_(chunk), Rating.agent_id.is_(None))).all())
        for conv_id in chunk:
            found = _missed_in(messages[conv_id], turns[conv_id], handoffs[conv_id], ratings.get(conv_id),
                               start, end)
            for item in found:
                item.customer_id = customers[conv_id]
            out.extend(found)
    out.sort(key=lambda m: m.message_id)
    return out[-MAX_QUESTIONS:]


def _missed_in(messages: list[Message], turns: dict[int, dict], handoffs: list[dt.datetime], rating: int | None,
               start: dt.datetime, end: dt.datetime) -> list[Missed]:
    """The missed questions of one conversation (its messages in order, its bot turns by message id)."""
    customer = [i for i, m in enumerate(messages) if m.sender == "customer"]
    first_agent = next((i for i, m in enumerate(messages) if m.sender == "agent"), None)
    found: dict[int, Missed] = {}

    def add(i: int, reason: str, turn: dict | None) -> None:
        m = messages[i]
        if not (start <= m.created_at < end) or not is_question(m.text):
            return
        item = found.get(m.id)
        if item is None:
            item = found[m.id] = Missed(m.id, m.conversation_id, 0, m.text.strip()[:500], m.created_at,
                                        (turn or {}).get("locale") or "zh", points=list((turn or {}).get("points")
                                                                                         or []))
        if reason not in item.reasons:
            item.reasons.append(reason)

    for n, i in enumerate(customer):
        m = messages[i]
        turn = turns.get(m.id)
        if turn is None or turn.get("button") or (m.payload or {}).get("type") in ("attachment", "button"):
            continue
        later = customer[n + 1] if n + 1 < len(customer) else len(messages)
        outcome = turn.get("outcome")
        if outcome == "fallback":
            add(i, "fallback", turn)
        elif outcome == "clarify":
            offered = {b.get("value") for m2 in messages[i + 1:later] for b in (m2.payload or {}).get("buttons") or []
                       if isinstance(b, dict)}
            picked = later < len(messages) and messages[later].text.strip() in offered
            if not picked:
                add(i, "clarify_unpicked", turn)
        elif outcome == "handoff" and turn.get("handoff") in _GAVE_UP:
            add(i, "handoff", turn)
        elif outcome == "answer":
            nxt = turns.get(messages[later].id) if later < len(messages) else None
            until = messages[later].created_at if later < len(messages) else None
            handed = (nxt or {}).get("outcome") == "handoff" or any(
                at >= m.created_at and (until is None or at <= until) for at in handoffs)
            if handed:
                add(i, "answer_then_handoff", turn)
            if rating is not None and rating <= LOW_RATING:
                add(i, "low_rating", turn)
    # After a handoff: what the customer asked and a person answered (their replies up to the next question).
    if first_agent is not None:
        for n, i in enumerate(customer):
            later = customer[n + 1] if n + 1 < len(customer) else len(messages)
            replies = [m.text.strip() for m in messages[i + 1:later] if m.sender == "agent" and m.text.strip()]
            turn = turns.get(messages[i].id)
            if replies and i > first_agent - 1 and (turn or {}).get("outcome") not in ("answer", "flow"):
                add(i, "agent_answered", turn)
        # The questions missed before the person came get the person's first replies.
        agent_texts = [m.text.strip() for m in messages[first_agent:] if m.sender == "agent" and m.text.strip()]
        for item in found.values():
            idx = next(k for k, m in enumerate(messages) if m.id == item.message_id)
            nxt = next((k for k in customer if k > idx and k >= first_agent), len(messages))
            own = [m.text.strip() for m in messages[max(idx + 1, first_agent):nxt]
                   if m.sender == "agent" and m.text.strip()]
            item.agent_replies = (own or (agent_texts if idx < first_agent else []))[:AGENT_REPLIES]
    return list(found.values())
