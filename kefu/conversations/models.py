"""Tables for customers, conversations, messages and conversation events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base, UTCDateTime, utcnow

STATUSES = ("bot", "queued", "with_agent", "closed")
SENDERS = ("customer", "bot", "agent", "system")
CHANNELS = ("web", "api", "test")
# The console's try-the-bot panel: kept out of the agents' queue and the conversation lists.
TEST_CHANNEL = "test"
# What a message says once its text is erased (kefu/privacy): the row stays, so counts and times stay right.
ERASED_TEXT = {"zh": "[内容已删除]", "en": "[content erased]"}
PLACEHOLDERS = tuple(ERASED_TEXT.values())


class Customer(Base):
    """Someone who talks to the shop: an anonymous visitor, or a customer the shop vouched for."""

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "visitor_id", name="uq_customers_tenant_visitor"),
        UniqueConstraint("tenant_id", "external_id", name="uq_customers_tenant_external"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    # Issued by kefu to an anonymous browser; unguessable.
    visitor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The shop's own customer id, from a signed identity token or an API call.
    external_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    # Labels the shop or its agents give the customer ("VIP", "老客户"); the handoff policy reads them.
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The person who served them last: a returning customer goes back to them when they are free.
    last_agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the customer's personal data was erased (kefu/privacy/erase.py); the row stays for the statistics.
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Conversation(Base):
    """A thread between one customer and the shop (bot first, then maybe a person)."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_tenant_updated", "tenant_id", "updated_at"),
                      # The sweeper looks for open chats in trouble across all shops every few seconds.
                      Index("ix_conversations_status", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="bot")
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When it (last) entered the queue for a person; the queue is ordered by priority, then this.
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Its place when it entered the queue: with the time it waited, what the wait estimate learns from.
    queued_position: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # When the customer waiting in the queue was offered to leave a message instead (once per wait).
    wait_offered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    # The person serving it (set by routing or by an agent accepting it) and the team it was routed to.
    assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True,
                                                         index=True)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    skill_group_id: Mapped[int | None] = mapped_column(ForeignKey("skill_groups.id", ondelete="SET NULL"),
                                                       nullable=True)
    # How the person closing it judged the outcome: resolved | unresolved | follow_up | spam.
    disposition: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # The bot's memory of this conversation: flow in progress, its slots, the order being discussed.
    bot_state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Why and with what context the bot handed over: reason, intent, emotion, order, summary.
    handoff: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # When its texts and files were deleted (erasure or the shop's retention period); the rows stay for counts.
    scrubbed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Message(Base):
    """One message; ids grow with time, so clients resume from the last id they saw."""

    __tablename__ = "messages"
    __table_args__ = (
        # A client's own id for a message makes resending after a reconnect harmless.
        UniqueConstraint("conversation_id", "client_id", name="uq_messages_conversation_client"),
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    sender: Mapped[str] = mapped_column(String(16))
    sender_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # Shown beside the message: the bot's name, or the agent's; labels say which kind it is.
    sender_name: Mapped[str] = mapped_column(String(100), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    # Rich content: {"type": "buttons"|"card"|..., ...}; rendered by the widget, never as HTML.
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The customer's emotion in this message (angry | anxious | neutral | positive); customers only.
    emotion: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConversationEvent(Base):
    """Something that happened to a conversation besides a message (opened, handoff, closed …)."""

    __tablename__ = "conversation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LeftMessage(Base):
    """A message a customer left when no person could take the chat; agents follow it up later."""

    __tablename__ = "left_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    contact: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    # The handoff context at the time, so the agent knows what the bot already tried.
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
