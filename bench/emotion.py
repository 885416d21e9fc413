"""Measure the emotion model on its held-out set, and its features on three public review-polarity sets.

(1) Four classes on bench/data/emotion_test.csv: the shipped model next to a char-TF-IDF logistic regression
    trained on the same kefu/emotion/data/train.csv, and the shipped model with parts of its features removed;
    each also cross-validated on train.csv (the held-out set is small: one message is 0.4 points).
(2) The share of real JDDC customer turns the shipped model labels angry, anxious or positive (no labels there:
    an alarm rate, not an accuracy).
(3) Binary polarity on ../shared/data (online_shopping_10_cats, waimai_10k, ChnSentiCorp): trained on each set's
    train split, scored on its test split (ChnSentiCorp: dev, its test has no labels), kefu's features + LR next
    to the char-TF-IDF LR baseline, on the full train split and on 1,000 rows of it.
Prints markdown tables; copy them into docs/ with the command line.

(4) False alarms: the share of ordinary shopper questions (bench/data/pack_questions_*.csv) labelled angry or
    anxious, by the label alone and as the bot counts it (above the handoff cut-offs).

    python -m bench.emotion [--skip-polarity] [--false-alarms] [--sample 30] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from kefu.emotion.dataset import LABELS, read_labelled
from kefu.emotion.evaluate import metrics
from kefu.emotion.features import Featurizer, default_embedder
from kefu.emotion.model import TRAIN_CSV, EmotionModel, get_model
from kefu.nlu.embed import CachedEmbedder, _load_use

ROOT = Path(__file__).resolve().parent.parent
TEST_CSV = ROOT / "bench" / "data" / "emotion_test.csv"
POLARITY_SETS = (  # (folder, train split, scored split, text column)
    ("online_shopping_10_cats", "train.csv", "test.csv", "review"),
    ("waimai_10k", "train.csv", "test.csv", "review"),
    ("chnsenticorp", "train.csv", "dev.csv", "text"),
)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def is_chinese(text: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" for c in text)


class TfidfBaseline:
    """The plain baseline: char 1–3-gram TF-IDF of the raw text and a logistic regression."""

    def __init__(self) -> None:
        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
        self.clf = LogisticRegression(C=10, max_iter=5000)

    def fit(self, texts: list[str], labels: list) -> TfidfBaseline:
        self.clf.fit(self.vectorizer.fit_transform(texts), labels)
        return self

    def predict(self, texts: list[str]) -> list:
        return list(self.clf.predict(self.vectorizer.transform(texts)))


class FeaturizerModel:
    """An EmotionModel built from a featurizer factory, with the baseline's fit/predict shape."""

    def __init__(self, make: Callable[[], Featurizer]) -> None:
        self.make = make

    def fit(self, texts: list[str], labels: list[str]) -> FeaturizerModel:
        self.model = EmotionModel.train(texts, labels, self.make())
        return self

    def predict(self, texts: list[str]) -> list[str]:
        return [e.label for e in self.model.predict_many(texts)]


def cross_validate(make: Callable[[], FeaturizerModel | TfidfBaseline], texts: list[str], labels: list[str]) -> float:
    """Mean macro-F1 over 2 x 5 stratified folds of the training set (steadier than 240 held-out rows)."""
    y = np.array(labels)
    scores = []
    for seed in (0, 1):
        for a, b in StratifiedKFold(5, shuffle=True, random_state=seed).split(texts, y):
            model = make().fit([texts[i] for i in a], list(y[a]))
            scores.append(metrics(list(y[b]), model.predict([texts[i] for i in b]))["macro_f1"])
    return float(np.mean(scores))


def four_class() -> None:
    train, test = read_labelled(TRAIN_CSV), read_labelled(TEST_CSV)
    tr_x, tr_y = [t for t, _ in train], [lab for _, lab in train]
    te_x, te_y = [t for t, _ in test], [lab for _, lab in test]
    zh = [is_chinese(t) for t in te_x]
    start = time.perf_counter()
    _load_use()
    use_s = time.perf_counter() - start
    start = time.perf_counter()
    shipped = get_model()
    load_s = time.perf_counter() - start
    emb = CachedEmbedder(default_embedder())  # the ablations and folds embed the same texts many times
    systems: dict[str, Callable[[], FeaturizerModel | TfidfBaseline]] = {
        "kefu shipped: n-grams + USE + cues": lambda: FeaturizerModel(lambda: Featurizer(emb)),
        "baseline: char-TF-IDF + LR": TfidfBaseline,
        "ablation: n-grams only": lambda: FeaturizerModel(lambda: Featurizer(None, use_cues=False)),
        "ablation: n-grams + cues": lambda: FeaturizerModel(lambda: Featurizer(None)),
        "ablation: USE only": lambda: FeaturizerModel(lambda: Featurizer(emb, use_ngrams=False, use_cues=False)),
        "ablation: USE + cues": lambda: FeaturizerModel(lambda: Featurizer(emb, use_ngrams=False)),
        "ablation: n-grams + USE": lambda: FeaturizerModel(lambda: Featurizer(emb, use_cues=False)),
        "ablation: shipped, n-grams without punctuation/emoji": lambda: FeaturizerModel(
            lambda: Featurizer(emb, symbols=False)),
    }

    print(f"\n### Four classes: {len(te_x)} held-out messages ({sum(zh)} Chinese, {len(zh) - sum(zh)} English), "
          f"trained on {len(tr_x)}\n")
    print("| model | CV macro-F1 (train) | accuracy % | macro-F1 | " + " | ".join(f"F1 {lab}" for lab in LABELS)
          + " | accuracy zh % | accuracy en % |")
    print("|---|---|---|---|" + "---|" * len(LABELS) + "---|---|")
    shipped_pred = [e.label for e in shipped.predict_many(te_x)]
    for name, make in systems.items():
        pred = shipped_pred if name.startswith("kefu shipped") else make().fit(tr_x, tr_y).predict(te_x)
        m = metrics(te_y, pred)
        acc_zh = np.mean([p == g for p, g, z in zip(pred, te_y, zh, strict=True) if z]) * 100
        acc_en = np.mean([p == g for p, g, z in zip(pred, te_y, zh, strict=True) if not z]) * 100
        per = " | ".join(f"{m['per_class'][lab]['f1']:.3f}" for lab in LABELS)
        print(f"| {name} | {cross_validate(make, tr_x, tr_y):.3f} | {m['accuracy'] * 100:.1f} | {m['macro_f1']:.3f} "
              f"| {per} | {acc_zh:.1f} | {acc_en:.1f} |", flush=True)

    m = metrics(te_y, shipped_pred)
    print("\nConfusion of the shipped model on the held-out set (rows: gold, columns: predicted):\n")
    print("| gold \\ predicted | " + " | ".join(LABELS) + " |")
    print("|---|" + "---|" * len(LABELS))
    for g in LABELS:
        print(f"| {g} | " + " | ".join(str(m["confusion"][g][p]) for p in LABELS) + " |")

    handoff_cutoffs(shipped.predict_many(te_x), te_y)

    lat = []
    for text in te_x * 3:
        t = time.perf_counter()
        shipped.predict(text)
        lat.append((time.perf_counter() - t) * 1000)
    long_lat = []
    for i in range(20):
        t = time.perf_counter()
        shipped.predict("退款怎么还没到账，" * 220 + str(i))  # ~2,000 characters
        long_lat.append((time.perf_counter() - t) * 1000)
    print(f"\nFirst use: loading the sentence encoder {use_s:.2f} s (shared with the bot), then training the "
          f"shipped model {load_s:.2f} s. detect() on one message: p50 {statistics.median(lat):.2f} ms, "
          f"p99 {pct(lat, 99):.2f} ms (n={len(lat)}); a 2,000-character message: p50 "
          f"{statistics.median(long_lat):.1f} ms.")


def handoff_cutoffs(emotions, gold: list[str]) -> None:
    """Precision and recall of anger and anxiety as the handoff policy counts them (kefu/bot/engine.py)."""
    from kefu.bot.engine import STRONG_EMOTION

    print("\nAs the handoff policy counts them (the label, and its score at least the cut-off) vs the label alone:\n")
    print("| emotion | cut-off | precision | recall | precision (label only) | recall (label only) |")
    print("|---|---|---|---|---|---|")
    for label, cutoff in STRONG_EMOTION.items():
        rows = []
        for threshold in (cutoff, 0.0):
            hit = [e.label == label and e.scores[label] >= threshold for e in emotions]
            tp = sum(h and g == label for h, g in zip(hit, gold, strict=True))
            rows.append((tp / max(sum(hit), 1), tp / max(sum(g == label for g in gold), 1)))
        print(f"| {label} | {cutoff} | {rows[0][0]:.2f} | {rows[0][1]:.2f} | {rows[1][0]:.2f} | {rows[1][1]:.2f} |")


def false_alarms() -> None:
    """How often ordinary shopper questions (the pack question sets, written for kefu) are flagged as upset."""
    from kefu.bot.engine import counted_emotion

    texts = []
    for name in ("pack_questions_zh.csv", "pack_questions_en.csv"):
        with (ROOT / "bench" / "data" / name).open(encoding="utf-8") as f:
            texts += [row["text"] for row in csv.DictReader(f)]
    emotions = get_model().predict_many(texts)
    print(f"\n### False alarms on {len(texts)} ordinary questions (bench/data/pack_questions_*.csv)\n")
    print("| flagged as | label alone (argmax) % | as the bot counts it (cut-offs) % |")
    print("|---|---|---|")
    for label in ("angry", "anxious"):
        raw = sum(e.label == label for e in emotions) / len(texts) * 100
        counted = sum(counted_emotion(e)[0] == label for e in emotions) / len(texts) * 100
        print(f"| {label} | {raw:.1f} | {counted:.1f} |")
    upset = [t for t, e in zip(texts, emotions, strict=True) if counted_emotion(e)[0] in ("angry", "anxious")]
    print(f"\nCounted as upset ({len(upset)}): " + " · ".join(upset[:40]))


def read_polarity(path: Path, column: str) -> tuple[list[str], list[int]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r[column] for r in rows], [int(r["label"]) for r in rows]


def _accuracy(make_model: Callable[[], object], tr_x: list[str], tr_y: list[int], te_x: list[str],
              te_y: list[int]) -> float:
    model = make_model()
    model.fit(tr_x, tr_y)
    return float(np.mean(np.array(model.predict(te_x)) == np.array(te_y)) * 100)


class PolarityModel:
    """kefu's featurizer (n-grams + USE + cues) and a logistic regression, for two labels."""

    def __init__(self, embedder: CachedEmbedder) -> None:
        self.featurizer = Featurizer(embedder)
        self.clf = LogisticRegression(C=10, max_iter=5000)

    def fit(self, texts: list[str], labels: list[int]) -> PolarityModel:
        self.clf.fit(self.featurizer.fit(texts).transform(texts), labels)
        return self

    def predict(self, texts: list[str]) -> list[int]:
        return list(self.clf.predict(self.featurizer.transform(texts)))


def polarity(data: Path, small: int = 1000, seeds: int = 3) -> None:
    emb = CachedEmbedder(default_embedder())  # the small-data runs reuse the full run's vectors
    print("\n### Binary polarity on public review sets (accuracy %)\n")
    print(f"Full: trained on the whole train split. {small} rows: trained on {small} random train rows, mean of "
          f"{seeds} draws (the emotion model has 900).\n")
    print("| set | train rows | scored split (rows) | char-TF-IDF + LR | kefu features + LR | "
          f"char-TF-IDF + LR, {small} rows | kefu features + LR, {small} rows | kefu time (full) |")
    print("|---|---|---|---|---|---|---|---|")
    for folder, train_name, test_name, column in POLARITY_SETS:
        if not (data / folder / train_name).exists():
            print(f"| {folder} | — | missing in {data} | | | | | |")
            continue
        tr_x, tr_y = read_polarity(data / folder / train_name, column)
        te_x, te_y = read_polarity(data / folder / test_name, column)
        base = _accuracy(TfidfBaseline, tr_x, tr_y, te_x, te_y)
        start = time.perf_counter()
        ours = _accuracy(lambda: PolarityModel(emb), tr_x, tr_y, te_x, te_y)
        took = time.perf_counter() - start
        small_base, small_ours = [], []
        for seed in range(seeds):
            idx = np.random.default_rng(seed).choice(len(tr_x), small, replace=False)
            sx, sy = [tr_x[i] for i in idx], [tr_y[i] for i in idx]
            small_base.append(_accuracy(TfidfBaseline, sx, sy, te_x, te_y))
            small_ours.append(_accuracy(lambda: PolarityModel(emb), sx, sy, te_x, te_y))
        split = test_name.removesuffix(".csv")
        print(f"| {folder} | {len(tr_x)} | {split} ({len(te_x)}) | {base:.1f} | {ours:.1f} | "
              f"{np.mean(small_base):.1f} | {np.mean(small_ours):.1f} | {took:.0f} s |", flush=True)


def real_traffic(data: Path, sample: int = 0) -> None:
    """How often the shipped model raises a feeling on real customer turns (JDDC; unlabelled, so no accuracy).

    sample: also print that many of the turns labelled angry, and as many labelled anxious (seeded), to be read
    by hand: the only check of those labels on real traffic.
    """
    path = data / "jddc2019_dev" / "train_chat_sample_0.1pct.csv"
    if not path.exists():
        return
    with open(path, encoding="utf-8-sig", newline="") as f:
        texts = [r["content"] for r in csv.DictReader(f) if r["waiter_send"] == "0"]
    preds = get_model().predict_many(texts)
    print(f"\n### Real customer turns: {len(texts)} JDDC 2019 customer messages (unlabelled)\n")
    print("| rule | angry % | anxious % | neutral % | positive % |")
    print("|---|---|---|---|---|")
    for name, threshold in (("most likely label", None), ("score ≥ 0.7", 0.7), ("score ≥ 0.9", 0.9)):
        shares = []
        for lab in LABELS:
            if threshold is None:
                n = sum(p.label == lab for p in preds)
            else:
                n = sum(p.scores[lab] >= threshold for p in preds)
            shares.append(f"{n / len(texts) * 100:.1f}")
        print(f"| {name} | " + " | ".join(shares) + " |")
    rnd = random.Random(2020)
    for lab in ("angry", "anxious") if sample else ():
        turns = [(t, p.scores[lab]) for t, p in zip(texts, preds, strict=True) if p.label == lab]
        print(f"\n{sample} of the {len(turns)} turns labelled {lab}, to read by hand (score):")
        for t, score in rnd.sample(turns, min(sample, len(turns))):
            print(f"- {score:.2f} {t[:80]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-polarity", action="store_true", help="only the four-class figures")
    ap.add_argument("--sample", type=int, default=0, metavar="N",
                    help="print N JDDC turns labelled angry and N labelled anxious, to check by hand")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                    help="folder holding the public review sets")
    ap.add_argument("--false-alarms", action="store_true", help="only the false alarms on ordinary questions")
    args = ap.parse_args()
    if args.false_alarms:
        false_alarms()
        return
    four_class()
    false_alarms()
    real_traffic(args.data, args.sample)
    if not args.skip_polarity:
        polarity(args.data)


if __name__ == "__main__":
    main()
