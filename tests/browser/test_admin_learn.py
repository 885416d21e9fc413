"""The console's 未解决问题 page in a real browser: groups ranked by customers, a new point from a group, another
group added to that point (one question unticked), one ignored for good, in Chinese and English."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.support.browser import AGENT, WAIT, check, login, unique

SHOTS = Path(os.environ.get("KEFU_TEST_ARTIFACTS", "test-artifacts"))
STORE = ["你们有线下实体店吗", "有实体店吗", "线下有门店吗"]
ABROAD = ["可以寄到国外吗", "能寄到国外吗"]


def test_owner_turns_unanswered_questions_into_knowledge(demo_server, api_channel, owner_http, page: Page):
    tag = unique("learn-")
    for i, text in enumerate(STORE):
        conv = api_channel.open(f"{tag}-store-{i}")["conversation"]
        api_channel.say(conv["id"], text)
    for i, text in enumerate(ABROAD):
        conv = api_channel.open(f"{tag}-abroad-{i}")["conversation"]
        api_channel.say(conv["id"], text)

    login(page, demo_server.base_url)
    page.goto(demo_server.base_url + "/admin/learn")
    expect(page.locator("#nav-learn")).to_have_attribute("aria-current", "page", timeout=WAIT)
    expect(page.locator("h1")).to_have_text("未解决问题")
    cards = page.locator(".learn-group")
    expect(cards.first).to_be_visible(timeout=WAIT)
    store = cards.filter(has_text="实体店").first
    expect(store.locator(".learn-customers")).to_have_text("3 位顾客")
    expect(store.locator(".learn-questions li")).to_have_count(3)
    expect(store.locator("[data-reason='fallback']")).to_contain_text("没听懂 3")
    # The most asked group comes first.
    expect(cards.first.locator(".learn-name")).to_contain_text("店")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "admin-learn.png"), full_page=True)

    # A new point from the store group: no agent reply to draft from, so the owner writes the answer.
    store.locator(".learn-act-new").click()
    form = store.locator(".learn-new-form")
    expect(form.locator(".hint")).to_have_text("客服没有可用的回答，请自己写答案。")
    form.locator(".learn-question-input").fill("有线下实体店吗？")
    form.locator(".learn-save").click()
    expect(store.locator(".learn-card-error")).to_have_text("请填写标准问题和答案")
    form.locator(".learn-answer").fill("本店只在网上销售，没有线下门店。")
    form.locator(".learn-save").click()
    expect(page.locator("#toast")).to_have_text("已新建知识点", timeout=WAIT)
    expect(cards.filter(has_text="实体店")).to_have_count(0)
    points = check(owner_http.get("/api/v1/knowledge", params={"search": "有线下实体店吗？"}))["items"]
    assert len(points) == 1 and points[0]["answer"] == "本店只在网上销售，没有线下门店。"
    assert set(STORE) <= set(points[0]["similar_questions"])

    # The abroad group goes to that point through the search box (any point can be chosen).
    abroad = cards.filter(has_text="国外").first
    abroad.locator(".learn-act-add").click()
    abroad.locator(".learn-point-search").fill("实体店")
    select = abroad.locator(".learn-point")
    expect(select.locator("option", has_text="有线下实体店吗？")).to_have_count(1, timeout=WAIT)
    select.select_option(label="有线下实体店吗？")
    # The owner unticks a question that does not belong there.
    expect(abroad.locator(".learn-pick")).to_have_count(2)
    abroad.locator(".learn-pick-row", has_text="能寄到国外吗").locator("input").uncheck()
    abroad.screenshot(path=str(SHOTS / "admin-learn-add.png"))
    abroad.locator(".learn-save").click()
    expect(page.locator("#toast")).to_have_text("已加为相似问法", timeout=WAIT)
    point = check(owner_http.get(f"/api/v1/knowledge/{points[0]['id']}"))
    assert "可以寄到国外吗" in point["similar_questions"] and "能寄到国外吗" not in point["similar_questions"]

    # Ignoring a group is remembered: it is not there after a reload.
    conv = api_channel.open(f"{tag}-odd")["conversation"]
    api_channel.say(conv["id"], "你们老板是哪里人")
    page.reload()
    odd = cards.filter(has_text="老板")
    expect(odd).to_have_count(1, timeout=WAIT)
    odd.locator(".learn-act-ignore").click()
    expect(page.locator("#toast")).to_have_text("已忽略，这组问题不会再出现", timeout=WAIT)
    page.reload()
    expect(page.locator("#learn-summary")).not_to_have_text("正在分析…", timeout=WAIT)
    expect(cards.filter(has_text="老板")).to_have_count(0)

    # English.
    page.locator("#lang-toggle").click()
    expect(page.locator("h1")).to_have_text("Unanswered questions")
    expect(page.locator("#nav-learn")).to_have_text("Unanswered")
    assert page.title().startswith("Unanswered")


def test_agents_are_told_the_page_is_for_owners(demo_server, page: Page):
    login(page, demo_server.base_url, AGENT)
    page.goto(demo_server.base_url + "/admin/learn")
    expect(page.locator("#learn-readonly")).to_be_visible(timeout=WAIT)
    expect(page.locator("#learn-readonly")).to_have_text("只有店主和管理员可以查看和处理未解决问题。")
    expect(page.locator(".learn-group")).to_have_count(0)
