"""Open conversations and post messages; every change is announced after commit, never before."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kefu.conversations.models import TEST_CHANNEL, Conversation, ConversationEvent, Customer, LeftMessage, Message
from kefu.conversations.schemas import ConversationOut, MessageOut
from kefu.db import utcnow
from kefu.errors import Conflict, KefuError, NotFound
from kefu.runtime import emit
from kefu.tenants.security import new_token

LOCALES = ("zh", "en")
MAX_PAYLOAD_CHARS = 20_000


def channels_for(conv: Conversation) -> list[str]:
    """Where a conversation's events go: its own watchers (the customer) and the shop's staff."""
    return [f"conv:{conv.id}", f"tenant:{conv.tenant_id}"]


def message_event(msg: Message) -> dict[str, Any]:
    return {"type": "message_created", "tenant_id": msg.tenant_id, "conversation_id": msg.conversation_id,
            "message": MessageOut.model_validate(msg).model_dump(mode="json")}


def conversation_event(conv: Conversation, kind: str) -> dict[str, Any]:
    return {"type": kind, "tenant_id": conv.tenant_id, "conversation_id": conv.id,
            "conversation": ConversationOut.model_validate(conv).model_dump(mode="json")}


# --- customers -----------------------------------------------------------------------------------

def do_get_visitor(db: Session, *, tenant_id: int, visitor_id: str | None) -> Customer:
    """Return the anonymous customer behind a kefu-issued visitor id, or a new one with a fresh id.

    An id kefu never issued is not adopted: a client cannot choose (or guess) whose history it sees.
    """
    if visitor_id:
        customer = db.scalar(select(Customer).where(Customer.tenant_id == tenant_id,
                                                    Customer.visitor_id == visitor_id))
        if customer is not None:
            customer.last_seen_at = utcnow()
            return customer
    customer = Customer(tenant_id=tenant_id, visitor_id=new_token("v_", 18))
    db.add(customer)
    db.flush()
    return customer


def do_get_external_customer(db: Session, *, tenant_id: int, external_id: str, name: str = "",
                             tags: list[str] | None = None) -> Customer:
    """Return (creating on first sight) the customer the shop identifies as external_id.

    tags, when the shop sends them (identity token or API), replace the customer's tags: the shop's
    own system is the authority on who is a VIP.
    """
    if not external_id or len(external_id) > 128:
        raise KefuError("customer id must be 1-128 characters", code="invalid_customer_id")
    customer = db.scalar(select(Customer).where(Customer.tenant_id == tenant_id,
                                                Customer.external_id == external_id))
    if customer is None:
        customer = Customer(tenant_id=tenant_id, external_id=external_id, name=name[:100])
        db.add(customer)
        db.flush()
    elif name and name != customer.name:
        customer.name = name[:100]
    if tags is not None:
        customer.tags = check_tags(tags)
    customer.last_seen_at = utcnow()
    return customer


def check_tags(tags: Any) -> list[str]:
    """Accept up to 20 tags of 1-30 characters each; anything else is a clear error."""
    if not isinstance(tags, list) or len(tags) > 20 or not all(isinstance(t, str) and 0 < len(t.strip()) <= 30
                                                               for t in tags):
        raise KefuError("tags must be a list of at most 20 strings of 1-30 characters", code="invalid_tags")
    return list(dict.fromkeys(t.strip() for t in tags))


# --- conversations -------------------------------------------------------------------------------

def get_conversation(db: Session, *, tenant_id: int, conversation_id: int) -> Conversation:
    conv = db.scalar(select(Conversation).where(Conversation.id == conversation_id,
                                                Conversation.tenant_id == tenant_id))
    if conv is None:
        raise NotFound("conversation not found")
    return conv


def do_open_conversation(
    db: Session, *, tenant_id: int, customer: Customer, channel: str, locale: str, reuse: bool = True
) -> tuple[Conversation, bool]:
    """Return the customer's open conversation on channel (or a new one) and whether it was created."""
    if locale not in LOCALES:
        locale = "zh"
    if reuse:
        conv = db.scalar(
            select(Conversation)
            .where(Conversation.tenant_id == tenant_id, Conversation.customer_id == customer.id,
                   Conversation.channel == channel, Conversation.status != "closed")
            .order_by(Conversation.id.desc()).limit(1)
        )
        if conv is not None:
            return conv, False
    conv = Conversation(tenant_id=tenant_id, customer_id=customer.id, channel=channel, locale=locale)
    db.add(conv)
    db.flush()
    db.add(ConversationEvent(tenant_id=tenant_id, conversation_id=conv.id, kind="opened",
                             data={"channel": channel, "locale": locale}))
    emit(db, conversation_event(conv, "conversation_opened"), channels_for(conv))
    return conv, True


def check_text(text: str, max_chars: int) -> str:
    """Refuse an empty or oversized message; keep the text exactly as sent otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise KefuError("message is empty", code="empty_message")
    if len(text) > max_chars:
        raise KefuError(f"message is longer than {max_chars} characters", code="message_too_long", status=413)
    return text


def find_by_client_id(db: Session, *, conv: Conversation, client_id: str) -> Message | None:
    return db.scalar(select(Message).where(Message.conversation_id == conv.id, Message.client_id == client_id))


def do_post_message(
    db: Session,
    *,
    conv: Conversation,
    sender: str,
    text: str,
    sender_name: str = "",
    payload: dict[str, Any] | None = None,
    client_id: str | None = None,
    user_id: int | None = None,
) -> tuple[Message, bool]:
    """Store a message once per client_id; return it and whether it is new (a resend returns the original)."""
    if client_id is not None:
        if not client_id or len(client_id) > 64:
            raise KefuError("client_id must be 1-64 characters", code="invalid_client_id")
        existing = find_by_client_id(db, conv=conv, client_id=client_id)
        if existing is not None:
            return existing, False
    msg = Message(tenant_id=conv.tenant_id, conversation_id=conv.id, sender=sender, sender_name=sender_name,
                  text=text, payload=payload, client_id=client_id, sender_user_id=user_id)
    if client_id is None:
        # Nothing to race on: no savepoint (two round trips on PostgreSQL for every bot reply).
        db.add(msg)
        db.flush()
    elif (earlier := _insert_once(db, conv, msg)) is not None:
        return earlier, False
    conv.updated_at = msg.created_at
    emit(db, message_event(msg), channels_for(conv))
    return msg, True


def _insert_once(db: Session, conv: Conversation, msg: Message) -> Message | None:
    """Insert msg; None, or the message that won when the same client_id raced in from a second connection."""
    try:
        with db.begin_nested():
            db.add(msg)
            db.flush()
    except IntegrityError:
        existing = find_by_client_id(db, conv=conv, client_id=msg.client_id)
        if existing is None:
            raise
        return existing
    return None


def do_set_status(db: Session, *, conv: Conversation, status: str, reason: str = "") -> Conversation:
    """Move a conversation to a new status and record why."""
    if conv.status == status:
        return conv
    old = conv.status
    conv.status = status
    conv.updated_at = utcnow()
    conv.closed_at = utcnow() if status == "closed" else None
    db.add(ConversationEvent(tenant_id=conv.tenant_id, conversation_id=conv.id, kind="status",
                             data={"from": old, "to": status, "reason": reason}))
    emit(db, conversation_event(conv, "conversation_updated"), channels_for(conv))
    return conv


DISPOSITIONS = ("resolved", "unresolved", "follow_up", "spam")
RATING_TEXT = {"zh": "本次服务已结束，请为我们的服务打分（1-5 星），也可以留下您的意见。",
               "en": "This conversation has ended. Please rate our service (1-5 stars); comments welcome."}
def do_close(db: Session, *, conv: Conversation, reason: str, disposition: str | None = None) -> Conversation:
    """Close a conversation, record how it ended, and ask the customer to rate it."""
    if disposition is not None and disposition not in DISPOSITIONS:
        raise KefuError(f"disposition must be one of {', '.join(DISPOSITIONS)}", code="invalid_disposition",
                        status=422)
    if conv.status == "closed":
        raise Conflict("the conversation is already closed", code="conversation_closed")
    conv.disposition = disposition
    do_post_message(db, conv=conv, sender="system", text=RATING_TEXT.get(conv.locale, RATING_TEXT["zh"]),
                    payload={"type": "rating_request"})
    return do_set_status(db, conv=conv, status="closed", reason=reason)



def list_messages(
    db: Session, *, tenant_id: int, conversation_id: int, after_id: int = 0, limit: int = 500
) -> list[Message]:
    """Return a conversation's messages after after_id, oldest first."""
    return list(db.scalars(
        select(Message)
        .where(Message.tenant_id == tenant_id, Message.conversation_id == conversation_id, Message.id > after_id)
        .order_by(Message.id).limit(limit)
    ))


def last_message_id(db: Session, *, conv: Conversation) -> int:
    return db.scalar(select(func.max(Message.id)).where(Message.conversation_id == conv.id)) or 0


def list_conversations(
    db: Session, *, tenant_id: int, status: str | None = None, limit: int = 50, offset: int = 0,
    assigned_user_id: int | None = None, customer_id: int | None = None, include_test: bool = False,
) -> tuple[list[tuple[Conversation, Customer, int, str]], int]:
    """Return a page of conversations, most recently active first, with customer, count and last text.

    The owner's own tries in the console's test panel are left out unless include_test.
    """
    cond = [Conversation.tenant_id == tenant_id]
    if not include_test:
        cond.append(Conversation.channel != TEST_CHANNEL)
    if status:
        cond.append(Conversation.status == status)
    if assigned_user_id is not None:
        cond.append(Conversation.assigned_user_id == assigned_user_id)
    if customer_id is not None:
        cond.append(Conversation.customer_id == customer_id)
    total = db.scalar(select(func.count()).select_from(Conversation).where(*cond))
    counts = (
        select(Message.conversation_id, func.count().label("n"), func.max(Message.id).label("last_id"))
        .where(Message.tenant_id == tenant_id).group_by(Message.conversation_id).subquery()
    )
    rows = db.execute(
        select(Conversation, Customer, func.coalesce(counts.c.n, 0), Message.text)
        .join(Customer, Customer.id == Conversation.customer_id)
        .outerjoin(counts, counts.c.conversation_id == Conversation.id)
        .outerjoin(Message, Message.id == counts.c.last_id)
        .where(*cond)
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
        .limit(limit).offset(offset)
    ).all()
    return [(c, cu, n, last or "") for c, cu, n, last in rows], total


def customer_out(customer: Customer) -> dict[str, Any]:
    return {"id": customer.id, "external_id": customer.external_id, "name": customer.name,
            "verified": customer.external_id is not None, "tags": list(customer.tags or [])}


def list_left_messages(db: Session, *, tenant_id: int, handled: bool | None = None, limit: int = 100
                       ) -> list[LeftMessage]:
    """Messages customers left when nobody could take the chat, newest first."""
    stmt = select(LeftMessage).where(LeftMessage.tenant_id == tenant_id)
    if handled is not None:
        stmt = stmt.where(LeftMessage.handled_at.is_not(None) if handled else LeftMessage.handled_at.is_(None))
    return list(db.scalars(stmt.order_by(LeftMessage.id.desc()).limit(limit)))


def do_mark_left_message_handled(db: Session, *, tenant_id: int, message_id: int, user_id: int | None
                                 ) -> LeftMessage:
    left = db.scalar(select(LeftMessage).where(LeftMessage.tenant_id == tenant_id, LeftMessage.id == message_id))
    if left is None:
        raise NotFound("left message not found")
    if left.handled_at is None:
        left.handled_at, left.handled_by = utcnow(), user_id
    return left


def do_request_handoff(db: Session, *, conv: Conversation, reason: str, locale: str | None = None) -> None:
    """Record that the customer wants a person; the handoff policy (a listener) acts on it after commit."""
    db.add(ConversationEvent(tenant_id=conv.tenant_id, conversation_id=conv.id, kind="handoff_requested",
                             data={"reason": reason}))
    event = conversation_event(conv, "handoff_requested")
    event.update(reason=reason, locale=locale or conv.locale)
    emit(db, event, channels_for(conv))
