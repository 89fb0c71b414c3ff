"""The 亩均 page in Debian's Chromium: the analyst grades the synthetic demo table for 永康市, the job
page moves on to the grading by itself, the D list opens a firm card.

Set ``ZONGHENG_DOCS_IMG=1`` to also write docs/img/platform_grading.png and platform_grading_firm.png.
"""

from __future__ import annotations

import re

import pytest

from .browser_steps import demo_chromium, publish
from .test_browser import live_demo, needs_chromium  # noqa: F401  (live_demo: fixture)


@needs_chromium
@pytest.mark.parametrize("live_demo", [True], indirect=True)
def test_the_analyst_grades_the_demo_table_and_opens_a_d_firm(live_demo, tmp_path):  # noqa: F811
    with demo_chromium(live_demo) as chromium:
        page = chromium.login("fenxi")
        page.click("a[href='/grading']")
        form = page.locator("form.grading-demo")
        assert "合成演示数据" in form.inner_text()
        form.locator("select[name=region_code]").select_option(label="永康市")
        form.locator("button.grading-demo-go").click()
        page.wait_for_url(re.compile(r".*/grading/\d+$"), timeout=120_000)  # the job page moves on
        assert "合成演示数据" in page.locator("p.synthetic").inner_text()
        summary = page.locator("p.grading-summary")
        assert summary.get_attribute("data-firms") == "2000"
        assert page.locator("table.grading-counts[data-by=township] tbody tr").count() == 15  # 14 + 合计
        rows = page.locator("table.d-list tbody tr")
        assert rows.count() > 0
        page.set_viewport_size({"width": 1280, "height": 1100})
        page.screenshot(path=str(tmp_path / "platform_grading.png"), full_page=False)
        name = rows.first.locator("a.firm-link").inner_text()
        weakest = rows.first.locator("td.weakest span").first.get_attribute("data-indicator")
        rows.first.locator("a.firm-link").click()
        page.wait_for_url(re.compile(r".*/grading/\d+/firms/\d+$"))
        assert name in page.locator("h1").inner_text()
        assert page.locator("dl.firm-card").get_attribute("data-grade") == "D"
        assert page.locator("ul.why li.cut.mine").get_attribute("data-grade") == "D"
        assert page.locator(f"table.firm-indicators tr[data-indicator='{weakest}']").count() == 1
        page.screenshot(path=str(tmp_path / "platform_grading_firm.png"), full_page=False)
    publish(tmp_path, *("platform_grading.png", "platform_grading_firm.png"))
