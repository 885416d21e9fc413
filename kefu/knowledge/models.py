"""Tables for knowledge points and the jobs that import them in bulk."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base, UTCDateTime, utcnow

JOB_STATUSES = ("queued", "running", "done", "failed")


class KnowledgePoint(Base):
    """One answer, with the standard question and the other ways customers ask it."""

    __tablename__ = "knowledge_points"
    __table_args__ = (UniqueConstraint("tenant_id", "question", name="uq_knowledge_points_tenant_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    # A path in the shop's category tree, segments joined by "/" ("售后/退货"); "" when uncategorised.
    category: Mapped[str] = mapped_column(String(200), default="")
    question: Mapped[str] = mapped_column(String(500))
    similar_questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The bot answers with the point only between these (either may be open-ended).
    valid_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    valid_to: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    image_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    link_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    # [{"label", "value"} | {"label", "url"}]: quick replies or links shown under the answer.
    buttons: Mapped[list[dict[str, str]] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ImportJob(Base):
    """One bulk import of knowledge points; its progress lives here so any server process can report it."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | running | done | failed
    filename: Mapped[str] = mapped_column(String(255), default="")
    format: Mapped[str] = mapped_column(String(8))  # csv | xlsx | json
    mode: Mapped[str] = mapped_column(String(8), default="upsert")  # upsert | create
    skip_bad: Mapped[bool] = mapped_column(Boolean, default=False)
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    # [{"row", "field", "problem", "code"}]; row is None for problems with the whole file.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Stamped by the process holding the job (queued or running) every few seconds: the file lives only in that
    # process's memory, so a job whose heartbeat stops can never finish and is given up when read.
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Term(Base):
    """A shop's domain word for segmentation, with the words that mean the same (快递 = 物流 = 包裹)."""

    __tablename__ = "knowledge_terms"
    __table_args__ = (UniqueConstraint("tenant_id", "word", name="uq_knowledge_terms_tenant_word"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    word: Mapped[str] = mapped_column(String(50))
    synonyms: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
