"""Measure start-up, memory per process and per loaded shop, and how many shops one process keeps warm.

    python -m bench.shops [--shops 20] [--pack ecommerce-zh] [--budget-mb 2048] [--no-serve]

In process: load the models (what `kefu serve` warms at start), then build the bot's matcher for --shops shops,
each with the whole built-in pack as its knowledge (311 points and their ~2,500 similar questions for
ecommerce-zh: a well-stocked shop), the per-shop classifier trained as the server would in the background. Prints
the resident memory after the models and per shop, the build time (the first shop embeds every text; the others
find them in the embedding cache, as shops sharing a pack do), a match's cost in such a shop, and how many shops fit
in --budget-mb. Then (unless --no-serve) a real `kefu serve` on a fresh demo database: seconds to /healthz, to the
first answer, and its RSS.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import tempfile
import time
from pathlib import Path

from bench.load import prepare_database, rss_mb, start_servers, wait_warm

PACKS = Path(__file__).resolve().parents[1] / "kefu" / "packs" / "data"


def self_rss_mb() -> float:
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pack_entries(pack: str):
    from kefu.nlu.matcher import Entry

    path = max((PACKS / pack).glob("*.json"))  # the newest version
    points = json.loads(path.read_text(encoding="utf-8"))["points"]
    return [Entry(i, p["question"], tuple(p.get("similar", ()))) for i, p in enumerate(points)], path.name


def in_process(args) -> None:
    t0, rss0 = time.perf_counter(), self_rss_mb()
    from kefu.bot.engine import Bot
    from kefu.bot.index import KnowledgeIndex
    from kefu.config import Settings

    bot = Bot(KnowledgeIndex(Settings().embedder, background=False))
    bot.warm_up()
    models = time.perf_counter() - t0
    base = self_rss_mb()
    entries, version = pack_entries(args.pack)
    texts = sum(1 + len(e.similar_questions) for e in entries)
    print(f"python {rss0:.0f} MB before kefu; models loaded in {models:.1f} s (embedding, segmenter, emotion, flow "
          f"intents): RSS {base:.0f} MB")
    print(f"shop knowledge: {args.pack} {version}, {len(entries)} points, {texts} texts\n")
    print("| shops warm | last build s | RSS MB | MB per shop (so far) |\n|---:|---:|---:|---:|")
    shops, first_rss, builds = [], None, []
    for n in range(1, args.shops + 1):
        t = time.perf_counter()
        matcher = bot.index.build(entries)
        if matcher.wants_classifier():
            matcher.train_classifier()  # the server trains it in the background, then keeps it
        builds.append(time.perf_counter() - t)
        shops.append(matcher)
        rss = self_rss_mb()
        if n == 1:
            first_rss = rss
        per = (rss - first_rss) / (n - 1) if n > 1 else rss - base
        if n in (1, 2, 5) or n % 10 == 0 or n == args.shops:
            print(f"| {n} | {builds[-1]:.2f} | {rss:.0f} | {per:.1f} |", flush=True)
    per_shop = (self_rss_mb() - first_rss) / max(1, args.shops - 1)
    questions = [e.question for e in entries[:100]] + [s for e in entries[:20] for s in e.similar_questions[:2]]
    lat = []
    for q in questions:
        t = time.perf_counter()
        shops[-1].match(q + "呢")  # not the stored text itself
        lat.append((time.perf_counter() - t) * 1000)
    print(f"\nfirst shop built in {builds[0]:.1f} s (embeds every text), the next in "
          f"{statistics.median(builds[1:] or builds):.2f} s each (median); match in such a shop "
          f"{statistics.median(lat):.2f} ms median")
    print(f"memory: process with models {base:.0f} MB, each warm shop {per_shop:.1f} MB -> "
          f"{max(0, int((args.budget_mb - base) / max(per_shop, 0.01)))} shops like this warm in {args.budget_mb} MB")


def served(args) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="kefu-shops-"))
    url, _info, api_key, _ = prepare_database("sqlite", "", tmp, 0)
    t = time.monotonic()
    server = start_servers(url, None, 1, tmp)[0]
    healthz = time.monotonic() - t
    try:
        first = wait_warm([server], api_key)
        print(f"\nkefu serve (demo shop, SQLite): /healthz after {healthz:.1f} s, first answer {first:.2f} s later "
              f"(models still loading), RSS {rss_mb(server.proc.pid):.0f} MB after the first answer")
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shops", type=int, default=20)
    ap.add_argument("--pack", default="ecommerce-zh", help="built-in pack whose points each shop has")
    ap.add_argument("--budget-mb", type=int, default=2048, help="memory one process may use")
    ap.add_argument("--no-serve", action="store_true", help="skip the real `kefu serve` start-up")
    args = ap.parse_args()
    in_process(args)
    if not args.no_serve:
        served(args)


if __name__ == "__main__":
    main()
