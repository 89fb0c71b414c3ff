"""The flow in Debian's Chromium: enter, paste, save, submit → return → fix, resubmit → approve on the board →
the analyst sees the department's 报送率 at 100% and the value's history.

Set ``ZONGHENG_DOCS_IMG=1`` to also write docs/img/platform_entry.png, platform_board.png,
platform_completeness_done.png and platform_history.png.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import date, timedelta

from .test_browser import CHROMIUM, DOCS_IMG, live_demo, needs_chromium  # noqa: F401  (live_demo: fixture)

PASTE = """(block) => {
  const cell = document.querySelector("input[data-row='2'][data-col='0']");
  const data = new DataTransfer();
  data.setData("text/plain", block);
  cell.focus();
  cell.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
}"""


def _login(browser, base, name, password, log):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN")
    page = context.new_page()
    page.on("console", lambda m: log["console"].append((m.type, m.text)))
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.on("request", lambda r: log["requests"].append(r.url))
    page.goto(base + "/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    return page


def _cell(page, row: int) -> str:
    return f"input[data-row='{row}'][data-col='0']"


FILL_FROM_LAST_PERIOD = """() => {
  for (const tr of document.querySelectorAll("table.entry tbody tr")) {
    const cell = tr.querySelector("input.cell[data-col='0']");
    const last = tr.querySelector("td.previous").firstChild.textContent.trim();
    if (cell && !cell.value && last !== "—") { cell.value = last; }
  }
}"""


def _complete_explain_and_submit(page, base: str, sid: int) -> None:
    """Fill the empty cells with last period's values, explain every blocking flag, then submit.

    The typed values (1,234 against a few hundred) are outliers among the peers: the checks
    (rules files, robust z on the log scale) block the submit until each has its 说明.
    """
    page.evaluate(FILL_FROM_LAST_PERIOD)
    page.click("#save")
    page.wait_for_selector(".saved")
    page.goto(f"{base}/submissions/{sid}/entry")
    page.click("#submit")
    page.wait_for_load_state("networkidle")
    assert page.locator("#state.state-submitted").count() == 0  # refused: flags need their 说明
    page.goto(f"{base}/submissions/{sid}/flags")
    blocking = page.locator("li[data-severity=blocking]")
    assert blocking.count() >= 1
    for n in range(blocking.count()):
        item = page.locator("li[data-severity=blocking]").nth(n)
        item.locator("input[name=explanation]").fill("企业技改投产，经核实属实")
        item.locator("button[type=submit]").click()
        page.wait_for_load_state("networkidle")
    page.goto(f"{base}/submissions/{sid}/entry")
    page.click("#submit")
    page.wait_for_selector("#state.state-submitted")


@needs_chromium
def test_enter_submit_return_fix_and_approve_in_the_browser(live_demo, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    base, accounts = live_demo
    log = {"console": [], "errors": [], "requests": []}
    due = (date.today() + timedelta(days=10)).isoformat()
    with sync_playwright() as p:
        from zongheng.report.html import CHROMIUM_ARGS

        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            reporter = _login(browser, base, "tianbao", accounts["tianbao"], log)
            reporter.click("a[href='/entry']")
            reporter.click("tr[data-state=draft] a")
            reporter.wait_for_selector("table.entry")
            sid = int(re.search(r"/submissions/(\d+)/entry", reporter.url).group(1))
            period = reporter.inner_text("h1").split("·")[-1].strip()
            # Type, then Enter moves down a row; paste a 3-cell column from Excel at row 3.
            reporter.fill(_cell(reporter, 0), "1,234")
            reporter.press(_cell(reporter, 0), "Enter")
            assert reporter.evaluate("document.activeElement.dataset.row") == "1"
            reporter.keyboard.press("ArrowUp")
            assert reporter.evaluate("document.activeElement.dataset.row") == "0"
            reporter.evaluate(PASTE, "11\t说明甲\r\n12\t\r\n１３\t\r\n")
            assert [reporter.input_value(_cell(reporter, r)) for r in (2, 3, 4)] == ["11", "12", "１３"]
            assert reporter.input_value("input[data-row='2'][data-col='1']") == "说明甲"
            reporter.click("#save")
            reporter.wait_for_selector(".saved")
            saved = [reporter.input_value(_cell(reporter, r)) for r in (0, 2, 3, 4)]
            assert saved == ["1234", "11", "12", "13"]
            reporter.screenshot(path=str(tmp_path / "platform_entry.png"), full_page=True)
            _complete_explain_and_submit(reporter, base, sid)

            approver = _login(browser, base, "shenhe", accounts["shenhe"], log)
            approver.goto(base + "/board?state=submitted")
            row = approver.locator(f"tr[data-submission='{sid}']")
            row.locator("details.return summary").click()
            row.locator("input[name=reason]").fill("第 1 项与统计年鉴不一致，请核对")
            row.locator("input[name=due]").fill(due)
            row.locator("details.return button[type=submit]").click()
            approver.wait_for_selector(".saved")
            assert approver.locator(f"tr[data-submission='{sid}']").get_attribute("data-state") == "returned"

            reporter.goto(f"{base}/submissions/{sid}/entry")
            assert "第 1 项与统计年鉴不一致，请核对" in reporter.inner_text(".returned")
            assert due in reporter.inner_text(".returned")
            reporter.fill(_cell(reporter, 0), "1,235")
            reporter.click("#save")
            reporter.wait_for_selector(".saved")
            _complete_explain_and_submit(reporter, base, sid)  # a changed value needs its 说明 again

            approver.goto(base + "/board")
            approver.check(f"tr[data-submission='{sid}'] input[name=ids]")
            approver.screenshot(path=str(tmp_path / "platform_board.png"), full_page=True)
            approver.click("#bulk-approve")
            approver.wait_for_selector(".saved")
            approver.goto(base + "/board")
            assert approver.locator(f"tr[data-submission='{sid}']").get_attribute("data-state") == "approved"

            # The analyst office: 统计局 owed one submission this period; it is in, so 100%.
            analyst = _login(browser, base, "fenxi", accounts["fenxi"], log)
            analyst.goto(f"{base}/completeness?period={period}")
            dept = analyst.locator("table.by-department tr", has_text="统计局")
            assert dept.locator(".rate-reporting").inner_text() == "100.0%"
            overall = analyst.inner_text("table.overall .rate-reporting")
            assert overall != "100.0%"     # the other departments' drafts are still owed
            analyst.screenshot(path=str(tmp_path / "platform_completeness_done.png"), full_page=True)
            # …and the first value's history: typed 1,234, corrected to 1,235 after the return.
            analyst.goto(f"{base}/submissions/{sid}")
            first = analyst.locator("table tbody tr").first.locator("td.history")
            first.locator("summary").click()
            lines = first.locator("li").all_inner_texts()
            assert any("1,234" in x and "1,235" in x and "tianbao" in x for x in lines), lines
            analyst.screenshot(path=str(tmp_path / "platform_history.png"), full_page=True)
        finally:
            browser.close()
    assert log["errors"] == []
    assert [m for m in log["console"] if m[0] == "error"] == []     # a CSP violation would show here
    assert all(url.startswith((base, "data:")) for url in log["requests"]), log["requests"]
    if os.environ.get("ZONGHENG_DOCS_IMG"):
        for name in ("platform_entry.png", "platform_board.png", "platform_completeness_done.png",
                     "platform_history.png"):
            shutil.copy(tmp_path / name, DOCS_IMG / name)
