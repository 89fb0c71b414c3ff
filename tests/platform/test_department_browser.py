"""The department page in Debian's Chromium: the analyst runs 天工鼎 2024 with the province's release, opens
永康市, asks the path to a better rank and follows a department's 责任分解 link to its department page.

Set ``ZONGHENG_DOCS_IMG=1`` to also write docs/img/platform_department.png.
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
def test_the_analyst_follows_the_duty_to_a_department(live_demo, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    from zongheng.report.html import CHROMIUM_ARGS

    base, accounts = live_demo
    log = {"console": [], "errors": [], "requests": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            page = _login(browser, base, "fenxi", accounts["fenxi"], log)
            start_tiangong_run(page)
            page.locator("table.ranking tr[data-unit='永康市'] a").click()
            page.wait_for_url(re.compile(r".*/runs/\d+/units/"))
            page.click("button.path-go")
            page.wait_for_url(re.compile(r".*target=.*"))
            line = page.locator("ul.duty li", has=page.locator("a.department-page")).first
            department = line.get_attribute("data-department")
            asked = line.inner_text()
            line.locator("a.department-page").click()
            page.wait_for_url(re.compile(r".*/runs/\d+/departments/.*"))
            assert page.locator("h1").inner_text().startswith(department)
            assert "未审核" in page.inner_text("body")            # 永康's 2024 drafts are not approved
            assert page.locator("p.dept-intro").get_attribute("data-unit") == "永康市"
            # the same asks as the unit page's 责任分解 line
            asks = page.locator("table.dept-asks tbody tr")
            assert asks.count() >= 1
            for needed in asks.locator("td.needed").all_inner_texts():
                assert needed in asked
            assert page.locator("table.dept-across-table tbody tr").count() == 90
            assert page.locator("table.dept-across-table tr.focus").get_attribute("data-unit") == "永康市"
            assert page.locator("section.dept-submissions table tbody tr").count() >= 1
            page.set_viewport_size({"width": 1280, "height": 1060})
            page.screenshot(path=str(tmp_path / "platform_department.png"), full_page=False)
        finally:
            browser.close()
    assert_clean(log, base)
    if os.environ.get("ZONGHENG_DOCS_IMG"):
        shutil.copy(tmp_path / "platform_department.png", DOCS_IMG / "platform_department.png")
