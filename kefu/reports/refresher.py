"""Build and refresh the report tables ahead of the report calls: by steps, under the shop's lock, in a background
thread of each server process (every `reports_refresh_seconds`), on demand when a call finds a shop far behind,
and from `kefu reports refresh`."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import select

from kefu.infra.locks import LockBusy
from kefu.infra.periodic import Periodic
from kefu.reports.rollup import behind, refresh_step
from kefu.runtime import Runtime
from kefu.tenants.models import Tenant

log = logging.getLogger(__name__)

# Rows of each event table read per step: a few seconds of work, one short transaction each.
STEP = 50_000
# How long a report call waits for another refresh of its shop before answering "being built".
REQUEST_WAIT = 10.0
PROGRESS_SECONDS = 5.0


def lock_key(tenant_id: int) -> str:
    """The per-shop lock every refresh of the report tables holds (one refresh per shop at a time)."""
    return f"reports:{tenant_id}"


def catch_up(runtime: Runtime, tenant_id: int, *, wait: float | None = 0,
             progress: Callable[[int], None] | None = None, step: int = STEP,
             stop: threading.Event | None = None) -> bool:
    """Bring one shop's report tables up to date, one committed step at a time; False if another refresh of
    the shop holds its lock (it will do the work) or stop was set. progress(work left, in rows: see
    rollup.behind) follows each step."""
    counted = 0.0
    while True:
        if stop is not None and stop.is_set():
            return False
        try:
            with runtime.locks.lock(lock_key(tenant_id), wait=wait), runtime.db.session() as db:
                _n, more = refresh_step(db, tenant_id=tenant_id, budget=step)
                # Counting what is left reads the rest of the backlog's ids: every few seconds, not every step.
                if progress is not None and more and time.monotonic() - counted > PROGRESS_SECONDS:
                    counted = time.monotonic()
                    progress(behind(db, tenant_id=tenant_id, limit=10**12))
        except LockBusy:
            return False
        if not more:
            if progress is not None:
                progress(0)
            return True


def tenant_ids(runtime: Runtime) -> list[int]:
    with runtime.db.session() as db:
        return list(db.scalars(select(Tenant.id).order_by(Tenant.id)))


def refresh_all(runtime: Runtime, stop: threading.Event | None = None) -> None:
    """One round: every shop whose tables no other process is refreshing right now."""
    for tenant_id in tenant_ids(runtime):
        try:
            catch_up(runtime, tenant_id, stop=stop)
        except Exception:  # one shop's failure must not keep the others stale
            log.exception("refreshing the reports of shop %s failed", tenant_id)


_builds: dict[tuple[int, int], threading.Thread] = {}
_builds_guard = threading.Lock()


def build_in_background(runtime: Runtime, tenant_id: int) -> None:
    """Start catching up one shop in a thread of this process, unless one is already at it."""
    key = (id(runtime), tenant_id)
    with _builds_guard:
        running = _builds.get(key)
        if running is not None and running.is_alive():
            return

        def run() -> None:
            try:
                catch_up(runtime, tenant_id, wait=REQUEST_WAIT)
            except Exception:
                log.exception("building the reports of shop %s failed", tenant_id)

        thread = _builds[key] = threading.Thread(target=run, name=f"kefu-reports-build-{tenant_id}", daemon=True)
        thread.start()


def wait_for_builds(timeout: float) -> None:
    """Let the builds running in this process end (tests, shutdown)."""
    with _builds_guard:
        threads = list(_builds.values())
    for thread in threads:
        thread.join(timeout)


class Refresher(Periodic):
    """Every reports_refresh_seconds, bring every shop's report tables up to date (one thread per process; the
    per-shop lock lets one process at a time do a shop, the others skip it)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        super().__init__("kefu-reports-refresh", runtime.settings.reports_refresh_seconds,
                         lambda stop: refresh_all(runtime, stop))
