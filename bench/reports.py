"""Time the reports over a year of a busy shop: ≥ 1M generated messages, the rollups built, then each report.

    python -m bench.reports [--conversations 110000] [--database sqlite|postgresql] [--keep PATH]

A year of one shop is written straight into a fresh database (seeded, reproducible): conversations spread over 365
days with a daytime peak, customers who come back, bot answers over 300 knowledge points, clarifications,
fallbacks, self-service flows, handoffs answered by 20 agents, closes, ratings and suggestion use, with the
messages, bot_turn events, handoff events, ratings and suggestion events kefu records. Then:

1. the first refresh, which builds every fact and rollup from the event tables (a one-off after the migration);
2. a refresh after one more hour of traffic (what the report calls pay when a shop is busy);
3. a refresh with nothing new;
4. each report endpoint over the whole year through the HTTP API (refresh included), five times, median and worst;
5. the one-row-per-conversation export of the whole year (CSV).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from kefu.config import Settings
from kefu.conversations.models import Conversation, ConversationEvent, Customer, Message
from kefu.knowledge.models import KnowledgePoint
from kefu.live.models import Rating, SuggestionEvent
from kefu.migrate import upgrade
from kefu.reports.rollup import refresh
from kefu.runtime import Runtime
from kefu.tenants.actions import do_create_api_key, do_create_tenant, do_create_user
from kefu.web.app import create_app

# The year ends yesterday (Shanghai midnights): every row is in the past, as in a real shop.
TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
START = dt.datetime.combine(TODAY - dt.timedelta(days=365), dt.time(), ZoneInfo("Asia/Shanghai")).astimezone(dt.UTC)
HOURS = [1, 1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 13, 14, 14, 13, 12, 12, 14, 16, 14, 8, 3]
CATEGORIES = ["售前", "售后/退货", "售后/换货", "物流", "支付", "会员", "优惠"]
FLOWS = ["track_parcel", "return_refund", "cancel_order", "change_address"]


class Writer:
    """Buffers rows per table and writes them in large batches, parents first, with explicit ids."""

    def __init__(self, db) -> None:
        self.db = db
        self.rows: dict[type, list[dict]] = {m: [] for m in (Customer, Conversation, Message, ConversationEvent,
                                                              Rating, SuggestionEvent)}
        self.ids = {m: db.scalar(select(func.coalesce(func.max(m.id), 0))) for m in self.rows}

    def next_id(self, model) -> int:
        self.ids[model] += 1
        return self.ids[model]

    def add(self, model, **row) -> int:
        row.setdefault("id", self.next_id(model))
        self.rows[model].append(row)
        return row["id"]

    def flush(self, at_least: int = 0) -> None:
        if sum(len(r) for r in self.rows.values()) < at_least:
            return
        for model, rows in self.rows.items():
            if rows:
                self.db.execute(insert(model), rows)
                rows.clear()


class Story:
    """One generated conversation: its clock, and the rows it leaves."""

    def __init__(self, w: Writer, rnd: random.Random, tenant_id: int, at: dt.datetime) -> None:
        self.w, self.rnd, self.tenant_id, self.t = w, rnd, tenant_id, at
        self.id = w.next_id(Conversation)

    def event(self, kind: str, **data) -> None:
        self.w.add(ConversationEvent, tenant_id=self.tenant_id, conversation_id=self.id, kind=kind, data=data,
                   created_at=self.t)

    def say(self, sender: str, user: int | None = None, gap: float = 20.0) -> int:
        self.t += dt.timedelta(seconds=self.rnd.random() * gap + 2)
        return self.w.add(Message, tenant_id=self.tenant_id, conversation_id=self.id, sender=sender,
                          sender_user_id=user, sender_name="", text="…", payload=None, created_at=self.t)

    def turn(self, outcome: str, pts=(), flow: str | None = None, handoff: str | None = None) -> None:
        mid = self.say("customer", gap=60)
        self.event("bot_turn", message_id=mid, outcome=outcome, locale="zh", button=False, emotion="neutral",
                   points=list(pts), candidates=[[p, 0.8] for p in pts], flow=flow,
                   flow_status="asking" if flow else None, handoff=handoff, status="bot")
        self.say("bot", gap=1)


def generate(db, tenant_id: int, n: int, agents: list[int], points: list[int], seed: int = 7,
             start: dt.datetime = START, days: float = 365) -> None:
    """Write n conversations spread over `days` from start."""
    rnd = random.Random(seed)
    w = Writer(db)
    customers = [w.add(Customer, tenant_id=tenant_id, external_id=f"c{seed}-{i}", name=f"客户{i}", tags=[],
                       created_at=start, last_seen_at=start) for i in range(max(1, n // 2))]
    w.flush()
    for _ in range(n):
        at = start + dt.timedelta(days=int(rnd.random() * days), hours=rnd.choices(range(24), HOURS)[0],
                                  minutes=rnd.random() * 60)
        kind = rnd.choices(["bot", "fallback", "flow", "handoff"], [58, 8, 9, 25])[0]
        c = Story(w, rnd, tenant_id, at)
        c.event("opened")
        c.say("bot", gap=1)  # the greeting
        for _ in range(rnd.randint(2, 4)):
            r = rnd.random()
            if kind == "fallback" and r < 0.6:
                c.turn("fallback")
            elif kind == "flow" and r < 0.7:
                c.turn("flow", flow=rnd.choice(FLOWS))
            elif r < 0.12:
                c.turn("clarify", pts=tuple(rnd.sample(points, 3)))
            else:
                c.turn("answer", pts=(rnd.choice(points[:60]) if rnd.random() < 0.7 else rnd.choice(points),))
        agent = None
        if kind == "handoff":
            c.turn("handoff", handoff="customer_asked")
            c.event("handoff", reason="customer_asked")
            agent = rnd.choice(agents)
            c.t += dt.timedelta(seconds=rnd.expovariate(1 / 90))
            c.event("assigned", user_id=agent)
            for used in (False, True) if rnd.random() < 0.4 else (False,):
                w.add(SuggestionEvent, tenant_id=tenant_id, conversation_id=c.id, user_id=agent,
                      kind="used" if used else "shown", source="knowledge", ref="", edited=False, created_at=c.t)
            for _ in range(rnd.randint(2, 4)):
                c.say("agent", user=agent, gap=60)
                c.say("customer", gap=60)
        c.t += dt.timedelta(minutes=rnd.random() * 30)
        c.say("system", gap=1)
        c.event("status", to="closed")
        w.add(Conversation, id=c.id, tenant_id=tenant_id, customer_id=rnd.choice(customers),
              channel=rnd.choice(["web", "web", "api"]), status="closed", locale="zh", created_at=at,
              updated_at=c.t, closed_at=c.t, bot_state={}, priority=0)
        if rnd.random() < 0.3:
            w.add(Rating, tenant_id=tenant_id, conversation_id=c.id, comment="", agent_id=agent, created_at=c.t,
                  score=rnd.choices([1, 2, 3, 4, 5], [5, 5, 10, 30, 50])[0])
        w.flush(at_least=50_000)
    w.flush()


def timed(fn, repeat: int = 1) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), max(runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conversations", type=int, default=110_000)
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--keep", help="write the SQLite file here (default: a temporary directory)")
    args = ap.parse_args()
    if args.database == "sqlite":
        path = Path(args.keep) if args.keep else Path(tempfile.mkdtemp()) / "reports.db"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = args.postgres_url
    upgrade(url)
    rt = Runtime(Settings(database_url=url, redis_url=None))
    with rt.db.session() as db:
        tenant = do_create_tenant(db, name="Busy shop", slug="busy-shop")
        tenant_id = tenant.id
        agents = [do_create_user(db, tenant_id=tenant_id, email=f"a{i}@busy.test", name=f"客服{i}", role="agent",
                                 password="correct horse battery").id for i in range(20)]
        _key, secret = do_create_api_key(db, tenant_id=tenant_id, name="bench")
        pts = [KnowledgePoint(tenant_id=tenant_id, category=CATEGORIES[i % len(CATEGORIES)], question=f"问题{i}",
                              answer="答") for i in range(300)]
        db.add_all(pts)
        db.flush()
        points = [p.id for p in pts]
    t0 = time.perf_counter()
    with rt.db.session() as db:
        generate(db, tenant_id, args.conversations, agents, points)
    with rt.db.session() as db:
        counts = {m.__tablename__: db.scalar(select(func.count()).select_from(m)) for m in
                  (Conversation, Message, ConversationEvent, Rating, SuggestionEvent)}
    print(f"database={args.database} generated in {time.perf_counter() - t0:.0f} s: {counts}")

    def build():
        with rt.db.session() as db:
            refresh(db, tenant_id=tenant_id)
    print(f"first refresh (builds everything): {timed(build)[0]:.1f} s")
    with rt.db.session() as db:
        generate(db, tenant_id, 30, agents, points, seed=8,
                 start=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2), days=1 / 24)
    print(f"refresh after one more busy hour (30 conversations): {timed(build)[0] * 1000:.0f} ms")
    print(f"refresh with nothing new: {timed(build, 5)[0] * 1000:.1f} ms (median of 5)")

    client = TestClient(create_app(rt))
    headers = {"Authorization": f"Bearer {secret}"}
    year = {"from": (TODAY - dt.timedelta(days=365)).isoformat(), "to": TODAY.isoformat()}
    calls = [("summary", {}), ("series", {"bucket": "day"}), ("series", {"bucket": "week"}),
             ("series", {"bucket": "month"}), ("heatmap", {}), ("channels", {}), ("topics", {}), ("points", {}),
             ("agents", {}), ("conversations", {"weekday": 2, "hour": 10}),
             ("conversations", {"point_id": points[0]}), ("conversations", {"outcome": "handed_off"}),
             ("export", {"table": "points", "format": "xlsx"})]
    print("report over the whole year (HTTP, refresh included), median / worst of 5:")
    for name, params in calls:
        def call(name=name, params=params):
            r = client.get(f"/api/v1/reports/{name}", params={**year, **params}, headers=headers)
            assert r.status_code == 200, r.text
        med, worst = timed(call, 5)
        print(f"  {name:14} {str(params):42} {med * 1000:7.1f} ms / {worst * 1000:7.1f} ms")
    def export():
        r = client.get("/api/v1/reports/export", params={**year, "table": "conversations"}, headers=headers)
        assert r.status_code == 200
        export.size = len(r.content)
    med, _ = timed(export)
    print(f"export of every conversation of the year (CSV, {export.size / 1e6:.1f} MB): {med:.1f} s")
    with rt.db.session() as db:
        s = client.get("/api/v1/reports/summary", params=year, headers=headers).json()
    print(f"year: {s['conversations']} conversations, bot-resolved {s['bot_resolution_rate']}, "
          f"handoff {s['handoff_rate']}, customer messages {s['customer_messages']}, "
          f"first response p50 {s['first_response_seconds']['p50']} s")


if __name__ == "__main__":
    main()
