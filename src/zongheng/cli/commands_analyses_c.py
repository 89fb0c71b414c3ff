"""Commands ``path`` (找方法、找路径) and ``whatif`` (情景模拟)."""

from __future__ import annotations

from pathlib import Path
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
    check_file,
    check_unit,
    echo_json,
    fail,
    flag,
    load_evaluation,
    run,
    use_lang,
)
from zongheng.cli.lazy import lazy
from zongheng.cli.render import print_path, print_whatif
from zongheng.i18n import register_messages, text

if TYPE_CHECKING:
    from zongheng.analysis.path import path
    from zongheng.analysis.whatif import whatif
    from zongheng.evaluation import Evaluation
else:  # imported on first use: ``zongheng --help`` must not load pandas, scipy or the analyses
    path = lazy("zongheng.analysis.path", "path")
    whatif = lazy("zongheng.analysis.whatif", "whatif")

register_messages({
    "cli_bad_max_change": (
        "--max-change 必须是正数或 none，实际为 {value!r}",
        "--max-change must be a positive number or none, got {value!r}",
    ),
    "cli_bad_margin": (
        "--margin 必须是不小于 0 的数（高出目标所需得分的分数），实际为 {value!r}",
        "--margin must be a number ≥ 0 (score points above what the target needs), got {value!r}",
    ),
    "cli_path_bad_item": (
        "{option} 中的 '{item}' 应写成 {form}（如 {example}）",
        "{option}: '{item}' should read {form} (e.g. {example})",
    ),
    "cli_path_bad_cost": (
        "{option} 中 {code} 的成本 '{value}' 不是正数",
        "{option}: the cost '{value}' of {code} is not a positive number",
    ),
    "cli_path_bad_bound": (
        "{option} 中 {code} 的{side} '{value}' 不是数字",
        "{option}: the {side} '{value}' of {code} is not a number",
    ),
    "cli_path_bounds_order": (
        "{option} 中 {code} 的下限 {lo} 大于上限 {hi}",
        "{option}: the lower bound {lo} of {code} is above its upper bound {hi}",
    ),
    "cli_path_lower": ("下限", "lower bound"),
    "cli_path_upper": ("上限", "upper bound"),
    "cli_path_unknown": (
        "{option} 中的 '{name}' 不是指标或维度的代码、名称，也不匹配任何指标代码",
        "{option}: '{name}' is neither an indicator's nor an aggregate's code or name, and "
        "matches no indicator code",
    ),
    "cli_scenario_format": (
        "情景文件每行一个变化，列为 单位、指标，以及 新值 或 变化（如 0.1 表示 +10%）",
        "a scenario file has one change per row: unit, indicator, and value or change (0.1 = +10 %)",
    ),
})

UnitOpt = Annotated[str, typer.Option("--unit", help="单位代码或名称 unit code or name")]
TargetOpt = Annotated[int, typer.Option("--target-rank", help="目标名次 target rank (1 = first)")]
GroupOpt = Annotated[str | None, typer.Option(help="分组列 group column: rank within the group")]
PeriodOpt = Annotated[str | None, typer.Option(help="时期 period (default: last)")]
MaxChangeOpt = Annotated[str, typer.Option(
    "--max-change", help="单指标最大相对变化 largest relative change (0.2 = 20 %; none: no cap)")]
_LEVERS = ("指标或维度的代码、名称或通配符，逗号分隔，可重复 indicators, aggregates or wildcards, "
           "comma-separated, repeatable (e.g. W, 工作评价, 'W0*')")
ExcludeOpt = Annotated[list[str] | None, typer.Option(
    "--exclude", help=f"不作为调整对象的指标 indicators that keep their values: {_LEVERS}")]
OnlyOpt = Annotated[list[str] | None, typer.Option(
    "--only", help=f"只调整这些指标 the only indicators that may change: {_LEVERS}")]
CostOpt = Annotated[str | None, typer.Option(
    "--cost", help="调整成本 cost per indicator: CODE=x,… (default 1; e.g. 'W*=3,E02=2')")]
BoundsOpt = Annotated[str | None, typer.Option(
    "--bounds", help="原值上下限 raw-value bounds: CODE=lo:hi,… (an empty side keeps the default)")]
MarginOpt = Annotated[str, typer.Option(
    "--margin", help="余量 score points above what the target rank needs (default 0: a tie reaches "
                     "it; needed values are always rounded toward improvement as printed)")]


def _max_change(value: str) -> float | None:
    if value.strip().lower() in ("none", "null", "无", "不限"):
        return None
    try:
        number = float(value.rstrip("%")) / (100.0 if value.endswith("%") else 1.0)
    except ValueError:
        fail(text("cli_bad_max_change", value=value))
    if not number > 0:
        fail(text("cli_bad_max_change", value=value))
    return number


def _items(text_: str | None) -> list[str]:
    """Split an option's value on commas (also ，;；) into stripped, non-empty items."""
    for sep in "，;；":
        text_ = (text_ or "").replace(sep, ",")
    return [item.strip() for item in (text_ or "").split(",") if item.strip()]


def _pairs(text_: str | None, option: str, form: str, example: str) -> dict[str, str]:
    """Read ``CODE=VALUE,…`` into a mapping; a malformed item stops with a message naming the option."""
    out = {}
    for item in _items(text_):
        code, sep, value = item.replace("＝", "=").partition("=")
        if not sep or not code.strip() or not value.strip():
            fail(text("cli_path_bad_item", option=option, item=item, form=form, example=example))
        out[code.strip()] = value.strip()
    return out


def _costs(text_: str | None) -> dict[str, float]:
    import math

    costs = {}
    for code, value in _pairs(text_, "--cost", "CODE=x", "W*=3").items():
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not (math.isfinite(number) and number > 0):
            fail(text("cli_path_bad_cost", option="--cost", code=code, value=value))
        costs[code] = number
    return costs


def _bounds(text_: str | None) -> dict[str, tuple[float | None, float | None]]:
    import math

    bounds = {}
    for code, value in _pairs(text_, "--bounds", "CODE=lo:hi", "E02=:80").items():
        lo_text, sep, hi_text = value.replace("：", ":").partition(":")
        if not sep:
            fail(text("cli_path_bad_item", option="--bounds", item=f"{code}={value}",
                      form="CODE=lo:hi", example="E02=:80"))
        sides = []
        for side, part in (("cli_path_lower", lo_text), ("cli_path_upper", hi_text)):
            try:
                number = float(part) if part.strip() else None
            except ValueError:
                number = math.nan
            if number is not None and not math.isfinite(number):
                fail(text("cli_path_bad_bound", option="--bounds", code=code, side=text(side),
                          value=part))
            sides.append(number)
        lo, hi = sides
        if lo is not None and hi is not None and lo > hi:
            fail(text("cli_path_bounds_order", option="--bounds", code=code, lo=lo, hi=hi))
        bounds[code] = (lo, hi)
    return bounds


def _margin(value: str) -> float:
    import math

    try:
        number = float(value)
    except ValueError:
        fail(text("cli_bad_margin", value=value))
    if not (math.isfinite(number) and number >= 0):
        fail(text("cli_bad_margin", value=value))
    return number


def _check_names(ev: Evaluation, named: dict[str, list[str]]) -> None:
    """Stop with every name, per option, that stands for no indicator."""
    from zongheng.analysis.path import indicator_positions

    unknown = [text("cli_path_unknown", option=option, name=name)
               for option, names in named.items() for name in names
               if not indicator_positions(ev, name)]
    if unknown:
        fail("\n".join(unknown))


@app.command("path")
def path_command(
    unit: UnitOpt,
    target_rank: TargetOpt,
    framework: FrameworkArg = None,
    data: DataArg = None,
    method: MethodOpt = None,
    group: GroupOpt = None,
    max_change: MaxChangeOpt = "0.2",
    exclude: ExcludeOpt = None,
    only: OnlyOpt = None,
    cost: CostOpt = None,
    bounds: BoundsOpt = None,
    margin: MarginOpt = "0",
    period: PeriodOpt = None,
    dataset: DatasetOpt = None,
    sheet: SheetOpt = None,
    units: UnitsOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = "zh",
) -> None:
    """找路径：达到目标名次的最小调整 — the least change that reaches a target rank."""
    use_lang(lang)
    cap = _max_change(max_change)
    points = _margin(margin)
    costs, limits = _costs(cost), _bounds(bounds)
    held = [name for given in exclude or [] for name in _items(given)]
    levers = None if only is None else [name for given in only for name in _items(given)]
    ev, _ = load_evaluation(framework, data, method, dataset, sheet, units)
    check_unit(ev.panel, unit)
    _check_names(ev, {"--exclude": held, "--only": levers or [], "--cost": list(costs),
                      "--bounds": list(limits)})
    result = run(lambda: path(ev, unit, target_rank, period=period, group=group, max_change=cap,
                              cost=costs, bounds=limits, exclude=held, only=levers,
                              margin=points),
                 {"unit": "--unit", "period": period and "--period", "group": group and "--group",
                  "target_rank": "--target-rank", "max_change": "--max-change",
                  "margin": margin and "--margin"})
    if as_json:
        echo_json(result.to_dict())
        return
    print_path(ev, result)


@app.command("whatif")
def whatif_command(
    scenario: Annotated[Path, typer.Option("--scenario", help="情景 scenario: .yaml, .csv, .xlsx")],
    framework: FrameworkArg = None,
    data: DataArg = None,
    method: MethodOpt = None,
    frozen: Annotated[bool, flag(
        "--frozen", help="冻结参数重算 replay with learned parameters frozen (default: rebuild)")]
    = False,
    group: GroupOpt = None,
    period: PeriodOpt = None,
    top: Annotated[int | None, typer.Option(min=1, help="只显示前 N 名 show the top N only")] = None,
    dataset: DatasetOpt = None,
    sheet: SheetOpt = None,
    units: UnitsOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = "zh",
) -> None:
    """情景模拟：改变部分指标值后的得分与排名 — scores and ranks after some values change."""
    use_lang(lang)
    check_file(scenario, "--scenario", text("cli_scenario_format"), examples=True)
    ev, _ = load_evaluation(framework, data, method, dataset, sheet, units)
    result = run(lambda: whatif(ev, scenario, refit=not frozen, period=period, group=group),
                 {"period": period and "--period", "group": group and "--group"})
    if as_json:
        echo_json(result.to_dict())
        return
    print_whatif(ev, result, top)
