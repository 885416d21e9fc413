"""`kefu kb import` and `kefu kb export`: a 10,000-row import, bad rows, exit codes, round trip."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from kefu.audit.models import AuditEntry
from kefu.db import make_engine
from kefu.knowledge.models import ImportJob, KnowledgePoint
from kefu.tenants.models import Tenant
from tests.integration.test_cli import kefu

HEADER = "category,question,similar_questions,answer\n"


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert kefu("db", "upgrade", db_url=url).returncode == 0
    r = kefu("tenant", "create", "--slug", "tea", "--name", "茶叶店", "--owner-email", "o@tea.test",
             "--owner-password", "long-enough-pw", db_url=url)
    assert r.returncode == 0, r.stderr
    return url


def count(url: str, model=KnowledgePoint) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(model))
    engine.dispose()
    return n


def kb_version(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        v = conn.scalar(select(Tenant.kb_version).where(Tenant.slug == "tea"))
    engine.dispose()
    return v


def test_kb_commands_explain_themselves(url):
    assert "import" in kefu("kb", "--help", db_url=url).stdout
    out = kefu("kb", "import", "--help", db_url=url).stdout
    for option in ("--tenant", "--skip-bad", "--mode", "--format"):
        assert option in out


def test_import_ten_thousand_rows(url, tmp_path):
    rows = [f"分类{i % 7}/子类{i % 3},第{i}个问题是什么,第{i}个问法||问题{i}怎么办,这是第{i}个答案"
            for i in range(10_000)]
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    r = kefu("kb", "import", str(path), "--tenant", "tea", db_url=url)
    assert r.returncode == 0, r.stderr
    assert "10000 created" in r.stdout
    assert count(url) == 10_000
    assert kb_version(url) == 1  # one bump for the whole import
    engine = make_engine(url)
    with engine.connect() as conn:
        job = conn.execute(select(ImportJob.status, ImportJob.total, ImportJob.processed, ImportJob.created)).one()
        sample = conn.execute(select(KnowledgePoint.category, KnowledgePoint.similar_questions)
                              .where(KnowledgePoint.question == "第9999个问题是什么")).one()
    engine.dispose()
    assert tuple(job) == ("done", 10_000, 10_000, 10_000)
    assert tuple(sample) == ("分类3/子类0", ["第9999个问法", "问题9999怎么办"])

    # Again: every question exists, so upsert updates them all; create refuses them all.
    r = kefu("kb", "import", str(path), "--tenant", "tea", db_url=url)
    assert r.returncode == 0 and "10000 updated" in r.stdout
    r = kefu("kb", "import", str(path), "--tenant", "tea", "--mode", "create", db_url=url)
    assert r.returncode == 2 and "nothing imported" in r.stderr
    assert count(url) == 10_000 and kb_version(url) == 2


def test_bad_rows_are_listed_and_nothing_is_imported_without_skip_bad(url, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "c,好问题,,好答案\nc,,,没有问题\nc,好问题,,重复\n", encoding="gbk")
    r = kefu("kb", "import", str(path), "--tenant", "tea", db_url=url)
    assert r.returncode == 2
    assert "missing question" in r.stdout and "duplicate question: same as row 2" in r.stdout
    assert "│   3 │" in r.stdout and "│   4 │" in r.stdout  # the row numbers
    assert "--skip-bad" in r.stderr
    assert count(url) == 0
    r = kefu("kb", "import", str(path), "--tenant", "tea", "--skip-bad", db_url=url)
    assert r.returncode == 0 and "1 created" in r.stdout and "2 skipped" in r.stdout
    assert count(url) == 1


def test_unreadable_files_and_bad_options(url, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    r = kefu("kb", "import", str(empty), "--tenant", "tea", db_url=url)
    assert r.returncode == 2 and "empty" in r.stdout
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("标题,内容\n发货,48小时\n", encoding="utf-8")
    r = kefu("kb", "import", str(wrong), "--tenant", "tea", db_url=url)
    assert r.returncode == 2 and "missing required columns question, answer" in r.stdout.replace("\n", " ")
    r = kefu("kb", "import", str(wrong), "--tenant", "nope", db_url=url)
    assert r.returncode != 0 and "nope" in r.stdout + r.stderr
    r = kefu("kb", "import", str(wrong), "--tenant", "tea", "--mode", "replace", db_url=url)
    assert r.returncode != 0 and "mode" in r.stdout + r.stderr
    r = kefu("kb", "import", str(tmp_path / "missing.csv"), "--tenant", "tea", db_url=url)
    assert r.returncode != 0


def test_export_then_import_round_trip(url, tmp_path):
    src = tmp_path / "kb.json"
    src.write_text(json.dumps([{"category": "物流", "question": "包邮吗？", "similar_questions": ["运费多少"],
                                "answer": "满 99 包邮", "tags": ["运费"],
                                "buttons": [{"label": "查运费", "value": "运费"}]}], ensure_ascii=False))
    assert kefu("kb", "import", str(src), "--tenant", "tea", db_url=url).returncode == 0
    for fmt in ("csv", "xlsx", "json"):
        out = tmp_path / f"out.{fmt}"
        r = kefu("kb", "export", str(out), "--tenant", "tea", db_url=url)
        assert r.returncode == 0 and "exported 1" in r.stdout
        r = kefu("kb", "import", str(out), "--tenant", "tea", "--mode", "create", db_url=url)
        assert r.returncode == 2 and "exists" in r.stdout  # the same point, read back
        r = kefu("kb", "import", str(out), "--tenant", "tea", db_url=url)
        assert r.returncode == 0 and "1 updated" in r.stdout
    assert count(url) == 1
    # Each import and export is in the shop's audit log, done by the kefu CLI.
    engine = make_engine(url)
    with engine.connect() as conn:
        audited = [tuple(r) for r in conn.execute(select(AuditEntry.action, AuditEntry.actor_type))]
    engine.dispose()
    assert audited.count(("knowledge.imported", "cli")) == 7 and audited.count(("export.knowledge", "cli")) == 3
