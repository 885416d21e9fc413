"""Tables the reports read: one fact row per conversation, daily rollups per dimension, messages per hour.

They are derived data: `kefu.reports.rollup.refresh` fills them from messages, conversation events, ratings
and suggestion events (the event tables), and rebuilding them from scratch loses nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base, UTCDateTime, utcnow


class ReportState(Base):
    """How far the rollups of one shop have read each event table, and in which time zone they were cut."""

    __tablename__ = "report_state"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[int] = mapped_column(Integer, default=0)
    event_id: Mapped[int] = mapped_column(Integer, default=0)
    rating_id: Mapped[int] = mapped_column(Integer, default=0)
    suggestion_id: Mapped[int] = mapped_column(Integer, default=0)
    # {"message": [ids], ...}: rows above a watermark already counted (younger than the settling time).
    recent: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    refreshed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConversationFact(Base):
    """Everything the reports need about one conversation, recomputed whenever something happens to it.

    The conversation belongs to the shop-local day (and hour, weekday) it started: counted once there, however
    often it was reopened, handed over or closed.
    """

    __tablename__ = "report_conversations"
    __table_args__ = (Index("ix_report_conversations_tenant_day", "tenant_id", "day"),
                      # Covers the first-response percentiles: no need to read the wide rows.
                      Index("ix_report_conversations_frt", "tenant_id", "day", "first_response_seconds"),
                      # The heatmap's click-through.
                      Index("ix_report_conversations_when", "tenant_id", "weekday", "hour", "day"),
                      Index("ix_report_conversations_customer", "tenant_id", "customer_id", "created_at"))

    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # The time of its last message: "came back within 24 h" is measured from here.
    last_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    day: Mapped[dt.date] = mapped_column(Date)
    hour: Mapped[int] = mapped_column(Integer)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    # The customer wrote at least once: conversations nobody wrote in (a greeting no one answered) are not counted.
    engaged: Mapped[bool] = mapped_column(Boolean, default=False)
    customer_messages: Mapped[int] = mapped_column(Integer, default=0)
    bot_messages: Mapped[int] = mapped_column(Integer, default=0)
    agent_messages: Mapped[int] = mapped_column(Integer, default=0)
    bot_turns: Mapped[int] = mapped_column(Integer, default=0)
    unanswered: Mapped[int] = mapped_column(Integer, default=0)
    handed_off: Mapped[bool] = mapped_column(Boolean, default=False)
    handoff_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    handoff_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    agent_replied: Mapped[bool] = mapped_column(Boolean, default=False)
    # The person who answered first (first response is theirs) and the last one (resolution and rating are theirs).
    first_agent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_agent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    first_response_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    resolution_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    came_back: Mapped[bool] = mapped_column(Boolean, default=False)
    bot_resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    disposition: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # What it was about: "flow:<id>" for a self-service flow, "category:<top category>" for knowledge, or "".
    topic: Mapped[str] = mapped_column(String(80), default="")
    # {point_id: [hits, answered, clarified, handed_off_after]}: the knowledge points the bot used or offered.
    points: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    flows: Mapped[list[str]] = mapped_column(JSON, default=list)
    # {user_id: [chats(1), shown, used]} for every person who replied or was shown suggestions.
    agents: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DailyRollup(Base):
    """Sums of the conversation facts of one shop-local day for one value of one dimension.

    dim "all" (key ""), "channel", "topic", "agent" (user id), "point" (knowledge point id), "hour" (0-23).
    """

    __tablename__ = "report_daily"
    __table_args__ = (UniqueConstraint("tenant_id", "dim", "key", "day", name="uq_report_daily_tenant_dim_key_day"),
                      Index("ix_report_daily_tenant_dim_day", "tenant_id", "dim", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(Date)
    dim: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(80), default="")
    conversations: Mapped[int] = mapped_column(Integer, default=0)
    bot_resolved: Mapped[int] = mapped_column(Integer, default=0)
    handed_off: Mapped[int] = mapped_column(Integer, default=0)
    agent_replied: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    customer_messages: Mapped[int] = mapped_column(Integer, default=0)
    unanswered: Mapped[int] = mapped_column(Integer, default=0)
    frt_n: Mapped[int] = mapped_column(Integer, default=0)
    frt_sum: Mapped[float] = mapped_column(Float, default=0.0)
    res_n: Mapped[int] = mapped_column(Integer, default=0)
    res_sum: Mapped[float] = mapped_column(Float, default=0.0)
    ratings: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    clarified: Mapped[int] = mapped_column(Integer, default=0)
    handed_after: Mapped[int] = mapped_column(Integer, default=0)
    shown: Mapped[int] = mapped_column(Integer, default=0)
    used: Mapped[int] = mapped_column(Integer, default=0)


class HourlyMessages(Base):
    """Messages and bot turns of one shop in one local hour, by when each was sent (append-only sums)."""

    __tablename__ = "report_hourly"
    __table_args__ = (UniqueConstraint("tenant_id", "day", "hour", name="uq_report_hourly_tenant_day_hour"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(Date)
    hour: Mapped[int] = mapped_column(Integer)
    customer: Mapped[int] = mapped_column(Integer, default=0)
    bot: Mapped[int] = mapped_column(Integer, default=0)
    agent: Mapped[int] = mapped_column(Integer, default=0)
    system: Mapped[int] = mapped_column(Integer, default=0)
    bot_turns: Mapped[int] = mapped_column(Integer, default=0)
    unanswered: Mapped[int] = mapped_column(Integer, default=0)
