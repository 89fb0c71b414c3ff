"""The whole-evaluation workbook (评价结果工作簿): every unit, no focus unit.

:func:`write_results_xlsx` writes 说明, 排名, 指标值, 标准化值 and 进步 for one
period, and 历年排名 for every period (filter the 年份 column); with
``detail=True`` (what ``zongheng build -o x.xlsx`` and the demo write) also
历年指标值, 历年标准化值, 历年汇总得分, 权重 and what the treatment and
screening steps did. Sheets and headers are Chinese (or English), indicators
are named with their unit of measure, numbers keep their formats.

:class:`EvaluationBook` is also the base of the unit workbook
(:mod:`zongheng.report.xlsx.unit`), so that the tables of every unit are the
same in both.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from zongheng import datasets
from zongheng.analysis.progress import progress
from zongheng.analysis.ranking import ranking_table
from zongheng.analysis.strengths import dimension_of
from zongheng.errors import ZonghengError
from zongheng.evaluation import Evaluation
from zongheng.i18n import register_messages, text
from zongheng.io.atomic import atomic_write
from zongheng.io.results import group_label
from zongheng.report.xlsx.book import Book, Column, Table, raw_column
from zongheng.report.xlsx.formats import ARROW, PCT, RANK, SCORE, SIGNED
from zongheng.terms import method_line

__all__ = ["RESULTS_DETAIL_SHEETS", "RESULTS_SHEETS", "EvaluationBook", "results_book",
           "write_results_xlsx"]

RESULTS_SHEETS = ("about", "ranking", "values", "normalised", "progress", "history")
"""The sheets of a whole-evaluation workbook, in order."""

RESULTS_DETAIL_SHEETS = ("values_all", "normalised_all", "aggregated_all", "weights", "treated",
                         "screened")
"""The sheets ``detail=True`` adds (treatment and screening only when the steps did something)."""

SHEET_NAMES = {
    "about": ("说明", "About"), "ranking": ("排名", "Ranking"),
    "values": ("指标值", "Indicator values"), "normalised": ("标准化值", "Normalised values"),
    "progress": ("进步", "Progress"), "history": ("历年排名", "Ranks by period"),
    "values_all": ("历年指标值", "Values by period"),
    "normalised_all": ("历年标准化值", "Normalised by period"),
    "aggregated_all": ("历年汇总得分", "Scores by period"), "weights": ("权重", "Weights"),
    "treated": ("异常值处理", "Outlier treatment"), "screened": ("单位筛选", "Screening"),
    "gap": ("差距", "Gap"), "behind": ("后一名差距", "Lead over next"), "path": ("路径", "Path"),
    "strengths": ("优劣势", "Strengths"), "duties": ("责任分解", "Duties"),
    "attainment": ("达标情况", "Attainment"), "summary": ("达标汇总", "Summary"),
}

register_messages({f"xlsx.sheet_{k}": v for k, v in SHEET_NAMES.items()})
register_messages({
    "xlsx.book_title": ("{title} 评价结果", "{title}: results"),
    "xlsx.sheet_title": ("{title} · {sheet}（{period}年）", "{title} · {sheet} ({period})"),
    "xlsx.sheet_title_all": ("{title} · {sheet}（{first}–{last}年）",
                             "{title} · {sheet} ({first}–{last})"),
    "xlsx.all_units": ("全部单位中", "all units"),
    "xlsx.d_ranking": ("各单位综合指数、维度得分与排名；位次变化为较上期（▲上升 ▼下降）；绿：前3名，"
                       "红：后四分之一。",
                       "Index and dimension scores and ranks of every unit; rank change on the "
                       "previous period (▲ up ▼ down); green: top 3, red: bottom quarter."),
    "xlsx.d_values": ("各指标原始数值，表头括号内为计量单位；色阶按指标方向，绿好红差；灰色斜体"
                      "“（插补）”为缺报后按计算方法插补的值。",
                      "Raw indicator values, units of measure in brackets; colours follow each "
                      "indicator's direction, green better, red worse; grey italics "
                      "“(imputed)”: a missing value filled in by the method."),
    "xlsx.d_normalised": ("各指标标准化值：方向已统一为越高越好，可跨指标比较。",
                          "Normalised indicator values: higher is always better, comparable across "
                          "indicators."),
    "xlsx.d_progress": ("纵向比进步：得分与位次较上期（{previous}年）和较基期（{base}年）的变化。",
                        "Progress: score and rank changes on the previous period ({previous}) and "
                        "the base period ({base})."),
    "xlsx.d_history": ("各年综合指数、维度得分与排名，每个单位每年一行；用“年份”列筛选某一年。",
                       "Index and dimension scores and ranks, a row per unit and period; filter "
                       "the Period column for one year."),
    "xlsx.d_values_all": ("各年各指标原始数值，每个单位每年一行；灰色斜体“（插补）”为插补值。",
                          "Raw values, a row per unit and period; grey italics “(imputed)”: "
                          "filled in by the method."),
    "xlsx.d_normalised_all": ("各年各指标标准化值（越高越好），每个单位每年一行。",
                              "Normalised values (higher is better), a row per unit and period."),
    "xlsx.d_aggregated_all": ("各年综合指数及各级汇总得分，每个单位每年一行。",
                              "Index and aggregate scores, a row per unit and period."),
    "xlsx.d_weights": ("各指标在上级中的权重与对综合指数的有效权重（算术平均时的比重）。",
                       "Each node's weight in its parent and each indicator's effective weight "
                       "in the index (its share under an arithmetic mean)."),
    "xlsx.d_treated": ("异常值处理改变的数值：处理前与处理后。", "Values the outlier treatment "
                       "changed: before and after."),
    "xlsx.d_screened": ("因数据不足未参与排名的单位。", "Units left out of the ranking for lack of "
                        "data."),
    # columns
    "xlsx.rank": ("排名", "Rank"), "xlsx.rank_change": ("位次变化", "Rank change"),
    "xlsx.rank_in": ("组内排名（{group}）", "Rank in {group}"),
    "xlsx.rank_change_in": ("组内位次变化（{group}）", "Rank change in {group}"),
    "xlsx.code": ("代码", "Code"), "xlsx.name": ("名称", "Name"),
    "xlsx.unit_name": ("单位名称", "Unit"),
    "xlsx.score_change": ("得分较上期（分）", "Score change (points)"),
    "xlsx.points": ("{name}（分）", "{name} (points)"),
    "xlsx.measure_h": ("{name}（{unit}）", "{name} ({unit})"),
    "xlsx.p_score": ("得分（分）", "Score (points)"), "xlsx.p_change": ("较上期（分）",
                                                                    "vs previous (points)"),
    "xlsx.p_change_base": ("较{base}年（分）", "vs {base} (points)"),
    "xlsx.p_rank_change": ("位次变化", "Rank change"),
    "xlsx.p_rank_change_base": ("较{base}年位次变化", "Rank change vs {base}"),
    "xlsx.period": ("年份", "Period"), "xlsx.node": ("指标", "Node"),
    "xlsx.indicator": ("指标", "Indicator"), "xlsx.dimension": ("维度", "Dimension"),
    "xlsx.parent": ("上级", "Parent"), "xlsx.level": ("层级", "Level"),
    "xlsx.measure": ("计量单位", "Unit of measure"), "xlsx.department": ("牵头单位",
                                                                        "Lead department"),
    "xlsx.weight": ("有效权重", "Effective weight"), "xlsx.weight_in_parent": (
        "在上级中的权重", "Weight in parent"),
    "xlsx.direction": ("方向", "Direction"), "xlsx.dir_+": ("正向", "higher is better"),
    "xlsx.dir_-": ("逆向", "lower is better"),
    "xlsx.before": ("处理前", "Before"), "xlsx.after": ("处理后", "After"),
    "xlsx.availability": ("数据完整率", "Data available"),
    # the about sheet
    "xlsx.a_unit": ("评价单位", "Unit"), "xlsx.a_scope": ("对比范围", "Compared within"),
    "xlsx.a_units": ("{scope}，共 {n} 个单位", "{scope}, {n} units"),
    "xlsx.a_period": ("评价时期", "Period"),
    "xlsx.a_periods": ("{period}年（数据 {first}–{last}年）", "{period} (data {first}–{last})"),
    "xlsx.a_source": ("数据来源", "Data source"), "xlsx.a_framework": ("指标体系", "Framework"),
    "xlsx.a_framework_v": ("{title}：{n_dims} 个维度、{n_ind} 项指标",
                           "{title}: {n_dims} dimensions, {n_ind} indicators"),
    "xlsx.a_weights": ("维度权重", "Dimension weights"), "xlsx.a_method": ("计算方法", "Method"),
    "xlsx.scope_pooled": ("参数按全部年份合并确定（各年得分可比）",
                          "parameters learned from every period at once (scores compare "
                          "across years)"),
    "xlsx.scope_per_period": ("参数逐年确定", "parameters learned period by period"),
    "xlsx.scope_base": ("参数按基期 {period} 年确定", "parameters learned from the base period "
                        "{period}"),
    "xlsx.bundled_source": ("内置数据集 {name}（{kind}{n} 个单位，{span}年）",
                            "bundled dataset {name} ({n} units, {span})"),
    "xlsx.a_rank_note": ("名次说明", "Ranks"),
    "xlsx.a_rank_note_v": ("竞争排名（并列同名次，如 1, 2, 2, 4）；位次变化 = 上期名次 − 本期名次，"
                           "▲ 为上升、▼ 为下降。",
                           "Competition ranks (ties share a rank: 1, 2, 2, 4); rank change = "
                           "previous rank − rank, ▲ up, ▼ down."),
    "xlsx.a_colours": ("颜色说明", "Colours"),
    "xlsx.a_colours_v": ("名次：绿为前3名，红为后四分之一；得分色阶红→黄→绿；▲ 绿 ▼ 红；"
                         "浅黄底色为本单位所在行；灰色斜体为插补值。",
                         "Ranks: green top 3, red bottom quarter; scores red → yellow → green; "
                         "▲ green ▼ red; the focus unit's rows are light yellow; grey italics: "
                         "imputed values."),
    "xlsx.a_imputed": ("插补", "Imputed values"),
    "xlsx.a_imputed_v": ("{period}年共有 {n} 个指标值缺报，已按计算方法插补（表中灰色斜体，"
                         "标“（插补）”）。",
                         "{n} values missing in {period} were filled in by the method (grey "
                         "italics, marked “(imputed)”)."),
    "xlsx.toc_ranking": ("综合指数、维度得分、总排名与组内排名及其变化",
                         "index and dimension scores, ranks and rank changes"),
    "xlsx.toc_values": ("各指标原始数值（含计量单位）", "raw indicator values (with units)"),
    "xlsx.toc_normalised": ("各指标标准化值", "normalised indicator values"),
    "xlsx.toc_progress": ("较上期、较基期的得分与位次变化", "score and rank changes"),
    "xlsx.toc_history": ("各年得分与排名（可按年份筛选）", "scores and ranks of every period"),
    "xlsx.toc_values_all": ("各年原始数值（可按年份筛选）", "raw values of every period"),
    "xlsx.toc_normalised_all": ("各年标准化值（可按年份筛选）", "normalised values of every period"),
    "xlsx.toc_aggregated_all": ("各年各级汇总得分（可按年份筛选）",
                                "aggregate scores of every period"),
    "xlsx.toc_weights": ("权重与有效权重", "weights and effective weights"),
    "xlsx.toc_treated": ("异常值处理改变的数值", "values changed by the outlier treatment"),
    "xlsx.toc_screened": ("未参与排名的单位", "units left out of the ranking"),
})

def _dataset_title(name: object) -> str | None:
    """Return a bundled dataset's title (its README's first line), if the name is one."""
    if not isinstance(name, str):
        return None
    try:
        readme = datasets.path(name) / "README.md"
    except KeyError:
        return None
    lines = readme.read_text(encoding="utf-8").splitlines() if readme.exists() else []
    return lines[0].lstrip("# ") if lines else None


def data_source(panel: Any, lang: str) -> str:
    """Say where a panel's data come from: its title, the bundled dataset, or the file's name.

    A bundled dataset is named by the key that loads it (``--dataset tiangong_demo``)
    with its size in words, in Chinese; its README title (often bilingual) in English.
    """
    meta = panel.meta
    if meta.get("title"):
        return str(meta["title"])
    name = meta.get("dataset")
    if isinstance(name, str):
        periods = panel.periods
        span = f"{periods[0]}–{periods[-1]}" if len(periods) > 1 else str(periods[0])
        if lang == "en":
            return _dataset_title(name) or name
        kind = "合成演示数据，" if meta.get("synthetic") else ""
        return text("xlsx.bundled_source", "zh", name=name, kind=kind, n=len(panel.units),
                    span=span)
    return str(panel.source or "—")


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array is a value
        return False


def _label_value(value: Any) -> Any:
    """Group labels read as text ('2024'): keep integers as numbers so Excel filters them."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str) and value.lstrip("-").isdigit() and len(value) < 16:
        return int(value)
    return value


class EvaluationBook(Book):
    """An evaluation's workbook: everything it shows, gathered once, and the sheet writers."""

    def __init__(self, ev: Evaluation, period: Hashable, group: str | None, lang: str,
                 source: str | None, synthetic: bool | None, *, detail: bool = False,
                 focus: str | None = None) -> None:
        self.ev, self.period, self.group, self.detail = ev, period, group, detail
        meta, fw = ev.panel.meta, ev.framework
        title = fw.meta.get("title_en" if lang == "en" else "title") or fw.label(fw.root.code, lang)
        super().__init__(
            lang, str(title),
            source or data_source(ev.panel, lang),
            bool(meta.get("synthetic", False) if synthetic is None else synthetic))
        self.fw = fw
        self.root = fw.root.code
        self.dims = list(fw.dimensions)
        self.p = ev.panel.period_index(period)
        self.previous = ev.panel.periods[self.p - 1] if self.p > 0 else None
        self.base = ev.panel.periods[0]
        self.units = self._unit_table(period)
        self.n_ranked = int(self.units["rank"].notna().sum())
        self.focus_row = (int(np.flatnonzero(self.units["unit"] == focus)[0])
                          if focus is not None else None)
        self.show_code = bool((self.units["unit"] != self.units["name"]).any())
        self.scope = self.t("all_units")
        self._imputed: np.ndarray | None
        try:
            self._imputed = np.asarray(ev.stage("imputed"))
        except ZonghengError:  # built with keep="final": what was filled is not kept
            self._imputed = None

    # -- text ---------------------------------------------------------------------------------
    def label(self, code: str) -> str:
        """Return a node's name in the book's language."""
        return self.fw.label(code, self.lang)

    def measured(self, code: str) -> str:
        """Return an indicator's name with its unit of measure: ``名称（单位）``."""
        unit = getattr(self.fw.node(code), "unit", "")
        return self.t("measure_h", name=self.label(code), unit=unit) if unit else self.label(code)

    def sheet_name(self, key: str) -> str:
        """Return a sheet's name in the book's language."""
        return self.t(f"sheet_{key}")

    def group_label(self, group: str) -> str:
        """Return a group column's name as the framework declares it (``设区市``, not ``prefecture``)."""
        return group_label(self.fw, group, self.lang)

    def group_values(self, group: str, values: Sequence[Any]) -> list[Any]:
        """Return a group's labels; a yes/no group (0/1) as 是/否."""
        plain = [None if _is_missing(v) else _label_value(v) for v in values]
        known = {str(v) for v in plain if v is not None}
        if known and known <= {"0", "1", "True", "False"}:
            yes, no = self.t("yes"), self.t("no")
            return [None if v is None else yes if str(v) in ("1", "True") else no
                    for v in plain]
        return plain

    def imputed_suffix(self) -> str:
        """Return what follows an imputed value: ``（插补）``."""
        return self.t("imputed_suffix")

    # -- data ---------------------------------------------------------------------------------
    def _unit_table(self, period: Hashable) -> pd.DataFrame:
        """Every unit in the period, by rank: ranks, changes, group labels and scores."""
        ev = self.ev
        groups = [self.group] if self.group else []
        table = ranking_table(ev, period, groups=groups)
        scores = ev.ranking(period)[["unit", self.root, *self.dims]]
        table = table.merge(scores, on="unit", how="left")
        for g in ev.panel.groups:
            if g not in table.columns:
                table[g] = table["unit"].map(dict(zip(ev.panel.units, ev.panel.group(g),
                                                      strict=True)))
        return table

    def unit_rows(self, units: Sequence[str] | None = None) -> np.ndarray:
        """Positions of the units (the table's by default) on the panel's unit axis."""
        where = {u: k for k, u in enumerate(self.ev.panel.units)}
        return np.array([where[u] for u in (self.units["unit"] if units is None else units)])

    def sheets(self) -> list[tuple[str, str, Callable[[Worksheet], None]]]:
        """Return each sheet's key, name and writer, in order."""
        keys = list(RESULTS_SHEETS)
        if self.detail:
            keys += ["values_all", "normalised_all", "aggregated_all", "weights"]
            if len(self.ev.changed_points):
                keys.append("treated")
            if len(self.ev.screened):
                keys.append("screened")
        return [(k, self.sheet_name(k), getattr(self, f"_sheet_{k}")) for k in keys]

    def book_title(self) -> str:
        """Return the workbook's title."""
        return self.t("book_title", title=self.title)

    def sheet_title(self, sheet: str) -> str:
        """Return a sheet's title with its period (or span of periods)."""
        if sheet in {self.sheet_name(k) for k in ("history", *RESULTS_DETAIL_SHEETS)}:
            periods = self.ev.panel.periods
            return self.t("sheet_title_all", title=self.title, sheet=sheet, first=periods[0],
                          last=periods[-1])
        return self.t("sheet_title", title=self.title, sheet=sheet, period=self.period)

    def _group_size(self, table: Table, group_col: int) -> str:
        """Excel formula counting the rows of the row's group (the size its rank is out of)."""
        col = xl_col_to_name(group_col)
        return f"COUNTIF(${col}${table.first + 1}:${col}${table.last + 1},${col}{table.first + 1})"

    # -- unit columns shared by the wide sheets -------------------------------------------------
    def id_cols(self, units: pd.DataFrame | None = None, *, groups: bool = True,
                rank: bool = True) -> list[Column]:
        """Return the columns naming the units: rank, code (when it differs), name, groups."""
        u = self.units if units is None else units
        cols = [Column(self.t("rank"), u["rank"].tolist(), RANK, key="rank")] if rank else []
        if self.show_code:
            cols.append(Column(self.t("code"), u["unit"].tolist()))
        cols.append(Column(self.t("name"), u["name"].tolist(), key="name"))
        if groups:
            ordered = ([self.group] if self.group else []) + [
                g for g in self.ev.panel.groups if g != self.group]
            for g in ordered:
                cols.append(Column(self.group_label(g), self.group_values(g, u[g].tolist()),
                                   key=f"group:{g}"))
        return cols

    # -- sheets -------------------------------------------------------------------------------
    def _sheet_ranking(self, ws: Worksheet) -> None:
        self.heading(ws, self.sheet_name("ranking"), self.t("d_ranking"))
        u = self.units
        cols = [Column(self.t("rank"), u["rank"].tolist(), RANK, key="rank"),
                Column(self.t("rank_change"), u["rank_change"].tolist(), ARROW, key="change")]
        g = self.group
        if g:
            label = self.group_label(g)
            cols += [Column(self.t("rank_in", group=label), u[f"rank_in_{g}"].tolist(), RANK,
                            key="grank"),
                     Column(self.t("rank_change_in", group=label),
                            u[f"rank_change_in_{g}"].tolist(), ARROW, key="gchange")]
        cols += self.id_cols()[1:]
        for code in (self.root, *self.dims):
            cols.append(Column(self.t("points", name=self.label(code)), u[code].tolist(), SCORE,
                               key=code))
            if code == self.root:
                cols.append(Column(self.t("score_change"), u["score_change"].tolist(), SIGNED,
                                   key="score_change"))
        name_col = next(j for j, c in enumerate(cols) if c.key == "name")
        tab = self.table(ws, 2, cols, focus=self.focus_row, freeze_cols=name_col + 1)
        c = tab.columns
        self.lights(ws, tab.rng(c["rank"]), str(self.n_ranked))
        self.arrows(ws, tab.rng(c["change"]))
        if g:
            self.lights(ws, tab.rng(c["grank"]), self._group_size(tab, c[f"group:{g}"]))
            self.arrows(ws, tab.rng(c["gchange"]))
        self.arrows(ws, tab.rng(c["score_change"]))
        for code in (self.root, *self.dims):
            self.scale(ws, tab.rng(c[code]))

    def _indicator_columns(self, data: np.ndarray, rows: np.ndarray, *, measured: bool,
                           imputed: np.ndarray | None = None) -> tuple[list[str], list[Column]]:
        """Return a column per indicator, grouped under its dimension: raw values or scores."""
        of = dimension_of(self.fw)
        codes = [c for d in self.dims for c in self.fw.indicator_codes if of[c] == d]
        index = {c: k for k, c in enumerate(self.fw.indicator_codes)}
        cols = []
        for code in codes:
            values = data[rows, index[code]]
            options = {"cap": 12, "band": self.label(of[code]), "code": code, "key": code}
            if measured:
                guess = imputed[rows, index[code]] if imputed is not None else None
                cols.append(raw_column(self.measured(code), values.tolist(), imputed=guess,
                                       imputed_suffix=self.imputed_suffix(), **options))
            else:
                cols.append(Column(self.label(code), values.tolist(), SCORE, **options))
        return codes, cols

    def _indicator_sheet(self, ws: Worksheet, key: str, data: np.ndarray, *, measured: bool,
                         imputed: np.ndarray | None = None) -> None:
        """Write a unit per row, an indicator per column grouped under its dimension."""
        self.heading(ws, self.sheet_name(key), self.t(f"d_{key}"))
        ids = self.id_cols()
        codes, cols = self._indicator_columns(data, self.unit_rows(), measured=measured,
                                              imputed=imputed)
        tab = self.table(ws, 2, ids + cols, focus=self.focus_row, freeze_cols=len(ids))
        self.lights(ws, tab.rng(tab.columns["rank"]), str(self.n_ranked))
        for code in codes:
            worse_high = measured and self.fw.node(code).direction < 0
            self.scale(ws, tab.rng(tab.columns[code]), reverse=worse_high)

    def _sheet_values(self, ws: Worksheet) -> None:
        imputed = self._imputed[self.p] if self._imputed is not None else None
        self._indicator_sheet(ws, "values", self.ev.panel.values[self.p], measured=True,
                              imputed=imputed)

    def _sheet_normalised(self, ws: Worksheet) -> None:
        self._indicator_sheet(ws, "normalised", self.ev.stage("normalised")[self.p],
                              measured=False)

    def _sheet_progress(self, ws: Worksheet) -> None:
        previous = self.previous if self.previous is not None else "—"
        self.heading(ws, self.sheet_name("progress"),
                     self.t("d_progress", previous=previous, base=self.base))
        nodes = [self.root, *self.dims]
        prog = progress(self.ev, nodes=nodes)
        prog = prog[prog["period"] == self.period].set_index(["unit", "node"])
        ids = self.id_cols()
        cols = list(ids)
        parts = (("score", "p_score", SCORE), ("score_change", "p_change", SIGNED),
                 ("score_change_base", "p_change_base", SIGNED), ("rank", "rank", RANK),
                 ("rank_change", "p_rank_change", ARROW),
                 ("rank_change_base", "p_rank_change_base", ARROW))
        for node in nodes:
            sub = prog.xs(node, level="node").reindex(self.units["unit"])
            for column, label, fmt in parts:
                cols.append(Column(self.t(label, base=self.base), sub[column].tolist(), fmt,
                                   band=self.label(node), key=f"{node}:{column}"))
        tab = self.table(ws, 2, cols, focus=self.focus_row, freeze_cols=len(ids))
        c = tab.columns
        self.lights(ws, tab.rng(c["rank"]), str(self.n_ranked))
        for node in nodes:
            self.scale(ws, tab.rng(c[f"{node}:score"]))
            self.lights(ws, tab.rng(c[f"{node}:rank"]), str(self.n_ranked))
            for column in ("score_change", "score_change_base", "rank_change",
                           "rank_change_base"):
                self.arrows(ws, tab.rng(c[f"{node}:{column}"]))
        self.after_progress(ws, tab)

    def after_progress(self, ws: Worksheet, tab: Table) -> None:
        """Write what follows the progress table (the unit workbook adds the unit's history)."""

    # -- every period ---------------------------------------------------------------------------
    def _all_periods(self) -> pd.DataFrame:
        """Every unit and period, period by period, each sorted by rank."""
        frames = [self._unit_table(p).assign(period=p) for p in self.ev.panel.periods]
        return pd.concat(frames, ignore_index=True)

    def _period_col(self, periods: Sequence[Any]) -> Column:
        return Column(self.t("period"), [_label_value(p) for p in periods], key="period")

    def _sheet_history(self, ws: Worksheet) -> None:
        self.heading(ws, self.sheet_name("history"), self.t("d_history"))
        t = self._all_periods()
        cols = [self._period_col(t["period"]), *self.id_cols(t),
                Column(self.t("rank_change"), t["rank_change"].tolist(), ARROW, key="change")]
        g = self.group
        if g:
            cols.insert(2, Column(self.t("rank_in", group=self.group_label(g)),
                                  t[f"rank_in_{g}"].tolist(), RANK, key="grank"))
        for code in (self.root, *self.dims):
            cols.append(Column(self.t("points", name=self.label(code)), t[code].tolist(), SCORE,
                               key=code))
        name_col = next(j for j, c in enumerate(cols) if c.key == "name")
        tab = self.table(ws, 2, cols, freeze_cols=name_col + 1)
        self.lights(ws, tab.rng(tab.columns["rank"]), str(self.n_ranked))
        self.arrows(ws, tab.rng(tab.columns["change"]))
        for code in (self.root, *self.dims):
            self.scale(ws, tab.rng(tab.columns[code]))

    def _long_ids(self) -> tuple[list[Column], np.ndarray, np.ndarray]:
        """Period, code, name and groups of every unit in every period (panel order)."""
        panel = self.ev.panel
        n_p, n_u = len(panel.periods), len(panel.units)
        p = np.repeat(np.arange(n_p), n_u)
        u = np.tile(np.arange(n_u), n_p)
        names = np.asarray(panel.names(), dtype=object)
        cols = [self._period_col([panel.periods[k] for k in p])]
        if self.show_code:
            cols.append(Column(self.t("code"), [panel.units[k] for k in u]))
        cols.append(Column(self.t("name"), names[u].tolist(), key="name"))
        for g in panel.groups:
            cols.append(Column(self.group_label(g),
                               self.group_values(g, np.asarray(panel.group(g), dtype=object)[u]
                                                 .tolist()), key=f"group:{g}"))
        return cols, p, u

    def _long_sheet(self, ws: Worksheet, key: str, data: np.ndarray, *, measured: bool,
                    codes: Sequence[str] | None = None) -> None:
        self.heading(ws, self.sheet_name(key), self.t(f"d_{key}"))
        ids, p, u = self._long_ids()
        if codes is None:
            imputed = self._imputed[p, u] if measured and self._imputed is not None else None
            _, cols = self._indicator_columns(data[p, u], np.arange(len(p)), measured=measured,
                                              imputed=imputed)
        else:
            index = {c: k for k, c in enumerate(self.ev.node_codes)}
            cols = [Column(self.t("points", name=self.label(c)), data[p, u, index[c]].tolist(),
                           SCORE, code=c, key=c, cap=12) for c in codes]
        self.table(ws, 2, ids + cols, freeze_cols=len(ids))

    def _sheet_values_all(self, ws: Worksheet) -> None:
        self._long_sheet(ws, "values_all", self.ev.panel.values, measured=True)

    def _sheet_normalised_all(self, ws: Worksheet) -> None:
        self._long_sheet(ws, "normalised_all", self.ev.stage("normalised"), measured=False)

    def _sheet_aggregated_all(self, ws: Worksheet) -> None:
        aggregates = [c for c in self.ev.node_codes if c not in self.fw.indicator_codes]
        aggregates.sort(key=lambda c: -self.fw.levels[c])  # the index first
        self._long_sheet(ws, "aggregated_all", self.ev.scores, measured=False, codes=aggregates)

    def _sheet_weights(self, ws: Worksheet) -> None:
        self.heading(ws, self.sheet_name("weights"), self.t("d_weights"))
        effective = self.ev.effective_weights
        of = dimension_of(self.fw)
        codes = [c for d in self.dims for c in self.fw.indicator_codes if of[c] == d]
        within = self.ev.weights
        cols = [Column(self.t("code"), codes),
                Column(self.t("indicator"), [self.label(c) for c in codes], cap=40),
                Column(self.t("dimension"), [self.label(of[c]) for c in codes]),
                Column(self.t("measure"), [self.fw.node(c).unit for c in codes]),
                Column(self.t("direction"), [self.t(f"dir_{self.fw.node(c).direction.symbol}")
                                             for c in codes]),
                Column(self.t("weight_in_parent"), [float(within.get(c, np.nan)) for c in codes],
                       "0.000"),
                Column(self.t("weight"), [float(effective.get(c, np.nan)) for c in codes], PCT,
                       key="effective"),
                Column(self.t("department"), [self.fw.node(c).department for c in codes])]
        tab = self.table(ws, 2, cols, freeze_cols=2)
        ws.conditional_format(*tab.rng(tab.columns["effective"]), {
            "type": "data_bar", "bar_color": "#5B9BD5", "bar_solid": True, "data_bar_2010": True,
            "min_type": "num", "min_value": 0})

    def _sheet_treated(self, ws: Worksheet) -> None:
        self.heading(ws, self.sheet_name("treated"), self.t("d_treated"))
        ch = self.ev.changed_points
        names = dict(zip(self.ev.panel.units, self.ev.panel.names(), strict=True))
        cols = [self._period_col(ch["period"]),
                Column(self.t("name"), [names[u] for u in ch["unit"]], key="name"),
                Column(self.t("code"), ch["indicator"].tolist()),
                Column(self.t("indicator"), [self.measured(c) for c in ch["indicator"]], cap=40),
                raw_column(self.t("before"), ch["before"].tolist()),
                raw_column(self.t("after"), ch["after"].tolist())]
        self.table(ws, 2, cols, freeze_cols=2)

    def _sheet_screened(self, ws: Worksheet) -> None:
        self.heading(ws, self.sheet_name("screened"), self.t("d_screened"))
        s = self.ev.screened
        names = dict(zip(self.ev.panel.units, self.ev.panel.names(), strict=True))
        cols = [self._period_col(s["period"]),
                Column(self.t("name"), [names[u] for u in s["unit"]], key="name"),
                Column(self.t("availability"), s["availability"].tolist(), PCT)]
        self.table(ws, 2, cols, freeze_cols=2)

    # -- about ----------------------------------------------------------------------------------
    def about_rows(self) -> list[tuple[str, str, bool]]:
        """Return the item/content rows of the about sheet, before the sheet list."""
        rows: list[tuple[str, str, bool]] = []
        if self.synthetic:
            rows.append((self.t("a_data_note"), self.t("synthetic"), True))
        rows += self.unit_rows_about()
        periods = self.ev.panel.periods
        weights = self.ev.weights
        sep = "；" if self.lang == "zh" else "; "
        rows += [
            (self.t("a_scope"), self.t("a_units", scope=self.scope.removesuffix("中"),
                                       n=self.scope_size()), False),
            (self.t("a_period"), self.t("a_periods", period=self.period, first=periods[0],
                                        last=periods[-1]), False),
            (self.t("a_source"), str(self.source), False),
            (self.t("a_framework"), self.t("a_framework_v", title=self.title,
                                           n_dims=len(self.dims),
                                           n_ind=len(self.fw.indicator_codes)), False),
            (self.t("a_weights"), sep.join(f"{self.label(d)} {weights.get(d, 1.0):g}"
                                           for d in self.dims), False),
            (self.t("a_method"), self.method_text(), False),
            (self.t("a_rank_note"), self.t("a_rank_note_v"), False),
            (self.t("a_colours"), self.t("a_colours_v"), False)]
        rows += self.imputed_rows()
        return rows

    def unit_rows_about(self) -> list[tuple[str, str, bool]]:
        """Return the about rows on the focus unit (none here)."""
        return []

    def scope_size(self) -> int:
        """Return how many units are compared."""
        return self.n_ranked

    def imputed_rows(self) -> list[tuple[str, str, bool]]:
        """Return the about rows on missing and imputed values."""
        n = int(np.isnan(self.ev.panel.values[self.p]).sum())
        if n == 0 or self._imputed is None:
            return []
        return [(self.t("a_imputed"), self.t("a_imputed_v", period=self.period, n=n), False)]

    def method_text(self) -> str:
        """Return the method in words (标准化：功效系数法 …) and how its parameters were learned."""
        scope = str(self.ev.method.scope)
        if scope.startswith("base:"):
            learned = self.t("scope_base", period=scope.partition(":")[2])
        else:
            learned = self.t("scope_per_period" if scope == "per_period" else "scope_pooled")
        end = "。" if self.lang == "zh" else "."
        return method_line(self.ev.method, self.lang) + end + "\n" + learned + end

    def about_keys(self) -> list[str]:
        """Return the keys of the sheets the about sheet lists."""
        return [k for k, _, _ in self.sheets()][1:]

    def _sheet_about(self, ws: Worksheet) -> None:
        toc = [(self.sheet_name(k), self.t(f"toc_{k}")) for k in self.about_keys()]
        from zongheng import __version__

        rows = [*self.about_rows(), (self.t("a_tool"), f"zongheng {__version__}", False)]
        self.about(ws, rows, toc)


def write_results_xlsx(ev: Evaluation, path: str | Path, *, group: str | None = None,
                       period: Hashable | None = None, lang: str = "zh",
                       source: str | None = None, synthetic: bool | None = None,
                       detail: bool = False) -> Path:
    """Write the results workbook of a whole evaluation (评价结果工作簿).

    Sheets 说明, 排名, 指标值, 标准化值, 进步 (one period) and 历年排名 (every
    period, filter the 年份 column); with ``detail`` also 历年指标值,
    历年标准化值, 历年汇总得分, 权重, and 异常值处理 / 单位筛选 when those steps
    changed anything.

    Parameters
    ----------
    ev : Evaluation
    path : path
        The ``.xlsx`` file; written to a temporary name and moved into place.
    group : str, optional
        A group column: adds the rank within each unit's group and its change.
    period : hashable, optional
        The period of the one-period sheets; the last by default.
    lang : {"zh", "en"}
        Sheet names and labels.
    source : str, optional
        Where the data come from; by default the panel's title, the bundled
        dataset's title, or the data file's name.
    synthetic : bool, optional
        Say on every sheet that the data are synthetic; ``panel.meta["synthetic"]`` by default.
    detail : bool
        Add the sheets of every period and the steps' records.

    Returns
    -------
    Path

    Raises
    ------
    FrameworkError
        For a target-attainment framework without any target.

    Notes
    -----
    A target-attainment framework (生态文明建设 supervision indicators) gets the
    attainment workbook of every unit instead: never a composite ranking.
    """
    book = results_book(ev, group=group, period=period, lang=lang, source=source,
                        synthetic=synthetic, detail=detail)
    return atomic_write(path, book.write)


def results_book(ev: Evaluation, *, group: str | None = None, period: Hashable | None = None,
                 lang: str = "zh", source: str | None = None, synthetic: bool | None = None,
                 detail: bool = False) -> Book:
    """Return the workbook of a whole evaluation, to ``write`` (see :func:`write_results_xlsx`).

    An attainment framework gives the attainment workbook of every unit, up to ``period``.
    """
    from zongheng.report.targets import is_attainment
    from zongheng.report.xlsx.attainment import attainment_book

    if is_attainment(ev.framework):
        return attainment_book(ev.framework, ev.panel, None, period=period, lang=lang,
                               source=source, synthetic=synthetic)
    p = ev.panel.period_index(period) if period is not None else len(ev.panel.periods) - 1
    return EvaluationBook(ev, ev.panel.periods[p], group, lang, source, synthetic, detail=detail)
