"""Let the shop's owner try the bot as a customer: test conversations and what the bot recognised in them.

A test conversation is an ordinary conversation on the "test" channel. Its messages go through the same intake and
the same bot as a real customer's; it stays out of the agents' queue and the console's conversation list.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kefu.conversations.actions import do_get_external_customer, do_get_visitor, do_open_conversation, get_conversation
from kefu.conversations.models import TEST_CHANNEL, Conversation
from kefu.errors import NotFound


def do_open_test_conversation(db: Session, *, tenant_id: int, customer_id: str | None, locale: str
                              ) -> Conversation:
    """Open a new test conversation, as the shop's customer `customer_id` or as a fresh anonymous visitor.

    The customer with that id is the one the shop's orders name, so the flows find their orders; like the API
    channel, an id seen for the first time becomes a customer of the shop.
    """
    if customer_id:
        customer = do_get_external_customer(db, tenant_id=tenant_id, external_id=customer_id)
    else:
        customer = do_get_visitor(db, tenant_id=tenant_id, visitor_id=None)
    conv, _ = do_open_conversation(db, tenant_id=tenant_id, customer=customer, channel=TEST_CHANNEL, locale=locale,
                                   reuse=False)
    return conv


def check_test_conversation(db: Session, *, tenant_id: int, conversation_id: int) -> Conversation:
    """Return the shop's test conversation; any other conversation (a real customer's) is not found here."""
    conv = get_conversation(db, tenant_id=tenant_id, conversation_id=conversation_id)
    if conv.channel != TEST_CHANNEL:
        raise NotFound("no test conversation with this id", code="not_a_test_conversation")
    return conv


def trace_of(conv: Conversation) -> dict[str, Any] | None:
    """What the bot recognised in the last customer message it handled (docs: bot_state["trace"])."""
    trace = (conv.bot_state or {}).get("trace")
    return trace if isinstance(trace, dict) else None
