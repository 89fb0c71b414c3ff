"""天工鼎评价分析报告 (Word draft): the evaluation analysis of one unit.

Every number comes from a :class:`~zongheng.report.brief.UnitBrief`, so the
Word draft says what the HTML page and the Excel workbook say. Sentences made
from data state facts only; what officials must judge or decide is left as
marked placeholders (【待填写：…】).

Sections: 一、总体情况 (score, ranks, change on last year, award), 二、指标分析
(dimensions, strengths, weaknesses, declines with lead departments), 三、差距分析
(gap to the unit one place up), 四、路径建议 (least change to the target rank,
verified by rebuilding), 五、责任分解 (per lead department).
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from docx.document import Document as DocumentObject

from zongheng.io.atomic import atomic_write
from zongheng.report import charts
from zongheng.report.brief import UnitBrief
from zongheng.report.docx_style import (
    add_caption,
    add_heading,
    add_note,
    add_paragraph,
    add_picture,
    add_placeholder,
    add_table,
    add_title,
    is_synthetic,
    join,
    new_document,
    num,
    signed,
    with_unit,
)

__all__ = ["write_tiangong_docx"]

# Measures counted in whole items: a needed value is rounded up to a whole number.
_COUNTS = {"家", "个", "件", "项", "起", "人", "次", "座", "亩"}

# Every sentence in both languages; {placeholders} are filled from the brief.
_T: dict[str, tuple[str, str]] = {
    "title": ("{name}{year}年|{framework}分析报告", "{framework}:|analysis for {name}, {year}"),
    "synthetic": ("（本报告使用合成演示数据，数值不代表任何地区的真实统计）",
                  "(This report uses synthetic demo data; the numbers are no region's statistics.)"),
    "h1": ("一、总体情况", "1. Overview"),
    "h2": ("二、指标分析", "2. Indicators"),
    "h3": ("三、差距分析", "3. Gap analysis"),
    "h4": ("四、路径建议", "4. Path to the target rank"),
    "h5": ("五、责任分解", "5. Duties by lead department"),
    "h2_1": ("（一）分项得分", "(1) Dimension scores"),
    "h2_2": ("（二）优势指标", "(2) Strengths"),
    "h2_3": ("（三）短板指标", "(3) Weaknesses"),
    "h2_4": ("（四）下降指标", "(4) Declines"),
    "h3_1": ("（一）分维度差距", "(1) Gap by dimension"),
    "h3_2": ("（二）差距最大的指标", "(2) Indicators with the largest gaps"),
    "units": ("个县（市、区）", " units"),
    "score_sentence": ("{year}年，{name}{index}得分{score}分",
                       "In {year}, {name} scored {score} on the {index}"),
    "in_group": ("，在{group}{n}个县（市、区）中排第{rank}位，{change}",
                 ", ranked {rank} of {n} in {group} ({change})"),
    "overall": ("；在参评的{n}个县（市、区）中排第{rank}位，{change}",
                "; {rank} of all {n} units ({change})"),
    "score_change": ("。得分比上年{direction}{delta}分。",
                     ". The score {direction} by {delta} points on last year."),
    "up": ("提高", "rose"), "down": ("下降", "fell"),
    "same_score": ("。得分与上年持平。", ". The score was unchanged on last year."),
    "rank_up": ("比上年上升{k}位", "up {k} on last year"),
    "rank_down": ("比上年下降{k}位", "down {k} on last year"),
    "rank_same": ("与上年持平", "same as last year"),
    "rank_first": ("上年无排名", "no rank last year"),
    "award_won": ("{year}年入选“{award}”（{selection}，排第{rank}位），已连续{run}年入选。",
                  "In {year} it won the {award} award ({selection}, rank {rank}), {run} year(s) in a row."),
    "award_streak": ("本年度获评“{streak}”（连续{k}年入选）。",
                     "This year it earns the {streak} award ({k} wins in a row)."),
    "award_toward": ("再连续入选{left}年可获评“{streak}”。",
                     "{left} more win(s) in a row earn the {streak} award."),
    "award_lost": ("{year}年未入选“{award}”（{selection}前{top}名入选，{name}排第{rank}位）。",
                   "In {year} it did not win the {award} award ({selection}: top {top}; "
                   "{name} ranked {rank})."),
    "award_lost_plain": ("{year}年未入选“{award}”。", "In {year} it did not win the {award} award."),
    "t_history": ("表{n}  {name}历年{index}得分与排名", "Table {n}. {name}: {index} score and rank by year"),
    "c_year": ("年份", "Year"), "c_score": ("得分（分）", "Score (points)"),
    "c_change": ("较上年（分）", "Change (points)"),
    "c_rank_group": ("{group}排名", "Rank in {group}"), "c_rank_all": ("总排名", "Overall rank"),
    "c_rank": ("排名", "Rank"),
    "dims_sentence": ("{n}个维度中，{best}得分最高（{best_score}分，{group}第{best_rank}位）；"
                      "在{group}排名最低的是{worst}（第{worst_rank}位，得分{worst_score}分）。",
                      "Of the {n} dimensions, {best} scores highest "
                      "({best_score}, rank {best_rank} in {group}); "
                      "the lowest rank in {group} is {worst}'s (rank {worst_rank}; score {worst_score})."),
    "t_dims": ("表{n}  {name}分项得分", "Table {n}. {name}: dimension scores"),
    "c_dim": ("维度", "Dimension"), "c_median": ("{group}中位数（分）", "{group} median"),
    "f_dims": ("图{n}  {name}分项得分与{group}中位数、上一名对比",
               "Figure {n}. {name}: dimension scores against the {group} median and the unit above"),
    "median": ("{group}中位数", "{group} median"),
    "strength_sentence": ("在{group}{n}个县（市、区）中，{name}有{k}项指标排名前列（第1至{top}位），"
                          "{shown}。", "In {group} ({n} units), {name} ranks near the top (1 to {top}) on "
                          "{k} indicators; {shown}."),
    "shown_all": ("列示如下", "listed below"),
    "shown_some": ("按排名列前{m}项", "the best {m} are listed"),
    "t_strengths": ("表{n}  优势指标", "Table {n}. Strengths"),
    "weak_sentence": ("{name}有{k}项指标在{group}排名靠后（第{low}至{high}位）。",
                      "{name} ranks near the bottom of {group} (ranks {low} to {high}) on {k} indicators."),
    "t_weak": ("表{n}  短板指标", "Table {n}. Weaknesses"),
    "decl_sentence": ("与上年相比，{name}有{k}项指标数值向不利方向变化，变化最大的{m}项列示如下。",
                      "On last year, {k} indicators of {name} moved the wrong way; "
                      "the {m} largest are listed."),
    "t_decl": ("表{n}  数值下降的指标", "Table {n}. Indicators that moved the wrong way"),
    "none": ("无。", "None."),
    "c_ind": ("指标", "Indicator"), "c_measure": ("单位", "Unit"), "c_value": ("实际值", "Value"),
    "c_prev": ("上年值", "Last year"), "c_now": ("本年值", "This year"),
    "c_delta": ("变化", "Change"), "c_dept": ("牵头单位", "Lead department"),
    "gap_sentence": ("{year}年，{name}得分{score}分，在{group}排第{rank}位；上一名{peer}得分{peer_score}分，"
                     "{name}落后{gap}分。", "In {year}, {name} scored {score} (rank {rank} in {group}); "
                     "{peer}, one place up, scored {peer_score}: a gap of {gap} points."),
    "gap_leader": ("{name}在{group}排第1位，没有排名更前的对标单位，本节不作差距分解。",
                   "{name} ranks first in {group}: there is no unit above to compare with."),
    "gap_dims": ("从维度看，差距主要来自{behind}", "By dimension, the gap comes from {behind}"),
    "gap_dim_item": ("{dim}（{c}分，占{s}%）", "{dim} ({c} points, {s}%)"),
    "gap_ahead": ("；{ahead}", "; {name} leads on {ahead}"),
    "gap_ahead_item": ("{dim}领先{c}分", "{dim} by {c} points"),
    "sep": ("、", ", "),
    "gap_method": ("（差距分解方法：各指标对差距的贡献为两单位在该指标上的加权得分之差，"
                   "合计等于综合得分差距。）",
                   "(Method: an indicator's contribution is the difference of the two units' weighted "
                   "scores on it; the contributions add up to the gap.)"),
    "gap_method_other": ("（差距分解方法：{method}。）", "(Method: {method}.)"),
    "t_gap_dims": ("表{n}  {name}与{peer}分维度差距", "Table {n}. {name} and {peer}: gap by dimension"),
    "c_contrib": ("对差距贡献（分）", "Contribution (points)"), "c_share": ("占差距（%）", "Share (%)"),
    "f_gap": ("图{n}  {name}到{peer}的得分差距分解", "Figure {n}. From {name}'s score to {peer}'s"),
    "t_gap_inds": ("表{n}  差距最大的{m}项指标", "Table {n}. The {m} indicators with the largest gaps"),
    "gap_inds_sentence": ("差距最大的{m}项指标合计贡献{c}分，列示如下。",
                          "The {m} indicators with the largest gaps contribute {c} points together."),
    "path_none": ("{name}在{group}排第{rank}位，已达到目标名次（第{target}位），不需测算提升路径。",
                  "{name} ranks {rank} in {group}, at or above the target rank {target}: no path is needed."),
    "path_goal": ("目标：在{group}升至第{target}位。以最小调整量测算，{name}综合得分需达到{needed}分"
                  "（比现在提高{delta}分），需调整{k}项指标，见表{t}。",
                  "Target: rank {target} in {group}. With the least change, {name} needs a score of {needed} "
                  "({delta} more points), changing {k} indicators (Table {t})."),
    "path_result": ("按表{t}数值调整后重新计算评价，{name}综合得分{score}分，在{group}排第{rank}位。",
                    "With the values of Table {t}, the evaluation rebuilt gives {name} {score} points, "
                    "rank {rank} in {group}."),
    "path_unreachable": ("在每项指标的调整限度内达不到第{target}位，最好可达第{best}位。",
                         "Within the limits on each indicator the target rank {target} is out of reach; "
                         "the best rank is {best}."),
    "path_assumption": ("测算假设：其他县（市、区）的数值保持不变；测算时各指标的标准化参数（最大值、最小值、"
                        "缩尾界限等）和权重按本年度评价结果固定不变；调整后的数据已完整重新计算一遍评价"
                        "（参数重新计算）加以验证。",
                        "Assumptions: the other units' values stay as they are; while solving, the "
                        "normalisation parameters (maxima, minima, caps) and the weights are held at this "
                        "year's values; the answer was checked by rebuilding the whole evaluation with the "
                        "changed data (parameters learned again)."),
    "t_path": ("表{n}  {name}升至{group}第{target}位的指标调整路径",
               "Table {n}. {name}: indicator changes to reach rank {target} in {group}"),
    "c_needed": ("需达到", "Needed"), "c_change_pct": ("变化率（%）", "Change (%)"),
    "ph_path": ("【待填写：对上述路径可行性的研判意见和争先进位目标】",
                "[TO BE WRITTEN: judgement on the feasibility of this path and the target]"),
    "duties_sentence": ("按牵头单位分解，共涉及{d}个牵头单位、{k}项指标（短板、下降或路径中需提升的指标）。",
                        "By lead department: {d} departments and {k} indicators (weak, declining or in "
                        "the path)."),
    "t_duties": ("表{n}  责任分解", "Table {n}. Duties by lead department"),
    "c_issue": ("问题", "Issue"), "c_target": ("需达到（路径）", "Needed (path)"),
    "issue_weakness": ("短板（{group}第{rank}位）", "weak (rank {rank} in {group})"),
    "issue_declined": ("比上年下降", "fell on last year"),
    "issue_path": ("路径中需提升", "to raise (path)"),
    "ph_duties": ("【待填写：下一步工作举措（由各牵头单位提出具体措施、责任人和完成时限）】",
                  "[TO BE WRITTEN: next steps (each lead department: measures, "
                  "who is responsible, deadline)]"),
    "all_units": ("全部单位", "all units"),
}


def _t(key: str, lang: str, **kw: Any) -> str:
    return _T[key][1 if lang == "en" else 0].format(**kw)


@dataclass
class _Numbering:
    """Running numbers of tables and figures (表1、图1 …)."""

    table: int = 0
    figure: int = 0
    labels: list[str] = field(default_factory=list)

    def next_table(self) -> int:
        self.table += 1
        return self.table

    def next_figure(self) -> int:
        self.figure += 1
        return self.figure


@dataclass(frozen=True)
class _Facts:
    """The facts of the brief that every section reuses."""

    brief: UnitBrief
    lang: str
    year: str
    previous: Hashable | None
    root: str
    index_name: str
    group_label: str
    group_size: int
    overall_size: int
    measures: dict[str, str]

    def label(self, code: str) -> str:
        return self.brief.evaluation.framework.label(code, self.lang)

    def value(self, x: object, code: str, decimals: int | None = None) -> str:
        return with_unit(num(x, decimals), self.measures.get(code, ""), self.lang)


def _facts(brief: UnitBrief, lang: str) -> _Facts:
    ev = brief.evaluation
    fw = ev.framework
    root = fw.root.code
    p = ev.panel.period_index(brief.period)
    scores = ev.scores[p, :, ev.node_codes.index(root)]
    if brief.group:
        label = str(brief.peers.loc[brief.peers["unit"] == brief.unit, brief.group].iloc[0])
    else:
        label = _t("all_units", lang)
    size = int(np.isfinite(brief.peers[root].to_numpy(dtype=float)).sum())
    return _Facts(brief, lang, str(brief.period), ev.panel.periods[p - 1] if p > 0 else None, root,
                  fw.label(root, lang), label, size, int(np.isfinite(scores).sum()),
                  {i.code: i.unit for i in fw.indicators})


def _rank_change(now: object, before: object, lang: str) -> str:
    if now is None or before is None or pd.isna(now) or pd.isna(before):  # type: ignore[arg-type]
        return _t("rank_first", lang)
    climbed = int(before) - int(now)  # type: ignore[call-overload]
    if climbed > 0:
        return _t("rank_up", lang, k=climbed)
    if climbed < 0:
        return _t("rank_down", lang, k=-climbed)
    return _t("rank_same", lang)


def _history(f: _Facts, node: str) -> pd.DataFrame:
    h = f.brief.history
    return h[h["node"] == node].reset_index(drop=True)


# -- 一、总体情况 ------------------------------------------------------------------------------


def _overview(doc: DocumentObject, f: _Facts, n: _Numbering) -> None:
    lang, b = f.lang, f.brief
    add_heading(doc, _t("h1", lang))
    hist = _history(f, f.root)
    now = hist[hist["period"] == b.period].iloc[0]
    before = hist[hist["period"] == f.previous].iloc[0] if f.previous is not None else None
    text = _t("score_sentence", lang, year=f.year, name=b.name, index=f.index_name,
              score=num(b.score, 1))
    if b.group:
        text += _t("in_group", lang, group=f.group_label, n=f.group_size, rank=b.rank,
                   change=_rank_change(b.rank, None if before is None else before["rank_in_group"],
                                       lang))
    text += _t("overall", lang, n=f.overall_size, rank=int(now["rank"]),
               change=_rank_change(int(now["rank"]), None if before is None else before["rank"],
                                   lang))
    if before is not None:
        delta = float(now["score"]) - float(before["score"])
        if round(delta, 1) == 0:
            text += _t("same_score", lang)
        else:
            text += _t("score_change", lang, direction=_t("up" if delta > 0 else "down", lang),
                       delta=num(abs(delta), 1))
    else:
        text += "。" if lang == "zh" else "."
    add_paragraph(doc, join(lang, text, _award_text(f)))

    t = n.next_table()
    add_caption(doc, _t("t_history", lang, n=t, name=b.name, index=f.index_name))
    header = [_t("c_year", lang), _t("c_score", lang), _t("c_change", lang)]
    if b.group:
        header.append(_t("c_rank_group", lang, group=f.group_label))
    header.append(_t("c_rank_all", lang))
    rows = []
    previous_score = None
    for _, r in hist.iterrows():
        row = [str(r["period"]), num(r["score"], 1),
               signed(r["score"] - previous_score, 1) if previous_score is not None else "—"]
        if b.group:
            row.append(num(r["rank_in_group"], 0))
        row.append(num(r["rank"], 0))
        rows.append(row)
        previous_score = r["score"]
    widths = [2.6, 3.2, 3.2, 3.2, 3.2] if b.group else [3.4, 4.0, 4.0, 4.0]
    add_table(doc, header, rows, widths_cm=widths, align="c" * len(header))


def _award_text(f: _Facts) -> str:
    """Return the award sentence (入选情况), or ``""`` when the framework has no award."""
    b, lang = f.brief, f.lang
    award = b.award
    if award is None:
        return ""
    rule = award.rule
    ev = b.evaluation
    won = award.winners[(award.winners["unit"] == b.unit)
                        & (award.winners["period"].astype(str) == f.year)]
    if len(won):
        r = won.iloc[0]
        text = _t("award_won", lang, year=f.year, award=rule.name, selection=r["rule"],
                  rank=int(r["rank"]), run=int(r["run"]))
        streak = rule.streak
        if streak is not None:
            st = award.streaks[(award.streaks["unit"] == b.unit)
                               & (award.streaks["period"].astype(str) == f.year)]
            if len(st) and bool(st.iloc[0]["awarded"]):
                text = join(lang, text, _t("award_streak", lang, streak=streak.name,
                                           k=streak.consecutive))
            elif len(st) and not pd.isna(st.iloc[0]["toward"]):
                left = int(streak.consecutive - int(st.iloc[0]["toward"]))
                if left > 0:
                    text = join(lang, text, _t("award_toward", lang, left=left,
                                               streak=streak.name))
        return text
    # Not a winner: name the selection the unit competes in and its rank there.
    p = ev.panel.period_index(b.period)
    u = ev.panel.units.index(b.unit)
    node = ev.node_codes.index(rule.node or f.root)
    for sel in rule.rules:
        if sel.group is None:
            rank = ev.ranks[p, u, node]
        else:
            labels = ev.panel.group(sel.group)
            if str(labels[u]) != str(sel.value):
                continue
            rank = ev.group_ranks(sel.group)[p, u, node]
        if not math.isnan(rank):
            return _t("award_lost", lang, year=f.year, award=rule.name, selection=sel.name,
                      top=sel.top, name=b.name, rank=int(rank))
    return _t("award_lost_plain", lang, year=f.year, award=rule.name)


# -- 二、指标分析 ------------------------------------------------------------------------------


def _indicators(doc: DocumentObject, f: _Facts, n: _Numbering) -> None:
    lang, b = f.lang, f.brief
    ev = b.evaluation
    dims = list(ev.framework.dimensions)
    add_heading(doc, _t("h2", lang))
    add_heading(doc, _t("h2_1", lang), level=2)
    hist = b.history[b.history["period"] == b.period].set_index("node")
    prog = b.progress[b.progress["period"] == b.period].set_index("node")
    medians = {d: float(np.nanmedian(b.peers[d].to_numpy(dtype=float))) for d in dims}
    rank_col = "rank_in_group" if b.group else "rank"
    ranks = {d: int(hist.loc[d, rank_col]) for d in dims}
    best = max(dims, key=lambda d: float(hist.loc[d, "score"]))
    low = max(ranks.values())
    worst = [d for d in dims if ranks[d] == low]
    sep = _t("sep", lang)
    add_paragraph(doc, _t("dims_sentence", lang, n=len(dims), best=f.label(best),
                          best_score=num(hist.loc[best, "score"], 1), group=f.group_label,
                          best_rank=ranks[best], worst=sep.join(f.label(d) for d in worst),
                          worst_rank=low, worst_score=sep.join(
                              num(hist.loc[d, "score"], 1) for d in worst)))
    t = n.next_table()
    add_caption(doc, _t("t_dims", lang, n=t, name=b.name))
    rows = [[f.label(d), num(hist.loc[d, "score"], 1), signed(prog.loc[d, "score_change"], 1),
             str(ranks[d]), num(medians[d], 1)] for d in dims]
    add_table(doc, [_t("c_dim", lang), _t("c_score", lang), _t("c_change", lang),
                    _t("c_rank_group", lang, group=f.group_label),
                    _t("c_median", lang, group=f.group_label)], rows,
              widths_cm=[3.6, 2.8, 2.8, 3.0, 3.4], align="lcccc")
    series = {b.name: [float(hist.loc[d, "score"]) for d in dims],
              _t("median", lang, group=f.group_label): [medians[d] for d in dims]}
    if b.gap is not None:
        peer = b.peers[b.peers["unit"] == b.gap.peer]
        series[b.gap.peer_name] = [float(peer[d].iloc[0]) for d in dims]
    png = charts.bars([f.label(d) for d in dims], series, ylabel=_t("c_score", lang))
    add_picture(doc, png, _t("f_dims", lang, n=n.next_figure(), name=b.name, group=f.group_label))

    sw = b.strengths
    _strengths(doc, f, n, sw[sw["kind"] == "strength"].sort_values("rank", kind="stable"))
    _weaknesses(doc, f, n, sw[sw["kind"] == "weakness"].sort_values("rank", ascending=False,
                                                                      kind="stable"))
    _declines(doc, f, n, sw[sw["kind"] == "declined"])


def _strengths(doc: DocumentObject, f: _Facts, n: _Numbering, rows: pd.DataFrame,
               limit: int = 10) -> None:
    lang, b = f.lang, f.brief
    add_heading(doc, _t("h2_2", lang), level=2)
    if rows.empty:
        add_paragraph(doc, _t("none", lang))
        return
    shown = rows.head(limit)
    add_paragraph(doc, _t("strength_sentence", lang, group=f.group_label, n=f.group_size,
                          name=b.name, k=len(rows), top=int(rows["rank"].max()),
                          shown=_t("shown_all", lang) if len(rows) <= limit
                          else _t("shown_some", lang, m=limit)))
    add_caption(doc, _t("t_strengths", lang, n=n.next_table()))
    add_table(doc, [_t("c_ind", lang), _t("c_dim", lang), _t("c_value", lang),
                    _t("c_rank_group", lang, group=f.group_label), _t("c_dept", lang)],
              [[_ind_name(f, r), f.label(r["dimension"]), f.value(r["value"], r["indicator"]),
                str(int(r["rank"])), r["department"] or "—"] for _, r in shown.iterrows()],
              widths_cm=[5.4, 2.0, 3.0, 2.4, 2.8], align="lcrcc")


def _ind_name(f: _Facts, r: pd.Series) -> str:
    return f.label(r["indicator"]) if f.lang == "en" else str(r["name"])


def _weaknesses(doc: DocumentObject, f: _Facts, n: _Numbering, rows: pd.DataFrame) -> None:
    lang, b = f.lang, f.brief
    add_heading(doc, _t("h2_3", lang), level=2)
    if rows.empty:
        add_paragraph(doc, _t("none", lang))
        return
    add_paragraph(doc, _t("weak_sentence", lang, name=b.name, k=len(rows), group=f.group_label,
                          low=int(rows["rank"].min()), high=int(rows["rank"].max())))
    add_caption(doc, _t("t_weak", lang, n=n.next_table()))
    add_table(doc, [_t("c_ind", lang), _t("c_dim", lang), _t("c_value", lang),
                    _t("c_rank_group", lang, group=f.group_label), _t("c_delta", lang),
                    _t("c_dept", lang)],
              [[_ind_name(f, r), f.label(r["dimension"]), f.value(r["value"], r["indicator"]),
                str(int(r["rank"])), _change(f, r["change"], r["indicator"]),
                r["department"] or "—"] for _, r in rows.iterrows()],
              widths_cm=[4.2, 1.8, 2.2, 1.6, 3.2, 2.6], align="lcrcrc")


def _change(f: _Facts, x: object, code: str) -> str:
    return with_unit(signed(x), f.measures.get(code, ""), f.lang, change=True)


def _declines(doc: DocumentObject, f: _Facts, n: _Numbering, rows: pd.DataFrame,
              limit: int = 10) -> None:
    lang, b = f.lang, f.brief
    add_heading(doc, _t("h2_4", lang), level=2)
    if rows.empty:
        add_paragraph(doc, _t("none", lang))
        return
    shown = rows.head(limit)
    add_paragraph(doc, _t("decl_sentence", lang, name=b.name, k=len(rows), m=len(shown)))
    add_caption(doc, _t("t_decl", lang, n=n.next_table()))
    add_table(doc, [_t("c_ind", lang), _t("c_prev", lang), _t("c_now", lang),
                    _t("c_delta", lang), _t("c_dept", lang)],
              [[_ind_name(f, r), f.value(r["previous"], r["indicator"]),
                f.value(r["value"], r["indicator"]), _change(f, r["change"], r["indicator"]),
                r["department"] or "—"] for _, r in shown.iterrows()],
              widths_cm=[4.8, 2.4, 2.4, 3.2, 2.8], align="lrrrc")


# -- 三、差距分析 ------------------------------------------------------------------------------


def _gap(doc: DocumentObject, f: _Facts, n: _Numbering, top: int = 8) -> None:
    lang, b = f.lang, f.brief
    add_heading(doc, _t("h3", lang))
    g = b.gap
    if g is None:
        add_paragraph(doc, _t("gap_leader", lang, name=b.name, group=f.group_label))
        return
    text = _t("gap_sentence", lang, year=f.year, name=b.name, score=num(g.unit_score, 1),
              group=f.group_label, rank=g.unit_rank, peer=g.peer_name,
              peer_score=num(g.peer_score, 1), gap=num(g.gap, 2))
    dims = g.dimensions.sort_values("contribution", ascending=False, kind="stable")
    sep = _t("sep", lang)
    behind = [_t("gap_dim_item", lang, dim=f.label(r["dimension"]), c=num(r["contribution"], 2),
                 s=num(r["share"] * 100, 1)) for _, r in dims.iterrows() if r["contribution"] > 0]
    ahead = [_t("gap_ahead_item", lang, dim=f.label(r["dimension"]), c=num(-r["contribution"], 2))
             for _, r in dims.iterrows() if r["contribution"] < 0]
    if behind:
        dims_text = _t("gap_dims", lang, behind=sep.join(behind))
        if ahead:
            dims_text += _t("gap_ahead", lang, ahead=sep.join(ahead), name=b.name)
        text = join(lang, text, dims_text + ("。" if lang == "zh" else "."))
    add_paragraph(doc, text)
    add_paragraph(doc, _t("gap_method", lang) if g.method == "exact-linear"
                  else _t("gap_method_other", lang, method=g.method))

    add_heading(doc, _t("h3_1", lang), level=2)
    add_caption(doc, _t("t_gap_dims", lang, n=n.next_table(), name=b.name, peer=g.peer_name))
    rows = [[f.label(r["dimension"]), num(r["unit_score"], 1), num(r["peer_score"], 1),
             signed(r["contribution"], 2), num(r["share"] * 100, 1)]
            for _, r in g.dimensions.iterrows()]
    rows.append([f.index_name,
                 num(g.unit_score, 1), num(g.peer_score, 1), signed(g.gap, 2), "100"])
    add_table(doc, [_t("c_dim", lang), f"{b.name}（分）" if lang == "zh" else b.name,
                    f"{g.peer_name}（分）" if lang == "zh" else g.peer_name,
                    _t("c_contrib", lang), _t("c_share", lang)], rows,
              widths_cm=[3.4, 3.0, 3.0, 3.2, 3.0], align="lcccc")
    png = charts.waterfall((b.name, g.unit_score),
                           [(f.label(r["dimension"]), float(r["contribution"]))
                            for _, r in g.dimensions.iterrows()],
                           (g.peer_name, g.peer_score), ylabel=_t("c_score", lang))
    add_picture(doc, png, _t("f_gap", lang, n=n.next_figure(), name=b.name, peer=g.peer_name))

    add_heading(doc, _t("h3_2", lang), level=2)
    inds = g.indicators[g.indicators["contribution"] > 0].head(top)
    if inds.empty:
        add_paragraph(doc, _t("none", lang))
        return
    add_paragraph(doc, _t("gap_inds_sentence", lang, m=len(inds),
                          c=num(inds["contribution"].sum(), 2)))
    add_caption(doc, _t("t_gap_inds", lang, n=n.next_table(), m=len(inds)))
    add_table(doc, [_t("c_ind", lang), _t("c_measure", lang), b.name, g.peer_name,
                    _t("c_contrib", lang), _t("c_dept", lang)],
              [[_ind_name(f, r), r["unit_of_measure"] or "—", num(r["unit_value"]),
                num(r["peer_value"]), num(r["contribution"], 2), r["department"] or "—"]
               for _, r in inds.iterrows()],
              widths_cm=[4.6, 1.9, 2.0, 2.0, 2.6, 2.5], align="lcrrrc")


# -- 四、路径建议 ------------------------------------------------------------------------------


def _needed(value: float, now: float, direction: str, measure: str) -> float:
    """Round a needed value away from ``now`` so that the rounded value still suffices."""
    decimals = 0 if measure in _COUNTS else 2
    scale = 10.0 ** decimals
    up = value >= now if direction not in ("+", "-") else direction == "+"
    return (math.ceil(value * scale - 1e-9) if up else math.floor(value * scale + 1e-9)) / scale


def _path(doc: DocumentObject, f: _Facts, n: _Numbering) -> None:
    lang, b = f.lang, f.brief
    add_heading(doc, _t("h4", lang))
    pr = b.path
    if pr is None:
        add_paragraph(doc, _t("path_none", lang, name=b.name, group=f.group_label, rank=b.rank,
                              target=b.target_rank or b.rank))
        add_placeholder(doc, _t("ph_path", lang))
        return
    t = n.table + 1
    add_paragraph(doc, _t("path_goal", lang, group=f.group_label, target=pr.target_rank,
                          name=b.name, needed=num(pr.needed_score, 2),
                          delta=num(pr.needed_score - pr.current_score, 2), k=len(pr.changes),
                          t=t))
    add_caption(doc, _t("t_path", lang, n=n.next_table(), name=b.name, group=f.group_label,
                        target=pr.target_rank))
    rows = []
    for _, r in pr.changes.iterrows():
        measure = r["measure"] or ""
        needed = _needed(float(r["needed"]), float(r["now"]), str(r["direction"]), measure)
        change = needed - float(r["now"])
        pct = change / abs(float(r["now"])) * 100 if float(r["now"]) != 0 else float("nan")
        rows.append([_ind_name(f, r), measure or "—", num(r["now"]), num(needed),
                     signed(change), signed(pct, 1), r["department"] or "—"])
    add_table(doc, [_t("c_ind", lang), _t("c_measure", lang), _t("c_now", lang),
                    _t("c_needed", lang), _t("c_delta", lang), _t("c_change_pct", lang),
                    _t("c_dept", lang)], rows,
              widths_cm=[4.4, 1.6, 1.9, 1.9, 1.9, 1.9, 2.0], align="lcrrrrc")
    text = _t("path_result", lang, t=t, name=b.name, score=num(pr.achieved_score, 2),
              group=f.group_label, rank=pr.achieved_rank)
    if not pr.reachable:
        text = join(lang, text, _t("path_unreachable", lang, target=pr.target_rank,
                                   best=pr.best_rank))
    add_paragraph(doc, text)
    add_paragraph(doc, _t("path_assumption", lang))
    add_placeholder(doc, _t("ph_path", lang))


# -- 五、责任分解 ------------------------------------------------------------------------------


def _duties(doc: DocumentObject, f: _Facts, n: _Numbering) -> None:
    lang, b = f.lang, f.brief
    add_heading(doc, _t("h5", lang))
    d = b.duties
    if d.empty:
        add_paragraph(doc, _t("none", lang))
        add_placeholder(doc, _t("ph_duties", lang))
        return
    ranks = (b.strengths[b.strengths["kind"] == "weakness"].set_index("indicator")["rank"]
             .to_dict())
    sep = _t("sep", lang)
    rows: list[list[str]] = []
    for (dept, code), part in d.groupby(["department", "indicator"], sort=False):
        issues = []
        for issue in dict.fromkeys(part["issue"]):
            if issue == "weakness":
                issues.append(_t("issue_weakness", lang, group=f.group_label,
                                 rank=ranks.get(code, "—")))
            else:
                issues.append(_t(f"issue_{issue}", lang))
        needed = part["needed"].dropna()
        now = part["now"].iloc[0]
        if len(needed):
            ind = b.evaluation.framework.node(code)
            sign = ind.direction.symbol if hasattr(ind, "direction") else ""
            shown = f.value(_needed(float(needed.iloc[0]), float(now), sign,
                                    f.measures.get(code, "")), code)
        else:
            shown = "—"
        rows.append([str(dept), f.label(code) if lang == "en" else str(part["name"].iloc[0]),
                     sep.join(issues), f.value(now, code), shown])
    add_paragraph(doc, _t("duties_sentence", lang, d=d["department"].nunique(), k=len(rows)))
    add_caption(doc, _t("t_duties", lang, n=n.next_table()))
    table = add_table(doc, [_t("c_dept", lang), _t("c_ind", lang), _t("c_issue", lang),
                            _t("c_value", lang), _t("c_target", lang)], rows,
                      widths_cm=[2.4, 4.8, 3.6, 2.4, 2.4], align="clcrr")
    _merge_runs(table, [r[0] for r in rows])
    add_placeholder(doc, _t("ph_duties", lang))


def _merge_runs(table: Any, keys: list[str]) -> None:
    """Merge the first-column cells of consecutive rows with the same department."""
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            if i - start > 1:
                top = table.cell(start + 1, 0)
                merged = top.merge(table.cell(i, 0))
                # merge() concatenates the texts: keep the department once.
                for p in merged.paragraphs[1:]:
                    p._element.getparent().remove(p._element)
            start = i


# -- the document ------------------------------------------------------------------------------


def write_tiangong_docx(brief: UnitBrief, path: str | PathLike[str], *, lang: str = "zh",
                        synthetic: bool | None = None) -> Path:
    """Write the 天工鼎 evaluation analysis of one unit as a Word draft (天工鼎评价分析报告).

    Parameters
    ----------
    brief : UnitBrief
        From :func:`~zongheng.report.brief.unit_brief`, e.g.
        ``unit_brief(ev, "永康市", group="设区市", target_rank=2)``.
    path : str or path-like
        The ``.docx`` file to write (its folder is created).
    lang : {"zh", "en"}
        Language of the text; data names (units, indicators) stay as in the data.
    synthetic : bool, optional
        Whether the data are synthetic (said on the first page); by default
        detected (:func:`~zongheng.report.docx_style.is_synthetic`). Pass
        ``Dataset.synthetic`` when you have it.

    Returns
    -------
    Path
        The file written.
    """
    lang = "en" if lang == "en" else "zh"
    f = _facts(brief, lang)
    meta = brief.evaluation.framework.meta
    framework = (meta.get("title_en") if lang == "en" else None) or meta.get("title") \
        or f.index_name
    # Drop the qualifier of the framework's title ("（县市区）", " (county level)").
    framework = str(framework).split("（")[0].split(" (")[0]
    title = _t("title", lang, name=brief.name, year=f.year, framework=framework)
    doc = new_document(lang, title=title.replace("|", ""))
    add_title(doc, *title.split("|"))
    if synthetic if synthetic is not None else is_synthetic(brief.evaluation.panel):
        add_note(doc, _t("synthetic", lang))
    n = _Numbering()
    _overview(doc, f, n)
    _indicators(doc, f, n)
    _gap(doc, f, n)
    _path(doc, f, n)
    _duties(doc, f, n)
    # All at once: a kill or a full disk leaves the earlier draft whole.
    return atomic_write(Path(path), lambda tmp: doc.save(str(tmp)))
