"""The unit page (单位页面, e.g. 永康市): one unit of a run read through the library's analyses.

纵向比进步 and 横向比进位, strengths and weaknesses with their lead departments, the gap to the
unit ahead, behind and to the leader, the path to a target rank (levers the user may exclude,
with its 责任分解 per department) and a what-if sandbox that re-scores live without saving.
Every reader of the run (:mod:`~zongheng.platform.services.run_access`) reads it; the path form is
a GET (it changes nothing), the sandbox an HTMX POST (CSRF) answered with a fragment.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from zongheng import display
from zongheng.i18n import register_messages
from zongheng.platform.models import Run
from zongheng.platform.pages.deadlines_common import form_of
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.pages.runs import ReaderDep, _run_readable
from zongheng.platform.services import runs, unit_view

__all__ = ["routes"]

routes = Routes()

register_messages({
    "pf_unit_title": ("{unit} · 评价结果 #{id}", "{unit} · evaluation #{id}"),
    "pf_unit_back": ("返回评价结果 #{id}", "Back to evaluation #{id}"),
    "pf_unit_summary": ("{period} 年综合得分 {score}，在全部 {of} 个地区中排第 {rank} 位",
                        "{period}: index score {score}, ranked {rank} of {of} regions"),
    "pf_unit_progress": ("纵向比进步", "Progress on its own past"),
    "pf_unit_period": ("年份", "Period"),
    "pf_unit_score_change": ("得分变化", "Score change"),
    "pf_unit_rank_change": ("位次变化", "Rank change"),
    "pf_unit_indicator": ("指标", "Indicator"),
    "pf_unit_measure": ("单位", "Unit"),
    "pf_unit_value": ("{period} 年数值", "Value {period}"),
    "pf_unit_vs_previous": ("较上年", "vs previous year"),
    "pf_unit_vs_first": ("较 {period} 年", "vs {period}"),
    "pf_unit_score_vs_previous": ("得分较上年", "Score vs previous year"),
    "pf_unit_standing": ("横向比进位", "Standing among the others"),
    "pf_unit_scope": ("比较范围", "Among"),
    "pf_unit_all": ("全部地区", "All regions"),
    "pf_unit_of": ("地区数", "Regions"),
    "pf_unit_ahead": ("前一名", "Just ahead"),
    "pf_unit_behind": ("后一名", "Just behind"),
    "pf_unit_none": ("无", "None"),
    "pf_unit_neighbour": ("{unit}（{score}，{difference} 分）", "{unit} ({score}, {difference} points)"),
    "pf_unit_strengths": ("优势与短板", "Strengths and weaknesses"),
    "pf_unit_kind_strength": ("优势指标", "Strength"),
    "pf_unit_kind_weakness": ("短板指标", "Weakness"),
    "pf_unit_kind_declined": ("退步指标", "Declined"),
    "pf_unit_kind": ("类别", "Kind"),
    "pf_unit_dimension": ("维度", "Dimension"),
    "pf_unit_rank_of": ("位次/地区数", "Rank / regions"),
    "pf_unit_department": ("牵头单位", "Lead department"),
    "pf_unit_change": ("较上年变化", "Change on last year"),
    "pf_unit_gaps": ("找差距", "The gaps"),
    "pf_unit_gap_next": ("与前一名 {peer}（第 {rank} 位）的差距", "Gap to the unit ahead, {peer} ({rank})"),
    "pf_unit_gap_behind": ("与后一名 {peer}（第 {rank} 位）的差距",
                           "Gap to the unit behind, {peer} ({rank})"),
    "pf_unit_gap_leader": ("与第一名 {peer} 的差距", "Gap to the leader, {peer}"),
    "pf_unit_gap_error_next": ("与前一名的差距", "Gap to the unit ahead"),
    "pf_unit_gap_error_behind": ("与后一名的差距", "Gap to the unit behind"),
    "pf_unit_gap_error_leader": ("与第一名的差距", "Gap to the leader"),
    "pf_unit_gap_total": ("得分 {unit_score} 对 {peer_score}，差距 {gap} 分（对方减本地区）",
                          "Score {unit_score} against {peer_score}: gap {gap} points (theirs minus ours)"),
    "pf_unit_contribution": ("贡献（分）", "Contribution (points)"),
    "pf_unit_share": ("占比", "Share"),
    "pf_unit_ours": ("本地区", "Ours"),
    "pf_unit_theirs": ("对方", "Theirs"),
    "pf_unit_gap_top": ("贡献最大的 {n} 个指标", "The {n} indicators contributing most"),
    "pf_unit_path": ("找路径：争取更好的位次", "The path to a better rank"),
    "pf_unit_target": ("目标位次", "Target rank"),
    "pf_unit_rank_scope": ("位次范围", "Rank among"),
    "pf_unit_margin": ("余量（分）", "Margin (points)"),
    "pf_unit_exclude": ("不作为调整对象（保持不变）", "Not levers (kept as they are)"),
    "pf_unit_exclude_dims": ("整个维度", "Whole dimensions"),
    "pf_unit_exclude_indicators": ("单个指标", "Single indicators"),
    "pf_unit_path_go": ("计算路径", "Find the path"),
    "pf_unit_path_result": (
        "目标第 {target} 位（现为第 {current} 位）：按下列最小调整重算后为第 {achieved} 位，得分 {score}；"
        "所需得分 {needed}；上下限内最好可达第 {best} 位。",
        "Target {target} (now {current}): with the least change below the rebuild ranks it {achieved}, "
        "score {score}; the score needed is {needed}; the best rank within the bounds is {best}."),
    "pf_unit_path_reached": ("可以达到", "Reachable"),
    "pf_unit_path_unreached": ("在调整上限（每项 ±20%）内达不到",
                               "Not reachable within the bounds (±20 % each)"),
    "pf_unit_now": ("现值", "Now"),
    "pf_unit_needed": ("需达到", "Needed"),
    "pf_unit_path_change": ("调整量", "Change"),
    "pf_unit_pct": ("变化率", "Change %"),
    "pf_unit_effort": ("调整量占比", "Share of the effort"),
    "pf_unit_duty": ("责任分解", "Who lifts what"),
    "pf_unit_duty_item": ("{name} 从 {now} 到 {needed}（{change}{measure}）",
                          "{name} from {now} to {needed} ({change} {measure})"),
    "pf_unit_path_none": ("不需要调整。", "Nothing needs to change."),
    "pf_unit_bad_target": ("目标位次应为正整数，已用默认值。",
                           "The target rank must be a whole number ≥ 1: the default is used."),
    "pf_unit_bad_margin": ("余量应为 0 到 100 之间的数，已用 0。",
                           "The margin must be a number from 0 to 100: 0 is used."),
    "pf_unit_bad_group": ("没有这个分组，已按全部地区排名。", "No such group: ranked among all regions."),
    "pf_unit_whatif": ("情景模拟（不保存）", "What-if (nothing is saved)"),
    "pf_unit_whatif_intro": ("修改本地区 {period} 年的指标数值，即时重算得分和位次；不会保存任何数据。",
                             "Change this region's {period} values: the score and rank are recomputed at "
                             "once; nothing is saved."),
    "pf_unit_whatif_go": ("重新计算", "Recompute"),
    "pf_unit_whatif_result": ("得分 {before} → {after}（{change}），"
                              "位次 第 {rank_before} 位 → 第 {rank_after} 位",
                              "Score {before} → {after} ({change}); rank {rank_before} → {rank_after}"),
    "pf_unit_whatif_same": ("数值未改动：得分 {score}，第 {rank} 位。",
                            "No value changed: score {score}, rank {rank}."),
    "pf_unit_whatif_before": ("原值", "Before"),
    "pf_unit_whatif_after": ("新值", "After"),
    "pf_unit_notes": ("说明", "Notes"),
})


@dataclass(frozen=True)
class UnitOfRun:
    """A readable run, its evaluation rebuilt, and the unit's position in it."""

    run: Run
    unit: str
    u: int


def _unit_of_run(run: Annotated[Run, Depends(_run_readable)],
                 unit: Annotated[str, Path(min_length=1, max_length=200)]) -> UnitOfRun:
    """Load path parameter ``unit`` (its name as in the run) of a readable run, else 404."""
    u = unit_view.position(runs.evaluation_of(run), unit)
    if u is None:
        raise HTTPException(status_code=404, detail="pf_not_found")
    return UnitOfRun(run, unit, u)


UnitDep = Annotated[UnitOfRun, Depends(_unit_of_run)]


@routes.add("GET", "/runs/{run_id}/units/{unit}")
def unit_page(request: Request, found: UnitDep, caller: ReaderDep) -> Response:
    """Show one unit of a run; ``?target=2&group=…&exclude=W&margin=0.5`` asks the path."""
    run, unit, u, lang = found.run, found.unit, found.u, caller.lang
    ev = runs.evaluation_of(run)
    frame, progress_notes = unit_view.progress_of(run, ev, lang)
    standing = unit_view.standing(ev, u, lang)
    overall = standing[0]
    behind = overall["behind"].unit if overall["behind"] is not None else None
    strengths, strengths_error = unit_view.strengths_of(ev, unit, lang)
    asked = unit_view.path_answer(ev, unit, u, request.query_params, request.query_params.getlist("exclude"),
                                  lang)
    fw = ev.framework
    dims = [(d, unit_view.node_label(ev, d, lang)) for d in fw.children.get(fw.root.code, ())]
    return render(
        request, "unit.html", caller=caller, run=run, unit=unit, overall=overall,
        progress=unit_view.longitudinal(ev, frame, unit, lang), progress_notes=progress_notes,
        standing=standing, strengths=strengths, strengths_error=strengths_error,
        gaps=unit_view.gaps(ev, unit, behind, lang), form=asked.form, path=asked.result,
        path_error=asked.error,
        path_rows=asked.rows, duty=unit_view.department_lines(asked.rows), dims=dims,
        path_query=unit_view.path_query(unit, asked.form), no_department=unit_view.NO_DEPARTMENT,
        indicators=[(i.code, unit_view.indicator_label(i, lang)) for i in fw.indicators],
        groups=list(ev.panel.groups), whatif=unit_view.whatif_inputs(ev, u, lang),
        last_period=ev.panel.periods[-1], display_score=display.score)


@routes.add("POST", "/runs/{run_id}/units/{unit}/whatif")
async def unit_whatif(request: Request, found: UnitDep, caller: ReaderDep) -> Response:
    """Re-score the unit with the values posted (HTMX fragment); nothing is written anywhere."""
    typed = await form_of(request)
    ev = runs.evaluation_of(found.run)
    # A rebuild takes a moment: off the event loop, as the synchronous pages are.
    result, problems = await run_in_threadpool(unit_view.whatif_of, ev, found.u, typed, caller.lang)
    return render(request, "unit_whatif.html", caller=caller, result=result, problems=problems)
