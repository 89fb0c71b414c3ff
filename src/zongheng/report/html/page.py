"""The page around the sections (网页框架): template, inlined ECharts, fonts, banner, source line.

Both pages (a unit's evaluation, a unit's attainment) are one self-contained
file rendered from ``templates/report.html.j2`` with strict escaping: the
sections' text is escaped by Jinja, table rows by :mod:`markupsafe`, the chart
options travel as JSON in a ``<script type="application/json">`` with ``<``,
``>`` and ``&`` escaped, and ECharts (``static/echarts.min.js``, Apache-2.0) is
inlined, so the page makes no request.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from zongheng.i18n import MESSAGES
from zongheng.panel import Panel
from zongheng.report.html.blocks import Section
from zongheng.report.html.text import section_number, t
from zongheng.report.provenance import UNAPPROVED_MARK, unapproved_text
from zongheng.report.provenance import is_synthetic as is_panel_synthetic
from zongheng.terms import dataset_caption

__all__ = ["ECHARTS_VERSION", "FONT_STACK", "render_page", "source_title"]

REPORT = Path(__file__).resolve().parent.parent
ECHARTS_VERSION = "6.1.0"
"""The vendored ECharts (``static/echarts.min.js``, see ``static/NOTICE``)."""

FONT_STACK = ('"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", '
              '"Hiragino Sans GB", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", sans-serif')
"""CSS fonts: Linux (Noto CJK, WenQuanYi), Windows (Microsoft YaHei), macOS (PingFang)."""




def font_face() -> tuple[str, str]:
    """Return the embedded font: an ``@font-face`` rule and its family name.

    The rule embeds the bundled subset (:func:`zongheng.report.fonts.font_face_css`,
    about 1 MB of base64); the page puts it in ``<head>`` (template variable ``font_css``)
    and the family in the font stack after the installed CJK fonts, so a machine without
    one still shows Chinese (the charts are drawn once ``document.fonts`` is ready).
    """
    from zongheng.report.fonts import FONT_FAMILY

    return _font_css(), FONT_FAMILY


@lru_cache(maxsize=1)
def _font_css() -> str:
    from zongheng.report.fonts import font_face_css

    return font_face_css()


@lru_cache(maxsize=1)
def _echarts_js() -> str:
    js = (REPORT / "static" / "echarts.min.js").read_text(encoding="utf-8")
    if "</script" in js.lower():  # would end the inline <script> early
        raise ValueError("echarts.min.js contains '</script' and cannot be inlined")
    return js


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(REPORT / "templates")),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined)


def script_json(data: Any) -> str:
    """Serialise for an inline ``<script type="application/json">``: no '<', '>' or '&' left raw."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def source_title(panel: Panel, source: str | None = None) -> str | None:
    """Return where the data come from, as a reader knows it (数据来源).

    ``source`` when given; else the panel's title (``meta["title"]``); else the
    bundled dataset's title in the page's language (catalogued here; else its
    README's first line); else the file the data were read from.
    """
    if source:
        return str(source)
    meta = panel.meta
    if meta.get("title"):
        return str(meta["title"])
    name = meta.get("dataset")
    if isinstance(name, str) and f"dataset.{name}" in MESSAGES:
        return dataset_caption(name)
    if isinstance(name, str):
        from zongheng import datasets

        try:
            readme = datasets.path(name) / "README.md"
        except KeyError:
            readme = None
        if readme is not None and readme.exists():
            lines = readme.read_text(encoding="utf-8").splitlines()
            if lines and lines[0].strip("# "):
                return lines[0].lstrip("# ").strip()
    return panel.source


def synthetic_default(panel: Panel, synthetic: bool | None) -> bool:
    """Return the banner flag: as given, else whether the panel is a bundled synthetic dataset."""
    return is_panel_synthetic(panel) if synthetic is None else bool(synthetic)


def render_page(*, lang: str, title: str, heading: str, unit: str, subtitle: str,
                sections: Sequence[Section], synthetic: bool, note: str | None = None,
                extra_data: dict[str, Any] | None = None, unapproved: bool = False) -> str:
    """Return the page: numbered sections, their charts' options as JSON, ECharts inlined.

    Must run under :func:`zongheng.i18n.using_lang` of ``lang``. ``unapproved``: the data are not
    all approved; the title says 【未审核】 and a red banner heads the page.
    """
    for i, sec in enumerate(sections, start=1):
        sec.number = section_number(i)
    charts = {c["id"]: c["option"] for sec in sections for c in sec.all_charts()}
    data = {"charts": charts, **(extra_data or {})}
    font_css, family = font_face()
    # after the installed CJK fonts: a machine that has one keeps it, one without gets the subset
    stack = FONT_STACK.replace("sans-serif", f'"{family}", sans-serif') if family else FONT_STACK
    return _environment().get_template("report.html.j2").render(
        html_lang="zh-CN" if lang == "zh" else "en", title=title, heading=heading, unit=unit,
        subtitle=subtitle, synthetic=synthetic, banner=t("synthetic_banner"), note=note,
        unapproved=unapproved_text(lang) if unapproved else "", unapproved_mark=UNAPPROVED_MARK,
        sections=[s.as_dict() for s in sections], font_stack=stack, font_css=font_css,
        echarts_js=_echarts_js(), data_json=script_json(data))
