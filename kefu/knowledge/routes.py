"""Routes to list, search, add, edit and delete knowledge points."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from kefu.knowledge import actions
from kefu.knowledge.schemas import KnowledgeIn, KnowledgeOut, KnowledgePage
from kefu.web.deps import Admin, DbDep, Staff

router = APIRouter(prefix="/api/v1/knowledge", tags=["knowledge"])


@router.get("", response_model=KnowledgePage)
def list_points(
    principal: Staff, db: DbDep,
    search: str = Query("", max_length=200),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> KnowledgePage:
    """List the shop's knowledge points, newest first; search looks in question, answer and category."""
    rows, total = actions.list_points(db, tenant_id=principal.tenant_id, search=search.strip(),
                                      limit=limit, offset=offset)
    return KnowledgePage(items=[KnowledgeOut.model_validate(r) for r in rows], total=total)


@router.post("", response_model=KnowledgeOut, status_code=201)
def create_point(body: KnowledgeIn, principal: Admin, db: DbDep) -> KnowledgeOut:
    """Add a knowledge point; the bot uses it from the next question on."""
    return KnowledgeOut.model_validate(actions.do_create_point(db, tenant_id=principal.tenant_id, data=body))


@router.get("/{point_id}", response_model=KnowledgeOut)
def get_point(point_id: int, principal: Staff, db: DbDep) -> KnowledgeOut:
    return KnowledgeOut.model_validate(actions.get_point(db, tenant_id=principal.tenant_id, point_id=point_id))


@router.put("/{point_id}", response_model=KnowledgeOut)
def update_point(point_id: int, body: KnowledgeIn, principal: Admin, db: DbDep) -> KnowledgeOut:
    point = actions.do_update_point(db, tenant_id=principal.tenant_id, point_id=point_id, data=body)
    return KnowledgeOut.model_validate(point)


@router.delete("/{point_id}", status_code=204)
def delete_point(point_id: int, principal: Admin, db: DbDep) -> Response:
    actions.do_delete_point(db, tenant_id=principal.tenant_id, point_id=point_id)
    return Response(status_code=204)
