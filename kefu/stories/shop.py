"""Build the throwaway shops stories run in: one seeded SQLite template, copied fresh for every story.

A story never touches a real shop's conversations or orders. The template is either the demo shop (`--demo`) or
a copy of one shop's bot setup (knowledge, dictionary, facts, flow settings, handoff policy, thresholds, bot name
and greetings) taken from a real database (`--tenant SLUG`); its order system is always the built-in store, with
the demo's orders or the ones a story file lists under `orders:`.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from kefu.db import Database, utcnow
from kefu.errors import KefuError

# The bits of a shop that decide how its bot answers; everything else (keys, staff, conversations) stays behind.
TENANT_FIELDS = ("name", "bot_name", "greeting_zh", "greeting_en", "default_locale", "answer_threshold",
                 "clarify_threshold", "kb_version", "facts", "flow_settings", "handoff_policy")
POINT_FIELDS = ("category", "question", "similar_questions", "answer", "enabled", "tags", "valid_from", "valid_to",
                "image_url", "link_url", "buttons")
_RELATIVE = re.compile(r"^\s*now\s*(?:([+-])\s*(\d+(?:\.\d+)?)\s*([dhm]))?\s*$", re.IGNORECASE)
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class ShopError(KefuError):
    """The throwaway shop could not be built (unknown slug, bad `orders:` entry)."""


class Template:
    """A migrated and seeded SQLite file; `copy()` hands out a private copy of it per story."""

    def __init__(self, path: Path, tenant_id: int, slug: str, workdir: Path) -> None:
        self.path, self.tenant_id, self.slug, self.workdir = path, tenant_id, slug, workdir
        self._n = 0

    def copy(self) -> str:
        """Return the URL of a fresh copy of the template."""
        self._n += 1
        target = self.workdir / f"story-{self._n}.db"
        shutil.copyfile(self.path, target)
        return f"sqlite:///{target}"

    @staticmethod
    def discard(url: str) -> None:
        path = Path(url.removeprefix("sqlite:///"))
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            p.unlink(missing_ok=True)


def _empty_database(workdir: Path) -> tuple[Path, str]:
    from kefu.migrate import upgrade

    path = workdir / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    return path, url


def _close(database: Database) -> None:
    # Fold the write-ahead log into the file so a plain file copy holds everything.
    with database.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()


def demo_template(workdir: Path | None = None) -> Template:
    """The demo shop (kefu/demo/seed.py) with its knowledge, agent login and orders D1001-D1006."""
    from kefu.demo import DEMO_SLUG
    from kefu.demo.seed import seed_demo

    workdir = workdir or Path(tempfile.mkdtemp(prefix="kefu-stories-"))
    path, url = _empty_database(workdir)
    database = Database(url)
    info = seed_demo(database)
    _close(database)
    return Template(path, info.tenant_id, DEMO_SLUG, workdir)


def tenant_template(source_url: str, slug: str, workdir: Path | None = None) -> Template:
    """A copy of one shop's bot setup from the database at source_url; no staff, customers or orders."""
    from kefu.knowledge.models import KnowledgePoint, Term
    from kefu.tenants.actions import do_create_tenant
    from kefu.tenants.models import Tenant

    source = Database(source_url)
    try:
        with source.session() as src:
            shop = src.scalar(select(Tenant).where(Tenant.slug == slug))
            if shop is None:
                raise ShopError(f"no shop with slug {slug!r} in {source_url}", code="unknown_tenant", status=404)
            settings = {f: getattr(shop, f) for f in TENANT_FIELDS}
            points = [{f: getattr(p, f) for f in POINT_FIELDS} for p in
                      src.scalars(select(KnowledgePoint).where(KnowledgePoint.tenant_id == shop.id)
                                  .order_by(KnowledgePoint.id))]
            terms = [(t.word, list(t.synonyms or [])) for t in
                     src.scalars(select(Term).where(Term.tenant_id == shop.id).order_by(Term.id))]
    finally:
        source.dispose()
    workdir = workdir or Path(tempfile.mkdtemp(prefix="kefu-stories-"))
    path, url = _empty_database(workdir)
    database = Database(url)
    with database.session() as db:
        tenant = do_create_tenant(db, name=settings["name"], slug=slug)
        for field, value in settings.items():
            setattr(tenant, field, value)
        for p in points:
            db.add(KnowledgePoint(tenant_id=tenant.id, **p))
        for word, synonyms in terms:
            db.add(Term(tenant_id=tenant.id, word=word, synonyms=synonyms))
        tenant_id = tenant.id
    _close(database)
    return Template(path, tenant_id, slug, workdir)


# --- orders a story file brings ----------------------------------------------------------------------------


def moment(value: Any, now: dt.datetime) -> Any:
    """Read "now", "now-2d", "now+30h" or "now-90m" as a time relative to now; pass anything else through."""
    if isinstance(value, str) and (m := _RELATIVE.match(value)):
        if not m.group(1):
            return now
        delta = dt.timedelta(**{_UNITS[m.group(3).lower()]: float(m.group(2))})
        return now + delta if m.group(1) == "+" else now - delta
    return value


def _times(value: Any, now: dt.datetime) -> Any:
    if isinstance(value, dict):
        return {k: _times(v, now) for k, v in value.items()}
    if isinstance(value, list):
        return [_times(v, now) for v in value]
    return moment(value, now)


def parse_orders(orders: list[dict[str, Any]], now: dt.datetime | None = None) -> list[tuple[Any, list[Any]]]:
    """Check a story file's orders (OrderIn shape, plus optional `shipments:` in ShipmentIn shape)."""
    from kefu.commerce.schemas import OrderIn, ShipmentIn

    if not isinstance(orders, list) or not all(isinstance(o, dict) for o in orders):
        raise ShopError("orders: must be a list of orders (mappings in the built-in store's order shape)",
                        code="invalid_order")
    now = now or utcnow()
    out = []
    for i, raw in enumerate(orders, 1):
        entry = _times(dict(raw), now)
        shipments = entry.pop("shipments", None) or []
        label = entry.get("order_no") or f"#{i}"
        try:
            data = OrderIn.model_validate(entry)
            if not isinstance(shipments, list):
                raise ShopError(f"orders: order {label}: shipments must be a list", code="invalid_order")
            parcels = [ShipmentIn.model_validate(s) for s in shipments]
        except ValidationError as e:
            problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors())
            raise ShopError(f"orders: order {label}: {problems}", code="invalid_order") from e
        out.append((data, parcels))
    return out


def add_orders(db, tenant_id: int, orders: list[dict[str, Any]]) -> None:
    """Put a story file's orders and their parcels into the throwaway shop's built-in store."""
    from kefu.commerce import actions as store

    for data, parcels in parse_orders(orders):
        try:
            store.do_create_order(db, tenant_id=tenant_id, data=data)
            for parcel in parcels:
                store.do_add_shipment(db, tenant_id=tenant_id, order_no=data.order_no, data=parcel)
        except KefuError as e:
            raise ShopError(f"orders: order {data.order_no}: {e.message}", code="invalid_order") from e
