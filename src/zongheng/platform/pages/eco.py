"""The 生态文明 page of a run (生态文明页): attainment against targets, lights, trends, the 人大 draft.

Every reader of the run (:mod:`~zongheng.platform.services.run_access`) opens it, for a focus unit
chosen as on the dashboard (the caller's own region in the run, or ``?unit=``). The numbers are the
library's attainment analysis of the run's inputs (:mod:`~zongheng.platform.services.eco_view`); the
chart is ECharts from our origin, its option in a JSON data island read by ``static/eco.js`` (the CSP
forbids inline script). A run whose framework has no target gets a page that says so.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import Response

from zongheng.i18n import register_messages
from zongheng.platform.models import Run
from zongheng.platform.pages.dashboard import _focus
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.pages.runs import ReaderDep, _run_readable
from zongheng.platform.services import eco_view, runs

__all__ = ["routes"]

routes = Routes()
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

register_messages({
    "pf_eco_link": ("目标达成与预警（生态文明）", "Targets and warnings (ecological civilisation)"),
    "pf_eco_title": ("目标达成与预警 · {name} · {period} · 评价结果 #{id}",
                     "Targets and warnings · {name} · {period} · evaluation #{id}"),
    "pf_eco_no_targets": ("该指标体系没有目标值：无法按目标判断达标情况，也不能生成人大报告稿。",
                          "This framework has no targets: attainment cannot be judged and no report "
                          "to the People's Congress can be drafted."),
    "pf_eco_summary": ("{period} 年 {unit}：监督指标 {n} 项，可评价 {assessed} 项，达标 {attained} 项"
                       "（达标率 {pct}）；约束性指标 {binding} 项，达标 {binding_attained} 项。",
                       "{unit}, {period}: {n} supervision indicators, {assessed} assessed, {attained} "
                       "attained ({pct}); {binding_attained} of {binding} binding indicators attained."),
    "pf_eco_lights": ("预警：绿灯 {green} 项，黄灯 {yellow} 项，红灯 {red} 项。",
                      "Warning lights: {green} green, {yellow} yellow, {red} red."),
    "pf_eco_rule": ("预警规则（zongheng 默认规则）：达标且未变差为绿灯；达标但变差，"
                    "或未达标但与目标相差不超过 {near}% 且未变差，为黄灯；其余未达标为红灯。"
                    "“变差”按同比变化（较上期）判断，缺少实际值或目标值的指标不评价。",
                    "Warning rule (zongheng's default): green = attained and not worsening; yellow = "
                    "attained but worsening, or not attained, within {near}% of the target and not "
                    "worsening; red = any other shortfall. Worsening is the change on the previous "
                    "period; an indicator without a value or a target is not judged."),
    "pf_eco_trend_note": ("五年趋势需要至少 {k} 期数据；本次评价有 {n} 期。",
                          "The five-year trend needs at least {k} periods; this run has {n}."),
    "pf_eco_report": ("下载人大报告稿（Word）", "Download the report draft for the People's Congress (Word)"),
    "pf_eco_report_note": ("报告稿由 zongheng 生成，【待填写】处须由起草人补充。",
                           "Drafted by zongheng; the [TO BE WRITTEN] parts are for the drafting office."),
    "pf_eco_aspect": ("方面", "Aspect"),
    "pf_eco_indicator": ("指标", "Indicator"),
    "pf_eco_category": ("属性", "Type"),
    "pf_eco_rule_col": ("达标规则", "Rule"),
    "pf_eco_target": ("目标值", "Target"),
    "pf_eco_value": ("实际值", "Value"),
    "pf_eco_attained": ("完成情况", "Attained"),
    "pf_eco_change": ("同比", "Change"),
    "pf_eco_trend": ("五年趋势", "Five-year trend"),
    "pf_eco_light": ("预警", "Light"),
    "pf_eco_department": ("牵头单位", "Lead department"),
    "pf_eco_history": ("历年实际值", "Value by period"),
    "pf_eco_not_judged": ("无法评价", "not judged"),
    "pf_eco_chart": ("历年达标与预警", "Attainment and lights by period"),
    "pf_eco_series_attained": ("达标项数", "Attained"),
    "pf_eco_series_red": ("红灯项数", "Red"),
    "pf_eco_demo": ("本页数值为合成演示数据，目标值为假设值。",
                    "The values on this page are synthetic demo data; the targets are assumed."),
})


def _chart(view: eco_view.EcoView, t) -> dict:
    """Return the ECharts option of the counts per period (attained, red)."""
    series = [{"type": "line", "name": t("pf_eco_series_attained"), "data": view.by_period["attained"]},
              {"type": "line", "name": t("pf_eco_series_red"), "data": view.by_period["red"]}]
    return {"color": ["#1a7f37", "#b42318"], "tooltip": {"trigger": "axis", "renderMode": "richText"},
            "legend": {"data": [s["name"] for s in series], "top": 0},
            "grid": {"left": 40, "right": 20, "top": 30, "bottom": 30},
            "xAxis": {"type": "category", "data": view.periods},
            "yAxis": {"type": "value", "min": 0, "minInterval": 1},
            "series": series}


@routes.add("GET", "/runs/{run_id}/eco")
def eco_page(request: Request, run: Annotated[Run, Depends(_run_readable)], caller: ReaderDep) -> Response:
    """Show the attainment of every supervision indicator of a focus unit (``?unit=``) in the run."""
    from zongheng.platform.pages.messages import translator

    t = translator(caller.lang)
    framework, panel = runs.inputs_of(run)
    if not eco_view.has_targets(framework):
        return render(request, "eco.html", caller=caller, run=run, view=None)
    found = runs.results_of(run)
    focus = _focus(request, caller, run, found)
    view = eco_view.view(framework, panel, focus, caller.lang)
    return render(request, "eco.html", caller=caller, run=run, view=view, focus=focus,
                  units=sorted(found.units), near=f"{eco_view.RULE.near * 100:g}",
                  window=eco_view.RULE.min_points, charts={"trend": _chart(view, t)})


@routes.add("GET", "/runs/{run_id}/eco/report.docx")
def eco_report(request: Request, run: Annotated[Run, Depends(_run_readable)], caller: ReaderDep) -> Response:
    """Download the 生态文明建设情况报告 draft of the focus unit (``?unit=``), marked 未审核 if so.

    A run whose framework has no target gets the page that says so: there is no draft to write.
    """
    framework, panel = runs.inputs_of(run)
    if not eco_view.has_targets(framework):
        return render(request, "eco.html", caller=caller, run=run, view=None)
    found = runs.results_of(run)
    focus = _focus(request, caller, run, found)
    demo = True if request.app.state.settings.demo else None     # else the library recognises its data
    data = eco_view.report(framework, panel, focus, lang=caller.lang, synthetic=demo,
                           unapproved=None if run.approved else run.unapproved_values)
    name = f"{focus}{run.period}年生态文明建设情况报告（草稿）-评价{run.id}.docx"
    # RFC 6266/5987: the UTF-8 name, and a readable ASCII name for clients that ignore filename*.
    disposition = (f'attachment; filename="zongheng-run-{run.id}-eco-report.docx"; '
                   f"filename*=UTF-8''{quote(name, safe='')}")
    return Response(data, media_type=DOCX, headers={"Content-Disposition": disposition})
