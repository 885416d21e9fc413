"""Know which committed events this process is still acting on (the bot answering a message), so that a stopping
server waits for them instead of dying in the middle of a reply.

A customer's message is answered inside the delivery of its `message_created` event, in the worker thread that
stored it. uvicorn cancels the websocket's task when the graceful shutdown time is up, but not that thread, and
once the app has shut down it ends the process by raising SIGTERM again: the thread dies with it. The app's
shutdown therefore waits for the deliveries still open.
"""

from __future__ import annotations

import contextvars
import threading
import time
from typing import Any

from kefu.infra.logs import EVENTS


class Deliveries:
    """Listeners registered first (`enter`) and last (`leave`) around the conversation events' other listeners."""

    def __init__(self) -> None:
        self._open: dict[object, threading.Thread] = {}
        self._changed = threading.Condition()
        # This context's open deliveries, innermost last (the bot's reply is delivered inside its question's).
        self._stack: contextvars.ContextVar[tuple] = contextvars.ContextVar(f"kefu_deliveries_{id(self)}",
                                                                            default=())

    def install(self, runtime: Any, *, last: bool = False) -> None:
        for name in EVENTS:
            runtime.listen(name, self.leave if last else self.enter)

    def enter(self, _runtime: Any, _event: dict[str, Any]) -> None:
        stack, me, token = self._stack.get(), threading.current_thread(), object()
        with self._changed:
            if not stack:
                # Outside any delivery, this thread has none open: one it left open had a listener that raised
                # (leave never ran), and must not hold up a shutdown.
                for key in [k for k, thread in self._open.items() if thread is me]:
                    del self._open[key]
            self._open[token] = me
        self._stack.set((*stack, token))

    def leave(self, _runtime: Any, _event: dict[str, Any]) -> None:
        stack = self._stack.get()
        if not stack:
            return
        self._stack.set(stack[:-1])
        with self._changed:
            self._open.pop(stack[-1], None)
            self._changed.notify_all()

    def busy(self) -> int:
        """Deliveries open in threads still alive."""
        with self._changed:
            return sum(1 for thread in self._open.values() if thread.is_alive())

    def wait(self, timeout: float) -> bool:
        """Block until no delivery is open, or timeout seconds; True when none is."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while any(thread.is_alive() for thread in self._open.values()):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.5))
        return True
