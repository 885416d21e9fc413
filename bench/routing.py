"""Measure routing: how many agents and waiting chats one server handles, and how fast a chat is assigned.

    python -m bench.routing [--database sqlite|postgresql] [--agents 200] [--waiting 2000]

In one process, against a real database: (1) a full queue drained at once (agents connecting at opening time),
(2) with every agent busy and the queue long, the cost of each new handoff (a drain that finds nobody free) and
(3) the latency from a chat closing to the next waiting chat being assigned (what an agent feels when they free
up), measured through the same after-commit listener the server uses.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from kefu.config import Settings
from kefu.conversations.actions import do_get_external_customer, do_open_conversation, do_set_status
from kefu.conversations.models import Conversation
from kefu.db import utcnow
from kefu.live import actions
from kefu.migrate import upgrade
from kefu.runtime import Runtime
from kefu.tenants.actions import do_create_tenant
from kefu.tenants.models import User


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def queue_chat(rt: Runtime, tenant_id: int, n: int) -> int:
    with rt.db.session() as db:
        customer = do_get_external_customer(db, tenant_id=tenant_id, external_id=f"c{n}")
        conv, _ = do_open_conversation(db, tenant_id=tenant_id, customer=customer, channel="api", locale="zh",
                                       reuse=False)
        conv.queued_at = utcnow()
        do_set_status(db, conv=conv, status="queued", reason="bench")
        return conv.id


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--capacity", type=int, default=5)
    ap.add_argument("--waiting", type=int, default=2000)
    ap.add_argument("--samples", type=int, default=200)
    args = ap.parse_args()
    if args.database == "sqlite":
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='kefu-bench-')) / 'routing.db'}"
    else:
        from tests.conftest import wipe

        url = args.postgres_url
        upgrade(url)
        wipe(url)
    upgrade(url)
    rt = Runtime(Settings(database_url=url))
    with rt.db.session() as db:
        tenant_id = do_create_tenant(db, name="bench", slug="bench").id
        for i in range(args.agents):
            db.add(User(tenant_id=tenant_id, email=f"a{i}@bench.test", name=f"a{i}", role="agent",
                        password_hash="x", status="online", max_chats=args.capacity, seen_at=None))
    # Fill the queue with nobody connected (no assignment happens yet).
    actions.install(rt)
    t = time.perf_counter()
    for n in range(args.waiting):
        queue_chat(rt, tenant_id, n)
    enqueue = (time.perf_counter() - t) / args.waiting * 1000
    # (1) Opening time: every agent connects; one drain assigns agents × capacity chats.
    with rt.db.session() as db:
        for user in db.scalars(select(User).where(User.tenant_id == tenant_id)):
            user.seen_at = utcnow()
    t = time.perf_counter()
    assigned = actions.drain_shop(rt, tenant_id)
    drain_s = time.perf_counter() - t
    with rt.db.session() as db:
        waiting = db.scalar(select(func.count()).select_from(Conversation).where(Conversation.status == "queued"))
    # (2) Everyone busy, a long queue: each new handoff still triggers a drain.
    t_new = []
    for n in range(args.samples):
        t = time.perf_counter()
        queue_chat(rt, tenant_id, args.waiting + n)
        t_new.append((time.perf_counter() - t) * 1000)
    # (3) An agent frees a slot: time from the close's commit to the oldest waiting chat being theirs.
    t_free = []
    busy = [cid for cid, _ in assigned][: args.samples]
    for cid in busy:
        t = time.perf_counter()
        with rt.db.session() as db:
            do_set_status(db, conv=db.get(Conversation, cid), status="closed", reason="bench")
        t_free.append((time.perf_counter() - t) * 1000)
    with rt.db.session() as db:
        still = db.scalar(select(func.count()).select_from(Conversation).where(Conversation.status == "queued"))
    print(f"database={args.database} agents={args.agents} capacity={args.capacity} queued={args.waiting}")
    print("| measure | value |\n|---|---|")
    print(f"| enqueue a handoff (no agent connected), mean | {enqueue:.2f} ms |")
    print(f"| opening drain: chats assigned in one pass | {len(assigned)} in {drain_s * 1000:.0f} ms "
          f"({len(assigned) / drain_s:.0f} chats/s, {drain_s / max(len(assigned), 1) * 1000:.2f} ms each) |")
    print(f"| left waiting after the opening drain | {waiting} |")
    print(f"| new handoff while all {args.agents} agents are full (commit + drain), p50 / p99 | "
          f"{statistics.median(t_new):.1f} / {pct(t_new, 0.99):.1f} ms |")
    print(f"| close → next waiting chat assigned (commit + drain), p50 / p99 | "
          f"{statistics.median(t_free):.1f} / {pct(t_free, 0.99):.1f} ms |")
    print(f"| waiting at the end ({len(busy)} closed, {args.samples} added) | {still} |")
    rt.db.dispose()


if __name__ == "__main__":
    main()
