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
from zongheng.framework import Framework

__all__ = ["GradeSummary"]


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
