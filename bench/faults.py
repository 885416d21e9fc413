"""Kill servers, restart Redis and cut PostgreSQL connections under load, then prove nothing was lost.

Several `kefu serve` processes share one PostgreSQL database and a Redis of the harness's own (so restarting it
touches nothing else). Widget customers talk over websockets, agents keep their workspace open and answer the
chats routing gives them, while the harness SIGKILLs a server at random and restarts it, restarts Redis, and
terminates every PostgreSQL connection of the database. Clients reconnect to any live server, resend what was
not acknowledged (same client_id) and resync from the last message they saw. Afterwards it checks:

- every customer message got exactly one bot reaction, or a person answered it (and nothing is still owed);
- no message is stored twice, and no client ever saw a message that is not stored (a rolled-back one);
- no chat was assigned twice without going back to the queue, none is left with nobody responsible;
- no agent ever held more chats than their limit;
- every client, reconnecting at the end, resyncs to exactly what is stored.

    python -m bench.faults [--servers 2] [--customers 30] [--agents 3] [--seconds 60] [--fault-every 6]

Exits 1 if a check fails. tests/multiprocess/test_faults.py runs a short form in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import websockets
from sqlalchemy import func, select, text

from kefu.conversations.models import Conversation, ConversationEvent, Message
from kefu.db import Database, make_engine
from kefu.demo.seed import seed_demo
from kefu.live import routing
from kefu.migrate import upgrade
from kefu.reactions.models import PendingReaction
from kefu.tenants.actions import do_create_user
from kefu.tenants.models import User
from tests.support.server import LiveServer, free_port

ADMIN_URL = os.environ.get("KEFU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
QUESTIONS = ["多久发货", "包邮吗", "怎么退货", "退款多久到账", "可以开发票吗", "发什么快递", "你们几点上班",
             "how much is shipping", "I want to return this", "when will my parcel arrive", "在吗"]
HANDOFF = "转人工"
PASSWORD = "fault-harness-pw-1"
# Short leases and sweeps, so that what a killed process owned is taken up within seconds.
SERVER_ENV = {"KEFU_REACTION_LEASE_SECONDS": "3", "KEFU_REACTION_POLL_SECONDS": "0.5",
              "KEFU_AGENT_SWEEP_SECONDS": "2", "KEFU_AGENT_GRACE_SECONDS": "30", "KEFU_RATE_LIMIT_MESSAGES": "1000",
              "KEFU_REPORTS_REFRESH_SECONDS": "0",
              "KEFU_LOCK_SECONDS": "10"}


class Redis:
    """A redis-server of the harness's own, on its own port, that can be restarted."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log_dir / "redis.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no",
                                      "--bind", "127.0.0.1"], stdout=open(self.log, "ab"),  # noqa: SIM115
                                     stderr=subprocess.STDOUT)
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                if redis.Redis.from_url(self.url).ping():
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(5)
            self.proc = None


@dataclass
class Tally:
    """What the load and the faults did."""

    sent: int = 0
    agent_replies: int = 0
    kills: int = 0
    redis_restarts: int = 0
    pg_cuts: int = 0
    reconnects: int = 0
    max_load_seen: dict[int, int] = field(default_factory=dict)


class Customer:
    """A widget customer: asks, reads every frame, reconnects to any server and resends what was not acked."""

    def __init__(self, n: int, key: str, servers: list[LiveServer], tally: Tally) -> None:
        self.n, self.key, self.servers, self.tally = n, key, servers, tally
        self.visitor: str | None = None
        self.conversation_id: int | None = None
        self.seen: dict[int, dict] = {}  # message id -> message, live or from a resync
        self.unacked: dict[str, str] = {}  # client_id -> text
        self.acked: set[str] = set()
        self.count = 0

    def _url(self) -> str:
        server = random.choice(self.servers)
        return server.base_url.replace("http", "ws") + "/api/v1/widget/ws"

    async def session(self, stop: asyncio.Event, *, asking: bool) -> None:
        """Stay connected until stop, asking a question every few seconds while asking."""
        while not stop.is_set():
            try:
                async with websockets.connect(self._url(), open_timeout=5, close_timeout=1) as ws:
                    await self._hello(ws)
                    for cid, words in list(self.unacked.items()):  # resend: stored once by client_id
                        await ws.send(json.dumps({"type": "message", "client_id": cid, "text": words}))
                    reader = asyncio.create_task(self._read(ws))
                    try:
                        while not stop.is_set() and not reader.done():
                            if asking:
                                await self._ask(ws)
                            await asyncio.wait([reader, asyncio.create_task(stop.wait())],
                                               timeout=random.uniform(1.5, 3.0),
                                               return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        reader.cancel()
                        with contextlib.suppress(BaseException):
                            await reader
            except (TimeoutError, OSError, websockets.WebSocketException):
                pass
            if not stop.is_set():
                self.tally.reconnects += 1
                await asyncio.sleep(random.uniform(0.2, 0.6))

    async def _hello(self, ws) -> None:
        after = max(self.seen, default=0)
        await ws.send(json.dumps({"type": "hello", "key": self.key, "visitor": self.visitor, "after": after,
                                  "locale": "zh"}))
        ready = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if ready.get("type") != "ready":
            raise websockets.WebSocketException(f"hello refused: {ready}")
        self.visitor = ready["visitor"]
        self.conversation_id = ready["conversation"]["id"]
        for m in ready["messages"]:
            self.seen[m["id"]] = m

    async def _ask(self, ws) -> None:
        self.count += 1
        cid = f"c{self.n}-{self.count}"
        words = HANDOFF if random.random() < 0.08 else random.choice(QUESTIONS)
        self.unacked[cid] = words
        self.tally.sent += 1
        await ws.send(json.dumps({"type": "message", "client_id": cid, "text": words}))

    async def _read(self, ws) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") == "ack":
                self.unacked.pop(frame["client_id"], None)
                self.acked.add(frame["client_id"])
                self.seen[frame["message"]["id"]] = frame["message"]
            elif frame.get("type") == "message":
                self.seen[frame["message"]["id"]] = frame["message"]

    async def resync(self) -> list[int]:
        """Reconnect from scratch and return the ids of the whole conversation as the server gives them."""
        for _ in range(20):
            try:
                async with websockets.connect(self._url(), open_timeout=5) as ws:
                    await ws.send(json.dumps({"type": "hello", "key": self.key, "visitor": self.visitor}))
                    ready = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    return [m["id"] for m in ready["messages"]]
            except (TimeoutError, OSError, websockets.WebSocketException):
                await asyncio.sleep(0.5)
        raise RuntimeError(f"customer {self.n} could not reconnect")


class Agent:
    """An agent with the workspace open: keeps the staff socket connected, answers every customer message in the
    chats routing gives them."""

    def __init__(self, email: str, servers: list[LiveServer], tally: Tally, user_id: int, limit: int) -> None:
        self.email, self.servers, self.tally, self.user_id, self.limit = email, servers, tally, user_id, limit
        self.answered: set[int] = set()

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(self._presence(stop), self._work(stop))

    async def _client(self) -> httpx.AsyncClient:
        while True:
            base = random.choice(self.servers).base_url
            client = httpx.AsyncClient(base_url=base, timeout=10)
            try:
                r = await client.post("/api/v1/auth/login", json={"email": self.email, "password": PASSWORD})
                if r.status_code == 200:
                    await client.put("/api/v1/auth/me/status", json={"status": "online"})
                    return client
            except httpx.HTTPError:
                pass
            await client.aclose()
            await asyncio.sleep(0.5)

    async def _presence(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            client = await self._client()
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            url = str(client.base_url).replace("http", "ws") + "/api/v1/live/ws"
            await client.aclose()
            try:
                async with websockets.connect(url, additional_headers={"Cookie": cookie}, open_timeout=5) as ws:
                    while not stop.is_set():
                        await ws.send(json.dumps({"type": "ping"}))
                        due = time.monotonic() + 5
                        with contextlib.suppress(asyncio.TimeoutError):
                            while time.monotonic() < due:  # read events until the next ping is due
                                await asyncio.wait_for(ws.recv(), max(0.01, due - time.monotonic()))
            except (TimeoutError, OSError, websockets.WebSocketException):
                await asyncio.sleep(0.3)

    async def _work(self, stop: asyncio.Event) -> None:
        client = await self._client()
        try:
            while not stop.is_set():
                try:
                    r = await client.get("/api/v1/live/mine")
                    if r.status_code == 401:
                        await client.aclose()
                        client = await self._client()
                        continue
                    r.raise_for_status()  # a 503 while the database is cut: try again in a moment
                    mine = [c for c in r.json() if c["status"] == "with_agent"]
                    seen = self.tally.max_load_seen
                    seen[self.user_id] = max(seen.get(self.user_id, 0), len(mine))
                    for chat in mine:
                        await self._answer(client, chat["conversation_id"])
                except (httpx.HTTPError, ValueError, KeyError, TypeError):
                    await client.aclose()
                    client = await self._client()
                await asyncio.sleep(0.7)
        finally:
            await client.aclose()

    async def _answer(self, client: httpx.AsyncClient, conv_id: int) -> None:
        r = await client.get(f"/api/v1/conversations/{conv_id}")
        r.raise_for_status()
        for m in r.json()["messages"]:
            if m["sender"] == "customer" and m["id"] not in self.answered:
                reply = await client.post(f"/api/v1/conversations/{conv_id}/messages",
                                          json={"text": "好的，我来帮您看一下。", "client_id": f"a-{m['id']}"})
                if reply.status_code in (200, 201):
                    self.answered.add(m["id"])
                    self.tally.agent_replies += 1


class Cluster:
    """The database, Redis and the servers under test, and the faults done to them."""

    def __init__(self, servers: int, log_dir: Path) -> None:
        self.name = f"kefu_fault_{uuid.uuid4().hex[:8]}"
        self.admin = make_engine(ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {self.name}"))
        self.url = ADMIN_URL.rsplit("/", 1)[0] + "/" + self.name
        upgrade(self.url)
        self.db = Database(self.url)
        self.redis = Redis(log_dir)
        self.redis.start()
        self.restarting: set[LiveServer] = set()
        self.servers = [LiveServer(self.url, redis_url=self.redis.url, log_dir=log_dir, env=SERVER_ENV)
                        for _ in range(servers)]

    def start(self) -> None:
        for s in self.servers:
            s.start(timeout=60)

    def kill_one(self) -> LiveServer | None:
        """SIGKILL a running server, unless it is the last one up."""
        running = [s for s in self.servers if s.proc is not None and s.proc.poll() is None
                   and s not in self.restarting]
        if len(running) < 2:
            return None
        victim = random.choice(running)
        os.killpg(victim.proc.pid, signal.SIGKILL)
        victim.proc.wait(5)
        victim.proc = None
        self.restarting.add(victim)
        return victim

    def restart_redis(self) -> None:
        self.redis.stop()
        time.sleep(0.5)
        self.redis.start()

    def cut_postgres(self) -> int:
        with self.admin.connect() as conn:
            return len(conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                         "WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": self.name}).all())

    def close(self, keep: bool = False) -> None:
        for s in self.servers:
            s.stop()
        self.redis.stop()
        self.db.dispose()
        if keep:
            print(f"database kept: {self.url}")
            return
        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)"))
        self.admin.dispose()


async def faults(cluster: Cluster, stop: asyncio.Event, every: float, tally: Tally) -> None:
    """Do one fault every `every` seconds, in turn: kill a server (restarted in the background a moment later),
    cut PostgreSQL's connections, restart Redis. At least one server stays up."""
    kinds = ["kill", "postgres", "redis", "kill"]
    restarts: list[asyncio.Task] = []

    async def restart(victim: LiveServer) -> None:
        await asyncio.sleep(random.uniform(0.5, 2.0))
        await asyncio.to_thread(victim.start, 90)
        cluster.restarting.discard(victim)

    i = 0
    while not stop.is_set():
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
        if stop.is_set():
            break
        kind = kinds[i % len(kinds)]
        i += 1
        if kind == "kill":
            if (victim := cluster.kill_one()) is not None:
                tally.kills += 1
                restarts.append(asyncio.create_task(restart(victim)))
        elif kind == "redis":
            await asyncio.to_thread(cluster.restart_redis)
            tally.redis_restarts += 1
        else:
            await asyncio.to_thread(cluster.cut_postgres)
            tally.pg_cuts += 1
    await asyncio.gather(*restarts)  # every server is back before the checks


def unattended(db: Database, grace: int) -> list[str]:
    """Chats with a person nobody looks after: their agent neither connected nor replying in it within the grace
    period (judged while the agents are still at work), or chats waiting while an agent has room."""
    with db.session() as s:
        out = [f"conversation {conv.id} is with agent {conv.assigned_user_id}, who is gone"
               for conv in routing.unattended(s, grace_seconds=grace)]
        waiting = s.scalar(select(func.count()).select_from(Conversation).where(Conversation.status == "queued"))
        tenants = set(s.scalars(select(User.tenant_id).where(User.role == "agent")))
        room = [a for t in tenants for a in routing.available_agents(s, tenant_id=t, grace_seconds=grace)
                if a.load < a.max_chats]
        if waiting and room:
            out.append(f"{waiting} chats wait while {len(room)} agents have room")
        return out


def not_delivered(db: Database, customers: list[Customer]) -> list[str]:
    """Customers whose open socket has not shown them every stored message of their conversation."""
    with db.session() as s:
        out = []
        for c in customers:
            stored = set(s.scalars(select(Message.id).where(Message.conversation_id == c.conversation_id)))
            if missing := stored - set(c.seen):
                out.append(f"customer {c.n} is connected but has not seen {len(missing)} stored messages, "
                           f"e.g. {sorted(missing)[:3]}")
        return out


def check(db: Database, customers: list[Customer], agents: list[Agent], tally: Tally,
          resynced: dict[int, list[int]]) -> list[str]:
    """Every promise of the harness but unattended's, as a list of what broke (empty: all kept)."""
    problems: list[str] = []
    with db.session() as s:
        owed = s.scalar(select(func.count()).select_from(PendingReaction))
        if owed:
            problems.append(f"{owed} reactions still owed")
        turns = Counter(e.data.get("message_id") for e in s.scalars(
            select(ConversationEvent).where(ConversationEvent.kind == "bot_turn")))
        msgs = list(s.scalars(select(Message).order_by(Message.id)))
        by_conv: dict[int, list[Message]] = defaultdict(list)
        for m in msgs:
            by_conv[m.conversation_id].append(m)
        customer_msgs = [m for m in msgs if m.sender == "customer"]
        for m in customer_msgs:
            n = turns.get(m.id, 0)
            person = any(o.sender == "agent" and o.id > m.id for o in by_conv[m.conversation_id])
            if n > 1:
                problems.append(f"message {m.id} got {n} bot reactions")
            elif n == 0 and not person:
                problems.append(f"message {m.id} in conversation {m.conversation_id} was never answered")
        stored = Counter((m.conversation_id, m.client_id) for m in msgs if m.client_id)
        problems += [f"client_id {k} stored {n} times" for k, n in stored.items() if n > 1]
        sent = {cid for c in customers for cid in c.acked}
        missing = sent - {m.client_id for m in customer_msgs}
        if missing:
            problems.append(f"{len(missing)} acknowledged messages not stored, e.g. {sorted(missing)[:3]}")
        unacked = sum(len(c.unacked) for c in customers)
        if unacked:
            problems.append(f"{unacked} messages never acknowledged after the faults ended")
        for conv_id, events in _assignments(s).items():
            held = False
            for kind in events:
                if kind == "assigned" and held:
                    problems.append(f"conversation {conv_id} assigned twice without going back to the queue")
                held = kind == "assigned" or (held and kind != "released")
        ids = {m.id for m in msgs}
        for c in customers:
            phantom = set(c.seen) - ids
            if phantom:
                shown = [{k: c.seen[i].get(k) for k in ("id", "sender", "text", "conversation_id", "created_at")}
                         for i in sorted(phantom)[:3]]
                problems.append(f"customer {c.n} saw messages that are not stored: {shown}")
            want = [m.id for m in by_conv.get(c.conversation_id, [])]
            if resynced.get(c.n) != want:
                problems.append(f"customer {c.n} resynced to {len(resynced.get(c.n, []))} messages, "
                                f"{len(want)} stored")
    for a in agents:
        if tally.max_load_seen.get(a.user_id, 0) > a.limit:
            problems.append(f"agent {a.user_id} held {tally.max_load_seen[a.user_id]} chats (limit {a.limit})")
    return problems


def _assignments(s) -> dict[int, list[str]]:
    """Each conversation's assignments and releases (back to the queue, closed), in order."""
    out: dict[int, list[str]] = defaultdict(list)
    kinds = ("assigned", "status", "requeued", "transferred")
    for e in s.scalars(select(ConversationEvent).where(ConversationEvent.kind.in_(kinds))
                       .order_by(ConversationEvent.id)):
        if e.kind == "assigned":
            out[e.conversation_id].append("assigned")
        elif e.kind == "requeued" or (e.kind == "transferred" and "to_group_id" in e.data) \
                or e.data.get("to") in ("queued", "closed", "bot"):
            out[e.conversation_id].append("released")  # back to the queue (an agent gone, a transfer) or ended
    return out


def _settled(db: Database) -> bool:
    with db.session() as s:
        return not s.scalar(select(func.count()).select_from(PendingReaction))


@dataclass
class Result:
    tally: Tally
    stored: int
    bot_turns: int
    problems: list[str]


async def run(args: argparse.Namespace) -> Result:
    log_dir = Path(args.log_dir or f"/tmp/kefu-faults-{uuid.uuid4().hex[:6]}")
    log_dir.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(args.servers, log_dir)
    try:
        info = seed_demo(cluster.db)
        tally = Tally()
        agents: list[Agent] = []
        with cluster.db.session() as s:
            for j in range(args.agents):
                user = do_create_user(s, tenant_id=info.tenant_id, email=f"fault-agent-{j}@harness.test",
                                      name=f"Agent {j}", role="agent", password=PASSWORD)
                user.max_chats = 2
                s.flush()
                agents.append(Agent(user.email, cluster.servers, tally, user.id, user.max_chats))
        await asyncio.to_thread(cluster.start)
        customers = [Customer(i, info.public_key, cluster.servers, tally) for i in range(args.customers)]
        stop_asking, stop_agents, stop_all = asyncio.Event(), asyncio.Event(), asyncio.Event()
        started = time.monotonic()
        workers = [asyncio.create_task(c.session(stop_all, asking=True)) for c in customers]
        workers += [asyncio.create_task(a.run(stop_agents)) for a in agents]
        fault_task = asyncio.create_task(faults(cluster, stop_asking, args.fault_every, tally))
        await asyncio.sleep(args.seconds)
        stop_asking.set()
        await fault_task
        # Quiet: no new questions; clients stay connected to resend what was not acknowledged.
        for task in workers[:len(customers)]:
            task.cancel()
        quiet = [asyncio.create_task(c.session(stop_all, asking=False)) for c in customers]
        deadline = time.monotonic() + args.settle
        while time.monotonic() < deadline:
            if all(not c.unacked for c in customers) and await asyncio.to_thread(_settled, cluster.db):
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(3)  # the agents answer what routing gave them last
        left_alone = await asyncio.to_thread(unattended, cluster.db, int(SERVER_ENV["KEFU_AGENT_GRACE_SECONDS"]))
        stop_agents.set()
        await asyncio.sleep(3)  # what the agents sent last reaches the customers
        # The customers still connected must have every message of their conversation by now, live or resynced
        # by their socket after Redis came back, without reconnecting.
        left_alone += await asyncio.to_thread(not_delivered, cluster.db, customers)
        stop_all.set()
        await asyncio.gather(*quiet, *workers, return_exceptions=True)
        resynced = {c.n: await c.resync() for c in customers}
        elapsed = time.monotonic() - started
        problems = left_alone + check(cluster.db, customers, agents, tally, resynced)
        with cluster.db.session() as s:
            stored = s.scalar(select(func.count()).select_from(Message).where(Message.sender == "customer"))
            replies = s.scalar(select(func.count()).select_from(ConversationEvent)
                               .where(ConversationEvent.kind == "bot_turn"))
        taken = sum(log.read_text(errors="replace").count("taking up reaction") for log in log_dir.glob("kefu-*.log"))
        print(f"servers={args.servers} customers={args.customers} agents={args.agents} seconds={elapsed:.0f}")
        print(f"customer messages stored={stored} bot turns={replies} agent replies={tally.agent_replies} "
              f"reconnects={tally.reconnects} reactions taken up from a killed process={taken}")
        print(f"faults: server kills={tally.kills} redis restarts={tally.redis_restarts} "
              f"postgres cuts={tally.pg_cuts}")
        print(f"losses={len(problems)}")
        for p in problems[:30]:
            print("  -", p)
        return Result(tally, stored, replies, problems)
    finally:
        cluster.close(keep=getattr(args, "keep", False))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--servers", type=int, default=2)
    p.add_argument("--customers", type=int, default=30)
    p.add_argument("--agents", type=int, default=3)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--fault-every", type=float, default=6)
    p.add_argument("--settle", type=float, default=60, help="seconds allowed for everything owed to be settled")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--log-dir", default=None)
    p.add_argument("--keep", action="store_true", help="keep the database afterwards (its name is printed)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.seed is not None:
        random.seed(args.seed)
    return 1 if asyncio.run(run(args)).problems else 0


if __name__ == "__main__":
    sys.exit(main())
