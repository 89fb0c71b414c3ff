"""The approval chain in Debian's Chromium, on the demo: the admin's chain page, then the analyst
approves 生态文明's submission that waits at level 2 of 2 from the board's "waiting for me" filter."""

from __future__ import annotations

from .test_browser import CHROMIUM, live_demo, needs_chromium  # noqa: F401  (live_demo: fixture)
from .test_flow_browser import _login


@needs_chromium
def test_the_analyst_approves_the_last_level_in_the_browser(live_demo):  # noqa: F811
    from playwright.sync_api import sync_playwright

    from zongheng.report.html import CHROMIUM_ARGS

    base, accounts = live_demo
    log = {"console": [], "errors": [], "requests": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            admin = _login(browser, base, "admin", accounts["admin"], log)
            admin.click("a[href='/settings/approval-chain']")
            chain = admin.locator("table[data-chain=eco] tbody tr")
            assert [chain.nth(i).locator("td").nth(1).inner_text() for i in range(chain.count())] == [
                "部门审核", "汇总部门审核"]

            analyst = _login(browser, base, "fenxi", accounts["fenxi"], log)
            analyst.goto(base + "/board")
            analyst.check("input[name=mine]")
            analyst.click("form.filters button[type=submit]")
            analyst.wait_for_url("**mine=1**")
            rows = analyst.locator("tr[data-submission]")
            assert rows.count() == 1                      # only the one waiting at the analysts' level
            assert "第 2/2 级：汇总部门审核" in rows.first.inner_text()
            sid = rows.first.get_attribute("data-submission")
            analyst.goto(f"{base}/submissions/{sid}")
            assert "第 2/2 级：汇总部门审核 待审核" in analyst.inner_text(".chain-level")
            assert "部门审核：shenhe_jtj 于" in analyst.inner_text(".chain-done")
            analyst.goto(base + "/board?mine=1")
            analyst.check(f"tr[data-submission='{sid}'] input[name=ids]")
            analyst.click("#bulk-approve")
            analyst.wait_for_selector(".saved")
            assert analyst.locator(f"tr[data-submission='{sid}']").get_attribute("data-state") == "approved"
            analyst.goto(f"{base}/submissions/{sid}")
            assert "汇总部门审核：fenxi 于" in analyst.inner_text(".chain-done")
        finally:
            browser.close()
    assert log["errors"] == []
    assert [m for m in log["console"] if m[0] == "error"] == []     # a CSP violation would show here
    assert all(url.startswith((base, "data:")) for url in log["requests"]), log["requests"]
