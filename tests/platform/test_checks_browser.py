"""In Debian's Chromium: the demo 填报员 explains a flag (HTMX, CSRF header), the analyst sees it.

Set ``ZONGHENG_DOCS_IMG=1`` to also write docs/img/platform_followup.png.
"""

from __future__ import annotations

import os
import shutil

from sqlalchemy import select

from zongheng.platform.db import make_engine, make_sessionmaker, transaction
from zongheng.platform.models import FrameworkIndicator, Submission, User, Value
from zongheng.platform.services import submissions
from zongheng.platform.services.checks import run_checks
from zongheng.platform.settings import load_settings

from . import test_browser
from .test_browser import CHROMIUM, CHROMIUM_ARGS, DOCS_IMG, needs_chromium

live_demo = test_browser.live_demo          # the same served demo as the other browser test

WHY = "本年新增统计口径，已与统计年鉴核对（演示）"


def _flag_the_draft(tmp_path) -> int:
    """Put 120 % in the demo 填报员's draft (制造业增加值占GDP比重 ≤ 100 %) and run the checks."""
    engine = make_engine(load_settings(tmp_path / "data").database_url)
    try:
        with transaction(make_sessionmaker(engine)) as s:
            reporter = s.scalars(select(User).where(User.username == "tianbao")).one()
            value = s.scalars(select(Value).join(Value.submission).join(Value.indicator).where(
                FrameworkIndicator.code == "Q01", Submission.state == "draft")).one()
            submissions.set_value(s, value, 120.0, user_id=reporter.id, reason="演示：超出范围")
            flags = run_checks(s, value.submission, on="save", user_id=reporter.id)
            assert any(f.kind == "range" for f in flags)
            return value.submission_id
    finally:
        engine.dispose()


@needs_chromium
def test_the_reporter_explains_a_flag_and_the_analyst_follows_it_up(live_demo, tmp_path):
    from playwright.sync_api import sync_playwright

    base, accounts = live_demo
    sid = _flag_the_draft(tmp_path)
    log = {"console": [], "errors": [], "requests": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 640}, locale="zh-CN")
            page.on("console", lambda m: log["console"].append((m.type, m.text)))
            page.on("pageerror", lambda e: log["errors"].append(str(e)))
            page.on("request", lambda r: log["requests"].append(r.url))

            def login(name: str) -> None:
                page.goto(base + "/login")
                page.fill("input[name=username]", name)
                page.fill("input[name=password]", accounts[name])
                page.click("button[type=submit]")
                page.wait_for_selector("h1")

            login("tianbao")
            page.goto(f"{base}/submissions/{sid}/flags")
            item = page.locator("li[data-severity=blocking]").filter(has_text="制造业增加值占GDP比重")
            assert "永康市「制造业增加值占GDP比重」为 120%，高于上限 100%。" in item.inner_text()
            item.locator("input[name=explanation]").fill(WHY)
            item.locator("button[type=submit]").click()
            # HTMX posts with the session's CSRF header and swaps the list in place.
            page.wait_for_selector("p[role=status]")
            assert "说明已保存" in page.inner_text("p[role=status]")
            assert WHY in page.inner_text("section.flags")
            page.click("header form button")                            # log out
            login("fenxi")
            page.click("a[href='/followup']")
            page.wait_for_selector("table.followup")
            row = page.locator("tr[data-severity=blocking]").filter(has_text="制造业增加值占GDP比重")
            assert WHY in row.inner_text() and "tianbao" in row.inner_text()
            page.screenshot(path=str(tmp_path / "platform_followup.png"), full_page=True)
        finally:
            browser.close()
    assert log["errors"] == []
    assert [m for m in log["console"] if m[0] == "error"] == []     # a CSP violation would show here
    assert all(url.startswith((base, "data:")) for url in log["requests"]), log["requests"]
    if os.environ.get("ZONGHENG_DOCS_IMG"):
        shutil.copy(tmp_path / "platform_followup.png", DOCS_IMG / "platform_followup.png")
