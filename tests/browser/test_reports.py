"""The reports page in Chromium: figures and charts render, a bar and a heatmap cell open the conversations
behind them, an export downloads the table."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.support.browser import AGENT, WAIT, check, login, unique


def _history(api_channel):
    """Three conversations of today: one the bot answered, one it did not understand, one rated."""
    ids = []
    for n, text in enumerate(("多久发货", "今天天气晴朗适合郊游", "下单后几天发货")):
        conv = api_channel.open(unique("report-"), name=f"报表客户{n}")["conversation"]
        api_channel.say(conv["id"], text)
        ids.append(conv["id"])
    check(api_channel.client.post(f"/api/v1/channels/api/conversations/{ids[2]}/close"))
    check(api_channel.client.post(f"/api/v1/channels/api/conversations/{ids[2]}/rating", json={"score": 5}))
    return ids


def _click_chart(page, selector: str, js_point: str):
    """Click a chart where ECharts says a data item is (js_point is evaluated with `chart` bound)."""
    node = page.locator(selector)
    expect(node.locator("canvas").first).to_be_visible(timeout=WAIT)
    node.scroll_into_view_if_needed()
    x, y = page.evaluate(f"""() => {{ const chart = echarts.getInstanceByDom(document.querySelector('{selector}'));
                                    return {js_point}; }}""")
    box = node.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_reports_page_charts_click_through_and_export(page, demo_server, api_channel, owner_http):
    ids = _history(api_channel)
    summary = check(owner_http.get("/api/v1/reports/summary"))
    today, total = summary["to"], summary["conversations"]
    assert total >= 3 and summary["csat"]["responses"] >= 1
    login(page, demo_server.base_url)
    page.locator("#nav-reports").click()
    expect(page).to_have_url(re.compile(r"/admin/reports$"), timeout=WAIT)
    expect(page.locator("#kpi-conversations .rep-kpi-value")).to_have_text(f"{total:,}", timeout=WAIT)
    expect(page.locator("#rep-to")).to_have_value(today)
    expect(page.locator("#chart-series")).to_have_attribute("data-rendered", "30")
    expect(page.locator("#chart-heatmap")).to_have_attribute("data-rendered", str(7 * 24))
    expect(page.locator("#table-points tbody tr").first).to_contain_text("什么时候发货？")
    expect(page.locator("#rep-live [data-live=waiting] b")).to_have_text(re.compile(r"^\d+$"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reports-page.png"), full_page=True)  # to look at, as a user would

    # Today's bar (the last one): its conversations, ours among them.
    _click_chart(page, "#chart-series", f"chart.convertToPixel({{xAxisIndex: 0, yAxisIndex: 0}}, "
                                        f"['{today}', 0.5])")
    drill = page.locator("#rep-drill")
    expect(drill).to_be_visible(timeout=WAIT)
    expect(page.locator("#rep-drill-what")).to_contain_text(today)
    expect(page.locator("#rep-drill-total")).to_contain_text(str(total))
    for conv_id in ids:
        expect(drill.locator(f"tr[data-id='{conv_id}']")).to_be_visible()

    # A heatmap cell: the weekday and hour our conversations started in (shop time).
    first = check(owner_http.get("/api/v1/reports/conversations", params={"limit": 1}))["items"][0]
    cell = check(owner_http.get("/api/v1/reports/heatmap"))["conversations"]
    weekday, hour = next((w, h) for w in range(7) for h in range(24) if cell[w][h])
    _click_chart(page, "#chart-heatmap", f"chart.convertToPixel({{seriesIndex: 0}}, [{hour}, {weekday}])")
    expect(page.locator("#rep-drill-what")).to_contain_text(f"{hour:02d}:00", timeout=WAIT)
    expect(drill.locator(f"tr[data-id='{first['conversation_id']}']")).to_be_visible()
    expect(page.locator("#rep-drill-total")).to_contain_text(str(cell[weekday][hour]))

    # Exports: the list behind the cell, and the per-point table as Excel.
    with page.expect_download() as got:
        drill.locator("a.rep-export[data-format=csv]").click()
    with open(got.value.path(), encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read())))
    assert len(rows) == cell[weekday][hour] and str(first["conversation_id"]) in {r["conversation_id"] for r in rows}
    assert got.value.suggested_filename.endswith(".csv")
    with page.expect_download() as got:
        page.locator(".rep-exports[data-table=points] a[data-format=xlsx]").click()
    assert got.value.suggested_filename.startswith("report-") and got.value.suggested_filename.endswith(".xlsx")
    with open(got.value.path(), "rb") as fh:
        assert fh.read(2) == b"PK"

    # A conversation of the list opens on the conversations page.
    drill.locator(f"tr[data-id='{first['conversation_id']}'] a").click()
    expect(page).to_have_url(re.compile(rf"/admin/conversations\?id={first['conversation_id']}$"), timeout=WAIT)

    # English, and a period with nothing in it.
    page.goto(demo_server.base_url + "/admin/reports")
    expect(page.locator("#rep-to")).to_have_value(today, timeout=WAIT)  # the first load is done
    page.locator("#lang-toggle").click()
    expect(page.locator("h1")).to_have_text("Reports")
    page.locator("#rep-from").fill("2020-01-01")
    page.locator("#rep-to").fill("2020-01-31")
    page.locator("#rep-apply").click()
    expect(page.locator("#kpi-conversations .rep-kpi-value")).to_have_text("0", timeout=WAIT)
    expect(page.locator("#kpi-bot .rep-kpi-value")).to_have_text("—")
    expect(page.locator("#table-points tbody")).to_contain_text("No data in this period.")


def test_agents_see_that_reports_are_for_owners(page, demo_server):
    login(page, demo_server.base_url, AGENT)
    page.goto(demo_server.base_url + "/admin/reports")
    expect(page.locator("#rep-error")).to_contain_text("报表只对店主和管理员开放", timeout=WAIT)

