"""Shapes of the live-service API: the queue, agents, skill groups, accept and transfer."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from kefu.limits import Id


class QueuedChat(BaseModel):
    conversation_id: int
    customer_id: int
    customer_name: str
    priority: int
    skill_group_id: int | None
    queued_at: dt.datetime | None
    waiting_seconds: float
    reason: str | None = None
    emotion: str | None = None


class AgentLoad(BaseModel):
    id: int
    name: str
    role: str
    status: str
    load: int
    max_chats: int
    groups: list[int]
    seen_at: dt.datetime | None


class LiveOverview(BaseModel):
    """What a supervisor watches: the queue, its waits, and every agent's load."""

    queue: list[QueuedChat]
    queue_length: int
    longest_wait_seconds: float
    agents: list[AgentLoad]
    active_chats: int


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_user_id: Id | None = None
    to_group_id: Id | None = None
    note: str = Field("", max_length=1000)


class SkillGroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    intents: list[str] = Field(default_factory=list, max_length=50,
                               description="flow ids (return_refund) or knowledge categories (售后) routed here")
    members: list[Id] = Field(default_factory=list, max_length=500, description="user ids")


class SkillGroupOut(BaseModel):
    id: int
    name: str
    intents: list[str]
    members: list[int]


class AgentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_chats: int = Field(ge=0, le=100)


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    disposition: str = Field(description="resolved | unresolved | follow_up | spam")
    note: str = Field("", max_length=1000, description="an internal note kept with the conversation")


class SuggestionOut(BaseModel):
    source: str
    text: str
    question: str
    score: float
    ref: str


class SuggestionsOut(BaseModel):
    for_message_id: int | None
    items: list[SuggestionOut]


class SuggestionUsedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: Id
    source: str = Field(pattern="^(knowledge|history)$")
    ref: str = Field("", max_length=64)
    edited: bool = False


class CannedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: str = Field("personal", pattern="^(team|personal)$")
    shortcut: str = Field(min_length=1, max_length=30, pattern=r"^[^\s/]+$")
    title: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=2000)


class CannedOut(BaseModel):
    id: int
    scope: str
    shortcut: str
    title: str
    text: str


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000)


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    conversation_id: int
    user_id: int | None
    user_name: str
    text: str
    created_at: dt.datetime


class TagsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tags: list[str] = Field(max_length=20)


class MyChat(BaseModel):
    conversation_id: int
    customer_id: int
    customer_name: str
    status: str
    locale: str
    last_message: str
    updated_at: dt.datetime
    handoff_reason: str | None = None


class CustomerPanel(BaseModel):
    customer: dict
    orders: list[dict]
    orders_error: str | None = None
    past_conversations: list[dict]


class Stats(BaseModel):
    suggestions_shown: int
    suggestions_used: int
    suggestions_used_edited: int
    use_rate: float
    ratings: int
    rating_average: float | None
    ratings_by_source: dict[str, dict[str, float]]


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=1000)
