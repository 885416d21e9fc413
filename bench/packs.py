"""Knowledge-pack benchmark: how much upkeep a pack update saves, and how many questions a fresh shop answers.

    python -m bench.packs [--skip-answers] [--seed 7]

(a) Maintenance: ecommerce-zh 1.0.0 in a shop that edited 5% of its points; a synthetic 1.1.0 (seeded) changes
    10% of the points (answers, similar questions, a few deleted) and adds a few. Reports what the update did
    with no human action, what needed a decision, and how long preview and apply took.
(b) Answers: if bench/data/pack_questions_{zh,en}.csv (text,expected_key; expected_key `none` = the pack does not
    cover it) exist, every question goes through the live bot's pipeline (`Bot.decide`) in a shop with an empty
    knowledge base, again right after importing ecommerce-zh / ecommerce-en (points quoting the phone or the return
    address, which have no default, and service promises are still off), and once more after the shop gives those
    two facts and confirms every point waiting for review.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from kefu.db import Database
from kefu.knowledge.actions import do_update_point
from kefu.knowledge.models import KnowledgePoint
from kefu.knowledge.schemas import KnowledgeIn
from kefu.migrate import upgrade
from kefu.packs import actions
from kefu.packs.models import PackPoint
from kefu.packs.sources import BUILTIN_DIR, Catalog, FolderSource
from kefu.tenants.actions import do_create_tenant, do_update_settings
from kefu.tenants.models import Tenant

DATA = Path(__file__).parent / "data"
PACKS = {"zh": "ecommerce-zh", "en": "ecommerce-en"}


def _shop(workdir: Path, name: str) -> tuple[Database, int]:
    url = f"sqlite:///{workdir / f'{name}.db'}"
    upgrade(url)
    database = Database(url)
    with database.session() as db:
        tenant_id = do_create_tenant(db, name=name, slug=name).id
    return database, tenant_id


# --- (a) maintenance ---------------------------------------------------------------------------------------

def answer_with_whole_pack(db, tenant_id: int, pack_id: str) -> None:
    """Give the two facts the packs have no default for and confirm every point waiting for review.

    What a shop that fills in its facts and reviews everything gets: the whole pack answers.
    """
    do_update_settings(db, tenant_id=tenant_id, changes={"facts": {
        "service_phone": "0571-8800 1234", "return_address": "杭州市西湖区示范路100号"}})
    actions.do_refill(db, tenant_id=tenant_id, actor="bench")
    waiting = [w.row.key for w in actions.list_waiting(db, tenant_id=tenant_id) if w.row.review]
    if waiting:
        actions.do_review(db, tenant_id=tenant_id, pack_id=pack_id, actor="bench",
                          decisions=dict.fromkeys(waiting, "confirm"))


def synthetic_update(pack: dict, rng: random.Random, share: float = 0.10, added: int = 5) -> tuple[dict, dict]:
    """Return 1.1.0 of pack and what changed: 10% of the keys touched (answer, similar questions or both; a
    few deleted) and a few new points."""
    new = copy.deepcopy(pack)
    new["version"] = "1.1.0"
    points = new["points"]
    touched = rng.sample(range(len(points)), round(len(points) * share))
    kinds = ["deleted"] * 5 + ["similar"] * (len(touched) // 3)
    kinds += ["both"] * 3
    kinds += ["answer"] * (len(touched) - len(kinds))
    rng.shuffle(kinds)
    changes = {}
    for i, kind in zip(touched, kinds, strict=True):
        p = points[i]
        changes[p["key"]] = kind
        if kind in ("answer", "both"):
            p["answer"] += "（1.1.0 更新：以订单页显示为准。）"
        if kind in ("similar", "both"):
            p["similar"] = p["similar"][1:] + [f"{p['question'].rstrip('？?')} 新问法{i}"]
    new["points"] = [p for p in points if changes.get(p["key"]) != "deleted"]
    for n in range(added):
        key = f"bench.new_{n}"
        new["points"].append({"key": key, "category": "基准/新增", "question": f"基准新增问题{n}？",
                              "similar": [f"基准新增问法{n}-{j}" for j in range(5)], "answer": f"基准新增答案{n}。",
                              "tags": []})
        changes[key] = "added"
    return new, changes


def maintenance(seed: int) -> dict:
    rng = random.Random(seed)
    base = json.loads((BUILTIN_DIR / "ecommerce-zh" / "1.0.0.json").read_text(encoding="utf-8"))
    newer, upstream = synthetic_update(base, rng)
    with tempfile.TemporaryDirectory(prefix="kefu-bench-packs-") as tmp:
        tmp = Path(tmp)
        folder = tmp / "packs" / "ecommerce-zh"
        folder.mkdir(parents=True)
        (folder / "1.0.0.json").write_text(json.dumps(base, ensure_ascii=False), encoding="utf-8")
        database, tenant_id = _shop(tmp, "bench")
        old_only = Catalog([FolderSource("local", tmp / "packs")])
        with database.session() as db:
            t = time.perf_counter()
            actions.do_import_pack(db, tenant_id=tenant_id, pack_id="ecommerce-zh", actor="bench", catalog=old_only)
            import_s = time.perf_counter() - t
        # The shop edits 5% of its points: half of them among the keys the update will touch.
        keys = [p["key"] for p in base["points"]]
        n_edits = round(len(keys) * 0.05)
        touched = [k for k in keys if k in upstream]
        edited = rng.sample(touched, n_edits // 2) + rng.sample([k for k in keys if k not in upstream],
                                                                n_edits - n_edits // 2)
        shop_edits = {}
        with database.session() as db:
            ids = dict(db.execute(select(PackPoint.key, PackPoint.point_id)
                                  .where(PackPoint.tenant_id == tenant_id)).all())
            for n, key in enumerate(edited):
                point = db.get(KnowledgePoint, ids[key])
                data = KnowledgeIn(category=point.category, question=point.question, tags=point.tags,
                                   similar_questions=point.similar_questions, answer=point.answer)
                if n % 2:  # edit the answer
                    data.answer = point.answer + "（本店补充：详情咨询客服。）"
                    shop_edits[key] = "answer"
                else:  # add a similar question of the shop's own
                    data.similar_questions = [*point.similar_questions, f"本店问法{n}"]
                    shop_edits[key] = "similar"
                do_update_point(db, tenant_id=tenant_id, point_id=point.id, data=data)
        (folder / "1.1.0.json").write_text(json.dumps(newer, ensure_ascii=False), encoding="utf-8")
        catalog = Catalog([FolderSource("local", tmp / "packs")])
        with database.session() as db:
            t = time.perf_counter()
            plan = actions.preview_update(db, tenant_id=tenant_id, pack_id="ecommerce-zh", catalog=catalog)
            preview_s = time.perf_counter() - t
            counts = plan.counts()
            t = time.perf_counter()
            applied = actions.do_apply_update(db, tenant_id=tenant_id, pack_id="ecommerce-zh", actor="bench",
                                              catalog=catalog)
            apply_s = time.perf_counter() - t
        database.dispose()
    auto_merged_with_edits = sum(1 for i in plan.items if i.action == "auto" and i.key in shop_edits)
    return {
        "points": len(base["points"]), "upstream": Counter(upstream.values()), "shop_edits": len(shop_edits),
        "overlap": sum(1 for k in shop_edits if k in upstream), "plan": counts, "applied": applied.counts,
        "no_human": applied.counts.get("updated", 0) + applied.counts.get("added", 0)
        + applied.counts.get("deleted", 0), "decisions": len(applied.pending_conflicts),
        "auto_merged_with_edits": auto_merged_with_edits, "import_s": import_s, "preview_s": preview_s,
        "apply_s": apply_s,
    }


def print_maintenance(r: dict) -> None:
    up = r["upstream"]
    changed = sum(up.values())
    print("### (a) Maintenance saving: ecommerce-zh 1.0.0 → synthetic 1.1.0\n")
    print("| | points |\n|---|---|")
    print(f"| points in 1.0.0 | {r['points']} |")
    print(f"| upstream changes in 1.1.0 | {changed} (answer {up['answer']}, similar questions {up['similar']}, "
          f"both {up['both']}, deleted {up['deleted']}, added {up['added']}) |")
    print(f"| points the shop had edited | {r['shop_edits']} ({r['overlap']} of them changed upstream too) |")
    p = r["plan"]
    print(f"| preview | auto {p['auto']}, keep {p['keep']}, conflict {p['conflict']}, add {p['add']}, "
          f"remove {p['remove']}, unchanged {p['unchanged']} |")
    print(f"| **applied with no human action** | **{r['no_human']}** of {changed} upstream changes "
          f"({100 * r['no_human'] / changed:.0f} %), {r['auto_merged_with_edits']} of them merged into a point the "
          "shop had edited |")
    print(f"| **needed a decision** | **{r['decisions']}** (conflicts, left pending) |")
    print(f"| shop edits kept untouched | {p['keep']} |")
    print(f"| time: import 1.0.0 / preview / apply | {r['import_s'] * 1000:.0f} / {r['preview_s'] * 1000:.0f} / "
          f"{r['apply_s'] * 1000:.0f} ms |\n")


# --- (b) answers before and after import -------------------------------------------------------------------

def read_questions(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [(r["text"].strip(), (r.get("expected_key") or "").strip()) for r in csv.DictReader(f)
                if r.get("text", "").strip()]


def answers(language: str, questions: list[tuple[str, str]], bot) -> list[dict]:
    pack_id = PACKS[language]
    rows = []
    with tempfile.TemporaryDirectory(prefix="kefu-bench-answers-") as tmp:
        database, tenant_id = _shop(Path(tmp), f"answers-{language}")
        stages = ("empty knowledge base", f"after importing {pack_id}", "+ phone and address given, all confirmed")
        for stage in stages:
            if stage == stages[1]:
                with database.session() as db:
                    actions.do_import_pack(db, tenant_id=tenant_id, pack_id=pack_id, actor="bench",
                                           catalog=Catalog([FolderSource("builtin", BUILTIN_DIR)]))
            elif stage == stages[2]:
                with database.session() as db:
                    answer_with_whole_pack(db, tenant_id, pack_id)
            with database.session() as db:
                keys = dict(db.execute(select(PackPoint.point_id, PackPoint.key)
                                       .where(PackPoint.tenant_id == tenant_id)).all())
                tenant = db.get(Tenant, tenant_id)
                bot.index.get(db, tenant_id)  # build before timing
                c, t0 = Counter(), time.perf_counter()
                for text, expected in questions:
                    d = bot.decide(db, tenant, text, language)
                    top = keys.get(d.match.best.point_id) if d.match and d.match.best else None
                    offered = {keys.get(x.point_id) for x in d.match.candidates} if d.match else set()
                    if expected in ("", "none"):
                        c["oos"] += 1
                        c["oos_answered"] += d.kind == "answer"
                        continue
                    c["in"] += 1
                    if d.kind == "answer":
                        c["right" if top == expected else "wrong"] += 1
                    elif d.kind == "clarify":
                        c["clarified"] += 1
                        c["clarified_right"] += expected in offered
                    else:
                        c["not_answered"] += 1
                ms = (time.perf_counter() - t0) * 1000 / max(1, len(questions))
            rows.append({"language": language, "stage": stage, "counts": c, "ms": ms})
        database.dispose()
    return rows


def print_answers(rows: list[dict]) -> None:
    print("### (b) Questions answered by the live bot pipeline, before and after importing a pack\n")
    print("| set | knowledge base | in scope | answered right % | answered wrong % | clarified % (right one "
          "offered) | not answered % | out of scope | OOS not answered % | ms / question |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        c = r["counts"]
        n, o = max(1, c["in"]), max(1, c["oos"])
        print(f"| {r['language']} | {r['stage']} | {c['in']} | {100 * c['right'] / n:.1f} | {100 * c['wrong'] / n:.1f} "
              f"| {100 * c['clarified'] / n:.1f} ({100 * c['clarified_right'] / n:.1f}) | "
              f"{100 * c['not_answered'] / n:.1f} | {c['oos']} | {100 * (c['oos'] - c['oos_answered']) / o:.1f} | "
              f"{r['ms']:.1f} |")
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-answers", action="store_true")
    args = ap.parse_args()
    print_maintenance(maintenance(args.seed))
    sets = {lang: DATA / f"pack_questions_{lang}.csv" for lang in PACKS}
    sets = {lang: path for lang, path in sets.items() if path.exists()}
    if args.skip_answers or not sets:
        if not sets:
            print("(b) skipped: no bench/data/pack_questions_zh.csv or _en.csv")
        return
    from kefu.bot.engine import Bot
    from kefu.bot.index import KnowledgeIndex

    bot = Bot(KnowledgeIndex("use", background=False))
    rows = []
    for lang, path in sets.items():
        rows += answers(lang, read_questions(path), bot)
    print_answers(rows)


if __name__ == "__main__":
    main()
