"""Routes to list knowledge packs, import one (with the shop's facts), preview and apply its updates, review what
waits for the owner, see the history, roll back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from kefu.access import Admin, DbDep, Principal, Staff
from kefu.audit.actions import record
from kefu.limits import MAX_ID, Id
from kefu.packs import actions, views
from kefu.packs.schemas import (
    AutoUpdateIn,
    BatchOut,
    ChangePage,
    ImportIn,
    ImportOut,
    ImportPreviewOut,
    InstallOut,
    PackList,
    PreviewOut,
    ReviewIn,
    ReviewOut,
    TodoOut,
    UpdateIn,
    UpdateOut,
)

router = APIRouter(prefix="/api/v1/packs", tags=["packs"])
PACK_ID = r"^[a-z0-9-]{1,64}$"


def actor_of(principal: Principal) -> str:
    """Who a change is recorded against: the logged-in user, or the shop's API key."""
    return f"user:{principal.user.id}" if principal.user is not None else "api"


@router.get("", response_model=PackList)
def list_packs(principal: Staff, db: DbDep) -> PackList:
    """Every knowledge pack the pack sources offer, with the shop's installed version, whether a newer one is
    available and the conflicts its last update left pending."""
    return views.list_packs(db, tenant_id=principal.tenant_id)


@router.get("/history", response_model=ChangePage)
def history(
    principal: Staff, db: DbDep,
    pack_id: str = Query("", max_length=64), batch_id: Id | None = Query(None),
    key: str = Query("", max_length=200, description="One pack point's changes."),
    limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=MAX_ID),
) -> ChangePage:
    """Every change packs made to the shop's knowledge points, newest first: what, when, by whom or by which
    update, with the point before and after."""
    return views.list_changes(db, tenant_id=principal.tenant_id, pack_id=pack_id, batch_id=batch_id, key=key,
                              limit=limit, offset=offset)


@router.get("/todo", response_model=TodoOut)
def todo(principal: Staff, db: DbDep, pack_id: str = Query("", max_length=64)) -> TodoOut:
    """Pack points the shop cannot use yet, all switched off: those waiting for the owner's review (service
    promises the shop has not confirmed, possible duplicates of its own points) and those waiting for facts the
    shop has not given (they go live by themselves once the facts are set in Settings)."""
    return views.todo(db, tenant_id=principal.tenant_id, pack_id=pack_id)


@router.get("/batches", response_model=list[BatchOut])
def batches(principal: Staff, db: DbDep, pack_id: str = Query("", max_length=64),
            limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=MAX_ID)) -> list[BatchOut]:
    """The shop's pack imports, updates, refills and rollbacks, newest first, and whether each can be rolled
    back now."""
    return views.list_batches(db, tenant_id=principal.tenant_id, pack_id=pack_id, limit=limit, offset=offset)


@router.post("/batches/{batch_id}/rollback", response_model=BatchOut)
def rollback(batch_id: Id, principal: Admin, db: DbDep) -> BatchOut:
    """Undo a pack import or update: every point it touched goes back to how it was, and the installed version
    too. Only the newest import or update of a pack can be rolled back."""
    undo = actions.do_rollback(db, tenant_id=principal.tenant_id, batch_id=batch_id, actor=actor_of(principal))
    db.flush()
    record(db, principal, "pack.rolled_back", ("pack_batch", batch_id), undo_batch=undo.id)
    return views.list_batches(db, tenant_id=principal.tenant_id, batch_id=undo.id)[0]


PackId = Annotated[str, Path(pattern=PACK_ID, description="The pack's id, e.g. ecommerce-zh.")]


@router.get("/{pack_id}/import-preview", response_model=ImportPreviewOut)
def import_preview(pack_id: PackId, principal: Staff, db: DbDep,
                   version: str | None = Query(None, max_length=32, description="Default: the newest.")
                   ) -> ImportPreviewOut:
    """What importing the pack would do: the facts its answers quote with the shop's value of each (missing ones
    first), and the points that would not simply go live — linked to the shop's own points, for review, or waiting
    for facts. Nothing is written."""
    return views.import_preview(db, tenant_id=principal.tenant_id, pack_id=pack_id, version=version)


@router.post("/{pack_id}/import", response_model=ImportOut, status_code=201)
def import_pack(pack_id: PackId, body: ImportIn, principal: Admin, db: DbDep) -> ImportOut:
    """Import a pack into the shop in one go (a vertical's base first, if the shop lacks it), after saving the facts
    given. Answers are filled from the shop's facts; a question the shop has, or one of its points repeated by
    meaning, is linked instead of duplicated; points quoting a missing fact, making a service promise or maybe
    repeating a shop point are imported switched off (GET /todo)."""
    done = actions.do_import_pack(db, tenant_id=principal.tenant_id, pack_id=pack_id, version=body.version,
                                  actor=actor_of(principal), facts=body.facts)
    for d in done:
        record(db, principal, "pack.imported", ("pack", d.pack_id), version=d.version, facts=sorted(body.facts or {}))
    return ImportOut(packs=[views.imported(d) for d in done])


@router.post("/{pack_id}/review", response_model=ReviewOut)
def review(pack_id: PackId, body: ReviewIn, principal: Admin, db: DbDep) -> ReviewOut:
    """Decide on points waiting for review: confirm (live once no fact is missing), off, or link (a possible
    duplicate that is one: the shop's point answers, and updates never bring the pack's back)."""
    counts = actions.do_review(db, tenant_id=principal.tenant_id, pack_id=pack_id, decisions=body.decisions,
                               actor=actor_of(principal))
    record(db, principal, "pack.reviewed", ("pack", pack_id), points=len(body.decisions))
    return ReviewOut(pack_id=pack_id, counts=counts)


@router.get("/{pack_id}/preview", response_model=PreviewOut)
def preview(pack_id: PackId, principal: Staff, db: DbDep,
            version: str | None = Query(None, max_length=32, description="Default: the newest.")) -> PreviewOut:
    """What updating the shop's copy would do, key by key: auto, keep, conflict (base / mine / theirs side by
    side, field by field), add, remove, stays_deleted. Nothing is written."""
    return views.preview(db, tenant_id=principal.tenant_id, pack_id=pack_id, version=version)


@router.post("/{pack_id}/update", response_model=UpdateOut)
def apply_update(pack_id: PackId, body: UpdateIn, principal: Admin, db: DbDep) -> UpdateOut:
    """Apply an update with the shop's decisions on conflicts; conflicts without a decision stay pending (their
    points are left as they are) and show in the next preview."""
    resolutions = {k: v if isinstance(v, str) else v.model_dump() for k, v in body.resolutions.items()}
    done = actions.do_apply_update(db, tenant_id=principal.tenant_id, pack_id=pack_id, version=body.version,
                                   resolutions=resolutions, actor=actor_of(principal))
    record(db, principal, "pack.updated", ("pack", pack_id), version=done.to_version, resolved=len(resolutions))
    return UpdateOut(**vars(done))


@router.put("/{pack_id}/auto-update", response_model=InstallOut)
def set_auto_update(pack_id: PackId, body: AutoUpdateIn, principal: Admin, db: DbDep) -> InstallOut:
    """Let new versions of this pack be applied by themselves (`kefu packs update --auto`, run from cron):
    untouched points follow, edits are kept, conflicts wait for the shop."""
    install = actions.do_set_auto_update(db, tenant_id=principal.tenant_id, pack_id=pack_id, enabled=body.enabled)
    record(db, principal, "pack.auto_update_set", ("pack", pack_id), enabled=body.enabled)
    db.flush()
    return InstallOut.model_validate(install)
