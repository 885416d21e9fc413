"""Refuse cross-site writes made with the session cookie, and put the security headers on every response.

The session cookie is SameSite=Lax, which keeps it off cross-site POSTs, but not off requests from another origin
of the same site (shop.example.com → kefu.example.com) nor from browsers that ignore SameSite. So a write that a
browser sends with the cookie must also come from kefu's own pages: its Origin (or, without one, its Referer)
names kefu's origin or one the deployment allows (KEFU_ALLOWED_ORIGINS). API keys are sent by programs, not
browsers, and the widget's requests carry the shop key, not the cookie: neither is checked.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from kefu.access import SESSION_COOKIE
from kefu.config import Settings

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The login sets the cookie: a forged one would log the victim into someone else's account.
LOGIN_PATH = "/api/v1/auth/login"
# The widget frame is embedded in shops' pages; every other page (the console, the workspace) must not be framed.
EMBEDDABLE_PAGES = frozenset({"/widget/frame"})
WIDGET_PREFIX = "/api/v1/widget/"

NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data: blob: https:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'")


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of a URL, lower-case, or None if it has none."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    try:
        port = parts.port
    except ValueError:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def own_origins(request: HTTPConnection, settings: Settings) -> set[str]:
    """The origins kefu's own pages are served from: this request's, the public URL's, and the allowed ones."""
    origins = {origin_of(o) for o in settings.allowed_origins.split(",") if o.strip()}
    if settings.public_url:
        origins.add(origin_of(settings.public_url))
    host = request.headers.get("host")
    if host:
        scheme = {"ws": "http", "wss": "https"}.get(request.url.scheme, request.url.scheme)
        origins.add(origin_of(f"{scheme}://{host}"))
    origins.discard(None)
    return origins


def is_cookie_write(request: Request) -> bool:
    """A write a browser may have sent on its own: it carries the session cookie and no API key (or is a login)."""
    if request.method not in UNSAFE_METHODS:
        return False
    if request.url.path == LOGIN_PATH:
        return True
    return SESSION_COOKIE in request.cookies and not request.headers.get("authorization")


def cross_site_refusal(request: Request, settings: Settings) -> str | None:
    """Why a cookie-authenticated write is refused as cross-site, or None when it may go on.

    A request with neither Origin nor Referer (a program, an old browser) goes on: the cookie is HttpOnly and
    SameSite, and browsers send Origin on every cross-origin POST.
    """
    if not is_cookie_write(request):
        return None
    return foreign_origin(request, settings)


def foreign_origin(request: HTTPConnection, settings: Settings) -> str | None:
    """Why the page that sent this request is not kefu's own, or None when it is (or does not say)."""
    claimed = request.headers.get("origin")
    source = "Origin"
    if claimed is None:
        claimed = request.headers.get("referer")
        source = "Referer"
        if claimed is None:
            return None
    origin = origin_of(claimed) if claimed != "null" else None
    if origin is not None and origin in own_origins(request, settings):
        return None
    return (f"this request comes from another site ({source}: {claimed[:100]}); a logged-in write must come from "
            f"kefu's own pages or an origin in KEFU_ALLOWED_ORIGINS")


class CrossSiteSockets:
    """Refuse a websocket opened with the session cookie from another site's page (the staff socket streams the
    shop's conversations): the handshake is answered 403 before the socket is accepted. Browsers always send
    Origin on a websocket handshake. The widget's socket authenticates with the shop key and is not checked."""

    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not scope["path"].startswith(WIDGET_PREFIX):
            connection = HTTPConnection(scope)
            if SESSION_COOKIE in connection.cookies and connection.headers.get("origin") is not None \
                    and foreign_origin(connection, self.settings):
                await send({"type": "websocket.close", "code": 4403, "reason": "cross_site"})
                return
        await self.app(scope, receive, send)


async def has_nul(request: Request) -> bool:
    """Whether the query or a JSON body holds a NUL character, which no text column can store (PostgreSQL refuses
    it; SQLite would keep a string that ends early for C code): refused before any route sees it."""
    if "%00" in request.url.query or "\x00" in request.url.path:
        return True
    if not request.headers.get("content-type", "").startswith("application/json"):
        return False
    # In JSON text a NUL can only be the escape \u0000; one preceded by an odd number of backslashes is plain text.
    return NUL_ESCAPE.search(await request.body()) is not None


def add_security_headers(request: Request, response: Response, settings: Settings) -> None:
    """Headers for every response: no sniffing, no referrer leaks, no framing (except the widget), CSP on pages."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    embeddable = request.url.path in EMBEDDABLE_PAGES
    if not embeddable:
        headers.setdefault("X-Frame-Options", "DENY")
    if headers.get("content-type", "").startswith("text/html"):
        # Pages run only the project's own scripts; user text is always inserted as text, never markup.
        headers.setdefault("Content-Security-Policy", PAGE_POLICY if embeddable else f"{PAGE_POLICY}; "
                           "frame-ancestors 'none'")
    if settings.hsts_seconds and (request.url.scheme == "https" or settings.public_url.startswith("https://")):
        headers.setdefault("Strict-Transport-Security", f"max-age={settings.hsts_seconds}; includeSubDomains")
