"""Customers' photos and files: widget and API-channel uploads, who may see them, and refused files."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from sqlalchemy import func, select

from kefu.attachments.models import Attachment
from kefu.conversations.models import Message
from kefu.tenants.security import sign_identity_token
from tests.conftest import api_headers
from tests.support import images

WS = "/api/v1/widget/ws"
UPLOAD = "/api/v1/widget/attachments"
MAX_UPLOAD = 300_000


@pytest.fixture
def settings(settings):
    settings.max_upload_bytes = MAX_UPLOAD  # small, so "too large" needs no 10 MB test file
    return settings


def _api_open(client, shop, customer_id="u-1", locale="zh"):
    r = client.post("/api/v1/channels/api/conversations", headers=api_headers(shop),
                    json={"customer_id": customer_id, "locale": locale})
    assert r.status_code == 200, r.text
    return r.json()["conversation"]["id"]


def _api_upload(client, shop, cid, data, name="photo.jpg", ctype="image/jpeg", **form):
    return client.post(f"/api/v1/channels/api/conversations/{cid}/attachments", headers=api_headers(shop),
                       files={"file": (name, data, ctype)}, data=form)


def _widget_hello(client, key, **kw):
    with client.websocket_connect(WS) as ws:
        ws.send_text(json.dumps({"type": "hello", "key": key} | kw))
        ready = ws.receive_json()
    assert ready["type"] == "ready", ready
    return ready


def _widget_headers(shop, visitor=None, token=None):
    h = {"X-Kefu-Key": shop.public_key}
    if visitor:
        h["X-Kefu-Visitor"] = visitor
    if token:
        h["X-Kefu-Token"] = token
    return h


def _widget_upload(client, headers, cid, data, name="photo.png", ctype="image/png", **form):
    return client.post(UPLOAD, headers=headers, files={"file": (name, data, ctype)},
                       data={"conversation_id": str(cid)} | form)


def _stored_files(runtime) -> list:
    root = runtime.storage.root
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _count(runtime, model) -> int:
    with runtime.db.session() as db:
        return db.scalar(select(func.count()).select_from(model))


# --- the API channel ---------------------------------------------------------------------------------------

def test_api_photo_becomes_a_message_the_bot_acknowledges_and_staff_can_see(client, runtime, login, shop_a):
    cid = _api_open(client, shop_a)
    client.post(f"/api/v1/channels/api/conversations/{cid}/messages", headers=api_headers(shop_a),
                json={"text": "收到的杯子碎了"})
    r = _api_upload(client, shop_a, cid, images.phone_jpeg(80, 40), name="退货 IMG_01.JPG", client_id="p1")
    assert r.status_code == 200, r.text
    out = r.json()
    msg, payload = out["message"], out["message"]["payload"]
    assert msg["sender"] == "customer" and msg["text"] == "[图片]"
    assert out["duplicate"] is False
    aid = payload["attachment_id"]
    assert payload == {"type": "attachment", "attachment_id": aid, "kind": "image", "content_type": "image/jpeg",
                       "name": "退货 IMG_01.jpg", "size": payload["size"], "width": 40, "height": 80,
                       "url": f"/api/v1/attachments/{aid}"}
    # The bot has the chat: a short acknowledgement and a way to a person.
    [reply] = out["replies"]
    assert reply["sender"] == "bot" and reply["text"] == "已收到您的图片，需要人工客服帮您查看吗？"
    assert reply["payload"] == {"type": "buttons", "buttons": [{"label": "转人工", "action": "handoff"}]}

    for who in (client, login(shop_a.agent_email)):
        got = who.get(payload["url"], headers=api_headers(shop_a) if who is client else {})
        assert got.status_code == 200
        assert got.headers["content-type"] == "image/jpeg"
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["cache-control"].startswith("private")
        assert "sandbox" in got.headers["content-security-policy"]
        img = Image.open(io.BytesIO(got.content))
        assert img.size == (40, 80) and not img.getexif()
        assert len(got.content) == payload["size"]
    again = client.get(payload["url"], headers=api_headers(shop_a) | {"If-None-Match": got.headers["etag"]})
    assert again.status_code == 304 and not again.content
    with runtime.db.session() as db:
        row = db.get(Attachment, aid)
        assert (row.tenant_id, row.conversation_id, row.kind, row.size) == (shop_a.tenant_id, cid, "image",
                                                                             len(got.content))
        assert len(row.sha256) == 64 and row.storage_key.startswith(f"{shop_a.tenant_id}/")
    # The transcript staff read shows it too; the text was scored for emotion, the photo is not.
    transcript = client.get(f"/api/v1/conversations/{cid}", headers=api_headers(shop_a)).json()
    text, photo = [m for m in transcript["messages"] if m["sender"] == "customer"]
    assert text["emotion"] is not None
    assert photo["id"] == msg["id"] and photo["payload"] == payload and photo["emotion"] is None


def test_pdf_is_a_download_kept_as_sent(client, shop_a):
    cid = _api_open(client, shop_a, locale="en")
    out = _api_upload(client, shop_a, cid, images.PDF, name="发票.pdf", ctype="application/pdf").json()
    msg = out["message"]
    assert msg["text"] == "[file] 发票.pdf" and msg["payload"]["kind"] == "file"
    assert out["replies"][0]["text"] == "Got your file. Would you like a person to take a look at it?"
    got = client.get(msg["payload"]["url"], headers=api_headers(shop_a))
    assert got.status_code == 200 and got.content == images.PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"] == "attachment; filename*=UTF-8''%E5%8F%91%E7%A5%A8.pdf"


def test_a_resend_with_the_same_client_id_stores_once(client, runtime, shop_a):
    cid = _api_open(client, shop_a)
    first = _api_upload(client, shop_a, cid, images.png(), name="a.png", ctype="image/png", client_id="same").json()
    second = _api_upload(client, shop_a, cid, images.png(), name="a.png", ctype="image/png", client_id="same").json()
    assert second["duplicate"] is True and second["message"]["id"] == first["message"]["id"]
    assert [r["id"] for r in second["replies"]] == [r["id"] for r in first["replies"]]
    assert _count(runtime, Attachment) == 1 and len(_stored_files(runtime)) == 1


def test_with_a_person_on_the_way_the_bot_keeps_quiet(client, shop_a, agent_online):
    cid = _api_open(client, shop_a)
    client.post(f"/api/v1/channels/api/conversations/{cid}/messages", headers=api_headers(shop_a),
                json={"text": "转人工"})
    out = _api_upload(client, shop_a, cid, images.png(), name="a.png", ctype="image/png").json()
    assert out["message"]["payload"]["type"] == "attachment"
    assert out["replies"] == []


def test_the_api_upload_is_only_for_api_conversations(client, shop_a):
    ready = _widget_hello(client, shop_a.public_key)
    r = _api_upload(client, shop_a, ready["conversation"]["id"], images.png(), ctype="image/png")
    assert r.status_code == 404


# --- bad input: a clear answer and nothing stored, nothing lost ------------------------------------------------

BAD = [
    pytest.param(b"I am a text file, not a photo\n", "photo.jpg", "image/jpeg", 415, "unsupported_file_type",
                 id="text-renamed-jpg"),
    pytest.param(images.truncated_png(), "photo.png", "image/png", 400, "invalid_image", id="truncated-png"),
    pytest.param(b"", "photo.jpg", "image/jpeg", 400, "empty_file", id="empty"),
    pytest.param(images.heic_header(), "IMG_0001.HEIC", "image/heic", 415, "heic_not_supported", id="heic"),
    pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(MAX_UPLOAD), "big.png", "image/png", 413, "file_too_large",
                 id="too-large"),
    pytest.param(bytes(MAX_UPLOAD + 200_000), "huge.png", "image/png", 413, "request_too_large",
                 id="far-too-large"),
]


@pytest.mark.parametrize(("data", "name", "ctype", "status", "code"), BAD)
def test_refused_api_upload_stores_nothing_and_loses_nothing(client, runtime, shop_a, data, name, ctype, status,
                                                             code):
    cid = _api_open(client, shop_a)
    h = api_headers(shop_a)
    client.post(f"/api/v1/channels/api/conversations/{cid}/messages", headers=h, json={"text": "你好"})
    before = client.get(f"/api/v1/conversations/{cid}", headers=h).json()["messages"]
    r = _api_upload(client, shop_a, cid, data, name=name, ctype=ctype)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code and r.json()["error"]["message"]
    assert client.get(f"/api/v1/conversations/{cid}", headers=h).json()["messages"] == before
    assert _count(runtime, Attachment) == 0 and _stored_files(runtime) == []


@pytest.mark.parametrize(("data", "name", "ctype", "status", "code"), BAD[:3])
def test_refused_widget_upload_stores_nothing(client, runtime, shop_a, data, name, ctype, status, code):
    ready = _widget_hello(client, shop_a.public_key)
    before = _count(runtime, Message)
    r = _widget_upload(client, _widget_headers(shop_a, ready["visitor"]), ready["conversation"]["id"], data,
                       name=name, ctype=ctype)
    assert (r.status_code, r.json()["error"]["code"]) == (status, code)
    assert _count(runtime, Message) == before and _count(runtime, Attachment) == 0 and _stored_files(runtime) == []


def test_wrong_conversation_or_another_shops_key_stores_nothing(client, runtime, shop_a, shop_b):
    cid = _api_open(client, shop_a)
    h = api_headers(shop_a)
    before = client.get(f"/api/v1/conversations/{cid}", headers=h).json()["messages"]
    r = _api_upload(client, shop_b, cid, images.png(), ctype="image/png")  # B's key, A's conversation
    assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found")
    assert _api_upload(client, shop_a, cid + 1000, images.png(), ctype="image/png").status_code == 404
    assert client.get(f"/api/v1/conversations/{cid}", headers=h).json()["messages"] == before
    assert _count(runtime, Attachment) == 0 and _stored_files(runtime) == []


def test_closed_conversation_takes_no_file(client, runtime, shop_a):
    cid = _api_open(client, shop_a)
    h = api_headers(shop_a)
    client.post(f"/api/v1/channels/api/conversations/{cid}/close", headers=h)
    before = client.get(f"/api/v1/conversations/{cid}", headers=h).json()["messages"]
    r = _api_upload(client, shop_a, cid, images.png(), ctype="image/png")
    assert (r.status_code, r.json()["error"]["code"]) == (403, "conversation_closed")
    assert client.get(f"/api/v1/conversations/{cid}", headers=h).json()["messages"] == before
    assert _count(runtime, Attachment) == 0 and _stored_files(runtime) == []


# --- the widget ---------------------------------------------------------------------------------------------

def test_widget_photo_reaches_the_conversation_live_and_only_its_people_see_it(client, runtime, login, shop_a,
                                                                                shop_b):
    with client.websocket_connect(WS) as ws:
        ws.send_text(json.dumps({"type": "hello", "key": shop_a.public_key, "locale": "zh"}))
        ready = ws.receive_json()
        cid, visitor = ready["conversation"]["id"], ready["visitor"]
        mine = _widget_headers(shop_a, visitor)
        r = _widget_upload(client, mine, cid, images.png(64, 48), name="破损.png", client_id="up-1")
        assert r.status_code == 200, r.text
        msg = r.json()["message"]
        assert msg["client_id"] == "up-1" and msg["payload"]["kind"] == "image" and msg["text"] == "[图片]"
        # Over the socket: the customer's own message, then the bot's acknowledgement.
        seen = []
        while not any(f["message"]["sender"] == "bot" for f in seen):
            frame = ws.receive_json()
            if frame["type"] == "message":
                seen.append(frame)
        assert seen[0]["message"]["id"] == msg["id"]
        assert seen[-1]["message"]["payload"]["buttons"][0]["action"] == "handoff"
    url = msg["payload"]["url"]

    got = client.get(url, headers=mine)
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(got.content)).size == (64, 48)
    assert login(shop_a.agent_email).get(url).status_code == 200
    # Everybody else: another visitor of the same shop, shop B's visitor, staff and key, nobody at all.
    other = _widget_hello(client, shop_a.public_key)["visitor"]
    b_visitor = _widget_hello(client, shop_b.public_key)["visitor"]
    assert client.get(url, headers=_widget_headers(shop_a, other)).status_code == 404
    assert client.get(url, headers=_widget_headers(shop_b, b_visitor)).status_code == 404
    assert client.get(url, headers=_widget_headers(shop_a, b_visitor)).status_code == 401
    assert client.get(url, headers=_widget_headers(shop_a, "v_guessed")).status_code == 401
    assert client.get(url, headers=api_headers(shop_b)).status_code == 404
    assert login(shop_b.owner_email).get(url).status_code == 404
    assert client.get(url).status_code == 401
    # Uploading is the same: only into one's own conversation.
    assert _widget_upload(client, _widget_headers(shop_a, other), cid, images.png()).status_code == 404
    assert _widget_upload(client, _widget_headers(shop_b, b_visitor), cid, images.png()).status_code == 404
    assert _widget_upload(client, {}, cid, images.png()).status_code == 401
    assert _count(runtime, Attachment) == 1


def test_identified_customer_uploads_and_reads_with_the_token(client, shop_a):
    token = sign_identity_token(shop_a.identity_secret, "cust-9", "王小明")
    ready = _widget_hello(client, shop_a.public_key, token=token)
    h = _widget_headers(shop_a, token=token)
    r = _widget_upload(client, h, ready["conversation"]["id"], images.webp(), name="x.webp", ctype="image/webp")
    assert r.status_code == 200, r.text
    url = r.json()["message"]["payload"]["url"]
    assert client.get(url, headers=h).status_code == 200
    forged = sign_identity_token("not-the-shop-secret-" * 3, "cust-9")
    bad = client.get(url, headers=_widget_headers(shop_a, token=forged))
    assert (bad.status_code, bad.json()["error"]["code"]) == (401, "invalid_identity")


def test_widget_config_says_how_large_a_file_may_be(client, shop_a):
    config = client.get(f"/api/v1/widget/config?key={shop_a.public_key}").json()
    assert config["max_upload_bytes"] == MAX_UPLOAD


def test_an_upload_of_unknown_length_is_refused_before_it_is_read(client, runtime, shop_a):
    cid = _api_open(client, shop_a)
    body = iter([b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n", images.png(),
                 b"\r\n--x--\r\n"])
    r = client.post(f"/api/v1/channels/api/conversations/{cid}/attachments", content=body,
                    headers=api_headers(shop_a) | {"Content-Type": "multipart/form-data; boundary=x"})
    assert (r.status_code, r.json()["error"]["code"]) == (411, "length_required")
    assert _count(runtime, Attachment) == 0
