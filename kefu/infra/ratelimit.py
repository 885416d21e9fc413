"""Limit how many actions a key may take in a time window (in-process or shared through Redis)."""

from __future__ import annotations

import threading
import time
from collections import deque


class LocalRateLimiter:
    """Sliding-window limiter kept in this process's memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[str, deque] = {}

    def allow(self, key: str, limit: int, window: float) -> bool:
        """Record one hit for key; return False if it is over limit hits in the last window seconds."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                return False
            hits.append(now)
            if len(self._hits) > 100_000:  # bound memory: forget idle keys
                for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - window]:
                    del self._hits[k]
            return True


class RedisRateLimiter:
    """Fixed-window limiter shared by every process on one Redis."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)

    def allow(self, key: str, limit: int, window: float) -> bool:
        bucket = int(time.time() // window)
        rkey = f"kefu:rl:{key}:{bucket}"
        pipe = self._redis.pipeline()
        pipe.incr(rkey)
        pipe.expire(rkey, int(window) + 1)
        count, _ = pipe.execute()
        return count <= limit


def make_limiter(redis_url: str | None) -> LocalRateLimiter | RedisRateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else LocalRateLimiter()
