"""Time what personal-data protection costs: masking for agents, the retention purge, erasing, the backup.

    python -m bench.privacy [--conversations 2000] [--messages 12] [--database sqlite|postgresql]

A fresh database gets one shop with N closed conversations of M generated messages each (seeded; about a third
of the customers' lines carry a mobile number, an address or both). Then:

1. mask_text over every generated line (what an agent's transcript read pays per message);
2. an agent's and the owner's read of a 500-message transcript through the HTTP API (median of 20);
3. the retention purge of every conversation (`purge_all`, batches of 200 per transaction);
4. erasing one customer with 20 conversations;
5. `kefu backup` of the database (SQLite only: the online backup API).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert

from kefu.config import Settings
from kefu.conversations.models import Conversation, Customer, Message
from kefu.db import utcnow
from kefu.migrate import upgrade
from kefu.privacy.actions import do_erase_customer
from kefu.privacy.backup import backup
from kefu.privacy.masking import mask_text
from kefu.privacy.retention import purge_all
from kefu.runtime import Runtime
from kefu.tenants.actions import do_create_tenant, do_create_user
from kefu.tenants.models import Tenant
from kefu.web.app import create_app

PASSWORD = "bench password 1"
PLACES = ["浙江省杭州市西湖区文三路{n}号", "上海市浦东新区张江路{n}弄3号", "广东省深圳市南山区科技园南路{n}号",
          "江苏省南京市玄武区中山路{n}号", "北京市朝阳区建国路{n}号院"]
PLAIN = ["你好，请问什么时候发货", "这件衣服有L码吗", "订单A{n}到哪了", "可以便宜点吗", "我要退货", "谢谢",
         "杭州发货吗", "快递几天能到", "质量怎么样", "能开发票吗"]


def line(rng: random.Random) -> str:
    n = rng.randint(1, 999)
    phone = f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}"
    kind = rng.random()
    if kind < 0.15:
        return f"我的手机{phone}，麻烦查一下"
    if kind < 0.25:
        return f"地址改成{rng.choice(PLACES).format(n=n)}，张三 {phone}"
    if kind < 0.33:
        return f"寄到{rng.choice(PLACES).format(n=n)}吧"
    return rng.choice(PLAIN).format(n=n)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=2000)
    ap.add_argument("--messages", type=int, default=12)
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/kefu_bench")
    args = ap.parse_args()
    rng = random.Random(16)
    tmp = Path(tempfile.mkdtemp(prefix="kefu-bench-privacy-"))
    url = f"sqlite:///{tmp / 'kefu.db'}" if args.database == "sqlite" else args.postgres_url
    upgrade(url)
    runtime = Runtime(Settings(database_url=url, media_dir=str(tmp / "media"), privacy_purge_seconds=0,
                               reports_refresh_seconds=0, agent_sweep_seconds=0))
    closed = utcnow() - dt.timedelta(days=100)
    lines: list[str] = []
    with runtime.db.session() as db:
        tenant = do_create_tenant(db, name="Bench", slug=f"bench-{rng.randint(0, 10**9)}")
        do_create_user(db, tenant_id=tenant.id, email=f"o@{tenant.slug}.test", name="o", role="owner",
                       password=PASSWORD)
        do_create_user(db, tenant_id=tenant.id, email=f"a@{tenant.slug}.test", name="a", role="agent",
                       password=PASSWORD)
        tid, slug = tenant.id, tenant.slug
    with runtime.db.session() as db:
        customers = [{"tenant_id": tid, "external_id": f"c{i}", "name": f"顾客{i}"}
                     for i in range(args.conversations // 20 + 1)]
        db.execute(insert(Customer), customers)
        cust_ids = [c.id for c in db.query(Customer.id).filter(Customer.tenant_id == tid).order_by(Customer.id)]
        convs = [{"tenant_id": tid, "customer_id": cust_ids[i // 20], "channel": "api", "status": "closed",
                  "closed_at": closed, "created_at": closed, "updated_at": closed}
                 for i in range(args.conversations)]
        db.execute(insert(Conversation), convs)
        conv_ids = [c.id for c in db.query(Conversation.id).filter(Conversation.tenant_id == tid)
                    .order_by(Conversation.id)]
        rows = []
        for cid in conv_ids:
            for j in range(args.messages):
                text = line(rng) if j % 2 == 0 else "好的，已为您登记。"
                lines.append(text)
                rows.append({"tenant_id": tid, "conversation_id": cid, "sender": "customer" if j % 2 == 0 else "bot",
                             "text": text, "created_at": closed})
        db.execute(insert(Message), rows)
        # One open conversation of 500 messages to read.
        big = Conversation(tenant_id=tid, customer_id=cust_ids[0], channel="api", status="with_agent")
        db.add(big)
        db.flush()
        db.execute(insert(Message), [{"tenant_id": tid, "conversation_id": big.id, "sender": "customer",
                                      "text": line(rng), "created_at": utcnow()} for _ in range(500)])
        big_id = big.id
    print(f"{args.database}: {args.conversations} closed conversations × {args.messages} messages "
          f"({len(lines)} messages)")

    started = time.perf_counter()
    for text in lines:
        mask_text(text)
    per = (time.perf_counter() - started) / len(lines)
    print(f"1. mask_text: {per * 1e6:.1f} µs per message ({len(lines)} lines)")

    app = create_app(runtime)
    with TestClient(app) as agent, TestClient(app) as owner:
        agent.post("/api/v1/auth/login", json={"email": f"a@{slug}.test", "password": PASSWORD})
        owner.post("/api/v1/auth/login", json={"email": f"o@{slug}.test", "password": PASSWORD})
        for who, client in (("agent (masked)", agent), ("owner (in full)", owner)):
            times = []
            for _ in range(20):
                t = time.perf_counter()
                assert client.get(f"/api/v1/conversations/{big_id}").status_code == 200
                times.append(time.perf_counter() - t)
            print(f"2. 500-message transcript read by the {who}: median {statistics.median(times) * 1000:.0f} ms")

    with runtime.db.session() as db:
        db.get(Tenant, tid).retention_days = 30
    started = time.perf_counter()
    done = purge_all(runtime)[slug]
    took = time.perf_counter() - started
    print(f"3. retention purge: {done.conversations} conversations, {done.messages} messages in {took:.2f} s "
          f"({done.conversations / took:.0f} conversations/s)")

    started = time.perf_counter()
    with runtime.db.session() as db:
        erased = do_erase_customer(db, runtime.storage, tenant_id=tid, customer_id=cust_ids[1])
    print(f"4. erase one customer ({erased.conversations} conversations): "
          f"{(time.perf_counter() - started) * 1000:.0f} ms")

    if args.database == "sqlite":
        started = time.perf_counter()
        summary = backup(runtime.settings, tmp / "backup.tar.gz")
        print(f"5. backup: {summary.size / 1e6:.1f} MB archive in {time.perf_counter() - started:.2f} s")
    runtime.db.dispose()


if __name__ == "__main__":
    main()
