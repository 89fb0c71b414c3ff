"""Commands ``build`` (评价排名) and ``methods`` (方法目录)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    check_output,
    check_period,
    console,
    display,
    fail,
    heading,
    is_missing,
    load_evaluation,
    names_differ,
    natural_width,
    new_table,
    use_lang,
)
from zongheng.i18n import get_lang, register_messages, text

if TYPE_CHECKING:
    from zongheng.evaluation import Evaluation

register_messages({
    "cli_more_units": ("另有 {n} 个单位未列出（用 --top 调整）", "{n} more unit(s) not listed (see --top)"),
    "cli_unknown_stage": ("未知的步骤 {stage!r}（可用: {known}）", "unknown stage {stage!r}; known: {known}"),
    "cli_methods_stage": ("步骤", "Stage"),
    "cli_methods_key": ("键", "Key"),
    "cli_methods_method": ("方法", "Method"),
    "cli_methods_params": ("参数（默认值）", "Parameters (defaults)"),
    "cli_methods_caption": (
        "在方法 YAML 中按键选用，如 {stage}: {key} 或 {stage}: {{method: {key}, …}}；详见 docs/methods.md",
        "Name a method by its key in a method YAML, e.g. {stage}: {key} or "
        "{stage}: {{method: {key}, …}}; see docs/methods.md",
    ),
})


def _print_ranking(ev: Evaluation, period: str | None, group: str | None, note: str | None,
                   top: int | None) -> None:
    import numpy as np

    lang = get_lang()
    check_group(ev, group)
    table_data = ev.ranking_columns(period, group=group)  # plain columns: no pandas to print
    p = ev.panel.periods[-1] if period is None else period
    fw = ev.framework
    title = f"{heading('ranking')} · {heading('period')} {p}" if str(p) else heading("ranking")
    table = new_table(f"{title} · {fw.label(fw.root.code, lang)}", note)
    with_names = names_differ(table_data["unit"], table_data["name"])
    columns = ["rank", *([f"rank_in_{group}", group] if group else []), "unit",
               *(["name"] if with_names else []), fw.root.code, *fw.dimensions]
    labels = {"rank": heading("rank"), "unit": heading("unit"), "name": heading("name"),
              f"rank_in_{group}": heading("group_rank"), group: group,
              fw.root.code: heading("index")}  # the index's name is in the title
    text_columns = ("unit", "name", group)
    ranks = {"rank", f"rank_in_{group}"}
    shown = len(table_data["unit"]) if top is None else min(top, len(table_data["unit"]))

    def cell(column: str, value: object) -> str:
        if is_missing(value):
            return display.MISSING
        if column in ranks:  # a rank: a whole number
            return str(int(value))
        if column in text_columns:
            return str(value)
        return display.score(value)

    cells = {c: [cell(c, table_data[c][i]) for i in range(shown)] for c in columns}  # shown rows only
    headers = {c: labels.get(c) or fw.label(c, lang) for c in columns}
    scores = [fw.root.code, *fw.dimensions]
    out = console()
    legend = None
    if natural_width(list(headers.values()), list(cells.values())) > out.width:
        # Long index and dimension names ("Sustainable Connectivity") would squeeze the unit
        # names to a letter a line: their codes head the columns, and a key line names them.
        legend = "; ".join(f"{c} = {headers[c]}" for c in scores if headers[c] != c)
        headers.update({c: c for c in scores})
    for col in columns:
        table.add_column(headers[col], justify="left" if col in text_columns else "right",
                         no_wrap=col not in text_columns, overflow="fold")
    for i in range(shown):
        table.add_row(*(cells[c][i] for c in columns))
    out.print(table)
    if legend:
        out.print(legend, markup=False)
    if shown < len(table_data["unit"]):
        out.print(text("cli_more_units", n=len(table_data["unit"]) - shown), markup=False)
    p_pos = ev.period_position(period)
    screened = [ev.panel.units[u] for u in np.flatnonzero(~ev.record("screen").state.included_[p_pos])]
    if screened:
        out.print(f"{heading('screened')}: " + ", ".join(screened), markup=False)


@app.command("build")
def build_command(
    framework: FrameworkArg = None,
    data: DataArg = None,
    method: MethodOpt = None,
    period: Annotated[str | None, typer.Option(help="时期 period to show (default: last)")] = None,
    group: Annotated[str | None, typer.Option(help="分组列 group column for ranks within")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o",
                                                help="输出 .csv | .xlsx | .json | .parquet")] = None,
    dataset: DatasetOpt = None,
    sheet: SheetOpt = None,
    units: UnitsOpt = None,
    top: Annotated[int | None, typer.Option(min=1, help="只显示前 N 名 show the top N only")] = None,
    lang: LangOpt = "zh",
) -> None:
    """构建评价并输出排名 — build the evaluation and print the ranking."""
    use_lang(lang)
    check_output(output, {"FRAMEWORK": framework, "DATA": data, "--method": method, "--units": units},
                 suffixes=(".csv", ".xlsx", ".json", ".parquet"))
    # Only the workbook shows the data of each stage; otherwise keeping them costs memory alone
    # (each stage as much as the data: gigabytes at 10⁶ units).
    keep = "all" if output is not None and output.suffix.lower() == ".xlsx" else "final"
    ev, note = load_evaluation(framework, data, method, dataset, sheet, units, keep=keep)
    check_period(ev, period)
    _print_ranking(ev, period, group, note, top)
    if output is not None:
        from zongheng.io.results import write_evaluation

        try:
            written = write_evaluation(ev, output, lang=lang)
        except ValueError as exc:
            fail(str(exc))
        console().print(f"{heading('written')}: {written}", markup=False)


_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")


def _plain_doc(line: str) -> str:
    """Return a docstring line without reStructuredText markup (roles, ``literals``)."""
    return _ROLE.sub(r"\1", line).replace("``", "").replace("`", "")


@app.command("methods")
def methods_command(
    stage: Annotated[str | None, typer.Argument(help="步骤 stage, e.g. normalise")] = None,
    lang: LangOpt = "zh",
) -> None:
    """列出可用方法 — list the methods a method YAML can name, by stage."""
    from rich.text import Text

    from zongheng.catalogue import STAGE_TITLES, catalogue
    from zongheng.terms import method_name, stage_name

    use_lang(lang)
    entries = catalogue()
    if stage is not None and stage not in STAGE_TITLES:
        fail(text("cli_unknown_stage", stage=stage, known=", ".join(STAGE_TITLES)))
    shown = [e for e in entries if stage is None or e["stage"] == stage]
    example = next((e for e in shown if e["stage"] == "normalise" and e["key"] == "minmax"), shown[0])
    table = new_table(caption=text("cli_methods_caption", stage=example["stage"], key=example["key"]))
    for key in ("stage", "key", "method", "params"):
        table.add_column(text(f"cli_methods_{key}"), no_wrap=key == "key", overflow="fold")
    english = get_lang() == "en"
    for e in shown:
        params = ", ".join(f"{k}={v!r}" for k, v in e["params"].items()) or "—"
        name = _plain_doc(e["summary"]) if english else method_name(e["stage"], e["key"])
        # Text cells: a docstring's "[low, high]" is text, not console markup.
        table.add_row(Text(stage_name(e["stage"])), Text(e["key"]), Text(name), Text(params))
    console().print(table)
