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
