"""Group short customer questions by meaning, without a set number of groups, and name each group.

Two questions are as similar as a weighted sum of two signals says: the cosine of their sentence embeddings (the
embedder the bot answers with) and the Jaccard overlap of their words and character bigrams (the matcher's
tokens, so "运费险" and "运费" meet even where the embedding hesitates). Groups come from average-linkage
agglomerative clustering cut at a similarity (MERGE_AT), so their number follows the data: a question nobody else
asked stays a group of one. The cut-offs were chosen on the real-traffic development pool
(`python -m bench.learning_replay --tune`; docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from kefu.learning.collect import Missed
from kefu.nlu.embed import Embedder
from kefu.nlu.normalize import matchable, strip_chatter
from kefu.nlu.tokenize import Tokenizer

W_SEM = 0.7  # weight of the embedding cosine; the rest is word overlap
MERGE_AT = 0.5  # average similarity at which two groups merge
EXAMPLES = 8
REPLIES = 5


@dataclass
class Group:
    """Questions asked the same way or meaning the same thing."""

    fingerprint: str
    name: str  # the representative question, as a customer wrote it (chatter removed)
    items: list[Missed]
    texts: list[str]  # distinct questions as written (chatter removed), most asked first
    customers: int
    reasons: dict[str, int] = field(default_factory=dict)
    agent_replies: list[tuple[str, int]] = field(default_factory=list)  # (reply, how many questions got it)

    @property
    def message_ids(self) -> list[int]:
        return sorted(i.message_id for i in self.items)


def fingerprint(message_ids: Iterable[int]) -> str:
    """A stable name for a set of messages (order and repeats do not matter)."""
    key = ",".join(str(i) for i in sorted(set(message_ids)))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def display(text: str) -> str:
    """The question as the customer wrote it, without greetings, emoji codes and order cards."""
    return (strip_chatter(text) or text).strip()[:200]


class TextSpace:
    """Similarities between short texts: embedding cosine and word/bigram overlap, both in 0..1."""

    def __init__(self, embedder: Embedder | None, tokenizer: Tokenizer | None = None) -> None:
        self.embedder = embedder
        self.tokenizer = tokenizer or Tokenizer()

    def vectors(self, norms: Sequence[str]) -> np.ndarray | None:
        if self.embedder is None or not norms:
            return None
        return self.embedder.encode([self.tokenizer.canonical(n) for n in norms])

    def tokens(self, norms: Sequence[str]) -> list[frozenset[str]]:
        return [frozenset(self.tokenizer.tokens(n)) for n in norms]

    def similarity(self, a: Sequence[str], b: Sequence[str] | None = None) -> np.ndarray:
        """The len(a) × len(b) similarities of normalised texts (b = a when omitted)."""
        b = a if b is None else b
        lex = _jaccard(self.tokens(a), self.tokens(b))
        va, vb = self.vectors(a), self.vectors(b)
        if va is None or vb is None:
            return lex
        sem = np.clip(va @ vb.T, 0.0, 1.0)
        return W_SEM * sem + (1 - W_SEM) * lex


def _jaccard(a: list[frozenset[str]], b: list[frozenset[str]]) -> np.ndarray:
    vocab: dict[str, int] = {}
    for toks in (*a, *b):
        for t in toks:
            vocab.setdefault(t, len(vocab))
    if not vocab:
        return np.zeros((len(a), len(b)), dtype=np.float32)

    def matrix(rows: list[frozenset[str]]) -> np.ndarray:
        m = np.zeros((len(rows), len(vocab)), dtype=np.float32)
        for r, toks in enumerate(rows):
            m[r, [vocab[t] for t in toks]] = 1.0
        return m

    ma, mb = matrix(a), matrix(b)
    inter = ma @ mb.T
    union = ma.sum(1)[:, None] + mb.sum(1)[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0).astype(np.float32)


def cluster(sims: np.ndarray, merge_at: float = MERGE_AT) -> list[list[int]]:
    """Indices grouped by average-linkage clustering cut where the average similarity falls below merge_at."""
    n = len(sims)
    if n == 0:
        return []
    if n == 1:
        return [[0]]
    from sklearn.cluster import AgglomerativeClustering

    dist = np.clip(1.0 - sims, 0.0, None).astype(np.float64)
    np.fill_diagonal(dist, 0.0)
    dist = (dist + dist.T) / 2
    labels = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                     distance_threshold=1.0 - merge_at).fit_predict(dist)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def group(items: list[Missed], space: TextSpace, merge_at: float = MERGE_AT) -> list[Group]:
    """Group missed questions by meaning; ranked by distinct customers, then by questions."""
    by_norm: dict[str, list[Missed]] = {}
    for item in items:
        norm = matchable(item.text)
        if norm:
            by_norm.setdefault(norm, []).append(item)
    norms = list(by_norm)
    sims = space.similarity(norms) if norms else np.zeros((0, 0))
    out = []
    for members in cluster(sims, merge_at):
        weights = np.array([len(by_norm[norms[i]]) for i in members], dtype=np.float32)
        central = members[int(np.argmax(sims[np.ix_(members, members)] @ weights))]
        rows = [it for i in members for it in by_norm[norms[i]]]
        written = Counter(display(it.text) for it in rows)
        name = Counter(display(it.text) for it in by_norm[norms[central]]).most_common(1)[0][0]
        replies = Counter(r for it in rows for r in dict.fromkeys(it.agent_replies))
        out.append(Group(fingerprint=fingerprint(it.message_id for it in rows), name=name,
                         items=sorted(rows, key=lambda it: it.message_id),
                         texts=[t for t, _ in written.most_common()],
                         customers=len({it.customer_id for it in rows}),
                         reasons=dict(Counter(r for it in rows for r in it.reasons)),
                         agent_replies=replies.most_common()))
    out.sort(key=lambda g: (-g.customers, -len(g.items), g.items[0].message_id))
    return out
