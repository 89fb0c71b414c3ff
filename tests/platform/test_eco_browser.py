"""The 生态文明 page in Debian's Chromium: the analyst starts a 生态文明 2024 run from the /runs form,
opens the page from the run, reads 永康市's indicators against their targets with their lights and
downloads the 人大 report draft, marked 未审核 (the demo's 2024 submissions are not all approved).

Set ``ZONGHENG_DOCS_IMG=1`` to also write docs/img/platform_eco.png.
"""

from __future__ import annotations

import io
import re

import pytest

from .browser_steps import demo_chromium, publish
from .test_browser import live_demo, needs_chromium  # noqa: F401  (live_demo: fixture)


def start_eco_run(page) -> str:
    """From any page, start 生态文明 2024 (its bundled method), wait for the run page; return its URL."""
    page.click("a[href='/runs']")
    form = page.locator("form", has=page.locator("span.framework", has_text="生态文明"))
    form.locator("select[name=period]").select_option("2024")
    form.locator("select[name=method]").select_option("eco_method")
    form.locator("button.start-run").click()
    page.wait_for_url(re.compile(r".*/runs/\d+$"), timeout=120_000)
    return page.url


@needs_chromium
@pytest.mark.parametrize("live_demo", [True], indirect=True)
def test_the_analyst_reads_the_eco_page_and_downloads_the_draft(live_demo, tmp_path):  # noqa: F811
    from docx import Document
    with demo_chromium(live_demo) as chromium:
        page = chromium.login("fenxi")
        start_eco_run(page)    # the job page moves on to the run by itself
        page.click("a.eco-link")
        page.wait_for_url(re.compile(r".*/runs/\d+/eco$"))
        assert "未审核" in page.inner_text("p.unapproved")
        assert page.locator("section.eco-summary").get_attribute("data-unit") == "永康市"
        rows = page.locator("table.eco-indicators tbody tr")
        assert rows.count() == 30
        lights = set(rows.evaluate_all("rows => rows.map(r => r.dataset.light)"))
        assert {"green", "red"} <= lights
        page.locator("#eco-trend[data-ready='1']").wait_for(timeout=30_000)   # ECharts drew it
        with page.expect_download() as info:
            page.click("a.eco-report")
        download = info.value
        assert download.suggested_filename.startswith("永康市2024年生态文明建设情况报告")
        doc = Document(io.BytesIO(open(download.path(), "rb").read()))
        assert doc.paragraphs[0].text.startswith("未审核")
        page.set_viewport_size({"width": 1280, "height": 1000})
        page.evaluate("document.querySelector('p.unapproved').scrollIntoView()")
        page.screenshot(path=str(tmp_path / "platform_eco.png"), full_page=False)
    publish(tmp_path, "platform_eco.png")
