"""Outlier detection for skewed data (离群值检测): median and MAD, on the log scale where possible.

Economic indicators across regions are right-skewed (one county's output is ten times another's):
a plain mean ± k·sd flags the large counties every year. The robust z of Iglewicz and Hoaglin,
``z = 0.6745·(x − median)/MAD``, uses the median and the median absolute deviation, which one
extreme value cannot drag; on the log scale a value ten times the median is as far out as one a
tenth of it. The log is taken only when every value of the column is positive; with a zero or a
negative the plain scale is used. Pure numpy, no database: :mod:`.run` feeds it arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CONSISTENCY", "Outliers", "history_outliers", "peer_outliers"]

CONSISTENCY = 0.6745
"""Φ⁻¹(0.75): makes MAD/0.6745 estimate σ for normal data."""


@dataclass(frozen=True)
class Outliers:
    """Robust z of each value and what it was compared with (离群值检测结果); arrays of one shape.

    ``z`` is NaN where there was nothing to compare with (fewer reference values than asked, a
    missing value, or a MAD of 0: every reference value equal).
    """

    z: np.ndarray
    median: np.ndarray
    """The reference median on the plain scale (for the explanation in words)."""
    count: np.ndarray
    """How many reference values there were."""
    log_scale: np.ndarray
    """True where the comparison was made on the log scale."""
    threshold: float

    @property
    def flagged(self) -> np.ndarray:
        """True where |z| exceeds the threshold."""
        with np.errstate(invalid="ignore"):
            return np.abs(self.z) > self.threshold


def _nanmedian(a: np.ndarray) -> np.ndarray:
    """Return the median over the first axis ignoring NaN (NaN for an all-NaN column): ``np.nanmedian``.

    ``np.nanmedian`` went through masked arrays and cost a millisecond and a half per call on a
    300 × 10 array; every save calls this six times. A sort (NaN sorts last) and the middle pair
    give the same numbers: the mean of the two middle values, ``(low + high) / 2``, the middle one
    twice when the count is odd, as numpy's masked median computes it.
    """
    a = np.asarray(a, dtype=float)
    if a.shape[0] == 0:
        return np.full(a.shape[1:], np.nan)
    ordered = np.sort(a, axis=0)
    count = np.sum(~np.isnan(ordered), axis=0)
    high = count // 2
    low = np.where(count % 2 == 1, high, high - 1).clip(min=0)
    pair = np.take_along_axis(ordered, np.stack([low, high]), axis=0)
    return np.where(count > 0, (pair[0] + pair[1]) / 2.0, np.nan)


def _robust_z(x: np.ndarray, reference: np.ndarray, log: np.ndarray, min_count: int) -> np.ndarray:
    # ``log`` is broadcastable to ``x``; the median runs over ``reference``'s first axis.
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = np.where(log, np.log(np.where(reference > 0, reference, np.nan)), reference)
        val = np.where(log, np.log(np.where(x > 0, x, np.nan)), x)
        med = _nanmedian(ref)
        mad = _nanmedian(np.abs(ref - med))
        z = CONSISTENCY * (val - med) / mad
    enough = np.isfinite(ref).sum(axis=0) >= min_count
    return np.where(enough & (mad > 0) & np.isfinite(z), z, np.nan)


def peer_outliers(values: np.ndarray, *, threshold: float = 3.5, min_peers: int = 5,
                  scale: str = "auto") -> Outliers:
    """Compare each region's value with its peers' in the same period (同期横向比较).

    Parameters
    ----------
    values : ndarray, shape (regions, indicators)
        One period's values; NaN where a region has none.
    threshold : float
        |z| above which a value is flagged (3.5, Iglewicz and Hoaglin's recommendation).
    min_peers : int
        The fewest values (the region's own included) an indicator needs to be judged.
    scale : {"auto", "plain"}
        ``"plain"`` never takes the log (to show what the log scale saves).

    Returns
    -------
    Outliers
        Of shape (regions, indicators). An indicator is compared on the log scale when all its
        values in the period are positive.
    """
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    log = np.all(~finite | (values > 0), axis=0) & (scale != "plain")  # per indicator
    z = _robust_z(values, values, log, min_peers)
    count = np.broadcast_to(finite.sum(axis=0), values.shape)
    return Outliers(z, np.broadcast_to(_nanmedian(values), values.shape), count,
                    np.broadcast_to(log, values.shape), threshold)


def history_outliers(history: np.ndarray, current: np.ndarray, *, threshold: float = 3.5,
                     min_history: int = 3) -> Outliers:
    """Compare each region's value with the region's own past values (纵向与本地历史比较).

    Parameters
    ----------
    history : ndarray, shape (periods, regions, indicators)
        Past values (NaN where missing); the median runs over the first axis.
    current : ndarray, shape (regions, indicators)
        This period's values.
    min_history : int
        The fewest past values a series needs to be judged (3).

    Returns
    -------
    Outliers
        Of shape (regions, indicators). A series is compared on the log scale when its past
        values and the current one are all positive.
    """
    history = np.asarray(history, dtype=float)
    current = np.asarray(current, dtype=float)
    finite = np.isfinite(history)
    log = np.all(~finite | (history > 0), axis=0) & ~(np.isfinite(current) & (current <= 0))
    z = _robust_z(current, history, log, min_history)
    return Outliers(z, _nanmedian(history), finite.sum(axis=0), log, threshold)
