"""Break one customer message's cost down by stage, in process: CPU-ms and wall-ms per message.

    python -m bench.message_cost [--messages 400] [--database sqlite|postgresql] [--redis] [--profile]

Runs the widget's own code path (kefu/channels/widget.py `_start` and `_post`: store the message, commit, the bot
answers in the commit's aftermath, the ack is serialised) for realistic demo-shop traffic (bench/traffic.py) on one
thread, after a warm-up. Each stage's time is its own, without the stages it calls (embedding inside emotion counts
as embed); "other" is the bot's remaining logic (policy, regexes, state, texts) and the channel's glue. The wall
column minus the CPU column is waiting: for the database's and Redis's round trips.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import json
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench.traffic import Traffic
from tests.conftest import POSTGRES_URL, REDIS_URL

# (stage, "module:attr" or "module:Class.method"), in the order the table prints them.
STAGES = [
    ("normalise", "kefu.nlu.normalize:normalize"), ("normalise", "kefu.nlu.normalize:strip_chatter"),
    ("segment", "kefu.nlu.tokenize:cut"),
    ("embed", "kefu.nlu.embed:CachedEmbedder.encode"), ("embed", "kefu.nlu.embed:UseEmbedder.encode"),
    ("match", "kefu.nlu.hybrid:HybridMatcher.match"), ("match", "kefu.bot.index:KnowledgeIndex.get"),
    ("emotion", "kefu.emotion.model:EmotionModel.predict"),
    ("entities", "kefu.nlu.entities:extract"),
    ("flows", "kefu.flows.intent:FlowIntents.rank"), ("flows", "kefu.flows.intent:FlowIntents.match"),
    ("flows", "kefu.flows.runner:start"), ("flows", "kefu.flows.runner:answer"),
    ("products", "kefu.products.answer:Expert.answer"), ("products", "kefu.products.chat:recommend_reply"),
    ("database", "sqlalchemy.orm:Session.execute"), ("database", "sqlalchemy.orm:Session.scalar"),
    ("database", "sqlalchemy.orm:Session.scalars"), ("database", "sqlalchemy.orm:Session.get"),
    ("database", "sqlalchemy.orm:Session.flush"), ("database", "sqlalchemy.orm:Session.commit"),
    ("database", "sqlalchemy.orm:Session.begin_nested"), ("database", "sqlalchemy.orm:Session.close"),
    ("database", "sqlalchemy.orm:Session.rollback"),
    ("redis", "redis.lock:Lock.acquire"), ("redis", "redis.lock:Lock.release"),
    ("redis", "kefu.infra.ratelimit:RedisRateLimiter.allow"),
    ("publish", "kefu.infra.bus:EventBus.publish"), ("publish", "kefu.infra.bus:RedisEventBus.publish"),
    ("serialisation", "kefu.conversations.actions:message_event"),
    ("serialisation", "kefu.conversations.actions:conversation_event"),
    ("serialisation", "bench.message_cost:send_frames"),
]
ORDER = ["normalise", "segment", "embed", "match", "emotion", "entities", "flows", "products", "database", "redis",
         "publish", "serialisation", "other"]


class StageClock:
    """Exclusive CPU and wall time per stage on the calling thread (a stage's callees that are stages too are
    subtracted from it)."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)
        self.stack: list[list] = []  # [stage, cpu0, wall0, child_cpu, child_wall]
        self.on = False

    def wrap(self, stage: str, fn):
        clock = self

        @functools.wraps(fn)
        def timed(*args, **kwargs):
            if not clock.on:
                return fn(*args, **kwargs)
            frame = [stage, time.thread_time(), time.perf_counter(), 0.0, 0.0]
            clock.stack.append(frame)
            try:
                return fn(*args, **kwargs)
            finally:
                clock.stack.pop()
                cpu, wall = time.thread_time() - frame[1], time.perf_counter() - frame[2]
                clock.cpu[stage] += cpu - frame[3]
                clock.wall[stage] += wall - frame[4]
                if clock.stack:
                    clock.stack[-1][3] += cpu
                    clock.stack[-1][4] += wall

        timed.__wrapped_stage__ = True
        return timed


def install(clock: StageClock) -> None:
    """Wrap every stage's function where it is defined and wherever a module imported it by name."""
    import importlib

    for stage, target in STAGES:
        mod_name, attr = target.split(":")
        try:
            mod = importlib.import_module(mod_name)
        except ImportError:
            continue
        if "." in attr:
            cls_name, meth = attr.split(".")
            cls = getattr(mod, cls_name, None)
            if cls is None or getattr(getattr(cls, meth), "__wrapped_stage__", False):
                continue
            setattr(cls, meth, clock.wrap(stage, getattr(cls, meth)))
            continue
        original = getattr(mod, attr)
        wrapped = clock.wrap(stage, original)
        for other in list(sys.modules.values()):
            if other is not None and getattr(other, attr, None) is original:
                setattr(other, attr, wrapped)


def send_frames(frames: list[dict]) -> None:
    """What the websockets send: each frame as JSON (the customer's tab and one agent's workspace)."""
    for frame in frames:
        json.dumps(frame, ensure_ascii=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=400)
    ap.add_argument("--customers", type=int, default=20, help="conversations the messages are spread over")
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--postgres-url", default=POSTGRES_URL, help="wiped first (default: KEFU_TEST_POSTGRES_URL)")
    ap.add_argument("--redis", nargs="?", const=REDIS_URL, default=None,
                    help="use Redis for the bus, locks and limits (default URL: KEFU_TEST_REDIS_URL)")
    ap.add_argument("--profile", action="store_true", help="also print cProfile's 30 costliest functions")
    args = ap.parse_args()

    from kefu.bot.engine import Bot
    from kefu.bot.index import KnowledgeIndex
    from kefu.channels import widget
    from kefu.config import Settings
    from kefu.db import Database
    from kefu.demo.seed import seed_demo
    from kefu.live import actions as live_actions
    from kefu.migrate import upgrade
    from kefu.runtime import Runtime

    if args.database == "sqlite":
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='kefu-bench-')) / 'cost.db'}"
    else:
        from tests.conftest import wipe

        url = args.postgres_url
        upgrade(url)
        wipe(url)
    upgrade(url)
    info = seed_demo(Database(url))
    rt = Runtime(Settings(database_url=url, redis_url=args.redis, rate_limit_messages=1_000_000))
    bot = Bot(KnowledgeIndex(rt.settings.embedder))
    bot.install(rt)
    live_actions.install(rt)
    bot.warm_up()

    clock = StageClock()
    install(clock)
    # Every published event is sent to its subscribers as JSON: count the frames a socket would send.
    for cls in {type(rt.bus), *type(rt.bus).__mro__}:
        if "publish" in vars(cls):
            original = vars(cls)["publish"]

            def publish(self, channel, event, _original=original):
                _original(self, channel, event)
                kind = {"message_created": "message", "conversation_updated": "conversation"}.get(event["type"])
                if kind:
                    send_frames([{"type": kind, kind: event.get(kind)}])
            cls.publish = publish
            break

    traffic = Traffic(seed=17)
    sessions = [widget._start(rt, {"type": "hello", "key": info.public_key, "locale": "zh"})[0]
                for _ in range(args.customers)]

    def one(i: int, text: str) -> None:
        s = sessions[i % len(sessions)]
        out = widget._post(rt, s, text, f"c{i}")
        send_frames([{"type": "ack", "client_id": f"c{i}", "message": out}])

    texts = traffic.messages(args.messages)
    warm = min(40, len(texts))
    for i, text in enumerate(texts[:warm]):
        one(i, text)  # the first turns build the shop's matcher and caches: not what a message costs
    profiler = cProfile.Profile() if args.profile else None
    clock.on = True
    cpu0, wall0 = time.thread_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    for i, text in enumerate(texts[warm:], start=warm):
        one(i, text)
    if profiler:
        profiler.disable()
    cpu, wall = time.thread_time() - cpu0, time.perf_counter() - wall0
    clock.on = False
    n = len(texts) - warm
    clock.cpu["other"] = cpu - sum(clock.cpu.values())
    clock.wall["other"] = wall - sum(clock.wall.values())

    print(f"database={args.database} redis={'yes' if args.redis else 'no'} messages={n} "
          f"conversations={len(sessions)} (one thread, after {warm} warm-up messages)\n")
    print("| stage | CPU ms/msg | wall ms/msg | share of CPU |\n|---|---:|---:|---:|")
    for stage in ORDER:
        c, w = clock.cpu.get(stage, 0.0), clock.wall.get(stage, 0.0)
        print(f"| {stage} | {c / n * 1000:.2f} | {w / n * 1000:.2f} | {c / cpu * 100:.0f} % |")
    per = cpu / n * 1000
    print(f"| **total** | **{per:.2f}** | **{wall / n * 1000:.2f}** | 100 % |")
    print(f"\nceiling on 2 cores at this cost: {2000 / per:.0f} msg/s (CPU alone; one core: {1000 / per:.0f})")
    if profiler:
        print()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    rt.db.dispose()


if __name__ == "__main__":
    main()
