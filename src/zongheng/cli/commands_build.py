"""Commands ``build`` (评价排名) and ``methods`` (方法目录)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

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
    fmt,
    heading,
    load_evaluation,
    use_lang,
)
from zongheng.i18n import get_lang

if TYPE_CHECKING:
    from zongheng.evaluation import Evaluation


def _print_ranking(ev: Evaluation, period: str | None, group: str | None, note: str | None,
                   top: int | None) -> None:
    import numpy as np

    lang = get_lang()
    check_group(ev, group)
    table_data = ev.ranking_columns(period, group=group)  # plain columns: no pandas to print
    p = ev.panel.periods[-1] if period is None else period
    title = f"{heading('ranking')} · {heading('period')} {p}" if str(p) else heading("ranking")
    table = Table(title=title, caption=note)
    fw = ev.framework
    columns = ["rank", *([f"rank_in_{group}", group] if group else []), "unit", "name",
               fw.root.code, *fw.dimensions]
    labels = {"rank": heading("rank"), "unit": heading("unit"), "name": heading("name"),
              f"rank_in_{group}": heading("group_rank"), group: group}
    for col in columns:
        label = labels.get(col) or fw.label(col, lang)
        table.add_column(label, justify="right" if col not in ("unit", "name", group) else "left")
    shown = len(table_data["unit"]) if top is None else min(top, len(table_data["unit"]))
    ranks = {"rank", f"rank_in_{group}"}

    def cell(column: str, value: object) -> str:
        if column in ranks and value == value:  # a rank, not NaN: a whole number
            return str(int(value))
        return fmt(value)

    for i in range(shown):  # the rows printed, not every unit
        table.add_row(*(cell(c, table_data[c][i]) for c in columns))
    out = console()
    out.print(table)
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
                                                help="输出 .csv | .xlsx | .json")] = None,
    dataset: DatasetOpt = None,
    sheet: SheetOpt = None,
    units: UnitsOpt = None,
    top: Annotated[int | None, typer.Option(min=1, help="只显示前 N 名 show the top N only")] = None,
    lang: LangOpt = "zh",
) -> None:
    """构建评价并输出排名 — build the evaluation and print the ranking."""
    use_lang(lang)
    ev, note = load_evaluation(framework, data, method, dataset, sheet, units)
    check_period(ev, period)
    _print_ranking(ev, period, group, note, top)
    if output is not None:
        from zongheng.io.results import write_evaluation

        try:
            written = write_evaluation(ev, output, lang=lang)
        except ValueError as exc:
            fail(str(exc))
        console().print(f"{heading('written')}: {written}", markup=False)


@app.command("methods")
def methods_command(
    stage: Annotated[str | None, typer.Argument(help="步骤 stage, e.g. normalise")] = None,
) -> None:
    """列出可用方法 — list the methods a method YAML can name, by stage."""
    from zongheng.catalogue import STAGE_TITLES, catalogue

    entries = catalogue()
    if stage is not None and stage not in STAGE_TITLES:
        fail(f"unknown stage {stage!r}; known: {', '.join(STAGE_TITLES)}")
    table = Table(show_lines=False)
    for label in ("stage", "key", "method", "parameters"):
        table.add_column(label)
    for e in entries:
        if stage is None or e["stage"] == stage:
            params = ", ".join(f"{k}={v!r}" for k, v in e["params"].items())
            table.add_row(e["stage"], e["key"], e["summary"], params)
    console().print(table)
