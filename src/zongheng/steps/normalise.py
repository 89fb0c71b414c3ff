"""Normalise (标准化): bring indicators to a common scale, respecting direction."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from zongheng.errors import ConstantIndicatorWarning
from zongheng.i18n import text
from zongheng.steps.base import Context, Overrides, State, Step, register

__all__ = ["MinMax", "NormaliseByIndicator", "minmax"]


def minmax(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, direction: np.ndarray,
           low: float = 0.0, high: float = 100.0) -> np.ndarray:
    """Min-max normalise values with given bounds (pure kernel of :class:`MinMax`).

    .. math:: y = low + (high - low)\\,\\frac{x - lo}{hi - lo}
       \\quad\\text{or, for lower-is-better,}\\quad
       y = low + (high - low)\\,\\frac{hi - x}{hi - lo}

    Where ``hi == lo`` (a constant indicator) the result is the middle of the range.
    """
    span = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (values - lo) / span
    share = np.where(direction < 0, 1.0 - share, share)
    share = np.where(span == 0, 0.5, share)
    return low + (high - low) * share


@register
@dataclass(frozen=True)
class MinMax(Step):
    """Min-max normalisation (极差标准化) to ``[low, high]``.

    Bounds are the minimum and maximum of each indicator over the reference
    scope (pooled over periods by default, so a score compares across years).
    Lower-is-better indicators are reversed: the lowest value gets ``high``.
    Missing values stay missing. A constant indicator gets the middle of the
    range, with a :class:`~zongheng.errors.ConstantIndicatorWarning`.

    Parameters
    ----------
    low, high : float, default 0, 100
        The target range.
    scope : str, optional
        Reference scope; the method's by default.
    """

    stage = "normalise"
    key = "minmax"
    low: float = 0.0
    high: float = 100.0
    scope: str | None = None

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"low must be below high, got low={self.low}, high={self.high}")

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Learn each indicator's minimum and maximum over the scope."""
        sample, group_of_period = ctx.scope_of(self).split(values, ctx)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
            lo, hi = np.nanmin(sample, axis=-2), np.nanmax(sample, axis=-2)
        constant = (hi == lo).any(axis=0)
        if constant.any():
            codes = [ctx.indicator_codes[i] for i in np.flatnonzero(constant)]
            warnings.warn(text("warn_constant", indicators=", ".join(codes)),
                          ConstantIndicatorWarning, stacklevel=2)
        return {"min_": lo, "max_": hi, "group_of_period_": group_of_period}

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Rescale with the learned bounds of each period's scope."""
        g = state["group_of_period_"]
        lo, hi = state["min_"][g][:, None, :], state["max_"][g][:, None, :]
        return minmax(values, lo, hi, ctx.directions, self.low, self.high)


@register
@dataclass(frozen=True)
class NormaliseByIndicator(Overrides):
    """A default normalisation with per-indicator overrides (按指标设置标准化方法)."""

    stage = "normalise"
    fallback = "minmax"
