"""Login sessions: each login is a new session and ends the one the browser held; a password change ends the rest."""

from fastapi.testclient import TestClient

from kefu.tenants.actions import do_login
from tests.conftest import PASSWORD, api_headers

NEW_PASSWORD = "a brand new passphrase"


def _with_cookie(app, token: str) -> TestClient:
    c = TestClient(app)
    c.cookies.set("kefu_session", token)
    return c


def _token_of(runtime, email: str) -> str:
    with runtime.db.session() as db:
        return do_login(db, email=email, password=PASSWORD, days=1)[1]


def test_each_login_gets_a_new_token_and_the_earlier_one_ends(app, client, shop_a):
    tokens = []
    for _ in range(2):
        r = client.post("/api/v1/auth/login", json={"email": shop_a.owner_email, "password": PASSWORD})
        assert r.status_code == 200
        tokens.append(r.cookies["kefu_session"])
        client.cookies.set("kefu_session", tokens[-1])
    assert tokens[0] != tokens[1]
    assert _with_cookie(app, tokens[0]).get("/api/v1/auth/me").status_code == 401
    assert _with_cookie(app, tokens[1]).get("/api/v1/auth/me").json()["user"]["email"] == shop_a.owner_email


def test_a_token_planted_before_login_is_not_kept(app, client, runtime, shop_a):
    """Session fixation: whoever set the browser's cookie before the login must not share the session after it."""
    planted = _token_of(runtime, shop_a.agent_email)
    client.cookies.set("kefu_session", planted)
    r = client.post("/api/v1/auth/login", json={"email": shop_a.owner_email, "password": PASSWORD})
    assert r.status_code == 200 and r.cookies["kefu_session"] != planted
    assert _with_cookie(app, planted).get("/api/v1/auth/me").status_code == 401
    # A made-up token in the browser does not stop the login either.
    client.cookies.set("kefu_session", "made-up")
    r = client.post("/api/v1/auth/login", json={"email": shop_a.owner_email, "password": PASSWORD})
    assert r.status_code == 200


def test_changing_the_password_ends_the_other_sessions_but_not_this_one_nor_api_keys(app, client, login, runtime,
                                                                                     shop_a):
    here, elsewhere = login(shop_a.owner_email), login(shop_a.owner_email)
    colleague = login(shop_a.agent_email)
    r = here.put("/api/v1/auth/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert r.status_code == 204, r.text
    assert here.get("/api/v1/auth/me").status_code == 200
    r = elsewhere.get("/api/v1/auth/me")
    assert r.status_code == 401 and r.json()["error"]["code"] == "session_expired"
    assert colleague.get("/api/v1/auth/me").status_code == 200  # another user's session is not touched
    assert client.get("/api/v1/knowledge", headers=api_headers(shop_a)).status_code == 200
    old = client.post("/api/v1/auth/login", json={"email": shop_a.owner_email, "password": PASSWORD})
    assert old.status_code == 401
    new = client.post("/api/v1/auth/login", json={"email": shop_a.owner_email, "password": NEW_PASSWORD})
    assert new.status_code == 200


def test_a_password_change_is_refused_with_the_reason(app, client, login, shop_a):
    owner, other = login(shop_a.owner_email), login(shop_a.owner_email)
    r = owner.put("/api/v1/auth/me/password", json={"current_password": "not it", "new_password": NEW_PASSWORD})
    assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_password"
    r = owner.put("/api/v1/auth/me/password", json={"current_password": PASSWORD, "new_password": "short"})
    assert r.status_code == 422 and "new_password" in r.json()["error"]["message"]
    r = client.put("/api/v1/auth/me/password", headers=api_headers(shop_a),
                   json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert r.status_code == 403
    # Nothing changed: the old password still logs in and the other session lives.
    assert other.get("/api/v1/auth/me").status_code == 200
    assert client.post("/api/v1/auth/login", json={"email": shop_a.owner_email, "password": PASSWORD}).status_code \
        == 200
