"""Import a pack into a shop, preview and apply its updates, roll a batch back, refill answers when facts change.

Every change to a shop's point goes through kefu.knowledge.actions (so kb_version moves and the bot sees it)
and is recorded in pack_changes under a batch; each function works inside the caller's transaction, so an
import or update is all or nothing. Rules (docs/packs.md):

- A vertical pack needs its base: importing it imports the base first when the shop does not have it.
- An update applies everything the merge can decide and leaves conflicts without a resolution pending: their
  pack point keeps the old base, so the next preview (even of the same version) shows them again.
- Only the newest import or update of a pack can be rolled back (later refills do not count); it restores every
  point it touched, the pack's bookkeeping and the installed version, then refills with today's facts.
- Nothing a shop has not confirmed goes live: a point quoting a fact the shop has not given is held off (and
  listed to complete) until the fact is set, then the refill switches it on; a point making a service promise, or
  maybe repeating one of the shop's own points, waits for the owner's review. A point that surely repeats one of
  the shop's own points (kefu/packs/duplicates.py) is not imported: the key is linked to it and the shop's answer
  wins, through every later update.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kefu.config import Settings, get_settings
from kefu.db import commit, utcnow
from kefu.errors import Conflict, KefuError, NotFound
from kefu.knowledge.models import KnowledgePoint
from kefu.packs import points as kp
from kefu.packs.duplicates import Duplicate, embedder_for, shop_finder
from kefu.packs.fill import (
    TEXT_FIELDS,
    Template,
    clean,
    fill,
    fill_point,
    names_in,
    point_unfilled,
    template_names,
    used_values,
    values_for,
)
from kefu.packs.merge import KeyPlan, Resolution, merge_point, resolve
from kefu.packs.models import PackBatch, PackChange, PackInstall, PackPoint
from kefu.packs.packfile import Pack, is_version, newest, version_key
from kefu.packs.sources import Catalog
from kefu.runtime import emit
from kefu.tenants.facts import MAX_FACT_CHARS, is_missing, missing_names
from kefu.tenants.models import Tenant

log = logging.getLogger(__name__)


def _settings(db: Session) -> Settings:
    runtime = db.info.get("runtime")
    return runtime.settings if runtime is not None else get_settings()


def catalog_for(db: Session) -> Catalog:
    """The packs this process can see, from the settings of the runtime the session belongs to."""
    return Catalog.from_settings(_settings(db))


def find_install(db: Session, *, tenant_id: int, pack_id: str, lock: bool = False) -> PackInstall | None:
    q = select(PackInstall).where(PackInstall.tenant_id == tenant_id, PackInstall.pack_id == pack_id)
    return db.scalar(q.with_for_update() if lock else q)


def get_install(db: Session, *, tenant_id: int, pack_id: str, lock: bool = False) -> PackInstall:
    install = find_install(db, tenant_id=tenant_id, pack_id=pack_id, lock=lock)
    if install is None:
        raise NotFound(f"the shop has not imported the pack {pack_id!r}", code="pack_not_installed")
    return install


def list_installs(db: Session, *, tenant_id: int) -> list[PackInstall]:
    return list(db.scalars(select(PackInstall).where(PackInstall.tenant_id == tenant_id).order_by(PackInstall.id)))


def _install_state(install: PackInstall | None) -> dict[str, Any] | None:
    if install is None:
        return None
    return {"version": install.version, "source": install.source, "name": install.name, "base": install.base,
            "placeholders": install.placeholders, "pending_conflicts": install.pending_conflicts}


def _tracking(row: PackPoint | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"point_id": row.point_id, "base": row.base, "filled_with": row.filled_with,
            "deleted_by_shop": row.deleted_by_shop, "held": row.held, "missing_facts": list(row.missing_facts or []),
            "review": row.review, "promise": list(row.promise or []), "linked_to": row.linked_to,
            "link_score": row.link_score}


def _values(db: Session, tenant_id: int, defaults: dict[str, str]) -> dict[str, str]:
    tenant = db.get(Tenant, tenant_id)
    return values_for(defaults, tenant.facts, tenant.name)


def _rows(db: Session, tenant_id: int, pack_id: str) -> dict[str, PackPoint]:
    rows = db.scalars(select(PackPoint).where(PackPoint.tenant_id == tenant_id, PackPoint.pack_id == pack_id)
                      .order_by(PackPoint.id))
    return {r.key: r for r in rows}


def _linked_elsewhere(db: Session, tenant_id: int, point_id: int, row: PackPoint | None) -> PackPoint | None:
    """Another pack point standing behind the same knowledge point (a vertical linked to its base's point):
    while one exists, removing this pack's key must not delete the shop's point."""
    q = select(PackPoint).where(PackPoint.tenant_id == tenant_id, PackPoint.point_id == point_id)
    if row is not None and row.id is not None:
        q = q.where(PackPoint.id != row.id)
    return db.scalar(q.limit(1))


def _points(db: Session, tenant_id: int, ids) -> dict[int, KnowledgePoint]:
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    rows = db.scalars(select(KnowledgePoint).where(KnowledgePoint.tenant_id == tenant_id,
                                                   KnowledgePoint.id.in_(ids)))
    return {p.id: p for p in rows}


class _Batch:
    """A batch being written: created on the first change (refills) or at once (imports, updates, rollbacks)."""

    def __init__(self, db: Session, *, tenant_id: int, pack_id: str, kind: str, from_version: str | None,
                 to_version: str | None, actor: str, install_before: dict | None = None, rolls_back: int | None = None,
                 lazy: bool = False) -> None:
        self.db, self.tenant_id, self.pack_id = db, tenant_id, pack_id
        self.fields = {"kind": kind, "from_version": from_version, "to_version": to_version, "actor": actor,
                       "install_before": install_before, "rolls_back": rolls_back}
        self.row: PackBatch | None = None
        self.counts: Counter[str] = Counter()
        if not lazy:
            self.open()

    def open(self) -> PackBatch:
        if self.row is None:
            self.row = PackBatch(tenant_id=self.tenant_id, pack_id=self.pack_id, **self.fields)
            self.db.add(self.row)
            self.db.flush()
        return self.row

    def record(self, key: str, action: str, *, point_id: int | None, before: dict | None, after: dict | None,
               tracking: dict | None, note: str = "", actor: str | None = None) -> None:
        batch = self.open()
        self.counts[action] += 1
        self.db.add(PackChange(
            tenant_id=self.tenant_id, pack_id=self.pack_id, batch_id=batch.id, from_version=batch.from_version,
            to_version=batch.to_version, key=key, action=action, point_id=point_id, before=before, after=after,
            tracking=tracking, note=note[:300], actor=actor or batch.actor))

    def announce(self) -> None:
        if self.row is not None:
            emit(self.db, {"type": "packs_changed", "tenant_id": self.tenant_id, "pack_id": self.pack_id,
                           "batch_id": self.row.id, "kind": self.row.kind}, [f"tenant:{self.tenant_id}"])


# --- what keeps a pack point off: missing facts, review ----------------------------------------------------

def missing_facts(base: Template, mine: Template, values: dict[str, str]) -> list[str]:
    """Return the facts a point quotes, in the parts still as the pack wrote them, that the shop has not given."""
    names: set[str] = set()
    for name in ("question", "answer"):
        if mine[name] == fill(base[name], values).strip():
            names |= names_in([base[name]])
    for item in base["similar"]:
        if fill(item, values).strip() in mine["similar"]:
            names |= names_in([item])
    return missing_names(values, names)


def _hold_note(missing: list[str], review: str, promise: list[str], duplicate_of: int | None = None) -> str:
    parts = []
    if missing:
        parts.append(f"facts missing: {', '.join(missing)}")
    if review == "promise":
        parts.append(f"a promise to confirm: {', '.join(promise)}")
    if review == "duplicate":
        parts.append(f"may repeat the shop's point {duplicate_of}")
    return "switched off until " + "; ".join(parts) if parts else ""


_NOW = object()


def settle(db: Session, batch: _Batch | None, row: PackPoint, point: KnowledgePoint, values: dict[str, str], *,
           actor: str | None = None, tracking: Any = _NOW) -> str | None:
    """Hold a pack point off while it quotes a missing fact or waits for review, and switch it on again when
    nothing is pending — unless the shop switched it off itself (then it is not held, and stays off).

    Returns "held" or "released" when it switched the point, recording that in batch (unless None: the caller
    records the change). tracking: the pack point as a rollback should restore it, when the caller changed it
    already (an update); by default as it is now.
    """
    tracking = _tracking(row) if tracking is _NOW else tracking
    mine = kp.fields_of(point)
    row.missing_facts = missing_facts(row.base, mine, values)
    blocked = bool(row.missing_facts) or point_unfilled(mine) or bool(row.review)
    if blocked and point.enabled:
        before = kp.snapshot(point)
        kp.set_enabled(db, tenant_id=row.tenant_id, point=point, enabled=False)
        row.held = True
        if batch is not None:
            batch.record(row.key, "held", point_id=point.id, before=before, after=kp.snapshot(point), tracking=tracking,
                         note=_hold_note(row.missing_facts, row.review, row.promise or [], row.linked_to)
                         or "switched off until the answer no longer quotes a stand-in for a fact", actor=actor)
        return "held"
    if not blocked and row.held:
        row.held = False
        if not point.enabled:
            before = kp.snapshot(point)
            kp.set_enabled(db, tenant_id=row.tenant_id, point=point, enabled=True)
            if batch is not None:
                batch.record(row.key, "released", point_id=point.id, before=before, after=kp.snapshot(point),
                             tracking=tracking, note="nothing pending any more: switched on", actor=actor)
            return "released"
    return None


def _add_point(db: Session, batch: _Batch, *, tenant_id: int, pack_id: str, key: str, template: Template,
               filled: Template, values: dict[str, str], promise: list[str], duplicate: Duplicate | None,
               note: str = "", actor: str | None = None) -> PackPoint:
    """Bring a new pack point into the shop: linked to the shop's own point it surely repeats (not imported), or
    created — switched off while a fact is missing or the owner has to review it."""
    label = f"{pack_id} {key}"
    if duplicate is not None and duplicate.sure:
        shop_point = db.get(KnowledgePoint, duplicate.point_id)
        snap = kp.snapshot(shop_point)
        batch.record(key, "linked", point_id=shop_point.id, before=snap, after=snap, tracking=None, actor=actor,
                     note=f"repeats the shop's point {shop_point.id} by meaning (score {duplicate.score:.2f}): the "
                          "shop's answer wins, the pack's is not imported")
        row = PackPoint(tenant_id=tenant_id, pack_id=pack_id, key=key, point_id=None, base=template,
                        filled_with=used_values(template, values), deleted_by_shop=True, promise=promise,
                        linked_to=shop_point.id, link_score=duplicate.score, missing_facts=[], review="",
                        held=False)
        db.add(row)
        return row
    review = "duplicate" if duplicate is not None else ("promise" if promise else "")
    missing = missing_facts(template, filled, values)
    blocked = bool(missing) or point_unfilled(filled) or bool(review)
    point = kp.write_point(db, tenant_id=tenant_id, point=None, fields=filled, label=label, enabled=not blocked)
    hold = _hold_note(missing, review, promise, duplicate.point_id if duplicate else None)
    batch.record(key, "added", point_id=point.id, before=None, after=kp.snapshot(point), tracking=None,
                 note="; ".join(n for n in (note, hold) if n), actor=actor)
    row = PackPoint(tenant_id=tenant_id, pack_id=pack_id, key=key, point_id=point.id, base=template,
                    filled_with=used_values(template, values), deleted_by_shop=False, held=blocked,
                    missing_facts=missing, review=review, promise=promise,
                    linked_to=duplicate.point_id if duplicate else None,
                    link_score=duplicate.score if duplicate else None)
    db.add(row)
    return row


def _finder(db: Session, tenant_id: int):
    return shop_finder(db, tenant_id=tenant_id, embedder=embedder_for(_settings(db).embedder))


# --- import ----------------------------------------------------------------------------------------------

@dataclass
class FactUse:
    """A fact a pack's answers quote: its value for this shop and whether the shop gave it."""

    name: str
    label: str
    value: str  # what answers would say ("" while missing)
    default: str  # the pack's default
    status: str  # set (the shop gave it) | default (the pack's default stands) | missing (nothing real to say)
    points: int  # how many of the pack's points quote it


def fact_uses(pack: Pack, templates: dict[str, Template], tenant: Tenant, values: dict[str, str]) -> list[FactUse]:
    """List every fact the pack's points quote with the shop's value, the missing ones first."""
    counts: Counter[str] = Counter(n for t in templates.values() for n in template_names(t))
    own = {k for k, v in (tenant.facts or {}).items() if not is_missing(v)}
    if tenant.name.strip():
        own.add("shop_name")
    out = []
    for name in sorted(counts):
        ph = pack.placeholders.get(name)
        status = "missing" if is_missing(values.get(name)) else ("set" if name in own else "default")
        out.append(FactUse(name, ph.label if ph else name, "" if status == "missing" else values.get(name, ""),
                           ph.default if ph else "", status, counts[name]))
    order = {"missing": 0, "default": 1, "set": 2}
    return sorted(out, key=lambda f: (order[f.status], -f.points, f.name))


@dataclass
class PointPlan:
    """What importing one pack point would do."""

    key: str
    question: str  # filled
    action: str  # add | link (the shop has this question) | link_similar (repeats a shop point) | review_duplicate
    missing_facts: list[str] = field(default_factory=list)
    promise: list[str] = field(default_factory=list)
    point_id: int | None = None  # link: the shop's point with this question
    duplicate: Duplicate | None = None  # link_similar / review_duplicate

    @property
    def state(self) -> str:
        """live | linked | review (the owner decides) | to_complete (a fact is missing)."""
        if self.action in ("link", "link_similar"):
            return "linked"
        if self.action == "review_duplicate" or self.promise:
            return "review"
        return "to_complete" if self.missing_facts else "live"


@dataclass
class ImportPlan:
    """What importing one pack into the shop would do, point by point, and the facts it quotes."""

    pack: Pack
    source: str
    values: dict[str, str]
    templates: dict[str, Template]
    filled: dict[str, Template]
    points: list[PointPlan]
    facts: list[FactUse]

    def counts(self) -> dict[str, int]:
        c = Counter(p.state for p in self.points)
        return {s: c.get(s, 0) for s in ("live", "linked", "review", "to_complete")}


def plan_import(db: Session, *, tenant_id: int, pack: Pack, source: str) -> ImportPlan:
    """Decide for every point of pack: add it (live or held off), or link it to the shop's point it repeats."""
    tenant = db.get(Tenant, tenant_id)
    values = _values(db, tenant_id, pack.defaults())
    templates = pack.templates()
    filled = {}
    for key, template in templates.items():
        filled[key] = fill_point(template, values)
        kp.check_fields(filled[key], f"{pack.id} {pack.version} point {key}")  # all checked before any write
    promises = pack.promises()
    asked = dict(db.execute(select(KnowledgePoint.question, KnowledgePoint.id)
                            .where(KnowledgePoint.tenant_id == tenant_id)).all())
    fresh = {k: f for k, f in filled.items() if f["question"] not in asked}
    duplicates = _finder(db, tenant_id).find_all(fresh) if fresh else {}
    points = []
    for key, f in filled.items():
        plan = PointPlan(key, f["question"], "add", promise=promises.get(key, []))
        if f["question"] in asked:
            plan.action, plan.point_id = "link", asked[f["question"]]
        elif key in duplicates:
            plan.duplicate = duplicates[key]
            plan.action = "link_similar" if plan.duplicate.sure else "review_duplicate"
        if plan.action in ("add", "review_duplicate"):
            plan.missing_facts = missing_facts(templates[key], f, values)
        points.append(plan)
    return ImportPlan(pack, source, values, templates, filled, points, fact_uses(pack, templates, tenant, values))


def _chain(db: Session, tenant_id: int, pack_id: str, version: str | None, catalog: Catalog
           ) -> list[tuple[Pack, str]]:
    """Return the packs an import brings in: the vertical's base first when the shop lacks it, then the pack."""
    install = find_install(db, tenant_id=tenant_id, pack_id=pack_id)
    if install is not None:
        raise Conflict(f"the shop has {pack_id} {install.version} already; update it instead",
                       code="pack_installed")
    pack, source = catalog.fetch(pack_id, version)
    chain = [(pack, source)]
    if pack.base and find_install(db, tenant_id=tenant_id, pack_id=pack.base) is None:
        if pack.base not in catalog.entries():
            raise NotFound(f"{pack_id} sits on the pack {pack.base}, which no pack source offers",
                           code="pack_base_missing")
        chain = _chain(db, tenant_id, pack.base, None, catalog) + chain
    return chain


def preview_import(db: Session, *, tenant_id: int, pack_id: str, version: str | None = None,
                   catalog: Catalog | None = None) -> list[ImportPlan]:
    """Plan importing a pack (its base first if the shop lacks it) without writing anything."""
    catalog = catalog or catalog_for(db)
    return [plan_import(db, tenant_id=tenant_id, pack=pack, source=source)
            for pack, source in _chain(db, tenant_id, pack_id, version, catalog)]


def check_import_facts(packs: list[Pack], facts: dict[str, str]) -> dict[str, str]:
    """Refuse facts the packs do not quote (a typo must not pass silently) or that are too long."""
    known = {name for pack in packs for name in pack.placeholders} | {"shop_name"}
    unknown = sorted(set(facts) - known)
    if unknown:
        raise KefuError(f"{', '.join(unknown)}: not a fact {', '.join(p.id for p in packs)} quotes (they quote "
                        f"{', '.join(sorted(known))})", code="unknown_fact", status=422)
    long = sorted(k for k, v in facts.items() if len(str(v)) > MAX_FACT_CHARS)
    if long:
        raise KefuError(f"{', '.join(long)}: at most {MAX_FACT_CHARS} characters", code="fact_too_long", status=422)
    return {k: str(v).strip() for k, v in facts.items()}


@dataclass
class Imported:
    pack_id: str
    version: str
    batch_id: int
    added: int  # points created, switched on or held off
    linked: list[str]  # keys whose question the shop had, or that repeat a shop's point: its point is linked
    live: int = 0  # created and switched on
    review: list[str] = field(default_factory=list)  # created switched off, for the owner to confirm
    to_complete: list[str] = field(default_factory=list)  # created switched off until a fact is set
    missing_facts: list[str] = field(default_factory=list)
    facts: list[FactUse] = field(default_factory=list)


def do_import_pack(db: Session, *, tenant_id: int, pack_id: str, version: str | None = None, actor: str,
                   catalog: Catalog | None = None, facts: dict[str, str] | None = None) -> list[Imported]:
    """Import a pack (its newest version unless one is named) into the shop; a vertical's base comes first.

    facts given are saved as the shop's facts first (the other packs' answers are refilled with them). Answers are
    filled from the shop's facts. A point whose question the shop already has is linked to the shop's point; one
    that surely repeats a shop point by meaning is linked to it and not imported (the shop's answer wins). A point
    quoting a fact the shop has not given is imported switched off (to complete); one making a service promise, or
    maybe repeating a shop point, is imported switched off for the owner's review. A pack the shop has is refused.
    """
    catalog = catalog or catalog_for(db)
    chain = _chain(db, tenant_id, pack_id, version, catalog)
    if facts:
        from kefu.tenants.actions import do_update_settings

        do_update_settings(db, tenant_id=tenant_id, changes={"facts": check_import_facts([p for p, _ in chain],
                                                                                          facts)})
        do_refill(db, tenant_id=tenant_id, actor=actor)
    out: list[Imported] = []
    for pack, source in chain:
        out.append(_import_one(db, tenant_id=tenant_id, plan=plan_import(db, tenant_id=tenant_id, pack=pack,
                                                                          source=source), actor=actor))
    return out


def _import_one(db: Session, *, tenant_id: int, plan: ImportPlan, actor: str) -> Imported:
    pack = plan.pack
    batch = _Batch(db, tenant_id=tenant_id, pack_id=pack.id, kind="import", from_version=None,
                   to_version=pack.version, actor=actor)
    done = Imported(pack.id, pack.version, 0, 0, [], facts=plan.facts,
                    missing_facts=[f.name for f in plan.facts if f.status == "missing"])
    for pp in plan.points:
        template, filled = plan.templates[pp.key], plan.filled[pp.key]
        if pp.action == "link":
            point = db.get(KnowledgePoint, pp.point_id)
            snap = kp.snapshot(point)
            batch.record(pp.key, "linked", point_id=point.id, before=snap, after=snap, tracking=None,
                         note=f"the shop's point {point.id} has this question: linked, not duplicated")
            db.add(PackPoint(tenant_id=tenant_id, pack_id=pack.id, key=pp.key, point_id=point.id, base=template,
                             filled_with=used_values(template, plan.values), deleted_by_shop=False,
                             promise=pp.promise, missing_facts=[], review="", held=False))
            done.linked.append(pp.key)
            continue
        row = _add_point(db, batch, tenant_id=tenant_id, pack_id=pack.id, key=pp.key, template=template,
                         filled=filled, values=plan.values, promise=pp.promise, duplicate=pp.duplicate)
        if row.point_id is None:
            done.linked.append(pp.key)
        elif row.review:
            done.review.append(pp.key)
        elif row.held:
            done.to_complete.append(pp.key)
        else:
            done.live += 1
    db.add(PackInstall(tenant_id=tenant_id, pack_id=pack.id, name=pack.name, base=pack.base, version=pack.version,
                       source=plan.source, auto_update=False, placeholders=pack.defaults(), pending_conflicts=[]))
    db.flush()
    batch.announce()
    done.batch_id, done.added = batch.row.id, batch.counts["added"]
    return done


# --- preview ---------------------------------------------------------------------------------------------

@dataclass
class UpdatePlan:
    """What updating one installed pack to one version would do, key by key."""

    install: PackInstall
    pack: Pack
    source: str
    values: dict[str, str]
    items: list[KeyPlan]
    rows: dict[str, PackPoint]
    points: dict[int, KnowledgePoint]
    theirs: dict[str, Template] = field(default_factory=dict)
    facts: list[FactUse] = field(default_factory=list)

    @property
    def from_version(self) -> str:
        return self.install.version

    @property
    def to_version(self) -> str:
        return self.pack.version

    def counts(self) -> dict[str, int]:
        counts = Counter(i.action for i in self.items)
        return {a: counts.get(a, 0) for a in ("auto", "keep", "conflict", "add", "remove", "stays_deleted",
                                              "unchanged")}

    def listed(self) -> list[KeyPlan]:
        """The keys worth showing (not "unchanged"; a shop-deleted point only if the pack changed it), conflicts
        first."""
        shown = [i for i in self.items if i.action != "unchanged"
                 and not (i.action == "stays_deleted" and not i.upstream_changed)]
        return sorted(shown, key=lambda i: i.action != "conflict")

    def conflicts(self) -> list[KeyPlan]:
        return [i for i in self.items if i.action == "conflict"]


def _check_questions(db: Session, tenant_id: int, plan_items: list[KeyPlan], points: dict[int, KnowledgePoint]
                     ) -> None:
    """Keep the shop's questions unique: a new key whose question the shop has links to that point, and an
    automatic question change onto another point's question becomes a conflict."""
    owner = dict(db.execute(select(KnowledgePoint.question, KnowledgePoint.id)
                            .where(KnowledgePoint.tenant_id == tenant_id)).all())
    leaving = {i.point_id for i in plan_items if i.action == "remove"}
    moving = {i.point_id: i for i in plan_items
              if i.action == "auto" and i.after["question"] != i.mine["question"]}
    owner = {q: pid for q, pid in owner.items() if pid not in leaving and pid not in moving}
    for pid, item in moving.items():
        question = item.after["question"]
        if owner.get(question, pid) != pid:
            field_ = item.fields["question"]
            field_.status, field_.result = "conflict", None
            item.action, item.reason, item.after = "conflict", "question_taken", None
            owner[item.mine["question"]] = pid
        else:
            owner[question] = pid
    for item in plan_items:
        if item.action == "add":
            pid = owner.get(item.after["question"])
            if pid is not None:
                item.link_point_id = pid
                point = points.get(pid) or db.get(KnowledgePoint, pid)
                item.mine = kp.fields_of(point)
            else:
                owner[item.after["question"]] = -1


def plan_update(db: Session, *, tenant_id: int, pack_id: str, version: str | None = None,
                catalog: Catalog | None = None, lock: bool = False) -> UpdatePlan:
    """Plan updating the shop's copy of a pack to version (default: the newest there is, or the installed one
    when nothing is newer — which shows the conflicts still pending)."""
    install = get_install(db, tenant_id=tenant_id, pack_id=pack_id, lock=lock)
    if version is not None and not is_version(version):
        raise KefuError(f"{version!r} is not a version like 1.2.0", code="bad_version", status=422)
    catalog = catalog or catalog_for(db)
    target = version or newest([install.version, *catalog.get(pack_id).where])
    if version_key(target) < version_key(install.version):
        raise KefuError(f"{pack_id} {target} is older than the installed {install.version}; roll the update back "
                        "instead", code="older_version", status=409)
    pack, source = catalog.fetch(pack_id, target)
    values = _values(db, tenant_id, pack.defaults())
    rows = _rows(db, tenant_id, pack_id)
    points = _points(db, tenant_id, (r.point_id for r in rows.values()))
    theirs = pack.templates()
    items = []
    for key in [*theirs, *(k for k in rows if k not in theirs)]:
        row = rows.get(key)
        point = points.get(row.point_id) if row is not None and row.point_id is not None else None
        item = merge_point(key, base=row.base if row else None, theirs=theirs.get(key),
                           mine=kp.fields_of(point) if point else None, deleted_by_shop=row is not None and not point,
                           was=row.filled_with if row else None, now=values)
        item.point_id = point.id if point else None
        item.promise = list(pack.promises().get(key, []))
        if row is not None and point is None and row.linked_to is not None:
            item.reason, item.link_point_id = "linked", row.linked_to  # repeats the shop's own point
        items.append(item)
    _check_questions(db, tenant_id, items, points)
    adds = {i.key: i for i in items if i.action == "add" and i.link_point_id is None}
    if adds:
        for key, found in _finder(db, tenant_id).find_all({k: i.after for k, i in adds.items()}).items():
            adds[key].duplicate = found
        for key, item in adds.items():
            item.missing_facts = missing_facts(theirs[key], item.after, values)
    tenant = db.get(Tenant, tenant_id)
    return UpdatePlan(install, pack, source, values, items, rows, points, theirs,
                      facts=fact_uses(pack, theirs, tenant, values))


def preview_update(db: Session, *, tenant_id: int, pack_id: str, version: str | None = None,
                   catalog: Catalog | None = None) -> UpdatePlan:
    """What an update would do (nothing is written)."""
    return plan_update(db, tenant_id=tenant_id, pack_id=pack_id, version=version, catalog=catalog)


# --- apply -----------------------------------------------------------------------------------------------

@dataclass
class Applied:
    pack_id: str
    from_version: str
    to_version: str
    batch_id: int | None
    counts: dict[str, int]
    pending_conflicts: list[str]


def _new_promise(row: PackPoint, item: KeyPlan, points: dict[int, KnowledgePoint], values: dict[str, str]) -> bool:
    """Tell whether the pack marks a promise this point did not carry while the point still gives the pack's answer
    (a shop's own answer linked to the key is the shop's word, not the pack's)."""
    point = points.get(row.point_id) if row.point_id else None
    if point is None or not set(item.promise) - set(row.promise or []):
        return False
    return point.answer in (fill(row.base["answer"], row.filled_with or {}).strip(),
                            fill(row.base["answer"], values).strip())


def _kept_note(item: KeyPlan) -> str:
    kept = [name for name, f in item.fields.items() if f.status in ("mine", "merged")]
    return f"kept the shop's {', '.join(kept)}" if kept else ""


def _edited(resolution: Any) -> Resolution:
    """An edited point from the API ({..., similar_questions}) in template shape."""
    if isinstance(resolution, dict) and "similar_questions" in resolution:
        resolution = {**resolution, "similar": resolution["similar_questions"]}
    if isinstance(resolution, dict):
        return {"category": resolution.get("category", ""), "question": resolution["question"],
                "similar": list(resolution.get("similar", [])), "answer": resolution["answer"],
                "tags": list(resolution.get("tags", []))}
    return resolution


def do_apply_update(db: Session, *, tenant_id: int, pack_id: str, version: str | None = None,
                    resolutions: dict[str, Any] | None = None, actor: str, catalog: Catalog | None = None
                    ) -> Applied:
    """Update the shop's copy of a pack: apply what the merge decides, the given conflict resolutions
    ({key: "mine" | "theirs" | edited point}), and leave the other conflicts pending."""
    mark_deleted_by_shop(db, tenant_id=tenant_id)
    plan = plan_update(db, tenant_id=tenant_id, pack_id=pack_id, version=version, catalog=catalog, lock=True)
    install, values = plan.install, plan.values
    conflicts = {i.key: i for i in plan.conflicts()}
    resolutions = {k: _edited(v) for k, v in (resolutions or {}).items()}
    unknown = sorted(set(resolutions) - set(conflicts))
    if unknown:
        raise KefuError(f"no conflict to resolve for {', '.join(unknown[:10])}", code="unknown_resolution",
                        status=422)
    pending = sorted(set(conflicts) - set(resolutions))
    base_moves = any(i.action in ("keep", "unchanged") and plan.rows[i.key].base != plan.theirs.get(i.key)
                     for i in plan.items)
    # A point the pack now marks as a promise (installs from before promises were marked get them this way).
    promise_moves = any(_new_promise(plan.rows[i.key], i, plan.points, values) for i in plan.items
                        if i.action in ("auto", "keep", "unchanged"))
    moves = (plan.to_version != install.version or resolutions or base_moves or promise_moves
             or install.pending_conflicts != pending or any(i.action in ("auto", "add", "remove") for i in plan.items))
    if not moves:
        raise Conflict(f"{pack_id} {install.version} is up to date" +
                       (f"; {len(pending)} conflict(s) wait for a decision" if pending else ""),
                       code="nothing_to_apply")
    by_rule, new_version = f"update:{plan.to_version}", plan.to_version != install.version
    batch = _Batch(db, tenant_id=tenant_id, pack_id=pack_id, kind="update", from_version=install.version,
                   to_version=plan.to_version, actor=actor, install_before=_install_state(install))
    order = {"remove": 0, "conflict": 1, "auto": 2, "keep": 2, "unchanged": 2, "stays_deleted": 3, "add": 4}
    for item in sorted(plan.items, key=lambda i: order[i.action]):
        row, theirs = plan.rows.get(item.key), plan.theirs.get(item.key)
        point = plan.points.get(item.point_id) if item.point_id else None
        tracking, label = _tracking(row), f"{pack_id} {item.key}"
        if item.action == "remove":
            before, other = kp.snapshot(point), _linked_elsewhere(db, tenant_id, point.id, row)
            db.delete(row)
            if other is not None:
                batch.record(item.key, "kept", point_id=point.id, before=before, after=before, tracking=tracking,
                             note=f"removed from {pack_id} {plan.to_version}; the point stays for "
                                  f"{other.pack_id} {other.key}", actor=by_rule)
                continue
            kp.delete_point(db, tenant_id=tenant_id, point=point)
            batch.record(item.key, "deleted", point_id=point.id, before=before, after=None, tracking=tracking,
                         note=f"removed from {pack_id} {plan.to_version}", actor=by_rule)
        elif item.action == "stays_deleted":
            if theirs is None:
                db.delete(row)
            else:
                row.point_id, row.base, row.deleted_by_shop = None, theirs, True
            if item.upstream_changed:
                batch.record(item.key, "stays_deleted", point_id=None, before=None, after=None, tracking=tracking,
                             note="the shop deleted this point; the pack " +
                                  ("removed it too" if theirs is None else "changed it"), actor=by_rule)
        elif item.action in ("auto", "keep", "unchanged"):
            if item.after != item.mine:
                before = kp.snapshot(point)
                point = kp.write_point(db, tenant_id=tenant_id, point=point, fields=item.after, label=label)
                batch.record(item.key, "updated", point_id=point.id, before=before, after=kp.snapshot(point),
                             tracking=tracking, note=_kept_note(item), actor=by_rule)
            elif (item.action == "keep" and new_version) or row.base != theirs:
                snap = kp.snapshot(point)
                batch.record(item.key, "kept", point_id=point.id, before=snap, after=snap, tracking=tracking,
                             note=_kept_note(item) or "already the same as the new version", actor=by_rule)
            if _new_promise(row, item, plan.points, values) and not row.review:
                row.review = "promise"
            row.base, row.filled_with = theirs, used_values(theirs, values)
            row.promise = list(item.promise)
            settle(db, batch, row, point, values, actor=by_rule, tracking=tracking)
        elif item.action == "conflict":
            _apply_conflict(db, batch, plan, item, resolutions.get(item.key), actor=actor)
        elif item.action == "add":
            if item.link_point_id is not None:
                point = plan.points.get(item.link_point_id) or db.get(KnowledgePoint, item.link_point_id)
                snap = kp.snapshot(point)
                batch.record(item.key, "linked", point_id=point.id, before=snap, after=snap, tracking=None,
                             note=f"new in {plan.to_version}; the shop's point {point.id} has this question",
                             actor=by_rule)
                db.add(PackPoint(tenant_id=tenant_id, pack_id=pack_id, key=item.key, point_id=point.id, base=theirs,
                                 filled_with=used_values(theirs, values), deleted_by_shop=False,
                                 promise=list(item.promise), missing_facts=[], review="", held=False))
            else:
                _add_point(db, batch, tenant_id=tenant_id, pack_id=pack_id, key=item.key, template=theirs,
                           filled=item.after, values=values, promise=list(item.promise), duplicate=item.duplicate,
                           note=f"new in {plan.to_version}", actor=by_rule)
    install.version, install.source, install.name = plan.to_version, plan.source, plan.pack.name
    install.base = plan.pack.base
    install.placeholders, install.pending_conflicts = plan.pack.defaults(), pending
    install.updated_at = utcnow()
    db.flush()
    batch.announce()
    return Applied(pack_id, batch.fields["from_version"], plan.to_version, batch.row.id, dict(batch.counts), pending)


def _apply_conflict(db: Session, batch: _Batch, plan: UpdatePlan, item: KeyPlan, resolution: Resolution | None,
                    *, actor: str) -> None:
    tenant_id, pack_id = batch.tenant_id, batch.pack_id
    row, theirs = plan.rows[item.key], plan.theirs.get(item.key)
    point, tracking = plan.points[item.point_id], _tracking(plan.rows[item.key])
    before = kp.snapshot(point)
    if resolution is None:
        batch.record(item.key, "conflict", point_id=point.id, before=before, after=before, tracking=tracking,
                     note=f"waiting for a decision ({item.reason}: {', '.join(item.conflict_fields)})",
                     actor=f"update:{plan.to_version}")
        return
    how = resolution if isinstance(resolution, str) else "edited"
    final = resolve(item, resolution)
    label = f"{pack_id} {item.key}"
    if item.reason == "upstream_deleted":
        db.delete(row)
        if final is None and _linked_elsewhere(db, tenant_id, point.id, row) is None:
            kp.delete_point(db, tenant_id=tenant_id, point=point)
            batch.record(item.key, "resolved", point_id=point.id, before=before, after=None, tracking=tracking,
                         note="theirs: removed, as the pack did", actor=actor)
            return
        if final is not None and final != item.mine:
            point = kp.write_point(db, tenant_id=tenant_id, point=point, fields=final, label=label)
        note = (f"{how}: kept as the shop's own point (the pack removed it)" if final is not None
                else "theirs: the pack removed it; the point stays, another pack still uses it")
        batch.record(item.key, "resolved", point_id=point.id, before=before, after=kp.snapshot(point),
                     tracking=tracking, note=note, actor=actor)
        return
    if final != item.mine:
        point = kp.write_point(db, tenant_id=tenant_id, point=point, fields=final, label=label)
    row.base, row.filled_with = theirs, used_values(theirs, plan.values)
    row.promise = list(item.promise)
    batch.record(item.key, "resolved", point_id=point.id, before=before, after=kp.snapshot(point),
                 tracking=tracking, note=f"{how} ({', '.join(item.conflict_fields)})", actor=actor)
    settle(db, batch, row, point, plan.values, actor=actor, tracking=tracking)


# --- refill ----------------------------------------------------------------------------------------------

def _refilled(row: PackPoint, mine: Template, values: dict[str, str]) -> Template:
    """The point with every part still as the pack wrote it filled again with values; edited parts as they are."""
    base, was = row.base, row.filled_with or {}
    out = dict(mine)
    for name in TEXT_FIELDS:
        if mine[name] == fill(base[name], was).strip():
            out[name] = fill(base[name], values).strip()
    for name in ("similar", "tags"):
        as_base = {fill(b, was).strip(): b for b in base[name]}
        out[name] = [fill(as_base[m], values).strip() if m in as_base else m for m in mine[name]]
    return clean(out)


def do_refill(db: Session, *, tenant_id: int, actor: str, pack_id: str | None = None) -> list[int]:
    """Fill the shop's current facts into every pack point it has not edited; return the batches written.

    Called when the shop's facts or name change: a point still as the pack wrote it gets the new values, a
    point the shop edited keeps its text (field by field). A point held off for a missing fact is switched on once
    the fact is there (and nothing else is pending); one that now quotes a missing fact is held off.
    """
    batches = []
    for install in list_installs(db, tenant_id=tenant_id):
        if pack_id is not None and install.pack_id != pack_id:
            continue
        values = _values(db, tenant_id, install.placeholders or {})
        rows = _rows(db, tenant_id, install.pack_id)
        points = _points(db, tenant_id, (r.point_id for r in rows.values()))
        batch = _Batch(db, tenant_id=tenant_id, pack_id=install.pack_id, kind="refill",
                       from_version=install.version, to_version=install.version, actor=actor, lazy=True)
        for row in rows.values():
            point = points.get(row.point_id) if row.point_id else None
            if point is None:
                continue
            mine = kp.fields_of(point)
            # A name the installed version no longer declares keeps the value it had.
            now = {**(row.filled_with or {}), **values}
            new = _refilled(row, mine, now)
            tracking = _tracking(row)
            row.filled_with = used_values(row.base, now)
            if new != mine:
                before = kp.snapshot(point)
                kp.write_point(db, tenant_id=tenant_id, point=point, fields=new, label=f"{install.pack_id} {row.key}")
                batch.record(row.key, "refilled", point_id=point.id, before=before, after=kp.snapshot(point),
                             tracking=tracking)
            # The facts that were missing may be there now (or one the shop cleared is gone): switch accordingly.
            settle(db, batch, row, point, now)
        if batch.row is not None:
            batch.announce()
            batches.append(batch.row.id)
    return batches


# --- the owner's review and the to-do list ----------------------------------------------------------------

DECISIONS = ("confirm", "off", "link")


@dataclass
class Waiting:
    """A pack point the shop cannot use yet: for review (a promise, a maybe-duplicate) or to complete (facts)."""

    row: PackPoint
    point: KnowledgePoint
    duplicate_of: KnowledgePoint | None


def list_waiting(db: Session, *, tenant_id: int, pack_id: str = "") -> list[Waiting]:
    """List the shop's pack points waiting for review or for facts, review first, in pack order."""
    q = select(PackPoint).where(PackPoint.tenant_id == tenant_id, PackPoint.point_id.is_not(None),
                                (PackPoint.review != "") | PackPoint.held.is_(True))
    if pack_id:
        q = q.where(PackPoint.pack_id == pack_id)
    rows = list(db.scalars(q.order_by(PackPoint.id)))
    points = _points(db, tenant_id, [r.point_id for r in rows] + [r.linked_to for r in rows])
    out = [Waiting(r, points[r.point_id], points.get(r.linked_to) if r.review == "duplicate" else None)
           for r in rows if r.point_id in points]
    return sorted(out, key=lambda w: not w.row.review)


def do_review(db: Session, *, tenant_id: int, pack_id: str, decisions: dict[str, str], actor: str) -> dict[str, int]:
    """Apply the owner's decisions on pack points waiting for review ({key: confirm | off | link}).

    confirm: the promise is the shop's (or the point is not a duplicate): it goes live once no fact is missing.
    off: the shop does not want it; it stays switched off as the shop's choice. link (a maybe-duplicate): it does
    repeat the shop's point: the pack's copy is deleted and the key linked, so updates never bring it back.
    """
    install = get_install(db, tenant_id=tenant_id, pack_id=pack_id, lock=True)
    rows = _rows(db, tenant_id, pack_id)
    wrong = sorted(k for k, r in ((k, rows.get(k)) for k in decisions) if r is None or not r.review
                   or r.point_id is None)
    if wrong:
        raise KefuError(f"nothing waits for review under {', '.join(wrong[:10])} in {pack_id}", code="not_in_review",
                        status=422)
    bad = sorted(k for k, d in decisions.items()
                 if d not in DECISIONS or (d == "link" and rows[k].review != "duplicate"))
    if bad:
        raise KefuError(f"{', '.join(bad[:10])}: a decision is confirm or off (and link, for a possible duplicate)",
                        code="bad_decision", status=422)
    values = _values(db, tenant_id, install.placeholders or {})
    points = _points(db, tenant_id, [rows[k].point_id for k in decisions])
    batch = _Batch(db, tenant_id=tenant_id, pack_id=pack_id, kind="review", from_version=install.version,
                   to_version=install.version, actor=actor, lazy=True)
    done: Counter[str] = Counter()
    for key, decision in decisions.items():
        row, point = rows[key], points[rows[key].point_id]
        tracking, before = _tracking(row), kp.snapshot(point)
        if decision == "confirm":
            what = "not a duplicate" if row.review == "duplicate" else f"promise confirmed: {', '.join(row.promise)}"
            row.review = "promise" if row.review == "duplicate" and row.promise else ""
            settle(db, None, row, point, values)
            note = what + ("" if point.enabled else "; still off: " + (_hold_note(row.missing_facts, row.review,
                                                                                  row.promise) or "switched off"))
            batch.record(key, "confirmed", point_id=point.id, before=before, after=kp.snapshot(point),
                         tracking=tracking, note=note)
        elif decision == "off":
            row.review, row.held = "", False
            if point.enabled:
                kp.set_enabled(db, tenant_id=tenant_id, point=point, enabled=False)
            batch.record(key, "switched_off", point_id=point.id, before=before, after=kp.snapshot(point),
                         tracking=tracking, note="the shop does not want it: it stays off")
        else:
            shop_point = db.get(KnowledgePoint, row.linked_to) if row.linked_to else None
            if shop_point is None:
                raise KefuError(f"{key}: the shop's point it may repeat is gone; confirm or switch it off",
                                code="link_target_gone", status=409)
            kp.delete_point(db, tenant_id=tenant_id, point=point)
            row.point_id, row.deleted_by_shop, row.review, row.held, row.missing_facts = None, True, "", False, []
            batch.record(key, "linked", point_id=shop_point.id, before=before, after=None, tracking=tracking,
                         note=f"repeats the shop's point {shop_point.id}: the pack's copy is removed, the shop's "
                              "answer wins")
        done[decision] += 1
    db.flush()
    batch.announce()
    return dict(done)


# --- rollback --------------------------------------------------------------------------------------------

def get_batch(db: Session, *, tenant_id: int, batch_id: int) -> PackBatch:
    batch = db.scalar(select(PackBatch).where(PackBatch.id == batch_id, PackBatch.tenant_id == tenant_id))
    if batch is None:
        raise NotFound("pack batch not found")
    return batch


def check_rollback(db: Session, *, tenant_id: int, batch: PackBatch) -> None:
    """Refuse a rollback that would not leave the shop consistent, saying what to do instead."""
    if batch.kind not in ("import", "update"):
        raise KefuError(f"a {batch.kind} cannot be rolled back; only imports and updates can",
                        code="not_rollbackable", status=409)
    if batch.rolled_back_by is not None:
        raise Conflict(f"batch {batch.id} was rolled back already (by batch {batch.rolled_back_by})",
                       code="rolled_back_already")
    # A later import or update still in force sits on this one's result (one already rolled back does not).
    later = db.scalar(select(func.max(PackBatch.id)).where(
        PackBatch.tenant_id == tenant_id, PackBatch.pack_id == batch.pack_id, PackBatch.id > batch.id,
        PackBatch.kind.in_(("import", "update")), PackBatch.rolled_back_by.is_(None)))
    if later is not None:
        raise Conflict(f"{batch.pack_id} changed again later (batch {later}); roll that back first",
                       code="later_batch")
    if batch.kind == "import":
        dependants = [i.pack_id for i in list_installs(db, tenant_id=tenant_id) if i.base == batch.pack_id]
        if dependants:
            raise Conflict(f"{', '.join(dependants)} sits on {batch.pack_id}; roll that import back first",
                           code="pack_has_dependants")


def do_rollback(db: Session, *, tenant_id: int, batch_id: int, actor: str) -> PackBatch:
    """Undo an import or update: every point it touched goes back to how it was before (recreated if deleted
    since), the pack's bookkeeping and installed version too; then today's facts are filled in again."""
    batch = get_batch(db, tenant_id=tenant_id, batch_id=batch_id)
    install = find_install(db, tenant_id=tenant_id, pack_id=batch.pack_id, lock=True)
    check_rollback(db, tenant_id=tenant_id, batch=batch)
    undo = _Batch(db, tenant_id=tenant_id, pack_id=batch.pack_id, kind="rollback", from_version=batch.to_version,
                  to_version=batch.from_version, actor=actor, install_before=_install_state(install),
                  rolls_back=batch.id)
    batch.rolled_back_by = undo.row.id
    changes = list(db.scalars(select(PackChange).where(PackChange.batch_id == batch.id)
                              .order_by(PackChange.id.desc())))
    rows = _rows(db, tenant_id, batch.pack_id)
    for ch in changes:
        row = rows.get(ch.key)
        # The point the change touched; a later rollback may have recreated it under a new id the key now tracks.
        point = _points(db, tenant_id, [ch.point_id]).get(ch.point_id)
        if point is None and row is not None and row.point_id is not None:
            point = _points(db, tenant_id, [row.point_id]).get(row.point_id)
        label = f"{batch.pack_id} {ch.key} (rollback)"
        before_now, tracking_now = kp.snapshot(point), _tracking(row)
        restored_id = point.id if point else None
        if ch.before is None and ch.after is not None:  # created by the batch: remove it (unless shared since)
            if point is not None and _linked_elsewhere(db, tenant_id, point.id, row) is None:
                kp.delete_point(db, tenant_id=tenant_id, point=point)
            restored_id = None
        elif ch.before is not None and ch.before != ch.after:  # changed or deleted by the batch: put it back
            point = kp.restore_point(db, tenant_id=tenant_id, point=point, saved=ch.before, label=label)
            restored_id = point.id
        after_now = kp.snapshot(db.get(KnowledgePoint, restored_id)) if restored_id else None
        _restore_tracking(db, tenant_id, batch.pack_id, ch.key, row, ch.tracking, restored_id, rows)
        if before_now != after_now or tracking_now != ch.tracking:
            undo.record(ch.key, "rolled_back", point_id=restored_id or ch.point_id, before=before_now,
                        after=after_now, tracking=tracking_now, note=f"undid {ch.action} of batch {batch.id}")
    _restore_install(db, tenant_id, batch, install)
    db.flush()
    undo.announce()
    if find_install(db, tenant_id=tenant_id, pack_id=batch.pack_id) is not None:
        do_refill(db, tenant_id=tenant_id, actor=actor, pack_id=batch.pack_id)
    return undo.row


def _restore_tracking(db: Session, tenant_id: int, pack_id: str, key: str, row: PackPoint | None,
                      saved: dict | None, point_id: int | None, rows: dict[str, PackPoint]) -> None:
    if saved is None:
        if row is not None:
            db.delete(row)
            rows.pop(key, None)
        return
    if row is None:
        row = PackPoint(tenant_id=tenant_id, pack_id=pack_id, key=key)
        db.add(row)
        rows[key] = row
    if point_id is None and saved.get("point_id") is not None:
        exists = db.get(KnowledgePoint, saved["point_id"])
        point_id = saved["point_id"] if exists is not None and exists.tenant_id == tenant_id else None
    row.point_id, row.base, row.filled_with = point_id, saved["base"], saved.get("filled_with") or {}
    row.deleted_by_shop = point_id is None
    row.held, row.review = bool(saved.get("held")) and point_id is not None, saved.get("review") or ""
    row.missing_facts, row.promise = saved.get("missing_facts") or [], saved.get("promise") or []
    linked = saved.get("linked_to")
    exists = db.get(KnowledgePoint, linked) if linked is not None else None
    row.linked_to = linked if exists is not None and exists.tenant_id == tenant_id else None
    row.link_score = saved.get("link_score")


def _restore_install(db: Session, tenant_id: int, batch: PackBatch, install: PackInstall | None) -> None:
    saved = batch.install_before
    if saved is None:
        if install is not None:
            db.delete(install)
        return
    if install is None:
        install = PackInstall(tenant_id=tenant_id, pack_id=batch.pack_id, auto_update=False)
        db.add(install)
    install.version, install.source, install.name = saved["version"], saved["source"], saved.get("name", "")
    install.base = saved.get("base")
    install.placeholders = saved.get("placeholders") or {}
    install.pending_conflicts = saved.get("pending_conflicts") or []
    install.updated_at = utcnow()


# --- auto-update -----------------------------------------------------------------------------------------

def do_set_auto_update(db: Session, *, tenant_id: int, pack_id: str, enabled: bool) -> PackInstall:
    """Let (or stop) `run_auto_updates` apply new versions of this pack by itself."""
    install = get_install(db, tenant_id=tenant_id, pack_id=pack_id)
    install.auto_update = enabled
    return install


@dataclass
class AutoOutcome:
    tenant_id: int
    pack_id: str
    from_version: str
    to_version: str | None = None
    batch_id: int | None = None
    pending_conflicts: list[str] = field(default_factory=list)
    error: str = ""


def run_auto_updates(db: Session, *, tenant_id: int | None = None, catalog: Catalog | None = None
                     ) -> list[AutoOutcome]:
    """Update every pack whose shop turned auto-update on and that has a newer version; commit each separately.

    Untouched points follow the new version, edits are kept and conflicts are left pending for the shop.
    One pack failing (a pack server down) is reported and does not stop the others.
    """
    catalog = catalog or catalog_for(db)
    q = select(PackInstall.tenant_id, PackInstall.pack_id, PackInstall.version).where(
        PackInstall.auto_update.is_(True)).order_by(PackInstall.tenant_id, PackInstall.id)
    if tenant_id is not None:
        q = q.where(PackInstall.tenant_id == tenant_id)
    outcomes = []
    for tid, pid, installed in db.execute(q).all():
        outcome = AutoOutcome(tid, pid, installed)
        outcomes.append(outcome)
        try:
            latest = catalog.latest(pid)
            if version_key(latest) <= version_key(installed):
                continue
            applied = do_apply_update(db, tenant_id=tid, pack_id=pid, version=latest, actor="auto", catalog=catalog)
            commit(db)
            outcome.to_version, outcome.batch_id = applied.to_version, applied.batch_id
            outcome.pending_conflicts = applied.pending_conflicts
        except KefuError as exc:
            db.rollback()
            outcome.error = exc.message
            log.warning("auto-update of %s for shop %s failed: %s", pid, tid, exc.message)
    return outcomes


def mark_deleted_by_shop(db: Session, *, tenant_id: int) -> None:
    """Flag the pack points whose knowledge point the shop deleted (the foreign key only cleared point_id)."""
    db.execute(update(PackPoint).where(PackPoint.tenant_id == tenant_id, PackPoint.point_id.is_(None),
                                       PackPoint.deleted_by_shop.is_(False)).values(deleted_by_shop=True))
