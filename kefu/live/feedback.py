"""Close conversations with a disposition and collect the customer's satisfaction rating."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kefu.conversations.actions import do_close, do_set_status
from kefu.conversations.models import Conversation, Message
from kefu.db import utcnow
from kefu.errors import Conflict, KefuError
from kefu.live.models import Rating

# A bot-only conversation idle this long counts as finished: it is closed and the customer asked to rate it.
IDLE_CLOSE_MINUTES = 30


def pending_rating(db: Session, *, tenant_id: int, customer_id: int) -> int | None:
    """The customer's most recent closed conversation (within a day) that asked for a rating and has none."""
    conv = db.scalar(select(Conversation).where(Conversation.tenant_id == tenant_id,
                                                Conversation.customer_id == customer_id,
                                                Conversation.status == "closed",
                                                Conversation.closed_at >= utcnow() - dt.timedelta(days=1))
                     .order_by(Conversation.closed_at.desc()).limit(1))
    if conv is None or db.scalar(select(Rating.id).where(Rating.conversation_id == conv.id)):
        return None
    asked = db.scalar(select(Message.id).where(Message.conversation_id == conv.id, Message.sender == "system")
                      .order_by(Message.id.desc()).limit(1))
    last = db.get(Message, asked) if asked else None
    return conv.id if last is not None and (last.payload or {}).get("type") == "rating_request" else None


def do_rate(db: Session, *, conv: Conversation, score: object, comment: object = "") -> Rating:
    """Store the customer's 1-5 rating of a closed conversation, once."""
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise KefuError("score must be a whole number from 1 to 5", code="invalid_score", status=422)
    if not isinstance(comment, str) or len(comment) > 1000:
        raise KefuError("comment must be text of at most 1000 characters", code="invalid_comment", status=422)
    if conv.status != "closed":
        raise Conflict("a conversation is rated once it has ended", code="not_closed")
    rating = Rating(tenant_id=conv.tenant_id, conversation_id=conv.id, score=score, comment=comment.strip(),
                    agent_id=conv.assigned_user_id)
    try:
        with db.begin_nested():
            db.add(rating)
            db.flush()
    except IntegrityError as e:
        raise Conflict("this conversation has been rated already", code="already_rated") from e
    return rating


def close_idle_bot_chats(db: Session, *, minutes: int = IDLE_CLOSE_MINUTES) -> int:
    """Close bot-only conversations nobody wrote in for `minutes`, asking each customer for a rating."""
    cutoff = utcnow() - dt.timedelta(minutes=minutes)
    idle = list(db.scalars(select(Conversation).where(Conversation.status == "bot",
                                                      Conversation.updated_at < cutoff).limit(500)))
    customer_wrote = set(db.scalars(select(Message.conversation_id).where(
        Message.conversation_id.in_([c.id for c in idle]), Message.sender == "customer"))) if idle else set()
    closed = 0
    for conv in idle:
        if conv.id in customer_wrote:
            do_close(db, conv=conv, reason="idle")
        else:  # a greeting nobody answered is not a service to rate
            do_set_status(db, conv=conv, status="closed", reason="idle")
        closed += 1
    return closed
