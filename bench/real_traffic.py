"""Real customers' words: the bot on labelled real JD.com messages and on a small shop's colloquial questions.

    python -m bench.real_traffic [--sets real,small] [--fold all|a|b] [--skip-baselines] [--dump DIR]

real   bench/data/real_traffic_dev.csv: customer messages of the JDDC 2019 dev pool, labelled by hand with the
       ecommerce-zh point key that answers them, a flow id, or not_covered (bench/data/README.md). The labels are
       references (session id, position); the text is read from ../shared/data/jddc2019_dev at run time, and only
       sessions listed in its dev_pool_sessions.txt are read. The knowledge base is the ecommerce-zh pack,
       imported into a throwaway shop with the default facts.
small  bench/data/small_shop_kb.csv (40 points of a small tea shop, 2-3 similar questions each) asked
       bench/data/small_shop_questions.csv (126 colloquial questions, 20 out of scope).

Systems, each on the same messages in the same run:
  kefu                  the live bot's routing of a message that opens a topic (kefu.bot.evaluate.route): a
                        request for a person, then the knowledge decision, then a flow if the flow intents win
                        (Bot._wanted_flow); answers, "did you mean" options and flow starts are all scored.
  kefu, knowledge only  Bot.decide alone, as `kefu eval` runs it (flows never start).
  char-TF-IDF NN        nearest neighbour over the points' questions and the flows' examples; always answers.
  USE NN                the same over USE embeddings; always answers (--e5-baseline: e5 NN too).

Columns: direct right = answered (or the flow started) with a right point/flow; resolved = direct right, or a
"did you mean" that offers a right option; top-1 = the first thing the system would give is right, whatever it
does with it; answered wrong = answered (or flow started) with nothing right; OOS kept out = out-of-scope messages
neither answered nor sent into a flow. Latency is per message, inside the process. A flow and the pack point that
explains the same thing count as one (track_parcel = shipping.where_is_parcel, see FLOW_POINTS).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import select

from bench.packs import answer_with_whole_pack
from bench.shared import SHARED
from kefu.bot.engine import Bot
from kefu.bot.evaluate import load_kb, route
from kefu.bot.index import KnowledgeIndex
from kefu.db import Database
from kefu.flows.registry import public_flows
from kefu.knowledge.actions import enabled_points
from kefu.knowledge.importer import do_import
from kefu.migrate import upgrade
from kefu.nlu.embed import make_embedder
from kefu.nlu.matcher import CharTfidfMatcher, Entry, MatchResult
from kefu.packs import actions as packs
from kefu.packs.models import PackPoint
from kefu.packs.sources import BUILTIN_DIR, Catalog, FolderSource
from kefu.tenants.actions import do_create_tenant
from kefu.tenants.models import Tenant

DATA = Path(__file__).parent / "data"
JDDC = SHARED / "data" / "jddc2019_dev"
# A flow and the pack point that answers the same request in words: either is a right reply.
FLOW_POINTS = {"track_parcel": "shipping.where_is_parcel", "urge_shipment": "order.urge_ship",
               "cancel_order": "order.cancel", "change_address": "shipping.change_address",
               "return_refund": "returns.how_to_return"}
NOT_COVERED = "not_covered"


@dataclass(frozen=True)
class Case:
    text: str
    right: frozenset[str]  # empty: out of scope
    ref: str  # session:position, or the small shop's row
    needs_context: bool = False
    fold: str = "a"


@dataclass
class Outcome:
    kind: str  # answer | flow | clarify | fallback | other (small talk, handoff)
    given: set[str] = field(default_factory=set)  # what was answered or started
    top: str | None = None
    offered: set[str] = field(default_factory=set)


# --- data -------------------------------------------------------------------------------------------------

def pool_sessions() -> set[str]:
    with open(JDDC / "dev_pool_sessions.txt", encoding="utf-8") as f:
        return {line.strip() for line in f if line.strip() and not line.startswith("#")}


def pool_messages(wanted: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The text at each (session, position), read from dev-pool sessions only (held-out sessions are skipped unread).

    Chat sample: position = the row's 0-based index within its session (agent rows counted). Dev sessions
    (a_*, p_*): position = the 0-based index over the context turns, then the questions; a turn's messages are
    joined by a space.
    """
    pool = pool_sessions()
    outside = {s for s, _ in wanted} - pool
    if outside:
        raise SystemExit(f"labels name sessions outside the dev pool: {sorted(outside)[:3]}")
    texts: dict[tuple[str, int], str] = {}
    seen: dict[str, int] = {}
    with open(JDDC / "train_chat_sample_0.1pct.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            sid = row["session_id"]
            if sid not in pool:
                continue
            pos = seen.get(sid, 0)
            seen[sid] = pos + 1
            if (sid, pos) in wanted:
                if row["waiter_send"] != "0":
                    raise SystemExit(f"{sid}:{pos} is an agent's message, not a customer's")
                texts[(sid, pos)] = row["content"]
    with open(JDDC / "dev_sessions.jsonl", encoding="utf-8") as f:
        for line in f:
            session = json.loads(line)
            sid = session["session_id"]
            if sid not in pool:
                continue
            turns = [(t["role"], t.get("text")) for t in session["context"]]
            turns += [("customer", q["question"]) for q in session["questions"]]
            for pos, (role, messages) in enumerate(turns):
                if (sid, pos) in wanted and role == "customer":
                    texts[(sid, pos)] = " ".join(m for m in messages if m and m != "NULL")
    missing = wanted - set(texts)
    if missing:
        raise SystemExit(f"no customer message at {sorted(missing)[:3]}")
    return texts


def acceptable(labels: list[str]) -> frozenset[str]:
    """The label's keys and flows, each with its equivalent (FLOW_POINTS); empty for not_covered."""
    out = set()
    back = {v: k for k, v in FLOW_POINTS.items()}
    for label in labels:
        if label == NOT_COVERED:
            continue
        out.add(label)
        out.update(x for x in (FLOW_POINTS.get(label), back.get(label)) if x)
    return frozenset(out)


def real_labels() -> set[str]:
    with open(DATA / "real_traffic_dev.csv", encoding="utf-8", newline="") as f:
        return {x for r in csv.DictReader(f) for x in r["label"].split("|")}


def real_cases(fold: str = "all") -> list[Case]:
    with open(DATA / "real_traffic_dev.csv", encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if fold == "all" or r["fold"] == fold]
    texts = pool_messages({(r["session_id"], int(r["position"])) for r in rows})
    return [Case(texts[(r["session_id"], int(r["position"]))], acceptable(r["label"].split("|")),
                 f"{r['session_id']}:{r['position']}", r["needs_context"] == "1", r["fold"]) for r in rows]


def small_cases(fold: str = "all") -> list[Case]:
    with open(DATA / "small_shop_questions.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    # Folds by row, alternating, so each holds every point's questions in both.
    cases = [Case(r["query"], frozenset(x for x in r["expected"].split("|") if x), f"row {i + 2}",
                  fold="ab"[i % 2]) for i, r in enumerate(rows)]
    return [c for c in cases if fold in ("all", c.fold)]


# --- shops --------------------------------------------------------------------------------------------------

@dataclass
class Shop:
    database: Database
    tenant_id: int
    names: dict[int, str]  # point id -> what labels call it (pack key, or the question for the small shop)
    workdir: tempfile.TemporaryDirectory

    def entries(self) -> list[Entry]:
        with self.database.session() as db:
            return [Entry(p.id, p.question, tuple(p.similar_questions or ()))
                    for p in enabled_points(db, tenant_id=self.tenant_id)]

    def close(self) -> None:
        self.database.dispose()
        self.workdir.cleanup()


def _empty_shop(name: str) -> tuple[Database, int, tempfile.TemporaryDirectory]:
    workdir = tempfile.TemporaryDirectory(prefix="kefu-real-traffic-")
    url = f"sqlite:///{Path(workdir.name) / 'shop.db'}"
    upgrade(url)
    database = Database(url)
    with database.session() as db:
        tenant_id = do_create_tenant(db, name=name, slug=name).id
    return database, tenant_id, workdir


def pack_shop(pack_id: str = "ecommerce-zh") -> Shop:
    database, tenant_id, workdir = _empty_shop("pack")
    with database.session() as db:
        packs.do_import_pack(db, tenant_id=tenant_id, pack_id=pack_id, actor="bench",
                             catalog=Catalog([FolderSource("builtin", BUILTIN_DIR)]))
    with database.session() as db:
        answer_with_whole_pack(db, tenant_id, pack_id)  # as in bench.packs' last stage
    with database.session() as db:
        keys = dict(db.execute(select(PackPoint.point_id, PackPoint.key).where(PackPoint.tenant_id == tenant_id)).all())
    return Shop(database, tenant_id, keys, workdir)


def kb_shop(path: Path) -> Shop:
    database, tenant_id, workdir = _empty_shop("small")
    with database.session() as db:
        outcome = do_import(db, tenant_id=tenant_id, parsed=load_kb(path), skip_bad=False)
        if outcome.errors:
            raise SystemExit(f"{path}: {outcome.errors[:3]}")
    shop = Shop(database, tenant_id, {}, workdir)
    shop.names = {e.point_id: e.question for e in shop.entries()}
    return shop


# --- systems ------------------------------------------------------------------------------------------------

System = Callable[[str], Outcome]


def _from_match(result: MatchResult | None, name: Callable[[int], str], answers=()) -> Outcome:
    if result is None or not result.candidates:
        return Outcome("fallback")
    top = name(result.best.point_id)
    if result.outcome == "answer":
        return Outcome("answer", {name(c.point_id) for c in (answers or [result.best])}, top)
    if result.outcome == "clarify":
        return Outcome("clarify", top=top, offered={name(c.point_id) for c in result.candidates})
    return Outcome("fallback", top=top)


def bot_system(shop: Shop, knowledge_only: bool = False, embedder: str = "use") -> tuple[System, Callable]:
    """kefu's bot on the shop: route() (flows included) or Bot.decide alone; returns (system, close)."""
    bot = Bot(KnowledgeIndex(embedder, background=False))
    stack = contextlib.ExitStack()
    db = stack.enter_context(shop.database.session())  # one session for the whole run, as kefu eval holds one
    tenant = db.get(Tenant, shop.tenant_id)
    bot.index.get(db, shop.tenant_id)  # build and train before timing

    def name(pid: int) -> str:
        return shop.names.get(pid, str(pid))

    def run(text: str) -> Outcome:
        if knowledge_only:
            d = bot.decide(db, tenant, text, "zh")
            if d.kind not in ("answer", "clarify", "fallback"):
                return Outcome("other")
            return _from_match(d.match, name, d.answers)
        r = route(bot, db, tenant, text, "zh")
        if r.kind == "flow":
            return Outcome("flow", {r.flow}, r.flow)
        if r.kind in ("handoff", "smalltalk"):
            return Outcome("other")
        return _from_match(r.decision.match, name, r.decision.answers)

    return run, stack.close


class UseNearestNeighbour:
    """Baseline: the closest text by the embedder's cosine (USE, or e5), always answered."""

    def __init__(self, entries: list[Entry], embedder):
        self.embedder = embedder
        self.texts = [t for e in entries for t in (e.question, *e.similar_questions)]
        self.owners = [e.point_id for e in entries for _ in (e.question, *e.similar_questions)]
        self.questions = {e.point_id: e.question for e in entries}
        self.vectors = embedder.encode(self.texts)

    def match(self, text: str) -> MatchResult:
        from kefu.nlu.matcher import Candidate

        sims = self.vectors @ self.embedder.encode([text])[0]
        pid = self.owners[int(np.argmax(sims))]
        return MatchResult("answer", [Candidate(pid, self.questions[pid], float(sims.max()))])


def baseline_system(shop: Shop, kind: str) -> System:
    """A plain nearest neighbour over the shop's points and every flow's examples (a flow is one more point)."""
    flows = public_flows()
    flow_entries = [Entry(-1 - i, f.examples["zh"][0], tuple(f.examples["zh"][1:])) for i, f in enumerate(flows)]
    names = {**shop.names, **{-1 - i: f.id for i, f in enumerate(flows)}}
    entries = shop.entries() + flow_entries
    matcher = (CharTfidfMatcher(entries, answer_at=0.0, clarify_at=0.0) if kind == "tfidf"
               else UseNearestNeighbour(entries, make_embedder(kind)))

    def run(text: str) -> Outcome:
        out = _from_match(matcher.match(text), lambda pid: names.get(pid, str(pid)))
        if out.kind == "answer" and out.top in {f.id for f in flows}:
            out.kind = "flow"
        return out

    return run


# --- scoring ------------------------------------------------------------------------------------------------

def score(cases: list[Case], system: System, dump: Path | None = None) -> dict[str, float]:
    n_in = n_out = right = resolved = top1 = wrong = kept_out = 0
    latencies = []
    sink = open(dump, "w", encoding="utf-8") if dump else None  # noqa: SIM115
    for case in cases:
        t = time.perf_counter()
        out = system(case.text)
        latencies.append((time.perf_counter() - t) * 1000)
        acted = out.kind in ("answer", "flow")
        if case.right:
            n_in += 1
            ok = acted and bool(out.given & case.right)
            right += ok
            resolved += ok or (out.kind == "clarify" and bool(out.offered & case.right))
            top1 += out.top in case.right
            wrong += acted and not ok
        else:
            n_out += 1
            kept_out += not acted
        if sink:
            sink.write(json.dumps({"ref": case.ref, "text": case.text, "right": sorted(case.right),
                                   "kind": out.kind, "given": sorted(out.given), "top": out.top,
                                   "offered": sorted(out.offered), "ctx": case.needs_context,
                                   "ms": round(latencies[-1], 2)}, ensure_ascii=False) + "\n")
    if sink:
        sink.close()
    lat = np.array(latencies or [0.0])

    def pct(a: int, b: int) -> float:
        return 100.0 * a / b if b else 0.0

    return {"in": n_in, "out": n_out, "right": pct(right, n_in), "resolved": pct(resolved, n_in),
            "top1": pct(top1, n_in), "wrong": pct(wrong, n_in), "kept_out": pct(kept_out, n_out),
            "p50": float(np.percentile(lat, 50)), "p99": float(np.percentile(lat, 99))}


def line(name: str, s: dict) -> str:
    return (f"| {name} | {s['in']} / {s['out']} | {s['right']:.1f} | {s['resolved']:.1f} | {s['top1']:.1f} | "
            f"{s['wrong']:.1f} | {s['kept_out']:.1f} | {s['p50']:.1f} / {s['p99']:.1f} |")


def run_set(label: str, cases: list[Case], shop: Shop, args) -> None:
    systems: list[tuple[str, Callable[[], tuple[System, Callable]]]] = [
        ("kefu", lambda: bot_system(shop, embedder=args.embedder)),
        ("kefu, knowledge only", lambda: bot_system(shop, knowledge_only=True, embedder=args.embedder)),
    ]
    if not args.skip_baselines:
        systems += [("char-TF-IDF nearest neighbour", lambda: (baseline_system(shop, "tfidf"), lambda: None)),
                    ("USE nearest neighbour", lambda: (baseline_system(shop, "use"), lambda: None))]
        if args.e5_baseline:
            systems.append(("e5 nearest neighbour", lambda: (baseline_system(shop, "e5"), lambda: None)))
    for name, make in systems:
        system, close = make()
        dump = Path(args.dump) / (re.sub(r"\W+", "-", f"{label} {name}").strip("-") + ".jsonl") if args.dump else None
        try:
            print(line(f"{label}: {name}", score(cases, system, dump)), flush=True)
        finally:
            close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="real,small")
    ap.add_argument("--fold", default="all", choices=("all", "a", "b"))
    ap.add_argument("--skip-baselines", action="store_true")
    ap.add_argument("--e5-baseline", action="store_true", help="also e5 nearest neighbour (the chinese extra)")
    ap.add_argument("--embedder", default="use", help="kefu's embedder setting for the kefu rows")
    ap.add_argument("--dump", help="write one JSON line per message and system into this folder (outside the "
                                   "repository: real-traffic lines carry JDDC text)")
    args = ap.parse_args()
    if args.dump:
        Path(args.dump).mkdir(parents=True, exist_ok=True)
    print("| set: system | in scope / out of scope | direct right % | resolved % | top-1 % | answered wrong % "
          "| OOS kept out % | p50 / p99 ms |")
    print("|---|---|---|---|---|---|---|---|")
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    if "real" in sets:
        shop = pack_shop()
        unknown = real_labels() - set(shop.names.values()) - {f.id for f in public_flows()} - {NOT_COVERED}
        if unknown:
            print(f"(labels the pack no longer has, never counted right: {', '.join(sorted(unknown))})")
        try:
            run_set(f"real traffic ({args.fold})", real_cases(args.fold), shop, args)
        finally:
            shop.close()
    if "small" in sets:
        shop = kb_shop(DATA / "small_shop_kb.csv")
        try:
            run_set(f"small shop ({args.fold})", small_cases(args.fold), shop, args)
        finally:
            shop.close()


if __name__ == "__main__":
    main()
