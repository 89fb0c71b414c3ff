"""The analyst's evaluation in Debian's Chromium: start a run over the province's release, watch it, read it.

Set ``ZONGHENG_DOCS_IMG=1`` to also write docs/img/platform_run.png.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import zipfile

import pytest

from .test_browser import CHROMIUM, DOCS_IMG, live_demo, needs_chromium  # noqa: F401  (live_demo: fixture)
from .test_flow_browser import _login


@needs_chromium
@pytest.mark.parametrize("live_demo", [True], indirect=True)
def test_the_analyst_runs_an_evaluation_and_downloads_its_inputs(live_demo, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    from zongheng.report.html import CHROMIUM_ARGS

    base, accounts = live_demo
    log = {"console": [], "errors": [], "requests": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            page = _login(browser, base, "fenxi", accounts["fenxi"], log)
            page.click("a[href='/runs']")
            release = page.locator("select[name=reference_id] option", has_text="合成演示数据")
            form = page.locator("form", has=release)
            form.locator("select[name=period]").select_option("2024")
            form.locator("select[name=reference_id]").select_option(index=1)
            form.locator("button.start-run").click()
            # The job page polls its progress and moves on to the run by itself.
            page.wait_for_url(re.compile(r".*/runs/\d+$"), timeout=120_000)
            rows = page.locator("table.ranking tbody tr")
            assert rows.count() == 90
            yongkang = page.locator("table.ranking tr[data-unit='永康市']")
            assert re.fullmatch(r"\d+", yongkang.locator("td.rank").inner_text())
            assert "未审核" in page.inner_text("body")      # 永康's 2024 drafts are not approved
            page.screenshot(path=str(tmp_path / "platform_run.png"), full_page=False)
            with page.expect_download() as download:
                page.click("a.export")
            archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
            assert sorted(archive.namelist()) == ["README.txt", "data.csv", "framework.yaml", "method.yaml"]
        finally:
            browser.close()
    assert log["errors"] == []
    assert [m for m in log["console"] if m[0] == "error"] == []
    assert all(url.startswith((base, "data:")) for url in log["requests"]), log["requests"]
    if os.environ.get("ZONGHENG_DOCS_IMG"):
        shutil.copy(tmp_path / "platform_run.png", DOCS_IMG / "platform_run.png")
