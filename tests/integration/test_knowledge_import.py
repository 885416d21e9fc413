"""Knowledge import and export over the REST API: jobs, progress, bad rows, modes, formats, limits."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kefu.config import Settings
from kefu.db import utcnow
from kefu.knowledge import actions, importer
from kefu.knowledge.models import ImportJob, KnowledgePoint
from kefu.runtime import Runtime
from kefu.tenants.models import Tenant
from kefu.web.app import create_app
from tests.conftest import api_headers

HEADER = "category,question,similar_questions,answer\n"


def upload(client, shop, content: bytes | str, name: str = "kb.csv", headers=None, **params):
    if isinstance(content, str):
        content = content.encode("utf-8")
    return client.post("/api/v1/knowledge/import", params=params, headers=headers or api_headers(shop),
                       files={"file": (name, content, "application/octet-stream")})


def wait_job(client, shop, job_id: int, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/knowledge/import/{job_id}", headers=api_headers(shop)).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"import job {job_id} did not finish: {job}")


def import_file(client, shop, content, name="kb.csv", **params) -> dict:
    r = upload(client, shop, content, name, **params)
    assert r.status_code == 202, r.text
    assert r.json()["status"] in ("queued", "running", "done")
    return wait_job(client, shop, r.json()["id"])


def points(client, shop, **params) -> list[dict]:
    return client.get("/api/v1/knowledge", params={"limit": 500, **params}, headers=api_headers(shop)).json()["items"]


def kb_version(runtime, shop) -> int:
    with runtime.db.session() as db:
        return db.scalar(select(Tenant.kb_version).where(Tenant.id == shop.tenant_id))


def test_import_csv_creates_points_and_bumps_the_version_once(client, runtime, shop_a, shop_b):
    before = kb_version(runtime, shop_a)
    job = import_file(client, shop_a, HEADER + "物流,什么时候发货？,多久发货||几天发货,48 小时内发货\n"
                                               "售后/退货,怎么退货？,\"可以退吗\n七天无理由吗\",7 天无理由\n")
    assert job | {"created_at": None} == job | {
        "status": "done", "total": 2, "processed": 2, "created": 2, "updated": 0, "skipped": 0, "errors": [],
        "warnings": [], "filename": "kb.csv", "format": "csv", "mode": "upsert", "skip_bad": False,
        "created_at": None}
    assert job["finished_at"]
    got = {p["question"]: p for p in points(client, shop_a)}
    assert got["怎么退货？"]["similar_questions"] == ["可以退吗", "七天无理由吗"]
    assert got["怎么退货？"]["category"] == "售后/退货" and got["什么时候发货？"]["tags"] == []
    assert kb_version(runtime, shop_a) == before + 1
    assert points(client, shop_b) == []


def test_a_file_with_bad_rows_imports_nothing_unless_skip_bad(client, runtime, shop_a):
    content = (HEADER + "c,好问题,,好答案\n"
               "c,,,没有问题\n"
               f"c,{'长' * 501},,答案\n"
               "c,好问题,,重复的\n"
               "c,另一个好问题,,另一个答案\n")
    before = kb_version(runtime, shop_a)
    job = import_file(client, shop_a, content)
    assert job["status"] == "failed" and job["created"] == 0 and job["processed"] == 0
    assert [(e["row"], e["field"], e["code"]) for e in job["errors"]] == [
        (3, "question", "missing"), (4, "question", "too_long"), (5, "question", "duplicate_in_file")]
    assert points(client, shop_a) == [] and kb_version(runtime, shop_a) == before

    job = import_file(client, shop_a, content, skip_bad="true")
    assert (job["status"], job["created"], job["skipped"], job["total"]) == ("done", 2, 3, 5)
    assert len(job["errors"]) == 3  # still reported
    assert sorted(p["question"] for p in points(client, shop_a)) == ["另一个好问题", "好问题"]
    assert kb_version(runtime, shop_a) == before + 1


def test_file_level_problems_fail_the_job_even_with_skip_bad(client, shop_a):
    for content, code in ((b"", "empty"), (b"title,body\nx,y\n", "columns"), (HEADER.encode(), "empty"),
                          (b"question,answer\n\xff\xfe\x80\x81,x\n", "encoding")):
        job = import_file(client, shop_a, content, skip_bad="true")
        assert job["status"] == "failed" and [e["code"] for e in job["errors"]] == [code], content
    assert points(client, shop_a) == []


def test_gbk_csv_and_a_warning_for_a_shared_similar_question(client, shop_a):
    content = (HEADER + "物流,发货时间,多久发货,48 小时\n物流,到货时间,多久发货||几天到,3 天\n").encode("gbk")
    job = import_file(client, shop_a, content)
    assert job["status"] == "done" and job["created"] == 2
    assert [(w["row"], w["code"]) for w in job["warnings"]] == [(3, "similar_elsewhere")]
    assert {p["question"] for p in points(client, shop_a)} == {"发货时间", "到货时间"}
    # Against stored points too.
    job = import_file(client, shop_a, HEADER + "c,运费多少,几天到||发货时间,10 元\n")
    assert [(w["row"], w["code"]) for w in job["warnings"]] == [(2, "similar_elsewhere")] * 2
    assert "到货时间" in job["warnings"][0]["problem"]
    assert "standard question of an existing point" in job["warnings"][1]["problem"]


def test_upsert_updates_existing_questions_and_keeps_columns_the_file_lacks(client, shop_a):
    h = api_headers(shop_a)
    original = client.post("/api/v1/knowledge", headers=h, json={
        "question": "包邮吗？", "answer": "满 99 包邮", "tags": ["运费"], "link_url": "https://shop.example/ship",
        "enabled": False}).json()
    job = import_file(client, shop_a,
                      "question,answer,similar_questions\n包邮吗？,满 59 包邮,运费多少\n新问题,新答案,\n")
    assert (job["status"], job["created"], job["updated"]) == ("done", 1, 1)
    updated = client.get(f"/api/v1/knowledge/{original['id']}", headers=h).json()
    assert (updated["answer"], updated["similar_questions"]) == ("满 59 包邮", ["运费多少"])
    assert (updated["tags"], updated["link_url"], updated["enabled"]) == (["运费"], "https://shop.example/ship",
                                                                          False)
    assert updated["updated_at"] > original["updated_at"]

    job = import_file(client, shop_a, "question,answer\n包邮吗？,全部包邮\n第三个,答案\n", mode="create")
    assert job["status"] == "failed"
    assert [(e["row"], e["code"]) for e in job["errors"]] == [(2, "duplicate_existing")]
    assert client.get(f"/api/v1/knowledge/{original['id']}", headers=h).json()["answer"] == "满 59 包邮"
    assert len(points(client, shop_a)) == 2
    job = import_file(client, shop_a, "question,answer\n包邮吗？,全部包邮\n第三个,答案\n", mode="create",
                      skip_bad="true")
    assert (job["created"], job["updated"], job["skipped"]) == (1, 0, 1)


FULL = {"category": "物流/快递", "question": "用什么快递？", "similar_questions": ["发什么快递", "可以发顺丰吗"],
        "answer": "默认中通；\n可加价发顺丰。", "tags": ["快递", "运费"], "enabled": False,
        "valid_from": "2026-01-01T00:00:00Z", "valid_to": "2027-01-01T08:00:00+08:00",
        "image_url": "https://img.example/k.png", "link_url": "https://shop.example/ship",
        "buttons": [{"label": "查物流", "value": "物流查询"}, {"label": "官网", "url": "https://shop.example"}]}


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export_and_import_round_trip(client, shop_a, fmt):
    h = api_headers(shop_a)
    client.post("/api/v1/knowledge", headers=h, json=FULL)
    client.post("/api/v1/knowledge", headers=h, json={"question": "只有必填", "answer": "a, \"b\""})
    keys = [k for k in FULL]
    before = sorted(({k: p[k] for k in keys} for p in points(client, shop_a)), key=lambda p: p["question"])
    assert before[1]["valid_to"].startswith("2027-01-01T00:00:00")  # stored in UTC
    assert before[1]["buttons"] == FULL["buttons"]

    r = client.get("/api/v1/knowledge/export", params={"format": fmt}, headers=h)
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith('attachment; filename="knowledge-shop-a-')
    assert r.headers["content-disposition"].endswith(f'.{fmt}"')
    for p in points(client, shop_a):
        client.delete(f"/api/v1/knowledge/{p['id']}", headers=h)
    job = import_file(client, shop_a, r.content, name=f"export.{fmt}")
    assert (job["status"], job["created"], job["errors"], job["warnings"]) == ("done", 2, [], [])
    after = sorted(({k: p[k] for k in keys} for p in points(client, shop_a)), key=lambda p: p["question"])
    assert after == before


def test_export_formats_and_filename(client, shop_a):
    h = api_headers(shop_a)
    client.post("/api/v1/knowledge", headers=h, json=FULL)
    r = client.get("/api/v1/knowledge/export", headers=h)
    assert r.headers["content-type"].startswith("text/csv") and r.content.startswith(b"\xef\xbb\xbfcategory,")
    doc = client.get("/api/v1/knowledge/export?format=json", headers=h).json()
    assert doc["points"][0]["question"] == "用什么快递？"
    assert client.get("/api/v1/knowledge/export?format=xls", headers=h).status_code == 422


def test_format_from_param_or_content_and_unsupported_files(client, shop_a):
    job = import_file(client, shop_a, json.dumps({"points": [{"question": "q", "answer": "a"}]}), name="upload")
    assert (job["format"], job["status"]) == ("json", "done")
    job = import_file(client, shop_a, HEADER + ",q2,,a2\n", name="kb.txt", format="csv")
    assert (job["format"], job["status"]) == ("csv", "done")
    r = upload(client, shop_a, b"\xd0\xcf\x11\xe0", name="old.xls")
    assert r.status_code == 415 and "xlsx" in r.json()["error"]["message"]
    r = client.post("/api/v1/knowledge/import", headers=api_headers(shop_a))
    assert r.status_code == 422 and "file" in r.json()["error"]["message"]
    r = upload(client, shop_a, HEADER, mode="replace")
    assert r.status_code == 422


def test_only_admins_import_and_see_jobs(client, login, shop_a):
    agent = login(shop_a.agent_email)
    r = agent.post("/api/v1/knowledge/import", files={"file": ("kb.csv", HEADER.encode(), "text/csv")})
    assert r.status_code == 403
    job = import_file(client, shop_a, HEADER + ",q,,a\n")
    assert agent.get(f"/api/v1/knowledge/import/{job['id']}").status_code == 403
    owner = login(shop_a.owner_email)
    r = owner.post("/api/v1/knowledge/import", files={"file": ("kb.csv", (HEADER + ",q9,,a\n").encode(), "text/csv")})
    assert r.status_code == 202
    wait_job(client, shop_a, r.json()["id"])
    with client.app.state.runtime.db.session() as db:
        created_by = db.get(ImportJob, r.json()["id"]).created_by
    assert created_by is not None
    assert agent.get("/api/v1/knowledge/export").status_code == 200  # agents read the knowledge base anyway


def test_upload_limit_is_separate_from_the_request_limit(database_url, shop_a):
    rt = Runtime(Settings(database_url=database_url, max_import_bytes=200_000))
    try:
        with TestClient(create_app(rt)) as c:
            rows = "".join(f",问题{i:05d},,{'答' * 30}\n" for i in range(1500))  # ~150 KB: over the 64 KB limit
            assert len(rows.encode()) > rt.settings.max_request_bytes
            job = import_file(c, shop_a, HEADER + rows)
            assert (job["status"], job["created"]) == ("done", 1500)
            r = upload(c, shop_a, HEADER + rows * 2)
            assert r.status_code == 413 and r.json()["error"]["code"] in ("request_too_large", "file_too_large")
            # Other routes keep the small limit.
            r = c.post("/api/v1/knowledge", headers=api_headers(shop_a) | {"content-type": "application/json"},
                       content=b'{"question": "' + b"x" * 70_000 + b'"}')
            assert r.status_code == 413
    finally:
        rt.db.dispose()


def test_file_over_the_limit_is_refused_even_when_the_envelope_is_not(database_url, shop_a):
    rt = Runtime(Settings(database_url=database_url, max_import_bytes=1000))
    try:
        with TestClient(create_app(rt)) as c:
            r = upload(c, shop_a, HEADER + "," + "q" * 1100 + ",,a\n")  # body < 1000 + 64 KB, file > 1000
            assert r.status_code == 413 and r.json()["error"]["code"] == "file_too_large"
    finally:
        rt.db.dispose()


def test_progress_is_reported_per_batch_and_visible_to_readers(runtime, shop_a, monkeypatch):
    monkeypatch.setattr(importer, "BATCH", 100)
    content = (HEADER + "".join(f",问题{i},,答案{i}\n" for i in range(250))).encode()
    with runtime.db.session() as db:
        job_id = importer.create_job(db, tenant_id=shop_a.tenant_id, filename="kb.csv", fmt="csv").id
    seen = []

    def report(done, total):
        seen.append((done, total))
        assert importer.live_progress(runtime.db, job_id) == done
        if not runtime.db.url.startswith("sqlite"):  # committed for other processes
            with runtime.db.session() as db:
                assert db.get(ImportJob, job_id).processed == done

    out = importer.run_job(runtime.db, job_id, content, on_progress=report)
    assert seen == [(0, 250), (100, 250), (200, 250), (250, 250)]
    assert out.created == 250 and importer.live_progress(runtime.db, job_id) is None


def test_running_job_shows_live_progress(client, runtime, shop_a):
    with runtime.db.session() as db:
        job = importer.create_job(db, tenant_id=shop_a.tenant_id, filename="kb.csv", fmt="csv")
        job.status, job.total = "running", 1000
    importer._live[(runtime.db.url, job.id)] = 500
    try:
        got = client.get(f"/api/v1/knowledge/import/{job.id}", headers=api_headers(shop_a)).json()
        assert (got["status"], got["processed"], got["total"]) == ("running", 500, 1000)
    finally:
        importer._live.pop((runtime.db.url, job.id), None)


def test_a_failure_mid_import_leaves_nothing_behind(runtime, shop_a, monkeypatch):
    monkeypatch.setattr(importer, "BATCH", 10)
    calls = []

    def fail_late(db, tenant_id):
        calls.append(tenant_id)
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "_bump_version", fail_late)
    with runtime.db.session() as db:
        job_id = importer.create_job(db, tenant_id=shop_a.tenant_id, filename="kb.csv", fmt="csv").id
    with pytest.raises(RuntimeError):
        importer.run_job(runtime.db, job_id, (HEADER + "".join(f",q{i},,a\n" for i in range(35))).encode())
    assert calls
    with runtime.db.session() as db:
        assert db.scalar(select(func.count()).select_from(KnowledgePoint)) == 0
        job = db.get(ImportJob, job_id)
        assert job.status == "failed" and "disk full" in job.errors[0]["problem"] and job.created == 0


def test_new_fields_are_validated(client, shop_a):
    h = api_headers(shop_a)
    base = {"question": "q", "answer": "a"}
    for extra, field in (({"image_url": "javascript:alert(1)"}, "image_url"),
                         ({"link_url": "/relative"}, "link_url"),
                         ({"buttons": [{"label": f"b{i}", "value": "v"} for i in range(6)]}, "buttons"),
                         ({"buttons": [{"label": "b", "url": "data:text/html,x"}]}, "buttons"),
                         ({"buttons": [{"label": "b"}]}, "buttons"),
                         ({"buttons": [{"label": "b", "value": "v", "url": "https://x.example"}]}, "buttons"),
                         ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
                         ({"tags": ["长" * 31]}, "tags"),
                         ({"valid_from": "2026-02-01T00:00:00Z", "valid_to": "2026-01-01T00:00:00Z"}, "valid_to")):
        r = client.post("/api/v1/knowledge", headers=h, json=base | extra)
        assert r.status_code == 422, extra
        assert field in r.json()["error"]["message"], (extra, r.json())
    r = client.post("/api/v1/knowledge", headers=h, json=base | {"image_url": "", "buttons": [], "tags": ["a", "a"],
                                                                 "valid_from": "2026-01-01T08:00:00+08:00"})
    assert r.status_code == 201
    assert (r.json()["image_url"], r.json()["buttons"], r.json()["tags"]) == (None, None, ["a"])
    assert r.json()["valid_from"].startswith("2026-01-01T00:00:00")


def test_enabled_points_are_those_valid_now(client, runtime, shop_a):
    h = api_headers(shop_a)
    now = utcnow()

    def add(q, **kw):
        body = {"question": q, "answer": "a"} | {k: v.isoformat() if isinstance(v, dt.datetime) else v
                                                 for k, v in kw.items()}
        assert client.post("/api/v1/knowledge", headers=h, json=body).status_code == 201

    add("always")
    add("disabled", enabled=False)
    add("started", valid_from=now - dt.timedelta(days=1))
    add("future", valid_from=now + dt.timedelta(days=1))
    add("expired", valid_to=now - dt.timedelta(seconds=1))
    add("window", valid_from=now - dt.timedelta(days=1), valid_to=now + dt.timedelta(days=1))
    with runtime.db.session() as db:
        live = [p.question for p in actions.enabled_points(db, tenant_id=shop_a.tenant_id)]
        assert live == ["always", "started", "window"]
        later = [p.question for p in actions.enabled_points(db, tenant_id=shop_a.tenant_id,
                                                            now=now + dt.timedelta(days=2))]
        assert later == ["always", "started", "future"]
        change = actions.next_validity_change(db, tenant_id=shop_a.tenant_id, now=now)
        assert abs(change - (now + dt.timedelta(days=1))) < dt.timedelta(seconds=1)


def test_categories_tree_and_filters(client, shop_a, shop_b):
    h = api_headers(shop_a)
    for cat, q, tags, sims in (("售后/退货", "怎么退货", ["退货"], ["能退吗"]), ("售后/退货", "退货运费", [], []),
                               ("售后/换货", "怎么换货", ["换货", "VIP"], []), ("售后", "售后电话", [], []),
                               ("物流", "发货时间", ["VIP"], ["多久发货"]), ("", "营业时间", [], []),
                               ("售后_x", "下划线", [], [])):
        client.post("/api/v1/knowledge", headers=h, json={"category": cat, "question": q, "answer": "a",
                                                          "tags": tags, "similar_questions": sims})
    client.post("/api/v1/knowledge", headers=api_headers(shop_b), json={"category": "B类", "question": "b",
                                                                         "answer": "b"})
    tree = client.get("/api/v1/knowledge/categories", headers=h).json()
    assert (tree["total"], tree["uncategorized"]) == (7, 1)

    def shape(nodes):
        return [(n["name"], n["path"], n["count"], shape(n["children"])) for n in nodes]

    assert shape(tree["items"]) == [
        ("售后", "售后", 4, [("换货", "售后/换货", 1, []), ("退货", "售后/退货", 2, [])]),
        ("售后_x", "售后_x", 1, []),
        ("物流", "物流", 1, []),
    ]

    def questions(**params):
        return sorted(p["question"] for p in points(client, shop_a, **params))

    assert questions(category="售后") == ["售后电话", "怎么换货", "怎么退货", "退货运费"]  # not 售后_x
    assert questions(category="售后/退货") == ["怎么退货", "退货运费"]
    assert questions(category=" 售后 / 退货 ") == ["怎么退货", "退货运费"]
    assert questions(tag="VIP") == ["发货时间", "怎么换货"]
    assert questions(tag="VIP", category="物流") == ["发货时间"]
    assert questions(tag="V") == []
    assert questions(search="能退") == ["怎么退货"]  # a similar question
    assert questions(search="多久发货") == ["发货时间"]
    assert questions(search="vip") == ["发货时间", "怎么换货"]  # a tag, case-insensitive
    assert questions(search="u") == []  # not the JSON escapes
