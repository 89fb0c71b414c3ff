"""Rank (排名): standard competition ranking, overall and within groups."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

__all__ = ["competition_rank", "group_rank"]


def competition_rank(scores: np.ndarray, axis: int = -2) -> np.ndarray:
    """Rank scores from the highest (1), ties sharing the best place: 1, 2, 2, 4.

    Missing scores get no rank (NaN). Vectorised over all other axes.
    """
    if scores.shape[axis] == 0:
        return np.full(scores.shape, np.nan)
    return rankdata(-scores, method="min", axis=axis, nan_policy="omit")


def group_rank(scores: np.ndarray, labels: np.ndarray, axis: int = -2) -> np.ndarray:
    """Rank within each group of units (组内排名); ``labels`` gives each unit's group.

    Units with a missing label are not ranked.
    """
    scores = np.moveaxis(scores, axis, -1)
    out = np.full(scores.shape, np.nan)
    labels = np.asarray(labels, dtype=object)
    valid = np.array([not _missing(v) for v in labels], dtype=bool)
    for label in dict.fromkeys(labels[valid]):  # a loop over groups, not units
        members = valid & (labels == label)
        out[..., members] = competition_rank(scores[..., members], axis=-1)
    return np.moveaxis(out, -1, axis)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))
