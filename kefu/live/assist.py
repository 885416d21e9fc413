"""Suggest replies to an agent: answers from the knowledge base and what agents replied to similar questions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.bot.index import KnowledgeIndex
from kefu.conversations.models import PLACEHOLDERS, Message
from kefu.knowledge.models import KnowledgePoint

HISTORY_PAIRS = 500  # recent (customer question → agent reply) pairs searched per shop
HISTORY_MIN_SIMILARITY = 0.55
MAX_EACH = 3


@dataclass
class Suggestion:
    source: str  # knowledge | history
    text: str
    question: str
    score: float
    ref: str  # knowledge point id, or the agent message id


def last_customer_message(db: Session, *, conversation_id: int) -> Message | None:
    return db.scalar(select(Message).where(Message.conversation_id == conversation_id,
                                           Message.sender == "customer").order_by(Message.id.desc()).limit(1))


def from_knowledge(db: Session, index: KnowledgeIndex, *, tenant_id: int, text: str) -> list[Suggestion]:
    """The knowledge points the bot's matcher ranks highest for text, with their answers."""
    result = index.get(db, tenant_id).match(text)
    out = []
    for c in result.candidates[:MAX_EACH]:
        point = db.get(KnowledgePoint, c.point_id)
        if point is not None and c.score >= 0.05:
            out.append(Suggestion("knowledge", point.answer, point.question, round(c.score, 3), str(point.id)))
    return out


def reply_pairs(db: Session, *, tenant_id: int, limit: int = HISTORY_PAIRS) -> list[tuple[str, Message]]:
    """Recent customer messages each followed by an agent's reply in the same conversation."""
    rows = list(db.scalars(select(Message).where(Message.tenant_id == tenant_id,
                                                 Message.sender.in_(("customer", "agent")),
                                                 Message.text.not_in(PLACEHOLDERS))
                           .order_by(Message.id.desc()).limit(limit * 4)))
    rows.reverse()
    pairs, last_customer = [], {}
    for m in rows:
        if m.sender == "customer":
            last_customer[m.conversation_id] = m.text
        elif m.conversation_id in last_customer:
            pairs.append((last_customer.pop(m.conversation_id), m))
    return pairs[-limit:]


def from_history(db: Session, index: KnowledgeIndex, *, tenant_id: int, text: str, exclude_conversation: int
                 ) -> list[Suggestion]:
    """Agents' replies to the past customer questions most like text (embeddings are cached by text)."""
    pairs = [(q, m) for q, m in reply_pairs(db, tenant_id=tenant_id) if m.conversation_id != exclude_conversation]
    if not pairs or index.embedder is None:
        return []
    vectors = index.embedder.encode([q for q, _ in pairs] + [text])
    sims = vectors[:-1] @ vectors[-1]
    out, seen = [], set()
    for i in np.argsort(-sims):
        question, reply = pairs[int(i)]
        if sims[i] < HISTORY_MIN_SIMILARITY or len(out) >= MAX_EACH:
            break
        if reply.text in seen:
            continue
        seen.add(reply.text)
        out.append(Suggestion("history", reply.text, question, round(float(sims[i]), 3), str(reply.id)))
    return out


def suggest(db: Session, index: KnowledgeIndex, *, tenant_id: int, conversation_id: int
            ) -> tuple[int | None, list[Suggestion]]:
    """Suggestions for the conversation's latest customer message, best first within each source."""
    message = last_customer_message(db, conversation_id=conversation_id)
    if message is None:
        return None, []
    items = from_knowledge(db, index, tenant_id=tenant_id, text=message.text)
    items += from_history(db, index, tenant_id=tenant_id, text=message.text, exclude_conversation=conversation_id)
    items.sort(key=lambda s: -s.score)
    return message.id, items
