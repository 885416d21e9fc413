"""Serialise work per key (one message per conversation at a time), in one process or across many via Redis."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class LockBusy(TimeoutError):
    """Someone else holds the lock and the caller chose not to wait (longer)."""


class LocalLocks:
    """Per-key locks inside one process."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, list] = {}  # key -> [lock, holders]

    @contextmanager
    def lock(self, key: str, *, wait: float | None = None) -> Iterator[None]:
        """Hold the key's lock; wait: at most this many seconds (0: not at all), else LockBusy."""
        with self._guard:
            entry = self._locks.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        if not entry[0].acquire(timeout=-1 if wait is None else wait):
            with self._guard:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._locks[key]
            raise LockBusy(f"{key} is locked")
        try:
            yield
        finally:
            entry[0].release()
            with self._guard:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._locks[key]


class RedisLocks:
    """Per-key locks shared by every process on one Redis."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._timeout = timeout

    @contextmanager
    def lock(self, key: str, *, wait: float | None = None) -> Iterator[None]:
        """Hold the key's lock; wait: at most this many seconds (0: not at all), else LockBusy."""
        # timeout frees the lock if a process dies holding it; blocking_timeout bounds the wait.
        lk = self._redis.lock(f"kefu:lock:{key}", timeout=self._timeout,
                              blocking_timeout=self._timeout if wait is None else wait)
        if not lk.acquire(blocking=wait != 0):
            raise LockBusy(f"could not lock {key}")
        try:
            yield
        finally:
            # Expired while held: the work is done, nothing to undo.
            with contextlib.suppress(Exception):
                lk.release()


def make_locks(redis_url: str | None, timeout: float = 30.0) -> LocalLocks | RedisLocks:
    return RedisLocks(redis_url, timeout) if redis_url else LocalLocks()
