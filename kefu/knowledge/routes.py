"""Routes to list, search, add, edit and delete knowledge points, browse categories, import and export."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from sqlalchemy import select

from kefu.access import Admin, DbDep, RuntimeDep, Staff
from kefu.audit.actions import changed, record
from kefu.db import commit
from kefu.errors import KefuError
from kefu.knowledge import actions, importer
from kefu.knowledge import io as kbio
from kefu.knowledge.models import KnowledgePoint
from kefu.knowledge.schemas import (
    CategoryTree,
    ImportJobOut,
    KnowledgeIn,
    KnowledgeOut,
    KnowledgePage,
    TermIn,
    TermOut,
)
from kefu.limits import MAX_ID, Id
from kefu.tenants.models import Tenant

router = APIRouter(prefix="/api/v1/knowledge", tags=["knowledge"])
IMPORT_PATH = router.prefix + "/import"  # the one route whose body may exceed max_request_bytes


@router.get("", response_model=KnowledgePage)
def list_points(
    principal: Staff, db: DbDep,
    search: str = Query("", max_length=200),
    category: str = Query("", max_length=200, description='A category path; its subcategories are included.'),
    tag: str = Query("", max_length=30, description="Only points with this tag."),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_ID),
) -> KnowledgePage:
    """List the shop's knowledge points, newest first; search looks in questions, similar questions, answers,
    categories and tags."""
    rows, total = actions.list_points(db, tenant_id=principal.tenant_id, search=search.strip(),
                                      category=category.strip(), tag=tag.strip(), limit=limit, offset=offset)
    return KnowledgePage(items=[KnowledgeOut.model_validate(r) for r in rows], total=total)


@router.post("", response_model=KnowledgeOut, status_code=201)
def create_point(body: KnowledgeIn, principal: Admin, db: DbDep) -> KnowledgeOut:
    """Add a knowledge point; the bot uses it from the next question on."""
    point = actions.do_create_point(db, tenant_id=principal.tenant_id, data=body)
    record(db, principal, "knowledge.point_created", ("knowledge_point", point.id))
    return KnowledgeOut.model_validate(point)


@router.get("/categories", response_model=CategoryTree)
def categories(principal: Staff, db: DbDep) -> CategoryTree:
    """The shop's category tree ("售后/退货" is 退货 under 售后), with the number of points in and below each."""
    return actions.category_tree(db, tenant_id=principal.tenant_id)


@router.get("/export", response_class=Response, responses={200: {
    "description": "The file, as an attachment.",
    "content": {"text/csv": {}, kbio.MEDIA_TYPES["xlsx"]: {}, "application/json": {}}}})
def export_points(principal: Staff, db: DbDep,
                  format: Literal["csv", "xlsx", "json"] = Query("csv")) -> Response:
    """Download every knowledge point of the shop as CSV, Excel or JSON (the formats the import reads)."""
    points = db.scalars(select(KnowledgePoint).where(KnowledgePoint.tenant_id == principal.tenant_id)
                        .order_by(KnowledgePoint.id))
    body = kbio.export_points(points, format)
    record(db, principal, "export.knowledge", None, format=format)
    slug = db.scalar(select(Tenant.slug).where(Tenant.id == principal.tenant_id))
    name = f"knowledge-{slug}-{dt.datetime.now(dt.UTC):%Y%m%d}.{format}"
    return Response(body, media_type=kbio.MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.post("/import", response_model=ImportJobOut, status_code=202)
def import_points(
    request: Request, principal: Admin, db: DbDep, runtime: RuntimeDep,
    file: UploadFile = File(description="CSV, Excel .xlsx or JSON; columns category, question, "
                                        "similar_questions, answer (+ tags, enabled, valid_from, valid_to …)"),
    skip_bad: bool = Query(False, description="Import the good rows even if some rows are bad."),
    mode: Literal["upsert", "create"] = Query("upsert", description="upsert: a standard question that exists is "
                                              "updated; create: such rows are errors."),
    format: Literal["csv", "xlsx", "json"] | None = Query(None, description="Default: from the file name."),
) -> ImportJobOut:
    """Start importing a file of knowledge points; poll GET /import/{job_id} for progress, errors and warnings.

    A file with any bad row imports nothing unless skip_bad is set.
    """
    limit = runtime.settings.max_import_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise KefuError(f"the file is larger than {limit // (1024 * 1024)} MB", code="file_too_large", status=413)
    try:
        fmt = format or kbio.detect_format(file.filename or "", data)
    except kbio.ImportFileError as exc:
        raise KefuError(exc.problem["problem"], code="unsupported_format", status=415) from exc
    user_id = principal.user.id if principal.user else None
    job = importer.create_job(db, tenant_id=principal.tenant_id, filename=file.filename or "", fmt=fmt, mode=mode,
                              skip_bad=skip_bad, user_id=user_id)
    record(db, principal, "knowledge.imported", ("import_job", job.id), format=fmt, mode=mode, bytes=len(data))
    commit(db)  # the worker reads the job in its own session
    request.app.state.imports.submit(job.id, data)
    return ImportJobOut.model_validate(job)


@router.get("/import/{job_id}", response_model=ImportJobOut)
def import_job(job_id: Id, principal: Admin, db: DbDep, runtime: RuntimeDep) -> ImportJobOut:
    """An import's status (queued, running, done, failed), progress, and its bad rows with their row numbers."""
    out = ImportJobOut.model_validate(importer.get_job(db, tenant_id=principal.tenant_id, job_id=job_id))
    if out.status == "running":
        live = importer.live_progress(runtime.db, job_id)
        if live is not None and live > out.processed:
            out.processed = live
    return out


@router.get("/{point_id}", response_model=KnowledgeOut)
def get_point(point_id: Id, principal: Staff, db: DbDep) -> KnowledgeOut:
    return KnowledgeOut.model_validate(actions.get_point(db, tenant_id=principal.tenant_id, point_id=point_id))


@router.put("/{point_id}", response_model=KnowledgeOut)
def update_point(point_id: Id, body: KnowledgeIn, principal: Admin, db: DbDep) -> KnowledgeOut:
    before = KnowledgeOut.model_validate(actions.get_point(db, tenant_id=principal.tenant_id, point_id=point_id))
    after = KnowledgeOut.model_validate(actions.do_update_point(db, tenant_id=principal.tenant_id,
                                                                point_id=point_id, data=body))
    record(db, principal, "knowledge.point_updated", ("knowledge_point", point_id), fields=changed(before, after))
    return after


@router.delete("/{point_id}", status_code=204)
def delete_point(point_id: Id, principal: Admin, db: DbDep) -> Response:
    actions.do_delete_point(db, tenant_id=principal.tenant_id, point_id=point_id)
    record(db, principal, "knowledge.point_deleted", ("knowledge_point", point_id))
    return Response(status_code=204)


dictionary = APIRouter(prefix="/api/v1/dictionary", tags=["knowledge"])


@dictionary.get("", response_model=list[TermOut])
def list_terms(principal: Staff, db: DbDep) -> list[TermOut]:
    """The shop's domain words and their synonyms (快递 = 物流 = 包裹), used to segment and match questions."""
    return [TermOut.model_validate(t) for t in actions.list_terms(db, tenant_id=principal.tenant_id)]


@dictionary.post("", response_model=TermOut, status_code=201)
def create_term(body: TermIn, principal: Admin, db: DbDep) -> TermOut:
    term = actions.do_create_term(db, tenant_id=principal.tenant_id, data=body)
    record(db, principal, "knowledge.term_created", ("term", term.id))
    return TermOut.model_validate(term)


@dictionary.put("/{term_id}", response_model=TermOut)
def update_term(term_id: Id, body: TermIn, principal: Admin, db: DbDep) -> TermOut:
    term = actions.do_update_term(db, tenant_id=principal.tenant_id, term_id=term_id, data=body)
    record(db, principal, "knowledge.term_updated", ("term", term.id))
    return TermOut.model_validate(term)


@dictionary.delete("/{term_id}", status_code=204)
def delete_term(term_id: Id, principal: Admin, db: DbDep) -> Response:
    actions.do_delete_term(db, tenant_id=principal.tenant_id, term_id=term_id)
    record(db, principal, "knowledge.term_deleted", ("term", term_id))
    return Response(status_code=204)
