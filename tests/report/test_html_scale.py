"""A large group: the page's charts draw the unit and its neighbours, not thousands of units.

The reliability review (2026-12, BIG_20k_report) timed the page at 60 s for 20,000 units,
quadratic: positions were looked up with ``tuple.index`` inside loops over units and the heat
map and trajectories drew every unit of a group of thousands. The time is benchmarked in
``bench/bench_html.py`` (no timing here); these tests pin what the page draws.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import zongheng as zh
from zongheng.report.brief import unit_brief
from zongheng.report.html import render_html
from zongheng.report.html.page import font_face
from zongheng.testing import make_framework, make_panel


def chart_options(page: str) -> dict:
    raw = re.search(r'<script type="application/json" id="zh-data">(.*?)</script>', page, re.S).group(1)
    return json.loads(raw)["charts"]


@pytest.fixture(scope="module")
def big_group():
    """60 units in one group, two periods; unit U0 has the lowest index (U59 the highest)."""
    fw = make_framework({"I": ["D1", "D2"], "D1": ["a", "b"], "D2": ["c"]}, directions={"b": "-"})
    base = np.arange(60, dtype=float)
    values = np.stack([np.column_stack([base + t, 100 - base, base * 2 + t]) for t in (0, 1)])
    panel = make_panel(fw, values, groups={"region": ["R"] * 60})
    return zh.build(fw, panel, zh.Method(normalise="minmax", aggregate="arithmetic"))


def test_a_large_group_draws_the_unit_and_its_neighbours(big_group):
    # Every indicator rises with the unit's number (b is lower-is-better and falls), so U59 is
    # 1st and U30 30th of 60: its neighbours are U34 … U26, four either side, in rank order.
    brief = unit_brief(big_group, "U30", group="region")
    assert brief.rank == 30
    page = render_html(brief, lang="zh")
    charts = chart_options(page)
    expected = [f"U{k}" for k in range(34, 25, -1)]
    assert charts["chart-heatmap"]["xAxis"][0]["data"] == expected
    assert [s["name"] for s in charts["chart-trajectory"]["series"]] == expected
    assert "R内名次与U30相邻的 9 个单位各指标的标准化值" in page
    assert "R内名次与U30相邻的 9 个单位历年名次" in page
    # the ranking table still lists every unit
    table = re.search(r'<table id="ranking-table">(.*?)</table>', page, re.S).group(1)
    assert len(re.findall(r"<tr[ >]", table)) == 1 + 60


def test_the_page_embeds_the_bundled_font_after_the_installed_ones(big_group):
    # The rule goes in <head>, once, and its family after the installed CJK fonts: a machine
    # with one keeps it, a machine without one draws the bundled subset instead of boxes.
    from zongheng.report.fonts import FONT_FAMILY

    css, family = font_face()
    assert family == FONT_FAMILY and css.startswith('@font-face{font-family:"Zongheng Sans SC"')
    page = render_html(unit_brief(big_group, "U30", group="region"))
    assert page.count('<style id="font-face">@font-face{font-family:"Zongheng Sans SC"') == 1
    assert '"WenQuanYi Zen Hei", "Zongheng Sans SC", sans-serif' in page
    assert len(page.encode()) <= 3 * 1024 * 1024  # issue 11: the report stays ≤ 3 MB


@pytest.mark.parametrize("hostile", ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>',
                                     "a & b 'q'", "</td></tr></table>"])
def test_fast_table_cells_escape_as_markupsafe_does(hostile):
    # cells are escaped with str.translate for speed: the same text as markupsafe.escape
    from markupsafe import escape

    from zongheng.report.html.blocks import cell, table

    assert str(cell(hostile)) == f"<td>{escape(hostile)}</td>"
    assert str(cell(1, hostile)) == f'<td class="{escape(hostile)}">1</td>'
    body = table(["x"], [[cell(hostile), hostile]], attrs=[{"data-group": hostile}])["body"]
    assert hostile not in body and body.count(str(escape(hostile))) == 3
