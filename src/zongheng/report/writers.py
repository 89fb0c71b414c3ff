"""Which report writer makes which file (报告输出): one entry point for the CLI and the demo.

Two kinds of indicator system get two kinds of document:

- a **composite** evaluation (天工鼎, ASEM): scores, ranks, the gap to a peer and the path to a
  target rank, from a :class:`~zongheng.report.brief.UnitBrief` (``template="tiangong"``);
- a **target-attainment** system (生态文明建设情况监督指标, :func:`is_attainment`): each
  indicator against its target (达标/未达标, 同比, 趋势, 预警), never a normalised composite,
  rank, gap or path (``template="eco"``, :func:`write_attainment`).

Both go to every format (``html``, ``docx``, ``xlsx``), under the names of
:func:`default_name`. Writers are imported when used, by name, so this module is light.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zongheng.errors import FrameworkError, Problem
from zongheng.i18n import register_messages
from zongheng.report.targets import has_targets, is_attainment

if TYPE_CHECKING:
    from zongheng.analysis.attainment import WarningRule
    from zongheng.framework import Framework
    from zongheng.panel import Panel
    from zongheng.report.brief import UnitBrief

__all__ = [
    "FORMATS", "TEMPLATES", "default_name", "has_targets", "is_attainment", "rank_uncertainty",
    "template_for", "write_all", "write_attainment", "write_eco_report", "write_report",
]

FORMATS = ("html", "docx", "xlsx")
TEMPLATES = ("tiangong", "eco")

register_messages({
    "report_no_targets": (
        "指标体系没有目标值，不能生成生态文明报告（{name} 的指标均未设目标值 target）；"
        "请在指标体系中填写目标值，或改用 --template tiangong",
        "the framework has no targets, so no ecological-civilisation report can be written ({name} "
        "gives no indicator a target); add targets to the framework, or use --template tiangong",
    ),
})

# The file names of each kind of document, after "<unit name>_<period>_" (the demo's names).
_NAMES = {
    ("tiangong", "html"): "评价报告.html",
    ("tiangong", "docx"): "天工鼎评价分析.docx",
    ("tiangong", "xlsx"): "评价结果.xlsx",
    ("eco", "html"): "生态文明建设情况.html",
    ("eco", "docx"): "生态文明建设情况报告.docx",
    ("eco", "xlsx"): "生态文明建设指标完成情况.xlsx",
}


def template_for(framework: Framework, template: str | None = None) -> str:
    """Return the template a report uses: the one given, else ``eco`` for an attainment framework."""
    if template is not None:
        return template
    return "eco" if is_attainment(framework) else "tiangong"


def default_name(name: str, period: Hashable, format: str, template: str = "tiangong") -> str:
    """Return a report's file name as the demo writes it: ``永康市_2024_评价报告.html``.

    Examples
    --------
    >>> default_name("永康市", 2024, "html"), default_name("永康市", 2024, "xlsx", "eco")
    ('永康市_2024_评价报告.html', '永康市_2024_生态文明建设指标完成情况.xlsx')
    """
    return f"{name}_{period}_{_NAMES[(template, format)]}"


def write_report(brief: UnitBrief, path: str | Path, *, format: str, template: str = "tiangong",
                 lang: str = "zh", synthetic: bool | None = None, uncertainty: Any = None,
                 unapproved: bool = False) -> Path:
    """Write one report of a unit: ``html`` page, ``docx`` draft or ``xlsx`` workbook.

    The ``eco`` template writes the attainment documents (:func:`write_attainment`) from the
    brief's framework and panel, in any format. ``unapproved``: the data are not all approved
    yet, and every format says 未审核 on its first page (the platform's runs on unapproved data).
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
    if template == "eco":
        ev = brief.evaluation
        return write_attainment(ev.framework, ev.panel, brief.unit, path, format=format,
                                period=brief.period, lang=lang, synthetic=synthetic, unapproved=unapproved)
    if format == "html":
        from zongheng.report.html import is_attainment_framework, write_html, write_unit_attainment_html

        ev = brief.evaluation
        if template == "eco" or is_attainment_framework(ev.framework):  # targets, never a ranking
            return write_unit_attainment_html(ev.framework, ev.panel, brief.unit, path, period=brief.period,
                                              lang=lang, synthetic=synthetic, unapproved=unapproved)
        return write_html(brief, path, lang=lang, synthetic=synthetic, uncertainty=uncertainty,
                          unapproved=unapproved)
    if format == "xlsx":
        from zongheng.report.xlsx import write_xlsx

        return write_xlsx(brief, path, lang=lang, synthetic=synthetic, unapproved=unapproved)
    from zongheng.report.docx_tiangong import write_tiangong_docx

    return write_tiangong_docx(brief, path, lang=lang, synthetic=synthetic, uncertainty=uncertainty,
                               unapproved=unapproved)


def write_attainment(framework: Framework, panel: Panel, unit: str, path: str | Path, *,
                     format: str, period: Hashable | None = None, lang: str = "zh",
                     synthetic: bool | None = None, rule: WarningRule | None = None,
                     source: str | None = None, unapproved: bool = False) -> Path:
    """Write a target-attainment document of one unit (生态文明建设情况 · 达标评价), any format.

    ``docx`` is the 生态文明建设情况报告 draft for the People's Congress
    (:func:`zongheng.report.docx_eco.write_eco_docx`); ``xlsx`` the attainment workbook
    (:func:`zongheng.report.xlsx.write_attainment_xlsx`) and ``html`` the attainment page
    (``zongheng.report.html.write_attainment_html``), both from the unit's
    :func:`~zongheng.analysis.attainment.attainment` table up to ``period``. Nothing is
    normalised, aggregated or ranked.

    Parameters
    ----------
    framework, panel
        Indicators with targets and rules, and their raw values over the years.
    unit : str
        Unit code or name.
    path : path
    format : {"html", "docx", "xlsx"}
    period : hashable, optional
        The year reported on; the last by default.
    lang, synthetic
        As the writers.
    rule : WarningRule, optional
        The early-warning rule (default :class:`~zongheng.analysis.attainment.WarningRule`).
    source : str, optional
        Where the data come from (a dataset's title), for the workbook and the page.
    unapproved : bool
        The data are not all approved yet: every format says 未审核 on its first page.

    Raises
    ------
    FrameworkError
        If no indicator has a target (a report would say "可评价0项").
    DataError
        If the unit or period is not in the data.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
    if not has_targets(framework):
        raise FrameworkError([Problem("report_no_targets", {"name": framework.label(
            framework.root.code, lang)})])
    if format == "docx":
        return write_eco_report(framework, panel, unit, path, period=period, lang=lang,
                                synthetic=synthetic, rule=rule, unapproved=unapproved)
    from zongheng.analysis.attainment import attainment

    periods = list(panel.periods)
    last = periods.index(_period(panel, period)) if period is not None else len(periods) - 1
    table = attainment(framework, panel, unit=unit, period=periods[:last + 1], rule=rule)
    meta = framework.meta or {}
    title = (meta.get("title_en") if lang == "en" else None) or meta.get("title")
    synthetic = bool(synthetic if synthetic is not None else panel.meta.get("synthetic"))
    options = {"title": title, "lang": lang, "source": source, "synthetic": synthetic,
               "unapproved": unapproved}
    if format == "xlsx":
        from zongheng.report.xlsx import write_attainment_xlsx

        return write_attainment_xlsx(table, path, **options)
    from zongheng.report.html import write_attainment_html

    return write_attainment_html(table, path, **options, **({"rule": rule} if rule is not None else {}))


def _period(panel: Panel, period: Hashable) -> Hashable:
    """Return the data's period that ``period`` names (``2024`` or ``"2024"``); as given if none."""
    return next((p for p in panel.periods if p == period or str(p) == str(period)), period)


def write_eco_report(framework: Framework, panel: Panel, unit: str, path: str | Path, *,
                     period: Hashable | None = None, lang: str = "zh",
                     synthetic: bool | None = None, rule: WarningRule | None = None,
                     unapproved: bool = False) -> Path:
    """Write the 生态文明建设情况报告 Word draft of one unit (``unapproved``: marked 未审核)."""
    from zongheng.report.docx_eco import write_eco_docx

    return write_eco_docx(framework, panel, unit, path, period=period, lang=lang,
                          synthetic=synthetic, rule=rule, unapproved=unapproved)


def rank_uncertainty(brief: UnitBrief, *, samples: int = 10_000, seed: int = 0,
                     vary: tuple[str, ...] = ("weights", "normalise", "aggregate"),
                     tops: tuple[int, ...] = (), progress: Any = None) -> Any:
    """Return the rank uncertainty of every unit for the brief's period (排名不确定性).

    Weights (±25 % at every aggregate level), normalisation and aggregation vary
    by default (see :mod:`zongheng.analysis.uncertainty`); ``p_top`` is the
    probability of reaching the brief's target rank, within its group when it has one.
    Combinations that cannot be built (e.g. a geometric mean of negative z-scores)
    are left out and counted in the summary. With ``tops``, a list of reports, one
    per rank (e.g. ``(3, 2)`` for 保三 and 争二), from the same samples. ``progress``
    (``progress(done, total)``) is told how many samples are done.
    """
    from zongheng.analysis.uncertainty import analyse, default_spec, evaluate, sample

    ev = brief.evaluation
    spec = default_spec(ev, vary)
    drawn = sample(ev, spec, samples, seed=seed)
    groups = (brief.group,) if brief.group else ()
    result = evaluate(ev, spec, drawn, period=brief.period, groups=groups, skip_failed=True,
                      progress=progress)
    if tops:
        return [analyse(result, unit=brief.unit, top=k, group=brief.group) for k in tops]
    return analyse(result, unit=brief.unit, top=brief.target_rank or brief.rank,
                   group=brief.group)


def write_all(brief: UnitBrief, out: str | Path, *, lang: str = "zh",
              eco: tuple[Framework, Panel] | None = None, synthetic: bool | None = None,
              uncertainty: Any = None) -> list[Path]:
    """Write the HTML page, the Word draft and the Excel workbook of a unit into a folder.

    With ``eco`` (an attainment framework and its panel), the 生态文明 draft too; with
    ``uncertainty`` (from :func:`rank_uncertainty`), the page shows the ranks' intervals.
    File names are those of :func:`default_name`.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = [
        write_report(brief, out / default_name(brief.name, brief.period, fmt), format=fmt,
                     lang=lang, synthetic=synthetic, uncertainty=uncertainty if fmt == "html" else None)
        for fmt in FORMATS
    ]
    if eco is not None:
        framework, panel = eco
        name = dict(zip(panel.units, panel.names(), strict=True)).get(brief.unit, brief.name)
        written.append(write_eco_report(
            framework, panel, brief.unit, out / default_name(name, panel.periods[-1], "docx", "eco"),
            lang=lang, synthetic=synthetic))
    return written
