"""Bundle what a running kefu process shares: settings, database, event bus, locks, limits, listeners."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from kefu.config import Settings, get_settings
from kefu.db import Database, on_commit
from kefu.infra.bus import EventBus, make_bus
from kefu.infra.locks import make_locks
from kefu.infra.ratelimit import make_limiter
from kefu.infra.storage import Storage, make_storage

log = logging.getLogger(__name__)

Listener = Callable[["Runtime", dict[str, Any]], None]


class Runtime:
    """The process-wide services every action and listener reaches through the session it was given."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.db = Database(self.settings.database_url)
        # Sessions carry the runtime, so an action given only a session can announce events.
        self.db.sessionmaker.configure(info={"runtime": self})
        self.bus: EventBus = make_bus(self.settings.redis_url)
        self.locks = make_locks(self.settings.redis_url)
        self.limiter = make_limiter(self.settings.redis_url)
        self.storage: Storage = make_storage(self.settings)
        self._listeners: dict[str, list[Listener]] = defaultdict(list)

    def listen(self, name: str, fn: Listener) -> None:
        """Call fn(runtime, event) in this process after each committed event called name."""
        self._listeners[name].append(fn)

    def deliver(self, event: dict[str, Any], channels: list[str]) -> None:
        """Publish a committed event to its real-time channels, then run the local listeners."""
        for channel in channels:
            try:
                self.bus.publish(channel, event)
            except Exception:  # real-time delivery is best effort; clients resync from the database
                log.exception("publishing %s to %s failed", event.get("type"), channel)
        for fn in self._listeners.get(event["type"], ()):
            fn(self, event)


def emit(db: Session, event: dict[str, Any], channels: list[str]) -> None:
    """Announce event (a dict with a "type") on channels once db's transaction commits."""
    runtime: Runtime | None = db.info.get("runtime")
    if runtime is None:
        return  # a bare session (migrations, scripts): nobody to tell
    on_commit(db, lambda: runtime.deliver(event, channels))
