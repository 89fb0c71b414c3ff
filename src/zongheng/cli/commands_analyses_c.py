"""Commands ``path`` (找方法、找路径) and ``whatif`` (情景模拟)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
    console,
    echo_json,
    fail,
    fmt,
    load_evaluation,
    run,
    use_lang,
)
from zongheng.cli.lazy import lazy
from zongheng.i18n import get_lang, register_messages, text

if TYPE_CHECKING:
    import pandas as pd

    from zongheng.analysis.path import PathResult, path
    from zongheng.analysis.whatif import WhatIfResult, whatif
    from zongheng.evaluation import Evaluation
else:  # imported on first use: ``zongheng --help`` must not load pandas, scipy or the analyses
    pd = lazy("pandas")
    path = lazy("zongheng.analysis.path", "path")
    whatif = lazy("zongheng.analysis.whatif", "whatif")

register_messages({
    "cli_path_title": ("找路径 · {unit} {name} · {period}", "Path · {unit} {name} · {period}"),
    "cli_path_target": ("目标名次", "Target rank"),
    "cli_path_in_group": ("（{group} 组内）", " (within {group})"),
    "cli_path_now": ("当前", "Now"),
    "cli_path_after": ("调整后（完整重建验证）", "After the changes (verified by a full rebuild)"),
    "cli_path_rank_score": ("第 {rank} 名，得分 {score}", "rank {rank}, score {score}"),
    "cli_path_reachable": ("能否达到", "Reachable"),
    "cli_path_yes": ("能", "yes"),
    "cli_path_no": ("不能（最好第 {best} 名）", "no (best rank {best})"),
    "cli_path_needed": ("需达到的得分", "Score needed"),
    "cli_path_solver": ("求解方法", "Solver"),
    "cli_path_effort": ("调整量（相对变化之和）", "Effort (sum of relative changes)"),
    "cli_path_assumption": ("假设", "Assumption"),
    "cli_path_note": ("说明", "Note"),
    "cli_path_nothing": ("无需调整任何指标", "No indicator needs to change"),
    "cli_path_solver_lp": ("线性规划", "linear programme"),
    "cli_path_solver_it": ("迭代求解", "iterative"),
    "cli_path_solver_levels": ("逐层求解", "level by level"),
    "cli_col_indicator": ("指标", "Indicator"),
    "cli_col_name": ("名称", "Name"),
    "cli_col_measure": ("计量单位", "Unit"),
    "cli_col_now_needed": ("现值 → 需达到", "Now → needed"),
    "cli_col_change": ("变化（%）", "Change (%)"),
    "cli_col_change_pct": ("变化率 %", "Change %"),
    "cli_col_effort_share": ("占调整量", "Share"),
    "cli_col_department": ("牵头单位", "Lead department"),
    "cli_whatif_changes": ("情景变化", "Scenario changes"),
    "cli_whatif_title": ("情景模拟 · {period} · {how}", "What-if · {period} · {how}"),
    "cli_whatif_refit": ("完整重建", "full rebuild"),
    "cli_whatif_frozen": ("参数冻结", "parameters frozen"),
    "cli_col_unit": ("单位", "Unit"),
    "cli_col_period": ("时期", "Period"),
    "cli_col_before": ("原值", "Before"),
    "cli_col_after": ("新值", "After"),
    "cli_col_rank_after": ("新排名（升降）", "Rank (±)"),
    "cli_col_index_before": ("原得分", "Before"),
    "cli_col_index_after": ("新得分", "After"),
    "cli_col_index_change": ("得分变化", "Change"),
    "cli_col_group_rank_after": ("组内新排名（升降）", "In group (±)"),
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
    "cli_path_best": ("在上下限内最好可达", "Best rank within the bounds"),
    "cli_path_rank": ("第 {rank} 名", "rank {rank}"),
    "cli_path_margin": ("余量", "Margin"),
    "cli_path_points": ("{points} 分", "{points} points"),
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


def _signed(value: Any, digits: int = 2) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{value:+.{digits}f}" if isinstance(value, float) else f"{int(value):+d}"


def _number(value: Any, *, sign: bool = False) -> str:
    """Format a raw value with 4 significant digits, never in scientific notation.

    Raw units vary by orders of magnitude: money-sized values (≥ 10,000) are
    whole numbers with thousands separators (12,345,678); smaller ones keep 4
    significant digits (3.683, 0.0001234). Needed values of a path are rounded
    to 4 significant digits, so they print exactly.
    """
    import math  # stdlib, local: this module's imports are kept lazy

    if value is None or pd.isna(value):
        return "—"
    value = float(value)
    plus = "+" if sign else ""
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 1e4:
        return f"{value:{plus},.0f}"
    if value == 0 or abs(value) >= 1e-4:
        return f"{value:{plus}.4g}"
    decimals = 3 - math.floor(math.log10(abs(value)))
    return f"{value:{plus}.{decimals}f}"


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


def _print_path(ev: Evaluation, result: PathResult) -> None:
    import math

    lang = get_lang()
    out = console()
    # A unit whose name is its code (永康市 永康市) is named once.
    name = result.name if result.name != result.unit else ""
    out.print(text("cli_path_title", unit=result.unit, name=name, period=result.period).replace(
        "  ", " "), markup=False)
    group = text("cli_path_in_group", group=result.group) if result.group else ""
    summary = [
        (text("cli_path_target"), f"{result.target_rank}{group}"),
        (text("cli_path_now"), text("cli_path_rank_score", rank=result.current_rank,
                                    score=fmt(result.current_score))),
        (text("cli_path_after"), text("cli_path_rank_score", rank=result.achieved_rank,
                                      score=fmt(result.achieved_score))),
        (text("cli_path_reachable"), text("cli_path_yes") if result.reachable
         else text("cli_path_no", best=result.best_rank)),
        *([(text("cli_path_best"), text("cli_path_rank", rank=result.best_rank))]
          if result.reachable else []),  # else the line above says it
        (text("cli_path_needed"), fmt(result.needed_score) if math.isfinite(result.needed_score)
         else "—"),
        *([(text("cli_path_margin"), text("cli_path_points", points=f"{result.margin:g}"))]
          if result.margin > 0 else []),
        (text("cli_path_solver"), text({"linear-programme": "cli_path_solver_lp",
                                        "level-by-level": "cli_path_solver_levels"}.get(
            result.solver, "cli_path_solver_it"))),
        (text("cli_path_effort"), f"{100 * result.effort:.1f}%"),
    ]
    for label, value in summary:
        out.print(f"{label}: {value}", markup=False)
    if len(result.changes):
        changes = result.changes
        keys = ["indicator", "name", "measure", "now_needed", "change", "effort_share",
                "department"]
        # Columns every row leaves blank (no units of measure, no departments) are left out.
        keys = [k for k in keys if k not in ("measure", "department") or changes[k].astype(bool).any()]
        table = Table()
        for key in keys:
            wraps = key in ("name", "measure", "department")  # numbers and codes stay on one line
            table.add_column(text(f"cli_col_{key}"), justify="left" if wraps or key == "indicator"
                             else "right", no_wrap=not wraps, max_width=24 if key == "name" else None)
        for row in changes.to_dict("records"):
            star = "*" if row["relative_to"] == "range" else ""  # % of the peers' range
            cells = {"indicator": row["indicator"],
                     "name": ev.framework.label(row["indicator"], lang), "measure": row["measure"],
                     "now_needed": f"{_number(row['now'])} → {_number(row['needed'])}",
                     "change": f"{_number(row['change'], sign=True)} ({row['change_pct']:+.1f}%{star})",
                     "effort_share": f"{100 * row['effort_share']:.1f}%",
                     "department": row["department"]}
            table.add_row(*(cells[k] for k in keys))
        out.print(table)
    else:
        out.print(text("cli_path_nothing"), markup=False)
    # Long Chinese sentences have no spaces to break at: the terminal wraps them, not rich (which
    # would move the whole sentence below its label).
    for note in result.notes:
        out.print(f"{text('cli_path_note')}: {note}", markup=False, soft_wrap=True)
    out.print(f"{text('cli_path_assumption')}: {result.assumption}", markup=False, soft_wrap=True)


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
    _print_path(ev, result)


def _print_whatif(ev: Evaluation, result: WhatIfResult, top: int | None) -> None:
    lang = get_lang()
    out = console()
    changes = Table(title=text("cli_whatif_changes"))
    for key in ("unit", "name", "period", "indicator", "before", "after", "change_pct"):
        changes.add_column(text(f"cli_col_{key}"),
                           justify="left" if key in ("unit", "name", "indicator") else "right")
    for row in result.changes.to_dict("records"):
        changes.add_row(row["unit"], row["name"], str(row["period"]),
                        ev.framework.label(row["indicator"], lang), _number(row["before"]),
                        _number(row["after"]), _signed(row["change_pct"], 1))
    out.print(changes)
    how = text("cli_whatif_refit") if result.refit else text("cli_whatif_frozen")
    table = Table(title=text("cli_whatif_title", period=result.period, how=how))
    # A rank and the places it climbed share a cell ("9 (+1)") so the table fits a terminal.
    columns = ["rank", *(["group_rank", "group"] if result.group else []), "unit", "name",
               "index_before", "index_after", "index_change"]
    labels = {"rank": text("cli_col_rank_after"), "group_rank": text("cli_col_group_rank_after"),
              "group": result.group, "unit": text("cli_col_unit"), "name": text("cli_col_name"),
              "index_before": text("cli_col_index_before"),
              "index_after": text("cli_col_index_after"),
              "index_change": text("cli_col_index_change")}
    for col in columns:
        table.add_column(labels[col], justify="left" if col in ("unit", "name", "group") else "right",
                         no_wrap=col not in ("name", "group"))
    rows = result.table if top is None else result.table.head(top)
    for row in rows.to_dict("records"):
        cells = {"rank": f"{fmt(row['rank_after'])} ({_signed(row['rank_change'])})",
                 "unit": row["unit"], "name": row["name"], "index_before": fmt(row["index_before"]),
                 "index_after": fmt(row["index_after"]),
                 "index_change": _signed(row["index_change"])}
        if result.group:  # a unit with a blank group cell has no group rank: dashes
            cells["group_rank"] = (f"{fmt(row['rank_in_group_after'])} "
                                   f"({_signed(row['rank_in_group_change'])})")
            cells["group"] = fmt(row[result.group])
        table.add_row(*(cells[c] for c in columns), style="bold" if row["changed"] else None)
    out.print(table)


@app.command("whatif")
def whatif_command(
    scenario: Annotated[Path, typer.Option("--scenario", help="情景 scenario: .yaml, .csv, .xlsx")],
    framework: FrameworkArg = None,
    data: DataArg = None,
    method: MethodOpt = None,
    frozen: Annotated[bool, typer.Option(
        "--frozen", help="冻结参数重算 replay with learned parameters frozen (default: rebuild)")]
    = False,
    group: GroupOpt = None,
    period: PeriodOpt = None,
    top: Annotated[int | None, typer.Option(help="只显示前 N 名 show the top N only")] = None,
    dataset: DatasetOpt = None,
    sheet: SheetOpt = None,
    units: UnitsOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = "zh",
) -> None:
    """情景模拟：改变部分指标值后的得分与排名 — scores and ranks after some values change."""
    use_lang(lang)
    ev, _ = load_evaluation(framework, data, method, dataset, sheet, units)
    result = run(lambda: whatif(ev, scenario, refit=not frozen, period=period, group=group),
                 {"period": period and "--period", "group": group and "--group"})
    if as_json:
        echo_json(result.to_dict())
        return
    _print_whatif(ev, result, top)
