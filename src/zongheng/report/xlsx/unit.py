"""A unit's results workbook (单位评价结果工作簿): the whole evaluation seen from one unit.

:func:`write_xlsx` writes, from a :class:`~zongheng.report.brief.UnitBrief`,
the sheets of the whole-evaluation workbook with the unit's rows highlighted
(说明, 排名, 指标值, 标准化值, 进步 with the unit's history) and the
unit's analyses: 差距 (to the unit one place up), 后一名差距 (the lead over
the unit one place down: 保三), 路径, 优劣势 and 责任分解.

Numbers are the brief's: a needed value is stored as the path rounded it
(toward improvement, so the figure shown is enough), a change is computed from
the two values as shown, and an imputed value is written in grey with
``（插补）`` after it, never as the unit's own result.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from zongheng import display
from zongheng.analysis.gap import GapResult
from zongheng.i18n import register_messages
from zongheng.io.atomic import atomic_write
from zongheng.report.brief import UnitBrief
from zongheng.report.targets import is_attainment
from zongheng.report.xlsx.attainment import write_eco_xlsx
from zongheng.report.xlsx.book import GREEN_FONT, RED_FONT, Column, Table, cell_value, raw_column
from zongheng.report.xlsx.evaluation import EvaluationBook
from zongheng.report.xlsx.formats import ARROW, PCT, RANK, SCORE, SIGNED, SIGNED_PCT, shown_value

__all__ = ["SHEETS", "UnitBook", "write_xlsx"]

SHEETS = ("about", "ranking", "values", "normalised", "progress", "gap", "behind", "path",
          "strengths", "duties")
"""The sheets of a unit's workbook, in order."""

register_messages({
    "xlsx.book_title_unit": ("{title} 评价结果：{unit}", "{title}: results for {unit}"),
    "xlsx.scope_group": ("{label}（{group}）", "{label} ({group})"),
    "xlsx.d_gap": ("找差距：{unit}与上一名{peer}的综合得分差距逐项分解到指标，各项贡献合计等于差距；"
                   "正值为对标单位领先（红条），负值为本单位领先（绿条）。",
                   "Gap: the index gap between {unit} and {peer}, the unit one place up, split by "
                   "indicator; the contributions add up to the gap; positive: the peer leads "
                   "(red bar), negative: {unit} leads (green bar)."),
    "xlsx.d_gap_none": ("{unit}在{scope}已排第一，无需对标上一名。",
                        "{unit} is first in {scope}: no unit above to compare with."),
    "xlsx.d_behind": ("保位次：{unit}领先后一名{peer} {lead} 分，逐项分解到指标；正值为{peer}"
                      "领先的指标（红条，需防被追赶），负值为{unit}领先的指标（绿条）。",
                      "Holding the rank: {unit} leads {peer}, the unit one place down, by {lead} "
                      "points, split by indicator; positive: {peer} leads (red bar, where it can "
                      "catch up), negative: {unit} leads (green bar)."),
    "xlsx.d_behind_none": ("{unit}在{scope}排在最后，没有后一名。",
                           "{unit} is last in {scope}: no unit behind."),
    "xlsx.d_path": ("找路径：{unit}在{scope}达到第{target}名所需的最小指标改变（现值 → 需达到），"
                    "按改变幅度排序；需达到值已按 4 位有效数字向改进方向取整，照此填报即够。",
                    "Path: the least change of indicators that takes {unit} to rank {target} in "
                    "{scope} (now → needed), largest relative change first; needed values are "
                    "rounded toward improvement to 4 significant digits, so the figure shown is "
                    "enough."),
    "xlsx.d_path_none": ("{unit}在{scope}现居第{rank}名，已达到目标名次，无需路径。",
                         "{unit} already holds the target rank in {scope} (now rank {rank})."),
    "xlsx.d_strengths": ("找问题：{unit}在{scope}排名靠前的优势指标、靠后的短板指标和较上期下降的"
                         "指标；插补值不算优势或短板。",
                         "Strengths, weaknesses and declines of {unit} within {scope}; imputed "
                         "values are neither."),
    "xlsx.d_duties": ("责任分解：按牵头单位列出短板、下降指标和路径提升任务。",
                      "Duties: weak and declining indicators and path changes per lead "
                      "department."),
    "xlsx.history": ("{unit} 历年得分与名次", "{unit} over the periods"),
    "xlsx.unit_value": ("本单位值", "Unit value"), "xlsx.peer_value": ("对标值", "Peer value"),
    "xlsx.unit_norm": ("本单位标准化值", "Unit normalised"),
    "xlsx.peer_norm": ("对标标准化值", "Peer normalised"),
    "xlsx.contribution": ("贡献（分）", "Contribution (points)"),
    "xlsx.share": ("占差距比重", "Share of gap"), "xlsx.who": ("对象", "Who"),
    "xlsx.this_unit": ("本单位", "This unit"), "xlsx.peer": ("对标单位", "Peer"),
    "xlsx.gap": ("差距", "Gap"), "xlsx.subtotals": ("分维度小计", "Subtotals by dimension"),
    "xlsx.total": ("合计", "Total"),
    "xlsx.unit_score": ("本单位得分（分）", "Unit score (points)"),
    "xlsx.peer_score": ("对标得分（分）", "Peer score (points)"),
    "xlsx.group_rank": ("组内名次", "Rank in group"),
    "xlsx.now": ("现值", "Now"), "xlsx.needed": ("需达到", "Needed"),
    "xlsx.change": ("变化", "Change"), "xlsx.change_pct": ("变化率", "Change (%)"),
    "xlsx.effort_share": ("努力占比", "Share of effort"),
    "xlsx.current_rank": ("当前名次", "Current rank"), "xlsx.target_rank": ("目标名次",
                                                                           "Target rank"),
    "xlsx.current_score": ("当前得分（分）", "Current score (points)"),
    "xlsx.needed_score": ("需达到得分（分）", "Needed score (points)"),
    "xlsx.achieved_rank": ("调整后名次（完整重建验证）", "Rank after the change (full rebuild)"),
    "xlsx.achieved_score": ("调整后得分（分）", "Score after the change (points)"),
    "xlsx.reachable": ("目标可达", "Target reachable"),
    "xlsx.best_rank": ("可达最好名次", "Best reachable rank"),
    "xlsx.margin": ("安全余量（分）", "Safety margin (points)"),
    "xlsx.kind": ("类型", "Kind"), "xlsx.group_size": ("组内单位数", "Units in group"),
    "xlsx.normalised": ("标准化值", "Normalised"), "xlsx.current": ("本期值", "Value"),
    "xlsx.previous": ("上期值", "Previous"), "xlsx.change_norm": ("标准化值变化",
                                                                   "Normalised change"),
    "xlsx.k_strength": ("优势", "strength"), "xlsx.k_weakness": ("短板", "weakness"),
    "xlsx.k_declined": ("下降", "declined"), "xlsx.k_path": ("路径提升", "path"),
    "xlsx.issue": ("事项", "Issue"),
    "xlsx.a_gap_method": ("差距方法", "Gap method"), "xlsx.a_path_method": ("路径方法",
                                                                            "Path method"),
    "xlsx.a_missing": ("缺报指标", "Missing values"),
    "xlsx.a_missing_v": ("{code} {name}：{value}", "{code} {name}: {value}"),
    "xlsx.a_notes": ("注意", "Notes"),
    "xlsx.a_goal": ("目标", "Goal"),
    "xlsx.a_goal_v": ("{goal}（现居第{rank}名，目标第{target}名）",
                      "{goal} (now rank {rank}, target {target})"),
    "xlsx.toc_gap": ("与上一名的差距分解", "the gap to the unit above, by indicator"),
    "xlsx.toc_behind": ("对后一名的领先分解（保位次）", "the lead over the unit below"),
    "xlsx.toc_path": ("达到目标名次的路径", "the path to the target rank"),
    "xlsx.toc_strengths": ("优势、短板与下降指标", "strengths, weaknesses, declines"),
    "xlsx.toc_duties": ("按牵头单位的责任分解", "duties by lead department"),
})


class UnitBook(EvaluationBook):
    """The whole-evaluation sheets with one unit highlighted, and the unit's analyses."""

    def __init__(self, brief: UnitBrief, lang: str, source: str | None,
                 synthetic: bool | None) -> None:
        self.brief = brief
        super().__init__(brief.evaluation, brief.period, brief.group, lang, source, synthetic,
                         focus=brief.unit)
        if brief.group is not None:
            self.scope = self.t("scope_group", label=brief.peers[brief.group].iloc[0],
                                group=self.group_label(brief.group))

    def sheets(self) -> list[tuple[str, str, Callable[[Worksheet], None]]]:
        """Return each sheet's key, name and writer, in order."""
        return [(k, self.sheet_name(k), getattr(self, f"_sheet_{k}")) for k in SHEETS]

    def book_title(self) -> str:
        """Return the workbook's title, naming the unit."""
        return self.t("book_title_unit", title=self.title, unit=self.brief.name)

    # -- the unit's numbers ---------------------------------------------------------------------
    def _imputed_at(self, unit: str | None) -> np.ndarray | None:
        """Return a unit's imputed values in the brief's period (None if not kept or no unit)."""
        if self._imputed is None or unit is None or unit not in self.ev.panel.units:
            return None
        return self._imputed[self.p, self.ev.panel.units.index(unit)]

    def _imputed_for(self, unit: str | None, codes: list[str]) -> list[float] | None:
        row = self._imputed_at(unit)
        if row is None:
            return None
        index = {c: k for k, c in enumerate(self.fw.indicator_codes)}
        return [float(row[index[c]]) if c in index else np.nan for c in codes]

    # -- progress: the unit's history below -----------------------------------------------------
    def after_progress(self, ws: Worksheet, tab: Table) -> None:
        """Write the focus unit's scores and ranks over every period (from the brief)."""
        brief, top = self.brief, tab.last + 3
        self.write_text(ws, top, 0, self.t("history", unit=brief.name),
                        self.f(bold=True, font_size=12))
        h = brief.progress.merge(brief.history[["period", "node", "rank_in_group"]],
                                 on=["period", "node"], how="left")
        cols = [self._period_col(h["period"]),
                Column(self.t("node"), [self.label(n) for n in h["node"]]),
                Column(self.t("p_score"), h["score"].tolist(), SCORE, key="score"),
                Column(self.t("p_change"), h["score_change"].tolist(), SIGNED,
                       key="d1"),
                Column(self.t("p_change_base", base=self.base), h["score_change_base"].tolist(),
                       SIGNED, key="d2"),
                Column(self.t("rank"), h["rank"].tolist(), RANK, key="rank")]
        if self.group:
            cols.append(Column(self.t("rank_in", group=self.group_label(self.group)),
                               h["rank_in_group"].tolist(), RANK))
        cols += [Column(self.t("p_rank_change"), h["rank_change"].tolist(), ARROW, key="r1"),
                 Column(self.t("p_rank_change_base", base=self.base),
                        h["rank_change_base"].tolist(), ARROW, key="r2")]
        hist = self.table(ws, top + 1, cols, autofilter=False)
        for key in ("d1", "d2", "r1", "r2"):
            self.arrows(ws, hist.rng(hist.columns[key]))

    # -- gap, both ways -------------------------------------------------------------------------
    def _sheet_gap(self, ws: Worksheet) -> None:
        brief = self.brief
        if brief.gap is None:
            self.heading(ws, self.sheet_name("gap"),
                         self.t("d_gap_none", unit=brief.name, scope=self.scope))
            return
        self.heading(ws, self.sheet_name("gap"),
                     self.t("d_gap", unit=brief.name, peer=brief.gap.peer_name))
        self._gap_tables(ws, brief.gap)

    def _sheet_behind(self, ws: Worksheet) -> None:
        brief = self.brief
        g = brief.behind
        if g is None:
            self.heading(ws, self.sheet_name("behind"),
                         self.t("d_behind_none", unit=brief.name, scope=self.scope))
            return
        lead = display.score(-display.difference(g.peer_score, g.unit_score))
        self.heading(ws, self.sheet_name("behind"),
                     self.t("d_behind", unit=brief.name, peer=g.peer_name, lead=lead))
        self._gap_tables(ws, g)

    def _gap_tables(self, ws: Worksheet, g: GapResult) -> None:
        ind = g.indicators
        codes = ind["indicator"].tolist()
        cols = [Column(self.t("code"), codes),
                Column(self.t("indicator"), [self.label(c) for c in codes], cap=40),
                Column(self.t("dimension"), [self.label(d) for d in ind["dimension"]]),
                Column(self.t("measure"), ind["unit_of_measure"].tolist()),
                Column(self.t("department"), ind["department"].tolist()),
                Column(self.t("weight"), ind["effective_weight"].tolist(), PCT),
                raw_column(self.t("unit_value"), ind["unit_value"].tolist(),
                           imputed=self._imputed_for(g.unit, codes),
                           imputed_suffix=self.imputed_suffix()),
                raw_column(self.t("peer_value"), ind["peer_value"].tolist(),
                           imputed=self._imputed_for(g.peer, codes),
                           imputed_suffix=self.imputed_suffix()),
                Column(self.t("unit_norm"), ind["unit_normalised"].tolist(), SCORE),
                Column(self.t("peer_norm"), ind["peer_normalised"].tolist(), SCORE),
                Column(self.t("contribution"), ind["contribution"].tolist(), SCORE,
                       key="contribution"),
                Column(self.t("share"), ind["share"].tolist(), PCT)]
        top = self._gap_summary(ws, g)
        tab = self.table(ws, top, cols, freeze_cols=2)
        self.bars(ws, tab.rng(tab.columns["contribution"]))
        # Dimension subtotals below the table, outside the filter, ending with the total.
        row = tab.last + 2
        self.write_text(ws, row, 0, self.t("subtotals"), self.f(bold=True, font_size=12))
        d = g.dimensions
        sub = [Column(self.t("code"), [*d["dimension"], ""]),
               Column(self.t("dimension"), [*[self.label(x) for x in d["dimension"]],
                                            self.t("total")]),
               Column(self.t("unit_score"), [*d["unit_score"], g.unit_score], SCORE),
               Column(self.t("peer_score"), [*d["peer_score"], g.peer_score], SCORE),
               Column(self.t("contribution"), [*d["contribution"], g.total], SCORE, key="c"),
               Column(self.t("share"), [*d["share"], d["share"].sum()], PCT)]
        sub_tab = self.table(ws, row + 1, sub, autofilter=False)
        self.bars(ws, (sub_tab.first, sub_tab.columns["c"], sub_tab.last - 1,
                       sub_tab.columns["c"]))
        for j in range(len(sub)):
            self.write_value(ws, sub_tab.last, j, sub[j].values[-1],
                             self.f.cell(sub[j].fmt, bold=True, top=2))
        self.notes(ws, sub_tab.last + 2, g.notes)

    def _gap_summary(self, ws: Worksheet, g: GapResult) -> int:
        """本单位 / 对标单位 / 差距 with score and rank; return the row after it.

        The gap is the difference of the two scores as shown, so the reader's subtraction checks.
        """
        gap = display.difference(g.peer_score, g.unit_score)
        cols = [Column(self.t("who"), [self.t("this_unit"), self.t("peer"), self.t("gap")]),
                Column(self.t("name"), [g.unit_name, g.peer_name, ""]),
                Column(self.t("p_score"), [g.unit_score, g.peer_score, gap], SCORE),
                Column(self.t("group_rank"), [g.unit_rank, g.peer_rank, None], RANK)]
        return self.table(ws, 2, cols, focus=0, autofilter=False).last + 2

    # -- path -------------------------------------------------------------------------------------
    def _sheet_path(self, ws: Worksheet) -> None:
        brief = self.brief
        r = brief.path
        if r is None:
            self.heading(ws, self.sheet_name("path"),
                         self.t("d_path_none", unit=brief.name, scope=self.scope, rank=brief.rank))
            return
        self.heading(ws, self.sheet_name("path"),
                     self.t("d_path", unit=brief.name, scope=self.scope, target=r.target_rank))
        # Scores as shown (2 decimals): the achieved score of a reachable plan never shows below
        # the needed one.
        needed_score = display.shown(r.needed_score)
        achieved = display.shown(r.achieved_score)
        summary = [Column(self.t("current_rank"), [r.current_rank], RANK),
                   Column(self.t("target_rank"), [r.target_rank], RANK),
                   Column(self.t("current_score"), [r.current_score], SCORE),
                   Column(self.t("needed_score"), [needed_score], SCORE),
                   Column(self.t("achieved_rank"), [r.achieved_rank], RANK),
                   Column(self.t("achieved_score"), [achieved], SCORE),
                   Column(self.t("reachable"), [bool(r.reachable and r.achieved_rank
                                                     <= r.target_rank)]),
                   Column(self.t("best_rank"), [r.best_rank], RANK)]
        if r.margin:
            summary.append(Column(self.t("margin"), [r.margin], SCORE))
        head = self.table(ws, 2, summary, focus=0, autofilter=False)
        top = head.last + 2
        ch = r.changes
        codes = ch["indicator"].tolist()
        sign = [1 if d == "+" else -1 if d == "-" else None for d in ch["direction"]]
        now = [shown_value(x) for x in ch["now"]]
        needed = [shown_value(x, direction=d) for x, d in zip(ch["needed"], sign, strict=True)]
        change = [_shown_difference(a, b) for a, b in zip(now, needed, strict=True)]
        direction = [self.t(f"dir_{d}") if d in ("+", "-") else d for d in ch["direction"]]
        cols = [Column(self.t("code"), codes),
                Column(self.t("indicator"), [self.label(c) for c in codes], cap=40),
                Column(self.t("measure"), ch["measure"].tolist()),
                Column(self.t("direction"), direction),
                raw_column(self.t("now"), ch["now"].tolist()),
                raw_column(self.t("needed"), needed, direction=sign, key="needed"),
                raw_column(self.t("change"), change, signed=True),
                Column(self.t("change_pct"), (ch["change_pct"] / 100).tolist(), SIGNED_PCT,
                       key="pct"),
                Column(self.t("effort_share"), ch["effort_share"].tolist(), PCT, key="effort"),
                Column(self.t("department"), ch["department"].tolist())]
        tab = self.table(ws, top, cols, freeze_cols=2)
        ws.conditional_format(*tab.rng(tab.columns["effort"]),
                              {"type": "data_bar", "bar_color": "#5B9BD5", "bar_solid": True,
                               "data_bar_2010": True, "min_type": "num", "min_value": 0,
                               "max_type": "num", "max_value": 1})
        # The plain-language assumption; the solver's own notes stay out of the document.
        self.notes(ws, tab.last + 2, [r.assumption])

    # -- strengths and duties ---------------------------------------------------------------------
    def _sheet_strengths(self, ws: Worksheet) -> None:
        brief = self.brief
        self.heading(ws, self.sheet_name("strengths"),
                     self.t("d_strengths", unit=brief.name, scope=self.scope))
        s = brief.strengths
        imputed = s["imputed"].tolist() if "imputed" in s.columns else None
        cols = [Column(self.t("kind"), [self.t(f"k_{k}") for k in s["kind"]], key="kind"),
                Column(self.t("code"), s["indicator"].tolist()),
                Column(self.t("indicator"), [self.label(c) for c in s["indicator"]], cap=40),
                Column(self.t("dimension"), [self.label(d) for d in s["dimension"]]),
                Column(self.t("group_rank"), s["rank"].tolist(), RANK, key="rank"),
                Column(self.t("group_size"), s["group_size"].tolist(), RANK, key="size"),
                Column(self.t("normalised"), s["normalised"].tolist(), SCORE, key="norm"),
                raw_column(self.t("current"), s["value"].tolist(), imputed=imputed,
                           imputed_suffix=self.imputed_suffix()),
                raw_column(self.t("previous"), s["previous"].tolist()),
                Column(self.t("measure"), s["unit_of_measure"].tolist()),
                raw_column(self.t("change"), s["change"].tolist(), signed=True),
                Column(self.t("change_norm"), s["change_normalised"].tolist(),
                       SIGNED, key="dnorm"),
                Column(self.t("department"), s["department"].tolist())]
        tab = self.table(ws, 2, cols, freeze_cols=3)
        c = tab.columns
        size = xl_rowcol_to_cell(tab.first, c["size"], col_abs=True, row_abs=False)
        self.lights(ws, tab.rng(c["rank"]), size)
        self.arrows(ws, tab.rng(c["dnorm"]))
        self.scale(ws, tab.rng(c["norm"]))
        self.words(ws, tab.rng(c["kind"]), [(self.t("k_strength"), GREEN_FONT, None),
                                            (self.t("k_weakness"), RED_FONT, None),
                                            (self.t("k_declined"), "#C65911", None)])

    def _sheet_duties(self, ws: Worksheet) -> None:
        self.heading(ws, self.sheet_name("duties"), self.t("d_duties"))
        d = self.brief.duties
        codes = d["indicator"].tolist()
        nodes = [self.fw.node(c) for c in codes]
        sign = [int(n.direction) if hasattr(n, "direction") else None for n in nodes]
        needed = [shown_value(x, direction=s) if cell_value(x) is not None else np.nan
                  for x, s in zip(d["needed"], sign, strict=True)]
        cols = [Column(self.t("department"), d["department"].tolist()),
                Column(self.t("code"), codes),
                Column(self.t("indicator"), [self.label(c) for c in codes], cap=40),
                Column(self.t("issue"), [self.t(f"k_{k}") for k in d["issue"]], key="issue"),
                raw_column(self.t("now"), d["now"].tolist()),
                raw_column(self.t("needed"), needed, direction=sign),
                Column(self.t("measure"), [getattr(n, "unit", "") for n in nodes])]
        tab = self.table(ws, 2, cols, freeze_cols=1)
        self.words(ws, tab.rng(tab.columns["issue"]), [(self.t("k_weakness"), RED_FONT, None),
                                                       (self.t("k_declined"), "#C65911", None),
                                                       (self.t("k_path"), "#1F4E79", None)])

    # -- about --------------------------------------------------------------------------------------
    def scope_size(self) -> int:
        """Return how many units the unit is compared with (its group)."""
        return len(self.brief.peers)

    def unit_rows_about(self) -> list[tuple[str, str, bool]]:
        """Return the about rows on the unit and its goal (保三争二)."""
        brief = self.brief
        rows = [(self.t("a_unit"), brief.name, False)]
        if brief.target_rank is not None and brief.target_rank != brief.rank:
            from zongheng.i18n import using_lang

            with using_lang(self.lang):
                goal = brief.goal
            rows.append((self.t("a_goal"), self.t("a_goal_v", goal=goal, rank=brief.rank,
                                                  target=brief.target_rank), False))
        return rows

    def imputed_rows(self) -> list[tuple[str, str, bool]]:
        """Return the about rows on missing values, the analyses' methods and the brief's notes."""
        rows = super().imputed_rows()
        brief = self.brief
        m = brief.missing
        if m is not None and len(m):
            sep = "；" if self.lang == "zh" else "; "
            items = []
            for code, guess in zip(m["indicator"], m["imputed"], strict=True):
                shown = (display.value(guess) + self.imputed_suffix()
                         if cell_value(guess) is not None else display.MISSING)
                items.append(self.t("a_missing_v", code=code, name=self.label(code), value=shown))
            rows.append((self.t("a_missing"), sep.join(items), False))
        if brief.gap is not None:
            rows.append((self.t("a_gap_method"), "\n".join(brief.gap.notes), False))
        if brief.path is not None:
            rows.append((self.t("a_path_method"), brief.path.assumption, False))
        if brief.notes:
            rows.append((self.t("a_notes"), "\n".join(brief.notes), True))
        return rows

    def about_keys(self) -> list[str]:
        """Return the keys of the sheets the about sheet lists."""
        return list(SHEETS[1:])


def _shown_difference(a: float, b: float) -> float:
    """``b − a`` from two values as shown, to the decimals they show (the reader's subtraction)."""
    if not (np.isfinite(a) and np.isfinite(b)):
        return np.nan
    decimals = max(_places(a), _places(b))
    return round(b - a, decimals)


def _places(x: float) -> int:
    shown = display.value(x)
    return len(shown.partition(".")[2])


def write_xlsx(brief: UnitBrief, path: str | Path, *, lang: str = "zh",
               source: str | None = None, synthetic: bool | None = None,
               unapproved: bool = False) -> Path:
    """Write a unit's results workbook (单位评价结果工作簿).

    Parameters
    ----------
    brief : UnitBrief
        From :func:`~zongheng.report.brief.unit_brief`; every number shown comes from it or
        from its evaluation.
    path : path
        The ``.xlsx`` file; written to a temporary name and moved into place.
    lang : {"zh", "en"}
        Sheet names and labels.
    source : str, optional
        Where the data come from; by default the title of the bundled dataset the panel came
        from (``panel.meta["dataset"]``), else the data file's name.
    synthetic : bool, optional
        Say on every sheet that the data are synthetic; ``panel.meta["synthetic"]`` (set by
        :func:`zongheng.datasets.load`) by default.
    unapproved : bool
        The data are not all approved yet (未审核): the first sheet and every sheet say so.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import zongheng as zh
    >>> from zongheng.report.brief import unit_brief
    >>> ds = zh.datasets.load("tiangong_demo")
    >>> ev = zh.build(ds.framework, ds.panel, ds.method)
    >>> brief = unit_brief(ev, "永康市", group="设区市", target_rank=2)
    >>> write_xlsx(brief, "永康市.xlsx", source=ds.title, synthetic=ds.synthetic)  # doctest: +SKIP

    A target-attainment framework (生态文明建设 supervision indicators) gets the
    unit's attainment workbook instead (:func:`~zongheng.report.xlsx.write_eco_xlsx`):
    never a composite score, rank, gap or path.
    """
    fw = brief.evaluation.framework
    if is_attainment(fw):
        return write_eco_xlsx(fw, brief.evaluation.panel, brief.unit, path, period=brief.period,
                              lang=lang, source=source, synthetic=synthetic, unapproved=unapproved)
    book = UnitBook(brief, lang, source, synthetic)
    book.unapproved = unapproved
    return atomic_write(path, book.write)
