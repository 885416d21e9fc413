"""Read and write the shop's knowledge points a pack stands behind, through kefu.knowledge.actions."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from kefu.errors import KefuError
from kefu.knowledge import actions as kb
from kefu.knowledge.models import KnowledgePoint
from kefu.knowledge.schemas import KnowledgeIn
from kefu.packs.fill import Template

# Columns a pack never sets: an update keeps the shop's choice (a point it disabled stays disabled).
SHOP_COLUMNS = ("enabled", "valid_from", "valid_to", "image_url", "link_url", "buttons")


def fields_of(point: KnowledgePoint) -> Template:
    """The point's pack-managed fields, in template shape."""
    return {"category": point.category or "", "question": point.question,
            "similar": list(point.similar_questions or []), "answer": point.answer, "tags": list(point.tags or [])}


def snapshot(point: KnowledgePoint | None) -> dict[str, Any] | None:
    """The whole point as JSON (what a change records, and what a rollback restores)."""
    if point is None:
        return None
    data = {name: getattr(point, name) for name in KnowledgeIn.model_fields}
    return {"id": point.id, **KnowledgeIn.model_validate(data).model_dump(mode="json")}


def to_api(template: Template | None) -> dict[str, Any] | None:
    """A template as the knowledge API names its fields (similar → similar_questions)."""
    if template is None:
        return None
    return {"category": template["category"], "question": template["question"],
            "similar_questions": template["similar"], "answer": template["answer"], "tags": template["tags"]}


def _data(fields: dict[str, Any], label: str) -> KnowledgeIn:
    try:
        return KnowledgeIn.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'point'}: {e['msg']}" for e in exc.errors()[:3])
        raise KefuError(f"{label}: {problems}", code="invalid_point", status=422) from exc


def check_fields(fields: Template, label: str) -> KnowledgeIn:
    """Refuse a point the knowledge base would refuse (too long, blank …), naming it."""
    return _data({"category": fields["category"], "question": fields["question"],
                  "similar_questions": fields["similar"], "answer": fields["answer"], "tags": fields["tags"]}, label)


def write_point(db: Session, *, tenant_id: int, point: KnowledgePoint | None, fields: Template,
                label: str, enabled: bool = True) -> KnowledgePoint:
    """Create a point with these fields (switched on or off), or set them on an existing one (keeping its other
    columns, enabled included)."""
    data = check_fields(fields, label)
    if point is None:
        return kb.do_create_point(db, tenant_id=tenant_id, data=data.model_copy(update={"enabled": enabled}))
    kept = {name: getattr(point, name) for name in SHOP_COLUMNS}
    data = _data({**data.model_dump(), **kept}, label)
    return kb.do_update_point(db, tenant_id=tenant_id, point_id=point.id, data=data)


def set_enabled(db: Session, *, tenant_id: int, point: KnowledgePoint, enabled: bool) -> KnowledgePoint:
    """Switch a point on or off, changing nothing else."""
    saved = snapshot(point)
    return restore_point(db, tenant_id=tenant_id, point=point, saved={**saved, "enabled": enabled},
                         label=f"point {point.id}")


def restore_point(db: Session, *, tenant_id: int, point: KnowledgePoint | None, saved: dict[str, Any],
                  label: str) -> KnowledgePoint:
    """Put a recorded snapshot back: over the point if it still exists, else as a new point."""
    data = _data({k: v for k, v in saved.items() if k != "id"}, label)
    if point is None:
        return kb.do_create_point(db, tenant_id=tenant_id, data=data)
    return kb.do_update_point(db, tenant_id=tenant_id, point_id=point.id, data=data)


def delete_point(db: Session, *, tenant_id: int, point: KnowledgePoint) -> None:
    kb.do_delete_point(db, tenant_id=tenant_id, point_id=point.id)
    db.flush()  # the pack_points row's point_id turns NULL in the database now, not at commit
