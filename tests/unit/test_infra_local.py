"""In-process event bus, locks and rate limiter."""

import asyncio
import threading
import time

import pytest

from kefu.infra.bus import EventBus
from kefu.infra.locks import LocalLocks
from kefu.infra.ratelimit import LocalRateLimiter
from tests.support import aio


def test_bus_delivers_to_subscribers_of_the_channel_only_from_any_thread():
    async def main():
        bus = EventBus()
        await bus.start()
        async with bus.subscribe("conv:1") as q1, bus.subscribe("conv:2") as q2:
            bus.publish("conv:1", {"type": "x", "n": 1})
            t = threading.Thread(target=bus.publish, args=("conv:1", {"type": "x", "n": 2}))
            t.start()
            t.join()
            got = [await asyncio.wait_for(q1.get(), 2), await asyncio.wait_for(q1.get(), 2)]
            assert [e["n"] for e in got] == [1, 2]
            assert q2.empty()
        bus.publish("conv:1", {"type": "x"})  # nobody listening: a no-op, not an error
        await bus.stop()

    aio.run(main)


def test_local_lock_serialises_per_key_and_forgets_idle_keys():
    locks = LocalLocks()
    inside, peak = [0], [0]

    def work():
        with locks.lock("conv:1"):
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
            time.sleep(0.01)
            inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 1
    assert locks._locks == {}


def test_rate_limiter_allows_limit_then_refuses_then_recovers():
    rl = LocalRateLimiter()
    assert all(rl.allow("k", 3, 0.2) for _ in range(3))
    assert not rl.allow("k", 3, 0.2)
    assert rl.allow("other", 3, 0.2)
    time.sleep(0.25)
    assert rl.allow("k", 3, 0.2)


def test_counted_events_say_how_long_until_fewer_than_the_limit_remain():
    now = [100.0]
    rl = LocalRateLimiter(clock=lambda: now[0])
    assert rl.wait("f", 3, 60) == 0
    for n in (1, 2, 3):
        assert rl.note("f", 60) == n
        now[0] += 10
    assert rl.wait("f", 3, 60) == 30  # the first event (t=100) leaves the window at t=160; it is 130
    assert rl.wait("f", 4, 60) == 0 and rl.wait("other", 3, 60) == 0
    now[0] += 30
    assert rl.wait("f", 3, 60) == 0 and rl.note("f", 60) == 3
    rl.forget("f")
    assert rl.note("f", 60) == 1


def test_a_subscription_the_broker_refused_leaves_nothing_behind():
    class Flaky(EventBus):
        asked: list[str] = []

        async def _on_first_subscriber(self, channel):
            self.asked.append(channel)
            if len(self.asked) == 1:
                raise ConnectionError("redis is away")

    async def main():
        bus = Flaky()
        await bus.start()
        with pytest.raises(ConnectionError):
            async with bus.subscribe("conv:1"):
                pass
        # The next subscriber asks the broker again (a stale local entry would make it skip that) and hears.
        async with bus.subscribe("conv:1") as queue:
            bus.publish("conv:1", {"type": "message_created"})
            assert await asyncio.wait_for(queue.get(), 1) == {"type": "message_created"}
        assert bus.asked == ["conv:1", "conv:1"]

    aio.run(main)
