"""Tables for shops, their staff, login sessions and server-to-server API keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base, UTCDateTime, utcnow

ROLES = ("owner", "admin", "agent")


class Tenant(Base):
    """A shop: everything else belongs to exactly one."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    # Not secret: it sits in the widget's <script> tag on the shop's pages.
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    # Secret: the shop signs its logged-in customers' identity tokens with it.
    identity_secret: Mapped[str] = mapped_column(String(128))
    bot_name: Mapped[str] = mapped_column(String(60), default="小智")
    greeting_zh: Mapped[str] = mapped_column(Text, default="有什么可以帮您？")
    greeting_en: Mapped[str] = mapped_column(Text, default="How can I help you?")
    default_locale: Mapped[str] = mapped_column(String(8), default="zh")
    # Confidence cut-offs for the bot; None means the tuned defaults (kefu/nlu/hybrid.py Thresholds).
    answer_threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    clarify_threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Bumped on every knowledge change so every process knows its cached index is stale.
    kb_version: Mapped[int] = mapped_column(Integer, default=0)
    # Facts about the shop that answers and flows quote: {"return_days": "7", "carrier": "顺丰", ...}.
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Per-flow switches and wording: {"cancel_order": {"enabled": false, "texts": {"zh": {...}}}}.
    flow_settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # When the bot steps aside; missing keys take the defaults in kefu/bot/handoff.py.
    handoff_policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # {"timezone": "Asia/Shanghai", "days": [0..6], "open": "09:00", "close": "22:00"}; empty = always open.
    service_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The shop's own time zone: reports cut days, hours and weekdays in it.
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai", server_default="Asia/Shanghai")
    # The shop's own order system (HTTP connector); empty = the built-in store.
    commerce_url: Mapped[str] = mapped_column(String(500), default="")
    commerce_secret: Mapped[str] = mapped_column(String(128), default="")
    # Days after closing that a conversation's texts and files are deleted (kefu/privacy/retention.py); 0 = kept.
    retention_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Agents read customers' phone numbers and addresses in full; off (masked) unless the shop allows it.
    agents_see_contacts: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    """A person working for a shop: owner/admin run the shop's settings, agents answer customers."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    # online | busy | away | offline; set by the agent, offline again when their last socket is gone.
    status: Mapped[str] = mapped_column(String(16), default="offline")
    status_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Last sign of life from the agent's workspace; an online agent silent past the grace period is offline.
    seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # How many chats this person takes at once.
    max_chats: Mapped[int] = mapped_column(Integer, default=5)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserSession(Base):
    """A browser login; only the token's hash is stored, so a leaked table opens no session."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ApiKey(Base):
    """A secret key a shop's servers use for the REST API; stored as a hash, shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
