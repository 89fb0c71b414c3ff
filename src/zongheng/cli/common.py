"""What every command shares: language, loading, error handling, formatting, JSON output."""

from __future__ import annotations

import json
import math
import sys
import warnings
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

from zongheng.errors import ZonghengError, ZonghengWarning
from zongheng.i18n import get_lang, register_messages, set_lang, text

if TYPE_CHECKING:
    from zongheng.evaluation import Evaluation

# Only typer, rich and the light zongheng modules are imported here: ``zongheng --help`` must
# start without numpy, pandas or scipy (tests/test_startup.py). Heavy imports live in functions.

__all__ = [
    "DataArg", "DatasetOpt", "FrameworkArg", "JsonOpt", "LangOpt", "MethodOpt", "SheetOpt",
    "UnitsOpt", "check_file", "check_group", "check_period", "console", "echo_json", "fail",
    "file_problems", "fmt", "heading", "is_missing", "load_evaluation", "plain", "run", "use_lang",
]

register_messages({
    "cli_options_title": ("命令行选项有 {n} 处问题:", "The command-line options have {n} problem(s):"),
    "cli_option_no_file": ("{option} {file}: 文件不存在", "{option} {file}: the file does not exist"),
    "cli_option_folder": ("{option} {file}: 是文件夹，不是文件", "{option} {file}: is a folder, not a file"),
    "cli_option_file_title": ("{option} {file} 有 {n} 处问题:", "{option} {file} has {n} problem(s):"),
    "cli_unknown_group": ("--group {group!r} 不是分组列（已有: {found}）",
                          "--group {group!r} is not a group column (found: {found})"),
    "cli_unknown_period": ("--period {period!r} 不在数据中（已有: {found}）",
                           "--period {period!r} is not in the data (found: {found})"),
})

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


def run(action: Callable[[], Any], options: Mapping[str, str | None] | None = None) -> Any:
    """Run an action; turn user errors into a plain message and exit status 2.

    ``options`` maps the library's parameter names to the command-line options the user gave
    (``{"k": "--top"}``): a problem the library reports at key ``k`` is then said to be a
    problem of ``--top``, not "键 k" of the method. Options the user did not give map to None.
    """
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ZonghengWarning)
            result = action()
        for w in caught:
            Console(stderr=True, highlight=False).print(f"warning: {w.message}", markup=False)
        return result
    except ZonghengError as exc:
        fail(_blame_options(exc, options or {}))
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        fail(f"{exc.strerror}: {exc.filename}")


def _blame_options(exc: ZonghengError, options: Mapping[str, str | None]) -> str:
    """Render ``exc``, naming the option of each problem that sits at a mapped parameter."""
    problems = getattr(exc, "problems", ())
    blamed = [options.get(p.key) if p.key is not None else None for p in problems]
    if not any(blamed):
        return str(exc)
    lines = [f"  - {option}: {replace(p, key=None).message()}" if option else f"  - {p.message()}"
             for p, option in zip(problems, blamed, strict=True)]
    title = text("cli_options_title", n=len(problems)) if all(blamed) else \
        text(type(exc).title_kind, n=len(problems))
    return "\n".join([title, *lines])


def file_problems(exc: ZonghengError, option: str, path: Path) -> str:
    """Render the problems of the file an option names, titled by the option and the file."""
    problems = getattr(exc, "problems", ())
    if not problems:
        return f"{option} {path}: {exc}"
    lines = [f"  - {replace(p, file=None).message()}" for p in problems]
    return "\n".join([text("cli_option_file_title", option=option, file=path, n=len(problems)), *lines])


def check_file(path: Path | None, option: str) -> None:
    """Fail, naming ``option``, when the file it names is missing or is a folder."""
    if path is None:
        return
    if path.is_dir():
        fail(text("cli_option_folder", option=option, file=path))
    if not path.exists():
        fail(text("cli_option_no_file", option=option, file=path))


def check_period(ev: Evaluation, period: str | None) -> Any:
    """Return the data's period that ``--period`` names (None when not given); fail if none does."""
    if period is None:
        return None
    chosen = next((p for p in ev.panel.periods if str(p) == period), None)
    if chosen is None:
        fail(text("cli_unknown_period", period=period, found=", ".join(map(str, ev.panel.periods))))
    return chosen


def check_group(ev: Evaluation, group: str | None) -> None:
    """Fail, naming ``--group``, when the group column is not in the unit table."""
    if group is not None and group not in ev.panel.groups:
        fail(text("cli_unknown_group", group=group, found=", ".join(map(str, ev.panel.groups))))


def use_lang(lang: str) -> None:
    """Set the message language from ``--lang``."""
    if lang not in ("zh", "en"):
        fail(f"--lang must be zh or en, got {lang!r}")
    set_lang(lang)


def load_evaluation(framework: Path | None, data: Path | None, method: Path | None,
                    dataset: str | None, sheet: str | None = None,
                    units: Path | None = None) -> tuple[Evaluation, str | None]:
    """Build the evaluation from files or a bundled dataset; return it and a provenance note."""
    from zongheng import datasets
    from zongheng.build import build
    from zongheng.method import Method, read_method

    def load() -> tuple[Evaluation, str | None]:
        note = None
        if dataset:
            if dataset not in datasets.available():
                fail(f"unknown dataset {dataset!r}; available: {', '.join(datasets.available())}")
            if framework is not None or data is not None:
                fail("give either --dataset or FRAMEWORK and DATA, not both")
            check_file(units, "--units")
            ds = datasets.load(dataset)
            fw, panel, meth = ds.framework, ds.panel, ds.method
            note = ds.title
        else:
            if framework is None or data is None:
                fail("FRAMEWORK and DATA are required (or use --dataset NAME)")
            for path, name in ((framework, "FRAMEWORK"), (data, "DATA"), (units, "--units")):
                check_file(path, name)
            from zongheng.io import read_framework, read_panel  # the table readers (pandas)

            fw = read_framework(framework)
            panel = read_panel(data, fw, sheet=sheet, units=units)
            meth = Method()
        if method is not None:
            check_file(method, "--method")
            meth = read_method(method)
        return build(fw, panel, meth), note

    return run(load)


def _loaded(name: str) -> Any:
    """Return the module ``name`` if something imported it already, else None.

    A value cannot be a numpy or pandas object unless that library is loaded, so the
    formatters below test for their types without importing them (a command that never
    needed pandas does not pay a second for it here).
    """
    return sys.modules.get(name)


def is_missing(value: Any) -> bool:
    """Return whether a cell is missing: None, NaN (Python or numpy float) or pandas' NA."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    np, pd = _loaded("numpy"), _loaded("pandas")
    return (np is not None and isinstance(value, np.floating) and bool(np.isnan(value))) or (
        pd is not None and value is pd.NA)


def fmt(value: Any, digits: int = 2) -> str:
    """Format a table cell: numbers to ``digits`` decimals, missing as an em dash."""
    if is_missing(value):
        return "—"
    np = _loaded("numpy")
    if isinstance(value, float) or (np is not None and isinstance(value, np.floating)):
        return f"{value:.{digits}f}"
    return str(value)


def plain(value: Any) -> Any:
    """Return ``value`` in JSON types: numpy scalars unwrapped, NaN/±inf/NA as None, frames as rows."""
    np, pd = _loaded("numpy"), _loaded("pandas")
    if np is not None and isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN or ±Infinity
    if pd is not None:
        if value is pd.NA:
            return None
        if isinstance(value, pd.DataFrame):
            return [{k: plain(v) for k, v in row.items()} for row in value.to_dict("records")]
        if isinstance(value, pd.Series):
            return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Mapping):  # dicts and the read-only FrozenMap of methods and weights
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


_plain = plain  # the earlier private name


def echo_json(document: Any) -> None:
    """Print a document (dicts, lists, DataFrames, numpy scalars) as UTF-8 JSON on stdout."""
    sys.stdout.write(json.dumps(plain(document), ensure_ascii=False, indent=1) + "\n")
