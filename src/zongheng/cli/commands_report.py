"""Command ``report`` (报告): an HTML page, a Word draft or an Excel workbook for one unit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zongheng.cli.app import app
from zongheng.cli.common import (
    DataArg,
    DatasetOpt,
    FrameworkArg,
    LangOpt,
    MethodOpt,
    SheetOpt,
    UnitsOpt,
    check_group,
    check_period,
    console,
    fail,
    heading,
    load_evaluation,
    run,
    use_lang,
)
from zongheng.i18n import register_messages, text

register_messages({
    "report_unit_required": ("请用 --unit 指定单位", "--unit is required"),
    "report_bad_format": ("--format 必须是 {allowed} 之一，实际为 {got!r}",
                          "--format must be one of {allowed}, got {got!r}"),
    "report_bad_template": ("--template 必须是 {allowed} 之一，实际为 {got!r}",
                            "--template must be one of {allowed}, got {got!r}"),
    "report_suffix": ("输出文件 {name} 的扩展名应为 {suffix}", "the output {name} should end in {suffix}"),
})


@app.command("report")
def report_command(
    framework: FrameworkArg = None,
    data: DataArg = None,
    format: Annotated[str, typer.Option("--format", "-f", help="html | docx | xlsx")] = "html",
    unit: Annotated[str | None, typer.Option(help="单位 the unit reported on")] = None,
    group: Annotated[str | None, typer.Option(help="分组列 peer-group column, e.g. 设区市")] = None,
    target_rank: Annotated[int | None, typer.Option(min=1, help="目标名次 rank to reach, e.g. 2")] = None,
    template: Annotated[str, typer.Option(help="tiangong | eco (Word drafts)")] = "tiangong",
    period: Annotated[str | None, typer.Option(help="时期 period (default: last)")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件 output file")] = None,
    uncertainty: Annotated[int, typer.Option(
        help="排名不确定性抽样数 samples of the rank uncertainty shown in the HTML page (0: none)")] = 0,
    method: MethodOpt = None,
    dataset: DatasetOpt = None,
    sheet: SheetOpt = None,
    units: UnitsOpt = None,
    lang: LangOpt = "zh",
) -> None:
    """生成报告 — write an HTML page, a Word draft or an Excel workbook for one unit."""
    from zongheng import datasets
    from zongheng.report.brief import unit_brief
    from zongheng.report.writers import (
        FORMATS,
        TEMPLATES,
        rank_uncertainty,
        write_eco_report,
        write_report,
    )

    use_lang(lang)
    if format not in FORMATS:
        fail(text("report_bad_format", allowed=", ".join(FORMATS), got=format))
    if template not in TEMPLATES:
        fail(text("report_bad_template", allowed=", ".join(TEMPLATES), got=template))
    if unit is None:
        fail(text("report_unit_required"))
    suffix = ".html" if format == "html" else f".{format}"
    output = output or Path(f"{unit}_{template if format == 'docx' else 'report'}{suffix}")
    if output.suffix.lower() != suffix:
        fail(text("report_suffix", name=output.name, suffix=suffix))
    ev, _ = load_evaluation(framework, data, method, dataset, sheet, units)
    check_group(ev, group)
    chosen = check_period(ev, period)
    synthetic = bool(ev.panel.meta.get("synthetic")) or (
        dataset is not None and datasets.load(dataset).synthetic)

    def write() -> Path:
        if format == "docx" and template == "eco":  # attainment only: no ranking analyses needed
            return write_eco_report(ev.framework, ev.panel, str(unit), output, period=chosen,
                                    lang=lang, synthetic=synthetic)
        brief = unit_brief(ev, unit, period=chosen, group=group, target_rank=target_rank)
        spread = rank_uncertainty(brief, samples=uncertainty) if uncertainty and format == "html" \
            else None
        return write_report(brief, output, format=format, template=template, lang=lang,
                            synthetic=synthetic, uncertainty=spread)

    written = run(write, {"unit": "--unit", "group": "--group", "period": "--period"})
    console().print(f"{heading('written')}: {written}", markup=False)
