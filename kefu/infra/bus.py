"""Fan real-time events out to the websockets of this process, and of every process when Redis is set.

`publish` is synchronous and thread-safe because domain actions run in worker threads and announce their
events from after-commit callbacks. Subscribers are asyncio queues owned by websocket handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000


class LocalHub:
    """Deliver events to the asyncio queues subscribed in this process.

    Each queue is fed on the event loop it was subscribed from: an asyncio.Queue is not thread-safe, and a put from
    another loop's thread would set the reader's future without waking its loop (the reader then hangs until some
    other event happens to wake it).
    """

    def __init__(self) -> None:
        self._subs: dict[str, dict[asyncio.Queue, asyncio.AbstractEventLoop]] = defaultdict(dict)
        self.loop: asyncio.AbstractEventLoop | None = None  # set while the bus is started (the server's loop)

    def add(self, channel: str, queue: asyncio.Queue) -> bool:
        """Subscribe queue (from the running loop) to channel; return True if it is the channel's first one here."""
        first = not self._subs.get(channel)
        self._subs[channel][queue] = asyncio.get_running_loop()
        return first

    def remove(self, channel: str, queue: asyncio.Queue) -> bool:
        """Unsubscribe queue; return True if the channel has no local subscriber left."""
        subs = self._subs.get(channel)
        if subs is None:
            return False
        subs.pop(queue, None)
        if not subs:
            del self._subs[channel]
            return True
        return False

    def dispatch(self, channel: str, event: dict[str, Any]) -> None:
        """Hand event to every local subscriber of channel, from any thread."""
        subs = list(self._subs.get(channel, {}).items())
        if not subs:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for queue, loop in subs:
            if loop is running:
                self._put(channel, queue, event)
            elif not loop.is_closed():
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: its socket is gone
                    loop.call_soon_threadsafe(self._put, channel, queue, event)

    def dispatch_all(self, event: dict[str, Any]) -> None:
        """Hand event to every local subscriber of every channel (a resync after the broker was away)."""
        for channel in list(self._subs):
            self.dispatch(channel, event)

    @staticmethod
    def _put(channel: str, queue: asyncio.Queue, event: dict[str, Any]) -> None:
        try:
            queue.put_nowait(event)
        except asyncio.QueueFull:
            # A subscriber that stopped reading loses live events; it resyncs from the database
            # on reconnect, so dropping here never loses stored data.
            log.warning("event queue full on %s; dropping event for one subscriber", channel)


class EventBus:
    """In-process event bus: one process, no broker."""

    def __init__(self) -> None:
        self.hub = LocalHub()

    async def start(self) -> None:
        self.hub.loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        self.hub.loop = None

    def publish(self, channel: str, event: dict[str, Any]) -> None:
        """Send event to every subscriber of channel."""
        self.hub.dispatch(channel, event)

    async def _on_first_subscriber(self, channel: str) -> None:
        """Hook for buses that must ask a broker for the channel."""

    async def _on_last_unsubscribe(self, channel: str) -> None:
        """Hook for buses that can tell a broker the channel is no longer wanted here."""

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[asyncio.Queue]:
        """Yield a queue that receives channel's events until the block exits."""
        queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_SIZE)
        if self.hub.add(channel, queue):
            try:
                await self._on_first_subscriber(channel)
            except BaseException:
                # Redis is away: leave no subscriber behind, or the next one here would think the channel is
                # already asked for and never ask the broker for it again.
                self.hub.remove(channel, queue)
                raise
        try:
            yield queue
        finally:
            if self.hub.remove(channel, queue):
                await self._on_last_unsubscribe(channel)


class RedisEventBus(EventBus):
    """Event bus over Redis pub/sub, so that every server process behind a load balancer hears every event."""

    PREFIX = "kefu:ev:"
    CONTROL = "kefu:ev:__control__"

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis  # optional dependency: kefu[redis]
        import redis.asyncio as aredis

        self._url = url
        self._sync = redis.Redis.from_url(url)
        self._async = aredis.Redis.from_url(url)
        self._pubsub = None
        self._reader: asyncio.Task | None = None
        # Set when events may have been lost (Redis away): once it answers again, local subscribers are told to
        # resync from the database ({"type": "resync"}), as a reconnecting client would.
        self._lost = False

    async def start(self) -> None:
        await super().start()
        self._pubsub = self._async.pubsub(ignore_subscribe_messages=True)
        # Kept here: redis-py holds connect callbacks weakly.
        self._reconnects = _Reconnects(self, self._pubsub.on_connect)
        self._pubsub.on_connect = self._reconnects.on_connect
        try:
            # Always subscribed to one channel, so the reader has a connection to wait on.
            await self._pubsub.subscribe(self.CONTROL)
            subscribed = True
        except Exception as exc:  # Redis is away: start anyway, the reader subscribes once it is back
            log.warning("redis bus cannot subscribe yet (%s); retrying in the background", exc)
            subscribed = False
        self._reader = asyncio.create_task(self._read(subscribed), name="kefu-redis-bus")

    async def stop(self) -> None:
        if self._reader:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        with contextlib.suppress(Exception):
            await self._async.aclose()
        self._sync.close()
        await super().stop()

    def publish(self, channel: str, event: dict[str, Any]) -> None:
        try:
            self._sync.publish(self.PREFIX + channel, json.dumps(event, ensure_ascii=False, default=str))
        except Exception as exc:
            # Redis is away: this process's own subscribers still hear it; the others resync once it is back.
            log.warning("redis publish on %s failed (%s); delivered in this process only", channel, exc)
            self._lost = True
            self.hub.dispatch(channel, event)

    async def _on_first_subscriber(self, channel: str) -> None:
        await self._pubsub.subscribe(self.PREFIX + channel)

    async def _on_last_unsubscribe(self, channel: str) -> None:
        with contextlib.suppress(Exception):
            await self._pubsub.unsubscribe(self.PREFIX + channel)

    async def _subscribe_control(self) -> None:
        """Subscribe to the control channel, waiting for Redis to come back (a server starting while Redis
        restarts still starts, and hears events once Redis is back)."""
        while True:
            try:
                await self._pubsub.subscribe(self.CONTROL)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("redis bus cannot subscribe yet (%s); retrying", exc)
                await asyncio.sleep(1.0)

    async def _read(self, subscribed: bool) -> None:
        if not subscribed:
            await self._subscribe_control()
            self._lost = True  # anything published meanwhile was missed
        while True:
            try:
                msg = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a broken connection must not end delivery for good
                log.warning("redis bus read failed (%s); retrying", exc)
                self._lost = True
                await asyncio.sleep(1.0)
                continue
            if self._lost:
                self._lost = False
                log.warning("redis bus is back; telling this process's clients to resync")
                self.hub.dispatch_all({"type": "resync"})
            if not msg or msg.get("type") != "message":
                continue
            channel = msg["channel"].decode()[len(self.PREFIX):]
            try:
                event = json.loads(msg["data"])
            except ValueError:
                log.warning("undecodable event on %s", channel)
                continue
            self.hub.dispatch(channel, event)


class _Reconnects:
    """Note a reconnection of the bus's subscriber connection before redis-py resubscribes.

    redis-py calls on_connect only when the connection comes back (Redis restarted, the connection dropped) and
    resubscribes silently: what was published in between never reached this process, so its clients resync.
    """

    def __init__(self, bus: RedisEventBus, resubscribe) -> None:
        self.bus, self.resubscribe = bus, resubscribe

    async def on_connect(self, connection) -> None:
        self.bus._lost = True
        await self.resubscribe(connection)


def make_bus(redis_url: str | None) -> EventBus:
    """Return the Redis bus when a URL is set, else the in-process one."""
    return RedisEventBus(redis_url) if redis_url else EventBus()
