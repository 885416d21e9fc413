"""The console's knowledge packs page in a real browser: one-click import, auto-update, an update's preview with
conflicts decided side by side, apply, history with paging, rollback."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import delete

from kefu.db import Database
from kefu.demo.seed import seed_demo
from kefu.knowledge.models import KnowledgePoint
from kefu.migrate import upgrade
from tests.browser.conftest import DemoServer
from tests.conftest import BACKEND
from tests.support.browser import WAIT, ApiChannel, check, login, unique, watch_errors
from tests.support.server import LiveServer

PACK = "browser-test-zh"
SHOTS = Path("/tmp/shots")


# --- a small pack in two versions (docs/pack-format.md) ----------------------------------------------------

def _point(key, question, similar, answer, category="测试/小包", tags=()):
    return {"key": key, "category": category, "question": question, "similar": similar, "answer": answer,
            "tags": list(tags)}


def v100() -> dict:
    return {
        "id": PACK, "name": "浏览器测试小包", "version": "1.0.0", "language": "zh",
        "description": "浏览器测试用的小知识库。", "base": None,
        "placeholders": {"ship_within_hours": {"label": "发货时效", "default": "48"},
                         "return_days": {"label": "退货天数", "default": "7"}},
        "points": [
            _point("ship.when", "小包多久发货？",
                   ["小包几天发货", "小包啥时候发", "小包什么时候发货呀", "小包发货要多久", "小包fh多久"],
                   "付款后{{ship_within_hours}}小时内发货。"),
            _point("returns.window", "小包多少天内可以退货？",
                   ["小包几天能退", "小包能退货吗", "小包退货期限", "小包七天无理由吗", "小包过期还能退不"],
                   "本店支持{{return_days}}天无理由退货。"),
            _point("gift.wrap", "小包可以包装成礼物吗？", ["小包礼品包装", "小包送人包装", "小包能包装吗", "小包礼盒",
                                                   "小包有贺卡吗"],
                   "可以，下单时备注即可。", tags=["包装"]),
            _point("pay.methods", "小包支持哪些付款方式？",
                   ["小包怎么付款", "小包能用微信吗", "小包支付宝行吗", "小包付款方式", "小包能刷卡吗"],
                   "支持支付宝和微信支付。"),
            _point("old.cod", "小包可以货到付款吗？",
                   ["小包货到付款", "小包到付行吗", "小包能先收货再付钱吗", "小包cod", "小包收货付款"],
                   "暂不支持货到付款。"),
        ]}


def v110() -> dict:
    pack = v100()
    pack["version"] = "1.1.0"
    points = {p["key"]: p for p in pack["points"]}
    points["ship.when"]["answer"] = "付款后{{ship_within_hours}}小时内发出，节假日顺延。"  # shop: untouched → auto
    points["returns.window"]["answer"] = "支持{{return_days}}天无理由退货（定制商品除外）。"  # shop: edited → conflict
    points["gift.wrap"]["answer"] = "可以，下单时备注“礼品包装”，免费。"  # shop: edited → conflict
    points["pay.methods"]["similar"].append("小包能花呗吗")  # shop: untouched → auto
    del points["old.cod"]  # shop: untouched → removed
    points["vat.special"] = _point("vat.special", "小包可以开增值税专票吗？",
                                   ["小包专票", "小包能开专票吗", "小包增值税发票", "小包开专用发票", "小包zp能开吗"],
                                   "可以开专票，请提供税号和开户行。")
    pack["points"] = list(points.values())
    return pack


def write_pack(folder: Path, pack: dict) -> None:
    path = folder / pack["id"] / f"{pack['version']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(pack, ensure_ascii=False), encoding="utf-8")


# --- fixtures --------------------------------------------------------------------------------------------

def owner_client(base_url: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    check(client.post("/api/v1/auth/login", json={"email": "owner@demo.kefu", "password": "demo-owner-pass"}))
    return client


@pytest.fixture(scope="module")
def owner_http(demo_server) -> Iterator[httpx.Client]:
    client = owner_client(demo_server.base_url)
    yield client
    client.close()


@pytest.fixture(scope="module")
def packs_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("packs")
    write_pack(folder, v100())
    return folder


@pytest.fixture(scope="module")
def packs_server(tmp_path_factory, packs_dir) -> Iterator[DemoServer]:
    """Another demo shop on its own server, whose pack sources include a local folder (KEFU_PACKS_DIR)."""
    if BACKEND != "sqlite":
        pytest.skip("browser tests run once, on the SQLite default")
    path = tmp_path_factory.mktemp("browser-packs") / "demo.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    database = Database(url)
    info = seed_demo(database)
    with database.session() as db:
        # Without the demo's own points: "小包多久发货？" would rightly be linked to the demo's "什么时候发货？" as a
        # duplicate (the first test shows that), and this module is about updates and conflicts.
        db.execute(delete(KnowledgePoint).where(KnowledgePoint.tenant_id == info.tenant_id))
    database.dispose()
    server = LiveServer(url, log_dir=path.parent, env={"KEFU_PACKS_DIR": str(packs_dir)}).start()
    yield DemoServer(server, info.public_key, info.tenant_id)
    server.stop()


@pytest.fixture(scope="module")
def packs_http(packs_server) -> Iterator[httpx.Client]:
    client = owner_client(packs_server.base_url)
    yield client
    client.close()


def card(page: Page, pack_id: str):
    return page.locator(f'.pack-card[data-pack="{pack_id}"]')


def kb_total(page: Page) -> int:
    text = page.locator("#kb-count").inner_text()
    return int(re.sub(r"\D", "", text))


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


# --- tests -------------------------------------------------------------------------------------------------

def test_import_ecommerce_pack_in_one_click(demo_server, page, owner_http):
    base = demo_server.base_url
    login(page, base)
    expect(page.locator("#kb-count")).to_contain_text("共", timeout=WAIT)
    before = kb_total(page)

    page.locator("#nav-packs").click()
    expect(page).to_have_url(re.compile(r"/admin/packs$"), timeout=WAIT)
    expect(page.locator("#nav-packs")).to_have_attribute("aria-current", "page")
    shop = card(page, "ecommerce-zh")
    expect(shop).to_be_visible(timeout=WAIT)
    expect(shop.locator(".pack-name")).to_have_text("电商通用知识库")
    expect(shop.locator(".pack-not-installed")).to_have_text("未导入")
    expect(shop.locator(".pack-lang dd")).to_have_text("中文")
    expect(shop.locator(".pack-points dd")).to_have_text("311")
    expect(shop.locator(".pack-version dd")).to_have_text(re.compile(r"^1\.1\.0 （共 2 个版本）"))
    expect(card(page, "apparel-zh").locator(".pack-base dd")).to_contain_text("电商通用知识库")
    expect(card(page, "ecommerce-en").locator(".pack-lang dd")).to_have_text("英文")
    expect(page.locator("#packs-source-list")).to_contain_text("内置")
    expect(shop.locator(".pack-auto-switch")).to_have_count(0)  # only an installed pack has one

    # The demo shop has not given its service phone (cleared for this test): importing shows the facts the answers
    # quote, the missing one first, what will be linked to the shop's own points and what waits for review.
    check(owner_http.patch("/api/v1/settings", json={"facts": {"service_phone": ""}}))
    shop.locator(".pack-import").click()
    panel = shop.locator(".import-panel")
    expect(panel.locator(".import-summary")).to_contain_text("共 311 个知识点", timeout=30_000)
    expect(panel.locator(".import-summary")).to_contain_text("缺少店铺信息")
    phone = panel.locator('.import-fact[data-fact="service_phone"]')
    expect(phone.locator(".fact-status")).to_have_text("未填写")
    expect(phone.locator("label")).to_contain_text("客服电话")
    expect(phone.locator("input")).to_be_focused()
    expect(panel.locator('.import-fact[data-fact="return_address"] input')).to_have_value(re.compile("示范路 100 号"))
    expect(panel.locator('.import-fact[data-fact="price_protect_days"] .fact-status')).to_have_text("默认值")
    expect(panel.locator(".import-facts-hint")).to_contain_text("1 项还没有填写")
    links = panel.locator(".import-links")
    expect(links.locator("summary")).to_contain_text("与店铺已有知识点重复，将关联")
    links.locator("summary").click()
    expect(links.locator('.import-link[data-key="shipping.ship_time"]')).to_contain_text(
        "付款后多久发货？ → 什么时候发货？")
    expect(panel.locator('.import-review[data-key="payment.cod"]')).to_have_count(1)
    shoot(page, "packs-import-zh.png")
    # Cancelling imports nothing.
    panel.locator(".import-cancel").click()
    expect(panel).to_have_count(0)
    assert check(owner_http.get("/api/v1/packs/batches")) == []

    # Import without the phone: the result says what went live, what waits for review and for facts.
    shop.locator(".pack-import").click()
    expect(panel.locator(".import-confirm")).to_be_visible(timeout=30_000)
    panel.locator(".import-confirm").click()
    result = shop.locator(".pack-result")
    expect(result).to_be_visible(timeout=30_000)
    expect(result).to_contain_text("已导入“电商通用知识库”1.1.0：新增")
    expect(shop.locator(".pack-installed")).to_have_text("已导入 1.1.0")
    expect(shop.locator(".pack-source dd")).to_have_text("内置")
    expect(shop.locator(".pack-import")).to_have_count(0)
    changes = check(owner_http.get("/api/v1/packs/history", params={"pack_id": "ecommerce-zh", "limit": 1000}))
    added = sum(1 for c in changes["items"] if c["action"] == "added")
    linked = sum(1 for c in changes["items"] if c["action"] == "linked")
    assert changes["total"] == 311 and added + linked == 311 and linked >= 10
    todo = check(owner_http.get("/api/v1/packs/todo"))
    live = added - len(todo["review"]) - len(todo["to_complete"])
    expect(result).to_contain_text(f"新增 {added} 个知识点（{live} 个已上线，{len(todo['review'])} 个待确认，"
                                   f"{len(todo['to_complete'])} 个待完善），关联 {linked} 个")

    # To complete: the points quoting the phone, off until it is filled in here.
    complete = page.locator("#complete-card")
    expect(complete).to_be_visible(timeout=WAIT)
    fact = complete.locator('.complete-fact[data-fact="service_phone"]')
    expect(fact.locator(".complete-label")).to_have_text("客服电话")
    waiting = [w for w in todo["to_complete"] if "service_phone" in w["missing_facts"]]
    expect(fact.locator(".complete-count")).to_have_text(f"{len(waiting)} 个知识点在等")
    fact.locator("summary").click()
    expect(fact.locator(".complete-point")).to_have_count(len(waiting))
    # To review: promises and possible duplicates, each with its reason.
    review = page.locator("#review-card")
    expect(review).to_be_visible()
    cod = review.locator('.review-item[data-key="payment.cod"]')
    expect(cod.locator(".todo-why")).to_contain_text("承诺了：货到付款")
    expect(review.locator(".review-item")).to_have_count(len(todo["review"]))
    dup = review.locator('.review-item[data-review="duplicate"]').first
    expect(dup.locator(".todo-why")).to_contain_text("可能与你的")
    expect(dup.locator(".todo-mine")).to_contain_text("你的答案")
    shoot(page, "packs-todo-zh.png")

    # The bot does not answer with a point that waits: asking about cash on delivery gets the offer of a person.
    key = check(owner_http.post("/api/v1/api-keys", json={"name": "browser tests (packs)"}))
    channel = ApiChannel(base, key["secret"])
    conv = channel.open(unique("pack-"))
    asked = channel.say(conv["conversation"]["id"], "自称客服的人加我微信或QQ，可信吗？")
    assert not any("请勿相信" in r["text"] for r in asked if r["sender"] == "bot"), asked

    # Decide: cash on delivery is not offered (off), a possible duplicate is the shop's own (link).
    cod.locator(".review-off").click()
    expect(page.locator("#toast")).to_contain_text("已关闭", timeout=WAIT)
    expect(cod).to_have_count(0)
    dup_key = dup.get_attribute("data-key")
    dup.locator(".review-link").click()
    expect(review.locator(f'.review-item[data-key="{dup_key}"]')).to_have_count(0, timeout=WAIT)
    expect(review.locator(".review-item")).to_have_count(len(todo["review"]) - 2)
    history = check(owner_http.get("/api/v1/packs/history", params={"key": "payment.cod"}))["items"]
    assert history[0]["action"] == "switched_off"

    # Fill the phone in: the waiting points go live by themselves, and the bot quotes the number.
    fact.locator(".complete-input").fill("0571-8800 1234")
    fact.locator(".complete-save").click()
    expect(page.locator("#toast")).to_contain_text("已保存“客服电话”", timeout=WAIT)
    expect(complete).to_be_hidden(timeout=WAIT)
    assert check(owner_http.get("/api/v1/packs/todo"))["to_complete"] == []
    replies = channel.say(conv["conversation"]["id"], "自称客服的人加我微信或QQ，可信吗？")
    bot = [r["text"] for r in replies if r["sender"] == "bot"]
    assert bot and bot[0].startswith("请勿相信！我们的客服只通过店铺内在线客服和官方电话0571-8800 1234"), bot

    # The knowledge page has the new points: the live ones and those waiting, switched off.
    page.locator("#nav-knowledge").click()
    expect(page.locator("#kb-count")).to_have_text(f"共 {before + added - 1} 条", timeout=WAIT)  # one linked

    # Auto-update: the switch saves at once.
    page.locator("#nav-packs").click()
    switch = card(page, "ecommerce-zh").locator(".pack-auto-switch")
    expect(switch).not_to_be_checked(timeout=WAIT)
    expect(card(page, "ecommerce-zh").locator(".pack-auto-state")).to_have_text("自动更新：关")
    switch.click()
    expect(page.locator("#toast")).to_contain_text("已为“电商通用知识库”开启自动更新", timeout=WAIT)
    expect(card(page, "ecommerce-zh").locator(".pack-auto-state")).to_have_text("自动更新：开")
    listed = {p["id"]: p for p in check(owner_http.get("/api/v1/packs"))["items"]}
    assert listed["ecommerce-zh"]["auto_update"] is True
    page.reload()
    expect(card(page, "ecommerce-zh").locator(".pack-auto-switch")).to_be_checked(timeout=WAIT)
    card(page, "ecommerce-zh").locator(".pack-auto-switch").click()
    expect(card(page, "ecommerce-zh").locator(".pack-auto-state")).to_have_text("自动更新：关", timeout=WAIT)
    listed = {p["id"]: p for p in check(owner_http.get("/api/v1/packs"))["items"]}
    assert listed["ecommerce-zh"]["auto_update"] is False

    # An import the server refuses (imported meanwhile elsewhere): the error shows on the pack's card.
    en = card(page, "ecommerce-en")
    check(owner_http.post("/api/v1/packs/ecommerce-en/import", json={}))
    en.locator(".pack-import").click()
    error = en.locator(".pack-error")
    expect(error).to_be_visible(timeout=WAIT)
    expect(error).to_contain_text("店铺已经导入了这个知识库")
    expect(error).to_contain_text("the shop has ecommerce-en 1.0.0 already")
    expect(en.locator(".pack-import")).to_be_enabled()

    # The history: batches, and every change with paging.
    page.locator("#tab-history").click()
    expect(page).to_have_url(re.compile(r"/admin/packs\?tab=history$"), timeout=WAIT)
    rows = page.locator(".batch-row")
    expect(rows).to_have_count(5, timeout=WAIT)  # ecommerce-zh: import, 2 reviews, refill; ecommerce-en: import
    first = page.locator('.batch-row[data-kind="import"]:has-text("电商通用知识库")')
    expect(first).to_contain_text("导入")
    expect(first).to_contain_text("→ 1.1.0")
    expect(first).to_contain_text(f"新增 {added}")
    expect(first).to_contain_text("店主 Owner")
    expect(page.locator("#change-count")).to_contain_text("共", timeout=WAIT)
    total = check(owner_http.get("/api/v1/packs/history", params={"limit": 1}))["total"]
    expect(page.locator("#change-count")).to_have_text(f"共 {total} 条")
    expect(page.locator(".change-row")).to_have_count(20)
    expect(page.locator("#change-range")).to_have_text(f"第 1–20 条，共 {total} 条")
    page.locator("#change-next").click()
    expect(page.locator("#change-range")).to_have_text(f"第 21–40 条，共 {total} 条", timeout=WAIT)
    expect(page.locator("#change-prev")).to_be_enabled()
    # Filter by pack: only ecommerce-zh's changes, and one batch's changes from its row.
    page.locator("#history-pack").select_option("ecommerce-zh")
    expect(page).to_have_url(re.compile(r"pack=ecommerce-zh"), timeout=WAIT)
    zh_total = check(owner_http.get("/api/v1/packs/history", params={"pack_id": "ecommerce-zh", "limit": 1}))["total"]
    expect(page.locator("#change-count")).to_have_text(f"共 {zh_total} 条", timeout=WAIT)
    expect(page.locator(".batch-row")).to_have_count(4)
    expect(page.locator('.batch-row[data-kind="review"]').last).to_contain_text("已关闭 1")
    expect(page.locator('.batch-row[data-kind="review"]').first).to_contain_text("关联 1")
    expect(page.locator('.batch-row[data-kind="refill"]')).to_contain_text("已上线")
    page.locator('.batch-row[data-kind="import"] .batch-changes').click()
    expect(page.locator("#change-batch-filter")).to_be_visible(timeout=WAIT)
    expect(page.locator("#change-count")).to_have_text("共 311 条")
    row = page.locator('.change-row[data-action="added"]').first
    expect(row).to_contain_text("新增")
    expect(row).to_contain_text("店主 Owner")
    diff = page.locator(".change-row + .change-diff-row").first
    expect(diff).to_be_hidden()
    row.locator(".change-diff-toggle").click()
    expect(diff).to_be_visible()
    expect(diff.locator('.plan-field[data-field="question"] td.col-before')).to_have_text("—")
    expect(diff.locator('.plan-field[data-field="question"] td.col-after')).not_to_have_text("—")


def test_update_preview_conflicts_apply_history_rollback(packs_server, page, packs_http, packs_dir):
    base = packs_server.base_url
    login(page, base)
    page.goto(base + "/admin/packs")
    mine = card(page, PACK)
    expect(mine).to_be_visible(timeout=WAIT)
    expect(page.locator("#packs-source-list")).to_contain_text("本地文件夹")
    mine.locator(".pack-import").click()
    expect(mine.locator(".import-summary")).to_contain_text("5 个直接上线", timeout=WAIT)
    mine.locator(".import-confirm").click()
    expect(mine.locator(".pack-result")).to_contain_text(
        "新增 5 个知识点（5 个已上线，0 个待确认，0 个待完善），关联 0 个", timeout=WAIT)
    expect(mine.locator(".pack-update")).to_have_count(0)

    # The shop edits two points: one in the knowledge page, one through the API.
    page.goto(base + "/admin/knowledge?q=" + "小包可以包装成礼物吗")
    row = page.locator(".kb-row", has_text="小包可以包装成礼物吗？")
    expect(row).to_have_count(1, timeout=WAIT)
    row.locator(".kb-edit").click()
    page.locator("#kb-answer").fill("可以，礼品包装收费 5 元。")
    page.locator("#kb-save").click()
    expect(row).to_contain_text("收费 5 元", timeout=WAIT)
    point = check(packs_http.get("/api/v1/knowledge", params={"search": "小包多少天内可以退货"}))["items"][0]
    body = {k: point[k] for k in ("category", "question", "similar_questions", "answer", "tags")}
    check(packs_http.put(f"/api/v1/knowledge/{point['id']}", json=body | {"answer": "本店支持 15 天无理由退货。"}))

    # A new version appears: the list says so.
    write_pack(packs_dir, v110())
    page.goto(base + "/admin/packs")
    expect(mine.locator(".pack-update")).to_have_text("有新版本 1.1.0", timeout=WAIT)
    expect(mine.locator(".pack-installed")).to_have_text("已导入 1.0.0")
    expect(mine.locator(".pack-version dd")).to_contain_text("1.1.0")
    mine.locator(".pack-preview").click()
    expect(page).to_have_url(re.compile(rf"\?preview={PACK}$"), timeout=WAIT)

    # The plan, grouped.
    expect(page.locator("#preview-title")).to_have_text("更新“浏览器测试小包”", timeout=WAIT)
    expect(page.locator("#preview-versions")).to_have_text("从 1.0.0 更新到 1.1.0")
    for action, n in (("conflict", 2), ("auto", 2), ("add", 1), ("remove", 1), ("keep", 0)):
        expect(page.locator(f'.plan-count[data-action="{action}"] strong')).to_have_text(str(n))
    groups = page.locator(".plan-group")
    expect(groups).to_have_count(4)
    assert groups.evaluate_all("gs => gs.map(g => g.dataset.group)") == ["conflict", "auto", "add", "remove"]
    auto = page.locator('.plan-item[data-key="ship.when"]')
    expect(auto).to_contain_text("小包多久发货？")
    expect(auto.locator(".plan-fields")).to_be_hidden()
    auto.locator("summary").click()
    expect(auto.locator('.plan-field[data-field="answer"] td.col-mine')).to_have_text("付款后48小时内发货。")
    expect(auto.locator('.plan-field[data-field="answer"] td.col-result')).to_have_text(
        "付款后48小时内发出，节假日顺延。")
    page.locator('.plan-item[data-key="vat.special"] summary').click()
    expect(page.locator('.plan-item[data-key="vat.special"] .plan-fields')).to_contain_text("请提供税号和开户行")
    expect(page.locator('.plan-item[data-key="old.cod"]')).to_contain_text("小包可以货到付款吗？")

    # Conflicts side by side: base | yours | the pack's new, each undecided at first.
    gift = page.locator('.conflict-item[data-key="gift.wrap"]')
    answer = gift.locator('.plan-field[data-field="answer"]')
    expect(answer).to_have_class(re.compile("is-conflict"))
    expect(answer.locator("td.col-base")).to_have_text("可以，下单时备注即可。")
    expect(answer.locator("td.col-mine")).to_have_text("可以，礼品包装收费 5 元。")
    expect(answer.locator("td.col-theirs")).to_have_text("可以，下单时备注“礼品包装”，免费。")
    expect(gift.locator(".conflict-state")).to_have_text("待决定")
    expect(page.locator("#apply-status")).to_have_text("已决定 0/2 个冲突；其余 2 个保持原样，等你以后决定。")
    expect(page.locator("#apply")).to_have_text("应用更新到 1.1.0")
    shoot(page, "packs-preview-zh.png")

    gift.locator('input[value="theirs"]').check()
    expect(gift.locator(".conflict-state")).to_have_text("已决定：采用新版本")
    expect(page.locator("#apply-status")).to_have_text("已决定 1/2 个冲突；其余 1 个保持原样，等你以后决定。")

    # Editing by hand: the form starts from the shop's point; a blank question is caught before sending …
    returns = page.locator('.conflict-item[data-key="returns.window"]')
    returns.locator('input[value="edit"]').check()
    form = returns.locator(".edit-form")
    expect(form).to_be_visible()
    expect(form.locator(".edit-question")).to_have_value("小包多少天内可以退货？")
    expect(form.locator(".edit-answer")).to_have_value("本店支持 15 天无理由退货。")
    form.locator(".edit-question").fill("")
    page.locator("#apply").click()
    expect(form.locator(".edit-error")).to_have_text("请填写标准问题和答案。")
    expect(page.locator("#apply-error")).to_have_text("有手动编辑的知识点没有填完，请先补全。")
    # … and what the server refuses is shown next to Apply, with everything typed and decided kept.
    form.locator(".edit-question").fill("小包多少天内可以退货？")
    form.locator(".edit-answer").fill("支持 15 天无理由退货（定制商品除外）。")
    long_tag = "这是一个特别特别长的标签超过了三十个字符的限制所以服务器一定会拒绝它的对吧"
    form.locator(".edit-tags").fill("售后, " + long_tag)
    page.locator("#apply").click()
    error = page.locator("#apply-error")
    expect(error).to_contain_text("知识点内容不符合要求", timeout=WAIT)
    expect(form.locator(".edit-answer")).to_have_value("支持 15 天无理由退货（定制商品除外）。")
    expect(form.locator(".edit-tags")).to_have_value("售后, " + long_tag)
    expect(gift.locator('input[value="theirs"]')).to_be_checked()
    assert check(packs_http.get("/api/v1/packs/batches")).__len__() == 1  # nothing was applied

    # Leave that one undecided: it stays pending after Apply, clearly.
    returns.locator('input[value="pending"]').check()
    expect(form).to_be_hidden()
    page.locator("#apply").click()
    result = page.locator("#preview-result")
    expect(result).to_contain_text("已更新到 1.1.0", timeout=WAIT)
    expect(result).to_contain_text("还有 1 个冲突待决定")
    expect(page.locator("#preview-versions")).to_have_text("当前版本 1.1.0：没有更新的版本")
    expect(page.locator(".conflict-item")).to_have_count(1)
    expect(page.locator('.conflict-item[data-key="returns.window"] .conflict-state')).to_have_text("待决定")
    expect(page.locator("#apply")).to_have_text("应用决定")
    points = {p["question"]: p for p in check(packs_http.get("/api/v1/knowledge", params={"search": "小包",
                                                                                          "limit": 100}))["items"]}
    assert points["小包可以包装成礼物吗？"]["answer"] == "可以，下单时备注“礼品包装”，免费。"
    assert points["小包多少天内可以退货？"]["answer"] == "本店支持 15 天无理由退货。"  # left as it was
    assert points["小包多久发货？"]["answer"] == "付款后48小时内发出，节假日顺延。"
    assert "小包可以开增值税专票吗？" in points and "小包可以货到付款吗？" not in points

    page.locator("#preview-back").click()
    expect(mine.locator(".pack-pending")).to_have_text("1 个冲突待决定", timeout=WAIT)
    expect(mine.locator(".pack-installed")).to_have_text("已导入 1.1.0")
    expect(mine.locator(".pack-update")).to_have_count(0)
    expect(mine.locator(".pack-resolve")).to_be_visible()

    # The history: the update with its counts, who decided what; then roll it back.
    mine.locator(".pack-history").click()
    expect(page).to_have_url(re.compile(rf"tab=history&pack={PACK}$"), timeout=WAIT)
    update = page.locator('.batch-row[data-kind="update"]')
    expect(update).to_have_count(1, timeout=WAIT)
    expect(update).to_contain_text("1.0.0 → 1.1.0")
    expect(update).to_contain_text("新增 1")
    expect(update).to_contain_text("已决定 1")
    expect(update).to_contain_text("冲突待决定 1")
    expect(update.locator(".batch-rollback")).to_be_visible()
    imported = page.locator('.batch-row[data-kind="import"]')
    expect(imported.locator(".batch-rollback")).to_have_count(0)
    expect(imported.locator(".batch-why")).to_contain_text("请先撤销它")
    resolved = page.locator('.change-row[data-action="resolved"]')
    expect(resolved).to_contain_text("小包可以包装成礼物吗？")
    expect(resolved.locator(".change-by")).to_have_text("店主 Owner")
    pending = page.locator('.change-row[data-action="conflict"]')
    expect(pending.locator(".change-by")).to_have_text("更新 1.1.0 自动合并")
    expect(page.locator('.change-row[data-action="updated"][data-key="ship.when"] .change-by')).to_have_text(
        "更新 1.1.0 自动合并")
    shoot(page, "packs-history-zh.png")

    update.locator(".batch-rollback").click()
    expect(page.locator("#confirm-dialog")).to_contain_text("从 1.1.0 回到 1.0.0")
    page.locator("#confirm-ok").click()
    expect(page.locator("#toast")).to_contain_text("已撤销", timeout=WAIT)
    expect(page.locator('.batch-row[data-kind="rollback"]')).to_have_count(1, timeout=WAIT)
    undone = page.locator('.batch-row[data-kind="update"]')
    expect(undone).to_have_class(re.compile("is-undone"))
    expect(undone.locator(".batch-why")).to_contain_text("已撤销")
    expect(page.locator('.batch-row[data-kind="import"] .batch-rollback')).to_be_visible()
    expect(page.locator('.change-row[data-action="rolled_back"]').first).to_be_visible()
    points = {p["question"]: p for p in check(packs_http.get("/api/v1/knowledge", params={"search": "小包",
                                                                                          "limit": 100}))["items"]}
    assert points["小包可以包装成礼物吗？"]["answer"] == "可以，礼品包装收费 5 元。"
    assert "小包可以货到付款吗？" in points and "小包可以开增值税专票吗？" not in points

    page.locator("#tab-packs").click()
    expect(mine.locator(".pack-installed")).to_have_text("已导入 1.0.0", timeout=WAIT)
    expect(mine.locator(".pack-update")).to_have_text("有新版本 1.1.0")
    expect(mine.locator(".pack-pending")).to_have_count(0)


def test_english_preview_and_agent_read_only(packs_server, browser, packs_http):
    """The page in English (screenshot), and an agent sees packs and updates without the buttons that write."""
    installed = {p["id"]: p for p in check(packs_http.get("/api/v1/packs"))["items"]}[PACK]
    assert installed["installed_version"] == "1.0.0"
    ctx = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    try:
        page = ctx.new_page()
        errors = watch_errors(page)
        login(page, packs_server.base_url)
        page.goto(packs_server.base_url + "/admin/packs")
        mine = card(page, PACK)
        expect(mine.locator(".pack-update")).to_have_text("Update available: 1.1.0", timeout=WAIT)
        expect(page.locator("#nav-packs")).to_have_text("Knowledge packs")
        shoot(page, "packs-list-en.png")
        mine.locator(".pack-preview").click()
        expect(page.locator("#preview-versions")).to_have_text("From 1.0.0 to 1.1.0", timeout=WAIT)
        gift = page.locator('.conflict-item[data-key="gift.wrap"]')
        gift.locator('input[value="edit"]').check()
        expect(gift.locator(".edit-form")).to_be_visible()
        expect(page.locator("#apply-status")).to_have_text(
            "1 of 2 conflicts decided; the other 1 stay as they are until you decide.")
        shoot(page, "packs-preview-en.png")
        # 中/EN switches in place and keeps what was decided and typed.
        gift.locator(".edit-answer").fill("typed, not saved")
        page.locator("#lang-toggle").click()
        expect(page.locator("#preview-versions")).to_have_text("从 1.0.0 更新到 1.1.0")
        expect(gift.locator(".edit-answer")).to_have_value("typed, not saved")
        expect(gift.locator('input[value="edit"]')).to_be_checked()
        page.locator("#lang-toggle").click()
        assert not errors, "\n".join(errors)
    finally:
        ctx.close()

    ctx = browser.new_context(locale="zh-CN")
    try:
        page = ctx.new_page()
        errors = watch_errors(page)
        login(page, packs_server.base_url, ("agent@demo.kefu", "demo-agent-pass"))
        page.goto(packs_server.base_url + "/admin/packs")
        expect(page.locator("#packs-readonly")).to_be_visible(timeout=WAIT)
        expect(card(page, PACK).locator(".pack-auto-switch")).to_be_disabled()
        expect(page.locator(".pack-import")).to_have_count(0)
        card(page, PACK).locator(".pack-preview").click()
        expect(page.locator(".conflict-item")).to_have_count(2, timeout=WAIT)
        expect(page.locator("#preview-readonly")).to_be_visible()
        expect(page.locator("#apply-card")).to_be_hidden()
        expect(page.locator('.conflict-item input[type="radio"]').first).to_be_disabled()
        page.goto(packs_server.base_url + "/admin/packs?tab=history")
        expect(page.locator(".batch-row").first).to_be_visible(timeout=WAIT)
        expect(page.locator(".batch-rollback")).to_have_count(0)
        assert not errors, "\n".join(errors)
    finally:
        ctx.close()


def test_packs_page_fits_a_phone(packs_server, browser):
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    try:
        page = ctx.new_page()
        errors = watch_errors(page)
        login(page, packs_server.base_url)
        for path in ("/admin/packs", f"/admin/packs?preview={PACK}", "/admin/packs?tab=history"):
            page.goto(packs_server.base_url + path)
            expect(page.locator("#logout")).to_be_visible(timeout=WAIT)
            expect(page.locator(".loading:visible")).to_have_count(0, timeout=WAIT)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width}px wide at a 390px viewport"
        assert not errors, "\n".join(errors)
    finally:
        ctx.close()
