"""End to end in Debian's Chromium: the analyst opens the demo's 报送进度, sends a 催报, and the
统计局 填报员 finds it in the inbox. ``ZONGHENG_DOCS_IMG=1`` also writes docs/img/platform_completeness.png.
"""

from __future__ import annotations

import os
import shutil

from .test_browser import CHROMIUM, DOCS_IMG, live_demo, needs_chromium  # noqa: F401  (live_demo: fixture)


def _login(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("h1")


@needs_chromium
def test_the_analyst_reminds_and_the_reporter_reads_it(live_demo, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    from zongheng.report.html import CHROMIUM_ARGS

    base, accounts = live_demo
    log = {"console": [], "errors": [], "requests": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="zh-CN")
            page.on("console", lambda m: log["console"].append((m.type, m.text)))
            page.on("pageerror", lambda e: log["errors"].append(str(e)))
            page.on("request", lambda r: log["requests"].append(r.url))
            _login(page, base, "fenxi", accounts["fenxi"])
            page.click("nav >> text=报送进度")
            page.wait_for_selector("table.overdue")
            # The seed (services/demo.py): 19 submissions for 2024, 11 reported, 5 of them on time.
            overall = page.locator("table.overall tr[data-key=overall]")
            assert overall.locator(".rate-reporting").inner_text() == "57.9%"
            assert overall.locator(".rate-timely").inner_text() == "26.3%"
            rows = page.locator("table.overdue tbody tr")
            assert rows.count() == 4
            statistics = rows.filter(has_text="永康市统计局")
            assert statistics.count() == 1 and statistics.get_attribute("data-days") == "10"
            statistics.locator("button.remind").click()
            page.wait_for_selector(".notice.done")
            # 统计局's 填报员 (own department) and 审核员 (the bureau and its section).
            assert "已发送催报消息 2 条" in page.inner_text(".notice.done")
            page.screenshot(path=str(tmp_path / "platform_completeness.png"), full_page=True)
            page.click("header button[type=submit]")        # 退出
            page.wait_for_selector("input[name=username]")
            _login(page, base, "tianbao", accounts["tianbao"])
            page.wait_for_selector("nav .nav-inbox .unread")
            assert page.inner_text("nav .nav-inbox .unread") == "1"
            page.click("nav .nav-inbox")
            page.wait_for_selector("table.inbox")
            subject = page.inner_text("table.inbox tr.unread .subject")
            assert subject.startswith("催报：永康市统计局（永康市）2024 年报送任务已逾期")
            page.click("table.inbox tr.unread button")
            page.wait_for_selector("table.values")       # the submission the message links to
            page.wait_for_load_state("networkidle")      # the badge's htmx request has answered
            assert page.locator("nav .nav-inbox .unread").count() == 0
        finally:
            browser.close()
    assert log["errors"] == []
    assert [m for m in log["console"] if m[0] == "error"] == []     # a CSP violation would show here
    assert all(url.startswith((base, "data:")) for url in log["requests"]), log["requests"]
    if os.environ.get("ZONGHENG_DOCS_IMG"):
        shutil.copy(tmp_path / "platform_completeness.png", DOCS_IMG / "platform_completeness.png")
