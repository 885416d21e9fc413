"""Time the steps the bot adds to every customer message besides the knowledge match: emotion and flow intent.

    python -m bench.bot_steps

Each step runs once on each of the 473 customer-style questions of bench/data/pack_questions_{zh,en}.csv, after a
warm-up (the server warms the same models at start), in the bot's order: the knowledge match first (it embeds the
text), then the flow intent (which finds the embedding cached), while emotion embeds the raw text itself.
"""
from __future__ import annotations

import csv
import statistics
import tempfile
import time
from pathlib import Path

from kefu.bot.engine import Bot
from kefu.config import Settings
from kefu.db import Database
from kefu.demo.seed import seed_demo
from kefu.emotion import detect
from kefu.migrate import upgrade
from kefu.runtime import Runtime

DATA = Path(__file__).parent / "data"


def timed(fn, texts: list[str]) -> tuple[float, float]:
    lat = []
    for text in texts:
        t = time.perf_counter()
        fn(text)
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    return statistics.median(lat), lat[min(len(lat) - 1, int(0.99 * len(lat)))]


def main() -> None:
    texts = []
    for lang in ("zh", "en"):
        with open(DATA / f"pack_questions_{lang}.csv", encoding="utf-8", newline="") as f:
            texts += [row["text"] for row in csv.DictReader(f)]
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='kefu-bench-')) / 'steps.db'}"
    upgrade(url)
    info = seed_demo(Database(url))
    rt = Runtime(Settings(database_url=url))
    bot = Bot()
    bot.warm_up()
    with rt.db.session() as db:
        matcher = bot.index.get(db, info.tenant_id)
        steps = {"emotion (kefu.emotion.detect)": detect,
                 "knowledge match, demo shop (embeds the text)": matcher.match,
                 "flow intent (FlowIntents.match, embedding cached)": bot.intents.match}
        print(f"{len(texts)} messages, one process\n\n| step | p50 ms | p99 ms |\n|---|---|---|")
        for name, fn in steps.items():
            p50, p99 = timed(fn, texts)
            print(f"| {name} | {p50:.2f} | {p99:.2f} |")
    rt.db.dispose()


if __name__ == "__main__":
    main()
