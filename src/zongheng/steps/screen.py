"""Screen (筛选): drop units with too little data, or not on a list, and say which."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zongheng.errors import MethodError, Problem
from zongheng.i18n import register_messages
from zongheng.steps.base import Context, State, Step, register

__all__ = ["Availability", "NoScreen", "Screen", "ScreenState", "UnitList"]

register_messages({
    "screen_unknown_units": (
        "筛选名单 {list} 中有 {n} 个单位不在数据中: {units}",
        "{n} unit(s) of the screening list {list} are not in the data: {units}",
    ),
})


@dataclass(frozen=True, kw_only=True)
class ScreenState(State):
    """Which units are included in each period (``included_``, period × unit), and why."""

    included_: np.ndarray
    availability_: np.ndarray | None = None


@dataclass(frozen=True)
class Screen(Step):
    """Base of the screens: the mask they learn is published to every later step.

    Screened units stay on the unit axis: :meth:`apply` blanks their values
    (NaN) so no later step learns from them, and they get no score and no rank.
    A screen that ``reads`` only raw data makes its decision before the first
    stage, so imputation need not fill units that are screened out anyway.
    """

    stage = "screen"
    elementwise = True  # keeps or blanks each cell by its own unit's decision
    affine = True

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Blank out the screened units (NaN), so no later step learns from them."""
        return np.where(state.included_[..., None], values, np.nan)

    def fit_apply_owned(self, values: np.ndarray, ctx: Context) -> tuple[State, np.ndarray]:
        """As ``fit_apply``, blanking the screened units in place (no copy of the data)."""
        if type(self).apply is not Screen.apply:  # a screen with its own apply: the plain path
            return self.fit_apply(values, ctx)
        state = self.fit(values, ctx)
        excluded = ~np.broadcast_to(state.included_, values.shape[-3:-1])
        if excluded.any():
            values[..., excluded, :] = np.nan
        return state, values

    def prepare(self, raw: np.ndarray, ctx: Context) -> Context:
        """Publish the decision up front when it depends on the raw data only."""
        return self.publish(self.fit(raw, ctx), ctx) if self.reads == "raw" else ctx

    def publish(self, state: State, ctx: Context) -> Context:
        """Tell later steps which units are included."""
        return ctx.with_included(state.included_)


@register
@dataclass(frozen=True)
class NoScreen(Screen):
    """No screening (不筛选)."""

    key = "none"
    reads = "raw"

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Include every unit in every period."""
        return ScreenState(included_=np.ones(values.shape[-3:-1], dtype=bool))

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Keep every value."""
        return values


@register
@dataclass(frozen=True)
class Availability(Screen):
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

    key = "availability"
    min_share: float = 0.66
    data: str = "raw"

    @property
    def reads(self) -> str:  # type: ignore[override]
        """``raw`` when availability is measured on the raw data."""
        return "raw" if self.data == "raw" else "input"

    def __post_init__(self) -> None:
        if not 0 <= self.min_share <= 1:
            raise ValueError(f"min_share must be between 0 and 1, got {self.min_share}")
        if self.data not in ("raw", "input"):
            raise ValueError(f"data must be 'raw' or 'input', got {self.data!r}")

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Compute each unit's availability in each period."""
        data = ctx.panel.values if self.data == "raw" else values
        share = _available_share(data)
        return ScreenState(availability_=share, included_=share >= self.min_share)


#: Units per block of the availability count: a block's NaN mask (8192 × 40 bytes) stays in cache.
_BLOCK_UNITS = 8192


def _available_share(data: np.ndarray) -> np.ndarray:
    """Return the share of known values along the last axis (``(~isnan(data)).mean(axis=-1)``).

    Counted in blocks of units with one reused mask, instead of two boolean copies of the
    data. The same numbers: the mean of 0/1 values is their (exact, integer) count divided
    by the number of indicators, and so is this.
    """
    n_ind = data.shape[-1]
    if n_ind == 0 or data.ndim < 2:
        return (~np.isnan(data)).mean(axis=-1)
    share = np.empty(data.shape[:-1])
    rows = data.shape[-2]
    unknown = np.empty(data.shape[:-2] + (min(rows, _BLOCK_UNITS), n_ind), dtype=bool)
    for start in range(0, rows, _BLOCK_UNITS):
        block = data[..., start:start + _BLOCK_UNITS, :]
        mask = unknown[..., :block.shape[-2], :]
        np.isnan(block, out=mask)
        known = n_ind - np.count_nonzero(mask, axis=-1)
        np.divide(known, n_ind, out=share[..., start:start + _BLOCK_UNITS], dtype=np.float64)
    return share


def _codes(value: object, name: str) -> tuple[str, ...]:
    """Read a list of unit codes (a single code is a list of one)."""
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return (str(value),)
    try:
        return tuple(str(v) for v in value)  # type: ignore[union-attr]
    except TypeError:
        raise ValueError(f"{name} must be a list of unit codes, got {value!r}") from None


@register
@dataclass(frozen=True)
class UnitList(Screen):
    """Screen units by a list (按名单筛选单位): keep only the listed units, or drop some.

    .. math:: \\text{included}_{pu} = [u \\in \\text{include}] \\wedge
              [u \\notin \\text{exclude}]

    the same in every period (without ``include`` every unit is on it). Use it
    to evaluate one city's counties, or to set aside units that are not
    comparable (e.g. a municipal district among counties). Screened units stay
    on the unit axis with no score and no rank, and are listed in
    ``Evaluation.screened`` (with no availability); their values become NaN
    after this stage, so no later step learns from them. A code on either
    list that is not a unit of the data is a
    :class:`~zongheng.errors.MethodError` naming it (a typo would otherwise
    silently screen nothing). Missing values do not matter to this screen.

    Parameters
    ----------
    include : list of str, optional
        The units kept; every unit when not given (an empty list is an error).
    exclude : list of str, default []
        Units screened out (also when they are in ``include``).

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §1.2
    (selection of units); Becker W. et al., COINr (R package), ``Screen()``.
    """

    key = "units"
    reads = "raw"
    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.include is not None:
            object.__setattr__(self, "include", _codes(self.include, "include"))
            if not self.include:
                raise ValueError("include is empty, which would screen out every unit; "
                                 "leave it out to keep every unit")
        object.__setattr__(self, "exclude", _codes(self.exclude, "exclude"))

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Check the lists against the data's units and mark the units kept (``included_``)."""
        units = np.asarray(ctx.panel.units, dtype=object)
        known = set(ctx.panel.units)
        problems = []
        for name, codes in (("include", self.include or ()), ("exclude", self.exclude)):
            unknown = [c for c in dict.fromkeys(codes) if c not in known]
            if unknown:
                problems.append(Problem("screen_unknown_units", {
                    "list": name, "n": len(unknown), "units": ", ".join(unknown)},
                    key=f"screen.{name}"))
        if problems:
            raise MethodError(problems)
        keep = ~np.isin(units, list(self.exclude))
        if self.include is not None:
            keep &= np.isin(units, list(self.include))
        return ScreenState(included_=np.broadcast_to(keep, values.shape[-3:-1]).copy())
