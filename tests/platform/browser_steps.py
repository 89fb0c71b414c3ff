"""Steps the browser tests share: start the analyst's 天工鼎 2024 run, check a page stayed clean.

Every walk that reads a run starts it the way an analyst does (the /runs form, the province's
synthetic release as peers) and waits for the job page to move on to the run by itself.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Chromium", "assert_clean", "demo_chromium", "publish", "start_tiangong_run"]


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


@dataclass
class Chromium:
    """Debian's Chromium on the live demo: the browser, the site, the demo accounts, what pages logged."""

    browser: Any
    base: str
    accounts: dict[str, str]
    log: dict[str, list]

    def login(self, name: str):
        """Log the demo user ``name`` in, in a context of its own; return the page (at /)."""
        from .test_flow_browser import _login

        return _login(self.browser, self.base, name, self.accounts[name], self.log)


@contextmanager
def demo_chromium(live_demo) -> Iterator[Chromium]:
    """Open Chromium for a walk on the live demo; close it, then check every page stayed clean."""
    from playwright.sync_api import sync_playwright

    from zongheng.report.html import CHROMIUM_ARGS

    from .test_browser import CHROMIUM

    base, accounts = live_demo
    log: dict[str, list] = {"console": [], "errors": [], "requests": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            yield Chromium(browser, base, accounts, log)
        finally:
            browser.close()
    assert_clean(log, base)


def publish(folder: Path, *names: str) -> None:
    """Copy a walk's screenshots from ``folder`` to docs/img/ when ``ZONGHENG_DOCS_IMG`` is set."""
    from .test_browser import DOCS_IMG

    if os.environ.get("ZONGHENG_DOCS_IMG"):
        for name in names:
            shutil.copy(folder / name, DOCS_IMG / name)
