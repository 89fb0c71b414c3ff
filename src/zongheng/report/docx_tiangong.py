"""天工鼎评价分析报告 (Word draft): the evaluation analysis of one unit.

Every number comes from a :class:`~zongheng.report.brief.UnitBrief`, so the
Word draft says what the HTML page and the Excel workbook say, and every number
is printed by :mod:`zongheng.display` (scores with 2 decimals, raw values with
4 significant digits, a requirement rounded toward improvement). A difference
is computed from the numbers as printed, so that the reader's subtraction
checks (87.19 − 85.94 = 1.25). Sentences made from data state facts only; what
officials must judge or decide is left as marked placeholders (【待填写：…】).

Sections: 一、总体情况 (score, ranks, change on last year, award), 二、指标分析
(dimensions, strengths, weaknesses, declines with lead departments; ties as
ties, imputed values never among them), 三、差距分析 (the gap to the unit one
place up and the lead over the unit one place down: 保三争二 has two halves),
四、路径建议 (the goal in the officials' words, the least change to the target
rank, verified by rebuilding), 五、责任分解 (per lead department), 六、说明
(method, missing data and what filled them), then the 落款 and date as
placeholders.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from docx.document import Document as DocumentObject

from zongheng import display, terms
from zongheng.i18n import MESSAGES, register_messages, text, using_lang
from zongheng.io.atomic import atomic_write
from zongheng.report import charts
from zongheng.report.brief import UnitBrief
from zongheng.report.docx_style import (
    STYLE,
    add_caption,
    add_heading,
    add_note,
    add_paragraph,
    add_picture,
    add_placeholder,
    add_signature,
    add_table,
    add_title,
    is_synthetic,
    join,
    mark_unapproved,
    measure_name,
    new_document,
    with_unit,
)

__all__ = ["write_tiangong_docx"]

# Every sentence in both languages, in the message catalogue under docx.tg.*.
_T: dict[str, tuple[str, str]] = {
    "title_tail": ("评价分析报告", "evaluation analysis"),
    "title_plain": ("分析报告", "analysis"),
    "synthetic": ("（本报告使用合成演示数据，数值不代表任何地区的真实统计）",
                  "(This report uses synthetic demo data; the numbers are no region's statistics.)"),
    "h1": ("一、总体情况", "1. Overview"),
    "h2": ("二、指标分析", "2. Indicators"),
    "h3": ("三、差距分析", "3. Gaps to the units above and below"),
    "h4": ("四、路径建议", "4. Path to the target rank"),
    "h5": ("五、责任分解", "5. Duties by lead department"),
    "h6": ("六、说明", "6. Notes"),
    "h2_1": ("（一）分项得分", "(1) Dimension scores"),
    "h2_2": ("（二）优势指标", "(2) Strengths"),
    "h2_3": ("（三）短板指标", "(3) Weaknesses"),
    "h2_4": ("（四）下降指标", "(4) Declines"),
    "h3_1": ("（一）与上一名{peer}的差距", "(1) Gap to {peer}, one place up"),
    "h3_2": ("（二）差距最大的指标", "(2) Indicators with the largest gaps"),
    "h3_3": ("（三）与后一名{peer}的差距（保住名次）", "(3) Lead over {peer}, one place down"),
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
                  "In {year} it won the {award} award ({selection}, rank {rank}); wins in a row: {run}."),
    "award_streak": ("本年度获评“{streak}”（连续{k}年入选）。",
                     "This year it earns the {streak} award ({k} wins in a row)."),
    "award_toward": ("再连续入选{left}年可获评“{streak}”。",
                     "More wins in a row needed for the {streak} award: {left}."),
    "award_lost": ("{year}年未入选“{award}”（{selection}前{top}名入选，{name}排第{rank}位）。",
                   "In {year} it did not win the {award} award ({selection}: top {top}; "
                   "{name} ranked {rank})."),
    "award_lost_plain": ("{year}年未入选“{award}”。", "In {year} it did not win the {award} award."),
    "t_history": ("表{n}  {name}历年{index}得分与排名", "Table {n}. {name}: {index} score and rank by year"),
    "c_year": ("年份", "Year"), "c_score": ("得分（分）", "Score (points)"),
    "c_change": ("较上年（分）", "Change (points)"),
    "c_rank_group": ("{group}排名", "Rank in {group}"), "c_rank_all": ("总排名", "Overall rank"),
    "dims_sentence": ("{n}个维度中，{best}在{group}排名最高（第{best_rank}位，得分{best_score}分）；"
                      "排名最低的是{worst}（第{worst_rank}位，得分{worst_score}分）。",
                      "Of the {n} dimensions, {best} ranks highest in {group} "
                      "(rank {best_rank}; score {best_score}); {worst} ranks lowest "
                      "(rank {worst_rank}; score {worst_score})."),
    "dims_same": ("{n}个维度在{group}均排第{rank}位。", "All {n} dimensions rank {rank} in {group}."),
    "t_dims": ("表{n}  {name}分项得分", "Table {n}. {name}: dimension scores"),
    "c_dim": ("维度", "Dimension"), "c_median": ("{group}中位数（分）", "{group} median (points)"),
    "f_dims": ("图{n}  {name}分项得分与{group}中位数、上一名对比",
               "Figure {n}. {name}: dimension scores against the {group} median and the unit above"),
    "median": ("{group}中位数", "{group} median"),
    "strength_sentence": ("在{group}{n}个县（市、区）中，{name}有{k}项指标排名前{top}位（含并列），{shown}。",
                          "In {group} ({n} units), {name} ranks in the top {top} (ties included) on "
                          "{k} indicators; {shown}."),
    "shown_all": ("列示如下", "listed below"),
    "shown_some": ("按排名列前{m}项", "the best {m} are listed"),
    "t_strengths": ("表{n}  优势指标", "Table {n}. Strengths"),
    "weak_sentence": ("{name}有{k}项指标在{group}排名后{bottom}位（含并列），列示如下。",
                      "{name} ranks in the bottom {bottom} of {group} (ties included) on {k} "
                      "indicators, listed below."),
    "t_weak": ("表{n}  短板指标", "Table {n}. Weaknesses"),
    "decl_sentence": ("与上年相比，{name}有{k}项指标数值向不利方向变化，变化最大的{m}项列示如下。",
                      "On last year, {k} indicators of {name} moved the wrong way; "
                      "the {m} largest are listed."),
    "t_decl": ("表{n}  数值下降的指标", "Table {n}. Indicators that moved the wrong way"),
    "imputed_out": ("插补值不计入优势、短板和下降指标（见“六、说明”）。",
                    "Imputed values count as no strength, weakness or decline (see 6. Notes)."),
    "pp_note": ("注：单位为%的指标，变化为百分点。",
                "Note: for indicators in %, changes are in percentage points."),
    "none": ("无。", "None."),
    "c_ind": ("指标", "Indicator"), "c_measure": ("单位", "Unit"), "c_value": ("实际值", "Value"),
    "c_prev": ("上年值", "Last year"), "c_now": ("本年值", "This year"),
    "c_delta": ("变化", "Change"), "c_dept": ("牵头单位", "Lead department"),
    "gap_intro": ("{year}年，{name}得分{score}分，在{group}排第{rank}位。",
                  "In {year}, {name} scored {score}, rank {rank} in {group}."),
    "gap_above": ("上一名{peer}得分{peer_score}分，{name}落后{gap}分",
                  "{peer}, one place up, scored {peer_score}: {name} is {gap} points behind"),
    "gap_below": ("后一名{peer}得分{peer_score}分，{name}领先{lead}分",
                  "{peer}, one place down, scored {peer_score}: {name} leads by {lead} points"),
    "gap_leader": ("{name}在{group}排第1位，没有排名更前的对标单位。",
                   "{name} ranks first in {group}: there is no unit above to compare with."),
    "gap_last": ("{name}在{group}排最后一位，没有排名更后的单位。",
                 "{name} ranks last in {group}: there is no unit below."),
    "gap_dims": ("从维度看，差距主要来自{behind}", "By dimension, the gap comes from {behind}"),
    "gap_dim_item": ("{dim}（{c}分，占{s}%）", "{dim} ({c} points, {s}%)"),
    "gap_ahead": ("；{name}在{ahead}上领先", "; {name} leads on {ahead}"),
    "gap_ahead_item": ("{dim}（{c}分）", "{dim} ({c} points)"),
    "gap_offset": ("{name}在{ahead}上的领先抵消了一部分差距，"
                   "因此{behind}占差距的比例合计{total}%，超过100%。",
                   "{name}'s lead on {ahead} offsets part of the gap, so the shares of {behind} add up "
                   "to {total}%, more than 100%."),
    "rounding": ("（分项数值经四舍五入，合计与分项之和可能相差0.01分。）",
                 "(Parts are rounded: their sum may differ from the total by 0.01.)"),
    "sep": ("、", ", "),
    "t_gap_dims": ("表{n}  {name}与{peer}分维度差距", "Table {n}. {name} and {peer}: gap by dimension"),
    "c_contrib": ("对差距贡献（分）", "Contribution (points)"), "c_share": ("占差距（%）", "Share (%)"),
    "f_gap": ("图{n}  {name}到{peer}的得分差距分解", "Figure {n}. From {name}'s score to {peer}'s"),
    "t_gap_inds": ("表{n}  差距最大的{m}项指标", "Table {n}. The {m} indicators with the largest gaps"),
    "gap_inds_sentence": ("差距最大的{m}项指标合计贡献{c}分，列示如下。",
                          "The {m} indicators with the largest gaps contribute {c} points together."),
    "gap_inds_offset": ("合计超过总差距{gap}分，是因为{name}在其他指标上领先，抵消了一部分。",
                        "That is more than the whole gap of {gap} points because {name} leads on other "
                        "indicators, which offsets part of it."),
    "behind_dims": ("{name}的领先来自{ahead}", "{name}'s lead comes from {ahead}"),
    "behind_peer_dims": ("；{peer}在{behind}上领先", "; {peer} leads on {behind}"),
    "behind_inds": ("{peer}领先较多的{m}项指标见表{t}，是保住名次需要关注的方面。",
                    "Table {t} lists the {m} indicators on which {peer} leads most: the ones to "
                    "watch to keep the rank."),
    "t_behind": ("表{n}  {peer}领先{name}的主要指标", "Table {n}. Where {peer} leads {name}"),
    "c_lead": ("{peer}领先（分）", "{peer} ahead (points)"),
    "risk": ("在{varied}随机变动的{samples}次测算中，{name}保住{group}第{rank}位（第{rank}位或更前）的"
             "概率为{p_keep}，升至第{target}位或更前的概率为{p_reach}。",
             "Over {samples} draws varying {varied}, {name} keeps rank {rank} in {group} (rank {rank} "
             "or better) with probability {p_keep}, and reaches rank {target} or better with "
             "probability {p_reach}."),
    "risk_keep": ("在{varied}随机变动的{samples}次测算中，{name}保住{group}第{rank}位（第{rank}位或更前）的"
                  "概率为{p_keep}。",
                  "Over {samples} draws varying {varied}, {name} keeps rank {rank} in {group} (rank "
                  "{rank} or better) with probability {p_keep}."),
    "risk_reach": ("在{varied}随机变动的{samples}次测算中，{name}升至{group}第{target}位或更前的概率为"
                   "{p_reach}。",
                   "Over {samples} draws varying {varied}, {name} reaches rank {target} or better in "
                   "{group} with probability {p_reach}."),
    "varied_weights": ("权重", "the weights"), "varied_exclude": ("参评指标", "the indicators used"),
    "varied_stage": ("{stage}方法", "the {stage} method"),
    "goal_hold": ("目标：{goal}，即保住{group}第{rank}位。", "Goal: {goal} in {group}."),
    "goal_both": ("目标：{goal}，即保住{group}第{rank}位、争取升至第{target}位。",
                  "Goal: {goal} in {group}."),
    "goal_up": ("目标：{goal}，即在{group}升至第{target}位。", "Goal: {goal} in {group}."),
    "goal_lead": ("保住名次方面，目前领先后一名{peer}{lead}分（见第三部分）。",
                  "To hold the rank: the lead over {peer}, one place down, is {lead} points "
                  "(see section 3)."),
    "path_none": ("{name}在{group}排第{rank}位，已达到目标名次，不需测算提升路径。",
                  "{name} ranks {rank} in {group}, at or above the target rank: no path is needed."),
    "path_goal": ("以最小调整量测算，{name}综合得分需达到{needed}分（比现在提高{delta}分），需调整{k}项指标，"
                  "见表{t}。", "With the least change, {name} needs a score of {needed} ({delta} more "
                  "points), changing {k} indicators (Table {t})."),
    "path_result": ("按表{t}数值调整后重新计算评价，{name}综合得分{score}分，在{group}排第{rank}位。",
                    "With the values of Table {t}, the evaluation rebuilt gives {name} {score} points, "
                    "rank {rank} in {group}."),
    "path_thin": ("调整后的得分仅以不足0.01分的差距达到目标名次，实际工作中各项指标宜留有余量。",
                  "The changed score reaches the target rank by less than 0.01 points: leave a margin "
                  "on every indicator in practice."),
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
    "duties_sentence": ("按牵头单位分解，共涉及{d}个牵头单位、{k}项指标（短板、下降或路径中需调整的指标）。",
                        "By lead department: {d} departments and {k} indicators (weak, declining or in "
                        "the path)."),
    "t_duties": ("表{n}  责任分解", "Table {n}. Duties by lead department"),
    "c_issue": ("问题", "Issue"), "c_target": ("需达到（路径）", "Needed (path)"),
    "issue_weakness": ("短板（{group}{rank}）", "weak ({rank} in {group})"),
    "issue_declined": ("比上年下降", "fell on last year"),
    "issue_path": ("路径中需调整", "to change (path)"),
    "ph_duties": ("【待填写：下一步工作举措（由各牵头单位提出具体措施、责任人和完成时限）】",
                  "[TO BE WRITTEN: next steps (each lead department: measures, "
                  "who is responsible, deadline)]"),
    "all_units": ("全部单位", "all units"),
    "imputed": ("{value}（插补）", "{value} (imputed)"),
    "note_method": ("{i}. 计算方法：{method}。", "{i}. Method: {method}."),
    "note_gap": ("{i}. 差距分解方法：{method}。", "{i}. How gaps are split: {method}."),
    "gap_exact-linear": ("各指标对差距的贡献为两单位在该指标上的加权得分之差，合计等于综合得分差距",
                         "an indicator's contribution is the difference of the two units' weighted "
                         "scores on it; the contributions add up to the gap"),
    "gap_shapley": ("按沙普利值（Shapley值）把差距分配到各维度和指标，合计等于综合得分差距",
                    "the gap is shared out by Shapley values over dimensions and indicators; the "
                    "parts add up to the gap"),
    "gap_effective-weight": ("按有效权重和各指标可提升空间分配", "by effective weights and each "
                             "indicator's room to move"),
    "note_missing": ("{i}. 缺失数据：{year}年{name}有{k}项指标没有填报值，按{how}补齐："
                     "{items}。插补值参与综合得分计算，但不列为优势、短板或下降指标。",
                     "{i}. Missing data: {name} reported no value in {year} for {k} indicator(s), "
                     "filled by {how}: {items}. Imputed values count in the index but are no "
                     "strengths, weaknesses or declines."),
    "missing_item": ("{name}（{measure}，{dept}）{value}", "{name} ({measure}; {dept}) {value}"),
    "missing_item_plain": ("{name}（{dept}）{value}", "{name} ({dept}) {value}"),
    "not_filled": ("未插补", "not filled"),
    "note_none_missing": ("{i}. 缺失数据：{year}年{name}各项指标均有填报值。",
                          "{i}. Missing data: {name} reported every indicator in {year}."),
    "note_other": ("{i}. {note}", "{i}. {note}"),
    "issuer": ("【待填写：落款单位】", "[TO BE WRITTEN: issuing office]"),
    "date": ("【待填写：成文日期】", "[TO BE WRITTEN: date]"),
    # Names in the bundled award rule, in English.
    "term.天工鼎": ("天工鼎", "Tiangong Ding"), "term.金鼎": ("金鼎", "Gold Ding"),
    "term.非山区县前20": ("非山区县前20", "top 20 of the non-mountain counties"),
    "term.山区26县前6": ("山区26县前6", "top 6 of the 26 mountain counties"),
}
register_messages({f"docx.tg.{k}": v for k, v in _T.items()})


def _t(key: str, lang: str, **kw: Any) -> str:
    return text(f"docx.tg.{key}", lang, **kw)


def _term(name: str, lang: str) -> str:
    """Return a data name (award, selection) in the document's language, when it is known."""
    key = f"docx.tg.term.{name}"
    return text(key, lang) if key in MESSAGES else name


def _score_up(x: float) -> float:
    """Round a needed score up to the printed 2 decimals, so that the printed figure still suffices."""
    return math.ceil(round(x * 100, 6)) / 100


@dataclass
class _Numbering:
    """Running numbers of tables and figures (表1、图1 …)."""

    table: int = 0
    figure: int = 0

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
    directions: dict[str, int]
    imputed: dict[str, float] = field(default_factory=dict)
    ties: dict[str, tuple[int, int]] = field(default_factory=dict)
    uncertainty: tuple[Any, ...] = ()

    def label(self, code: str) -> str:
        return self.brief.evaluation.framework.label(code, self.lang)

    def widths(self, zh: list[float], en: list[float]) -> list[float]:
        """Return the column widths for the language: Latin words cannot wrap inside like CJK text."""
        return en if self.lang == "en" else zh

    def measure(self, code: str) -> str:
        return measure_name(self.measures.get(code, ""), self.lang) or display.MISSING

    def value(self, x: object, code: str, direction: int | None = None) -> str:
        """Return a raw value as printed, or the imputed one marked （插补） where the data had none."""
        if _missing(x) and code in self.imputed and not _missing(self.imputed[code]):
            return _t("imputed", self.lang, value=display.value(self.imputed[code]))
        return display.value(x, direction=direction)

    def with_unit(self, x: object, code: str) -> str:
        return with_unit(self.value(x, code), self.measures.get(code, ""), self.lang)

    def rank(self, code: str, rank: object) -> str:
        """Return the unit's rank on an indicator in its group, a tie as a tie (并列第5–7位)."""
        best, last = self.ties.get(code, (rank, rank))
        return display.rank(best, last=last, lang=self.lang)


def _missing(x: object) -> bool:
    try:
        return x is None or not math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def _facts(brief: UnitBrief, lang: str, uncertainty: Any = None) -> _Facts:
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
    missing = brief.missing if brief.missing is not None else pd.DataFrame(columns=["indicator"])
    imputed = {str(r["indicator"]): float(r["imputed"]) for _, r in missing.iterrows()}
    return _Facts(brief, lang, str(brief.period), ev.panel.periods[p - 1] if p > 0 else None, root,
                  fw.label(root, lang), label, size, int(np.isfinite(scores).sum()),
                  {i.code: i.unit for i in fw.indicators},
                  {i.code: int(i.direction) for i in fw.indicators}, imputed, _ties(brief, p),
                  _reports(uncertainty))


def _reports(uncertainty: Any) -> tuple[Any, ...]:
    """Return uncertainty reports as a tuple (one report, a sequence of them, or none)."""
    if uncertainty is None:
        return ()
    return (uncertainty,) if hasattr(uncertainty, "summary") else tuple(uncertainty)


def _ties(brief: UnitBrief, p: int) -> dict[str, tuple[int, int]]:
    """Return, per indicator, the unit's best and worst place among its peers (equal scores tie)."""
    ev = brief.evaluation
    codes = list(ev.framework.indicator_codes)
    members = [ev.panel.units.index(u) for u in brief.peers["unit"]]
    scores = ev.scores[p][:, :len(codes)]
    mine = scores[ev.panel.units.index(brief.unit)]
    peers = scores[members]
    better = (peers > mine).sum(axis=0)
    equal = (peers == mine).sum(axis=0)  # the unit itself included
    return {c: (int(b) + 1, int(b + e)) for c, b, e, m in zip(codes, better, equal, mine,
                                                                 strict=True) if np.isfinite(m)}


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


def _end(lang: str) -> str:
    return "。" if lang == "zh" else "."


# -- 一、总体情况 ------------------------------------------------------------------------------


def _overview(doc: DocumentObject, f: _Facts, n: _Numbering) -> None:
    lang, b = f.lang, f.brief
    add_heading(doc, _t("h1", lang))
    hist = _history(f, f.root)
    now = hist[hist["period"] == b.period].iloc[0]
    before = hist[hist["period"] == f.previous].iloc[0] if f.previous is not None else None
    text_ = _t("score_sentence", lang, year=f.year, name=b.name, index=f.index_name,
               score=display.score(b.score))
    if b.group:
        text_ += _t("in_group", lang, group=f.group_label, n=f.group_size, rank=b.rank,
                    change=_rank_change(b.rank, None if before is None else before["rank_in_group"],
                                        lang))
    text_ += _t("overall", lang, n=f.overall_size, rank=int(now["rank"]),
                change=_rank_change(int(now["rank"]), None if before is None else before["rank"],
                                    lang))
    if before is not None:
        delta = display.difference(now["score"], before["score"])
        if delta == 0:
            text_ += _t("same_score", lang)
        else:
            text_ += _t("score_change", lang, direction=_t("up" if delta > 0 else "down", lang),
                        delta=display.score(abs(delta)))
    else:
        text_ += _end(lang)
    add_paragraph(doc, join(lang, text_, _award_text(f)))

    t = n.next_table()
    add_caption(doc, _t("t_history", lang, n=t, name=b.name, index=f.index_name))
    header = [_t("c_year", lang), _t("c_score", lang), _t("c_change", lang)]
    if b.group:
        header.append(_t("c_rank_group", lang, group=f.group_label))
    header.append(_t("c_rank_all", lang))
    rows = []
    previous_score = None
    for _, r in hist.iterrows():
        row = [str(r["period"]), display.score(r["score"]),
               display.signed(display.difference(r["score"], previous_score))
               if previous_score is not None else display.MISSING]
        if b.group:
            row.append(_int_text(r["rank_in_group"]))
        row.append(_int_text(r["rank"]))
        rows.append(row)
        previous_score = r["score"]
    widths = [2.6, 3.2, 3.2, 3.2, 3.2] if b.group else [3.4, 4.0, 4.0, 4.0]
    add_table(doc, header, rows, widths_cm=widths, align="c" * len(header))


def _int_text(x: object) -> str:
    return display.MISSING if _missing(x) else str(int(x))  # type: ignore[call-overload]


def _award_text(f: _Facts) -> str:
    """Return the award sentence (入选情况), or ``""`` when the framework has no award."""
    b, lang = f.brief, f.lang
    award = b.award
    if award is None:
        return ""
    rule = award.rule
    ev = b.evaluation
    name = _term(rule.name, lang)
    won = award.winners[(award.winners["unit"] == b.unit)
                        & (award.winners["period"].astype(str) == f.year)]
    if len(won):
        r = won.iloc[0]
        text_ = _t("award_won", lang, year=f.year, award=name, selection=_term(r["rule"], lang),
                   rank=int(r["rank"]), run=int(r["run"]))
        streak = rule.streak
        if streak is not None:
            st = award.streaks[(award.streaks["unit"] == b.unit)
                               & (award.streaks["period"].astype(str) == f.year)]
            if len(st) and bool(st.iloc[0]["awarded"]):
                text_ = join(lang, text_, _t("award_streak", lang, streak=_term(streak.name, lang),
                                             k=streak.consecutive))
            elif len(st) and not pd.isna(st.iloc[0]["toward"]):
                left = int(streak.consecutive - int(st.iloc[0]["toward"]))
                if left > 0:
                    text_ = join(lang, text_, _t("award_toward", lang, left=left,
                                                 streak=_term(streak.name, lang)))
        return text_
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
            return _t("award_lost", lang, year=f.year, award=name, selection=_term(sel.name, lang),
                      top=sel.top, name=b.name, rank=int(rank))
    return _t("award_lost_plain", lang, year=f.year, award=name)


# -- 二、指标分析 ------------------------------------------------------------------------------


def _indicators(doc: DocumentObject, f: _Facts, n: _Numbering) -> None:
    lang, b = f.lang, f.brief
    ev = b.evaluation
    dims = list(ev.framework.dimensions)
    add_heading(doc, _t("h2", lang))
    add_heading(doc, _t("h2_1", lang), level=2)
    hist = b.history[b.history["period"] == b.period].set_index("node")
    before = (b.history[b.history["period"] == f.previous].set_index("node")
              if f.previous is not None else None)
    medians = {d: float(np.nanmedian(b.peers[d].to_numpy(dtype=float))) for d in dims}
    rank_col = "rank_in_group" if b.group else "rank"
    ranks = {d: int(hist.loc[d, rank_col]) for d in dims}
    sep = _t("sep", lang)
    high, low = min(ranks.values()), max(ranks.values())
    if high == low:
        sentence = _t("dims_same", lang, n=len(dims), group=f.group_label, rank=high)
    else:
        # Best and worst both by rank, so that no dimension is called both.
        best = [d for d in dims if ranks[d] == high]
        worst = [d for d in dims if ranks[d] == low]
        sentence = _t("dims_sentence", lang, n=len(dims), group=f.group_label,
                      best=sep.join(f.label(d) for d in best), best_rank=high,
                      best_score=sep.join(display.score(hist.loc[d, "score"]) for d in best),
                      worst=sep.join(f.label(d) for d in worst), worst_rank=low,
                      worst_score=sep.join(display.score(hist.loc[d, "score"]) for d in worst))
    add_paragraph(doc, sentence)
    t = n.next_table()
    add_caption(doc, _t("t_dims", lang, n=t, name=b.name))
    rows = []
    for d in dims:
        change = (display.signed(display.difference(hist.loc[d, "score"], before.loc[d, "score"]))
                  if before is not None else display.MISSING)
        rows.append([f.label(d), display.score(hist.loc[d, "score"]), change, str(ranks[d]),
                     display.score(medians[d])])
    add_table(doc, [_t("c_dim", lang), _t("c_score", lang), _t("c_change", lang),
                    _t("c_rank_group", lang, group=f.group_label),
                    _t("c_median", lang, group=f.group_label)], rows,
              widths_cm=[3.6, 2.8, 2.8, 3.0, 3.4], align="lcccc")
    series = {b.name: [float(hist.loc[d, "score"]) for d in dims],
              _t("median", lang, group=f.group_label): [medians[d] for d in dims]}
    if b.gap is not None:
        peer = b.peers[b.peers["unit"] == b.gap.peer]
        series[b.gap.peer_name] = [float(peer[d].iloc[0]) for d in dims]
    # The value labels are the charts' own (on main: display.score, like the text beside them).
    png = charts.bars([f.label(d) for d in dims], series, ylabel=_t("c_score", lang))
    add_picture(doc, png, _t("f_dims", lang, n=n.next_figure(), name=b.name, group=f.group_label),
                width_cm=14.0)

    sw = b.strengths
    _strengths(doc, f, n, sw[sw["kind"] == "strength"].sort_values("rank", kind="stable"))
    _weaknesses(doc, f, n, sw[sw["kind"] == "weakness"].sort_values("rank", ascending=False,
                                                                      kind="stable"))
    _declines(doc, f, n, sw[sw["kind"] == "declined"])


def _ind_name(f: _Facts, r: pd.Series) -> str:
    return f.label(r["indicator"]) if f.lang == "en" else str(r["name"])


def _dept(r: pd.Series) -> str:
    return str(r["department"] or display.MISSING)


def _strengths(doc: DocumentObject, f: _Facts, n: _Numbering, rows: pd.DataFrame,
               limit: int = 10) -> None:
    lang, b = f.lang, f.brief
    add_heading(doc, _t("h2_2", lang), level=2)
    if rows.empty:
        add_paragraph(doc, _t("none", lang))
        return
    shown = rows.head(limit)
    top = max(f.ties.get(c, (int(r), 0))[0] for c, r in zip(rows["indicator"], rows["rank"],
                                                              strict=True))
    add_paragraph(doc, _t("strength_sentence", lang, group=f.group_label, n=f.group_size,
                          name=b.name, k=len(rows), top=top,
                          shown=_t("shown_all", lang) if len(rows) <= limit
                          else _t("shown_some", lang, m=limit)))
    add_caption(doc, _t("t_strengths", lang, n=n.next_table()))
    add_table(doc, [_t("c_ind", lang), _t("c_dim", lang), _t("c_measure", lang),
                    _t("c_value", lang), _t("c_rank_group", lang, group=f.group_label),
                    _t("c_dept", lang)],
              [[_ind_name(f, r), f.label(r["dimension"]), f.measure(r["indicator"]),
                f.value(r["value"], r["indicator"]), f.rank(r["indicator"], r["rank"]), _dept(r)]
               for _, r in shown.iterrows()],
              widths_cm=f.widths([4.6, 1.9, 2.0, 1.8, 2.7, 2.6], [4.0, 2.5, 1.8, 1.6, 2.6, 3.1]),
              align="lccrcc")


def _weaknesses(doc: DocumentObject, f: _Facts, n: _Numbering, rows: pd.DataFrame) -> None:
    lang, b = f.lang, f.brief
    add_heading(doc, _t("h2_3", lang), level=2)
    if rows.empty:
        add_paragraph(doc, _t("none", lang))
        return
    # How far from the bottom the weakest place of each tie reaches: 并列第5–7位 of 9 is in
    # the bottom 3, and the sentence says so instead of calling the median 靠后.
    bottom = max(int(size) - f.ties.get(c, (0, int(r)))[1] + 1
                 for c, r, size in zip(rows["indicator"], rows["rank"], rows["group_size"],
                                       strict=True))
    add_paragraph(doc, _t("weak_sentence", lang, name=b.name, k=len(rows), group=f.group_label,
                          bottom=bottom))
    add_caption(doc, _t("t_weak", lang, n=n.next_table()))
    add_table(doc, [_t("c_ind", lang), _t("c_dim", lang), _t("c_measure", lang),
                    _t("c_value", lang), _t("c_rank_group", lang, group=f.group_label),
                    _t("c_delta", lang), _t("c_dept", lang)],
              [[_ind_name(f, r), f.label(r["dimension"]), f.measure(r["indicator"]),
                f.value(r["value"], r["indicator"]), f.rank(r["indicator"], r["rank"]),
                display.signed_value(display.value_difference(r["value"], r["previous"])), _dept(r)]
               for _, r in rows.iterrows()],
              widths_cm=f.widths([3.9, 1.8, 1.7, 1.5, 2.7, 1.5, 2.5], [3.4, 2.4, 1.5, 1.3, 2.4, 1.5, 3.1]),
              align="lccrcrc")
    _pp_note(doc, f, rows)


def _pp_note(doc: DocumentObject, f: _Facts, rows: pd.DataFrame) -> None:
    """Say that changes of percentages are percentage points, when a table has one."""
    if any(f.measures.get(c) == "%" for c in rows["indicator"]):
        add_paragraph(doc, _t("pp_note", f.lang)).style = STYLE["table"]


def _declines(doc: DocumentObject, f: _Facts, n: _Numbering, rows: pd.DataFrame,
              limit: int = 10) -> None:
    lang, b = f.lang, f.brief
    add_heading(doc, _t("h2_4", lang), level=2)
    if rows.empty:
        add_paragraph(doc, _t("none", lang))
    else:
        shown = rows.head(limit)
        add_paragraph(doc, _t("decl_sentence", lang, name=b.name, k=len(rows), m=len(shown)))
        add_caption(doc, _t("t_decl", lang, n=n.next_table()))
        add_table(doc, [_t("c_ind", lang), _t("c_measure", lang), _t("c_prev", lang),
                        _t("c_now", lang), _t("c_delta", lang), _t("c_dept", lang)],
                  [[_ind_name(f, r), f.measure(r["indicator"]),
                    f.value(r["previous"], r["indicator"]), f.value(r["value"], r["indicator"]),
                    display.signed_value(display.value_difference(r["value"], r["previous"])), _dept(r)]
                   for _, r in shown.iterrows()],
                  widths_cm=[5.0, 2.0, 2.0, 2.0, 2.0, 2.6], align="lcrrrc")
        _pp_note(doc, f, shown)
    if f.imputed:
        add_paragraph(doc, _t("imputed_out", lang))


# -- 三、差距分析 ------------------------------------------------------------------------------


def _shown_sum(values: Sequence[float], kind: str = "score") -> float:
    """Return the sum of numbers as printed (each rounded first), as a reader would add them."""
    return round(sum(display.shown(v, kind) for v in values), display.DECIMALS[kind])


def _gap(doc: DocumentObject, f: _Facts, n: _Numbering, top: int = 8) -> None:
    lang, b = f.lang, f.brief
    add_heading(doc, _t("h3", lang))
    g, below = b.gap, b.behind
    intro = _t("gap_intro", lang, year=f.year, name=b.name, score=display.score(b.score),
               group=f.group_label, rank=b.rank)
    sep = "；" if lang == "zh" else "; "
    parts = []
    if g is not None:
        parts.append(_t("gap_above", lang, peer=g.peer_name, peer_score=display.score(g.peer_score),
                        name=b.name, gap=display.score(display.difference(g.peer_score,
                                                                          g.unit_score))))
    if below is not None:
        parts.append(_t("gap_below", lang, peer=below.peer_name,
                        peer_score=display.score(below.peer_score), name=b.name,
                        lead=display.score(display.difference(below.unit_score,
                                                              below.peer_score))))
    if parts:
        intro = join(lang, intro, sep.join(parts) + _end(lang))
    if g is None:
        intro = join(lang, intro, _t("gap_leader", lang, name=b.name, group=f.group_label))
    if below is None:
        intro = join(lang, intro, _t("gap_last", lang, name=b.name, group=f.group_label))
    add_paragraph(doc, intro)
    if g is not None:
        _gap_above(doc, f, n, top)
    if below is not None:
        _gap_below(doc, f, n)


def _gap_above(doc: DocumentObject, f: _Facts, n: _Numbering, top: int) -> None:
    lang, b = f.lang, f.brief
    g = b.gap
    assert g is not None
    sep = _t("sep", lang)
    add_heading(doc, _t("h3_1", lang, peer=g.peer_name), level=2)
    dims = g.dimensions.sort_values("contribution", ascending=False, kind="stable")
    behind = [r for _, r in dims.iterrows() if r["contribution"] > 0]
    ahead = [r for _, r in dims.iterrows() if r["contribution"] < 0]
    if behind:
        text_ = _t("gap_dims", lang, behind=sep.join(
            _t("gap_dim_item", lang, dim=f.label(r["dimension"]),
               c=display.score(r["contribution"]), s=display.score(r["share"] * 100, "percent"))
            for r in behind))
        if ahead:
            text_ += _t("gap_ahead", lang, name=b.name, ahead=sep.join(
                _t("gap_ahead_item", lang, dim=f.label(r["dimension"]),
                   c=display.score(-r["contribution"])) for r in ahead))
        text_ += _end(lang)
        if ahead:
            # Shares of the dimensions behind add up to more than 100 %: say why.
            total = _shown_sum([r["share"] * 100 for r in behind], "percent")
            text_ = join(lang, text_, _t("gap_offset", lang, name=b.name,
                                         ahead=sep.join(f.label(r["dimension"]) for r in ahead),
                                         behind=sep.join(f.label(r["dimension"]) for r in behind),
                                         total=display.score(total, "percent")))
        add_paragraph(doc, text_)
    add_caption(doc, _t("t_gap_dims", lang, n=n.next_table(), name=b.name, peer=g.peer_name))
    rows = [[f.label(r["dimension"]), display.score(r["unit_score"]),
             display.score(r["peer_score"]), display.signed(r["contribution"]),
             display.score(r["share"] * 100, "percent")] for _, r in g.dimensions.iterrows()]
    gap_shown = display.difference(g.peer_score, g.unit_score)
    rows.append([f.index_name, display.score(g.unit_score), display.score(g.peer_score),
                 display.signed(gap_shown), display.score(100, "percent")])
    unit_col = f"{b.name}（分）" if lang == "zh" else f"{b.name} (points)"
    peer_col = f"{g.peer_name}（分）" if lang == "zh" else f"{g.peer_name} (points)"
    add_table(doc, [_t("c_dim", lang), unit_col, peer_col, _t("c_contrib", lang),
                    _t("c_share", lang)], rows,
              widths_cm=[3.4, 3.0, 3.0, 3.2, 3.0], align="lcccc")
    if _shown_sum(list(g.dimensions["contribution"])) != gap_shown:
        add_paragraph(doc, _t("rounding", lang)).style = STYLE["table"]
    png = charts.waterfall((b.name, g.unit_score),
                           [(f.label(r["dimension"]), float(r["contribution"]))
                            for _, r in g.dimensions.iterrows()],
                           (g.peer_name, g.peer_score), ylabel=_t("c_score", lang))
    # 13 cm keeps the chart with its table on one page more often (no half-empty page).
    add_picture(doc, png, _t("f_gap", lang, n=n.next_figure(), name=b.name, peer=g.peer_name),
                width_cm=13.0)

    add_heading(doc, _t("h3_2", lang), level=2)
    inds = g.indicators[g.indicators["contribution"] > 0].head(top)
    if inds.empty:
        add_paragraph(doc, _t("none", lang))
        return
    total = _shown_sum(list(inds["contribution"]))
    text_ = _t("gap_inds_sentence", lang, m=len(inds), c=display.score(total))
    if total > gap_shown:
        text_ = join(lang, text_, _t("gap_inds_offset", lang, gap=display.score(gap_shown),
                                     name=b.name))
    add_paragraph(doc, text_)
    add_caption(doc, _t("t_gap_inds", lang, n=n.next_table(), m=len(inds)))
    add_table(doc, [_t("c_ind", lang), _t("c_measure", lang), b.name, g.peer_name,
                    _t("c_contrib", lang), _t("c_dept", lang)],
              [[_ind_name(f, r), f.measure(r["indicator"]), f.value(r["unit_value"], r["indicator"]),
                display.value(r["peer_value"]), display.score(r["contribution"]), _dept(r)]
               for _, r in inds.iterrows()],
              widths_cm=[4.6, 1.9, 2.0, 2.0, 2.6, 2.5], align="lcrrrc")


def _gap_below(doc: DocumentObject, f: _Facts, n: _Numbering, top: int = 5) -> None:
    """保三: the lead over the unit one place down, where it comes from, and the risk of losing it."""
    lang, b = f.lang, f.brief
    g = b.behind
    assert g is not None
    sep = _t("sep", lang)
    add_heading(doc, _t("h3_3", lang, peer=g.peer_name), level=2)
    dims = g.dimensions
    # contribution = peer − unit: negative where the unit leads.
    mine = dims[dims["contribution"] < 0].sort_values("contribution", kind="stable")
    theirs = dims[dims["contribution"] > 0].sort_values("contribution", ascending=False,
                                                         kind="stable")
    text_ = ""
    if len(mine):
        text_ = _t("behind_dims", lang, name=b.name, ahead=sep.join(
            _t("gap_ahead_item", lang, dim=f.label(r["dimension"]),
               c=display.score(-r["contribution"])) for _, r in mine.iterrows()))
        if len(theirs):
            text_ += _t("behind_peer_dims", lang, peer=g.peer_name, behind=sep.join(
                _t("gap_ahead_item", lang, dim=f.label(r["dimension"]),
                   c=display.score(r["contribution"])) for _, r in theirs.iterrows()))
        text_ += _end(lang)
    inds = g.indicators[g.indicators["contribution"] > 0].head(top)
    if len(inds):
        text_ = join(lang, text_, _t("behind_inds", lang, peer=g.peer_name, m=len(inds),
                                     t=n.table + 1))
    risk = _risk(f)
    if text_ or risk:
        add_paragraph(doc, join(lang, text_, risk))
    if len(inds):
        add_caption(doc, _t("t_behind", lang, n=n.next_table(), peer=g.peer_name, name=b.name))
        add_table(doc, [_t("c_ind", lang), _t("c_measure", lang), b.name, g.peer_name,
                        _t("c_lead", lang, peer=g.peer_name), _t("c_dept", lang)],
                  [[_ind_name(f, r), f.measure(r["indicator"]),
                    f.value(r["unit_value"], r["indicator"]), display.value(r["peer_value"]),
                    display.score(r["contribution"]), _dept(r)] for _, r in inds.iterrows()],
                  widths_cm=[4.6, 1.9, 2.0, 2.0, 2.6, 2.5], align="lcrrrc")


def _risk(f: _Facts) -> str:
    """Return P(keep the current rank) and P(reach the target) from the uncertainty reports."""
    lang, b = f.lang, f.brief
    by_top = {int(r.summary["top"]): r for r in f.uncertainty}
    keep = by_top.get(b.rank)
    reach = by_top.get(b.target_rank) if b.target_rank and b.target_rank < b.rank else None
    if keep is None and reach is None:
        return ""

    def p(report: Any) -> str:
        d = report.detail
        return display.percent(d.get("p_top_in_group" if b.group else "p_top"))

    s = (keep or reach).summary
    varied = _t("sep", lang).join(_varied(v, lang) for v in s.get("varied", ()))
    common = {"varied": varied, "samples": display.value(int(s["samples"])), "name": b.name,
              "group": f.group_label, "rank": b.rank}
    if keep is None:  # one report, made for the target only (rank_uncertainty without tops)
        return _t("risk_reach", lang, **common, target=b.target_rank, p_reach=p(reach))
    common["p_keep"] = p(keep)
    if reach is None:
        return _t("risk_keep", lang, **common)
    return _t("risk", lang, **common, target=b.target_rank, p_reach=p(reach))


# What varies in the uncertainty samples: the stage's name, a noun in English ("normalisation").
register_messages({f"docx.tg.varied.{stage}": (terms.stage_name(stage, "zh"), en) for stage, en in {
    "denominate": "denomination", "impute": "imputation", "screen": "screening",
    "treat": "outlier treatment", "normalise": "normalisation", "weight": "weighting",
    "aggregate": "aggregation"}.items()})


def _varied(item: str, lang: str) -> str:
    if item in ("weights", "exclude"):
        return _t(f"varied_{item}", lang)
    key = f"docx.tg.varied.{item}"
    stage = text(key, lang) if key in MESSAGES else terms.stage_name(item, lang)
    return _t("varied_stage", lang, stage=stage)


# -- 四、路径建议 ------------------------------------------------------------------------------


def _goal(f: _Facts) -> str:
    b, lang = f.brief, f.lang
    target = b.target_rank or b.rank
    key = "goal_hold" if target >= b.rank else "goal_both" if target == b.rank - 1 else "goal_up"
    goal = _t(key, lang, goal=b.goal, group=f.group_label, rank=b.rank, target=target)
    if b.behind is None or key == "goal_up":
        return goal
    # The risk from below stands beside the path up: how far ahead the unit behind is.
    lead = display.difference(b.behind.unit_score, b.behind.peer_score)
    return join(lang, goal, _t("goal_lead", lang, peer=b.behind.peer_name,
                               lead=display.score(lead)))


def _path(doc: DocumentObject, f: _Facts, n: _Numbering) -> None:
    lang, b = f.lang, f.brief
    add_heading(doc, _t("h4", lang))
    pr = b.path
    if pr is None:
        add_paragraph(doc, join(lang, _goal(f), _t("path_none", lang, name=b.name,
                                                   group=f.group_label, rank=b.rank)))
        add_placeholder(doc, _t("ph_path", lang))
        return
    t = n.table + 1
    needed = _score_up(pr.needed_score)
    add_paragraph(doc, join(lang, _goal(f), _t(
        "path_goal", lang, name=b.name, needed=display.score(needed),
        delta=display.score(display.difference(needed, pr.current_score)), k=len(pr.changes),
        t=t)))
    add_caption(doc, _t("t_path", lang, n=n.next_table(), name=b.name, group=f.group_label,
                        target=pr.target_rank))
    rows = []
    for _, r in pr.changes.iterrows():
        code = str(r["indicator"])
        direction = 1 if str(r["direction"]) == "+" else -1
        change = display.value_difference(r["needed"], r["now"], direction=direction)
        now = display.value(r["now"])
        pct = (change / float(now.replace(",", "")) * 100
               if now != display.MISSING and float(now.replace(",", "")) != 0 else math.nan)
        rows.append([_ind_name(f, r), f.measure(code), f.value(r["now"], code),
                     display.value(r["needed"], direction=direction), display.signed_value(change),
                     display.signed(pct, "percent"), _dept(r)])
    add_table(doc, [_t("c_ind", lang), _t("c_measure", lang), _t("c_now", lang),
                    _t("c_needed", lang), _t("c_delta", lang), _t("c_change_pct", lang),
                    _t("c_dept", lang)], rows,
              widths_cm=f.widths([4.4, 1.6, 1.9, 1.9, 1.9, 1.9, 2.0], [4.0, 1.6, 1.8, 1.7, 1.7, 1.7, 3.1]),
              align="lcrrrrc")
    text_ = _t("path_result", lang, t=t, name=b.name, score=display.score(pr.achieved_score),
               group=f.group_label, rank=pr.achieved_rank)
    if pr.reachable and pr.achieved_score - pr.needed_score < 0.01:
        text_ = join(lang, text_, _t("path_thin", lang))
    if not pr.reachable:
        text_ = join(lang, text_, _t("path_unreachable", lang, target=pr.target_rank,
                                     best=pr.best_rank))
    add_paragraph(doc, text_)
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
                                 rank=f.rank(str(code), ranks.get(code))))
            else:
                issues.append(_t(f"issue_{issue}", lang))
        needed = part["needed"].dropna()
        now = part["now"].iloc[0]
        shown = (display.value(needed.iloc[0], direction=f.directions.get(str(code), 1))
                 if len(needed) else display.MISSING)
        rows.append([str(dept), f.label(str(code)) if lang == "en" else str(part["name"].iloc[0]),
                     f.measure(str(code)), sep.join(issues), f.value(now, str(code)), shown])
    add_paragraph(doc, _t("duties_sentence", lang, d=d["department"].nunique(), k=len(rows)))
    add_caption(doc, _t("t_duties", lang, n=n.next_table()))
    table = add_table(doc, [_t("c_dept", lang), _t("c_ind", lang), _t("c_measure", lang),
                            _t("c_issue", lang), _t("c_value", lang), _t("c_target", lang)], rows,
                      widths_cm=[2.2, 4.2, 1.7, 3.5, 1.8, 2.2], align="clclrr")
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


# -- 六、说明 ----------------------------------------------------------------------------------


def _notes(doc: DocumentObject, f: _Facts) -> None:
    lang, b = f.lang, f.brief
    ev = b.evaluation
    add_heading(doc, _t("h6", lang))
    i = 1
    add_paragraph(doc, _t("note_method", lang, i=i, method=terms.method_line(ev.method, lang)))
    for g in (b.gap, b.behind):
        if g is not None:
            i += 1
            key = f"docx.tg.gap_{g.method}"
            how = text(key, lang) if key in MESSAGES else g.method
            add_paragraph(doc, _t("note_gap", lang, i=i, method=how))
            break
    i += 1
    missing = b.missing if b.missing is not None else pd.DataFrame()
    if len(missing):
        items = []
        for _, r in missing.iterrows():
            code = str(r["indicator"])
            value = (_t("imputed", lang, value=display.value(r["imputed"]))
                     if not _missing(r["imputed"]) else _t("not_filled", lang))
            name = f.label(code) if lang == "en" else str(r["name"])
            dept = str(r["department"] or display.MISSING)
            measure = measure_name(f.measures.get(code, ""), lang)
            items.append(_t("missing_item", lang, name=name, measure=measure, dept=dept, value=value)
                         if measure else _t("missing_item_plain", lang, name=name, dept=dept,
                                            value=value))
        add_paragraph(doc, _t("note_missing", lang, i=i, year=f.year, name=b.name, k=len(missing),
                              how=terms.step_text("impute", ev.method.impute, lang),
                              items=_t("sep", lang).join(items)))
    else:
        add_paragraph(doc, _t("note_none_missing", lang, i=i, year=f.year, name=b.name))
    for note in b.notes:
        i += 1
        add_paragraph(doc, _t("note_other", lang, i=i, note=note))


# -- the document ------------------------------------------------------------------------------


def _title_parts(brief: UnitBrief, f: _Facts, lang: str) -> list[str]:
    """Return the title in units of meaning, for :func:`~zongheng.report.docx_style.title_lines`."""
    meta = brief.evaluation.framework.meta
    framework = (meta.get("title_en") if lang == "en" else None) or meta.get("title") \
        or f.index_name
    # Drop the qualifier of the framework's title ("（县市区）", " (county level)").
    framework = str(framework).split("（")[0].split(" (")[0].strip()
    if lang == "en":  # "… Tiangong Ding evaluation" + "evaluation analysis": say it once
        framework = framework.removesuffix(" evaluation").removesuffix(" Evaluation")
        return [f"{framework}:", f"{_t('title_tail', lang)} of {brief.name}, {f.year}"]
    if framework.endswith("评价"):  # 浙江制造天工鼎评价 + 分析报告 → …天工鼎 / 评价分析报告
        return [brief.name, f"{f.year}年", framework.removesuffix("评价"), _t("title_tail", lang)]
    return [brief.name, f"{f.year}年", framework, _t("title_plain", lang)]


def write_tiangong_docx(brief: UnitBrief, path: str | PathLike[str], *, lang: str = "zh",
                        synthetic: bool | None = None, uncertainty: Any = None,
                        unapproved: bool = False) -> Path:
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
    uncertainty : UncertaintyReport or sequence of them, optional
        From :func:`~zongheng.report.writers.rank_uncertainty`, best with
        ``tops=(brief.rank, brief.target_rank)``: the draft then gives the
        probability of keeping the current rank (保三) and of reaching the
        target (争二), read from the report whose ``top`` is that rank.
    unapproved : bool
        The data are not all approved yet (未审核): the title page and every page's header say so.

    Returns
    -------
    Path
        The file written (atomically: a kill or a full disk leaves the earlier file whole).
    """
    lang = "en" if lang == "en" else "zh"
    with using_lang(lang):
        f = _facts(brief, lang, uncertainty)
        parts = _title_parts(brief, f, lang)
        doc = new_document(lang, title="".join(parts) if lang == "zh" else " ".join(parts))
        add_title(doc, *parts)
        if unapproved:
            mark_unapproved(doc, lang)
        if synthetic if synthetic is not None else is_synthetic(brief.evaluation.panel):
            add_note(doc, _t("synthetic", lang))
        n = _Numbering()
        _overview(doc, f, n)
        _indicators(doc, f, n)
        _gap(doc, f, n)
        _path(doc, f, n)
        _duties(doc, f, n)
        _notes(doc, f)
        add_signature(doc, _t("issuer", lang), _t("date", lang), lang=lang)
    # All at once: a kill or a full disk leaves the earlier draft whole.
    return atomic_write(Path(path), lambda tmp: doc.save(str(tmp)))

