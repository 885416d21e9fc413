"""Put the demo shop back as `kefu demo` first made it, keeping its widget key, identity secret and logins.

The shop is deleted (the database cascades that to every row that belongs to it: conversations, customers,
messages, left messages, ratings, orders, shipments, returns, knowledge points, dictionary, pack imports and
their history, skill groups, API keys, login sessions …) and seeded again by `seed_demo`, so there is one
description of the demo shop, and a table added later is covered without a change here. The new shop gets the old
one's public widget key and identity secret, so the demo page, pasted widget snippets and the docs stay valid;
the logins are re-created with the documented passwords. All of it is one transaction: if seeding fails, the old
shop is still there. The files customers sent (attachments) are removed from the storage once that has committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

import kefu.models  # noqa: F401  (every table in the metadata, so every table of the shop is counted)
from kefu.attachments.models import Attachment
from kefu.db import Base, Database
from kefu.demo import DEMO_SLUG
from kefu.demo.seed import DemoInfo, seed_demo
from kefu.infra.storage import Storage
from kefu.tenants.models import Tenant


@dataclass
class ResetReport:
    """What the reset did: rows per table before and after, and the shop it left."""

    info: DemoInfo
    existed: bool
    before: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)
    files_removed: int = 0

    def changes(self) -> list[tuple[str, int, int]]:
        """(table, rows before, rows after) for each table where the shop had or has rows."""
        names = sorted(set(self.before) | set(self.after))
        return [(n, self.before.get(n, 0), self.after.get(n, 0)) for n in names
                if self.before.get(n, 0) or self.after.get(n, 0)]

    def lines(self) -> list[str]:
        """The report as `kefu demo --reset` prints it."""
        if not self.existed:
            return ["There was no demo shop yet: created it."]
        out = ["Demo shop reset; its widget key, identity secret and logins are the same as before.",
               f"  {'rows of the demo shop':<24}{'before':>8}{'after':>8}"]
        out += [f"  {name:<24}{b:>8}{a:>8}" for name, b, a in self.changes()]
        if self.files_removed:
            out.append(f"  Files customers sent, removed from the storage: {self.files_removed}")
        out += ["  Settings, shop facts, handoff policy, service hours and flows: back to the seed.",
                "  Logins: the documented passwords again; everyone was logged out."]
        return out


class _InSession:
    """Stands in for a Database so that seed_demo, which opens its own session, works inside ours."""

    def __init__(self, db: Session) -> None:
        self._db = db

    @contextmanager
    def session(self) -> Iterator[Session]:
        yield self._db


def _shop_rows(db: Session, tenant_id: int) -> dict[str, int]:
    """How many rows each table holds for the shop (the tenants row itself excluded)."""
    counts = {}
    for table in Base.metadata.sorted_tables:
        if "tenant_id" in table.c:
            n = db.scalar(select(func.count()).select_from(table).where(table.c.tenant_id == tenant_id)) or 0
            if n:
                counts[table.name] = n
    return counts


def reset_demo(database: Database, storage: Storage | None = None) -> ResetReport:
    """Delete the demo shop with everything in it and seed it again under the same widget key and logins.

    `storage` is where attachments are kept (the runtime's); without it their files stay behind.
    """
    files: list[str] = []
    with database.session() as db:
        old = db.scalar(select(Tenant).where(Tenant.slug == DEMO_SLUG))
        before: dict[str, int] = {}
        if old is not None:
            before = _shop_rows(db, old.id)
            files = list(db.scalars(select(Attachment.storage_key).where(Attachment.tenant_id == old.id)))
            public_key, identity_secret, kb_version = old.public_key, old.identity_secret, old.kb_version
            db.execute(delete(Tenant).where(Tenant.id == old.id))
            # SQLite may give the new shop the old id: nothing of the old shop may linger in the identity map.
            db.expunge_all()
        info = seed_demo(_InSession(db))  # type: ignore[arg-type]  (it only calls .session())
        tenant = db.get(Tenant, info.tenant_id)
        if old is not None:
            db.flush()
            db.refresh(tenant)  # kb_version was moved by SQL updates while the points were added
            tenant.public_key, tenant.identity_secret = public_key, identity_secret
            # A running server caches the shop's index by id and kb_version; the id may be the old one again.
            tenant.kb_version = max(tenant.kb_version, kb_version) + 1
        db.flush()
        report = ResetReport(DemoInfo(tenant.id, tenant.public_key), existed=old is not None, before=before,
                             after=_shop_rows(db, tenant.id))
    if storage is not None:  # only now: a reset that failed leaves the old shop's files in place
        for key in files:
            storage.delete(key)
        report.files_removed = len(files)
    return report
