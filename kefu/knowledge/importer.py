"""Import parsed knowledge points into a shop in one transaction, and run imports as jobs with stored progress.

A file with errors imports nothing unless skip_bad is set. mode="upsert" updates a point whose standard
question already exists (only the columns the file has); mode="create" reports such rows as errors. Points are
written in batches so that 10,000+ rows take seconds, the job's progress is reported after each batch, and the
shop's kb_version moves once at the end.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from kefu.db import Database, utcnow
from kefu.errors import NotFound
from kefu.knowledge import io as kbio
from kefu.knowledge.actions import _bump_version
from kefu.knowledge.models import ImportJob, KnowledgePoint

log = logging.getLogger(__name__)

BATCH = 500
MAX_REPORTED = 1000  # problems kept on a job; the rest are counted in a closing line
Mode = Literal["upsert", "create"]
Progress = Callable[[int, int], None]  # (processed, total)


@dataclass
class ImportOutcome:
    imported: bool = False
    total: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


def _existing(db: Session, tenant_id: int) -> tuple[dict[str, int], dict[str, tuple[int, str]]]:
    """The shop's standard questions → point id, and similar questions → (point id, its standard question)."""
    questions: dict[str, int] = {}
    similar: dict[str, tuple[int, str]] = {}
    rows = db.execute(select(KnowledgePoint.id, KnowledgePoint.question, KnowledgePoint.similar_questions)
                      .where(KnowledgePoint.tenant_id == tenant_id))
    for pid, question, sims in rows:
        questions[question] = pid
        for q in sims or ():
            similar.setdefault(q, (pid, question))
    return questions, similar


def do_import(db: Session, *, tenant_id: int, parsed: kbio.ParseResult, mode: Mode = "upsert",
              skip_bad: bool = False, on_progress: Progress | None = None) -> ImportOutcome:
    """Check parsed rows against the shop's points and write them; write nothing if there are errors and not
    skip_bad. The caller's transaction makes it all or nothing."""
    out = ImportOutcome(total=parsed.total, errors=list(parsed.errors), warnings=list(parsed.warnings))
    questions, similar = _existing(db, tenant_id)
    to_create: list[kbio.ParsedRow] = []
    to_update: list[tuple[int, kbio.ParsedRow]] = []
    for row in parsed.rows:
        pid = questions.get(row.data.question)
        if pid is not None and mode == "create":
            out.errors.append(kbio.problem(row.row, "question", f"a knowledge point with this question exists "
                                           f"(id {pid}); import with mode upsert to update it",
                                           "duplicate_existing"))
            continue
        if pid is None:
            to_create.append(row)
        else:
            to_update.append((pid, row))
    updated_ids = {pid for pid, _ in to_update}
    for row in [*to_create, *(r for _, r in to_update)]:
        for q in row.data.similar_questions:
            owner = similar.get(q)
            if owner and owner[0] not in updated_ids and owner[1] != row.data.question:
                out.warnings.append(kbio.problem(row.row, "similar_questions", f"the similar question {q!r} is "
                                                 f"also under the existing point {owner[1]!r}",
                                                 "similar_elsewhere"))
            elif q in questions and q != row.data.question:
                out.warnings.append(kbio.problem(row.row, "similar_questions", f"the similar question {q!r} is "
                                                 "the standard question of an existing point",
                                                 "similar_elsewhere"))
    out.errors.sort(key=lambda e: e["row"] or 0)
    out.warnings.sort(key=lambda e: e["row"] or 0)
    bad = {e["row"] for e in out.errors}
    out.skipped = parsed.total - len(to_create) - len(to_update)
    if (out.errors and not skip_bad) or None in bad or not (to_create or to_update):
        out.skipped = 0
        return out

    done = out.skipped
    now = utcnow()
    if on_progress:
        on_progress(done, out.total)
    for start in range(0, len(to_create), BATCH):
        batch = to_create[start:start + BATCH]
        db.execute(insert(KnowledgePoint), [
            {"tenant_id": tenant_id, **r.data.to_row(), "created_at": now, "updated_at": now} for r in batch])
        done += len(batch)
        if on_progress:
            on_progress(done, out.total)
    for start in range(0, len(to_update), BATCH):
        batch = to_update[start:start + BATCH]
        db.execute(update(KnowledgePoint), [
            {"id": pid, **{k: v for k, v in r.data.to_row().items() if k in r.fields}, "updated_at": now}
            for pid, r in batch])
        done += len(batch)
        if on_progress:
            on_progress(done, out.total)
    _bump_version(db, tenant_id)
    out.created, out.updated, out.imported = len(to_create), len(to_update), True
    return out


# --- jobs ------------------------------------------------------------------------------------------------

def _reported(problems: list[dict[str, Any]], what: str) -> list[dict[str, Any]]:
    if len(problems) <= MAX_REPORTED:
        return problems
    rest = len(problems) - MAX_REPORTED
    return [*problems[:MAX_REPORTED], kbio.problem(None, "", f"… and {rest} more {what}", "truncated")]


def create_job(db: Session, *, tenant_id: int, filename: str, fmt: str, mode: Mode = "upsert",
               skip_bad: bool = False, user_id: int | None = None) -> ImportJob:
    job = ImportJob(tenant_id=tenant_id, status="queued", filename=(filename or "")[:255], format=fmt, mode=mode,
                    skip_bad=skip_bad, total=0, processed=0, created=0, updated=0, skipped=0, errors=[],
                    warnings=[], created_by=user_id)
    db.add(job)
    db.flush()
    return job


def get_job(db: Session, *, tenant_id: int, job_id: int) -> ImportJob:
    job = db.scalar(select(ImportJob).where(ImportJob.id == job_id, ImportJob.tenant_id == tenant_id))
    if job is None:
        raise NotFound("import job not found")
    return job


# Progress of the jobs this process is running: {(database url, job id): processed}. SQLite lets one
# transaction write at a time, so while an import's transaction is open there its progress is known here only;
# on PostgreSQL it is also committed to import_jobs after each batch, for every process to see.
_live: dict[tuple[str, int], int] = {}
_live_lock = threading.Lock()


def live_progress(database: Database, job_id: int) -> int | None:
    with _live_lock:
        return _live.get((database.url, job_id))


def run_job(database: Database, job_id: int, data: bytes, on_progress: Progress | None = None) -> ImportOutcome:
    """Parse and import a queued job's file, recording progress and the result on the job."""
    key = (database.url, job_id)
    with database.session() as db:
        job = db.get(ImportJob, job_id)
        job.status = "running"
        tenant_id, fmt, mode, skip_bad = job.tenant_id, job.format, job.mode, job.skip_bad
    shared_progress = not database.url.startswith("sqlite")
    try:
        parsed = kbio.parse(data, fmt)
        with database.session() as db:
            db.execute(update(ImportJob).where(ImportJob.id == job_id).values(total=parsed.total))

        def progress(done: int, total: int) -> None:
            with _live_lock:
                _live[key] = done
            if shared_progress:
                with database.session() as pdb:
                    pdb.execute(update(ImportJob).where(ImportJob.id == job_id).values(processed=done))
            if on_progress:
                on_progress(done, total)

        with database.session() as db:
            out = do_import(db, tenant_id=tenant_id, parsed=parsed, mode=mode, skip_bad=skip_bad,
                            on_progress=progress)
            db.execute(update(ImportJob).where(ImportJob.id == job_id).values(
                status="done" if out.imported else "failed", total=out.total,
                processed=out.total if out.imported else 0, created=out.created, updated=out.updated,
                skipped=out.skipped, errors=_reported(out.errors, "errors"),
                warnings=_reported(out.warnings, "warnings"), finished_at=utcnow()))
        return out
    except Exception as exc:
        log.exception("import job %s failed", job_id)
        with database.session() as db:
            db.execute(update(ImportJob).where(ImportJob.id == job_id).values(
                status="failed", processed=0, created=0, updated=0, finished_at=utcnow(),
                errors=[kbio.problem(None, "", f"the import stopped: {type(exc).__name__}: {str(exc)[:300]}",
                                     "internal")]))
        raise
    finally:
        with _live_lock:
            _live.pop(key, None)


class ImportRunner:
    """Run import jobs in background threads of this process (two at a time; more wait as "queued")."""

    def __init__(self, database: Database, workers: int = 2) -> None:
        self.database = database
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kefu-import")
        self._futures: set[Future] = set()
        self._lock = threading.Lock()

    def submit(self, job_id: int, data: bytes) -> None:
        future = self._pool.submit(self._run, job_id, data)
        with self._lock:
            self._futures.add(future)
        future.add_done_callback(self._forget)

    def _run(self, job_id: int, data: bytes) -> None:
        with contextlib.suppress(Exception):  # already logged and recorded on the job
            run_job(self.database, job_id, data)

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._futures.discard(future)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the jobs submitted so far; True when none is left running."""
        with self._lock:
            pending = set(self._futures)
        _done, not_done = wait_futures(pending, timeout=timeout)
        return not not_done
