"""Routes for the unanswered-questions report and the decisions a shop takes on its groups."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query, Request

from kefu.access import Admin, DbDep
from kefu.audit.actions import record
from kefu.knowledge.schemas import KnowledgeOut
from kefu.learning import actions
from kefu.learning.schemas import AddToPointIn, DecisionOut, DecisionResult, GroupIn, NewPointIn, UnansweredReport

router = APIRouter(prefix="/api/v1/reports/unanswered", tags=["learning"])


def _user_id(principal) -> int | None:
    return principal.user.id if principal.user is not None else None


@router.get("", response_model=UnansweredReport, response_model_by_alias=True)
def unanswered(
    request: Request, principal: Admin, db: DbDep,
    first: dt.date | None = Query(None, alias="from", description="First day (YYYY-MM-DD, the shop's time zone); "
                                  "default: 29 days before 'to'."),
    last: dt.date | None = Query(None, alias="to", description="Last day, included; default: today."),
    limit: int = Query(50, ge=1, le=500, description="Groups returned (the most asked first)."),
) -> UnansweredReport:
    """The questions the bot did not answer well (fallbacks, options not picked, answers followed by a handoff
    or a low rating, questions agents answered), grouped by meaning and ranked by how many customers asked."""
    return actions.unanswered(db, tenant_id=principal.tenant_id, index=request.app.state.bot.index, first=first,
                              last=last, limit=limit)


@router.post("/new-point", response_model=DecisionResult, status_code=201)
def new_point(body: NewPointIn, principal: Admin, db: DbDep) -> DecisionResult:
    """Make a group a new knowledge point: its question and answer as edited, its questions as similar ones."""
    decision, point = actions.do_create_from_group(db, tenant_id=principal.tenant_id, data=body,
                                                   user_id=_user_id(principal))
    record(db, principal, "learning.point_created", ("knowledge_point", point.id), questions=len(body.message_ids))
    return DecisionResult(decision=DecisionOut.model_validate(decision), point=KnowledgeOut.model_validate(point))


@router.post("/add-to-point", response_model=DecisionResult)
def add_to_point(body: AddToPointIn, principal: Admin, db: DbDep) -> DecisionResult:
    """Add a group's questions to an existing knowledge point as similar questions."""
    decision, point = actions.do_add_to_point(db, tenant_id=principal.tenant_id, data=body,
                                              user_id=_user_id(principal))
    record(db, principal, "learning.added_to_point", ("knowledge_point", point.id), questions=len(body.message_ids))
    return DecisionResult(decision=DecisionOut.model_validate(decision), point=KnowledgeOut.model_validate(point))


@router.post("/ignore", response_model=DecisionResult)
def ignore(body: GroupIn, principal: Admin, db: DbDep) -> DecisionResult:
    """Ignore a group: it is not listed again, nor are later questions meaning the same."""
    decision = actions.do_ignore(db, tenant_id=principal.tenant_id, message_ids=body.message_ids,
                                 user_id=_user_id(principal))
    record(db, principal, "learning.ignored", None, questions=len(body.message_ids))
    return DecisionResult(decision=DecisionOut.model_validate(decision))
