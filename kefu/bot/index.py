"""Keep one matcher per shop in memory, rebuilt when the shop's knowledge version moves.

Rebuilding is cheap because embeddings are cached by text: after one edit only the edited texts are embedded.
The per-shop classifier is trained in a background thread and joins the matcher when it is ready.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.db import utcnow
from kefu.knowledge.actions import enabled_points, list_terms, next_validity_change
from kefu.knowledge.models import Term
from kefu.nlu.embed import Embedder, make_embedders
from kefu.nlu.hybrid import HybridMatcher, Thresholds
from kefu.nlu.matcher import Entry, Matcher
from kefu.nlu.tokenize import Tokenizer, add_words, synonym_map
from kefu.tenants.models import Tenant

log = logging.getLogger(__name__)


class KnowledgeIndex:
    """Per-shop matcher cache; checking the version costs one indexed read per question.

    The version lives in the database, so an edit made through any process is seen by every process.
    """

    def __init__(self, embedder: Embedder | None | str = "use", background: bool = True,
                 factory: Callable[[list[Entry]], Matcher] | None = None,
                 classifier_embedders: tuple[Embedder, ...] = ()) -> None:
        # "use+minilm": the first embedder serves retrieval (and flow intents); the rest only the classifier,
        # except e5 ("use+e5"), which is a second retrieval signal for Chinese questions.
        self.embedder, extras = (make_embedders(embedder) if isinstance(embedder, str)
                                 else (embedder, classifier_embedders))
        self.second_embedder = next((e for e in extras if e.name.startswith("e5")), None)
        self.classifier_embedders = tuple(e for e in extras if e is not self.second_embedder)
        self.background = background
        self.factory = factory  # another matcher (benchmark baselines); default: the hybrid one
        # shop -> (kb_version, when a validity window next opens or closes, matcher, its dictionary)
        self._cache: dict[int, tuple[int, object, Matcher, tuple]] = {}
        self._training: dict[int, threading.Thread] = {}
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the embedding model and the segmenter now, so the first customer does not wait for them."""
        from kefu.nlu.tokenize import _jieba

        _jieba()
        for embedder in (self.embedder, *self.classifier_embedders, self.second_embedder):
            if embedder is not None:
                embedder.encode(["你好"])

    def build(self, entries: list[Entry], *, terms: list[Term] = (), thresholds: Thresholds | None = None,
              previous: Matcher | None = None) -> Matcher:
        """A matcher over the entries; `previous` (the shop's last one, same dictionary) lends its BM25 bulk."""
        if self.factory is not None:
            return self.factory(entries)
        add_words(w for t in terms for w in (t.word, *t.synonyms))
        tokenizer = Tokenizer(synonym_map([t.word, *t.synonyms] for t in terms))
        return HybridMatcher(entries, embedder=self.embedder, tokenizer=tokenizer, thresholds=thresholds,
                             classifier_embedders=self.classifier_embedders, second_embedder=self.second_embedder,
                             previous=previous if isinstance(previous, HybridMatcher) else None)

    def get(self, db: Session, tenant_id: int) -> Matcher:
        version = db.scalar(select(Tenant.kb_version).where(Tenant.id == tenant_id))
        cached = self._cache.get(tenant_id)
        if self._fresh(cached, version):
            return cached[2]
        with self._lock:
            cached = self._cache.get(tenant_id)
            if self._fresh(cached, version):
                return cached[2]
            expires = next_validity_change(db, tenant_id=tenant_id)
            entries = [Entry(p.id, p.question, tuple(p.similar_questions or ())) for p in
                       enabled_points(db, tenant_id=tenant_id)]
            tenant = db.get(Tenant, tenant_id)
            defaults = Thresholds()
            thresholds = Thresholds(
                answer=tenant.answer_threshold if tenant.answer_threshold is not None else defaults.answer,
                clarify=tenant.clarify_threshold if tenant.clarify_threshold is not None else defaults.clarify)
            terms = list_terms(db, tenant_id=tenant_id)
            # A changed dictionary cuts every text anew, so only an unchanged one lets the last index be reused.
            dictionary = tuple(sorted((t.word, tuple(t.synonyms or ())) for t in terms))
            previous = cached[2] if cached and cached[3] == dictionary else None
            matcher = self.build(entries, terms=terms, thresholds=thresholds, previous=previous)
            self._cache[tenant_id] = (version, expires, matcher, dictionary)
            if isinstance(matcher, HybridMatcher) and matcher.wants_classifier():
                self._train(tenant_id, matcher)
            return matcher

    @staticmethod
    def _fresh(cached, version) -> bool:
        # Stale when the knowledge changed, or when a point's valid_from/valid_to has passed since the build.
        return bool(cached) and cached[0] == version and (cached[1] is None or utcnow() < cached[1])

    def _train(self, tenant_id: int, matcher: HybridMatcher) -> None:
        def run():
            try:
                matcher.train_classifier()
            except Exception:  # retrieval still answers without the classifier
                log.exception("training the classifier of shop %s failed", tenant_id)

        if not self.background:
            run()
            return
        thread = threading.Thread(target=run, name=f"kefu-train-{tenant_id}", daemon=True)
        self._training[tenant_id] = thread
        thread.start()

    def wait(self, tenant_id: int, timeout: float | None = None) -> None:
        """Block until the shop's classifier training (if any) has finished (eval and tests use this)."""
        thread = self._training.get(tenant_id)
        if thread is not None:
            thread.join(timeout)
