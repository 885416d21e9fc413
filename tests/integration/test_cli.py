"""The `kefu` command line: help texts, migrations, shops, users and keys."""

import os
import subprocess
import sys

import pytest


def kefu(*args, db_url, input_text=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")} | {"KEFU_DATABASE_URL": db_url}
    return subprocess.run([sys.executable, "-m", "kefu.cli", *args], env=env, capture_output=True, text=True,
                          input=input_text, timeout=60)


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_every_command_explains_itself(url):
    out = kefu("--help", db_url=url).stdout
    for cmd in ("serve", "demo", "db", "tenant", "user", "apikey"):
        assert cmd in out
    for sub in (("serve",), ("demo",), ("db", "upgrade"), ("tenant", "create"), ("apikey", "create")):
        r = kefu(*sub, "--help", db_url=url)
        assert r.returncode == 0 and "Usage" in r.stdout
    assert "--port" in kefu("demo", "--help", db_url=url).stdout


def test_migrate_create_shop_user_and_key(url):
    r = kefu("db", "upgrade", db_url=url)
    assert r.returncode == 0 and "revision" in r.stdout
    r = kefu("tenant", "create", "--slug", "tea", "--name", "茶叶店", "--owner-email", "o@tea.test",
             "--owner-password", "long-enough-pw", db_url=url)
    assert r.returncode == 0, r.stderr
    assert "pk_" in r.stdout
    r = kefu("user", "create", "--tenant", "tea", "--email", "a@tea.test", "--password", "long-enough-pw",
             db_url=url)
    assert r.returncode == 0, r.stderr
    r = kefu("apikey", "create", "--tenant", "tea", db_url=url)
    assert r.returncode == 0 and r.stdout.strip().startswith("sk_")
    # Both are in the shop's audit log, as done by the kefu CLI, without the key.
    from sqlalchemy import text

    from kefu.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT action, actor_type, detail FROM audit_log ORDER BY id")).all()
    engine.dispose()
    assert [(a, t) for a, t, _ in rows] == [("agent.created", "cli"), ("api_key.created", "cli")]
    assert r.stdout.strip()[3:12] not in str(rows)


def test_cli_errors_are_clear(url):
    kefu("db", "upgrade", db_url=url)
    r = kefu("tenant", "create", "--slug", "Bad Slug!", "--name", "x", "--owner-email", "o@x.test",
             "--owner-password", "long-enough-pw", db_url=url)
    assert r.returncode == 2 and "slug" in r.stderr
    r = kefu("user", "create", "--tenant", "nope", "--email", "a@b.test", "--password", "long-enough-pw",
             db_url=url)
    assert r.returncode != 0 and "nope" in (r.stderr + r.stdout)
    r = kefu("user", "create", "--tenant", "nope", "--email", "a@b.test", "--password", "short", db_url=url)
    assert r.returncode != 0


def test_reports_refresh_builds_every_shop_or_one(url, tmp_path):
    from sqlalchemy import func, select

    from kefu.config import Settings
    from kefu.reports.models import ConversationFact, ReportState
    from kefu.runtime import Runtime
    from tests.support.history import History

    kefu("db", "upgrade", db_url=url)
    for slug in ("tea", "rice"):
        r = kefu("tenant", "create", "--slug", slug, "--name", slug, "--owner-email", f"o@{slug}.test",
                 "--owner-password", "long-enough-pw", db_url=url)
        assert r.returncode == 0, r.stderr
    rt = Runtime(Settings(database_url=url, redis_url=None))
    with rt.db.session() as db:
        from kefu.tenants.models import Tenant

        shops = dict(db.execute(select(Tenant.slug, Tenant.id)).all())
    for n in range(3):
        History(rt, shops["tea"]).conversation(f"2026-03-1{n} 02:00", customer=f"c{n}").ask(0).ask(1)
    History(rt, shops["rice"]).conversation("2026-03-10 02:00").ask(0)

    def built():
        with rt.db.session() as db:
            return dict(db.execute(select(ConversationFact.tenant_id, func.count())
                                   .group_by(ConversationFact.tenant_id)).all())

    # --database wins over KEFU_DATABASE_URL; one shop only.
    r = kefu("reports", "refresh", "--tenant", "tea", "--database", url, db_url=f"sqlite:///{tmp_path / 'other.db'}")
    assert r.returncode == 0, r.stderr
    assert "tea: up to date" in r.stdout and "rice" not in r.stdout
    assert "tea" in r.stderr and "rows" in r.stderr  # the progress bar
    assert built() == {shops["tea"]: 3}
    r = kefu("reports", "refresh", db_url=url)
    assert r.returncode == 0 and "rice: up to date" in r.stdout, r.stderr
    assert built() == {shops["tea"]: 3, shops["rice"]: 1}
    with rt.db.session() as db:
        assert db.scalar(select(func.count()).select_from(ReportState)) == 2
    r = kefu("reports", "refresh", "--tenant", "nope", db_url=url)
    assert r.returncode == 2 and "nope" in r.stderr
    rt.db.dispose()


def test_serve_refuses_workers_without_redis_and_an_unknown_log_format(url):
    r = kefu("serve", "--workers", "2", "--no-migrate", db_url=url)
    assert r.returncode == 2 and "needs KEFU_REDIS_URL" in r.stderr
    r = kefu("serve", "--log-format", "xml", "--no-migrate", db_url=url)
    assert r.returncode == 2 and "text, json" in r.stderr
