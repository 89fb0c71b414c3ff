"""Impute (插补): fill missing values, or refuse to."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from zongheng.errors import MethodError, Problem
from zongheng.steps.base import Context, State, Step, register

__all__ = ["CrossSectionMean", "CrossSectionMedian", "GroupMean", "GroupMedian", "NoImpute"]


@register
@dataclass(frozen=True)
class NoImpute(Step):
    """No imputation (不插补): a missing value is an error naming the cells."""

    stage = "impute"
    key = "none"

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Check that nothing is missing among the included units."""
        missing = np.isnan(values)
        if ctx.included is not None:
            missing &= ctx.included[..., None]
        problems = []
        for p, i in zip(*np.nonzero(missing.any(axis=-2)), strict=True):
            units = [ctx.panel.units[u] for u in np.flatnonzero(missing[p, :, i])]
            problems.append(Problem("method_missing_values", {
                "indicator": ctx.indicator_codes[i], "period": ctx.panel.periods[p],
                "n": len(units), "units": ", ".join(units[:5])}))
        if problems:
            raise MethodError(problems)
        return {}


def _fill(values: np.ndarray, fill: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), fill, values)


@dataclass(frozen=True)
class _CrossSection(Step):
    stage = "impute"
    statistic = staticmethod(np.nanmean)

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Learn the statistic of each indicator per period over the units."""
        return {"fill_": _statistic(self.statistic, values)}

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Fill the missing values; report how many were filled."""
        return _fill(values, state["fill_"])


@register
@dataclass(frozen=True)
class CrossSectionMean(_CrossSection):
    """Cross-section mean (截面均值插补): the indicator's mean over units in that period."""

    key = "mean"
    statistic = staticmethod(np.nanmean)


@register
@dataclass(frozen=True)
class CrossSectionMedian(_CrossSection):
    """Cross-section median (截面中位数插补): the indicator's median over units in that period."""

    key = "median"
    statistic = staticmethod(np.nanmedian)


@dataclass(frozen=True)
class _Group(Step):
    """Fill with a statistic over the units of the same group in the same period."""

    stage = "impute"
    group: str = ""
    statistic = staticmethod(np.nanmean)

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Learn the statistic per group, period and indicator."""
        if self.group not in ctx.panel.groups:
            raise MethodError([Problem("method_unknown_group", {
                "group": self.group, "found": ", ".join(ctx.panel.groups)})])
        labels = ctx.panel.group(self.group)
        fill = np.full(values.shape, np.nan)
        problems = []
        for label in dict.fromkeys(labels):  # a loop over groups, not units
            members = labels == label
            stat = _statistic(self.statistic, values[..., members, :])
            fill[..., members, :] = stat
            gap = np.isnan(stat[..., 0, :]) & np.isnan(values[..., members, :]).any(axis=-2)
            for p, i in zip(*np.nonzero(gap), strict=True):
                problems.append(Problem("method_group_all_missing", {
                    "indicator": ctx.indicator_codes[i], "period": ctx.panel.periods[p],
                    "group": self.group, "value": label}))
        if problems:
            raise MethodError(problems)
        return {"fill_": fill}

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Fill the missing values with their group's statistic."""
        return _fill(values, state["fill_"])


@register
@dataclass(frozen=True)
class GroupMean(_Group):
    """Group mean (组均值插补): mean of the indicator over the unit's group in that period.

    Parameters
    ----------
    group : str
        A group column of the unit attributes (e.g. ``EurAsia_group``, ``设区市``).
    """

    key = "group_mean"
    statistic = staticmethod(np.nanmean)


@register
@dataclass(frozen=True)
class GroupMedian(_Group):
    """Group median (组中位数插补): median over the unit's group in that period."""

    key = "group_median"
    statistic = staticmethod(np.nanmedian)


def _statistic(function, values: np.ndarray) -> np.ndarray:
    """Apply a nan-statistic over units, silencing numpy's empty-slice warning.

    An all-missing slice gives NaN, which the callers report themselves.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return function(values, axis=-2, keepdims=True)
