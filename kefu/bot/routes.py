"""Routes of the console's try-the-bot panel: the owner chats as a customer and sees what the bot recognised."""

from __future__ import annotations

from fastapi import APIRouter

from kefu.access import Admin, DbDep, RuntimeDep
from kefu.bot.schemas import TraceOut, TryConversationOut, TryMessageIn, TryOpenIn, TryTurnOut
from kefu.bot.trial import check_test_conversation, do_open_test_conversation, trace_of
from kefu.channels.intake import take_customer_message
from kefu.conversations import actions
from kefu.conversations.models import Conversation, Customer
from kefu.conversations.schemas import ConversationOut, CustomerOut, MessageOut
from kefu.db import commit
from kefu.limits import Id

router = APIRouter(prefix="/api/v1/bot/try", tags=["try the bot"])


def _turn(db, conv: Conversation, after_id: int, message=None, trace: dict | None = None) -> TryTurnOut:
    replies = [MessageOut.model_validate(m) for m in
               actions.list_messages(db, tenant_id=conv.tenant_id, conversation_id=conv.id, after_id=after_id)
               if m.sender != "customer"]
    return TryTurnOut(message=MessageOut.model_validate(message) if message is not None else None, replies=replies,
                      trace=TraceOut.model_validate(trace) if trace else None,
                      conversation=ConversationOut.model_validate(conv))


@router.post("/conversations", response_model=TryConversationOut)
def open_test_conversation(body: TryOpenIn, principal: Admin, db: DbDep) -> TryConversationOut:
    """Start a new test conversation (channel "test") as an anonymous visitor or as one of the shop's customers.

    It behaves like a customer's conversation except that it never reaches the agents' queue and is left out of
    the conversation list. Owners and admins only.
    """
    conv = do_open_test_conversation(db, tenant_id=principal.tenant_id, customer_id=body.customer_id,
                                     locale=body.locale)
    commit(db)  # the bot greets after commit
    customer = db.get(Customer, conv.customer_id)
    msgs = actions.list_messages(db, tenant_id=principal.tenant_id, conversation_id=conv.id)
    return TryConversationOut(conversation=ConversationOut.model_validate(conv),
                              customer=CustomerOut(**actions.customer_out(customer)),
                              messages=[MessageOut.model_validate(m) for m in msgs])


@router.post("/conversations/{conversation_id}/messages", response_model=TryTurnOut)
def post_test_message(
    conversation_id: Id, body: TryMessageIn, principal: Admin, db: DbDep, runtime: RuntimeDep
) -> TryTurnOut:
    """Say something as the customer, through the same intake as the real channels.

    Returns the bot's replies and its trace of the message: outcome, knowledge point and candidates with their
    scores, flow with its step and slots, entities, emotion, handoff reason. `button: true` sends the text as a
    press of a button the bot offered, as the widget does.
    """
    conv = check_test_conversation(db, tenant_id=principal.tenant_id, conversation_id=conversation_id)
    customer = db.get(Customer, conv.customer_id)
    msg, _ = take_customer_message(runtime, db, conv=conv, customer=customer, text=body.text, client_id=None,
                                   payload={"type": "button"} if body.button else None)
    commit(db)  # the bot answers in the commit's aftermath, in its own session
    db.refresh(conv)
    trace = trace_of(conv)
    return _turn(db, conv, msg.id, msg, trace if trace and trace.get("message_id") == msg.id else None)


@router.post("/conversations/{conversation_id}/handoff", response_model=TryTurnOut)
def request_test_handoff(conversation_id: Id, principal: Admin, db: DbDep) -> TryTurnOut:
    """Press the bot's "talk to a person" button as the customer; a test conversation is never queued."""
    conv = check_test_conversation(db, tenant_id=principal.tenant_id, conversation_id=conversation_id)
    before = trace_of(conv)
    after = actions.last_message_id(db, conv=conv)
    actions.do_request_handoff(db, conv=conv, reason="customer_button")
    commit(db)
    db.refresh(conv)
    trace = trace_of(conv)
    # The bot notes the handoff on the last message's trace; only a trace of its own belongs to this press.
    fresh = trace is not None and trace.get("message_id") != (before or {}).get("message_id")
    return _turn(db, conv, after, trace=trace if fresh else None)
