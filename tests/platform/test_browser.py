"""End to end in Debian's Chromium (no browser download): the demo 填报员 logs in and sees their work.

Set ``ZONGHENG_DOCS_IMG=1`` to also write the screenshots used in docs/platform.md.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from zongheng.platform.db import make_engine, make_sessionmaker, transaction
from zongheng.platform.migrate import upgrade
from zongheng.platform.services import demo
from zongheng.platform.settings import load_settings
from zongheng.report.html import CHROMIUM_ARGS

CHROMIUM = Path("/usr/bin/chromium")
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed")


@pytest.fixture
def live_demo(tmp_path, request):
    """Serve the seeded demo on a free loopback port with uvicorn in a thread.

    Parametrise it indirectly with ``True`` to also run the background worker (evaluation runs).
    """
    import uvicorn

    from zongheng.platform.app import create_app

    settings = load_settings(tmp_path / "data", demo=True)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    with transaction(make_sessionmaker(engine)) as s:
        accounts = {a.username: a.password for a in demo.seed(s)}
    engine.dispose()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(settings, worker=getattr(request, "param", False))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", accounts
    server.should_exit = True
    thread.join(timeout=10)


@needs_chromium
def test_the_demo_reporter_logs_in_and_sees_their_submissions(live_demo, tmp_path):
    from playwright.sync_api import sync_playwright

    base, accounts = live_demo
    log = {"console": [], "errors": [], "requests": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 640}, locale="zh-CN")
            page.on("console", lambda m: log["console"].append((m.type, m.text)))
            page.on("pageerror", lambda e: log["errors"].append(str(e)))
            page.on("request", lambda r: log["requests"].append(r.url))
            page.goto(base + "/")
            assert page.url.startswith(base + "/login")
            page.fill("input[name=username]", "tianbao")
            page.fill("input[name=password]", accounts["tianbao"])
            page.click("button[type=submit]")
            page.wait_for_selector("tr[data-submission]")
            rows = page.locator("tr[data-submission]")
            assert rows.count() == 2
            assert [rows.nth(i).get_attribute("data-state") for i in range(2)] == ["draft", "locked"]
            assert "填报员 · 永康市统计局（本单位）" in page.inner_text("h2")
            assert "演示数据为合成数据" in page.inner_text(".demo")
            # htmx loaded under the strict CSP and set up the CSRF header for its requests.
            assert page.evaluate("typeof htmx") == "object"
            page.screenshot(path=str(tmp_path / "platform_home.png"), full_page=True)
            page.click("tr[data-state=draft] a")
            page.wait_for_selector("table.values")
            assert page.locator("table.values tbody tr").count() == 9      # 统计局 leads 9 天工鼎 indicators
            page.click("tr[data-indicator=Q01] summary")
            assert "按统计年鉴口径更正（演示）" in page.inner_text("tr[data-indicator=Q01] .history")
            page.screenshot(path=str(tmp_path / "platform_submission.png"), full_page=True)
        finally:
            browser.close()
    assert log["errors"] == []
    assert [m for m in log["console"] if m[0] == "error"] == []     # a CSP violation would show here
    assert all(url.startswith((base, "data:")) for url in log["requests"]), log["requests"]
    if os.environ.get("ZONGHENG_DOCS_IMG"):
        for name in ("platform_home.png", "platform_submission.png"):
            shutil.copy(tmp_path / name, DOCS_IMG / name)
