"""Report API for the shop's owner and admins (or its API key): figures, breakdowns, the conversations behind
them, CSV and Excel exports. Every call first brings the shop's rollups up to date (kefu.reports.rollup)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.access import Admin, DbDep, RuntimeDep
from kefu.audit.actions import record
from kefu.errors import KefuError
from kefu.infra.locks import LockBusy
from kefu.limits import MAX_ID
from kefu.reports import export, metrics, refresher
from kefu.reports.metrics import Filters, Period
from kefu.reports.rollup import behind, refresh, zone_name
from kefu.reports.schemas import ConversationPage, Heatmap, Live, Summary, Table
from kefu.runtime import Runtime
from kefu.tenants.models import Tenant

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DEFAULT_DAYS = 30
# A hundred years of months is still a small answer; days beyond ten years are not a chart anyone reads.
MAX_DAYS = 36_525
MAX_DAY_BUCKETS = 3_700
TABLES = ("summary", "series", "heatmap", "channels", "topics", "points", "agents", "conversations")

From = Query(None, alias="from", description="first local day, YYYY-MM-DD (default: 29 days before `to`)")
To = Query(None, alias="to", description="last local day, YYYY-MM-DD, included (default: today, shop time)")


class InvalidRange(KefuError):
    def __init__(self, message: str, code: str = "invalid_range") -> None:
        super().__init__(message, code=code, status=422)


def _date(value: str, name: str) -> dt.date:
    if not DATE.match(value):
        raise InvalidRange(f"{name} must be a date written YYYY-MM-DD, not {value[:40]!r}", code="invalid_date")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise InvalidRange(f"{name} is not a real date: {value}", code="invalid_date") from e


def _period(tenant: Tenant, start: str | None, end: str | None) -> Period:
    today = dt.datetime.now(ZoneInfo(zone_name(tenant))).date()
    last = _date(end, "to") if end is not None else today
    first = _date(start, "from") if start is not None else last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidRange(f"from ({first}) is after to ({last})")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidRange(f"a report covers at most {MAX_DAYS} days", code="range_too_long")
    return Period(first, last)


class ReportsBuilding(KefuError):
    """The shop's report tables are far behind: they are being built in the background."""

    headers = {"Retry-After": "30"}

    def __init__(self, message: str) -> None:
        super().__init__(message, code="reports_building", status=503)


def _building(runtime: Runtime, tenant_id: int, why: str) -> ReportsBuilding:
    refresher.build_in_background(runtime, tenant_id)
    return ReportsBuilding(f"{why}; they are being built in the background — try again in a minute "
                           f"(`kefu reports refresh` builds them ahead of time)")


def _ready(runtime: Runtime, db: Session, tenant_id: int) -> Tenant:
    """Bring the shop's rollups up to date (one refresh per shop at a time) and commit them; a shop far behind
    (more than reports_max_catch_up rows to read) is built in the background instead and the call answers 503."""
    limit = runtime.settings.reports_max_catch_up
    if behind(db, tenant_id=tenant_id, limit=limit) > limit:
        raise _building(runtime, tenant_id, f"this shop's report tables have more than {limit} messages and "
                                            f"events to catch up on")
    db.rollback()  # end the read: the refresh below must start from what is committed after the lock
    try:
        with runtime.locks.lock(refresher.lock_key(tenant_id), wait=refresher.REQUEST_WAIT):
            refresh(db, tenant_id=tenant_id)
            db.commit()
    except LockBusy:
        raise _building(runtime, tenant_id, "this shop's report tables are being refreshed") from None
    return db.get(Tenant, tenant_id)


def _head(tenant: Tenant, period: Period) -> dict[str, str]:
    return {"from": period.start.isoformat(), "to": period.end.isoformat(), "timezone": zone_name(tenant)}


def _check_bucket(period: Period, bucket: str) -> None:
    if bucket == "day" and (period.end - period.start).days + 1 > MAX_DAY_BUCKETS:
        raise InvalidRange(f"more than {MAX_DAY_BUCKETS} days: choose bucket=week or bucket=month",
                           code="too_many_buckets")


@router.get("/summary", response_model=Summary)
def summary(principal: Admin, db: DbDep, runtime: RuntimeDep, start: str | None = From,
            end: str | None = To) -> Summary:
    """Headline figures: conversations, bot-resolved, handed off, messages, unanswered, first response, CSAT."""
    tenant = _ready(runtime, db, principal.tenant_id)
    period = _period(tenant, start, end)
    return Summary(**{**metrics.summary(db, tenant.id, period), **_head(tenant, period)})


@router.get("/series", response_model=Table)
def series(principal: Admin, db: DbDep, runtime: RuntimeDep, start: str | None = From, end: str | None = To,
           bucket: Literal["day", "week", "month"] = Query("day")) -> Table:
    """The figures per day, week (from Monday) or month of the period, empty buckets included."""
    tenant = _ready(runtime, db, principal.tenant_id)
    period = _period(tenant, start, end)
    _check_bucket(period, bucket)
    return Table(**_head(tenant, period), rows=metrics.series(db, tenant.id, period, bucket))


@router.get("/heatmap", response_model=Heatmap)
def heatmap(principal: Admin, db: DbDep, runtime: RuntimeDep, start: str | None = From,
            end: str | None = To) -> Heatmap:
    """Conversations and messages by weekday and hour of the shop's day."""
    tenant = _ready(runtime, db, principal.tenant_id)
    period = _period(tenant, start, end)
    return Heatmap(**_head(tenant, period), **metrics.heatmap(db, tenant.id, period))


def _table(principal, db, runtime, start, end, rows_of) -> Table:
    tenant = _ready(runtime, db, principal.tenant_id)
    period = _period(tenant, start, end)
    return Table(**_head(tenant, period), rows=rows_of(db, tenant.id, period))


@router.get("/channels", response_model=Table)
def channels(principal: Admin, db: DbDep, runtime: RuntimeDep, start: str | None = From,
             end: str | None = To) -> Table:
    """The figures per channel (web widget, API)."""
    return _table(principal, db, runtime, start, end, lambda d, t, p: metrics.by_key(d, t, p, "channel"))


@router.get("/topics", response_model=Table)
def topics(principal: Admin, db: DbDep, runtime: RuntimeDep, start: str | None = From,
           end: str | None = To) -> Table:
    """The figures per intent: a self-service flow ("flow:<id>") or a knowledge category ("category:<name>")."""
    return _table(principal, db, runtime, start, end, lambda d, t, p: metrics.by_key(d, t, p, "topic"))


@router.get("/points", response_model=Table)
def points(principal: Admin, db: DbDep, runtime: RuntimeDep, start: str | None = From,
           end: str | None = To) -> Table:
    """Per knowledge point: hits, answered directly, offered to clarify, then handed off, ratings."""
    return _table(principal, db, runtime, start, end, metrics.by_point)


@router.get("/agents", response_model=Table)
def agents(principal: Admin, db: DbDep, runtime: RuntimeDep, start: str | None = From,
           end: str | None = To) -> Table:
    """Per person: chats, first response, resolution time, CSAT, suggested replies shown and used."""
    return _table(principal, db, runtime, start, end, metrics.by_agent)


@router.get("/live", response_model=Live)
def live(principal: Admin, db: DbDep) -> Live:
    """Right now: customers waiting, the longest wait, people online and available, chats open."""
    return Live(**metrics.live(db, principal.tenant_id))


def filters(
    day: str | None = Query(None, description="a bar of the time series: any day of its bucket"),
    bucket: Literal["day", "week", "month"] = Query("day"),
    channel: str | None = Query(None, max_length=16), topic: str | None = Query(None, max_length=80),
    agent_id: int | None = Query(None, ge=1, le=MAX_ID), point_id: int | None = Query(None, ge=1, le=MAX_ID),
    weekday: int | None = Query(None, ge=0, le=6, description="0 = Monday"),
    hour: int | None = Query(None, ge=0, le=23),
    outcome: Literal[metrics.OUTCOMES] | None = Query(None),  # type: ignore[valid-type]
) -> Filters:
    """Which conversations of the period (every filter given must hold); bucket also sets the series' buckets."""
    return Filters(day=_date(day, "day") if day else None, bucket=bucket, channel=channel, topic=topic,
                   agent_id=agent_id, point_id=point_id, weekday=weekday, hour=hour, outcome=outcome)


FilterDep = Annotated[Filters, Depends(filters)]


@router.get("/conversations", response_model=ConversationPage)
def conversations(principal: Admin, db: DbDep, runtime: RuntimeDep, f: FilterDep, start: str | None = From,
                  end: str | None = To, limit: int = Query(50, ge=1, le=500),
                  offset: int = Query(0, ge=0, le=MAX_ID)) -> ConversationPage:
    """The conversations behind a figure (a bar, a heatmap cell, a table row), newest first."""
    tenant = _ready(runtime, db, principal.tenant_id)
    period = _period(tenant, start, end)
    items, total = metrics.conversations(db, tenant.id, period, f, limit=limit, offset=offset)
    return ConversationPage(**_head(tenant, period), total=total, items=items)


def _rows(table: str, db: Session, tenant_id: int, period: Period, bucket: str
          ) -> tuple[list[str] | None, Iterable[dict[str, Any]] | None]:
    """The columns (None: every key of the rows) and rows of a table; rows None for the conversations, which
    are streamed from their own session."""
    if table == "summary":
        return None, [export.flatten(metrics.summary(db, tenant_id, period))]
    if table == "series":
        return None, metrics.series(db, tenant_id, period, bucket)
    if table == "heatmap":
        grid = metrics.heatmap(db, tenant_id, period)
        return None, [{"kind": kind, "weekday": w, **{f"h{h:02d}": grid[kind][w][h] for h in range(24)}}
                      for kind in ("conversations", "messages", "customer_messages") for w in range(7)]
    if table in ("channels", "topics"):
        return None, metrics.by_key(db, tenant_id, period, table[:-1])
    if table == "points":
        return None, metrics.by_point(db, tenant_id, period)
    if table == "agents":
        return None, metrics.by_agent(db, tenant_id, period)
    return list(metrics.FACT_COLUMNS), None


def _streamed_facts(runtime: Runtime, tenant_id: int, period: Period, f: Filters) -> Iterable[dict[str, Any]]:
    # The request's session is closed once the route returns, before a streamed body is read.
    with runtime.db.session() as db:
        yield from metrics.all_facts(db, tenant_id, period, f)


@router.get("/export", response_class=Response, responses={200: {
    "description": "The table as a file (an attachment).",
    "content": {"text/csv": {}, export.MEDIA_TYPES["xlsx"]: {}}}})
def export_table(principal: Admin, db: DbDep, runtime: RuntimeDep, f: FilterDep, start: str | None = From,
                 end: str | None = To,
                 table: Literal[TABLES] = Query("summary", description=", ".join(TABLES)),  # type: ignore[valid-type]
                 format: Literal["csv", "xlsx"] = Query("csv")) -> Response:
    """Download one report table as CSV or Excel; table=conversations is one row per conversation (the filters
    of /conversations apply)."""
    tenant = _ready(runtime, db, principal.tenant_id)
    period = _period(tenant, start, end)
    if table == "series":
        _check_bucket(period, f.bucket)
    columns, rows = _rows(table, db, tenant.id, period, f.bucket)
    if rows is None:
        rows = _streamed_facts(runtime, tenant.id, period, f)
    elif columns is None:
        rows = list(rows)
        columns = list(dict.fromkeys(k for r in rows for k in r)) or ["from", "to"]
    record(db, principal, "export.report", None, table=table, format=format, period=f"{period.start}/{period.end}")
    slug = db.scalar(select(Tenant.slug).where(Tenant.id == tenant.id))
    name = f"report-{slug}-{table}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    if format == "csv":
        return StreamingResponse(export.csv_chunks(columns, rows), media_type=export.MEDIA_TYPES["csv"],
                                 headers=headers)
    return Response(export.xlsx_bytes(table, columns, rows), media_type=export.MEDIA_TYPES["xlsx"],
                    headers=headers)
