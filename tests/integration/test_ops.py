"""Operators' endpoints: liveness, readiness with the check that failed, and the Prometheus metrics."""

from __future__ import annotations

import json
import logging
import os

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from kefu.config import Settings
from kefu.migrate import upgrade
from kefu.runtime import Runtime
from kefu.web.app import create_app
from kefu.web.ops import Readiness
from tests.conftest import api_headers

TOKEN = "scrape-secret"
MESSAGES = "/api/v1/channels/api/conversations/{conversation_id}/messages"


@pytest.fixture
def ops_client(settings):
    rt = Runtime(settings.model_copy(update={"metrics_token": TOKEN}))
    app = create_app(rt)
    with TestClient(app, raise_server_exceptions=False) as c:
        assert app.state.readiness.warmed.wait(120), "the bot's models never loaded"
        yield c
    rt.db.dispose()


def scrape(client) -> dict[tuple[str, tuple], float]:
    r = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_healthz_names_the_worker_and_neither_endpoint_is_in_the_schema(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["pid"] == os.getpid()
    paths = client.get("/openapi.json").json()["paths"]
    assert not {"/healthz", "/readyz", "/metrics"} & set(paths)


def test_ready_once_the_model_is_loaded_and_503_while_it_warms_up(ops_client):
    r = ops_client.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json()["checks"] == {"database": "ok", "migrations": "ok", "model": "ok"}
    ops_client.app.state.readiness.warmed.clear()
    r = ops_client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["failed"] == ["model"] and r.json()["checks"]["model"] == "warming up"


def test_not_ready_on_an_old_schema_or_without_redis(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0016")
    rt = Runtime(Settings(database_url=url))
    checks = Readiness(rt).check()
    assert checks["database"] == "ok"
    assert checks["migrations"].startswith("database at 0016") and "kefu db upgrade" in checks["migrations"]
    rt.db.dispose()

    rt = Runtime(Settings(database_url=f"sqlite:///{tmp_path / 'none' / 'missing.db'}",
                          redis_url="redis://127.0.0.1:1/0"))
    readiness = Readiness(rt)
    checks = readiness.check()
    assert checks["redis"].startswith("unreachable") and checks["database"].startswith("unreachable")
    readiness.close()
    rt.db.dispose()


def test_metrics_are_off_without_a_token_and_refuse_a_wrong_one(client, ops_client):
    r = client.get("/metrics")
    assert r.status_code == 404 and r.json()["error"]["code"] == "metrics_off"
    for header in ({}, {"Authorization": "Bearer nope"}, {"Authorization": TOKEN}):
        r = ops_client.get("/metrics", headers=header)
        assert r.status_code == 401 and r.json()["error"]["code"] == "metrics_token"


def test_a_conversation_moves_the_counters(ops_client, shop_a, agent_online):
    h = api_headers(shop_a)
    ops_client.post("/api/v1/knowledge", headers=h, json={
        "question": "什么时候发货？", "similar_questions": ["多久发货"], "answer": "48 小时内发货"})
    before = scrape(ops_client)
    opened = ops_client.post("/api/v1/channels/api/conversations", json={"customer_id": "m-1"}, headers=h).json()
    url = MESSAGES.format(conversation_id=opened["conversation"]["id"])
    r = ops_client.post(url, json={"text": "你好"}, headers=h)
    assert r.status_code == 200 and r.json()["replies"][0]["sender"] == "bot"
    r = ops_client.post(url, json={"text": "请问下单后多久发货"}, headers=h)
    assert [m["text"] for m in r.json()["replies"]] == ["48 小时内发货"]
    r = ops_client.post(url, json={"text": "转人工"}, headers=h)
    assert r.json()["replies"], r.text
    after = scrape(ops_client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("kefu_customer_messages_total") == 3
    assert delta("kefu_bot_replies_total", kind="smalltalk") == 1
    assert delta("kefu_bot_replies_total", kind="answer") == 1
    assert delta("kefu_reply_latency_seconds_count") == 3  # each customer message had a reply
    assert 0 < delta("kefu_reply_latency_seconds_sum") < 60
    assert delta("kefu_handoffs_total") == 1
    assert value(after, "kefu_queue_length") == 1
    assert delta("kefu_bot_understand_seconds_count") >= 2
    assert delta("kefu_embed_seconds_count", embedder="use-multilingual-v3") >= 1  # the new question's words
    assert delta("kefu_http_request_seconds_count", route=MESSAGES, method="POST", status="2xx") == 3
    # Ids never become labels.
    assert not any("m-1" in str(key) or url in str(key) for key in after)


def test_5xx_answers_and_logged_errors_count_as_errors(ops_client):
    def boom():
        raise RuntimeError("a bug")

    ops_client.app.add_api_route("/boom-for-test", boom)
    before = scrape(ops_client)
    assert ops_client.get("/boom-for-test").status_code == 500
    after = scrape(ops_client)
    assert value(after, "kefu_errors_total", kind="http_5xx") - value(before, "kefu_errors_total", kind="http_5xx") == 1
    # A failed listener or socket is logged, not answered: ERROR lines count (uvicorn logs the 500's traceback
    # too, which TestClient does not).
    logging.getLogger("kefu.live.socket").error("staff socket failed")
    logged = value(scrape(ops_client), "kefu_errors_total", kind="logged")
    assert logged - value(before, "kefu_errors_total", kind="logged") == 1
    unmatched = value(after, "kefu_http_request_seconds_count", route="unmatched", method="GET", status="4xx")
    ops_client.get("/no/such/page/123")
    assert value(scrape(ops_client), "kefu_http_request_seconds_count", route="unmatched", method="GET",
                 status="4xx") == unmatched + 1


def test_lines_logged_while_a_message_is_handled_name_its_conversation(app, client, shop_a):
    from kefu.infra.logs import JsonFormatter

    lines = []

    class Capture(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(JsonFormatter().format(record)))

    logger = logging.getLogger("kefu.test.handled")
    capture = Capture()
    logger.addHandler(capture)
    bot = app.state.bot
    decide = bot.decide

    def logging_decide(*args, **kwargs):  # a line logged by the bot while it answers
        logger.warning("deciding")
        return decide(*args, **kwargs)

    bot.decide = logging_decide
    h = api_headers(shop_a)
    opened = client.post("/api/v1/channels/api/conversations", json={"customer_id": "l-1"}, headers=h).json()
    cid = opened["conversation"]["id"]
    client.post(MESSAGES.format(conversation_id=cid), json={"text": "多久发货"}, headers=h)
    logger.removeHandler(capture)
    assert [line["message"] for line in lines] == ["deciding"]
    assert lines[0]["conversation_id"] == cid and lines[0]["tenant_id"] == shop_a.tenant_id
    assert "多久发货" not in json.dumps(lines, ensure_ascii=False)
