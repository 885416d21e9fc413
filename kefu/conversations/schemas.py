"""Shapes of conversations and messages on the API and the websocket."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    conversation_id: int
    sender: Literal["customer", "bot", "agent", "system"]
    sender_name: str
    text: str
    payload: dict[str, Any] | None = None
    client_id: str | None = None
    # The customer's emotion in this message, scored by the bot after the message is stored.
    emotion: str | None = None
    created_at: dt.datetime


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str | None
    name: str
    verified: bool
    tags: list[str] = []


class QueueOut(BaseModel):
    """Where a customer waiting for a person stands (see kefu/bot/handoff.py queue_status)."""

    position: int = Field(description="1-based place in the shop's queue")
    ahead: int = Field(description="customers to be served first")
    eta_seconds: int | None = Field(description="estimated wait; null when no agent is available now")


class ConversationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    channel: str
    status: Literal["bot", "queued", "with_agent", "closed"]
    locale: str
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None = None
    assigned_user_id: int | None = None  # the person serving it
    # Set where a client asks for the conversation while it waits for a person (the API channel's GET, the
    # widget's ready frame); live changes travel as queue_updated events.
    queue: QueueOut | None = None


class ConversationSummary(ConversationOut):
    customer_name: str  # the customer's name or shop id; empty for an anonymous visitor
    last_message: str
    message_count: int


class ConversationPage(BaseModel):
    items: list[ConversationSummary]
    total: int


class HandoffOut(BaseModel):
    """What the bot passed on when it handed over (staff only: customers never see it)."""

    reason: str
    intent: str | None = None
    emotion: str | None = None
    order_no: str | None = None
    summary: str = ""
    at: str | None = None
    priority: int = 0
    queued_at: dt.datetime | None = None


class Transcript(BaseModel):
    conversation: ConversationOut
    customer: CustomerOut
    messages: list[MessageOut]
    handoff: HandoffOut | None = None


class LeftMessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    conversation_id: int | None
    customer_id: int
    contact: str
    text: str
    context: dict[str, Any]
    created_at: dt.datetime
    handled_at: dt.datetime | None
    handled_by: int | None


class PostMessageIn(BaseModel):
    """A message sent into a conversation by an API client or an agent."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    client_id: str | None = Field(None, max_length=64)
