"""Commands ``strengths`` (找问题: 优势、短板、退步指标) and ``gap`` (找差距)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

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
    check_unit,
    echo_json,
    fail,
    load_evaluation,
    run,
    use_lang,
)
from zongheng.cli.lazy import lazy
from zongheng.cli.render import print_gap, print_strengths
from zongheng.i18n import register_messages, text

if TYPE_CHECKING:
    from zongheng.analysis.gap import GapResult, gap
    from zongheng.evaluation import Evaluation
else:  # imported on first use: ``zongheng --help`` must not load pandas or the analyses
    gap = lazy("zongheng.analysis.gap", "gap")

register_messages({
    "gapcli_unit_required": ("请用 --unit 指定单位", "--unit is required"),
})

UnitOpt = Annotated[str | None, typer.Option("--unit", "-u", help="单位 unit code or name")]
GroupOpt = Annotated[str | None, typer.Option(help="分组列 group column: peers share the unit's label")]
PeriodOpt = Annotated[str | None, typer.Option(help="时期 period (default: last)")]


def _h(key: str, **params: object) -> str:
    return text(f"gapcli_{key}", **params)


def _versus(ev: Evaluation, vs: str) -> str | float:
    """Read ``--vs``: a keyword or a unit first (unit codes may be digits), then a score."""
    if vs in ("next", "leader") or vs in ev.panel.units or vs in ev.panel.names():
        return vs
    try:
        return float(vs)
    except ValueError:
        return vs  # the library names it as an unknown unit and lists the known ones


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
    check_unit(ev.panel, unit)
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
    print_gap(ev, result, top)


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
    check_unit(ev.panel, unit)
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
