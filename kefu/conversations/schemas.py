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
    created_at: dt.datetime


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str | None
    name: str
    verified: bool


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


class ConversationSummary(ConversationOut):
    customer_name: str  # the customer's name or shop id; empty for an anonymous visitor
    last_message: str
    message_count: int


class ConversationPage(BaseModel):
    items: list[ConversationSummary]
    total: int


class Transcript(BaseModel):
    conversation: ConversationOut
    customer: CustomerOut
    messages: list[MessageOut]


class PostMessageIn(BaseModel):
    """A message sent into a conversation by an API client or an agent."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    client_id: str | None = Field(None, max_length=64)
