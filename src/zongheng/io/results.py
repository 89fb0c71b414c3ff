"""Writing results (结果输出): ``zongheng build -o`` as CSV, an Excel workbook, or JSON.

- ``.csv``: one row per unit, period and node (index, dimensions, indicators'
  normalised scores), headers in the language asked for (``单位名称, 年份, 得分,
  排名 …`` or ``name, period, score, rank …``), scores with the 2 decimals every
  document shows, text neutralised against formula injection
  (:mod:`zongheng.io.safe_cells`), UTF-8 with BOM for Excel. A target-attainment
  framework (生态文明建设) gets its attainment table instead: never a ranking.
- ``.xlsx``: the whole-evaluation workbook
  (:func:`zongheng.report.xlsx.write_results_xlsx` with ``detail=True``):
  Chinese sheets and headers with indicator names, every period, formats,
  frozen headers and filters, the method in words.
- ``.json``: everything with codes and full precision, for programs.
- ``.parquet``: the tidy table of the CSV with codes as headers and full
  precision (``unit, name, period, node, node_name, level, score, rank,
  rank_in_<group>``), streamed in chunks of units with pyarrow's
  ``ParquetWriter``: a million units × 51 nodes never make one giant frame.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from zongheng import display
from zongheng.i18n import register_messages, text
from zongheng.io.atomic import atomic_write
from zongheng.io.safe_cells import csv_frame

if TYPE_CHECKING:  # io sits below the core: it names the evaluation, never imports it
    from zongheng.evaluation import Evaluation

__all__ = ["csv_table", "group_label", "write_evaluation", "write_tidy_parquet"]

register_messages({
    "results.unit": ("单位代码", "unit"), "results.name": ("单位名称", "name"),
    "results.period": ("年份", "period"), "results.node": ("指标代码", "node"),
    "results.node_name": ("指标名称", "node name"), "results.level": ("层级", "level"),
    "results.score": ("得分", "score"), "results.rank": ("排名", "rank"),
    "results.rank_in": ("组内排名（{group}）", "rank in {group}"),
    "results.bad_suffix": ("不支持的输出类型 {suffix!r}；请用 .csv、.xlsx、.json 或 .parquet",
                           "unsupported output type {suffix!r}; use .csv, .xlsx, .json or .parquet"),
})


_YES_NO = re.compile(r"\s*[（(][^（()）]*[01][^（()）]*[)）]\s*$")


def group_label(framework: Any, group: str, lang: str = "zh") -> str:
    """Return a group column's name as the framework declares it (``设区市``, not ``prefecture``).

    A yes/no group's note on its coding (``山区26县 (1 = 是)``) is left out: the
    writers show 是/否.

    Examples
    --------
    >>> from zongheng.framework import Attribute
    >>> class Fw: groups = (Attribute("mountain26", "山区26县 (1 = 是)", "mountain county (0/1)"),)
    >>> group_label(Fw, "mountain26"), group_label(Fw, "mountain26", "en"), group_label(Fw, "x")
    ('山区26县', 'mountain county', 'x')
    """
    for attribute in getattr(framework, "groups", ()):
        if attribute.code == group:
            name = attribute.name_en if lang == "en" and attribute.name_en else attribute.name
            return _YES_NO.sub("", name or "") or group
    return group


def write_evaluation(evaluation: Evaluation, path: str | Path, *, lang: str = "zh") -> Path:
    """Write an evaluation by its suffix: ``.csv``, ``.xlsx``, ``.json`` or ``.parquet`` (评价结果输出).

    The file is written to a temporary name and moved into place, so a failure
    never leaves a half-written file.

    Parameters
    ----------
    evaluation : Evaluation
    path : path
    lang : {"zh", "en"}
        Headers of the CSV, sheets and headers of the workbook.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        For another suffix.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    writers = {".csv": _write_csv, ".xlsx": _write_xlsx, ".json": _write_json,
               ".parquet": _write_parquet}
    if suffix not in writers:
        raise ValueError(text("results.bad_suffix", lang, suffix=suffix))
    return atomic_write(path, lambda tmp: writers[suffix](evaluation, tmp, lang))


def csv_table(ev: Evaluation, lang: str = "zh") -> pd.DataFrame:
    """Return the scores as the CSV shows them: readable headers, names, scores as shown.

    One row per unit, period and node; indicators carry their normalised value
    at level 1. Scores are rounded to the decimals of :func:`zongheng.display.score`.
    """
    # Plain objects: to_frame may give categoricals, which compare only with equal categories.
    frame = ev.to_frame()
    frame = frame.assign(**{c: frame[c].astype(object) for c in ("unit", "period", "node")})
    fw = ev.framework
    names = dict(zip(ev.panel.units, ev.panel.names(), strict=True))
    labels = {code: fw.label(code, lang) for code in ev.node_codes}
    scores = frame["score"].to_numpy(dtype=np.float64)
    out = pd.DataFrame({
        text("results.unit", lang): frame["unit"],
        text("results.name", lang): frame["unit"].map(names),
        text("results.period", lang): frame["period"],
        text("results.node", lang): frame["node"],
        text("results.node_name", lang): frame["node"].map(labels),
        text("results.level", lang): frame["level"],
        text("results.score", lang): np.round(scores, display.DECIMALS["score"]),
        text("results.rank", lang): frame["rank"],
    })
    for g in ev.panel.groups:
        out[text("results.rank_in", lang, group=group_label(fw, g, lang))] = frame[f"rank_in_{g}"]
    if (out.iloc[:, 0] == out.iloc[:, 1]).all():  # codes are the names: one column is enough
        out = out.drop(columns=out.columns[0])
    return out


def _write_csv(ev: Evaluation, path: Path, lang: str) -> None:
    from zongheng.report.xlsx import attainment as target  # the report layer, when used

    if target.is_attainment(ev.framework):  # judged against targets: never a composite ranking
        table = target.attainment_table(ev.framework, ev.panel, None)
        frame = target.attainment_csv_table(table, lang)
    else:
        frame = csv_table(ev, lang)
    csv_frame(frame).to_csv(path, index=False, encoding="utf-8-sig")


def _write_xlsx(ev: Evaluation, path: Path, lang: str) -> None:
    # The workbook is a report; imported here so that io stays below the report layer.
    from zongheng.report.xlsx.evaluation import results_book

    results_book(ev, lang=lang, detail=True).write(path)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def _write_json(ev: Evaluation, path: Path, lang: str) -> None:
    frame = ev.to_frame()
    records = [{k: _clean(v) for k, v in row.items()}
               for row in frame.astype(object).where(frame.notna(), None).to_dict("records")]
    doc = {
        "method": ev.method.to_dict(),
        "framework": {"index": ev.framework.root.code, "nodes": list(ev.node_codes)},
        "units": list(ev.panel.units),
        "periods": [_clean(p) for p in ev.panel.periods],
        "effective_weights": {k: float(v) for k, v in ev.effective_weights.items()},
        "screened": ev.screened.to_dict("records"),
        "scores": records,
    }
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=_clean),
                    encoding="utf-8")


#: Rows of one Parquet row group (and of the arrays made at a time): about 50 MB of columns.
PARQUET_CHUNK_ROWS = 1 << 21


def _write_parquet(ev: Evaluation, path: Path, lang: str) -> None:
    write_tidy_parquet(ev, path)


def node_ranks(scores: np.ndarray, panel: Any) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Return the ranks of :func:`zongheng.evaluation.rank_all`, node by node, as int32 (−1: none).

    The same ranks (each node is ranked on its own there too), with memory
    bounded by one node's sort instead of every node's: at 10⁶ units × 51
    nodes the float ranks and their sort temporaries peaked near 4 GB.
    """
    from zongheng.steps.rank import competition_rank, group_codes

    def as_int(ranks: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(ranks), -1, ranks).astype(np.int32)

    overall = np.empty(scores.shape, dtype=np.int32)
    for j in range(scores.shape[-1]):
        overall[..., j] = as_int(competition_rank(scores[..., j:j + 1], axis=-2))[..., 0]
    by_group = {}
    for g in panel.groups:
        codes = group_codes(panel.group(g))  # once, not once per node
        ranks = np.full(scores.shape, -1, dtype=np.int32)
        for k in range(codes.max(initial=-1) + 1):  # as zongheng.steps.rank.group_rank does
            members = np.flatnonzero(codes == k)
            for j in range(scores.shape[-1]):
                ranks[:, members, j] = as_int(competition_rank(scores[:, members, j], axis=-1))
        by_group[g] = ranks
    return overall, by_group


def write_tidy_parquet(ev: Evaluation, path: str | Path, *, chunk_rows: int = PARQUET_CHUNK_ROWS) -> int:
    """Stream the tidy scores to a Parquet file, one chunk of units at a time (整洁表流式输出).

    One row per period, unit and node, in that order (the rows of
    :meth:`Evaluation.to_frame`): ``unit, name, period, node, node_name,
    level, score, rank`` and ``rank_in_<group>`` for each group column; scores
    at full precision, ranks as nullable integers. Text columns are
    dictionary-encoded, each chunk holding only its own units, so memory stays
    that of one chunk whatever the number of units.

    Parameters
    ----------
    ev : Evaluation
    path : path
        Written as it is (callers wanting an all-or-nothing file use
        :func:`write_evaluation`, which writes to a temporary name first).
    chunk_rows : int
        Rows per chunk (and per row group), rounded to whole units.

    Returns
    -------
    int
        The number of rows written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    n_p, n_u, n_n = ev.scores.shape
    fw = ev.framework
    units = pa.array(list(ev.panel.units), pa.string())
    names = pa.array([str(x) for x in ev.panel.names()], pa.string())
    periods = pa.array([str(x) for x in ev.panel.periods], pa.string())
    nodes = pa.array(list(ev.node_codes), pa.string())
    node_names = pa.array([fw.label(c, "zh") for c in ev.node_codes], pa.string())
    levels = np.array([fw.levels[c] for c in ev.node_codes], dtype=np.int16)
    groups = list(ev.panel.groups)
    text_type = pa.dictionary(pa.int32(), pa.string())
    schema = pa.schema([("unit", text_type), ("name", text_type), ("period", text_type),
                        ("node", text_type), ("node_name", text_type), ("level", pa.int16()),
                        ("score", pa.float64()), ("rank", pa.int32()),
                        *[(f"rank_in_{g}", pa.int32()) for g in groups]],
                       metadata={b"zongheng": json.dumps({
                           "method": ev.method.to_dict(), "index": fw.root.code},
                           ensure_ascii=False, default=str).encode()})
    per_chunk = max(1, chunk_rows // max(n_n, 1))
    node_index = np.arange(n_n, dtype=np.int32)

    if "_ranks" in vars(ev):  # ranked already (cached on the evaluation): those ranks
        overall, by_group = ev.ranks, {g: ev.group_ranks(g) for g in groups}
    else:  # node by node, as int32: not two float arrays of every node and their sort temporaries
        overall, by_group = node_ranks(ev.scores, ev.panel)

    def ranks(array: np.ndarray) -> pa.Array:
        if array.dtype == np.int32:
            return pa.array(array, mask=array < 0)
        missing = np.isnan(array)
        return pa.array(np.where(missing, 0, array).astype(np.int32), mask=missing)

    def chunk(p: int, a: int, b: int) -> pa.RecordBatch:
        unit_index = np.repeat(np.arange(b - a, dtype=np.int32), n_n)
        node_codes = pa.array(np.tile(node_index, b - a))
        columns = [
            pa.DictionaryArray.from_arrays(pa.array(unit_index), units[a:b]),
            pa.DictionaryArray.from_arrays(pa.array(unit_index), names[a:b]),
            pa.DictionaryArray.from_arrays(pa.array(np.zeros(len(unit_index), np.int32)),
                                           periods[p:p + 1]),
            pa.DictionaryArray.from_arrays(node_codes, nodes),
            pa.DictionaryArray.from_arrays(node_codes, node_names),
            pa.array(np.tile(levels, b - a)),
            pa.array(ev.scores[p, a:b].ravel()),
            ranks(overall[p, a:b].ravel()),
            *[ranks(by_group[g][p, a:b].ravel()) for g in groups],
        ]
        return pa.RecordBatch.from_arrays(columns, schema=schema)

    rows = 0
    # Snappy: about a third faster to write than zstd here (measured), the file a little larger.
    with pq.ParquetWriter(str(path), schema, compression="snappy") as writer:
        for p in range(n_p):
            for a in range(0, n_u, per_chunk):
                batch = chunk(p, a, min(n_u, a + per_chunk))
                writer.write_batch(batch, row_group_size=batch.num_rows)
                rows += batch.num_rows
    return rows
