"""Tables for the packs a shop installed, the pack points behind its knowledge points, and every change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base, UTCDateTime, utcnow

BATCH_KINDS = ("import", "update", "refill", "rollback", "review")
CHANGE_ACTIONS = ("added", "linked", "updated", "kept", "deleted", "conflict", "resolved", "stays_deleted",
                  "rolled_back", "refilled", "held", "released", "confirmed", "switched_off")
REVIEWS = ("promise", "duplicate")  # why a pack point waits for the owner


class PackInstall(Base):
    """A pack a shop imported, at the version it has."""

    __tablename__ = "pack_installs"
    __table_args__ = (UniqueConstraint("tenant_id", "pack_id", name="uq_pack_installs_tenant_pack"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    pack_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    base: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the pack a vertical sits on
    version: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))  # builtin | local | remote
    auto_update: Mapped[bool] = mapped_column(Boolean, default=False)
    # The installed version's placeholder defaults: a facts change refills answers without fetching the pack.
    placeholders: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Keys whose conflict the last update left for the shop to decide (the preview is the live truth).
    pending_conflicts: Mapped[list[str]] = mapped_column(JSON, default=list)
    installed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PackPoint(Base):
    """One point of an installed pack: the pack's version of it the shop has, and the shop's knowledge point.

    point_id becomes NULL when the shop deletes its point: the point then stays deleted through updates. A key that
    duplicates one of the shop's own points by meaning is never imported: point_id NULL, linked_to the shop's point,
    deleted_by_shop set so updates treat it like a deleted one (they never add it back).

    held: kefu switched the point off (facts missing, or waiting for review) and switches it on again once nothing
    is pending; a point the shop switched off itself is never held, so it stays off.
    """

    __tablename__ = "pack_points"
    __table_args__ = (UniqueConstraint("tenant_id", "pack_id", "key", name="uq_pack_points_tenant_pack_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    pack_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    point_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_points.id", ondelete="SET NULL"),
                                                 nullable=True, index=True)
    # {category, question, similar, answer, tags} with {{placeholders}}: the merge base of the next update.
    base: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The placeholder values the point was last filled with: text equal to base filled with these is the pack's.
    filled_with: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    deleted_by_shop: Mapped[bool] = mapped_column(Boolean, default=False)
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    # Facts the point quotes that the shop has not given (it is held off until they are set).
    missing_facts: Mapped[list[str]] = mapped_column(JSON, default=list)
    review: Mapped[str] = mapped_column(String(16), default="")  # "" | promise | duplicate
    promise: Mapped[list[str]] = mapped_column(JSON, default=list)  # the pack's promise kinds for this point
    # The shop's own point this key duplicates: linked (point_id NULL) or, with review "duplicate", a candidate.
    linked_to: Mapped[int | None] = mapped_column(ForeignKey("knowledge_points.id", ondelete="SET NULL"),
                                                  nullable=True)
    link_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PackBatch(Base):
    """One import, update, refill or rollback of a pack in a shop: the unit a rollback undoes."""

    __tablename__ = "pack_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    pack_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # import | update | refill | rollback | review
    from_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    actor: Mapped[str] = mapped_column(String(64))  # user:<id> | api | cli | auto | update:<version>
    # The install as it was before ({version, source, name, placeholders}); NULL: the pack was not installed.
    install_before: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    rolls_back: Mapped[int | None] = mapped_column(Integer, nullable=True)  # a rollback: the batch it undid
    rolled_back_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PackChange(Base):
    """What one batch did to one point: the shop's point before and after, and the pack point's state before."""

    __tablename__ = "pack_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    pack_id: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[int] = mapped_column(ForeignKey("pack_batches.id", ondelete="CASCADE"), index=True)
    from_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    key: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(16))  # see CHANGE_ACTIONS
    point_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # no FK: history outlives the point
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    # The pack_points row before the change ({point_id, base, filled_with, deleted_by_shop}); NULL: no row.
    tracking: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
