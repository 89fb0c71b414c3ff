"""The 生态文明 page of a run (生态文明页): attainment against targets, lights, trends, the 人大 draft.

A framework whose indicators carry targets (the bundled ``eco`` supervision indicators) is judged
indicator by indicator against them, not by rank. Every number here is the library's:
:func:`zongheng.analysis.attainment.attainment` on the run's own inputs (the values as entered,
before any imputation of the composite score's method), with the library's default warning rule
(:class:`~zongheng.analysis.attainment.WarningRule`); the counts per period are its
:func:`~zongheng.analysis.attainment.summary`. The Word draft for the 人大常委会 is the library's
writer (:func:`zongheng.report.docx_eco.write_eco_docx`) on the same inputs, with the 未审核 mark
added on top (and in every page header) when the run's data were not all approved.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from zongheng import display
from zongheng.analysis.attainment import WarningRule, attainment, summary, value_label
from zongheng.report.targets import has_targets

if TYPE_CHECKING:
    from zongheng.framework import Framework
    from zongheng.panel import Panel

__all__ = ["RULE", "EcoIndicator", "EcoView", "has_targets", "report", "view"]

RULE = WarningRule()
"""The warning rule the page and the draft apply: the library's default (达标且未变差为绿 …)."""

_YES_NO = {"zh": ("是", "否"), "en": ("yes", "no")}


@dataclass(frozen=True)
class EcoIndicator:
    """One supervision indicator of the focus unit in the run's last period, and its history."""

    code: str
    name: str
    aspect: str
    measure: str
    category: str
    rule: str
    department: str
    value: str
    target: str
    attained: bool | None
    """None: no value or no target (无法评价)."""
    attained_label: str
    gap: str
    change: str
    trend: str
    light: str
    """``green``, ``yellow``, ``red``, or ``none`` when it cannot be judged."""
    history: list[str]
    """The value in each of the run's periods, oldest first."""


@dataclass(frozen=True)
class EcoView:
    """The 生态文明 page's content for one unit of a run."""

    unit: str
    period: Hashable
    periods: list[str]
    indicators: list[EcoIndicator]
    totals: dict[str, str]
    """The last period's summary: ``indicators``, ``assessed``, ``attained``, ``attained_pct``,
    ``binding``, ``binding_attained``, ``green``, ``yellow``, ``red`` (as shown)."""
    by_period: dict[str, list[int]]
    """Per period, oldest first: ``attained``, ``assessed``, ``green``, ``yellow``, ``red`` counts."""


def _shown(row: pd.Series, column: str, lang: str) -> str:
    """Show a value or target: 是/否 for a yes/no item, else :func:`zongheng.display.value`."""
    x = row[column]
    if row["rule"] == "yes" and not pd.isna(x):
        return _YES_NO[lang][0 if float(x) >= 1 else 1]
    return display.value(x)


def _text(x: object) -> str:
    return "" if x is None or x is pd.NA or (isinstance(x, float) and pd.isna(x)) else str(x)


def view(framework: Framework, panel: Panel, unit: str, lang: str = "zh") -> EcoView:
    """Return the attainment of every supervision indicator of ``unit`` in the panel's last period.

    Parameters
    ----------
    framework, panel : Framework, Panel
        The run's inputs (:func:`~zongheng.platform.services.runs.inputs_of`).
    unit : str
        A unit of the panel, by name.
    lang : {"zh", "en"}
        Language of the names and the words (达标, 改善 …).

    Raises
    ------
    DataError
        ``unit`` is not in the panel (from the library).
    """
    lang = "en" if lang == "en" else "zh"
    history = attainment(framework, panel, unit=unit, rule=RULE)
    periods = list(panel.periods)
    last = periods[-1]
    table = history[history["period"] == last]
    values = {(str(r.indicator), str(r.period)): r for r in history.itertuples(index=False)}
    rows = []
    for _, r in table.iterrows():
        en = lang == "en"
        name = str(r["name_en"] or r["name"]) if en else str(r["name"])
        aspect = str(r["aspect_name_en"] or r["aspect_name"]) if en else str(r["aspect_name"])
        attained = None if pd.isna(r["attained"]) else bool(r["attained"])
        light = r["light"] if isinstance(r["light"], str) else "none"
        past = [values[(str(r["indicator"]), str(p))] for p in periods]
        rows.append(EcoIndicator(
            code=str(r["indicator"]), name=name, aspect=aspect, measure=_text(r["measure"]),
            category=value_label("category", r["category"], lang) if _text(r["category"]) else "—",
            rule=value_label("rule", r["rule"], lang), department=_text(r["department"]) or "—",
            value=_shown(r, "value", lang), target=_shown(r, "target", lang), attained=attained,
            attained_label=value_label("attained", attained, lang), gap=display.signed_value(r["gap"]),
            change=display.signed_value(r["change"]), trend=value_label("trend", r["trend"], lang),
            light=light, history=[_shown(pd.Series(p._asdict()), "value", lang) for p in past]))
    counts = summary(history)
    own = counts.xs(str(table["unit"].iloc[0]), level="unit") if len(table) else counts
    s = own.loc[last]
    totals = {k: str(int(s[k])) for k in ("indicators", "assessed", "attained", "binding", "binding_attained",
                                          "green", "yellow", "red")}
    totals["attained_pct"] = display.percent(s["attained_pct"] / 100)
    by_period = {k: [int(own.loc[p][k]) for p in periods] for k in ("attained", "assessed", "green", "yellow",
                                                                     "red")}
    return EcoView(unit, last, [str(p) for p in periods], rows, totals, by_period)


def report(framework: Framework, panel: Panel, unit: str, *, lang: str = "zh", synthetic: bool | None = None,
           unapproved: int | None = None) -> bytes:
    """Return the 生态文明建设情况报告 draft of ``unit`` as Word bytes (the library's writer).

    ``unapproved``: the number of unapproved values the run used; when given, the draft carries the
    未审核 mark at the top of its first page and in every page header.

    Raises
    ------
    FrameworkError
        The framework has no target (from the library's writer).
    """
    from docx import Document

    from zongheng.report.docx_eco import write_eco_docx
    from zongheng.report.docx_style import add_note

    lang = "en" if lang == "en" else "zh"
    with tempfile.TemporaryDirectory() as folder:
        path = write_eco_docx(framework, panel, unit, Path(folder) / "eco.docx", rule=RULE, lang=lang,
                              synthetic=synthetic)
        if unapproved is None:
            return path.read_bytes()
        doc = Document(str(path))
    mark = unapproved_mark(unapproved, lang)
    note = add_note(doc, mark)
    doc.paragraphs[0]._p.addprevious(note._p)        # move it from the end to the very top
    for section in doc.sections:
        section.header.is_linked_to_previous = False
        section.header.add_paragraph(mark)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def unapproved_mark(n: int, lang: str = "zh") -> str:
    """Return the 未审核 mark of a document made from a run with ``n`` unapproved values."""
    if lang == "en":
        return f"NOT APPROVED (未审核): this draft uses {n} value(s) not yet approved; internal use only."
    return f"未审核：本稿使用了 {n} 个尚未审核的数值，仅供内部参考。"
