"""Command line (命令行): thin Typer commands over the library.

User mistakes (a bad framework, a bad cell, an unknown method) are printed
plainly, without a traceback, and exit with status 2.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from zongheng import datasets
from zongheng.build import build
from zongheng.errors import ZonghengError, ZonghengWarning
from zongheng.evaluation import Evaluation
from zongheng.i18n import get_lang, set_lang
from zongheng.io import read_framework, read_panel
from zongheng.io.results import write_evaluation
from zongheng.method import Method, read_method

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="纵横 zongheng: 指标体系评价、排名与对标 (evaluate, rank, benchmark).")

HEAD = {
    "rank": ("排名", "Rank"), "unit": ("单位", "Unit"), "name": ("名称", "Name"),
    "ranking": ("排名", "Ranking"), "period": ("时期", "period"), "written": ("已写入", "Written"),
    "group_rank": ("组内排名", "Rank in group"), "screened": ("未参评（数据不足）",
                                                             "Screened out (too little data)"),
    "dataset": ("数据集", "Dataset"),
}


def _h(key: str) -> str:
    zh, en = HEAD[key]
    return en if get_lang() == "en" else zh


def _fail(message: str) -> None:
    Console(stderr=True, highlight=False).print(message, markup=False)
    raise typer.Exit(2)


def _run(action: Callable[[], Any]) -> Any:
    """Run an action; turn user errors into a plain message and exit status 2."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ZonghengWarning)
            result = action()
        for w in caught:
            Console(stderr=True, highlight=False).print(f"warning: {w.message}", markup=False)
        return result
    except ZonghengError as exc:
        _fail(str(exc))
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        _fail(f"{exc.strerror}: {exc.filename}")


Lang = Annotated[str, typer.Option("--lang", help="zh | en: language of headings and messages.")]


def _set_lang(lang: str) -> None:
    if lang not in ("zh", "en"):
        _fail(f"--lang must be zh or en, got {lang!r}")
    set_lang(lang)


def _load(framework: Path | None, data: Path | None, method: Path | None, dataset: str | None,
          sheet: str | None, units: Path | None) -> tuple[Evaluation, str | None]:
    note = None
    if dataset:
        if dataset not in datasets.available():
            _fail(f"unknown dataset {dataset!r}; available: {', '.join(datasets.available())}")
        ds = datasets.load(dataset)
        fw, panel, meth = ds.framework, ds.panel, ds.method
        note = ds.provenance.splitlines()[0].lstrip("# ")
        if framework is not None or data is not None:
            _fail("give either --dataset or FRAMEWORK and DATA, not both")
    else:
        if framework is None or data is None:
            _fail("FRAMEWORK and DATA are required (or use --dataset NAME)")
        fw = read_framework(framework)
        panel = read_panel(data, fw, sheet=sheet, units=units)
        meth = Method()
    if method is not None:
        meth = read_method(method)
    return build(fw, panel, meth), note


def _fmt(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _print_ranking(ev: Evaluation, period: str | None, group: str | None, note: str | None,
                   top: int | None) -> None:
    lang = get_lang()
    if group is not None and group not in ev.panel.groups:
        _fail(f"--group {group!r}: not a group column (found: {', '.join(ev.panel.groups)})")
    table_data = ev.ranking(period, group=group)
    p = ev.panel.periods[-1] if period is None else period
    title = f"{_h('ranking')} · {_h('period')} {p}" if str(p) else _h("ranking")
    table = Table(title=title, caption=note)
    fw = ev.framework
    columns = ["rank", *([f"rank_in_{group}", group] if group else []), "unit", "name",
               fw.root.code, *fw.dimensions]
    labels = {"rank": _h("rank"), "unit": _h("unit"), "name": _h("name"),
              f"rank_in_{group}": _h("group_rank"), group: group}
    for col in columns:
        label = labels.get(col) or fw.label(col, lang)
        table.add_column(label, justify="right" if col not in ("unit", "name", group) else "left")
    rows = table_data if top is None else table_data.head(top)
    for record in rows[columns].astype(object).to_dict("records"):
        table.add_row(*(_fmt(record[c]) for c in columns))
    console = Console(highlight=False)
    console.print(table)
    screened = ev.screened
    if len(screened):
        console.print(f"{_h('screened')}: " + ", ".join(screened["unit"].astype(str)),
                      markup=False)


@app.command("build")
def build_command(
    framework: Annotated[Path | None, typer.Argument(help="指标体系 framework: .yaml, .xlsx, .csv")]
    = None,
    data: Annotated[Path | None, typer.Argument(help="数据 data: .csv, .xlsx, .parquet")] = None,
    method: Annotated[Path | None, typer.Option("--method", "-m", help="方法 method YAML")] = None,
    period: Annotated[str | None, typer.Option(help="时期 period to show (default: last)")] = None,
    group: Annotated[str | None, typer.Option(help="分组列 group column for ranks within")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o",
                                                help="输出 .csv | .xlsx | .json")] = None,
    dataset: Annotated[str | None, typer.Option(help="内置数据集 bundled dataset, e.g. asem")]
    = None,
    sheet: Annotated[str | None, typer.Option(help="Excel 工作表 sheet of the data")] = None,
    units: Annotated[Path | None, typer.Option(help="单位信息表 unit table (code, name, groups)")]
    = None,
    top: Annotated[int | None, typer.Option(help="只显示前 N 名 show the top N only")] = None,
    lang: Lang = "zh",
) -> None:
    """构建评价并输出排名 — build the evaluation and print the ranking."""
    _set_lang(lang)
    ev, note = _run(lambda: _load(framework, data, method, dataset, sheet, units))
    if period is not None and period not in map(str, ev.panel.periods):
        _fail(f"--period {period!r}: not in the data "
              f"(found: {', '.join(map(str, ev.panel.periods))})")
    _print_ranking(ev, period, group, note, top)
    if output is not None:
        try:
            written = write_evaluation(ev, output, lang=lang)
        except ValueError as exc:
            _fail(str(exc))
        Console(highlight=False).print(f"{_h('written')}: {written}", markup=False)


@app.command("methods")
def methods_command(
    stage: Annotated[str | None, typer.Argument(help="步骤 stage, e.g. normalise")] = None,
) -> None:
    """列出可用方法 — list the methods a method YAML can name, by stage."""
    from zongheng.catalogue import STAGE_TITLES, catalogue

    entries = catalogue()
    if stage is not None and stage not in STAGE_TITLES:
        _fail(f"unknown stage {stage!r}; known: {', '.join(STAGE_TITLES)}")
    table = Table(show_lines=False)
    for label in ("stage", "key", "method", "parameters"):
        table.add_column(label)
    for e in entries:
        if stage is None or e["stage"] == stage:
            params = ", ".join(f"{k}={v!r}" for k, v in e["params"].items())
            table.add_row(e["stage"], e["key"], e["summary"], params)
    Console(highlight=False).print(table)


@app.command("demo")
def demo_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="输出目录 output folder")]
    = Path("out"),
    lang: Lang = "zh",
) -> None:
    """运行演示 — build the bundled ASEM index and write every output to a folder."""
    _set_lang(lang)
    ev, note = _run(lambda: _load(None, None, None, "asem", None, None))
    _print_ranking(ev, None, "EurAsia_group", note, 15)
    output.mkdir(parents=True, exist_ok=True)
    for suffix in (".csv", ".xlsx", ".json"):
        written = write_evaluation(ev, output / f"asem{suffix}", lang=lang)
        Console(highlight=False).print(f"{_h('written')}: {written}", markup=False)


def main() -> None:
    """Entry point of the ``zongheng`` command."""
    app(prog_name="zongheng")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
