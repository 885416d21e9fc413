"""The API channel: a shop's server opens a conversation, posts messages, gets the bot's replies."""

from tests.conftest import api_headers


def _open(client, shop, **kw):
    r = client.post("/api/v1/channels/api/conversations", json={"customer_id": "u-1"} | kw,
                    headers=api_headers(shop))
    assert r.status_code == 200, r.text
    return r.json()


def _kb(client, shop):
    client.post("/api/v1/knowledge", headers=api_headers(shop), json={
        "question": "什么时候发货？", "similar_questions": ["多久发货"], "answer": "48 小时内发货"})
    client.post("/api/v1/knowledge", headers=api_headers(shop), json={
        "question": "Is shipping free?", "similar_questions": ["how much is shipping"], "answer": "Free over 99"})


def test_open_greets_with_the_bot_disclosure(client, shop_a):
    client.patch("/api/v1/settings", json={"bot_name": "阿福", "greeting_zh": "欢迎光临！"},
                 headers=api_headers(shop_a))
    opened = _open(client, shop_a)
    greeting = opened["messages"][0]
    assert greeting["sender"] == "bot" and greeting["sender_name"] == "阿福"
    assert "机器人" in greeting["text"] and "阿福" in greeting["text"] and "欢迎光临！" in greeting["text"]


def test_disclosure_stays_even_with_an_empty_greeting_and_in_english(client, shop_a):
    client.patch("/api/v1/settings", json={"greeting_en": ""}, headers=api_headers(shop_a))
    greeting = _open(client, shop_a, locale="en")["messages"][0]
    assert "bot" in greeting["text"] and "not a person" in greeting["text"]


def test_reopening_resumes_the_open_conversation(client, shop_a):
    a = _open(client, shop_a)
    b = _open(client, shop_a)
    assert a["conversation"]["id"] == b["conversation"]["id"]
    assert len(b["messages"]) == 1  # one greeting, not two
    c = _open(client, shop_a, new=True)
    assert c["conversation"]["id"] != a["conversation"]["id"]


def test_answer_clarify_fallback_and_dedupe(client, shop_a):
    _kb(client, shop_a)
    h = api_headers(shop_a)
    cid = _open(client, shop_a)["conversation"]["id"]
    url = f"/api/v1/channels/api/conversations/{cid}/messages"
    r = client.post(url, json={"text": "多久发货", "client_id": "m1"}, headers=h).json()
    assert r["duplicate"] is False and r["message"]["sender"] == "customer"
    assert [m["text"] for m in r["replies"]] == ["48 小时内发货"]
    again = client.post(url, json={"text": "多久发货", "client_id": "m1"}, headers=h).json()
    assert again["duplicate"] is True and again["message"]["id"] == r["message"]["id"]
    assert [m["text"] for m in again["replies"]] == ["48 小时内发货"]
    en = client.post(url, json={"text": "How much is shipping?"}, headers=h).json()
    assert en["replies"][0]["text"] == "Free over 99"
    lost = client.post(url, json={"text": "今天天气晴朗"}, headers=h).json()["replies"][0]
    assert lost["sender"] == "bot" and lost["payload"]["buttons"][0]["action"] == "handoff"
    history = client.get(url, headers=h).json()
    assert sum(1 for m in history if m["client_id"] == "m1") == 1


def test_the_bot_answers_while_the_customer_waits_and_goes_quiet_for_the_agent(client, shop_a, login,
                                                                              agent_online):
    _kb(client, shop_a)
    h = api_headers(shop_a)
    cid = _open(client, shop_a)["conversation"]["id"]
    url = f"/api/v1/channels/api/conversations/{cid}/messages"
    r = client.post(url, json={"text": "转人工"}, headers=h).json()
    assert r["replies"][0]["sender"] == "system" and "人工" in r["replies"][0]["text"]
    transcript = client.get(f"/api/v1/conversations/{cid}", headers=h).json()
    assert transcript["conversation"]["status"] == "queued"
    waiting = client.post(url, json={"text": "多久发货"}, headers=h).json()["replies"]
    assert waiting[0]["sender"] == "bot" and waiting[0]["payload"]["type"] == "answer"
    assert waiting[1]["sender"] == "system" and "排在第 1 位" in waiting[1]["text"]
    assert client.get(f"/api/v1/conversations/{cid}", headers=h).json()["conversation"]["status"] == "queued"
    agent = login(shop_a.agent_email)
    reply = agent.post(f"/api/v1/conversations/{cid}/messages", json={"text": "您好，我是小王"})
    assert reply.status_code == 201 and reply.json()["sender"] == "agent"
    assert reply.json()["sender_name"] == "Agent shop-a"
    assert client.get(f"/api/v1/conversations/{cid}", headers=h).json()["conversation"]["status"] == "with_agent"
    polled = client.get(url + f"?after={r['message']['id']}", headers=h).json()
    assert polled[-1]["sender"] == "agent"
    assert client.post(url, json={"text": "多久发货"}, headers=h).json()["replies"] == []  # the agent answers now


def test_handoff_endpoint_and_closed_conversation(client, shop_a, login, agent_online):
    h = api_headers(shop_a)
    cid = _open(client, shop_a)["conversation"]["id"]
    said = client.post(f"/api/v1/channels/api/conversations/{cid}/handoff", json={}, headers=h).json()
    assert said[0]["sender"] == "system"
    said = client.post(f"/api/v1/channels/api/conversations/{cid}/handoff", json={}, headers=h).json()
    assert "等待" in said[0]["text"]
    agent = login(shop_a.agent_email)
    assert agent.post(f"/api/v1/conversations/{cid}/close").json()["status"] == "closed"
    r = client.post(f"/api/v1/channels/api/conversations/{cid}/messages", json={"text": "hi"}, headers=h)
    assert r.status_code == 403 and r.json()["error"]["code"] == "conversation_closed"
    assert _open(client, shop_a)["conversation"]["id"] != cid


def test_agent_cannot_post_as_api_key_and_conversation_list(client, shop_a):
    h = api_headers(shop_a)
    cid = _open(client, shop_a)["conversation"]["id"]
    r = client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "x"}, headers=h)
    assert r.status_code == 403
    page = client.get("/api/v1/conversations", headers=h).json()
    assert page["total"] == 1 and page["items"][0]["message_count"] == 1
    assert client.get("/api/v1/conversations?status=closed", headers=h).json()["total"] == 0


def test_small_talk_and_the_truthful_bot_answer(client, shop_a):
    _kb(client, shop_a)
    h = api_headers(shop_a)
    cid = _open(client, shop_a)["conversation"]["id"]
    url = f"/api/v1/channels/api/conversations/{cid}/messages"
    robot = client.post(url, json={"text": "你是机器人吗？"}, headers=h).json()["replies"][0]
    assert robot["payload"]["kind"] == "are_you_bot" and "不是真人" in robot["text"]
    thanks = client.post(url, json={"text": "thank you!"}, headers=h).json()["replies"][0]
    assert thanks["payload"]["kind"] == "thanks" and "welcome" in thanks["text"]


def test_rich_answer_parts_travel_in_the_payload(client, shop_a):
    h = api_headers(shop_a)
    client.post("/api/v1/knowledge", headers=h, json={
        "question": "尺码怎么选？", "similar_questions": ["尺码表", "穿多大码"], "answer": "请看尺码表",
        "image_url": "https://shop.example/size.png", "link_url": "https://shop.example/size",
        "buttons": [{"label": "联系客服", "value": "转人工"}]})
    cid = _open(client, shop_a)["conversation"]["id"]
    reply = client.post(f"/api/v1/channels/api/conversations/{cid}/messages", json={"text": "尺码表"},
                        headers=h).json()["replies"][0]
    assert reply["text"] == "请看尺码表"
    p = reply["payload"]
    assert p["type"] == "answer" and p["image_url"] == "https://shop.example/size.png"
    assert p["link_url"] == "https://shop.example/size" and p["buttons"][0]["label"] == "联系客服"
