"""Serve a customer's photo or file to the shop's staff and to that customer, and to nobody else."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from kefu.access import DbDep, RuntimeDep, StaffOrCustomer
from kefu.attachments import actions
from kefu.errors import NotFound
from kefu.infra.storage import StoredFileMissing
from kefu.limits import Id

router = APIRouter(prefix="/api/v1/attachments", tags=["attachments"])

IMAGE_TYPES = {"image/jpeg": {}, "image/png": {}, "image/webp": {}}


@router.get("/{attachment_id}", response_class=Response, responses={
    200: {"description": "The file: an image (re-encoded by kefu) or a PDF as a download.",
          "content": {**IMAGE_TYPES, "application/pdf": {}}},
    304: {"description": "Not modified (If-None-Match matched the ETag)."}})
def get_attachment(attachment_id: Id, request: Request, viewer: StaffOrCustomer, db: DbDep,
                   runtime: RuntimeDep) -> Response:
    """A customer's photo or file: for the shop's staff (session or API key) and for that customer (widget headers
    X-Kefu-Key with X-Kefu-Visitor or X-Kefu-Token); anyone else gets 404."""
    a = actions.get_attachment(db, tenant_id=viewer.tenant_id, attachment_id=attachment_id,
                               customer_id=viewer.customer_id)
    etag = f'"{a.sha256}"'
    headers = {
        # Private: a shared cache must never keep it; the bytes behind an id never change.
        "Cache-Control": "private, max-age=86400",
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
        # Opened directly, the file may run nothing and load nothing (a PDF viewer, an SVG that slipped through).
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
        "Content-Disposition": f"{'inline' if a.kind == 'image' else 'attachment'}; "
                               f"filename*=UTF-8''{quote(a.name, safe='')}",
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    try:
        data = runtime.storage.get(a.storage_key)
    except StoredFileMissing as exc:
        raise NotFound("the file is no longer stored", code="attachment_missing") from exc
    return Response(data, media_type=a.content_type, headers=headers)
