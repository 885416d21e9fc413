"""Match a customer's question to knowledge points, with an outcome: answer, clarify or fallback.

This module holds the interface; `kefu.nlu.hybrid.HybridMatcher` is the one the bot uses, and
`CharTfidfMatcher` is the plain baseline the benchmarks compare it with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from kefu.nlu.normalize import normalize

Outcome = Literal["answer", "clarify", "fallback"]


@dataclass(frozen=True)
class Entry:
    """What a matcher needs of a knowledge point."""

    point_id: int
    question: str
    similar_questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    point_id: int
    question: str
    score: float


@dataclass
class MatchResult:
    outcome: Outcome
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


class Matcher(Protocol):
    """Answers one query against the index it was built with."""

    def match(self, text: str) -> MatchResult: ...


class MatcherFactory(Protocol):
    """Builds a matcher over a shop's enabled knowledge points."""

    def __call__(self, entries: list[Entry]) -> Matcher: ...


class CharTfidfMatcher:
    """Nearest neighbour over character 1-3-gram TF-IDF: language-agnostic, no segmentation needed."""

    def __init__(self, entries: list[Entry], answer_at: float = 0.55, clarify_at: float = 0.4, max_options: int = 3):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.answer_at, self.clarify_at, self.max_options = answer_at, clarify_at, max_options
        self._questions = {e.point_id: e.question for e in entries}
        texts, owners = [], []
        for e in entries:
            for t in (e.question, *e.similar_questions):
                norm = normalize(t)
                if norm:
                    texts.append(norm)
                    owners.append(e.point_id)
        self._owners = np.array(owners, dtype=np.int64)
        self._vec = None
        if texts:
            self._vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
            self._matrix = self._vec.fit_transform(texts)

    def match(self, text: str) -> MatchResult:
        query = normalize(text)
        if self._vec is None or not query:
            return MatchResult("fallback")
        sims = (self._matrix @ self._vec.transform([query]).T).toarray().ravel()
        best: dict[int, float] = {}
        for idx in np.argsort(-sims)[: 50]:
            pid = int(self._owners[idx])
            if pid not in best:
                best[pid] = float(sims[idx])
        ranked = sorted(best.items(), key=lambda kv: -kv[1])[: self.max_options]
        candidates = [Candidate(pid, self._questions[pid], round(score, 4)) for pid, score in ranked if score > 0]
        if not candidates or candidates[0].score < self.clarify_at:
            return MatchResult("fallback", candidates)
        if candidates[0].score >= self.answer_at:
            return MatchResult("answer", candidates)
        return MatchResult("clarify", [c for c in candidates if c.score >= self.clarify_at * 0.8])

