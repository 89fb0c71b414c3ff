"""Commands ``strengths`` (找问题: 优势、短板、退步指标) and ``gap`` (找差距)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from zongheng.cli.app import app
from zongheng.cli.common import (
    DataArg,
    DatasetOpt,
    FrameworkArg,
    JsonOpt,
    LangOpt,
    MethodOpt,
    SheetOpt,
    UnitsOpt,
    check_group,
    console,
    echo_json,
    fail,
    fmt,
    load_evaluation,
    run,
    use_lang,
)
from zongheng.cli.lazy import lazy
from zongheng.cli.render import print_strengths
from zongheng.i18n import get_lang, register_messages, text

if TYPE_CHECKING:
    import pandas as pd

    from zongheng.analysis.gap import GapResult, gap
    from zongheng.evaluation import Evaluation
    from zongheng.framework import Framework
else:  # imported on first use: ``zongheng --help`` must not load pandas or the analyses
    pd = lazy("pandas")
    gap = lazy("zongheng.analysis.gap", "gap")

register_messages({
    "gapcli_unit_required": ("请用 --unit 指定单位", "--unit is required"),
    "gapcli_gap_title": ("找差距 · {period}", "Gap · {period}"),
    "gapcli_compare": (
        "{unit}（{unit_score}，第 {unit_rank}/{size} 名）对比 {peer}（{peer_score}，第 {peer_rank} 名）"
        "：差距 {gap}",
        "{unit} ({unit_score}, rank {unit_rank}/{size}) vs {peer} ({peer_score}, rank {peer_rank}): "
        "gap {gap}",
    ),
    "gapcli_method": ("分解方法: {method}", "Attribution: {method}"),
    "gapcli_by_dimension": ("按维度小计", "Subtotals by dimension"),
    "gapcli_total": ("合计", "Total"),
    "gapcli_more": ("另有 {n} 个指标未列出（用 --top 调整）", "{n} more indicator(s) not listed (see --top)"),
    "gapcli_indicator": ("指标", "Indicator"),
    "gapcli_name": ("名称", "Name"),
    "gapcli_dimension": ("维度", "Dimension"),
    "gapcli_unit_value": ("本单位值", "Unit value"),
    "gapcli_peer_value": ("对标值", "Peer value"),
    "gapcli_unit_normalised": ("本单位标准化", "Unit normalised"),
    "gapcli_peer_normalised": ("对标标准化", "Peer normalised"),
    "gapcli_unit_score": ("本单位得分", "Unit score"),
    "gapcli_peer_score": ("对标得分", "Peer score"),
    "gapcli_contribution": ("贡献", "Contribution"),
    "gapcli_share": ("占差距", "Share of gap"),
    "gapcli_department": ("牵头单位", "Lead department"),
    "gapcli_method_exact-linear": ("精确线性分解", "exact linear"),
    "gapcli_method_shapley": ("Shapley 值分解", "Shapley values"),
    "gapcli_method_effective-weight": ("按有效权重分摊（假设对象）", "by effective weight (hypothetical)"),
})

UnitOpt = Annotated[str | None, typer.Option("--unit", "-u", help="单位 unit code or name")]
GroupOpt = Annotated[str | None, typer.Option(help="分组列 group column: peers share the unit's label")]
PeriodOpt = Annotated[str | None, typer.Option(help="时期 period (default: last)")]

_TEXT_COLUMNS = ("kind", "indicator", "name", "dimension", "measure", "department")


def _h(key: str, **params: object) -> str:
    return text(f"gapcli_{key}", **params)


def _label(framework: Framework, code: str) -> str:
    return framework.label(code, get_lang())


def _versus(ev: Evaluation, vs: str) -> str | float:
    """Read ``--vs``: a keyword or a unit first (unit codes may be digits), then a score."""
    if vs in ("next", "leader") or vs in ev.panel.units or vs in ev.panel.names():
        return vs
    try:
        return float(vs)
    except ValueError:
        return vs  # the library names it as an unknown unit and lists the known ones


def _percent(value: object) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{100 * float(value):.1f}%"




# -- gap ----------------------------------------------------------------------------------------


def _print_gap(ev: Evaluation, result: GapResult, top: int | None) -> None:
    fw = ev.framework
    out = console()
    unit = f"{result.unit_name} ({result.unit})" if result.unit_name != result.unit else result.unit
    peer = result.peer_name
    if result.peer is not None and result.peer_name != result.peer:
        peer = f"{result.peer_name} ({result.peer})"
    out.print(_h("gap_title", period=result.period), markup=False)
    out.print(_h("compare", unit=unit, unit_score=fmt(result.unit_score), unit_rank=result.unit_rank,
                 size=result.group_size, peer=peer, peer_score=fmt(result.peer_score),
                 peer_rank=result.peer_rank, gap=fmt(result.gap)), markup=False)
    out.print(_h("method", method=_h(f"method_{result.method}")), markup=False)

    table = Table()
    for key in ("indicator", "dimension", "unit_value", "peer_value", "unit_normalised",
                "peer_normalised", "contribution", "share", "department"):
        table.add_column(_h(key), justify="left" if key in _TEXT_COLUMNS else "right")
    rows = result.indicators if top is None else result.indicators.head(top)
    for r in rows.to_dict("records"):
        table.add_row(_label(fw, r["indicator"]), _label(fw, r["dimension"]), fmt(r["unit_value"]),
                      fmt(r["peer_value"]), fmt(r["unit_normalised"]), fmt(r["peer_normalised"]),
                      fmt(r["contribution"], 3), _percent(r["share"]), r["department"] or "—")
    out.print(table)
    if len(rows) < len(result.indicators):
        out.print(_h("more", n=len(result.indicators) - len(rows)), markup=False)

    dims = Table(title=_h("by_dimension"))
    for key in ("dimension", "name", "unit_score", "peer_score", "contribution", "share"):
        dims.add_column(_h(key), justify="left" if key in _TEXT_COLUMNS else "right")
    for r in result.dimensions.to_dict("records"):
        dims.add_row(r["dimension"], _label(fw, r["dimension"]), fmt(r["unit_score"]),
                     fmt(r["peer_score"]), fmt(r["contribution"], 3), _percent(r["share"]))
    dims.add_row(_h("total"), "", fmt(result.unit_score), fmt(result.peer_score),
                 fmt(result.total, 3), _percent(1.0 if result.gap else None))
    out.print(dims)
    for note in result.notes:
        out.print(note, markup=False)


@app.command("gap")
def gap_command(
    framework: FrameworkArg = None,
    data: DataArg = None,
    unit: UnitOpt = None,
    vs: Annotated[str, typer.Option("--vs", help="next | leader | 单位 UNIT | 目标分 SCORE")]
    = "next",
    group: GroupOpt = None,
    period: PeriodOpt = None,
    top: Annotated[int | None, typer.Option(min=1, help="只列出贡献最大的 N 个指标 list the N "
                                                        "largest contributions only")] = None,
    method: MethodOpt = None,
    dataset: DatasetOpt = None,
    sheet: SheetOpt = None,
    units: UnitsOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = "zh",
) -> None:
    """找差距 — the index gap to the next unit, the leader, a peer or a target, per indicator."""
    use_lang(lang)
    if unit is None:
        fail(_h("unit_required"))
    ev, _ = load_evaluation(framework, data, method, dataset, sheet, units)
    versus = _versus(ev, vs)
    from zongheng.errors import ArgumentError, MethodError

    # The library names its parameters (versus, unit …); here the user typed options.
    options = {"versus": "--vs", "unit": "--unit", "period": "--period", "group": "--group"}

    def analyse() -> GapResult:
        try:
            return gap(ev, unit, versus=versus, period=period, group=group)
        except (ArgumentError, MethodError) as exc:
            if not all(p.key in options for p in exc.problems):
                raise
            fail("\n".join(f"{options[p.key]}: {text(p.kind, **p.params)}" for p in exc.problems))

    result = run(analyse)
    if as_json:
        echo_json(result.to_dict())
        return
    _print_gap(ev, result, top)


# -- strengths ----------------------------------------------------------------------------------


@app.command("strengths")
def strengths_command(
    framework: FrameworkArg = None,
    data: DataArg = None,
    unit: UnitOpt = None,
    group: GroupOpt = None,
    k: Annotated[int, typer.Option("--k", min=1, help="前后各 k 名 top and bottom k")] = 3,
    period: PeriodOpt = None,
    method: MethodOpt = None,
    dataset: DatasetOpt = None,
    sheet: SheetOpt = None,
    units: UnitsOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = "zh",
) -> None:
    """找问题 — the unit's strong, weak and declining indicators among its peers."""
    from zongheng.analysis.strengths import strengths

    use_lang(lang)
    if unit is None:
        fail(_h("unit_required"))
    ev, _ = load_evaluation(framework, data, method, dataset, sheet, units)
    check_group(ev, group)
    options = {"unit": "--unit", "period": "--period" if period is not None else None, "k": "--k",
               "group": "--group" if group is not None else None}
    frame = run(lambda: strengths(ev, unit, period=period, group=group, k=k), options)
    if as_json:
        echo_json({**{key: frame.attrs[key] for key in ("unit", "period", "previous_period",
                                                          "group", "label")},
                   "k": k, "rows": frame})
        return
    print_strengths(ev, frame)
