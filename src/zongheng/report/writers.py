"""Which report writer makes which file (报告输出): one entry point for the CLI and the demo."""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

from zongheng.framework import Framework
from zongheng.panel import Panel
from zongheng.report.brief import UnitBrief

__all__ = ["FORMATS", "TEMPLATES", "rank_uncertainty", "write_all", "write_eco_report", "write_report"]

FORMATS = ("html", "docx", "xlsx")
TEMPLATES = ("tiangong", "eco")


def write_report(brief: UnitBrief, path: str | Path, *, format: str, template: str = "tiangong",
                 lang: str = "zh", synthetic: bool | None = None, uncertainty: Any = None) -> Path:
    """Write one report of a unit: ``html`` page, ``docx`` draft (``template``) or ``xlsx`` workbook.

    The ``eco`` template writes the 生态文明建设情况报告 draft from the brief's framework and
    panel (which must be an ecological supervision framework with targets).
    """
    if format == "html":
        from zongheng.report.html import is_attainment_framework, write_html, write_unit_attainment_html

        ev = brief.evaluation
        if template == "eco" or is_attainment_framework(ev.framework):  # targets, never a ranking
            return write_unit_attainment_html(ev.framework, ev.panel, brief.unit, path, period=brief.period,
                                              lang=lang, synthetic=synthetic)
        return write_html(brief, path, lang=lang, synthetic=synthetic, uncertainty=uncertainty)
    if format == "xlsx":
        from zongheng.report.xlsx import write_xlsx

        return write_xlsx(brief, path, lang=lang, synthetic=synthetic)
    if format == "docx" and template == "eco":
        ev = brief.evaluation
        return write_eco_report(ev.framework, ev.panel, brief.unit, path, period=brief.period,
                                lang=lang, synthetic=synthetic)
    if format == "docx":
        from zongheng.report.docx_tiangong import write_tiangong_docx

        return write_tiangong_docx(brief, path, lang=lang, synthetic=synthetic)
    raise ValueError(f"format must be one of {FORMATS}, got {format!r}")


def write_eco_report(framework: Framework, panel: Panel, unit: str, path: str | Path, *,
                     period: Hashable | None = None, lang: str = "zh",
                     synthetic: bool | None = None) -> Path:
    """Write the 生态文明建设情况报告 Word draft of one unit."""
    from zongheng.report.docx_eco import write_eco_docx

    return write_eco_docx(framework, panel, unit, path, period=period, lang=lang, synthetic=synthetic)


def rank_uncertainty(brief: UnitBrief, *, samples: int = 10_000, seed: int = 0,
                     vary: tuple[str, ...] = ("weights", "normalise", "aggregate"),
                     tops: tuple[int, ...] = ()) -> Any:
    """Return the rank uncertainty of every unit for the brief's period (排名不确定性).

    Weights (±25 % at every aggregate level), normalisation and aggregation vary
    by default (see :mod:`zongheng.analysis.uncertainty`); ``p_top`` is the
    probability of reaching the brief's target rank, within its group when it has one.
    Combinations that cannot be built (e.g. a geometric mean of negative z-scores)
    are left out and counted in the summary. With ``tops``, a list of reports, one
    per rank (e.g. ``(3, 2)`` for 保三 and 争二), from the same samples.
    """
    from zongheng.analysis.uncertainty import analyse, default_spec, evaluate, sample

    ev = brief.evaluation
    spec = default_spec(ev, vary)
    drawn = sample(ev, spec, samples, seed=seed)
    groups = (brief.group,) if brief.group else ()
    result = evaluate(ev, spec, drawn, period=brief.period, groups=groups, skip_failed=True)
    if tops:
        return [analyse(result, unit=brief.unit, top=k, group=brief.group) for k in tops]
    return analyse(result, unit=brief.unit, top=brief.target_rank or brief.rank,
                   group=brief.group)


def write_all(brief: UnitBrief, out: str | Path, *, lang: str = "zh",
              eco: tuple[Framework, Panel] | None = None, synthetic: bool | None = None,
              uncertainty: Any = None) -> list[Path]:
    """Write the HTML page, the Word draft and the Excel workbook of a unit into a folder.

    With ``eco`` (an ecological framework and its panel), the 生态文明 draft too; with
    ``uncertainty`` (from :func:`rank_uncertainty`), the page shows the ranks' intervals.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{brief.name}_{brief.period}"
    written = [
        write_report(brief, out / f"{stem}_评价报告.html", format="html", lang=lang,
                     synthetic=synthetic, uncertainty=uncertainty),
        write_report(brief, out / f"{stem}_天工鼎评价分析.docx", format="docx", lang=lang,
                     synthetic=synthetic),
        write_report(brief, out / f"{stem}_评价结果.xlsx", format="xlsx", lang=lang,
                     synthetic=synthetic),
    ]
    if eco is not None:
        framework, panel = eco
        written.append(write_eco_report(framework, panel, brief.unit,
                                        out / f"{brief.name}_生态文明建设情况报告.docx", lang=lang,
                                        synthetic=synthetic))
    return written
