"""The department page in Debian's Chromium: the analyst runs 天工鼎 2024 with the province's release, opens
永康市, asks the path to a better rank and follows a department's 责任分解 link to its department page.

Set ``ZONGHENG_DOCS_IMG=1`` to also write docs/img/platform_department.png.
"""

from __future__ import annotations

import re

import pytest

from .browser_steps import demo_chromium, publish, start_tiangong_run
from .test_browser import live_demo, needs_chromium  # noqa: F401  (live_demo: fixture)


@needs_chromium
@pytest.mark.parametrize("live_demo", [True], indirect=True)
def test_the_analyst_follows_the_duty_to_a_department(live_demo, tmp_path):  # noqa: F811
    with demo_chromium(live_demo) as chromium:
        page = chromium.login("fenxi")
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
    publish(tmp_path, "platform_department.png")
