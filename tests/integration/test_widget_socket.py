"""The widget's websocket: hello, history, live replies, reconnects without loss or duplicates, bad input."""

import json

import pytest
from starlette.websockets import WebSocketDisconnect

from kefu.channels import widget
from kefu.config import Settings
from kefu.runtime import Runtime
from kefu.tenants.security import sign_identity_token
from kefu.web.app import create_app
from tests.conftest import api_headers

WS = "/api/v1/widget/ws"


def hello(ws, key, **kw):
    ws.send_text(json.dumps({"type": "hello", "key": key} | kw))
    return ws.receive_json()


def until(ws, pred, limit=10):
    """Read frames until one satisfies pred; return all read."""
    frames = []
    for _ in range(limit):
        frames.append(ws.receive_json())
        if pred(frames[-1]):
            return frames
    raise AssertionError(f"no matching frame in {frames}")


@pytest.fixture
def kb(client, shop_a):
    client.post("/api/v1/knowledge", headers=api_headers(shop_a), json={
        "question": "什么时候发货？", "similar_questions": ["多久发货"], "answer": "48 小时内发货"})


def test_first_visit_gets_greeting_then_answers(client, shop_a, kb):
    with client.websocket_connect(WS) as ws:
        ready = hello(ws, shop_a.public_key, locale="zh")
        assert ready["type"] == "ready" and ready["visitor"].startswith("v_")
        assert ready["conversation"]["status"] == "bot"
        assert [m["sender"] for m in ready["messages"]] == ["bot"] and "机器人" in ready["messages"][0]["text"]
        ws.send_text(json.dumps({"type": "message", "client_id": "c1", "text": "多久发货"}))
        frames = until(ws, lambda f: f["type"] == "ack")
        assert frames[-1]["client_id"] == "c1"
        # The bot's reply is announced after the customer's message commits; it may come before the ack.
        bot = [f for f in frames if f["type"] == "message" and f["message"]["sender"] == "bot"]
        if not bot:
            bot = until(ws, lambda f: f["type"] == "message" and f["message"]["sender"] == "bot")[-1:]
        assert bot[0]["message"]["text"] == "48 小时内发货"


def test_reconnect_resumes_history_and_resend_is_stored_once(client, shop_a, kb):
    with client.websocket_connect(WS) as ws:
        ready = hello(ws, shop_a.public_key)
        visitor = ready["visitor"]
        ws.send_text(json.dumps({"type": "message", "client_id": "c1", "text": "多久发货"}))
        seen = []
        until(ws, lambda f: seen.append(f["type"] if f["type"] == "ack" else f["message"]["sender"])
              or {"ack", "bot"} <= set(seen))
    # The client never saw the ack of c1 (say) and resends it after reconnecting, from after=greeting.
    greeting_id = ready["messages"][0]["id"]
    with client.websocket_connect(WS) as ws:
        again = hello(ws, shop_a.public_key, visitor=visitor, after=greeting_id)
        assert again["conversation"]["id"] == ready["conversation"]["id"]
        assert [m["sender"] for m in again["messages"]] == ["customer", "bot"]
        ws.send_text(json.dumps({"type": "message", "client_id": "c1", "text": "多久发货"}))
        ack = until(ws, lambda f: f["type"] == "ack")[-1]
        assert ack["message"]["id"] == again["messages"][0]["id"]
    cid = ready["conversation"]["id"]
    msgs = client.get(f"/api/v1/conversations/{cid}", headers=api_headers(shop_a)).json()["messages"]
    assert [m["sender"] for m in msgs] == ["bot", "customer", "bot"]


def test_unknown_visitor_id_is_not_adopted(client, shop_a, shop_b):
    with client.websocket_connect(WS) as ws:
        visitor_b = hello(ws, shop_b.public_key)["visitor"]
    with client.websocket_connect(WS) as ws:
        ready = hello(ws, shop_a.public_key, visitor=visitor_b)
        assert ready["visitor"] != visitor_b
    with client.websocket_connect(WS) as ws:
        assert hello(ws, shop_a.public_key, visitor="v_guessed")["visitor"] != "v_guessed"


def test_identified_customer(client, shop_a):
    token = sign_identity_token(shop_a.identity_secret, "shop-user-42", "李雷")
    with client.websocket_connect(WS) as ws:
        ready = hello(ws, shop_a.public_key, token=token)
        assert ready["customer"] == {"id": ready["customer"]["id"], "external_id": "shop-user-42", "name": "李雷",
                                     "verified": True, "tags": []}
        assert ready["visitor"] is None


@pytest.mark.parametrize("frame,code", [
    ({"type": "hello", "key": "pk_nope"}, "unknown_tenant_key"),
    ({"type": "hello"}, "missing_key"),
    ({"type": "message", "text": "hi"}, "expected_hello"),
    ({"type": "hello", "key": "KEY", "after": "x"}, "invalid_after"),
    ({"type": "hello", "key": "KEY", "token": "bad.token.here"}, "invalid_identity"),
])
def test_bad_hellos_are_refused_with_a_reason(client, shop_a, frame, code):
    if frame.get("key") == "KEY":
        frame["key"] = shop_a.public_key
    with client.websocket_connect(WS) as ws:
        ws.send_text(json.dumps(frame))
        err = ws.receive_json()
        assert err["type"] == "error" and err["code"] == code
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code in (4400, 4401)


def test_expired_identity_token(client, shop_a):
    token = sign_identity_token(shop_a.identity_secret, "u", ttl_seconds=-300)
    with client.websocket_connect(WS) as ws:
        err = hello(ws, shop_a.public_key, token=token)
        assert err["code"] == "invalid_identity" and "expired" in err["message"]


def test_hello_that_is_not_json(client, shop_a):
    with client.websocket_connect(WS) as ws:
        ws.send_text("{nope")
        assert ws.receive_json()["code"] == "malformed_json"


def test_bad_frames_get_errors_and_lose_nothing(client, shop_a):
    with client.websocket_connect(WS) as ws:
        ready = hello(ws, shop_a.public_key)
        ws.send_text(json.dumps({"type": "message", "client_id": "ok", "text": "第一条"}))
        until(ws, lambda f: f["type"] == "ack")
        for raw, code in (("{x", "malformed_json"), ("[1]", "malformed_json"),
                          (json.dumps({"type": "dance"}), "unknown_frame"),
                          (json.dumps({"type": "message", "text": "   "}), "empty_message"),
                          (json.dumps({"type": "message", "text": 5}), "invalid_message"),
                          (json.dumps({"type": "message", "text": "x" * 2001}), "message_too_long"),
                          ("x" * 70_000, "frame_too_large")):
            ws.send_text(raw)
            err = until(ws, lambda f: f["type"] == "error")[-1]
            assert err["code"] == code, raw[:40]
        ws.send_text(json.dumps({"type": "ping"}))
        assert until(ws, lambda f: f["type"] == "pong")
    msgs = client.get(f"/api/v1/conversations/{ready['conversation']['id']}",
                      headers=api_headers(shop_a)).json()["messages"]
    assert [m["text"] for m in msgs if m["sender"] == "customer"] == ["第一条"]


def test_html_is_stored_verbatim_as_text(client, shop_a):
    evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    with client.websocket_connect(WS) as ws:
        hello(ws, shop_a.public_key)
        ws.send_text(json.dumps({"type": "message", "client_id": "x", "text": evil}))
        assert until(ws, lambda f: f["type"] == "ack")[-1]["message"]["text"] == evil


def test_burst_is_rate_limited(database_url, shop_a):
    rt = Runtime(Settings(database_url=database_url, rate_limit_messages=3, rate_limit_window_seconds=60))
    from fastapi.testclient import TestClient

    with TestClient(create_app(rt)) as c, c.websocket_connect(WS) as ws:
        hello(ws, shop_a.public_key)
        codes = []
        for i in range(5):
            ws.send_text(json.dumps({"type": "message", "client_id": f"b{i}", "text": f"消息{i}"}))
            codes.append(until(ws, lambda f: f["type"] in ("ack", "error"), limit=20)[-1])
        kinds = [f["type"] if f["type"] == "ack" else f["code"] for f in codes]
        assert kinds == ["ack", "ack", "ack", "rate_limited", "rate_limited"]
    rt.db.dispose()


def test_no_hello_times_out(client, shop_a, monkeypatch):
    monkeypatch.setattr(widget, "HELLO_TIMEOUT", 0.2)
    with client.websocket_connect(WS) as ws, pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    assert closed.value.code == 4408


def test_widget_config(client, shop_a):
    assert client.get(f"/api/v1/widget/config?key={shop_a.public_key}").json()["shop_name"] == "Shop shop-a"
    r = client.get("/api/v1/widget/config?key=pk_unknown")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unknown_tenant_key"
