"""What every command shares: language, loading, checks, error handling, tables, JSON output."""

from __future__ import annotations

import contextlib
import difflib
import json
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from zongheng.cli.labels import DATASETS, dataset_caption
from zongheng.cli.lazy import lazy
from zongheng.errors import ZonghengError, ZonghengWarning
from zongheng.i18n import get_lang, register_messages, set_lang, text

if TYPE_CHECKING:
    from zongheng import display
    from zongheng.evaluation import Evaluation
    from zongheng.framework import Framework
    from zongheng.method import Method
    from zongheng.panel import Panel
else:  # numpy: imported when a number is first shown
    display = lazy("zongheng.display")

# Only typer, rich and the light zongheng modules are imported here: ``zongheng --help`` must
# start without numpy, pandas or scipy (tests/test_startup.py). Heavy imports live in functions.

__all__ = [
    "DataArg",
    "DatasetOpt",
    "FrameworkArg",
    "Inputs",
    "JsonOpt",
    "LangOpt",
    "MethodOpt",
    "NotedTable",
    "SheetOpt",
    "UnitsOpt",
    "busy",
    "check_file",
    "check_group",
    "check_output",
    "check_period",
    "check_unit",
    "console",
    "display",
    "echo_json",
    "fail",
    "file_problems",
    "fit_columns",
    "flag",
    "heading",
    "is_missing",
    "load_evaluation",
    "load_inputs",
    "names_differ",
    "natural_width",
    "new_table",
    "plain",
    "process_seconds",
    "progress_bar",
    "refuse_attainment",
    "run",
    "use_lang",
    "whole",
    "word_width",
]

_STARTED = time.perf_counter()  # when the command line was imported (a fallback start time)

register_messages({
    "cli_options_title": ("命令行选项有 {n} 处问题:", "The command-line options have {n} problem(s):"),
    "cli_option_no_file": ("{option} {file}: 文件不存在", "{option} {file}: the file does not exist"),
    "cli_option_folder": ("{option} {file}: 是文件夹，不是文件", "{option} {file}: is a folder, not a file"),
    "cli_option_file_title": ("{option} {file} 有 {n} 处问题:", "{option} {file} has {n} problem(s):"),
    "cli_unknown_group": ("--group {group!r} 不是分组列（已有: {found}）",
                          "--group {group!r} is not a group column (found: {found})"),
    "cli_unknown_period": ("--period {period!r} 不在数据中（已有: {found}）",
                           "--period {period!r} is not in the data (found: {found})"),
    "cli_unknown_dataset": ("未知数据集 {name!r}（可用: {found}）",
                            "unknown dataset {name!r}; available: {found}"),
    "cli_dataset_and_files": ("--dataset 与 FRAMEWORK/DATA 只能二选一",
                              "give either --dataset or FRAMEWORK and DATA, not both"),
    "cli_need_inputs": ("需要 FRAMEWORK 和 DATA 两个文件（或用 --dataset 选内置数据集: {found}）",
                        "FRAMEWORK and DATA are required (or use --dataset NAME: {found})"),
    "cli_bad_lang": ("--lang 必须是 zh 或 en，实际为 {lang!r}（--lang must be zh or en）",
                     "--lang must be zh or en, got {lang!r}"),
    "cli_warning": ("警告: {message}", "warning: {message}"),
    "cli_examples_same": ("示例文件见 {path}", "an example is {path}"),
    "cli_examples_folder": (
        "示例文件在 {folder}（指标体系.xlsx、数据.csv、method.yaml、情景.csv）；"
        "自己的数据可先用 zongheng template 生成填报模板",
        "examples are in {folder} (指标体系.xlsx, 数据.csv, method.yaml, 情景.csv); for your own "
        "data, zongheng template writes an entry workbook",
    ),
    "cli_examples_none": (
        "可用 zongheng template 生成填报模板，或用 --dataset 选内置数据集（{found}）",
        "zongheng template writes an entry workbook; or use --dataset ({found})",
    ),
    "cli_unknown_unit": ("单位 '{unit}' 不在数据中（按代码或名称查找）",
                         "the unit '{unit}' is not in the data (looked up by code or name)"),
    "cli_did_you_mean": ("是否为 {names}？", "did you mean {names}?"),
    "cli_some_units": ("已有如: {names} …", "e.g. {names} …"),
    "cli_or": ("或", " or "),
    "cli_overwrite_input": (
        "{option} {file} 是输入文件（{role}），写入会覆盖你的数据：请换一个输出文件名",
        "{option} {file} is the input file ({role}): writing would destroy your data; choose "
        "another output name",
    ),
    "cli_narrow": ("终端较窄，部分列未列出（加宽终端或用 --json 查看）",
                   "A narrow terminal: some columns are left out (widen it, or use --json)"),
    "cli_output_suffix": ("--output {file}: 不支持的文件类型（可用 {allowed}）",
                          "--output {file}: unsupported type of file (use {allowed})"),
    "cli_exists_force": (
        "{file} 已存在（可能已填好数据）：加 --force 覆盖，或用 -o 换一个文件名",
        "{file} exists already (it may hold entered data): add --force to replace it, or choose "
        "another name with -o",
    ),
    "cli_attainment_only": (
        "{name} 是目标达成类指标体系（各指标按目标值和达标规则评价）：不做标准化综合得分、排名、"
        "差距或路径。请用 zongheng attainment，或 zongheng report --template eco",
        "{name} is a target-attainment framework (each indicator is judged against its target "
        "by its rule): no normalised composite score, rank, gap or path. Use zongheng attainment, "
        "or zongheng report --template eco",
    ),
})

HEADINGS: dict[str, tuple[str, str]] = {
    "rank": ("排名", "Rank"), "unit": ("单位", "Unit"), "name": ("名称", "Name"),
    "ranking": ("排名", "Ranking"), "period": ("时期", "period"), "written": ("已写入", "Written"),
    "group_rank": ("组内", "In group"),
    "screened": ("未参评（数据不足）", "Screened out (too little data)"),
    "dataset": ("数据集", "Dataset"), "index": ("综合得分", "Index"),
}

FrameworkArg = Annotated[Path | None, typer.Argument(help="指标体系 framework: .yaml, .xlsx, .csv")]
DataArg = Annotated[Path | None, typer.Argument(help="数据 data: .csv, .xlsx, .parquet")]
MethodOpt = Annotated[Path | None, typer.Option("--method", "-m", help="方法 method YAML")]
DatasetOpt = Annotated[str | None, typer.Option(
    help=f"内置数据集 bundled dataset: {', '.join(DATASETS)}")]
SheetOpt = Annotated[str | None, typer.Option(help="Excel 工作表 sheet of the data")]
UnitsOpt = Annotated[Path | None, typer.Option(help="单位信息表 unit table (code, name, groups)")]
LangOpt = Annotated[str, typer.Option("--lang", help="zh | en: language of headings and messages.")]


def flag(*names: str, help: str) -> Any:
    """Return a Typer flag option: no ``<bool>`` value shown in ``--help`` (it takes none)."""
    return typer.Option(*names, help=help, metavar="")


JsonOpt = Annotated[bool, flag("--json", help="输出 JSON print JSON instead of tables")]


def heading(key: str) -> str:
    """Return a heading in the current language."""
    zh, en = HEADINGS[key]
    return en if get_lang() == "en" else zh


def console() -> Console:
    """Return the console for tables (no markup or highlighting of user text)."""
    return Console(highlight=False)


class NotedTable(Table):
    """A table with a note printed under it at the console's full width (not the table's).

    A rich caption is wrapped to the table's width: a dataset's title under a narrow table
    would break into three lines.
    """

    def __init__(self, *args: Any, note: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.note = note

    def __rich_console__(self, console: Console, options: Any) -> Any:
        yield from super().__rich_console__(console, options)
        if self.note:
            from rich.text import Text

            yield Text(self.note)


def new_table(title: str | None = None, caption: str | None = None, **options: Any) -> NotedTable:
    """Return an empty table in the command line's compact style.

    Columns are set apart by two spaces under one rule, with no frame: a table of ten
    columns still fits an 80-column terminal (a pipe, a CI log), where a framed one crops
    its last columns. ``caption`` is printed under the table (``table.note``).
    """
    return NotedTable(title=title, note=caption, box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0),
                      pad_edge=False, show_edge=False, **options)


def fail(message: str) -> NoReturn:
    """Print a user error plainly and exit with status 2.

    The terminal wraps long lines (``soft_wrap``): rich would break a Chinese sentence at its
    first space, far from the edge.
    """
    Console(stderr=True, highlight=False).print(message, markup=False, soft_wrap=True)
    raise typer.Exit(2)


def run(action: Callable[[], Any], options: Mapping[str, str | None] | None = None,
        *, status: str | None = None) -> Any:
    """Run an action; turn user errors into a plain message and exit status 2.

    ``options`` maps the library's parameter names to the command-line options the user gave
    (``{"k": "--top"}``): a problem the library reports at key ``k`` is then said to be a
    problem of ``--top``, not "键 k" of the method. Options the user did not give map to None.
    With ``status``, a spinner says what is being done while it runs (on a terminal only).
    """
    try:
        with warnings.catch_warnings(record=True) as caught, busy(status):
            warnings.simplefilter("always", ZonghengWarning)
            result = action()
        # Only zongheng's own warnings are the user's business; a library's (matplotlib's
        # missing glyphs, pandas' deprecations) would bury them in noise (review #8).
        for w in caught:
            if issubclass(w.category, ZonghengWarning):
                Console(stderr=True, highlight=False).print(
                    text("cli_warning", message=w.message), markup=False, soft_wrap=True)
        return result
    except ZonghengError as exc:
        fail(_blame_options(exc, options or {}))
    except OSError as exc:  # a file that cannot be read or written: named, with the reason
        from zongheng.cli.os_errors import os_error_text

        fail(os_error_text(exc))


@contextlib.contextmanager
def busy(message: str | None) -> Iterator[None]:
    """Show a spinner with ``message`` on stderr while the block runs, on a terminal only.

    Nothing is shown when stderr is a pipe or a file (a log stays clean), or without a message.
    """
    err = Console(stderr=True)
    if message is None or not err.is_terminal:
        yield
        return
    with err.status(message, spinner="dots"):
        yield


@contextlib.contextmanager
def progress_bar(description: str, total: int, show: bool | None = None,
                 ) -> Iterator[Callable[[int, int], None]]:
    """Show a progress bar on stderr while the block runs; yield ``tick(done, total)`` to move it.

    Shown on a terminal by default (``show=None``), always with ``show=True`` (even into a
    pipe), never with ``show=False``. It disappears when done.
    """
    # Imported here: rich.progress (≈ 14 ms) is not needed to print ``--help``.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    err = Console(stderr=True, force_terminal=True if show else None)
    shown = err.is_terminal if show is None else show
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err, transient=True, disable=not shown) as bar:
        task = bar.add_task(description, total=total)

        def tick(done: int, total_: int | None = None) -> None:
            bar.update(task, completed=done, **({"total": total_} if total_ else {}))

        yield tick


def process_seconds() -> float:
    """Return the seconds since this process started (wall time, including Python's start-up).

    Read from ``/proc`` where there is one (Linux); elsewhere, from when the command line was
    imported, which leaves out only the interpreter's own start.
    """
    try:
        with open("/proc/self/stat", encoding="ascii") as stat, open("/proc/uptime", encoding="ascii") as up:
            # Field 22 is the start time in clock ticks after boot; the name (field 2) may hold
            # spaces, so fields are counted after its closing bracket.
            fields = stat.read().rsplit(")", 1)[1].split()
            started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
            return max(0.0, float(up.read().split()[0]) - started)
    except (OSError, ValueError, IndexError, AttributeError):
        return time.perf_counter() - _STARTED


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


def _examples() -> list[Path]:
    """Return the example folders: ``examples/`` here, and the one of a source checkout."""
    here = Path.cwd() / "examples"
    checkout = Path(__file__).resolve().parents[3] / "examples"  # src/zongheng/cli/common.py
    return [folder for folder in dict.fromkeys((here, checkout)) if folder.is_dir()]


def _shown(path: Path) -> str:
    """Return ``path`` relative to the working folder when it is under it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def examples_hint(path: Path) -> str:
    """Say where an example of a missing input file is (``examples/数据.csv``), or what to do."""
    folders = _examples()
    for folder in folders:
        if (folder / path.name).is_file():
            return text("cli_examples_same", path=_shown(folder / path.name))
    if folders:
        return text("cli_examples_folder", folder=_shown(folders[0]) + os.sep)
    return text("cli_examples_none", found=", ".join(DATASETS))


def check_file(path: Path | None, option: str, hint: str | None = None, *,
               examples: bool = False) -> None:
    """Fail, naming ``option``, when the file it names is missing or is a folder.

    With ``examples`` (a framework, data, method or scenario file: kinds the ``examples/``
    folder holds), a missing file gets a pointer to the examples; and ``hint`` (what such a
    file holds) when given.
    """
    if path is None:
        return
    if path.is_dir():
        fail(text("cli_option_folder", option=option, file=path))
    if not path.exists():
        lines = [text("cli_option_no_file", option=option, file=path),
                 examples_hint(path) if examples else None, hint]
        fail("\n  ".join(line for line in lines if line))


def check_output(output: Path | None, inputs: Mapping[str, Path | None],
                 suffixes: Sequence[str] = ()) -> None:
    """Fail when the output file is one of the input files (``build data.csv -o data.csv``).

    ``inputs`` maps a role shown to the user (``DATA``, ``--units``) to the file it names.
    With ``suffixes`` (``.csv``, ``.xlsx`` …), another type of file is refused too: before
    anything is computed, not after the tables are printed.
    """
    if output is None:
        return
    for role, path in inputs.items():
        if path is not None and _same_file(output, path):
            fail(text("cli_overwrite_input", option="--output", file=output, role=role))
    if suffixes and output.suffix.lower() not in suffixes:
        fail(text("cli_output_suffix", file=output, allowed="、".join(suffixes) if get_lang() != "en"
                  else ", ".join(suffixes)))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


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


def check_unit(panel: Panel, unit: str | None, option: str = "--unit") -> None:
    """Fail, naming ``option``, when no unit has this code or name; suggest the closest ones.

    ``永康`` suggests ``永康市`` (a name that contains what was typed comes first, then
    names that are spelled alike).
    """
    if unit is None:
        return
    codes, names = [str(u) for u in panel.units], [str(n) for n in panel.names()]
    if unit in codes or unit in names:
        return
    known = list(dict.fromkeys(names + codes))
    near = [k for k in known if unit in k or (k in unit and len(k) > 1)]
    near += [k for k in difflib.get_close_matches(unit, known, n=3, cutoff=0.5) if k not in near]
    english = get_lang() == "en"
    if near:  # "永康市、永康区或永康县" / "Switzerland, Ireland or Finland"
        first, last = near[:3][:-1], near[:3][-1]
        names_ = f"{(', ' if english else '、').join(first)}{text('cli_or')}{last}" if first else last
        hint = text("cli_did_you_mean", names=names_)
    else:
        hint = text("cli_some_units", names=", ".join(known[:5]))
    # Titled as every problem of an option is (_blame_options), and named by the option.
    fail("\n".join([text("cli_options_title", n=1), f"  - {option}: {text('cli_unknown_unit', unit=unit)}"
                    f"{'; ' if english else '；'}{hint}"]))


def use_lang(lang: str) -> None:
    """Set the message language from ``--lang``."""
    if lang not in ("zh", "en"):
        fail(text("cli_bad_lang", "zh", lang=lang))
    set_lang(lang)


@dataclass(frozen=True)
class Inputs:
    """What a command reads before anything is computed: the framework, the data and a method."""

    framework: Framework
    panel: Panel
    method: Method
    note: str | None = None       # the dataset's caption, for a table
    synthetic: bool = False
    source: str | None = None     # where the data come from (a dataset's title)


def load_inputs(framework: Path | None, data: Path | None, method: Path | None,
                dataset: str | None, sheet: str | None = None,
                units: Path | None = None) -> Inputs:
    """Read the framework, the data and the method from files or a bundled dataset."""
    from zongheng import datasets
    from zongheng.method import Method, read_method

    def load() -> Inputs:
        if dataset:
            if dataset not in datasets.available():
                fail(text("cli_unknown_dataset", name=dataset, found=", ".join(datasets.available())))
            if framework is not None or data is not None:
                fail(text("cli_dataset_and_files"))
            check_file(units, "--units")
            ds = datasets.load(dataset)
            fw, panel, meth = ds.framework, ds.panel, ds.method
            note, synthetic, source = dataset_caption(dataset, ds.title), ds.synthetic, ds.title
        else:
            if framework is None or data is None:
                fail(text("cli_need_inputs", found=", ".join(DATASETS)))
            for path, name in ((framework, "FRAMEWORK"), (data, "DATA"), (units, "--units")):
                check_file(path, name, examples=name != "--units")
            from zongheng.io import read_framework, read_panel  # the table readers (pandas)

            fw = read_framework(framework)
            panel = read_panel(data, fw, sheet=sheet, units=units)
            meth, note, source = Method(), None, data.name
            synthetic = bool(panel.meta.get("synthetic"))
        if method is not None:
            check_file(method, "--method", examples=True)
            meth = read_method(method)
        return Inputs(fw, panel, meth, note, synthetic, source)

    return run(load)


def refuse_attainment(framework: Framework) -> None:
    """Fail when a composite analysis is asked of a target-attainment framework (生态文明)."""
    from zongheng.report.writers import is_attainment

    if is_attainment(framework):
        fail(text("cli_attainment_only", name=framework.label(framework.root.code, get_lang())))


def load_evaluation(framework: Path | None, data: Path | None, method: Path | None,
                    dataset: str | None, sheet: str | None = None,
                    units: Path | None = None, *, status: str | None = None,
                    keep: str = "all") -> tuple[Evaluation, str | None]:
    """Build the evaluation from files or a bundled dataset; return it and a provenance note.

    A target-attainment framework (生态文明) is refused: it has no composite to build.
    ``keep="final"`` keeps only the scores (see :func:`zongheng.build`).
    """
    from zongheng.build import build

    inputs = load_inputs(framework, data, method, dataset, sheet, units)
    refuse_attainment(inputs.framework)
    ev = run(lambda: build(inputs.framework, inputs.panel, inputs.method, keep=keep), status=status)
    return ev, inputs.note


def _loaded(name: str) -> Any:
    """Return the module ``name`` if something imported it already, else None.

    A value cannot be a numpy or pandas object unless that library is loaded, so the
    helpers below test for their types without importing them (a command that never
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


def whole(value: Any) -> str:
    """Show a count or a rank (a whole number): ``3``; missing as an em dash."""
    return "—" if is_missing(value) else str(int(value))


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


def _cell_width(value: str) -> int:
    """Return the terminal width of a cell or header: its widest line (``本单位\n标准化`` is 6)."""
    from rich.cells import cell_len

    return max((cell_len(line) for line in str(value).split("\n")), default=0)


def natural_width(headers: Sequence[str], columns: Sequence[Sequence[str]],
                  caps: Sequence[int | None] | None = None) -> int:
    """Return the width a :func:`new_table` needs to show every header and cell on one line.

    ``caps`` gives a column the width it may fold down to (a name column), or None (numbers).
    """
    caps = caps or [None] * len(headers)
    widths = [max([_cell_width(h), *(_cell_width(c) for c in cells)])
              for h, cells in zip(headers, columns, strict=True)]
    widths = [w if cap is None else min(w, cap) for w, cap in zip(widths, caps, strict=True)]
    # Each column but the last is followed by one space of padding and a one-space rule.
    return sum(widths) + 2 * max(len(widths) - 1, 0)


def fit_columns(keys: Sequence[str], headers: Mapping[str, str], cells: Mapping[str, Sequence[str]],
                width: int, *, folds: Mapping[str, int],
                optional: Sequence[str | Sequence[str]] = ()) -> list[str]:
    """Return the columns to show, leaving out ``optional`` ones (in order) until the table fits.

    The table fits ``width`` when each folding column keeps the width ``folds`` gives it. A
    terminal of 80 columns cannot show nine columns and a readable name: rather than fold a name
    to three characters a line, a secondary column is left out (and the caller says so). An
    entry of ``optional`` may be a tuple of columns that go together (本单位/对标 标准化).
    """
    shown = list(keys)

    def need(columns: list[str]) -> int:
        return natural_width([headers[k] for k in columns], [cells[k] for k in columns],
                             [folds.get(k) for k in columns])

    for entry in optional:
        if need(shown) <= width:
            break
        for key in (entry,) if isinstance(entry, str) else entry:
            if key in shown:
                shown.remove(key)
    return shown


def word_width(cells: Sequence[str]) -> int:
    """Return the width of the longest word in ``cells``: a column folded narrower splits words.

    A Chinese name has no spaces, so it is one word (工作评价: 8); ``Efficiency transformation``
    folds to ``transformation`` (14).
    """
    return max((_cell_width(word) for cell in cells for word in str(cell).split()), default=0)


def names_differ(codes: Sequence[Any], names: Sequence[Any]) -> bool:
    """Return whether any unit's name differs from its code (else a 名称 column repeats 单位)."""
    return any(str(c) != str(n) for c, n in zip(codes, names, strict=True))
