"""Know which committed events this process is still handling (the bot answering a message), so that a stopping
server waits for them instead of dying in the middle of a reply.

A customer's message is answered while its `message_created` event is handled, in the worker thread that stored it
(or in the reactions poller's). uvicorn cancels the websocket's task when the graceful shutdown time is up, but not
that thread, and once the app has shut down it ends the process by raising SIGTERM again: the thread dies with it.
The app's shutdown therefore waits for the handlings still open. (Were it killed anyway, the reply is still owed in
pending_reactions and another process gives it: kefu/reactions.)
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any


class Deliveries:
    """Count the events being handled in this process (`Runtime.around`), and wait for none."""

    def __init__(self) -> None:
        self._open = 0
        self._changed = threading.Condition()

    def install(self, runtime: Any) -> None:
        runtime.around(self.handling)

    @contextlib.contextmanager
    def handling(self, _event: dict[str, Any]) -> Iterator[None]:
        """Open while the event's listeners and reactions run (nested: the bot's reply inside its question's)."""
        with self._changed:
            self._open += 1
        try:
            yield
        finally:
            with self._changed:
                self._open -= 1
                self._changed.notify_all()

    def busy(self) -> int:
        """Events being handled now."""
        with self._changed:
            return self._open

    def wait(self, timeout: float) -> bool:
        """Block until no event is being handled, or timeout seconds; True when none is."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._open:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.5))
        return True
