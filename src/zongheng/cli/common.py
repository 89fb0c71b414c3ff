"""What every command shares: language, loading, error handling, formatting, JSON output."""

from __future__ import annotations

import json
import math
import sys
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, NoReturn

import numpy as np
import pandas as pd
import typer
from rich.console import Console

from zongheng import datasets
from zongheng.build import build
from zongheng.errors import ZonghengError, ZonghengWarning
from zongheng.evaluation import Evaluation
from zongheng.i18n import get_lang, set_lang
from zongheng.io import read_framework, read_panel
from zongheng.method import Method, read_method

__all__ = [
    "DataArg", "DatasetOpt", "FrameworkArg", "JsonOpt", "LangOpt", "MethodOpt", "SheetOpt",
    "UnitsOpt", "console", "echo_json", "fail", "fmt", "heading", "load_evaluation", "run",
    "use_lang",
]

HEADINGS: dict[str, tuple[str, str]] = {
    "rank": ("排名", "Rank"), "unit": ("单位", "Unit"), "name": ("名称", "Name"),
    "ranking": ("排名", "Ranking"), "period": ("时期", "period"), "written": ("已写入", "Written"),
    "group_rank": ("组内排名", "Rank in group"),
    "screened": ("未参评（数据不足）", "Screened out (too little data)"),
    "dataset": ("数据集", "Dataset"),
}

FrameworkArg = Annotated[Path | None, typer.Argument(help="指标体系 framework: .yaml, .xlsx, .csv")]
DataArg = Annotated[Path | None, typer.Argument(help="数据 data: .csv, .xlsx, .parquet")]
MethodOpt = Annotated[Path | None, typer.Option("--method", "-m", help="方法 method YAML")]
DatasetOpt = Annotated[str | None, typer.Option(help="内置数据集 bundled dataset, e.g. asem")]
SheetOpt = Annotated[str | None, typer.Option(help="Excel 工作表 sheet of the data")]
UnitsOpt = Annotated[Path | None, typer.Option(help="单位信息表 unit table (code, name, groups)")]
LangOpt = Annotated[str, typer.Option("--lang", help="zh | en: language of headings and messages.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON print JSON instead of tables")]


def heading(key: str) -> str:
    """Return a heading in the current language."""
    zh, en = HEADINGS[key]
    return en if get_lang() == "en" else zh


def console() -> Console:
    """Return the console for tables (no markup or highlighting of user text)."""
    return Console(highlight=False)


def fail(message: str) -> NoReturn:
    """Print a user error plainly and exit with status 2."""
    Console(stderr=True, highlight=False).print(message, markup=False)
    raise typer.Exit(2)


def run(action: Callable[[], Any]) -> Any:
    """Run an action; turn user errors into a plain message and exit status 2."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ZonghengWarning)
            result = action()
        for w in caught:
            Console(stderr=True, highlight=False).print(f"warning: {w.message}", markup=False)
        return result
    except ZonghengError as exc:
        fail(str(exc))
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        fail(f"{exc.strerror}: {exc.filename}")


def use_lang(lang: str) -> None:
    """Set the message language from ``--lang``."""
    if lang not in ("zh", "en"):
        fail(f"--lang must be zh or en, got {lang!r}")
    set_lang(lang)


def load_evaluation(framework: Path | None, data: Path | None, method: Path | None,
                    dataset: str | None, sheet: str | None = None,
                    units: Path | None = None) -> tuple[Evaluation, str | None]:
    """Build the evaluation from files or a bundled dataset; return it and a provenance note."""

    def load() -> tuple[Evaluation, str | None]:
        note = None
        if dataset:
            if dataset not in datasets.available():
                fail(f"unknown dataset {dataset!r}; available: {', '.join(datasets.available())}")
            if framework is not None or data is not None:
                fail("give either --dataset or FRAMEWORK and DATA, not both")
            ds = datasets.load(dataset)
            fw, panel, meth = ds.framework, ds.panel, ds.method
            note = ds.title
        else:
            if framework is None or data is None:
                fail("FRAMEWORK and DATA are required (or use --dataset NAME)")
            fw = read_framework(framework)
            panel = read_panel(data, fw, sheet=sheet, units=units)
            meth = Method()
        if method is not None:
            meth = read_method(method)
        return build(fw, panel, meth), note

    return run(load)


def fmt(value: Any, digits: int = 2) -> str:
    """Format a table cell: numbers to ``digits`` decimals, missing as an em dash."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float | np.floating):
        return f"{value:.{digits}f}"
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN or ±Infinity
    if value is pd.NA:
        return None
    if isinstance(value, pd.DataFrame):
        return [{k: _plain(v) for k, v in row.items()} for row in value.to_dict("records")]
    if isinstance(value, pd.Series):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def echo_json(document: Any) -> None:
    """Print a document (dicts, lists, DataFrames, numpy scalars) as UTF-8 JSON on stdout."""
    sys.stdout.write(json.dumps(_plain(document), ensure_ascii=False, indent=1) + "\n")
