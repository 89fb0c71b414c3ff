"""The Excel round trip in Debian's Chromium: download the template, upload it, see the dry run, confirm."""

from __future__ import annotations

import re

import openpyxl

from .test_browser import CHROMIUM, live_demo, needs_chromium  # noqa: F401  (live_demo: fixture)


@needs_chromium
def test_download_edit_upload_preview_and_confirm_in_the_browser(live_demo, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    from zongheng.report.html import CHROMIUM_ARGS

    base, accounts = live_demo
    log = {"console": [], "errors": [], "requests": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN",
                                          accept_downloads=True)
            page = context.new_page()
            page.on("console", lambda m: log["console"].append((m.type, m.text)))
            page.on("pageerror", lambda e: log["errors"].append(str(e)))
            page.on("request", lambda r: log["requests"].append(r.url))
            page.goto(base + "/login")
            page.fill("input[name=username]", "tianbao")
            page.fill("input[name=password]", accounts["tianbao"])
            page.click("button[type=submit]")
            page.wait_for_url(base + "/")
            page.goto(base + "/entry")
            page.click("tr[data-state=draft] a")
            page.wait_for_selector("table.entry")
            sid = int(re.search(r"/submissions/(\d+)/entry", page.url).group(1))
            with page.expect_download() as info:
                page.click("#xlsx-download")
            download = info.value
            assert download.suggested_filename.endswith("_填报模板.xlsx")
            path = tmp_path / "template.xlsx"
            download.save_as(path)
            book = openpyxl.load_workbook(path)
            sheet = book["填报"]
            assert sheet["A4"].value.startswith("合成演示数据")     # the demo says so in the file too
            first = sheet["A6"].value
            sheet["E6"] = "abc"
            book.save(tmp_path / "bad.xlsx")
            sheet["E6"] = "1,234"
            book.save(tmp_path / "good.xlsx")

            page.set_input_files("#xlsx-upload input[type=file]", str(tmp_path / "bad.xlsx"))
            page.click("#xlsx-upload button[type=submit]")
            page.wait_for_selector("#xlsx-problems")
            assert f"填报!E6（{first} " in page.inner_text("#xlsx-problems")
            assert page.locator("#xlsx-confirm").count() == 0
            page.screenshot(path=str(tmp_path / "platform_xlsx_problems.png"), full_page=True)

            page.set_input_files("#xlsx-upload input[type=file]", str(tmp_path / "good.xlsx"))
            page.click("#xlsx-upload button[type=submit]")
            page.wait_for_selector("#xlsx-changes")
            assert page.locator(f"#xlsx-changes tr[data-indicator='{first}'] td.new").inner_text() == "1,234"
            page.click("#xlsx-confirm")
            page.wait_for_selector("#xlsx-saved")
            page.goto(f"{base}/submissions/{sid}/entry")
            assert page.input_value("input[data-row='0'][data-col='0']") == "1234"
        finally:
            browser.close()
    assert log["errors"] == []
    assert [m for m in log["console"] if m[0] == "error"] == []     # a CSP violation would show here
    assert all(url.startswith((base, "data:")) for url in log["requests"]), log["requests"]
