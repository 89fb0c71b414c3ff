"""Command ``report`` (报告): an HTML page, a Word draft or an Excel workbook for one unit.

A composite evaluation (天工鼎, ASEM) gets the evaluation documents: scores, ranks, the gap and
the path to ``--target-rank``. A target-attainment framework (生态文明, or ``--template eco``)
gets the attainment documents in every format, built from the raw values against their
targets: nothing is normalised or ranked, so ``--target-rank``, ``--group`` and
``--uncertainty`` do not apply and are refused. Files go where the demo writes them
(``out/永康市_2024_评价报告.html``) unless ``--output`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zongheng.cli.app import app
from zongheng.cli.common import (
    DataArg,
    DatasetOpt,
    FrameworkArg,
    Inputs,
    LangOpt,
    MethodOpt,
    SheetOpt,
    UnitsOpt,
    check_output,
    check_unit,
    console,
    fail,
    heading,
    load_inputs,
    run,
    use_lang,
)
from zongheng.i18n import get_lang, register_messages, text

if TYPE_CHECKING:
    from zongheng.panel import Panel

register_messages({
    "report_unit_required": ("请用 --unit 指定单位", "--unit is required"),
    "report_bad_format": ("--format 必须是 {allowed} 之一，实际为 {got!r}",
                          "--format must be one of {allowed}, got {got!r}"),
    "report_bad_template": ("--template 必须是 {allowed} 之一，实际为 {got!r}",
                            "--template must be one of {allowed}, got {got!r}"),
    "report_suffix": ("输出文件 {name} 的扩展名应为 {suffix}", "the output {name} should end in {suffix}"),
    "report_attainment_option": (
        "{option} 不适用于目标达成类报告（{name}）：各指标按目标值评价，不排名、不算差距或路径",
        "{option} does not apply to a target-attainment report ({name}): each indicator is judged "
        "against its target, with no rank, gap or path",
    ),
    "report_tiangong_on_attainment": (
        "{name} 是目标达成类指标体系，没有综合得分与排名，不能用 --template tiangong；"
        "请用 --template eco（或不给 --template）",
        "{name} is a target-attainment framework with no composite score or rank: --template "
        "tiangong does not apply; use --template eco (or no --template)",
    ),
    "report_uncertainty_html": ("--uncertainty 只用于网页和 Word 报告（--format html 或 docx）",
                                "--uncertainty is shown in the HTML page and the Word draft only "
                                "(--format html or docx)"),
    "report_writing": ("正在生成报告…", "Writing the report…"),
    "report_building": ("正在计算…", "Computing…"),
    "report_sampling": ("排名不确定性抽样", "Rank uncertainty"),
})


@app.command("report")
def report_command(
    framework: FrameworkArg = None,
    data: DataArg = None,
    format: Annotated[str, typer.Option("--format", "-f", help="html | docx | xlsx")] = "html",
    unit: Annotated[str | None, typer.Option(help="单位 the unit reported on")] = None,
    group: Annotated[str | None, typer.Option(help="分组列 peer-group column, e.g. 设区市")] = None,
    target_rank: Annotated[int | None, typer.Option(min=1, help="目标名次 rank to reach, e.g. 2")] = None,
    template: Annotated[str | None, typer.Option(help=(
        "tiangong | eco: 综合评价或目标达成报告 evaluation or target-attainment documents "
        "(default: eco for a framework with attainment rules, else tiangong)"))] = None,
    period: Annotated[str | None, typer.Option(help="时期 period (default: last)")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=(
        "输出文件 output file (default: out/<单位>_<年份>_评价报告.html …)"))] = None,
    uncertainty: Annotated[int, typer.Option(
        help="排名不确定性抽样数 samples of the rank uncertainty shown in the HTML page (0: none)")] = 0,
    method: MethodOpt = None,
    dataset: DatasetOpt = None,
    sheet: SheetOpt = None,
    units: UnitsOpt = None,
    lang: LangOpt = "zh",
) -> None:
    """生成报告 — write an HTML page, a Word draft or an Excel workbook for one unit."""
    from zongheng.report.writers import FORMATS, TEMPLATES, default_name, is_attainment, template_for

    use_lang(lang)
    if format not in FORMATS:
        fail(text("report_bad_format", allowed=", ".join(FORMATS), got=format))
    if template is not None and template not in TEMPLATES:
        fail(text("report_bad_template", allowed=", ".join(TEMPLATES), got=template))
    if unit is None:
        fail(text("report_unit_required"))
    if uncertainty and format == "xlsx":
        fail(text("report_uncertainty_html"))
    suffix = f".{format}"
    if output is not None and output.suffix.lower() != suffix:
        fail(text("report_suffix", name=output.name, suffix=suffix))
    check_output(output, {"FRAMEWORK": framework, "DATA": data, "--method": method, "--units": units})
    inputs = load_inputs(framework, data, method, dataset, sheet, units)
    fw, panel = inputs.framework, inputs.panel
    name = fw.label(fw.root.code, get_lang())
    chosen_template = template_for(fw, template)
    if chosen_template == "tiangong" and is_attainment(fw):
        fail(text("report_tiangong_on_attainment", name=name))
    check_unit(panel, unit)
    chosen = _period(panel, period)
    unit_name = dict(zip(panel.units, panel.names(), strict=True)).get(unit, unit)
    shown_period = chosen if chosen is not None else panel.periods[-1]
    output = output or Path("out") / default_name(unit_name, shown_period, format, chosen_template)

    if chosen_template == "eco":
        given = [option for option, value in (("--target-rank", target_rank), ("--group", group),
                                              ("--uncertainty", uncertainty or None))
                 if value is not None]
        if given:
            fail(text("report_attainment_option", option=", ".join(given), name=name))
        written = _write_attainment(inputs, unit, output, format, chosen, lang)
    else:
        written = _write_evaluation(inputs, unit, output, format, chosen, group, target_rank,
                                    uncertainty, lang)
    console().print(f"{heading('written')}: {written}", markup=False)


def _period(panel: Panel, period: str | None) -> Hashable | None:
    """Return the data's period that ``--period`` names (None when not given); fail if none does."""
    if period is None:
        return None
    chosen = next((p for p in panel.periods if str(p) == period), None)
    if chosen is None:
        fail(text("cli_unknown_period", period=period, found=", ".join(map(str, panel.periods))))
    return chosen


def _write_attainment(inputs: Inputs, unit: str, output: Path, format: str, period: Hashable | None,
                      lang: str) -> Path:
    """Write an attainment document from the raw values.

    No evaluation is built: attainment normalises nothing, so no warning about normalisation.
    """
    from zongheng.report.writers import write_attainment

    return run(lambda: write_attainment(inputs.framework, inputs.panel, unit, output, format=format,
                                        period=period, lang=lang, synthetic=inputs.synthetic,
                                        source=inputs.source),
               {"unit": "--unit"}, status=text("report_writing"))


def _write_evaluation(inputs: Inputs, unit: str, output: Path, format: str, period: Hashable | None,
                      group: str | None,
                      target_rank: int | None, uncertainty: int, lang: str) -> Path:
    """Build the evaluation, then write the unit's evaluation document."""
    from zongheng.build import build
    from zongheng.cli.common import check_group
    from zongheng.report.brief import unit_brief
    from zongheng.report.writers import rank_uncertainty, write_report

    ev = run(lambda: build(inputs.framework, inputs.panel, inputs.method),
             status=text("report_building"))
    check_group(ev, group)
    brief = run(lambda: unit_brief(ev, unit, period=period, group=group, target_rank=target_rank),
                {"unit": "--unit", "target_rank": "--target-rank", "group": "--group",
                 "period": "--period"}, status=text("report_building"))
    spread = None
    if uncertainty:
        from zongheng.cli.common import progress_bar

        with progress_bar(text("report_sampling"), uncertainty) as tick:
            # One set of samples, two reports: P(keep the current rank) and P(reach the target).
            tops = tuple(dict.fromkeys((brief.rank, brief.target_rank or brief.rank)))
            spread = run(lambda: rank_uncertainty(brief, samples=uncertainty, tops=tops, progress=tick))
    return run(lambda: write_report(brief, output, format=format, template="tiangong", lang=lang,
                                    synthetic=inputs.synthetic, uncertainty=spread),
               status=text("report_writing"))
