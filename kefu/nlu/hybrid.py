"""Hybrid matching: BM25 over words and character bigrams, sentence embeddings, and a per-shop classifier.

Each signal scores every knowledge point; a small linear model turns the best point's signals into a
calibrated confidence (the probability that it is the right answer), which decides answer / clarify / fallback.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np

from kefu.nlu.embed import Embedder
from kefu.nlu.lexical import LexicalIndex
from kefu.nlu.matcher import Candidate, Entry, MatchResult
from kefu.nlu.normalize import matchable, normalize
from kefu.nlu.tokenize import _CJK_RE, Tokenizer

MIN_EXAMPLES_FOR_CLASSIFIER = 3  # average texts per point before a classifier is worth training
# With few points a softmax is sure of itself even on unrelated questions, and the calibration was fitted
# with 150 points; below this the bot relies on retrieval alone.
MIN_POINTS_FOR_CLASSIFIER = 20


@dataclass(frozen=True)
class Thresholds:
    """Confidence cut-offs; tuned on validation data (bench/tune.py), overridable per shop."""

    answer: float = 0.3
    clarify: float = 0.1


@dataclass(frozen=True)
class Calibration:
    """Weights of the logistic model over the best point's signals (fitted by bench/tune.py on validation)."""

    # Fitted on CLINC150 validation (bench/tune.py). The lexical weight came out near zero there (English,
    # many examples per point); a small positive weight keeps BM25 in the ranking for Chinese FAQ lists.
    w_sem: float = 7.13
    w_lex: float = 0.5
    w_clf: float = 6.75
    w_gap: float = 0.53
    bias: float = -7.24
    w_sem2: float = 0.0  # the second embedder's similarity (Chinese questions, when the shop has one)

    def confidence(self, sem: float, lex: float, clf: float, gap: float, sem2: float = 0.0) -> float:
        z = self.w_sem * sem + self.w_lex * lex + self.w_clf * clf + self.w_gap * gap + self.w_sem2 * sem2 + self.bias
        return 1.0 / (1.0 + math.exp(-z))


# Chinese questions in shops with a classifier: fitted on real JD.com messages asked of the ecommerce-zh pack and
# on a small shop's colloquial questions (`python -m bench.tune --zh-shops`, fold a of bench.real_traffic's sets).
# The English fit is far too unsure there: the lead of the best point over the runner-up (w_gap) says much more
# in Chinese. The fit's logit is then mapped linearly so that the default thresholds answer where the fit is 50 %
# sure (0.3 ↔ 0.5) and offer "did you mean" from 15 % (0.1 ↔ 0.15): weights × 0.778, bias × 0.778 − 0.847.
# Fold b at that answer point: real messages 25.2 % answered right, 3.3 % wrong (English fit: 20.5 / 2.9), the
# small shop 79.4 / 0.0 (49.2 / 0.0). Fit: Calibration(w_sem=1.56, w_lex=1.85, w_clf=8.98, w_gap=7.72, bias=-3.29).
CHINESE = Calibration(w_sem=1.21, w_lex=1.44, w_clf=6.99, w_gap=6.01, bias=-3.41)
# Chinese questions in shops with a classifier and a second embedder (e5): the ranking puts e5's similarity in
# place of USE's (chosen on fold a: real-traffic top-1 46.5 → 54.1 %, small shop 84.1 → 87.3 %; fold b 49.5 → 54.3,
# 92.1 → 93.7), and the confidence is fitted on that ranking and mapped as CHINESE is (bench.tune --zh-shops
# --embedder use+e5: Calibration(w_sem=3.32, w_lex=1.64, w_clf=6.38, w_gap=7.05, bias=-6.69, w_sem2=3.24); fold b
# at the answer point: real 28.6 % right, 4.8 % wrong, small shop 79.4 / 0.0).
CHINESE_E5_RANK = Calibration(w_sem=0.0, w_lex=0.5, w_clf=6.75, w_gap=0.0, bias=0.0, w_sem2=14.0)
CHINESE_E5 = Calibration(w_sem=2.58, w_lex=1.28, w_clf=4.96, w_gap=5.48, bias=-6.05, w_sem2=2.52)

# The same fit for shops without a classifier (too few points or examples), without the lead over the
# runner-up, which depends on how many points a shop has (bench/tune.py).
RETRIEVAL_ONLY = Calibration(w_sem=13.36, w_lex=3.09, w_clf=0.0, w_gap=0.0, bias=-9.33)


class PointClassifier:
    """Logistic regressions, averaged, from a question to its knowledge point, learnt from the similar questions.

    One reads the sentence embedding (meaning), one reads character and word n-grams (wording), and one more
    reads each extra embedding the shop's setting names (another view of meaning); on BANKING77 their average
    beats any one alone (bench/answer_engine.py).
    """

    def __init__(self, vectors: np.ndarray, texts: list[str], owners: np.ndarray,
                 extra_vectors: tuple[np.ndarray, ...] = ()):
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        semantic = LogisticRegression(C=10.0, max_iter=1000).fit(vectors, owners)
        extras = [LogisticRegression(C=10.0, max_iter=1000).fit(v, owners) for v in extra_vectors]
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        self._words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")
        lexical_x = hstack([self._chars.fit_transform(texts), self._words.fit_transform(texts)]).tocsr()
        lexical = LogisticRegression(C=30.0, max_iter=1000).fit(lexical_x, owners)
        self.classes = semantic.classes_
        # Only the weights are kept, as float32 with one row per feature: the n-gram model of a 311-point shop is
        # 311 x 47,171 weights (117 MB as scikit-learn keeps them, 59 MB here), and one question reads only the
        # rows of its own n-grams. Scoring them directly skips scikit-learn's per-call checks (6.5 -> ~1 ms).
        self._semantic = self._weights(semantic)
        self.extras = [self._weights(m) for m in extras]
        self._lexical = self._weights(lexical)
        self._n_chars = len(self._chars.vocabulary_)

    @staticmethod
    def _weights(model) -> tuple[np.ndarray, np.ndarray]:
        return np.ascontiguousarray(model.coef_.T, dtype=np.float32), model.intercept_.astype(np.float32)

    @staticmethod
    def _softmax(z: np.ndarray) -> np.ndarray:
        e = np.exp(z - z.max())
        return e / e.sum()

    def _dense(self, weights: tuple[np.ndarray, np.ndarray], v: np.ndarray) -> np.ndarray:
        w, b = weights
        return self._softmax(v.astype(np.float32) @ w + b)

    def proba(self, vector: np.ndarray, text: str, extra_vectors: tuple[np.ndarray, ...] = ()) -> dict[int, float]:
        """The average of the models' probabilities per point (multinomial logistic regressions: softmax)."""
        p = self._dense(self._semantic, vector)
        chars, words = self._chars.transform([text]), self._words.transform([text])
        w, b = self._lexical
        z = b + chars.data.astype(np.float32) @ w[chars.indices] + words.data.astype(np.float32) @ w[
            self._n_chars + words.indices]
        p = p + self._softmax(z)
        for weights, v in zip(self.extras, extra_vectors, strict=True):
            p = p + self._dense(weights, v)
        p = p / (2 + len(self.extras))
        return dict(zip(map(int, self.classes), map(float, p), strict=True))


class HybridMatcher:
    """A shop's knowledge index; thread-safe for matching, rebuilt (cheaply, with cached embeddings) on edits."""

    def __init__(self, entries: list[Entry], *, embedder: Embedder | None, tokenizer: Tokenizer | None = None,
                 thresholds: Thresholds | None = None, calibration: Calibration | None = None,
                 max_options: int = 3, classifier_embedders: tuple[Embedder, ...] = (),
                 second_embedder: Embedder | None = None, previous: HybridMatcher | None = None):
        """previous: the shop's matcher before an edit, with the same dictionary; its BM25 bulk is reused.

        second_embedder: another view of meaning, read for Chinese questions only (kefu.nlu.embed.E5Embedder).
        """
        self.tokenizer = tokenizer or Tokenizer()
        self.thresholds = thresholds or Thresholds()
        self.calibration = calibration or Calibration()
        self._retrieval_calibration = calibration or RETRIEVAL_ONLY
        self._chinese_calibration = calibration or CHINESE
        self.embedder = embedder
        self.classifier_embedders = classifier_embedders  # read by the classifier only, at training and per question
        self.max_options = max_options
        self.questions = {e.point_id: e.question for e in entries}
        texts, owners = [], []
        for e in entries:
            for t in dict.fromkeys((e.question, *e.similar_questions)):
                norm = matchable(t) or normalize(t)  # a point written as chatter is still a point
                if norm:
                    texts.append(norm)
                    owners.append(e.point_id)
        self.texts = texts
        self.owners = np.array(owners, dtype=np.int64)
        self.point_ids = np.array(sorted(set(owners)), dtype=np.int64)
        self._col = {int(p): i for i, p in enumerate(self.point_ids)}
        self._row_col = np.array([self._col[int(o)] for o in owners], dtype=np.int64)
        self.lexical: LexicalIndex | None = None
        if texts:
            def tokenize(t: str) -> list[str]:
                return self.tokenizer.tokens(t, remember=True)

            reusable = previous is not None and previous.lexical is not None
            self.lexical = (previous.lexical.with_texts(texts, tokenize) if reusable
                            else LexicalIndex(texts, tokenize))
        # Synonyms fold before embedding too, so "sf" and "顺丰" mean the same to every signal.
        self.vectors = (embedder.encode([self.tokenizer.canonical(t, remember=True) for t in texts])
                        if (embedder is not None and texts) else None)
        self.second_embedder = second_embedder if self.vectors is not None else None
        self.vectors2 = (second_embedder.encode([self.tokenizer.canonical(t, remember=True) for t in texts])
                         if self.second_embedder is not None else None)
        self.classifier: PointClassifier | None = None
        self._lock = threading.Lock()

    # --- training -------------------------------------------------------------------------------

    def wants_classifier(self) -> bool:
        return (self.vectors is not None and len(self.point_ids) >= MIN_POINTS_FOR_CLASSIFIER
                and len(self.texts) >= MIN_EXAMPLES_FOR_CLASSIFIER * len(self.point_ids))

    def train_classifier(self) -> None:
        """Fit the per-shop classifier (seconds for thousands of examples; run it off the request path)."""
        if self.wants_classifier():
            canonical = [self.tokenizer.canonical(t, remember=True) for t in self.texts]
            extra = tuple(e.encode(canonical) for e in self.classifier_embedders)
            self.classifier = PointClassifier(self.vectors, self.texts, self.owners, extra)

    # --- matching -------------------------------------------------------------------------------

    def signals(self, text: str) -> dict[str, np.ndarray] | None:
        """Per-point signals for a query (columns follow self.point_ids), or None if nothing to match."""
        norm = matchable(text)
        if self.lexical is None or not norm:
            return None
        n = len(self.point_ids)
        tokens = self.tokenizer.tokens(norm)
        lex = np.zeros(n, dtype=np.float32)
        if tokens:
            np.maximum.at(lex, self._row_col, self.lexical.scores(tokens))
            # BM25 is unbounded; relative to the query scored against itself it becomes comparable across queries.
            self_score = self.lexical.self_score(tokens)
            lex = np.clip(lex / max(self_score, 1e-6), 0.0, 1.0)
        sem = np.zeros(n, dtype=np.float32)
        if self.vectors is not None:
            canonical = self.tokenizer.canonical(norm)
            qv = self.embedder.encode([canonical])[0]
            np.maximum.at(sem, self._row_col, self.vectors @ qv)
            clf = np.zeros(n, dtype=np.float32)
            classifier = self.classifier  # trained in the background: read it once
            if classifier is not None:
                extra = tuple(e.encode([canonical])[0] for e in self.classifier_embedders)
                for pid, p in classifier.proba(qv, norm, extra).items():
                    clf[self._col[pid]] = p
        else:
            clf = np.zeros(n, dtype=np.float32)
        zh = bool(_CJK_RE.search(norm))
        sem2 = np.zeros(n, dtype=np.float32)
        if zh and self.vectors2 is not None and clf.any():
            # Only where it is read: Chinese questions in shops with a classifier (the fit was made there).
            np.maximum.at(sem2, self._row_col, self.vectors2 @ self.second_embedder.encode([canonical])[0])
        return {"lex": lex, "sem": sem, "clf": clf, "zh": np.array(zh), "sem2": sem2}

    def rank(self, signals: dict[str, np.ndarray]) -> np.ndarray:
        """One score per point for ordering candidates (the calibration's linear part without the gap)."""
        c = self.fit_for(signals)
        score = c.w_sem * signals["sem"] + c.w_lex * signals["lex"] + c.w_clf * signals["clf"]
        return score + c.w_sem2 * signals["sem2"] if "sem2" in signals else score

    def fit_for(self, signals: dict[str, np.ndarray]) -> Calibration:
        """The calibration that ranks and scores these signals: the main fit when the classifier read them.

        Without a classifier the retrieval-only fit ranks too: its heavier lexical weight also ranks Chinese FAQ
        lists better than the main fit's (LCQMC dev top-1 76.10 → 76.46 %, bench.answer_checks --only zh-rank).
        Decided from the signals (a classifier's probabilities sum to 1), not from self.classifier, which the
        background training may set between reading the signals and scoring them.
        """
        if not signals["clf"].any():
            return self._retrieval_calibration
        return CHINESE_E5_RANK if signals.get("sem2", np.zeros(1)).any() else self.calibration

    def confidence_fit(self, signals: dict[str, np.ndarray]) -> Calibration:
        """The calibration that scores these signals: the ranking's, except for Chinese read by a classifier."""
        if signals["clf"].any() and signals.get("zh", False):
            return CHINESE_E5 if signals.get("sem2", np.zeros(1)).any() else self._chinese_calibration
        return self.fit_for(signals)

    def match(self, text: str) -> MatchResult:
        sig = self.signals(text)
        if sig is None:
            return MatchResult("fallback")
        cal = self.confidence_fit(sig)
        score = self.rank(sig)
        order = np.argsort(-score)[: max(self.max_options, 2)]
        best, second = order[0], (order[1] if len(order) > 1 else None)
        gap = float(score[best] - score[second]) / 10.0 if second is not None else 1.0
        conf = cal.confidence(float(sig["sem"][best]), float(sig["lex"][best]), float(sig["clf"][best]), gap,
                              float(sig["sem2"][best]))
        # Other candidates get their confidence with the gap to the best (≤ 0), so they rank below it.
        candidates = [Candidate(int(self.point_ids[best]), self.questions[int(self.point_ids[best])],
                                round(conf, 4))]
        for i in order[1: self.max_options]:
            ci = cal.confidence(float(sig["sem"][i]), float(sig["lex"][i]), float(sig["clf"][i]),
                                float(score[i] - score[best]) / 10.0, float(sig["sem2"][i]))
            candidates.append(Candidate(int(self.point_ids[i]), self.questions[int(self.point_ids[i])], round(ci, 4)))
        t = self.thresholds
        if conf >= t.answer:
            return MatchResult("answer", candidates)
        if conf >= t.clarify:
            return MatchResult("clarify", [c for c in candidates if c.score >= t.clarify * 0.5] or candidates[:1])
        return MatchResult("fallback", candidates)
