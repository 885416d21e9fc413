"""Bad input over HTTP: each gets a clear error, and nothing already stored is lost."""

from kefu.config import Settings
from kefu.runtime import Runtime
from kefu.web.app import create_app
from tests.conftest import api_headers


def _conv(client, shop):
    return client.post("/api/v1/channels/api/conversations", json={"customer_id": "c"},
                       headers=api_headers(shop)).json()["conversation"]["id"]


def test_oversized_body_is_refused_before_parsing(client, shop_a):
    r = client.post("/api/v1/knowledge", headers=api_headers(shop_a) | {"content-type": "application/json"},
                    content=b'{"question": "' + b"x" * 70_000 + b'"}')
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"


def test_malformed_and_wrongly_typed_json(client, shop_a):
    h = api_headers(shop_a) | {"content-type": "application/json"}
    for raw in (b"{", b"[]", b'"text"', b'{"question": 5, "answer": []}'):
        r = client.post("/api/v1/knowledge", headers=h, content=raw)
        assert r.status_code in (400, 422), raw
        assert r.json()["error"]["code"] in ("malformed_json", "invalid_request")


def test_empty_and_oversized_messages_on_the_api_channel(client, shop_a):
    h = api_headers(shop_a)
    cid = _conv(client, shop_a)
    url = f"/api/v1/channels/api/conversations/{cid}/messages"
    client.post(url, json={"text": "第一条"}, headers=h)
    r = client.post(url, json={"text": "  \n "}, headers=h)
    assert r.status_code == 400 and r.json()["error"]["code"] == "empty_message"
    r = client.post(url, json={"text": ""}, headers=h)
    assert r.status_code == 422
    r = client.post(url, json={"text": "长" * 2001}, headers=h)
    assert r.status_code == 413 and r.json()["error"]["code"] == "message_too_long"
    r = client.post(url, json={"text": "x", "client_id": "c" * 65}, headers=h)
    assert r.status_code == 422
    texts = [m["text"] for m in client.get(url, headers=h).json() if m["sender"] == "customer"]
    assert texts == ["第一条"]


def test_unknown_conversation_and_bad_ids(client, shop_a):
    h = api_headers(shop_a)
    assert client.get("/api/v1/conversations/999999", headers=h).status_code == 404
    assert client.get("/api/v1/conversations/abc", headers=h).status_code == 422
    r = client.get("/api/v1/knowledge?limit=100000", headers=h)
    assert r.status_code == 422 and "limit" in r.json()["error"]["message"]


def test_api_channel_burst_is_rate_limited(database_url, shop_a):
    from fastapi.testclient import TestClient

    rt = Runtime(Settings(database_url=database_url, rate_limit_messages=2, rate_limit_window_seconds=60))
    with TestClient(create_app(rt)) as c:
        h = api_headers(shop_a)
        cid = _conv(c, shop_a)
        codes = [c.post(f"/api/v1/channels/api/conversations/{cid}/messages", json={"text": f"m{i}"},
                        headers=h).status_code for i in range(4)]
        assert codes == [200, 200, 429, 429]
        r = c.post(f"/api/v1/channels/api/conversations/{cid}/messages", json={"text": "m"}, headers=h)
        assert r.json()["error"]["code"] == "rate_limited"
    rt.db.dispose()


def test_pages_carry_a_script_policy_and_unknown_paths_are_json_404(client):
    r = client.get("/")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "http_error"
