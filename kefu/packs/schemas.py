"""Shapes of knowledge packs, update previews, resolutions and history on the API.

Points are shown with the knowledge API's field names (similar_questions), so a page can render a pack point,
the shop's point and the new version side by side with the same code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kefu.knowledge.schemas import MAX_ANSWER, MAX_CATEGORY, MAX_QUESTION, MAX_SIMILAR_COUNT
from kefu.packs.packfile import PackSummary

FieldValue = str | list[str] | None


class SourceOut(BaseModel):
    kind: str = Field(description="builtin | local | remote")
    location: str
    ok: bool
    error: str = ""


class PackOut(PackSummary):
    """A pack the sources offer, and the shop's copy of it if it has one."""

    installed_version: str | None = None
    update_available: bool = Field(False, description="A newer version than the installed one exists.")
    pending_conflicts: list[str] = Field(default_factory=list,
                                         description="Keys the last update left for the shop to decide.")
    auto_update: bool = False
    installed_from: str | None = Field(None, description="builtin | local | remote")
    installed_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class PackList(BaseModel):
    items: list[PackOut]
    sources: list[SourceOut]
    problems: list[str] = Field(default_factory=list, description="Pack files that were skipped, and why.")


class ImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str | None = Field(None, max_length=32, description="Default: the newest.")


class ImportedOut(BaseModel):
    pack_id: str
    version: str
    batch_id: int
    added: int
    linked: list[str] = Field(description="Keys whose question the shop had: its own point is linked instead.")


class ImportOut(BaseModel):
    packs: list[ImportedOut] = Field(description="The pack, after its base if the base had to be imported first.")


class PointOut(BaseModel):
    category: str
    question: str
    similar_questions: list[str]
    answer: str
    tags: list[str]


class FieldOut(BaseModel):
    """One field side by side. status: same | theirs (the pack's change is taken) | mine (the shop's edit is
    kept) | both (both made the same change) | merged (lists: both sides' changes combined) | conflict."""

    status: str
    base: FieldValue = Field(description="The version the shop has, filled with the values it was filled with.")
    mine: FieldValue = Field(description="The shop's point now.")
    theirs: FieldValue = Field(description="The new version, filled with the shop's facts.")
    result: FieldValue = Field(description="What the update writes (null while in conflict).")


class PlanItemOut(BaseModel):
    key: str
    action: Literal["auto", "keep", "conflict", "add", "remove", "stays_deleted", "unchanged"]
    reason: str = Field("", description="For a conflict: both_changed | upstream_deleted | question_taken.")
    point_id: int | None
    link_point_id: int | None = Field(None, description="add: the shop's point with the same question, linked.")
    upstream_changed: bool
    conflict_fields: list[str]
    fields: dict[str, FieldOut]
    mine: PointOut | None
    theirs: PointOut | None
    after: PointOut | None


class PreviewOut(BaseModel):
    pack_id: str
    from_version: str
    to_version: str
    update_available: bool = Field(description="to_version is newer than the installed version.")
    counts: dict[str, int]
    items: list[PlanItemOut] = Field(description="Every key but the unchanged ones, conflicts first.")


class EditedPoint(BaseModel):
    """A conflict resolved by writing the point by hand."""

    model_config = ConfigDict(extra="forbid")

    category: str = Field("", max_length=MAX_CATEGORY)
    question: str = Field(min_length=1, max_length=MAX_QUESTION)
    similar_questions: list[str] = Field(default_factory=list, max_length=MAX_SIMILAR_COUNT)
    answer: str = Field(min_length=1, max_length=MAX_ANSWER)
    tags: list[str] = Field(default_factory=list)


class UpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str | None = Field(None, max_length=32, description="Default: the newest (or the installed one, to "
                                                                "decide conflicts left pending).")
    resolutions: dict[str, Literal["mine", "theirs"] | EditedPoint] = Field(
        default_factory=dict, description='Per conflicting key: "mine", "theirs" or the edited point. Conflicts '
                                          "without one stay pending; everything else is applied.")


class UpdateOut(BaseModel):
    pack_id: str
    from_version: str
    to_version: str
    batch_id: int | None
    counts: dict[str, int] = Field(description="Changes recorded, by action.")
    pending_conflicts: list[str]


class AutoUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool


class InstallOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    pack_id: str
    name: str
    base: str | None
    version: str
    source: str
    auto_update: bool
    pending_conflicts: list[str]
    installed_at: dt.datetime
    updated_at: dt.datetime


class BatchOut(BaseModel):
    id: int
    pack_id: str
    kind: Literal["import", "update", "refill", "rollback"]
    from_version: str | None
    to_version: str | None
    actor: str = Field(description="user:<id> | api | cli | auto")
    actor_name: str = ""
    created_at: dt.datetime
    counts: dict[str, int]
    rolls_back: int | None
    rolled_back_by: int | None
    can_rollback: bool
    why_not: str = Field("", description="Why this batch cannot be rolled back now.")


class ChangeOut(BaseModel):
    id: int
    batch_id: int
    pack_id: str
    from_version: str | None
    to_version: str | None
    key: str
    action: str = Field(description="added | linked | updated | kept | deleted | conflict | resolved | "
                                    "stays_deleted | rolled_back | refilled")
    point_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str
    actor: str = Field(description="user:<id> | api | cli | auto | update:<version> (decided by the merge rules)")
    actor_name: str = ""
    created_at: dt.datetime


class ChangePage(BaseModel):
    items: list[ChangeOut]
    total: int
