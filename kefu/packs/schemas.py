"""Shapes of knowledge packs, update previews, resolutions and history on the API.

Points are shown with the knowledge API's field names (similar_questions), so a page can render a pack point,
the shop's point and the new version side by side with the same code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kefu.knowledge.schemas import MAX_ANSWER, MAX_CATEGORY, MAX_QUESTION, MAX_SIMILAR_COUNT
from kefu.packs.packfile import PackSummary
from kefu.tenants.facts import MAX_FACT_CHARS

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
    facts: dict[str, str] | None = Field(None, max_length=50, description=(
        "Shop facts to save before importing (merged into Settings → shop facts; an empty value removes one). Only "
        "facts the pack quotes (see the import preview)."))

    @field_validator("facts")
    @classmethod
    def _facts(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        for key, value in (v or {}).items():
            if not key or len(key) > 50 or len(value) > MAX_FACT_CHARS:
                raise ValueError(f"fact names are 1-50 characters, values at most {MAX_FACT_CHARS}")
        return v


class FactOut(BaseModel):
    """A fact a pack's answers quote, and the shop's value of it."""

    name: str
    label: str = Field(description="The pack's words for it.")
    value: str = Field(description="What answers say (empty while missing).")
    default: str = Field(description="The pack's default.")
    status: Literal["set", "default", "missing"] = Field(description=(
        "set: the shop gave it; default: the pack's default stands; missing: no real value (empty, or a stand-in "
        "such as 400-000-0000): points quoting it are switched off until it is set."))
    points: int = Field(description="How many of the pack's points quote it.")


class DuplicateOut(BaseModel):
    """The shop's own point a pack point repeats by meaning."""

    point_id: int
    question: str
    score: float = Field(description="0..1: how close the pack point's questions come to this point.")
    sure: bool = Field(description="true: linked (the shop's answer wins); false: for the owner to review.")


class ImportedOut(BaseModel):
    pack_id: str
    version: str
    batch_id: int
    added: int = Field(description="Points created (switched on, or off for review or facts).")
    linked: list[str] = Field(description="Keys whose question the shop had, or that repeat one of its points by "
                                          "meaning: its own point is linked instead.")
    live: int = Field(0, description="Points created and switched on.")
    review: list[str] = Field(default_factory=list, description="Created switched off for the owner to review "
                                                                "(service promises, possible duplicates).")
    to_complete: list[str] = Field(default_factory=list, description="Created switched off until missing facts are "
                                                                     "set.")
    missing_facts: list[str] = Field(default_factory=list)
    facts: list[FactOut] = Field(default_factory=list, description="Every fact the pack quotes, missing first.")


class ImportOut(BaseModel):
    packs: list[ImportedOut] = Field(description="The pack, after its base if the base had to be imported first.")


class PointPlanOut(BaseModel):
    """What importing one point would do (only points that would not simply go live are listed)."""

    key: str
    question: str
    state: Literal["live", "linked", "review", "to_complete"]
    action: Literal["add", "link", "link_similar", "review_duplicate"] = Field(description=(
        "add; link: the shop has this very question; link_similar: it repeats one of the shop's points by meaning "
        "(not imported); review_duplicate: it may repeat one (imported switched off for the owner to decide)."))
    missing_facts: list[str]
    promise: list[str] = Field(description="Service promises it makes (imported switched off for review).")
    point_id: int | None = Field(None, description="link: the shop's point with this question.")
    duplicate: DuplicateOut | None = None


class ImportPlanOut(BaseModel):
    pack_id: str
    name: str
    version: str
    source: str
    points: int
    counts: dict[str, int] = Field(description="live | linked | review | to_complete")
    facts: list[FactOut]
    items: list[PointPlanOut]


class ImportPreviewOut(BaseModel):
    packs: list[ImportPlanOut] = Field(description="The pack, after its base if the import would bring it too.")


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
    link_point_id: int | None = Field(None, description="add: the shop's point with the same question, linked; "
                                                        "stays_deleted with reason linked: the shop's point it "
                                                        "repeats.")
    duplicate: DuplicateOut | None = Field(None, description="add: one of the shop's points it repeats by meaning.")
    missing_facts: list[str] = Field(default_factory=list, description="add: facts it quotes the shop has not given.")
    promise: list[str] = Field(default_factory=list, description="Service promises it makes.")
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
    facts: list[FactOut] = Field(default_factory=list, description="The facts the version quotes, missing first.")


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


class WaitingOut(BaseModel):
    """A pack point the shop cannot use yet."""

    pack_id: str
    key: str
    point_id: int
    question: str
    answer: str
    enabled: bool
    review: Literal["", "promise", "duplicate"] = Field(description="promise: it makes a service promise; "
                                                                    "duplicate: it may repeat duplicate_of.")
    promise: list[str]
    missing_facts: list[str] = Field(description="Facts it quotes that the shop has not given.")
    duplicate_of: PointOut | None = None
    duplicate_point_id: int | None = None
    score: float | None = None


class TodoOut(BaseModel):
    review: list[WaitingOut] = Field(description="For the owner to confirm, switch off or (a duplicate) link.")
    to_complete: list[WaitingOut] = Field(description="Switched off until the facts they quote are set.")
    missing_facts: dict[str, int] = Field(description="Each missing fact and how many points wait for it.")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decisions: dict[str, Literal["confirm", "off", "link"]] = Field(
        min_length=1, max_length=2000, description=(
            "Per key waiting for review: confirm (the promise is the shop's / not a duplicate: it goes live once no "
            "fact is missing), off (keep it switched off), link (a possible duplicate that is one: the pack's copy "
            "is removed and the shop's point answers)."))


class ReviewOut(BaseModel):
    pack_id: str
    counts: dict[str, int]


class BatchOut(BaseModel):
    id: int
    pack_id: str
    kind: Literal["import", "update", "refill", "rollback", "review"]
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
                                    "stays_deleted | rolled_back | refilled | held | released | confirmed | "
                                    "switched_off")
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
