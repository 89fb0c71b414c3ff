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

from .browser_steps import assert_clean, start_tiangong_run
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
            start_tiangong_run(page)   # the job page moves on to the run by itself
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
    assert_clean(log, base)
    if os.environ.get("ZONGHENG_DOCS_IMG"):
        shutil.copy(tmp_path / "platform_run.png", DOCS_IMG / "platform_run.png")
