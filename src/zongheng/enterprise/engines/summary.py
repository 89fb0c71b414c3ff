"""What every grading engine returns (评价汇总): the small tables, never the per-firm list.

A province's or a nation's grade list (10⁶–10⁸ firms) is written to a file by the
engine; what comes back to the caller and the CLI is what people read on screen:
the distribution, the benchmarks, the D list's head and where the full list went.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from zongheng.enterprise.rule import GradingRule
from zongheng.errors import DataError, Problem
from zongheng.framework import Framework
from zongheng.i18n import register_messages

__all__ = ["COLUMNS", "GradeSummary", "check_columns", "list_columns"]

register_messages({
    "engine_columns": ("未知的输出列 '{columns}'（可用: {choices}）",
                       "unknown output columns '{columns}' (use one of: {choices})"),
})

#: Columns of the grade list: ``full`` (明细, each indicator's value and item score as well) or
#: ``grades`` (名单: id, name, sector, scale, branch, total, rank, percentile, grade, reason).
COLUMNS = ("full", "grades")


def check_columns(columns: str) -> None:
    """Raise DataError unless ``columns`` is one of :data:`COLUMNS`."""
    if columns not in COLUMNS:
        raise DataError([Problem("engine_columns", {"columns": columns, "choices": ", ".join(COLUMNS)})])


def list_columns(names: list[str], codes: tuple[str, ...], columns: str = "full") -> list[str]:
    """Return which of the grade list's columns ``names`` are written for ``columns``.

    ``grades`` leaves out each indicator's value ``<code>`` and item score ``<code>_score``.
    """
    if columns == "full":
        return list(names)
    dropped = {*codes, *(f"{c}_score" for c in codes)}
    return [name for name in names if name not in dropped]


@dataclass(frozen=True)
class GradeSummary:
    """The summary of a grading by an engine (评价汇总).

    Attributes
    ----------
    engine : str
        ``pandas``, ``duckdb`` or ``dask``.
    firms : int
        Rows graded (every firm of the table, graded or not).
    distribution : pandas.DataFrame
        As :attr:`GradingResult.distribution`.
    benchmarks : pandas.DataFrame
        As :attr:`GradingResult.benchmarks`.
    d_list : pandas.DataFrame
        The first ``d_limit`` rows of :attr:`GradingResult.d_list` in its order
        (branch, then rank); ``d_firms`` says how many D firms there are in all.
    d_firms : int
        Number of D firms.
    tops : pandas.DataFrame
        Per branch and indicator, the highest value among the branch's firms
        (``branch``, ``indicator``, ``top``): what the note on capped scores needs.
    output : pathlib.Path or None
        Where the full grade list was written.
    rule : GradingRule
    framework : Framework
    """

    engine: str
    firms: int
    distribution: pd.DataFrame
    benchmarks: pd.DataFrame
    d_list: pd.DataFrame
    d_firms: int
    tops: pd.DataFrame
    output: Path | None
    rule: GradingRule
    framework: Framework

    @property
    def indicators(self) -> tuple[str, ...]:
        """Return the codes of the indicators used, in framework order."""
        return self.rule.used_indicators

    def headers(self, lang: str = "zh") -> dict[str, str]:
        """Return a readable header for every column of the frames, in ``lang``."""
        from zongheng.enterprise.export import headers

        return headers(self, lang)  # type: ignore[arg-type]  # uses framework, rule, indicators only
