"""Knowledge points over the REST API, and the bot using them at once."""

from tests.conftest import api_headers


def _add(client, shop, **kw):
    body = {"category": "物流", "question": "什么时候发货？", "similar_questions": ["多久发货", "多久发货", " "],
            "answer": "48 小时内发货"} | kw
    return client.post("/api/v1/knowledge", json=body, headers=api_headers(shop))


def test_create_list_search_update_delete(client, shop_a):
    h = api_headers(shop_a)
    r = _add(client, shop_a)
    assert r.status_code == 201
    point = r.json()
    assert point["similar_questions"] == ["多久发货"]  # blanks and repeats dropped
    _add(client, shop_a, question="怎么退货？", answer="7 天无理由", category="售后", similar_questions=["能退吗"])
    page = client.get("/api/v1/knowledge", headers=h).json()
    assert page["total"] == 2 and page["items"][0]["question"] == "怎么退货？"
    assert [p["question"] for p in client.get("/api/v1/knowledge?search=发货", headers=h).json()["items"]] == [
        "什么时候发货？"]
    assert client.get("/api/v1/knowledge?search=%25", headers=h).json()["total"] == 0  # % is literal
    assert [p["question"] for p in client.get("/api/v1/knowledge?search=能退", headers=h).json()["items"]] == [
        "怎么退货？"]  # similar questions are searched too
    r = client.put(f"/api/v1/knowledge/{point['id']}", headers=h,
                   json={"question": "什么时候发货？", "answer": "24 小时内发货", "similar_questions": []})
    assert r.status_code == 200 and r.json()["answer"] == "24 小时内发货"
    assert client.delete(f"/api/v1/knowledge/{point['id']}", headers=h).status_code == 204
    assert client.get(f"/api/v1/knowledge/{point['id']}", headers=h).status_code == 404


def test_duplicate_question_is_refused_and_keeps_the_original(client, shop_a):
    _add(client, shop_a)
    r = _add(client, shop_a, answer="another")
    assert r.status_code == 409 and r.json()["error"]["code"] == "duplicate_question"
    items = client.get("/api/v1/knowledge", headers=api_headers(shop_a)).json()["items"]
    assert [i["answer"] for i in items] == ["48 小时内发货"]


def test_invalid_points_get_clear_errors(client, shop_a):
    h = api_headers(shop_a)
    for body, field in (({"question": "  ", "answer": "a"}, "question"), ({"question": "q", "answer": ""}, "answer"),
                        ({"question": "q" * 501, "answer": "a"}, "question"),
                        ({"question": "q", "answer": "a", "bogus": 1}, "bogus")):
        r = client.post("/api/v1/knowledge", json=body, headers=h)
        assert r.status_code == 422, body
        assert field in r.json()["error"]["message"]


def test_bot_uses_an_edit_immediately(client, shop_a):
    h = api_headers(shop_a)
    conv = client.post("/api/v1/channels/api/conversations", json={"customer_id": "c1"}, headers=h).json()
    cid = conv["conversation"]["id"]

    def ask(text):
        r = client.post(f"/api/v1/channels/api/conversations/{cid}/messages", json={"text": text}, headers=h)
        return r.json()["replies"][0]

    assert (ask("开发票")["payload"] or {}).get("type") != "answer"
    point = client.post("/api/v1/knowledge", headers=h, json={
        "question": "可以开发票吗？", "similar_questions": ["开发票", "怎么要发票"], "answer": "可以开电子发票"}).json()
    assert ask("开发票")["text"] == "可以开电子发票"
    client.put(f"/api/v1/knowledge/{point['id']}", headers=h, json={
        "question": "可以开发票吗？", "similar_questions": ["开发票"], "answer": "可以开专票", "enabled": True})
    assert ask("开发票")["text"] == "可以开专票"
    client.put(f"/api/v1/knowledge/{point['id']}", headers=h, json={
        "question": "可以开发票吗？", "similar_questions": ["开发票"], "answer": "可以开专票", "enabled": False})
    assert ask("开发票")["text"] != "可以开专票"


def test_bot_follows_validity_windows_without_an_edit(client, shop_a, app):
    import datetime as dt
    import time

    h = api_headers(shop_a)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
    client.post("/api/v1/knowledge", headers=h, json={
        "question": "双十一有活动吗？", "similar_questions": ["双十一活动"], "answer": "双十一全场八折",
        "valid_to": soon.isoformat()})
    cid = client.post("/api/v1/channels/api/conversations", json={"customer_id": "c9"},
                      headers=h).json()["conversation"]["id"]

    def ask():
        return client.post(f"/api/v1/channels/api/conversations/{cid}/messages", json={"text": "双十一活动"},
                           headers=h).json()["replies"][0]["text"]

    assert ask() == "双十一全场八折"
    time.sleep(max(0.0, (soon - dt.datetime.now(dt.UTC)).total_seconds()) + 0.2)
    assert ask() != "双十一全场八折"  # the window closed: no edit, yet the bot stops using the point


def test_an_edit_reuses_the_shop_s_index_and_a_dictionary_change_rebuilds_it(client, shop_a, app, monkeypatch):
    from kefu.nlu import lexical

    monkeypatch.setattr(lexical, "MIN_OVERLAY_TEXTS", 0)  # this shop is tiny; big shops get the overlay
    h = api_headers(shop_a)
    conv = client.post("/api/v1/channels/api/conversations", json={"customer_id": "c1"}, headers=h).json()
    cid = conv["conversation"]["id"]

    def ask(text):
        r = client.post(f"/api/v1/channels/api/conversations/{cid}/messages", json={"text": text}, headers=h)
        return r.json()["replies"][0]["text"]

    def bulk():
        return app.state.bot.index._cache[shop_a.tenant_id][2].lexical.bm25

    _add(client, shop_a)
    point = _add(client, shop_a, question="怎么退货？", answer="7 天无理由", similar_questions=["能退吗"]).json()
    assert ask("多久发货") == "48 小时内发货"
    first = bulk()
    client.put(f"/api/v1/knowledge/{point['id']}", headers=h, json={
        "question": "怎么退货？", "similar_questions": ["能退吗", "衣服不合适想退"], "answer": "7 天无理由"})
    assert ask("衣服不合适想退") == "7 天无理由"
    assert bulk() is first  # the edit was added by hand to the same BM25 bulk
    assert client.post("/api/v1/dictionary", headers=h, json={"word": "发货", "synonyms": ["寄出"]}).status_code == 201
    assert ask("多久寄出") == "48 小时内发货"
    assert bulk() is not first  # the dictionary cuts texts anew: built in full
