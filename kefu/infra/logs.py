"""Format log lines as text or JSON, tagged with the conversation and shop being handled.

Where a conversation is handled (the widget's socket, a request with a conversation in its path, an event's
listeners) `bind()` sets context variables; every line logged afterwards in that task or thread carries them.
Asyncio tasks and the worker threads they start copy the context, so a value bound in a websocket handler reaches
the actions it runs in threads. Only ids are logged: never a message's text or a customer's data.
"""

from __future__ import annotations

import contextvars
import copy
import datetime as dt
import json
import logging
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


# The ids each event being delivered replaced, innermost last: the bot's reply is delivered inside the delivery of
# the message it answers.
_entered: contextvars.ContextVar[tuple] = contextvars.ContextVar("kefu_log_entered", default=())
EVENTS = ("conversation_opened", "message_created", "handoff_requested", "conversation_updated")


def enter_event(_runtime: Any, event: dict[str, Any]) -> None:
    """The first listener of an event: what its next listeners log names its conversation and shop."""
    tokens = (tenant_id.set(event.get("tenant_id")), conversation_id.set(event.get("conversation_id")))
    _entered.set((*_entered.get(), tokens))


def leave_event(_runtime: Any, _event: dict[str, Any]) -> None:
    """The last listener: put back the ids from before, so that a long-lived thread (the sweeper) does not keep
    naming a conversation it has finished with."""
    entered = _entered.get()
    if not entered:
        return
    _entered.set(entered[:-1])
    tenant_token, conversation_token = entered[-1]
    conversation_id.reset(conversation_token)
    tenant_id.reset(tenant_token)


def install(runtime: Any, *, last: bool = False) -> None:
    """Register enter_event before every other listener of the conversation events, or leave_event after them."""
    for name in EVENTS:
        runtime.listen(name, leave_event if last else enter_event)


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
