"""Shapes of the report API's answers (see docs/reports.md for what each figure means)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FirstResponse(BaseModel):
    p50: float
    p90: float
    avg: float
    count: int = Field(description="conversations a person answered")


class Resolution(BaseModel):
    avg: float | None
    count: int


class Csat(BaseModel):
    responses: int
    average: float | None
    satisfied_share: float | None = Field(description="share of ratings 4 and 5")
    response_rate: float | None = Field(description="ratings / closed conversations")
    closed: int


class Head(BaseModel):
    """The period a report covers, in the shop's time zone (both days included)."""

    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    timezone: str


class Summary(Head):
    """The headline figures of a period."""

    conversations: int
    bot_resolved: int
    handed_off: int
    agent_replied: int
    bot_resolution_rate: float | None
    handoff_rate: float | None
    customer_messages: int
    bot_turns: int
    unanswered_messages: int
    unanswered_rate: float | None
    messages: dict[str, int]
    first_response_seconds: FirstResponse | None
    resolution_seconds: Resolution | None
    csat: Csat


class Table(Head):
    """One report table: its rows (each a flat-ish object) for the period."""

    rows: list[dict[str, Any]]


class Heatmap(Head):
    conversations: list[list[int]] = Field(description="[weekday 0=Monday][hour]: conversations started")
    messages: list[list[int]] = Field(description="[weekday][hour]: messages sent (all senders)")
    customer_messages: list[list[int]]


class Live(BaseModel):
    waiting: int
    with_agent: int
    with_bot: int
    longest_wait_seconds: float
    online_agents: int
    available_agents: int
    at: str


class ConversationPage(Head):
    total: int
    items: list[dict[str, Any]]
