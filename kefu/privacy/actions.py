"""Export everything kefu holds about one customer, erase it, and delete old transcripts past a shop's retention.

Erasing keeps the rows that statistics count (customers, conversations, messages with their sender, time and
emotion, events, ratings' scores) and removes what says who the customer is or what they wrote: names and ids,
message texts (replaced by a placeholder) and payloads, files, notes, left messages' contacts, rating comments,
the bot's memory and the handoff summary. Every step is idempotent: running it twice changes nothing more.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from kefu.attachments.models import Attachment
from kefu.commerce.models import Order, ReturnRequest, Shipment
from kefu.conversations.actions import do_set_status
from kefu.conversations.models import ERASED_TEXT, Conversation, ConversationEvent, Customer, LeftMessage, Message
from kefu.db import utcnow
from kefu.errors import NotFound
from kefu.infra.storage import Storage, StoredFileMissing
from kefu.learning.models import LearningDecision
from kefu.live.models import ConversationNote, Rating
from kefu.nlu.entities import find_phone
from kefu.tenants.models import Tenant

FORMAT = "kefu-customer-export"
# Keys of event data and handoffs that quote the customer (the bot's summary of their words, their order, a
# transfer note); the rest (reasons, intents, outcomes, ids) is what reports read and stays.
PERSONAL_KEYS = ("summary", "order_no", "note")


def get_customer(db: Session, *, tenant_id: int, customer_id: int) -> Customer:
    customer = db.scalar(select(Customer).where(Customer.id == customer_id, Customer.tenant_id == tenant_id))
    if customer is None:
        raise NotFound("customer not found")
    return customer


def _row(obj: Any, *, leave: tuple[str, ...] = ("tenant_id",)) -> dict[str, Any]:
    """A table row as plain JSON values (datetimes as ISO strings)."""
    out = {}
    for column in obj.__table__.columns:
        if column.key in leave:
            continue
        value = getattr(obj, column.key)
        out[column.key] = value.isoformat() if isinstance(value, dt.datetime | dt.date) else value
    return out


def _file_name(a: Attachment) -> str:
    return f"attachments/{a.id}-{re.sub(r'[^A-Za-z0-9._-]+', '_', a.name)[:80]}"


def customer_phones(db: Session, customer: Customer) -> set[str]:
    """The mobile numbers the customer gave kefu: in their messages and left messages' contacts."""
    texts = db.scalars(select(Message.text).join(Conversation, Conversation.id == Message.conversation_id).where(
        Conversation.customer_id == customer.id, Message.sender == "customer"))
    contacts = db.scalars(select(LeftMessage.contact).where(LeftMessage.customer_id == customer.id))
    return {p for p in (find_phone(t) for t in [*texts, *contacts]) if p}


def customer_orders(db: Session, customer: Customer) -> list[Order]:
    """The built-in store's orders of the customer: by the shop's customer id, or placed with a phone they gave."""
    cond = []
    if customer.external_id:
        cond.append(Order.customer_ref == customer.external_id)
    phones = customer_phones(db, customer)
    if phones:
        cond.append(Order.buyer_phone.in_(phones))
    if not cond:
        return []
    return list(db.scalars(select(Order).where(Order.tenant_id == customer.tenant_id, or_(*cond)).order_by(Order.id)))


def export_customer(db: Session, *, tenant_id: int, customer_id: int) -> dict[str, Any]:
    """Everything kefu holds about one customer, as one JSON document; files are named, their bytes are in the zip
    (export_zip)."""
    customer = get_customer(db, tenant_id=tenant_id, customer_id=customer_id)
    tenant = db.get(Tenant, tenant_id)
    convs = list(db.scalars(select(Conversation).where(Conversation.customer_id == customer.id)
                            .order_by(Conversation.id)))
    conversations = []
    for conv in convs:
        item = _row(conv)
        item["messages"] = [_row(m, leave=("tenant_id", "conversation_id")) for m in db.scalars(
            select(Message).where(Message.conversation_id == conv.id).order_by(Message.id))]
        item["events"] = [_row(e, leave=("tenant_id", "conversation_id")) for e in db.scalars(
            select(ConversationEvent).where(ConversationEvent.conversation_id == conv.id)
            .order_by(ConversationEvent.id))]
        item["notes"] = [_row(n, leave=("tenant_id", "conversation_id")) for n in db.scalars(
            select(ConversationNote).where(ConversationNote.conversation_id == conv.id)
            .order_by(ConversationNote.id))]
        rating = db.scalar(select(Rating).where(Rating.conversation_id == conv.id))
        item["rating"] = _row(rating, leave=("tenant_id", "conversation_id")) if rating else None
        item["attachments"] = [{**_row(a, leave=("tenant_id", "conversation_id", "storage_key")),
                                "file": _file_name(a)} for a in db.scalars(
            select(Attachment).where(Attachment.conversation_id == conv.id).order_by(Attachment.id))]
        conversations.append(item)
    orders = []
    for order in customer_orders(db, customer):
        item = _row(order)
        item["shipments"] = [_row(s, leave=("tenant_id", "order_id")) for s in db.scalars(
            select(Shipment).where(Shipment.order_id == order.id).order_by(Shipment.id))]
        item["returns"] = [_row(r, leave=("tenant_id", "order_id")) for r in db.scalars(
            select(ReturnRequest).where(ReturnRequest.order_id == order.id).order_by(ReturnRequest.id))]
        orders.append(item)
    return {
        "format": FORMAT, "version": 1, "exported_at": utcnow().isoformat(),
        "shop": {"id": tenant.id, "slug": tenant.slug, "name": tenant.name},
        # The visitor id is the anonymous browser's key to its chat history: a credential, not shown.
        "customer": {**_row(customer, leave=("tenant_id", "visitor_id")), "visitor": customer.visitor_id is not None},
        "conversations": conversations,
        "left_messages": [_row(m) for m in db.scalars(
            select(LeftMessage).where(LeftMessage.customer_id == customer.id).order_by(LeftMessage.id))],
        "orders": orders,
    }


def export_zip(db: Session, storage: Storage, *, tenant_id: int, customer_id: int) -> bytes:
    """customer.json and the customer's files (attachments/<id>-<name>) in one zip; a file gone from the storage
    is marked "missing" in the JSON instead."""
    doc = export_customer(db, tenant_id=tenant_id, customer_id=customer_id)
    keys = dict(db.execute(select(Attachment.id, Attachment.storage_key).join(
        Conversation, Conversation.id == Attachment.conversation_id).where(
        Conversation.customer_id == customer_id)).all())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for conv in doc["conversations"]:
            for a in conv["attachments"]:
                try:
                    zf.writestr(a["file"], storage.get(keys[a["id"]]))
                except StoredFileMissing:
                    a["missing"] = True
        zf.writestr("customer.json", json.dumps(doc, ensure_ascii=False, indent=2))
    return buf.getvalue()


# --- erasing ----------------------------------------------------------------------------------------------

@dataclass
class Scrubbed:
    """What one erasure or purge did: conversations gone through, and what changed in them (messages, files,
    notes, left messages: all zero when it runs again)."""

    conversations: int = 0
    messages: int = 0
    files: int = 0
    notes: int = 0
    left_messages: int = 0
    closed: list[int] = field(default_factory=list)

    def add(self, other: Scrubbed) -> None:
        for name in ("conversations", "messages", "files", "notes", "left_messages"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.closed += other.closed


def _without_personal(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if not data or not any(data.get(k) for k in PERSONAL_KEYS):
        return data
    return {k: (("" if isinstance(v, str) else None) if k in PERSONAL_KEYS else v) for k, v in data.items()}


def _placeholder(conv: Conversation) -> str:
    return ERASED_TEXT.get(conv.locale, ERASED_TEXT["zh"])


def _erased_payload(payload: dict[str, Any] | None, placeholder: str) -> dict[str, Any] | None:
    if payload is None or payload.get("erased"):
        return payload
    kind = payload.get("type")
    # The console and the widget show a file's name where its link was: let them show the placeholder.
    return {"type": kind, "erased": True, **({"name": placeholder} if kind == "attachment" else {})}


def scrub_conversations(db: Session, storage: Storage, convs: list[Conversation]) -> Scrubbed:
    """Replace the conversations' texts by the placeholder and delete their files; rows, times and senders stay.

    A few statements for the whole batch (rows read by conversation id, written back by primary key). Files go
    from the storage before their rows: if the transaction fails afterwards, a row pointing to a missing file is
    left (served as missing, removed by the next run), never a file nobody knows about."""
    done = Scrubbed()
    by_id = {c.id: c for c in convs}
    if not by_id:
        return done
    ids = list(by_id)
    messages = []
    for mid, cid, text, payload, sender, name in db.execute(
            select(Message.id, Message.conversation_id, Message.text, Message.payload, Message.sender,
                   Message.sender_name).where(Message.conversation_id.in_(ids))):
        placeholder = _placeholder(by_id[cid])
        row = {"id": mid, "text": placeholder, "payload": _erased_payload(payload, placeholder),
               "sender_name": "" if sender == "customer" else name}
        if (text, payload, name) != (row["text"], row["payload"], row["sender_name"]):
            messages.append(row)
    if messages:
        db.execute(update(Message), messages)
    done.messages = len(messages)
    files = db.execute(select(Attachment.id, Attachment.storage_key).where(Attachment.conversation_id.in_(ids))).all()
    for _id, key in files:
        storage.delete(key)
    if files:
        db.execute(delete(Attachment).where(Attachment.id.in_([i for i, _ in files])))
    done.files = len(files)
    events = [{"id": eid, "data": _without_personal(data)} for eid, data in db.execute(
        select(ConversationEvent.id, ConversationEvent.data).where(ConversationEvent.conversation_id.in_(ids)))
        if _without_personal(data) is not data]
    if events:
        db.execute(update(ConversationEvent), events)
    left = [{"id": lid, "text": _placeholder(by_id[cid]), "contact": "", "context": {}}
            for lid, cid, text, contact, context in db.execute(
                select(LeftMessage.id, LeftMessage.conversation_id, LeftMessage.text, LeftMessage.contact,
                       LeftMessage.context).where(LeftMessage.conversation_id.in_(ids)))
            if text != _placeholder(by_id[cid]) or contact or context]
    if left:
        db.execute(update(LeftMessage), left)
    done.left_messages = len(left)
    db.execute(update(Rating).where(Rating.conversation_id.in_(ids), Rating.comment != "").values(comment=""))
    now = utcnow()
    for conv in convs:
        conv.bot_state = {}
        conv.handoff = _without_personal(conv.handoff)
        conv.scrubbed_at = conv.scrubbed_at or now
    done.conversations = len(convs)
    return done


def do_erase_customer(db: Session, storage: Storage, *, tenant_id: int, customer_id: int) -> Scrubbed:
    """Erase one customer's personal data (see the module's docstring); their open conversations are closed first
    (the agent serving one sees it close), so nothing new is written into what was just erased."""
    customer = get_customer(db, tenant_id=tenant_id, customer_id=customer_id)
    done = Scrubbed()
    convs = list(db.scalars(select(Conversation).where(Conversation.customer_id == customer.id)
                            .order_by(Conversation.id)))
    erased_texts = set(db.scalars(select(Message.text).join(Conversation, Conversation.id == Message.conversation_id)
                                  .where(Conversation.customer_id == customer.id, Message.sender == "customer")))
    message_ids = set(db.scalars(select(Message.id).join(Conversation, Conversation.id == Message.conversation_id)
                                 .where(Conversation.customer_id == customer.id)))
    for conv in convs:
        if conv.status != "closed":
            do_set_status(db, conv=conv, status="closed", reason="customer data erased")
            done.closed.append(conv.id)
    db.flush()
    done.add(scrub_conversations(db, storage, convs))
    if convs:
        done.notes = db.execute(delete(ConversationNote).where(
            ConversationNote.conversation_id.in_([c.id for c in convs]))).rowcount
    for left in db.scalars(select(LeftMessage).where(LeftMessage.customer_id == customer.id)):
        if left.contact or left.context or left.text not in ERASED_TEXT.values():
            left.text, left.contact, left.context = ERASED_TEXT["zh"], "", {}
            done.left_messages += 1
    _forget_questions(db, tenant_id, message_ids, erased_texts)
    customer.name, customer.external_id, customer.visitor_id, customer.tags = "", None, None, []
    if customer.erased_at is None:
        customer.erased_at = utcnow()
    return done


def _forget_questions(db: Session, tenant_id: int, message_ids: set[int], texts: set[str]) -> None:
    """Learning keeps the questions of the groups the shop decided on: drop the customer's from them."""
    if not message_ids:
        return
    for decision in db.scalars(select(LearningDecision).where(LearningDecision.tenant_id == tenant_id)):
        if not message_ids & set(decision.message_ids or ()):
            continue
        decision.texts = [t for t in decision.texts or [] if t not in texts]
        if decision.question in texts:
            decision.question = ""


# --- retention --------------------------------------------------------------------------------------------

def purge_expired(db: Session, storage: Storage, *, tenant: Tenant, now: dt.datetime | None = None,
                  limit: int = 200) -> Scrubbed:
    """Scrub up to limit closed conversations of the shop that closed more than its retention_days ago.

    Each conversation is claimed with a conditional UPDATE (scrubbed_at still empty), so two processes purging
    at once never both work on one; a claim that loses does nothing."""
    done = Scrubbed()
    if not tenant.retention_days or tenant.retention_days <= 0:
        return done
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=tenant.retention_days)
    ids = list(db.scalars(select(Conversation.id).where(
        Conversation.tenant_id == tenant.id, Conversation.status == "closed", Conversation.closed_at < cutoff,
        Conversation.scrubbed_at.is_(None)).order_by(Conversation.id).limit(limit)))
    claimed = [conv_id for conv_id in ids if db.execute(update(Conversation).where(
        Conversation.id == conv_id, Conversation.scrubbed_at.is_(None), Conversation.status == "closed")
        .values(scrubbed_at=now).execution_options(synchronize_session=False)).rowcount]
    if claimed:
        done.add(scrub_conversations(db, storage, list(db.scalars(
            select(Conversation).where(Conversation.id.in_(claimed))))))
    return done
