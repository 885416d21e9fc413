"""`kefu eval`: put a knowledge base in a throwaway shop, ask every query through the live bot's pipeline, score it."""

from __future__ import annotations

import csv
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kefu.bot.engine import Bot, Decision
from kefu.bot.index import KnowledgeIndex
from kefu.bot.texts import wants_person
from kefu.db import Database
from kefu.knowledge import io as kbio
from kefu.knowledge.importer import do_import
from kefu.migrate import upgrade
from kefu.nlu import entities as ents
from kefu.nlu.matcher import Entry
from kefu.tenants.actions import do_create_tenant
from kefu.tenants.models import Tenant


@dataclass
class Report:
    in_scope: int = 0
    out_of_scope: int = 0
    answered_right: int = 0
    answered_wrong: int = 0
    clarified_right: int = 0
    clarified_wrong: int = 0
    top1_right: int = 0
    oos_not_answered: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    build_seconds: float = 0.0
    skipped_rows: int = 0  # knowledge rows the importer refused (reported, not evaluated)

    def pct(self, n: int, d: int) -> float:
        return 100.0 * n / d if d else 0.0

    def summary(self) -> dict[str, float]:
        lat = np.array(self.latencies_ms or [0.0])
        return {
            "in_scope": self.in_scope,
            "out_of_scope": self.out_of_scope,
            "direct_accuracy": self.pct(self.answered_right, self.in_scope),
            "answered_wrongly": self.pct(self.answered_wrong, self.in_scope),
            "clarified_with_right_candidate": self.pct(self.clarified_right, self.in_scope),
            "top1_accuracy": self.pct(self.top1_right, self.in_scope),
            "precision_of_answers": self.pct(self.answered_right, self.answered_right + self.answered_wrong),
            "oos_not_answered": self.pct(self.oos_not_answered, self.out_of_scope),
            "latency_p50_ms": float(np.percentile(lat, 50)),
            "latency_p99_ms": float(np.percentile(lat, 99)),
            "index_build_seconds": self.build_seconds,
            "skipped_kb_rows": self.skipped_rows,
        }


@dataclass
class Route:
    """Where the bot sends a customer message that opens a topic: a flow, or its knowledge decision."""

    kind: str  # handoff | smalltalk | flow | answer | clarify | fallback
    flow: str | None = None
    decision: Decision | None = None
    flows_ranked: list[tuple[str, float]] = field(default_factory=list)


def route(bot: Bot, db, tenant: Tenant, text: str, locale: str = "zh") -> Route:
    """Decide one customer message the way the live bot does when no flow is in progress.

    The same calls as Bot._reply, in its order: a request for a person, a bare order number (its order is shown),
    the knowledge decision, then the flow intents weighed against it by Bot._wanted_flow. The handoff policy's
    other reasons (anger, anxiety, VIP) and a flow in progress are left out: this scores understanding.
    """
    if wants_person(text):
        return Route("handoff")
    found = ents.extract(text, bot.catalogue(db, tenant))
    asked = ents.without_numbers(text)
    if not asked and found.order_no:
        return Route("flow", flow="order_status")
    decision = bot.decide(db, tenant, asked or text, locale, person_ok=False)
    if decision.kind == "smalltalk":
        return Route("smalltalk", decision=decision)
    ranked = bot.intents.rank(asked or text, bot._enabled_flows(tenant))
    wanted = bot._wanted_flow(ranked, decision, text, found)
    if wanted:
        return Route("flow", flow=wanted, decision=decision, flows_ranked=ranked)
    return Route(decision.kind, decision=decision, flows_ranked=ranked)


def load_kb(path: Path) -> kbio.ParseResult:
    """Read a knowledge file (CSV, Excel or JSON) exactly as `kefu kb import` and the console do."""
    data = path.read_bytes()
    return kbio.parse(data, kbio.detect_format(path.name, data))


def entries(parsed: kbio.ParseResult) -> list[Entry]:
    """The parsed points as matcher entries (for benchmarks that drive a matcher without a database)."""
    return [Entry(i, r.data.question, tuple(r.data.similar_questions)) for i, r in enumerate(parsed.rows)]


def read_queries(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [(r["query"], (r.get("expected") or "").strip()) for r in csv.DictReader(f)]


def evaluate(kb: Path, queries: Path, out: Path | None = None, embedder: str = "use",
             progress: Callable[[int, int], None] | None = None, index: KnowledgeIndex | None = None) -> Report:
    """Run the evaluation; write one JSON line per query to out if given."""
    workdir = tempfile.TemporaryDirectory(prefix="kefu-eval-")
    url = f"sqlite:///{Path(workdir.name) / 'eval.db'}"
    upgrade(url)
    database = Database(url)
    report = Report()
    with database.session() as db:
        tenant = do_create_tenant(db, name="eval", slug="eval")
        outcome = do_import(db, tenant_id=tenant.id, parsed=load_kb(kb), skip_bad=True)
        report.skipped_rows = len(outcome.errors)
        tenant_id = tenant.id
    bot = Bot(index or KnowledgeIndex(embedder, background=False))
    qs = read_queries(queries)
    sink = open(out, "w", encoding="utf-8") if out else None  # noqa: SIM115
    try:
        with database.session() as db:
            tenant = db.get(Tenant, tenant_id)
            t0 = time.perf_counter()
            bot.index.get(db, tenant_id)  # build (and train) before timing queries
            report.build_seconds = time.perf_counter() - t0
            for i, (query, expected) in enumerate(qs):
                t = time.perf_counter()
                decision = bot.decide(db, tenant, query, "zh")
                ms = (time.perf_counter() - t) * 1000
                report.latencies_ms.append(ms)
                match = decision.match
                outcome = decision.kind if decision.kind in ("answer", "clarify") else "fallback"
                top = match.best.question if match and match.best else None
                offered = [c.question for c in match.candidates] if match and outcome == "clarify" else []
                if expected:
                    report.in_scope += 1
                    report.top1_right += top == expected
                    if outcome == "answer":
                        if top == expected:
                            report.answered_right += 1
                        else:
                            report.answered_wrong += 1
                    elif outcome == "clarify":
                        if expected in offered:
                            report.clarified_right += 1
                        else:
                            report.clarified_wrong += 1
                else:
                    report.out_of_scope += 1
                    report.oos_not_answered += outcome != "answer"
                if sink:
                    sink.write(json.dumps({"query": query, "expected": expected, "outcome": outcome, "top": top,
                                           "candidates": offered, "latency_ms": round(ms, 3),
                                           "kind": decision.kind}, ensure_ascii=False) + "\n")
                if progress and (i % 200 == 0 or i == len(qs) - 1):
                    progress(i + 1, len(qs))
    finally:
        if sink:
            sink.close()
        database.dispose()
        workdir.cleanup()
    return report
