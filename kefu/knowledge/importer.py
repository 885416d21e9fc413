"""Import parsed knowledge points into a shop in one transaction, and run imports as jobs with stored progress.

A file with errors imports nothing unless skip_bad is set. mode="upsert" updates a point whose standard
question already exists (only the columns the file has); mode="create" reports such rows as errors. Points are
written in batches so that 10,000+ rows take seconds, the job's progress is reported after each batch, and the
shop's kb_version moves once at the end.

The file of a job lives only in the memory of the process that took the upload, so that process stamps the job's
heartbeat_at while it holds it (queued or running); a job whose heartbeat stops is given up when read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine
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
ACTIVE = ("queued", "running")
HEARTBEAT_EVERY = 5.0  # seconds between the heartbeats of the jobs a process holds
STALE_AFTER = 60.0  # seconds without a heartbeat after which a queued or running job is given up
INTERRUPTED = ("the server stopped during this import, so nothing was imported; upload the file again "
               "to import it")


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
    """Record a queued import; its heartbeat starts now, so a job whose upload is never run is given up too."""
    job = ImportJob(tenant_id=tenant_id, status="queued", filename=(filename or "")[:255], format=fmt, mode=mode,
                    skip_bad=skip_bad, total=0, processed=0, created=0, updated=0, skipped=0, errors=[],
                    warnings=[], created_by=user_id, heartbeat_at=utcnow())
    db.add(job)
    db.flush()
    return job


def get_job(db: Session, *, tenant_id: int, job_id: int, stale_after: float | None = None) -> ImportJob:
    """Return a shop's import job, failed first if the process holding it has stopped (see give_up_if_stale)."""
    job = db.scalar(select(ImportJob).where(ImportJob.id == job_id, ImportJob.tenant_id == tenant_id))
    if job is None:
        raise NotFound("import job not found")
    give_up_if_stale(db, job, stale_after=stale_after)
    return job


def give_up_if_stale(db: Session, job: ImportJob, *, stale_after: float | None = None) -> bool:
    """Mark a queued or running job failed if no process has stamped its heartbeat for stale_after seconds.

    Its file was only in the memory of the process that died, so the job can never finish; its import ran in one
    transaction that died with that process, so nothing was imported. The write joins the caller's transaction.
    Return whether the job was given up.
    """
    limit = STALE_AFTER if stale_after is None else stale_after
    cutoff = utcnow() - dt.timedelta(seconds=limit)
    last_sign = job.heartbeat_at or job.created_at  # jobs from before heartbeats have only created_at
    if job.status not in ACTIVE or last_sign >= cutoff or _held_here(db.get_bind(), job.id):
        return False
    # Checked again in SQL: the job may have finished or had a heartbeat since it was read.
    given_up = db.execute(
        update(ImportJob)
        .where(ImportJob.id == job.id, ImportJob.status.in_(ACTIVE),
               func.coalesce(ImportJob.heartbeat_at, ImportJob.created_at) < cutoff)
        .values(status="failed", processed=0, created=0, updated=0, finished_at=utcnow(),
                errors=[kbio.problem(None, "", INTERRUPTED, "interrupted")])
        .execution_options(synchronize_session=False)).rowcount
    db.refresh(job)
    if given_up:
        log.warning("import job %s given up: no heartbeat since %s", job.id, last_sign.isoformat())
    return bool(given_up)


def _url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


# Every registry below is keyed by the engine's URL (_url_of), the one spelling a bare Session can give too.
# Progress of the jobs this process is running: {(engine url, job id): processed}. SQLite lets one
# transaction write at a time, so while an import's transaction is open there its progress is known here only;
# on PostgreSQL it is also committed to import_jobs after each batch, for every process to see.
_live: dict[tuple[str, int], int] = {}
_live_lock = threading.Lock()


def live_progress(database: Database, job_id: int) -> int | None:
    with _live_lock:
        return _live.get((_url_of(database.engine), job_id))


# The jobs this process's heartbeats hold, {(engine url, job id)}: alive whatever their stored heartbeat says.
_held: set[tuple[str, int]] = set()
# SQLite imports of this process inside their write transaction, per engine url. Heartbeats to that database
# wait meanwhile: SQLite lets one transaction write at a time, so they could only queue behind the import.
_writing: dict[str, int] = {}


def _held_here(engine: Engine, job_id: int) -> bool:
    with _live_lock:
        return (_url_of(engine), job_id) in _held


@contextlib.contextmanager
def _writing_sqlite(database: Database) -> Iterator[None]:
    """Hold this process's heartbeats to an SQLite database while an import writes to it."""
    if not database.url.startswith("sqlite"):
        yield
        return
    url = _url_of(database.engine)
    with _live_lock:
        _writing[url] = _writing.get(url, 0) + 1
    try:
        yield
    finally:
        with _live_lock:
            _writing[url] -= 1
            if not _writing[url]:
                del _writing[url]


def stamp(database: Database, job_ids: list[int]) -> bool:
    """Set heartbeat_at to now on those jobs still queued or running, in a short transaction of its own.

    A failure is logged and returned as False, never raised: a missed heartbeat must not break an import.
    """
    try:
        with database.session() as db:
            db.execute(update(ImportJob).where(ImportJob.id.in_(job_ids), ImportJob.status.in_(ACTIVE))
                       .values(heartbeat_at=utcnow()))
        return True
    except Exception:
        log.warning("could not stamp the heartbeat of import jobs %s", job_ids, exc_info=True)
        return False


class Heartbeat:
    """Stamp the heartbeat of the jobs this process holds every `every` seconds, from a daemon thread.

    The thread starts with the first job added and ends when the last is discarded, so an idle runner keeps none.
    """

    def __init__(self, database: Database, every: float | None = None) -> None:
        self.database = database
        self.every = HEARTBEAT_EVERY if every is None else every
        self._url = _url_of(database.engine)
        self._jobs: set[int] = set()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, job_id: int) -> None:
        with _live_lock:
            _held.add((self._url, job_id))
        with self._changed:
            self._jobs.add(job_id)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="kefu-import-heartbeat", daemon=True)
                self._thread.start()

    def discard(self, job_id: int) -> None:
        with self._changed:
            self._jobs.discard(job_id)
            self._changed.notify_all()  # the thread ends at once when this was the last job
        with _live_lock:
            _held.discard((self._url, job_id))

    def _loop(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: not self._jobs, timeout=self.every)
                if not self._jobs:
                    self._thread = None
                    return
                jobs = sorted(self._jobs)
            with _live_lock:
                held_back = self._url in _writing
            if not held_back:
                stamp(self.database, jobs)


def run_job(database: Database, job_id: int, data: bytes, on_progress: Progress | None = None, *,
            heartbeat: Heartbeat | None = None) -> ImportOutcome:
    """Parse and import a queued job's file, recording progress and the result on the job.

    The job's heartbeat is kept fresh meanwhile, by the given heartbeat (an ImportRunner's) or one of its own.
    """
    heartbeat = heartbeat or Heartbeat(database)
    heartbeat.add(job_id)
    try:
        return _run_job(database, job_id, data, on_progress)
    finally:
        heartbeat.discard(job_id)


def _start(database: Database, job_id: int) -> tuple[ImportJob, bool]:
    """Mark a queued job running and stamp its heartbeat; also return False if it was no longer queued."""
    with database.session() as db:
        started = db.execute(update(ImportJob).where(ImportJob.id == job_id, ImportJob.status == "queued")
                             .values(status="running", heartbeat_at=utcnow())).rowcount
        job = db.get(ImportJob, job_id)
    if job is None:
        raise NotFound("import job not found")
    return job, bool(started)


def _run_job(database: Database, job_id: int, data: bytes, on_progress: Progress | None) -> ImportOutcome:
    """Run a job for run_job, unless a reader has given it up meanwhile."""
    key = (_url_of(database.engine), job_id)
    job, started = _start(database, job_id)
    if not started:
        # Given up while it waited (its heartbeat was held back too long): the shop was told that nothing was
        # imported and to upload the file again, so importing it now would only surprise them.
        log.warning("import job %s is %s, not queued: not run", job_id, job.status)
        return ImportOutcome(total=job.total, errors=list(job.errors))
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

        with _writing_sqlite(database), database.session() as db:
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
    """Run import jobs in background threads of this process (two at a time; more wait as "queued").

    One heartbeat thread stamps every job the runner holds, queued or running, until the job ends.
    """

    def __init__(self, database: Database, workers: int = 2) -> None:
        self.database = database
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kefu-import")
        self._futures: set[Future] = set()
        self._lock = threading.Lock()
        self._heartbeat = Heartbeat(database)

    def submit(self, job_id: int, data: bytes) -> None:
        self._heartbeat.add(job_id)  # from now: a queued job may wait long behind other imports
        future = self._pool.submit(self._run, job_id, data)
        with self._lock:
            self._futures.add(future)
        future.add_done_callback(self._forget)

    def _run(self, job_id: int, data: bytes) -> None:
        with contextlib.suppress(Exception):  # already logged and recorded on the job
            run_job(self.database, job_id, data, heartbeat=self._heartbeat)

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._futures.discard(future)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the jobs submitted so far; True when none is left running."""
        with self._lock:
            pending = set(self._futures)
        _done, not_done = wait_futures(pending, timeout=timeout)
        return not not_done
