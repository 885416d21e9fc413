"""Serve the HTML pages: the demo storefront, the widget frame, the admin console and the workspace.

The pages are Jinja2 templates in pages/: the console pages extend _console.html and use the pieces in
_macros.html. A file whose name starts with "_" is only a part of other pages and is never served by itself.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select

from kefu.access import DbDep
from kefu.demo import DEMO_SLUG
from kefu.tenants.models import Tenant

router = APIRouter(include_in_schema=False)
PAGES = Path(__file__).parent / "pages"
STATIC = Path(__file__).parent / "static"

# One environment for the process: it compiles each template once and keeps it (and notices an edited file).
TEMPLATES = Environment(loader=FileSystemLoader(PAGES), autoescape=select_autoescape(["html"]),
                        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def page(name: str, **context: object) -> HTMLResponse:
    """Render one page (text/html; charset=utf-8); every value in `context` is HTML-escaped."""
    if name.startswith("_"):
        raise ValueError(f"{name} is a part of other pages, not a page")
    return HTMLResponse(TEMPLATES.get_template(name).render(**context))


@router.get("/")
def index():
    return page("index.html")


@router.get("/widget.js")
def widget_js():
    """The one script a shop pastes: <script src="…/widget.js" data-key="pk_…" async></script>."""
    return FileResponse(STATIC / "widget" / "widget.js", media_type="text/javascript; charset=utf-8")


@router.get("/widget/frame")
def widget_frame():
    return page("widget.html")


@router.get("/demo/store")
def demo_store(db: DbDep, key: str | None = Query(None, max_length=64)):
    """The demo storefront with the chat widget embedded (the demo shop's, or the shop whose key is given)."""
    if key is None:
        key = db.scalar(select(Tenant.public_key).where(Tenant.slug == DEMO_SLUG))
    if key is None:
        return HTMLResponse("<p>No demo shop yet: run <code>kefu demo</code>.</p>", status_code=404)
    return page("store.html", public_key=key)


@router.get("/admin")
def admin_root():
    return RedirectResponse("/admin/knowledge")


@router.get("/admin/{section}")
def admin_page(section: str):
    """Each console section is one static page; the page's script loads its data from the API."""
    if section not in ("login", "settings", "knowledge", "packs", "conversations", "store", "flows", "try",
                       "reports", "learn", "audit"):
        return HTMLResponse("not found", status_code=404)
    return page(f"admin-{section}.html")


@router.get("/workspace")
def workspace():
    return page("workspace.html")
