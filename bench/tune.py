"""Fit the confidence calibrations on validation data only (CLINC150 val; LCQMC dev for Chinese), print them.

    python -m bench.tune [--embedder use+minilm] [--zh-shops]

--embedder fits the main calibration for another embedder setting (the Chinese part always reads USE alone).
--zh-shops fits only the calibration of Chinese questions in shops with a classifier, on fold a of the two
development sets of bench.real_traffic (real JD.com messages with the ecommerce-zh pack, and the small shop),
and prints what it does on fold b.
The printed Calibration/Thresholds go into kefu/nlu/hybrid.py as the defaults; the test splits are never used.
"""

from __future__ import annotations

import argparse
import csv
import random
import time
from collections import Counter

import numpy as np
from sklearn.linear_model import LogisticRegression

from bench.shared import SHARED
from kefu.bot.evaluate import entries, load_kb, read_queries
from kefu.nlu.embed import make_embedder, make_embedders
from kefu.nlu.hybrid import RETRIEVAL_ONLY, Calibration, HybridMatcher
from kefu.nlu.matcher import Entry

EVAL = SHARED / "eval"


def signals_for(name: str, matcher: HybridMatcher, queries):
    rows = []
    for q, expected in queries:
        sig = matcher.signals(q)
        score = matcher.rank(sig)
        order = np.argsort(-score)[:2]
        best, second = order[0], order[1]
        gap = float(score[best] - score[second]) / 10.0
        right = bool(expected) and matcher.questions[int(matcher.point_ids[best])] == expected
        rows.append((sig["sem"][best], sig["lex"][best], sig["clf"][best], gap, right, bool(expected)))
    return np.array(rows, dtype=np.float64)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedder", default="use", help="kefu's embedder setting, e.g. use+minilm (english extra)")
    ap.add_argument("--skip-chinese", action="store_true")
    ap.add_argument("--zh-shops", action="store_true")
    args = ap.parse_args()
    primary, extras = make_embedders(args.embedder)
    if args.zh_shops:
        second = next((e for e in extras if e.name.startswith("e5")), None)
        fit_chinese_shops(second)
        return
    kb_entries = entries(load_kb(EVAL / "clinc150_val_kb.csv"))
    t = time.perf_counter()
    matcher = HybridMatcher(kb_entries, embedder=primary, classifier_embedders=extras)
    matcher.train_classifier()
    print(f"built in {time.perf_counter() - t:.1f}s")
    queries = read_queries(EVAL / "clinc150_val_queries.csv")
    data = signals_for("clinc150_val", matcher, queries)
    fit(data, "Calibration")
    # Shops too small for a classifier get a calibration fitted without it.
    matcher.classifier = None
    # Without the gap either: how far the best point leads depends on how many points a shop has, and
    # small shops are the ones without a classifier.
    fit(signals_for("clinc150_val", matcher, queries)[:, [0, 1, 4, 5]], "RETRIEVAL_ONLY = Calibration",
        fields=("sem", "lex"))
    if not args.skip_chinese:
        fit_chinese()


def lcqmc_dev_faq() -> tuple[list[Entry], list[tuple[str, str]]]:
    """LCQMC dev as an FAQ, built the way ../shared/eval builds the test one: sentence1s are the points,
    the sentence2 of each positive pair (not itself a point, with one right answer) is a query."""
    with open(SHARED / "data" / "lcqmc" / "dev.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    points = list(dict.fromkeys(r["sentence1"] for r in rows))
    known = set(points)
    pairs = list(dict.fromkeys((r["sentence2"], r["sentence1"]) for r in rows
                               if r["label"] == "1" and r["sentence2"] not in known))
    once = Counter(q for q, _ in pairs)
    return [Entry(i + 1, p) for i, p in enumerate(points)], [(q, e) for q, e in pairs if once[q] == 1]


def fit_chinese() -> None:
    """Measure the retrieval-only fit on Chinese validation (LCQMC dev), next to a fit made on it.

    LCQMC has no out-of-scope questions, so three in ten queries have their right point hidden from the ranking
    (as if the shop had no such point); the best remaining point then must not be answered. The Chinese fit is
    printed, not used: it is far less sure of itself on every Chinese question, which put the knowledge base's
    confidence on another scale from the flow intents' (checked against this English fit), so flows won over
    knowledge points that fit ("多久能发货"); see docs/benchmarks.md.
    """
    kb, queries = lcqmc_dev_faq()
    t = time.perf_counter()
    matcher = HybridMatcher(kb, embedder=make_embedder("use"))
    print(f"lcqmc dev: {len(kb)} points, {len(queries)} queries, built in {time.perf_counter() - t:.1f}s")
    rnd = random.Random(0)
    ids = {q: pid for pid, q in matcher.questions.items()}
    rows = []
    for q, expected in queries:
        sig = matcher.signals(q)
        score = matcher.rank(sig).astype(np.float64)
        hidden = rnd.random() < 0.3
        if hidden:
            score[matcher._col[ids[expected]]] = -np.inf
        best = int(np.argmax(score))
        right = not hidden and matcher.questions[int(matcher.point_ids[best])] == expected
        rows.append((sig["sem"][best], sig["lex"][best], right, not hidden))
    data = np.array(rows, dtype=np.float64)
    c = RETRIEVAL_ONLY
    outcomes("RETRIEVAL_ONLY on Chinese", data[:, 2], data[:, 3].astype(bool),
             np.array([c.confidence(sem, lex, 0.0, 0.0) for sem, lex in data[:, :2]]))
    fit(data, "a Chinese fit = Calibration", fields=("sem", "lex"), oos_weight=1.0)


def shop_rows(entries: list[Entry], names: dict[int, str], cases, second=None) -> np.ndarray:
    """(sem, lex, clf, gap, sem2, right, in scope, fold b) of each case's best point, ranked as the bot ranks."""
    matcher = HybridMatcher(entries, embedder=make_embedder("use"), second_embedder=second)
    matcher.train_classifier()
    rows = []
    for case in cases:
        right = [names[int(p)] in case.right for p in matcher.point_ids]
        if case.right and not any(right):
            continue  # asks for a flow the knowledge base has no point for: not the calibration's to judge
        sig = matcher.signals(case.text)
        if sig is None:
            rows.append((0.0, 0.0, 0.0, 0.0, 0.0, False, bool(case.right), case.fold == "b"))
            continue
        score = matcher.rank(sig)
        best, runner = np.argsort(-score)[:2]
        rows.append((sig["sem"][best], sig["lex"][best], sig["clf"][best], float(score[best] - score[runner]) / 10,
                     sig["sem2"][best], right[best], bool(case.right), case.fold == "b"))
    return np.array(rows, dtype=np.float64)


def fit_chinese_shops(second=None) -> None:
    """Fit CHINESE (CHINESE_E5 with a second embedder, kefu/nlu/hybrid.py) on fold a of both development sets;
    print its outcomes on fold b."""
    from bench.real_traffic import DATA, real_cases, small_cases
    from kefu.packs.sources import BUILTIN_DIR, read_pack_file

    pack = read_pack_file(BUILTIN_DIR / "ecommerce-zh" / "1.0.0.json")
    real = shop_rows([Entry(i + 1, p.question, tuple(p.similar)) for i, p in enumerate(pack.points)],
                     {i + 1: p.key for i, p in enumerate(pack.points)}, real_cases(), second)
    small_kb = entries(load_kb(DATA / "small_shop_kb.csv"))
    small = shop_rows(small_kb, {e.point_id: e.question for e in small_kb}, small_cases(), second)
    fields = ("sem", "lex", "clf", "gap", "sem2") if second else ("sem", "lex", "clf", "gap")
    cols = list(range(len(fields))) + [5, 6]
    train = np.vstack([real[real[:, 7] == 0], small[small[:, 7] == 0]])[:, cols]
    # Out-of-scope messages weigh three times: answering them is the costly error (chosen on fold a).
    lr = fit(train, "a fit on fold a = Calibration", fields=fields, oos_weight=3.0)
    for name, data in (("real traffic, fold b", real), ("small shop, fold b", small)):
        b = data[data[:, 7] == 1]
        outcomes(name, b[:, 5], b[:, 6].astype(bool), lr.predict_proba(b[:, :len(fields)])[:, 1])
        if not second:
            c = Calibration()
            outcomes(f"{name}, main fit in use", b[:, 5], b[:, 6].astype(bool),
                     np.array([c.confidence(*r[:4]) for r in b]))


def fit(data, label: str, fields: tuple[str, ...] = ("sem", "lex", "clf", "gap"), oos_weight: float = 10.0
        ) -> None:
    """Fit a logistic calibration on rows (one column per field, then right, in scope); print it and its outcomes."""
    n = len(fields)
    X, y, in_scope = data[:, :n], data[:, n], data[:, n + 1].astype(bool)
    # Weight out-of-scope queries up (CLINC: they are 3% of val but a wrong answer to them is the costly error).
    weights = np.where(in_scope, 1.0, oos_weight)
    lr = LogisticRegression(C=10.0, max_iter=1000).fit(X, y, sample_weight=weights)
    w = dict(zip(fields, lr.coef_[0], strict=True))
    print(f"{label}(w_sem={w.get('sem', 0):.2f}, w_lex={w.get('lex', 0):.2f}, w_clf={w.get('clf', 0):.2f}, "
          f"w_gap={w.get('gap', 0):.2f}, bias={lr.intercept_[0]:.2f}"
          + (f", w_sem2={w['sem2']:.2f})" if "sem2" in w else ")"))
    outcomes(label, y, in_scope, lr.predict_proba(X)[:, 1])
    return lr


def outcomes(label: str, y: np.ndarray, in_scope: np.ndarray, p: np.ndarray) -> None:
    """Print what answering at each confidence threshold would do."""
    print(f"{label}:\nthreshold  in-scope answered right  answered wrong  oos not answered")
    for th in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        ans = p >= th
        right = (ans & (y == 1) & in_scope).sum() / in_scope.sum()
        wrong = (ans & (y == 0) & in_scope).sum() / in_scope.sum()
        oos = (~ans & ~in_scope).sum() / max(1, (~in_scope).sum())
        print(f"  {th:.2f}      {right:7.2%}                {wrong:7.2%}        {oos:7.2%}")


if __name__ == "__main__":
    main()
