"""Bundle what a running kefu process shares: settings, database, event bus, locks, limits, listeners."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import Any

from sqlalchemy.orm import Session

from kefu.config import Settings, get_settings
from kefu.db import Database, on_commit
from kefu.infra.bus import EventBus, make_bus
from kefu.infra.locks import make_locks
from kefu.infra.ratelimit import make_limiter
from kefu.infra.storage import Storage, make_storage
from kefu.reactions.models import PendingReaction
from kefu.reactions.runner import Reaction, Reactions

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
        self.locks = make_locks(self.settings.redis_url, self.settings.lock_seconds)
        self.limiter = make_limiter(self.settings.redis_url)
        self.storage: Storage = make_storage(self.settings)
        self._listeners: dict[str, list[Listener]] = defaultdict(list)
        self._around: list[Callable[[dict[str, Any]], AbstractContextManager]] = []
        self.reactions = Reactions(self)

    def listen(self, name: str, fn: Listener) -> None:
        """Call fn(runtime, event) in this process after each committed event called name (best effort: a
        listener that must not be lost to a crash is a reaction, see react)."""
        self._listeners[name].append(fn)

    def around(self, fn: Callable[[dict[str, Any]], AbstractContextManager]) -> None:
        """Wrap the handling of every committed event (its listeners and reactions, in any process) in fn(event):
        log lines naming its conversation, a shutdown waiting for it."""
        self._around.append(fn)

    @contextmanager
    def handling(self, event: dict[str, Any]) -> Iterator[None]:
        """Enter every around hook for event."""
        with ExitStack() as stack:
            for fn in self._around:
                stack.enter_context(fn(event))
            yield

    def react(self, reaction: Reaction) -> None:
        """Owe reaction to every committed event of its type: recorded with the event, run once, even if this
        process dies before it ran (kefu/reactions)."""
        self.reactions.register(reaction)

    def deliver(self, event: dict[str, Any], channels: list[str], owed: list[PendingReaction] = ()) -> None:
        """Publish a committed event to its real-time channels, run the local listeners, then the reactions the
        event's transaction recorded."""
        for channel in channels:
            try:
                self.bus.publish(channel, event)
            except Exception:  # real-time delivery is best effort; clients resync from the database
                log.exception("publishing %s to %s failed", event.get("type"), channel)
        with self.handling(event):
            for fn in self._listeners.get(event["type"], ()):
                try:
                    fn(self, event)
                except Exception:  # one listener's failure must not stop the others or the reactions
                    log.exception("listener of %s failed for conversation %s", event["type"],
                                  event.get("conversation_id"))
            if owed:
                self.reactions.run_committed(list(owed))


def emit(db: Session, event: dict[str, Any], channels: list[str]) -> None:
    """Announce event (a dict with a "type") on channels once db's transaction commits."""
    runtime: Runtime | None = db.info.get("runtime")
    if runtime is None:
        return  # a bare session (migrations, scripts): nobody to tell
    owed = runtime.reactions.record(db, event)
    on_commit(db, lambda: runtime.deliver(event, channels, owed))
