"""Shapes of knowledge points, their category tree and import jobs on the API."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_serializer, model_validator

# Limits shared by the API, the import files and the console.
MAX_CATEGORY = 200
MAX_QUESTION = 500
MAX_ANSWER = 5000
MAX_SIMILAR = 500  # characters in one similar question
MAX_SIMILAR_COUNT = 500
MAX_TAGS = 20
MAX_TAG = 30
MAX_BUTTONS = 5
MAX_BUTTON_LABEL = 40
MAX_BUTTON_VALUE = 200
MAX_URL = 1000

# Inside one import cell (and one similar question sent to the API), "||" or a line break separates items.
ITEM_SEPARATOR = re.compile(r"\|\||\r\n|\r|\n")
TAG_SEPARATOR = re.compile(r"\|\||\r\n|\r|\n|,|，")


def split_items(values: list[str] | str, separator: re.Pattern = ITEM_SEPARATOR) -> list[str]:
    """Split cells on the separators, trim, drop blanks and repeats, keep the first order."""
    if isinstance(values, str):
        values = [values]
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        for item in separator.split(value):
            item = item.strip()
            if item and item not in seen:
                seen.add(item)
                out.append(item)
    return out


def clean_category(path: str) -> str:
    """Normalise a category path: trim each "/"-separated segment and drop empty ones ("售后 / 退货" → "售后/退货")."""
    return "/".join(seg.strip() for seg in path.split("/") if seg.strip())


def check_url(value: str) -> str:
    """Accept absolute http(s) URLs only (no javascript:, data: or relative links)."""
    value = value.strip()
    if len(value) > MAX_URL:
        raise ValueError(f"longer than {MAX_URL} characters")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValueError("must be an http:// or https:// URL")
    return value


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """Times without a zone are taken as UTC; every time is stored in UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


class Button(BaseModel):
    """A button under an answer: a quick reply sending `value`, or a link opening `url`."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=MAX_BUTTON_LABEL)
    value: str | None = Field(None, max_length=MAX_BUTTON_VALUE)
    url: str | None = None

    @field_validator("label", "value")
    @classmethod
    def _strip(cls, v: str | None) -> str | None:
        return v.strip() if v is not None else None

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return check_url(v) if v is not None else None

    @model_validator(mode="after")
    def _one_action(self) -> Button:
        if not self.label:
            raise ValueError("a button needs a label")
        if (self.value is None) == (self.url is None) or self.value == "":
            raise ValueError("a button has either a value (a quick reply) or a url (a link)")
        return self

    @model_serializer
    def _dump(self) -> dict[str, str]:
        out = {"label": self.label}
        if self.url is not None:
            out["url"] = self.url
        else:
            out["value"] = self.value or ""
        return out


class KnowledgeIn(BaseModel):
    """A knowledge point as an admin writes it."""

    model_config = ConfigDict(extra="forbid")

    category: str = Field("", max_length=MAX_CATEGORY, description='A path in the category tree, e.g. "售后/退货".')
    question: str = Field(min_length=1, max_length=MAX_QUESTION)
    similar_questions: list[str] = Field(default_factory=list, max_length=MAX_SIMILAR_COUNT)
    answer: str = Field(min_length=1, max_length=MAX_ANSWER)
    enabled: bool = True
    tags: list[str] = Field(default_factory=list)
    valid_from: dt.datetime | None = Field(None, description="Answer only from this time on (no zone: UTC).")
    valid_to: dt.datetime | None = Field(None, description="Answer only before this time (no zone: UTC).")
    image_url: str | None = Field(None, description="An http(s) image shown with the answer.")
    link_url: str | None = Field(None, description="An http(s) link shown with the answer.")
    buttons: list[Button] | None = Field(None, max_length=MAX_BUTTONS)

    @field_validator("question", "answer")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("must not be blank")
        return v

    @field_validator("category")
    @classmethod
    def _category(cls, v: str) -> str:
        return clean_category(v)

    @field_validator("similar_questions")
    @classmethod
    def _clean_similar(cls, v: list[str]) -> list[str]:
        out = split_items(v)
        for q in out:
            if len(q) > MAX_SIMILAR:
                raise ValueError(f"a similar question is longer than {MAX_SIMILAR} characters")
        if len(out) > MAX_SIMILAR_COUNT:
            raise ValueError(f"more than {MAX_SIMILAR_COUNT} similar questions")
        return out

    @field_validator("tags")
    @classmethod
    def _clean_tags(cls, v: list[str]) -> list[str]:
        out = split_items(v, TAG_SEPARATOR)
        if len(out) > MAX_TAGS:
            raise ValueError(f"at most {MAX_TAGS} tags")
        for tag in out:
            if len(tag) > MAX_TAG:
                raise ValueError(f"the tag {tag[:40]!r} is longer than {MAX_TAG} characters")
        return out

    @field_validator("image_url", "link_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        return check_url(v)

    @field_validator("valid_from", "valid_to")
    @classmethod
    def _utc(cls, v: dt.datetime | None) -> dt.datetime | None:
        return as_utc(v)

    @field_validator("buttons")
    @classmethod
    def _no_empty_buttons(cls, v: list[Button] | None) -> list[Button] | None:
        return v or None

    @model_validator(mode="after")
    def _window(self) -> KnowledgeIn:
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self

    def to_row(self) -> dict[str, Any]:
        """The column values to store (buttons as plain dicts)."""
        return self.model_dump()


class KnowledgeOut(KnowledgeIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: dt.datetime
    updated_at: dt.datetime


class KnowledgePage(BaseModel):
    items: list[KnowledgeOut]
    total: int


class CategoryNode(BaseModel):
    """One category in the tree; count includes the points of every category below it."""

    name: str
    path: str
    count: int
    children: list[CategoryNode] = Field(default_factory=list)


class CategoryTree(BaseModel):
    items: list[CategoryNode]
    total: int = Field(description="All the shop's knowledge points.")
    uncategorized: int = Field(description="Points without a category.")


class ImportProblem(BaseModel):
    """A bad row (an error) or a doubtful one (a warning) in an import file."""

    row: int | None = Field(description="Row number (the header is row 1; JSON: the point's 1-based index); "
                                        "null for the whole file.")
    field: str
    problem: str
    code: str = ""


class ImportJobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: Literal["queued", "running", "done", "failed"]
    filename: str
    format: str
    mode: str
    skip_bad: bool
    total: int
    processed: int
    created: int
    updated: int
    skipped: int
    errors: list[ImportProblem]
    warnings: list[ImportProblem]
    created_at: dt.datetime
    finished_at: dt.datetime | None


class TermIn(BaseModel):
    """A domain word for the segmenter, and the words customers use for the same thing."""

    model_config = ConfigDict(extra="forbid")

    word: str = Field(min_length=1, max_length=50)
    synonyms: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("word")
    @classmethod
    def _word(cls, v: str) -> str:
        v = v.strip()
        if not v or any(ch.isspace() for ch in v):
            raise ValueError("must be one word without spaces")
        return v

    @field_validator("synonyms")
    @classmethod
    def _synonyms(cls, v: list[str]) -> list[str]:
        out = []
        for s in v:
            s = s.strip()
            if len(s) > 50 or any(ch.isspace() for ch in s):
                raise ValueError("each synonym must be one word of at most 50 characters")
            if s and s not in out:
                out.append(s)
        return out


class TermOut(TermIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
