"""Measure the bot's answers about the demo shop's products against a knowledge-only bot.

    python -m bench.products [--show]
    python -m bench.products --import-size 100000   # time `kefu products import`'s importer on a generated file

Each question of bench/data/product_questions.csv (question, sku of the page the customer is on or empty,
customer id or empty, the expected kind, a text the right answer contains) is asked as the first message of a new
chat on a fresh demo shop, once by the bot as it is and once with its product expert switched off (the plain
knowledge-only bot). Every reply is one of:

- right: the expected kind of answer, saying the expected text (a policy question answered by a knowledge point);
- honest: "not listed, a person can check" (right when the catalogue does not state it);
- no answer: the fallback, a clarifying question, or silence;
- wrong: anything else (a value that is not the expected one, a product answer to a policy question, a knowledge
  point answering a product question).
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from bench.packs import _shop
from kefu.bot.engine import Bot
from kefu.config import Settings
from kefu.conversations import actions
from kefu.conversations.models import Message
from kefu.db import Database
from kefu.demo.seed import seed_demo
from kefu.migrate import upgrade
from kefu.products.context import ProductContext, do_set_context
from kefu.products.importer import import_catalogue
from kefu.runtime import Runtime
from kefu.tenants.models import Tenant

DATA = Path(__file__).parent / "data" / "product_questions.csv"
VERDICTS = ("right", "honest", "no answer", "wrong")


def ask(rt: Runtime, bot: Bot, tenant_id: int, row: dict[str, str]) -> tuple[dict, str]:
    """The bot's trace and replies to one question asked in a new chat."""
    with rt.db.session() as db:
        if row["customer"]:
            customer = actions.do_get_external_customer(db, tenant_id=tenant_id, external_id=row["customer"])
        else:
            customer = actions.do_get_visitor(db, tenant_id=tenant_id, visitor_id=None)
        locale = "en" if row["question"].isascii() else "zh"
        conv, _ = actions.do_open_conversation(db, tenant_id=tenant_id, customer=customer, channel="api",
                                               locale=locale, reuse=False)
        if row["sku"]:
            do_set_context(db, conv=conv, context=ProductContext(product_sku=row["sku"]))
        db.flush()
        last = db.scalar(select(Message.id).order_by(Message.id.desc()).limit(1)) or 0
        bot.reply(db, conv, db.get(Tenant, tenant_id), row["question"])
        replies = db.scalars(select(Message.text).where(Message.conversation_id == conv.id, Message.id > last))
        text = "\n".join(replies)
        trace = dict(conv.bot_state["trace"])
        db.rollback()  # every question starts from the same shop
    return trace, text


def verdict(row: dict[str, str], trace: dict, text: str) -> str:
    product = (trace.get("product") or {}).get("kind")
    want = row["expect"]
    if product == "not_listed" or (product == "size" and want == "size" and "尺码表" in text
                                   and row["answer"] not in text):
        return "honest" if want == "not_listed" else "honest" if want != "knowledge" else "wrong"
    if want == "knowledge":
        if product:
            return "wrong"
        return "right" if trace.get("outcome") in ("answer", "flow") else "no answer"
    if product is None:
        if trace.get("outcome") == "answer" and trace.get("points"):
            return "wrong"  # a knowledge point answering a question about a product
        return "no answer"
    if want == "not_listed":
        return "wrong"  # stated something the catalogue does not say
    return "right" if product == want and row["answer"].lower() in text.lower() else "wrong"


def run(show: bool) -> None:
    rows = list(csv.DictReader(DATA.open(encoding="utf-8", newline="")))
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='kefu-bench-')) / 'products.db'}"
    upgrade(url)
    info = seed_demo(Database(url))
    rt = Runtime(Settings(database_url=url))
    results: dict[str, Counter] = {}
    for name, expert_on in (("kefu bot with the product expert", True), ("knowledge-only bot", False)):
        bot = Bot()
        if not expert_on:
            bot.expert.answer = lambda *a, **k: None  # the plain bot: knowledge, flows, small talk
        counts: Counter = Counter()
        by_kind: dict[str, Counter] = {}
        for row in rows:
            trace, text = ask(rt, bot, info.tenant_id, row)
            v = verdict(row, trace, text)
            counts[v] += 1
            by_kind.setdefault(row["expect"], Counter())[v] += 1
            if show and expert_on and (v in ("wrong", "no answer") or v == "honest" and row["expect"] != "not_listed"):
                print(f"  {v:9} [{row['expect']}] {row['question']} ({row['sku'] or '-'}) → {text[:100]!r}")
        results[name] = counts
        results[name + " by kind"] = by_kind  # type: ignore[assignment]
    n = len(rows)
    print(f"{n} questions ({Counter(r['expect'] for r in rows).most_common()})\n")
    print("| bot | right | honest \"not listed\" | no answer | wrong |\n|---|---|---|---|---|")
    for name in ("kefu bot with the product expert", "knowledge-only bot"):
        c = results[name]
        print(f"| {name} | " + " | ".join(f"{c[v]} ({100 * c[v] / n:.1f}%)" for v in VERDICTS) + " |")
    print("\nby expected kind (product expert on): right / honest / no answer / wrong")
    for kind, c in sorted(results["kefu bot with the product expert by kind"].items()):
        print(f"  {kind:10} " + " / ".join(str(c[v]) for v in VERDICTS))
    rt.db.dispose()


def catalogue_file(n: int, seed: int = 7) -> bytes:
    """A JSON Lines catalogue of n products with random prices and two attributes each; every tenth product has
    two colour variants (so n / 5 variants)."""
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        row = {"sku": f"P{i:07d}", "name": f"商品 {i}", "category": f"类目{i % 50} > 子类{i % 7}",
               "price": f"{rng.randint(100, 99_900) / 100:.2f}",
               "attributes": {"材质": rng.choice(["棉", "陶瓷", "不锈钢", "塑料"]), "重量": f"{rng.randint(50, 900)}g"}}
        if i % 10 == 0:
            row["variants"] = [{"sku": f"P{i:07d}-{c}", "attributes": {"颜色": c}, "stock": rng.randint(0, 50)}
                               for c in ("BLK", "WHT")]
        lines.append(json.dumps(row, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode()


def import_speed(n: int) -> None:
    """Create n products in a fresh SQLite shop, then import the same file again (every row an update)."""
    data = catalogue_file(n)
    with tempfile.TemporaryDirectory(prefix="kefu-bench-products-") as tmp:
        database, tenant_id = _shop(Path(tmp), "big")
        for what in ("create", "update"):
            started = time.perf_counter()
            with database.session() as db:
                result = import_catalogue(db, tenant_id=tenant_id, filename="big.jsonl", data=data)
            took = time.perf_counter() - started
            print(f"{what}: {n:,} products ({len(data) / 1e6:.1f} MB), created {result.created:,}, "
                  f"updated {result.updated:,}, variants {result.variants:,}: {took:.1f} s; "
                  f"peak RSS so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        database.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print the questions answered wrongly or not at all")
    parser.add_argument("--import-size", type=int, default=0,
                        help="instead, time importing a generated catalogue of this many products")
    args = parser.parse_args()
    if args.import_size:
        import_speed(args.import_size)
    else:
        run(args.show)
