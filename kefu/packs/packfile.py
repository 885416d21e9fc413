"""Read and check one knowledge pack file (docs/pack-format.md); compare versions.

A pack that breaks a rule is refused as a whole, with the file and the point named, before anything is written.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kefu.errors import KefuError
from kefu.knowledge.schemas import (
    MAX_ANSWER,
    MAX_CATEGORY,
    MAX_QUESTION,
    MAX_SIMILAR,
    MAX_SIMILAR_COUNT,
    MAX_TAG,
    MAX_TAGS,
    TAG_SEPARATOR,
    clean_category,
    split_items,
)
from kefu.packs.fill import Template, names_in

PACK_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
POINT_KEY = re.compile(r"^[a-z0-9_.-]{1,200}$")
VERSION = re.compile(r"^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$")
MIN_SIMILAR = 5
# Service promises a shop may not offer: a point that makes one is imported for the owner to confirm, not live
# (docs/pack-format.md). The names are the API's; the console has words for each.
Promise = Literal["fast_delivery", "price_protection", "cash_on_delivery", "installments", "installation",
                  "insurance", "compensation", "trade_in", "gift_service"]
PROMISES: tuple[str, ...] = get_args(Promise)


class PackError(KefuError):
    """A pack file that cannot be used: not JSON, or against the format's rules."""

    status = 422
    code = "bad_pack"


def version_key(version: str) -> tuple:
    """Sort key of a semantic version: 1.10.0 > 1.9.0, and 2.0.0 > 2.0.0-beta.1 > 2.0.0-alpha."""
    m = VERSION.match(version)
    if not m:
        raise ValueError(f"{version!r} is not a version like 1.2.0")
    major, minor, patch, pre = m.groups()
    if pre is None:
        return int(major), int(minor), int(patch), 1, ()
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return int(major), int(minor), int(patch), 0, parts


def is_version(value: str) -> bool:
    return bool(VERSION.match(value))


def newest(versions) -> str | None:
    return max(versions, key=version_key, default=None)


class Placeholder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field("", max_length=200)
    default: str = Field(max_length=500)

    @field_validator("default", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v


class PackPoint(BaseModel):
    """One point of a pack, cleaned exactly as a stored knowledge point is, so the two compare equal."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=POINT_KEY.pattern)
    category: str = Field("", max_length=MAX_CATEGORY)
    question: str = Field(min_length=1, max_length=MAX_QUESTION)
    similar: list[str] = Field(max_length=MAX_SIMILAR_COUNT)
    answer: str = Field(min_length=1, max_length=MAX_ANSWER)
    tags: list[str] = Field(default_factory=list)
    promise: list[Promise] = Field(default_factory=list, description="the service promises the answer makes")

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

    @field_validator("promise")
    @classmethod
    def _promise(cls, v: list[str]) -> list[str]:
        return sorted(set(v))

    @field_validator("similar")
    @classmethod
    def _similar(cls, v: list[str]) -> list[str]:
        out = split_items(v)
        if len(out) < MIN_SIMILAR:
            raise ValueError(f"needs at least {MIN_SIMILAR} different similar questions, has {len(out)}")
        if any(len(q) > MAX_SIMILAR for q in out):
            raise ValueError(f"a similar question is longer than {MAX_SIMILAR} characters")
        return out

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: list[str]) -> list[str]:
        out = split_items(v, TAG_SEPARATOR)
        if len(out) > MAX_TAGS or any(len(t) > MAX_TAG for t in out):
            raise ValueError(f"at most {MAX_TAGS} tags of at most {MAX_TAG} characters")
        return out

    def template(self) -> Template:
        return {"category": self.category, "question": self.question, "similar": list(self.similar),
                "answer": self.answer, "tags": list(self.tags)}


class PackSummary(BaseModel):
    """What a pack index says about a pack: its newest version's figures and every version there is."""

    id: str
    name: str
    version: str = Field(description="The newest version.")
    versions: list[str] = Field(description="Every version available, oldest first.")
    language: str
    description: str = ""
    points: int
    similar_questions: int
    base: str | None = None


class Pack(BaseModel):
    """One version of a pack."""

    model_config = ConfigDict(extra="ignore")  # newer pack servers may add fields older kefu can skip

    id: str = Field(pattern=PACK_ID.pattern)
    name: str = Field(min_length=1, max_length=200)
    version: str
    language: Literal["zh", "en"]
    description: str = Field("", max_length=2000)
    base: str | None = Field(None, pattern=PACK_ID.pattern)
    placeholders: dict[str, Placeholder] = Field(default_factory=dict)
    points: list[PackPoint] = Field(min_length=1)

    @field_validator("version")
    @classmethod
    def _version(cls, v: str) -> str:
        if not VERSION.match(v):
            raise ValueError("must be a semantic version like 1.2.0")
        return v

    @model_validator(mode="after")
    def _rules(self) -> Pack:
        if self.base == self.id:
            raise ValueError("a pack cannot be its own base")
        keys: set[str] = set()
        asked: dict[str, str] = {}
        for p in self.points:
            if p.key in keys:
                raise ValueError(f"point key {p.key!r} appears twice")
            keys.add(p.key)
            for q in (p.question, *p.similar):
                norm = q.strip().lower()
                if asked.setdefault(norm, p.key) != p.key:
                    raise ValueError(f"{q!r} (point {p.key}) is also a question of point {asked[norm]}")
            missing = names_in([p.category, p.question, p.answer, *p.similar, *p.tags]) - self.placeholders.keys()
            if missing:
                raise ValueError(f"point {p.key} uses undeclared placeholders: {', '.join(sorted(missing))}")
        return self

    def defaults(self) -> dict[str, str]:
        return {name: ph.default for name, ph in self.placeholders.items()}

    def templates(self) -> dict[str, Template]:
        return {p.key: p.template() for p in self.points}

    def promises(self) -> dict[str, list[str]]:
        """The promise kinds of every point that makes one, by key."""
        return {p.key: list(p.promise) for p in self.points if p.promise}

    def labels(self) -> dict[str, str]:
        return {name: ph.label for name, ph in self.placeholders.items()}

    def summary(self, versions: list[str] | None = None) -> PackSummary:
        return PackSummary(id=self.id, name=self.name, version=self.version, versions=versions or [self.version],
                           language=self.language, description=self.description, points=len(self.points),
                           similar_questions=sum(len(p.similar) for p in self.points), base=self.base)


def _where(loc: tuple, raw: Any) -> str:
    """Name a place in a pack file: points[3] (key returns.window).similar."""
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
            if loc[:i] == ("points",) and isinstance(raw, dict):
                points = raw.get("points")
                if isinstance(points, list) and part < len(points) and isinstance(points[part], dict):
                    out += f" (key {points[part].get('key')})"
        else:
            out += ("." if out else "") + str(part)
    return out


def parse_pack(data: bytes, where: str) -> Pack:
    """Parse and check a pack file's bytes; refuse with the file (where) and the broken places named."""
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackError(f"{where}: not a valid UTF-8 JSON file ({exc})") from exc
    try:
        return Pack.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for e in exc.errors()[:5]:
            msg = e["msg"].removeprefix("Value error, ")
            problems.append(f"{_where(tuple(e['loc']), raw)}: {msg}" if e["loc"] else msg)
        more = f" (and {exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
        raise PackError(f"{where}: " + "; ".join(problems) + more) from exc
