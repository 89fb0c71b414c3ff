"""Command ``grade`` (亩均效益评价): grade enterprises A/B/C/D and list the D firms."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zongheng.cli.app import app
from zongheng.cli.common import (
    JsonOpt,
    LangOpt,
    SheetOpt,
    check_file,
    check_output,
    console,
    echo_json,
    fail,
    file_problems,
    flag,
    run,
    use_lang,
)
from zongheng.cli.render import benchmark_table, cap_note, d_table, distribution_table, grade_heading
from zongheng.errors import ZonghengError
from zongheng.i18n import register_messages, text

if TYPE_CHECKING:
    from zongheng.enterprise import GradingResult

SYNTHETIC_NOTE = "演示数据为合成数据 (synthetic demo data)"

register_messages({
    "grade_synthetic": (SYNTHETIC_NOTE, "Synthetic demo data."),
    "grade_table_or_demo": ("TABLE 与 --demo 只能二选一", "give either TABLE or --demo, not both"),
    "grade_need_table": ("需要企业基础数据表 TABLE（或用 --demo 使用内置合成数据）",
                         "TABLE is required (or use --demo)"),
})


@app.command("grade")
def grade_command(
    table: Annotated[Path | None, typer.Argument(
        help="企业基础数据表 enterprise table: .csv (UTF-8/GBK), .xlsx")] = None,
    rule: Annotated[Path | None, typer.Option("--rule", "-r", help="评价办法 grading rule YAML")] = None,
    by_branch: Annotated[bool, flag(
        "--by-branch", help="分组分别列出 D 类名单与结果工作表 D list and sheets per branch")] = False,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="输出 .xlsx | .csv | .json")] = None,
    as_json: JsonOpt = False,
    demo: Annotated[bool, flag(
        "--demo", help="使用内置永康合成数据 use the bundled synthetic 永康 table")] = False,
    sheet: SheetOpt = None,
    limit: Annotated[int, typer.Option(min=1, help="D 类名单最多显示行数 rows of the D list shown")] = 20,
    lang: LangOpt = "zh",
) -> None:
    """亩均效益评价 — grade enterprises A/B/C/D and list the D firms for 低效整治."""
    from zongheng.enterprise import bundled_table, grade_enterprises, read_rule
    from zongheng.enterprise.export import document, write_result

    use_lang(lang)
    check_file(rule, "--rule")
    if demo and table is not None:
        fail(text("grade_table_or_demo"))
    if not demo and table is None:
        fail(text("grade_need_table"))
    check_file(table, "TABLE")
    check_output(output, {"TABLE": table, "--rule": rule}, suffixes=(".xlsx", ".csv", ".json"))
    source = bundled_table() if demo else table

    def grade() -> GradingResult:
        grading_rule = None
        if rule is not None:
            try:
                grading_rule = read_rule(rule)
            except ZonghengError as exc:  # a problem of the file --rule names, not of a method
                fail(file_problems(exc, "--rule", rule))
        return grade_enterprises(source, grading_rule, sheet=sheet)

    result: GradingResult = run(grade)
    synthetic = demo or (source is not None and Path(source).resolve() == bundled_table().resolve())
    if as_json:
        echo_json({"synthetic": synthetic, "note": text("grade_synthetic") if synthetic else None,
                   **document(result, grades=False)})
    else:
        out = console()
        if synthetic:
            out.print(text("grade_synthetic"), markup=False)
        out.print(distribution_table(result, lang))
        out.print(benchmark_table(result, lang))
        note = cap_note(result, lang)
        if note:
            out.print(note, markup=False, soft_wrap=True)
        if by_branch:
            for b in result.rule.branches:
                d = result.d_list[result.d_list["branch"] == b.name]
                out.print(d_table(result, d, f"{grade_heading('d_list')} · {b.label(lang)}", limit,
                                  lang, with_branch=False))
        else:
            out.print(d_table(result, result.d_list, grade_heading("d_list"), limit, lang))
    if output is not None:
        try:
            written = write_result(result, output, lang=lang, by_branch=by_branch,
                                   synthetic=synthetic)
        except ValueError as exc:
            fail(str(exc))
        if not as_json:
            console().print(f"{grade_heading('written')}: {written}", markup=False)
