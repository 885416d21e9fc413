"""Count what operators watch (messages, replies, latency, handoffs, errors, model time) for Prometheus.

Counters are fed from outside the domains: event listeners (`install`), an ASGI middleware (`HttpMetrics`) and
timing wrappers put around the bot's understanding and the embedders' calls (`time_bot`). The queue length is
read from the database when Prometheus scrapes. With several worker processes (`kefu serve --workers N`)
prometheus_client's multiprocess mode keeps each worker's numbers in files under PROMETHEUS_MULTIPROC_DIR, which
must be set before this module is imported (the CLI does it) so that one scrape sums every worker.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import threading
import time
from collections import OrderedDict, deque
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess as prom_multiprocess
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30)
MODEL_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5)
# Payload types of the bot's messages; anything else is counted as "other" so labels stay few.
REPLY_KINDS = frozenset({"answer", "buttons", "smalltalk", "queue", "product", "products", "product_answer", "order",
                         "tracking", "return"})
# System messages that are not the bot answering (an agent joined, a closed chat asks for a rating).
NOT_REPLIES = frozenset({"agent_joined", "rating_request"})

CUSTOMER_MESSAGES = Counter("kefu_customer_messages", "Customer messages stored.")
BOT_REPLIES = Counter("kefu_bot_replies", "Bot messages sent, by kind (the payload type; text: plain text).",
                      ["kind"])
REPLY_LATENCY = Histogram("kefu_reply_latency_seconds",
                          "From a customer message's commit to the commit of the first bot or system reply to it.",
                          buckets=LATENCY_BUCKETS)
HANDOFFS = Counter("kefu_handoffs", "Chats put in the queue for a person (handoffs, and requeues of an agent's "
                                    "chats when the agent left).")
ERRORS = Counter("kefu_errors", "Errors: http_5xx (responses), logged (ERROR log lines: failed listeners, sockets "
                                "and background jobs).", ["kind"])
UNDERSTAND = Histogram("kefu_bot_understand_seconds", "The bot understanding one message (matching, embeddings, "
                                                      "clauses), per call of Bot.decide.", buckets=MODEL_BUCKETS)
EMBED = Histogram("kefu_embed_seconds", "One call of a sentence embedder on texts not cached yet.", ["embedder"],
                  buckets=MODEL_BUCKETS)
HTTP_LATENCY = Histogram("kefu_http_request_seconds", "HTTP requests by route template, method and status class.",
                         ["route", "method", "status"], buckets=LATENCY_BUCKETS)
ERRORS.labels("http_5xx")
ERRORS.labels("logged")


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV)


def prepare_multiprocess(path: str | None = None) -> str:
    """Point prometheus_client at a fresh, empty folder for this server's workers (before they start) and return it.

    A folder left by an earlier run would add that run's counts to this one's, so its files are removed."""
    folder = Path(path or multiprocess_dir() or Path(os.environ.get("TMPDIR", "/tmp")) / f"kefu-metrics-{os.getpid()}")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(folder)
    return str(folder)


def worker_exited() -> None:
    """Tell the multiprocess files this worker is gone (live gauges only; counters keep their counts)."""
    if multiprocess_dir():
        prom_multiprocess.mark_process_dead(os.getpid())


class PendingReplies:
    """When each conversation's unanswered customer messages were committed, for the reply latency.

    In memory and per process: the bot answers in the process that stored the message. Bounded in size and age, as
    a message nobody answers (a person has the chat, the process died) must not stay for ever."""

    def __init__(self, max_conversations: int = 50_000, max_age: float = 600.0) -> None:
        self._pending: OrderedDict[int, deque[float]] = OrderedDict()
        self._lock = threading.Lock()
        self._max, self._age = max_conversations, max_age

    def asked(self, conversation_id: int, now: float) -> None:
        with self._lock:
            self._pending.setdefault(conversation_id, deque()).append(now)
            self._pending.move_to_end(conversation_id)
            while len(self._pending) > self._max:
                self._pending.popitem(last=False)

    def answered(self, conversation_id: int, now: float) -> float | None:
        """Seconds since the oldest unanswered message of the conversation, or None if none is waiting."""
        with self._lock:
            waiting = self._pending.get(conversation_id)
            while waiting and now - waiting[0] > self._age:
                waiting.popleft()
            if not waiting:
                self._pending.pop(conversation_id, None)
                return None
            started = waiting.popleft()
            if not waiting:
                del self._pending[conversation_id]
            return now - started

    def forget(self, conversation_id: int) -> None:
        with self._lock:
            self._pending.pop(conversation_id, None)


def install(runtime) -> PendingReplies:
    """Count committed events; call before the bot installs, so a customer message is seen before its reply."""
    pending = PendingReplies()

    def on_message(_rt, event: dict[str, Any]) -> None:
        message, conv_id = event["message"], event["conversation_id"]
        sender, kind = message["sender"], (message.get("payload") or {}).get("type")
        now = time.monotonic()
        if sender == "customer":
            CUSTOMER_MESSAGES.inc()
            pending.asked(conv_id, now)
        elif sender == "agent":
            pending.forget(conv_id)  # a person is answering: not the bot's latency
        elif kind not in NOT_REPLIES:
            if sender == "bot":
                BOT_REPLIES.labels(kind if kind in REPLY_KINDS else ("text" if kind is None else "other")).inc()
            waited = pending.answered(conv_id, now)
            if waited is not None:
                REPLY_LATENCY.observe(waited)

    def on_conversation(_rt, event: dict[str, Any]) -> None:
        status = event["conversation"]["status"]
        if status == "queued":
            HANDOFFS.inc()
        elif status in ("with_agent", "closed"):
            pending.forget(event["conversation_id"])

    runtime.listen("message_created", on_message)
    runtime.listen("conversation_updated", on_conversation)
    return pending


def _timed(fn, histogram):
    if getattr(fn, "kefu_timed", False):
        return fn

    @functools.wraps(fn)
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            histogram.observe(time.perf_counter() - started)

    timed.kefu_timed = True
    return timed


def time_bot(bot) -> None:
    """Time the bot's understanding of a message and its embedders' model calls, by wrapping them on the instances
    (the bot's code stays as it is)."""
    bot.decide = _timed(bot.decide, UNDERSTAND)
    index = bot.index
    for embedder in {id(e): e for e in (index.embedder, index.second_embedder, *index.classifier_embedders)
                     if e is not None}.values():
        model = getattr(embedder, "inner", embedder)  # a CachedEmbedder: time the model, not the cache
        model.encode = _timed(model.encode, EMBED.labels(model.name))


def queue_length(runtime) -> int:
    """Chats waiting for a person, over every shop (per shop would cost a query per shop at each scrape)."""
    from kefu.conversations.models import Conversation

    with runtime.db.session() as db:
        return db.scalar(select(func.count()).select_from(Conversation).where(Conversation.status == "queued"))


def exposition(runtime) -> bytes:
    """The text Prometheus scrapes: this process's (or every worker's) metrics and the scrape-time gauges."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        prom_multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(_ScrapeTime(runtime))


class _ScrapeTime:
    """Gauges read when Prometheus scrapes. A plain collector, not a Gauge: in multiprocess mode a Gauge would be
    written to a per-process file, which the multiprocess collector would then report a second time."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime

    def collect(self):
        yield GaugeMetricFamily("kefu_queue_length", "Chats waiting in the queue for a person, all shops.",
                                value=queue_length(self.runtime))


class HttpMetrics:
    """ASGI middleware: time each HTTP request under its route template (/api/v1/conversations/{conversation_id}),
    so that ids never become labels; count 5xx answers as errors. Websockets are long-lived and left out."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [500]

        async def sending(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            HTTP_LATENCY.labels(route, scope["method"], f"{status[0] // 100}xx").observe(time.perf_counter() - started)
            if status[0] >= 500:
                ERRORS.labels("http_5xx").inc()


class ErrorCounter(logging.Handler):
    """Count ERROR log lines: a failed listener, socket or background job is logged, not answered."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        ERRORS.labels("logged").inc()


def count_logged_errors() -> None:
    """Attach the counter where ERROR lines end up: the root logger, and uvicorn's when it keeps its own."""
    for logger in (logging.getLogger(), logging.getLogger("uvicorn")):
        if logger.name == "uvicorn" and logger.propagate:
            continue  # its lines reach the root's counter
        if not any(isinstance(h, ErrorCounter) for h in logger.handlers):
            logger.addHandler(ErrorCounter())
