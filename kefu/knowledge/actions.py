"""Read and change a shop's knowledge points; every change marks the shop's matching index stale."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import String, and_, cast, column, exists, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from kefu.db import utcnow
from kefu.errors import Conflict, NotFound
from kefu.knowledge.models import KnowledgePoint, Term
from kefu.knowledge.schemas import CategoryNode, CategoryTree, KnowledgeIn, TermIn, clean_category
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


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _json_text_like(text: str) -> str:
    """A LIKE pattern finding text inside a JSON list column as stored (kefu.db.JSON_SERIALIZER: quotes and
    backslashes escaped, other characters as they are)."""
    return _like(json.dumps(text, ensure_ascii=False)[1:-1])


def _has_tag(db: Session, tag: str):
    """A condition: the point's tags list contains tag exactly."""
    if db.get_bind().dialect.name == "postgresql":
        return cast(KnowledgePoint.tags, JSONB).contains([tag])
    items = func.json_each(KnowledgePoint.tags).table_valued("value")
    return exists(select(literal(1)).select_from(items).where(column("value") == tag))


def list_points(
    db: Session, *, tenant_id: int, search: str = "", category: str = "", tag: str = "", limit: int = 50,
    offset: int = 0,
) -> tuple[list[KnowledgePoint], int]:
    """Return one page of the shop's points (newest first) and the total.

    search looks in question, answer, category, similar questions and tags; category keeps the points in that
    category and below it; tag keeps the points carrying that tag.
    """
    cond = [KnowledgePoint.tenant_id == tenant_id]
    if search:
        like, json_like = _like(search), _json_text_like(search)
        cond.append(or_(
            KnowledgePoint.question.ilike(like, escape="\\"),
            KnowledgePoint.answer.ilike(like, escape="\\"),
            KnowledgePoint.category.ilike(like, escape="\\"),
            cast(KnowledgePoint.similar_questions, String).ilike(json_like, escape="\\"),
            cast(KnowledgePoint.tags, String).ilike(json_like, escape="\\"),
        ))
    category = clean_category(category)
    if category:
        prefix = category.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
        cond.append(or_(KnowledgePoint.category == category, KnowledgePoint.category.like(prefix, escape="\\")))
    if tag:
        cond.append(_has_tag(db, tag))
    total = db.scalar(select(func.count()).select_from(KnowledgePoint).where(*cond))
    rows = db.scalars(
        select(KnowledgePoint).where(*cond).order_by(KnowledgePoint.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), total


def category_tree(db: Session, *, tenant_id: int) -> CategoryTree:
    """Build the shop's category tree from the category paths of its points, with counts."""
    counts = db.execute(
        select(KnowledgePoint.category, func.count()).where(KnowledgePoint.tenant_id == tenant_id)
        .group_by(KnowledgePoint.category)
    ).all()
    root: dict[str, dict] = {}
    nodes: dict[str, CategoryNode] = {}
    total = uncategorized = 0
    for path, n in counts:
        total += n
        segments = [seg for seg in (path or "").split("/") if seg]
        if not segments:
            uncategorized += n
            continue
        level = root
        for depth in range(len(segments)):
            sub = "/".join(segments[:depth + 1])
            if sub not in nodes:
                nodes[sub] = CategoryNode(name=segments[depth], path=sub, count=0)
                level[sub] = {}
            nodes[sub].count += n
            level = level[sub]

    def build(level: dict[str, dict]) -> list[CategoryNode]:
        out = []
        for path in sorted(level, key=lambda p: nodes[p].name):
            node = nodes[path]
            node.children = build(level[path])
            out.append(node)
        return out

    return CategoryTree(items=build(root), total=total, uncategorized=uncategorized)


def valid_now(now: dt.datetime):
    """A condition: the point is enabled and inside its validity window at now."""
    return and_(
        KnowledgePoint.enabled.is_(True),
        or_(KnowledgePoint.valid_from.is_(None), KnowledgePoint.valid_from <= now),
        or_(KnowledgePoint.valid_to.is_(None), KnowledgePoint.valid_to > now),
    )


def enabled_points(db: Session, *, tenant_id: int, now: dt.datetime | None = None) -> list[KnowledgePoint]:
    """The points the bot may answer with now: enabled, and valid_from <= now < valid_to where they are set."""
    now = now or utcnow()
    return list(db.scalars(
        select(KnowledgePoint).where(KnowledgePoint.tenant_id == tenant_id, valid_now(now))
        .order_by(KnowledgePoint.id)
    ))


def next_validity_change(db: Session, *, tenant_id: int, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the set of enabled_points next changes by the clock alone (a window opening or closing), if ever.

    kb_version moves on every edit, but not when time passes a valid_from/valid_to: a cached index should be
    rebuilt at this time too.
    """
    now = now or utcnow()
    base = [KnowledgePoint.tenant_id == tenant_id, KnowledgePoint.enabled.is_(True)]
    starts = db.scalar(select(func.min(KnowledgePoint.valid_from)).where(*base, KnowledgePoint.valid_from > now))
    ends = db.scalar(select(func.min(KnowledgePoint.valid_to)).where(*base, KnowledgePoint.valid_to > now))
    times = [t for t in (starts, ends) if t is not None]
    return min(times) if times else None


def do_create_point(db: Session, *, tenant_id: int, data: KnowledgeIn) -> KnowledgePoint:
    check_unique_question(db, tenant_id=tenant_id, question=data.question)
    point = KnowledgePoint(tenant_id=tenant_id, **data.to_row())
    db.add(point)
    db.flush()
    _bump_version(db, tenant_id)
    return point


def do_update_point(db: Session, *, tenant_id: int, point_id: int, data: KnowledgeIn) -> KnowledgePoint:
    point = get_point(db, tenant_id=tenant_id, point_id=point_id)
    check_unique_question(db, tenant_id=tenant_id, question=data.question, exclude_id=point_id)
    for field, value in data.to_row().items():
        setattr(point, field, value)
    db.flush()
    _bump_version(db, tenant_id)
    return point


def do_delete_point(db: Session, *, tenant_id: int, point_id: int) -> None:
    point = get_point(db, tenant_id=tenant_id, point_id=point_id)
    db.delete(point)
    _bump_version(db, tenant_id)


# --- the shop's dictionary: domain words and synonyms ------------------------------------------------

def list_terms(db: Session, *, tenant_id: int) -> list[Term]:
    return list(db.scalars(select(Term).where(Term.tenant_id == tenant_id).order_by(Term.word)))


def get_term(db: Session, *, tenant_id: int, term_id: int) -> Term:
    term = db.scalar(select(Term).where(Term.id == term_id, Term.tenant_id == tenant_id))
    if term is None:
        raise NotFound("dictionary word not found")
    return term


def _check_term(db: Session, *, tenant_id: int, data: TermIn, exclude_id: int | None = None) -> None:
    q = select(Term.id).where(Term.tenant_id == tenant_id, Term.word == data.word)
    if exclude_id is not None:
        q = q.where(Term.id != exclude_id)
    if db.scalar(q):
        raise Conflict(f"the word {data.word!r} is in the dictionary already", code="duplicate_term")


def do_create_term(db: Session, *, tenant_id: int, data: TermIn) -> Term:
    """Add a word (and its synonyms); matching uses it from the next question on."""
    _check_term(db, tenant_id=tenant_id, data=data)
    term = Term(tenant_id=tenant_id, word=data.word, synonyms=data.synonyms)
    db.add(term)
    db.flush()
    _bump_version(db, tenant_id)
    return term


def do_update_term(db: Session, *, tenant_id: int, term_id: int, data: TermIn) -> Term:
    term = get_term(db, tenant_id=tenant_id, term_id=term_id)
    _check_term(db, tenant_id=tenant_id, data=data, exclude_id=term_id)
    term.word, term.synonyms = data.word, data.synonyms
    _bump_version(db, tenant_id)
    return term


def do_delete_term(db: Session, *, tenant_id: int, term_id: int) -> None:
    db.delete(get_term(db, tenant_id=tenant_id, term_id=term_id))
    _bump_version(db, tenant_id)
