"""Read the report tables: the summary, time series, heatmaps, breakdowns, the live panel and the conversations
behind a figure. Every function takes the shop and a range of its local days (both ends included)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from kefu.conversations.models import TEST_CHANNEL, Conversation, Customer
from kefu.db import utcnow
from kefu.knowledge.models import KnowledgePoint
from kefu.live import routing
from kefu.reports.models import ConversationFact, DailyRollup, HourlyMessages
from kefu.reports.rollup import COUNTERS
from kefu.tenants.models import User

BUCKETS = ("day", "week", "month")


@dataclass(frozen=True)
class Period:
    """A range of the shop's local days, both ends included."""

    start: dt.date
    end: dt.date


def _ratio(part: float, whole: float, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole else None


def _avg(total: float, n: int, digits: int = 1) -> float | None:
    return round(total / n, digits) if n else None


def sums(db: Session, tenant_id: int, period: Period, dim: str, *, by_day: bool = False
         ) -> dict[Any, dict[str, float]]:
    """Summed rollup counters per key (or per (day, key)) of one dimension over the period."""
    cols = [func.coalesce(func.sum(getattr(DailyRollup, c)), 0).label(c) for c in COUNTERS]
    group = [DailyRollup.day, DailyRollup.key] if by_day else [DailyRollup.key]
    rows = db.execute(select(*group, *cols).where(
        DailyRollup.tenant_id == tenant_id, DailyRollup.dim == dim,
        DailyRollup.day >= period.start, DailyRollup.day <= period.end).group_by(*group)).all()
    out = {}
    for row in rows:
        values = row._mapping
        key = (values["day"], values["key"]) if by_day else values["key"]
        out[key] = {c: values[c] for c in COUNTERS}
    return out


def figures(c: dict[str, float] | None) -> dict[str, Any]:
    """The rates and averages of one set of summed counters (the columns every breakdown table shows)."""
    c = c or {k: 0 for k in COUNTERS}
    n = int(c["conversations"])
    return {"conversations": n, "bot_resolved": int(c["bot_resolved"]), "handed_off": int(c["handed_off"]),
            "bot_resolution_rate": _ratio(c["bot_resolved"], n), "handoff_rate": _ratio(c["handed_off"], n),
            "customer_messages": int(c["customer_messages"]), "unanswered_messages": int(c["unanswered"]),
            "first_response_avg_seconds": _avg(c["frt_sum"], int(c["frt_n"])),
            "resolution_avg_seconds": _avg(c["res_sum"], int(c["res_n"])),
            "ratings": int(c["ratings"]), "rating_average": _avg(c["rating_sum"], int(c["ratings"]), 2),
            "satisfied_share": _ratio(c["satisfied"], c["ratings"])}


def _percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, -(-len(values) * q // 100))
    return values[int(rank) - 1]


def first_response(db: Session, tenant_id: int, period: Period) -> dict[str, float] | None:
    values = sorted(v for (v,) in db.execute(select(ConversationFact.first_response_seconds).where(
        ConversationFact.tenant_id == tenant_id, ConversationFact.day >= period.start,
        ConversationFact.day <= period.end, ConversationFact.first_response_seconds.is_not(None))))
    if not values:
        return None
    return {"p50": round(_percentile(values, 50), 1), "p90": round(_percentile(values, 90), 1),
            "avg": round(sum(values) / len(values), 1), "count": len(values)}


def message_sums(db: Session, tenant_id: int, period: Period) -> dict[str, int]:
    fields = ("customer", "bot", "agent", "system", "bot_turns", "unanswered")
    row = db.execute(select(*[func.coalesce(func.sum(getattr(HourlyMessages, f)), 0) for f in fields]).where(
        HourlyMessages.tenant_id == tenant_id, HourlyMessages.day >= period.start,
        HourlyMessages.day <= period.end)).one()
    return dict(zip(fields, (int(v) for v in row), strict=True))


def summary(db: Session, tenant_id: int, period: Period) -> dict[str, Any]:
    """The headline figures of a period (see docs/reports.md for each definition)."""
    c = sums(db, tenant_id, period, "all").get("") or {k: 0 for k in COUNTERS}
    msgs = message_sums(db, tenant_id, period)
    n = int(c["conversations"])
    ratings = int(c["ratings"])
    return {
        "from": period.start.isoformat(), "to": period.end.isoformat(),
        "conversations": n, "bot_resolved": int(c["bot_resolved"]), "handed_off": int(c["handed_off"]),
        "agent_replied": int(c["agent_replied"]),
        "bot_resolution_rate": _ratio(c["bot_resolved"], n), "handoff_rate": _ratio(c["handed_off"], n),
        "customer_messages": msgs["customer"], "bot_turns": msgs["bot_turns"],
        "unanswered_messages": msgs["unanswered"], "unanswered_rate": _ratio(msgs["unanswered"], msgs["bot_turns"]),
        "messages": {k: msgs[k] for k in ("customer", "bot", "agent", "system")},
        "first_response_seconds": first_response(db, tenant_id, period),
        "resolution_seconds": {"avg": _avg(c["res_sum"], int(c["res_n"])), "count": int(c["res_n"])}
        if c["res_n"] else None,
        "csat": {"responses": ratings, "average": _avg(c["rating_sum"], ratings, 2),
                 "satisfied_share": _ratio(c["satisfied"], ratings),
                 "response_rate": _ratio(ratings, c["closed"]), "closed": int(c["closed"])},
    }


def bucket_of(day: dt.date, bucket: str) -> dt.date:
    """The first day of the day's bucket: itself, its week's Monday, or its month's first."""
    if bucket == "week":
        return day - dt.timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def bucket_end(first: dt.date, bucket: str) -> dt.date:
    """The last day of the bucket that starts on first."""
    if bucket == "week":
        return first + dt.timedelta(days=6)
    if bucket == "month":
        return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return first


def _buckets(period: Period, bucket: str) -> list[dt.date]:
    out, day = [], bucket_of(period.start, bucket)
    while day <= period.end:
        out.append(day)
        day = bucket_end(day, bucket) + dt.timedelta(days=1)
    return out


def series(db: Session, tenant_id: int, period: Period, bucket: str) -> list[dict[str, Any]]:
    """One row per bucket of the period (empty buckets included): conversations, resolution, handoffs, CSAT,
    messages."""
    acc: dict[dt.date, dict[str, float]] = defaultdict(lambda: {k: 0 for k in COUNTERS})
    for (day, _key), c in sums(db, tenant_id, period, "all", by_day=True).items():
        row = acc[bucket_of(day, bucket)]
        for k in COUNTERS:
            row[k] += c[k]
    msgs: dict[dt.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, customer, unanswered, turns in db.execute(
            select(HourlyMessages.day, func.sum(HourlyMessages.customer), func.sum(HourlyMessages.unanswered),
                   func.sum(HourlyMessages.bot_turns))
            .where(HourlyMessages.tenant_id == tenant_id, HourlyMessages.day >= period.start,
                   HourlyMessages.day <= period.end).group_by(HourlyMessages.day)):
        m = msgs[bucket_of(day, bucket)]
        m["customer"] += int(customer or 0)
        m["unanswered"] += int(unanswered or 0)
        m["bot_turns"] += int(turns or 0)
    out = []
    for start in _buckets(period, bucket):
        row = {"bucket": start.isoformat(), **figures(acc.get(start))}
        m = msgs.get(start, {})
        row.update(customer_messages=m.get("customer", 0), unanswered_messages=m.get("unanswered", 0),
                   unanswered_rate=_ratio(m.get("unanswered", 0), m.get("bot_turns", 0)))
        out.append(row)
    return out


def heatmap(db: Session, tenant_id: int, period: Period) -> dict[str, Any]:
    """Conversations (by the local hour they started) and messages (by the hour each was sent), weekday × hour;
    rows are weekdays 0 (Monday) … 6, columns hours 0 … 23."""
    conversations = [[0] * 24 for _ in range(7)]
    for (day, key), c in sums(db, tenant_id, period, "hour", by_day=True).items():
        conversations[day.weekday()][int(key)] += int(c["conversations"])
    messages = [[0] * 24 for _ in range(7)]
    customer = [[0] * 24 for _ in range(7)]
    for day, hour, cust, bot, agent, system in db.execute(
            select(HourlyMessages.day, HourlyMessages.hour, HourlyMessages.customer, HourlyMessages.bot,
                   HourlyMessages.agent, HourlyMessages.system)
            .where(HourlyMessages.tenant_id == tenant_id, HourlyMessages.day >= period.start,
                   HourlyMessages.day <= period.end)):
        messages[day.weekday()][hour] += cust + bot + agent + system
        customer[day.weekday()][hour] += cust
    return {"conversations": conversations, "messages": messages, "customer_messages": customer}


def by_key(db: Session, tenant_id: int, period: Period, dim: str) -> list[dict[str, Any]]:
    """The figures per value of one dimension (channel, topic), busiest first."""
    rows = [{"key": key, **figures(c)} for key, c in sums(db, tenant_id, period, dim).items()]
    return sorted(rows, key=lambda r: (-r["conversations"], r["key"]))


def by_point(db: Session, tenant_id: int, period: Period) -> list[dict[str, Any]]:
    """Per knowledge point: hits, answered directly, offered in a clarification, then handed off, ratings."""
    data = sums(db, tenant_id, period, "point")
    ids = [int(k) for k in data if k.isdigit()]
    points = {}
    for i in range(0, len(ids), 500):
        points.update({p.id: p for p in db.execute(
            select(KnowledgePoint.id, KnowledgePoint.question, KnowledgePoint.category)
            .where(KnowledgePoint.tenant_id == tenant_id, KnowledgePoint.id.in_(ids[i:i + 500])))})
    out = []
    for key, c in data.items():
        point = points.get(int(key)) if key.isdigit() else None
        ratings = int(c["ratings"])
        out.append({"point_id": int(key) if key.isdigit() else None,
                    "question": point.question if point else None, "category": point.category if point else None,
                    "deleted": point is None, "conversations": int(c["conversations"]), "hits": int(c["hits"]),
                    "answered": int(c["answered"]), "clarified": int(c["clarified"]),
                    "handed_off_after": int(c["handed_after"]),
                    "handed_off_after_rate": _ratio(c["handed_after"], c["conversations"]),
                    "bot_resolved": int(c["bot_resolved"]), "ratings": ratings,
                    "rating_average": _avg(c["rating_sum"], ratings, 2),
                    "satisfied_share": _ratio(c["satisfied"], ratings)})
    return sorted(out, key=lambda r: (-r["hits"], r["point_id"] or 0))


def by_agent(db: Session, tenant_id: int, period: Period) -> list[dict[str, Any]]:
    """Per person: chats, first response, resolution time, CSAT, suggestions shown and used."""
    data = sums(db, tenant_id, period, "agent")
    users = {u.id: u for u in db.execute(select(User.id, User.name, User.email).where(User.tenant_id == tenant_id))}
    out = []
    for key, c in data.items():
        user = users.get(int(key)) if key.isdigit() else None
        ratings = int(c["ratings"])
        out.append({"user_id": int(key) if key.isdigit() else None, "name": user.name if user else None,
                    "chats": int(c["conversations"]), "handed_off_chats": int(c["handed_off"]),
                    "first_response_avg_seconds": _avg(c["frt_sum"], int(c["frt_n"])),
                    "resolution_avg_seconds": _avg(c["res_sum"], int(c["res_n"])), "closed": int(c["closed"]),
                    "ratings": ratings, "rating_average": _avg(c["rating_sum"], ratings, 2),
                    "satisfied_share": _ratio(c["satisfied"], ratings),
                    "suggestions_shown": int(c["shown"]), "suggestions_used": int(c["used"]),
                    "suggestion_use_rate": _ratio(c["used"], c["shown"])})
    return sorted(out, key=lambda r: (-r["chats"], r["user_id"] or 0))


def live(db: Session, tenant_id: int) -> dict[str, Any]:
    """Right now: customers waiting for a person, the longest wait, people available, chats open."""
    now = utcnow()
    counts = dict(db.execute(select(Conversation.status, func.count()).where(
        Conversation.tenant_id == tenant_id, Conversation.channel != TEST_CHANNEL,
        Conversation.status != "closed").group_by(Conversation.status)).all())
    oldest = db.scalar(select(func.min(Conversation.queued_at)).where(
        Conversation.tenant_id == tenant_id, Conversation.channel != TEST_CHANNEL, Conversation.status == "queued"))
    online = db.scalar(select(func.count()).select_from(User).where(
        User.tenant_id == tenant_id, User.status == "online")) or 0
    return {"waiting": counts.get("queued", 0), "with_agent": counts.get("with_agent", 0),
            "with_bot": counts.get("bot", 0),
            "longest_wait_seconds": round((now - oldest).total_seconds(), 1) if oldest else 0.0,
            "online_agents": online, "available_agents": routing.count_available(db, tenant_id=tenant_id),
            "at": now.isoformat()}


# --- the conversations behind a figure ----------------------------------------------------------------------

OUTCOMES = ("bot_resolved", "handed_off", "agent_replied", "unanswered", "rated", "satisfied", "unsatisfied",
            "came_back")


@dataclass
class Filters:
    """Which conversations of the period: every filter given must hold."""

    day: dt.date | None = None
    bucket: str = "day"
    channel: str | None = None
    topic: str | None = None
    agent_id: int | None = None
    point_id: int | None = None
    weekday: int | None = None
    hour: int | None = None
    outcome: str | None = None


def _conditions(tenant_id: int, period: Period, f: Filters) -> list:
    start, end = period.start, period.end
    if f.day is not None:  # one bar of a time series: its bucket, within the period
        first = bucket_of(f.day, f.bucket)
        start, end = max(start, first), min(end, bucket_end(first, f.bucket))
    F = ConversationFact
    cond = [F.tenant_id == tenant_id, F.day >= start, F.day <= end, F.engaged.is_(True)]
    if f.channel is not None:
        cond.append(F.channel == f.channel)
    if f.topic is not None:
        cond.append(F.topic == f.topic)
    if f.weekday is not None:
        cond.append(F.weekday == f.weekday)
    if f.hour is not None:
        cond.append(F.hour == f.hour)
    if f.agent_id is not None:
        # The agents column is a JSON object keyed by user id; its text names each as "<id>": [...].
        cond.append(cast(F.agents, String).like(f'%"{int(f.agent_id)}":%'))
    if f.point_id is not None:
        cond.append(cast(F.points, String).like(f'%"{int(f.point_id)}":%'))
    outcome = {"bot_resolved": F.bot_resolved.is_(True), "handed_off": F.handed_off.is_(True),
               "agent_replied": F.agent_replied.is_(True), "unanswered": F.unanswered > 0,
               "rated": F.rating.is_not(None), "satisfied": F.rating >= 4, "unsatisfied": F.rating < 4,
               "came_back": F.came_back.is_(True)}
    if f.outcome is not None:
        cond.append(outcome[f.outcome])
    return cond


def conversations(db: Session, tenant_id: int, period: Period, f: Filters, *, limit: int = 50,
                  offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """The conversations behind a figure, newest first, with the fields the list shows."""
    cond = _conditions(tenant_id, period, f)
    total = db.scalar(select(func.count()).select_from(ConversationFact).where(*cond)) or 0
    rows = db.execute(select(ConversationFact, Customer.name).join(
        Customer, Customer.id == ConversationFact.customer_id).where(*cond)
        .order_by(ConversationFact.created_at.desc(), ConversationFact.conversation_id.desc())
        .limit(limit).offset(offset)).all()
    return [fact_out(fact, name) for fact, name in rows], total


FACT_COLUMNS = ("conversation_id", "created_at", "day", "channel", "status", "customer_name", "customer_messages",
                "bot_resolved", "handed_off", "handoff_reason", "agent_replied", "first_agent_id",
                "first_response_seconds", "resolution_seconds", "unanswered", "came_back", "rating", "topic")


def fact_out(fact: ConversationFact, customer_name: str | None) -> dict[str, Any]:
    return {"conversation_id": fact.conversation_id, "created_at": fact.created_at.isoformat(),
            "day": fact.day.isoformat(), "channel": fact.channel, "status": fact.status,
            "customer_name": customer_name or "", "customer_messages": fact.customer_messages,
            "bot_resolved": fact.bot_resolved, "handed_off": fact.handed_off,
            "handoff_reason": fact.handoff_reason, "agent_replied": fact.agent_replied,
            "first_agent_id": fact.first_agent_id, "first_response_seconds": fact.first_response_seconds,
            "resolution_seconds": fact.resolution_seconds, "unanswered": fact.unanswered,
            "came_back": fact.came_back, "rating": fact.rating, "topic": fact.topic}


def all_facts(db: Session, tenant_id: int, period: Period, f: Filters):
    """Every conversation of the period matching the filters, oldest first, streamed (for the export)."""
    cond = _conditions(tenant_id, period, f)
    stmt = (select(ConversationFact, Customer.name).join(Customer, Customer.id == ConversationFact.customer_id)
            .where(*cond).order_by(ConversationFact.created_at, ConversationFact.conversation_id)
            .execution_options(yield_per=2000))
    for fact, name in db.execute(stmt):
        yield fact_out(fact, name)
