"""Delete the transcripts and files of closed conversations past their shop's retention period: a background
thread in each server process (every `privacy_purge_seconds`) and `kefu privacy purge`."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from sqlalchemy import select

from kefu.infra.periodic import Periodic
from kefu.privacy.actions import Scrubbed, purge_expired
from kefu.runtime import Runtime
from kefu.tenants.models import Tenant

log = logging.getLogger(__name__)
# Conversations scrubbed per transaction: short transactions, so chats and other processes never wait long.
BATCH = 200


def purge_all(runtime: Runtime, stop: threading.Event | None = None, *, now: dt.datetime | None = None,
              slug: str | None = None) -> dict[str, Scrubbed]:
    """Purge every shop with a retention period (or the one with this slug) until nothing is due; per shop slug,
    what was scrubbed. Safe to run in several processes at once (see purge_expired)."""
    with runtime.db.session() as db:
        query = select(Tenant.id, Tenant.slug).where(Tenant.retention_days > 0).order_by(Tenant.id)
        shops = list(db.execute(query.where(Tenant.slug == slug) if slug else query))
    out: dict[str, Scrubbed] = {}
    for tenant_id, tenant_slug in shops:
        total = out[tenant_slug] = Scrubbed()
        try:
            while stop is None or not stop.is_set():
                with runtime.db.session() as db:
                    done = purge_expired(db, runtime.storage, tenant=db.get(Tenant, tenant_id), now=now, limit=BATCH)
                total.add(done)
                if done.conversations < BATCH:
                    break
        except Exception:  # one shop's failure must not keep the others' old transcripts
            log.exception("purging the old conversations of shop %s failed", tenant_id)
        if total.conversations:
            log.info("shop %s: %d conversations past the retention period scrubbed (%d files)", tenant_id,
                     total.conversations, total.files)
    return out


class Purger(Periodic):
    """Every privacy_purge_seconds, scrub what is past each shop's retention period (one thread per process)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        super().__init__("kefu-privacy-purge", runtime.settings.privacy_purge_seconds,
                         lambda stop: purge_all(runtime, stop))
