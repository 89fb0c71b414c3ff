"""ECharts options of the pages (网页图表): histogram, waterfall, banded heat map, lights, trends.

Each function returns a JSON-serialisable option; labels are already text (the
numbers through :mod:`zongheng.display`), tooltips escaped HTML (``"@fmt:tip"``
picks the item's ``tip``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from zongheng import display
from zongheng.report.html.blocks import rounded
from zongheng.report.html.text import register, t

__all__ = ["heatmap", "lights_by_aspect", "nice_edges", "trend", "waterfall"]

register({
    "behind": ("落后（对标单位领先）", "Behind (the peer leads)"),
    "ahead": ("领先（本单位领先）", "Ahead (this unit leads)"),
    "target_line": ("目标值 {v}", "Target {v}"),
    "light.green": ("绿灯", "Green"), "light.yellow": ("黄灯", "Yellow"), "light.red": ("红灯", "Red"),
    "light.none": ("无法评价", "Not assessed"),
})

LIGHT_COLOURS = {"green": "#3c9d5d", "yellow": "#e6b422", "red": "#d9534f", "none": "#bbbbbb"}


def nice_edges(values: np.ndarray, target: int = 14) -> np.ndarray:
    """Return histogram edges on a round step (1, 2, 2.5, 5 × 10^k) giving about ``target`` bins."""
    lo, hi = float(np.min(values)), float(np.max(values))
    if hi <= lo:
        return np.array([lo - 0.5, lo + 0.5])
    raw = (hi - lo) / target
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    stop = math.ceil(hi / step) * step
    if stop <= hi:  # np.histogram closes only the last bin on the right
        stop += step
    return np.round(np.arange(start, stop + step / 2, step), 10)


def waterfall(steps: Sequence[tuple[str, float, str]], start: tuple[str, float, str],
              end: tuple[str, float, str], *, horizontal_labels: bool = True) -> dict[str, Any]:
    """Return a waterfall from ``start`` through each step's contribution to ``end``.

    Each tuple is ``(label, value, tooltip)``; contributions are floating bars on
    a transparent base (the usual stacked-bar waterfall), labelled with
    :func:`zongheng.display.signed`.
    """
    cats = [start[0], *[s[0] for s in steps], end[0]]
    base: list[float | None] = [None]
    behind: list[Any] = ["-"]
    ahead: list[Any] = ["-"]
    running = start[1]
    levels = [start[1]]
    for _, value, tip in steps:
        if value >= 0:
            base.append(running)
            behind.append({"value": round(value, 4), "tip": tip,
                           "label": {"show": True, "position": "top",
                                     "formatter": display.signed(value)}})
            ahead.append("-")
            running += value
        else:
            running += value
            base.append(running)
            ahead.append({"value": round(-value, 4), "tip": tip,
                          "label": {"show": True, "position": "bottom",
                                    "formatter": display.signed(value)}})
            behind.append("-")
        levels.append(running)
    base.append(None)
    behind.append("-")
    ahead.append("-")
    levels.append(end[1])
    totals: list[Any] = [{"value": round(start[1], 4), "tip": start[2],
                          "label": {"show": True, "position": "top",
                                    "formatter": display.score(start[1])}},
                         *["-"] * len(steps),
                         {"value": round(end[1], 4), "tip": end[2],
                          "label": {"show": True, "position": "top",
                                    "formatter": display.score(end[1])}}]
    lo, hi = min(levels), max(levels)
    pad = max((hi - lo) * 0.25, 0.05)
    # The axis starts near the smallest level, not 0: bars below it are clipped, so the
    # transparent bases (from 0) vanish and only the floating parts show.
    low = math.floor((lo - pad) * 10) / 10
    high = math.ceil((hi + pad) * 10) / 10
    return {
        "tooltip": {"trigger": "item", "formatter": "@fmt:tip"},
        "legend": {"bottom": 0, "data": [t("behind"), t("ahead")]},
        "grid": {"left": 55, "right": 20, "top": 30, "bottom": 90 if horizontal_labels else 130},
        "xAxis": {"type": "category", "data": cats,
                  "axisLabel": {"interval": 0, "rotate": 0 if horizontal_labels else 35,
                                "width": 90, "overflow": "truncate"}},
        "yAxis": {"type": "value", "min": low, "max": high},
        "series": [
            {"type": "bar", "stack": "w", "silent": True, "clip": True,
             "data": ["-" if b is None else round(b, 4) for b in base],
             "itemStyle": {"color": "transparent"}, "tooltip": {"show": False}},
            {"type": "bar", "stack": "w", "name": "total", "data": totals, "clip": True,
             "itemStyle": {"color": "#8c8c8c"}, "barMaxWidth": 60},
            {"type": "bar", "stack": "w", "name": t("behind"), "data": behind, "clip": True,
             "itemStyle": {"color": "#d9534f"}, "barMaxWidth": 60},
            {"type": "bar", "stack": "w", "name": t("ahead"), "data": ahead, "clip": True,
             "itemStyle": {"color": "#3c9d5d"}, "barMaxWidth": 60},
        ],
    }


_ROW = 20        # pixels per indicator row of the heat map
_BAND_GAP = 6    # pixels between two dimensions' bands
_TOP, _BOTTOM = 10, 110


def heatmap(units: Sequence[str], bands: Sequence[tuple[str, Sequence[str]]],
            values: np.ndarray, tips: Sequence[Sequence[str]], *, series_name: str
            ) -> tuple[dict[str, Any], int]:
    """Return a heat map of indicators (rows, named) by units (columns), banded by dimension.

    Each dimension is its own grid, its name written vertically beside its rows,
    so the printed chart says what every row is.

    Parameters
    ----------
    units : sequence of str
        Column labels (unit names).
    bands : sequence of (dimension name, indicator names)
        Rows, in order, grouped by dimension.
    values : ndarray, shape (indicator, unit)
        Normalised values in the rows' order (NaN: no value).
    tips : sequence of sequence of str
        Tooltip HTML per row and unit.
    series_name : str

    Returns
    -------
    (option, height)
    """
    longest = max((len(n) for _, names in bands for n in names), default=4)
    label_width = min(300, 13 * longest + 8)
    left = label_width + 36                     # the band's name sits left of the row labels
    grids, x_axes, y_axes, series = [], [], [], []
    top = _TOP
    row = 0
    for b, (band, names) in enumerate(bands):
        height = _ROW * len(names)
        last = b == len(bands) - 1
        grids.append({"left": left, "right": 16, "top": top, "height": height,
                      "show": True, "borderColor": "#888", "borderWidth": 1})
        x_axes.append({"type": "category", "gridIndex": b, "data": list(units),
                       "axisLabel": {"show": last, "interval": 0,
                                     "rotate": 30 if len(units) > 6 else 0},
                       "axisTick": {"show": last}, "splitArea": {"show": False}})
        y_axes.append({"type": "category", "gridIndex": b, "data": list(names), "inverse": True,
                       "name": band, "nameLocation": "middle", "nameGap": label_width + 10,
                       "nameRotate": 90 if len(names) > 2 else 0,
                       "nameTextStyle": {"fontWeight": "bold", "color": "#1f3a5f"},
                       "axisLabel": {"interval": 0, "fontSize": 12, "width": label_width,
                                     "overflow": "truncate"},
                       "axisTick": {"show": False}})
        data = []
        for y in range(len(names)):
            for x in range(len(units)):
                v = values[row + y, x]
                data.append({"value": [x, y, rounded(v, 1) if np.isfinite(v) else "-"],
                             "tip": tips[row + y][x]})
        series.append({"type": "heatmap", "name": series_name, "xAxisIndex": b, "yAxisIndex": b,
                       "data": data, "emphasis": {"itemStyle": {"borderColor": "#000",
                                                                "borderWidth": 1}}})
        row += len(names)
        top += height + _BAND_GAP
    finite = values[np.isfinite(values)]
    option = {
        "tooltip": {"trigger": "item", "formatter": "@fmt:tip"},
        "grid": grids, "xAxis": x_axes, "yAxis": y_axes, "series": series,
        "visualMap": {"min": rounded(finite.min() if finite.size else 0, 0),
                      "max": rounded(finite.max() if finite.size else 100, 0), "calculable": True,
                      "seriesIndex": list(range(len(series))),
                      "orient": "horizontal", "left": "center", "bottom": 0, "itemHeight": 200,
                      "inRange": {"color": ["#d73027", "#fee08b", "#1a9850"]}},
    }
    return option, top + _BOTTOM


def lights_by_aspect(aspects: Sequence[str], counts: dict[str, Sequence[int]]) -> dict[str, Any]:
    """Return horizontal stacked bars: per aspect, its indicators by light (green, yellow, red)."""
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"bottom": 0},
        "grid": {"left": 10, "right": 20, "top": 10, "bottom": 40, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": list(aspects), "inverse": True,
                  "axisLabel": {"interval": 0}},
        "series": [{"type": "bar", "stack": "n", "name": t(f"light.{k}"),
                    "itemStyle": {"color": LIGHT_COLOURS[k]},
                    "label": {"show": True, "formatter": "@fmt:nonzero"},
                    "data": [int(v) for v in counts[k]]}
                   for k in ("green", "yellow", "red", "none") if any(counts.get(k, ()))],
    }


def _nice_bounds(lo: float, hi: float) -> tuple[float, float]:
    """Return round axis bounds a little beyond ``lo`` and ``hi`` (so the end labels are short).

    The lower bound stays at 0 or above for values that are all 0 or above (a count).
    """
    span = (hi - lo) or abs(hi) or 1.0
    step = 10.0 ** math.floor(math.log10(span))
    low = math.floor((lo - 0.1 * span) / step) * step
    high = math.ceil((hi + 0.1 * span) / step) * step
    if lo >= 0:
        low = max(low, 0.0)
    return (float(display.round_significant([low])[0]), float(display.round_significant([high])[0]))


def trend(title: str, periods: Sequence[str], values: Sequence[float], target: float | None,
          light: str | None, direction: int) -> dict[str, Any]:
    """Return a small line chart of one indicator over the years, its target a dashed line."""
    colour = LIGHT_COLOURS.get(light or "none", LIGHT_COLOURS["none"])
    series: dict[str, Any] = {
        "type": "line", "name": title, "symbolSize": 6, "itemStyle": {"color": colour},
        "lineStyle": {"width": 2.5, "color": colour},
        "data": [{"value": rounded(v, 6), "tip": display.value(v)} for v in values],
        "label": {"show": True, "formatter": "@fmt:tip", "fontSize": 10},
    }
    known = [float(v) for v in values if v == v]
    if target is not None and np.isfinite(target):
        shown = display.value(target, direction=direction)
        series["markLine"] = {"silent": True, "symbol": "none",
                              "lineStyle": {"type": "dashed", "color": "#555"},
                              "label": {"formatter": t("target_line", v=shown), "position": "insideEndTop"},
                              "data": [{"yAxis": float(target)}]}
        known.append(float(target))
    low, high = _nice_bounds(*((min(known), max(known)) if known else (0.0, 1.0)))
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "item", "formatter": "@fmt:tip"},
        "grid": {"left": 50, "right": 20, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": list(periods), "boundaryGap": False},
        "yAxis": {"type": "value", "scale": True, "min": low, "max": high,
                  "axisLabel": {"hideOverlap": True}},
        "series": [series],
    }
