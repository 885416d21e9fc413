"""What the shop decided about a group of unanswered questions, so a decided group does not come back."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base, UTCDateTime, utcnow

DECISIONS = ("created", "added", "ignored")


class LearningDecision(Base):
    """One group of customer questions the shop acted on: made a point of it, added it to one, or ignored it.

    The fingerprint (a hash of the member message ids) is unique per shop: of two owners accepting the same
    group at once, one insert wins and the other is told it was decided already. The member ids and texts let a
    later, larger group with the same questions be recognised (by overlap and by meaning).
    """

    __tablename__ = "learning_decisions"
    __table_args__ = (UniqueConstraint("tenant_id", "fingerprint", name="uq_learning_decisions_tenant_fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(16))  # created | added | ignored
    # The group's name when decided (its representative question).
    question: Mapped[str] = mapped_column(String(500), default="")
    message_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    texts: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The point made or extended (None for ignored, or once that point is deleted).
    point_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_points.id", ondelete="SET NULL"),
                                                 nullable=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
