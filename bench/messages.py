"""Measure a customer message's round trip to the bot's reply through a real `kefu serve` process.

Two ways in: the API channel (one HTTP request carries the reply) and the widget websocket (the reply arrives
as a pushed frame). Prints p50/p99 latency and throughput; `make bench` writes nothing, copy the figures into
docs/benchmarks.md with the command line.

    python -m bench.messages [--database sqlite|postgresql] [--redis] [--messages 300] [--sockets 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import websockets

from kefu.config import Settings
from kefu.db import Database
from kefu.demo.seed import seed_demo
from kefu.migrate import upgrade
from kefu.runtime import Runtime
from kefu.tenants.actions import do_create_api_key
from tests.support.server import LiveServer

QUESTIONS = ["多久发货", "包邮吗", "怎么退货", "退款多久到账", "可以开发票吗", "how much is shipping",
             "I want to return this", "今天天气怎么样"]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def report(name: str, latencies: list[float], wall: float) -> None:
    print(f"{name:<38} n={len(latencies):<5} p50={statistics.median(latencies):6.1f} ms  "
          f"p99={pct(latencies, 99):6.1f} ms  throughput={len(latencies) / wall:6.1f} msg/s")


def api_channel(base: str, secret: str, n: int) -> None:
    h = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=base, headers=h, timeout=30) as c:
        cid = c.post("/api/v1/channels/api/conversations", json={"customer_id": "bench"}).json()["conversation"]["id"]
        lat = []
        start = time.perf_counter()
        for i in range(n):
            t = time.perf_counter()
            r = c.post(f"/api/v1/channels/api/conversations/{cid}/messages", json={"text": QUESTIONS[i % 8]})
            assert r.status_code == 200 and r.json()["replies"], r.text
            lat.append((time.perf_counter() - t) * 1000)
        report("API channel, 1 client, sequential", lat, time.perf_counter() - start)


async def one_socket(url: str, key: str, n: int, lat: list[float]) -> None:
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "key": key}))
        json.loads(await ws.recv())
        for i in range(n):
            t = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "client_id": uuid.uuid4().hex, "text": QUESTIONS[i % 8]}))
            while True:
                frame = json.loads(await ws.recv())
                if frame["type"] == "message" and frame["message"]["sender"] == "bot":
                    break
            lat.append((time.perf_counter() - t) * 1000)


async def sockets(url: str, key: str, clients: int, per_client: int) -> None:
    lat: list[float] = []
    start = time.perf_counter()
    await asyncio.gather(*(one_socket(url, key, per_client, lat) for _ in range(clients)))
    report(f"widget websocket, {clients} concurrent", lat, time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--redis", action="store_true", help="use Redis for the bus, locks and limits")
    ap.add_argument("--messages", type=int, default=300)
    ap.add_argument("--sockets", type=int, default=20)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="kefu-bench-"))
    if args.database == "sqlite":
        url = f"sqlite:///{tmp / 'bench.db'}"
    else:
        from tests.conftest import wipe

        url = args.postgres_url
        upgrade(url)
        wipe(url)
    upgrade(url)
    info = seed_demo(Database(url))
    rt = Runtime(Settings(database_url=url))
    with rt.db.session() as db:
        _key, secret = do_create_api_key(db, tenant_id=info.tenant_id, name="bench")
    rt.db.dispose()
    redis_url = "redis://127.0.0.1:6379/0" if args.redis else None
    # Generous limits: the benchmark measures the server, not the per-customer rate limit.
    server = LiveServer(url, redis_url=redis_url, log_dir=tmp,
                        env={"KEFU_RATE_LIMIT_MESSAGES": "100000"}).start()
    try:
        print(f"database={args.database} redis={'yes' if redis_url else 'no'} (one `kefu serve` process)")
        api_channel(server.base_url, secret, args.messages)
        per = max(1, args.messages // args.sockets)
        asyncio.run(sockets(server.base_url.replace("http", "ws") + "/api/v1/widget/ws", info.public_key,
                            args.sockets, per))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
