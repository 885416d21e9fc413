"""Routes for staff: list conversations, read transcripts, reply as a person, close."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query

from kefu.access import DbDep, RuntimeDep, Staff
from kefu.conversations import actions
from kefu.conversations.models import Customer
from kefu.conversations.schemas import (
    ConversationOut,
    ConversationPage,
    ConversationSummary,
    CustomerOut,
    HandoffOut,
    LeftMessageOut,
    MessageOut,
    PostMessageIn,
    Transcript,
)
from kefu.db import utcnow
from kefu.errors import Forbidden
from kefu.limits import MAX_ID, Id
from kefu.privacy.masking import mask_message, mask_text, mask_value, masks_for

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])


@router.get("", response_model=ConversationPage)
def list_conversations(
    principal: Staff, db: DbDep,
    status: Literal["bot", "queued", "with_agent", "closed"] | None = None,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=MAX_ID),
    include_test: bool = Query(False, description="also list the conversations of the console's test panel"),
) -> ConversationPage:
    """List the shop's conversations, most recently active first."""
    rows, total = actions.list_conversations(db, tenant_id=principal.tenant_id, status=status,
                                             limit=limit, offset=offset, include_test=include_test)
    hide = mask_text if masks_for(db, principal) else str
    items = [
        ConversationSummary(**ConversationOut.model_validate(c).model_dump(),
                            # Empty for an anonymous visitor: the console words it in the reader's language.
                            customer_name=hide(cu.name or cu.external_id or ""),
                            last_message=hide(last[:200]), message_count=n)
        for c, cu, n, last in rows
    ]
    return ConversationPage(items=items, total=total)


@router.get("/{conversation_id}", response_model=Transcript)
def get_transcript(
    conversation_id: Id, principal: Staff, db: DbDep, after: int = Query(0, ge=0, le=MAX_ID)
) -> Transcript:
    """A conversation with its customer and messages (after a message id, for incremental reads)."""
    conv = actions.get_conversation(db, tenant_id=principal.tenant_id, conversation_id=conversation_id)
    customer = db.get(Customer, conv.customer_id)
    messages = actions.list_messages(db, tenant_id=principal.tenant_id, conversation_id=conv.id, after_id=after,
                                     limit=5000)
    out = [MessageOut.model_validate(m) for m in messages]
    person, handoff = actions.customer_out(customer), conv.handoff
    if masks_for(db, principal):  # an agent of a shop that keeps contacts from them (docs/privacy.md)
        for m in out:
            masked = mask_message({"sender": m.sender, "text": m.text, "payload": m.payload})
            m.text, m.payload = masked["text"], masked["payload"]
        person, handoff = mask_value(person), mask_value(handoff)
    handoff_out = HandoffOut(**handoff, priority=conv.priority, queued_at=conv.queued_at) if handoff else None
    return Transcript(conversation=ConversationOut.model_validate(conv), customer=CustomerOut(**person),
                      messages=out, handoff=handoff_out)


@router.post("/{conversation_id}/messages", response_model=MessageOut, status_code=201)
def post_agent_message(
    conversation_id: Id, body: PostMessageIn, principal: Staff, db: DbDep, runtime: RuntimeDep
) -> MessageOut:
    """Reply to the customer as a person; the bot stops answering this conversation."""
    if principal.user is None:
        raise Forbidden("only a logged-in person can reply as an agent")
    conv = actions.get_conversation(db, tenant_id=principal.tenant_id, conversation_id=conversation_id)
    text = actions.check_text(body.text, runtime.settings.max_message_chars)
    if conv.status == "closed":
        raise Forbidden("the conversation is closed", code="conversation_closed")
    if conv.assigned_user_id is None:  # replying to a chat nobody had takes it
        conv.assigned_user_id, conv.assigned_at = principal.user.id, utcnow()
    actions.do_set_status(db, conv=conv, status="with_agent", reason=f"agent {principal.user.id} replied")
    msg, _ = actions.do_post_message(db, conv=conv, sender="agent", text=text, client_id=body.client_id,
                                     sender_name=principal.user.name, user_id=principal.user.id)
    return MessageOut.model_validate(msg)


@router.post("/{conversation_id}/close", response_model=ConversationOut)
def close_conversation(conversation_id: Id, principal: Staff, db: DbDep) -> ConversationOut:
    """Close a conversation and ask the customer for a rating; their next message starts a new one."""
    conv = actions.get_conversation(db, tenant_id=principal.tenant_id, conversation_id=conversation_id)
    actions.do_close(db, conv=conv, reason="closed by staff")
    return ConversationOut.model_validate(conv)


left_messages = APIRouter(prefix="/api/v1/left-messages", tags=["conversations"])


@left_messages.get("", response_model=list[LeftMessageOut])
def list_left_messages(principal: Staff, db: DbDep, handled: bool | None = None) -> list[LeftMessageOut]:
    """Messages customers left when no person was available (newest first), with the bot's handoff context."""
    rows = [LeftMessageOut.model_validate(r) for r in
            actions.list_left_messages(db, tenant_id=principal.tenant_id, handled=handled)]
    if masks_for(db, principal):
        rows = [LeftMessageOut(**mask_value(r.model_dump())) for r in rows]
    return rows


@left_messages.post("/{message_id}/handled", response_model=LeftMessageOut)
def mark_handled(message_id: Id, principal: Staff, db: DbDep) -> LeftMessageOut:
    """Mark a left message as followed up."""
    user_id = principal.user.id if principal.user else None
    left = LeftMessageOut.model_validate(actions.do_mark_left_message_handled(
        db, tenant_id=principal.tenant_id, message_id=message_id, user_id=user_id))
    return LeftMessageOut(**mask_value(left.model_dump())) if masks_for(db, principal) else left
