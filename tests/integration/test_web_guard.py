"""Cross-site writes with the session cookie are refused; every response carries the security headers."""

import pytest
from fastapi.testclient import TestClient

from kefu.config import Settings
from kefu.runtime import Runtime
from kefu.web.app import create_app
from tests.conftest import PASSWORD, api_headers

OWN = "http://testserver"  # the TestClient's origin (its Host header)
EVIL = "https://evil.example"
NEW_POINT = {"question": "发票怎么开", "answer": "下单时填写抬头"}


def _refused(r) -> bool:
    return r.status_code == 403 and r.json()["error"]["code"] == "cross_site"


def test_a_cross_site_write_with_the_cookie_is_refused_and_changes_nothing(login, shop_a):
    owner = login(shop_a.owner_email)
    for headers in ({"Origin": EVIL}, {"Origin": "null"}, {"Referer": f"{EVIL}/page"},
                    {"Origin": "http://testserver.evil.example"}, {"Origin": "https://testserver"}):
        r = owner.post("/api/v1/knowledge", json=NEW_POINT, headers=headers)
        assert _refused(r), (headers, r.text)
        assert "another site" in r.json()["error"]["message"]
    for method, path in (("PATCH", "/api/v1/settings"), ("PUT", "/api/v1/auth/me/status"),
                         ("DELETE", "/api/v1/knowledge/1"), ("POST", "/api/v1/auth/logout")):
        assert _refused(owner.request(method, path, json={}, headers={"Origin": EVIL})), (method, path)
    assert owner.get("/api/v1/knowledge").json()["total"] == 0
    assert owner.get("/api/v1/auth/me").status_code == 200  # the forged logout did not log out
    # Reads are not writes: a cross-site GET is answered (the browser keeps its answer from the other site).
    assert owner.get("/api/v1/knowledge", headers={"Origin": EVIL}).status_code == 200


def test_a_same_origin_write_with_the_cookie_goes_through(login, shop_a):
    owner = login(shop_a.owner_email)
    for headers in ({"Origin": OWN}, {"Referer": f"{OWN}/admin/knowledge"}, {}):
        r = owner.post("/api/v1/knowledge", json={**NEW_POINT, "question": f"发票 {len(headers)} {list(headers)}"},
                       headers=headers)
        assert r.status_code == 201, (headers, r.text)


def test_api_keys_and_the_widget_are_not_checked(client, shop_a):
    r = client.post("/api/v1/knowledge", json=NEW_POINT, headers={**api_headers(shop_a), "Origin": EVIL})
    assert r.status_code == 201
    # The widget is embedded in the shop's pages, another origin: it authenticates with the shop key, no cookie.
    r = client.get(f"/api/v1/widget/config?key={shop_a.public_key}", headers={"Origin": EVIL})
    assert r.status_code == 200
    r = client.post("/api/v1/channels/api/conversations", json={"customer_id": "c1"},
                    headers={**api_headers(shop_a), "Origin": EVIL})
    assert r.status_code == 200


def test_a_cross_site_login_is_refused(client, shop_a):
    """A forged login would put the victim in the attacker's account (and record what they type there)."""
    body = {"email": shop_a.owner_email, "password": PASSWORD}
    assert _refused(client.post("/api/v1/auth/login", json=body, headers={"Origin": EVIL}))
    assert "kefu_session" not in client.cookies
    assert client.post("/api/v1/auth/login", json=body, headers={"Origin": OWN}).status_code == 200


def test_allowed_origins_and_the_public_url_may_write(settings, shop_a):
    settings = settings.model_copy(update={"allowed_origins": "https://admin.example.com, https://ops.example.com",
                                           "public_url": "https://kefu.example.com/"})
    runtime = Runtime(settings)
    try:
        with TestClient(create_app(runtime)) as c:
            c.post("/api/v1/auth/login", json={"email": shop_a.owner_email, "password": PASSWORD})
            for i, origin in enumerate(("https://admin.example.com", "https://ops.example.com",
                                        "https://kefu.example.com", OWN)):
                r = c.post("/api/v1/knowledge", json={**NEW_POINT, "question": f"q{i}"}, headers={"Origin": origin})
                assert r.status_code == 201, (origin, r.text)
            assert _refused(c.post("/api/v1/knowledge", json=NEW_POINT, headers={"Origin": EVIL}))
    finally:
        runtime.db.dispose()


# --- headers ---------------------------------------------------------------------------------------------------

COMMON = {"x-content-type-options": "nosniff", "referrer-policy": "same-origin"}


@pytest.mark.parametrize("path", ["/admin/login", "/admin/knowledge", "/workspace", "/", "/demo/store",
                                  "/healthz", "/openapi.json", "/api/v1/auth/me", "/static/widget/frame.css",
                                  "/widget.js", "/docs", "/no-such-page"])
def test_every_response_has_the_security_headers_and_only_the_widget_frame_may_be_framed(client, shop_a, path):
    r = client.get(path)
    for name, value in COMMON.items():
        assert r.headers.get(name) == value, (path, name)
    assert r.headers.get("x-frame-options") == "DENY", path
    if r.headers["content-type"].startswith("text/html"):
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, path
    assert "strict-transport-security" not in r.headers  # plain http


def test_the_widget_frame_may_be_embedded_in_any_shop_page(client):
    r = client.get("/widget/frame")
    assert r.status_code == 200 and "x-frame-options" not in r.headers
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors" not in csp and "script-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"


def test_strict_transport_security_only_over_https(settings):
    runtime = Runtime(settings)
    try:
        app = create_app(runtime)
        with TestClient(app, base_url="https://kefu.example.com") as c:
            assert c.get("/healthz").headers["strict-transport-security"].startswith("max-age=15552000")
        with TestClient(app) as c:
            assert "strict-transport-security" not in c.get("/healthz").headers
    finally:
        runtime.db.dispose()
    runtime = Runtime(settings.model_copy(update={"hsts_seconds": 0}))
    try:
        with TestClient(create_app(runtime), base_url="https://kefu.example.com") as c:
            assert "strict-transport-security" not in c.get("/healthz").headers
    finally:
        runtime.db.dispose()


def test_settings_read_the_environment(monkeypatch):
    monkeypatch.setenv("KEFU_ALLOWED_ORIGINS", "https://a.example")
    monkeypatch.setenv("KEFU_HSTS_SECONDS", "60")
    s = Settings()
    assert s.allowed_origins == "https://a.example" and s.hsts_seconds == 60


def test_the_staff_socket_refuses_another_sites_page_but_not_kefus_own(login, shop_a):
    from starlette.websockets import WebSocketDisconnect

    agent = login(shop_a.agent_email)
    with pytest.raises(WebSocketDisconnect) as refused, \
            agent.websocket_connect("/api/v1/live/ws", headers={"Origin": EVIL}) as ws:
        ws.receive_json()
    assert refused.value.code == 4403
    for headers in ({"Origin": OWN}, {}):
        with agent.websocket_connect("/api/v1/live/ws", headers=headers) as ws:
            assert ws.receive_json()["type"] == "ready"
