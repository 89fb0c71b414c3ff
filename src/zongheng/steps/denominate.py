"""Denominate (分母化): divide indicators by a size variable such as GDP or area."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zongheng.errors import MethodError, Problem
from zongheng.i18n import register_messages
from zongheng.steps.base import Context, State, Step, register

register_messages({
    "denominate_missing_column": (
        "指标 {indicator} 的分母 {denominator} 不在数据中（数据中的分母: {found}）；请在数据中加入该列，"
        "或在方法中写 denominate: none 不作分母化",
        "the denominator {denominator} of indicator {indicator} is not in the data (denominators "
        "found: {found}); add that column to the data, or write denominate: none in the method",
    ),
})

__all__ = ["ByFramework", "NoDenominate"]


@register
@dataclass(frozen=True)
class NoDenominate(Step):
    """No denomination (不分母化): values pass through."""

    stage = "denominate"
    key = "none"
    elementwise = True
    affine = True


@register
@dataclass(frozen=True)
class ByFramework(Step):
    """Divide each indicator by the denominator its framework entry names (按指标体系分母化).

    .. math:: x'_{pui} = s \\, x_{pui} / d_{pu,\\,den(i)}

    Indicators without a denominator pass through, so this is the default: a
    denominator the framework declares is never silently ignored. A declared
    denominator that the data lacks is a :class:`~zongheng.errors.MethodError`
    naming it.

    Parameters
    ----------
    scale : float, default 1
        Factor applied after dividing (e.g. 10000 for "per 10,000 people").
    """

    stage = "denominate"
    key = "framework"
    # x / d with the unit's own denominator: linear in x for a fixed denominator.
    elementwise = True
    affine = True
    scale: float = 1.0

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Map each indicator to its denominator column (or -1)."""
        codes = ctx.panel.denominator_codes
        missing = [i for i in ctx.indicators if i.denominator and i.denominator not in codes]
        if missing:
            raise MethodError([Problem("denominate_missing_column", {
                "indicator": i.code, "denominator": i.denominator,
                "found": ", ".join(codes) or "—"}, key="denominate") for i in missing])
        column = np.array([codes.index(i.denominator) if i.denominator else -1
                           for i in ctx.indicators], dtype=int)
        return DenominateState(column_=column)

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Divide by the denominators (NaN where the denominator is missing or zero)."""
        column = state.column_
        if (column < 0).all():
            return values
        has = np.flatnonzero(column >= 0)
        divisor = ctx.panel.denominators[..., column[has]]  # only the columns divided
        divisor = np.where(divisor == 0, np.nan, divisor)
        # Other columns are x/1·scale = x·scale exactly: copied, not divided by a full array of ones.
        out = np.array(values, dtype=np.float64, copy=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[..., has] = values[..., has] / divisor
        if self.scale != 1:
            out *= self.scale
        return out


@dataclass(frozen=True, kw_only=True)
class DenominateState(State):
    """Each indicator's denominator column in the panel, −1 for none."""

    column_: np.ndarray
