"""The dashboard of a run (领导驾驶舱): one page, red/yellow/green, rank and change at a glance.

Every reader of the run (:mod:`~zongheng.platform.services.run_access`) opens it. It shows, for a
focus unit (the first of the caller's own regions in the run, or ``?unit=``): its rank and the
rank target 保三争二 within its group, P(rank ≤ k) kept when the run was made, the rank per
period, the scorecard of every dimension and indicator, the county map and the ranking with the
group filter. Charts are ECharts served from our origin; their options travel in JSON data
islands read by ``static/dashboard.js`` (the CSP forbids inline script).
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.
import functools
import json
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response

from zongheng import display
from zongheng.i18n import register_messages
from zongheng.platform.models import Run
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.pages.runs import ReaderDep, _ranking, _run_readable
from zongheng.platform.services import dashboard, run_access, runs
from zongheng.platform.services.run_inputs import _unit_names
from zongheng.platform.services.runs import Results

__all__ = ["MAP_DATA", "REPORT_STATIC", "routes"]

routes = Routes()

_REPORT = FilePath(__file__).resolve().parent.parent.parent / "report"
REPORT_STATIC = _REPORT / "static"
"""The vendored ECharts (report/static/echarts.min.js), served at /static/report/."""
MAP_DATA = _REPORT / "data"
"""The bundled county boundaries (report/data/zhejiang_counties.geojson), served at /static/maps/."""

register_messages({
    "pf_dash_link": ("驾驶舱", "Dashboard"),
    "pf_dash_title": ("驾驶舱 · {name} · {period} · 评价结果 #{id}",
                      "Dashboard · {name} · {period} · evaluation #{id}"),
    "pf_dash_focus": ("关注地区", "Focus region"),
    "pf_dash_unknown_unit": ("该地区不在本次评价中。", "That region is not in this evaluation."),
    "pf_dash_rank_all": ("全部 {n} 个地区中第 {rank} 名", "Rank {rank} of {n} regions"),
    "pf_dash_rank_group": ("{group}（{n} 个）中第 {rank} 名", "Rank {rank} of {n} in {group}"),
    "pf_dash_target": ("位次目标：保三争二", "Rank target: hold 3rd, reach 2nd"),
    "pf_dash_target_k": ("第 {k} 名得分", "Score of rank {k}"),
    "pf_dash_needed": ("还差", "Points needed"),
    "pf_dash_held": ("已达成", "Held"),
    "pf_dash_target_note": ("按本次评价的得分：第 k 名得分为组内第 k 高的综合得分，"
                            "差距 = 该得分 − 本地区得分。提升路径见地区页。",
                            "From this run's scores: the score of rank k is the k-th best index score in the "
                            "group; points needed = that score − this region's. "
                            "The path is on the region page."),
    "pf_dash_prob": ("位次概率 P(位次 ≤ k)", "P(rank ≤ k)"),
    "pf_dash_prob_note": ("权重随机扰动 ±25%，{n} 次抽样（种子 {seed}），评价时计算。",
                          "Weights perturbed by ±25 %, {n} samples (seed {seed}), computed with the run."),
    "pf_dash_prob_none": ("未计算（本次评价生成时未做不确定性分析）。",
                          "Not computed (this run was made without the uncertainty analysis)."),
    "pf_dash_overall": ("全部地区", "All regions"),
    "pf_dash_trajectory": ("历年位次", "Rank by period"),
    "pf_dash_map": ("综合得分地图", "Index score map"),
    "pf_dash_map_note": ("示意图：县界为简化的示意数据，不是标准地图（无审图号），不可用于正式出版。",
                         "Illustrative: simplified county outlines, not a 标准地图 (no 审图号); "
                         "not for publication."),
    "pf_dash_map_demo": ("地图上的数值为合成演示数据。", "The values on the map are synthetic demo data."),
    "pf_dash_unmatched": ("地图上没有边界的地区：", "Regions without a boundary on the map:"),
    "pf_dash_scorecard": ("得分卡", "Scorecard"),
    "pf_dash_rule_peers": ("颜色按在同组 {n} 个地区中的位次：绿 = 前三分之一（位次 ≤ n/3），"
                           "红 = 后三分之一（位次 > 2n/3），黄 = 其间。",
                           "Colour by rank among the {n} peers: green = top third (rank ≤ n/3), "
                           "red = bottom third (rank > 2n/3), yellow = between."),
    "pf_dash_rule_target": ("有目标值的指标按目标达成预警着色（达标且未变差为绿）。",
                            "Indicators with a target take the target-attainment warning light."),
    "pf_dash_peers": ("同组", "Peers"),
    "pf_dash_node": ("维度 / 指标", "Dimension / indicator"),
    "pf_dash_colour": ("状态", "Status"),
    "pf_dash_green": ("绿", "green"),
    "pf_dash_yellow": ("黄", "yellow"),
    "pf_dash_red": ("红", "red"),
    "pf_dash_none": ("无", "none"),
    "pf_dash_ranking": ("排名", "Ranking"),
    "pf_dash_unit_page": ("详情", "Details"),
    "pf_dash_in_group": ("{column}", "{column}"),
    "pf_dash_not_in_group": ("非{column}", "not {column}"),
    "pf_dash_value_target": ("值 {value} / 目标 {target}", "value {value} / target {target}"),
})


def _label(column: str, label: str | None, t) -> str:
    """Show a group label as people read it: 山区26县's 1/0 become 山区26县 / 非山区26县."""
    if label in ("1", "0"):
        return t("pf_dash_in_group" if label == "1" else "pf_dash_not_in_group", column=column)
    return label or "—"


def _focus(request: Request, caller, run: Run, found: Results) -> str:
    """Return ``?unit=`` if it is one of the run's units (else 404), or the caller's first region in it."""
    asked = request.query_params.get("unit")
    if asked is not None:
        if asked not in found.units:
            raise HTTPException(status_code=404, detail="pf_dash_unknown_unit")
        return asked
    mine = run_access.regions_in_scope(caller.db, caller.grants)
    own = [c for c in json.loads(run.regions) if c in mine]
    for name in _unit_names(caller.db, own):
        if name in found.units:
            return name
    return found.units[0]      # a reader whose own regions are not units of the run (by name)


def _groups(request: Request, found: Results, focus: str
            ) -> tuple[dict[str, list[str]], tuple[str, str] | None, tuple[str, str] | None]:
    """Return the filter's choices, the ranking's group (column, label) and the focus unit's group.

    No ``group`` in the query: the first column in which the focus unit has a label, its label.
    """
    choices = {g: sorted({x for x in labels if x is not None}) for g, labels in found.groups.items()}
    u = found.units.index(focus)
    own = {g: labels[u] for g, labels in found.groups.items() if labels[u] is not None}
    if "group" not in request.query_params:
        column = next(iter(own), None)
        table = (column, own[column]) if column is not None else None
    else:
        column, label = request.query_params.get("group", ""), request.query_params.get("label", "")
        table = (column, label) if column in choices and label in choices[column] else None
    mine = (table[0], own[table[0]]) if table is not None and table[0] in own else None
    return choices, table, mine


@functools.lru_cache(maxsize=16)
def _match(units: tuple[str, ...]):
    """Match units to the bundled boundaries once per set of units (parsing them takes ~40 ms)."""
    from zongheng.report.maps import load_counties, match_units

    return match_units(units, load_counties())


def _map(found: Results, root: str, focus: str, series: str) -> tuple[dict, list[str]]:
    from zongheng.report.maps import choropleth_option

    last, col = len(found.periods) - 1, found.nodes.index(root)
    values = {unit: float(found.scores[last, u, col]) for u, unit in enumerate(found.units)}
    match = _match(tuple(found.units))
    option = choropleth_option(values, match, highlight=focus, series_name=series)
    # Tooltips drawn on the canvas (richText): the HTML ones carry inline styles the CSP refuses.
    option["tooltip"] = {"trigger": "item", "renderMode": "richText", "formatter": "{b}\n{a}: {c}"}
    return option, list(match.unmatched)


def _trajectory_option(periods: list[str], overall: list, within: list, names: tuple[str, str]) -> dict:
    series = [{"type": "line", "name": names[0], "data": overall, "connectNulls": False}]
    if within:
        series.append({"type": "line", "name": names[1], "data": within, "connectNulls": False})
    return {"tooltip": {"trigger": "axis", "renderMode": "richText"},
            "legend": {"data": [s["name"] for s in series], "top": 0},
            "grid": {"left": 40, "right": 20, "top": 30, "bottom": 30},
            "xAxis": {"type": "category", "data": periods},
            "yAxis": {"type": "value", "inverse": True, "min": 1, "minInterval": 1},
            "series": series}


@routes.add("GET", "/runs/{run_id}/dashboard")
def dashboard_page(request: Request, run: Annotated[Run, Depends(_run_readable)],
                   caller: ReaderDep) -> Response:
    """Show a run's dashboard for a focus unit (``?unit=``), with the group filter (``?group=&label=``)."""
    from zongheng.platform.pages.messages import translator

    t = translator(caller.lang)
    framework, panel = runs.inputs_of(run)
    found = runs.results_of(run)
    focus = _focus(request, caller, run, found)
    choices, table, mine = _groups(request, found, focus)
    root = framework.root.code
    rows, dims = _ranking(found, framework, caller.lang, table)
    overall_rows, _ = _ranking(found, framework, caller.lang, None) if table is not None else (rows, dims)
    me = next(r for r in overall_rows if r["unit"] == focus)
    group_name = f"{mine[0]}：{_label(mine[0], mine[1], t)}" if mine is not None else t("pf_dash_overall")
    target = dashboard.rank_target(found, root, focus, mine)
    ranks, group_ranks = dashboard.trajectory(found, root, focus, mine)
    p_top, group_p_top = dashboard.probabilities(found, focus, mine)
    lights = dashboard.scorecard(found, framework, panel, focus, mine, caller.lang)
    root_name = framework.root.name
    if caller.lang == "en" and framework.root.name_en:
        root_name = framework.root.name_en
    map_option, unmatched = _map(found, root, focus, root_name)
    periods = [str(p) for p in found.periods]
    charts = {"echarts": "/static/report/echarts.min.js", "geo": "/static/maps/zhejiang_counties.geojson",
              "map_name": map_option["series"][0]["map"], "map": map_option,
              "trajectory": _trajectory_option(periods, ranks, group_ranks,
                                               (t("pf_dash_overall"), group_name))}
    overall_n = sum(r["rank"] is not None for r in overall_rows)
    return render(request, "dashboard.html", caller=caller, run=run, focus=focus, me=me,
                  overall_n=overall_n, rows=rows, dims=dims,
                  choices=choices, table=table, mine=mine, group_name=group_name, target=target,
                  periods=periods, ranks=ranks, group_ranks=group_ranks, p_top=p_top,
                  group_p_top=group_p_top,
                  summary=found.uncertainty, lights=lights, charts=charts, unmatched=unmatched,
                  units=sorted(found.units), label=lambda c, x: _label(c, x, t),
                  peer_rule=any(x.rule == "peers" for x in lights),
                  target_rule=any(x.rule == "target" for x in lights), score=display.score)
