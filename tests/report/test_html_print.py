"""Printing the HTML page (Ctrl+P): every chart fits the paper, nothing is clipped (finding 15).

The review printed the page and found the histogram and trajectory charts cut at the right
edge: a canvas keeps its screen width unless it is redrawn. The page redraws its charts when
print media apply (matchMedia / beforeprint) and its print CSS narrows the page to A4.
Checked in headless Debian Chromium through Playwright, with print media emulated.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import zongheng as zh
from zongheng.report.brief import unit_brief
from zongheng.report.html import write_html
from zongheng.testing import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed")

# A4 (210 mm) less the page's 12 mm side margins: 186 mm = 703 CSS px at 96 px per inch.
PRINT_WIDTH = 186 / 25.4 * 96

GEOMETRY = """() => {
  const main = document.querySelector('main').getBoundingClientRect();
  return {main: [main.left, main.right],
          charts: Array.from(document.querySelectorAll('[data-chart]')).map(el => {
            const c = el.querySelector('canvas').getBoundingClientRect();
            return [el.id, c.left, c.right];
          })};
}"""


@pytest.fixture(scope="module")
def page_path(tmp_path_factory):
    ds = zh.datasets.load("tiangong_demo")
    brief = unit_brief(zh.build(ds.framework, ds.panel, ds.method), "永康市", group="设区市",
                       target_rank=2)
    return write_html(brief, tmp_path_factory.mktemp("print") / "永康市.html")


def test_printed_charts_fit_the_paper(page_path, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(page_path.resolve().as_uri(), wait_until="load")
            page.wait_for_function("document.body.dataset.ready === '1'", timeout=15000)
            screen = page.evaluate(GEOMETRY)
            page.emulate_media(media="print")
            page.wait_for_timeout(300)  # the media-query listener redraws every chart
            printed = page.evaluate(GEOMETRY)
            pdf = page.pdf(path=str(tmp_path / "page.pdf"), format="A4")
        finally:
            browser.close()
    # on screen the wide charts are wider than the paper: the check below can fail
    assert max(right - left for _, left, right in screen["charts"]) > PRINT_WIDTH + 100
    left, right = printed["main"]
    assert right - left <= PRINT_WIDTH + 1
    assert len(printed["charts"]) == 7  # no uncertainty chart on this page
    for chart_id, c_left, c_right in printed["charts"]:
        assert left - 1 <= c_left and c_right <= right + 1, chart_id
    assert pdf[:5] == b"%PDF-"
