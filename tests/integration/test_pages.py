"""The HTML pages, rendered from the templates in kefu/web/pages: each route serves its page, template parts are
never served, and the demo storefront's key is escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from kefu.web.pages import page
from tests.conftest import make_shop

# route -> the page's own script (/static/admin/<name>.js)
CONSOLE = {"/admin/login": "login", "/admin/settings": "settings", "/admin/knowledge": "knowledge",
           "/admin/packs": "packs", "/admin/conversations": "conversations", "/admin/store": "store",
           "/admin/flows": "flows", "/admin/try": "try", "/workspace": "workspace"}
TOPNAV = '<header id="topnav" class="topnav"></header>'


class Tags(HTMLParser):
    """Every start tag with its attributes, in order."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_html(r, status: int = 200) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    for syntax in ("{{", "{%", "{#"):
        assert syntax not in r.text, f"unrendered template syntax {syntax}"
    return r.text


@pytest.mark.parametrize("path", CONSOLE)
def test_console_page_renders_its_shell_and_script(client, path):
    text = assert_html(client.get(path))
    tags = Tags(text).tags
    scripts = [a for t, a in tags if t == "script"]
    assert [a["src"] for a in scripts[:2]] == ["/static/admin/admin.js", f"/static/admin/{CONSOLE[path]}.js"]
    assert all("defer" in a for a in scripts[:2])
    # After those, a page may load ES modules of its own (deferred by nature): the settings page's privacy card.
    assert all(a.get("type") == "module" and a["src"].startswith("/static/admin/") for a in scripts[2:])
    assert next(a for t, a in tags if t == "body")["data-title"] == f"title.{CONSOLE[path]}"
    assert text.startswith('<!doctype html>\n<html lang="zh-CN">')
    if path == "/admin/login":
        assert TOPNAV not in text and 'id="auth-top"' in text
    else:
        assert text.count(TOPNAV) == 1
    # CSP (script-src 'self'): no inline script and no on… handler in what is served
    assert not re.search(r"<script\b[^>]*>(?!</script>)", text)
    assert not any(name.startswith("on") for _t, a in tags for name in a)
    ids = [a["id"] for _t, a in tags if "id" in a]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


@pytest.mark.parametrize("path", ["/admin/_console", "/admin/_macros", "/admin/nonsense", "/admin/login.html"])
def test_unknown_sections_and_template_parts_are_not_pages(client, path):
    r = client.get(path)
    assert r.status_code == 404 and "<html" not in r.text


def test_template_parts_cannot_be_rendered_as_pages():
    with pytest.raises(ValueError):
        page("_console.html")


def test_landing_and_widget_frame(client):
    assert 'href="/admin"' in assert_html(client.get("/"))
    assert 'src="/static/widget/frame.js"' in assert_html(client.get("/widget/frame"))


def test_demo_store_escapes_the_key_it_is_given(client):
    key = 'pk_"><script>alert(1)</script>&\''
    text = assert_html(client.get("/demo/store", params={"key": key}))
    assert "<script>alert(1)" not in text
    widget = [a for t, a in Tags(text).tags if t == "script"]
    assert widget == [{"src": "/widget.js", "data-key": key, "async": None}]


def test_demo_store_uses_the_demo_shop_or_says_there_is_none(client, runtime):
    r = client.get("/demo/store")
    assert r.status_code == 404 and "kefu demo" in r.text
    demo = make_shop(runtime, "demo")
    text = assert_html(client.get("/demo/store"))
    assert f'<script src="/widget.js" data-key="{demo.public_key}" async></script>' in text
