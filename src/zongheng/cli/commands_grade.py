"""Command ``grade`` (亩均效益评价): grade enterprises A/B/C/D and list the D firms."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
from zongheng.cli.render import benchmark_table, d_table, distribution_table, grade_heading, uncapped_note
from zongheng.errors import ZonghengError
from zongheng.i18n import register_messages, text

if TYPE_CHECKING:
    from tempfile import TemporaryDirectory

    from zongheng.enterprise.engines import GradeSummary

SYNTHETIC_NOTE = "演示数据为合成数据 (synthetic demo data)"

register_messages({
    "grade_synthetic": (SYNTHETIC_NOTE, "Synthetic demo data."),
    "grade_synthetic_firms": ("合成数据：{firms:,} 家虚构企业（种子 {seed}），非真实企业",
                              "Synthetic data: {firms:,} made-up firms (seed {seed}), not real firms."),
    "grade_table_or_demo": ("TABLE 与 --demo 只能二选一", "give either TABLE or --demo, not both"),
    "grade_need_table": ("需要企业基础数据表 TABLE（或用 --demo 使用内置合成数据）",
                         "TABLE is required (or use --demo)"),
    "grade_firms_need_demo": ("--firms 与 --seed 用于合成数据，需与 --demo 一起使用",
                              "--firms and --seed draw synthetic data: use them with --demo"),
    "grade_scheduler_needs_dask": ("--scheduler 只用于 --engine dask",
                                   "--scheduler is for --engine dask only"),
    "grade_bad_engine": ("未知的评价引擎 '{engine}'（可用: {engines}）",
                         "unknown engine '{engine}' (use one of: {engines})"),
    "grade_too_many_for_excel": (
        "{firms:,} 家企业超过 Excel 的 {limit:,} 行上限：请输出 .parquet 或 .csv",
        "{firms:,} firms exceed Excel's {limit:,} rows: write .parquet or .csv instead",
    ),
    "grade_bad_order": ("未知的输出行序 '{order}'（可用: {orders}）",
                        "unknown --order '{order}' (use one of: {orders})"),
    "grade_bad_columns": ("未知的输出列 '{columns}'（可用: {choices}）",
                          "unknown --columns '{columns}' (use one of: {choices})"),
    "grade_engine_used": ("评价引擎: {engine}，企业 {firms:,} 家", "Engine: {engine}, {firms:,} firms"),
})

ENGINE_CHOICES = ("auto", "pandas", "duckdb", "dask")
ORDER_CHOICES = ("rank", "table")
# As zongheng.enterprise.engines.summary.COLUMNS, not imported: --help starts without pandas.
COLUMN_CHOICES = ("full", "grades")


@app.command("grade")
def grade_command(
    table: Annotated[Path | None, typer.Argument(
        help="企业基础数据表 enterprise table: .csv (UTF-8/GBK), .xlsx, .parquet")] = None,
    rule: Annotated[Path | None, typer.Option("--rule", "-r", help="评价办法 grading rule YAML")] = None,
    by_branch: Annotated[bool, flag(
        "--by-branch", help="分组分别列出 D 类名单与结果工作表 D list and sheets per branch")] = False,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="输出 .parquet | .csv | .xlsx | .json (Excel/JSON: 表须不大)")] = None,
    as_json: JsonOpt = False,
    demo: Annotated[bool, flag(
        "--demo", help="使用合成数据（内置永康表，或 --firms 家） "
                       "synthetic data (bundled 永康 table, or --firms)")] = False,
    firms: Annotated[int | None, typer.Option(
        "--firms", min=1,
        help="合成企业数（任意规模，分块生成） number of synthetic firms, any size")] = None,
    seed: Annotated[int | None, typer.Option(
        "--seed", min=0, help="合成数据的随机种子 seed of the synthetic data (default 0)")] = None,
    engine: Annotated[str, typer.Option(
        "--engine", "-e",
        help="评价引擎 engine: auto (大表用 duckdb) | pandas | duckdb | dask")] = "auto",
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Dask 调度器地址 Dask scheduler address, e.g. tcp://host:8786")] = None,
    order: Annotated[str, typer.Option(
        "--order", help="输出行序 row order of the output: rank (公示顺序: 分组、名次) | table "
                        "(原表顺序，DuckDB，大表最快 the table's order, quickest for big tables)")] = "rank",
    columns: Annotated[str, typer.Option(
        "--columns", help="输出列 columns of the output: full (明细: 含各指标值与单项得分 with each "
                          "indicator's value and item score) | grades (名单: 企业、分组、总分、名次、等级、"
                          "原因; 大表写得快 quicker to write for big tables)")] = "full",
    sheet: SheetOpt = None,
    limit: Annotated[int, typer.Option(min=1, help="D 类名单最多显示行数 rows of the D list shown")] = 20,
    lang: LangOpt = "zh",
) -> None:
    """亩均效益评价 — grade enterprises A/B/C/D and list the D firms for 低效整治."""
    from zongheng.enterprise import bundled_table, read_rule
    from zongheng.enterprise.engines import grade_table
    from zongheng.enterprise.export import document
    from zongheng.io.tables import MAX_EXCEL_ROWS

    use_lang(lang)
    check_file(rule, "--rule")
    if demo and table is not None:
        fail(text("grade_table_or_demo"))
    if not demo and (firms is not None or seed is not None):
        fail(text("grade_firms_need_demo"))
    if not demo and table is None:
        fail(text("grade_need_table"))
    if engine not in ENGINE_CHOICES:
        fail(text("grade_bad_engine", engine=engine, engines=", ".join(ENGINE_CHOICES)))
    if scheduler is not None and engine != "dask":
        fail(text("grade_scheduler_needs_dask"))
    if order not in ORDER_CHOICES:
        fail(text("grade_bad_order", order=order, orders=", ".join(ORDER_CHOICES)))
    if columns not in COLUMN_CHOICES:
        fail(text("grade_bad_columns", columns=columns, choices=", ".join(COLUMN_CHOICES)))
    check_file(table, "TABLE")
    check_output(output, {"TABLE": table, "--rule": rule}, suffixes=(".parquet", ".csv", ".xlsx", ".json"))
    if (firms is not None and output is not None and output.suffix.lower() == ".xlsx"
            and firms + 1 > MAX_EXCEL_ROWS):
        fail(text("grade_too_many_for_excel", firms=firms, limit=MAX_EXCEL_ROWS - 1))
    synthetic = demo or (table is not None and Path(table).resolve() == bundled_table().resolve())
    grading_rule = None
    if rule is not None:
        try:
            grading_rule = read_rule(rule)
        except ZonghengError as exc:  # a problem of the file --rule names, not of a method
            fail(file_problems(exc, "--rule", rule))
    # The full D list when it is printed per branch or as JSON; else what the screen shows.
    d_limit = None if (by_branch or as_json) else limit
    note = (text("grade_synthetic_firms", firms=firms, seed=seed or 0) if firms is not None
            else text("grade_synthetic"))

    with _scratch(output) as scratch:
        source: Any
        if firms is not None:
            from zongheng.enterprise import generator

            if firms <= generator.CHUNK_SIZE and engine in ("auto", "duckdb"):
                # One chunk: drawn in memory and handed to the engine as it is (DuckDB scans the
                # Arrow table in place), not written to Parquet and read back (≈ 1.5 s CPU at 10⁶).
                source = run(lambda: generator.synthetic_table(firms, seed or 0), status=note)
            else:
                # Streamed to Parquet chunk by chunk: any size, memory of one chunk.
                source = run(lambda: generator.write_synthetic(Path(scratch) / "synthetic.parquet", firms,
                                                               seed or 0), status=note)
        else:
            source = bundled_table() if demo else table
        options: dict = {"lang": lang, "by_branch": by_branch, "synthetic": synthetic}
        if order != "rank":
            options["order"] = order
        if columns != "full":
            options["columns"] = columns
        if engine in ("auto", "duckdb"):
            options["temp_directory"] = scratch
        summary: GradeSummary = run(lambda: grade_table(
            source, grading_rule, engine=engine, output=output, sheet=sheet, scheduler=scheduler,
            d_limit=d_limit, **options))
    if as_json:
        echo_json({"synthetic": synthetic, "note": note if synthetic else None, "engine": summary.engine,
                   "firms": summary.firms, "d_firms": summary.d_firms,
                   "output": str(summary.output) if summary.output is not None else None,
                   **document(summary, grades=False)})  # type: ignore[arg-type]  # summary's fields
        return
    out = console()
    if synthetic:
        out.print(note, markup=False)
    out.print(text("grade_engine_used", engine=summary.engine, firms=summary.firms), markup=False)
    out.print(distribution_table(summary, lang))  # type: ignore[arg-type]  # reads the shared fields
    out.print(benchmark_table(summary, lang))  # type: ignore[arg-type]
    cap = _cap_note(summary, lang)
    if cap:
        out.print(cap, markup=False, soft_wrap=True)
    if by_branch:
        for b in summary.rule.branches:
            d = summary.d_list[summary.d_list["branch"] == b.name]
            out.print(d_table(summary, d, f"{grade_heading('d_list')} · {b.label(lang)}", limit,  # type: ignore[arg-type]
                              lang, with_branch=False))
    else:
        grid = d_table(summary, summary.d_list, grade_heading("d_list"), limit, lang)  # type: ignore[arg-type]
        if summary.d_firms > limit:  # the summary holds the D list's head only
            grid.note = grade_heading("more").format(n=summary.d_firms - limit)
        out.print(grid)
    if output is not None:
        console().print(f"{grade_heading('written')}: {summary.output}", markup=False)


def _cap_note(summary: GradeSummary, lang: str) -> str | None:
    """Say when item scores exceed their weights, from the summary's per-branch tops."""
    from zongheng.cli.common import is_missing

    tops = {(r["branch"], r["indicator"]): r["top"] for r in summary.tops.to_dict("records")}
    totals = [v for (_, code), v in tops.items() if code == "total" and not is_missing(v)]
    return uncapped_note(summary.rule, summary.benchmarks, lambda branch, code: tops.get((branch, code)),
                         lambda: max(totals) if totals else None, lang)


def _scratch(output: Path | None) -> TemporaryDirectory:
    """Return a scratch folder beside the output (same disk for the spill), else in the system's.

    A folder where nothing can be made (/proc, a read-only mount) falls back to the system's
    temporary folder: the output's own write then says what is wrong, naming the output.
    """
    from tempfile import TemporaryDirectory

    beside = output.parent if output is not None and output.parent.exists() else None
    try:
        return TemporaryDirectory(prefix="zongheng-grade-", dir=beside)
    except OSError:
        return TemporaryDirectory(prefix="zongheng-grade-")
