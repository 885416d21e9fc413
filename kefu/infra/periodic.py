"""Run a piece of work every few seconds in a daemon thread of this process, until stopped."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic:
    """Call work(stop) every `seconds` (0 or less: never) in one thread; a failure is logged and the next round
    tries again. work may watch the stop event to end a long round early."""

    def __init__(self, name: str, seconds: float, work: Callable[[threading.Event], object]) -> None:
        self.name, self.seconds, self.work = name, seconds, work
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.seconds > 0:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                self.work(self._stop)
            except Exception:  # the next round tries again; a crash here must not end the thread
                log.exception("%s failed", self.name)
