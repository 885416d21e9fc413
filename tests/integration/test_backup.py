"""`kefu backup` and `kefu restore`: a consistent copy while kefu writes, put back with its files (docs/privacy.md)."""

from __future__ import annotations

import sqlite3
import tarfile
import threading

import pytest
from sqlalchemy import delete, func, select
from typer.testing import CliRunner

from kefu.cli import app as cli_app
from kefu.config import Settings, get_settings
from kefu.conversations.models import Customer
from kefu.migrate import upgrade
from kefu.privacy import backup as backup_module
from kefu.privacy.backup import BackupError, backup, restore
from kefu.runtime import Runtime
from kefu.tenants.models import Tenant
from tests.conftest import BACKEND, make_shop

PHOTO = b"\x89PNG not really, but bytes all the same"


@pytest.fixture
def env(monkeypatch):
    """Point the `kefu` command at a database and media folder (and forget the cached settings around it)."""
    def point(url: str, media) -> None:
        monkeypatch.setenv("KEFU_DATABASE_URL", url)
        monkeypatch.setenv("KEFU_MEDIA_DIR", str(media))
        get_settings.cache_clear()

    yield point
    get_settings.cache_clear()


def _customers(runtime: Runtime) -> int:
    with runtime.db.session() as db:
        return db.scalar(select(func.count()).select_from(Customer))


def test_sqlite_backup_while_writing_then_restore(tmp_path, env):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    upgrade(url)
    runtime = Runtime(Settings(database_url=url, media_dir=str(tmp_path / "media")))
    shop = make_shop(runtime, "backed-up")
    runtime.storage.put(f"{shop.tenant_id}/202612/photo.png", PHOTO)
    stop, written = threading.Event(), []

    def write() -> None:  # a server taking customers all the while
        while not stop.is_set():
            with runtime.db.session() as db:
                db.add(Customer(tenant_id=shop.tenant_id, external_id=f"c{len(written)}"))
            written.append(1)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 20:
            stop.wait(0.01)
        before = len(written)
        env(url, tmp_path / "media")
        out = tmp_path / "kefu-backup.tar.gz"
        r = CliRunner().invoke(cli_app, ["backup", "--output", str(out)])
        assert r.exit_code == 0, r.output
        after = len(written)
    finally:
        stop.set()
        writer.join(10)
        runtime.db.dispose()
    assert "1 files" in r.output
    with tarfile.open(out) as tar:
        assert {"manifest.json", "kefu.db", f"media/{shop.tenant_id}/202612/photo.png"} <= set(tar.getnames())

    # Restore on another machine (another path and media folder).
    restored = f"sqlite:///{tmp_path / 'restored.db'}"
    env(restored, tmp_path / "media2")
    r = CliRunner().invoke(cli_app, ["restore", str(out)])
    assert r.exit_code == 0, r.output
    check = sqlite3.connect(tmp_path / "restored.db")
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    check.close()
    copy = Runtime(Settings(database_url=restored, media_dir=str(tmp_path / "media2")))
    try:
        # Everything committed before the backup started is there, nothing half-written.
        assert before <= _customers(copy) <= after + 1
        with copy.db.session() as db:
            assert db.scalar(select(Tenant.slug).where(Tenant.id == shop.tenant_id)) == "backed-up"
        assert copy.storage.get(f"{shop.tenant_id}/202612/photo.png") == PHOTO
    finally:
        copy.db.dispose()
    # A second restore would overwrite: only with --force.
    r = CliRunner().invoke(cli_app, ["restore", str(out)])
    assert r.exit_code == 2 and "exists" in r.output
    assert CliRunner().invoke(cli_app, ["restore", str(out), "--force"]).exit_code == 0


def test_restore_refuses_what_is_not_a_kefu_backup(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", media_dir=str(tmp_path / "m"))
    with pytest.raises(BackupError, match="cannot read"):
        restore(settings, junk)
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../outside.txt")
        tar.addfile(info)
    with pytest.raises(BackupError, match="unexpected entry"):
        restore(settings, evil)
    assert not (tmp_path / "outside.txt").exists()


def test_postgresql_without_pg_dump_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(backup_module.shutil, "which", lambda name: None)
    settings = Settings(database_url="postgresql+psycopg://kefu@db.invalid/kefu", media_dir=str(tmp_path / "m"))
    with pytest.raises(BackupError, match="pg_dump is not installed"):
        backup(settings, tmp_path / "b.tar.gz")
    assert not (tmp_path / "b.tar.gz").exists()


@pytest.mark.skipif(BACKEND != "postgresql", reason="pg_dump and pg_restore against the PostgreSQL test database")
def test_postgresql_backup_and_restore(settings, runtime, tmp_path):
    shop = make_shop(runtime, "pg-backed-up")
    runtime.storage.put(f"{shop.tenant_id}/202612/photo.png", PHOTO)
    out = tmp_path / "pg.tar.gz"
    summary = backup(settings, out)
    assert summary.database == "postgresql" and summary.files == 1
    with runtime.db.session() as db:
        db.execute(delete(Tenant).where(Tenant.id == shop.tenant_id))
    (tmp_path / "media" / f"{shop.tenant_id}/202612/photo.png").unlink()
    runtime.db.dispose()  # pg_restore drops and re-creates the tables: no connection may hold them
    restore(settings, out)
    with runtime.db.session() as db:
        assert db.scalar(select(Tenant.slug).where(Tenant.id == shop.tenant_id)) == "pg-backed-up"
    assert runtime.storage.get(f"{shop.tenant_id}/202612/photo.png") == PHOTO
