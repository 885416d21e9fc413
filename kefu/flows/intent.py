"""Recognise when a customer asks for a self-service flow, with the same hybrid matcher as the knowledge base."""

from __future__ import annotations

import threading

from kefu.flows.registry import public_flows
from kefu.nlu.embed import Embedder
from kefu.nlu.hybrid import HybridMatcher
from kefu.nlu.matcher import Entry

# A flow starts when the matcher is at least this sure; checked on the flows' own examples (tests/unit/test_flows).
START_AT = 0.5


class FlowIntents:
    """One matcher over every flow's examples, built once per process (flows are code, not per-shop data)."""

    def __init__(self, embedder: Embedder | None) -> None:
        self.embedder = embedder
        self._matcher: HybridMatcher | None = None
        self._ids: list[str] = []
        self._lock = threading.Lock()

    def _build(self) -> HybridMatcher:
        with self._lock:
            if self._matcher is None:
                flows = public_flows()
                self._ids = [f.id for f in flows]
                entries = [Entry(i, f.examples["zh"][0], tuple(f.examples["zh"][1:] + f.examples.get("en", [])))
                           for i, f in enumerate(flows)]
                self._matcher = HybridMatcher(entries, embedder=self.embedder)
        return self._matcher

    def rank(self, text: str, enabled: set[str] | None = None) -> list[tuple[str, float]]:
        """Every enabled flow text may ask for, with the matcher's confidence, best first.

        None at all when the best fitting flow is switched off.
        """
        result = self._build().match(text)
        ranked = [(self._ids[c.point_id], c.score) for c in result.candidates]
        if ranked and enabled is not None and ranked[0][0] not in enabled:
            return []  # asking for a flow the shop switched off is not a request for another flow
        return [(i, s) for i, s in ranked if enabled is None or i in enabled]

    def match(self, text: str, enabled: set[str] | None = None) -> tuple[str, float] | None:
        """Return (flow id, confidence) of the flow text asks for, or None."""
        result = self._build().match(text)
        best = result.best
        if best is None or best.score < START_AT:
            return None
        flow_id = self._ids[best.point_id]
        if enabled is not None and flow_id not in enabled:
            return None
        return flow_id, best.score
