"""Back up kefu (the database and the customers' files) into one .tar.gz while it runs, and put a backup back.

SQLite is copied with its online backup API (a consistent copy while servers keep writing); PostgreSQL with
pg_dump (a consistent snapshot too). The files are the media folder (kefu/infra/storage.py). See docs/privacy.md.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sqlalchemy.engine import make_url

import kefu
from kefu.config import Settings
from kefu.infra.storage import media_dir

MANIFEST = "manifest.json"
SQLITE_FILE = "kefu.db"
PG_FILE = "kefu.pgdump"
MEDIA = "media"


class BackupError(Exception):
    """A backup or restore that cannot be done, with a message saying why and what to do."""


@dataclass
class Summary:
    database: str  # sqlite | postgresql
    files: int
    size: int


def _kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"backups know SQLite and PostgreSQL, not {backend}")
    return backend


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(database)


def _libpq_url(url: str) -> str:
    """postgresql+psycopg://… as pg_dump and pg_restore take it (postgresql://…, password included)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools (Debian: "
                          f"apt-get install postgresql-client) of the server's major version or newer")
    return path


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()[:2000]}")


def _copy_sqlite(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"no SQLite database at {source}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        # All pages in one step, inside one read transaction: one consistent state of the database. In WAL mode
        # (kefu's) running servers keep writing meanwhile; copying in small steps instead would restart after
        # each of their writes and might never finish on a busy shop.
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def backup(settings: Settings, output: Path) -> Summary:
    """Write the database and the media folder into output (.tar.gz) and return what went in."""
    url = settings.database_url
    kind = _kind(url)
    media = media_dir(settings)
    with tempfile.TemporaryDirectory(prefix="kefu-backup-") as tmp:
        if kind == "sqlite":
            dump, name = Path(tmp) / SQLITE_FILE, SQLITE_FILE
            _copy_sqlite(_sqlite_path(url), dump)
        else:
            dump, name = Path(tmp) / PG_FILE, PG_FILE
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}",
                  f"--dbname={_libpq_url(url)}"])
        from kefu.migrate import current

        manifest = {"kefu": kefu.__version__, "database": kind, "schema_revision": current(url),
                    "created_at": dt.datetime.now(dt.UTC).isoformat(), "media": media.exists()}
        files = 0
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(dt.datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=name)
            if media.exists():
                for path in sorted(media.rglob("*")):
                    # Half-written uploads (".upload-…") are no one's file yet.
                    if path.is_file() and not path.name.startswith(".upload-"):
                        tar.add(path, arcname=f"{MEDIA}/{path.relative_to(media).as_posix()}")
                        files += 1
        os.replace(partial, output)
    return Summary(database=kind, files=files, size=output.stat().st_size)


def _open(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"cannot read {archive}: {exc}") from exc


def _members(tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    out = {}
    for member in tar.getmembers():
        path = PurePosixPath(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"not a kefu backup: unexpected entry {member.name!r}")
        out[member.name] = member
    return out


def restore(settings: Settings, archive: Path, *, force: bool = False) -> Summary:
    """Put a backup back into the configured database and media folder. Stop the servers first.

    An existing SQLite file or media file is replaced only with force; PostgreSQL is restored with pg_restore
    --clean (the backup's tables replace the database's)."""
    url = settings.database_url
    kind = _kind(url)
    with _open(archive) as tar:
        members = _members(tar)
        if MANIFEST not in members:
            raise BackupError(f"{archive} is not a kefu backup (no {MANIFEST})")
        manifest = json.loads(tar.extractfile(members[MANIFEST]).read())
        if manifest.get("database") != kind:
            raise BackupError(f"the backup holds a {manifest.get('database')} database; KEFU_DATABASE_URL is {kind}")
        media = media_dir(settings)
        files = [(media / PurePosixPath(name).relative_to(MEDIA), member) for name, member in members.items()
                 if name.startswith(MEDIA + "/") and member.isfile()]
        clash = next((path for path, _ in files if path.exists()), None)
        if clash is not None and not force:
            raise BackupError(f"{clash} exists; pass --force to replace the media files")
        if kind == "sqlite":
            target = _sqlite_path(url)
            if target.exists() and not force:
                raise BackupError(f"{target} exists; stop the servers and pass --force to replace it")
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".restoring")
            with tar.extractfile(members[SQLITE_FILE]) as src, open(partial, "wb") as dst:
                shutil.copyfileobj(src, dst)
            for stale in (Path(f"{target}-wal"), Path(f"{target}-shm")):
                stale.unlink(missing_ok=True)  # belonged to the database being replaced
            os.replace(partial, target)
        else:
            with tempfile.TemporaryDirectory(prefix="kefu-restore-") as tmp:
                dump = Path(tmp) / PG_FILE
                with tar.extractfile(members[PG_FILE]) as src, open(dump, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                      f"--dbname={_libpq_url(url)}", str(dump)])
        for path, member in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, open(path, "wb") as dst:
                shutil.copyfileobj(src, dst)
    return Summary(database=kind, files=len(files), size=archive.stat().st_size)
