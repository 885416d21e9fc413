"""The Redis event bus, locks and rate limiter against the real Redis server."""

import asyncio
import shutil
import threading
import time
import uuid

import pytest

from kefu.infra.bus import RedisEventBus
from kefu.infra.locks import RedisLocks
from kefu.infra.ratelimit import RedisRateLimiter
from tests.conftest import REDIS_URL, redis_problem
from tests.support import aio

pytestmark = pytest.mark.skipif(bool(redis_problem()), reason=redis_problem() or "")


def test_event_published_by_one_bus_reaches_a_subscriber_of_another():
    channel = f"conv:{uuid.uuid4().hex}"

    async def main():
        one, two = RedisEventBus(REDIS_URL), RedisEventBus(REDIS_URL)  # two processes, in effect
        await one.start()
        await two.start()
        try:
            async with two.subscribe(channel) as queue, two.subscribe(channel + "x") as other:
                # Published from a worker thread, as after-commit callbacks do.
                await asyncio.to_thread(one.publish, channel, {"type": "message_created", "text": "你好"})
                event = await asyncio.wait_for(queue.get(), 5)
                assert event == {"type": "message_created", "text": "你好"}
                await asyncio.sleep(0.2)
                assert other.empty()
            # After the last local subscriber leaves, the channel is dropped from Redis too.
            await asyncio.sleep(0.1)
            one.publish(channel, {"type": "late"})
        finally:
            await one.stop()
            await two.stop()

    aio.run(main)


def test_redis_lock_serialises_across_clients():
    key = f"conv:{uuid.uuid4().hex}"
    inside, peak = [0], [0]

    def work():
        with RedisLocks(REDIS_URL).lock(key):  # each thread its own client, like separate processes
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
            time.sleep(0.02)
            inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 1


def test_redis_rate_limiter_is_shared():
    key = uuid.uuid4().hex
    a, b = RedisRateLimiter(REDIS_URL), RedisRateLimiter(REDIS_URL)
    results = [a.allow(key, 3, 30), b.allow(key, 3, 30), a.allow(key, 3, 30), b.allow(key, 3, 30)]
    assert results == [True, True, True, False]


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_while_redis_restarts_local_subscribers_still_hear_and_are_told_to_resync(tmp_path):
    from bench.faults import Redis

    redis = Redis(tmp_path)
    redis.start()
    channel = f"conv:{uuid.uuid4().hex}"

    async def main():
        bus = RedisEventBus(redis.url)
        await bus.start()
        try:
            async with bus.subscribe(channel) as queue:
                await asyncio.sleep(0.2)
                redis.stop()
                # Redis is away: the event still reaches this process's own subscribers.
                await asyncio.to_thread(bus.publish, channel, {"type": "message_created", "id": 1})
                assert await asyncio.wait_for(queue.get(), 5) == {"type": "message_created", "id": 1}
                await asyncio.to_thread(redis.start)
                # Back: subscribers are told that events may have been missed, to fetch them from the database.
                assert await asyncio.wait_for(queue.get(), 10) == {"type": "resync"}
                await asyncio.to_thread(bus.publish, channel, {"type": "message_created", "id": 2})
                assert await asyncio.wait_for(queue.get(), 5) == {"type": "message_created", "id": 2}
        finally:
            await bus.stop()

    try:
        aio.run(main)
    finally:
        redis.stop()


def test_redis_counted_events_are_shared_and_slide():
    key = uuid.uuid4().hex
    now = [time.time()]
    a, b = RedisRateLimiter(REDIS_URL, clock=lambda: now[0]), RedisRateLimiter(REDIS_URL, clock=lambda: now[0])
    assert [a.note(key, 60), b.note(key, 60)] == [1, 2]
    now[0] += 10
    assert b.note(key, 60) == 3
    assert abs(a.wait(key, 3, 60) - 50) < 0.01 and b.wait(key, 4, 60) == 0
    now[0] += 55  # the first two left the window
    assert a.wait(key, 3, 60) == 0 and a.note(key, 60) == 2
    b.forget(key)
    assert a.note(key, 60) == 1

