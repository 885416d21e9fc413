"""The unanswered-questions report and the three things a shop does with a group: a new point, more ways to ask
an existing one, or ignore it (remembered)."""

from __future__ import annotations

import datetime as dt

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kefu.bot.index import KnowledgeIndex
from kefu.conversations.models import Message
from kefu.errors import Conflict, KefuError, NotFound
from kefu.knowledge.actions import do_create_point, do_update_point
from kefu.knowledge.models import KnowledgePoint
from kefu.knowledge.schemas import KnowledgeIn, KnowledgeOut
from kefu.learning.cluster import EXAMPLES, REPLIES, Group, TextSpace, display, fingerprint, group
from kefu.learning.collect import collect, day_bounds, shop_zone
from kefu.learning.models import LearningDecision
from kefu.learning.schemas import (
    AddToPointIn,
    AgentReply,
    Example,
    NewPointIn,
    PointRef,
    UnansweredGroup,
    UnansweredReport,
)
from kefu.learning.suggest import boilerplate, decided_alike, draft_answer, suggest_points
from kefu.tenants.models import Tenant

DEFAULT_DAYS = 30


def default_range(tenant: Tenant, first: dt.date | None, last: dt.date | None) -> tuple[dt.date, dt.date]:
    """The range asked for; the last DEFAULT_DAYS days up to today (in the shop's zone) where a side is missing."""
    last = last or dt.datetime.now(shop_zone(tenant)).date()
    return first or last - dt.timedelta(days=DEFAULT_DAYS - 1), last


def analyse(db: Session, *, tenant_id: int, index: KnowledgeIndex, first: dt.date | None = None,
            last: dt.date | None = None) -> tuple[list[Group], dict]:
    """The groups of missed questions of the range not decided yet, ranked, and facts about the run."""
    tenant = db.get(Tenant, tenant_id)
    zone = shop_zone(tenant)
    first, last = default_range(tenant, first, last)
    start, end = day_bounds(first, last, zone)
    decisions = list(db.scalars(select(LearningDecision).where(LearningDecision.tenant_id == tenant_id)))
    decided = {i for d in decisions for i in d.message_ids or ()}
    items = [i for i in collect(db, tenant_id=tenant_id, start=start, end=end) if i.message_id not in decided]
    matcher = index.get(db, tenant_id)
    space = TextSpace(index.embedder, getattr(matcher, "tokenizer", None))
    groups = group(items, space)
    ignored = [d.texts for d in decisions if d.decision == "ignored"]
    shown = [g for g in groups if not decided_alike(g, ignored, space)]
    facts = {"from": first, "to": last, "timezone": zone.key, "questions": len(items),
             "hidden": len(groups) - len(shown), "matcher": matcher, "space": space}
    return shown, facts


def unanswered(db: Session, *, tenant_id: int, index: KnowledgeIndex, first: dt.date | None = None,
               last: dt.date | None = None, limit: int = 50) -> UnansweredReport:
    """The report: groups ranked by customers, with examples, agents' replies, a draft and suggested points."""
    groups, facts = analyse(db, tenant_id=tenant_id, index=index, first=first, last=last)
    return describe(groups, facts, limit)


def describe(groups: list[Group], facts: dict, limit: int = 50) -> UnansweredReport:
    """The report of analysed groups: the first `limit` with examples, replies, a draft and suggested points."""
    generic = boilerplate(groups)
    out = []
    for g in groups[:limit]:
        out.append(UnansweredGroup(
            id=g.fingerprint, question=g.name, customers=g.customers, messages=len(g.items), reasons=g.reasons,
            questions=g.texts[:50],
            examples=[Example(message_id=i.message_id, conversation_id=i.conversation_id, text=i.text, at=i.at,
                              reasons=i.reasons) for i in g.items[-EXAMPLES:][::-1]],
            message_ids=g.message_ids,
            agent_replies=[AgentReply(text=t, count=n) for t, n in g.agent_replies[:REPLIES]],
            draft_answer=draft_answer(g, facts["space"], generic),
            suggested_points=[PointRef(id=s.point_id, question=s.question, score=s.score)
                              for s in suggest_points(g, facts["matcher"])]))
    return UnansweredReport(**{"from": facts["from"]}, to=facts["to"], timezone=facts["timezone"],
                            questions=facts["questions"], hidden=facts["hidden"], total_groups=len(groups),
                            groups=out)


# --- decisions ------------------------------------------------------------------------------------------------

def _members(db: Session, tenant_id: int, message_ids: list[int]) -> list[Message]:
    """The shop's customer messages with these ids; 404 when any is missing (or another shop's)."""
    rows = list(db.scalars(select(Message).where(Message.tenant_id == tenant_id, Message.id.in_(message_ids),
                                                 Message.sender == "customer").order_by(Message.id)))
    if len(rows) != len(message_ids):
        missing = sorted(set(message_ids) - {m.id for m in rows})
        raise NotFound(f"no customer message {missing[0]} in this shop" + (
            f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""), code="message_not_found")
    return rows


def _questions(messages: list[Message]) -> list[str]:
    return list(dict.fromkeys(q for q in (display(m.text) for m in messages) if q))


def _decide(db: Session, *, tenant_id: int, messages: list[Message], decision: str, question: str,
            point_id: int | None, user_id: int | None) -> LearningDecision:
    """Record the decision; 409 when the group (or one of its questions) was decided already, by anyone."""
    ids = [m.id for m in messages]
    taken = set(ids) & {i for row in db.scalars(select(LearningDecision.message_ids).where(
        LearningDecision.tenant_id == tenant_id)) for i in row or ()}
    if taken:
        raise Conflict(f"{len(taken)} of these questions were decided already (reload the list)",
                       code="already_decided")
    row = LearningDecision(tenant_id=tenant_id, fingerprint=fingerprint(ids), decision=decision,
                           question=question[:500], message_ids=ids, texts=_questions(messages)[:50],
                           point_id=point_id, decided_by=user_id)
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError as exc:  # another owner decided the same group a moment ago
        raise Conflict("this group was decided a moment ago by someone else (reload the list)",
                       code="already_decided") from exc
    return row


def _knowledge_in(**fields) -> KnowledgeIn:
    try:
        return KnowledgeIn(**fields)
    except ValidationError as exc:
        problem = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
        raise KefuError(problem, code="invalid_point", status=422) from exc


def do_create_from_group(db: Session, *, tenant_id: int, data: NewPointIn, user_id: int | None = None
                         ) -> tuple[LearningDecision, KnowledgePoint]:
    """Make a new knowledge point of the group: the owner's question and answer, its questions as similar ones."""
    messages = _members(db, tenant_id, data.message_ids)
    similar = data.similar_questions if data.similar_questions is not None else _questions(messages)
    fields = _knowledge_in(question=data.question, answer=data.answer, category=data.category,
                           similar_questions=[q for q in similar if q.strip() != data.question.strip()])
    decision = _decide(db, tenant_id=tenant_id, messages=messages, decision="created", question=fields.question,
                       point_id=None, user_id=user_id)
    point = do_create_point(db, tenant_id=tenant_id, data=fields)
    decision.point_id = point.id
    return decision, point


def do_add_to_point(db: Session, *, tenant_id: int, data: AddToPointIn, user_id: int | None = None
                    ) -> tuple[LearningDecision, KnowledgePoint]:
    """Add the group's questions to an existing point as similar questions (those it has already are skipped)."""
    messages = _members(db, tenant_id, data.message_ids)
    point = db.scalar(select(KnowledgePoint).where(KnowledgePoint.id == data.point_id,
                                                   KnowledgePoint.tenant_id == tenant_id).with_for_update())
    if point is None:
        raise NotFound("the knowledge point is gone (deleted meanwhile?): pick another or make a new one",
                       code="point_not_found")
    asked = data.questions if data.questions is not None else _questions(messages)
    have = {point.question, *(point.similar_questions or ())}
    merged = [*(point.similar_questions or ()), *(q.strip() for q in asked if q.strip() and q.strip() not in have)]
    current = KnowledgeOut.model_validate(point).model_dump(exclude={"id", "created_at", "updated_at"})
    fields = _knowledge_in(**{**current, "similar_questions": list(dict.fromkeys(merged))})
    decision = _decide(db, tenant_id=tenant_id, messages=messages, decision="added", question=point.question,
                       point_id=point.id, user_id=user_id)
    return decision, do_update_point(db, tenant_id=tenant_id, point_id=point.id, data=fields)


def do_ignore(db: Session, *, tenant_id: int, message_ids: list[int], user_id: int | None = None
              ) -> LearningDecision:
    """Ignore the group: its questions, and later ones meaning the same, are not listed again."""
    messages = _members(db, tenant_id, message_ids)
    name = _questions(messages)[:1] or [""]
    return _decide(db, tenant_id=tenant_id, messages=messages, decision="ignored", question=name[0], point_id=None,
                   user_id=user_id)
