"""Knowledge import jobs whose process died: heartbeats, giving such jobs up, and leaving live ones alone."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
import threading
import time

from sqlalchemy import func, select

from kefu.db import Database, utcnow
from kefu.knowledge import importer
from kefu.knowledge.models import ImportJob, KnowledgePoint
from tests.conftest import api_headers
from tests.integration.test_knowledge_import import HEADER, import_file, kb_version, points

INTERRUPTED = {"row": None, "field": "", "problem": importer.INTERRUPTED, "code": "interrupted"}
LONG_AGO = dt.timedelta(minutes=5)


def csv_rows(n: int, prefix: str = "问题") -> bytes:
    return (HEADER + "".join(f",{prefix}{i},,答案{i}\n" for i in range(n))).encode()


def make_job(runtime, shop, status: str = "running", heartbeat_age: dt.timedelta | None = LONG_AGO, **values) -> int:
    """An import job as a server left it: status, progress and a heartbeat of the given age (None: none)."""
    with runtime.db.session() as db:
        job = importer.create_job(db, tenant_id=shop.tenant_id, filename="kb.csv", fmt="csv")
        job.status = status
        job.heartbeat_at = None if heartbeat_age is None else utcnow() - heartbeat_age
        for name, value in values.items():
            setattr(job, name, value)
        return job.id


def read_job(client, shop, job_id: int) -> dict:
    r = client.get(f"/api/v1/knowledge/import/{job_id}", headers=api_headers(shop))
    assert r.status_code == 200, r.text
    return r.json()


def stored(runtime, job_id: int) -> ImportJob:
    with runtime.db.session() as db:
        return db.get(ImportJob, job_id)


def wait_until(check, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_job_whose_heartbeat_stopped_reads_back_failed_and_the_points_stay(client, runtime, shop_a, shop_b):
    import_file(client, shop_a, HEADER + "物流,什么时候发货？,多久发货,48 小时内发货\n")
    before, version = points(client, shop_a), kb_version(runtime, shop_a)
    running = make_job(runtime, shop_a, "running", total=1000, processed=500)
    queued = make_job(runtime, shop_a, "queued")

    job = read_job(client, shop_a, running)
    assert (job["status"], job["errors"], job["warnings"]) == ("failed", [INTERRUPTED], [])
    assert (job["total"], job["processed"], job["created"], job["updated"]) == (1000, 0, 0, 0)
    assert job["finished_at"]
    assert "nothing was imported" in job["errors"][0]["problem"] and "upload the file again" in job["errors"][0][
        "problem"]
    assert read_job(client, shop_a, running) == job  # given up once; reading again changes nothing
    assert (read_job(client, shop_a, queued)["status"], read_job(client, shop_a, queued)["errors"]) == (
        "failed", [INTERRUPTED])
    assert stored(runtime, running).status == "failed"  # in the database, not only in the answer
    assert points(client, shop_a) == before and kb_version(runtime, shop_a) == version
    assert client.get(f"/api/v1/knowledge/import/{running}", headers=api_headers(shop_b)).status_code == 404


def test_a_job_before_heartbeats_is_judged_by_its_creation_time(runtime, shop_a):
    old = make_job(runtime, shop_a, heartbeat_age=None, created_at=utcnow() - LONG_AGO)
    new = make_job(runtime, shop_a, heartbeat_age=None)
    with runtime.db.session() as db:
        assert importer.get_job(db, tenant_id=shop_a.tenant_id, job_id=old).status == "failed"
        assert importer.get_job(db, tenant_id=shop_a.tenant_id, job_id=new).status == "running"


def test_a_job_with_a_fresh_heartbeat_is_left_alone(client, runtime, shop_a):
    job_id = make_job(runtime, shop_a, "running", heartbeat_age=dt.timedelta(seconds=5), total=1000, processed=500)
    done = make_job(runtime, shop_a, "done", heartbeat_age=LONG_AGO)
    job = read_job(client, shop_a, job_id)
    assert (job["status"], job["processed"], job["errors"], job["finished_at"]) == ("running", 500, [], None)
    with runtime.db.session() as db:
        assert importer.get_job(db, tenant_id=shop_a.tenant_id, job_id=job_id, stale_after=30).status == "running"
        # Finished jobs are never given up, however old.
        assert importer.get_job(db, tenant_id=shop_a.tenant_id, job_id=done, stale_after=0).status == "done"
    assert stored(runtime, job_id).status == "running"


def test_a_job_this_process_holds_is_alive_whatever_its_stored_heartbeat(client, runtime, shop_a):
    # On SQLite no heartbeat can be written while an import holds the write lock; the holder knows it is alive.
    job_id = make_job(runtime, shop_a, "running")
    heartbeat = importer.Heartbeat(runtime.db, every=3600)
    heartbeat.add(job_id)
    try:
        assert read_job(client, shop_a, job_id)["status"] == "running"
    finally:
        heartbeat.discard(job_id)
    assert read_job(client, shop_a, job_id)["status"] == "failed"


def test_a_normal_import_ends_done_with_a_heartbeat_and_no_thread_left(client, runtime, shop_a):
    started = utcnow()
    job = import_file(client, shop_a, csv_rows(3))
    assert (job["status"], job["created"], job["errors"]) == ("done", 3, [])
    heartbeat_at = stored(runtime, job["id"]).heartbeat_at
    assert heartbeat_at is not None and heartbeat_at >= started
    wait_until(lambda: not [t for t in threading.enumerate() if t.name == "kefu-import-heartbeat"])


def test_the_runner_keeps_queued_and_running_jobs_fresh(runtime, shop_a, monkeypatch):
    monkeypatch.setattr(importer, "HEARTBEAT_EVERY", 0.02)
    release = threading.Event()
    parse = importer.kbio.parse

    def slow_parse(data, fmt):
        assert release.wait(10)
        return parse(data, fmt)

    monkeypatch.setattr(importer.kbio, "parse", slow_parse)
    runner = importer.ImportRunner(runtime.db, workers=1)
    first, second = make_job(runtime, shop_a, "queued"), make_job(runtime, shop_a, "queued")
    runner.submit(first, csv_rows(2, "甲"))
    runner.submit(second, csv_rows(2, "乙"))
    try:
        wait_until(lambda: stored(runtime, first).status == "running")
        # The second waits for the only worker; its heartbeat is kept fresh all the same.
        wait_until(lambda: stored(runtime, second).heartbeat_at > utcnow() - dt.timedelta(seconds=1))
        wait_until(lambda: stored(runtime, first).heartbeat_at > utcnow() - dt.timedelta(seconds=1))
        assert stored(runtime, second).status == "queued"
    finally:
        release.set()
        assert runner.wait(30)
    assert [stored(runtime, j).status for j in (first, second)] == ["done", "done"]


def test_heartbeats_during_a_slow_import_and_failed_ones_do_not_stop_it(runtime, shop_a, tmp_path, monkeypatch,
                                                                         caplog):
    monkeypatch.setattr(importer, "BATCH", 10)
    job_id = make_job(runtime, shop_a, "queued", heartbeat_age=None)
    seen = []

    def slow(done, total):
        time.sleep(0.1)
        with runtime.db.session() as db:  # a reader elsewhere, while the import's transaction is open
            seen.append(db.get(ImportJob, job_id).heartbeat_at)

    heartbeat = importer.Heartbeat(runtime.db, every=0.02)
    out = importer.run_job(runtime.db, job_id, csv_rows(40), on_progress=slow, heartbeat=heartbeat)
    assert out.created == 40 and stored(runtime, job_id).status == "done"
    assert None not in seen
    if not runtime.db.url.startswith("sqlite"):  # SQLite holds them back while the import writes
        assert seen[-1] > seen[0]
    assert not [r for r in caplog.records if "heartbeat" in r.getMessage()]

    # A heartbeat that cannot write (here: a database that cannot be opened) is logged; the import goes on.
    broken = Database(f"sqlite:///{tmp_path / 'missing' / 'kefu.db'}")
    job_id = make_job(runtime, shop_a, "queued", heartbeat_age=None)
    with caplog.at_level(logging.WARNING, logger="kefu.knowledge.importer"):
        out = importer.run_job(runtime.db, job_id, csv_rows(20, "新"), on_progress=lambda *_: time.sleep(0.1),
                               heartbeat=importer.Heartbeat(broken, every=0.02))
    broken.dispose()
    assert out.created == 20 and stored(runtime, job_id).status == "done"
    assert any("could not stamp the heartbeat" in r.getMessage() for r in caplog.records)


def test_a_job_given_up_while_queued_is_not_run_later(runtime, shop_a):
    job_id = make_job(runtime, shop_a, "queued")
    with runtime.db.session() as db:
        assert importer.get_job(db, tenant_id=shop_a.tenant_id, job_id=job_id).status == "failed"
    out = importer.run_job(runtime.db, job_id, csv_rows(5))
    assert (out.imported, out.errors) == (False, [INTERRUPTED])
    assert (stored(runtime, job_id).status, stored(runtime, job_id).errors) == ("failed", [INTERRUPTED])
    with runtime.db.session() as db:
        assert db.scalar(select(func.count()).select_from(KnowledgePoint)) == 0


CRASH = """
import os, sys
from kefu.db import Database
from kefu.knowledge import importer

importer.BATCH = 10
url, job_id = sys.argv[1], int(sys.argv[2])


def die(done, total):
    if done >= 20:  # two batches written in the open transaction, then the process is killed
        os._exit(9)


importer.run_job(Database(url), job_id, sys.stdin.buffer.read(), on_progress=die)
"""


def test_a_server_killed_mid_import_leaves_nothing_and_its_job_is_given_up(client, runtime, shop_a, monkeypatch):
    import_file(client, shop_a, HEADER + ",已有问题,,已有答案\n")
    before, version = points(client, shop_a), kb_version(runtime, shop_a)
    job_id = make_job(runtime, shop_a, "queued", heartbeat_age=None)
    done = subprocess.run([sys.executable, "-c", CRASH, runtime.db.url, str(job_id)], input=csv_rows(50),
                          capture_output=True, timeout=60)
    assert done.returncode == 9, done.stderr.decode()
    assert read_job(client, shop_a, job_id)["status"] == "running"  # within the stale limit: maybe alive

    monkeypatch.setattr(importer, "STALE_AFTER", 0.0)
    job = read_job(client, shop_a, job_id)
    assert (job["status"], job["errors"], job["processed"], job["created"]) == ("failed", [INTERRUPTED], 0, 0)
    assert points(client, shop_a) == before and kb_version(runtime, shop_a) == version
