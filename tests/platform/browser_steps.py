"""Steps the browser tests share: start the analyst's 天工鼎 2024 run, check a page stayed clean.

Every walk that reads a run starts it the way an analyst does (the /runs form, the province's
synthetic release as peers) and waits for the job page to move on to the run by itself.
"""

from __future__ import annotations

import re

__all__ = ["assert_clean", "start_tiangong_run"]


def start_tiangong_run(page) -> str:
    """From any page, start 天工鼎 2024 over the demo release and wait for the run page; return its URL."""
    page.click("a[href='/runs']")
    release = page.locator("select[name=reference_id] option", has_text="合成演示数据")
    form = page.locator("form", has=release)
    form.locator("select[name=period]").select_option("2024")
    form.locator("select[name=reference_id]").select_option(index=1)
    form.locator("button.start-run").click()
    page.wait_for_url(re.compile(r".*/runs/\d+$"), timeout=120_000)
    return page.url


def assert_clean(log: dict, base: str) -> None:
    """No page error, no console error, no request leaving the server (the intranet has no internet)."""
    assert log["errors"] == []
    assert [m for m in log["console"] if m[0] == "error"] == []
    assert all(url.startswith((base, "data:")) for url in log["requests"]), log["requests"]
