"""The dashboard in Debian's Chromium: the analyst's run over the province's release, its charts drawn.

The map and the trajectory are ECharts canvases drawn by static/dashboard.js from the page's JSON
data island, under the strict CSP: a violation would be a console error. Set
``ZONGHENG_DOCS_IMG=1`` to also write docs/img/platform_dashboard.png.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

from .browser_steps import assert_clean, start_tiangong_run
from .test_browser import CHROMIUM, DOCS_IMG, live_demo, needs_chromium  # noqa: F401  (live_demo: fixture)
from .test_flow_browser import _login


@needs_chromium
@pytest.mark.parametrize("live_demo", [True], indirect=True)
def test_the_dashboard_draws_its_charts(live_demo, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    from zongheng.report.html import CHROMIUM_ARGS

    base, accounts = live_demo
    log = {"console": [], "errors": [], "requests": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            page = _login(browser, base, "fenxi", accounts["fenxi"], log)
            page.set_viewport_size({"width": 1400, "height": 900})
            start_tiangong_run(page)   # the job page moves on to the run by itself
            page.click("a.dashboard-link")
            page.wait_for_url(re.compile(r".*/runs/\d+/dashboard$"))
            page.select_option("form.focus-form select[name=unit]", "永康市")
            page.click("form.focus-form button[type=submit]")
            page.wait_for_url(re.compile(r".*/dashboard\?unit=.*"))
            assert page.locator("section.headline").get_attribute("data-unit") == "永康市"
            page.wait_for_selector("#dash-map[data-ready='1'] canvas", timeout=30_000)
            page.wait_for_selector("#dash-trajectory canvas", timeout=30_000)
            # Tooltips are drawn on the canvas (richText): hovering adds no styled HTML the CSP refuses.
            page.hover("#dash-map", position={"x": 250, "y": 220})
            page.hover("#dash-trajectory", position={"x": 200, "y": 100})
            body = page.inner_text("body")
            assert "未审核" in body and "不是标准地图" in body and "合成演示数据" in body
            assert page.locator("table.ranking tbody tr").count() == 9        # 永康's 金华 by default
            assert page.locator("table.lights tbody tr[data-colour]").count() > 10
            assert page.locator("table.prob td.p").count() == 6             # P(rank ≤ 1, 2, 3) × 2
            page.wait_for_timeout(500)                                        # the map's first frame
            page.screenshot(path=str(tmp_path / "platform_dashboard.png"), full_page=True)
        finally:
            browser.close()
    assert_clean(log, base)
    if os.environ.get("ZONGHENG_DOCS_IMG"):
        shutil.copy(tmp_path / "platform_dashboard.png", DOCS_IMG / "platform_dashboard.png")
