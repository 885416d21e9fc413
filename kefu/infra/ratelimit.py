"""Limit how many actions a key may take in a time window (in-process or shared through Redis).

Two uses: allow() takes a hit and says whether it was within the limit (customer messages); note(), wait() and
forget() count events such as failed logins, and say how long until fewer than a limit are in the window.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable


class LocalRateLimiter:
    """Sliding-window limiter kept in this process's memory."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._hits: dict[str, deque] = {}
        self._clock = clock

    def _recent(self, key: str, now: float, window: float) -> deque:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - window:
            hits.popleft()
        return hits

    def _add(self, hits: deque, now: float, window: float) -> None:
        hits.append(now)
        if len(self._hits) > 100_000:  # bound memory: forget idle keys
            for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - window]:
                del self._hits[k]

    def allow(self, key: str, limit: int, window: float) -> bool:
        """Record one hit for key; return False if it is over limit hits in the last window seconds."""
        now = self._clock()
        with self._lock:
            hits = self._recent(key, now, window)
            if len(hits) >= limit:
                return False
            self._add(hits, now, window)
            return True

    def note(self, key: str, window: float) -> int:
        """Count one event for key; return how many it has had in the last window seconds, this one included."""
        now = self._clock()
        with self._lock:
            hits = self._recent(key, now, window)
            self._add(hits, now, window)
            return len(hits)

    def wait(self, key: str, limit: int, window: float) -> float:
        """Seconds until key has fewer than limit events in the window (0: it has fewer now)."""
        now = self._clock()
        with self._lock:
            hits = self._recent(key, now, window)
            return 0.0 if len(hits) < limit else hits[len(hits) - limit] + window - now

    def forget(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


class RedisRateLimiter:
    """Fixed-window limiter shared by every process on one Redis."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._clock = clock  # wall time: every process must agree on it

    def allow(self, key: str, limit: int, window: float) -> bool:
        bucket = int(time.time() // window)
        rkey = f"kefu:rl:{key}:{bucket}"
        pipe = self._redis.pipeline()
        pipe.incr(rkey)
        pipe.expire(rkey, int(window) + 1)
        count, _ = pipe.execute()
        return count <= limit

    # Counted events are a sorted set per key (score: the time), so the window slides as in memory.

    def note(self, key: str, window: float) -> int:
        now, rkey = self._clock(), f"kefu:ev:{key}"
        pipe = self._redis.pipeline()
        pipe.zremrangebyscore(rkey, "-inf", now - window)
        pipe.zadd(rkey, {f"{now}:{uuid.uuid4().hex[:8]}": now})
        pipe.zcard(rkey)
        pipe.expire(rkey, math.ceil(window) + 1)
        return pipe.execute()[2]

    def wait(self, key: str, limit: int, window: float) -> float:
        now, rkey = self._clock(), f"kefu:ev:{key}"
        pipe = self._redis.pipeline()
        pipe.zremrangebyscore(rkey, "-inf", now - window)
        pipe.zrange(rkey, 0, -1, withscores=True)
        times = [score for _, score in pipe.execute()[1]]
        return 0.0 if len(times) < limit else max(0.0, times[len(times) - limit] + window - now)

    def forget(self, key: str) -> None:
        self._redis.delete(f"kefu:ev:{key}")


def make_limiter(redis_url: str | None) -> LocalRateLimiter | RedisRateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else LocalRateLimiter()
