"""Browser fixtures: a live demo server (real `kefu serve`) and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from kefu.db import Database
from kefu.demo.seed import seed_demo
from kefu.migrate import upgrade
from tests.conftest import BACKEND
from tests.support.browser import OWNER, ApiChannel, check, watch_errors
from tests.support.server import LiveServer

CHROMIUM = os.environ.get("KEFU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("KEFU_TEST_ARTIFACTS", "test-artifacts"))
# Playwright's default of 5 s per expectation is short on a 2-core CI machine running a server, Chromium and
# the suite at once; a passing check returns as soon as it holds, so a longer ceiling costs nothing.
expect.set_options(timeout=10_000)


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
                item.add_marker(pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"))


@dataclass
class DemoServer:
    server: LiveServer
    public_key: str
    tenant_id: int

    @property
    def base_url(self) -> str:
        return self.server.base_url


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """A real `kefu serve` on a fresh SQLite file seeded with the demo shop (module-wide)."""
    if BACKEND != "sqlite":
        pytest.skip("browser tests run once, on the SQLite default")
    path = tmp_path_factory.mktemp("browser") / "demo.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    database = Database(url)
    info = seed_demo(database)
    database.dispose()
    server = LiveServer(url, log_dir=path.parent).start()
    yield DemoServer(server, info.public_key, info.tenant_id)
    server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser, request):
    ctx = browser.new_context(locale="zh-CN")
    yield ctx
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        ARTIFACTS.mkdir(exist_ok=True)
        for i, p in enumerate(ctx.pages):
            p.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{i}.png"), full_page=True)
    ctx.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A zh-CN page; the test fails if any script on it throws or is refused by the CSP."""
    p = context.new_page()
    errors = watch_errors(p)
    yield p
    assert not errors, "\n".join(errors)


@pytest.fixture(scope="module")
def owner_http(demo_server) -> Iterator[httpx.Client]:
    """An HTTP client logged in as the demo owner (for setting up and checking what the browser did)."""
    with httpx.Client(base_url=demo_server.base_url, timeout=10) as client:
        check(client.post("/api/v1/auth/login", json={"email": OWNER[0], "password": OWNER[1]}))
        yield client


@pytest.fixture(scope="module")
def api_channel(request, demo_server, owner_http) -> ApiChannel:
    """An API key of the demo shop for this test module, and the API channel through it."""
    key = check(owner_http.post("/api/v1/api-keys", json={"name": f"browser tests ({request.module.__name__})"}))
    return ApiChannel(demo_server.base_url, key["secret"])
