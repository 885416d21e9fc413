"""The table of reactions still owed to committed events (a row lives from the event's commit to the reaction's)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base, UTCDateTime, utcnow


class PendingReaction(Base):
    """One reaction owed to one committed event, e.g. the bot's answer to a customer's message.

    The row is written in the event's own transaction and deleted in the reaction's, so a reaction is applied
    exactly once however often it is tried. due_at is when any process may claim it: the committing process owns
    it for a lease first (it runs it at once), a failure pushes it back by a growing delay.
    """

    __tablename__ = "pending_reactions"
    __table_args__ = (Index("ix_pending_reactions_due_at", "due_at"),
                      Index("ix_pending_reactions_conversation_id_id", "conversation_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # Which registered reaction runs, e.g. "bot.message".
    reaction: Mapped[str] = mapped_column(String(64))
    # What the reaction answers ("message:123"): a reaction is never owed twice for one thing.
    key: Mapped[str | None] = mapped_column(String(128), unique=True, nullable=True)
    tenant_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Reactions of one conversation run in the order their events committed.
    conversation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    event: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
