"""Take a customer's photo or file into a conversation as their message, and find one for whoever may see it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.attachments.media import Prepared, prepare
from kefu.attachments.models import Attachment
from kefu.channels.intake import admit_customer_message
from kefu.conversations.actions import do_post_message
from kefu.conversations.models import Conversation, Customer, Message
from kefu.db import run_committed
from kefu.errors import NotFound
from kefu.runtime import Runtime
from kefu.tenants.security import new_token

URL = "/api/v1/attachments/{id}"
# What the message says in words, for transcripts, lists, summaries and anyone reading the text alone.
LABELS = {"zh": {"image": "[图片]", "file": "[文件] {name}"}, "en": {"image": "[image]", "file": "[file] {name}"}}


def take_attachment(
    runtime: Runtime, db: Session, *, conv: Conversation, customer: Customer, filename: str, data: bytes,
    client_id: str | None,
) -> tuple[Message, bool]:
    """Check, re-encode and store a customer's file, post it as their message and commit; a resend returns the first.

    Commits itself because the stored bytes and the rows stand or fall together: a failure before the commit
    removes the file again, and a refused file never reaches the storage.
    """
    earlier = admit_customer_message(runtime, db, conv=conv, customer=customer, client_id=client_id)
    if earlier is not None:
        return earlier, False
    prepared = prepare(data, filename, max_bytes=runtime.settings.max_upload_bytes)
    key = f"{conv.tenant_id}/{dt.datetime.now(dt.UTC):%Y%m}/{new_token('', 18)}.{prepared.ext}"
    runtime.storage.put(key, prepared.data)
    try:
        attachment = _add_row(db, conv, customer, prepared, key)
        labels = LABELS.get(conv.locale, LABELS["zh"])
        msg, created = do_post_message(db, conv=conv, sender="customer", client_id=client_id,
                                       text=labels[prepared.kind].format(name=prepared.name),
                                       payload=message_payload(attachment), sender_name=customer.name)
        if not created:  # the same client_id raced in from another request, which stored its own file
            db.delete(attachment)
            runtime.storage.delete(key)
        db.commit()
    except BaseException:
        runtime.storage.delete(key)
        raise
    run_committed(db)  # the bot answers now, outside the try: its trouble must not take the stored file away
    return msg, created


def _add_row(db: Session, conv: Conversation, customer: Customer, prepared: Prepared, key: str) -> Attachment:
    attachment = Attachment(tenant_id=conv.tenant_id, conversation_id=conv.id, customer_id=customer.id,
                            kind=prepared.kind, name=prepared.name, content_type=prepared.content_type,
                            size=len(prepared.data), width=prepared.width, height=prepared.height,
                            sha256=prepared.sha256, storage_key=key)
    db.add(attachment)
    db.flush()
    return attachment


def message_payload(a: Attachment) -> dict[str, Any]:
    """The attachment as its message carries it (the widget, the workspace and API clients render from this)."""
    return {"type": "attachment", "attachment_id": a.id, "kind": a.kind, "content_type": a.content_type,
            "name": a.name, "size": a.size, "width": a.width, "height": a.height, "url": URL.format(id=a.id)}


def get_attachment(db: Session, *, tenant_id: int, attachment_id: int, customer_id: int | None = None
                   ) -> Attachment:
    """Return a shop's attachment; with customer_id, only one in that customer's own conversation."""
    stmt = select(Attachment).where(Attachment.id == attachment_id, Attachment.tenant_id == tenant_id)
    if customer_id is not None:
        stmt = stmt.join(Conversation, Conversation.id == Attachment.conversation_id).where(
            Conversation.customer_id == customer_id)
    attachment = db.scalar(stmt)
    if attachment is None:
        raise NotFound("attachment not found")
    return attachment
