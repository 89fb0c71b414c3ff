"""pandas engine (pandas 评价引擎): the in-memory grading, written to any output, summarised.

:func:`zongheng.enterprise.grade_enterprises` holds the whole table and grade list
in memory (about 2 GB for 10⁶ firms); this engine wraps it so that it returns a
:class:`GradeSummary` like the others and writes the grade list to Parquet, CSV,
Excel or JSON.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from zongheng.enterprise.engines.summary import GradeSummary, check_columns, list_columns
from zongheng.enterprise.muyun import GradingResult, grade_enterprises
from zongheng.enterprise.rule import GradingRule
from zongheng.errors import DataError, Problem
from zongheng.i18n import register_messages
from zongheng.io.atomic import atomic_write
from zongheng.io.tables import MAX_EXCEL_ROWS, Table

__all__ = ["grade_pandas", "summarise", "tops_of", "write_grades"]

register_messages({
    "engine_too_many_rows_xlsx": (
        "{rows:,} 家企业超过 Excel 的 {limit:,} 行上限：请输出 .parquet 或 .csv",
        "{rows:,} firms exceed Excel's {limit:,} rows: write .parquet or .csv instead",
    ),
    "engine_output_suffix": (
        "不支持的输出类型 '{suffix}'（可用 .parquet、.csv、.xlsx、.json）",
        "unsupported output type '{suffix}' (use .parquet, .csv, .xlsx or .json)",
    ),
})

OUTPUT_SUFFIXES = (".parquet", ".csv", ".xlsx", ".json")


def grade_pandas(source: str | Path | pd.DataFrame | Table,
                 rule: GradingRule | str | Path | dict | None = None, *,
                 output: str | Path | None = None, sheet: str | int | None = None,
                 d_limit: int | None = 100, lang: str = "zh", by_branch: bool = False,
                 synthetic: bool = False, columns: str = "full") -> GradeSummary:
    """Grade in memory with :func:`~zongheng.enterprise.grade_enterprises`; write and summarise.

    Parameters
    ----------
    source : path, DataFrame or Table
        ``.csv``, ``.xlsx`` or ``.parquet`` file, or a frame.
    rule : GradingRule, path, dict, optional
    output : path, optional
        ``.parquet`` (codes as headers, as the DuckDB engine writes), ``.csv``,
        ``.xlsx`` or ``.json`` (as :func:`~zongheng.enterprise.write_result`).
    sheet : str or int, optional
        Excel sheet of the table.
    d_limit : int or None
        Rows of the D list kept in the summary (None: all).
    lang, by_branch, synthetic
        As :func:`~zongheng.enterprise.write_result`, for ``.xlsx``/``.csv``.
    columns : {"full", "grades"}
        The grade list's columns: all, or without each indicator's value and item score.

    Returns
    -------
    GradeSummary
    """
    out = Path(output) if output is not None else None
    if out is not None and out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise DataError([Problem("engine_output_suffix", {"suffix": out.suffix})])
    check_columns(columns)
    result = grade_enterprises(source, rule, sheet=sheet)
    if out is not None:
        write_grades(result, out, lang=lang, by_branch=by_branch, synthetic=synthetic, columns=columns)
    return summarise(result, "pandas", out, d_limit)


def write_grades(result: GradingResult, path: Path, *, lang: str = "zh", by_branch: bool = False,
                 synthetic: bool = False, columns: str = "full") -> Path:
    """Write the grade list by the file's suffix (atomically); Excel only when it fits.

    ``columns="grades"`` writes the list without each indicator's value and item score.
    """
    if columns != "full":
        grades = result.grades
        result = replace(result, grades=grades[list_columns(list(grades.columns), result.indicators,
                                                            columns)])
    suffix = path.suffix.lower()
    if suffix == ".xlsx" and len(result.grades) + 1 > MAX_EXCEL_ROWS:
        raise DataError([Problem("engine_too_many_rows_xlsx", {"rows": len(result.grades),
                                                               "limit": MAX_EXCEL_ROWS - 1})])
    if suffix != ".parquet":
        from zongheng.enterprise.export import write_result

        return write_result(result, path, lang=lang, by_branch=by_branch, synthetic=synthetic)
    frame = result.grades.copy(deep=False)
    for column in ("branch", "grade", "reason"):  # plain text, as the DuckDB engine writes them
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    frame["scale"] = frame["scale"].astype(object)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if synthetic:  # said in the file's metadata, as write_synthetic says it of the table
        from zongheng.enterprise.generator import SYNTHETIC_NOTE

        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               b"zongheng.synthetic": SYNTHETIC_NOTE.encode()})
    return atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def summarise(result: GradingResult, engine: str, output: Path | None,
              d_limit: int | None = 100) -> GradeSummary:
    """Return the :class:`GradeSummary` of an in-memory grading."""
    d_list = result.d_list if d_limit is None else result.d_list.head(d_limit)
    return GradeSummary(engine=engine, firms=len(result.grades), distribution=result.distribution,
                        benchmarks=result.benchmarks, d_list=d_list.reset_index(drop=True),
                        d_firms=len(result.d_list), tops=tops_of(result),
                        output=output, rule=result.rule, framework=result.framework)


def tops_of(result: GradingResult) -> pd.DataFrame:
    """Return :attr:`GradeSummary.tops` of an in-memory grading.

    Per branch, the top item score of each indicator and the top total (``indicator`` =
    ``total``): what the note on uncapped scores needs.
    """
    grades = result.grades
    rows = []
    for branch in result.rule.branches:  # a loop over branches
        mine = grades[grades["branch"] == branch.name]
        for code in (*result.indicators, "total"):
            column = "total" if code == "total" else f"{code}_score"
            top = mine[column].max() if len(mine) else np.nan
            rows.append({"branch": branch.name, "indicator": code, "top": float(top)})
    return pd.DataFrame(rows, columns=["branch", "indicator", "top"])
