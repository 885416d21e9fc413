"""Shapes of the try-the-bot API: a test conversation, a turn in it, and the bot's trace of the turn."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kefu.conversations.schemas import ConversationOut, CustomerOut, MessageOut


class TryOpenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str | None = Field(
        None, min_length=1, max_length=128,
        description="chat as the shop's customer with this id (the flows see their orders); omit for an "
                    "anonymous visitor")
    locale: Literal["zh", "en"] = "zh"


class TryMessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    button: bool = Field(False, description="the text is the value of a button the bot offered: pressed, not typed")


# The trace is the bot's; every part is optional so that a trace with fewer or more keys still reads.
class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class PointTrace(_Open):
    id: int | None = None
    question: str = ""
    score: float | None = None


class CandidateTrace(_Open):
    point_id: int | None = None
    question: str = ""
    score: float | None = None


class EmotionTrace(_Open):
    label: str = "neutral"
    score: float | None = None
    counted: bool = Field(True, description="false when the text carried no emotion of its own (a button, digits)")


class FlowTrace(_Open):
    id: str
    status: str | None = Field(None, description="asking | unparsed | done | cancelled | failed | paused")
    asking: str | None = Field(None, description="the slot the flow asks for next")
    slots: dict[str, Any] = {}


class FlowCandidateTrace(_Open):
    id: str
    score: float | None = None


class TraceOut(_Open):
    """What the bot recognised in one customer message and what it did about it."""

    message_id: int | None = None
    text: str = ""
    locale: str | None = None
    button: bool = False
    emotion: EmotionTrace | None = None
    entities: dict[str, Any] = Field({}, description="order_no, phone, amount, date, products found in the text")
    outcome: str | None = Field(None, description="answer | clarify | fallback | smalltalk | flow | handoff | silent")
    point: PointTrace | None = None
    points: list[PointTrace] = []
    candidates: list[CandidateTrace] = Field([], description="the best knowledge points, best first")
    flow: FlowTrace | None = None
    flow_candidates: list[FlowCandidateTrace] = []
    smalltalk: str | None = None
    handoff: str | None = Field(None, description="why this message led to a handoff, if it did")
    status: str | None = Field(None, description="the conversation's status after the reply")


class TryConversationOut(BaseModel):
    conversation: ConversationOut
    customer: CustomerOut
    messages: list[MessageOut] = Field(description="the conversation so far: the bot's greeting")


class TryTurnOut(BaseModel):
    message: MessageOut | None = Field(None, description="the customer's message as stored")
    replies: list[MessageOut] = Field(description="what the bot (or the system) said in return")
    trace: TraceOut | None = Field(None, description="what the bot recognised in the message; null when it did "
                                                     "not handle it")
    conversation: ConversationOut
