"""Does the improvement loop make the bot better? Replay real traffic as a shop's history, mine it, accept the
suggestions as a reviewer would, and ask the rest of the traffic before and after.

    python -m bench.learning_replay [--history a|b] [--top N] [--skip-baselines] [--trusting-customers]
    python -m bench.learning_replay --tune     # the grouping against the labels, over a grid of cut-offs

Data: the JDDC 2019 development pool only (../shared/data/jddc2019_dev/dev_pool_sessions.txt), read at run time;
no JDDC text is written anywhere. The labelled sessions of bench/data/real_traffic_dev.csv are split by its `fold`
column (a hash of the session id): one fold is the shop's history, the other is asked before and after.

1. History. Every customer message of the history sessions goes through the live bot (kefu.bot.engine.Bot on a
   Runtime, as the channels feed it) in a shop with the ecommerce-zh pack (as bench.real_traffic builds it). When
   the bot does not answer (fallback, "did you mean", handoff), a person takes the chat: a handoff is recorded and
   the session's real agent replies that followed the message are posted as agent messages; later messages of the
   session go to that person with their real replies. A customer whose labelled message got a wrong answer asks
   for a person the same way (a real customer would not settle for it; --trusting-customers turns this off).
   Where the bot answered or started a flow, the agent's reply of the log is dropped (the bot replied instead).
2. Mining: kefu.learning.actions.analyse and describe over the history (every group, with drafts and suggestions).
3. Acceptance, simulated three ways, each on its own copy of the shop, over the top N groups in rank order:
   - "reviewer": a reviewer who knows the shop; the labels of the group's messages in real_traffic_dev.csv stand
     in for their judgement. The majority label (a flow counts as its pack point, FLOW_POINTS) decides: a pack
     point -> add the group's questions to it as similar questions (one click, every question ticked);
     not_covered -> a new point from the group (its name as question, the drafted answer) when the draft is not
     empty, else ignore; no labelled message in the group (greetings, bare order numbers: the labels skip those)
     -> ignore.
   - "careful reviewer": the same decisions, but the reviewer unticks the questions that ask something else
     (those labelled otherwise or not labelled), as the console's tick boxes allow.
   - "one-click": no labels: the suggested point is accepted when its score is at least ACCEPT_AT, else a new
     point is made when the draft is not empty, else the group is ignored.
4. The other fold's labelled messages are asked before and after (bench.real_traffic's scoring: direct right,
   resolved = direct right or a right option offered, answered wrong, OOS kept out).

Baselines in the same run: the shop before; "every missed message labelled" (oracle: each labelled history
message the bot missed is added to its labelled point by hand, no grouping: what a perfect reviewer reading one
message at a time would reach); and USE nearest neighbour before and after the reviewer's changes (a plain
retrieval system given the same knowledge).
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bench.real_traffic import (
    DATA,
    FLOW_POINTS,
    JDDC,
    NOT_COVERED,
    Case,
    Shop,
    acceptable,
    baseline_system,
    bot_system,
    line,
    pack_shop,
    pool_sessions,
    real_cases,
    score,
)
from kefu.bot.engine import Bot
from kefu.bot.index import KnowledgeIndex
from kefu.channels.intake import take_customer_message
from kefu.config import Settings
from kefu.conversations import actions as conversations
from kefu.conversations.models import Conversation, ConversationEvent, Customer
from kefu.db import Database
from kefu.errors import KefuError
from kefu.learning import actions as learning
from kefu.learning.cluster import display
from kefu.learning.schemas import AddToPointIn, NewPointIn
from kefu.runtime import Runtime

ACCEPT_AT = 0.5  # the one-click reviewer takes a suggested point from this mean confidence on


@dataclass
class Turn:
    position: int
    role: str  # customer | agent
    texts: list[str]  # one message each


# --- data ---------------------------------------------------------------------------------------------------

def sessions(wanted: set[str]) -> dict[str, list[Turn]]:
    """The turns of the wanted dev-pool sessions, positions as in real_traffic_dev.csv (bench/data/README.md)."""
    pool = pool_sessions()
    assert wanted <= pool, "only dev-pool sessions may be read"
    out: dict[str, list[Turn]] = defaultdict(list)
    with open(JDDC / "train_chat_sample_0.1pct.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            sid = row["session_id"]
            if sid in wanted:
                out[sid].append(Turn(len(out[sid]), "agent" if row["waiter_send"] != "0" else "customer",
                                     [row["content"]]))
    with open(JDDC / "dev_sessions.jsonl", encoding="utf-8") as f:
        for raw in f:
            session = json.loads(raw)
            sid = session["session_id"]
            if sid not in wanted:
                continue
            turns = []
            for t in session["context"]:
                if t["role"] == "customer":
                    turns.append(("customer", [m for m in t.get("text") or [] if m and m != "NULL"]))
                else:
                    turns.append(("agent", next((r for r in t.get("refs") or [] if r), [])))
            for q in session["questions"]:
                turns.append(("customer", [m for m in q["question"] if m and m != "NULL"]))
                turns.append(("agent", next((r for r in q.get("references") or [] if r), [])))
            # Positions count context turns then questions (agents' answers to questions come after, unnumbered).
            pos = 0
            for role, texts in turns:
                numbered = role == "customer" or pos < len(session["context"])
                out[sid].append(Turn(pos if numbered else -1, role, [" ".join(texts)] if role == "customer"
                                     else list(texts)))
                pos += numbered
    return dict(out)


def labels() -> tuple[dict[tuple[str, int], list[str]], dict[str, str]]:
    """(session, position) -> labels, and session -> fold."""
    by_ref, folds = {}, {}
    with open(DATA / "real_traffic_dev.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            by_ref[(r["session_id"], int(r["position"]))] = r["label"].split("|")
            folds[r["session_id"]] = r["fold"]
    return by_ref, folds


# --- history --------------------------------------------------------------------------------------------------

def replay_history(shop: Shop, history: dict[str, list[Turn]], embedder: str,
                   wrong: dict[tuple[str, int], frozenset[str]] | None = None) -> dict[int, tuple[str, int]]:
    """Feed the history through the live bot; return message id -> (session, position) of customer messages.

    wrong: the right keys of labelled messages; a customer whose message gets none of them as an answer asks for a
    person (as a real customer given a wrong answer would). None: answers are never questioned.
    """
    url = str(shop.database.engine.url)
    runtime = Runtime(Settings(database_url=url, redis_url=None, rate_limit_messages=100_000,
                               media_dir=str(Path(shop.workdir.name) / "media")))
    bot = Bot(KnowledgeIndex(embedder, background=False))
    bot.install(runtime)
    refs: dict[int, tuple[str, int]] = {}
    try:
        for sid, turns in history.items():
            with runtime.db.session() as db:
                customer = conversations.do_get_external_customer(db, tenant_id=shop.tenant_id, external_id=sid)
                conv, _ = conversations.do_open_conversation(db, tenant_id=shop.tenant_id, customer=customer,
                                                             channel="web", locale="zh", reuse=False)
                conv_id, customer_id = conv.id, customer.id
            person = False
            for turn in turns:
                if turn.role == "agent":
                    if person:
                        with runtime.db.session() as db:
                            conv = db.get(Conversation, conv_id)
                            for text in turn.texts:
                                if text.strip():
                                    conversations.do_post_message(db, conv=conv, sender="agent", text=text[:4000])
                    continue
                text = " ".join(turn.texts).strip()
                if not text:
                    continue
                with runtime.db.session() as db:
                    conv = db.get(Conversation, conv_id)
                    try:
                        msg, _ = take_customer_message(runtime, db, conv=conv, customer=db.get(Customer, customer_id),
                                                       text=text[:1900], client_id=None)
                    except KefuError:
                        continue
                    msg_id = msg.id
                if turn.position >= 0:
                    refs[msg_id] = (sid, turn.position)
                if person:
                    continue
                with runtime.db.session() as db:
                    last = next((e.data for e in db.scalars(
                        select(ConversationEvent).where(ConversationEvent.conversation_id == conv_id,
                                                        ConversationEvent.kind == "bot_turn")
                        .order_by(ConversationEvent.id.desc()).limit(1))), {})
                    outcome = last.get("outcome")
                    right = (wrong or {}).get((sid, turn.position))
                    answered_wrong = outcome == "answer" and right is not None and not (
                        {shop.names.get(p) for p in last.get("points") or ()} & right)
                    if outcome in ("fallback", "clarify", "handoff") or answered_wrong:
                        # The customer gets a person, who answers as the log's agent did.
                        conv = db.get(Conversation, conv_id)
                        db.add(ConversationEvent(tenant_id=shop.tenant_id, conversation_id=conv_id, kind="handoff",
                                                 data={"reason": "replay"}))
                        conversations.do_set_status(db, conv=conv, status="with_agent", reason="replay")
                        person = True
    finally:
        runtime.db.dispose()
    return refs


# --- acceptance -----------------------------------------------------------------------------------------------

def copy_shop(shop: Shop, name: str) -> Shop:
    """A copy of the shop's database (same ids), so each acceptance starts from the same history."""
    src = Path(shop.database.engine.url.database)
    dst = src.with_name(f"{name.replace(' ', '-')}.db")
    # The backup API, not a file copy: recent writes may still sit in the write-ahead log.
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return Shop(Database(f"sqlite:///{dst}"), shop.tenant_id, shop.names, shop.workdir)


def majority(group, refs, by_ref) -> str | None:
    """The label most of the group's labelled messages carry (a flow as its pack point); None if none is labelled."""
    votes = Counter()
    for item in group.items:
        ref = refs.get(item.message_id)
        if ref in by_ref:
            first = by_ref[ref][0]
            votes[FLOW_POINTS.get(first, first)] += 1
    return votes.most_common(1)[0][0] if votes else None


def accept(shop: Shop, groups, top: int, choose) -> Counter:
    """Apply choose(group) -> (what, point_id, questions) to the top groups: what is add | new | ignore;
    questions are the ones left ticked (None: all of the group's)."""
    tally = Counter()
    with shop.database.session() as db:
        for g in groups[:top]:
            what, point_id, questions = choose(g)
            ids = g.message_ids
            try:
                with db.begin_nested():
                    if what == "add":
                        learning.do_add_to_point(db, tenant_id=shop.tenant_id, data=AddToPointIn(
                            message_ids=ids, point_id=point_id, questions=questions))
                    elif what == "new":
                        learning.do_create_from_group(db, tenant_id=shop.tenant_id, data=NewPointIn(
                            message_ids=ids, question=g.name[:500], answer=g.draft[:5000],
                            similar_questions=questions))
                    else:
                        learning.do_ignore(db, tenant_id=shop.tenant_id, message_ids=ids)
                tally[what] += 1
            except KefuError as exc:  # e.g. a new point whose question a point has already
                tally[f"refused ({exc.code})"] += 1
    return tally


def oracle(shop: Shop, refs, by_ref, missed_ids: set[int]) -> int:
    """Add each labelled, missed history message to its labelled point, one at a time; return how many."""
    by_key = {v: k for k, v in shop.names.items()}
    added = 0
    with shop.database.session() as db:
        for mid in sorted(missed_ids):
            label = by_ref.get(refs.get(mid), [NOT_COVERED])[0]
            pid = by_key.get(FLOW_POINTS.get(label, label))
            if pid is not None:
                learning.do_add_to_point(db, tenant_id=shop.tenant_id, data=AddToPointIn(message_ids=[mid],
                                                                                        point_id=pid))
                added += 1
    return added


def tune(embedder: str) -> None:
    """Pair precision / recall of the grouping against the labels (same label = same need), over a grid of the
    embedding weight and the cut-off, on every labelled in-scope message of the pool."""
    import numpy as np

    from kefu.learning import cluster as C
    from kefu.nlu.embed import make_embedder
    from kefu.nlu.normalize import matchable

    cases = [c for c in real_cases() if c.right and matchable(c.text)]
    norms = [matchable(c.text) for c in cases]
    space = C.TextSpace(make_embedder(embedder))
    vectors = space.vectors(norms)
    sem = np.clip(vectors @ vectors.T, 0, 1)
    lex = C._jaccard(space.tokens(norms), space.tokens(norms))
    same = np.array([[bool(a.right & b.right) for b in cases] for a in cases])
    upper = np.triu_indices(len(cases), 1)
    print(f"{len(cases)} labelled in-scope messages\n| weight | cut-off | groups | of more than one | pair precision "
          "| pair recall |\n|---|---|---|---|---|---|")
    for w in (0.5, 0.7, 0.85, 1.0):
        for cut in (0.4, 0.45, 0.5, 0.55, 0.6):
            groups = C.cluster(w * sem + (1 - w) * lex, cut)
            labels = np.zeros(len(cases), int)
            for g, members in enumerate(groups):
                labels[members] = g
            together, truth = (labels[:, None] == labels[None, :])[upper], same[upper]
            hits = (together & truth).sum()
            print(f"| {w} | {cut} | {len(groups)} | {sum(len(g) > 1 for g in groups)} | "
                  f"{hits / max(together.sum(), 1):.2f} | {hits / max(truth.sum(), 1):.2f} |")


# --- main -----------------------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--history", default="a", choices=("a", "b"), help="the fold that is the shop's history")
    ap.add_argument("--top", type=int, default=50, help="groups the simulated reviewers decide, in rank order")
    ap.add_argument("--embedder", default="use")
    ap.add_argument("--skip-baselines", action="store_true")
    ap.add_argument("--trusting-customers", action="store_true",
                    help="customers never question an answer (by default a customer whose labelled message got a "
                         "wrong answer asks for a person)")
    ap.add_argument("--tune", action="store_true", help="only print the grouping's pair precision and recall "
                                                         "against the labels over a grid of cut-offs")
    args = ap.parse_args()
    if args.tune:
        tune(args.embedder)
        return
    t0 = time.time()
    by_ref, folds = labels()
    test_fold = "b" if args.history == "a" else "a"
    history_ids = {s for s, f in folds.items() if f == args.history}
    cases: list[Case] = real_cases(test_fold)
    base = pack_shop()
    try:
        wrong = None if args.trusting_customers else {
            ref: acceptable(lab) for ref, lab in by_ref.items() if acceptable(lab)}
        refs = replay_history(base, sessions(history_ids), args.embedder, wrong)
        index = KnowledgeIndex(args.embedder, background=False)
        with base.database.session() as db:
            groups, facts = learning.analyse(db, tenant_id=base.tenant_id, index=index)
            report = learning.describe(groups, facts, limit=len(groups))
        drafts = {g.id: g for g in report.groups}
        for g in groups:
            g.draft = drafts[g.fingerprint].draft_answer if g.fingerprint in drafts else ""
            s = drafts[g.fingerprint].suggested_points if g.fingerprint in drafts else []
            g.suggested = s[0] if s else None
        missed = {i.message_id for g in groups for i in g.items}
        labelled_missed = sum(1 for m in missed if refs.get(m) in by_ref)
        print(f"history: fold {args.history}, {len(history_ids)} sessions, {len(refs)} customer messages; "
              f"{len(missed)} missed questions ({labelled_missed} labelled) in {len(groups)} groups "
              f"({sum(1 for g in groups if len(g.items) > 1)} of more than one question); "
              f"test: fold {test_fold}, {len(cases)} labelled messages")
        by_key = {v: k for k, v in base.names.items()}

        def label_of(item) -> str | None:
            ref = refs.get(item.message_id)
            first = by_ref[ref][0] if ref in by_ref else None
            return FLOW_POINTS.get(first, first)

        def reviewer(g, careful: bool = False):
            label = majority(g, refs, by_ref)
            # The careful reviewer unticks the questions that ask something else (labelled otherwise or not at all).
            kept = list(dict.fromkeys(display(i.text) for i in g.items if label_of(i) == label)) if careful else None
            if label is None:
                return "ignore", None, None
            if label == NOT_COVERED or label not in by_key:
                return ("new", None, kept) if g.draft else ("ignore", None, None)
            return "add", by_key[label], kept

        def one_click(g):
            if g.suggested is not None and g.suggested.score >= ACCEPT_AT:
                return "add", g.suggested.id, None
            return ("new", None, None) if g.draft else ("ignore", None, None)

        print("\n| system, knowledge | in scope / out of scope | direct right % | resolved % | top-1 % | "
              "answered wrong % | OOS kept out % | p50 / p99 ms |")
        print("|---|---|---|---|---|---|---|---|")

        def run(name: str, shop: Shop) -> dict:
            system, close = bot_system(shop, embedder=args.embedder)
            try:
                s = score(cases, system)
            finally:
                close()
            print(line(name, s), flush=True)
            return s

        before = run("kefu, before", base)
        if not args.skip_baselines:
            print(line("USE nearest neighbour, before", score(cases, baseline_system(base, "use"))), flush=True)
        results = {}
        for name, choose in (("reviewer", reviewer), ("careful reviewer", lambda g: reviewer(g, careful=True)),
                             ("one-click", one_click)):
            shop = copy_shop(base, name)
            try:
                tally = accept(shop, groups, args.top, choose)
                results[name] = run(f"kefu, after {name} (top {args.top}: "
                                    + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())) + ")", shop)
                if name == "reviewer" and not args.skip_baselines:
                    print(line("USE nearest neighbour, after reviewer", score(cases, baseline_system(shop, "use"))),
                          flush=True)
            finally:
                shop.database.dispose()
        if not args.skip_baselines:
            shop = copy_shop(base, "oracle")
            try:
                n = oracle(shop, refs, by_ref, missed)
                results["oracle"] = run(f"kefu, every missed message added to its labelled point ({n})", shop)
            finally:
                shop.database.dispose()
        print()
        for name, s in results.items():
            print(f"{name}: direct right {s['right'] - before['right']:+.1f} points, resolved "
                  f"{s['resolved'] - before['resolved']:+.1f} points, "
                  f"answered wrong {s['wrong'] - before['wrong']:+.1f}")
        print(f"({time.time() - t0:.0f} s)")
    finally:
        base.close()


if __name__ == "__main__":
    main()
