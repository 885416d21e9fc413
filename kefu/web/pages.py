"""Serve the HTML pages: the demo storefront, the widget frame, the admin console and the workspace."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from sqlalchemy import select

from kefu.tenants.models import Tenant
from kefu.web.deps import DbDep

router = APIRouter(include_in_schema=False)
PAGES = Path(__file__).parent / "pages"
STATIC = Path(__file__).parent / "static"
DEMO_SLUG = "demo"


def page(name: str) -> FileResponse:
    return FileResponse(PAGES / name, media_type="text/html; charset=utf-8")


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
    text = (PAGES / "store.html").read_text(encoding="utf-8")
    return HTMLResponse(text.replace("{{PUBLIC_KEY}}", html.escape(key, quote=True)))


@router.get("/admin")
def admin_root():
    return RedirectResponse("/admin/knowledge")


@router.get("/admin/{section}")
def admin_page(section: str):
    """Each console section is one static page; the page's script loads its data from the API."""
    if section not in ("login", "settings", "knowledge", "packs", "conversations", "store", "flows"):
        return HTMLResponse("not found", status_code=404)
    return page(f"admin-{section}.html")


@router.get("/workspace")
def workspace():
    return page("workspace.html")
