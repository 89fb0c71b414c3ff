"""Command ``template`` (填报模板): an Excel data-entry workbook for a framework."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zongheng.cli.app import app
from zongheng.cli.common import (
    LangOpt,
    check_file,
    check_output,
    console,
    fail,
    flag,
    heading,
    run,
    use_lang,
)
from zongheng.i18n import register_messages, text

register_messages({
    "template_suffix": ("--output 必须是 .xlsx 文件，实际为 {name!r}",
                        "--output must be an .xlsx file, got {name!r}"),
    "template_units_clash": ("{name}: 同一单位代码有不同的名称（{units}）；请每个代码只写一个名称",
                             "{name}: one unit code has different names ({units}); give each code "
                             "one name"),
    "template_units_columns": (
        "{name}: 找不到单位列：需要代码列（code / unit / 单位代码 / 地区 …）或名称列（name / 单位名称 …）",
        "{name}: no unit column: needs a code column (code / unit / 单位代码 / 地区 …) or a name "
        "column (name / 单位名称 …)",
    ),
})


@app.command("template")
def template_command(
    framework: Annotated[Path, typer.Argument(
        help="指标体系 framework: .yaml, .xlsx, .csv, or a bundled name (tiangong, eco, muyun)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="输出 .xlsx")] = Path("填报模板.xlsx"),
    units: Annotated[Path | None, typer.Option(help="预填单位 unit table or list (code, name)")] = None,
    periods: Annotated[str | None, typer.Option(help="预填年份 periods, e.g. 2023,2024")] = None,
    force: Annotated[bool, flag("--force", help="覆盖已有文件 replace an existing file (it may hold "
                                                "entered data)")] = False,
    lang: LangOpt = "zh",
) -> None:
    """生成数据填报模板 — write an Excel data-entry template for a framework."""
    from zongheng import frameworks
    from zongheng.io import read_framework
    from zongheng.io.panel_reader import unit_key_columns
    from zongheng.io.tables import read_table
    from zongheng.io.template import write_template

    use_lang(lang)
    check_file(units, "--units")
    if output.suffix.lower() != ".xlsx":
        fail(text("template_suffix", name=output.name))
    check_output(output, {"FRAMEWORK": framework, "--units": units})
    # A filled template is the user's data: a second run must not wipe it (reliability #2).
    if output.exists() and not force:
        fail(text("cli_exists_force", file=output))
    bundled = not framework.exists() and str(framework) in frameworks.available()
    fw = run(lambda: frameworks.load(str(framework)) if bundled else read_framework(framework))
    unit_table = None
    if units is not None:
        frame = run(lambda: read_table(units)).frame
        # The same column names as a data file's (unit / 地区 / 单位代码 …, name / 单位名称 …):
        # the bundled units.csv and a data table itself are accepted (reliability review K14).
        code, name = unit_key_columns(frame.columns)
        name = name or {c.strip().lower(): c for c in frame.columns}.get("county")
        if name is None and code is None:
            fail(text("template_units_columns", name=units.name))
        key = code or name
        if code and name:
            names = frame.groupby(frame[code].astype(str).str.strip())[name].nunique()
            if (names > 1).any():
                clash = ", ".join(names.index[names > 1][:5])
                fail(text("template_units_clash", name=units.name, units=clash))
        # A data table lists each unit once per period; the template wants each unit once.
        frame = frame[frame[key].astype(str).str.strip() != ""].drop_duplicates(key)
        unit_table = frame.rename(columns={k: v for k, v in ((code, "code"), (name, "name")) if k})
        if "code" not in unit_table.columns:
            unit_table = list(unit_table["name"])
    period_list = [p.strip() for p in periods.split(",")] if periods else None
    if period_list is not None:
        period_list = [int(p) if p.isdigit() else p for p in period_list]
    written = write_template(fw, output, units=unit_table, periods=period_list, lang=lang)
    console().print(f"{heading('written')}: {written}", markup=False)
