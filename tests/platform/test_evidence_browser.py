"""Evidence files in Debian's Chromium: upload on the entry page, see it listed, download it, remove it.

Set ``ZONGHENG_DOCS_IMG=1`` to also write docs/img/platform_evidence.png.
"""

from __future__ import annotations

import os
import re
import shutil

from .test_browser import CHROMIUM, DOCS_IMG, live_demo, needs_chromium  # noqa: F401  (live_demo: fixture)
from .test_evidence import PDF, png
from .test_flow_browser import _login


@needs_chromium
def test_upload_download_and_remove_evidence_in_the_browser(live_demo, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    from zongheng.report.html import CHROMIUM_ARGS

    base, accounts = live_demo
    log = {"console": [], "errors": [], "requests": []}
    (tmp_path / "统计公报.pdf").write_bytes(PDF)
    (tmp_path / "扫描件.pdf").write_bytes(png())        # mislabelled: a PNG named .pdf
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            page = _login(browser, base, "tianbao", accounts["tianbao"], log)
            page.click("a[href='/entry']")
            page.click("tr[data-state=draft] a")
            page.wait_for_selector("section.evidence")
            sid = int(re.search(r"/submissions/(\d+)/entry", page.url).group(1))
            first = page.locator("section.evidence tbody tr").first
            first.locator("input[type=file]").set_input_files(str(tmp_path / "统计公报.pdf"))
            first.locator("form.upload button").click()
            page.wait_for_url(re.compile(rf"/submissions/{sid}/entry#ev-\d+$"))
            listed = page.locator("section.evidence li[data-evidence]")
            assert listed.count() == 1 and "统计公报.pdf" in listed.inner_text()
            assert "PDF · tianbao" in listed.inner_text()
            with page.expect_download() as info:
                listed.locator("a").click()
            download = info.value
            assert download.suggested_filename == "统计公报.pdf"
            assert open(download.path(), "rb").read() == PDF
            page.screenshot(path=str(tmp_path / "platform_evidence.png"), full_page=True)

            first = page.locator("section.evidence tbody tr").first
            first.locator("input[type=file]").set_input_files(str(tmp_path / "扫描件.pdf"))
            first.locator("form.upload button").click()
            page.wait_for_selector(".problems")
            assert "扩展名是 .pdf，但内容是 PNG 文件" in page.inner_text(".problems")
            page.click("a[href$='#evidence']")
            page.wait_for_selector("section.evidence")

            page.locator("section.evidence li[data-evidence] form button").click()
            page.wait_for_url(re.compile(rf"/submissions/{sid}/entry#ev-\d+$"))
            assert page.locator("section.evidence li[data-evidence]").count() == 0
        finally:
            browser.close()
    assert log["errors"] == []
    assert [m for m in log["console"] if m[0] == "error"] == []     # a CSP violation would show here
    assert all(url.startswith((base, "data:")) for url in log["requests"]), log["requests"]
    if os.environ.get("ZONGHENG_DOCS_IMG"):
        shutil.copy(tmp_path / "platform_evidence.png", DOCS_IMG / "platform_evidence.png")
