"""The API channel: a shop's server talks for its customer (apps, mini-programs) and gets the bot's replies."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from kefu.access import DbDep, RuntimeDep, Staff
from kefu.attachments.actions import take_attachment
from kefu.channels.intake import take_customer_message
from kefu.conversations import actions
from kefu.conversations.models import Conversation, Customer, Message
from kefu.conversations.schemas import ConversationOut, MessageOut, PostMessageIn
from kefu.db import commit
from kefu.errors import NotFound
from kefu.limits import MAX_ID, Id
from kefu.live.feedback import do_rate
from kefu.live.queue import conversation_out
from kefu.live.schemas import RatingIn
from kefu.products.context import ProductContext, do_set_context

router = APIRouter(prefix="/api/v1/channels/api", tags=["api channel"])


class OpenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(min_length=1, max_length=128, description="the shop's own id for the customer")
    customer_name: str = Field("", max_length=100)
    customer_tags: list[str] | None = Field(None, max_length=20,
                                            description='the shop\'s labels for the customer, e.g. ["VIP"]')
    locale: Literal["zh", "en"] = "zh"
    new: bool = Field(False, description="always start a new conversation instead of resuming the open one")


class OpenOut(BaseModel):
    conversation: ConversationOut
    messages: list[MessageOut]


class PostOut(BaseModel):
    message: MessageOut
    replies: list[MessageOut] = Field(description="what the bot (or system) answered to this message")
    duplicate: bool = Field(description="true when client_id was seen before and nothing new was stored")


class CustomerMessageIn(PostMessageIn):
    """A customer's message on the API channel."""

    button: bool = Field(False, description="the text is the value of a button the bot offered, pressed rather "
                                            "than typed (it is not read for the customer's emotion)")
    context: ProductContext | None = Field(None, description="the product page the customer is on; the bot "
                                                             "answers questions about that product (422 for a SKU "
                                                             "the shop does not have)")


class HandoffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("customer_asked", max_length=100,
                        description='why; "leave_message" takes a message instead (also out of the queue)')


def _api_conversation(db, tenant_id: int, conversation_id: int) -> Conversation:
    conv = actions.get_conversation(db, tenant_id=tenant_id, conversation_id=conversation_id)
    if conv.channel != "api":
        raise NotFound("conversation not found on the API channel")
    return conv


def _replies_after(db, conv: Conversation, after_id: int) -> list[MessageOut]:
    msgs = actions.list_messages(db, tenant_id=conv.tenant_id, conversation_id=conv.id, after_id=after_id)
    return [MessageOut.model_validate(m) for m in msgs if m.sender != "customer"]


@router.post("/conversations", response_model=OpenOut)
def open_conversation(body: OpenIn, principal: Staff, db: DbDep) -> OpenOut:
    """Open (or resume) a customer's conversation; returns its messages, the bot's greeting included."""
    customer = actions.do_get_external_customer(db, tenant_id=principal.tenant_id, external_id=body.customer_id,
                                                name=body.customer_name, tags=body.customer_tags)
    conv, _ = actions.do_open_conversation(db, tenant_id=principal.tenant_id, customer=customer, channel="api",
                                           locale=body.locale, reuse=not body.new)
    commit(db)  # the bot greets after commit, so read the messages afterwards
    msgs = actions.list_messages(db, tenant_id=principal.tenant_id, conversation_id=conv.id)
    return OpenOut(conversation=ConversationOut.model_validate(conv),
                   messages=[MessageOut.model_validate(m) for m in msgs])


@router.post("/conversations/{conversation_id}/messages", response_model=PostOut)
def post_message(
    conversation_id: Id, body: CustomerMessageIn, principal: Staff, db: DbDep, runtime: RuntimeDep
) -> PostOut:
    """Post the customer's message; the response carries the bot's replies to it."""
    conv = _api_conversation(db, principal.tenant_id, conversation_id)
    customer = db.get(Customer, conv.customer_id)
    if body.context is not None:
        do_set_context(db, conv=conv, context=body.context)
    msg, created = take_customer_message(runtime, db, conv=conv, customer=customer, text=body.text,
                                         client_id=body.client_id,
                                         payload={"type": "button"} if body.button else None)
    commit(db)  # the bot answers in the commit's aftermath; its replies are stored when commit returns
    return _post_out(db, conv, msg, created)


def _post_out(db, conv: Conversation, msg: Message, created: bool) -> PostOut:
    replies = _replies_after(db, conv, msg.id)
    if not created:
        # A resend: return what followed the original, up to the customer's next message.
        msgs = actions.list_messages(db, tenant_id=conv.tenant_id, conversation_id=conv.id, after_id=msg.id)
        replies = []
        for m in msgs:
            if m.sender == "customer":
                break
            replies.append(MessageOut.model_validate(m))
    return PostOut(message=MessageOut.model_validate(msg), replies=replies, duplicate=not created)


@router.get("/conversations/{conversation_id}", response_model=ConversationOut)
def read_conversation(conversation_id: Id, principal: Staff, db: DbDep) -> ConversationOut:
    """The conversation's state: poll this while the customer waits for a person; `queue` then says their place
    and estimated wait (null otherwise)."""
    return conversation_out(db, _api_conversation(db, principal.tenant_id, conversation_id))


UPLOAD_PATH = router.prefix + "/conversations/{conversation_id}/attachments"


@router.post("/conversations/{conversation_id}/attachments", response_model=PostOut)
def post_attachment(
    conversation_id: Id, principal: Staff, db: DbDep, runtime: RuntimeDep,
    file: UploadFile = File(description="a photo (JPEG, PNG, WebP, GIF; re-encoded, metadata removed) or a PDF"),
    client_id: str | None = Form(None, min_length=1, max_length=64,
                                 description="your own id for this message; a retry stores nothing twice"),
) -> PostOut:
    """Post the customer's photo or file (multipart); the response carries the stored message, whose payload has
    the attachment's url (GET it with the API key), and the bot's replies to it."""
    conv = _api_conversation(db, principal.tenant_id, conversation_id)
    customer = db.get(Customer, conv.customer_id)
    limit = runtime.settings.max_upload_bytes
    msg, created = take_attachment(runtime, db, conv=conv, customer=customer, filename=file.filename or "",
                                   data=file.file.read(limit + 1), client_id=client_id)
    return _post_out(db, conv, msg, created)


@router.get("/conversations/{conversation_id}/messages", response_model=list[MessageOut])
def read_messages(
    conversation_id: Id, principal: Staff, db: DbDep, after: int = Query(0, ge=0, le=MAX_ID)
) -> list[MessageOut]:
    """Messages after a message id: poll this for a person's replies after a handoff."""
    conv = _api_conversation(db, principal.tenant_id, conversation_id)
    msgs = actions.list_messages(db, tenant_id=principal.tenant_id, conversation_id=conv.id, after_id=after)
    return [MessageOut.model_validate(m) for m in msgs]


@router.post("/conversations/{conversation_id}/handoff", response_model=list[MessageOut])
def request_handoff(
    conversation_id: Id, body: HandoffIn, principal: Staff, db: DbDep
) -> list[MessageOut]:
    """Ask for a person on the customer's behalf; returns what the bot said about it."""
    conv = _api_conversation(db, principal.tenant_id, conversation_id)
    after = actions.last_message_id(db, conv=conv)
    actions.do_request_handoff(db, conv=conv, reason=body.reason)
    commit(db)
    return _replies_after(db, conv, after)


@router.post("/conversations/{conversation_id}/close", response_model=list[MessageOut])
def close_conversation(conversation_id: Id, principal: Staff, db: DbDep) -> list[MessageOut]:
    """The customer is done (closed the app's chat): end the conversation; returns the request for a rating."""
    conv = _api_conversation(db, principal.tenant_id, conversation_id)
    after = actions.last_message_id(db, conv=conv)
    actions.do_close(db, conv=conv, reason="closed by the customer")
    commit(db)
    return _replies_after(db, conv, after)


@router.post("/conversations/{conversation_id}/rating", status_code=201)
def rate(conversation_id: Id, body: RatingIn, principal: Staff, db: DbDep) -> dict:
    """The customer's 1-5 rating (and comment) of an ended conversation; once per conversation."""
    conv = _api_conversation(db, principal.tenant_id, conversation_id)
    rating = do_rate(db, conv=conv, score=body.score, comment=body.comment)
    return {"conversation_id": conv.id, "score": rating.score, "comment": rating.comment}
