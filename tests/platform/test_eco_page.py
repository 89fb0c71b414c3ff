"""The 生态文明 page shows the library's attainment for the same run; its Word draft opens (both databases).

The run: three 金华 counties of the bundled synthetic ``eco_yongkang`` dataset entered as submissions
of the 生态文明 framework (2020–2024, approved), started as the analyst would start it (the job, the
framework's bundled method). Every number on the page is recomputed here by the library's
``attainment`` and ``summary`` on the run's own inputs.
"""

from __future__ import annotations

import io
import re
from html import unescape
from urllib.parse import unquote

import pandas as pd
import pytest
from docx import Document

import zongheng as zh
from zongheng import display
from zongheng.analysis.attainment import WarningRule, attainment, summary, value_label
from zongheng.platform.db import transaction
from zongheng.platform.models import FrameworkVersion, Role, Run, Scope, State, Submission
from zongheng.platform.services import jobs, runs, users

from .conftest import PASSWORD, login
from .county_world import enter_counties
from .run_world import tiny_run

pytestmark = pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning")

@pytest.fixture(scope="module")
def eco_demo():
    return zh.datasets.load("eco_yongkang")


def _readers(s) -> None:
    for name, role, scope in (
            ("fenxi", Role.ANALYST, {"scope": Scope.BELOW, "region": "3307", "view_unapproved": True}),
            ("lingdao", Role.LEADER, {"region": "330784"}),
            ("hangzhou", Role.LEADER, {"scope": Scope.BELOW, "region": "3301"})):
        users.assign(s, users.create(s, name, PASSWORD), role, **scope)


@pytest.fixture
def eco_entered(factory, eco_demo):
    """The three counties' 生态文明 values entered and approved, 2020–2024, the readers; the version id."""
    return enter_counties(factory, eco_demo.panel, "eco", 2023, extra_cities=[("3301", "杭州市")],
                          more=_readers)


def _run(factory, version_id: int) -> int:
    with transaction(factory) as s:
        version = s.get(FrameworkVersion, version_id)
        assert runs.methods_for(version) == ["eco_method", "default"]
        runs.start(s, version, "2024", method="eco_method", user_id=None)
    done = jobs.run_one(factory, {runs.EVALUATE: runs.perform}, "w")
    assert done.state == "done", done.message
    return done.result_id


@pytest.fixture
def eco_run(factory, eco_entered):
    return _run(factory, eco_entered)


def _rows(html: str) -> dict[str, dict[str, str]]:
    part = html[html.index('<table class="list eco-indicators">'):]
    out = {}
    rows = re.findall(r'<tr data-code="([^"]+)" data-light="([^"]+)"[^>]*>(.*?)</tr>', part, re.S)
    for code, light, body in rows:
        cells = dict(re.findall(r'<td class="(?:num )?(target|value|attained|change|trend)">([^<]*)</td>',
                                body))
        cells["light"] = light
        cells["history"] = re.findall(r'<td class="num hist">([^<]*)</td>', body)
        out[code] = {k: unescape(v) if isinstance(v, str) else v for k, v in cells.items()}
    return out


def _shown(row, column: str) -> str:
    x = row[column]
    if row["rule"] == "yes" and not pd.isna(x):
        return "是" if float(x) >= 1 else "否"
    return display.value(x)


def test_an_eco_run_works_and_every_number_is_the_library_s(client, factory, eco_run):
    with factory() as s:
        run = s.get(Run, eco_run)
        framework, panel = runs.inputs_of(run)
    assert run.approved and panel.periods == (2020, 2021, 2022, 2023, 2024)
    login(client, "lingdao")
    page = client.get(f"/runs/{eco_run}")
    assert f'href="/runs/{eco_run}/eco"' in page.text               # the run page links the eco page
    response = client.get(f"/runs/{eco_run}/eco")
    assert response.status_code == 200
    html = response.text
    assert "未审核" not in html
    table = attainment(framework, panel, unit="永康市", rule=WarningRule())   # the leader's own region
    last = table[table["period"] == 2024]
    shown = _rows(html)
    assert list(shown) == list(last["indicator"])
    lights = 0
    for _, r in last.iterrows():
        row = shown[r["indicator"]]
        past = table[table["indicator"] == r["indicator"]]
        assert row["value"] == _shown(r, "value") and row["target"] == _shown(r, "target"), r["indicator"]
        word = "无法评价" if pd.isna(r["attained"]) else value_label("attained", bool(r["attained"]), "zh")
        assert row["attained"] == word
        assert row["change"] == display.signed_value(r["change"])
        assert row["trend"] == value_label("trend", r["trend"], "zh")
        assert row["light"] == (r["light"] if isinstance(r["light"], str) else "none")
        assert row["history"] == [_shown(p, "value") for _, p in past.iterrows()]
        lights += isinstance(r["light"], str)
    assert lights > 20                         # most indicators judged, with the five-year trend
    s = summary(table).loc[("永康市", 2024)]
    totals = re.search(r'class="eco-totals" data-indicators="(\d+)" data-assessed="(\d+)" '
                       r'data-attained="(\d+)" data-pct="([^"]+)"', html).groups()
    assert totals == (str(int(s["indicators"])), str(int(s["assessed"])), str(int(s["attained"])),
                      display.percent(s["attained_pct"] / 100))
    counts = re.search(r'data-green="(\d+)" data-yellow="(\d+)" data-red="(\d+)"', html).groups()
    assert counts == (str(int(s["green"])), str(int(s["yellow"])), str(int(s["red"])))
    per_year = summary(table).xs("永康市", level="unit")
    attained_row = re.search(r'<tr data-series="attained">(.*?)</tr>', html, re.S).group(1)
    expected = [str(int(x)) for x in per_year["attained"]]
    assert re.findall(r'<td class="num">(\d+)</td>', attained_row) == expected
    assert "不超过 5% 且未变差" in html      # the library's rule, stated
    # The chart's option travels in a data island read by a file of ours: no inline script.
    assert re.search(r'<script type="application/json" id="eco-charts">', html)
    assert '<script src="/static/eco.js" defer></script>' in html
    assert client.get("/static/eco.js").status_code == 200


def test_another_unit_of_the_run_and_an_unknown_one(client, factory, eco_run):
    with factory() as s:
        framework, panel = runs.inputs_of(s.get(Run, eco_run))
    login(client, "fenxi")
    html = client.get(f"/runs/{eco_run}/eco", params={"unit": "义乌市"}).text
    table = attainment(framework, panel, unit="义乌市", period=2024)
    shown = _rows(html)
    for _, r in table.iterrows():
        assert shown[r["indicator"]]["value"] == _shown(r, "value")
    assert client.get(f"/runs/{eco_run}/eco", params={"unit": "杭州市"}).status_code == 404


def test_the_report_draft_opens_and_holds_the_indicators(client, factory, eco_run):
    with factory() as s:
        framework, panel = runs.inputs_of(s.get(Run, eco_run))
    login(client, "lingdao")
    html = client.get(f"/runs/{eco_run}/eco").text
    link = unescape(re.search(r'class="eco-report" href="([^"]+)"', html).group(1))
    response = client.get(link)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    disposition = response.headers["content-disposition"]
    name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert name == f"永康市2024年生态文明建设情况报告（草稿）-评价{eco_run}.docx"
    assert disposition.startswith(f'attachment; filename="zongheng-run-{eco_run}-eco-report.docx"; ')
    assert disposition.isascii()
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "生态文明建设情况的报告" in text and "永康市" in text
    for indicator in framework.indicators:
        assert indicator.name in text, indicator.code
    assert "未审核" not in text
    table = attainment(framework, panel, unit="永康市", period=2024)
    s = summary(table).iloc[0]
    assert f"达标{int(s['attained'])}项" in text             # the library's count, in the 总体情况


def test_unapproved_data_are_marked_on_the_page_and_in_the_draft(client, factory, eco_entered):
    with transaction(factory) as s:
        sub = s.query(Submission).filter_by(region_code="330784", period="2024").first()
        sub.state = State.SUBMITTED.value
        for v in sub.values:
            v.approved_value = None
    run_id = _run(factory, eco_entered)
    with factory() as s:
        run = s.get(Run, run_id)
        assert not run.approved and run.unapproved_values > 0
        n = run.unapproved_values
    login(client, "lingdao")                        # approved data only: not his to read
    assert client.get(f"/runs/{run_id}/eco").status_code == 404
    assert client.get(f"/runs/{run_id}/eco/report.docx").status_code == 404
    login(client, "fenxi")
    html = client.get(f"/runs/{run_id}/eco", params={"unit": "永康市"}).text
    assert f"未审核：本结果使用了 {n} 个尚未审核的数值" in html
    assert 'class="congress-link" href="/congress"' in html     # on to the 审议意见 follow-up
    draft = client.get(f"/runs/{run_id}/eco/report.docx", params={"unit": "永康市"})
    doc = Document(io.BytesIO(draft.content))
    assert doc.paragraphs[0].text == f"未审核：本稿使用了 {n} 个尚未审核的数值，仅供内部参考。"
    assert all("未审核" in section.header.paragraphs[-1].text for section in doc.sections)


def test_a_reader_outside_the_run_s_regions_is_refused(client, factory, eco_run):
    login(client, "hangzhou")
    assert client.get(f"/runs/{eco_run}/eco").status_code == 404
    assert client.get(f"/runs/{eco_run}/eco/report.docx").status_code == 404


def test_a_run_without_targets_says_so(client, factory, world):
    run_id = tiny_run(factory, ["A", "B"])
    login(client, "analyst")
    assert "/eco" not in client.get(f"/runs/{run_id}").text       # no link to a page with nothing on it
    page = client.get(f"/runs/{run_id}/eco")
    assert page.status_code == 200
    assert "该指标体系没有目标值" in page.text and "eco-indicators" not in page.text
    draft = client.get(f"/runs/{run_id}/eco/report.docx")
    assert draft.headers["content-type"].startswith("text/html") and "该指标体系没有目标值" in draft.text


def test_the_page_and_the_draft_in_english(client, factory, eco_run):
    with factory() as s:
        framework, panel = runs.inputs_of(s.get(Run, eco_run))
    login(client, "lingdao")
    html = client.get(f"/runs/{eco_run}/eco", params={"lang": "en"}).text
    assert "Warning rule (zongheng&#39;s default)" in html and "within 5% of the target" in html
    table = attainment(framework, panel, unit="永康市", period=2024)
    first = table.iloc[0]
    assert first["name_en"] in html
    word = value_label("attained", bool(first["attained"]), "en")
    assert _rows(html)[first["indicator"]]["attained"] == word
    doc = Document(io.BytesIO(client.get(f"/runs/{eco_run}/eco/report.docx").content))   # the language kept
    assert "Report on ecological civilisation" in "\n".join(p.text for p in doc.paragraphs)
