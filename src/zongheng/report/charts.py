"""Static charts for documents (报告配图): matplotlib PNGs with a Chinese font.

Each function takes plain numbers and labels and returns PNG bytes, ready for
``python-docx``'s ``add_picture`` (through :class:`io.BytesIO`). No pyplot and
no global state: every figure is a :class:`~matplotlib.figure.Figure` drawn
inside :func:`matplotlib.rc_context`, so a caller's settings are untouched (the
one lasting change is that matplotlib's font list learns the bundled font).

Fonts: charts are drawn with the bundled subset of Noto Sans CJK SC
(:mod:`zongheng.report.fonts`, family ``Zongheng Sans SC``) on every machine,
so the same data gives the same picture whether or not a Chinese font is
installed. A character outside the subset (a rare hanzi in a unit's name) is
taken from an installed CJK font (:func:`system_cjk_font`), then DejaVu Sans;
when none has it, it shows as a box and one :class:`MissingGlyphWarning` says
so, once per process, instead of matplotlib's warning per glyph and chart.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.figure import Figure

from zongheng import display
from zongheng.errors import ZonghengWarning
from zongheng.i18n import register_messages, text
from zongheng.report import fonts

__all__ = [
    "CJK_FAMILIES",
    "COLOURS",
    "LIGHT_COLOURS",
    "MissingCJKFontWarning",
    "MissingGlyphWarning",
    "bars",
    "bundled_font",
    "cjk_font",
    "lights_by_group",
    "small_trends",
    "system_cjk_font",
    "waterfall",
]

register_messages({
    # Short: one console line (the CLI prints "warning: " before it).
    "chart_no_cjk_font": (
        "缺少中文字体，图中中文将显示为方框（安装 fonts-noto-cjk 可解决）",
        "no Chinese font: Chinese in charts shows as boxes (install fonts-noto-cjk)"),
    "chart_missing_glyphs": (
        "图中 {n} 个字无可用字体，显示为方框：{chars}（安装 fonts-noto-cjk 后重新生成）",
        "{n} character(s) in charts have no font and show as boxes: {chars} "
        "(install fonts-noto-cjk and run again)"),
})

# Preferred families, Simplified Chinese first; the first one installed wins.
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC",
    "Heiti SC", "Sarasa Gothic SC", "Noto Sans CJK JP", "Droid Sans Fallback", "AR PL UMing CN",
)
# File names of those families, for fonts installed after matplotlib built its cache.
_FILE_HINTS = ("notosanscjk", "notoserifcjk", "sourcehansans", "wqy", "msyh", "simhei",
               "pingfang", "droidsansfallback", "uming", "sarasa")

# Sober colours that survive black-and-white printing (dark blue, grey, orange).
COLOURS = ("#1f4e79", "#9e9e9e", "#c55a11", "#548235", "#7030a0")
LIGHT_COLOURS = {"green": "#3a9e4f", "yellow": "#e0b000", "red": "#c0392b"}
_DPI = 150


class MissingCJKFontWarning(ZonghengWarning):
    """No CJK font at all (the bundled one missing too): Chinese in charts shows as boxes (tofu)."""


class MissingGlyphWarning(ZonghengWarning):
    """Characters in a chart are in no available font and show as boxes (said once per process)."""


# matplotlib's own warning, one per glyph and text drawn (matplotlib/_text_helpers.py).
_GLYPH_WARNING = re.compile(r"Glyph (\d+) \(.*\) missing from font\(s\)")
_MISSING_SAID: list[str] = []   # the characters already reported: the warning is said once
_MISSING_SHOWN = 20             # characters named in it (one console line), the count says the rest


@lru_cache(maxsize=1)
def bundled_font() -> str | None:
    """Return the family of the bundled Chinese font (内置中文字体), registered with matplotlib.

    Adds :data:`zongheng.report.fonts.OTF` to matplotlib's font list (once per
    process) and returns :data:`zongheng.report.fonts.FONT_FAMILY`; None when
    the file is missing (a broken installation).
    """
    if not fonts.OTF.is_file():
        return None
    if _installed((fonts.FONT_FAMILY,)) is None:
        font_manager.fontManager.addfont(str(fonts.OTF))
    return fonts.FONT_FAMILY


@lru_cache(maxsize=1)
def system_cjk_font() -> str | None:
    """Return the family name of an installed CJK font (系统中文字体), or None.

    Looks for :data:`CJK_FAMILIES` in matplotlib's font list. If none is there,
    the font list may be a cache written before the fonts were installed, so the
    system font files whose names look like a CJK font are added to it
    (:meth:`~matplotlib.font_manager.FontManager.addfont`) and the search is
    repeated. Charts use it only for characters the bundled font lacks.
    """
    found = _installed(CJK_FAMILIES)
    if found:
        return found
    for path in font_manager.findSystemFonts():
        if any(hint in Path(path).name.lower() for hint in _FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue  # an unreadable font file is skipped, as matplotlib does
    return _installed(CJK_FAMILIES)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Return the family charts draw Chinese with (图表中文字体), or None.

    The bundled font (:func:`bundled_font`) when it is there, else an installed
    one (:func:`system_cjk_font`). Returns None, after a
    :class:`MissingCJKFontWarning`, when there is neither.
    """
    found = bundled_font() or system_cjk_font()
    if found is None:
        warnings.warn(text("chart_no_cjk_font"), MissingCJKFontWarning, stacklevel=2)
    return found


def _installed(families: Sequence[str]) -> str | None:
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((f for f in families if f in names), None)


def _rc() -> dict[str, object]:
    # A list of families in font.family is a per-glyph fallback chain (matplotlib ≥ 3.6; a
    # generic "sans-serif" would resolve to one font): the bundled font first (the same
    # picture on every machine), an installed CJK font for characters it lacks, DejaVu last.
    families = list(dict.fromkeys(f for f in (cjk_font(), system_cjk_font(), "DejaVu Sans") if f))
    return {
        "font.family": families,
        "font.sans-serif": families,
        "axes.unicode_minus": False,      # CJK fonts lack U+2212; use the hyphen-minus
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 10,
        "legend.frameon": False,
        "svg.fonttype": "none",
    }


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    # Text is laid out while saving: matplotlib then warns once per missing glyph and text.
    # Those warnings are gathered and said as one MissingGlyphWarning; others pass through.
    # (catch_warnings is process-wide: charts are drawn in one thread, as every writer does.)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight", facecolor="white")
    missing: dict[str, None] = {}
    for w in caught:
        match = _GLYPH_WARNING.match(str(w.message))
        if match:
            missing[chr(int(match.group(1)))] = None
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    _say_missing(list(missing))
    return buffer.getvalue()


def _say_missing(chars: list[str]) -> None:
    """Warn once per process about characters no font has (they are drawn as boxes).

    Silent when there is no CJK font at all: :func:`cjk_font` has said so already, in one
    :class:`MissingCJKFontWarning`, and every Chinese character would be listed again.
    """
    if not chars or _MISSING_SAID:
        return
    if cjk_font() is None:
        _MISSING_SAID.extend(chars)
        return
    _MISSING_SAID.extend(chars)
    shown = "".join(chars[:_MISSING_SHOWN]) + ("…" if len(chars) > _MISSING_SHOWN else "")
    warnings.warn(text("chart_missing_glyphs", n=len(chars), chars=shown), MissingGlyphWarning,
                  stacklevel=3)


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def bars(categories: Sequence[str], series: Mapping[str, Sequence[float]], *,
         title: str = "", ylabel: str = "", value_format: Callable[[float], str] = display.score,
         size: tuple[float, float] = (6.2, 2.8)) -> bytes:
    """Return a grouped bar chart (分组柱状图) as PNG bytes.

    Parameters
    ----------
    categories : sequence of str
        The groups along the x axis (e.g. the dimensions).
    series : mapping of str to sequence of float
        One bar per category for each series (e.g. the unit, the peer median);
        the first series is drawn in the strong colour and labelled with values.
    title, ylabel : str
    value_format : callable
        Text of the value labels on the first series (default :func:`zongheng.display.score`,
        the scores as every document prints them).
    size : (float, float)
        Figure size in inches.
    """
    with matplotlib.rc_context(_rc()):
        fig = _figure(*size)
        ax = fig.add_subplot()
        x = np.arange(len(categories))
        n = max(len(series), 1)
        width = 0.8 / n
        lows: list[float] = []
        for i, (name, values) in enumerate(series.items()):
            vals = np.asarray(values, dtype=float)
            lows.append(float(np.nanmin(vals)) if np.isfinite(vals).any() else 0.0)
            rects = ax.bar(x + (i - (n - 1) / 2) * width, vals, width * 0.92, label=name,
                           color=COLOURS[i % len(COLOURS)])
            if i == 0:
                ax.bar_label(rects, labels=[value_format(v) if np.isfinite(v) else ""
                                            for v in vals], padding=2, fontsize=8)
        # Scores sit high on a 0–100 scale: start the axis near the lowest bar so that
        # differences show, and say so by not starting at 0 only when all bars are high.
        low = min(lows) if lows else 0.0
        if low > 40:
            ax.set_ylim(bottom=max(0.0, np.floor((low - 10) / 10) * 10))
        ax.set_xticks(x, list(categories))
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=n)
        return _png(fig)


def waterfall(start: tuple[str, float], steps: Sequence[tuple[str, float]],
              end: tuple[str, float], *, title: str = "", ylabel: str = "",
              value_format: Callable[[float], str] = display.signed,
              size: tuple[float, float] = (6.2, 3.0)) -> bytes:
    """Return a waterfall chart (瀑布图) from one score to another, as PNG bytes.

    Parameters
    ----------
    start, end : (str, float)
        Label and level of the first and last bar (e.g. the unit's score and the
        peer's score).
    steps : sequence of (str, float)
        The contributions in between; positive steps go up (orange), negative
        down (green: where the unit is ahead).
    title, ylabel : str
    value_format : callable
        Text of the steps' labels (default :func:`zongheng.display.signed`); the first and
        last bars are labelled with :func:`zongheng.display.score`.
    size : (float, float)
    """
    with matplotlib.rc_context(_rc()):
        fig = _figure(*size)
        ax = fig.add_subplot()
        labels = [start[0], *(s[0] for s in steps), end[0]]
        level = start[1]
        bottoms, heights, colours, texts = [0.0], [start[1]], [COLOURS[0]], [display.score(start[1])]
        for _, delta in steps:
            bottoms.append(level if delta >= 0 else level + delta)
            heights.append(abs(delta))
            colours.append(COLOURS[2] if delta >= 0 else COLOURS[3])
            texts.append(value_format(delta))
            level += delta
        bottoms.append(0.0)
        heights.append(end[1])
        colours.append(COLOURS[1])
        texts.append(display.score(end[1]))
        x = np.arange(len(labels))
        rects = ax.bar(x, heights, 0.6, bottom=bottoms, color=colours)
        ax.bar_label(rects, labels=texts, padding=2, fontsize=8)
        # Zoom on the part that moves: the start and end bars are cut at a common floor.
        tops = np.asarray(bottoms) + np.asarray(heights)
        moving = [*bottoms[1:-1], start[1], end[1]]
        floor = min(moving) - max(0.5, (max(tops) - min(moving)) * 0.6)
        ax.set_ylim(bottom=max(0.0, floor), top=max(tops) + (max(tops) - floor) * 0.12)
        running = np.cumsum([start[1], *(d for _, d in steps)])
        for i, y in enumerate(running):  # connectors: the level after bar i, to bar i + 1
            ax.plot([i + 0.3, i + 0.7], [y, y], color="#606060", linewidth=0.6)
        ax.set_xticks(x, labels)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        return _png(fig)


def lights_by_group(groups: Sequence[str], counts: Mapping[str, Sequence[int]], *,
                    labels: Mapping[str, str] | None = None, title: str = "",
                    xlabel: str = "", size: tuple[float, float] = (6.2, 2.6)) -> bytes:
    """Return stacked horizontal bars of warning lights per group (预警灯分布), as PNG bytes.

    Parameters
    ----------
    groups : sequence of str
        One bar per group (e.g. the aspects of the eco framework), drawn top down.
    counts : mapping
        ``{"green": [...], "yellow": [...], "red": [...]}``: the count of each
        light per group.
    labels : mapping, optional
        Legend text per light (``{"green": "绿灯", …}``).
    title, xlabel : str
    size : (float, float)
    """
    labels = labels or {k: k for k in LIGHT_COLOURS}
    with matplotlib.rc_context(_rc()):
        fig = _figure(*size)
        ax = fig.add_subplot()
        y = np.arange(len(groups))[::-1]
        left = np.zeros(len(groups))
        for light, colour in LIGHT_COLOURS.items():
            vals = np.asarray(counts.get(light, [0] * len(groups)), dtype=float)
            rects = ax.barh(y, vals, 0.6, left=left, color=colour, label=labels.get(light, light))
            ax.bar_label(rects, labels=[f"{v:.0f}" if v else "" for v in vals],
                         label_type="center", color="white", fontsize=8)
            left += vals
        ax.set_yticks(y, list(groups))
        ax.set_xlabel(xlabel)
        ax.xaxis.get_major_locator().set_params(integer=True)
        if title:
            ax.set_title(title)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3)
        return _png(fig)


def small_trends(panels: Sequence[Mapping[str, object]], *, columns: int = 4,
                 width: float = 6.2, row_height: float = 1.45) -> bytes:
    """Return small multiples of five-year series with their targets (趋势小图), as PNG bytes.

    Parameters
    ----------
    panels : sequence of mapping
        One small chart per mapping: ``title`` (str), ``x`` (periods), ``y``
        (values), ``target`` (float or None, drawn dashed) and ``light``
        (``green``/``yellow``/``red``, the line colour).
    columns : int
        Charts per row.
    width, row_height : float
        Figure width and the height of one row, in inches.
    """
    n = max(len(panels), 1)
    rows = int(np.ceil(n / columns))
    with matplotlib.rc_context({**_rc(), "font.size": 7, "axes.titlesize": 7.5}):
        fig = _figure(width, row_height * rows)
        axes = fig.subplots(rows, columns, squeeze=False)
        for ax, spec in zip(axes.flat, panels, strict=False):
            x = [str(v) for v in spec["x"]]  # type: ignore[union-attr]
            y = np.asarray(spec["y"], dtype=float)
            colour = LIGHT_COLOURS.get(str(spec.get("light")), COLOURS[0])
            ax.plot(x, y, marker="o", markersize=2.5, color=colour, linewidth=1.2)
            target = spec.get("target")
            if target is not None and np.isfinite(float(target)):  # type: ignore[arg-type]
                ax.axhline(float(target), color="#404040", linestyle="--",  # type: ignore[arg-type]
                           linewidth=0.8)
            ax.set_title(str(spec.get("title", "")), loc="left")
            ax.tick_params(labelsize=6)
            ax.set_xticks([x[0], x[-1]] if len(x) > 1 else x)
        for ax in list(axes.flat)[len(panels):]:
            ax.set_visible(False)
        return _png(fig)
