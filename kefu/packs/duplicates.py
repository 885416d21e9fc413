"""Find the shop's own point a pack point duplicates by meaning, with the matcher the bot itself answers with.

Both ways, each with an index kefu/bot/index.py builds as for a shop (BM25, the USE embedding, the shop's
dictionary; no per-shop classifier, so nothing depends on background training):

- forward: every text of the pack point (its question and similar questions, filled with the shop's facts) is
  matched against the shop's own points, as a customer's question would be. The shop point that is the best match
  scores that match's confidence; the pack point's score for it is the mean over its texts (0..1).
- backward: every text of that shop point is matched against the pack's points. With only a few points of its
  own, a shop's nearest point is always somewhat close; a real duplicate is also what the shop's own questions
  find among the pack's points.

A pack point is a duplicate (linked: the shop's answer wins) when the forward score reaches LINK_AT and one of the
shop point's texts finds it first with BACK_SURE confidence; it may be one (the owner decides) when the forward
score reaches REVIEW_AT and one of the shop point's texts has it among its top candidates with BACK_NEAR. The
cut-offs were chosen on the demo shop against ecommerce-zh with a list a person made
(`python -m bench.pack_duplicates`; figures in docs/benchmarks.md).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.knowledge.actions import enabled_points, list_terms
from kefu.nlu.embed import Embedder, make_embedders
from kefu.nlu.matcher import Entry
from kefu.nlu.normalize import normalize
from kefu.packs.models import PackPoint

LINK_AT = 0.7
BACK_SURE = 0.9
REVIEW_AT = 0.4
BACK_NEAR = 0.85
BACK_OPTIONS = 5  # how many of the pack's points a shop text may find for "among its top candidates"

_embedders: dict[str, Embedder | None] = {}
_lock = threading.Lock()


def embedder_for(spec: str) -> Embedder | None:
    """One retrieval embedder per setting in this process (its vectors cached by text across imports)."""
    with _lock:
        if spec not in _embedders:
            _embedders[spec] = make_embedders(spec)[0]
        return _embedders[spec]


@dataclass(frozen=True)
class Duplicate:
    """The shop's point a pack point seems to repeat: forward score (0..1), backward confidence, and the verdict:
    link (a duplicate), review (maybe one: the owner decides) or none (only with find_all(every=True))."""

    point_id: int
    question: str
    score: float
    back: float
    verdict: str

    @property
    def sure(self) -> bool:
        return self.verdict == "link"


class DuplicateFinder:
    """An index over the shop's own points that tells, for each point of a pack, which of them it repeats."""

    def __init__(self, entries: list[Entry], *, embedder: Embedder | None, terms: Sequence = ()) -> None:
        from kefu.bot.index import KnowledgeIndex

        self.entries = entries
        self.embedder, self.terms = embedder, list(terms)
        self._index = KnowledgeIndex(embedder=embedder, background=False)
        self.matcher = self._index.build(entries, terms=self.terms) if entries else None

    def prepare(self, texts: list[str]) -> None:
        """Embed many texts in batches up front (far cheaper than one at a time); matching then reads the cache."""
        m = self.matcher
        if m is None or m.embedder is None:
            return
        m.embedder.encode([m.tokenizer.canonical(n) for n in dict.fromkeys(normalize(t) for t in texts) if n])

    def forward(self, texts: list[str]) -> dict[int, float]:
        """Score each of the shop's points: the mean over texts of the confidence where it is the best match."""
        texts = [t for t in dict.fromkeys(texts) if t.strip()]
        if self.matcher is None or not texts:
            return {}
        total: dict[int, float] = defaultdict(float)
        for text in texts:
            best = self.matcher.match(text).best
            if best is not None:
                total[best.point_id] += best.score
        return {pid: s / len(texts) for pid, s in total.items()}

    def backward(self, points: Mapping[str, dict]) -> tuple[dict[tuple[str, int], float], dict[tuple[str, int], float]]:
        """Match every text of every shop point against the pack's points; return per (key, shop point) the best
        confidence where the key came first, and where it was among the top BACK_OPTIONS."""
        keys = list(points)
        index = self._index.build([Entry(i, points[k]["question"], tuple(points[k]["similar"]))
                                   for i, k in enumerate(keys)], terms=self.terms)
        index.max_options = BACK_OPTIONS
        first: dict[tuple[str, int], float] = defaultdict(float)
        near: dict[tuple[str, int], float] = defaultdict(float)
        for e in self.entries:
            for text in dict.fromkeys((e.question, *e.similar_questions)):
                for rank, c in enumerate(index.match(text).candidates):
                    pair = (keys[c.point_id], e.point_id)
                    near[pair] = max(near[pair], c.score)
                    if rank == 0:
                        first[pair] = max(first[pair], c.score)
        return first, near

    def find_all(self, points: Mapping[str, dict], *, every: bool = False) -> dict[str, Duplicate]:
        """Find, for the pack's points (filled, by key), the shop's point each repeats or may repeat.

        every: also the best candidate of the other pack points, with verdict "none" (the benchmark reads them).
        """
        if self.matcher is None or not points:
            return {}
        self.prepare([t for p in points.values() for t in (p["question"], *p["similar"])])
        first, near = self.backward(points)
        out = {}
        for key, p in points.items():
            scores = self.forward([p["question"], *p["similar"]])
            if not scores:
                continue
            pid, score = max(scores.items(), key=lambda kv: (kv[1], -kv[0]))
            sure = score >= LINK_AT and first.get((key, pid), 0.0) >= BACK_SURE
            maybe = score >= REVIEW_AT and near.get((key, pid), 0.0) >= BACK_NEAR
            if sure or maybe or every:
                back = first.get((key, pid), 0.0) if sure else near.get((key, pid), 0.0)
                verdict = "link" if sure else ("review" if maybe else "none")
                out[key] = Duplicate(pid, self.matcher.questions[pid], round(score, 4), round(back, 4), verdict)
        return out


def shop_finder(db: Session, *, tenant_id: int, embedder: Embedder | None) -> DuplicateFinder:
    """Build a finder over the shop's own points: enabled, and not ones a pack stands behind."""
    packed = set(db.scalars(select(PackPoint.point_id).where(PackPoint.tenant_id == tenant_id,
                                                              PackPoint.point_id.is_not(None))))
    entries = [Entry(p.id, p.question, tuple(p.similar_questions or ()))
               for p in enabled_points(db, tenant_id=tenant_id) if p.id not in packed]
    return DuplicateFinder(entries, embedder=embedder, terms=list_terms(db, tenant_id=tenant_id) if entries else ())
