"""Rank (排名): standard competition ranking, overall and within groups."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["competition_rank", "group_rank"]


def competition_rank(scores: np.ndarray, axis: int = -2) -> np.ndarray:
    """Rank scores from the highest (1), ties sharing the best place: 1, 2, 2, 4.

    Missing scores get no rank (NaN). Vectorised over all other axes: one sort
    along ``axis``, then each tie run takes the position of its first member.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape[axis] == 0:
        return np.full(scores.shape, np.nan)
    x = np.ascontiguousarray(np.moveaxis(scores, axis, -1))  # sort along contiguous memory
    order = np.argsort(-x, axis=-1)  # NaN sorts last; tie order does not matter below
    ordered = np.take_along_axis(x, order, axis=-1)
    position = np.broadcast_to(np.arange(x.shape[-1], dtype=np.float64), x.shape)
    starts = np.ones(x.shape, dtype=bool)
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    first = np.maximum.accumulate(np.where(starts, position, 0.0), axis=-1)
    ranked = np.where(np.isnan(ordered), np.nan, first + 1.0)
    out = np.empty(x.shape)
    np.put_along_axis(out, order, ranked, axis=-1)
    return np.moveaxis(out, -1, axis)


def group_rank(scores: np.ndarray, labels: np.ndarray, axis: int = -2) -> np.ndarray:
    """Rank within each group of units (组内排名); ``labels`` gives each unit's group.

    Units with a missing label (None, NaN, pd.NA, blank) are not ranked.
    """
    scores = np.moveaxis(scores, axis, -1)
    out = np.full(scores.shape, np.nan)
    codes = group_codes(labels)
    for k in range(codes.max(initial=-1) + 1):  # a loop over groups, not units
        members = codes == k
        out[..., members] = competition_rank(scores[..., members], axis=-1)
    return np.moveaxis(out, -1, axis)


def group_codes(labels: np.ndarray) -> np.ndarray:
    """Return a group number per unit (0, 1, … in order of appearance), −1 for a missing label."""
    series = pd.Series(np.asarray(labels, dtype=object)).map(
        lambda v: None if isinstance(v, str) and not v.strip() else v)
    codes, _ = pd.factorize(series, use_na_sentinel=True)
    return codes
