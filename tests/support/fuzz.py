"""Fuzz kefu's API with schemathesis in-process and collect every server error (5xx) it provokes.

The app is called through its ASGI interface (no server, no network). Each run generates requests from the app's
own OpenAPI schema: the examples and coverage phases (edge values of every parameter and body field), the fuzzing
phase (random valid and invalid data) and the stateful phase (chains of calls that feed one response's ids into the
next request). Only the `not_a_server_error` check is on: kefu promises that no input makes it fail with a 5xx;
other findings of schemathesis (a response field the schema does not list, say) are not this test's business.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.python import asgi

# The server replies 503 on purpose when a report is still being built (docs/reports.md): a promise, not a fault.
EXPECTED_5XX = {503}
SLOW = 5.0


@dataclass
class ServerError:
    method: str
    url: str
    status: int
    body: str
    response: str

    def __str__(self) -> str:
        return f"{self.status} {self.method} {self.url} body={self.body[:300]!r} -> {self.response[:300]}"


@dataclass
class FuzzReport:
    seed: int = 0
    operations: int = 0
    requests: int = 0
    seconds: float = 0.0
    phases: dict[str, int] = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)
    errors: list[ServerError] = field(default_factory=list)
    slow: list[str] = field(default_factory=list)
    engine_errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"seed {self.seed}: {self.operations} operations, {self.requests} requests in {self.seconds:.0f} s "
                 f"({', '.join(f'{k}: {v}' for k, v in self.phases.items())}); {len(self.errors)} server errors",
                 "  statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))]
        lines += [f"  {e}" for e in self.errors]
        lines += [f"  engine error: {e}" for e in self.engine_errors]
        lines += [f"  slow: {e}" for e in self.slow]
        return "\n".join(lines)


class Watch:
    """Wrap the ASGI app: note every 5xx it answers, with the request body and the exception behind it.

    Starlette answers an unhandled exception with a plain 500 and raises it again; the wrapper keeps the exception
    and swallows it, so the fuzzer goes on as it would against a real server.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.errors: list[ServerError] = []
        self.slow: list[str] = []  # requests that took more than SLOW seconds: what a read timeout was
        self._seen: set[tuple[str, str, int, str]] = set()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        body = bytearray()
        status = 0

        async def receive_body():
            message = await receive()
            body.extend(message.get("body", b""))
            return message

        async def send_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        problem = ""
        started = time.monotonic()
        try:
            await self.app(scope, receive_body, send_status)
        except Exception as exc:
            problem = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
            status = status or 500
        finally:
            if (took := time.monotonic() - started) > SLOW:
                self.slow.append(f"{took:.1f} s {scope['method']} {scope['path']} {bytes(body[:200])!r}")
        if status >= 500 and status not in EXPECTED_5XX:
            self._note(scope, status, bytes(body), problem)

    def _note(self, scope, status: int, body: bytes, problem: str) -> None:
        route = scope.get("route")  # the path template, so one fault is listed once whatever the ids
        key = (scope["method"], getattr(route, "path", scope["path"]), status, problem)
        if key in self._seen:
            return
        self._seen.add(key)
        query = scope.get("query_string", b"").decode("latin-1")
        url = scope["path"] + (f"?{query}" if query else "")
        self.errors.append(ServerError(scope["method"], url, status, body.decode("utf-8", "replace"),
                                       problem or "a 5xx answer"))


# Two runs, so the stateful phase gets its share even when a busy machine would spend a shared budget on the rest.
RUNS = ((("examples", "coverage", "fuzzing"), 2 / 3), (("stateful",), 1 / 3))


def fuzz(app, *, headers: dict[str, str], exclude: list[tuple[str, str]] = (), max_examples: int = 10,
         max_steps: int = 10, seed: int | None = None, max_seconds: int | None = None) -> FuzzReport:
    """Run every schemathesis phase against `app` with `headers` on each request; return what it saw.

    With max_seconds, the coverage and fuzzing phases get two thirds of it and the stateful phase the rest.
    """
    watch = Watch(app)
    report = FuzzReport()
    started = time.monotonic()
    try:
        for phases, share in RUNS:
            options = {
                "headers": headers,
                "checks": {"enabled": False, "not_a_server_error": {"enabled": True}},
                "generation": {"mode": "all", "max-examples": max_examples, "database": "none", "no-shrink": True},
                "phases": {name: {"enabled": name in phases} for name in ("examples", "coverage", "fuzzing")}
                | {"stateful": {"enabled": "stateful" in phases, "max-steps": max_steps}},
                "warnings": False,
                # A slow operation (a pack import on a busy machine) is listed as slow, not taken for a failure.
                "request-timeout": 120,
            }
            if seed is not None:
                options["seed"] = seed
            if max_seconds:
                options["max-time"] = max(1, round(max_seconds * share))
            config = SchemathesisConfig.from_dict(options)
            # The schema is built on first request: seconds on a busy machine, more than the loader's default wait.
            schema = schemathesis.openapi.from_asgi("/openapi.json", watch, config=config, timeout=120)
            for method, path in exclude:
                schema = schema.exclude(method=method, path=path)
            report.seed, report.operations = config.seed, schema.statistic.operations.selected
            try:
                _collect(from_schema(schema).execute(), report)
            finally:
                asgi.shutdown_lifespans()
    finally:
        report.seconds = time.monotonic() - started
        report.errors, report.slow = watch.errors, watch.slow
    return report


def _collect(stream, report: FuzzReport) -> None:
    for event in stream:
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            phase = getattr(event, "phase", "fuzz")
            phase = getattr(phase, "value", str(phase))
            interactions = event.recorder.interactions.values()
            report.requests += len(interactions)
            report.phases[phase] = report.phases.get(phase, 0) + len(interactions)
            report.statuses.update(i.response.status_code for i in interactions if i.response is not None)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            problem = getattr(event, "value", None) or getattr(event, "exception", event)
            report.engine_errors.append(f"{getattr(event, 'label', '')}: {problem}")
