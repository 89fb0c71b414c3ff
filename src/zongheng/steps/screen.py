"""Screen (筛选): drop units with too little data, or not on a list, and say which."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zongheng.steps.base import Context, State, Step, register

__all__ = ["Availability", "NoScreen"]


@register
@dataclass(frozen=True)
class NoScreen(Step):
    """No screening (不筛选)."""

    stage = "screen"
    key = "none"

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Include every unit in every period."""
        return {"included_": np.ones(values.shape[-3:-1], dtype=bool)}


@register
@dataclass(frozen=True)
class Availability(Step):
    """Screen units by data availability (按数据可得性筛选).

    A unit is kept in a period when the share of its indicators that have data
    is at least ``min_share``. Screened units stay in the evaluation with no
    score and no rank, and are listed in the trace.

    Parameters
    ----------
    min_share : float, default 0.66
        Minimum share of indicators with data, between 0 and 1.
    data : {"raw", "input"}, default "raw"
        Measure availability on the raw data (before imputation), or on the
        data entering this step (after imputation, as COINr's ``Screen`` on the
        imputed data set does).
    """

    stage = "screen"
    key = "availability"
    min_share: float = 0.66
    data: str = "raw"

    def __post_init__(self) -> None:
        if not 0 <= self.min_share <= 1:
            raise ValueError(f"min_share must be between 0 and 1, got {self.min_share}")
        if self.data not in ("raw", "input"):
            raise ValueError(f"data must be 'raw' or 'input', got {self.data!r}")

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Compute each unit's availability in each period."""
        data = ctx.panel.values if self.data == "raw" else values
        share = (~np.isnan(data)).mean(axis=-1)
        return {"availability_": share, "included_": share >= self.min_share}

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Blank out the screened units (NaN), so no later step learns from them."""
        return np.where(state["included_"][..., None], values, np.nan)
