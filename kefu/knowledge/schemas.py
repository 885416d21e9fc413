"""Shapes of knowledge points on the API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator


class KnowledgeIn(BaseModel):
    """A knowledge point as an admin writes it."""

    model_config = ConfigDict(extra="forbid")

    category: str = Field("", max_length=200)
    question: str = Field(min_length=1, max_length=500)
    similar_questions: list[str] = Field(default_factory=list, max_length=500)
    answer: str = Field(min_length=1, max_length=5000)
    enabled: bool = True

    @field_validator("question", "answer", "category")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.strip()

    @field_validator("question", "answer")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v:
            raise ValueError("must not be blank")
        return v

    @field_validator("similar_questions")
    @classmethod
    def _clean_similar(cls, v: list[str]) -> list[str]:
        seen, out = set(), []
        for q in v:
            q = q.strip()
            if len(q) > 500:
                raise ValueError("a similar question is longer than 500 characters")
            if q and q not in seen:
                seen.add(q)
                out.append(q)
        return out


class KnowledgeOut(KnowledgeIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: dt.datetime
    updated_at: dt.datetime


class KnowledgePage(BaseModel):
    items: list[KnowledgeOut]
    total: int
