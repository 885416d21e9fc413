"""The shop admin console (and the way into the agent workspace) in a real browser, against a live demo server."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS
from tests.support.browser import AGENT, OWNER, WAIT, check, login, unique, watch_errors

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'


# --- 1. login ------------------------------------------------------------------------------------------

def test_login_errors_redirects_and_logout(demo_server, page: Page):
    base = demo_server.base_url

    # Logged out, a console page sends you to the login page, remembering where you were going.
    page.goto(base + "/admin/knowledge")
    expect(page).to_have_url(re.compile(r"/admin/login\?next=%2Fadmin%2Fknowledge$"), timeout=WAIT)

    page.locator("#email").fill(OWNER[0])
    page.locator("#password").fill("not-the-password")
    expect(page.locator("#login-form")).to_have_attribute("data-ready", "1", timeout=WAIT)
    page.locator("#login-submit").click()
    error = page.locator("#login-error")
    expect(error).to_be_visible(timeout=WAIT)
    expect(error).to_contain_text("邮箱或密码错误")
    expect(error).to_contain_text("wrong email or password")
    expect(page).to_have_url(re.compile(r"/admin/login"))

    page.locator("#password").fill(OWNER[1])
    expect(page.locator("#login-form")).to_have_attribute("data-ready", "1", timeout=WAIT)
    page.locator("#login-submit").click()
    expect(page).to_have_url(re.compile(r"/admin/knowledge$"), timeout=WAIT)
    expect(page.locator("#nav-shop")).to_contain_text("Demo Shop")
    expect(page.locator("#nav-user")).to_have_text("店主 Owner")
    expect(page.locator(".kb-row").first).to_be_visible(timeout=WAIT)

    # The login page itself moves a logged-in user on.
    page.goto(base + "/admin/login?next=/admin/settings")
    expect(page).to_have_url(re.compile(r"/admin/settings$"), timeout=WAIT)

    page.locator("#logout").click()
    expect(page).to_have_url(re.compile(r"/admin/login$"), timeout=WAIT)
    page.goto(base + "/admin/conversations")
    expect(page).to_have_url(re.compile(r"/admin/login\?next=%2Fadmin%2Fconversations$"), timeout=WAIT)
    page.goto(base + "/workspace")
    expect(page).to_have_url(re.compile(r"/admin/login\?next=%2Fworkspace$"), timeout=WAIT)


def test_login_refuses_an_outside_next_url(demo_server, page: Page):
    page.goto(demo_server.base_url + "/admin/login?next=//evil.example/steal")
    page.locator("#email").fill(OWNER[0])
    page.locator("#password").fill(OWNER[1])
    expect(page.locator("#login-form")).to_have_attribute("data-ready", "1", timeout=WAIT)
    page.locator("#login-submit").click()
    expect(page).to_have_url(demo_server.base_url + "/admin/knowledge", timeout=WAIT)


# --- 2. knowledge ---------------------------------------------------------------------------------------

def fill_point(page: Page, *, category: str, question: str, similar: str, answer: str) -> None:
    expect(page.locator("#kb-dialog")).to_be_visible(timeout=WAIT)
    page.locator("#kb-category").fill(category)
    page.locator("#kb-question").fill(question)
    page.locator("#kb-similar").fill(similar)
    page.locator("#kb-answer").fill(answer)


def test_knowledge_add_search_edit_duplicate_delete(demo_server, page, owner_http, api_channel):
    base = demo_server.base_url
    login(page, base)
    tag = unique("")
    question = f"你们支持礼品包装吗{tag}？"
    answer = f"支持礼品包装（{tag}），下单时备注“礼品包装”即可，免费。"

    page.locator("#kb-add").click()
    fill_point(page, category="测试", question=question, similar="可以包装成礼物吗\n有礼盒吗", answer=answer)
    page.locator("#kb-save").click()
    expect(page.locator("#kb-dialog")).to_be_hidden(timeout=WAIT)
    row = page.locator(".kb-row", has_text=question)
    expect(row).to_be_visible(timeout=WAIT)
    expect(row).to_contain_text(answer)
    expect(row).to_contain_text("有礼盒吗")
    point_id = int(row.get_attribute("data-id"))

    # The bot answers with the new point straight away.
    conv = api_channel.open(unique("kb-"))
    replies = api_channel.say(conv["conversation"]["id"], question)
    assert [r["text"] for r in replies if r["sender"] == "bot"] == [answer]

    # Search (debounced) finds it and only it; the search is kept in the URL.
    page.locator("#kb-search").fill(tag)
    expect(page.locator(".kb-row")).to_have_count(1, timeout=WAIT)
    expect(page.locator(f'.kb-row[data-id="{point_id}"]')).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?q=" + tag))
    page.locator("#kb-search").fill(unique("nothing-like-this-"))
    expect(page.locator(".kb-row")).to_have_count(0, timeout=WAIT)
    expect(page.locator("#kb-empty")).to_contain_text("没有找到")
    page.locator("#kb-search").fill(tag)
    expect(page.locator(".kb-row")).to_have_count(1, timeout=WAIT)

    # Edit: the form opens filled in; the change shows in the list and reaches the server.
    row = page.locator(f'.kb-row[data-id="{point_id}"]')
    row.locator(".kb-edit").click()
    expect(page.locator("#kb-question")).to_have_value(question)
    expect(page.locator("#kb-similar")).to_have_value("可以包装成礼物吗\n有礼盒吗")
    expect(page.locator("#kb-enabled")).to_be_checked()
    new_answer = answer + "（已更新）"
    page.locator("#kb-answer").fill(new_answer)
    page.locator("#kb-enabled").uncheck()
    page.locator("#kb-save").click()
    expect(page.locator("#kb-dialog")).to_be_hidden(timeout=WAIT)
    expect(row).to_contain_text("已更新", timeout=WAIT)
    expect(row).to_contain_text("停用")
    stored = check(owner_http.get(f"/api/v1/knowledge/{point_id}"))
    assert stored["answer"] == new_answer and stored["enabled"] is False

    # A duplicate standard question: the server's refusal is shown in the form, which stays open.
    page.locator("#kb-add").click()
    fill_point(page, category="物流", question="包邮吗？", similar="", answer="重复的问题")
    page.locator("#kb-save").click()
    error = page.locator("#kb-error")
    expect(error).to_be_visible(timeout=WAIT)
    expect(error).to_contain_text("已经有相同标准问题的知识点")
    expect(error).to_contain_text("a knowledge point with the question '包邮吗？' exists")
    expect(page.locator("#kb-dialog")).to_be_visible()
    # A blank answer is caught before it is sent.
    page.locator("#kb-question").fill(unique("空答案"))
    page.locator("#kb-answer").fill("   ")
    page.locator("#kb-save").click()
    expect(error).to_have_text("请填写标准问题和答案。")
    page.locator("#kb-cancel").click()
    expect(page.locator("#kb-dialog")).to_be_hidden()

    # Delete asks first; cancelling keeps the point, confirming removes it.
    row.locator(".kb-delete").click()
    expect(page.locator("#confirm-dialog")).to_contain_text(question)
    page.locator("#confirm-cancel").click()
    expect(row).to_be_visible()
    row.locator(".kb-delete").click()
    page.locator("#confirm-ok").click()
    expect(page.locator(".kb-row")).to_have_count(0, timeout=WAIT)
    assert owner_http.get(f"/api/v1/knowledge/{point_id}").status_code == 404


def test_knowledge_paging(demo_server, page, owner_http):
    """More points than a page holds: next/previous pages walk through them."""
    tag = unique("page")
    ids = [check(owner_http.post("/api/v1/knowledge", json={"question": f"分页测试 {tag} 第{i}条", "answer": "分页"}))
           ["id"] for i in range(23)]
    try:
        login(page, demo_server.base_url)
        page.locator("#kb-search").fill(tag)
        expect(page.locator("#kb-range")).to_have_text("第 1–20 条，共 23 条", timeout=WAIT)
        expect(page.locator(".kb-row")).to_have_count(20)
        expect(page.locator("#kb-prev")).to_be_disabled()
        page.locator("#kb-next").click()
        expect(page.locator("#kb-range")).to_have_text("第 21–23 条，共 23 条", timeout=WAIT)
        expect(page.locator(".kb-row")).to_have_count(3)
        expect(page.locator("#kb-next")).to_be_disabled()
        page.locator("#kb-prev").click()
        expect(page.locator(".kb-row")).to_have_count(20, timeout=WAIT)
    finally:
        for point_id in ids:
            owner_http.delete(f"/api/v1/knowledge/{point_id}")


def test_knowledge_import_shows_bad_rows_then_skips_them(demo_server, page, owner_http):
    """Upload a CSV with one bad row: nothing is imported and the row number is shown; skip-bad imports the rest."""
    tag = unique("导入")
    csv_text = ("category,question,similar_questions,answer\n"
                f"测试/导入,{tag} 第一问,第一种问法||第二种问法,第一个答案\n"
                f"测试/导入,{tag} 没有答案,,\n"
                f"测试/导入,{tag} 第三问,,第三个答案\n")
    login(page, demo_server.base_url)
    page.locator("#kb-import").click()
    expect(page.locator("#kb-import-dialog")).to_be_visible(timeout=WAIT)
    page.locator("#kb-import-file").set_input_files(
        files=[{"name": "kb.csv", "mimeType": "text/csv", "buffer": csv_text.encode("utf-8")}])
    page.locator("#kb-import-start").click()
    result = page.locator("#kb-import-result")
    expect(result).to_contain_text("没有导入任何知识点", timeout=WAIT)
    errors = page.locator("#kb-import-errors .kb-import-problem")
    expect(errors).to_have_count(1)
    expect(errors.first.locator("td").nth(0)).to_have_text("3")  # the header is row 1
    expect(errors.first.locator("td").nth(1)).to_have_text("答案")
    expect(errors.first.locator("td").nth(2)).to_have_text("缺少必填内容：missing answer")
    assert check(owner_http.get("/api/v1/knowledge", params={"search": tag}))["total"] == 0

    page.locator("#kb-import-skip").check()
    expect(page.locator("#kb-import-start")).to_have_text("重新导入")
    page.locator("#kb-import-start").click()
    expect(result).to_have_text("导入完成：新增 2 条，更新 0 条，跳过 1 条。", timeout=WAIT)
    expect(page.locator("#kb-import-bar")).to_have_attribute("value", "1")
    expect(errors).to_have_count(1)  # the skipped row is still listed
    page.locator("#kb-import-close").click()
    expect(page.locator("#kb-import-dialog")).to_be_hidden()
    try:
        page.locator("#kb-search").fill(tag)
        expect(page.locator(".kb-row")).to_have_count(2, timeout=WAIT)
        expect(page.locator(".kb-row", has_text=f"{tag} 第一问")).to_contain_text("第二种问法")
        expect(page.locator(".kb-row", has_text=f"{tag} 第三问")).to_contain_text("第三个答案")
    finally:
        for point in check(owner_http.get("/api/v1/knowledge", params={"search": tag}))["items"]:
            owner_http.delete(f"/api/v1/knowledge/{point['id']}")


def test_knowledge_new_fields_category_filter_and_export(demo_server, page, owner_http):
    tag = unique("")
    category = f"测试/子类{tag}"
    question = f"限时活动{tag}？"
    login(page, demo_server.base_url)
    page.locator("#kb-add").click()
    fill_point(page, category=category, question=question, similar="", answer="活动明年开始")
    page.locator("#kb-tags").fill(f"活动, 标签{tag}")
    page.locator("#kb-valid-from").fill("2099-01-01T10:00")
    page.locator("#kb-image").fill("javascript:alert(1)")
    page.locator("#kb-save").click()
    expect(page.locator("#kb-error")).to_have_text("链接必须以 http:// 或 https:// 开头。")
    page.locator("#kb-image").fill("https://img.example/sale.png")
    page.locator("#kb-button-add").click()
    page.locator(".kb-button-row .kb-button-label").fill("活动规则")
    page.locator(".kb-button-row .kb-button-target").fill("活动规则是什么")
    page.locator("#kb-save").click()
    expect(page.locator("#kb-dialog")).to_be_hidden(timeout=WAIT)
    row = page.locator(".kb-row", has_text=question)
    expect(row).to_be_visible(timeout=WAIT)
    point_id = int(row.get_attribute("data-id"))
    try:
        expect(row.locator(".kb-window")).to_have_text("未到生效时间")
        expect(row.locator(".kb-tag")).to_have_text(["活动", f"标签{tag}"])
        stored = check(owner_http.get(f"/api/v1/knowledge/{point_id}"))
        assert stored["tags"] == ["活动", f"标签{tag}"] and stored["valid_from"].startswith("2099-01-01")
        assert stored["buttons"] == [{"label": "活动规则", "value": "活动规则是什么"}]
        assert stored["image_url"] == "https://img.example/sale.png"

        # The category tree fills the filter; choosing the subcategory shows only its point.
        page.reload()
        expect(page.locator(f'#kb-category-filter option[value="{category}"]')).to_have_count(1, timeout=WAIT)
        page.locator("#kb-category-filter").select_option(category)
        expect(page.locator(".kb-row")).to_have_count(1, timeout=WAIT)
        expect(page).to_have_url(re.compile(r"category="))
        page.locator("#kb-category-filter").select_option("")
        # A tag chip filters by that tag.
        page.locator(".kb-row", has_text=question).locator(".kb-tag", has_text=f"标签{tag}").click()
        expect(page.locator(".kb-row")).to_have_count(1, timeout=WAIT)
        expect(page.locator("#kb-tag-filter")).to_have_text(f"标签：标签{tag}")
        page.locator("#kb-tag-filter").click()
        expect(page.locator("#kb-tag-filter")).to_be_hidden()

        # Editing shows the stored fields again.
        page.locator(f'.kb-row[data-id="{point_id}"] .kb-edit').click()
        expect(page.locator("#kb-valid-from")).to_have_value(re.compile(r"^2099-01-01T"))
        expect(page.locator(".kb-button-row .kb-button-label")).to_have_value("活动规则")
        page.locator("#kb-cancel").click()

        # Export downloads the shop's points.
        page.locator("#kb-export summary").click()
        with page.expect_download() as download:
            page.locator("#kb-export-csv").click()
        content = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert content.startswith("category,question,similar_questions,answer") and question in content
    finally:
        owner_http.delete(f"/api/v1/knowledge/{point_id}")


# --- 3. markup in answers stays text ----------------------------------------------------------------------

def test_answer_with_markup_is_shown_literally(demo_server, page, owner_http):
    login(page, demo_server.base_url)
    question = unique("<b>脚本测试</b>")
    page.locator("#kb-add").click()
    fill_point(page, category="<i>cat</i>", question=question, similar=XSS, answer=XSS)
    page.locator("#kb-save").click()
    row = page.locator(".kb-row", has_text=question)
    expect(row).to_be_visible(timeout=WAIT)
    try:
        expect(row.locator(".kb-q")).to_have_text(question)
        expect(row.locator(".kb-answer")).to_have_text(XSS)
        expect(row.locator(".tag")).to_have_text("<i>cat</i>")
        assert row.locator("script, img, b, i").count() == 0
        # Reload so the list is drawn from the stored point, then look again.
        page.reload()
        row = page.locator(".kb-row", has_text=question)
        expect(row.locator(".kb-answer")).to_have_text(XSS, timeout=WAIT)
        row.locator(".kb-edit").click()
        expect(page.locator("#kb-answer")).to_have_value(XSS)
        assert page.evaluate("() => window.__xss") is None
    finally:
        owner_http.delete(f"/api/v1/knowledge/{row.get_attribute('data-id')}")


# --- 3b. the shop's dictionary ----------------------------------------------------------------------------

def test_dictionary_add_list_duplicate_edit_delete(demo_server, page, owner_http):
    login(page, demo_server.base_url)
    word = unique("快递")
    expect(page.locator("#dict-card")).to_contain_text("快递 = 物流 = 包裹")
    expect(page.locator("#dict-add")).to_be_visible(timeout=WAIT)

    # Synonyms may be separated by commas, 、 or spaces.
    page.locator("#dict-word").fill(word)
    page.locator("#dict-synonyms").fill("物流、包裹, 快件 运单")
    page.locator("#dict-add").click()
    row = page.locator(".dict-row", has_text=word)
    expect(row).to_be_visible(timeout=WAIT)
    for syn in ("物流", "包裹", "快件", "运单"):
        expect(row).to_contain_text(syn)
    expect(page.locator("#dict-word")).to_have_value("")
    term_id = int(row.get_attribute("data-id"))
    stored = {t["id"]: t for t in check(owner_http.get("/api/v1/dictionary"))}
    assert stored[term_id]["word"] == word and stored[term_id]["synonyms"] == ["物流", "包裹", "快件", "运单"]

    try:
        # The same word again: the server's 409 is shown.
        page.locator("#dict-word").fill(word)
        page.locator("#dict-synonyms").fill("物流")
        page.locator("#dict-add").click()
        error = page.locator("#dict-error")
        expect(error).to_be_visible(timeout=WAIT)
        expect(error).to_contain_text("词典里已经有这个词")
        expect(error).to_contain_text("is in the dictionary already")
        expect(page.locator(".dict-row", has_text=word)).to_have_count(1)

        # A word with a space inside is caught before it is sent.
        page.locator("#dict-word").fill("两个 词")
        page.locator("#dict-add").click()
        expect(error).to_contain_text("不能有空格")

        # Edit: the form fills in; saving changes the synonyms.
        row.locator(".dict-edit").click()
        expect(page.locator("#dict-word")).to_have_value(word)
        expect(page.locator("#dict-synonyms")).to_have_value("物流、包裹、快件、运单")
        expect(error).to_be_hidden()
        page.locator("#dict-synonyms").fill("物流 包裹")
        page.locator("#dict-add").click()
        expect(row).not_to_contain_text("运单", timeout=WAIT)
        expect(page.locator("#dict-cancel")).to_be_hidden()
        stored = {t["id"]: t for t in check(owner_http.get("/api/v1/dictionary"))}
        assert stored[term_id]["synonyms"] == ["物流", "包裹"]

        # Delete asks first.
        row.locator(".dict-delete").click()
        expect(page.locator("#confirm-dialog")).to_contain_text(word)
        page.locator("#confirm-ok").click()
        expect(page.locator(".dict-row", has_text=word)).to_have_count(0, timeout=WAIT)
        assert term_id not in {t["id"] for t in check(owner_http.get("/api/v1/dictionary"))}
    finally:
        owner_http.delete(f"/api/v1/dictionary/{term_id}")


def test_agent_sees_the_dictionary_read_only(demo_server, page, owner_http):
    word = unique("包邮")
    term = check(owner_http.post("/api/v1/dictionary", json={"word": word, "synonyms": ["免运费"]}))
    try:
        login(page, demo_server.base_url, AGENT)
        row = page.locator(f'.dict-row[data-id="{term["id"]}"]')
        expect(row).to_contain_text("免运费", timeout=WAIT)
        expect(page.locator("#dict-form")).to_be_hidden()
        expect(page.locator("#dict-word")).to_be_hidden()
        expect(page.locator("#dict-add")).to_be_hidden()
        assert page.locator(".dict-edit, .dict-delete").count() == 0
        status = page.evaluate("""() => fetch('/api/v1/dictionary', {method: 'POST', headers: {'Content-Type':
            'application/json'}, body: JSON.stringify({word: 'agent', synonyms: []})}).then(r => r.status)""")
        assert status == 403
    finally:
        owner_http.delete(f"/api/v1/dictionary/{term['id']}")


# --- 4. settings ------------------------------------------------------------------------------------------

def test_settings_change_bot_name_and_greeting(demo_server, page, owner_http, api_channel):
    base = demo_server.base_url
    before = check(owner_http.get("/api/v1/settings"))
    login(page, base)
    page.locator("#nav-settings").click()
    expect(page).to_have_url(re.compile(r"/admin/settings$"), timeout=WAIT)
    expect(page.locator("#set-bot-name")).to_have_value(before["bot_name"], timeout=WAIT)
    snippet = page.locator("#widget-snippet")
    expect(snippet).to_have_text(f'<script src="{base}/widget.js" data-key="{demo_server.public_key}" async></script>')
    expect(page.locator("#set-disclosure")).to_contain_text("不能关闭")

    # The identity secret is masked until revealed.
    secret = page.locator("#identity-secret")
    expect(secret).not_to_contain_text(before["identity_secret"])
    page.locator("#identity-reveal").click()
    expect(secret).to_have_text(before["identity_secret"])
    page.locator("#identity-reveal").click()
    expect(secret).not_to_contain_text(before["identity_secret"])

    bot_name = unique("小美")
    greeting = f"欢迎光临，{bot_name}为您服务！"
    try:
        page.locator("#set-bot-name").fill(bot_name)
        page.locator("#set-greeting-zh").fill(greeting)
        page.locator("#set-greeting-en").fill("Welcome! Ask me anything.")
        expect(page.locator("#set-preview")).to_contain_text(f"「{bot_name}」（不是真人）")
        page.locator("#set-save").click()
        expect(page.locator("#set-saved")).to_be_visible(timeout=WAIT)
        expect(page.locator("#set-saved")).to_have_text("已保存")

        # Saved for real: the page shows it after a reload, and a new conversation's greeting uses it.
        page.reload()
        expect(page.locator("#set-bot-name")).to_have_value(bot_name, timeout=WAIT)
        expect(page.locator("#set-greeting-zh")).to_have_value(greeting)
        opened = api_channel.open(unique("greet-"))
        first = opened["messages"][0]
        assert first["sender"] == "bot"
        assert f"「{bot_name}」" in first["text"]
        assert "机器人" in first["text"] and "不是真人" in first["text"]
        assert first["text"].rstrip().endswith(greeting)

        # A blank bot name is refused in the page, before it reaches the server.
        page.locator("#set-bot-name").fill("  ")
        page.locator("#set-save").click()
        expect(page.locator("#set-error")).to_contain_text("机器人名称")
        expect(page.locator("#set-saved")).to_be_hidden()
    finally:
        check(owner_http.patch("/api/v1/settings", json={k: before[k] for k in ("bot_name", "greeting_zh",
                                                                               "greeting_en")}))


def test_settings_api_keys(demo_server, page, owner_http):
    login(page, demo_server.base_url)
    page.goto(demo_server.base_url + "/admin/settings")
    name = unique("测试密钥 ")
    page.locator("#key-name").fill(name)
    page.locator("#key-create").click()
    shown = page.locator("#key-new-secret")
    expect(shown).to_have_text(re.compile(r"^sk_\S+$"), timeout=WAIT)
    secret = shown.text_content()
    # The secret shown once works on the API.
    assert httpx.get(demo_server.base_url + "/api/v1/knowledge?limit=1",
                     headers={"Authorization": f"Bearer {secret}"}).status_code == 200

    row = page.locator(".key-row", has_text=name)
    expect(row).to_contain_text("有效")
    row.locator(".key-revoke").click()
    page.locator("#confirm-ok").click()
    expect(row).to_contain_text("已吊销", timeout=WAIT)
    assert httpx.get(demo_server.base_url + "/api/v1/knowledge?limit=1",
                     headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_settings_confidence_thresholds(demo_server, page, owner_http):
    login(page, demo_server.base_url)
    page.goto(demo_server.base_url + "/admin/settings")
    answer, clarify = page.locator("#set-answer-threshold"), page.locator("#set-clarify-threshold")
    expect(answer).to_be_visible(timeout=WAIT)
    expect(answer).to_have_attribute("placeholder", "0.3")
    expect(clarify).to_have_attribute("placeholder", "0.1")
    expect(page.locator("#set-threshold-hint")).to_contain_text("您是不是想问")
    try:
        answer.fill("0.45")
        clarify.fill("0.2")
        page.locator("#set-save").click()
        expect(page.locator("#set-saved")).to_be_visible(timeout=WAIT)
        stored = check(owner_http.get("/api/v1/settings"))
        assert stored["answer_threshold"] == 0.45 and stored["clarify_threshold"] == 0.2
        page.reload()
        expect(answer).to_have_value("0.45", timeout=WAIT)
        expect(clarify).to_have_value("0.2")

        # Options above the direct-answer cut-off: the server's 422 is shown and nothing changes.
        clarify.fill("0.6")
        page.locator("#set-save").click()
        error = page.locator("#set-error")
        expect(error).to_be_visible(timeout=WAIT)
        expect(error).to_contain_text("不能高于")
        expect(error).to_contain_text("must not be above answer_threshold")
        expect(page.locator("#set-saved")).to_be_hidden()
        stored = check(owner_http.get("/api/v1/settings"))
        assert stored["answer_threshold"] == 0.45 and stored["clarify_threshold"] == 0.2

        # Out of range is caught in the page.
        answer.fill("1.5")
        clarify.fill("0.1")
        page.locator("#set-save").click()
        expect(error).to_have_text("置信度必须是 0 到 1 之间的数。")

        # Back to the defaults, through the page.
        answer.fill("0.3")
        page.locator("#set-save").click()
        expect(page.locator("#set-saved")).to_be_visible(timeout=WAIT)
        expect(error).to_be_hidden()
    finally:
        check(owner_http.patch("/api/v1/settings", json={"answer_threshold": 0.3, "clarify_threshold": 0.1}))
    stored = check(owner_http.get("/api/v1/settings"))
    assert stored["answer_threshold"] == 0.3 and stored["clarify_threshold"] == 0.1


def test_settings_time_zone_of_the_reports(demo_server, page, owner_http):
    login(page, demo_server.base_url)
    page.goto(demo_server.base_url + "/admin/settings")
    zone, error = page.locator("#set-timezone"), page.locator("#set-error")
    expect(zone).to_have_value("Asia/Shanghai", timeout=WAIT)
    expect(page.locator("label[for=set-timezone]")).to_have_text("店铺时区")
    try:
        zone.fill("Europe/Berlin")
        page.locator("#set-save").click()
        expect(page.locator("#set-saved")).to_be_visible(timeout=WAIT)
        assert check(owner_http.get("/api/v1/settings"))["timezone"] == "Europe/Berlin"
        reports = check(owner_http.get("/api/v1/reports/summary"))
        assert reports["timezone"] == "Europe/Berlin"
        page.reload()
        expect(zone).to_have_value("Europe/Berlin", timeout=WAIT)
        page.locator("#set-timezone").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "settings-timezone.png"))

        # Not an IANA name: the server's 422 is shown and the stored zone stays.
        zone.fill("Mars/Olympus")
        page.locator("#set-save").click()
        expect(error).to_be_visible(timeout=WAIT)
        expect(error).to_contain_text("unknown time zone 'Mars/Olympus'")
        expect(page.locator("#set-saved")).to_be_hidden()
        assert check(owner_http.get("/api/v1/settings"))["timezone"] == "Europe/Berlin"
        # Empty is caught in the page.
        zone.fill("  ")
        page.locator("#set-save").click()
        expect(error).to_have_text("店铺时区不能为空。")
        expect(zone).to_be_focused()
    finally:
        check(owner_http.patch("/api/v1/settings", json={"timezone": "Asia/Shanghai"}))
    assert check(owner_http.get("/api/v1/settings"))["timezone"] == "Asia/Shanghai"


# --- 5. conversations -------------------------------------------------------------------------------------

def test_conversation_list_transcript_reply_and_close(demo_server, page, api_channel):
    base = demo_server.base_url
    customer = unique("测试顾客")
    opened = api_channel.open(unique("t1-"), name=customer)
    conv_id = opened["conversation"]["id"]
    api_channel.say(conv_id, "什么时候发货？")
    html_text = '<b>急</b><img src=x onerror="window.__xss=1">'
    fallback = api_channel.say(conv_id, html_text)  # not understood: a fallback that offers a person
    assert fallback[0]["payload"]["type"] == "buttons"
    api_channel.say(conv_id, "怎么退货")  # understood again, so the bot keeps the chat (two misses hand over)

    login(page, base)
    page.locator("#nav-conversations").click()
    row = page.locator(f'.conv-row[data-id="{conv_id}"]')
    expect(row).to_be_visible(timeout=WAIT)
    expect(row).to_contain_text(customer)
    expect(row).to_contain_text("机器人接待中")
    expect(row).to_contain_text("API")

    row.click()
    expect(page).to_have_url(re.compile(rf"/admin/conversations\?id={conv_id}$"), timeout=WAIT)
    expect(page.locator("#conv-customer")).to_have_text(customer, timeout=WAIT)
    expect(page.locator("#conv-status")).to_have_text("机器人接待中")

    bot = page.locator('.msg[data-sender="bot"]')
    customer_msgs = page.locator('.msg[data-sender="customer"]')
    expect(bot.first).to_contain_text("机器人")
    expect(bot.first.locator(".msg-text")).to_contain_text("不是真人")
    expect(customer_msgs).to_have_count(3)
    expect(customer_msgs.first.locator(".msg-kind")).to_have_text("顾客")
    expect(customer_msgs.first.locator(".msg-text")).to_have_text("什么时候发货？")
    expect(bot.nth(1).locator(".msg-text")).to_contain_text("48 小时内发货")
    expect(customer_msgs.nth(1).locator(".msg-text")).to_have_text(html_text)
    assert page.locator("#transcript img, #transcript b").count() == 0
    # The fallback's buttons are listed by their labels.
    expect(bot.nth(2).locator(".chip")).to_have_text(["转人工"])
    assert page.evaluate("() => window.__xss") is None

    # Reply as a person: an agent-labelled message, the conversation moves to an agent, the customer gets it.
    page.locator("#reply-text").fill("您好，我是人工客服，马上为您处理。")
    page.locator("#reply-send").click()
    agent = page.locator('.msg[data-sender="agent"]')
    expect(agent).to_have_count(1, timeout=WAIT)
    expect(agent.locator(".msg-kind")).to_have_text("人工客服")
    expect(agent.locator(".msg-name")).to_have_text("店主 Owner")
    expect(agent.locator(".msg-text")).to_have_text("您好，我是人工客服，马上为您处理。")
    expect(page.locator("#conv-status")).to_have_text("人工接待中", timeout=WAIT)
    expect(page.locator("#reply-text")).to_have_value("")
    assert any(m["sender"] == "agent" for m in api_channel.messages(conv_id))

    # A new customer message shows up without reloading (the transcript polls).
    api_channel.say(conv_id, "好的，谢谢")
    expect(customer_msgs.last.locator(".msg-text")).to_have_text("好的，谢谢", timeout=WAIT)

    # Close: the reply box gives way to a note, and the list's filter finds it among closed ones.
    page.locator("#conv-close").click()
    page.locator("#confirm-ok").click()
    expect(page.locator("#conv-status")).to_have_text("已结束", timeout=WAIT)
    expect(page.locator("#reply-closed")).to_be_visible()
    expect(page.locator("#reply-form")).to_be_hidden()

    page.locator("#conv-back").click()
    page.locator('#conv-filter button[data-status="closed"]').click()
    expect(page.locator(f'.conv-row[data-id="{conv_id}"]')).to_contain_text("已结束", timeout=WAIT)
    expect(page.locator('.conv-row:not([data-status="closed"])')).to_have_count(0)
    page.locator('#conv-filter button[data-status="bot"]').click()
    expect(page.locator(f'.conv-row[data-id="{conv_id}"]')).to_have_count(0, timeout=WAIT)


def test_unknown_conversation_says_so(demo_server, page):
    login(page, demo_server.base_url)
    page.goto(demo_server.base_url + "/admin/conversations?id=999999")
    expect(page.locator("#conv-error")).to_have_text("找不到这个会话。", timeout=WAIT)


# --- 6. agents read, owners write -------------------------------------------------------------------------

def test_agent_sees_knowledge_and_settings_read_only(demo_server, page):
    base = demo_server.base_url
    login(page, base, AGENT)
    expect(page.locator("#nav-user")).to_have_text("客服小王 Agent Wang")
    expect(page.locator(".kb-row").first).to_be_visible(timeout=WAIT)
    expect(page.locator("#kb-readonly")).to_be_visible()
    expect(page.locator("#kb-add")).to_be_hidden()
    assert page.locator(".kb-edit, .kb-delete").count() == 0
    # Search still works for agents.
    page.locator("#kb-search").fill("发票")
    expect(page.locator(".kb-row").first).to_contain_text("发票", timeout=WAIT)
    # And the server refuses writes whatever the page shows.
    status = page.evaluate("""() => fetch('/api/v1/knowledge', {method: 'POST', headers: {'Content-Type':
        'application/json'}, body: JSON.stringify({question: 'agent?', answer: 'no'})}).then(r => r.status)""")
    assert status == 403

    page.locator("#nav-settings").click()
    expect(page.locator("#set-readonly")).to_be_visible(timeout=WAIT)
    expect(page.locator("#set-bot-name")).to_be_disabled()
    expect(page.locator("#set-greeting-zh")).to_be_disabled()
    expect(page.locator("#set-answer-threshold")).to_be_disabled()
    expect(page.locator("#set-clarify-threshold")).to_be_disabled()
    expect(page.locator("#set-save")).to_be_hidden()
    expect(page.locator("#widget-snippet")).to_contain_text(demo_server.public_key)
    expect(page.locator("#set-identity")).to_be_hidden()
    expect(page.locator("#set-keys")).to_be_hidden()

    # Agents can read and answer conversations.
    page.locator("#nav-conversations").click()
    expect(page.locator("#conv-filter")).to_be_visible(timeout=WAIT)


# --- 7. English ------------------------------------------------------------------------------------------

def test_english_console_and_language_toggle(demo_server, browser):
    base = demo_server.base_url
    ctx = browser.new_context(locale="en-US")
    try:
        page = ctx.new_page()
        errors = watch_errors(page)
        page.goto(base + "/admin/login")
        expect(page.locator("#login-submit")).to_have_text("Log in")
        expect(page.locator("label[for=email]")).to_have_text("Email")
        page.locator("#email").fill(OWNER[0])
        page.locator("#password").fill("nope")
        expect(page.locator("#login-form")).to_have_attribute("data-ready", "1", timeout=WAIT)
        page.locator("#login-submit").click()
        expect(page.locator("#login-error")).to_have_text("Wrong email or password", timeout=WAIT)
        page.locator("#password").fill(OWNER[1])
        expect(page.locator("#login-form")).to_have_attribute("data-ready", "1", timeout=WAIT)
        page.locator("#login-submit").click()
        expect(page).to_have_url(re.compile(r"/admin/knowledge$"), timeout=WAIT)

        expect(page.locator("h1")).to_have_text("Knowledge base")
        expect(page.locator("#nav-knowledge")).to_have_text("Knowledge")
        expect(page.locator("#nav-conversations")).to_have_text("Conversations")
        expect(page.locator("#nav-settings")).to_have_text("Settings")
        expect(page.locator("#nav-workspace")).to_have_text("Workspace")
        expect(page.locator("#logout")).to_have_text("Log out")
        expect(page.locator("#kb-add")).to_contain_text("Add knowledge point")
        expect(page.locator("#kb-search")).to_have_attribute("placeholder", re.compile("Search"))
        expect(page.locator(".kb-row").first.locator(".badge")).to_have_text("Enabled", timeout=WAIT)
        assert page.evaluate("() => document.documentElement.lang") == "en"

        page.locator("#nav-conversations").click()
        expect(page.locator('#conv-filter button[data-status="with_agent"]')).to_have_text("With agent",
                                                                                           timeout=WAIT)
        page.locator("#nav-settings").click()
        expect(page.locator("#set-save")).to_have_text("Save settings", timeout=WAIT)
        expect(page.locator("#set-disclosure")).to_contain_text("cannot be turned off")

        # 中/EN switches in place and is remembered.
        page.locator("#lang-toggle").click()
        expect(page.locator("#set-save")).to_have_text("保存设置")
        expect(page.locator("#nav-settings")).to_have_text("设置")
        page.goto(base + "/workspace")
        expect(page.locator("#queue-title")).to_have_text("排队中", timeout=WAIT)
        page.locator("#lang-toggle").click()
        expect(page.locator("#queue-title")).to_have_text("Queue")
        expect(page.locator("#tab-supervisor")).to_have_text("Supervisor")
        assert not errors, "\n".join(errors)
    finally:
        ctx.close()


# --- workspace and small screens ---------------------------------------------------------------------------

def test_workspace_opens_from_the_nav(demo_server, page):
    """The workspace (tests/browser/test_workspace.py has the rest): queue, my chats, the status in its column."""
    login(page, demo_server.base_url)
    page.locator("#nav-workspace").click()
    expect(page).to_have_url(re.compile(r"/workspace$"), timeout=WAIT)
    expect(page.locator("#nav-workspace")).to_have_attribute("aria-current", "page")
    expect(page.locator("#ws-conn")).to_have_attribute("data-state", "open", timeout=WAIT)
    expect(page.locator("#queue-title")).to_have_text("排队中")
    expect(page.locator("#mine-title")).to_have_text("我的会话")
    expect(page.locator("#status-slot #agent-status")).to_be_visible()
    expect(page.locator("#topnav #agent-status")).to_have_count(0)
    expect(page.locator("#chat-empty")).to_be_visible()


@pytest.mark.parametrize("path", ["/admin/knowledge", "/admin/settings", "/admin/conversations", "/workspace"])
def test_console_fits_a_phone(demo_server, browser, path):
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    try:
        page = ctx.new_page()
        errors = watch_errors(page)
        login(page, demo_server.base_url)
        page.goto(demo_server.base_url + path)
        expect(page.locator("#logout")).to_be_visible(timeout=WAIT)
        expect(page.locator(".loading:visible")).to_have_count(0, timeout=WAIT)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide at a 390px viewport"
        assert not errors, "\n".join(errors)
    finally:
        ctx.close()
