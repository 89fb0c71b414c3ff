"""Attainment frameworks get an attainment page, never a ranking (review finding 1, HTML part).

The 生态文明 supervision indicators are judged against targets: a report to the 人大 never
makes a composite score or ranks the county against others. A framework without targets is
refused with a clear error instead of a page of "可评价0项，达标率—%" (finding 2's HTML side).
"""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import pytest

import zongheng as zh
from zongheng.analysis.attainment import attainment
from zongheng.errors import FrameworkError, ZonghengError
from zongheng.report.brief import unit_brief
from zongheng.report.html import (
    check_targets,
    is_attainment_framework,
    render_attainment_html,
    render_html,
    unit_attainment,
    write_unit_attainment_html,
)
from zongheng.report.writers import write_report
from zongheng.testing import CHROMIUM, CHROMIUM_ARGS

# the eco data have an indicator equal everywhere; only the (unused) normalisation warns of it
pytestmark = pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning")


@pytest.fixture(scope="module")
def eco():
    return zh.datasets.load("eco_yongkang")


@pytest.fixture(scope="module")
def tiangong():
    return zh.datasets.load("tiangong_demo")


def text_of(page: str) -> str:
    body = page.split("<script>", 1)[0]
    body = re.sub(r"<style.*?</style>", "", body, flags=re.S)
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_which_frameworks_are_judged_against_targets(eco, tiangong):
    assert is_attainment_framework(eco.framework)
    assert not is_attainment_framework(tiangong.framework)
    check_targets(eco.framework)  # no error
    with pytest.raises(FrameworkError) as err:
        check_targets(tiangong.framework)
    assert "没有目标值和达标规则" in str(err.value) and "不能生成目标达成报告" in str(err.value)


def test_a_target_without_a_rule_cannot_be_judged(eco):
    # One definition for every writer (report/targets.py): a target needs its >=/<= rule.
    from dataclasses import replace

    from zongheng.framework import Indicator
    from zongheng.report.targets import has_targets

    assert has_targets(eco.framework)
    first = next(i.code for i in eco.framework.indicators if i.rule == ">=")
    nodes = []
    for n in eco.framework.nodes:   # no rule keeps its target, except one target whose rule is gone
        if isinstance(n, Indicator) and n.rule:
            n = replace(n, rule=None) if n.code == first else replace(n, target=None, rule=">=")
        nodes.append(n)
    stripped = eco.framework.with_nodes(nodes)
    assert not has_targets(stripped)
    with pytest.raises(FrameworkError):
        check_targets(stripped)


def test_eco_dataset_report_is_the_attainment_page(eco, tmp_path):
    # what `zongheng report --dataset eco_yongkang --format html` writes (review screenshot 08
    # showed a min-max composite "71.80 分, 第5/9名" with gap and path sections instead)
    ev = zh.build(eco.framework, eco.panel, eco.method)
    brief = unit_brief(ev, "永康市")
    path = write_report(brief, tmp_path / "eco.html", format="html")
    page = path.read_text(encoding="utf-8")
    text = text_of(page)
    headings = [re.sub(r"^[一二三四五六七八九十]+、", "", h) for h in re.findall(r"<h2>(.*?)</h2>", page)]
    assert headings == ["总体情况", "各方面达标和预警情况", "主要指标完成情况", "需要关注的指标", "说明"]
    for ranking_word in ("综合得分", "综合指数", "位次", "名次", "差距分解", "提升路径", "目标名次"):
        assert ranking_word not in text, ranking_word
    # the counts, from the attainment table worked out independently of the page
    table = attainment(eco.framework, eco.panel, unit="永康市")
    now = table[table["period"] == table["period"].iloc[-1]]
    attained = int(now["attained"].fillna(False).astype(bool).sum())
    lights = now["light"].value_counts()
    assert (attained, len(now)) == (20, 30)  # as the Word draft says: 达标 20/30
    assert f"纳入监督的指标共 {len(now)} 项，其中可评价 30 项，达标 {attained} 项，达标率 66.7%" in text
    assert (f"预警情况：绿灯 {lights['green']} 项、黄灯 {lights['yellow']} 项、红灯 {lights['red']} 项。"
            in text)
    assert "数据来源：金华市9个县（市、区）生态文明建设监督指标（合成数据）" in text
    assert "SYNTHETIC" not in text and "Yongkang" not in text  # the Chinese title only


def test_eco_template_routes_any_html_to_the_attainment_page(eco, tmp_path):
    ev = zh.build(eco.framework, eco.panel, eco.method)
    page = write_report(unit_brief(ev, "永康市"), tmp_path / "e.html", format="html",
                        template="eco").read_text(encoding="utf-8")
    assert "目标达成情况报告" in page and "PM2.5年均浓度" in page


def test_the_unit_page_refuses_an_attainment_framework(eco):
    ev = zh.build(eco.framework, eco.panel, eco.method)
    with pytest.raises(FrameworkError) as err:
        render_html(unit_brief(ev, "永康市"))
    assert "不做综合得分和排名" in str(err.value)


def test_a_framework_without_targets_is_refused(tiangong, tmp_path):
    # `report --template eco --format html` on 天工鼎 data: a clear error, no file
    ev = zh.build(tiangong.framework, tiangong.panel, tiangong.method)
    brief = unit_brief(ev, "永康市", group="设区市")
    target = tmp_path / "x.html"
    with pytest.raises(ZonghengError) as err:
        write_report(brief, target, format="html", template="eco")
    assert "没有目标值" in str(err.value)
    assert not target.exists()
    with pytest.raises(FrameworkError):
        write_unit_attainment_html(tiangong.framework, tiangong.panel, "永康市", target)
    with pytest.raises(FrameworkError):  # the table of such a framework has nothing to assess
        render_attainment_html(attainment(tiangong.framework, tiangong.panel, unit="永康市"))


def test_earlier_period_reads_only_the_years_up_to_it(eco):
    table = unit_attainment(eco.framework, eco.panel, "永康市", period=2022)
    assert [str(p) for p in dict.fromkeys(table["period"])] == ["2020", "2021", "2022"]
    page = render_attainment_html(table, title="生态文明")
    assert "2022年，永康市纳入监督的指标共 30 项" in text_of(page)


def test_english_attainment_page(eco, tmp_path):
    page = write_unit_attainment_html(eco.framework, eco.panel, "永康市", tmp_path / "en.html",
                                      lang="en").read_text(encoding="utf-8")
    text = text_of(page)
    assert '<html lang="en">' in page
    assert "In 2024, 永康市 reports on 30 indicators: 30 can be assessed and 20 are attained (66.7%)" in text
    assert ("Data: Eco-civilisation supervision indicators of the 9 county-level units of Jinhua "
            "(synthetic data)") in text


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed")
def test_chromium_draws_the_attainment_page_offline(eco, tmp_path):
    from playwright.sync_api import sync_playwright

    path = write_unit_attainment_html(eco.framework, eco.panel, "永康市", tmp_path / "eco.html")
    errors, requests = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.resolve().as_uri(), wait_until="load")
            page.wait_for_function("document.body.dataset.ready === '1'", timeout=15000)
            sizes = page.evaluate("() => Array.from(document.querySelectorAll('[data-chart] canvas'))"
                                  ".map(c => [c.width, c.height])")
        finally:
            browser.close()
    assert errors == [] and requests == [path.resolve().as_uri()]
    # the lights by aspect, and one chart per red or yellow indicator (7 + 6)
    assert len(sizes) == 1 + 13 and all(w > 100 and h > 100 for w, h in sizes)
