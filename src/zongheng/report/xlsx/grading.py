"""The 亩均 grading workbook (亩均效益评价工作簿): grades, distribution, D list, benchmarks.

What ``zongheng grade -o x.xlsx`` writes, on the generic writer
(:mod:`zongheng.report.xlsx.book`): Chinese sheets and headers, scores with 2
decimals, 位次百分比 and shares as percentages, raw values and 基准值 with 4
significant digits and their unit of measure, frozen headers and name
columns, filters, print titles and fit to the page width. A firm's name that
looks like a formula is written as text. With ``by_branch`` each branch gets
its own sheet, named uniquely within Excel's 31 characters.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml
from xlsxwriter.worksheet import Worksheet

from zongheng.enterprise.export import headers, localised
from zongheng.enterprise.rule import GRADES
from zongheng.i18n import MESSAGES, register_messages
from zongheng.io.atomic import atomic_write
from zongheng.report.xlsx.book import Book, Column, raw_column
from zongheng.report.xlsx.formats import PCT, RANK, SCORE

if TYPE_CHECKING:
    from zongheng.enterprise.muyun import GradingResult

__all__ = ["GradingBook", "write_grading_xlsx"]

register_messages({
    "xlsx.g_title": ("亩均效益综合评价结果", "Per-mu efficiency grading"),
    "xlsx.g_sheet_about": ("说明", "About"), "xlsx.g_sheet_grades": ("评价结果", "Grades"),
    "xlsx.g_sheet_distribution": ("等级分布", "Distribution"),
    "xlsx.g_sheet_d_list": ("D类名单", "D list"), "xlsx.g_sheet_benchmarks": ("基准值", "Benchmarks"),
    "xlsx.g_sheet_rule": ("评价办法", "Rule"),
    "xlsx.g_d_grades": ("每家企业一行：各指标原始值与得分、总分、排名、位次百分比（排名/参评企业数，"
                        "越小越靠前）和等级。",
                        "A firm per row: raw values and scores, total, rank, percentile from the "
                        "top (rank / firms graded, smaller is better) and grade."),
    "xlsx.g_d_branch": ("{branch}：每家企业一行，各指标原始值与得分、总分、排名、位次百分比和等级。",
                        "{branch}: a firm per row, raw values, scores, total, rank, percentile and "
                        "grade."),
    "xlsx.g_d_distribution": ("各评价分组的定级企业数与 A/B/C/D 类企业数及占比。",
                              "Firms graded and the count and share of each grade per branch."),
    "xlsx.g_d_d_list": ("D类企业名单（低效整治对象），含最弱的指标及其得分率。",
                        "The D firms (for remediation) with their weakest indicators."),
    "xlsx.g_d_benchmarks": ("各分组各指标的权重与基准值（计量单位见右列）；基准值来源于参评企业。",
                            "Weight and benchmark of each indicator per branch (unit of measure "
                            "in its column); benchmarks are learned from the firms graded."),
    "xlsx.g_d_rule": ("本次评价所用的评价办法（可另存为 YAML 文件复用）。",
                      "The grading rule used (can be saved as a YAML file and reused)."),
    "xlsx.g_firms": ("参评企业", "Firms"),
    "xlsx.g_firms_v": ("共 {n} 家，定级 {graded} 家", "{n} firms, {graded} graded"),
    "xlsx.g_cap": ("得分上限", "Score cap"),
    "xlsx.g_uncapped": ("单项得分不设上限：得分 = 权重 × 实际值 / 基准值，远高于基准值的企业单项得分可超过"
                        "其权重（总分可超过 100 分）。如需封顶，在评价办法中设 cap（如 1.5 即单项最多得"
                        "权重的 1.5 倍）。",
                        "Item scores are not capped: score = weight × value / benchmark, so a firm "
                        "far above the benchmark scores more than the weight (the total can exceed "
                        "100). Set cap in the rule (e.g. 1.5: at most 1.5 × the weight) to cap them."),
    "xlsx.g_capped": ("单项得分最多为权重的 {cap} 倍。", "An item scores at most {cap} × its weight."),
    "xlsx.g_percentile": ("位次百分比", "Percentile"),
    "xlsx.g_percentile_v": ("排名 ÷ 定级企业数，以百分比表示，越小越靠前（如 5.0% 为前 5%）。",
                            "Rank ÷ firms graded, as a percentage; smaller is better (5.0%: the "
                            "top 5%)."),
    "xlsx.g_measure": ("计量单位", "Unit of measure"),
    "xlsx.g_all": ("合计", "all"),
    "xlsx.g_toc_grades": ("每家企业的指标值、得分、排名与等级", "each firm's values, scores, rank, grade"),
    "xlsx.g_toc_branch": ("本分组企业的指标值、得分、排名与等级", "the branch's firms and grades"),
    "xlsx.g_toc_distribution": ("各分组 A/B/C/D 类企业数与占比", "grade counts and shares"),
    "xlsx.g_toc_d_list": ("D类企业名单（低效整治对象）", "the D firms, for remediation"),
    "xlsx.g_toc_benchmarks": ("权重、基准值与计量单位", "weights, benchmarks, units"),
    "xlsx.g_toc_rule": ("评价办法全文", "the grading rule"),
    # where a benchmark came from (GradingResult.benchmarks["source"])
    "xlsx.g_src_total": ("参评企业总量之比（合计÷合计）", "ratio of the totals of the firms"),
    "xlsx.g_src_mean": ("参评企业平均值", "mean of the firms"),
    "xlsx.g_src_median": ("参评企业中位数", "median of the firms"),
    "xlsx.g_src_given": ("评价办法给定", "given in the rule"),
    "xlsx.g_src_efficacy": ("功效系数法（最小值–最大值）", "efficacy (minimum–maximum)"),
})

# Columns shown as percentages (fractions in the data) and as counts.
_PERCENT = {"percentile", *(f"{g}_share" for g in GRADES)}
_COUNT = {"rank", "firms", "graded", "not_graded", "population", *GRADES}


class GradingBook(Book):
    """The grading workbook: about, grades (or a sheet per branch), distribution, D list, benchmarks, rule."""

    def __init__(self, result: GradingResult, lang: str, by_branch: bool, source: object = "—",
                 synthetic: bool = False) -> None:
        super().__init__(lang, "", source, synthetic)
        self.title = self.t("g_title")
        self.result, self.by_branch = result, by_branch
        self.fw = result.framework
        self.header = headers(result, lang)

    def book_title(self) -> str:
        """Return the workbook's title."""
        return self.title

    def sheets(self) -> list[tuple[str, str, Callable[[Worksheet], None]]]:
        """Return each sheet's key, name and writer, in order."""
        out: list[tuple[str, str, Callable[[Worksheet], None]]] = [
            ("about", self.t("g_sheet_about"), self._sheet_about)]
        if self.by_branch:
            for b in self.result.rule.branches:
                out.append(("branch", b.label(self.lang), self._branch_writer(b.name)))
        else:
            out.append(("grades", self.t("g_sheet_grades"), self._sheet_grades))
        out += [(k, self.t(f"g_sheet_{k}"), getattr(self, f"_sheet_{k}"))
                for k in ("distribution", "d_list", "benchmarks", "rule")]
        return out

    # -- columns --------------------------------------------------------------------------------
    def columns(self, frame: pd.DataFrame) -> list[Column]:
        """Return a column per column of a result frame, with its header and number format."""
        shown = localised(self.result, frame, self.lang)
        indicators = set(self.result.indicators)
        cols = []
        for code, header in zip(frame.columns, shown.columns, strict=True):
            values = shown[header].astype(object).where(shown[header].notna(), None).tolist()
            code = str(code)
            if code in indicators or code in ("benchmark", "low", "high"):
                cols.append(raw_column(header, values, key=code))
            elif code in _PERCENT or (code.startswith("weakest_") and code.endswith("_share")):
                cols.append(Column(header, values, PCT, key=code))
            elif code in _COUNT:
                cols.append(Column(header, values, RANK, key=code))
            elif code.endswith("_score") or code == "total":
                cols.append(Column(header, values, SCORE, key=code))
            elif code == "weight":
                cols.append(Column(header, values, "General", key=code))
            else:
                cols.append(Column(header, values, cap=30 if code == "name" else None, key=code))
        return cols

    def _firm_sheet(self, ws: Worksheet, frame: pd.DataFrame, description: str) -> None:
        self.heading(ws, ws.name, description)
        cols = self.columns(frame.reset_index(drop=True))
        names = [j for j, c in enumerate(cols) if c.key == "name"]
        tab = self.table(ws, 2, cols, freeze_cols=(names[0] + 1) if names else 0)
        if "grade" in tab.columns:
            self.words(ws, tab.rng(tab.columns["grade"]), [("A", "#006100", "#C6EFCE"),
                                                           ("D", "#9C0006", "#FFC7CE")])

    # -- sheets ---------------------------------------------------------------------------------
    def _sheet_grades(self, ws: Worksheet) -> None:
        self._firm_sheet(ws, self.result.grades, self.t("g_d_grades"))

    def _branch_writer(self, branch: str) -> Callable[[Worksheet], None]:
        label = next(b.label(self.lang) for b in self.result.rule.branches if b.name == branch)

        def write(ws: Worksheet) -> None:
            self._firm_sheet(ws, self.result.branch(branch), self.t("g_d_branch", branch=label))
        return write

    def _sheet_distribution(self, ws: Worksheet) -> None:
        self.heading(ws, ws.name, self.t("g_d_distribution"))
        dist = self.result.distribution.copy()
        dist["branch"] = dist["branch"].astype(object).replace("all", self.t("g_all"))
        self.table(ws, 2, self.columns(dist), freeze_cols=1)

    def _sheet_d_list(self, ws: Worksheet) -> None:
        self._firm_sheet(ws, self.result.d_list, self.t("g_d_d_list"))

    def _sheet_benchmarks(self, ws: Worksheet) -> None:
        self.heading(ws, ws.name, self.t("g_d_benchmarks"))
        b = self.result.benchmarks.reset_index(drop=True).copy()
        b["source"] = [self.t(f"g_src_{s}") if f"xlsx.g_src_{s}" in MESSAGES else s
                       for s in b["source"].astype(object)]
        cols = self.columns(b)
        units = [getattr(self.fw.node(c), "unit", "") or "" for c in b["indicator"]]
        at = next(j for j, c in enumerate(cols) if c.key == "benchmark") + 1
        cols.insert(at, Column(self.t("g_measure"), units, key="measure"))
        self.table(ws, 2, cols, freeze_cols=2)

    def _sheet_rule(self, ws: Worksheet) -> None:
        self.heading(ws, ws.name, self.t("g_d_rule"))
        text = yaml.safe_dump(self.result.rule.to_dict(), allow_unicode=True, sort_keys=False)
        self.table(ws, 2, [Column(self.t("g_sheet_rule"), text.splitlines(), cap=80)],
                   autofilter=False, print_titles=True)

    def _sheet_about(self, ws: Worksheet) -> None:
        r = self.result
        rows: list[tuple[str, str, bool]] = []
        if self.synthetic:
            rows.append((self.t("a_data_note"), self.t("synthetic"), True))
        total = r.distribution[r.distribution["branch"] == "all"]
        n = int(total["firms"].iloc[0]) if len(total) else len(r.grades)
        graded = int(total["graded"].iloc[0]) if len(total) else int(r.grades["grade"].notna().sum())
        cap = r.rule.cap
        rows += [(self.t("g_firms"), self.t("g_firms_v", n=n, graded=graded), False),
                 (self.t("g_percentile"), self.t("g_percentile_v"), False),
                 (self.t("g_cap"), self.t("g_capped", cap=f"{cap:g}") if cap is not None
                  else self.t("g_uncapped"), cap is None)]
        if self.source not in (None, "", "—"):
            rows.append((self.t("a_source"), str(self.source), False))
        from zongheng import __version__

        rows.append((self.t("a_tool"), f"zongheng {__version__}", False))
        keys = [key for key, _, _ in self.sheets()][1:]
        toc = [(name, self.t(f"g_toc_{key}"))
               for key, name in zip(keys, self.sheet_names()[1:], strict=True)]
        self.about(ws, rows, toc)


def write_grading_xlsx(result: GradingResult, path: str | Path, *, lang: str = "zh",
                       by_branch: bool = False, source: Any = "—",
                       synthetic: bool = False) -> Path:
    """Write a 亩均 grading as a formatted workbook (亩均效益评价工作簿), atomically.

    Parameters
    ----------
    result : GradingResult
        From :func:`zongheng.enterprise.grade_enterprises`.
    path : path
    lang : {"zh", "en"}
    by_branch : bool
        A sheet per branch (规上, 规下 …) instead of one grade list; names are
        made unique within 31 characters, so no branch replaces another.
    source : str, optional
        Where the table came from.
    synthetic : bool
        Say on every sheet that the data are synthetic.

    Returns
    -------
    Path
    """
    return atomic_write(path, GradingBook(result, lang, by_branch, source, synthetic).write)
