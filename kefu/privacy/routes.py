"""Routes for a shop's owner and admins: export one customer's data, erase it (PIPL / GDPR requests)."""

from __future__ import annotations

import json
import logging
from typing import Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from kefu.access import Admin, DbDep, RuntimeDep
from kefu.privacy import actions

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/customers", tags=["personal data"])


class ErasedOut(BaseModel):
    customer_id: int
    erased_at: str
    conversations: int
    closed: list[int]
    messages: int
    files: int
    notes: int
    left_messages: int


@router.get("/{customer_id}/export", response_model=None, responses={
    200: {"description": "customer.json, or a zip of it and the customer's files",
          "content": {"application/json": {}, "application/zip": {}}}})
def export_customer(customer_id: int, principal: Admin, db: DbDep, runtime: RuntimeDep,
                    fmt: Literal["json", "zip"] = Query("json", alias="format",
                                                        description="json: the document; zip: it and the files")
                    ) -> Response:
    """Everything kefu holds about one customer: their record, conversations with messages, events, notes,
    rating and files, left messages and the built-in store's orders (docs/privacy.md)."""
    log.info("customer %s of shop %s exported (%s)", customer_id, principal.tenant_id, fmt)
    if fmt == "zip":
        data = actions.export_zip(db, runtime.storage, tenant_id=principal.tenant_id, customer_id=customer_id)
        return Response(data, media_type="application/zip", headers={
            "Content-Disposition": f'attachment; filename="customer-{customer_id}.zip"'})
    doc = actions.export_customer(db, tenant_id=principal.tenant_id, customer_id=customer_id)
    return Response(json.dumps(doc, ensure_ascii=False), media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="customer-{customer_id}.json"'})


@router.delete("/{customer_id}", response_model=ErasedOut)
def erase_customer(customer_id: int, principal: Admin, db: DbDep, runtime: RuntimeDep) -> ErasedOut:
    """Erase one customer's personal data: open chats are closed, texts replaced by a placeholder, files, notes,
    names and ids deleted; counts and times stay for the statistics. Running it again changes nothing."""
    done = actions.do_erase_customer(db, runtime.storage, tenant_id=principal.tenant_id, customer_id=customer_id)
    customer = actions.get_customer(db, tenant_id=principal.tenant_id, customer_id=customer_id)
    log.info("customer %s of shop %s erased (%d conversations, %d files)", customer_id, principal.tenant_id,
             done.conversations, done.files)
    return ErasedOut(customer_id=customer_id, erased_at=customer.erased_at.isoformat(),
                     conversations=done.conversations, closed=done.closed, messages=done.messages,
                     files=done.files, notes=done.notes, left_messages=done.left_messages)
