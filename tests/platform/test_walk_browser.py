"""The analyst's whole walk in Debian's Chromium: run → dashboard → unit page → path → download.

One login, one run: the analyst starts 天工鼎 2024 over the province's synthetic release, reads the
run, opens the dashboard on 永康市 (its map and trajectory drawn by static/dashboard.js under the
strict CSP: a violation would be a console error), follows it to 永康市's unit page, asks the path
to one place better without the 工作评价 levers, tries the path's values in the what-if sandbox, and
downloads the run's inputs, which ``zongheng build`` turns back into the score the page showed.

Set ``ZONGHENG_DOCS_IMG=1`` to also write docs/img/platform_run.png, platform_dashboard.png and
platform_unit.png.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from .browser_steps import demo_chromium, publish, start_tiangong_run
from .run_world import rebuilt_scores
from .test_browser import live_demo, needs_chromium  # noqa: F401  (live_demo: fixture)

SHOTS = ("platform_run.png", "platform_dashboard.png", "platform_unit.png")


def _read_run(page, shots: Path) -> None:
    """The run page: all 90 peers ranked, 永康市 among them, the 未审核 mark (its 2024 drafts)."""
    assert page.locator("table.ranking tbody tr").count() == 90
    yongkang = page.locator("table.ranking tr[data-unit='永康市']")
    assert re.fullmatch(r"\d+", yongkang.locator("td.rank").inner_text())
    assert "未审核" in page.inner_text("body")
    page.screenshot(path=str(shots / "platform_run.png"), full_page=False)


def _read_dashboard(page, shots: Path) -> None:
    """The dashboard on 永康市: headline, charts drawn and hovered, lights, P(rank ≤ k)."""
    page.click("a.dashboard-link")
    page.wait_for_url(re.compile(r".*/runs/\d+/dashboard$"))
    page.select_option("form.focus-form select[name=unit]", "永康市")
    page.click("form.focus-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard\?unit=.*"))
    assert page.locator("section.headline").get_attribute("data-unit") == "永康市"
    page.wait_for_selector("#dash-map[data-ready='1'] canvas", timeout=30_000)
    page.wait_for_selector("#dash-trajectory canvas", timeout=30_000)
    # Tooltips are drawn on the canvas (richText): hovering adds no styled HTML the CSP refuses.
    page.hover("#dash-map", position={"x": 250, "y": 220})
    page.hover("#dash-trajectory", position={"x": 200, "y": 100})
    body = page.inner_text("body")
    assert "未审核" in body and "不是标准地图" in body and "合成演示数据" in body
    assert page.locator("table.ranking tbody tr").count() == 9        # 永康's 金华 by default
    assert page.locator("table.lights tbody tr[data-colour]").count() > 10
    assert page.locator("table.prob td.p").count() == 6             # P(rank ≤ 1, 2, 3) × 2
    page.wait_for_timeout(500)                                        # the map's first frame
    page.screenshot(path=str(shots / "platform_dashboard.png"), full_page=True)


def _path_and_whatif(page, shots: Path) -> str:
    """From the dashboard to 永康市's page, the path without W, its values tried; return the score shown."""
    page.click("section.headline a.unit-page, a.unit-page")
    page.wait_for_url(re.compile(r".*/runs/\d+/units/"))
    assert page.locator("h1").inner_text().startswith("永康市")
    summary = page.locator("p.unit-summary")
    rank, score = int(summary.get_attribute("data-rank")), summary.get_attribute("data-score")
    assert rank > 1
    assert page.locator("input[name=target]").input_value() == str(rank - 1)
    page.check("input[name=exclude][value=W]")
    page.click("button.path-go")
    page.wait_for_url(re.compile(r".*exclude=W.*"))
    box = page.locator("div.path-result")
    assert box.get_attribute("data-target") == str(rank - 1)
    rows = page.locator("table.path-changes tbody tr")
    codes = rows.evaluate_all("rows => rows.map(r => r.dataset.indicator)")
    assert codes and not [c for c in codes if c.startswith("W")]
    assert page.locator("ul.duty li").count() >= 1
    achieved = box.get_attribute("data-achieved")
    needed = rows.evaluate_all(
        "rows => rows.map(r => [r.dataset.indicator, r.querySelector('td.needed').textContent])")
    for code, value in needed:
        page.fill(f"form.whatif-form input[name='{code}']", value)
    page.click("button.whatif-go")
    answer = page.locator("#whatif-result div.whatif-answer")
    answer.wait_for(timeout=60_000)
    assert answer.get_attribute("data-rank") == achieved
    assert int(answer.get_attribute("data-rank")) < rank
    page.set_viewport_size({"width": 1280, "height": 1060})
    page.evaluate("document.querySelector('section.unit-path').scrollIntoView()")
    page.screenshot(path=str(shots / "platform_unit.png"), full_page=False)
    return score


def _download_and_rebuild(page, run_url: str, folder: Path) -> dict[str, str]:
    """Download the run's inputs (and its stages' CSV) from its page; rebuild the inputs with the CLI.

    Returns unit → score of the rebuild.
    """
    page.goto(run_url)
    with page.expect_download() as download:
        page.click("a.export")
    zipfile.ZipFile(download.value.path()).extractall(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["README.txt", "data.csv", "framework.yaml",
                                                        "method.yaml"]
    with page.expect_download() as download:        # every stage's scores and ranks
        page.click("a.stages")
    with open(download.value.path(), encoding="utf-8-sig") as f:
        assert f.readline().strip() == "stage,period,node,unit,score,rank"
    return {unit: score for (unit, year), score in rebuilt_scores(folder).items() if year == "2024"}

@needs_chromium
@pytest.mark.parametrize("live_demo", [True], indirect=True)
def test_the_analysts_walk_from_run_to_download(live_demo, tmp_path):  # noqa: F811
    with demo_chromium(live_demo) as chromium:
        page = chromium.login("fenxi")
        page.set_viewport_size({"width": 1400, "height": 900})
        run_url = start_tiangong_run(page)   # the job page moves on to the run by itself
        _read_run(page, tmp_path)
        _read_dashboard(page, tmp_path)
        shown = _path_and_whatif(page, tmp_path)
        rebuilt = _download_and_rebuild(page, run_url, tmp_path / "inputs")
    assert float(rebuilt["永康市"]) == float(shown)   # the CSV drops trailing zeros
    assert len(rebuilt) == 90
    publish(tmp_path, *SHOTS)
