"""Rank statistics (排名统计): intervals, probabilities and rank shifts from the rank counts.

Every statistic is computed exactly from the counts of each rank per unit;
quantiles are those of the empirical distribution (the smallest rank whose
cumulative share reaches the level, numpy's ``inverted_cdf``), so they are
ranks that occurred.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from zongheng.analysis.uncertainty.evaluate import UncertaintyResult
from zongheng.errors import MethodError, Problem
from zongheng.i18n import register_messages
from zongheng.steps.rank import group_codes

__all__ = ["UncertaintyReport", "analyse", "rank_quantile"]

register_messages({
    "unc_group_not_counted": (
        "分组列 '{group}' 的组内排名没有统计；请在 evaluate 中传 groups=['{group}']",
        "ranks within '{group}' were not counted; pass groups=['{group}'] to evaluate",
    ),
    "unc_bad_top": ("top 必须是正整数，实际为 {top!r}", "top must be a positive integer, got {top!r}"),
})


@dataclass(frozen=True)
class UncertaintyReport:
    """What :func:`analyse` returns (排名不确定性报告).

    Attributes
    ----------
    table : DataFrame
        One row per unit, by nominal rank: ``unit, name, nominal_rank,
        median_rank, q05, q95, p_top, mean_abs_shift, p_moved`` (and, with a
        group, ``group, nominal_rank_in_group, median_rank_in_group,
        p_top_in_group``).
    summary : dict
        ``samples, combinations, seconds, period, top, places,
        mean_abs_shift`` (over units), ``share_moved`` (share of units
        whose rank moves by more than ``places`` places, averaged over
        samples) and ``skipped`` (samples left out, see ``skip_failed``).
    unit : str or None
        The unit asked for.
    distribution : DataFrame or None
        That unit's ranks: ``rank, probability, cumulative``; with a group,
        its ranks **within its group**. Empty when the unit is never ranked
        (screened out, no index score, or no group).
    detail : dict
        That unit's ``unit, name, nominal_rank, p_top, ranked`` (the share of
        samples that rank it: 0 when it is screened out or has no index score
        in every sample) and, with a group, ``group, label,
        nominal_rank_in_group, p_top_in_group, ranked_in_group`` (``label``
        None when the unit has no group). ``p_top`` is NaN when the unit is
        never ranked.
    """

    table: pd.DataFrame
    summary: dict[str, Any]
    unit: str | None = None
    distribution: pd.DataFrame | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def rank_quantile(counts: np.ndarray, level: float) -> np.ndarray:
    """Return the smallest rank whose cumulative share reaches ``level``, per row of counts.

    ``counts[u, r]`` counts rank *r*; rows without counts give NaN.

    Examples
    --------
    >>> rank_quantile(np.array([[0, 2, 1, 1]]), 0.5).tolist()
    [1.0]
    >>> rank_quantile(np.array([[0, 2, 1, 1]]), 0.95).tolist()
    [3.0]
    """
    if not isinstance(counts, np.ndarray) and hasattr(counts, "tocsr"):
        return _sparse_quantile(counts, level)
    cumulative = np.cumsum(counts, axis=1)
    total = cumulative[:, -1]
    # In integers, cumulative ≥ level · total exactly (levels are multiples of 1e-6).
    num = round(level * 1_000_000)
    reached = cumulative * 1_000_000 >= num * total[:, None]
    first = np.argmax(reached, axis=1).astype(float)
    first[total == 0] = np.nan
    return first


def _entries(counts: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return row, rank and count of every stored entry of sparse counts, by row then rank."""
    csr = counts.tocsr()
    csr.sum_duplicates()
    csr.sort_indices()
    rows = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
    return rows, csr.indices.astype(np.int64), csr.data.astype(np.int64)


def _sparse_quantile(counts: Any, level: float) -> np.ndarray:
    """:func:`rank_quantile` of sparse counts: the same integer test on the stored entries."""
    rows, ranks, data = _entries(counts)
    n_rows = counts.shape[0]
    total = np.bincount(rows, weights=data, minlength=n_rows).astype(np.int64)
    cumulative = np.cumsum(data)
    before = np.zeros(n_rows, dtype=np.int64)  # the running sum at the start of each row
    before[1:] = np.cumsum(total)[:-1]
    cumulative -= before[rows]
    num = round(level * 1_000_000)
    reached = np.flatnonzero(cumulative * 1_000_000 >= num * total[rows])
    out = np.full(n_rows, np.nan)
    first_rows, first = np.unique(rows[reached], return_index=True)  # the first entry reached per row
    out[first_rows] = ranks[reached[first]]
    out[total == 0] = np.nan
    return out


def _sparse_stats(counts: Any, nominal: np.ndarray, top: int, places: int) -> dict[str, np.ndarray]:
    """:func:`_stats` of sparse counts, from the stored entries only."""
    rows, ranks, data = _entries(counts)
    n_rows = counts.shape[0]
    total = np.bincount(rows, weights=data, minlength=n_rows)
    moved = np.abs(ranks - nominal[rows])
    known = np.isfinite(nominal)
    with np.errstate(invalid="ignore", divide="ignore"):
        in_top = np.bincount(rows, weights=data * ((ranks >= 1) & (ranks <= top)), minlength=n_rows)
        shift = np.bincount(rows, weights=data * np.nan_to_num(moved), minlength=n_rows) / total
        far = np.bincount(rows, weights=data * (moved > places), minlength=n_rows) / total
        return {
            "median": _sparse_quantile(counts, 0.5), "q05": _sparse_quantile(counts, 0.05),
            "q95": _sparse_quantile(counts, 0.95),
            "p_top": np.where(total > 0, in_top / total, np.nan),
            "shift": np.where(known, shift, np.nan),
            "moved": np.where(known, far, np.nan),
        }


def _row(counts: Any, u: int) -> np.ndarray:
    """Return one unit's counts as a dense row (sparse counts densify one row only)."""
    if isinstance(counts, np.ndarray):
        return counts[u]
    return np.asarray(counts.tocsr()[[u]].toarray()).ravel()


def _stats(counts: np.ndarray, nominal: np.ndarray, top: int, places: int) -> dict[str, np.ndarray]:
    if not isinstance(counts, np.ndarray) and hasattr(counts, "tocsr"):
        return _sparse_stats(counts, nominal, top, places)
    ranks = np.arange(counts.shape[1])
    total = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = counts / total[:, None]  # NaN rows for units never ranked
    moved = np.abs(ranks[None, :] - nominal[:, None])
    known = np.isfinite(nominal)
    return {
        "median": rank_quantile(counts, 0.5), "q05": rank_quantile(counts, 0.05),
        "q95": rank_quantile(counts, 0.95),
        "p_top": np.where(total > 0, share[:, 1:top + 1].sum(axis=1), np.nan),
        "shift": np.where(known, (share * np.nan_to_num(moved)).sum(axis=1), np.nan),
        "moved": np.where(known, (share * (moved > places)).sum(axis=1), np.nan),
    }


def analyse(result: UncertaintyResult, *, unit: str | None = None, top: int = 3,
            group: str | None = None, places: int = 3) -> UncertaintyReport:
    """Summarise the ranks of every unit over the samples (排名不确定性统计).

    Parameters
    ----------
    result : UncertaintyResult
        From :func:`~zongheng.analysis.uncertainty.evaluate`.
    unit : str, optional
        A unit (code or name) whose whole rank distribution is returned.
    top : int
        ``p_top`` is the probability of rank ≤ ``top`` (e.g. 2 for 争二).
    group : str, optional
        A group column counted by ``evaluate(groups=…)``: ranks and
        ``p_top_in_group`` within each unit's group.
    places : int
        ``p_moved`` and ``share_moved`` count rank changes of more than
        ``places`` places from the nominal rank.

    Returns
    -------
    UncertaintyReport
        Probabilities are shares of the samples in which the unit is ranked.
    """
    if isinstance(top, bool) or not isinstance(top, int | np.integer) or top < 1:
        raise MethodError([Problem("unc_bad_top", {"top": top})])
    if group is not None and group not in result.group_counts:
        raise MethodError([Problem("unc_group_not_counted", {"group": group})])
    s = _stats(result.counts, result.nominal_rank, top, places)
    table = pd.DataFrame({
        "unit": list(result.units), "name": list(result.names),
        "nominal_rank": result.nominal_rank, "median_rank": s["median"], "q05": s["q05"],
        "q95": s["q95"], "p_top": s["p_top"], "mean_abs_shift": s["shift"], "p_moved": s["moved"],
    })
    if group is not None:
        g = _stats(result.group_counts[group], result.nominal_group_rank[group], top, places)
        table.insert(2, "group", result.group_labels[group])
        table.insert(4, "nominal_rank_in_group", result.nominal_group_rank[group])
        table.insert(6, "median_rank_in_group", g["median"])
        table.insert(10, "p_top_in_group", g["p_top"])
    for col in ("nominal_rank", "median_rank", "q05", "q95", "nominal_rank_in_group",
                "median_rank_in_group"):
        if col in table:
            table[col] = pd.array(table[col], dtype="Float64").astype("Int64")
    table = table.sort_values(["nominal_rank", "unit"], na_position="last", kind="stable")
    table = table.reset_index(drop=True)
    ranked = np.isfinite(result.nominal_rank)
    summary = {
        "period": result.period, "samples": result.n_samples, "combinations": result.combinations,
        "seconds": result.seconds, "top": top, "places": places, "group": group,
        "mean_abs_shift": float(np.nanmean(s["shift"][ranked])) if ranked.any() else float("nan"),
        "share_moved": float(np.nanmean(s["moved"][ranked])) if ranked.any() else float("nan"),
        "varied": list(result.spec.varied),
        "skipped": sum(result.skipped.values()),
    }
    if unit is None:
        return UncertaintyReport(table, summary)
    code, distribution, detail = _unit_detail(result, unit, group, top)
    return UncertaintyReport(table, summary, code, distribution, detail)


def _unit_detail(result: UncertaintyResult, unit: str, group: str | None,
                 top: int) -> tuple[str, pd.DataFrame, dict[str, Any]]:
    if unit in result.units:
        u = result.units.index(unit)
    elif unit in result.names:
        u = result.names.index(unit)
    else:
        raise MethodError([Problem("unc_unknown_unit", {"unit": unit,
                                                        "found": ", ".join(result.units[:8])}, key="unit")])
    counts = _row(result.counts, u)
    detail: dict[str, Any] = {"unit": result.units[u], "name": result.names[u],
                              "nominal_rank": _rank(result.nominal_rank[u]),
                              "p_top": _share(counts[1:top + 1].sum(), counts.sum()),
                              "ranked": _share(counts.sum(), result.n_samples)}
    if group is not None:
        counts = _row(result.group_counts[group], u)  # the distribution is that of the rank in the group
        label = result.group_labels[group][u]
        detail.update({"group": group, "label": None if _missing(label) else label,
                       "nominal_rank_in_group": _rank(result.nominal_group_rank[group][u]),
                       "p_top_in_group": _share(counts[1:top + 1].sum(), counts.sum()),
                       "ranked_in_group": _share(counts.sum(), result.n_samples)})
    return result.units[u], _distribution(counts), detail


def _distribution(counts: np.ndarray) -> pd.DataFrame:
    """Return the ranks that occurred with their probability and cumulative probability."""
    total = max(int(counts.sum()), 1)
    ranks = np.flatnonzero(counts)
    return pd.DataFrame({"rank": ranks, "probability": counts[ranks] / total,
                         "cumulative": np.cumsum(counts)[ranks] / total})


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else float("nan")


def _missing(label: Any) -> bool:
    """Return whether a group label is missing (None, NaN, pd.NA, blank), as the ranks take it."""
    return bool(group_codes(np.array([label], dtype=object))[0] < 0)


def _rank(value: float) -> int | None:
    return int(value) if np.isfinite(value) else None
