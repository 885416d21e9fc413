"""Format log lines as text or JSON, tagged with the conversation and shop being handled.

Where a conversation is handled (the widget's socket, a request with a conversation in its path, an event's
listeners and reactions), `bind()` and `handling()` set context variables; every line logged afterwards in that
task or thread carries them. Asyncio tasks and the worker threads they start copy the context, so a value bound
in a websocket handler reaches the actions it runs in threads. Only ids are logged: never a message's text or a
customer's data.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import datetime as dt
import json
import logging
from collections.abc import Iterator
from typing import Any

conversation_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("kefu_conversation_id", default=None)
tenant_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("kefu_tenant_id", default=None)

FORMATS = ("text", "json")
# Libraries whose INFO lines are noise, or worse: httpx logs every URL it calls, a shop's customer ids included.
QUIET = {name: {"level": "WARNING"} for name in ("alembic", "httpx", "httpcore", "bm25s", "jieba", "urllib3")}


def bind(*, tenant: int | None = None, conversation: int | None = None) -> None:
    """Tag this task's (or thread's) later log lines with a shop and a conversation; None leaves one as it is."""
    if tenant is not None:
        tenant_id.set(tenant)
    if conversation is not None:
        conversation_id.set(conversation)


@contextlib.contextmanager
def handling(event: dict[str, Any]) -> Iterator[None]:
    """While an event is handled (its listeners and reactions), what is logged names its conversation and shop;
    the ids from before are put back afterwards, so a long-lived thread (the sweeper) does not keep naming a
    conversation it has finished with."""
    tenant_token = tenant_id.set(event.get("tenant_id"))
    conversation_token = conversation_id.set(event.get("conversation_id"))
    try:
        yield
    finally:
        conversation_id.reset(conversation_token)
        tenant_id.reset(tenant_token)


def install(runtime: Any) -> None:
    """Tag the log lines of every event's handling (Runtime.around)."""
    runtime.around(handling)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and conversation_id/tenant_id when known."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            # (client address, method, path, http version, status): the client's address is personal data, and
            # a query string may carry anything, so neither is kept.
            _client, method, path, _version, status = record.args
            path = str(path).split("?", 1)[0]
            out.update(message=f"{method} {path} {status}", method=method, path=path, status=status)
        else:
            out["message"] = record.getMessage()
        conv, tenant = conversation_id.get(), tenant_id.get()
        if conv is not None:
            out["conversation_id"] = conv
        if tenant is not None:
            out["tenant_id"] = tenant
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def uvicorn_log_config(fmt: str) -> dict[str, Any]:
    """uvicorn's log_config for a format: uvicorn's own lines and handlers, and a root handler so that kefu's
    loggers print too (text), or one JSON handler on stderr for everything (json)."""
    if fmt not in FORMATS:
        raise ValueError(f"log format is one of {', '.join(FORMATS)}")
    if fmt == "text":
        from uvicorn.config import LOGGING_CONFIG

        config = copy.deepcopy(LOGGING_CONFIG)
        config["formatters"]["named"] = {"()": "uvicorn.logging.DefaultFormatter",
                                         "fmt": "%(levelprefix)s %(name)s: %(message)s"}
        config["handlers"]["named"] = {"class": "logging.StreamHandler", "formatter": "named",
                                       "stream": "ext://sys.stderr", "level": "INFO"}
        config["root"] = {"handlers": ["named"], "level": "INFO"}
        config["loggers"].update(copy.deepcopy(QUIET))
        return config
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr", "level": "INFO"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "kefu.infra.logs.JsonFormatter"}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["default"], "level": "INFO", "propagate": False},
            **copy.deepcopy(QUIET),
        },
        # kefu's own loggers (and libraries') propagate to the root.
        "root": {"handlers": ["default"], "level": "INFO"},
    }
