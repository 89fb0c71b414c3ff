"""The interactive HTML report: structure, offline, content, and as headless Chromium draws it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import zongheng as zh
from zongheng import display
from zongheng.report import html as report_html
from zongheng.report.brief import unit_brief
from zongheng.report.html import SYNTHETIC_BANNER, is_synthetic, render_html, screenshot, write_html
from zongheng.report.maps import COUNTIES, choropleth_option, load_counties, match_units

CHROMIUM = Path("/usr/bin/chromium")
# XML namespace names in echarts' SVG code: identifiers, never fetched.
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink",
              "http://www.w3.org/2000/xmlns/", "http://www.w3.org/XML/1998/namespace"}
HEADINGS_ZH = ["总体情况", "综合排名", "综合指数分布", "分维度得分", "名次变化轨迹", "指标热力图",
               "优势与短板", "差距分解", "保三争二", "天工鼎评选", "全省县域分布", "说明"]
HEADINGS_EN = ["Overview", "Ranking", "Distribution of the index", "Dimension scores",
               "Rank trajectories", "Indicator heat map", "Strengths and weaknesses",
               "Gap to the unit above", "Hold 3rd, reach 2nd", "The Tiangong Ding award",
               "Map of the counties", "Notes"]


@pytest.fixture(scope="module")
def demo():
    ds = zh.datasets.load("tiangong_demo")
    return ds, zh.build(ds.framework, ds.panel, ds.method)


@pytest.fixture(scope="module")
def brief(demo):
    return unit_brief(demo[1], "永康市", group="设区市", target_rank=2)


@pytest.fixture(scope="module")
def uncertainty(brief):
    """A rank-uncertainty table as issue 7's analysis returns it (values made up for the test)."""
    rows = []
    for _, r in brief.peers.iterrows():
        k = int(r["rank_in_设区市"])
        rows.append({"unit": r["unit"], "nominal_rank": k, "median_rank": k + 0.5,
                     "q5": max(1, k - 1), "q95": min(9, k + 2),
                     "p_rank_le_2": max(0.0, 1 - 0.35 * (k - 1))})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def page_zh(brief, uncertainty, tmp_path_factory):
    path = tmp_path_factory.mktemp("html") / "永康市.html"
    return write_html(brief, path, uncertainty=uncertainty, note="天工鼎 demo")


@pytest.fixture(scope="module")
def page_en(brief, tmp_path_factory):
    return write_html(brief, tmp_path_factory.mktemp("html") / "yongkang_en.html", lang="en")


def external_references(text: str) -> list[str]:
    """Return every reference to another host.

    Anywhere: http(s) URLs outside comments (XML namespace names aside) and
    protocol-relative ``"//host/"`` strings. In the markup and CSS (scripts
    removed, where ``x.src=t`` is code): every src/href that is not an ``#anchor``
    and every ``url()`` that is not ``data:``.
    """
    found = []
    uncommented = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # licence headers live in comments
    uncommented = re.sub(r"<!--.*?-->", "", uncommented, flags=re.S)
    for url in re.findall(r"https?://[^\s\"'<>)\\]*", uncommented, flags=re.I):
        if url not in NAMESPACES:
            found.append(url)
    found += re.findall(r"['\"]//[a-z0-9.-]+\.[a-z]{2,}/", uncommented, flags=re.I)
    markup = re.sub(r"(<script\b[^>]*>).*?(</script>)", r"\1\2", text, flags=re.S | re.I)
    for attr in re.findall(r"\b(?:src|href)\s*=\s*[\"']?([^\"'\s>]+)", markup, flags=re.I):
        if not attr.startswith("#"):
            found.append(attr)
    found += re.findall(r"url\(\s*['\"]?(?!#|data:)([^)'\"]+)", markup, flags=re.I)
    return found


def text_of(html: str) -> str:
    body = html.split("<script>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


# -- structure -------------------------------------------------------------------------------------


def test_page_is_self_contained(page_zh):
    html = page_zh.read_text(encoding="utf-8")
    assert external_references(html) == []
    assert "<script src" not in html and "<link" not in html and "@import" not in html
    assert "echarts.registerMap" in html  # the boundaries are inlined and registered in the page
    assert html.count("Licensed to the Apache Software Foundation") >= 1  # echarts inlined as is


def test_checker_catches_external_references():
    assert external_references('<script src="https://cdn.example.org/echarts.js"></script>')
    assert external_references('<img src="pic.png">')
    assert external_references("body { background: url(https://x.org/a.png) }")
    assert external_references('fetch("//cdn.example.org/x.json")')
    assert external_references('<script>var u = "https://x.org/map.json";</script>')
    assert external_references('<script src="echarts.min.js"></script>')
    assert external_references('<a href="#ranking">x</a> /* see https://apache.org */') == []


def test_sections_in_order_with_chinese_numbers(page_zh):
    html = page_zh.read_text(encoding="utf-8")
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    expected = [*HEADINGS_ZH[:-1], "名次不确定性", HEADINGS_ZH[-1]]
    assert [re.sub(r"^[一二三四五六七八九十]+、", "", h) for h in headings] == expected
    assert headings[0] == "一、总体情况" and headings[10] == "十一、全省县域分布"


def test_english_page(page_en, brief):
    html = page_en.read_text(encoding="utf-8")
    headings = [re.sub(r"^\d+\. ", "", h) for h in re.findall(r"<h2>(.*?)</h2>", html)]
    assert headings == HEADINGS_EN
    text = text_of(html)
    assert '<html lang="en">' in html
    assert f"In 2024, 永康市 scored {brief.score:.2f} on the" in text
    assert "Illustrative map" in text and "审图号" in text
    assert "Industrial carbon peaking" in text  # indicator names in English (W05)


def test_unit_facts_come_from_the_brief(page_zh, brief):
    html = page_zh.read_text(encoding="utf-8")
    text = text_of(html)
    assert "永康市" in re.search(r"<h1>(.*?)</h1>", html).group(1)
    overall = int(brief.peers.loc[brief.peers["unit"] == "永康市", "rank"].iloc[0])
    assert (f"2024年，永康市天工鼎综合指数为 {brief.score:.2f} 分，在金华市 9 个单位中排第 3 名，"
            f"在全部 90 个单位中排第 {overall} 名。") in text
    g = brief.gap
    assert f"永康市与上一名义乌市相差 {g.gap:.2f} 分" in text
    pr = brief.path
    assert f"完整重建，得第 {pr.achieved_rank} 名" in text
    # the path table: one row per change, now → needed with the lead department
    table = re.search(r'<table id="path-table">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    assert len(rows) == len(pr.changes)
    first = pr.changes.iloc[0]
    assert first["indicator"] in rows[0] and first["department"] in rows[0]
    assert f"{first['needed']:.2f}".rstrip("0").rstrip(".") in rows[0]


def test_ranking_table_arrows_and_filter(page_zh, demo):
    html = page_zh.read_text(encoding="utf-8")
    table = re.search(r'<table id="ranking-table">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr( [^>]*)?>(.*?)</tr>", table, re.S)[1:]
    assert len(rows) == 90
    groups = [re.search(r'data-group="([^"]+)"', attrs).group(1) for attrs, _ in rows]
    assert pd.Series(groups).value_counts()["金华市"] == 9
    me = [cells for attrs, cells in rows if 'class="me"' in attrs]
    assert len(me) == 1 and "永康市" in me[0]
    assert re.search(r'<td class="up">▲\d+</td>', table) and re.search(r'<td class="down">▼\d+</td>', table)
    assert '<option value="金华市" selected>金华市 (9)</option>' in html
    assert '<option value="">全部 (90)</option>' in html


def test_synthetic_banner(brief, demo):
    assert is_synthetic(demo[1])
    html = render_html(brief)
    assert SYNTHETIC_BANNER in html and "演示数据为合成数据" in text_of(html)
    assert SYNTHETIC_BANNER not in render_html(brief, synthetic=False)


def test_synthetic_detection(asem_evaluation, demo):
    from zongheng.evaluation import Evaluation
    from zongheng.panel import Panel

    assert not is_synthetic(asem_evaluation)
    ev = demo[1]
    values = ev.panel.values.copy()
    values[0, 0, 0] += 1.0
    assert is_synthetic(ev.with_values(values))  # the panel says so: derived data stay synthetic

    def without_flag(panel):
        bare = Panel(panel.values, panel.units, panel.periods, panel.indicators, panel.attributes,
                     panel.denominators, panel.denominator_codes, panel.source)  # no meta
        return Evaluation(ev.framework, bare, ev.method, ev.trace)

    assert is_synthetic(without_flag(ev.panel))  # the bundled demo's data, recognised by value
    assert not is_synthetic(without_flag(ev.panel.with_values(values)))


def test_chart_options_hold_the_data(page_zh, brief, demo):
    html = page_zh.read_text(encoding="utf-8")
    raw = re.search(r'<script type="application/json" id="zh-data">(.*?)</script>', html, re.S).group(1)
    data = json.loads(raw)
    charts = data["charts"]
    assert set(charts) == {"chart-distribution", "chart-radar", "chart-trajectory", "chart-heatmap",
                           "chart-gap-dimensions", "chart-gap-indicators", "chart-map",
                           "chart-uncertainty"}
    # histogram: every unit counted once
    assert sum(d["value"] for d in charts["chart-distribution"]["series"][0]["data"]) == 90
    # radar: the unit's dimension scores and its group's median
    radar = charts["chart-radar"]["series"][0]["data"]
    peers = brief.peers[["Q", "E", "D", "W"]]
    assert radar[0]["value"] == [round(float(x), 2) for x in peers.iloc[2]]
    assert radar[1]["value"] == [round(float(x), 2) for x in peers.median()]
    # trajectories: the unit's ranks in its group over the five years
    line = next(s for s in charts["chart-trajectory"]["series"] if s["name"] == "永康市")
    hist = brief.history[brief.history["node"] == "TGD"]
    assert line["data"] == [int(x) for x in hist["rank_in_group"]]
    # heat map: 9 units × 42 indicators, one band (grid) per dimension, rows named
    heat = charts["chart-heatmap"]
    assert sum(len(s["data"]) for s in heat["series"]) == 9 * 42
    assert [a["name"] for a in heat["yAxis"]] == ["质量变革", "效率变革", "动力变革", "工作评价"]
    assert "规上工业企业利润总额增速" in heat["yAxis"][0]["data"]  # Q11 by its name
    # waterfall: contributions add up from the unit's score to the peer's
    wf = charts["chart-gap-dimensions"]["series"]
    behind = sum(d["value"] for d in wf[2]["data"] if d != "-")
    ahead = sum(d["value"] for d in wf[3]["data"] if d != "-")
    assert brief.gap.unit_score + behind - ahead == pytest.approx(brief.gap.peer_score, abs=1e-3)
    # map: every county has a value; 永康市 is outlined
    items = charts["chart-map"]["series"][0]["data"]
    assert len(items) == 90
    assert next(i for i in items if i["name"] == "永康市")["itemStyle"]["borderWidth"] > 0
    assert len(data["geojson"]["features"]) == 90


def test_award_section(page_zh, brief):
    text = text_of(page_zh.read_text(encoding="utf-8"))
    run = brief.award.winners.query("unit == '永康市' and period == 2024")["run"].iloc[0]
    assert f"2024年永康市入选天工鼎（非山区县前20，非山区县内第 15 名），已连续入选 {run} 年。" in text
    assert "永康市于 2024 年获金鼎（连续 3 年入选）。" in text


def test_map_caveat_on_the_page(page_zh):
    text = text_of(page_zh.read_text(encoding="utf-8"))
    assert "示意图" in text and "非标准地图" in text and "无审图号" in text
    assert "地图上未找到的单位" not in text  # every demo unit is on the map


def test_uncertainty_section(page_zh, uncertainty):
    html = page_zh.read_text(encoding="utf-8")
    table = re.search(r'<table id="uncertainty-table">(.*?)</table>', html, re.S).group(1)
    assert "P(总名次≤2)" in table
    me = re.search(r'<tr class="me">(.*?)</tr>', table, re.S).group(1)
    assert "永康市" in me and "2–5" in me and "30.0%" in me  # display.percent: 1 decimal


def test_uncertainty_report_of_issue_7(brief, demo):
    """The report of zongheng.analysis.uncertainty goes in as it is."""
    from zongheng.analysis.uncertainty import analyse, default_spec, evaluate, sample

    ev = demo[1]
    spec = default_spec(ev)
    result = evaluate(ev, spec, sample(ev, spec, 500, seed=1), groups=["设区市"])
    report = analyse(result, unit="永康市", top=2, group="设区市")
    html = render_html(brief, uncertainty=report)
    table = re.search(r'<table id="uncertainty-table">(.*?)</table>', html, re.S).group(1)
    assert "P(总名次≤2)" in table and "P(金华市内名次≤2)" in table and "金华市内名次中位数" in table
    assert len(re.findall(r"<tr", table)) == 1 + 9  # the unit's group
    row = report.table.set_index("unit").loc["永康市"]
    me = re.search(r'<tr class="me">(.*?)</tr>', table, re.S).group(1)
    assert f"{row['q05']}–{row['q95']}" in me and display.percent(row["p_top_in_group"]) in me
    assert f"共抽样 {report.summary['samples']} 次" in text_of(html)


def test_uncertainty_needs_its_columns(brief):
    with pytest.raises(ValueError, match="median_rank"):
        render_html(brief, uncertainty=pd.DataFrame({"unit": ["永康市"], "q5": [1], "q95": [3]}))


def test_no_group_no_award_no_map(asem_evaluation):
    """ASEM (countries, real data): no group filter, no award, no county map, no banner."""
    b = unit_brief(asem_evaluation, "DEU")
    html = render_html(b, lang="en")
    headings = [re.sub(r"^\d+\. ", "", h) for h in re.findall(r"<h2>(.*?)</h2>", html)]
    assert "Map of the counties" not in headings and not any("award" in h for h in headings)
    assert 'id="group-filter"' not in html and SYNTHETIC_BANNER not in html
    assert "Germany" in text_of(html)
    assert external_references(html) == []


# -- maps ------------------------------------------------------------------------------------------


def test_bundled_counties():
    geo = load_counties()
    assert len(geo["features"]) == 90
    assert all(f["properties"]["adcode"].startswith("33") for f in geo["features"])
    assert COUNTIES.stat().st_size < 300_000
    yongkang = next(f for f in geo["features"] if f["properties"]["name"] == "永康市")
    lon, lat = np.array([p for poly in yongkang["geometry"]["coordinates"]
                         for ring in poly for p in ring]).mean(axis=0)
    assert 119.9 < lon < 120.3 and 28.8 < lat < 29.1  # 永康 lies at about 120.0°E, 28.9°N


def test_match_units_by_name_code_and_older_name():
    geo = load_counties()
    m = match_units(["永康市", "某地", "玉环县", "景宁县", "X"], geo, codes=["a", "b", "c", "d", "330784"])
    assert m.feature == {"永康市": "永康市", "玉环县": "玉环市", "景宁县": "景宁畲族自治县",
                         "X": "永康市"}
    assert m.unmatched == ("某地",)
    assert "义乌市" in m.unused


def test_custom_boundaries_and_bad_ones():
    square = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "甲县"},
        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}}]}
    geo = load_counties(square)
    option = choropleth_option({"甲县": 3.0, "乙县": 1.0}, match_units(["甲县", "乙县"], geo),
                               highlight="甲县")
    assert option["series"][0]["data"][0]["name"] == "甲县"
    assert len(option["series"][0]["data"]) == 1
    with pytest.raises(ValueError, match="FeatureCollection"):
        load_counties({"type": "Feature"})


# -- in a browser ----------------------------------------------------------------------------------

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed")


def open_page(path: Path, check):
    """Open the page in headless Chromium, log console, errors and requests, then run check(page)."""
    from playwright.sync_api import sync_playwright

    log = {"console": [], "errors": [], "requests": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(report_html.CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: log["console"].append((m.type, m.text)))
            page.on("pageerror", lambda e: log["errors"].append(str(e)))
            page.on("request", lambda r: log["requests"].append(r.url))
            page.goto(path.resolve().as_uri(), wait_until="load")
            page.wait_for_function("document.body.dataset.ready === '1'", timeout=15000)
            result = check(page)
        finally:
            browser.close()
    return log, result


CHART_STATE = """() => Array.from(document.querySelectorAll('[data-chart]')).map(el => {
  const c = el.querySelector('canvas');
  if (!c) return [el.id, 0, 0, 0];
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let painted = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) painted++;
  return [el.id, c.width, c.height, painted / (c.width * c.height)];
})"""


@needs_chromium
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chromium_draws_every_chart_offline(lang, page_zh, page_en):
    path = page_zh if lang == "zh" else page_en
    log, charts = open_page(path, lambda page: page.evaluate(CHART_STATE))
    assert log["errors"] == []
    assert [m for m in log["console"] if m[0] in ("error", "warning")] == []
    assert log["requests"] == [path.resolve().as_uri()]  # the page itself, nothing else
    expected = 8 if lang == "zh" else 7  # the zh page has the uncertainty chart
    assert len(charts) == expected
    for chart_id, width, height, painted in charts:
        assert width > 300 and height > 200, chart_id
        assert painted > 0.01, chart_id  # something is drawn, not an empty canvas


@needs_chromium
def test_chromium_peer_group_filter(page_zh, demo):
    def check(page):
        visible = "() => Array.from(document.querySelectorAll('#ranking-table tbody tr'))" \
                  ".filter(r => !r.hidden).length"
        counts = [page.evaluate(visible)]
        page.select_option("#group-filter", "")
        counts.append(page.evaluate(visible))
        page.select_option("#group-filter", "杭州市")
        counts.append(page.evaluate(visible))
        return counts

    _, counts = open_page(page_zh, check)
    hangzhou = int((demo[1].panel.group("设区市") == "杭州市").sum())
    assert counts == [9, 90, hangzhou]


@needs_chromium
def test_screenshot(page_zh, tmp_path):
    png = screenshot(page_zh, tmp_path / "page.png", full_page=False)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 900)


def test_vendored_echarts_is_the_npm_file():
    """static/echarts.min.js is npm echarts as published: its sha256 is the one NOTICE records."""
    import hashlib

    static = Path(report_html.__file__).parent.parent / "static"
    digest = hashlib.sha256((static / "echarts.min.js").read_bytes()).hexdigest()
    notice = (static / "NOTICE").read_text(encoding="utf-8")
    assert f"sha256  : {digest}" in notice
    assert f"npm `echarts` {report_html.ECHARTS_VERSION}" in notice
    assert (static / "ECHARTS_LICENSE.txt").read_text(encoding="utf-8").lstrip().startswith("Apache License")
