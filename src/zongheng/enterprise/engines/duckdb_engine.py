"""DuckDB engine (DuckDB 评价引擎): 亩均 grading in SQL over a Parquet or CSV file, spilling to disk.

The table is never loaded into pandas: DuckDB scans the file a few times (checks
and benchmarks, undefined-item fills, totals' range, then the ranking written
with ``COPY``) and keeps at most ``memory_limit`` in memory, sorting on disk
beyond it. Each step is the SQL twin of :func:`zongheng.enterprise.grade_enterprises`
(same float operations in the same order), so every firm gets the same grade:

- benchmarks over the branch's ranked firms: ``total`` (Σ numerator / Σ
  denominator), ``mean`` or the exact ``median`` (``quantile_cont``);
- ranks are competition ranks with the tie tolerance of
  :func:`zongheng.steps.rank.competition_rank` (scores put on the same integer
  grid, neighbours less than τ apart tie, ties chain), from one sort by DuckDB
  whose result numpy walks in batches;
- a rank on a cut-off (rank ≤ share × graded + 10⁻⁹) takes the better grade; veto
  caps, a protected floor lifts; reasons as in :data:`zongheng.enterprise.REASONS`.

Sums of the ``total``/``mean`` benchmarks and of the ``average`` fills are compensated sums
(``fsum``, Kahan–Babuška: in practice the same whatever order DuckDB's threads add in, where
``avg`` was not) and may differ from numpy's in the last bit; the tie tolerance (2⁻⁴⁰ of the
scores' extent) is far above that.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from zongheng.enterprise.columns import (
    _FLAG_WORDS,
    _LOOKUP,
    _SCALE_WORDS,
    BASE_COLUMNS,
    FLAG_KEYS,
    MAX_LISTED,
    NUMBER_KEYS,
    _normal,
)
from zongheng.enterprise.engines.hash_duplicates import Hashes
from zongheng.enterprise.engines.summary import GradeSummary, check_columns
from zongheng.enterprise.muyun import _BITS, _EPS, _as_rule, _d_list, _show, distribution_frame
from zongheng.enterprise.rule import GRADES, GradingRule
from zongheng.errors import DataError, MethodError, Problem
from zongheng.i18n import register_messages
from zongheng.io.atomic import atomic_write
from zongheng.io.tables import MISSING_MARKERS
from zongheng.steps.rank import FINE_BITS, TIE_BITS, layout, tie_extent

if TYPE_CHECKING:
    import duckdb

__all__ = ["distribution_from_counts", "grade_duckdb"]

register_messages({
    "engine_duckdb_format": (
        "DuckDB 引擎读取 .parquet 或 .csv 文件，而不是 '{suffix}'（Excel 表请用 --engine pandas）",
        "the DuckDB engine reads .parquet or .csv files, not '{suffix}' (use --engine pandas for Excel)",
    ),
    "engine_duckdb_unreadable": (
        "无法读取 {file}：{error}（CSV 须为 UTF-8 编码；GBK 文件请另存为 UTF-8 或用 --engine pandas）",
        "cannot read {file}: {error} (a CSV must be UTF-8; save a GBK file as UTF-8 or use --engine pandas)",
    ),
    "engine_order": ("未知的输出顺序 '{order}'（可用: {orders}）",
                     "unknown output order '{order}' (use one of: {orders})"),
    "engine_output_format": (
        "DuckDB 引擎写出 .parquet 或 .csv，而不是 '{suffix}'",
        "the DuckDB engine writes .parquet or .csv, not '{suffix}'",
    ),
})

#: Row orders of the grade list: 公示 order (branch, rank, row), or the table's own.
ORDERS = ("rank", "table")

#: Firms of a Parquet file above which it is read through views instead of a temporary copy.
VIEW_ABOVE = 1_500_000

#: Firms per batch of the sorted cells streamed to numpy for the ranks (≈ 28 MB).
_RANK_BATCH = 1 << 20

#: Distinct values per row group up to which a column of the grade list is written with a dictionary.
_DICTIONARY_LIMIT = 1000

#: Row numbers up to which a lookup lists them in the SQL as constants (see _rows_in).
_LISTED_ROWS = 10_000

# Data rows of a file start at row 2 (row 1 is the header), as a spreadsheet counts them.
_HEADER_ROWS = 1


def grade_duckdb(source: str | Path | pd.DataFrame | pa.Table,
                 rule: GradingRule | str | Path | dict | None = None, *,
                 output: str | Path | None = None, d_limit: int | None = 100, memory_limit: str | None = None,
                 temp_directory: str | Path | None = None, threads: int | None = None,
                 metadata: dict[str, str] | None = None, order: str = "rank",
                 view_above: int | None = VIEW_ABOVE, columns: str = "full") -> GradeSummary:
    """Grade enterprises with DuckDB (DuckDB 评价引擎), writing the grade list with ``COPY``.

    Parameters
    ----------
    source : path, DataFrame or pyarrow.Table
        A ``.parquet`` or UTF-8 ``.csv`` file (headers as for
        :func:`~zongheng.enterprise.grade_enterprises`), a DataFrame (tests), or an Arrow table
        (the CLI's synthetic firms, scanned in place).
    rule : GradingRule, path, dict, optional
        The grading rule (default as in ``grade_enterprises``).
    output : path, optional
        ``.parquet`` or ``.csv`` for the full grade list, in the order of
        :attr:`GradingResult.grades` (branch, rank, then the table's order).
    d_limit : int or None
        Rows of the D list kept in the summary (None: all).
    memory_limit : str, optional
        DuckDB's memory limit (e.g. ``"2GB"``); beyond it sorts spill to disk.
        Default: 60 % of the machine's memory, at most 3 GB.
    temp_directory : path, optional
        Where DuckDB spills (default: beside the output, else the system's temp).
    threads : int, optional
        DuckDB's threads (default: all cores).
    metadata : dict, optional
        Key–value metadata of the Parquet output (``zongheng.synthetic`` …).
    order : {"rank", "table"}
        Row order of the output: ``rank`` (default), the 公示 order of
        :attr:`GradingResult.grades` (branch, rank, then the table's order; ungraded firms
        last); ``table``, the source table's order (the same rows and columns, no sort: the
        quickest at 10⁷–10⁸ firms).
    view_above : int or None
        Above this many firms a Parquet source is read through views, pass after pass, instead
        of being copied into a temporary table first (no copy to hold or spill: the same CPU
        at 10⁷ firms in memory, 14 % less where the copy spills); ``None``: always copy. The
        grades are the same either way.
    columns : {"full", "grades"}
        Columns of the grade list: ``full`` (default), every indicator's value and item score
        too; ``grades``, the list without them (firm, scale, branch, total, rank, percentile,
        grade, reason: ≈ 60 % of the full list's CPU to write at 10⁷ firms). The summary is the same either
        way (the D list's weakest items included).

    Returns
    -------
    GradeSummary

    Raises
    ------
    DataError
        Bad cells or missing columns (the first ones of each kind, located).
    MethodError
        A computed benchmark that is not positive, or an indicator undefined for
        every ranked firm of a branch.
    """
    import duckdb

    rule = _as_rule(rule)
    if order not in ORDERS:
        raise DataError([Problem("engine_order", {"order": order, "orders": ", ".join(ORDERS)})])
    check_columns(columns)
    out_path = Path(output) if output is not None else None
    if out_path is not None and out_path.suffix.lower() not in (".parquet", ".csv"):
        raise DataError([Problem("engine_output_format", {"suffix": out_path.suffix})])
    spill = Path(temp_directory) if temp_directory is not None else (
        out_path.parent if out_path is not None else Path(tempfile.gettempdir()))
    con = duckdb.connect(config={"memory_limit": memory_limit or _default_memory(),
                                 "temp_directory": str(spill / ".zongheng-duckdb-spill"),
                                 "preserve_insertion_order": True,
                                 **({"threads": threads} if threads else {})})
    try:
        con.execute("SET enable_progress_bar = false")  # the CLI says what it does; no bar on stderr
        con.execute("CREATE TYPE zh_scale AS ENUM ('规上', '规下')")
        reader, file = _register(con, source)
        headers = _columns(con, reader)
        found = _match(headers, file)
        # Only the numbers the rule uses are read and checked, as load_enterprises(…, rule.base_columns).
        found = {k: v for k, v in found.items() if k not in NUMBER_KEYS or k in rule.base_columns}
        firms = _firms_sql(reader, found, headers, rule)
        con.execute(f"CREATE TEMP VIEW firms_raw AS {firms}")
        # The table is parsed once (words, numbers, branches); the raw cells stay in the view,
        # read again only to name bad cells.
        # The firms' text (identifier, name, sector) stays out of it: the temporary tables, the
        # windows and the sort carry the row number __rn only, and the text is joined back from
        # the source when the grade list is written (10⁸ firms: ≈ 6 GB less to spill and sort).
        raw = [f"{key}__raw" for key in ("scale", *NUMBER_KEYS, *FLAG_KEYS) if key == "scale" or key in found]
        text = ["id", "name", *(["sector"] if "sector" in found else [])]
        # Above ``view_above`` firms of a Parquet file the parsed table is a view: each pass (checks,
        # benchmarks, fills, scores) reads the file again instead of a copy of ≈ 1.7 GB per 10⁷
        # firms — the same CPU while the copy fits in memory_limit, 14 % less once it spills.
        # A CSV is always copied: reparsing its text in every pass would cost more than the copy.
        kind = "VIEW" if file is not None and file.lower().endswith(".parquet") \
            and view_above is not None and _parquet_rows(con, file) > view_above else "TABLE"
        con.execute(f"CREATE TEMP {kind} firms AS SELECT * EXCLUDE ({', '.join(raw + text)}), "
                    "id = '' AS id__blank, hash(id) AS id__hash FROM firms_raw")
        n = _check(con, found, headers, rule, file)
        con.execute(f"CREATE TEMP VIEW firm_text AS SELECT __rn, {', '.join(text)} FROM firms_raw")
        if kind == "VIEW":
            # The grade list can then be computed again from the file, text included (see write).
            con.execute(f"CREATE TEMP VIEW firms_out AS SELECT * EXCLUDE ({', '.join(raw)}) FROM firms_raw")
        grading = _Grading(con, rule, n, order, _in_memory_rows(memory_limit or _default_memory()), kind,
                           columns)
        with _scratch(out_path, spill) as scratch:
            grading.write(scratch, metadata or {})
            # A Parquet list is moved into place as it is, flushed to disk first (atomic_write):
            # flushed while the summary reads it, the disk's time overlaps the summary's CPU
            # (10⁷ firms: the move took 7.2 s wall, nearly all of it waiting for the disk).
            flushing = _flush_behind(scratch) if out_path is not None \
                and out_path.suffix.lower() == ".parquet" else None
            summary = _summary(con, scratch, grading, d_limit)
            if flushing is not None:
                flushing.join()
            if out_path is not None:
                _place(con, scratch, out_path)
        return GradeSummary(engine="duckdb", firms=n, output=out_path, rule=rule,
                            framework=rule.resolved_framework, **summary)
    finally:
        con.close()


def _in_memory_rows(memory_limit: str) -> int:
    """Return up to how many firms the grade list is joined by hash joins (parallel), not by position.

    The hash tables of the ranks and of the firms' text take ≈ 500 B per firm: up to a quarter
    of the limit (1.5 × 10⁶ firms at the default 3 GB) they stay in memory with the rest.
    """
    text = memory_limit.strip().upper()
    digits = text.rstrip("KMGTIB ")
    units = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "KIB": 2**10,
             "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}
    try:
        size = float(digits) * units[text[len(digits):].strip()]
    except (ValueError, KeyError):  # a spelling not known here: DuckDB's own sort, always right
        return 0
    return int(size) // 4 // 500


def _default_memory() -> str:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "2GB"
    return f"{max(256, min(int(total * 0.6) >> 20, 3 * 1024))}MB"


def _lit(value: float) -> str:
    """Return a float as an exact SQL double (a bare 0.1 would be a DECIMAL)."""
    value = float(value)
    if np.isnan(value):
        return "CAST(NULL AS DOUBLE)"
    return f"CAST('{value!r}' AS DOUBLE)"


def _text_lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


#: Python's whitespace (``str.isspace``: the 29 characters ``str.strip()`` strips in the pandas engine).
# (Built from code points: as literals they would count as characters zongheng prints, which the
# font subset must cover.)
PY_SPACE = "".join(map(chr, (*range(0x09, 0x0E), *range(0x1C, 0x21), 0x85, 0xA0, 0x1680,
                             *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000)))
# Its code points above ASCII (the last, \u3000 = 12288, is the largest).
_WIDE_SPACE = ", ".join(str(ord(c)) for c in PY_SPACE if ord(c) > 126)


def _strip(text: str) -> str:
    """Return SQL for ``text`` stripped as Python's ``str.strip()`` strips it.

    DuckDB's ``trim(x)`` keeps tab, newline and the other controls Python strips, and
    ``trim(x, PY_SPACE)`` is exact but slow (≈ 8 × ``trim(x)`` on unique identifiers). Most cells
    need neither: a cell whose last and first code points are not whitespace is its own strip.
    That test (ASCII and CJK settled by the first comparisons) costs less than ``trim(x)`` itself
    (10⁷ firms, identifier, name and sector: 0.6 s of CPU over reading them, ``trim`` 1.2 s, the
    exact trim 14 s); only the other cells are trimmed, exactly.
    """
    def plain(c: str) -> str:
        return f"({c} > 32 AND ({c} < 127 OR {c} > 12288 OR {c} NOT IN ({_WIDE_SPACE})))"

    return (f"CASE WHEN {plain(f'ord({text}[-1])')} AND {plain(f'ord({text})')} THEN {text} "
            f"ELSE trim({text}, {_text_lit(PY_SPACE)}) END")


# -- reading ------------------------------------------------------------------------------------


def _register(con: duckdb.DuckDBPyConnection, source: str | Path | pd.DataFrame | pa.Table
              ) -> tuple[str, str | None]:
    """Return the SQL reading the source (with a row number ``__rn``) and the file's name."""
    if isinstance(source, pa.Table):
        # Scanned where it is (no copy): the CLI's synthetic table, never written to a file.
        names = [str(c).strip() for c in source.column_names]
        table = source.rename_columns(names).append_column(
            "__rn", pa.array(np.arange(source.num_rows, dtype=np.int64)))
        con.register("source_arrow", table)
        return "source_arrow", None
    if isinstance(source, pd.DataFrame):
        frame = source.reset_index(drop=True).copy()
        frame.columns = [str(c).strip() for c in frame.columns]
        frame["__rn"] = np.arange(len(frame), dtype=np.int64)
        con.register("source_frame", frame)
        return "source_frame", None
    path = Path(source)
    suffix = path.suffix.lower()
    where = _text_lit(str(path))
    if suffix == ".parquet":
        sql = f"(SELECT * EXCLUDE (file_row_number), file_row_number AS __rn FROM " \
              f"read_parquet({where}, file_row_number=true))"
    elif suffix in (".csv", ".txt"):
        # CSV rows have no number of their own: the scan keeps the file's order (one ordered pass).
        sql = f"(SELECT *, row_number() OVER () - 1 AS __rn FROM read_csv({where}, header=true))"
    else:
        raise DataError([Problem("engine_duckdb_format", {"suffix": path.suffix}, file=str(path))])
    try:
        con.execute(f"SELECT * FROM {sql} LIMIT 0")
    except Exception as exc:  # duckdb raises its own IO/Invalid-input errors
        error = str(exc).split("\n")[0]
        raise DataError([Problem("engine_duckdb_unreadable", {"file": path.name, "error": error},
                                 file=str(path))]) from None
    return sql, str(path)


def _parquet_rows(con: duckdb.DuckDBPyConnection, file: str) -> int:
    """Return the rows of a Parquet file (from its footer: nothing is scanned)."""
    row = con.execute(f"SELECT count(*) FROM read_parquet({_text_lit(file)})").fetchone()
    return int(row[0]) if row else 0


def _columns(con: duckdb.DuckDBPyConnection, reader: str) -> dict[str, str]:
    """Return the source's columns and their DuckDB types."""
    rows = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
    return {str(r[0]): str(r[1]) for r in rows if r[0] != "__rn"}


def _match(columns: dict[str, str], file: str | None) -> dict[str, str]:
    found: dict[str, str] = {}
    problems: list[Problem] = []
    for column in columns:
        key = _LOOKUP.get(_normal(column))
        if key is None:
            continue
        if key in found:
            problems.append(Problem("muyun_ent_duplicate_header",
                                    {"name": column, "other": found[key], "column": BASE_COLUMNS[key].zh},
                                    file=file))
            continue
        found[key] = column
    if "scale" not in found:
        problems.append(_missing_column("scale", None, file))
    if "id" not in found and "name" not in found:
        problems.append(Problem("muyun_ent_no_id_column", {"aliases": "统一社会信用代码, 企业名称, id, name"},
                                file=file))
    if problems:
        raise DataError(problems)
    return found


def _is_number_type(kind: str) -> bool:
    return kind.upper().split("(")[0] in {"DOUBLE", "FLOAT", "REAL", "DECIMAL", "BIGINT", "INTEGER",
                                          "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER",
                                          "USMALLINT", "UTINYINT", "UHUGEINT"}


def _words(words: dict[str, Any], value: Any) -> str:
    return ", ".join(_text_lit(w) for w, v in words.items() if v == value)


def _firms_sql(reader: str, found: dict[str, str], columns: dict[str, str], rule: GradingRule) -> str:
    """Return the SELECT of the firms in canonical columns, with raw cells kept for the checks.

    ``<key>`` is the parsed value (NULL when blank or bad), ``<key>__bad`` says the cell
    could not be read (an unknown word, a non-number); numbers are DOUBLE with NaN as NULL.
    """
    sel = ["__rn"]
    id_col = found.get("id", found.get("name"))
    id_raw = _ident(id_col)
    if _is_number_type(columns[id_col]) and columns[id_col].upper() in ("DOUBLE", "FLOAT", "REAL"):
        # Codes read as floats (123.0) are written back as 123, as from Excel.
        id_expr = f"CASE WHEN {id_raw} = trunc({id_raw}) THEN CAST(CAST({id_raw} AS HUGEINT) AS VARCHAR) " \
                  f"ELSE CAST({id_raw} AS VARCHAR) END"
    else:
        id_expr = f"CAST({id_raw} AS VARCHAR)"
    sel.append(f"coalesce({_strip(id_expr)}, '') AS id")
    for key in ("name", "sector"):
        if key in found:
            sel.append(f"coalesce({_strip('CAST(' + _ident(found[key]) + ' AS VARCHAR)')}, '') AS {key}")
        elif key == "name":
            sel.append(f"coalesce({_strip(id_expr)}, '') AS name")
    # The usual spellings first: CASE evaluates the slower lookup only for the other rows.
    plain = f"CAST({_ident(found['scale'])} AS VARCHAR)"
    word = f"lower(trim({plain}, {_text_lit(PY_SPACE)}))"
    # An ENUM (zh_scale, made by grade_duckdb): compared as text, written as text, cheaper than either.
    up, down = "'规上'::zh_scale", "'规下'::zh_scale"
    sel.append(f"CASE WHEN {plain} = '规上' THEN {up} WHEN {plain} = '规下' THEN {down} "
               f"WHEN {word} IN ({_words(_SCALE_WORDS, '规上')}) THEN {up} "
               f"WHEN {word} IN ({_words(_SCALE_WORDS, '规下')}) THEN {down} END AS scale")
    sel.append(f"CAST({_ident(found['scale'])} AS VARCHAR) AS scale__raw")
    for key in NUMBER_KEYS:
        if key not in found:
            continue
        raw = _ident(found[key])
        if _is_number_type(columns[found[key]]):
            value = f"CAST({raw} AS DOUBLE)"
            sel.append(f"CASE WHEN isnan({value}) THEN NULL ELSE {value} END AS {key}")
            sel.append(f"{raw} IS NULL OR isnan({value}) AS {key}__blank")
            sel.append(f"coalesce(isinf({value}), false) AS {key}__bad")
        else:
            text = f"trim(CAST({raw} AS VARCHAR), {_text_lit(PY_SPACE)})"
            markers = ", ".join(_text_lit(m) for m in sorted(MISSING_MARKERS))
            blank = f"({raw} IS NULL OR lower({text}) IN ({markers}))"
            # Thousands separators (1,234.5) as the pandas reader accepts them; other text is bad.
            value = f"TRY_CAST(replace({text}, ',', '') AS DOUBLE)"
            sel.append(f"CASE WHEN {blank} OR isnan({value}) OR isinf({value}) THEN NULL "
                       f"ELSE {value} END AS {key}")
            sel.append(f"{blank} AS {key}__blank")
            sel.append(f"NOT {blank} AND ({value} IS NULL OR isnan({value}) OR isinf({value})) AS {key}__bad")
        sel.append(f"CAST({raw} AS VARCHAR) AS {key}__raw")
    for key in FLAG_KEYS:
        if key not in found:
            sel.append(f"false AS {key}")
            continue
        raw = _ident(found[key])
        kind = columns[found[key]].upper()
        if kind == "BOOLEAN":
            # A typed flag needs no parsing (≈ 3 text comparisons per cell less); blank is 否,
            # as an empty cell is in a spreadsheet.
            sel.append(f"coalesce({raw}, false) AS {key}")
            sel.append(f"false AS {key}__bad")
        elif _is_number_type(kind) and kind.split("(")[0] not in ("DOUBLE", "FLOAT", "REAL", "DECIMAL"):
            # Integers 1/0 (blank 否); any other integer is bad, as the text '2' is for pandas.
            sel.append(f"coalesce({raw} = 1, false) AS {key}")
            sel.append(f"coalesce({raw} NOT IN (0, 1), false) AS {key}__bad")
        else:
            # Text (and floats, whose spellings 1.0 / -0.0 the pandas reader judges as text).
            plain = f"CAST({raw} AS VARCHAR)"
            word = f"lower(trim({plain}, {_text_lit(PY_SPACE)}))"
            yes, no = _words(_FLAG_WORDS, True), _words(_FLAG_WORDS, False)
            sel.append(f"CASE WHEN {plain} = '否' THEN false WHEN {plain} = '是' THEN true "
                       f"ELSE coalesce({word} IN ({yes}), false) END AS {key}")
            sel.append(f"CASE WHEN {raw} IS NULL OR {plain} IN ('是', '否') THEN false "
                       f"ELSE NOT ({word} IN ({yes}) OR {word} IN ({no})) END AS {key}__bad")
        sel.append(f"CAST({raw} AS VARCHAR) AS {key}__raw")
    # Each firm's branch: the first that fits, as muyun._assign_branches.
    land = "land_area" if "land_area" in found else "CAST(NULL AS DOUBLE)"
    cases = []
    for b, branch in enumerate(rule.branches):
        cond = ["true"]
        if branch.scale != "all":
            cond.append(f"scale = {_text_lit(branch.scale)}")
        if branch.min_land is not None:
            cond.append(f"{land} >= {_lit(branch.min_land)}")
        if branch.max_land is not None:
            cond.append(f"{land} < {_lit(branch.max_land)}")
        cases.append(f"WHEN {' AND '.join(cond)} THEN {b}")
    branch_sql = f"CASE {' '.join(cases)} END" if cases else "CAST(NULL AS INTEGER)"
    inner = f"SELECT {', '.join(sel)} FROM {reader}"
    return f"SELECT *, {branch_sql} AS branch_no FROM ({inner})"


# -- checks ------------------------------------------------------------------------------------


def _check(con: duckdb.DuckDBPyConnection, found: dict[str, str], columns: dict[str, str],
           rule: GradingRule, file: str | None) -> int:
    """Raise DataError naming the bad cells (at most MAX_LISTED per kind and column); return the rows."""
    id_col = found.get("id", found.get("name"))
    tests: list[tuple[str, str, str, str, dict]] = []  # (kind, condition, column, raw value, params)
    # First, and not in the counts' scan: blank identifiers are counted from their hashes.
    tests.append(("muyun_ent_missing_id", "id__blank", id_col, "id", {}))
    tests.append(("muyun_ent_bad_scale", "scale IS NULL", found["scale"], "scale__raw", {}))
    for key in NUMBER_KEYS:
        if key not in found:
            continue
        col = BASE_COLUMNS[key]
        tests.append(("muyun_ent_non_numeric", f"{key}__bad", found[key], f"{key}__raw",
                      {"column": found[key], "unit": col.unit}))
        if col.nonnegative:
            tests.append(("muyun_ent_negative", f"{key} < 0", found[key], key, {"column": found[key]}))
    for key in FLAG_KEYS:
        if key in found:
            tests.append(("muyun_ent_bad_flag", f"{key}__bad", found[key], f"{key}__raw",
                          {"column": found[key]}))
    # Columns a branch with firms needs: present, and filled for that branch's firms.
    needs: list[tuple[int, str]] = []
    ranges = any(b.min_land is not None or b.max_land is not None for b in rule.branches)
    for b, branch in enumerate(rule.branches):
        needed = dict.fromkeys(c for code in rule.branch_weights(branch) for c in rule.formulas[code][:2])
        needs.extend((b, key) for key in needed)
    # count_if of a condition, not count(*) FILTER: the same counts at less CPU in one pass (the
    # identifiers not read).
    counts_sql = [f"count_if({cond})" for _, cond, _, _, _ in tests[1:]]
    counts_sql += [f"count_if(branch_no = {b})" for b in range(len(rule.branches))]
    counts_sql += [f"count_if(branch_no = {b} AND {key}__blank)" for b, key in needs if key in found]
    counts_sql.append("count(*)")
    counts_sql.append("count_if(land_area__blank)" if "land_area" in found else "0")
    got = con.execute(f"SELECT {', '.join(counts_sql)} FROM firms").fetchall()[0]
    got = tuple(0 if v is None else v for v in got)  # count_if of no rows is NULL
    # Every identifier's hash (see hash_duplicates): a blank identifier has the empty text's, as
    # may another by chance (≈ 5 × 10⁻¹² at 10⁸ firms), so any is counted again exactly.
    hashes = Hashes(con, "firms", "id__hash", int(got[-2]))
    blank = hashes.count(con.execute("SELECT hash('')").fetchall()[0][0])
    if blank:
        blank = con.execute("SELECT count_if(id__blank) FROM firms").fetchall()[0][0]
    row = (blank, *got)
    n_tests = len(tests)
    problems: list[Problem] = []

    def cells(kind: str, cond: str, column: str, raw: str, params: dict, count: int) -> None:
        shown = con.execute(f"SELECT __rn, {raw} FROM (SELECT *, id = '' AS id__blank FROM firms_raw) "
                            f"WHERE {cond} ORDER BY __rn LIMIT {MAX_LISTED}").fetchall()
        for rn, value in shown:
            extra = dict(params)
            if kind in ("muyun_ent_non_numeric", "muyun_ent_bad_scale", "muyun_ent_bad_flag"):
                extra["value"] = value
            elif kind == "muyun_ent_negative":
                extra["value"] = int(value) if float(value).is_integer() else float(value)
            problems.append(Problem(kind, extra, **_where(file, rn, column, columns)))
        if count > MAX_LISTED:
            problems.append(Problem("muyun_ent_more_problems", {"column": column, "n": count - MAX_LISTED},
                                    file=file))

    for i, (kind, cond, column, raw, params) in enumerate(tests):
        if row[i]:
            cells(kind, cond, column, raw, params, int(row[i]))
    members = row[n_tests:n_tests + len(rule.branches)]
    blank_counts = iter(row[n_tests + len(rule.branches):-2])
    if ranges and "land_area" not in found:
        problems.append(_missing_column("land_area", None, file))
    elif ranges and row[-1]:
        col = BASE_COLUMNS["land_area"]
        cells("muyun_ent_missing_value", "land_area__blank", found["land_area"], "land_area",
              {"column": found["land_area"], "unit": col.unit}, int(row[-1]))
    for b, key in needs:
        branch = rule.branches[b]
        count = next(blank_counts) if key in found else 0
        if not members[b]:
            continue
        if key not in found:
            p = _missing_column(key, branch.name, file)
            if p not in problems:
                problems.append(p)
        elif count:
            col = BASE_COLUMNS[key]
            before = len(problems)
            cells("muyun_ent_missing_value", f"branch_no = {b} AND {key}__blank", found[key], "__rn",
                  {"column": found[key], "unit": col.unit}, int(count))
            # The same blank cell may be needed by two branches' checks: name it once.
            fresh = [p for p in problems[before:] if p not in problems[:before]]
            problems[before:] = fresh
    if not problems:
        # Distinct hashes prove distinct identifiers. Equal ones (a duplicate, or a collision:
        # ≈ 3 × 10⁻⁴ at 10⁸ firms) are settled by comparing the identifiers themselves.
        hashed = hashes.repeat()
        dup = con.execute("SELECT count(*) - count(DISTINCT id) FROM firms_raw WHERE id <> ''").fetchone() \
            if hashed else None
        if dup and dup[0]:
            shown = con.execute(
                f"SELECT __rn, id, first FROM (SELECT __rn, id, min(__rn) OVER (PARTITION BY id) AS first "
                f"FROM firms_raw WHERE id <> '') WHERE __rn > first ORDER BY __rn LIMIT {MAX_LISTED}"
            ).fetchall()
            for rn, ident, first in shown:
                problems.append(Problem("muyun_ent_duplicate_id",
                                        {"id": ident, "first": int(first) + _HEADER_ROWS + 1},
                                        **_where(file, rn, id_col, columns)))
            if dup[0] > MAX_LISTED:
                problems.append(Problem("muyun_ent_more_problems",
                                        {"column": id_col, "n": dup[0] - MAX_LISTED}, file=file))
    if problems:
        raise DataError(problems)
    return int(row[-2])


def _missing_column(key: str, branch: str | None, file: str | None) -> Problem:
    col = BASE_COLUMNS[key]
    what = col.label() if branch is None else f"{col.label()}, {branch}"
    return Problem("muyun_ent_missing_column", {"column": col.header, "what": what,
                                               "aliases": ", ".join(col.aliases[:4])}, file=file)


def _where(file: str | None, rn: int, column: str, columns: dict[str, str]) -> dict:
    from zongheng.io.tables import column_letter

    letter = column_letter(list(columns).index(column))
    return {"file": file, "row": int(rn) + _HEADER_ROWS + 1, "column": f"{letter} ({column})"}


# -- grading -----------------------------------------------------------------------------------


class _Grading:
    """The SQL of one grading, built stage by stage from small aggregates read back."""

    def __init__(self, con: duckdb.DuckDBPyConnection, rule: GradingRule, n: int, order: str = "rank",
                 in_memory_rows: int = 0, firms_kind: str = "TABLE", columns: str = "full"):
        self.con = con
        self.rule = rule
        self.n, self.order, self.in_memory_rows, self.columns = n, order, in_memory_rows, columns
        self.codes = rule.used_indicators
        self.fw = rule.resolved_framework
        self.per_mu = {c: rule.formulas[c][1] == "land_area" for c in self.codes}
        self.weights = [rule.branch_weights(b) for b in rule.branches]
        self.bench_rows: list[dict] = []
        self.present = {r[0] for r in con.execute("DESCRIBE SELECT * FROM firms").fetchall()}
        # Read through views and put together by position otherwise: the grade list is computed
        # again from the file in the final COPY (see write), and `scored` keeps only what ranks.
        self.recompute = firms_kind == "VIEW" and n > in_memory_rows
        self._values()
        self._benchmarks()
        self._fills()
        self._tops()
        self._totals()
        # Everything after reads `scored` (and the source's text): the parsed table's memory (or
        # spill) goes back to the ranks and the grade list.
        for view in ("scored0", "firms_v", "valued"):
            con.execute(f"DROP VIEW {view}")
        con.execute(f"DROP {firms_kind} firms")

    # Stage 0: the indicators, and who is ranked.
    def _values(self, base: str = "firms", suffix: str = "") -> None:
        rule = self.rule
        cols = ["*"]
        for code in self.codes:
            num, den, scale = rule.formulas[code]
            cols.append(f"CASE WHEN {den} > 0 THEN {num} / {den} * {_lit(scale)} END AS {_ident(code)}"
                        if self._has(num) and self._has(den) else f"CAST(NULL AS DOUBLE) AS {_ident(code)}")
        no_land = []
        for b, w in enumerate(self.weights):
            if any(self.per_mu[c] for c in w):
                no_land.append(f"(branch_no = {b} AND coalesce({self._land()} <= 0, false))")
        cols.append(f"({' OR '.join(no_land) or 'false'}) AS no_land")
        shield = "true" if rule.protected_floor is not None else "veto"
        self.con.execute(f"CREATE TEMP VIEW valued{suffix} AS SELECT {', '.join(cols)} FROM {base}")
        self.con.execute(f"CREATE TEMP VIEW firms_v{suffix} AS SELECT *, branch_no IS NOT NULL "
                         f"AND NOT exempt AND NOT no_land AND (NOT protected OR {shield}) AS ranked "
                         f"FROM valued{suffix}")

    def _has(self, key: str) -> bool:
        return key in self.present

    def _land(self) -> str:
        return "land_area" if self._has("land_area") else "CAST(NULL AS DOUBLE)"

    # Stage 1: benchmarks (or efficacy bounds) per branch and indicator over the ranked firms.
    def _benchmarks(self) -> None:
        rule = self.rule
        frame = self._branch_aggregates()
        self.ranked_n = {b: int(frame.at[b, "ranked_n"]) if b in frame.index else 0
                         for b in range(len(rule.branches))}
        # Per branch and indicator: the top value, firms with an item score, and with a value.
        self.values_seen = {(b, code): (frame.at[b, f"top{j}"],
                                        int(frame.at[b, "landed_n" if self.per_mu[code] else "firms_n"]),
                                        int(frame.at[b, f"defined{j}"]))
                            for b in frame.index for j, code in enumerate(self.codes)}
        self.param: dict[tuple[int, str], tuple[float, float]] = {}
        # Per branch and indicator, over its ranked firms with a value: how many, the sum, the top.
        self.ranked_values = {(b, code): tuple(frame.at[b, f"{k}{j}"] for k in "nvx")
                              for b in frame.index for j, code in enumerate(self.codes)
                              if rule.undefined_item != "zero"}
        problems: list[Problem] = []
        for b, branch in enumerate(rule.branches):
            given = rule.branch_benchmarks(branch)
            ranked = self.ranked_n[b] > 0

            def get(name: str, b: int = b) -> float:
                known = b in frame.index and pd.notna(frame.at[b, name])
                return float(frame.at[b, name]) if known else np.nan

            for code, weight in self.weights[b].items():
                j = self.codes.index(code)
                population = int(get(f"n{j}")) if not np.isnan(get(f"n{j}")) else 0
                if rule.scoring == "benchmark":
                    if code in given:
                        bench, how = given[code], "given"
                    else:
                        how = rule.benchmark
                        if population == 0:
                            bench = np.nan
                        elif how in ("mean", "median"):
                            bench = get(f"m{j}")
                        else:
                            bench = get(f"s{j}") / get(f"d{j}") * rule.formulas[code][2]
                        bench = bench * rule.benchmark_factor
                    if ranked and not bench > 0:
                        problems.append(Problem("muyun_grade_bad_benchmark", {
                            "branch": branch.name, "indicator": self.fw.label(code), "value": _show(bench)}))
                    self.param[b, code] = (bench, np.nan)
                    self.bench_rows.append({"branch": branch.name, "indicator": code, "weight": float(weight),
                                            "benchmark": float(bench), "source": how, "low": np.nan,
                                            "high": np.nan, "population": population})
                else:
                    low, high = (get(f"lo{j}"), get(f"hi{j}")) if population > 0 else (np.nan, np.nan)
                    self.param[b, code] = (low, high)
                    self.bench_rows.append({"branch": branch.name, "indicator": code, "weight": float(weight),
                                            "benchmark": np.nan, "source": "efficacy", "low": float(low),
                                            "high": float(high), "population": population})
            for code in self.weights[b]:
                j = self.codes.index(code)
                if ranked and not get(f"n{j}") > 0:
                    problems.append(Problem("muyun_grade_all_undefined", {"branch": branch.name,
                                                                          "indicator": self.fw.label(code)}))
            if problems:
                raise MethodError(problems)

    def _branch_aggregates(self) -> pd.DataFrame:
        """Return per branch (index) what the benchmarks, fills and tops need of its firms.

        Grouped by branch, ranked and without land, each aggregate is of the plain value: a firm
        is ranked only with land, so every aggregate over the ranked firms is one group's (no floats
        added up here), and the branch's top and count of values are put together from its groups
        with land (per-mu items) or from all of them. 10⁷ firms: 1.16–1.24 s against 1.42–1.60 s
        for the same aggregates of a CASE on ``ranked`` grouped by branch alone.
        """
        rule = self.rule
        mean = rule.scoring == "benchmark" and rule.benchmark == "mean"
        summed = mean or rule.undefined_item != "zero"  # the ranked firms' sum of values is needed
        aggs = ["count(*) AS rows_"]
        ranked_only = []  # (column, name in the frame) taken from the ranked group
        for j, code in enumerate(self.codes):
            num, den, _ = rule.formulas[code]
            q = _ident(code)
            aggs += [f"count({q}) AS c{j}", f"max({q}) AS x{j}"]
            ranked_only += [(f"c{j}", f"n{j}"), (f"x{j}", f"x{j}")]
            if summed:
                aggs.append(f"fsum({q}) AS v{j}")  # a compensated sum: the same in any order
                ranked_only.append((f"v{j}", f"v{j}"))
            if rule.scoring != "benchmark":
                aggs.append(f"min({q}) AS lo{j}")
                ranked_only += [(f"lo{j}", f"lo{j}"), (f"x{j}", f"hi{j}")]
            elif rule.benchmark == "median":
                # Holistic: the values are collected for the ranked firms only.
                aggs.append(f"quantile_cont(CASE WHEN ranked THEN {q} END, 0.5) AS m{j}")
                ranked_only.append((f"m{j}", f"m{j}"))
            elif not mean and self._has(num) and self._has(den):
                aggs.append(f"fsum(CASE WHEN {q} IS NOT NULL THEN {num} END) AS s{j}")
                aggs.append(f"fsum(CASE WHEN {q} IS NOT NULL THEN {den} END) AS d{j}")
                ranked_only += [(f"s{j}", f"s{j}"), (f"d{j}", f"d{j}")]
        groups = self.con.execute(f"SELECT branch_no, ranked, no_land, {', '.join(aggs)} FROM firms_v "
                                  "WHERE branch_no IS NOT NULL GROUP BY ALL").df()
        ranked = groups["ranked"].astype(bool)
        landed = groups[~groups["no_land"].astype(bool)]
        index = pd.Index(sorted(groups["branch_no"].unique()), name="branch_no")
        top = groups[ranked].set_index("branch_no").reindex(index)
        frame = pd.DataFrame(index=index)
        frame["ranked_n"] = top["rows_"].fillna(0)
        frame["firms_n"] = groups.groupby("branch_no")["rows_"].sum()
        frame["landed_n"] = landed.groupby("branch_no")["rows_"].sum().reindex(index, fill_value=0)
        for column, name in ranked_only:
            frame[name] = top[column]
        for j, code in enumerate(self.codes):
            frame[f"n{j}"] = frame[f"n{j}"].fillna(0)  # a branch without ranked firms: none counted
            if mean:
                frame[f"m{j}"] = frame[f"v{j}"] / frame[f"n{j}"]
            # The branch's firms with an item score: per-mu items not for firms without land.
            scored = (landed if self.per_mu[code] else groups).groupby("branch_no")
            frame[f"top{j}"] = scored[f"x{j}"].max().reindex(index)
            frame[f"defined{j}"] = scored[f"c{j}"].sum().reindex(index, fill_value=0)
        return frame

    def _item(self, b: int, code: str) -> str:
        """Return the SQL of the item score of an indicator for a firm of branch ``b`` (NULL: undefined)."""
        rule, q, w = self.rule, _ident(code), _lit(self.weights[b][code])
        first, second = self.param[b, code]
        if rule.scoring == "benchmark":
            ratio = f"{q} / {_lit(first)}"
            if rule.cap is not None:
                ratio = f"CASE WHEN {q} IS NULL THEN NULL ELSE least({ratio}, {_lit(rule.cap)}) END"
            return f"({ratio}) * {w}"
        if np.isnan(first):
            return "CAST(NULL AS DOUBLE)"
        width = second - first
        share = "CAST(0.5 AS DOUBLE)" if width == 0 else f"({q} - {_lit(first)}) / {_lit(width)}"
        share = f"CASE WHEN {q} IS NULL THEN NULL ELSE greatest(least({share}, 1.0), 0.0) END"
        return f"({_lit(rule.efficacy_base)} + {_lit(rule.efficacy_span)} * {share}) * {w} / {_lit(100.0)}"

    # Stage 2: the score of undefined items (average or best of the ranked firms' items).
    def _fills(self) -> None:
        """Find each branch's fill of undefined items, mostly from the benchmarks' aggregates.

        An item score rises with the value, so the best item is the item of the top value; where
        the item is affine in the value over the ranked firms' values (no cap, or a cap the top
        value does not reach; efficacy scores, whose clip is idle between the lowest and the top
        value), the average item is the item of the mean value — the same number as the mean of
        the items but for the last bits, far below the tie tolerance. Both are computed by the
        item's SQL on one row; only an average over a binding cap needs a pass over the firms.
        """
        rule = self.rule
        self.fill: dict[tuple[int, str], float] = {}
        aggs = []
        for b, w in enumerate(self.weights):
            one: list[tuple[str, str]] = []
            for code in w:
                if rule.undefined_item == "zero":
                    self.fill[b, code] = 0.0
                    continue
                count, total, top = self.ranked_values.get((b, code), (0, np.nan, np.nan))
                if not count or pd.isna(count):
                    self.fill[b, code] = np.nan  # no ranked firm has the value: nothing to average
                    continue
                bench = self.param[b, code][0]
                affine = rule.scoring != "benchmark" or rule.cap is None or float(top) / bench <= rule.cap
                if rule.undefined_item == "best":
                    one.append((code, _lit(float(top))))
                elif affine:
                    one.append((code, _lit(float(total) / int(count))))
                else:
                    item, on = self._item(b, code), f"FILTER (WHERE ranked AND branch_no = {b})"
                    # The average as a compensated sum over the count: independent of the threads' order.
                    aggs.append((b, code, f"fsum({item}) {on} / count({item}) {on}"))
            if one:
                values = ", ".join(f"{value} AS {_ident(code)}" for code, value in one)
                row = self.con.execute(f"SELECT {', '.join(self._item(b, code) for code, _ in one)} "
                                       f"FROM (SELECT {values})").fetchone()
                assert row is not None
                for (code, _), value in zip(one, row, strict=True):
                    self.fill[b, code] = float(value) if value is not None else np.nan
        if aggs:
            row = self.con.execute(f"SELECT {', '.join(a for _, _, a in aggs)} FROM firms_v").fetchone()
            assert row is not None
            for (b, code, _), value in zip(aggs, row, strict=True):
                self.fill[b, code] = float(value) if value is not None else np.nan

    # Each branch's top item scores, for the summary, without reading the grade list back: an item
    # score rises with the value (positive weights and benchmarks, caps and clips keep the order),
    # so the top defined item is the item of the top value, computed by the same SQL on one row;
    # a firm with an undefined item has the fill.
    def _tops(self) -> None:
        self.top_item: dict[tuple[int, str], float] = {}
        for b, w in enumerate(self.weights):
            seen = {code: self.values_seen.get((b, code), (None, 0, 0)) for code in w}
            values = ", ".join(f"{_lit(np.nan if pd.isna(top) else top)} AS {_ident(code)}"
                               for code, (top, _, _) in seen.items())
            items = ", ".join(self._item(b, code) for code in w)
            row = self.con.execute(f"SELECT {items} FROM (SELECT {values})").fetchone()
            assert row is not None
            for (code, (_, count, defined)), item in zip(seen.items(), row, strict=True):
                tops = [float(item)] if item is not None else []
                if (count > defined or (item is None and count)) and not np.isnan(self.fill[b, code]):
                    tops.append(self.fill[b, code])
                self.top_item[b, code] = max(tops) if tops else np.nan

    # Stage 3: items, totals, and each branch's range of totals (for the tie grid).
    def _totals(self) -> None:
        rule = self.rule
        filled: dict[tuple[int, str], str] = {}  # the item score of a firm of branch b, its fill if undefined
        for b, w in enumerate(self.weights):
            for code in w:
                item = f"coalesce({self._item(b, code)}, {_lit(self.fill[b, code])})"
                # Undefined per-mu items of firms without land stay undefined.
                filled[b, code] = (f"CASE WHEN no_land THEN NULL ELSE {item} END" if self.per_mu[code]
                                   else item)
        score_cols = []
        for code in self.codes:
            cases = [f"WHEN branch_no = {b} THEN {filled[b, code]}"
                     for b, w in enumerate(self.weights) if code in w]
            expr = f"CASE {' '.join(cases)} END" if cases else "CAST(NULL AS DOUBLE)"
            score_cols.append(f"{expr} AS {_ident(code + '_score')}")

        def total_of(term: Callable[[int, str], str]) -> str:
            # Left to right, as numpy sums a few columns of a row.
            parts = [f"WHEN branch_no = {b} THEN {' + '.join(term(b, c) for c in w)}"
                     for b, w in enumerate(self.weights)]
            return f"CASE {' '.join(parts)} END" if parts else "CAST(NULL AS DOUBLE)"

        # The total from the item columns, where they are kept or written anyway; else straight from
        # each branch's items (the same floats in the same order): one CASE on the branch instead of
        # one per indicator and another for the total.
        summed = total_of(lambda b, c: _ident(c + "_score"))
        direct = total_of(lambda b, c: f"({filled[b, c]})")
        # `scored` keeps the item columns unless the list is computed again from the file.
        total = direct if self.recompute else summed
        self.con.execute(f"CREATE TEMP VIEW scored0 AS SELECT *, {', '.join(score_cols)} FROM firms_v")
        keep = ["__rn", "scale", "branch_no",
                *[_ident(c) for c in self.codes], *[_ident(c + "_score") for c in self.codes],
                "ranked", "no_land", "exempt", "protected", "veto"]
        if self.recompute:
            # The same SQL over the file with its text (firms_out): the same floats row by row, so
            # the totals written are the totals ranked.
            self._values("firms_out", "_out")
            self.con.execute(f"CREATE TEMP VIEW scored_out AS SELECT *, "
                             f"{summed if self.columns == 'full' else direct} AS total FROM "
                             f"(SELECT *, {', '.join(score_cols)} FROM firms_v_out)")
            keep = ["__rn", "branch_no", "ranked"]
        # Materialised once: the ranking below reads it twice (range of totals, then the sort). The
        # row number and branch as narrow as they fit: 14 bytes a firm instead of 21 where only
        # these are kept (10⁸ firms: less of it spills, and the ranks' sort carries less).
        narrow = {"__rn": f"CAST(__rn AS {'INTEGER' if self.n < 2**31 - 1 else 'BIGINT'}) AS __rn",
                  "branch_no": f"CAST(branch_no AS {'UTINYINT' if len(rule.branches) < 255 else 'INTEGER'}) "
                               "AS branch_no"}
        self.con.execute(f"CREATE TEMP TABLE scored AS SELECT {', '.join(narrow.get(k, k) for k in keep)}, "
                         f"{total} AS total FROM scored0")
        # The ranked firms' range of totals (for the tie grid), and the top total of every firm of
        # the branch (for the summary).
        stats = self.con.execute(
            "SELECT branch_no, count(*) FILTER (WHERE ranked), min(total) FILTER (WHERE ranked), "
            "max(total) FILTER (WHERE ranked), max(total) FROM scored WHERE branch_no IS NOT NULL "
            "GROUP BY branch_no").fetchall()
        self.grid: dict[int, tuple[float, float, int, int, tuple[float, float, float]]] = {}
        self.top_total = {int(b): float(top) if top is not None else np.nan for b, *_, top in stats}
        for b, count, lo, hi, _ in stats:
            if not count:
                continue
            inv, zero, limit = _tie_grid(int(count), float(lo), float(hi))
            cuts = tuple(c * count + _EPS for c in rule.branch_cuts(rule.branches[b]))
            self.grid[int(b)] = (inv, zero, limit, int(count), cuts)  # type: ignore[assignment]

    def write(self, path: Path, metadata: dict[str, str]) -> None:
        """Rank, grade and COPY the grade list to ``path`` (Parquet)."""
        rule = self.rule
        cell, count, grade = [], [], []
        for b, (inv, zero, _, n, cuts) in self.grid.items():
            cell.append(f"WHEN branch_no = {b} "
                        f"THEN CAST(trunc(total * {_lit(inv)} + {_lit(zero)}) AS BIGINT)")
            count.append(f"WHEN branch_no = {b} THEN {n}")
            g = " + ".join(f"CAST(rank_ > {_lit(c)} AS INTEGER)" for c in cuts)
            grade.append(f"WHEN branch_no = {b} THEN {g}")

        def case(parts: list[str], default: str = "NULL") -> str:
            return f"CASE {' '.join(parts)} ELSE {default} END" if parts else default

        veto_g = GRADES.index(rule.veto_grade)
        g_expr = f"CASE WHEN veto THEN greatest(g0, {veto_g}) ELSE g0 END"
        if rule.protected_floor is not None:
            floor = GRADES.index(rule.protected_floor)
            g_expr = f"CASE WHEN protected AND NOT veto THEN least({g_expr}, {floor}) ELSE {g_expr} END"
        # The words of the grade list are ENUM constants: written as the same Parquet text, at
        # about a quarter of the CPU of building a VARCHAR per firm (10⁷ firms: ≈ 0.5 s a column).
        branches = [br.name for br in rule.branches]
        self.con.execute(f"CREATE TYPE zh_branch AS ENUM ({', '.join(map(_text_lit, branches))})")
        self.con.execute(f"CREATE TYPE zh_grade AS ENUM ({', '.join(map(_text_lit, GRADES))})")
        words = [";".join(name for name, bit in _BITS.items() if u & bit) for u in range(1 << len(_BITS))]
        self.con.execute(f"CREATE TYPE zh_reason AS ENUM ({', '.join(map(_text_lit, words))})")
        names = case([f"WHEN branch_no = {b} THEN {_text_lit(name)}::zh_branch"
                      for b, name in enumerate(branches)])
        letters = case([f"WHEN g = {i} THEN '{g}'::zh_grade" for i, g in enumerate(GRADES)])
        conds = {"no_branch": "branch_no IS NULL", "no_land": "no_land", "exempt": "exempt",
                 "protected": "protected", "veto": "veto"}
        bits = " + ".join(f"CAST(coalesce({conds[name]}, false) AS INTEGER) * {bit}"
                          for name, bit in _BITS.items())
        reason = case([f"WHEN reason_bits_ = {u} THEN {_text_lit(w)}::zh_reason"
                       for u, w in enumerate(words)])
        has_sector = "sector" in {r[0] for r in self.con.execute("DESCRIBE firm_text").fetchall()}
        out_cols = ["id", "name", *(["sector"] if has_sector else []), "scale", f"{names} AS branch"]
        for code in self.codes if self.columns == "full" else ():
            out_cols += [_ident(code), _ident(code + "_score")]
        out_cols += ["total", "CAST(rank_ AS BIGINT) AS rank", "CAST(rank_ AS DOUBLE) / count_ AS percentile",
                     f"{letters} AS grade", f"{reason} AS reason"]
        # Every firm gets a row (the unranked ones a NULL rank). Up to a few million firms the grade
        # list is put together by hash joins on __rn (parallel, in memory); beyond, by position: the
        # source's text, the scores and the ranks side by side in the table's order (POSITIONAL
        # JOIN) — no hash table of every firm, no spilled join, and in the table's order no sort
        # at all (but one thread: slower while it fits). A Parquet file read through views is not
        # joined at all: the final query computes the grade list again from the file (the same SQL,
        # the same floats) and looks each firm's rank up by row number in numpy — a plain scan,
        # so the COPY runs on every core in the table's order (10⁷ firms: the write's wall time
        # −25 %, its CPU +40 %, and `scored` of 4 columns instead of 26: peak RSS 3.1 → 1.5 GB).
        by_position = self.n > self.in_memory_rows and not self.recompute
        rank = self.rank = self._ranks(case(cell))
        if self.recompute:
            # Looked up in the ranks' own array (0: not ranked), no copy; a vectorised Python
            # function holds the GIL only for a numpy take per vector of rows.
            def rank_of(rn: pa.Array) -> pa.Array:
                got = rank.take(rn.to_numpy())
                return pa.array(got, mask=got == 0)

            self.con.create_function("rank_of", rank_of, ["BIGINT"], "BIGINT" if rank.itemsize == 8
                                     else "INTEGER", type="arrow", null_handling="special")
        else:
            ranks = _nullable(rank)
            self.con.register("ranks", pa.table({"rank_": ranks}) if by_position else
                              pa.table({"__rn_r": np.arange(self.n, dtype=np.int64), "rank_": ranks}))
        # The three inputs are in row order by construction (the source's scan, a table created
        # from it in order, ranks indexed by __rn); a mismatch would stop the query, not shuffle text.
        text_cols = ["id", "name", *(["sector"] if has_sector else [])]
        guarded = [f"CASE WHEN __rn_t = __rn THEN {c} ELSE error('row order lost') "
                   f"END AS {c}" for c in text_cols]
        joined = (f"SELECT * EXCLUDE ({', '.join(text_cols)}), {', '.join(guarded)} "
                  f"FROM (SELECT __rn AS __rn_t, {', '.join(text_cols)} FROM firm_text) "
                  "POSITIONAL JOIN scored POSITIONAL JOIN ranks") if by_position else \
            "SELECT *, rank_of(__rn) AS rank_ FROM scored_out" if self.recompute else \
            "SELECT * FROM scored JOIN ranks ON __rn_r = __rn JOIN firm_text USING (__rn)"
        sql = f"""
        WITH r2 AS (
            SELECT *, {case(count)} AS count_ FROM ({joined})
        ), r3 AS (
            SELECT *, CASE WHEN rank_ IS NOT NULL THEN {case(grade)} END AS g0 FROM r2
        ), everyone AS (
            -- greatest/least skip NULLs: an ungraded firm stays ungraded explicitly
            SELECT * EXCLUDE (g0), CASE WHEN g0 IS NOT NULL THEN {g_expr} END AS g, {bits} AS reason_bits_
            FROM r3
        )
        """
        key = f"coalesce(branch_no, {len(rule.branches)}), rank_ NULLS LAST, __rn"
        sql += f"SELECT {', '.join(out_cols)} FROM everyone"
        if self.order == "table":
            # By position the rows come in the table's order already; joined, they are sorted.
            self._copy(sql if by_position or self.recompute else f"{sql} ORDER BY __rn", path, metadata)
        else:
            # The sort keys are integers (branch, rank, row), spilling to disk past memory_limit.
            self._copy(f"{sql} ORDER BY {key}", path, metadata)

    def tops(self) -> pd.DataFrame:
        """Return :attr:`GradeSummary.tops`: per branch, each indicator's top item score and the top total."""
        def top(b: int, code: str) -> float:
            return self.top_total.get(b, np.nan) if code == "total" else self.top_item.get((b, code), np.nan)

        rows = [{"branch": branch.name, "indicator": code, "top": top(b, code)}
                for b, branch in enumerate(self.rule.branches) for code in (*self.codes, "total")]
        return pd.DataFrame(rows, columns=["branch", "indicator", "top"])

    def scores_of(self, rows: np.ndarray | list[int]) -> pd.DataFrame:
        """Return the item scores (``id``, ``<code>_score``) of the firms at row numbers ``rows``.

        As the full list has them. The firms are found by row number, not by identifier: a filter
        on the row number instead of every firm's trimmed text (10⁷ firms: 0.1 s, not 2 s; 10⁸
        firms, the D list's head: 0.76 s for the 368 firms with its 100 ranks in either branch).
        """
        scores = ", ".join(_ident(c + "_score") for c in self.codes)
        source = "scored_out" if self.recompute else "scored JOIN firm_text USING (__rn)"
        where, params = _rows_in("__rn", np.asarray(rows, dtype=np.int64).tolist())
        return self.con.execute(f"SELECT id, {scores} FROM {source} WHERE {where}", params).df()

    def rows_ranked(self, ranks: np.ndarray) -> np.ndarray:
        """Return the row numbers of the firms ranked ``ranks`` in some branch, from :meth:`write`'s ranks."""
        return np.flatnonzero(np.isin(self.rank, np.unique(ranks)))

    def _ranks(self, cell: str) -> np.ndarray:
        """Return every firm's competition rank in its branch, in the table's order (0: unranked).

        Ranks with chained ties, as :func:`zongheng.steps.rank.competition_rank`: sorted by cell
        (the totals on the tie grid), a firm starts a new rank when the firm above is at least τ
        (the branch's τ in cells) higher; the others take the start's place. DuckDB sorts the ranked
        firms once and streams them here; the chains are followed batch by batch in numpy and the
        ranks put in place by row number. Windows over the sort would need two more sorts (the
        running maximum, then back to the table's order).

        The sort has no payload: its keys are one BIGINT packing the branch and the cell counted
        down from the top (see :func:`_rank_key`), then the row number — ties in cell in the table's
        order. 10⁸ firms: 11.6 s wall against 20.6 s for the branch, the cell and the row carried
        along (τ is looked up here by branch, not sorted along).
        """
        n = self.n
        kind = np.int32 if n < 2**31 - 1 else np.int64
        rank = np.zeros(n, dtype=kind)  # 0: not ranked (ranks start at 1)
        limits = np.zeros(len(self.rule.branches), dtype=np.int64)  # a ranked firm has a branch
        for b, (_, _, lim, _, _) in self.grid.items():
            limits[b] = lim
        reader = self.con.sql(f"SELECT {_rank_key('branch_no', cell)} AS key_, __rn FROM scored "
                              "WHERE ranked ORDER BY key_, __rn").to_arrow_reader(_RANK_BATCH)
        # Carried from one batch to the next: the last firm's branch, cell below the top (and whether
        # NULL), and the positions (over all ranked firms) of its branch's first firm and of its
        # chain's start.
        part0, down0, null0, first0, start0, done = -1, 0, True, 0, 0, 0
        for batch in reader:
            m = batch.num_rows
            if m == 0:
                continue
            key = batch.column(0).to_numpy()
            rn = batch.column(1).to_numpy()
            part = key >> _CELL_BITS
            down = key & ((1 << _CELL_BITS) - 1)  # the top cell less the firm's: rises down the list
            null = down == _NULL_CELL
            lim = limits[part]
            prev_part = np.concatenate(([part0], part[:-1]))
            prev_down = np.concatenate(([down0], down[:-1]))
            prev_null = np.concatenate(([null0], null[:-1]))
            first = part != prev_part
            # As SQL's lag: a firm after a NULL cell starts a rank, a NULL cell after a number does not.
            starts = first | prev_null | (~null & (down - prev_down >= lim))
            pos = np.arange(done, done + m, dtype=np.int64)
            first_pos = np.maximum.accumulate(np.where(first, pos, first0))
            start_pos = np.maximum.accumulate(np.where(starts, pos, start0))
            rank[rn] = start_pos - first_pos + 1
            part0, down0, null0 = part[-1], down[-1], bool(null[-1])
            first0, start0, done = int(first_pos[-1]), int(start_pos[-1]), done + m
        return rank

    def _copy(self, sql: str, path: Path, metadata: dict[str, str]) -> None:
        kv = ", ".join(f"{_text_lit(k)}: {_text_lit(v)}" for k, v in metadata.items())
        # Dictionaries only for columns of few values (sector, scale, the ENUM words): trying one for
        # each column of numbers, identifiers and names, to drop it, cost 12 % of the full list's
        # write (10⁷ firms, 2 rounds: 8.1–8.2 s against 9.4–9.5 s wall) for a file 5.6 % smaller
        # (synthetic names repeat; real ones barely do).
        self.con.execute(f"COPY ({sql}) TO {_text_lit(str(path))} (FORMAT parquet, "
                         f"DICTIONARY_SIZE_LIMIT {_DICTIONARY_LIMIT}"
                         + (f", KV_METADATA {{{kv}}})" if kv else ")"))


def _nullable(rank: np.ndarray) -> pa.Array:
    """Return ranks (0: unranked) as an Arrow array whose unranked firms are NULL, without a copy.

    At 10⁸ firms the ranks are 400 MB outside DuckDB's memory limit: the numbers are handed over
    as they are, with a validity bitmap marking the ranked firms.
    """
    valid = pa.py_buffer(np.packbits(rank != 0, bitorder="little"))
    return pa.Array.from_buffers(pa.from_numpy_dtype(rank.dtype), rank.size, [valid, pa.py_buffer(rank)])


#: Bits of a rank key below the branch: cells run from 0 to 2**(TIE_BITS + FINE_BITS) + 1 at most.
_CELL_BITS = TIE_BITS + FINE_BITS + 1
#: The top of the cells in a rank key (the key holds it less the cell), and a NULL cell's place under it.
_TOP_CELL = (1 << _CELL_BITS) - 2
_NULL_CELL = _TOP_CELL + 1


def _rank_key(branch: str, cell: str) -> str:
    """Return the SQL of a firm's rank key: its branch, then its cell from the top, NULLs last.

    One BIGINT ascending in the order of the ranks (branch, then cell descending), so that DuckDB
    sorts one fixed-size key (with the row number) and carries nothing along. The branch has the 18
    bits above the cells: a rule of 2¹⁸ branches or more would stop the sort with DuckDB's overflow
    error rather than rank wrongly.
    """
    return f"(CAST({branch} AS BIGINT) << {_CELL_BITS}) + coalesce({_TOP_CELL} - ({cell}), {_NULL_CELL})"


def _tie_grid(n: int, lo: float, hi: float) -> tuple[float, float, int]:
    """Return the grid (cells per unit, cell of 0) and τ in cells of one branch's totals.

    The same float operations as :func:`zongheng.steps.rank.sorted_places` on one row of
    finite scores, so a tie there is a tie here.
    """
    fine, _ = layout(n)
    e = float(tie_extent(lo, hi))
    inv = float(1 << (TIE_BITS + fine)) / e if e > 0 else 0.0
    zero = 0.5 - lo * inv
    lo_c = float(np.int64(lo * inv + zero))
    hi_c = float(np.int64(hi * inv + zero))
    e_c = float(tie_extent(lo_c - zero, hi_c - zero))
    steps = e_c * 2.0**-TIE_BITS
    limit = max(int(np.ceil(steps - 2.0**-20)), 1)
    return inv, zero, limit


# -- output and summary ------------------------------------------------------------------------


@contextmanager
def _scratch(output: Path | None, spill: Path) -> Iterator[Path]:
    """Yield a temporary Parquet path beside the output (or in the spill folder), removed after."""
    where = output.parent if output is not None else spill
    where.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(suffix=".parquet", prefix=".zongheng-grades-", dir=where)
    os.close(fd)
    try:
        yield Path(name)
    finally:
        if os.path.exists(name):
            os.unlink(name)


def _rows_in(column: str, rows: list[int]) -> tuple[str, list]:
    """Return the SQL condition that ``column`` is one of ``rows``, and its parameters.

    Up to ``_LISTED_ROWS`` row numbers are written into the SQL as constants: they reach the Parquet
    scan, which then skips the row groups without them (10⁸ firms, 100 rows: 0.1 s against 1.8 s
    for the same rows given as a list parameter, which is joined against every row).
    """
    if not rows:
        return "false", []
    if len(rows) <= _LISTED_ROWS:
        return f"{column} IN ({', '.join(map(str, rows))})", []
    return f"{column} IN (SELECT unnest(?))", [rows]


def _flush_behind(path: Path) -> threading.Thread:
    """Start flushing a written file to disk (``fsync``) in a thread; join it before moving the file."""
    def flush() -> None:
        with open(path, "rb") as written:
            os.fsync(written.fileno())

    thread = threading.Thread(target=flush, name="zongheng-flush", daemon=True)
    thread.start()
    return thread


def _place(con: duckdb.DuckDBPyConnection, scratch: Path, output: Path) -> None:
    if output.suffix.lower() == ".parquet":
        def move(tmp: Path) -> None:
            os.replace(scratch, tmp)
    else:
        from zongheng.io.safe_cells import PREFIX, TRIGGERS

        # A firm named "=HYPERLINK(…)" gets a quote in front, as csv_frame does: nothing runs.
        starts = ", ".join(_text_lit(t) for t in TRIGGERS)
        present = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({_text_lit(str(scratch))})"
                                             ).fetchall()}
        safe = ", ".join(f"CASE WHEN left({c}, 1) IN ({starts}) THEN {_text_lit(PREFIX)} || {c} ELSE {c} END "
                         f"AS {c}" for c in ("id", "name", "sector") if c in present)

        def move(tmp: Path) -> None:
            con.execute(f"COPY (SELECT * REPLACE ({safe}) FROM read_parquet({_text_lit(str(scratch))})) "
                        f"TO {_text_lit(str(tmp))} (FORMAT csv, HEADER true)")
    atomic_write(output, move)


def distribution_from_counts(counts: pd.DataFrame, rule: GradingRule) -> pd.DataFrame:
    """Return :attr:`GradingResult.distribution` from counts per branch and grade.

    ``counts`` has ``branch`` (a name, or None for firms fitting no branch), ``grade``
    (A–D, or None when not graded) and ``n``.
    """
    keys = [b.name for b in rule.branches]
    table = pd.DataFrame(0, index=keys, columns=list(GRADES), dtype=np.int64)
    firms = pd.Series(0, index=keys, dtype=np.int64)
    for branch, grade, n in counts[["branch", "grade", "n"]].itertuples(index=False):  # a few rows
        if branch is None or pd.isna(branch):
            continue
        firms[branch] += int(n)
        if grade is not None and not pd.isna(grade):
            table.at[branch, grade] += int(n)
    return distribution_frame(table, firms, int(counts["n"].sum()))


def _summary(con: duckdb.DuckDBPyConnection, path: Path, grading: _Grading,
             d_limit: int | None) -> dict[str, Any]:
    rule = grading.rule
    src = f"read_parquet({_text_lit(str(path))})"
    counts = con.execute(f"SELECT branch, grade, count(*) AS n FROM {src} GROUP BY ALL").df()
    codes = rule.used_indicators
    full = grading.columns == "full"
    scores = "".join(f", {_ident(c + '_score')}" for c in codes) if full else ""
    limit = "" if d_limit is None else f" LIMIT {int(d_limit)}"
    # The D list in 公示 order: the file's own order, or (a list in the table's order) sorted.
    branch_no = "CASE " + " ".join(f"WHEN branch = {_text_lit(b.name)} THEN {i}"
                                   for i, b in enumerate(rule.branches)) + " END"
    by = "" if grading.order == "rank" else f" ORDER BY {branch_no}, rank, file_row_number"
    read = f"read_parquet({_text_lit(str(path))}, file_row_number=true)"
    where = "grade = 'D'"
    if by and d_limit is not None and d_limit <= _LISTED_ROWS:
        # The first D firms found on their order alone, then read by row number (10⁸ firms: the top
        # of the sort carries 4 small columns, not the text: 1.0 s against 3.3 s).
        rows = [r for (r,) in con.execute(f"SELECT file_row_number FROM {read} WHERE {where}{by}{limit}"
                                          ).fetchall()]
        where, _ = _rows_in("file_row_number", rows)
    # A list in the table's order has each firm at its row number in the table.
    own = bool(by) and not full
    at = ", file_row_number AS row_" if own else ""
    head = con.execute(f"SELECT id, name, branch, total, rank, percentile, reason, grade{scores}{at} "
                       f"FROM {read} WHERE {where}{by}{limit}").df()
    if not full:  # the list has no item scores: the D firms' are computed again (a few firms)
        # Their own rows where the list says them; else every firm with one of their ranks (in
        # either branch: 368 firms for the first 100 D firms at 10⁸).
        at_rows = head.pop("row_").to_numpy() if own else \
            grading.rows_ranked(head["rank"].to_numpy(dtype=np.int64))  # D firms are ranked
        found = grading.scores_of(at_rows)
        if not head["id"].isin(found["id"]).all():  # a list not in the table's order: a bug, not bad input
            raise RuntimeError("the D firms' item scores were not found by row number")
        head = head.merge(found, on="id", how="left", validate="1:1")
    head["rank"] = head["rank"].astype("Int64")
    d_firms = int(counts.loc[counts["grade"] == "D", "n"].sum())
    return {
        "distribution": distribution_from_counts(counts, rule),
        "benchmarks": pd.DataFrame(grading.bench_rows, columns=["branch", "indicator", "weight", "benchmark",
                                                                "source", "low", "high", "population"]),
        "d_list": _d_list(head, codes, rule),
        "d_firms": d_firms,
        "tops": grading.tops(),
    }
