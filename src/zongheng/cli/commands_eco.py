"""Command ``attainment`` (目标达成与预警): the supervision-indicator table of one unit."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zongheng.cli.app import app
from zongheng.cli.common import (
    DataArg,
    DatasetOpt,
    JsonOpt,
    LangOpt,
    SheetOpt,
    UnitsOpt,
    check_file,
    check_unit,
    echo_json,
    fail,
    run,
    use_lang,
)
from zongheng.cli.labels import DATASETS
from zongheng.cli.render import print_attainment
from zongheng.i18n import register_messages, text

if TYPE_CHECKING:
    from zongheng.framework import Framework
    from zongheng.panel import Panel

register_messages({
    "cli_att_need_unit": ("请用 --unit 指定单位（已有: {found}）",
                          "name a unit with --unit (found: {found})"),
    "cli_att_need_inputs": ("需要 FRAMEWORK 和 DATA（或使用 --dataset NAME，可用: {found}）",
                            "FRAMEWORK and DATA are required (or use --dataset NAME: {found})"),
    "cli_att_both": ("--dataset 与 FRAMEWORK/DATA 只能二选一",
                     "give either --dataset or FRAMEWORK and DATA, not both"),
    "cli_att_unknown_dataset": ("未知数据集 {name!r}（可用: {found}）",
                                "unknown dataset {name!r}; available: {found}"),
})

FrameworkOrName = Annotated[
    str | None, typer.Argument(help="指标体系 framework: .yaml/.xlsx/.csv, or a bundled name (eco)")]
UnitOpt = Annotated[str | None, typer.Option("--unit", "-u", help="单位 unit (code or name)")]
PeriodOpt = Annotated[str | None, typer.Option(help="时期 period (default: last)")]
RuleOpt = Annotated[Path | None, typer.Option("--rule", help="预警规则 warning rule YAML")]


def _load(framework: str | None, data: Path | None, dataset: str | None, sheet: str | None,
          units: Path | None) -> tuple[Framework, Panel, bool]:
    """Return the framework, the panel and whether the data are synthetic."""
    from zongheng import datasets, frameworks
    from zongheng.io import read_framework, read_panel

    if dataset:
        if framework is not None or data is not None:
            fail(text("cli_att_both"))
        if dataset not in datasets.available():
            fail(text("cli_att_unknown_dataset", name=dataset, found=", ".join(datasets.available())))
        ds = datasets.load(dataset)
        return ds.framework, ds.panel, ds.synthetic
    if framework is None or data is None:
        fail(text("cli_att_need_inputs", found=", ".join(DATASETS)))
    path = Path(framework)
    # A bundled framework by name (``eco``) when no such file exists.
    bundled = not path.exists() and framework in frameworks.available()
    for file, role in ((None if bundled else path, "FRAMEWORK"), (data, "DATA"), (units, "--units")):
        check_file(file, role)
    fw = frameworks.load(framework) if bundled else read_framework(path)
    return fw, read_panel(data, fw, sheet=sheet, units=units), False


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
    import pandas as pd

    from zongheng.analysis.attainment import WarningRule, attainment, labels, read_warning_rule, summary

    use_lang(lang)

    def compute() -> tuple:
        fw, panel, synthetic = _load(framework, data, dataset, sheet, units)
        warning = read_warning_rule(rule) if rule is not None else WarningRule()
        check_unit(panel, unit)
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
    print_attainment(table, totals, unit_label, period_label, warning, lang, synthetic)
