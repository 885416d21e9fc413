"""BM25 over a shop's texts that takes an edit without indexing everything again.

The bulk of the texts sits in a bm25s index built once; after an edit the texts it already holds keep their rows
there, and the few new or changed ones are scored by hand with the same formula and statistics (bm25s' default
Lucene variant). When the hand-scored part grows, or much of the bulk is gone, the next build is a full one.
"""

from __future__ import annotations

import copy
import math
from collections import Counter
from collections.abc import Callable

import numpy as np

# Below this many texts a full build takes under a tenth of a second: not worth an overlay.
MIN_OVERLAY_TEXTS = 2_000
# Hand-scored texts cost Python time on every question; past this many, build in full.
MAX_NEW_TEXTS = 500
# Past this share of the bulk's texts being gone, its statistics no longer describe the shop: build in full.
MAX_GONE_SHARE = 0.25

Tokenize = Callable[[str], list[str]]


class LexicalIndex:
    """Per-text BM25 scores for a query; `with_texts` makes the index for a shop's texts after an edit."""

    def __init__(self, texts: list[str], tokenize: Tokenize) -> None:
        import bm25s

        docs = [tokenize(t) or ["\0"] for t in texts]
        self.bm25 = bm25s.BM25()
        self.bm25.index(docs, show_progress=False)
        self.vocab: dict[str, int] = self.bm25.vocab_dict
        self.n_bulk = len(docs)
        self.avg_len = float(np.mean([len(d) for d in docs])) if docs else 1.0
        # bm25s keeps its scores token-major (one column per vocabulary entry): a column's length is the
        # token's document frequency.
        df = np.diff(self.bm25.scores["indptr"]).astype(np.float64)
        self.idf = np.log(1 + (self.n_bulk - df + 0.5) / (df + 0.5))
        self._bulk_row = {t: i for i, t in enumerate(texts)}
        self.rows = np.arange(self.n_bulk, dtype=np.int64)  # each text's row in the bulk index, -1 = scored by hand
        self.added: dict[int, tuple[Counter, int]] = {}  # text position -> (term counts, length)
        self._added_df: Counter = Counter()

    def with_texts(self, texts: list[str], tokenize: Tokenize) -> LexicalIndex:
        """The index for `texts` (the shop's texts after an edit): this one's bulk plus hand-scored new texts."""
        rows = np.array([self._bulk_row.get(t, -1) for t in texts], dtype=np.int64)
        new = np.flatnonzero(rows < 0)
        gone = self.n_bulk - len(set(rows[rows >= 0].tolist()))
        if (self.n_bulk < MIN_OVERLAY_TEXTS or len(new) > MAX_NEW_TEXTS
                or gone > MAX_GONE_SHARE * self.n_bulk):
            return LexicalIndex(texts, tokenize)
        index = copy.copy(self)  # shares the bulk (read-only); rows and hand-scored texts are its own
        index.rows = rows
        index.added = {}
        index._added_df = Counter()
        for i in new.tolist():
            doc = tokenize(texts[i]) or ["\0"]
            counts = Counter(doc)
            index.added[i] = (counts, len(doc))
            index._added_df.update(counts.keys())
        return index

    def _idf(self, token: str) -> float | None:
        i = self.vocab.get(token)
        if i is not None:
            return float(self.idf[i])
        df = self._added_df.get(token)
        if df:  # a word only new texts have: rare in the bulk's terms
            return math.log(1 + (self.n_bulk - df + 0.5) / (df + 0.5))
        return None

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 of the query tokens against every text, in the order of the texts given."""
        ids = [self.vocab[t] for t in tokens if t in self.vocab]
        bulk = (self.bm25.get_scores_from_ids(ids) if ids else np.zeros(self.n_bulk)).astype(np.float32)
        out = np.where(self.rows >= 0, bulk[np.maximum(self.rows, 0)], 0.0).astype(np.float32)
        if self.added:
            k1, b = self.bm25.k1, self.bm25.b
            idf = {t: self._idf(t) for t in set(tokens)}
            for i, (counts, length) in self.added.items():
                norm = k1 * ((1 - b) + b * length / self.avg_len)
                out[i] = sum(idf[t] * counts[t] / (counts[t] + norm) for t in tokens if t in counts)
        return out

    def self_score(self, tokens: list[str]) -> float:
        """What an ideal text (the query itself) would score: the idf of each query token the index knows."""
        return float(sum(v for v in (self._idf(t) for t in tokens) if v is not None)) or 1.0
