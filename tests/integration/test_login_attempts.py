"""Failed logins: 10 per account or per client address in 15 minutes, then 429 for everyone alike."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kefu.audit.models import AuditEntry
from kefu.config import Settings
from kefu.infra.ratelimit import LocalRateLimiter
from kefu.runtime import Runtime
from kefu.web.app import create_app
from tests.conftest import PASSWORD, REDIS_URL, make_shop, redis_problem

LOGIN = "/api/v1/auth/login"


def attempt(client, email, password="wrong password", **kw):
    return client.post(LOGIN, json={"email": email, "password": password}, **kw)


def entries(runtime, tenant_id, action=None):
    with runtime.db.session() as db:
        query = select(AuditEntry).where(AuditEntry.tenant_id == tenant_id).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        return list(db.scalars(query))


def test_ten_failures_lock_the_account_even_for_the_right_password(client, runtime, shop_a):
    for _ in range(10):
        r = attempt(client, shop_a.owner_email)
        assert r.status_code == 401 and r.json()["error"]["code"] == "bad_credentials"
    r = attempt(client, shop_a.owner_email, PASSWORD)
    assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_logins"
    assert 880 <= int(r.headers["Retry-After"]) <= 900
    assert "kefu_session" not in r.cookies
    # The shop's log: ten failures, one lock (told once), no login.
    assert len(entries(runtime, shop_a.tenant_id, "login_failed")) == 10
    [locked] = entries(runtime, shop_a.tenant_id, "login_locked")
    assert locked.detail == {"scopes": ["account", "address"], "minutes": 15} and locked.target_id != ""
    assert locked.actor_name == "Owner shop-a" and locked.address == "testclient"
    assert not entries(runtime, shop_a.tenant_id, "login")


def test_an_unknown_email_gets_the_same_answers_and_only_a_log_line(app, runtime, shop_a, caplog):
    known, unknown = TestClient(app, client=("10.0.0.1", 1)), TestClient(app, client=("10.0.0.2", 1))
    caplog.set_level(logging.WARNING, logger="kefu.tenants.attempts")
    answers = {}
    for who, c, email in (("known", known, shop_a.owner_email), ("unknown", unknown, "nobody@shop-a.test")):
        answers[who] = [(r.status_code, r.json(), r.headers.get("Retry-After") is not None)
                        for r in (attempt(c, email) for _ in range(11))]
    assert answers["known"] == answers["unknown"]
    assert [a[0] for a in answers["unknown"]] == [401] * 10 + [429]
    assert "failed login for an unknown account from 10.0.0.2" in caplog.text
    assert "nobody@" not in caplog.text
    # Nothing of the unknown account lands in any shop's log.
    with runtime.db.session() as db:
        assert all(e.address != "10.0.0.2" for e in db.scalars(select(AuditEntry)))


def test_an_unknown_email_is_checked_against_a_dummy_hash(client, shop_a, monkeypatch):
    from kefu.tenants import actions

    checked = []
    real = actions.verify_password
    monkeypatch.setattr(actions, "verify_password", lambda h, p: checked.append(h) or real(h, p))
    attempt(client, "nobody@shop-a.test")
    attempt(client, shop_a.owner_email)
    assert len(checked) == 2 and all(h.startswith("$argon2") for h in checked)


def test_ten_failures_from_one_address_lock_it_for_every_account(app, runtime, shop_a, shop_b):
    c = TestClient(app, client=("10.0.0.7", 1))
    emails = [shop_a.owner_email, shop_a.agent_email, shop_b.owner_email, "x@nowhere.test"]
    for n in range(10):
        assert attempt(c, emails[n % 4]).status_code == 401
    r = attempt(c, shop_b.agent_email, PASSWORD)  # never tried, right password: the address is locked
    assert r.status_code == 429
    # Another address logs in to the same account at once.
    assert attempt(TestClient(app, client=("10.0.0.8", 1)), shop_b.agent_email, PASSWORD).status_code == 200
    [locked] = entries(runtime, shop_b.tenant_id, "login_locked") or entries(runtime, shop_a.tenant_id, "login_locked")
    assert locked.detail["scopes"] == ["address"]


def test_a_success_clears_its_own_account_count_but_not_the_address(app, shop_a, shop_b):
    c = TestClient(app, client=("10.0.0.9", 1))
    for _ in range(5):
        assert attempt(c, shop_a.owner_email).status_code == 401
    assert attempt(c, shop_b.owner_email, PASSWORD).status_code == 200  # someone's own valid account
    for _ in range(5):
        assert attempt(c, shop_a.agent_email).status_code == 401
    assert attempt(c, shop_b.owner_email, PASSWORD).status_code == 429  # the address's 10 still count
    # From elsewhere the account itself: 9 failures, a success, 9 more: the success cleared the first 9.
    for n in range(19):
        other = TestClient(app, client=(f"10.1.0.{n}", 1))
        expected = 200 if n == 9 else 401
        assert attempt(other, shop_b.agent_email, PASSWORD if n == 9 else "nope nope").status_code == expected


def test_the_lock_ends_when_the_window_moves_on(app, runtime, shop_a):
    now = [1000.0]
    runtime.limiter = LocalRateLimiter(clock=lambda: now[0])
    c = TestClient(app)
    for _ in range(10):
        attempt(c, shop_a.owner_email)
        now[0] += 10
    r = attempt(c, shop_a.owner_email, PASSWORD)
    assert r.status_code == 429 and r.headers["Retry-After"] == str(900 - 100)
    now[0] += 800
    assert attempt(c, shop_a.owner_email, PASSWORD).status_code == 200


def test_forwarded_for_counts_only_behind_a_trusted_proxy(database_url, tmp_path, shop_a):
    def app_with(proxies):
        return create_app(Runtime(Settings(database_url=database_url, trusted_proxies=proxies,
                                           media_dir=str(tmp_path / "m"))))

    # Untrusted: a client that changes X-Forwarded-For each time is still one address.
    c = TestClient(app_with(""), client=("10.0.0.20", 1))
    for n in range(10):
        attempt(c, f"x{n}@nowhere.test", headers={"X-Forwarded-For": f"203.0.113.{n}"})
    assert attempt(c, shop_a.owner_email, PASSWORD, headers={"X-Forwarded-For": "203.0.113.99"}).status_code == 429
    # Behind a trusted proxy, the hop the proxy saw is the client; hops forged before it do not matter.
    c = TestClient(app_with("10.0.0.0/24"), client=("10.0.0.21", 1))
    for n in range(10):
        attempt(c, f"y{n}@nowhere.test", headers={"X-Forwarded-For": f"1.2.3.4, 203.0.113.{n}"})
    r = attempt(c, shop_a.owner_email, PASSWORD, headers={"X-Forwarded-For": "203.0.113.99"})
    assert r.status_code == 200
    for _ in range(10):
        attempt(c, f"z@nowhere.test{_}", headers={"X-Forwarded-For": "9.9.9.9, 203.0.113.50, 10.0.0.5"})
    assert attempt(c, shop_a.owner_email, PASSWORD, headers={"X-Forwarded-For": "203.0.113.50"}).status_code == 429


@pytest.mark.skipif(bool(redis_problem()), reason=redis_problem() or "")
def test_with_redis_the_limit_holds_across_processes(database_url, tmp_path):
    import redis

    store = redis.Redis.from_url(REDIS_URL)
    for key in store.scan_iter("kefu:ev:login:*"):
        store.delete(key)
    runtimes = [Runtime(Settings(database_url=database_url, redis_url=REDIS_URL, media_dir=str(tmp_path / "m")))
                for _ in range(2)]
    shop = make_shop(runtimes[0], "redis-shop")
    one, two = (TestClient(create_app(rt), client=("10.0.0.30", 1)) for rt in runtimes)
    for n in range(10):
        assert attempt((one, two)[n % 2], shop.owner_email).status_code == 401
    r = attempt(two, shop.owner_email, PASSWORD)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 800
    assert len(entries(runtimes[0], shop.tenant_id, "login_locked")) == 1
    for rt in runtimes:
        rt.db.dispose()


def test_a_trusted_proxy_that_is_no_address_is_refused_at_start():
    with pytest.raises(ValueError, match="'proxy.local' is not an IP address or network"):
        Settings(trusted_proxies="127.0.0.1, proxy.local")
