"""Fit the confidence calibration and thresholds on validation data only (CLINC150 val), print the values.

    python -m bench.tune

The printed Calibration/Thresholds go into kefu/nlu/hybrid.py as the defaults; the test splits are never used.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from kefu.bot.evaluate import entries, load_kb, read_queries
from kefu.nlu.embed import make_embedder
from kefu.nlu.hybrid import HybridMatcher

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


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
    kb_entries = entries(load_kb(EVAL / "clinc150_val_kb.csv"))
    t = time.perf_counter()
    matcher = HybridMatcher(kb_entries, embedder=make_embedder("use"))
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
        with_clf=False)


def fit(data, label: str, with_clf: bool = True) -> None:
    n = 4 if with_clf else 2
    X, y, in_scope = data[:, :n], data[:, n], data[:, n + 1].astype(bool)
    # Weight out-of-scope queries up: they are 3% of val but a wrong answer to them is the costly error.
    weights = np.where(in_scope, 1.0, 10.0)
    lr = LogisticRegression(C=10.0, max_iter=1000).fit(X, y, sample_weight=weights)
    w = list(lr.coef_[0])
    if not with_clf:
        w[2:2] = [0.0, 0.0]
    print(f"{label}(w_sem={w[0]:.2f}, w_lex={w[1]:.2f}, w_clf={w[2]:.2f}, w_gap={w[3]:.2f}, "
          f"bias={lr.intercept_[0]:.2f})")
    p = lr.predict_proba(X)[:, 1]
    print("threshold  in-scope answered right  answered wrong  oos not answered")
    for th in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        ans = p >= th
        right = (ans & (y == 1) & in_scope).sum() / in_scope.sum()
        wrong = (ans & (y == 0) & in_scope).sum() / in_scope.sum()
        oos = (~ans & ~in_scope).sum() / max(1, (~in_scope).sum())
        print(f"  {th:.2f}      {right:7.2%}                {wrong:7.2%}        {oos:7.2%}")


if __name__ == "__main__":
    main()
