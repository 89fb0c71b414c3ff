"""The HTML page as a county office reads it: 保三争二, requirements, ties, imputed values, groups.

Review 2026-12-reports-and-cli findings 3–6, 12, 13 and 17 (HTML part). Expected values are
worked out from the demo's raw data in the comments, not read back from the page's code.
"""

from __future__ import annotations

import html as htmllib
import re

import numpy as np
import pytest

import zongheng as zh
from zongheng import display, terms
from zongheng.report.brief import unit_brief
from zongheng.report.html import render_html
from zongheng.report.writers import rank_uncertainty


@pytest.fixture(scope="module")
def demo():
    ds = zh.datasets.load("tiangong_demo")
    return zh.build(ds.framework, ds.panel, ds.method)


@pytest.fixture(scope="module")
def brief(demo):
    return unit_brief(demo, "永康市", group="设区市", target_rank=2)


@pytest.fixture(scope="module")
def spread(brief):
    # two reports of the same samples: P(keep 3rd) for 保三, P(reach 2nd) for 争二
    return rank_uncertainty(brief, tops=(brief.rank, brief.target_rank), samples=200, seed=3)


@pytest.fixture(scope="module")
def page(brief, spread):
    return render_html(brief, uncertainty=spread)


def text_of(page: str) -> str:
    body = page.split("<script>", 1)[0]
    body = re.sub(r"<style.*?</style>", "", body, flags=re.S)
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", body)))


def section(page: str, key: str) -> str:
    return re.search(rf'<section id="{key}">(.*?)</section>', page, re.S).group(1)


def table_rows(page: str, table_id: str) -> list[list[str]]:
    body = re.search(rf'<table id="{table_id}">(.*?)</table>', page, re.S).group(1)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [[htmllib.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows]


def jinhua_scores(ev) -> list[tuple[str, float]]:
    """金华市's units and their 2024 index, best first, from the evaluation's scores."""
    p = ev.panel.period_index(2024)
    names = np.array(ev.panel.names())
    members = np.flatnonzero(np.asarray(ev.panel.group("设区市")) == "金华市")
    scores = ev.scores[p, members, ev.node_codes.index(ev.framework.root.code)]
    order = np.argsort(-scores)
    return [(str(names[members[i]]), float(scores[i])) for i in order]


def test_hold_block_names_the_unit_behind_and_its_lead(page, demo):
    # 金华市 in 2024: 永康市 is 3rd; the unit one place down is 浦江县, 85.59 against 85.94.
    ranked = jinhua_scores(demo)
    names = [n for n, _ in ranked]
    assert names.index("永康市") == 2
    below, below_score = ranked[3]
    mine = ranked[2][1]
    lead = round(round(mine, 2) - round(below_score, 2), 2)  # from the shown numbers
    assert below == "浦江县" and f"{lead:.2f}" == "0.35"
    text = text_of(section(page, "goal"))
    assert text.startswith(" 九、保三争二 （一）保三：与后一名的差距")
    assert (f"永康市领先后一名浦江县 {lead:.2f} 分（永康市 {mine:.2f} 分，浦江县 {below_score:.2f} 分）。"
            in text)
    assert "（二）争二：提升路径" in text


def test_hold_block_gives_the_probability_of_keeping_the_rank(page, spread):
    keep, reach = spread  # P(金华市内名次 ≤ 3), P(≤ 2) for each unit, from the same samples
    p_keep = keep.table.set_index("unit").loc["永康市", "p_top_in_group"]
    p_reach = reach.table.set_index("unit").loc["永康市", "p_top_in_group"]
    assert 0 < p_keep <= 1
    text = text_of(section(page, "goal"))
    assert (f"永康市保住金华市内第 3 名（金华市内名次≤3）的概率为 {display.percent(p_keep)}，"
            f"达到第 2 名的概率为 {display.percent(p_reach)}") in text


def test_goal_in_officials_words_on_the_first_screen(page):
    text = text_of(section(page, "overview"))
    assert "目标：保三争二（保住金华市内第 3 名，争取第 2 名）。" in text


def test_requirements_are_rounded_toward_improvement(page, brief):
    # E02 (规上工业每百元营业收入中的成本, lower is better) needs 81.98875 (review finding 3):
    # 81.99 is not enough, so the page must say 81.98; the higher-is-better W07 rounds up.
    rows = {r[0]: r for r in table_rows(page, "path-table")[1:]}
    assert rows["E02"][2:6] == ["82.17", "→", "81.98", "-0.19"]
    assert rows["W07"][2:5] == ["84", "→", "86.95"]
    duties = " ".join(" ".join(r) for r in table_rows(page, "duties-table"))
    assert "E02 82.17 → 81.98" in duties and "81.99" not in duties + section(page, "goal")
    # the score the path reaches is shown, and the target rank is reached by it
    assert f"得第 {brief.path.achieved_rank} 名" in text_of(page)


def test_each_change_is_the_difference_of_the_numbers_shown(page):
    # The change column is read off "now" and "needed" as printed (needed rounded toward improvement):
    # a reader subtracting the two printed numbers gets the printed change, row by row.
    for row in table_rows(page, "path-table")[1:]:
        now, needed, change = (float(x.replace(",", "")) for x in (row[2], row[4], row[5]))
        assert change == pytest.approx(needed - now, abs=1e-9), row


def test_no_solver_internals_in_the_page(page, brief):
    text = text_of(page)
    assert not re.search(r"\d[eE][-+]?\d", text)  # no scientific notation anywhere
    assert not re.search(r"\d\.\d{3,}\s*分", text)  # scores: 2 decimals, no "差 0.00002 分" notes
    assert "0.00 分" not in text  # no sub-0.01 score differences
    for note in getattr(brief.path, "notes", ()):
        assert note not in text


def test_imputed_value_is_marked_and_never_a_strength(page, brief, demo):
    # D10 of 永康市 has no 2024 value; linear interpolation carries 79.4 (review finding 6).
    p = demo.panel.period_index(2024)
    u = demo.panel.units.index("永康市")
    assert np.isnan(demo.panel.values[p, u, demo.panel.indicators.index("D10")])
    for table_id in ("strength-table", "weakness-table", "declined-table"):
        assert all(r[0] != "D10" for r in table_rows(page, table_id)[1:])
    notes = text_of(section(page, "notes"))
    assert "永康市2024年未报送数据的指标（1 项），计算时按“线性插值”补齐，补齐值不作为优势或短板" in notes
    assert "D10 规上工业企业数字化改造覆盖率（经信局）：补齐值 79.4（插补）" in notes
    assert "79.4（插补）" in page.split('id="zh-data"', 1)[1]  # the heat map's tooltip too


def test_tied_ranks_are_shown_as_ties(page, demo):
    # D11 (新引进10亿元以上制造业项目数, higher is better) in 金华市 2024: 7, 4, 3, 3, 2, 2, 2, 1, 0.
    # 永康市 has 2: four units do better, so it is 5th, tied with two others: 并列第5–7位 of 9.
    p = demo.panel.period_index(2024)
    members = np.asarray(demo.panel.group("设区市")) == "金华市"
    values = demo.panel.values[p][members, demo.panel.indicators.index("D11")]
    assert sorted(values.tolist(), reverse=True) == [7, 4, 3, 3, 2, 2, 2, 1, 0]
    rows = {r[0]: r for r in table_rows(page, "weakness-table")[1:]}
    assert rows["D11"][3] == "并列第5–7位/9"
    assert rows["Q11"][3] == "第9位/9"  # alone in last place


def test_ranks_name_their_group(page):
    text = text_of(page)
    assert "组内" not in text  # never a bare 组内名次: the group is named
    assert "金华市内名次" in text
    assert "2024年永康市入选天工鼎（非山区县前20，非山区县内第 15 名）" in text
    award = [r[2] for r in table_rows(page, "award-table")[1:]]
    assert award[-1] == "非山区县内第 15 名"


def test_chinese_page_speaks_chinese(page, demo):
    text = text_of(page)
    assert f"计算方法：{terms.method_line(demo.method, 'zh')}" in text
    assert "功效系数法" in text and "线性插值" in text
    for english in ("impute", "interpolate", "efficacy", "normalise", "weights", "aggregate",
                    "percentile", "linear-programme", "demo"):
        assert english not in text, english
    # every word of Latin script left is a name: GDP, the licences, the software
    words = set(re.findall(r"[A-Za-z]{3,}", text))
    assert words <= {"GDP", "Apache", "ECharts", "PyPI", "fast", "geocn", "MIT", "zongheng"}, words


def test_heat_map_names_its_indicators(page, demo):
    import json

    data = json.loads(re.search(r'<script type="application/json" id="zh-data">(.*?)</script>', page,
                                re.S).group(1))
    heat = data["charts"]["chart-heatmap"]
    bands = [a["name"] for a in heat["yAxis"]]
    assert bands == ["质量变革", "效率变革", "动力变革", "工作评价"]
    rows = [name for a in heat["yAxis"] for name in a["data"]]
    fw = demo.framework
    assert rows == [fw.label(i.code, "zh") for d in fw.dimensions
                    for i in fw.indicators if fw.node(i.code).parent == d]
    assert len(rows) == 42 and "规上工业企业利润总额增速" in rows


def test_gap_shares_over_100_percent_are_explained_and_add_up(page, brief):
    # 永康市 trails 义乌市 by 1.25 on the index; its lags and leads by indicator offset each other,
    # so W07 alone is 50.5 % and the top rows sum past 100 %: the page says why, in numbers the
    # reader can subtract (review findings 11 and 31).
    text = text_of(section(page, "gap"))
    m = re.search(r"永康市落后的指标合计 ([\d.]+) 分，领先的指标合计 ([\d.]+) 分，相抵后即为上述差距", text)
    behind, ahead = float(m.group(1)), float(m.group(2))
    parts = brief.gap.indicators["contribution"]
    assert behind == round(parts[parts > 0].sum(), 2)
    assert abs(ahead - (-parts[parts < 0].sum())) <= 0.01
    assert round(behind - ahead, 2) == 1.25 and "相差 1.25 分" in text
