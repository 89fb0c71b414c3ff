"""The attainment workbook (指标完成情况工作簿) of supervision indicators with targets.

An attainment framework (the 生态文明建设 supervision indicators) is judged
indicator by indicator against its targets, never turned into a composite
ranking: :func:`write_eco_xlsx` is what ``report --template eco --format xlsx``
writes, from the framework and the panel, and refuses a framework without
targets; :func:`write_attainment_xlsx` writes an attainment table already
computed; :func:`write_attainment_csv` writes it as CSV with readable headers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from xlsxwriter.worksheet import Worksheet

from zongheng import display
from zongheng.analysis.attainment import WarningRule, attainment, value_label
from zongheng.analysis.attainment import display as attainment_display
from zongheng.analysis.attainment import labels as attainment_labels
from zongheng.analysis.attainment import summary as attainment_summary
from zongheng.errors import FrameworkError, Problem
from zongheng.framework import Framework
from zongheng.i18n import register_messages, text
from zongheng.io.atomic import atomic_write
from zongheng.io.safe_cells import write_csv
from zongheng.panel import Panel
from zongheng.report.targets import has_targets, is_attainment
from zongheng.report.xlsx.book import (
    GREEN_FILL,
    GREEN_FONT,
    RED_FILL,
    RED_FONT,
    YELLOW_FILL,
    YELLOW_FONT,
    Book,
    Column,
    cell_value,
    raw_column,
)
from zongheng.report.xlsx.evaluation import _label_value, data_source
from zongheng.report.xlsx.formats import RANK

__all__ = ["ATTAINMENT_SHEETS", "attainment_csv_table", "attainment_table", "has_targets",
           "is_attainment", "write_attainment_csv", "write_attainment_xlsx", "write_eco_xlsx"]

ATTAINMENT_SHEETS = ("about", "attainment", "summary")
"""The sheets of an attainment workbook, in order."""

register_messages({
    "xlsx.att_title": ("主要指标完成情况", "Attainment of the indicators"),
    "xlsx.att_sheet_title": ("{title} · {sheet}（{periods}）", "{title} · {sheet} ({periods})"),
    "xlsx.d_attainment": ("各指标实际值、目标值、是否达标、同比和五年趋势；预警：绿为达标且未变差，"
                          "黄为达标但变差或接近目标，红为未达标。最新年份在前。",
                          "Value, target, attainment, year-on-year change and five-year trend of "
                          "each indicator; lights: green attained and not worsening, yellow "
                          "attained but worsening or near the target, red not attained. Latest "
                          "period first."),
    "xlsx.d_summary": ("各单位各年份达标情况汇总。", "Attainment per unit and period."),
    "xlsx.att_attained_n": ("达标数", "Attained"),
    "xlsx.a_indicators": ("指标", "Indicators"),
    "xlsx.a_indicators_v": ("{n} 项（约束性 {binding} 项）", "{n} ({binding} binding)"),
    "xlsx.a_lights": ("预警规则", "Warning lights"),
    "xlsx.a_gap_sign": ("差距", "Gap"),
    "xlsx.a_gap_sign_v": ("差距 = 实际值 − 目标值：“≥目标”的指标正值为超出目标，“≤目标”的指标"
                          "负值为优于目标。",
                          "Gap = value − target: positive is better for a “≥ target” indicator, "
                          "negative is better for a “≤ target” one."),
    "xlsx.toc_attainment": ("逐项指标达标情况与预警", "each indicator's attainment and light"),
    "xlsx.toc_summary": ("达标率与红黄绿灯数", "attainment rates and light counts"),
    "xlsx.no_targets": ("指标体系没有目标值（target），不能生成达标情况工作簿；请在指标体系中为"
                        "指标填写 target 与 rule",
                        "the framework has no targets: no attainment workbook can be written; "
                        "give the indicators a target and a rule"),
})

# The light and 达标 next to the value and target: what a reader looks at first.
_COLUMNS = (("period", None), ("unit_name", None), ("aspect_name", None), ("indicator", None),
            ("name", None), ("measure", None), ("value", "raw"), ("target", "raw"),
            ("attained", None), ("light", None), ("gap", "signed"), ("gap_pct", "+0.0;-0.0;0.0"),
            ("previous", "raw"), ("change", "signed"), ("change_pct", "+0.0;-0.0;0.0"),
            ("change_dir", None), ("slope", "+0.000;-0.000;0.000"), ("trend", None),
            ("category", None), ("rule", None), ("department", None))
_WORDS = ("category", "rule", "attained", "change_dir", "trend", "light")


class AttainmentBook(Book):
    """The attainment workbook: a row per indicator, unit and period, and the summary."""

    def __init__(self, table: pd.DataFrame, title: str | None, lang: str,
                 source: str | None, synthetic: bool) -> None:
        super().__init__(lang, "", source or "—", synthetic)
        self.title = title or self.t("att_title")
        # Latest period first: the year being reported is what a reader looks for.
        order = sorted(pd.unique(table["period"]), key=str, reverse=True)
        rank = {p: k for k, p in enumerate(order)}
        self.data = table.iloc[np.argsort([rank[p] for p in table["period"]], kind="stable")]
        periods = sorted(order, key=str)
        self.periods = (f"{periods[0]}–{periods[-1]}" if len(periods) > 1 else str(periods[0]))

    def sheets(self) -> list[tuple[str, str, Callable[[Worksheet], None]]]:
        return [(k, self.t(f"sheet_{k}"), getattr(self, f"_sheet_{k}"))
                for k in ATTAINMENT_SHEETS]

    def book_title(self) -> str:
        return self.title

    def sheet_title(self, sheet: str) -> str:
        return self.t("att_sheet_title", title=self.title, sheet=sheet, periods=self.periods)

    def _values(self, column: str, kind: str, yes_no: np.ndarray) -> Column | None:
        """Return a raw-value column; 是/否 indicators show 是 or 否, not 1 or 0."""
        t = self.data
        values = t[column].tolist()
        if column in ("value", "target", "previous"):
            shown = [(self.t("yes") if v >= 0.5 else self.t("no"))
                     if flag and cell_value(v) is not None else v
                     for v, flag in zip(values, yes_no, strict=True)]
            return raw_column(attainment_labels(self.lang)[column], shown, key=column)
        if column in ("gap", "change"):
            values = [np.nan if flag else v for v, flag in zip(values, yes_no, strict=True)]
            return raw_column(attainment_labels(self.lang)[column], values, signed=True,
                              key=column)
        return None

    def _sheet_attainment(self, ws: Worksheet) -> None:
        self.heading(ws, self.t("sheet_attainment"), self.t("d_attainment"))
        t, names = self.data, attainment_labels(self.lang)
        yes_no = (t["rule"] == "yes").to_numpy(dtype=bool)
        cols = []
        for column, fmt in _COLUMNS:
            if fmt in ("raw", "signed"):
                col = self._values(column, fmt, yes_no)
                assert col is not None
                cols.append(col)
                continue
            values: Any = t[column]
            if self.lang == "en" and f"{column}_en" in t.columns:
                english = t[f"{column}_en"]
                values = english.where(english.astype(bool), values)
            if column in _WORDS:
                values = [value_label(column, v, self.lang) for v in values]
            elif column == "period":
                values = [_label_value(v) for v in values]
            cols.append(Column(names[column], list(values), fmt, key=column,
                               cap=40 if column == "name" else None))
        tab = self.table(ws, 2, cols, freeze_cols=5)
        c = tab.columns
        word = {k: value_label(*k, self.lang) for k in (
            ("light", "green"), ("light", "yellow"), ("light", "red"), ("attained", True),
            ("attained", False), ("change_dir", "better"), ("change_dir", "worse"),
            ("trend", "improving"), ("trend", "worsening"))}
        self.words(ws, tab.rng(c["light"]), [
            (word["light", "green"], GREEN_FONT, GREEN_FILL),
            (word["light", "yellow"], YELLOW_FONT, YELLOW_FILL),
            (word["light", "red"], RED_FONT, RED_FILL)])
        self.words(ws, tab.rng(c["attained"]), [(word["attained", True], GREEN_FONT, None),
                                                (word["attained", False], RED_FONT, None)])
        for column, good, bad in (("change_dir", "better", "worse"),
                                  ("trend", "improving", "worsening")):
            self.words(ws, tab.rng(c[column]), [(word[column, good], GREEN_FONT, None),
                                                (word[column, bad], RED_FONT, None)])

    def _sheet_summary(self, ws: Worksheet) -> None:
        self.heading(ws, self.t("sheet_summary"), self.t("d_summary"))
        s = attainment_summary(self.data).reset_index()
        names = {**attainment_labels(self.lang), "attained": self.t("att_attained_n")}
        unit_names = dict(zip(self.data["unit"], self.data["unit_name"], strict=False))
        cols = [Column(names["unit_name"], [unit_names.get(u, u) for u in s["unit"]]),
                Column(names["period"], [_label_value(v) for v in s["period"]])]
        for column in ("indicators", "assessed", "attained", "attained_pct", "binding",
                       "binding_attained", "green", "yellow", "red"):
            fmt = "0.0" if column == "attained_pct" else RANK
            cols.append(Column(names[column], s[column].tolist(), fmt, key=column))
        tab = self.table(ws, 2, cols, freeze_cols=2)
        c = tab.columns
        ws.conditional_format(*tab.rng(c["attained_pct"]), {
            "type": "data_bar", "bar_color": "#63BE7B", "bar_solid": True, "data_bar_2010": True,
            "min_type": "num", "min_value": 0, "max_type": "num", "max_value": 100})
        for column, font, fill in (("green", GREEN_FONT, GREEN_FILL),
                                   ("yellow", YELLOW_FONT, YELLOW_FILL),
                                   ("red", RED_FONT, RED_FILL)):
            ws.conditional_format(*tab.rng(c[column]), {
                "type": "cell", "criteria": ">", "value": 0,
                "format": self.f(font_color=font, bg_color=fill)})

    def _sheet_about(self, ws: Worksheet) -> None:
        t = self.data
        first = t.drop_duplicates("indicator")
        rows: list[tuple[str, str, bool]] = []
        if self.synthetic:
            rows.append((self.t("a_data_note"), self.t("synthetic"), True))
        units = list(pd.unique(t["unit_name"]))
        sep = "、" if self.lang == "zh" else ", "
        rows += [(self.t("a_unit"), sep.join(map(str, units)), False),
                 (self.t("a_period"), self.periods, False),
                 (self.t("a_source"), str(self.source), False),
                 (self.t("a_indicators"), self.t("a_indicators_v", n=len(first), binding=int(
                     (first["category"] == "binding").fillna(False).sum())), False),
                 (self.t("a_lights"), self.t("d_attainment"), False),
                 (self.t("a_gap_sign"), self.t("a_gap_sign_v"), False)]
        from zongheng import __version__

        rows.append((self.t("a_tool"), f"zongheng {__version__}", False))
        toc = [(self.t(f"sheet_{k}"), self.t(f"toc_{k}")) for k in ATTAINMENT_SHEETS[1:]]
        self.about(ws, rows, toc)


def write_attainment_xlsx(table: pd.DataFrame, path: str | Path, *, title: str | None = None,
                          lang: str = "zh", source: str | None = None,
                          synthetic: bool = False, unapproved: bool = False) -> Path:
    """Write the attainment workbook of supervision indicators (指标完成情况工作簿).

    Sheets 说明, 达标情况 (an indicator per row: value, target, 达标/未达标, gap,
    year-on-year, five-year trend and a red/yellow/green light, latest period first) and
    达标汇总 (attainment rate and light counts per unit and period).

    Parameters
    ----------
    table : DataFrame
        From :func:`~zongheng.analysis.attainment.attainment` (any units and periods).
    path : path
    title : str, optional
        The framework's title (e.g. ``framework.meta["title"]``).
    lang : {"zh", "en"}
    source : str, optional
        Where the data come from.
    synthetic : bool
        Say on every sheet that the data are synthetic.
    unapproved : bool
        The data are not all approved yet (未审核): the first sheet and every sheet say so.

    Returns
    -------
    Path

    Examples
    --------
    >>> import zongheng as zh
    >>> from zongheng.analysis.attainment import attainment
    >>> ds = zh.datasets.load("eco_yongkang")
    >>> table = attainment(ds.framework, ds.panel, unit="永康市")
    >>> write_attainment_xlsx(table, "永康市_生态.xlsx", title=ds.framework.meta["title"],
    ...                       source=ds.title, synthetic=ds.synthetic)  # doctest: +SKIP
    """
    book = AttainmentBook(table, title, lang, source, synthetic)
    book.unapproved = unapproved
    return atomic_write(path, book.write)


def write_eco_xlsx(framework: Framework, panel: Panel, unit: str | None, path: str | Path, *,
                   period: Hashable | None = None, rule: WarningRule | None = None,
                   lang: str = "zh", source: str | None = None,
                   synthetic: bool | None = None, unapproved: bool = False) -> Path:
    """Write the attainment workbook of a supervision framework (生态文明建设指标完成情况工作簿).

    What ``report --template eco --format xlsx`` writes: every indicator
    against its target, never a composite ranking. All periods are kept (the
    five-year trend needs them); ``period`` checks that the period reported on
    is in the data.

    Parameters
    ----------
    framework : Framework
        Indicators with targets and rules (e.g. the bundled ``eco`` framework).
    panel : Panel
    unit : str or None
        Unit code or name; every unit when None.
    path : path
    period : hashable, optional
    rule : WarningRule, optional
    lang : {"zh", "en"}
    source : str, optional
        By default the panel's title or the bundled dataset's title.
    synthetic : bool, optional
        By default ``panel.meta["synthetic"]``.
    unapproved : bool
        The data are not all approved yet (未审核): the first sheet and every sheet say so.

    Returns
    -------
    Path

    Raises
    ------
    FrameworkError
        When no indicator of the framework has a target (nor is a yes/no item).
    DataError
        When the unit or the period is not in the data (from ``attainment``).
    """
    book = attainment_book(framework, panel, unit, period=period, rule=rule, lang=lang,
                           source=source, synthetic=synthetic)
    book.unapproved = unapproved
    return atomic_write(path, book.write)


def attainment_table(framework: Framework, panel: Panel, unit: str | None, *,
                     period: Hashable | None = None,
                     rule: WarningRule | None = None) -> pd.DataFrame:
    """Return the attainment of every indicator up to ``period`` (every unit when ``unit`` is None).

    Raises :class:`~zongheng.errors.FrameworkError` when no indicator has a target.
    """
    if not has_targets(framework):
        raise FrameworkError([Problem("xlsx.no_targets", {}, key="target")])
    rule = rule or WarningRule()
    periods = list(panel.periods)
    if period is not None:
        attainment(framework, panel, unit=unit, period=period, rule=rule)  # a bad period raises
        last = next(k for k, p in enumerate(periods) if p == period or str(p) == str(period))
        periods = periods[:last + 1]  # the year reported on and the years before it
    return attainment(framework, panel, unit=unit, period=periods, rule=rule)


def attainment_book(framework: Framework, panel: Panel, unit: str | None, *,
                    period: Hashable | None = None, rule: WarningRule | None = None,
                    lang: str = "zh", source: str | None = None,
                    synthetic: bool | None = None) -> AttainmentBook:
    """Return the attainment workbook of a framework and panel, to ``write``.

    See :func:`write_eco_xlsx`; raises :class:`~zongheng.errors.FrameworkError` without targets.
    """
    table = attainment_table(framework, panel, unit, period=period, rule=rule)
    meta = panel.meta
    title = framework.meta.get("title_en" if lang == "en" else "title") or None
    return AttainmentBook(table, title, lang, source or data_source(panel, lang),
                          bool(meta.get("synthetic", False) if synthetic is None else synthetic))


def write_attainment_csv(table: pd.DataFrame, path: str | Path, *, lang: str = "zh") -> Path:
    """Write an attainment table as CSV (达标情况 CSV): readable headers and words, neutralised.

    Headers and coded cells in ``lang`` (``实际值``, ``达标``, ``正向`` … or
    ``Value``, ``attained``, ``higher is better`` …), numbers rounded as the
    documents show them, UTF-8 with BOM for Excel, formula-like text behind a
    quote (:mod:`zongheng.io.safe_cells`).
    """
    return write_csv(attainment_csv_table(table, lang), path)


def attainment_csv_table(table: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Return an attainment table as its CSV shows it (see :func:`write_attainment_csv`)."""
    out = table.copy()
    if "direction" in out.columns:  # words, not "+"/"-" (which a spreadsheet takes for a formula)
        out["direction"] = out["direction"].map(
            lambda d: text(f"xlsx.dir_{d}", lang) if d in ("+", "-") else d)
    # Numbers as every document shows them: raw values to 4 significant digits, percentages to
    # the decimals of zongheng.display.
    for column in ("value", "target", "gap", "previous", "change", "slope"):
        if column in out.columns:
            out[column] = display.round_significant(out[column].to_numpy(dtype=np.float64))
    for column in ("gap_pct", "change_pct"):
        if column in out.columns:
            out[column] = out[column].astype(np.float64).round(display.DECIMALS["percent"])
    return attainment_display(out, lang)
