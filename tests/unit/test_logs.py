"""JSON log lines: one object per line, the conversation and shop bound by context, no client address."""

from __future__ import annotations

import contextvars
import json
import logging
import threading

import pytest

from kefu.infra import logs


def line(record_args=None, *, name="kefu.bot.engine", msg="answered %s", exc=False) -> dict:
    exc_info = None
    if exc:
        try:
            raise ValueError("boom")
        except ValueError:
            import sys

            exc_info = sys.exc_info()
    record = logging.LogRecord(name, logging.WARNING, __file__, 1, msg, record_args or ("x",), exc_info)
    return json.loads(logs.JsonFormatter().format(record))


def test_a_line_names_what_the_context_binds_and_only_there():
    def handled():
        logs.bind(tenant=3, conversation=41)
        return line()

    out = contextvars.copy_context().run(handled)
    assert out["conversation_id"] == 41 and out["tenant_id"] == 3
    assert out["level"] == "warning" and out["logger"] == "kefu.bot.engine" and out["message"] == "answered x"
    assert out["time"].endswith("+00:00")
    assert "conversation_id" not in line()  # bound in another context: not here


def test_a_thread_started_from_a_context_carries_its_ids():
    seen = {}

    def worker():
        seen.update(line())

    def handler():
        logs.bind(conversation=7)
        ctx = contextvars.copy_context()  # what asyncio's to_thread and AnyIO's worker threads do
        t = threading.Thread(target=ctx.run, args=(worker,))
        t.start()
        t.join()

    contextvars.copy_context().run(handler)
    assert seen["conversation_id"] == 7 and "tenant_id" not in seen


def test_an_event_names_its_conversation_until_its_handling_is_done_even_nested():
    def delivered():
        with logs.handling({"type": "message_created", "tenant_id": 1, "conversation_id": 10}):
            outer = line()
            with logs.handling({"type": "message_created", "tenant_id": 1, "conversation_id": 11}):
                inner = line()
            after_inner = line()
        return outer, inner, after_inner, line()

    outer, inner, after_inner, after = contextvars.copy_context().run(delivered)
    assert (outer["conversation_id"], inner["conversation_id"], after_inner["conversation_id"]) == (10, 11, 10)
    assert "conversation_id" not in after and "tenant_id" not in after


def test_the_access_log_keeps_neither_the_client_address_nor_the_query():
    out = line(("203.0.113.9:5123", "GET", "/api/v1/widget/config?key=pk_123", "1.1", 200), name="uvicorn.access",
               msg='%s - "%s %s HTTP/%s" %d')
    assert out["message"] == "GET /api/v1/widget/config 200" and out["status"] == 200
    assert "203.0.113.9" not in json.dumps(out) and "pk_123" not in json.dumps(out)


def test_a_traceback_stays_inside_its_line():
    out = line(exc=True)
    assert "ValueError: boom" in out["exc"]


def test_log_configs():
    text = logs.uvicorn_log_config("text")
    assert text["root"]["handlers"] == ["named"] and "uvicorn.access" in text["loggers"]
    js = logs.uvicorn_log_config("json")
    assert js["formatters"]["json"]["()"] == "kefu.infra.logs.JsonFormatter"
    with pytest.raises(ValueError):
        logs.uvicorn_log_config("xml")
