"""A unit's evaluation page (单位评价网页报告): every section, in order, from one brief."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zongheng.errors import FrameworkError, Problem
from zongheng.i18n import using_lang
from zongheng.io.atomic import atomic_write
from zongheng.report.brief import UnitBrief
from zongheng.report.html.attainment import is_attainment_framework
from zongheng.report.html.award import award
from zongheng.report.html.blocks import Section
from zongheng.report.html.county_map import map_section
from zongheng.report.html.facts import UnitFacts
from zongheng.report.html.goal import gap, goal
from zongheng.report.html.indicators import heatmap, strengths
from zongheng.report.html.notes import notes
from zongheng.report.html.page import render_page, source_title, synthetic_default
from zongheng.report.html.standing import distribution, overview, radar, ranking, trajectory
from zongheng.report.html.text import t
from zongheng.report.html.uncertainty import read_spread
from zongheng.report.html.uncertainty import uncertainty as uncertainty_section
from zongheng.report.maps import MAP_NAME, load_counties

__all__ = ["SECTIONS", "render_html", "write_html"]

SECTIONS = ("overview", "ranking", "distribution", "radar", "trajectory", "heatmap", "strengths", "gap",
            "goal", "award", "map", "uncertainty", "notes")
"""Section ids in page order (``award``, ``map`` and ``uncertainty`` only when there is one)."""


def _check_lang(lang: str) -> str:
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    return lang


def _title(f: UnitFacts) -> str:
    meta = f.ev.framework.meta
    title = (meta.get("title_en") or meta.get("title")) if f.lang == "en" else meta.get("title")
    return str(title or f.index_label)


def render_html(brief: UnitBrief, *, lang: str = "zh", uncertainty: Any = None,
                synthetic: bool | None = None, note: str | None = None,
                geojson: str | Path | Mapping[str, Any] | None = None,
                source: str | None = None, unapproved: bool = False) -> str:
    """Return the report page of one unit as one HTML string (网页报告).

    Parameters are those of :func:`write_html`.
    """
    with using_lang(_check_lang(lang)):
        framework = brief.evaluation.framework
        if is_attainment_framework(framework):  # a 人大 report never ranks: its own page
            name = framework.meta.get("title") or framework.root.name
            raise FrameworkError([Problem("html.att.not_ranked", {"name": name})])
        f = UnitFacts(brief, lang)
        spread = read_spread(f, uncertainty) if uncertainty is not None else None
        boundaries = load_counties(geojson)
        sections: list[Section] = [overview(f), ranking(f), distribution(f), radar(f), trajectory(f),
                                   heatmap(f), strengths(f), gap(f), goal(f, spread)]
        if brief.award is not None:
            sections.append(award(f))
        map_sec = map_section(f, boundaries, custom=geojson is not None)
        if map_sec is not None:
            sections.append(map_sec)
        if spread is not None:
            sections.append(uncertainty_section(f, spread))
        panel = brief.evaluation.panel
        sections.append(notes(f, source_title(panel, source), synthetic_default(panel, synthetic)))
        heading = _title(f)
        group = f"{brief.group}：{f.label}" if lang == "zh" else f"{brief.group}: {f.label}"
        subtitle = " · ".join(x for x in (f.period_label, group if f.label else "", t("report")) if x)
        return render_page(lang=lang, title=f"{heading} · {brief.name} {f.period_label}", heading=heading,
                           unit=brief.name, subtitle=subtitle, sections=sections,
                           synthetic=synthetic_default(panel, synthetic), note=note, unapproved=unapproved,
                           extra_data={"mapName": MAP_NAME,
                                       "geojson": boundaries if map_sec is not None else None})


def write_html(brief: UnitBrief, path: str | Path, *, lang: str = "zh",
               uncertainty: Any = None, synthetic: bool | None = None,
               note: str | None = None, geojson: str | Path | Mapping[str, Any] | None = None,
               source: str | None = None, unapproved: bool = False) -> Path:
    """Write the interactive report of one unit as one self-contained HTML file (网页报告).

    Sections: 总体情况 (with the goal, e.g. 保三争二), 综合排名 (with a peer-group
    filter), 综合指数分布, 分维度得分, 名次变化轨迹, 指标热力图 (named indicators
    banded by dimension), 优势与短板, 差距分解 (to the unit above), the goal
    (保三: the lead over the unit behind and P(keep the rank); 争二: the path and
    责任分解), the award, the county map, 名次不确定性 (when given) and 说明.

    Parameters
    ----------
    brief : UnitBrief
        From :func:`zongheng.report.brief.unit_brief`.
    path : str or Path
        The file to write (written to a temporary name, then moved into place).
    lang : {"zh", "en"}
        Page language; unit and department names stay as the data give them. Sentences
        the analyses wrote into the brief (the path's assumption, the brief's notes) are in
        the language the brief was made in: make it under
        :func:`zongheng.i18n.using_lang` of the same language.
    uncertainty : UncertaintyReport, DataFrame or list of them, optional
        Rank uncertainty: what :func:`zongheng.report.writers.rank_uncertainty`
        returns, best with ``tops=(brief.rank, brief.target_rank)`` (two
        reports of the same samples: P(keep the current rank) for 保三 and
        P(reach the target) for 争二); or any table with ``unit`` (code or
        name), ``median_rank``, ``q05``, ``q95``, optionally ``nominal_rank``,
        ``*_in_group`` ranks and probabilities (shares 0–1) ``p_top`` (k from
        the report's summary or ``frame.attrs["top"]``), ``p_top_in_group`` or
        ``p_rank_le_K``. Adds a rank-interval chart and table for the unit's
        group and the probabilities to the goal section.
    synthetic : bool, optional
        Show the synthetic-data banner; by default when the data are a bundled
        synthetic dataset (:func:`zongheng.report.provenance.is_synthetic`).
    note : str, optional
        A line shown under the title (e.g. a caveat).
    geojson : path or mapping, optional
        County boundaries (a FeatureCollection with ``name``); the bundled,
        illustrative Zhejiang file by default.
    source : str, optional
        数据来源 as the reader knows it; by default the dataset's title (or the
        panel's file name for the user's own data).
    unapproved : bool
        The data are not all approved yet (未审核): the title and a banner say so.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    FrameworkError
        When the framework is assessed against targets (its indicators have attainment
        rules, :func:`~zongheng.report.html.attainment.is_attainment_framework`): such a
        framework gets :func:`~zongheng.report.html.attainment.write_attainment_html`, never a
        composite score or a ranking.

    Examples
    --------
    >>> import zongheng as zh
    >>> from zongheng.report.brief import unit_brief
    >>> ds = zh.datasets.load("tiangong_demo")
    >>> brief = unit_brief(zh.build(ds.framework, ds.panel, ds.method), "永康市", group="设区市",
    ...                    target_rank=2)
    >>> write_html(brief, "永康市.html")  # doctest: +SKIP
    PosixPath('永康市.html')
    """
    text = render_html(brief, lang=lang, uncertainty=uncertainty, synthetic=synthetic, note=note,
                       geojson=geojson, source=source, unapproved=unapproved)
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"))
