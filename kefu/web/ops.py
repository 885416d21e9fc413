"""Answer operators' tools: /healthz (alive), /readyz (able to serve) and /metrics (Prometheus).

None appears in the API schema; /healthz and /readyz need no login, /metrics needs KEFU_METRICS_TOKEN.
/readyz answers 503 with the checks that failed until the database answers, Redis answers (when configured), the
schema is at the code's migration head, and the bot's models are loaded: a load balancer sends no customer to a
worker still warming up.
"""

from __future__ import annotations

import functools
import hmac
import os
import threading

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

import kefu
from kefu.errors import NotFound, Unauthorized
from kefu.infra import metrics
from kefu.migrate import MIGRATIONS
from kefu.runtime import Runtime

router = APIRouter(include_in_schema=False)


@functools.cache
def code_heads() -> frozenset[str]:
    """The migration heads this code expects (read from the migration files once)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


class Readiness:
    """The checks behind /readyz; `warmed` is set once the bot's models are loaded."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.warmed = threading.Event()
        self._redis = None
        if runtime.settings.redis_url:
            import redis

            self._redis = redis.Redis.from_url(runtime.settings.redis_url, socket_timeout=2,
                                               socket_connect_timeout=2)

    def check(self) -> dict[str, str]:
        """Each check's state: "ok", or what is wrong."""
        checks = {"database": "ok", "migrations": "ok"}
        try:
            with self.runtime.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                from alembic.runtime.migration import MigrationContext

                at = frozenset(MigrationContext.configure(conn).get_current_heads())
            if at != code_heads():
                checks["migrations"] = (f"database at {', '.join(sorted(at)) or 'no revision'}, code at "
                                        f"{', '.join(sorted(code_heads()))}: run `kefu db upgrade`")
        except Exception as exc:  # any failure means: not ready, and say why
            checks["database"] = f"unreachable ({type(exc).__name__})"
            checks["migrations"] = "unknown (no database)"
        if self._redis is not None:
            try:
                self._redis.ping()
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = f"unreachable ({type(exc).__name__})"
        checks["model"] = "ok" if self.warmed.is_set() else "warming up"
        return checks

    def close(self) -> None:
        if self._redis is not None:
            self._redis.close()


@router.get("/healthz")
def healthz():
    """Alive: the process answers (the pid tells which worker did)."""
    return {"ok": True, "version": kefu.__version__, "pid": os.getpid()}


@router.get("/readyz")
def readyz(request: Request):
    """Ready to serve customers, or 503 naming the checks that failed."""
    checks = request.app.state.readiness.check()
    failed = [name for name, state in checks.items() if state != "ok"]
    return JSONResponse({"ready": not failed, "checks": checks, "failed": failed, "pid": os.getpid()},
                        status_code=503 if failed else 200)


@router.get("/metrics")
def prometheus_metrics(request: Request):
    """Prometheus' scrape: off (404) unless KEFU_METRICS_TOKEN is set, then only with that bearer token."""
    runtime: Runtime = request.app.state.runtime
    token = runtime.settings.metrics_token
    if not token:
        raise NotFound("metrics are off: set KEFU_METRICS_TOKEN to turn them on", code="metrics_off")
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise Unauthorized("metrics need Authorization: Bearer <KEFU_METRICS_TOKEN>", code="metrics_token")
    return Response(metrics.exposition(runtime), media_type=CONTENT_TYPE_LATEST)
