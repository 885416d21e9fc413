"""Keep a shop's report tables up to date: read what is new in the event tables, recompute what it touched.

Messages, conversation events, ratings and suggestion events only ever grow. Each refresh reads the rows past the
shop's watermarks, adds messages and bot turns to the hourly sums (they never change once written), recomputes the
fact row of every conversation they touched (plus the same customer's conversations of the 24 h before, whose
"came back" depends on it), and rebuilds the daily rollups of the days those conversations belong to.

A row can commit after a row with a higher id (PostgreSQL, concurrent transactions), so the watermark stays
SETTLE seconds behind and the ids already counted above it are remembered: nothing is missed, nothing is counted
twice. Definitions are in docs/reports.md.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kefu.conversations.models import TEST_CHANNEL, Conversation, ConversationEvent, Message
from kefu.db import utcnow
from kefu.knowledge.models import KnowledgePoint
from kefu.live.models import Rating, SuggestionEvent
from kefu.reports.models import ConversationFact, DailyRollup, HourlyMessages, ReportState
from kefu.tenants.models import Tenant

DEFAULT_ZONE = "Asia/Shanghai"
CAME_BACK = dt.timedelta(hours=24)
# Rows younger than this may still be joined by rows with lower ids committed later; remember them by id.
SETTLE = dt.timedelta(seconds=60)
BATCH = 20_000
CHUNK = 500
SATISFIED = 4  # ratings of 4 and 5 count as satisfied
# Bot turns in which the bot did not understand the customer.
UNANSWERED_OUTCOMES = ("fallback",)
SERVED_OUTCOMES = ("answer", "flow")
COUNTERS = ("conversations", "bot_resolved", "handed_off", "agent_replied", "closed", "customer_messages",
            "unanswered", "frt_n", "frt_sum", "res_n", "res_sum", "ratings", "rating_sum", "satisfied", "hits",
            "answered", "clarified", "handed_after", "shown", "used")


def zone_name(tenant: Tenant) -> str:
    """The shop's time zone: its own setting, else the one of its service hours, else China's."""
    for name in (getattr(tenant, "timezone", None), (tenant.service_hours or {}).get("timezone"), DEFAULT_ZONE):
        if name:
            try:
                ZoneInfo(name)
                return name
            except (KeyError, ValueError):
                continue
    return DEFAULT_ZONE


def is_unanswered(turn: dict[str, Any]) -> bool:
    """A bot turn that did not understand: a fallback, or the fallback that handed the customer over."""
    return turn.get("outcome") in UNANSWERED_OUTCOMES or (
        turn.get("outcome") == "handoff" and turn.get("handoff") == "not_understood")


def _local(when: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return when.astimezone(zone)


def wipe(db: Session, tenant_id: int) -> None:
    """Forget every report row of a shop (the next refresh rebuilds them)."""
    for table in (ConversationFact, DailyRollup, HourlyMessages, ReportState):
        db.execute(delete(table).where(table.tenant_id == tenant_id))


def _state(db: Session, tenant_id: int, zone: str) -> ReportState:
    state = db.scalar(select(ReportState).where(ReportState.tenant_id == tenant_id).with_for_update())
    if state is not None and state.timezone != zone:  # days and hours are cut differently now: start over
        wipe(db, tenant_id)
        db.flush()
        state = None
    if state is None:
        state = ReportState(tenant_id=tenant_id, timezone=zone, message_id=0, event_id=0, rating_id=0,
                            suggestion_id=0, recent={})
        try:
            with db.begin_nested():
                db.add(state)
                db.flush()
        except IntegrityError:  # another process created it first
            state = db.scalar(select(ReportState).where(ReportState.tenant_id == tenant_id).with_for_update())
    return state


class _Reader:
    """Reads one growing table past a watermark, remembering the ids it saw that have not settled yet."""

    def __init__(self, state: ReportState, name: str, now: dt.datetime) -> None:
        self.state, self.name = state, name
        self.cutoff = now - SETTLE
        self.seen = set((state.recent or {}).get(name, []))
        self.mark = getattr(state, f"{name}_id")
        self.settled = self.mark
        self.young: set[int] = set()

    def take(self, rows: list) -> list:
        """The rows not counted before; rows are (id, …, created_at) ordered by id."""
        fresh = []
        for row in rows:
            ident, created = row[0], row[-1]
            if created <= self.cutoff and not self.young:
                self.settled = ident
            else:
                self.young.add(ident)
            if ident not in self.seen:
                fresh.append(row)
        return fresh

    def save(self) -> None:
        setattr(self.state, f"{self.name}_id", self.settled)
        recent = dict(self.state.recent or {})
        recent[self.name] = sorted(i for i in self.young | self.seen if i > self.settled)
        self.state.recent = recent


def _read(db: Session, reader: _Reader, stmt_for) -> Iterable[list]:
    """Yield batches of unseen rows past the reader's watermark (stmt_for(after) selects rows ordered by id)."""
    after = reader.mark
    while True:
        rows = db.execute(stmt_for(after).limit(BATCH)).all()
        if not rows:
            return
        yield reader.take(rows)
        after = rows[-1][0]
        if len(rows) < BATCH:
            return


def refresh(db: Session, *, tenant_id: int, now: dt.datetime | None = None) -> int:
    """Bring one shop's report tables up to date; return how many conversations were recomputed."""
    now = now or utcnow()
    tenant = db.get(Tenant, tenant_id)
    if tenant is None:
        return 0
    zone_id = zone_name(tenant)
    state = _state(db, tenant_id, zone_id)
    zone = ZoneInfo(zone_id)
    dirty: set[int] = set()
    hourly: dict[tuple[dt.date, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def bucket(when: dt.datetime) -> dict[str, int]:
        local = _local(when, zone)
        return hourly[(local.date(), local.hour)]

    messages = _Reader(state, "message", now)
    for rows in _read(db, messages, lambda after: select(
            Message.id, Message.conversation_id, Message.sender, Message.created_at)
            .where(Message.tenant_id == tenant_id, Message.id > after).order_by(Message.id)):
        tests = _tests(db, {r[1] for r in rows})
        for _id, conv_id, sender, created in rows:
            if conv_id in tests:
                continue
            dirty.add(conv_id)
            bucket(created)[sender] += 1
    events = _Reader(state, "event", now)
    for rows in _read(db, events, lambda after: select(
            ConversationEvent.id, ConversationEvent.conversation_id, ConversationEvent.kind, ConversationEvent.data,
            ConversationEvent.created_at)
            .where(ConversationEvent.tenant_id == tenant_id, ConversationEvent.id > after)
            .order_by(ConversationEvent.id)):
        tests = _tests(db, {r[1] for r in rows})
        for _id, conv_id, kind, data, created in rows:
            if conv_id in tests:
                continue
            dirty.add(conv_id)
            if kind == "bot_turn":
                counts = bucket(created)
                counts["bot_turns"] += 1
                counts["unanswered"] += is_unanswered(data or {})
    for name, model in (("rating", Rating), ("suggestion", SuggestionEvent)):
        reader = _Reader(state, name, now)
        for rows in _read(db, reader, lambda after, m=model: select(m.id, m.conversation_id, m.created_at)
                          .where(m.tenant_id == tenant_id, m.id > after).order_by(m.id)):
            dirty.update(conv_id for _id, conv_id, _c in rows)
        reader.save()
    messages.save()
    events.save()
    _add_hourly(db, tenant_id, hourly)
    days = recompute(db, tenant_id=tenant_id, conversation_ids=dirty, zone=zone)
    rebuild_days(db, tenant_id=tenant_id, days=days)
    state.refreshed_at = now
    db.flush()
    return len(dirty)


def _tests(db: Session, conversation_ids: set[int]) -> set[int]:
    """Which of these conversations are the console's try-the-bot chats (never counted)."""
    ids = sorted(conversation_ids)
    out: set[int] = set()
    for i in range(0, len(ids), CHUNK):
        out.update(db.scalars(select(Conversation.id).where(Conversation.id.in_(ids[i:i + CHUNK]),
                                                            Conversation.channel == TEST_CHANNEL)))
    return out


def _add_hourly(db: Session, tenant_id: int, hourly: dict[tuple[dt.date, int], dict[str, int]]) -> None:
    if not hourly:
        return
    fields = ("customer", "bot", "agent", "system", "bot_turns", "unanswered")
    days = sorted({d for d, _ in hourly})
    existing = {}
    for i in range(0, len(days), CHUNK):
        for row in db.scalars(select(HourlyMessages).where(HourlyMessages.tenant_id == tenant_id,
                                                           HourlyMessages.day.in_(days[i:i + CHUNK]))):
            existing[(row.day, row.hour)] = row
    new = []
    for (day, hour), counts in hourly.items():
        row = existing.get((day, hour))
        if row is None:
            new.append({"tenant_id": tenant_id, "day": day, "hour": hour, **{f: counts.get(f, 0) for f in fields}})
        else:
            for f in fields:
                setattr(row, f, getattr(row, f) + counts.get(f, 0))
    if new:
        db.execute(insert(HourlyMessages), new)


# --- one conversation's facts --------------------------------------------------------------------------

def _categories(db: Session, tenant_id: int) -> dict[int, str]:
    return dict(db.execute(select(KnowledgePoint.id, KnowledgePoint.category)
                           .where(KnowledgePoint.tenant_id == tenant_id)).all())


def _fact(conv: Conversation, msgs: list, events: list, rating: int | None, suggestions: list,
          categories: dict[int, str], zone: ZoneInfo) -> dict[str, Any]:
    """The fact row of one conversation from its messages, events, rating and suggestion events."""
    local = _local(conv.created_at, zone)
    f: dict[str, Any] = {
        "conversation_id": conv.id, "tenant_id": conv.tenant_id, "customer_id": conv.customer_id,
        "channel": conv.channel, "locale": conv.locale, "status": conv.status, "created_at": conv.created_at,
        "closed_at": conv.closed_at if conv.status == "closed" else None, "day": local.date(), "hour": local.hour,
        "weekday": local.weekday(), "disposition": conv.disposition, "rating": rating, "came_back": False}
    count = defaultdict(int)
    agents: dict[str, list[int]] = {}
    first_customer = None
    agent_times: list[tuple[dt.datetime, int | None]] = []
    customer_times: list[dt.datetime] = []
    last_at = conv.created_at
    for sender, user_id, created in msgs:
        count[sender] += 1
        last_at = max(last_at, created)
        if sender == "customer":
            customer_times.append(created)
            first_customer = first_customer or created
        elif sender == "agent":
            agent_times.append((created, user_id))
            if user_id is not None:
                agents.setdefault(str(user_id), [1, 0, 0])
    f.update(last_at=last_at, customer_messages=count["customer"], bot_messages=count["bot"],
             agent_messages=count["agent"], engaged=count["customer"] > 0, agent_replied=bool(agent_times))
    handoff_at = handoff_reason = None
    points: dict[str, list[int]] = {}
    first_use: dict[str, dt.datetime] = {}
    flows: list[str] = []
    topic = ""
    turns = unanswered = 0
    last_outcome = None
    served = False
    for kind, data, created in events:
        data = data or {}
        if kind in ("handoff", "handoff_unavailable") and not data.get("soft") and handoff_at is None:
            handoff_at, handoff_reason = created, (data.get("reason") or "")[:32]
        if kind != "bot_turn":
            continue
        turns += 1
        outcome = data.get("outcome")
        unanswered += is_unanswered(data)
        last_outcome = "unanswered" if is_unanswered(data) else outcome
        served = served or outcome in SERVED_OUTCOMES
        flow = data.get("flow")
        if flow and flow not in flows:
            flows.append(flow)
            topic = topic or "flow:" + flow
        used = [(str(p), 1) for p in data.get("points") or []]
        if outcome == "clarify":
            used += [(str(c[0]), 2) for c in data.get("candidates") or [] if c]
        for pid, how in used:
            row = points.setdefault(pid, [0, 0, 0, 0])
            row[0] += 1
            row[how] += 1
            first_use.setdefault(pid, created)
            if not topic and how == 1:
                topic = "category:" + categories.get(int(pid), "").split("/")[0] if pid.isdigit() else ""
    for pid, when in first_use.items():
        points[pid][3] = int(handoff_at is not None and handoff_at >= when)
    for kind, user_id in suggestions:
        if user_id is None:
            continue
        row = agents.setdefault(str(user_id), [0, 0, 0])
        row[1 if kind == "shown" else 2] += 1
    first_response = resolution = None
    if agent_times:
        first_at, first_id = agent_times[0]
        after = [(t, u) for t, u in agent_times if handoff_at is not None and t >= handoff_at]
        if after:
            first_at, first_id = after[0]
            start = handoff_at
        else:
            asked = [t for t in customer_times if t <= first_at]
            start = asked[-1] if asked else conv.created_at
        first_response = max(0.0, (first_at - start).total_seconds()) if customer_times else None
        f["first_agent_id"] = first_id
        f["last_agent_id"] = agent_times[-1][1]
        if f["closed_at"] is not None:
            resolution = max(0.0, (f["closed_at"] - (handoff_at or first_customer or conv.created_at)).total_seconds())
    else:
        f["first_agent_id"] = f["last_agent_id"] = None
    f.update(bot_turns=turns, unanswered=unanswered, handed_off=handoff_at is not None, handoff_at=handoff_at,
             handoff_reason=handoff_reason, first_response_seconds=first_response, resolution_seconds=resolution,
             topic=topic[:80], points=points, flows=flows, agents=agents,
             # Provisional: _came_back may still take it away (and a rating of 4-5 keeps it).
             bot_resolved=bool(f["engaged"] and not agent_times and handoff_at is None and served
                               and last_outcome not in ("unanswered", "handoff")))
    f["_served"] = f["bot_resolved"]
    return f


def recompute(db: Session, *, tenant_id: int, conversation_ids: Iterable[int], zone: ZoneInfo) -> set[dt.date]:
    """Recompute the fact rows of these conversations, and of the same customers' conversations of the 24 h
    before (whose "came back" a new one may change); return the days whose rollups are now stale."""
    ids = set(conversation_ids)
    if not ids:
        return set()
    categories = _categories(db, tenant_id)
    facts = _compute(db, tenant_id, sorted(ids), categories, zone)
    earlier = _earlier_ids(db, tenant_id, facts) - ids
    facts += _compute(db, tenant_id, sorted(earlier), categories, zone)
    _came_back(db, tenant_id, facts)
    _save_facts(db, facts)
    return {f["day"] for f in facts}


def _compute(db: Session, tenant_id: int, ids: list[int], categories: dict[int, str],
             zone: ZoneInfo) -> list[dict[str, Any]]:
    facts: list[dict[str, Any]] = []
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        convs = list(db.scalars(select(Conversation).where(Conversation.tenant_id == tenant_id,
                                                           Conversation.id.in_(chunk))))
        msgs = defaultdict(list)
        for conv_id, sender, user_id, created in db.execute(
                select(Message.conversation_id, Message.sender, Message.sender_user_id, Message.created_at)
                .where(Message.conversation_id.in_(chunk)).order_by(Message.id)):
            msgs[conv_id].append((sender, user_id, created))
        events = defaultdict(list)
        for conv_id, kind, data, created in db.execute(
                select(ConversationEvent.conversation_id, ConversationEvent.kind, ConversationEvent.data,
                       ConversationEvent.created_at)
                .where(ConversationEvent.conversation_id.in_(chunk)).order_by(ConversationEvent.id)):
            events[conv_id].append((kind, data, created))
        ratings = dict(db.execute(select(Rating.conversation_id, Rating.score)
                                  .where(Rating.conversation_id.in_(chunk))).all())
        suggestions = defaultdict(list)
        for conv_id, kind, user_id in db.execute(
                select(SuggestionEvent.conversation_id, SuggestionEvent.kind, SuggestionEvent.user_id)
                .where(SuggestionEvent.conversation_id.in_(chunk))):
            suggestions[conv_id].append((kind, user_id))
        for conv in convs:
            if conv.channel != TEST_CHANNEL:
                facts.append(_fact(conv, msgs[conv.id], events[conv.id], ratings.get(conv.id),
                                   suggestions[conv.id], categories, zone))
    return facts


def _earlier_ids(db: Session, tenant_id: int, facts: list[dict[str, Any]]) -> set[int]:
    """The stored conversations of the same customers that ended within 24 h before one of these began."""
    first: dict[int, dt.datetime] = {}
    for f in facts:
        first[f["customer_id"]] = min(first.get(f["customer_id"], f["created_at"]), f["created_at"])
    customers = sorted(first)
    out: set[int] = set()
    for i in range(0, len(customers), CHUNK):
        chunk = customers[i:i + CHUNK]
        since = min(first[c] for c in chunk) - CAME_BACK
        for conv_id, customer_id, last_at in db.execute(
                select(ConversationFact.conversation_id, ConversationFact.customer_id, ConversationFact.last_at)
                .where(ConversationFact.tenant_id == tenant_id, ConversationFact.customer_id.in_(chunk),
                       ConversationFact.last_at >= since)):
            if last_at >= first[customer_id] - CAME_BACK:
                out.add(conv_id)
    return out


_FACT_COLUMNS = [c.name for c in ConversationFact.__table__.columns]


def _as_dict(row: ConversationFact) -> dict[str, Any]:
    return {c: getattr(row, c) for c in _FACT_COLUMNS}


def same_need(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether conversation b is about what a was: the same topic, a knowledge point or a flow in common."""
    answered = {p for p, row in (a["points"] or {}).items() if row[1]}
    return bool((a["topic"] and a["topic"] == b["topic"]) or answered & set(b["points"] or {})
                or set(a["flows"] or []) & set(b["flows"] or []))


def _came_back(db: Session, tenant_id: int, facts: list[dict[str, Any]]) -> None:
    """Mark the facts whose customer came back with the same need (or to a person) within 24 h; settle
    bot_resolved: served by the bot alone, and not came back unless the customer rated it 4-5."""
    by_customer: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for f in facts:
        by_customer[f["customer_id"]].append(f)
    known = {f["conversation_id"] for f in facts}
    customers = sorted(by_customer)
    for i in range(0, len(customers), CHUNK):
        chunk = customers[i:i + CHUNK]
        since = min(f["created_at"] for c in chunk for f in by_customer[c])
        for row in db.scalars(select(ConversationFact).where(
                ConversationFact.tenant_id == tenant_id, ConversationFact.customer_id.in_(chunk),
                ConversationFact.created_at > since)):
            if row.conversation_id not in known:
                by_customer[row.customer_id].append(_as_dict(row))
    for group in by_customer.values():
        group.sort(key=lambda f: (f["created_at"], f["conversation_id"]))
        for n, f in enumerate(group):
            if f["conversation_id"] not in known:
                continue
            later = [g for g in group[n + 1:] if g["engaged"] and g["created_at"] <= f["last_at"] + CAME_BACK
                     and g["created_at"] >= f["created_at"]]
            f["came_back"] = any(g["handed_off"] or g["agent_replied"] or same_need(f, g) for g in later)
            f["bot_resolved"] = bool(f["_served"] and (not f["came_back"] or (f["rating"] or 0) >= SATISFIED))


def _save_facts(db: Session, facts: list[dict[str, Any]]) -> None:
    rows = [{c: f[c] for c in _FACT_COLUMNS} for f in facts]
    if not rows:
        return
    ids = [r["conversation_id"] for r in rows]
    for i in range(0, len(ids), CHUNK):
        db.execute(delete(ConversationFact).where(ConversationFact.conversation_id.in_(ids[i:i + CHUNK])))
    db.execute(insert(ConversationFact), rows)


# --- daily rollups ---------------------------------------------------------------------------------------

def _add(acc: dict[str, float], **values: float) -> None:
    for k, v in values.items():
        acc[k] = acc.get(k, 0) + v


def _base(f: ConversationFact) -> dict[str, float]:
    rated = f.rating is not None
    return {"conversations": 1, "bot_resolved": int(f.bot_resolved), "handed_off": int(f.handed_off),
            "agent_replied": int(f.agent_replied), "closed": int(f.status == "closed"),
            "customer_messages": f.customer_messages, "unanswered": f.unanswered,
            "frt_n": int(f.first_response_seconds is not None), "frt_sum": f.first_response_seconds or 0.0,
            "res_n": int(f.resolution_seconds is not None), "res_sum": f.resolution_seconds or 0.0,
            "ratings": int(rated), "rating_sum": f.rating or 0, "satisfied": int(rated and f.rating >= SATISFIED)}


def rollup_rows(tenant_id: int, facts: Iterable[ConversationFact]) -> list[dict[str, Any]]:
    """The daily rollup rows (all dimensions) of these facts; engaged conversations only."""
    acc: dict[tuple[dt.date, str, str], dict[str, float]] = defaultdict(dict)
    for f in facts:
        if not f.engaged:
            continue
        base = _base(f)
        for dim, key in (("all", ""), ("channel", f.channel), ("topic", f.topic), ("hour", str(f.hour))):
            _add(acc[(f.day, dim, key)], **base)
        for uid, (chats, shown, used) in (f.agents or {}).items():
            row = acc[(f.day, "agent", uid)]
            _add(row, conversations=chats, shown=shown, used=used,
                 agent_replied=chats, handed_off=int(chats and f.handed_off))
            if str(f.first_agent_id) == uid:
                _add(row, frt_n=base["frt_n"], frt_sum=base["frt_sum"])
            if str(f.last_agent_id) == uid:
                _add(row, res_n=base["res_n"], res_sum=base["res_sum"], ratings=base["ratings"],
                     rating_sum=base["rating_sum"], satisfied=base["satisfied"], closed=base["closed"])
        for pid, (hits, answered, clarified, after) in (f.points or {}).items():
            _add(acc[(f.day, "point", pid)], conversations=1, hits=hits, answered=answered, clarified=clarified,
                 handed_after=after, bot_resolved=base["bot_resolved"], ratings=base["ratings"],
                 rating_sum=base["rating_sum"], satisfied=base["satisfied"])
    return [{"tenant_id": tenant_id, "day": day, "dim": dim, "key": key,
             **{c: (v.get(c, 0) if c.endswith("_sum") and c != "rating_sum" else int(v.get(c, 0)))
                for c in COUNTERS}}
            for (day, dim, key), v in acc.items()]


def rebuild_days(db: Session, *, tenant_id: int, days: Iterable[dt.date]) -> None:
    """Replace the rollup rows of these days with sums of their current facts."""
    days = sorted(set(days))
    for i in range(0, len(days), 31):
        chunk = days[i:i + 31]
        db.execute(delete(DailyRollup).where(DailyRollup.tenant_id == tenant_id, DailyRollup.day.in_(chunk)))
        facts = db.scalars(select(ConversationFact).where(ConversationFact.tenant_id == tenant_id,
                                                          ConversationFact.day.in_(chunk)))
        rows = rollup_rows(tenant_id, facts)
        if rows:
            db.execute(insert(DailyRollup), rows)
