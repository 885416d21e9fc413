"""How well the pack import finds the shop's own points a pack point repeats (kefu/packs/duplicates.py).

    python -m bench.pack_duplicates [--embedder use]

The demo shop (kefu/demo, freshly seeded) against ecommerce-zh, with the demo's facts filled in, through the
import's own code (kefu.packs.duplicates). A person listed which pack points repeat one of the demo's points
(bench/data/pack_duplicates_zh.csv; the rule: one of the demo point's question or similar questions asks what the
pack point's question asks). This prints precision and recall of "linked" and of "linked or sent to review" at the
cut-offs the import uses and at neighbouring ones, then every pair linked, reviewed or in the list.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from kefu.db import Database
from kefu.demo.seed import seed_demo
from kefu.migrate import upgrade
from kefu.packs import duplicates as dup
from kefu.packs.fill import fill_point, values_for
from kefu.packs.sources import BUILTIN_DIR, read_pack_file
from kefu.tenants.models import Tenant

DATA = Path(__file__).parent / "data"


def gold() -> dict[str, str]:
    with (DATA / "pack_duplicates_zh.csv").open(encoding="utf-8") as f:
        return {row["pack_key"]: row["shop_question"] for row in csv.DictReader(f)}


def detect(embedder_spec: str, cutoffs: list[tuple[float, float, float, float]]):
    """For each set of cut-offs (link, back sure, review, back near): every pack point the import would link or send
    to review (Duplicate by key), with the time detection took; and the pack's questions."""
    pack = read_pack_file(BUILTIN_DIR / "ecommerce-zh" / "1.0.0.json")
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        upgrade(url)
        database = Database(url)
        info = seed_demo(database)
        with database.session() as db:
            tenant = db.get(Tenant, info.tenant_id)
            values = values_for(pack.defaults(), tenant.facts, tenant.name)
            filled = {p.key: fill_point(p.template(), values) for p in pack.points}
            saved = (dup.LINK_AT, dup.BACK_SURE, dup.REVIEW_AT, dup.BACK_NEAR)
            try:
                for cut in cutoffs:
                    dup.LINK_AT, dup.BACK_SURE, dup.REVIEW_AT, dup.BACK_NEAR = cut
                    started = time.perf_counter()
                    finder = dup.shop_finder(db, tenant_id=info.tenant_id, embedder=dup.embedder_for(embedder_spec))
                    found = finder.find_all(filled)
                    runs.append((cut, found, time.perf_counter() - started))
            finally:
                dup.LINK_AT, dup.BACK_SURE, dup.REVIEW_AT, dup.BACK_NEAR = saved
        database.dispose()
    return runs, {k: f["question"] for k, f in filled.items()}


def pr(predicted: dict[str, str], truth: dict[str, str]) -> tuple[int, int, float, float]:
    right = sum(1 for k, q in predicted.items() if truth.get(k) == q)
    return len(predicted), right, right / len(predicted) if predicted else 1.0, right / len(truth)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--embedder", default="use")
    args = ap.parse_args()
    truth = gold()
    chosen = (dup.LINK_AT, dup.BACK_SURE, dup.REVIEW_AT, dup.BACK_NEAR)
    cutoffs = [chosen, (0.6, 0.9, 0.4, 0.85), (0.8, 0.9, 0.4, 0.85), (0.7, 0.9, 0.3, 0.85), (0.7, 0.9, 0.5, 0.85),
               (0.7, 0.9, 0.4, 0.8), (0.7, 0.9, 0.4, 0.9)]
    runs, questions = detect(args.embedder, cutoffs)
    print(f"ecommerce-zh ({len(questions)} points) against the demo shop's own points; {len(truth)} duplicates "
          f"listed by hand\n")
    print("| link ≥ / back ≥ | review ≥ / back ≥ | linked | right | precision | recall | to review | of them "
          "right | recall, linked or to review | time |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (link_at, back_sure, review_at, back_near), found, took in runs:
        linked = {k: d.question for k, d in found.items() if d.sure}
        review = {k: d.question for k, d in found.items() if not d.sure}
        n, right, p, r = pr(linked, truth)
        _, right_any, _, r_any = pr({**linked, **review}, truth)
        mark = " (kefu's)" if (link_at, back_sure, review_at, back_near) == chosen else ""
        print(f"| {link_at} / {back_sure}{mark} | {review_at} / {back_near} | {n} | {right} | {p:.1%} | {r:.1%} | "
              f"{len(review)} | {right_any - right} | {r_any:.1%} | {took:.1f} s |")
    found = runs[0][1]
    print("\nAt kefu's cut-offs: every pair linked or sent to review, and every pair in the list")
    for key in sorted(set(found) | set(truth), key=lambda k: -(found[k].score if k in found else 0)):
        d = found.get(key)
        verdict = d.verdict if d else "-"
        if d is None:
            mark = "MISS"
        elif truth.get(key) == d.question:
            mark = "ok"
        else:
            mark = "wrong" if key in truth else "extra"
        got = f"{d.question} (score {d.score:.2f}, back {d.back:.2f})" if d else "(not found)"
        print(f"  {verdict:<6} {mark:<5} {key:<32} {questions[key]} → {got}"
              + (f"; by hand: {truth[key]}" if key in truth and (d is None or truth[key] != d.question) else ""))


if __name__ == "__main__":
    main()
