"""Command ``attainment`` (目标达成与预警): the supervision-indicator table of one unit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table
from rich.text import Text

from zongheng import datasets, frameworks
from zongheng.analysis.attainment import (
    WarningRule,
    attainment,
    labels,
    read_warning_rule,
    summary,
    value_label,
)
from zongheng.cli.app import app
from zongheng.cli.common import (
    DataArg,
    DatasetOpt,
    JsonOpt,
    LangOpt,
    SheetOpt,
    UnitsOpt,
    console,
    echo_json,
    fail,
    fmt,
    run,
    use_lang,
)
from zongheng.framework import Framework
from zongheng.i18n import register_messages, text
from zongheng.io import read_framework, read_panel
from zongheng.panel import Panel

register_messages({
    "cli_att_title": ("目标达成与预警 · {unit} · {period}", "Attainment and warnings · {unit} · {period}"),
    "cli_att_summary": (
        "达标 {attained}/{assessed}（{pct}）· 约束性指标达标 {binding_attained}/{binding} · "
        "预警: 绿 {green} · 黄 {yellow} · 红 {red}",
        "Attained {attained}/{assessed} ({pct}) · binding attained {binding_attained}/{binding} · "
        "lights: green {green} · yellow {yellow} · red {red}",
    ),
    "cli_att_synthetic": ("演示数据为合成数据 (synthetic demo data)",
                          "synthetic demo data (演示数据为合成数据)"),
    "cli_att_rule": (
        "预警规则: 接近目标 {near} 以内 · 依据 {basis} · 稳定阈值 {tolerance} · 趋势 {window} 期",
        "Warning rule: near within {near} · basis {basis} · stable within {tolerance} · "
        "trend over {window} periods",
    ),
    "cli_att_need_unit": ("请用 --unit 指定单位（已有: {found}）",
                          "name a unit with --unit (found: {found})"),
    "cli_att_need_inputs": ("需要 FRAMEWORK 和 DATA（或使用 --dataset NAME）",
                            "FRAMEWORK and DATA are required (or use --dataset NAME)"),
    "cli_att_both": ("--dataset 与 FRAMEWORK/DATA 只能二选一",
                     "give either --dataset or FRAMEWORK and DATA, not both"),
    "cli_att_unknown_dataset": ("未知数据集 {name!r}（可用: {found}）",
                                "unknown dataset {name!r}; available: {found}"),
})

_COLOURS = {"green": "green", "yellow": "yellow", "red": "red"}
_BASIS = {"yoy": ("同比", "year-on-year"), "trend": ("趋势", "trend")}

FrameworkOrName = Annotated[
    str | None, typer.Argument(help="指标体系 framework: .yaml/.xlsx/.csv, or a bundled name (eco)")]
UnitOpt = Annotated[str | None, typer.Option("--unit", "-u", help="单位 unit (code or name)")]
PeriodOpt = Annotated[str | None, typer.Option(help="时期 period (default: last)")]
RuleOpt = Annotated[Path | None, typer.Option("--rule", help="预警规则 warning rule YAML")]


def _load(framework: str | None, data: Path | None, dataset: str | None, sheet: str | None,
          units: Path | None) -> tuple[Framework, Panel, bool]:
    """Return the framework, the panel and whether the data are synthetic."""
    if dataset:
        if framework is not None or data is not None:
            fail(text("cli_att_both"))
        if dataset not in datasets.available():
            fail(text("cli_att_unknown_dataset", name=dataset, found=", ".join(datasets.available())))
        ds = datasets.load(dataset)
        return ds.framework, ds.panel, ds.synthetic
    if framework is None or data is None:
        fail(text("cli_att_need_inputs"))
    path = Path(framework)
    # A bundled framework by name (``eco``) when no such file exists.
    fw = frameworks.load(framework) if not path.exists() and framework in frameworks.available() \
        else read_framework(path)
    return fw, read_panel(data, fw, sheet=sheet, units=units), False


def _light(value: object) -> Text:
    word = value_label("light", value)
    if value not in _COLOURS:
        return Text(word)
    return Text(f"● {word}", style=f"bold {_COLOURS[value]}")  # type: ignore[index]


def _num(value: object) -> str:
    """Return a number with at most two decimals and no trailing zeros (28, 28.9, −0.7)."""
    text_ = fmt(value, 2)
    return text_.rstrip("0").rstrip(".") if "." in text_ else text_


def _print(table: pd.DataFrame, totals: pd.Series, unit: str, period: object,
           rule: WarningRule, lang: str, synthetic: bool) -> None:
    head = labels(lang)
    out = console()
    grid = Table(title=text("cli_att_title", unit=unit, period=period))
    columns = ["indicator", "name", "category", "target", "value", "gap", "attained", "change",
               "trend", "light"]
    for col in columns:
        grid.add_column(head[col], justify="right" if col in ("target", "value", "gap", "change")
                        else "left", no_wrap=col in ("indicator", "light", "attained"),
                        min_width=12 if col == "name" else None,
                        overflow="fold" if col == "name" else "ellipsis")
    name_col = "name_en" if lang == "en" else "name"
    aspect_col = "aspect_name_en" if lang == "en" else "aspect_name"
    for aspect, rows in table.groupby("aspect", sort=False):
        title = rows[aspect_col].iloc[0] or rows["aspect_name"].iloc[0] or str(aspect)
        grid.add_row("", Text(title, style="bold"))
        for rec in rows.to_dict("records"):
            name = rec[name_col] or rec["name"]
            if rec["measure"]:
                name = f"{name} ({rec['measure']})"
            change = _num(rec["change"])
            if not pd.isna(rec["change_dir"]):
                change = f"{change} {value_label('change_dir', rec['change_dir'], lang)}"
            grid.add_row(rec["indicator"], name, value_label("category", rec["category"], lang),
                         _num(rec["target"]), _num(rec["value"]), _num(rec["gap"]),
                         value_label("attained", rec["attained"], lang), change,
                         value_label("trend", rec["trend"], lang), _light(rec["light"]))
        grid.add_section()
    out.print(grid)
    pct = "—" if pd.isna(totals["attained_pct"]) else f"{totals['attained_pct']:.1f}%"
    out.print(text("cli_att_summary", pct=pct, **{k: int(totals[k]) for k in (
        "attained", "assessed", "binding", "binding_attained", "green", "yellow", "red")}),
        markup=False)
    basis = _BASIS[rule.basis][1 if lang == "en" else 0]
    out.print(text("cli_att_rule", near=f"{rule.near:.0%}", basis=basis,
                   tolerance=f"{rule.tolerance:.0%}", window=rule.window), markup=False)
    if synthetic:
        out.print(text("cli_att_synthetic"), markup=False)


@app.command("attainment")
def attainment_command(
    framework: FrameworkOrName = None,
    data: DataArg = None,
    unit: UnitOpt = None,
    period: PeriodOpt = None,
    rule: RuleOpt = None,
    dataset: DatasetOpt = None,
    sheet: SheetOpt = None,
    units: UnitsOpt = None,
    json: JsonOpt = False,
    lang: LangOpt = "zh",
) -> None:
    """目标达成与预警 — attainment of each indicator's target, change, trend and warning light."""
    use_lang(lang)

    def compute() -> tuple:
        fw, panel, synthetic = _load(framework, data, dataset, sheet, units)
        warning = read_warning_rule(rule) if rule is not None else WarningRule()
        chosen = unit
        if chosen is None:
            if len(panel.units) != 1:
                fail(text("cli_att_need_unit", found=", ".join(panel.units)))
            chosen = panel.units[0]
        when = period if period is not None else panel.periods[-1]
        table = attainment(fw, panel, unit=chosen, period=when, rule=warning)
        return table, warning, synthetic

    table, warning, synthetic = run(compute)
    totals = summary(table).iloc[0]
    unit_label, period_label = table["unit_name"].iloc[0], table["period"].iloc[0]
    if json:
        echo_json({
            "unit": table["unit"].iloc[0], "unit_name": unit_label, "period": period_label,
            "rule": warning.to_dict(),
            "summary": {k: (None if pd.isna(v) else float(v) if k == "attained_pct" else int(v))
                        for k, v in totals.items()},
            "indicators": table.astype(object).where(table.notna(), None),
            "labels": labels(lang), "synthetic": synthetic,
            "note": text("cli_att_synthetic") if synthetic else None,
        })
        return
    _print(table, totals, unit_label, period_label, warning, lang, synthetic)
