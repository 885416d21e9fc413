"""A shop's dictionary (domain words, synonyms) and its confidence thresholds change how the bot matches."""

from tests.conftest import api_headers


def _ask(client, shop, text):
    h = api_headers(shop)
    cid = client.post("/api/v1/channels/api/conversations", json={"customer_id": "d1"},
                      headers=h).json()["conversation"]["id"]
    return client.post(f"/api/v1/channels/api/conversations/{cid}/messages", json={"text": text},
                       headers=h).json()["replies"][0]


def test_dictionary_crud_and_validation(client, shop_a, login):
    h = api_headers(shop_a)
    r = client.post("/api/v1/dictionary", headers=h, json={"word": " 快递 ", "synonyms": ["物流", "包裹", "物流", ""]})
    assert r.status_code == 201 and r.json()["word"] == "快递" and r.json()["synonyms"] == ["物流", "包裹"]
    tid = r.json()["id"]
    dup = client.post("/api/v1/dictionary", headers=h, json={"word": "快递"})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "duplicate_term"
    for bad in ({"word": ""}, {"word": "two words"}, {"word": "x" * 51}, {"word": "a", "synonyms": ["b c"]}):
        assert client.post("/api/v1/dictionary", headers=h, json=bad).status_code == 422, bad
    assert client.put(f"/api/v1/dictionary/{tid}", headers=h, json={"word": "快递", "synonyms": ["物流"]}
                      ).json()["synonyms"] == ["物流"]
    agent = login(shop_a.agent_email)
    assert agent.get("/api/v1/dictionary").status_code == 200
    assert agent.post("/api/v1/dictionary", json={"word": "x"}).status_code == 403
    assert client.delete(f"/api/v1/dictionary/{tid}", headers=h).status_code == 204
    assert client.get("/api/v1/dictionary", headers=h).json() == []


def test_synonyms_make_the_bot_match(client, shop_a):
    h = api_headers(shop_a)
    client.post("/api/v1/knowledge", headers=h, json={
        "question": "可以开发票吗？", "similar_questions": ["开发票", "怎么要发票"], "answer": "可以开电子发票"})
    client.post("/api/v1/knowledge", headers=h, json={
        "question": "怎么退货？", "similar_questions": ["退货流程", "我想退货"], "answer": "7 天无理由"})
    assert _ask(client, shop_a, "能开kp吗")["text"] != "可以开电子发票"  # "kp" means nothing yet
    client.post("/api/v1/dictionary", headers=h, json={"word": "发票", "synonyms": ["kp"]})
    assert _ask(client, shop_a, "能开kp吗")["text"] == "可以开电子发票"


def test_per_shop_thresholds(client, shop_a):
    h = api_headers(shop_a)
    client.post("/api/v1/knowledge", headers=h, json={
        "question": "什么时候发货？", "similar_questions": ["多久发货", "几天发货"], "answer": "48 小时内发货"})
    client.post("/api/v1/knowledge", headers=h, json={
        "question": "怎么退货？", "similar_questions": ["退货流程", "我想退货"], "answer": "7 天无理由"})
    assert _ask(client, shop_a, "多久能发货")["text"] == "48 小时内发货"
    r = client.patch("/api/v1/settings", headers=h, json={"answer_threshold": 1.0, "clarify_threshold": 0.05})
    assert r.status_code == 200 and r.json()["answer_threshold"] == 1.0
    clarified = _ask(client, shop_a, "多久能发货")
    assert clarified["payload"]["type"] == "buttons" and clarified["payload"]["buttons"][0]["value"] == "什么时候发货？"
    bad = client.patch("/api/v1/settings", headers=h, json={"clarify_threshold": 0.9, "answer_threshold": 0.5})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_thresholds"
    assert client.get("/api/v1/settings", headers=h).json()["answer_threshold"] == 1.0  # nothing half-saved
    assert client.patch("/api/v1/settings", headers=h, json={"answer_threshold": 1.5}).status_code == 422


def test_thresholds_reset_to_default_with_null(client, shop_a):
    h = api_headers(shop_a)
    client.patch("/api/v1/settings", headers=h, json={"answer_threshold": 0.9})
    r = client.patch("/api/v1/settings", headers=h, json={"answer_threshold": None, "bot_name": None})
    assert r.status_code == 200 and r.json()["answer_threshold"] is None and r.json()["bot_name"]
