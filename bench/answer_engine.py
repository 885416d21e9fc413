"""Answer-engine benchmark: kefu's hybrid matcher against plain baselines, run the same way on the same data.

    python -m bench.answer_engine [--sets banking77,clinc150,lcqmc] [--skip-baselines] [--embedder use+minilm]

Uses ../shared/eval (test splits; the thresholds were tuned on clinc150_val by bench/tune.py). Also measures
latency on a 1,000-point knowledge base, index build time for 1k and 10k points, and memory per loaded shop.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.shared import SHARED
from kefu.bot.evaluate import entries, evaluate, load_kb, read_queries
from kefu.bot.index import KnowledgeIndex
from kefu.nlu.embed import make_embedder, make_embedders
from kefu.nlu.hybrid import HybridMatcher
from kefu.nlu.matcher import Candidate, CharTfidfMatcher, Entry, MatchResult

EVAL = SHARED / "eval"


class UseNearestNeighbour:
    """Baseline: the closest example by USE cosine, always answered."""

    def __init__(self, entries: list[Entry], embedder):
        self.embedder = embedder
        self.texts, self.owners = [], []
        self.questions = {e.point_id: e.question for e in entries}
        for e in entries:
            for t in (e.question, *e.similar_questions):
                self.texts.append(t)
                self.owners.append(e.point_id)
        self.vectors = embedder.encode(self.texts)

    def match(self, text: str) -> MatchResult:
        sims = self.vectors @ self.embedder.encode([text])[0]
        pid = self.owners[int(np.argmax(sims))]
        return MatchResult("answer", [Candidate(pid, self.questions[pid], float(sims.max()))])


def always_answer_tfidf(entries):
    return CharTfidfMatcher(entries, answer_at=0.0, clarify_at=0.0)


def line(name: str, s: dict) -> str:
    return (f"| {name} | {s['direct_accuracy']:.2f} | {s['answered_wrongly']:.2f} | "
            f"{s['clarified_with_right_candidate']:.2f} | {s['top1_accuracy']:.2f} | "
            f"{s['oos_not_answered']:.2f} | {s['latency_p50_ms']:.1f} / {s['latency_p99_ms']:.1f} |")


def scale() -> None:
    """Build time and memory for 1k and 10k points (LCQMC sentences), and latency on the 1k index.

    Each size gets a fresh embedder and an empty segmentation cache, so "cold" really embeds and segments every
    text, and queries are not cached.
    """
    import tracemalloc

    from kefu.nlu import tokenize
    from kefu.nlu.embed import CachedEmbedder, UseEmbedder

    kb = entries(load_kb(EVAL / "lcqmc_kb.csv"))
    queries = [q for q, _ in read_queries(EVAL / "lcqmc_queries.csv")][:1000]
    for n in (1000, 10000):
        embedder = CachedEmbedder(UseEmbedder())
        tokenize._cuts.clear()
        subset = kb[:n]
        for label in ("cold (every embedding computed)", "warm (embeddings and segmentation cached)"):
            gc.collect()
            tracemalloc.start()
            t = time.perf_counter()
            m = HybridMatcher(subset, embedder=embedder)
            build = time.perf_counter() - t
            current, _peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"{n:>6} points, {label}: build {build:.2f} s, memory held {current / 2**20:.1f} MB")
        # What the bot does after an edit: one point gets a new similar question; the last index lends its bulk.
        edited = list(subset)
        edited[0] = Entry(subset[0].point_id, subset[0].question, (*subset[0].similar_questions, "这个问题换个问法"))
        t = time.perf_counter()
        after = HybridMatcher(edited, embedder=embedder, previous=m)
        print(f"{n:>6} points, after an edit (one new similar question): build "
              f"{time.perf_counter() - t:.2f} s, {len(after.lexical.added)} text(s) scored by hand")
        del after
        if n == 1000:
            lat = []
            for q in queries:
                t = time.perf_counter()
                m.match(q)
                lat.append((time.perf_counter() - t) * 1000)
            print(f"  latency on 1,000 points ({len(lat)} LCQMC queries, none cached): "
                  f"p50 {np.percentile(lat, 50):.1f} ms, p99 {np.percentile(lat, 99):.1f} ms")
        del m


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="banking77,clinc150,lcqmc")
    ap.add_argument("--skip-baselines", action="store_true")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--embedder", default="use",
                    help="kefu's embedder setting for the hybrid rows, e.g. use+minilm (needs the english extra)")
    args = ap.parse_args()
    embedder = make_embedder("use")
    label, (primary, extras) = "kefu hybrid", (embedder, ())
    if args.embedder != "use":
        label, (primary, extras) = f"kefu hybrid ({args.embedder})", make_embedders(args.embedder)
    print("| set / matcher | direct right % | answered wrong % | clarified right % | top-1 % | OOS not answered % "
          "| p50 / p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for name in filter(None, args.sets.split(",")):
        kb, queries = EVAL / f"{name}_kb.csv", EVAL / f"{name}_queries.csv"
        out = Path(tempfile.gettempdir()) / f"kefu-eval-{name}.jsonl"
        index = KnowledgeIndex(primary, background=False, classifier_embedders=extras)
        report = evaluate(kb, queries, out, index=index)
        print(line(f"{name}: {label}", report.summary()), flush=True)
        if not args.skip_baselines:
            r = evaluate(kb, queries, index=KnowledgeIndex(None, background=False, factory=always_answer_tfidf))
            print(line(f"{name}: char-TF-IDF nearest neighbour", r.summary()), flush=True)
            r = evaluate(kb, queries, index=KnowledgeIndex(None, background=False,
                                                           factory=lambda e: UseNearestNeighbour(e, embedder)))
            print(line(f"{name}: USE nearest neighbour", r.summary()), flush=True)
    if not args.skip_scale:
        scale()


if __name__ == "__main__":
    main()
