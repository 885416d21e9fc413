"""Build the ASGI app: routers, error handling, limits, security headers, static files and pages."""

from __future__ import annotations

import logging
import re
import threading
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection

import kefu
from kefu.attachments import routes as attachment_routes
from kefu.audit import routes as audit_routes
from kefu.bot import routes as bot_routes
from kefu.bot.engine import Bot
from kefu.bot.index import KnowledgeIndex
from kefu.channels import api as api_channel
from kefu.channels import widget
from kefu.commerce import routes as store_routes
from kefu.conversations import routes as conversation_routes
from kefu.errors import KefuError
from kefu.flows import routes as flow_routes
from kefu.infra import logs, metrics
from kefu.infra.inflight import Deliveries
from kefu.knowledge import routes as knowledge_routes
from kefu.knowledge.importer import ImportRunner
from kefu.learning import routes as learning_routes
from kefu.live import actions as live_actions
from kefu.live import routes as live_routes
from kefu.live import socket as live_socket
from kefu.packs import routes as pack_routes
from kefu.packs import server as pack_server
from kefu.privacy import logfilter
from kefu.privacy import routes as privacy_routes
from kefu.privacy.retention import Purger
from kefu.products import card_routes
from kefu.products import routes as product_routes
from kefu.reactions.runner import Poller
from kefu.reports import routes as report_routes
from kefu.reports.refresher import Refresher
from kefu.runtime import Runtime
from kefu.tenants import routes as tenant_routes
from kefu.web import guard, ops, pages
from kefu.web.ops import Readiness

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
# How long a stopping server waits for replies still being written; a reply is bounded by the order system's
# timeouts (3 s a call), so this is several calls' worth.
REPLY_GRACE_SECONDS = 30


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status,
                        headers=headers)


async def _bind_conversation(connection: HTTPConnection) -> None:
    # async, so that it runs in the request's task and the worker thread of a sync route inherits the value.
    conversation = connection.path_params.get("conversation_id")
    if isinstance(conversation, str) and conversation.isdigit():
        logs.bind(conversation=int(conversation))


def create_app(runtime: Runtime | None = None) -> FastAPI:
    """Return the kefu app; a runtime is made from the environment's settings unless one is given."""
    runtime = runtime or Runtime()
    logfilter.install()  # no phone numbers or e-mail addresses in any log line of this process

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await runtime.bus.start()
        # Off the event loop and not awaited: the server answers at once; the model is ready a second later
        # (/readyz says when).
        threading.Thread(target=warm_up, name="kefu-warm-up", daemon=True).start()
        sweeper = live_actions.Sweeper(runtime)
        sweeper.start()
        reports_refresher = Refresher(runtime)
        reports_refresher.start()
        # Reactions a crashed process or a failure left owed (the bot's answer to a message) are taken up here.
        reactions = Poller(runtime)
        reactions.start()
        purger = Purger(runtime)
        purger.start()
        try:
            yield
        finally:
            purger.stop()
            # Messages still being answered (the server takes no new ones now): their replies are stored before the
            # process ends, even when the graceful shutdown time ran out.
            if not await anyio.to_thread.run_sync(deliveries.wait, REPLY_GRACE_SECONDS):
                log.warning("stopping with %d message(s) still being answered", deliveries.busy())
            reactions.stop()
            reports_refresher.stop()
            sweeper.stop()
            # Let running knowledge imports finish (each is one transaction) rather than cut them off.
            await anyio.to_thread.run_sync(imports.wait, 60)
            await runtime.bus.stop()
            readiness.close()
            metrics.worker_exited()

    app = FastAPI(
        title="kefu",
        version=kefu.__version__,
        description="Intelligent customer service for e-commerce shops. Staff routes take the session cookie "
                    "from /api/v1/auth/login or `Authorization: Bearer <API key>`.",
        lifespan=lifespan,
        # Log lines of a request about one conversation name it (kefu/infra/logs.py).
        dependencies=[Depends(_bind_conversation)],
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    imports = app.state.imports = ImportRunner(runtime.db)
    # Request bodies are small everywhere except uploads, which get their own limit.
    upload_limits = {knowledge_routes.IMPORT_PATH: runtime.settings.max_import_bytes + 64 * 1024,
                     product_routes.IMPORT_PATH: runtime.settings.max_import_bytes + 64 * 1024}
    attachment_limit = runtime.settings.max_upload_bytes + 64 * 1024
    upload_limits[widget.UPLOAD_PATH] = attachment_limit
    attachment_upload = re.compile(re.escape(api_channel.UPLOAD_PATH).replace(r"\{conversation_id\}", r"\d+"))

    def body_limit(path: str) -> int | None:
        """The largest body a path takes, if it is an upload (None: the general limit)."""
        return attachment_limit if attachment_upload.fullmatch(path) else upload_limits.get(path)
    bot = app.state.bot = Bot(KnowledgeIndex(runtime.settings.embedder))
    readiness = app.state.readiness = Readiness(runtime)

    def warm_up() -> None:
        try:
            bot.warm_up()
        except Exception:  # /readyz keeps saying "warming up"; the first customer loads the model instead
            log.exception("loading the bot's models failed")
            return
        readiness.warmed.set()

    # Around every event's listeners and reactions: log lines name its conversation, and a stopping server waits
    # for it. Metrics' listeners come before the others, so a customer message is counted before it is answered.
    logs.install(runtime)
    deliveries = app.state.deliveries = Deliveries()
    deliveries.install(runtime)
    metrics.install(runtime)
    metrics.time_bot(bot)
    metrics.count_logged_errors()
    bot.install(runtime)
    live_actions.install(runtime)

    @app.exception_handler(KefuError)
    async def _kefu_error(_request: Request, exc: KefuError):
        return _error(exc.status, exc.code, exc.message, headers=exc.headers or None)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError):
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return _error(400, "malformed_json", "the request body is not valid JSON")
        details = [{"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "problem": e.get("msg", "")}
                   for e in errors]
        summary = "; ".join(f"{d['field'] or 'body'}: {d['problem']}" for d in details)
        return _error(422, "invalid_request", summary, details=details)

    @app.exception_handler(OperationalError)
    async def _database_away(request: Request, exc: OperationalError):
        # The database restarted or cut the connection mid-request: nothing was committed, the client may retry.
        log.warning("database unavailable during %s %s: %s", request.method, request.url.path, exc.orig)
        return _error(503, "unavailable", "the database is briefly unavailable; try again",
                      headers={"Retry-After": "1"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException):
        return _error(exc.status_code, "http_error", str(exc.detail))

    @app.middleware("http")
    async def _limits_and_headers(request: Request, call_next):
        response = await _guard(request) or await call_next(request)
        guard.add_security_headers(request, response, runtime.settings)
        return response

    async def _guard(request: Request) -> JSONResponse | None:
        """A refusal of the request before any route sees it, or None."""
        length = request.headers.get("content-length")
        upload_limit = body_limit(request.url.path)
        limit = upload_limit or runtime.settings.max_request_bytes
        if length and length.isdigit() and int(length) > limit:
            return _error(413, "request_too_large", f"request body larger than {limit} bytes")
        if not length and upload_limit and request.method == "POST":
            # A streamed upload of unknown size would be spooled in full before any route could refuse it.
            return _error(411, "length_required", "send the file with a Content-Length header")
        if why := guard.cross_site_refusal(request, runtime.settings):
            return _error(403, "cross_site", why)
        if not upload_limit and await guard.has_nul(request):
            return _error(422, "nul_character", "text must not contain the NUL character (\\u0000)")
        return None

    @app.exception_handler(DataError)
    async def _data_error(_request: Request, exc: DataError):
        # A value the database cannot hold that no schema limit caught (the limits in kefu/limits.py and the
        # schemas should): the client gets the reason instead of a 500, and the log keeps the statement.
        log.warning("refused a value the database cannot hold: %s", exc)
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "out of range"
        return _error(422, "invalid_value", f"a value is out of range or not storable: {reason[:200]}")

    app.add_middleware(guard.CrossSiteSockets, settings=runtime.settings)

    # Outermost: times the whole request, limits included.
    app.add_middleware(metrics.HttpMetrics)

    for router in (tenant_routes.router, knowledge_routes.router, knowledge_routes.dictionary,
                   conversation_routes.router, conversation_routes.left_messages,
                   store_routes.router, flow_routes.router, live_routes.router, live_routes.notes, live_socket.router,
                   api_channel.router, widget.router, pack_routes.router, pack_server.router,
                   attachment_routes.router, bot_routes.router, report_routes.router, product_routes.router,
                   card_routes.router, learning_routes.router, privacy_routes.router,
                   audit_routes.router):
        app.include_router(router)

    import swagger_ui_bundle

    app.mount("/static/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs():
        # Served from the installed bundle, not a CDN, so the docs work offline.
        return get_swagger_ui_html(openapi_url="/openapi.json", title="kefu API",
                                   swagger_js_url="/static/swagger/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger/swagger-ui.css",
                                   swagger_favicon_url="/static/swagger/favicon-32x32.png")

    app.include_router(ops.router)
    app.include_router(pages.router)
    return app
