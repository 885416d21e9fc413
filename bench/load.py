"""Load real `kefu serve` processes with widget customers, API-channel customers and agents; step the load.

    python -m bench.load [--steps 30,60,100] [--seconds 30] [--database sqlite|postgresql] [--redis [URL]]
                         [--processes 1] [--handoff 0.05] [--agents 4] [--api-share 0.1] [--idle 0]

A step offers R customer messages a second: R × think (2 s) customers, each on its own widget websocket (or, for
--api-share of them, the API channel), each sending its script's next message every think ± 25 % seconds whether or
not the last one was answered (an open loop: a slow server sees the same offered load). Scripts come from the demo
shop's knowledge, flows and small talk in Chinese and English (bench/traffic.py). A --handoff share of
conversations asks for a person; --agents logged-in agents keep the workspace websocket open, get those chats from
routing, reply once and close them. --idle more customers stay connected without writing (connected-customer
capacity). Several processes (--processes, each on its own port on the same database; PostgreSQL and Redis needed
for more than one) get the customers round-robin, as a load balancer would.

Per step it prints: offered and served rate (bot replies received a second), p50/p99 from a customer's message to
the bot's first reply, and from an agent's POST to the customer's websocket, messages without a reply within 10 s,
error frames, the server processes' CPU-ms per message (from /proc, all their threads and children) and RSS, and
the load average (the machine may be shared: CPU-ms per message is the steadier figure).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import websockets

from bench.traffic import Traffic
from tests.conftest import POSTGRES_URL, REDIS_URL

NO_REPLY_SECONDS = 10.0
SCRIPT = 1000  # messages: more than any step sends, so a customer writes until the step ends
PASSWORD = "bench-agent-pass"
TICK = os.sysconf("SC_CLK_TCK")


# --- server processes ----------------------------------------------------------------------------------------------

def _tree(pid: int) -> list[int]:
    """pid and its descendants (uvicorn --workers forks children; their CPU and memory count too)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        with contextlib.suppress(OSError):
            todo += [int(c) for t in os.listdir(f"/proc/{p}/task")
                     for c in Path(f"/proc/{p}/task/{t}/children").read_text().split()]
    return out


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of the processes and their children so far."""
    total = 0.0
    for root in pids:
        for p in _tree(root):
            try:
                fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
    return total


def rss_mb(pid: int) -> float:
    """Resident memory of one server process and its children, in MB."""
    total = 0
    for p in _tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


# --- what one step measures ----------------------------------------------------------------------------------------

@dataclass
class Stats:
    sent: int = 0
    replies: list[float] = field(default_factory=list)  # seconds from a message to the bot's first reply
    agent: list[float] = field(default_factory=list)  # seconds from an agent's POST to the customer's frame
    handoffs: int = 0
    agent_missing: int = 0  # handed-off customers who heard from no agent within the wait
    errors: list[str] = field(default_factory=list)

    @property
    def no_reply(self) -> int:
        return self.sent - len(self.replies)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


@dataclass
class Setup:
    ws_urls: list[str]
    http_urls: list[str]
    public_key: str
    api_key: str
    agents: list[str]  # emails


class Run:
    """One step's customers and agents, sharing the stats and the agents' POST times."""

    def __init__(self, setup: Setup, traffic: Traffic, think: float, until: float) -> None:
        self.setup, self.traffic, self.think, self.until = setup, traffic, think, until
        self.stats = Stats()
        self.agent_posted: dict[int, float] = {}  # conversation id -> when an agent's reply was posted
        self.agents_ready = 0
        self.rng = random.Random(7)

    def _gaps(self):
        while True:
            yield self.think * self.rng.uniform(0.75, 1.25)

    async def widget_customer(self, i: int, start_at: float) -> None:
        """One widget customer until the step ends: a conversation handed to a person ends, and a new customer
        (a new socket and visitor) takes the place."""
        while time.monotonic() < self.until:
            await self.widget_conversation(i, start_at)
            start_at = time.monotonic() + self.think

    async def widget_conversation(self, i: int, start_at: float) -> None:
        """One customer's websocket: say hello, send the script on schedule, time each message's first reply."""
        url = self.setup.ws_urls[i % len(self.setup.ws_urls)]
        script, handoff = self.traffic.script(SCRIPT)
        locale = "en" if not any("\u3400" <= ch <= "\u9fff" for ch in script[0]) else "zh"
        sent: dict[str, float] = {}  # client_id -> when sent
        waiting: list[int] = []  # stored ids of messages not yet answered, oldest first
        ids: dict[int, str] = {}
        answered = [0]
        stats = self.stats
        try:
            async with websockets.connect(url, max_size=2**22, open_timeout=30) as ws:
                await ws.send(json.dumps({"type": "hello", "key": self.setup.public_key, "locale": locale}))
                ready = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if ready.get("type") != "ready":
                    stats.errors.append(f"hello: {ready}")
                    return
                conv_id = ready["conversation"]["id"]
                agent_heard, with_person = asyncio.Event(), asyncio.Event()

                async def read() -> None:
                    async for raw in ws:
                        frame = json.loads(raw)
                        kind = frame.get("type")
                        if kind == "error":
                            stats.errors.append(frame.get("code", "?"))
                        if kind == "conversation" and frame["conversation"]["status"] in ("with_agent", "closed"):
                            with_person.set()  # a person has the chat: the bot stays quiet from now on
                        if kind != "message":
                            continue
                        m, now = frame["message"], time.monotonic()
                        if m["sender"] == "customer" and m.get("client_id") in sent:
                            ids[m["id"]] = m["client_id"]
                            waiting.append(m["id"])
                        elif m["sender"] in ("bot", "system") and waiting and waiting[0] < m["id"]:
                            # The bot answers a conversation's messages one at a time, in order.
                            cid = ids.pop(waiting.pop(0))
                            answered[0] += 1
                            if now - sent[cid] <= NO_REPLY_SECONDS:
                                stats.replies.append(now - sent[cid])
                        elif m["sender"] == "agent":
                            posted = self.agent_posted.pop(conv_id, None)
                            if posted is not None:
                                stats.agent.append(now - posted)
                            agent_heard.set()

                reader = asyncio.create_task(read())
                try:
                    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
                    gaps = self._gaps()
                    for text in script:
                        if time.monotonic() > self.until or with_person.is_set():
                            break
                        cid = uuid.uuid4().hex
                        sent[cid] = time.monotonic()
                        stats.sent += 1
                        await ws.send(json.dumps({"type": "message", "client_id": cid, "text": text}))
                        await asyncio.sleep(next(gaps))
                    if handoff and len(sent) == len(script):  # asked for a person before the step ended
                        stats.handoffs += 1
                        try:
                            await asyncio.wait_for(agent_heard.wait(), NO_REPLY_SECONDS * 3)
                        except TimeoutError:
                            stats.agent_missing += 1
                    else:
                        # Until the step ends, then up to 10 s for the last answers.
                        await asyncio.sleep(max(0.0, self.until - time.monotonic()))
                    deadline = time.monotonic() + NO_REPLY_SECONDS
                    while answered[0] < len(sent) and time.monotonic() < deadline and not with_person.is_set():
                        await asyncio.sleep(0.1)
                    if with_person.is_set():
                        # Messages a person answers are not the bot's to answer: they are not counted.
                        stats.sent -= len(sent) - answered[0]
                finally:
                    reader.cancel()
        except (OSError, websockets.WebSocketException, TimeoutError) as exc:
            stats.errors.append(f"socket: {type(exc).__name__}")

    async def api_customer(self, i: int, start_at: float) -> None:
        """One customer on the API channel: each POST returns the bot's replies."""
        base = self.setup.http_urls[i % len(self.setup.http_urls)]
        script = self.traffic.script(SCRIPT, handoff=False)[0]  # no handoffs: nothing listens for a person here
        stats = self.stats
        headers = {"Authorization": f"Bearer {self.setup.api_key}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as c:
            try:
                r = await c.post("/api/v1/channels/api/conversations",
                                 json={"customer_id": f"api-{uuid.uuid4().hex}"})
            except (httpx.HTTPError, OSError) as exc:
                stats.errors.append(f"api open: {type(exc).__name__}")
                return
            if r.status_code != 200:
                stats.errors.append(f"api open {r.status_code}")
                return
            conv_id = r.json()["conversation"]["id"]
            await asyncio.sleep(max(0.0, start_at - time.monotonic()))

            async def post(text: str) -> None:
                t = time.monotonic()
                stats.sent += 1
                try:
                    r = await c.post(f"/api/v1/channels/api/conversations/{conv_id}/messages", json={"text": text})
                except (httpx.HTTPError, OSError) as exc:
                    stats.errors.append(f"api: {type(exc).__name__}")
                    return
                took = time.monotonic() - t
                if r.status_code == 200 and r.json()["replies"] and took <= NO_REPLY_SECONDS:
                    stats.replies.append(took)
                elif r.status_code == 403 and r.json()["error"]["code"] == "conversation_closed":
                    closed.set()  # the bot handed over and a person closed it: this customer is done
                    stats.sent -= 1
                elif r.status_code != 200:
                    stats.errors.append(f"api {r.status_code}")

            posts, closed = [], asyncio.Event()
            gaps = self._gaps()
            for text in script:
                if time.monotonic() > self.until or closed.is_set():
                    break
                posts.append(asyncio.create_task(post(text)))  # open loop: the next one goes on schedule
                await asyncio.sleep(next(gaps))
            await asyncio.gather(*posts)

    async def agent(self, email: str, stop: asyncio.Event, base: str, ws_url: str) -> None:
        """An agent with the workspace open: reply to each chat routing gives them, then close it."""
        try:
            await self._agent(email, stop, base, ws_url)
        except (OSError, httpx.HTTPError, websockets.WebSocketException, TimeoutError) as exc:
            self.stats.errors.append(f"agent: {type(exc).__name__}")

    async def _agent(self, email: str, stop: asyncio.Event, base: str, ws_url: str) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as c:
            r = await c.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
            r.raise_for_status()
            me = r.json()["id"]
            cookie = f"kefu_session={c.cookies.get('kefu_session')}"
            tasks: set[asyncio.Task] = set()

            async def serve(conv_id: int) -> None:
                await asyncio.sleep(0.5)  # reads the context, types
                self.agent_posted[conv_id] = time.monotonic()
                r = await c.post(f"/api/v1/conversations/{conv_id}/messages",
                                 json={"text": "您好，我是人工客服，这就为您处理。"})
                if r.status_code != 201:
                    self.stats.errors.append(f"agent reply {r.status_code}")
                await asyncio.sleep(1.0)
                await c.post(f"/api/v1/live/conversations/{conv_id}/close", json={"disposition": "resolved"})

            async with websockets.connect(ws_url, additional_headers={"Cookie": cookie}, max_size=2**22) as ws:
                await asyncio.wait_for(ws.recv(), 60)  # ready: present, so routing gives them chats
                self.agents_ready += 1
                taken: set[int] = set()
                while not stop.is_set():
                    try:
                        frame = json.loads(await asyncio.wait_for(ws.recv(), 1.0))
                    except TimeoutError:
                        continue
                    event = frame.get("event") or {}
                    conv = event.get("conversation") or {}
                    if conv.get("assigned_user_id") == me and conv.get("status") == "with_agent" \
                            and conv["id"] not in taken:
                        taken.add(conv["id"])
                        task = asyncio.create_task(serve(conv["id"]))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
            await asyncio.gather(*tasks, return_exceptions=True)


async def idle_customers(setup: Setup, n: int, stop: asyncio.Event) -> int:
    """Hold n more widget sockets open (connected, silent); return how many connected."""
    connected = 0

    async def one(i: int) -> None:
        nonlocal connected
        try:
            async with websockets.connect(setup.ws_urls[i % len(setup.ws_urls)], open_timeout=60) as ws:
                await ws.send(json.dumps({"type": "hello", "key": setup.public_key}))
                await asyncio.wait_for(ws.recv(), 60)
                connected += 1
                while not stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(ws.recv(), 5)
        except (OSError, websockets.WebSocketException, TimeoutError):
            pass

    tasks = []
    for i in range(n):
        tasks.append(asyncio.create_task(one(i)))
        if i % 50 == 49:
            await asyncio.sleep(0.2)  # not all handshakes at once
    while connected < n and not all(t.done() for t in tasks):
        await asyncio.sleep(0.2)
    return connected


async def run_step(setup: Setup, rate: float, seconds: float, think: float, api_share: float,
                   traffic: Traffic, pids: list[int]) -> dict:
    """Offer rate messages/s for seconds; return the step's figures."""
    customers = max(1, round(rate * think))
    n_api = round(customers * api_share)
    ramp = min(5.0, customers / 40)
    begin = time.monotonic() + ramp + 1.0
    run = Run(setup, traffic, think, begin + seconds)
    stop = asyncio.Event()
    agents = [asyncio.create_task(run.agent(email, stop, setup.http_urls[i % len(setup.http_urls)],
                                            setup.ws_urls[i % len(setup.ws_urls)].replace("/widget/", "/live/")))
              for i, email in enumerate(setup.agents)]
    deadline = time.monotonic() + 60
    while run.agents_ready < len(agents) and time.monotonic() < deadline and not all(a.done() for a in agents):
        await asyncio.sleep(0.1)  # agents on duty before the first customer asks for one
    begin = time.monotonic() + ramp + 1.0
    run.until = begin + seconds
    tasks = []
    for i in range(customers):
        # Spread over one think time, so the first messages do not all land in the same instant.
        start_at = begin + think * i / customers
        tasks.append(asyncio.create_task(run.api_customer(i, start_at) if i < n_api
                                         else run.widget_customer(i, start_at)))
        await asyncio.sleep(ramp / customers)
    await asyncio.sleep(max(0.0, begin - time.monotonic()))
    cpu0, client0, t0 = cpu_seconds(pids), time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    cpu1, client1, t1 = cpu_seconds(pids), time.process_time(), time.monotonic()
    await asyncio.gather(*tasks)
    stop.set()
    await asyncio.gather(*agents, return_exceptions=True)
    s = run.stats
    wall = t1 - t0
    return {"offered": rate, "customers": customers, "api": n_api, "sent_rate": s.sent / wall,
            "served_rate": len(s.replies) / wall, "p50": pct(s.replies, 50) * 1000, "p99": pct(s.replies, 99) * 1000,
            "sent": s.sent, "no_reply": s.no_reply, "errors": len(s.errors), "error_kinds": sorted(set(s.errors))[:5],
            "handoffs": s.handoffs, "agent_n": len(s.agent), "agent_missing": s.agent_missing,
            "agent_p50": pct(s.agent, 50) * 1000, "agent_p99": pct(s.agent, 99) * 1000,
            "cpu_ms_per_msg": (cpu1 - cpu0) * 1000 / max(1, len(s.replies)),
            "server_cpu": (cpu1 - cpu0) / wall, "client_cpu": (client1 - client0) / wall,
            "rss_mb": [round(rss_mb(p)) for p in pids], "load": os.getloadavg()[0]}


# --- setting up ----------------------------------------------------------------------------------------------------

def prepare_database(database: str, postgres_url: str, tmp: Path, agents: int) -> tuple[str, object, str, list[str]]:
    """A fresh database with the demo shop, an API key and agents; return (url, demo info, api key, agent emails)."""
    from kefu.config import Settings
    from kefu.db import Database
    from kefu.demo.seed import seed_demo
    from kefu.migrate import upgrade
    from kefu.runtime import Runtime
    from kefu.tenants.actions import do_create_api_key, do_create_user

    if database == "sqlite":
        url = f"sqlite:///{tmp / 'load.db'}"
    else:
        from tests.conftest import wipe

        url = postgres_url
        upgrade(url)
        wipe(url)
    upgrade(url)
    info = seed_demo(Database(url))
    rt = Runtime(Settings(database_url=url))
    emails = []
    with rt.db.session() as db:
        _key, secret = do_create_api_key(db, tenant_id=info.tenant_id, name="load")
        for i in range(agents):
            user = do_create_user(db, tenant_id=info.tenant_id, email=f"load-agent{i}@demo.kefu",
                                  name=f"Agent {i}", role="agent", password=PASSWORD)
            user.status, user.max_chats = "online", 8
            emails.append(user.email)
    rt.db.dispose()
    return url, info, secret, emails


def start_servers(url: str, redis_url: str | None, processes: int, tmp: Path) -> list:
    from tests.support.server import LiveServer

    # Generous limits: the benchmark measures the server, not the per-customer rate limit.
    env = {"KEFU_RATE_LIMIT_MESSAGES": "100000", "KEFU_AGENT_SWEEP_SECONDS": "15"}
    servers = []
    for _ in range(processes):
        servers.append(LiveServer(url, redis_url=redis_url, log_dir=tmp, env=env).start(timeout=120))
    return servers


def wait_warm(servers, api_key: str) -> float:
    """Ask each server one question (the models load in the background at start); return the slowest, in s."""
    worst = 0.0
    for s in servers:
        with httpx.Client(base_url=s.base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=120) as c:
            cid = c.post("/api/v1/channels/api/conversations", json={"customer_id": "warm"}).json()
            t = time.monotonic()
            c.post(f"/api/v1/channels/api/conversations/{cid['conversation']['id']}/messages",
                   json={"text": "多久发货"}).raise_for_status()
            worst = max(worst, time.monotonic() - t)
    return worst


def header(args, servers) -> str:
    return (f"database={args.database} redis={'yes' if args.redis else 'no'} processes={len(servers)} "
            f"think={args.think}s seconds/step={args.seconds} handoff={args.handoff} agents={args.agents} "
            f"api-share={args.api_share} idle={args.idle} cores={os.cpu_count()}")


def row(r: dict) -> str:
    return (f"| {r['offered']:g} | {r['customers']} | {r['sent_rate']:.1f} | {r['served_rate']:.1f} | "
            f"{r['p50']:.0f} | {r['p99']:.0f} | {r['no_reply']}/{r['sent']} | {r['errors']} | "
            f"{r['agent_n']}/{r['handoffs']} | {r['agent_p50']:.0f} | {r['agent_p99']:.0f} | "
            f"{r['cpu_ms_per_msg']:.1f} | {r['server_cpu']:.2f} | {r['client_cpu']:.2f} | "
            f"{'+'.join(map(str, r['rss_mb']))} | {r['load']:.1f} |")


TABLE_HEAD = ("| offered msg/s | customers | sent msg/s | served msg/s | reply p50 ms | reply p99 ms | "
              "no reply ≤10 s | errors | agent replies heard / handoffs asked | agent p50 ms | agent p99 ms | "
              "server CPU-ms/msg | server cores busy | "
              "bench cores busy | server RSS MB | load avg |\n" + "|---" * 16 + "|")


async def drive(args, setup: Setup, pids: list[int]) -> list[dict]:
    traffic = Traffic(seed=17, handoff_share=args.handoff)
    results = []
    stop_idle = asyncio.Event()
    if args.idle:
        # The sockets stay open in their own tasks until the last step is done.
        print(f"idle customers connected: {await idle_customers(setup, args.idle, stop_idle)}", flush=True)
    print(TABLE_HEAD, flush=True)
    for rate in args.steps:
        r = await run_step(setup, rate, args.seconds, args.think, args.api_share, traffic, pids)
        results.append(r)
        print(row(r), flush=True)
        if r["error_kinds"]:
            print(f"    errors: {r['error_kinds']}", flush=True)
    stop_idle.set()
    return results


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", default="30,60,100", help="offered messages per second, one step each")
    ap.add_argument("--seconds", type=float, default=30.0, help="how long each step offers its load")
    ap.add_argument("--think", type=float, default=2.0, help="seconds between one customer's messages")
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--postgres-url", default=POSTGRES_URL, help="wiped first (default: KEFU_TEST_POSTGRES_URL)")
    ap.add_argument("--redis", nargs="?", const=REDIS_URL, default=None,
                    help="use Redis for the bus, locks and limits (default URL: KEFU_TEST_REDIS_URL); flushed first")
    ap.add_argument("--processes", type=int, default=1, help="kefu serve processes, each on its own port")
    ap.add_argument("--handoff", type=float, default=0.05, help="share of conversations that ask for a person")
    ap.add_argument("--agents", type=int, default=4, help="agents with the workspace open")
    ap.add_argument("--api-share", type=float, default=0.1, help="share of customers on the API channel")
    ap.add_argument("--idle", type=int, default=0, help="extra connected customers who write nothing")
    args = ap.parse_args(argv)
    args.steps = [float(x) for x in str(args.steps).split(",") if x]
    if args.processes > 1 and not (args.redis and args.database == "postgresql"):
        ap.error("more than one process needs --database postgresql and --redis")

    tmp = Path(tempfile.mkdtemp(prefix="kefu-load-"))
    url, info, api_key, agents = prepare_database(args.database, args.postgres_url, tmp, args.agents)
    if args.redis:
        import redis

        redis.Redis.from_url(args.redis).flushdb()
    t = time.monotonic()
    servers = start_servers(url, args.redis, args.processes, tmp)
    started = time.monotonic() - t
    try:
        first = wait_warm(servers, api_key)
        setup = Setup([s.base_url.replace("http", "ws") + "/api/v1/widget/ws" for s in servers],
                      [s.base_url for s in servers], info.public_key, api_key, agents)
        pids = [s.proc.pid for s in servers]
        print(header(args, servers))
        print(f"start-up: {started:.1f} s to /healthz for {len(servers)} process(es), first answer {first:.2f} s; "
              f"RSS after warm-up {'+'.join(str(round(rss_mb(p))) for p in pids)} MB; uptime: "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        return asyncio.run(drive(args, setup, pids))
    finally:
        for s in servers:
            s.stop()


if __name__ == "__main__":
    main()
