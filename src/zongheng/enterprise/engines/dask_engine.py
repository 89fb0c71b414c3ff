"""The Dask grading engine (分布式评价引擎): 亩均效益 grading of a table on a Dask cluster.

For tables that outgrow one machine. The table (Parquet or CSV, on storage every
worker reads) is read by partitions; each partition's firms are assigned their
branch (规上, 规下 …) exactly as :func:`~zongheng.enterprise.grade_enterprises`
does, and split by branch; every branch's pieces are brought together on one
worker (a shuffle by branch) and graded whole by ``grade_enterprises``. A firm
graded with only its branch mates gets the grade it gets in the whole table:
benchmarks, ranks and cut-offs are learned within the branch. The grade list is
written by the workers as a Parquet dataset (a directory of part files); the
client receives only the small tables of a :class:`GradeSummary`.

Rows keep their place in the table: each piece is indexed by (partition,
position), so a bad cell is reported with the row number of the file, as the
in-memory engine does.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from zongheng.enterprise.columns import (
    _LOOKUP,
    BASE_COLUMNS,
    FLAG_KEYS,
    MAX_LISTED,
    _id_text,
    _normal,
    _numbers,
    _Problems,
    _scale,
    _text,
    load_enterprises,
)
from zongheng.enterprise.engines.pandas_engine import tops_of
from zongheng.enterprise.engines.summary import GradeSummary, check_columns, list_columns
from zongheng.enterprise.muyun import (
    REASONS,
    GradingResult,
    _as_rule,
    _assign_branches,
    grade_enterprises,
    set_shares,
)
from zongheng.enterprise.rule import GRADES, GradingRule
from zongheng.errors import ArgumentError, DataError, MethodError, Problem, ZonghengError
from zongheng.i18n import register_messages
from zongheng.io.tables import Table, _blank_rows, column_letter

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = ["grade_dask", "piece_of", "summary_of"]

register_messages({
    "dask_output_parquet": (
        "Dask 引擎把评价结果写成 Parquet 数据集（目录），输出路径应以 .parquet 结尾，实际为 '{path}'",
        "the Dask engine writes the grade list as a Parquet dataset (a directory); the output "
        "should end in .parquet, got '{path}'",
    ),
    "dask_source_type": (
        "Dask 引擎读取 Parquet 或 CSV 文件（所有 worker 都能访问的路径），实际为 '{suffix}'",
        "the Dask engine reads Parquet or CSV files (a path every worker can read), got '{suffix}'",
    ),
    "dask_worker_died": (
        "Dask worker 在评价中退出（{detail}）：多半是内存不足，每个分组要在一个 worker 上整体评价，"
        "请提高 --memory-limit 或用内存更大的 worker",
        "a Dask worker died while grading ({detail}): most likely out of memory; each branch is "
        "graded whole on one worker, so give workers a larger --memory-limit or more memory",
    ),
    "dask_no_scheduler": (
        "无法连接 Dask 调度器 {address}（{detail}）：请先在该地址启动 dask scheduler 和 dask worker",
        "cannot reach the Dask scheduler at {address} ({detail}): start dask scheduler and dask "
        "worker there first",
    ),
    "dask_not_installed": (
        "Dask 引擎需要 dask[distributed]：pip install 'zongheng[cluster]'",
        "the Dask engine needs dask[distributed]: pip install 'zongheng[cluster]'",
    ),
})

# A piece's index encodes (partition, position) as partition × 2⁴⁰ + position: unique, increasing in
# table order, and decoded into the file's row number only when a problem must be reported.
_ROW_BITS = 40
# Columns every grading reads besides the rule's numbers.
_ALWAYS = ("id", "name", "sector", "scale", *FLAG_KEYS)


def grade_dask(source: str | Path | pd.DataFrame | dd.DataFrame,
               rule: GradingRule | str | Path | dict | None = None, *,
               output: str | Path | None = None, scheduler: str | None = None,
               d_limit: int | None = 100, blocksize: str | int = "64MB",
               metadata: dict[str, str] | None = None, columns: str = "full") -> GradeSummary:
    """Grade enterprises on 亩均效益 with Dask (分布式亩均评价).

    Parameters
    ----------
    source : path, pandas or dask DataFrame
        A Parquet file or dataset directory, or a CSV file, on storage every worker
        reads (the same path on the client and the workers); one row per firm,
        Chinese or English headers as for :func:`~zongheng.enterprise.grade_enterprises`.
    rule : GradingRule, path, dict, optional
        The grading rule (default: domain.md §3).
    output : path, optional
        Where the workers write the grade list: a Parquet dataset, i.e. a directory
        ``<output>`` of part files (``part-0-<branch>.parquet`` the graded firms of a
        branch by rank, ``part-1-<branch>.parquet`` its ungraded firms; read it
        with ``pandas.read_parquet(output)``). Written to a temporary sibling and
        renamed when complete; nothing is written without ``output``.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); without it the
        graph runs on Dask's local threads in this process.
    d_limit : int or None
        Rows of the D list kept in the summary (None: all; ``d_firms`` counts them all).
    blocksize : str or int
        Size of a CSV partition.
    metadata : dict, optional
        Key–value metadata written in every part file (``zongheng.synthetic`` …), as
        the DuckDB engine writes it in its output.
    columns : {"full", "grades"}
        The grade list's columns: all, or without each indicator's value and item score.

    Returns
    -------
    GradeSummary
        ``engine="dask"``; the same distribution, benchmarks, D list and tops as the
        in-memory engine on the whole table.

    Raises
    ------
    DataError
        Bad cells (with the file's row numbers) or columns, as ``grade_enterprises``.
    MethodError
        An invalid rule or a benchmark that cannot be computed.
    ArgumentError
        An output that is not ``.parquet``, a source of another type, or a scheduler
        that cannot be reached.

    Notes
    -----
    Each branch is graded whole on one worker, so the largest branch must fit in a
    worker's memory (about 1 GB per 10⁶ firms); the number of branches bounds the
    parallelism.
    """
    try:
        import dask
        import distributed  # noqa: F401  # the engine is meant for a cluster; fail early and clearly
    except ImportError:
        raise ArgumentError([Problem("dask_not_installed")]) from None

    rule = _as_rule(rule)
    check_columns(columns)
    out = _check_output(output)
    frame, file = _read(source, blocksize)
    keep, letters = _columns(list(frame.columns), rule)
    frame = frame[keep]
    # Header problems (no 规模 or identifier column, a header twice) are the same in every partition:
    # raise them here, before anything runs, from the empty frame of the column names.
    load_enterprises(Table(frame._meta.iloc[:0].astype(object), file=file, letters=letters),
                     (), strict=False)

    groups = len(rule.branches) + 1  # the last group: firms fitting no branch
    parts = frame.to_delayed()
    # Identifiers are also hashed into buckets, checked for duplicates across branches (each
    # branch's grading checks its own).
    buckets = max(1, min(len(parts) // 4, 64))
    id_key = next(k for k in ("id", "name") if any(_LOOKUP.get(_normal(c)) == k for c in keep))
    id_column = next(c for c in keep if _LOOKUP.get(_normal(c)) == id_key)
    split = [dask.delayed(_split, nout=groups + buckets, pure=True)(p, i, rule, file, letters, groups,
                                                                    id_column, buckets)
             for i, p in enumerate(parts)]
    tmp = None if out is None else out.with_name(f".{out.name}.partial-{uuid.uuid4().hex[:12]}")
    if tmp is not None:
        tmp.mkdir(parents=True)
    tasks = [dask.delayed(_grade_group, pure=False)([s[g] for s in split], g, rule, file, letters,
                                                    None if tmp is None else str(tmp), d_limit,
                                                    metadata or {}, columns)
             for g in range(groups)]
    tasks += [dask.delayed(_duplicates, pure=True)([s[groups + h] for s in split]) for h in range(buckets)]
    try:
        try:
            results = _run(tasks, scheduler)
        except ZonghengError:
            raise
        except Exception as exc:  # a file Dask or Arrow cannot read, or a worker lost
            raise _failed(exc, file) from None
        twice = pd.concat(results[groups:]).sort_index()
        results = results[:groups]
        failures = [r for r in results if isinstance(r, _Failure)]
        if failures or len(twice):
            where = {"file": file, "column": f"{letters[keep.index(id_column)]} ({id_column})",
                     "header": id_column}
            raise _reraise(failures, twice, where, frame, scheduler)
        summary = summary_of([r for r in results if r is not None], rule, output=out, d_limit=d_limit)
        if tmp is not None:
            _replace(tmp, out)
    finally:
        if tmp is not None and tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return summary


def summary_of(pieces: Sequence[dict[str, Any]], rule: GradingRule, *, output: Path | None,
               d_limit: int | None, engine: str = "dask") -> GradeSummary:
    """Join the summaries of gradings of disjoint branches into the table's :class:`GradeSummary`.

    Parameters
    ----------
    pieces : sequence of dict
        What :func:`piece_of` returns for each group of firms (a branch's firms, or
        the firms fitting no branch), in branch order.
    rule : GradingRule
    output : path or None
        Where the grade list was written.
    d_limit : int or None
        Rows of the D list kept (None: all).
    engine : str
        The engine's name.

    Returns
    -------
    GradeSummary
    """
    rule = _as_rule(rule)
    names = [b.name for b in rule.branches]
    if not pieces:  # an empty table: grade nothing, in memory, for the frames' shapes
        pieces = [piece_of(grade_enterprises(pd.DataFrame({"id": [], "scale": []}), rule), None, d_limit)]
    # Counts add up across groups (each group's rows of the other branches are zeros); shares do not.
    counted = ["firms", "graded", *GRADES, "not_graded"]
    dist = pieces[0]["distribution"].copy()
    dist[counted] = sum(p["distribution"][counted].to_numpy() for p in pieces)
    set_shares(dist)
    # A branch's benchmark rows come from its own grading; a branch without firms has the rows an
    # empty branch gets (any other group's grading shows them).
    by_branch = {p["group"]: p for p in pieces if p["group"] is not None}
    bench = pd.concat([by_branch.get(b, pieces[0])["benchmarks"].query("branch == @name")
                       for b, name in enumerate(names)], ignore_index=True)
    tops = pd.concat([by_branch.get(b, pieces[0])["tops"].query("branch == @name")
                      for b, name in enumerate(names)], ignore_index=True)
    # D firms in the in-memory order: branch by branch, by rank (the no-branch group has none).
    d_parts = [by_branch[b]["d_list"] for b in range(len(names)) if b in by_branch]
    d_list = pd.concat(d_parts, ignore_index=True) if d_parts else pieces[0]["d_list"]
    d_list = d_list if d_limit is None else d_list.head(d_limit)
    for column in d_list.columns:
        # A group whose D firms all lack an n-th weak indicator has it as object, the others as
        # text: the whole table's list is text.
        kinds = {p["d_list"][column].dtype for p in pieces} - {np.dtype(object)}
        if d_list[column].dtype == object and len(kinds) == 1:
            d_list[column] = d_list[column].astype(kinds.pop())
    # Reasons are categories of the combinations present; the table's are the union of the groups',
    # in the order of their bits (as the in-memory engine numbers them).
    reasons = sorted({r for p in pieces for r in p["reasons"]}, key=_reason_bits)
    d_list["reason"] = pd.Categorical(d_list["reason"].astype(object), categories=reasons)
    return GradeSummary(
        engine=engine,
        firms=int(sum(p["firms"] for p in pieces if p["group"] is not None)),
        distribution=dist,
        benchmarks=bench,
        d_list=d_list.reset_index(drop=True),
        d_firms=int(sum(p["d_firms"] for p in pieces)),
        tops=tops,
        output=output,
        rule=rule,
        framework=rule.resolved_framework,
    )


def piece_of(result: GradingResult, group: int | None, d_limit: int | None) -> dict[str, Any]:
    """Return the small tables of a grading of one group of firms (what travels back to the client).

    ``group`` is the branch index (``len(rule.branches)`` for firms fitting no
    branch), ``None`` for a grading of no firm.
    """
    return {
        "group": group,
        "firms": len(result.grades),
        "distribution": result.distribution,
        "benchmarks": result.benchmarks,
        "d_list": result.d_list if d_limit is None else result.d_list.head(d_limit),
        "d_firms": len(result.d_list),
        "tops": tops_of(result),
        "reasons": list(result.grades["reason"].cat.categories),
    }


def _reason_bits(text: str) -> int:
    """Return the bits of a reason text such as ``protected;veto``."""
    names = list(REASONS)
    return sum(1 << names.index(r) for r in text.split(";") if r)


# -- the tasks (run on the workers) -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Failure:
    """A zongheng error raised on a worker, sent back as data.

    The errors render their message in ``__init__`` and pickle only that text, so
    they would arrive without their problems; the problems travel instead.
    """

    kind: str
    problems: tuple[Problem, ...]


def _split(frame: pd.DataFrame, index: int, rule: GradingRule, file: str | None,
           letters: tuple[str, ...], groups: int, id_column: str, buckets: int) -> list[pd.DataFrame]:
    """Split one partition by branch: the pieces of each group, indexed by (partition, position).

    Then ``buckets`` frames of identifiers (``id``, ``group``) split by their hash, for
    :func:`_duplicates`.
    """
    frame = frame.reset_index(drop=True)
    frame.index = pd.RangeIndex(len(frame)) + (index << _ROW_BITS)
    frame = frame.loc[~_blank_rows(frame)] if len(frame) else frame  # as read_table drops blank rows
    group = _branch_of(frame, rule, Table(frame, file=file, letters=letters))
    group = np.where(group < 0, groups - 1, group)
    ids = frame[id_column]
    if ids.dtype == object or ids.dtype.kind == "f":  # as load_enterprises reads identifiers
        ids = ids.astype(object).map(_id_text)
    ids = _text(ids)
    # One bucket (a small table) needs no hash: hashing 10⁶ identifiers costs a second.
    hashed = (pd.util.hash_array(ids.to_numpy(dtype=object)) % buckets if buckets > 1
              else np.zeros(len(ids), dtype=np.uint64))
    keys = pd.DataFrame({"id": ids.to_numpy(dtype=object), "group": group}, index=frame.index)
    keys = keys[keys["id"] != ""]  # an empty identifier is reported by the branch's grading
    hashed = hashed[(ids != "").to_numpy()]
    return ([frame.iloc[np.flatnonzero(group == g)] for g in range(groups)]
            + [keys.iloc[np.flatnonzero(hashed == h)] for h in range(buckets)])


def _duplicates(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    """Return the identifiers found in two groups: every occurrence after the first, with the first.

    Indexed by the encoded row of the occurrence; ``first`` is the encoded row of the first.
    """
    keys = pd.concat(pieces).sort_index()
    spread = keys.groupby("id", sort=False)["group"].transform("nunique").to_numpy() > 1
    keys = keys.loc[spread]
    first = pd.Series(keys.index, index=keys.index).groupby(keys["id"].to_numpy()).transform("min")
    later = keys.index != first.to_numpy()
    return pd.DataFrame({"id": keys["id"].to_numpy()[later], "first": first.to_numpy()[later]},
                        index=keys.index[later])


def _branch_of(frame: pd.DataFrame, rule: GradingRule, table: Table) -> np.ndarray:
    """Return each firm's branch index (−1: none) as ``grade_enterprises`` assigns it.

    Only 规模 and, when a branch has a land range, 用地面积 are read, by the readers
    ``load_enterprises`` uses (same words, same numbers): the identifiers, flags and
    other numbers are checked once, when the branch is graded. Bad cells are reported
    then, too; here a bad 规模 fits no branch-by-scale and a bad land area no range.
    """
    found: dict[str, str] = {}
    for column in frame.columns:  # the first of a header given twice, as load_enterprises
        found.setdefault(_LOOKUP.get(_normal(column)), column)
    problems = _Problems(table)
    plain = frame.reset_index(drop=True)
    data = pd.DataFrame({"scale": _scale(plain[found["scale"]], found["scale"], problems)})
    land = np.full(len(frame), np.nan)
    if "land_area" in found and any(b.min_land is not None or b.max_land is not None for b in rule.branches):
        land = _numbers(plain[found["land_area"]], found["land_area"], BASE_COLUMNS["land_area"], problems)[0]
    return _assign_branches(data, rule.branches, land)


def _grade_group(pieces: list[pd.DataFrame], group: int, rule: GradingRule, file: str | None,
                 letters: tuple[str, ...], out: str | None, d_limit: int | None,
                 metadata: dict[str, str], columns: str = "full") -> dict | _Failure | None:
    """Grade one branch's firms whole; write their grade list; return the summary piece."""
    pieces = [p for p in pieces if len(p)]
    if not pieces:
        return None
    frame = pd.concat(pieces) if len(pieces) > 1 else pieces[0]  # table order: partitions in order
    try:
        result = grade_enterprises(Table(frame, file=file, letters=letters), rule)
    except (DataError, MethodError) as exc:
        return _Failure(type(exc).__name__, exc.problems)
    if out is not None:
        grades = result.grades.copy(deep=False)
        ranked = grades["grade"].notna().to_numpy()
        # Plain text, as the pandas and DuckDB engines write them: the parts' categories differ
        # (each group has its own reasons), and a reader should see one type in every part.
        for column in ("scale", "branch", "grade", "reason"):
            grades[column] = grades[column].astype(object).where(grades[column].notna(), None)
        grades = grades[list_columns(list(grades.columns), result.indicators, columns)]
        for done, rows in ((0, ranked), (1, ~ranked)):
            if rows.any():
                _write_part(grades.loc[rows], Path(out) / f"part-{done}-{group:03d}.parquet", metadata)
    return piece_of(result, group, d_limit)


def _write_part(frame: pd.DataFrame, path: Path, metadata: dict[str, str]) -> None:
    """Write one part file of the grade list, with ``metadata`` beside pandas' own."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    extra = {k.encode(): v.encode() for k, v in metadata.items()}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
    pq.write_table(table, path, compression="zstd")


# -- the client side ----------------------------------------------------------------------------------


def _check_output(output: str | Path | None) -> Path | None:
    if output is None:
        return None
    out = Path(output)
    if out.suffix.lower() != ".parquet":
        raise ArgumentError([Problem("dask_output_parquet", {"path": str(out)})])
    return out.absolute()


def _read(source: str | Path | pd.DataFrame | dd.DataFrame, blocksize: str | int) -> tuple[Any, str | None]:
    """Return the table as a dask DataFrame (every cell as read, no dtype guessed) and its file name."""
    import dask
    import dask.dataframe as dd

    if isinstance(source, pd.DataFrame):
        frame = source.reset_index(drop=all(n is None for n in source.index.names))
        return dd.from_pandas(frame, npartitions=max(1, len(frame) // 1_000_000 + 1), sort=False), None
    if isinstance(source, dd.DataFrame):
        return source, None
    path = Path(source)
    if not path.exists():
        raise DataError([Problem("file_not_found", file=str(path))])
    suffix = path.suffix.lower() if path.is_file() else ".parquet"
    if suffix not in (".parquet", ".csv"):
        raise ArgumentError([Problem("dask_source_type", {"suffix": suffix})])
    # Text stays object: pyarrow strings would change what load_enterprises sees in a cell.
    with dask.config.set({"dataframe.convert-string": False}):
        try:
            if suffix == ".parquet":
                frame = dd.read_parquet(str(path))
            else:
                # Every cell as text, as read_table reads a CSV: the parse (thousands separators,
                # markers of missing values) is load_enterprises', the same on every engine.
                frame = dd.read_csv(str(path), dtype=str, keep_default_na=False, blocksize=blocksize,
                                    encoding=_encoding(path))
        except Exception as exc:  # the reader's own message names what it could not parse
            raise _failed(exc, path.name) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, path.name


def _encoding(path: Path) -> str:
    """Return the CSV's encoding as read_table decodes it: UTF-8 (with or without BOM), else GB18030."""
    import codecs

    with path.open("rb") as f:
        head = f.read(1 << 20)
    try:  # not final: the megabyte may end inside a character
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def _columns(columns: list[str], rule: GradingRule) -> tuple[list[str], tuple[str, ...]]:
    """Return the columns the grading reads and their spreadsheet letters (for located problems)."""
    wanted = {*_ALWAYS, *rule.base_columns}
    keep = [c for c in columns if _LOOKUP.get(_normal(c)) in wanted]
    letters = tuple(column_letter(columns.index(c)) for c in keep)
    return keep, letters


def _run(tasks: list, scheduler: str | None) -> list:
    import dask

    if scheduler is None:
        return list(dask.compute(*tasks, scheduler="threads"))
    from distributed import Client

    try:
        client = Client(scheduler)
    except (OSError, TimeoutError, ValueError) as exc:  # nobody listening, or not an address
        params = {"address": scheduler, "detail": str(exc) or type(exc).__name__}
        raise ArgumentError([Problem("dask_no_scheduler", params)]) from None
    with client:
        return list(client.gather(client.compute(tasks)))


def _failed(exc: Exception, file: str | None) -> DataError:
    """Return the error a user reads for an exception of the cluster (not a zongheng error)."""
    detail = str(exc) or type(exc).__name__
    if type(exc).__name__ == "KilledWorker":
        return DataError([Problem("dask_worker_died", {"detail": detail})])
    return DataError([Problem("file_unreadable", {"detail": detail}, file=file)])


def _reraise(failures: list[_Failure], twice: pd.DataFrame, where: dict, frame: Any,
             scheduler: str | None) -> ZonghengError:
    """Return the error of the failed groups and duplicated identifiers, with the file's row numbers."""
    data = [p for f in failures if f.kind == "DataError" for p in f.problems]
    if len(twice):
        # Every duplicate found across branches, in the table's order, listed as the in-memory
        # reader lists them (the first MAX_LISTED, then a count); a branch's own report of the same
        # row is left out. Rows are still encoded (+2: the header is row 1), decoded below.
        header = where.pop("header")
        listed = [Problem("muyun_ent_duplicate_id", {"id": i, "first": int(f) + 2}, row=int(r) + 2, **where)
                  for r, i, f in zip(twice.index[:MAX_LISTED], twice["id"], twice["first"], strict=False)]
        rows = {p.row for p in listed}
        data = [p for p in data if p.kind != "muyun_ent_duplicate_id" or p.row not in rows] + listed
        if len(twice) > MAX_LISTED:
            data.append(Problem("muyun_ent_more_problems", {"column": header, "n": len(twice) - MAX_LISTED},
                                file=where["file"]))
    problems = data or [p for f in failures for p in f.problems]
    if any(p.row is not None for p in problems):
        lengths = _run([frame.map_partitions(len, meta=(None, "int64"))], scheduler)[0]
        starts = np.concatenate([[0], np.cumsum(np.asarray(lengths, dtype=np.int64))])
        problems = [_relocated(p, starts) for p in problems]
    return (DataError if data else MethodError)(problems)


def _relocated(problem: Problem, starts: np.ndarray) -> Problem:
    """Turn the encoded row numbers of a problem into the file's (header on row 1)."""
    def row(number: int) -> int:
        code = number - 2
        return int(starts[code >> _ROW_BITS] + (code & ((1 << _ROW_BITS) - 1))) + 2

    params = dict(problem.params)
    if problem.kind == "muyun_ent_duplicate_id" and isinstance(params.get("first"), int):
        params["first"] = row(params["first"])
    return dataclasses.replace(problem, params=params,
                               row=None if problem.row is None else row(problem.row))


def _replace(tmp: Path, out: Path) -> None:
    """Put the finished dataset at ``out``; the old one (file or directory) goes only then."""
    if out.exists():
        old = out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:12]}")
        os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    else:
        os.replace(tmp, out)

