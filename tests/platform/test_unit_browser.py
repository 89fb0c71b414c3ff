"""The unit page in Debian's Chromium: the analyst runs 天工鼎 2024 with the province's release, opens
永康市, asks the path to a better rank without the 工作评价 levers, and tries the path's values in the
what-if sandbox, which re-scores without saving.

Set ``ZONGHENG_DOCS_IMG=1`` to also write docs/img/platform_unit.png.
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
def test_the_analyst_reads_yongkang_and_tries_the_path(live_demo, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    from zongheng.report.html import CHROMIUM_ARGS

    base, accounts = live_demo
    log = {"console": [], "errors": [], "requests": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            page = _login(browser, base, "fenxi", accounts["fenxi"], log)
            start_tiangong_run(page)   # the job page moves on to the run by itself
            page.locator("table.ranking tr[data-unit='永康市'] a").click()
            page.wait_for_url(re.compile(r".*/runs/\d+/units/"))
            assert page.locator("h1").inner_text().startswith("永康市")
            assert "未审核" in page.inner_text("body")            # 永康's 2024 drafts are not approved
            rank = int(page.locator("p.unit-summary").get_attribute("data-rank"))
            assert rank > 1
            # The path to one place better, the 工作评价 scores (W) held as they are.
            assert page.locator("input[name=target]").input_value() == str(rank - 1)
            page.check("input[name=exclude][value=W]")
            page.click("button.path-go")
            page.wait_for_url(re.compile(r".*exclude=W.*"))
            box = page.locator("div.path-result")
            assert box.get_attribute("data-target") == str(rank - 1)
            codes = page.locator("table.path-changes tbody tr").evaluate_all(
                "rows => rows.map(r => r.dataset.indicator)")
            assert codes and not [c for c in codes if c.startswith("W")]
            assert page.locator("ul.duty li").count() >= 1
            achieved = box.get_attribute("data-achieved")
            # What-if: type the path's needed values; the sandbox re-scores and shows the new rank.
            needed = page.locator("table.path-changes tbody tr").evaluate_all(
                "rows => rows.map(r => [r.dataset.indicator, r.querySelector('td.needed').textContent])")
            for code, value in needed:
                page.fill(f"form.whatif-form input[name='{code}']", value)
            page.click("button.whatif-go")
            answer = page.locator("#whatif-result div.whatif-answer")
            answer.wait_for(timeout=60_000)
            assert answer.get_attribute("data-rank") == achieved
            assert int(answer.get_attribute("data-rank")) < rank
            # The path, its 责任分解 and the what-if answer in one screen.
            page.set_viewport_size({"width": 1280, "height": 1060})
            page.evaluate("document.querySelector('section.unit-path').scrollIntoView()")
            page.screenshot(path=str(tmp_path / "platform_unit.png"), full_page=False)
        finally:
            browser.close()
    assert_clean(log, base)
    if os.environ.get("ZONGHENG_DOCS_IMG"):
        shutil.copy(tmp_path / "platform_unit.png", DOCS_IMG / "platform_unit.png")
