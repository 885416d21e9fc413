"""Keep customers' files by key: on the local disk by default, anywhere that can put, get and delete bytes later."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import make_url

from kefu.config import Settings

# Keys are made by kefu ("<tenant>/<yyyymm>/<random>.<ext>"), never by a client; anything else is a bug.
_KEY = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*\.[a-z0-9]{1,8}")


class StoredFileMissing(LookupError):
    """The storage has nothing under this key (removed by hand, or a write that never completed)."""


class Storage(Protocol):
    """Where attachment bytes live; small on purpose so an object store (S3 and kin) fits behind it."""

    def put(self, key: str, data: bytes) -> None:
        """Store data under key, replacing nothing: keys are fresh for every file."""

    def get(self, key: str) -> bytes:
        """Return the bytes under key, or raise StoredFileMissing."""

    def delete(self, key: str) -> None:
        """Remove key; a key that is not there is not an error."""


class LocalStorage:
    """Files under one folder on the local disk (several processes share it when they share the machine)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed, so a reader never sees half a file and a crash leaves no partial one.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise StoredFileMissing(key) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def media_dir(settings: Settings) -> Path:
    """Return KEFU_MEDIA_DIR, else media/ beside the SQLite file, else media/ in the working directory."""
    if settings.media_dir:
        return Path(settings.media_dir)
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / "media"
    return Path.cwd() / "media"


def make_storage(settings: Settings) -> Storage:
    return LocalStorage(media_dir(settings))
