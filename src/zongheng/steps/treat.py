"""Treat outliers (异常值处理): winsorisation driven by skewness and kurtosis."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zongheng.steps.base import Context, Overrides, State, Step, register

__all__ = ["NoTreat", "TreatByIndicator", "Winsorise", "kurtosis", "skewness"]


@register
@dataclass(frozen=True)
class NoTreat(Step):
    """No outlier treatment (不处理异常值)."""

    stage = "treat"
    key = "none"


@register
@dataclass(frozen=True)
class TreatByIndicator(Overrides):
    """A default treatment with per-indicator overrides (按指标设置异常值处理)."""

    stage = "treat"


def _moments(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return n, Σd², Σd³, Σd⁴ over axis −2, ignoring NaN."""
    n = np.sum(~np.isnan(values), axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(values, axis=-2) / n
    d = values - mean[..., None, :]
    d2 = d * d
    return n, np.nansum(d2, axis=-2), np.nansum(d2 * d, axis=-2), np.nansum(d2 * d2, axis=-2)


def skewness(values: np.ndarray) -> np.ndarray:
    """Return the adjusted Fisher–Pearson skewness G1 of each column (axis −2), ignoring NaN.

    .. math:: G_1 = \\frac{\\sqrt{n}\\,\\sum d^3}{(\\sum d^2)^{3/2}} \\cdot
              \\frac{\\sqrt{n(n-1)}}{n-2}

    The definition of Excel's ``SKEW`` and of e1071/COINr ``type = 2``; NaN
    for fewer than 3 values or a constant column.
    """
    n, s2, s3, _ = _moments(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        g1 = np.sqrt(n) * s3 / s2**1.5
        out = g1 * np.sqrt(n * (n - 1.0)) / (n - 2.0)
    return np.where(n >= 3, out, np.nan)


def kurtosis(values: np.ndarray) -> np.ndarray:
    """Return the bias-corrected excess kurtosis G2 of each column (axis −2), ignoring NaN.

    .. math:: G_2 = \\frac{(n+1)\\left(\\frac{n \\sum d^4}{(\\sum d^2)^2} - 3\\right) + 6}
              {(n-2)(n-3)} (n-1)

    The definition of Excel's ``KURT``; NaN for fewer than 4 values.
    """
    n, s2, _, s4 = _moments(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = n * s4 / (s2 * s2)
        out = ((n + 1.0) * (r - 3.0) + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
    return np.where(n >= 4, out, np.nan)


@register
@dataclass(frozen=True)
class Winsorise(Step):
    """Winsorisation driven by skewness and kurtosis (偏度峰度驱动的缩尾处理).

    The JRC/COINr procedure, per indicator over the reference scope: an
    indicator *passes* when ``|G1| < skew`` or ``G2 < kurtosis``. A failing
    indicator is winsorised one step at a time — when G1 ≥ 0 the values equal
    to the maximum become the largest remaining value, otherwise the values
    equal to the minimum become the smallest remaining value — re-checking after
    each step, while fewer than ``max_points`` points sit at a cap. If it still
    fails, the winsorisation is discarded and the original values are
    log-transformed, :math:`x \\mapsto \\ln(x - \\min + 0.01(\\max - \\min))`
    (``fallback="log"``), or left winsorised (``fallback="none"``).

    Fitting learns caps ``lo_``/``hi_`` and the log flag per indicator; applying
    clips to the caps, so the same treatment applies to every period of the scope.

    Parameters
    ----------
    max_points : int, default 5
        The most points winsorised per indicator.
    skew : float, default 2.0
        Threshold of absolute skewness.
    kurtosis : float, default 3.5
        Threshold of kurtosis.
    fallback : {"log", "none"}
        What to do with an indicator that still fails.
    scope : str, optional
        Reference scope; the method's by default.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §1.5;
    Becker W. et al., COINr (R package), ``Treat()``.
    """

    stage = "treat"
    key = "winsorise"
    max_points: int = 5
    skew: float = 2.0
    kurtosis: float = 3.5
    fallback: str = "log"
    scope: str | None = None

    def __post_init__(self) -> None:
        if self.fallback not in ("log", "none"):
            raise ValueError(f"fallback must be 'log' or 'none', got {self.fallback!r}")
        if self.max_points < 0:
            raise ValueError(f"max_points must be ≥ 0, got {self.max_points}")

    def _passes(self, values: np.ndarray) -> np.ndarray:
        skew, kurt = skewness(values), kurtosis(values)
        # NaN statistics (too few values, constant) count as passing: nothing to treat.
        return ~((np.abs(skew) >= self.skew) & (kurt >= self.kurtosis))

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Learn the caps and the log fallback over the scope (vectorised over indicators)."""
        sample, group_of_period = ctx.scope_of(self).split(values, ctx)
        x = sample.copy()
        with np.errstate(all="ignore"):
            lo = np.nanmin(x, axis=-2) if x.size else np.zeros(x.shape[::2])
            hi = np.nanmax(x, axis=-2) if x.size else np.zeros(x.shape[::2])
        lo_cap, hi_cap = lo.copy(), hi.copy()
        failing = ~self._passes(x)
        treated = failing.copy()
        n_hi = np.zeros(lo.shape, dtype=int)
        n_lo = np.zeros(lo.shape, dtype=int)
        active = failing & (self.max_points > 0)
        while active.any():
            upper = skewness(x) >= 0
            for side_upper in (True, False):
                sel = active & (upper if side_upper else ~upper)
                if not sel.any():
                    continue
                cur = np.nanmax(x, axis=-2) if side_upper else np.nanmin(x, axis=-2)
                at = (x == cur[..., None, :]) & sel[..., None, :]
                rest = np.where(at, np.nan, x)
                with np.errstate(all="ignore"):
                    nxt = np.nanmax(rest, axis=-2) if side_upper else np.nanmin(rest, axis=-2)
                x = np.where(at, nxt[..., None, :], x)
                # Points at the cap before this step: the ones just moved, which include
                # every point moved on this side before (COINr counts the same way).
                count = np.sum(at, axis=-2)
                if side_upper:
                    hi_cap = np.where(sel, nxt, hi_cap)
                    n_hi = np.where(sel, count, n_hi)
                else:
                    lo_cap = np.where(sel, nxt, lo_cap)
                    n_lo = np.where(sel, count, n_lo)
            failing = ~self._passes(x)
            active = failing & (n_hi + n_lo < self.max_points)
        use_log = treated & failing & (self.fallback == "log")
        # Untreated sides get infinite caps, so a base-period scope clips nothing else.
        return {
            "lo_": np.where(use_log | (n_lo == 0), -np.inf, lo_cap),
            "hi_": np.where(use_log | (n_hi == 0), np.inf, hi_cap),
            "log_": use_log,
            "log_min_": lo,
            "log_max_": hi,
            "group_of_period_": group_of_period,
            "winsorised_": np.where(treated & ~use_log, n_hi + n_lo, 0),
        }

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Clip to the learned caps; log-transform the indicators that needed it."""
        g = state["group_of_period_"]
        lo, hi = state["lo_"][g][:, None, :], state["hi_"][g][:, None, :]
        out = np.clip(values, lo, hi)
        use_log = state["log_"][g][:, None, :]
        if use_log.any():
            mn, mx = state["log_min_"][g][:, None, :], state["log_max_"][g][:, None, :]
            with np.errstate(invalid="ignore", divide="ignore"):
                logged = np.log(values - mn + 0.01 * (mx - mn))
            out = np.where(use_log, logged, out)
        return out
