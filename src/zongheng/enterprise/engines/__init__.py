"""Grading engines (评价引擎) for tables of any size: pandas, DuckDB, Dask.

Every engine gives the same A/B/C/D to every firm as
:func:`zongheng.enterprise.grade_enterprises`; they differ in where the table lives
(pandas: in memory; DuckDB: in process, spilling to disk; Dask: a cluster) and all
return a :class:`GradeSummary`, writing the full grade list to a file.

>>> from zongheng.enterprise import generate_enterprises
>>> summary = grade_table(generate_enterprises(300, seed=1), engine="pandas")
>>> summary.engine, summary.firms
('pandas', 300)
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pandas as pd

from zongheng.enterprise.engines.summary import GradeSummary
from zongheng.enterprise.rule import GradingRule
from zongheng.errors import DataError, Problem
from zongheng.i18n import register_messages
from zongheng.io.tables import Table

__all__ = ["AUTO_DUCKDB_BYTES", "AUTO_DUCKDB_ROWS", "ENGINES", "GradeSummary", "choose_engine", "grade_table"]

register_messages({
    "engine_unknown": ("未知的评价引擎 '{engine}'（可用: {engines}）",
                       "unknown engine '{engine}' (use one of: {engines})"),
    "engine_dask_missing": (
        "Dask 引擎不可用：{error}（安装 zongheng[cluster]，"
        "并确认 zongheng.enterprise.engines.dask_engine 存在）",
        "the Dask engine is not available: {error} (install zongheng[cluster] and check that "
        "zongheng.enterprise.engines.dask_engine exists)",
    ),
    "engine_needs_file": (
        "{engine} 引擎读取 .parquet 或 .csv 文件（Excel 表或内存中的表请用 pandas 引擎）",
        "the {engine} engine reads a .parquet or .csv file (use the pandas engine for Excel or a frame)",
    ),
    "engine_order_needs_duckdb": (
        "输出顺序 '{order}' 只用于 DuckDB 引擎（{engine} 引擎按公示顺序写出）",
        "the output order '{order}' is for the DuckDB engine (the {engine} engine writes the 公示 order)",
    ),
    "engine_output_not_duckdb": (
        "{engine} 引擎写出 .parquet 或 .csv，不写 '{suffix}'（用 --engine pandas 写 Excel/JSON）",
        "the {engine} engine writes .parquet or .csv, not '{suffix}' (use --engine pandas for Excel/JSON)",
    ),
})

ENGINES = ("auto", "pandas", "duckdb", "dask")

#: Files larger than this are graded by DuckDB under ``engine="auto"``, by suffix: ≈ 3 × 10⁵ firms
#: either way (Parquet compresses about 4 × better than CSV). Below it pandas is as quick.
AUTO_DUCKDB_BYTES = {".parquet": 8 * 1024 * 1024, ".csv": 32 * 1024 * 1024}
#: Rows of an in-memory Arrow table above which ``engine="auto"`` takes DuckDB: a synthetic Parquet
#: file of 8 MB holds ≈ 2 × 10⁵ firms, so the CLI's demo picks the engine it picked from its file.
AUTO_DUCKDB_ROWS = 200_000


def choose_engine(source: Any, output: str | Path | None = None, order: str = "rank") -> str:
    """Return the engine ``auto`` picks: DuckDB for large Parquet/CSV files, pandas otherwise.

    Excel and JSON outputs need the whole result in memory: pandas. The table's order
    (``order="table"``) is the DuckDB engine's: any Parquet/CSV file then goes to DuckDB.
    """
    if isinstance(source, pd.DataFrame | Table) or source is None:
        return "pandas"
    if output is not None and Path(output).suffix.lower() in (".xlsx", ".json"):
        return "pandas"
    if _is_arrow(source):
        return "duckdb" if order == "table" or source.num_rows > AUTO_DUCKDB_ROWS else "pandas"
    path = Path(source)
    if path.suffix.lower() not in (".parquet", ".csv"):
        return "pandas"
    if order == "table":
        return "duckdb"
    try:
        size = path.stat().st_size
    except OSError:
        return "pandas"  # the pandas reader says what is wrong with the path
    return "duckdb" if size > AUTO_DUCKDB_BYTES[path.suffix.lower()] else "pandas"


def grade_table(source: str | Path | pd.DataFrame | Table,
                rule: GradingRule | str | Path | dict | None = None, *, engine: str = "auto",
                output: str | Path | None = None, sheet: str | int | None = None,
                scheduler: str | None = None, d_limit: int | None = 100, **options: Any) -> GradeSummary:
    """Grade enterprises with the chosen engine (选择评价引擎) and write the grade list.

    Parameters
    ----------
    source : path, DataFrame or Table
        The enterprise table (``.parquet``, ``.csv``; ``.xlsx`` and frames with pandas).
    rule : GradingRule, path, dict, optional
        The grading rule (default as :func:`~zongheng.enterprise.grade_enterprises`).
    engine : str
        ``auto`` (DuckDB for Parquet/CSV files above :data:`AUTO_DUCKDB_BYTES`, else
        pandas), ``pandas``, ``duckdb`` or ``dask``.
    output : path, optional
        Where the full grade list goes: ``.parquet`` or ``.csv`` (any engine),
        ``.xlsx`` or ``.json`` (pandas).
    sheet : str or int, optional
        Excel sheet (pandas).
    scheduler : str, optional
        The Dask scheduler's address (``tcp://host:8786``); without it, Dask's threads in this process.
    d_limit : int or None
        Rows of the D list kept in the summary (None: all).
    **options
        Passed to the engine (DuckDB: ``memory_limit``, ``temp_directory``,
        ``threads``, ``view_above``, ``order`` — ``rank``, the 公示 order, or ``table``, the table's own;
        pandas: ``lang``, ``by_branch``; both: ``synthetic``, said in the Parquet
        output's metadata ``zongheng.synthetic``; every engine: ``columns`` — ``full``, or
        ``grades``, the list without each indicator's value and item score); others are ignored.

    Returns
    -------
    GradeSummary
    """
    if engine not in ENGINES:
        raise DataError([Problem("engine_unknown", {"engine": engine, "engines": ", ".join(ENGINES)})])
    order = options.get("order", "rank")
    chosen = choose_engine(source, output, order) if engine == "auto" else engine
    if order != "rank" and chosen != "duckdb":
        raise DataError([Problem("engine_order_needs_duckdb", {"order": order, "engine": chosen})])
    arrow = _is_arrow(source)
    if chosen == "pandas":
        from zongheng.enterprise.engines.pandas_engine import grade_pandas

        if arrow:
            source = source.to_pandas()
        kept = {k: v for k, v in options.items() if k in ("lang", "by_branch", "synthetic", "columns")}
        return grade_pandas(source, rule, output=output, sheet=sheet, d_limit=d_limit, **kept)
    # DuckDB reads files, DataFrames and Arrow tables; Dask reads files and DataFrames.
    in_memory = isinstance(source, pd.DataFrame) or (arrow and chosen == "duckdb")
    if isinstance(source, Table) or (arrow and not in_memory) or (
            not in_memory and Path(source).suffix.lower() not in (".parquet", ".csv")):
        raise DataError([Problem("engine_needs_file", {"engine": chosen})])
    if output is not None and Path(output).suffix.lower() not in (".parquet", ".csv"):
        raise DataError([Problem("engine_output_not_duckdb",
                                 {"engine": chosen, "suffix": Path(output).suffix})])
    options = {k: v for k, v in options.items()
               if k in ("memory_limit", "temp_directory", "threads", "synthetic", "order", "view_above",
                        "columns")}
    if options.pop("synthetic", False):  # said in the Parquet output's metadata, as of the table
        from zongheng.enterprise.generator import SYNTHETIC_NOTE

        options["metadata"] = {"zongheng.synthetic": SYNTHETIC_NOTE}
    if chosen == "duckdb":
        from zongheng.enterprise.engines.duckdb_engine import grade_duckdb

        return grade_duckdb(source, rule, output=output, d_limit=d_limit, **options)
    options.pop("order", None)
    columns = options.pop("columns", "full")
    try:  # written separately (the Dask engine); imported only when asked for
        module = importlib.import_module("zongheng.enterprise.engines.dask_engine")
    except ImportError as exc:
        raise DataError([Problem("engine_dask_missing", {"error": str(exc)})]) from None
    return module.grade_dask(source, rule, output=output, scheduler=scheduler, d_limit=d_limit,
                             metadata=options.get("metadata"), columns=columns)


def _is_arrow(source: Any) -> bool:
    """Return whether ``source`` is a pyarrow Table (without importing pyarrow for other sources)."""
    return type(source).__module__.startswith("pyarrow") and hasattr(source, "num_rows")
