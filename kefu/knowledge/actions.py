"""Read and change a shop's knowledge points; every change marks the shop's matching index stale."""

from __future__ import annotations

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from kefu.errors import Conflict, NotFound
from kefu.knowledge.models import KnowledgePoint
from kefu.knowledge.schemas import KnowledgeIn
from kefu.tenants.models import Tenant


def _bump_version(db: Session, tenant_id: int) -> None:
    db.execute(update(Tenant).where(Tenant.id == tenant_id).values(kb_version=Tenant.kb_version + 1))


def check_unique_question(db: Session, *, tenant_id: int, question: str, exclude_id: int | None = None) -> None:
    q = select(KnowledgePoint.id).where(KnowledgePoint.tenant_id == tenant_id, KnowledgePoint.question == question)
    if exclude_id is not None:
        q = q.where(KnowledgePoint.id != exclude_id)
    if db.scalar(q):
        raise Conflict(f"a knowledge point with the question {question!r} exists", code="duplicate_question")


def get_point(db: Session, *, tenant_id: int, point_id: int) -> KnowledgePoint:
    point = db.scalar(
        select(KnowledgePoint).where(KnowledgePoint.id == point_id, KnowledgePoint.tenant_id == tenant_id)
    )
    if point is None:
        raise NotFound("knowledge point not found")
    return point


def list_points(
    db: Session, *, tenant_id: int, search: str = "", limit: int = 50, offset: int = 0
) -> tuple[list[KnowledgePoint], int]:
    """Return one page of the shop's points (newest first) matching search, and the total."""
    cond = [KnowledgePoint.tenant_id == tenant_id]
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        cond.append(or_(
            KnowledgePoint.question.ilike(like, escape="\\"),
            KnowledgePoint.answer.ilike(like, escape="\\"),
            KnowledgePoint.category.ilike(like, escape="\\"),
        ))
    total = db.scalar(select(func.count()).select_from(KnowledgePoint).where(*cond))
    rows = db.scalars(
        select(KnowledgePoint).where(*cond).order_by(KnowledgePoint.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), total


def enabled_points(db: Session, *, tenant_id: int) -> list[KnowledgePoint]:
    return list(db.scalars(
        select(KnowledgePoint).where(KnowledgePoint.tenant_id == tenant_id, KnowledgePoint.enabled.is_(True))
        .order_by(KnowledgePoint.id)
    ))


def do_create_point(db: Session, *, tenant_id: int, data: KnowledgeIn) -> KnowledgePoint:
    check_unique_question(db, tenant_id=tenant_id, question=data.question)
    point = KnowledgePoint(tenant_id=tenant_id, **data.model_dump())
    db.add(point)
    db.flush()
    _bump_version(db, tenant_id)
    return point


def do_update_point(db: Session, *, tenant_id: int, point_id: int, data: KnowledgeIn) -> KnowledgePoint:
    point = get_point(db, tenant_id=tenant_id, point_id=point_id)
    check_unique_question(db, tenant_id=tenant_id, question=data.question, exclude_id=point_id)
    for field, value in data.model_dump().items():
        setattr(point, field, value)
    db.flush()
    _bump_version(db, tenant_id)
    return point


def do_delete_point(db: Session, *, tenant_id: int, point_id: int) -> None:
    point = get_point(db, tenant_id=tenant_id, point_id=point_id)
    db.delete(point)
    _bump_version(db, tenant_id)
