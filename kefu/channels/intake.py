"""Take a customer's message from any channel: limit the rate, check it, store it once."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kefu.conversations.actions import check_text, do_post_message, find_by_client_id
from kefu.conversations.models import Conversation, Customer, Message
from kefu.errors import Forbidden, RateLimited
from kefu.runtime import Runtime


def admit_customer_message(
    runtime: Runtime, db: Session, *, conv: Conversation, customer: Customer, client_id: str | None
) -> Message | None:
    """Return the earlier message for a resent client_id, refuse a closed conversation or a flood, else None."""
    settings = runtime.settings
    if client_id and (earlier := find_by_client_id(db, conv=conv, client_id=client_id)) is not None:
        return earlier  # a resend after a reconnect: neither refused nor counted against the limit
    if conv.status == "closed":
        raise Forbidden("the conversation is closed", code="conversation_closed")
    if not runtime.limiter.allow(f"msg:{conv.tenant_id}:{customer.id}", settings.rate_limit_messages,
                                 settings.rate_limit_window_seconds):
        raise RateLimited("too many messages; wait a few seconds and try again")
    return None


def take_customer_message(
    runtime: Runtime, db: Session, *, conv: Conversation, customer: Customer, text: str, client_id: str | None,
    payload: dict[str, Any] | None = None,
) -> tuple[Message, bool]:
    """Store a customer message (idempotent per client_id); the bot answers after the caller commits.

    payload marks what the text is beyond words, e.g. {"type": "button"} for a button the bot offered.
    """
    text = check_text(text, runtime.settings.max_message_chars)
    if (earlier := admit_customer_message(runtime, db, conv=conv, customer=customer, client_id=client_id)):
        return earlier, False
    return do_post_message(db, conv=conv, sender="customer", text=text, client_id=client_id,
                           sender_name=customer.name, payload=payload)
