"""Shapes of the unanswered-questions report and of the shop's decisions about its groups on the API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kefu.knowledge.schemas import MAX_ANSWER, MAX_CATEGORY, MAX_QUESTION, MAX_SIMILAR_COUNT, KnowledgeOut
from kefu.limits import Id

MAX_MEMBERS = 3000


class PointRef(BaseModel):
    """A knowledge point of the shop the group's questions match, with the matcher's mean confidence (0..1)."""

    id: int
    question: str
    score: float


class AgentReply(BaseModel):
    text: str
    count: int = Field(description="How many of the group's questions got this reply.")


class Example(BaseModel):
    message_id: int
    conversation_id: int
    text: str
    at: dt.datetime
    reasons: list[str] = Field(description="fallback, clarify_unpicked, answer_then_handoff, low_rating, handoff, "
                                           "agent_answered")


class UnansweredGroup(BaseModel):
    """Questions that mean the same thing, which the bot did not answer well."""

    id: str = Field(description="Fingerprint of the member messages; stable while the group's members are.")
    question: str = Field(description="The representative question, as a customer wrote it.")
    customers: int = Field(description="Distinct customers who asked (the ranking).")
    messages: int
    reasons: dict[str, int]
    questions: list[str] = Field(description="The distinct questions, most asked first.")
    examples: list[Example]
    message_ids: list[int] = Field(description="Send these back to act on the group.")
    agent_replies: list[AgentReply]
    draft_answer: str = Field(description="Drafted from the agents' replies (\"\" when none); edit before saving.")
    suggested_points: list[PointRef] = Field(description="Existing points it may belong to, best first.")


class UnansweredReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: dt.date = Field(alias="from")
    to: dt.date
    timezone: str
    questions: int = Field(description="Questions collected in the range (decided ones not counted).")
    hidden: int = Field(description="Groups not shown because the shop ignored ones meaning the same.")
    total_groups: int
    groups: list[UnansweredGroup]


class GroupIn(BaseModel):
    """The group acted on, by its member messages (as the report gave them)."""

    model_config = ConfigDict(extra="forbid")

    message_ids: list[Id] = Field(min_length=1, max_length=MAX_MEMBERS)

    @field_validator("message_ids")
    @classmethod
    def _unique(cls, v: list[Id]) -> list[Id]:
        return sorted(set(v))


class NewPointIn(GroupIn):
    """Make the group a new knowledge point (the owner's edited question and answer)."""

    question: str = Field(min_length=1, max_length=MAX_QUESTION)
    answer: str = Field(min_length=1, max_length=MAX_ANSWER)
    similar_questions: list[str] | None = Field(None, max_length=MAX_SIMILAR_COUNT, description=(
        "Default: the group's questions."))
    category: str = Field("", max_length=MAX_CATEGORY)


class AddToPointIn(GroupIn):
    """Add the group's questions to an existing point as similar questions."""

    point_id: Id
    questions: list[str] | None = Field(None, max_length=MAX_SIMILAR_COUNT, description=(
        "Default: the group's questions."))


class DecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    decision: str = Field(description="created | added | ignored")
    fingerprint: str
    question: str
    message_ids: list[int]
    point_id: int | None
    created_at: dt.datetime


class DecisionResult(BaseModel):
    decision: DecisionOut
    point: KnowledgeOut | None = None
