"""`kefu eval` on a small knowledge base: outcomes, the JSONL per query, and the printed summary."""

import json
import subprocess
import sys

KB = """category,question,similar_questions,answer
物流,什么时候发货？,多久发货||下单后几天发货||今天能发货吗,48 小时内
售后,怎么退货？,"我想退货
退货流程||如何申请退货",7 天无理由
发票,可以开发票吗？,开发票||怎么要发票||电子发票,可以
"""
QUERIES = """query,expected
多久能发货呀,什么时候发货？
我要退货怎么弄,怎么退货？
能开电子发票吗,可以开发票吗？
今天天气晴朗适合出去玩,
你好,
"""


def test_kefu_eval_writes_one_line_per_query_and_a_summary(tmp_path):
    kb, queries, out = tmp_path / "kb.csv", tmp_path / "q.csv", tmp_path / "out.jsonl"
    kb.write_text(KB, encoding="utf-8")
    queries.write_text(QUERIES, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "kefu.cli", "eval", "--kb", str(kb), "--queries", str(queries),
                        "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 5
    assert set(rows[0]) >= {"query", "expected", "outcome", "top", "candidates", "latency_ms"}
    assert all(row["outcome"] in ("answer", "clarify", "fallback") for row in rows)
    by_query = {row["query"]: row for row in rows}
    assert by_query["多久能发货呀"]["top"] == "什么时候发货？" and by_query["多久能发货呀"]["outcome"] == "answer"
    assert by_query["今天天气晴朗适合出去玩"]["outcome"] != "answer"
    assert by_query["你好"]["outcome"] == "fallback" and by_query["你好"]["kind"] == "smalltalk"
    assert "in scope 3, out of scope 2" in r.stdout
    assert "out of scope not answered         100.00 %" in r.stdout
    assert "latency p50 / p99" in r.stdout


def test_kefu_eval_refuses_missing_files(tmp_path):
    r = subprocess.run([sys.executable, "-m", "kefu.cli", "eval", "--kb", str(tmp_path / "no.csv"), "--queries",
                        str(tmp_path / "no.csv")], capture_output=True, text=True, timeout=60)
    out = r.stderr + r.stdout
    assert r.returncode == 2 and "--kb" in out and "exist" in out


def test_route_decides_a_message_as_the_live_bot_does(tmp_path):
    """route() mirrors Bot._reply: a person asked for, small talk, a flow asked for, or the knowledge decision."""
    from kefu.bot.engine import Bot
    from kefu.bot.evaluate import load_kb, route
    from kefu.bot.index import KnowledgeIndex
    from kefu.db import Database
    from kefu.knowledge.importer import do_import
    from kefu.migrate import upgrade
    from kefu.tenants.actions import do_create_tenant

    kb = tmp_path / "kb.csv"
    kb.write_text(KB, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    upgrade(url)
    database = Database(url)
    with database.session() as db:
        tenant = do_create_tenant(db, name="shop", slug="shop")
        do_import(db, tenant_id=tenant.id, parsed=load_kb(kb), skip_bad=False)
    bot = Bot(KnowledgeIndex("use", background=False))
    with database.session() as db:
        from kefu.tenants.models import Tenant

        tenant = db.get(Tenant, tenant.id)
        assert route(bot, db, tenant, "转人工").kind == "handoff"
        assert route(bot, db, tenant, "你好").kind == "smalltalk"
        flow = route(bot, db, tenant, "我的快递到哪了")
        assert flow.kind == "flow" and flow.flow == "track_parcel"
        assert route(bot, db, tenant, "订单号：A2024112300017").flow == "order_status"  # a bare order number
        answer = route(bot, db, tenant, "多久能发货呀")
        assert answer.kind == "answer" and answer.decision.match.best.question == "什么时候发货？"
    database.dispose()
