"""Routes for the shop owner's audit log: the entries with filters, and the same as a CSV file."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from kefu.access import DbDep, Owner
from kefu.audit.actions import list_entries, record
from kefu.audit.schemas import AuditEntryOut, AuditPage
from kefu.reports.export import MEDIA_TYPES, csv_chunks

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

Action = Query("", max_length=64, description='An action code or its start: "knowledge." or "login".')
UserId = Query(None, ge=1, description="Only what this user did.")
Since = Query(None, description="From this time (ISO 8601, with a zone or UTC).")
Until = Query(None, description="Before this time.")
COLUMNS = ["id", "created_at", "actor_type", "actor_id", "actor_name", "action", "target_type", "target_id",
           "detail", "address", "user_agent"]
MAX_EXPORT = 100_000


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=dt.UTC)


@router.get("", response_model=AuditPage)
def audit_log(principal: Owner, db: DbDep, action: str = Action, user_id: int | None = UserId,
              since: dt.datetime | None = Since, until: dt.datetime | None = Until,
              before: int | None = Query(None, ge=1, description="The next page: next_before of the last one."),
              limit: int = Query(50, ge=1, le=500)) -> AuditPage:
    """Who did what in the shop, newest first: settings, knowledge, routing, people, API keys, packs, exports and
    logins (failed ones and locks too). The shop's owner only."""
    rows = list_entries(db, tenant_id=principal.tenant_id, action=action.strip(), user_id=user_id,
                        since=_utc(since), until=_utc(until), before=before, limit=limit + 1)
    return AuditPage(items=[AuditEntryOut.model_validate(r) for r in rows[:limit]],
                     next_before=rows[limit - 1].id if len(rows) > limit else None)


@router.get("/export", response_class=StreamingResponse, responses={200: {
    "description": "The entries as a CSV file (an attachment).", "content": {"text/csv": {}}}})
def export_audit_log(principal: Owner, db: DbDep, action: str = Action, user_id: int | None = UserId,
                     since: dt.datetime | None = Since, until: dt.datetime | None = Until) -> StreamingResponse:
    """The entries the same filters select, newest first, as CSV (this export is itself recorded)."""
    record(db, principal, "export.audit", None, filter=action, user_id=user_id)
    rows = list_entries(db, tenant_id=principal.tenant_id, action=action.strip(), user_id=user_id,
                        since=_utc(since), until=_utc(until), limit=MAX_EXPORT)
    out = [{c: getattr(r, c) for c in COLUMNS} for r in rows]
    for row in out:
        row["created_at"] = row["created_at"].isoformat()
        row["detail"] = ", ".join(f"{k}={v}" for k, v in row["detail"].items())
    name = f"audit-{dt.datetime.now(dt.UTC):%Y%m%d}.csv"
    return StreamingResponse(csv_chunks(COLUMNS, out), media_type=MEDIA_TYPES["csv"],
                             headers={"Content-Disposition": f'attachment; filename="{name}"',
                                      "Cache-Control": "no-store"})
