"""Keep one matcher per shop in memory, rebuilt when the shop's knowledge version moves."""

from __future__ import annotations

import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.knowledge.actions import enabled_points
from kefu.nlu.matcher import Entry, Matcher, MatcherFactory, default_factory
from kefu.tenants.models import Tenant


class KnowledgeIndex:
    """Per-shop matcher cache; checking the version costs one indexed read per question.

    The version lives in the database, so an edit made through any process is seen by every process.
    """

    def __init__(self, factory: MatcherFactory = default_factory) -> None:
        self._factory = factory
        self._cache: dict[int, tuple[int, Matcher]] = {}
        self._lock = threading.Lock()

    def get(self, db: Session, tenant_id: int) -> Matcher:
        version = db.scalar(select(Tenant.kb_version).where(Tenant.id == tenant_id))
        cached = self._cache.get(tenant_id)
        if cached and cached[0] == version:
            return cached[1]
        with self._lock:
            cached = self._cache.get(tenant_id)
            if cached and cached[0] == version:
                return cached[1]
            entries = [Entry(p.id, p.question, tuple(p.similar_questions or ())) for p in
                       enabled_points(db, tenant_id=tenant_id)]
            matcher = self._factory(entries)
            self._cache[tenant_id] = (version, matcher)
            return matcher
