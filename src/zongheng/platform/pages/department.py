"""The department page (部门页, e.g. 科技局): one lead department of a run.

Its indicators across every region of the run, where the focus region stands on each, what the
path to the focus region's target rank asks of it (the unit page's 责任分解, the same query) and
its submissions' state for the run's period. Every reader of the run
(:mod:`~zongheng.platform.services.run_access`) reads it; a department the run's framework does not
name as a lead department is a 404 that says so.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from fastapi.responses import Response

from zongheng import display
from zongheng.i18n import register_messages
from zongheng.platform.models import Run
from zongheng.platform.pages.dashboard import _focus
from zongheng.platform.pages.deadlines_common import state_grants
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.pages.runs import ReaderDep, _run_readable
from zongheng.platform.services import department_view, run_access, runs, unit_view

__all__ = ["routes"]

routes = Routes()

register_messages({
    "pf_dept_link": ("部门页", "Departments"),
    "pf_dept_title": ("{department} · 评价结果 #{id}", "{department} · evaluation #{id}"),
    "pf_dept_unknown": ("本次评价的指标体系中没有以这个部门为牵头单位的指标"
                        "（部门名称按指标的牵头单位写，如 统计局）。",
                        "No indicator of this evaluation's framework has that lead department "
                        "(name it as the indicators do, e.g. 统计局)."),
    "pf_dept_intro": ("{department} 牵头的 {n} 个指标；关注地区：{unit}。",
                      "The {n} indicator(s) {department} leads; focus region: {unit}."),
    "pf_dept_focus": ("关注地区", "Focus region"),
    "pf_dept_show": ("查看", "Show"),
    "pf_dept_unit_page": ("{unit} 的地区页", "{unit}'s region page"),
    "pf_dept_others": ("其他部门", "Other departments"),
    "pf_dept_mine": ("本部门：{department}", "My department: {department}"),
    "pf_dept_indicators": ("牵头指标", "The indicators it leads"),
    "pf_dept_direction": ("方向", "Direction"),
    "pf_dept_higher": ("越大越好", "higher is better"),
    "pf_dept_lower": ("越小越好", "lower is better"),
    "pf_dept_standing": ("本地区在各指标上的位置", "Where the region stands on each"),
    "pf_dept_among": ("比较范围", "Among"),
    "pf_dept_rank_of": ("位次/地区数", "Rank / regions"),
    "pf_dept_best": ("最好", "Best"),
    "pf_dept_worst": ("最差", "Worst"),
    "pf_dept_vs_previous": ("数值较上年", "Value vs previous year"),
    "pf_dept_rank_change": ("位次变化", "Rank change"),
    "pf_dept_across": ("各地区数值与位次（{period} 年）", "Every region's value and rank ({period})"),
    "pf_dept_across_note": ("按综合位次排列；位次为该指标标准化得分在全部地区中的位次，本地区高亮。",
                            "In the order of the overall ranking; the rank is that of the indicator's "
                            "normalised score among all regions; the focus region is highlighted."),
    "pf_dept_overall": ("综合位次", "Overall rank"),
    "pf_dept_value": ("数值", "Value"),
    "pf_dept_rank": ("位次", "Rank"),
    "pf_dept_path": ("找路径：本部门的任务", "The path: what this department is asked to lift"),
    "pf_dept_path_intro": ("{unit} 争取第 {target} 位（现为第 {current} 位{scope}）："
                           "重算后第 {achieved} 位。",
                           "{unit} aiming at rank {target} (now {current}{scope}): "
                           "{achieved} after the rebuild."),
    "pf_dept_path_scope": ("，{group} 组内", ", within {group}"),
    "pf_dept_path_nothing": ("这条路径不要求本部门的指标变动。",
                             "This path asks nothing of this department's indicators."),
    "pf_dept_path_whole": ("完整路径与其他部门的任务见地区页。", "The whole path and the other departments' "
                           "asks are on the region page."),
    "pf_dept_submissions": ("{period} 年报送情况", "Submissions for {period}"),
    "pf_dept_submissions_none": ("权限范围内没有本部门在本期的报送任务。",
                                 "No submission of this department for this period in your scope."),
    "pf_dept_region": ("地区", "Region"),
    "pf_dept_department": ("部门", "Department"),
    "pf_dept_due": ("截止日期", "Due"),
    "pf_dept_submitted": ("报送时间", "Submitted"),
    "pf_dept_approved": ("审核时间", "Approved"),
    "pf_dept_count": ("{state}：{n}", "{state}: {n}"),
})


@routes.add("GET", "/runs/{run_id}/departments/{department}")
def department_page(request: Request, run: Annotated[Run, Depends(_run_readable)],
                    department: Annotated[str, Path(min_length=1, max_length=100)],
                    caller: ReaderDep) -> Response:
    """Show one lead department of a run; ``?unit=`` picks the focus region, the rest asks the path."""
    lang = caller.lang
    ev = runs.evaluation_of(run)
    positions = department_view.indicators_of(ev, department)
    if not positions:
        raise HTTPException(status_code=404, detail="pf_dept_unknown")
    focus = _focus(request, caller, run, runs.results_of(run))
    u = ev.panel.units.index(focus)
    asked = unit_view.path_answer(ev, focus, u, request.query_params, request.query_params.getlist("exclude"),
                                  lang)
    # States, not values: a reader sees how far the department got, as on the completeness page.
    grants = state_grants(caller, *run_access.READERS)
    rows = department_view.submissions_of(caller.db, grants, run, department)
    return render(
        request, "department.html", caller=caller, run=run, department=department, unit=focus,
        units=list(ev.panel.units), departments=department_view.departments_of(ev.framework),
        indicators=department_view.header(ev, positions, lang),
        across=department_view.across_regions(ev, positions, u),
        standing=department_view.standing(ev, positions, u, lang),
        form=asked.form, path=asked.result, path_error=asked.error,
        asks=unit_view.asks_of(asked.rows, department), path_query=unit_view.path_query(focus, asked.form),
        groups=list(ev.panel.groups), submissions=rows, counts=department_view.state_counts(rows),
        last_period=ev.panel.periods[-1], display_score=display.score)
