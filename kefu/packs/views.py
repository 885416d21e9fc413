"""Read packs for the API and the CLI: the pack list with the shop's copies, previews, history."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.errors import KefuError
from kefu.packs import actions
from kefu.packs.merge import KeyPlan
from kefu.packs.models import PackBatch, PackChange
from kefu.packs.packfile import PackSummary, version_key
from kefu.packs.points import fields_of, to_api
from kefu.packs.schemas import (
    BatchOut,
    ChangeOut,
    ChangePage,
    DuplicateOut,
    FactOut,
    FieldOut,
    ImportedOut,
    ImportPlanOut,
    ImportPreviewOut,
    PackList,
    PackOut,
    PlanItemOut,
    PointPlanOut,
    PreviewOut,
    SourceOut,
    TodoOut,
    WaitingOut,
)
from kefu.packs.sources import Catalog
from kefu.tenants.models import User

API_FIELD = {"similar": "similar_questions"}


def list_packs(db: Session, *, tenant_id: int, catalog: Catalog | None = None) -> PackList:
    """Every pack the sources offer (and any the shop has that they no longer do), with the shop's copy."""
    catalog = catalog or actions.catalog_for(db)
    entries = catalog.entries()
    installs = {i.pack_id: i for i in actions.list_installs(db, tenant_id=tenant_id)}
    items = []
    for pack_id in sorted(entries.keys() | installs.keys()):
        entry, install = entries.get(pack_id), installs.get(pack_id)
        summary = entry.summary if entry else PackSummary(
            id=pack_id, name=install.name, version=install.version, versions=[install.version], language="",
            points=0, similar_questions=0, base=install.base)
        out = PackOut(**summary.model_dump())
        if install is not None:
            out.installed_version, out.auto_update = install.version, install.auto_update
            out.installed_from, out.pending_conflicts = install.source, list(install.pending_conflicts or [])
            out.installed_at, out.updated_at = install.installed_at, install.updated_at
            out.update_available = version_key(summary.version) > version_key(install.version)
        items.append(out)
    return PackList(items=items, sources=[SourceOut(**vars(s)) for s in catalog.status], problems=catalog.problems)


def _field(value):
    return list(value) if isinstance(value, list) else value


def duplicate_out(d) -> DuplicateOut | None:
    return None if d is None else DuplicateOut(point_id=d.point_id, question=d.question, score=d.score, sure=d.sure)


def facts_out(facts) -> list[FactOut]:
    return [FactOut(**vars(f)) for f in facts]


def imported(done: actions.Imported) -> ImportedOut:
    return ImportedOut(**{**vars(done), "facts": facts_out(done.facts)})


def import_preview(db: Session, *, tenant_id: int, pack_id: str, version: str | None = None,
                   catalog: Catalog | None = None) -> ImportPreviewOut:
    out = []
    for plan in actions.preview_import(db, tenant_id=tenant_id, pack_id=pack_id, version=version, catalog=catalog):
        items = [PointPlanOut(key=p.key, question=p.question, state=p.state, action=p.action,
                              missing_facts=p.missing_facts, promise=p.promise, point_id=p.point_id,
                              duplicate=duplicate_out(p.duplicate)) for p in plan.points if p.state != "live"]
        out.append(ImportPlanOut(pack_id=plan.pack.id, name=plan.pack.name, version=plan.pack.version,
                                 source=plan.source, points=len(plan.points), counts=plan.counts(),
                                 facts=facts_out(plan.facts), items=items))
    return ImportPreviewOut(packs=out)


def todo(db: Session, *, tenant_id: int, pack_id: str = "") -> TodoOut:
    """The pack points waiting for the owner's review, and those waiting for facts."""
    review, to_complete, missing = [], [], Counter()
    for w in actions.list_waiting(db, tenant_id=tenant_id, pack_id=pack_id):
        r, p = w.row, w.point
        item = WaitingOut(pack_id=r.pack_id, key=r.key, point_id=p.id, question=p.question, answer=p.answer,
                          enabled=p.enabled, review=r.review, promise=list(r.promise or []),
                          missing_facts=list(r.missing_facts or []),
                          duplicate_of=to_api(fields_of(w.duplicate_of)) if w.duplicate_of else None,
                          duplicate_point_id=w.duplicate_of.id if w.duplicate_of else None,
                          score=r.link_score if r.review == "duplicate" else None)
        (review if r.review else to_complete).append(item)
        missing.update(r.missing_facts or [])
    return TodoOut(review=review, to_complete=to_complete, missing_facts=dict(sorted(missing.items())))


def plan_item(item: KeyPlan) -> PlanItemOut:
    return PlanItemOut(
        key=item.key, action=item.action, reason=item.reason, point_id=item.point_id,
        link_point_id=item.link_point_id, duplicate=duplicate_out(item.duplicate),
        missing_facts=list(item.missing_facts), promise=list(item.promise), upstream_changed=item.upstream_changed,
        conflict_fields=[API_FIELD.get(f, f) for f in item.conflict_fields],
        fields={API_FIELD.get(name, name): FieldOut(status=f.status, base=_field(f.base), mine=_field(f.mine),
                                                     theirs=_field(f.theirs), result=_field(f.result))
                for name, f in item.fields.items()},
        mine=to_api(item.mine), theirs=to_api(item.theirs), after=to_api(item.after))


def preview(db: Session, *, tenant_id: int, pack_id: str, version: str | None = None,
            catalog: Catalog | None = None) -> PreviewOut:
    plan = actions.preview_update(db, tenant_id=tenant_id, pack_id=pack_id, version=version, catalog=catalog)
    return PreviewOut(pack_id=pack_id, from_version=plan.from_version, to_version=plan.to_version,
                      update_available=version_key(plan.to_version) > version_key(plan.from_version),
                      counts=plan.counts(), items=[plan_item(i) for i in plan.listed()], facts=facts_out(plan.facts))


def _names(db: Session, tenant_id: int, actors) -> dict[str, str]:
    ids = {int(a.split(":", 1)[1]) for a in actors if a.startswith("user:") and a[5:].isdigit()}
    if not ids:
        return {}
    rows = db.execute(select(User.id, User.name, User.email).where(User.tenant_id == tenant_id, User.id.in_(ids)))
    return {f"user:{uid}": name or email for uid, name, email in rows}


def list_batches(db: Session, *, tenant_id: int, pack_id: str = "", batch_id: int | None = None, limit: int = 50,
                 offset: int = 0) -> list[BatchOut]:
    """The shop's imports, updates, refills and rollbacks, newest first, with what each did."""
    q = select(PackBatch).where(PackBatch.tenant_id == tenant_id)
    if pack_id:
        q = q.where(PackBatch.pack_id == pack_id)
    if batch_id is not None:
        q = q.where(PackBatch.id == batch_id)
    batches = list(db.scalars(q.order_by(PackBatch.id.desc()).limit(limit).offset(offset)))
    counts: dict[int, Counter] = {b.id: Counter() for b in batches}
    if batches:
        rows = db.execute(select(PackChange.batch_id, PackChange.action, func.count())
                          .where(PackChange.tenant_id == tenant_id, PackChange.batch_id.in_(counts))
                          .group_by(PackChange.batch_id, PackChange.action))
        for bid, action, n in rows:
            counts[bid][action] = n
    names = _names(db, tenant_id, {b.actor for b in batches})
    out = []
    for b in batches:
        try:
            actions.check_rollback(db, tenant_id=tenant_id, batch=b)
            why_not = ""
        except KefuError as exc:
            why_not = exc.message
        out.append(BatchOut(id=b.id, pack_id=b.pack_id, kind=b.kind, from_version=b.from_version,
                            to_version=b.to_version, actor=b.actor, actor_name=names.get(b.actor, ""),
                            created_at=b.created_at, counts=dict(counts[b.id]), rolls_back=b.rolls_back,
                            rolled_back_by=b.rolled_back_by, can_rollback=not why_not, why_not=why_not))
    return out


def list_changes(db: Session, *, tenant_id: int, pack_id: str = "", batch_id: int | None = None, key: str = "",
                 limit: int = 100, offset: int = 0) -> ChangePage:
    """Every recorded change to the shop's pack points, newest first."""
    cond = [PackChange.tenant_id == tenant_id]
    if pack_id:
        cond.append(PackChange.pack_id == pack_id)
    if batch_id is not None:
        cond.append(PackChange.batch_id == batch_id)
    if key:
        cond.append(PackChange.key == key)
    total = db.scalar(select(func.count()).select_from(PackChange).where(*cond))
    rows = list(db.scalars(select(PackChange).where(*cond).order_by(PackChange.id.desc()).limit(limit)
                           .offset(offset)))
    names = _names(db, tenant_id, {c.actor for c in rows})
    return ChangePage(total=total, items=[
        ChangeOut(id=c.id, batch_id=c.batch_id, pack_id=c.pack_id, from_version=c.from_version,
                  to_version=c.to_version, key=c.key, action=c.action, point_id=c.point_id, before=c.before,
                  after=c.after, note=c.note, actor=c.actor, actor_name=names.get(c.actor, ""),
                  created_at=c.created_at) for c in rows])
