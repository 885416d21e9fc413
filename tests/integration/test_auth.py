"""Login sessions, roles and API keys."""

from tests.conftest import PASSWORD, api_headers


def test_login_sets_httponly_session_and_me_works(client, shop_a):
    r = client.post("/api/v1/auth/login", json={"email": shop_a.owner_email.upper(), "password": PASSWORD})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    assert "kefu_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    me = client.get("/api/v1/auth/me").json()
    assert me["user"]["email"] == shop_a.owner_email
    assert me["tenant"]["slug"] == "shop-a" and me["tenant"]["identity_secret"] == shop_a.identity_secret


def test_wrong_password_and_unknown_user_get_the_same_clear_error(client, shop_a):
    for email, pw in ((shop_a.owner_email, "nope-nope"), ("ghost@x.test", PASSWORD)):
        r = client.post("/api/v1/auth/login", json={"email": email, "password": pw})
        assert r.status_code == 401 and r.json()["error"]["code"] == "bad_credentials"


def test_logout_ends_the_session(login, shop_a):
    c = login(shop_a.owner_email)
    assert c.get("/api/v1/auth/me").status_code == 200
    assert c.post("/api/v1/auth/logout").status_code == 204
    c.cookies.clear()
    assert c.get("/api/v1/auth/me").status_code == 401


def test_forged_or_stale_session_cookie_is_refused(client, shop_a):
    client.cookies.set("kefu_session", "made-up")
    r = client.get("/api/v1/settings")
    assert r.status_code == 401 and r.json()["error"]["code"] == "session_expired"


def test_agent_reads_but_cannot_change_settings_or_knowledge(login, shop_a):
    agent = login(shop_a.agent_email)
    s = agent.get("/api/v1/settings").json()
    assert s["identity_secret"] is None and s["public_key"] == shop_a.public_key
    assert agent.patch("/api/v1/settings", json={"bot_name": "x"}).status_code == 403
    r = agent.post("/api/v1/knowledge", json={"question": "q", "answer": "a"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert agent.get("/api/v1/api-keys").status_code == 403


def test_api_key_life_cycle(login, client, shop_a):
    owner = login(shop_a.owner_email)
    created = owner.post("/api/v1/api-keys", json={"name": "erp"}).json()
    assert created["secret"].startswith("sk_")
    h = {"Authorization": f"Bearer {created['secret']}"}
    assert client.get("/api/v1/knowledge", headers=h).status_code == 200
    listed = owner.get("/api/v1/api-keys").json()
    assert all("secret" not in k for k in listed)
    assert owner.delete(f"/api/v1/api-keys/{created['id']}").status_code == 204
    r = client.get("/api/v1/knowledge", headers=h)
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_api_key"


def test_malformed_authorization_header(client, shop_a):
    for value in ("Basic abc", "Bearer ", "sk_only"):
        r = client.get("/api/v1/knowledge", headers={"Authorization": value})
        assert r.status_code == 401


def test_settings_update_and_validation(client, shop_a):
    h = api_headers(shop_a)
    r = client.patch("/api/v1/settings", json={"bot_name": "  阿福 ", "default_locale": "en"}, headers=h)
    assert r.status_code == 200 and r.json()["bot_name"] == "阿福" and r.json()["default_locale"] == "en"
    r = client.patch("/api/v1/settings", json={"default_locale": "fr"}, headers=h)
    assert r.status_code == 422 and "default_locale" in r.json()["error"]["message"]
    for blank in ({"bot_name": ""}, {"bot_name": "   "}, {"name": " \t"}):
        r = client.patch("/api/v1/settings", json=blank, headers=h)
        assert r.status_code == 422, blank
        assert "bot_name" in r.json()["error"]["message"] or "name" in r.json()["error"]["message"]
    assert client.get("/api/v1/settings", headers=h).json()["bot_name"] == "阿福"


def test_session_is_usable_the_moment_login_answers(live_sqlite_server):
    """Writes commit before the response is sent: a client acting on a response at once sees its data."""
    import httpx

    from tests.conftest import make_shop

    shop = make_shop(live_sqlite_server.runtime, "race")
    failures = 0
    for _ in range(30):
        with httpx.Client(base_url=live_sqlite_server.server.base_url) as c:
            c.post("/api/v1/auth/login", json={"email": shop.owner_email, "password": PASSWORD}).raise_for_status()
            failures += c.get("/api/v1/auth/me").status_code != 200
    assert failures == 0
