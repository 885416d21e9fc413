"""Shared fixtures: a real database (SQLite file or PostgreSQL), the app in-process, standing shops and users.

KEFU_TEST_DB=postgresql runs the whole suite on PostgreSQL (KEFU_TEST_POSTGRES_URL, default the local `test`
database); where no server answers, every test is skipped with that reason shown.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from kefu.config import Settings
from kefu.db import Base, make_engine
from kefu.migrate import upgrade
from kefu.runtime import Runtime
from kefu.tenants.actions import do_create_api_key, do_create_tenant, do_create_user
from kefu.web.app import create_app

BACKEND = os.environ.get("KEFU_TEST_DB", "sqlite")
POSTGRES_URL = os.environ.get("KEFU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "correct horse battery"


def _postgres_problem() -> str | None:
    try:
        engine = make_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means: no usable server here
        return f"PostgreSQL at {POSTGRES_URL} not reachable ({type(exc).__name__}: {str(exc)[:120]})"


def redis_problem() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        return None
    except Exception as exc:
        return f"Redis at {REDIS_URL} not reachable ({type(exc).__name__})"


def pytest_report_header(config):
    return f"kefu test database backend: {BACKEND}"


def pytest_collection_modifyitems(config, items):
    if BACKEND == "postgresql" and (problem := _postgres_problem()):
        skip = pytest.mark.skip(reason=problem)
        for item in items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """A freshly migrated database for this test run."""
    if BACKEND == "postgresql":
        url = POSTGRES_URL
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'kefu-test.db'}"
    upgrade(url)
    return url


def wipe(url: str) -> None:
    """Empty every table so each test starts from nothing (faster than re-migrating)."""
    engine = make_engine(url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if url.startswith("postgresql"):
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
    engine.dispose()


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    wipe(database_url)
    return Settings(database_url=database_url, redis_url=None, rate_limit_messages=1000,
                    media_dir=str(tmp_path / "media"))


@pytest.fixture
def runtime(settings) -> Runtime:
    rt = Runtime(settings)
    yield rt
    rt.db.dispose()


@pytest.fixture
def app(runtime):
    return create_app(runtime)


@pytest.fixture
def client(app):
    """An anonymous client (the customer's side, or nobody logged in)."""
    with TestClient(app) as c:
        yield c


@dataclass
class Shop:
    tenant_id: int
    slug: str
    public_key: str
    identity_secret: str
    owner_email: str
    agent_email: str
    api_key: str


def make_shop(runtime: Runtime, slug: str) -> Shop:
    with runtime.db.session() as db:
        tenant = do_create_tenant(db, name=f"Shop {slug}", slug=slug)
        do_create_user(db, tenant_id=tenant.id, email=f"owner@{slug}.test", name=f"Owner {slug}", role="owner",
                       password=PASSWORD)
        do_create_user(db, tenant_id=tenant.id, email=f"agent@{slug}.test", name=f"Agent {slug}", role="agent",
                       password=PASSWORD)
        _key, secret = do_create_api_key(db, tenant_id=tenant.id, name="tests")
        return Shop(tenant.id, slug, tenant.public_key, tenant.identity_secret, f"owner@{slug}.test",
                    f"agent@{slug}.test", secret)


@pytest.fixture
def shop_a(runtime) -> Shop:
    return make_shop(runtime, "shop-a")


@pytest.fixture
def shop_b(runtime) -> Shop:
    """The standing outsider: nothing of shop A may ever be visible to it."""
    return make_shop(runtime, "shop-b")


@pytest.fixture
def login(app):
    """Return a logged-in TestClient for an email (each with its own cookie jar)."""
    opened = []

    def _login(email: str) -> TestClient:
        c = TestClient(app)
        c.__enter__()
        opened.append(c)
        r = c.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return c

    yield _login
    for c in opened:
        c.__exit__(None, None, None)


def api_headers(shop: Shop) -> dict[str, str]:
    return {"Authorization": f"Bearer {shop.api_key}"}


@dataclass
class LiveSqlite:
    runtime: Runtime
    server: object


@pytest.fixture
def live_sqlite_server(tmp_path):
    """A real `kefu serve` process on its own SQLite file, for races a TestClient cannot show."""
    from tests.support.server import LiveServer

    url = f"sqlite:///{tmp_path / 'live.db'}"
    upgrade(url)
    rt = Runtime(Settings(database_url=url))
    server = LiveServer(url, log_dir=tmp_path).start()
    yield LiveSqlite(rt, server)
    server.stop()
    rt.db.dispose()


def busy_colleague(runtime: Runtime, tenant_id: int) -> int:
    """Add an agent who is available (online, workspace connected just now) but busy with as many chats as they
    take; return their id. A handoff then queues the chat, and it waits there for whoever accepts it."""
    from kefu.conversations.models import Conversation, Customer
    from kefu.db import utcnow

    with runtime.db.session() as db:
        user = do_create_user(db, tenant_id=tenant_id, email=f"on-duty-{tenant_id}@busy.test", name="值班 On duty",
                              role="agent", password=PASSWORD)
        user.status, user.max_chats, user.seen_at = "online", 1, utcnow()
        customer = Customer(tenant_id=tenant_id, external_id=f"busy-{tenant_id}")
        db.add(customer)
        db.flush()
        db.add(Conversation(tenant_id=tenant_id, customer_id=customer.id, channel="api", status="with_agent",
                            assigned_user_id=user.id, assigned_at=utcnow()))
        return user.id


@pytest.fixture
def agent_online(runtime, shop_a):
    """An agent of shop A is available but busy (see busy_colleague), so a handoff queues the chat."""
    return busy_colleague(runtime, shop_a.tenant_id)
