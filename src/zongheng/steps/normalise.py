"""Normalise (标准化): bring indicators to a common scale on which higher is always better.

Every method here returns values where a higher number is better on every
indicator, whatever its direction, because the aggregators rely on it.
Data-driven parameters (minimum, maximum, mean, the ranking sample …) are
learned over the reference scope (参照范围) of the step or of the method.
Each method has a pure kernel function beside its step class.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from zongheng.errors import ConstantIndicatorWarning, MethodError, Problem, ZonghengWarning
from zongheng.i18n import register_messages, text
from zongheng.steps.base import Context, Overrides, State, Step, register

__all__ = [
    "BordaScore",
    "DistanceToReference",
    "Efficacy",
    "Goalposts",
    "IndexToBase",
    "MinMax",
    "NormaliseByIndicator",
    "PercentileRank",
    "Rank",
    "RatioToMax",
    "ReferenceUnit",
    "SumNormalise",
    "Target",
    "VectorNormalise",
    "ZScore",
    "count_worse",
    "distance_to_reference",
    "distance_to_target",
    "efficacy",
    "goalposts",
    "minmax",
    "mirror",
    "ratio_to_max",
    "ratio_to_reference",
    "sum_normalise",
    "vector_normalise",
    "zscore",
]

register_messages({
    "normalise_reference_screened": (
        "参照单位 '{unit}' 在筛选步骤中被排除，无法作为参照：请不要筛除参照单位（它本身也会参与排名）",
        "the reference unit '{unit}' is screened out, so it cannot serve as the reference: keep it "
        "in the evaluation (it is ranked too)",
    ),
    "normalise_not_positive": (
        "指标 {indicator} 有小于或等于 0 的值（最小为 {value}），{method} 只适用于正值",
        "indicator {indicator} has values ≤ 0 (the lowest is {value}); {method} needs positive values",
    ),
    "normalise_negative": (
        "指标 {indicator} 有负值（最小为 {value}），{method} 只适用于非负值",
        "indicator {indicator} has negative values (the lowest is {value}); "
        "{method} needs non-negative values",
    ),
    "normalise_no_target": (
        "指标 {indicator} 没有目标值，无法用 {method} 标准化（请在指标体系中填写目标值）",
        "indicator {indicator} has no target, so {method} cannot normalise it "
        "(give it a target in the framework)",
    ),
    "normalise_no_goalposts": (
        "指标 {indicator} 没有上下限（goalposts），无法用 {method} 标准化（请在指标体系中填写）",
        "indicator {indicator} has no goalposts, so {method} cannot normalise it "
        "(give it goalposts in the framework)",
    ),
    "normalise_target_reached": (
        "指标 {indicator} 的目标值 {target} 不优于参照范围内的最差值 {worst}，无法计算距目标的距离"
        "（可改用 goalposts 方法、调整目标值或改用更大的参照范围）",
        "the target {target} of indicator {indicator} is not better than the worst value {worst} "
        "of the reference scope, so the distance to target is undefined (use goalposts, change "
        "the target or widen the scope)",
    ),
    "normalise_unknown_unit": (
        "参照单位 '{unit}' 不在数据中（如 {found}）",
        "the reference unit '{unit}' is not in the data (e.g. {found})",
    ),
    "warn_constant_indicator": (
        "指标 {indicators} 在参照范围内取值全部相同，无法区分单位（{method}）",
        "indicator(s) {indicators} are constant over the reference scope and cannot "
        "discriminate between units ({method})",
    ),
    "warn_ratio_undefined": (
        "{method}: {n} 个值因参照值缺失或不为正（或逆向指标的值不为正）而记为缺失，如 {cells}",
        "{method}: {n} value(s) set to missing because the reference value is missing or not "
        "positive (or a lower-is-better value is not positive), e.g. {cells}",
    ),
})


# -- helpers -------------------------------------------------------------------------------------


def _nan(fn, array: np.ndarray, axis: int = -2) -> np.ndarray:
    """Apply a nan-reduction quietly: all-NaN columns give NaN without a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(array, axis=axis)


def _codes(ctx: Context, mask: np.ndarray) -> list[str]:
    return [ctx.indicator_codes[i] for i in np.flatnonzero(mask)]


def _error(kind: str, ctx: Context, mask: np.ndarray, **params: Any) -> MethodError:
    """One problem per indicator flagged in ``mask``; array params are taken per indicator."""
    problems = []
    for i in np.flatnonzero(mask):
        own = {k: (_num(v[i]) if isinstance(v, np.ndarray) else v) for k, v in params.items()}
        problems.append(Problem(kind, {"indicator": ctx.indicator_codes[i], **own}, key="normalise"))
    return MethodError(problems)


def _num(value: float) -> float | int:
    value = float(value)
    return int(value) if value.is_integer() else value


def _warn_constant(ctx: Context, constant: np.ndarray, method: str) -> None:
    """Warn when some indicator is constant over (some group of) the reference scope."""
    constant = np.asarray(constant, dtype=bool).reshape(-1, constant.shape[-1]).any(axis=0)
    if constant.any():
        warnings.warn(text("warn_constant_indicator", indicators=", ".join(_codes(ctx, constant)),
                           method=method), ConstantIndicatorWarning, stacklevel=4)


def _bounds(sample: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _nan(np.nanmin, sample), _nan(np.nanmax, sample)


def _per_period(param: np.ndarray, group_of_period: np.ndarray) -> np.ndarray:
    """Spread learned parameters (group, indicator) to (period, 1, indicator)."""
    return np.asarray(param)[group_of_period][:, None, :]


def _refuse(values: np.ndarray, bad: np.ndarray, kind: str, ctx: Context, method: str) -> None:
    """Raise one problem per indicator having a value where ``bad`` holds."""
    flagged = bad.reshape(-1, bad.shape[-1]).any(axis=0)
    if flagged.any():
        lowest = _nan(np.nanmin, values.reshape(-1, values.shape[-1]), axis=0)
        raise _error(kind, ctx, flagged, method=method, value=lowest)


def _framework_values(ctx: Context, attribute: str, kind: str, method: str) -> list:
    """Return an attribute (target, goalposts) of each indicator; error naming those without."""
    found = [getattr(ind, attribute) for ind in ctx.indicators]
    missing = np.array([v is None for v in found], dtype=bool)
    if missing.any():
        raise _error(kind, ctx, missing, method=method)
    return found


# -- learned states ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _PerPeriod(State):
    """A state learned per scope group; ``group_of_period_`` maps each period to its group."""

    group_of_period_: np.ndarray


@dataclass(frozen=True, kw_only=True)
class BoundsState(_PerPeriod):
    """Each indicator's minimum and maximum, shaped (scope group, 1, indicator)."""

    min_: np.ndarray
    max_: np.ndarray


@dataclass(frozen=True, kw_only=True)
class ZScoreState(_PerPeriod):
    """Each indicator's mean and standard deviation (0 for a constant indicator)."""

    mean_: np.ndarray
    sd_: np.ndarray


@dataclass(frozen=True, kw_only=True)
class RankState(_PerPeriod):
    """The scope sample ranks are counted against, its size and which indicators are constant."""

    sample_: np.ndarray
    n_: np.ndarray
    constant_: np.ndarray


@dataclass(frozen=True, kw_only=True)
class ReferenceState(State):
    """The reference unit's position and values per period, and the cells left undefined."""

    unit_: int
    reference_: np.ndarray
    undefined_: tuple = ()


@dataclass(frozen=True, kw_only=True)
class BaseState(State):
    """The base period, each unit's base values, units without one, and cells left undefined."""

    base_period_: Any
    base_: np.ndarray
    missing_base_: tuple = ()
    undefined_: tuple = ()


@dataclass(frozen=True, kw_only=True)
class TargetState(_PerPeriod):
    """Each indicator's target and the scope's worst value."""

    target_: np.ndarray
    worst_: np.ndarray


@dataclass(frozen=True, kw_only=True)
class GoalpostState(State):
    """Each indicator's fixed goalposts."""

    lo_: np.ndarray
    hi_: np.ndarray


@dataclass(frozen=True, kw_only=True)
class EfficacyState(_PerPeriod):
    """Each indicator's 不允许值 (``bad_``) and 满意值 (``good_``)."""

    bad_: np.ndarray
    good_: np.ndarray


@dataclass(frozen=True, kw_only=True)
class ShareState(_PerPeriod):
    """Each indicator's norm or sum, the value of an all-zero column, and its range."""

    denominator_: np.ndarray
    empty_: np.ndarray
    min_: np.ndarray
    max_: np.ndarray


# -- min-max -------------------------------------------------------------------------------------


def minmax(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, direction: np.ndarray,
           low: float = 0.0, high: float = 100.0, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Min-max normalise values with given bounds (pure kernel of :class:`MinMax`).

    .. math:: y = low + (high - low)\,\frac{x - lo}{hi - lo}
       \quad\text{or, for lower-is-better,}\quad
       y = low + (high - low)\,\frac{hi - x}{hi - lo}

    Where ``hi == lo`` (a constant indicator) the result is the middle of the
    range; missing values stay missing. Broadcasts over any leading axes.

    Parameters
    ----------
    out : ndarray, optional
        Where to write the result (float64, of the broadcast shape); may be
        ``values`` itself, which is then overwritten.
    """
    span = hi - lo
    shape = np.broadcast_shapes(np.shape(values), np.shape(lo), np.shape(span))
    if out is None:
        out = np.empty(shape, dtype=np.float64)
    direction = np.asarray(direction)
    constant = np.asarray(span == 0)
    # Cells of a constant indicator that have a value: read before ``out`` (maybe ``values``) changes.
    middle = constant & ~np.isnan(values) if constant.any() else None
    per_column = direction.ndim == 1 and len(shape) and direction.shape[0] == shape[-1]
    reverse = np.flatnonzero(direction < 0) if per_column else None
    # Row blocks (axis −2) when the bounds do not vary along it, so each block's five operations
    # run in cache: one pass over the data instead of five. The arithmetic is that of
    # low + (high − low)·(x − lo)/span, operation by operation, so the numbers are the same.
    blocked = (bool(per_column) and len(shape) >= 2 and np.shape(values) == shape
               and all(np.ndim(a) < 2 or np.shape(a)[-2] == 1 for a in (lo, span)))
    rows = shape[-2] if blocked else 1
    step = _BLOCK_ROWS if blocked else 1
    with np.errstate(invalid="ignore", divide="ignore"):
        for start in range(0, max(rows, 1), step):
            at = (..., slice(start, start + step), slice(None)) if blocked else (...,)
            share = out[at]
            np.subtract(values[at], lo, out=share)
            share /= span
            if reverse is not None:
                for j in reverse:  # only the lower-is-better columns are touched
                    np.subtract(1.0, share[..., j], out=share[..., j])
            else:
                np.copyto(share, np.where(direction < 0, 1.0 - share, share))
            if middle is not None:
                np.copyto(share, 0.5, where=middle[at] if np.ndim(middle) == len(shape) else middle)
            share *= high - low
            share += low
    return out


#: Rows of a block of the blocked kernels: 8192 rows of 40 indicators (2.6 MB) stay in cache.
_BLOCK_ROWS = 8192


@register
@dataclass(frozen=True)
class MinMax(Step):
    r"""Min-max normalisation (极差标准化) to ``[low, high]``.

    .. math:: y = low + (high - low)\,\frac{x - \min x}{\max x - \min x}
       \quad\text{or, for lower-is-better,}\quad
       y = low + (high - low)\,\frac{\max x - x}{\max x - \min x}

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

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 1.5
    (min-max); COINr ``n_minmax``.
    """

    stage = "normalise"
    key = "minmax"
    elementwise = True
    affine = True
    low: float = 0.0
    high: float = 100.0
    scope: str | None = None

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"low must be below high, got low={self.low}, high={self.high}")

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Learn each indicator's minimum and maximum over the scope."""
        sample, group_of_period = ctx.scope_of(self).split(values, ctx)
        lo, hi = _bounds(sample)
        constant = (hi == lo).any(axis=0)
        if constant.any():
            codes = [ctx.indicator_codes[i] for i in np.flatnonzero(constant)]
            warnings.warn(text("warn_constant", indicators=", ".join(codes)),
                          ConstantIndicatorWarning, stacklevel=2)
        return BoundsState(min_=lo, max_=hi, group_of_period_=group_of_period)

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Rescale with the learned bounds of each period's scope."""
        g = state.group_of_period_
        lo, hi = state.min_[g][:, None, :], state.max_[g][:, None, :]
        return minmax(values, lo, hi, ctx.directions, self.low, self.high)

    def fit_apply_owned(self, values: np.ndarray, ctx: Context) -> tuple[State, np.ndarray]:
        """As ``fit_apply``, rescaling in place (no copy of the data)."""
        state = self.fit(values, ctx)
        if type(self).apply is not MinMax.apply or values.dtype != np.float64:
            return state, self.apply(values, state, ctx)
        g = state.group_of_period_
        lo, hi = state.min_[g][:, None, :], state.max_[g][:, None, :]
        return state, minmax(values, lo, hi, ctx.directions, self.low, self.high, out=values)


# -- z-score -------------------------------------------------------------------------------------


def zscore(values: np.ndarray, mean: np.ndarray, sd: np.ndarray, direction: np.ndarray,
           target_mean: float = 0.0, target_sd: float = 1.0) -> np.ndarray:
    r"""Standardise values with a given mean and standard deviation (kernel of :class:`ZScore`).

    .. math:: y = m + s\,d\,\frac{x - \bar x}{\sigma}

    with :math:`d = \pm 1` the direction. Where ``sd == 0`` (a constant
    indicator) the result is ``target_mean``; missing values stay missing.
    Broadcasts over any leading axes.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        z = direction * (values - mean) / sd
    z = np.where((sd == 0) & ~np.isnan(values), 0.0, z)
    return target_mean + target_sd * z


@register
@dataclass(frozen=True)
class ZScore(Step):
    r"""Z-score standardisation (Z 分数标准化).

    .. math:: y = m + s\,d\,\frac{x - \bar x}{\sigma_x}

    where :math:`\bar x` and :math:`\sigma_x` are the mean and standard
    deviation of the indicator over the reference scope and :math:`d = -1`
    for lower-is-better indicators (their z-scores are negated), so higher is
    always better. Missing values stay missing and are left out of the mean
    and standard deviation. A constant indicator (or one with a single known
    value) gets ``mean`` everywhere, with a
    :class:`~zongheng.errors.ConstantIndicatorWarning`.

    Parameters
    ----------
    mean : float, default 0
        The mean of the result, :math:`m`.
    sd : float, default 1
        The standard deviation of the result, :math:`s` (e.g. ``mean: 100, sd: 10``).
    ddof : int, default 1
        Delta degrees of freedom of :math:`\sigma_x`: 1 is the sample standard
        deviation (COINr, R's ``sd``), 0 the population one.
    scope : str, optional
        Reference scope; the method's by default.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 1.5
    (standardisation or z-scores); COINr ``n_zscore``.
    """

    stage = "normalise"
    key = "zscore"
    elementwise = True
    affine = True
    mean: float = 0.0
    sd: float = 1.0
    ddof: int = 1
    scope: str | None = None

    def __post_init__(self) -> None:
        if not self.sd > 0:
            raise ValueError(f"sd must be positive, got {self.sd}")
        if self.ddof not in (0, 1):
            raise ValueError(f"ddof must be 0 or 1, got {self.ddof}")

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Learn each indicator's mean and standard deviation over the scope."""
        sample, group_of_period = ctx.scope_of(self).split(values, ctx)
        mean = _nan(np.nanmean, sample)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            sd = np.nanstd(sample, axis=-2, ddof=self.ddof)
        lo, hi = _bounds(sample)
        constant = hi == lo  # a single known value too
        sd = np.where(constant, 0.0, sd)
        _warn_constant(ctx, constant, self.key)
        return ZScoreState(mean_=mean, sd_=sd, group_of_period_=group_of_period)

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Standardise with the learned mean and standard deviation of each period's scope."""
        g = state.group_of_period_
        return zscore(values, _per_period(state.mean_, g), _per_period(state.sd_, g),
                      ctx.directions, self.mean, self.sd)


# -- ranks ---------------------------------------------------------------------------------------


def count_worse(sample: np.ndarray, values: np.ndarray, direction: np.ndarray | float = 1.0
                ) -> np.ndarray:
    r"""Count, for each value, the sample values strictly worse than it (per column).

    .. math:: c(x) = \#\{\, s \in S : d\,s < d\,x \,\}

    ``sample`` is shaped (..., n, indicator) and ``values`` (..., m, indicator);
    leading axes broadcast. Missing sample values are not counted and missing
    values give NaN. One stable sort of sample and values together per column
    (a vectorised ``np.searchsorted(sorted_sample, d * x, side="left")``), so
    ties are never counted as worse.

    Examples
    --------
    >>> count_worse(np.array([[1.0], [2.0], [2.0], [5.0]]), np.array([[2.0], [0.0], [9.0]]))[:, 0]
    array([1., 0., 4.])
    """
    d = np.asarray(direction, dtype=np.float64)
    s = np.asarray(sample, dtype=np.float64) * d
    q = np.asarray(values, dtype=np.float64) * d
    batch = np.broadcast_shapes(s.shape[:-2], q.shape[:-2])
    cols = np.broadcast_shapes(s.shape[-1:], q.shape[-1:])
    s = np.broadcast_to(s, batch + s.shape[-2:-1] + cols)
    q = np.broadcast_to(q, batch + q.shape[-2:-1] + cols)
    m = q.shape[-2]
    # Values first: the stable sort keeps them before equal sample values (NaN sorts last).
    order = np.argsort(np.concatenate([q, s], axis=-2), axis=-2, kind="stable")
    is_sample = (order >= m).astype(np.int64)
    before = np.cumsum(is_sample, axis=-2) - is_sample
    counts = np.empty(order.shape, dtype=np.float64)
    np.put_along_axis(counts, order, before, axis=-2)
    return np.where(np.isnan(q), np.nan, counts[..., :m, :])


@dataclass(frozen=True)
class _RankBased(Step):
    """Shared fit of the methods computed from ranks against the scope sample."""

    scope: str | None = None

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Keep the scope sample (ranks are counted against it) and its size."""
        sample, group_of_period = ctx.scope_of(self).split(values, ctx)
        lo, hi = _bounds(sample)
        constant = hi == lo
        _warn_constant(ctx, constant, self.key)
        return RankState(sample_=np.array(sample), n_=np.sum(~np.isnan(sample), axis=-2),
                         constant_=constant, group_of_period_=group_of_period)

    @staticmethod
    def _worse(values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Count the sample values strictly worse than each value."""
        sample, g = state.sample_, state.group_of_period_
        if sample.shape[0] == 1:  # one sample for every period: rank all periods at once
            flat = values.reshape(1, -1, values.shape[-1])
            return count_worse(sample, flat, ctx.directions).reshape(values.shape)
        return count_worse(sample[g], values, ctx.directions)


@register
@dataclass(frozen=True)
class Rank(_RankBased):
    r"""Rank normalisation (位次法): 1 for the worst … n for the best.

    .. math:: y = 1 + \#\{\, s \in S : d\,s < d\,x \,\}

    where :math:`S` is the indicator's sample over the reference scope (the
    values of every period when pooled, so ranks run to units × periods) and
    :math:`d = -1` for lower-is-better indicators, so the best gets the
    highest rank. Ties share the lowest rank (1, 1, 3 …). With ``base:<period>``
    a value of another period is ranked against the base-period sample, so it
    may reach n + 1. Missing values stay missing and are not in the sample. A
    constant indicator ranks every unit 1, with a
    :class:`~zongheng.errors.ConstantIndicatorWarning`.

    Parameters
    ----------
    scope : str, optional
        Reference scope; the method's by default.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 1.5
    (ranking); COINr ``n_rank`` with ``ties.method = "min"``.
    """

    stage = "normalise"
    key = "rank"
    elementwise = True

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Rank each value against its period's scope sample."""
        return 1.0 + self._worse(values, state, ctx)


@register
@dataclass(frozen=True)
class PercentileRank(_RankBased):
    r"""Percentile rank normalisation (百分位排名法): 0 for the worst … 100 for the best.

    .. math:: y = 100\,\min\!\left(1,\ \frac{\#\{\, s \in S : d\,s < d\,x \,\}}{n - 1}\right)

    with :math:`S` the indicator's sample of :math:`n` known values over the
    reference scope and :math:`d = -1` for lower-is-better indicators: the
    rank of :class:`Rank` minus one, over :math:`n - 1`. Ties share the lowest
    percentile, so tied best values may stay below 100. The cap at 100 matters
    only for values outside the sample (``base:<period>`` scope). Missing values
    stay missing. A constant indicator (or a single known value) gets 50
    everywhere, with a :class:`~zongheng.errors.ConstantIndicatorWarning`.

    Parameters
    ----------
    scope : str, optional
        Reference scope; the method's by default.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 1.5
    (ranking, percentiles); COINr ``n_prank`` (``(rank - 1) / (n - 1)``).
    """

    stage = "normalise"
    key = "percentile"
    elementwise = True

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Percentile of each value within its period's scope sample."""
        g = state.group_of_period_
        worse = self._worse(values, state, ctx)
        n = _per_period(state.n_, g).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = np.minimum(100.0 * worse / (n - 1.0), 100.0)
        flat = _per_period(state.constant_, g) | (n <= 1)
        return np.where(flat & ~np.isnan(values), 50.0, pct)


@register
@dataclass(frozen=True)
class BordaScore(_RankBased):
    r"""Borda score (波达计数): the number of units strictly worse in the scope sample.

    .. math:: y = \#\{\, s \in S : d\,s < d\,x \,\}

    with :math:`S` the indicator's sample over the reference scope and
    :math:`d = -1` for lower-is-better indicators: 0 for the worst, up to
    n − 1 for the best; the rank of :class:`Rank` minus one. Ties get the same
    score. Missing values stay missing and are not counted. A constant
    indicator gives 0 everywhere, with a
    :class:`~zongheng.errors.ConstantIndicatorWarning`.

    Parameters
    ----------
    scope : str, optional
        Reference scope; the method's by default.

    References
    ----------
    J.-C. de Borda (1781), *Mémoire sur les élections au scrutin*; OECD/JRC
    (2008), *Handbook on Constructing Composite Indicators*, section 1.6
    (Borda); COINr ``n_borda``.
    """

    stage = "normalise"
    key = "borda"
    elementwise = True

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Count the sample values worse than each value."""
        return self._worse(values, state, ctx)


# -- ratios to a reference -----------------------------------------------------------------------


def ratio_to_max(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, direction: np.ndarray,
                 scale: float = 100.0) -> np.ndarray:
    r"""Ratio to the best value (kernel of :class:`RatioToMax`), for positive values.

    .. math:: y = s\,\frac{x}{hi} \quad\text{or, for lower-is-better,}\quad y = s\,\frac{lo}{x}

    Missing values stay missing. Broadcasts over any leading axes.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return scale * np.where(direction < 0, lo / values, values / hi)


@register
@dataclass(frozen=True)
class RatioToMax(Step):
    r"""Ratio to the maximum (最大值比值法): the best value scores 100.

    .. math:: y = s\,\frac{x}{\max x}
       \quad\text{or, for lower-is-better,}\quad
       y = s\,\frac{\min x}{x}

    with the maximum and minimum over the reference scope and :math:`s` the
    scale. Only meaningful for ratio-scale data: any value ≤ 0 is refused with
    a :class:`~zongheng.errors.MethodError` naming the indicator. Missing
    values stay missing. A constant indicator gives ``scale`` everywhere, with
    a :class:`~zongheng.errors.ConstantIndicatorWarning`.

    Parameters
    ----------
    scale : float, default 100
        The score of the best value.
    scope : str, optional
        Reference scope; the method's by default.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 1.5
    (distance to a reference: the group leader); COINr ``n_fracmax``.
    """

    stage = "normalise"
    key = "ratio_to_max"
    elementwise = True
    scale: float = 100.0
    scope: str | None = None

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Check that values are positive; learn the minimum and maximum over the scope."""
        _refuse(values, values <= 0, "normalise_not_positive", ctx, self.key)
        sample, group_of_period = ctx.scope_of(self).split(values, ctx)
        lo, hi = _bounds(sample)
        _warn_constant(ctx, hi == lo, self.key)
        return BoundsState(min_=lo, max_=hi, group_of_period_=group_of_period)

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Divide by the learned best value of each period's scope."""
        g = state.group_of_period_
        return ratio_to_max(values, _per_period(state.min_, g), _per_period(state.max_, g),
                            ctx.directions, self.scale)


def ratio_to_reference(values: np.ndarray, reference: np.ndarray, direction: np.ndarray,
                       scale: float = 100.0) -> np.ndarray:
    r"""Ratio to a reference value (kernel of :class:`ReferenceUnit` and :class:`IndexToBase`).

    .. math:: y = s\,\frac{x}{x_{ref}} \quad\text{or, for lower-is-better,}\quad
       y = s\,\frac{x_{ref}}{x}

    The result is NaN where the reference is missing or not positive and, for
    lower-is-better indicators, where the value is not positive (the ratio
    would be undefined or reversed). Missing values stay missing. Broadcasts
    over any leading axes.
    """
    values = np.asarray(values, dtype=np.float64)
    lower = np.asarray(direction) < 0
    with np.errstate(invalid="ignore", divide="ignore"):
        out = scale * np.where(lower, reference / values, values / reference)
    undefined = ~(reference > 0) | (lower & ~(values > 0))
    return np.where(undefined, np.nan, out)


def _reference_position(unit: str, ctx: Context) -> int:
    """Return the reference unit's position; an unknown or screened-out one is a MethodError."""
    units = ctx.panel.units
    position = next((i for i, u in enumerate(units) if str(u) == str(unit)), None)
    if position is None:
        found = ", ".join(map(str, units[:10])) + (" …" if len(units) > 10 else "")
        raise MethodError([Problem("normalise_unknown_unit", {"unit": unit, "found": found},
                                   key="normalise.unit")])
    if ctx.included is not None and not ctx.included[:, position].all():
        # Screened out, its values are blank here: every score would be missing.
        raise MethodError([Problem("normalise_reference_screened", {"unit": unit},
                                   key="normalise.unit")])
    return position


def _undefined_cells(values: np.ndarray, out: np.ndarray, ctx: Context, method: str) -> list:
    """List the known values a ratio made missing, (period, unit, indicator), with a warning."""
    lost = ~np.isnan(values) & np.isnan(out)
    cells = [(ctx.panel.periods[p], ctx.panel.units[u], ctx.indicator_codes[i])
             for p, u, i in zip(*np.nonzero(lost), strict=True)]
    if cells:
        shown = ", ".join(f"{u}/{p}/{i}" for p, u, i in cells[:5]) + (" …" if len(cells) > 5 else "")
        warnings.warn(text("warn_ratio_undefined", method=method, n=len(cells), cells=shown),
                      ZonghengWarning, stacklevel=3)
    return cells


@register
@dataclass(frozen=True)
class ReferenceUnit(Step):
    r"""Distance to a reference unit (参照单位比值法): the reference unit scores 100.

    .. math:: y_{pu} = s\,\frac{x_{pu}}{x_{p,ref}}
       \quad\text{or, for lower-is-better,}\quad
       y_{pu} = s\,\frac{x_{p,ref}}{x_{pu}}

    with :math:`x_{p,ref}` the reference unit's value in the same period (e.g.
    the provincial capital, a benchmark county or the national average entered
    as a unit). Where the reference value is missing or not positive, that
    period's indicator is missing for every unit; for lower-is-better
    indicators a value ≤ 0 gives a missing result too. Such cells are listed
    in the state (``undefined_``) with a warning. Missing values stay missing.
    A constant indicator gives ``scale`` everywhere (no warning: the result
    does not depend on the spread).

    Parameters
    ----------
    unit : str
        The reference unit (required).
    scale : float, default 100
        The score of the reference unit.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 1.5,
    Table 3 ("distance to a reference": :math:`x / x_{ref}`). COINr's
    ``n_dist2ref`` is a different formula, :math:`(x - \min x)/(x_{ref} - \min x)`:
    that is :class:`DistanceToReference` (``distance_to_reference``).
    """

    stage = "normalise"
    key = "reference_unit"
    elementwise = True
    unit: str
    scale: float = 100.0

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Find the reference unit and keep its values in every period."""
        position = _reference_position(self.unit, ctx)
        reference = np.array(values[:, position, :])
        out = ratio_to_reference(values, reference[:, None, :], ctx.directions, self.scale)
        return ReferenceState(unit_=position, reference_=reference,
                              undefined_=_undefined_cells(values, out, ctx, self.key))

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Divide by the reference unit's value of the same period."""
        return ratio_to_reference(values, state.reference_[:, None, :], ctx.directions,
                                  self.scale)


@dataclass(frozen=True, kw_only=True)
class DistanceState(_PerPeriod):
    """The reference unit's position and values per period, the scope's range, cells undefined."""

    unit_: int
    reference_: np.ndarray
    min_: np.ndarray
    max_: np.ndarray
    undefined_: tuple = ()


def distance_to_reference(values: np.ndarray, reference: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                          direction: np.ndarray, scale: float = 100.0, cap: bool = False) -> np.ndarray:
    r"""Distance from the worst value towards a reference (kernel of :class:`DistanceToReference`).

    .. math:: y = s\,\frac{x - \min}{x_{ref} - \min}
       \quad\text{or, for lower-is-better,}\quad
       y = s\,\frac{\max - x}{\max - x_{ref}}

    NaN where the reference is missing or is itself the worst value (nothing
    to measure against); with ``cap`` a value beyond the reference scores
    ``s``. Missing values stay missing. Broadcasts over any leading axes.
    """
    lower = np.asarray(direction) < 0
    with np.errstate(invalid="ignore", divide="ignore"):
        span = np.where(lower, hi - reference, reference - lo)
        share = np.where(lower, hi - values, values - lo) / span
    share = np.where(span > 0, share, np.nan)
    if cap:
        share = np.minimum(share, 1.0)
    return scale * share


@register
@dataclass(frozen=True)
class DistanceToReference(Step):
    r"""Distance to a reference unit from the worst value (参照单位距离法, COINr ``n_dist2ref``).

    .. math:: y_{pu} = s\,\frac{x_{pu} - \min x}{x_{p,ref} - \min x}
       \quad\text{or, for lower-is-better,}\quad
       y_{pu} = s\,\frac{\max x - x_{pu}}{\max x - x_{p,ref}}

    The worst value over the reference scope scores 0 and the reference unit
    ``s`` (a unit better than the reference scores above ``s`` unless
    ``cap``). Unlike :class:`ReferenceUnit` (a plain ratio
    :math:`x/x_{ref}`) it needs no positive values and is affine in *x*.
    Where the reference value is missing or is the worst value itself, that
    period's indicator is missing for every unit, listed in ``undefined_``
    with a warning. Missing values stay missing.

    Parameters
    ----------
    unit : str
        The reference unit (required).
    scale : float, default 100
        The score of the reference unit (COINr's is 1).
    cap : bool, default False
        Cap scores at ``scale`` (COINr's ``cap_max``).
    scope : str, optional
        Reference scope of the minimum and maximum; the method's by default.

    References
    ----------
    Becker W. et al., COINr (R package), ``n_dist2ref(x, iref, cap_max)``;
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 1.5.
    """

    stage = "normalise"
    key = "distance_to_reference"
    elementwise = True
    unit: str
    scale: float = 100.0
    cap: bool = False
    scope: str | None = None

    @property
    def affine(self) -> bool:  # type: ignore[override]
        """Affine in a value unless scores are capped."""
        return not self.cap

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Find the reference unit, keep its values and learn the range over the scope."""
        position = _reference_position(self.unit, ctx)
        reference = np.array(values[:, position, :])
        sample, group_of_period = ctx.scope_of(self).split(values, ctx)
        lo, hi = _bounds(sample)
        out = distance_to_reference(values, reference[:, None, :], _per_period(lo, group_of_period),
                                    _per_period(hi, group_of_period), ctx.directions, self.scale)
        return DistanceState(unit_=position, reference_=reference, min_=lo, max_=hi,
                             group_of_period_=group_of_period,
                             undefined_=_undefined_cells(values, out, ctx, self.key))

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Measure each value from the scope's worst towards the reference of its period."""
        g = state.group_of_period_
        return distance_to_reference(values, state.reference_[:, None, :], _per_period(state.min_, g),
                                     _per_period(state.max_, g), ctx.directions, self.scale, self.cap)


@register
@dataclass(frozen=True)
class IndexToBase(Step):
    r"""Index to a base period (定基指数): each unit's base-period value scores 100.

    .. math:: y_{pu} = s\,\frac{x_{pu}}{x_{bu}}
       \quad\text{or, for lower-is-better,}\quad
       y_{pu} = s\,\frac{x_{bu}}{x_{pu}}

    with :math:`x_{bu}` the same unit's value in the base period :math:`b`
    (纵向比进步: a unit compared with its own past). Where the base value is
    missing or not positive (zero, say), the unit's indicator is missing in
    every period; for lower-is-better indicators a value ≤ 0 gives a missing
    result too. Such cells are listed in the state (``undefined_``, and the
    base cells in ``missing_base_`` as (unit, indicator)) with a warning.
    Missing values stay missing. A constant indicator gives ``scale``
    everywhere (no warning: the result does not depend on the spread).

    Parameters
    ----------
    base_period : str or int, optional
        The base period; the first period by default.
    scale : float, default 100
        The score of the base period.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 1.5
    (distance to a reference: the indicator's value at a reference time).
    """

    stage = "normalise"
    key = "index_to_base"
    elementwise = True
    base_period: Hashable | None = None
    scale: float = 100.0

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Keep each unit's base-period values."""
        b = 0 if self.base_period is None else ctx.period_index(self.base_period)
        base = np.array(values[b])
        out = ratio_to_reference(values, base[None], ctx.directions, self.scale)
        known = ~np.isnan(values).all(axis=0)
        missing = [(ctx.panel.units[u], ctx.indicator_codes[i])
                   for u, i in zip(*np.nonzero(known & ~(base > 0)), strict=True)]
        return BaseState(base_period_=ctx.panel.periods[b], base_=base, missing_base_=missing,
                         undefined_=_undefined_cells(values, out, ctx, self.key))

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Divide by each unit's own base-period value."""
        return ratio_to_reference(values, state.base_[None], ctx.directions, self.scale)


# -- targets and goalposts -----------------------------------------------------------------------


def distance_to_target(values: np.ndarray, worst: np.ndarray, target: np.ndarray,
                       cap: bool = True, scale: float = 100.0) -> np.ndarray:
    r"""Progress from the worst value to the target (kernel of :class:`Target`).

    .. math:: y = s\,\min\!\left(1,\ \frac{x - worst}{target - worst}\right)

    which is :math:`(x - \min)/(target - \min)` for higher-is-better and
    :math:`(\max - x)/(\max - target)` for lower-is-better indicators (pass
    the minimum or the maximum as ``worst``). Without ``cap`` values beyond the
    target exceed ``scale``. Missing values stay missing. Broadcasts over any
    leading axes.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (values - worst) / (target - worst)
    return scale * (np.minimum(share, 1.0) if cap else share)


@register
@dataclass(frozen=True)
class Target(Step):
    r"""Distance to target (目标值法): 100 once the target is reached.

    .. math:: y = s\,\min\!\left(1,\ \frac{x - \min x}{T - \min x}\right)
       \quad\text{or, for lower-is-better,}\quad
       y = s\,\min\!\left(1,\ \frac{\max x - x}{\max x - T}\right)

    with :math:`T` the indicator's target (目标值) from the framework and the
    minimum and maximum over the reference scope: the worst value scores 0,
    the target ``scale``. Indicators without a target are refused with a
    :class:`~zongheng.errors.MethodError` listing them; so is a target that
    is not better than the worst value of the scope (the distance would be
    undefined). Missing values stay missing. A constant indicator scores 0
    everywhere (no progress from the worst value), with a
    :class:`~zongheng.errors.ConstantIndicatorWarning`. With ``base:<period>``
    values of other periods may fall below 0.

    Parameters
    ----------
    cap : bool, default True
        Cap the score at ``scale`` for values beyond the target.
    scale : float, default 100
        The score of the target.
    scope : str, optional
        Reference scope of the worst value; the method's by default.

    References
    ----------
    COINr ``n_dist2targ`` (with ``cap_max``); OECD/JRC (2008), *Handbook on
    Constructing Composite Indicators*, section 1.5 (distance to a target).
    """

    stage = "normalise"
    key = "target"
    elementwise = True
    cap: bool = True
    scale: float = 100.0
    scope: str | None = None

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Read the targets and learn the worst value of each indicator over the scope."""
        target = np.array(_framework_values(ctx, "target", "normalise_no_target", self.key),
                          dtype=np.float64)
        sample, group_of_period = ctx.scope_of(self).split(values, ctx)
        lo, hi = _bounds(sample)
        d = ctx.directions
        worst = np.where(d < 0, hi, lo)
        reached = (d * (target - worst) <= 0).any(axis=0)
        if reached.any():
            worst_seen = np.where(d < 0, _nan(np.nanmin, worst, axis=0), _nan(np.nanmax, worst, axis=0))
            raise _error("normalise_target_reached", ctx, reached, target=target, worst=worst_seen)
        _warn_constant(ctx, hi == lo, self.key)
        return TargetState(target_=target, worst_=worst, group_of_period_=group_of_period)

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Measure each value's progress from the scope's worst value to the target."""
        g = state.group_of_period_
        return distance_to_target(values, _per_period(state.worst_, g), state.target_,
                                  self.cap, self.scale)


def goalposts(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, direction: np.ndarray,
              clip: bool = True, scale: float = 100.0) -> np.ndarray:
    r"""Rescale between fixed goalposts (kernel of :class:`Goalposts`).

    .. math:: y = s\,\operatorname{clip}_{[0,1]}\!\left(\frac{x - lo}{hi - lo}\right)
       \quad\text{or, for lower-is-better,}\quad
       y = s\,\operatorname{clip}_{[0,1]}\!\left(\frac{hi - x}{hi - lo}\right)

    Missing values stay missing. Broadcasts over any leading axes.
    """
    share = (values - lo) / (hi - lo)
    share = np.where(direction < 0, 1.0 - share, share)
    return scale * (np.clip(share, 0.0, 1.0) if clip else share)


@register
@dataclass(frozen=True)
class Goalposts(Step):
    r"""Fixed goalposts (固定阈值法), clipped to ``[0, scale]``.

    .. math:: y = s\,\operatorname{clip}_{[0,1]}\!\left(\frac{x - lo}{hi - lo}\right)
       \quad\text{or, for lower-is-better,}\quad
       y = s\,\operatorname{clip}_{[0,1]}\!\left(\frac{hi - x}{hi - lo}\right)

    with :math:`(lo, hi)` the indicator's goalposts from the framework (the
    Human Development Index way). Nothing is learned from the data, so scores
    compare across periods and panels. Indicators without goalposts are
    refused with a :class:`~zongheng.errors.MethodError` listing them. Missing
    values stay missing. A constant indicator gets its fixed score (no
    warning: the goalposts do not depend on the data).

    Parameters
    ----------
    clip : bool, default True
        Clip values beyond the goalposts to them (0 and ``scale``).
    scale : float, default 100
        The score at the better goalpost.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 1.5;
    UNDP Human Development Report technical notes (HDI goalposts); COINr
    ``n_goalposts`` (``trunc2posts``).
    """

    stage = "normalise"
    key = "goalposts"
    elementwise = True
    clip: bool = True
    scale: float = 100.0

    @property
    def affine(self) -> bool:  # type: ignore[override]
        """Affine between the goalposts only when values are not clipped."""
        return not self.clip

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Read the goalposts of each indicator from the framework."""
        posts = _framework_values(ctx, "goalposts", "normalise_no_goalposts", self.key)
        lo, hi = np.array(posts, dtype=np.float64).reshape(-1, 2).T
        return GoalpostState(lo_=lo, hi_=hi)

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Rescale between the goalposts."""
        return goalposts(values, state.lo_, state.hi_, ctx.directions, self.clip, self.scale)


# -- efficacy coefficient ------------------------------------------------------------------------


def efficacy(values: np.ndarray, bad: np.ndarray, good: np.ndarray, base: float = 60.0,
             span: float = 40.0, clip: bool = False) -> np.ndarray:
    r"""Efficacy coefficient score (功效系数, kernel of :class:`Efficacy`).

    .. math:: y = base + span\,\frac{x - x_{bad}}{x_{good} - x_{bad}}

    ``bad`` is the 不允许值 and ``good`` the 满意值; for a lower-is-better
    indicator pass the higher bound as ``bad``. Where ``good == bad`` the
    score is ``base + span / 2``. With ``clip`` the share is clipped to
    ``[0, 1]``. Missing values stay missing. Broadcasts over any leading axes.
    """
    width = good - bad
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (values - bad) / width
    share = np.where((width == 0) & ~np.isnan(values), 0.5, share)
    if clip:
        share = np.clip(share, 0.0, 1.0)
    return base + span * share


@register
@dataclass(frozen=True)
class Efficacy(Step):
    r"""Efficacy coefficient method (功效系数法): 60 at the 不允许值, 100 at the 满意值.

    .. math:: y = base + span\,\frac{x - x^{(s)}}{x^{(h)} - x^{(s)}}

    with :math:`x^{(s)}` the 不允许值 (the unacceptable value) and
    :math:`x^{(h)}` the 满意值 (the satisfactory value). With ``bounds: data``
    they are the indicator's minimum and maximum over the reference scope;
    with ``bounds: goalposts`` they come from the framework's goalposts
    ``(lo, hi)``: :math:`x^{(s)} = lo`, :math:`x^{(h)} = hi`. For
    lower-is-better indicators the roles swap (:math:`x^{(s)}` = the maximum
    or ``hi``), so higher is always better. Missing values stay missing. With
    ``bounds: data`` a constant indicator gets ``base + span / 2`` with a
    :class:`~zongheng.errors.ConstantIndicatorWarning`; with
    ``bounds: goalposts`` indicators without goalposts are refused with a
    :class:`~zongheng.errors.MethodError` listing them.

    Parameters
    ----------
    base : float, default 60
        The score of the 不允许值.
    span : float, default 40
        The points between the 不允许值 and the 满意值 (positive).
    bounds : {"data", "goalposts"}, default "data"
        Where the 不允许值 and 满意值 come from.
    clip : bool, default False
        Keep scores within ``[base, base + span]`` for values beyond the bounds.
    scope : str, optional
        Reference scope of ``bounds: data``; the method's by default.

    References
    ----------
    邱东 (1991),《多指标综合评价方法的系统分析》, 中国统计出版社 (功效系数法);
    苏为华 (2000),《多指标综合评价理论与方法问题研究》, 中国物价出版社.
    """

    stage = "normalise"
    key = "efficacy"
    elementwise = True
    base: float = 60.0
    span: float = 40.0
    bounds: str = "data"
    clip: bool = False
    scope: str | None = None

    @property
    def affine(self) -> bool:  # type: ignore[override]
        """Affine (60 + 40·share) unless the share is clipped."""
        return not self.clip

    def __post_init__(self) -> None:
        if self.bounds not in ("data", "goalposts"):
            raise ValueError(f"bounds must be 'data' or 'goalposts', got {self.bounds!r}")
        if not self.span > 0:
            raise ValueError(f"span must be positive, got {self.span}")

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Learn or read each indicator's 不允许值 and 满意值."""
        d = ctx.directions
        if self.bounds == "goalposts":
            posts = _framework_values(ctx, "goalposts", "normalise_no_goalposts", self.key)
            lo, hi = np.array(posts, dtype=np.float64).reshape(-1, 2).T[:, None, :]
            group_of_period = np.zeros(values.shape[-3], dtype=int)
        else:
            sample, group_of_period = ctx.scope_of(self).split(values, ctx)
            lo, hi = _bounds(sample)
            _warn_constant(ctx, hi == lo, self.key)
        return EfficacyState(bad_=np.where(d < 0, hi, lo), good_=np.where(d < 0, lo, hi),
                             group_of_period_=group_of_period)

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Score each value between its 不允许值 and 满意值."""
        g = state.group_of_period_
        return efficacy(values, _per_period(state.bad_, g), _per_period(state.good_, g),
                        self.base, self.span, self.clip)


# -- vector and sum (TOPSIS, entropy) ------------------------------------------------------------


def mirror(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    r"""Mirror values within a range: :math:`y \mapsto hi + lo - y` (order reversed, range kept).

    Examples
    --------
    >>> mirror(np.array([0.2, 0.5, 0.3]), 0.2, 0.5)
    array([0.5, 0.2, 0.4])
    """
    return hi + lo - values


def _scale_and_mirror(values: np.ndarray, denominator: np.ndarray, lo: np.ndarray,
                      hi: np.ndarray, direction: np.ndarray, empty: np.ndarray) -> np.ndarray:
    """Divide by the denominator (``empty`` where it is 0); mirror lower-is-better columns."""
    with np.errstate(invalid="ignore", divide="ignore"):
        y = values / denominator
        lo_y, hi_y = lo / denominator, hi / denominator
    zero = np.asarray(denominator == 0)
    if zero.any():  # full-size passes only when some column's norm or sum is 0
        y = np.where(zero & ~np.isnan(values), empty, y)
        lo_y, hi_y = np.where(zero, empty, lo_y), np.where(zero, empty, hi_y)
    lower = np.flatnonzero(np.broadcast_to(np.asarray(direction) < 0, (y.shape[-1],)))
    if len(lower):  # mirror the lower-is-better columns only, in place in the fresh result
        lo_y, hi_y = np.broadcast_to(lo_y, y.shape), np.broadcast_to(hi_y, y.shape)
        y[..., lower] = mirror(y[..., lower], lo_y[..., lower], hi_y[..., lower])
    return y


def vector_normalise(values: np.ndarray, direction: np.ndarray | float = 1.0) -> np.ndarray:
    r"""Vector normalisation over units (axis −2), as in TOPSIS (kernel of :class:`VectorNormalise`).

    .. math:: r_{ui} = \frac{x_{ui}}{\sqrt{\sum_v x_{vi}^2}}

    mirrored within the column's observed range for lower-is-better
    indicators. Missing values stay missing and are left out of the norm; a
    column of zeros stays 0. Broadcasts over any leading axes.

    Examples
    --------
    >>> vector_normalise(np.array([[3.0], [4.0]]))[:, 0]
    array([0.6, 0.8])
    """
    values = np.asarray(values, dtype=np.float64)
    norm = np.sqrt(np.nansum(values * values, axis=-2, keepdims=True))
    lo, hi = (_nan(f, values)[..., None, :] for f in (np.nanmin, np.nanmax))
    return _scale_and_mirror(values, norm, lo, hi, direction, np.zeros_like(norm))


def sum_normalise(values: np.ndarray, direction: np.ndarray | float = 1.0) -> np.ndarray:
    r"""Sum normalisation over units (axis −2), as in the entropy method (kernel of :class:`SumNormalise`).

    .. math:: p_{ui} = \frac{x_{ui}}{\sum_v x_{vi}}

    mirrored within the column's observed range for lower-is-better
    indicators. Values must be non-negative. Missing values stay missing and
    are left out of the sum; a column of zeros gives :math:`1/n`. Broadcasts
    over any leading axes.

    Examples
    --------
    >>> sum_normalise(np.array([[1.0], [3.0]]))[:, 0]
    array([0.25, 0.75])
    """
    values = np.asarray(values, dtype=np.float64)
    total = np.nansum(values, axis=-2, keepdims=True)
    n = np.sum(~np.isnan(values), axis=-2, keepdims=True)
    lo, hi = (_nan(f, values)[..., None, :] for f in (np.nanmin, np.nanmax))
    with np.errstate(divide="ignore"):
        empty = 1.0 / n
    return _scale_and_mirror(values, total, lo, hi, direction, empty)


@dataclass(frozen=True)
class _ShareBased(Step):
    """Shared fit and apply of vector and sum normalisation."""

    scope: str | None = "per_period"

    def _denominator(self, sample: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Learn each indicator's norm (or sum) and range over the scope."""
        sample, group_of_period = ctx.scope_of(self).split(values, ctx)
        denominator, empty = self._denominator(sample)
        lo, hi = _bounds(sample)
        _warn_constant(ctx, hi == lo, self.key)
        return ShareState(denominator_=denominator, empty_=empty, min_=lo, max_=hi,
                          group_of_period_=group_of_period)

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Divide by the learned norm (or sum); mirror lower-is-better indicators."""
        g = state.group_of_period_
        return _scale_and_mirror(values, *(_per_period(a, g) for a in
                                           (state.denominator_, state.min_, state.max_)),
                                 ctx.directions, _per_period(state.empty_, g))


@register
@dataclass(frozen=True)
class VectorNormalise(_ShareBased):
    r"""Vector normalisation (向量规范化), as TOPSIS uses it.

    .. math:: r_{pui} = \frac{x_{pui}}{\sqrt{\sum_{v} x_{pvi}^2}}

    over the units of each period (the default scope is ``per_period``, as
    each period is one decision matrix; set ``scope: pooled`` to divide by
    the norm over every period). For lower-is-better indicators the
    normalised column is mirrored within its observed range,
    :math:`r \mapsto \max r + \min r - r`, so higher is always better; the
    range is kept, so TOPSIS and VIKOR distances to the ideal and anti-ideal
    solutions are identical to treating the indicator as a cost criterion on
    :math:`r`. Missing values stay missing and are left out of the norm. A
    constant indicator gives :math:`\pm 1/\sqrt{n}` everywhere (0 for a
    column of zeros), with a :class:`~zongheng.errors.ConstantIndicatorWarning`.

    Parameters
    ----------
    scope : str, default "per_period"
        Reference scope of the norm and of the mirroring range.

    References
    ----------
    C.-L. Hwang and K. Yoon (1981), *Multiple Attribute Decision Making:
    Methods and Applications*, Springer (TOPSIS, vector normalisation).
    """

    stage = "normalise"
    key = "vector"
    elementwise = True
    affine = True

    def _denominator(self, sample: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if np.isnan(sample).any():
            norm = np.sqrt(np.nansum(sample * sample, axis=-2))
        else:  # no temporary of the sample's size
            norm = np.sqrt(np.einsum("...ij,...ij->...j", sample, sample))
        return norm, np.zeros_like(norm)


@register
@dataclass(frozen=True)
class SumNormalise(_ShareBased):
    r"""Sum normalisation (比重法 / 总和标准化), as the entropy method uses it.

    .. math:: p_{pui} = \frac{x_{pui}}{\sum_{v} x_{pvi}}

    over the units of each period (the default scope is ``per_period``; set
    ``scope: pooled`` to divide by the sum over every period). Values must be
    non-negative: a negative value is refused with a
    :class:`~zongheng.errors.MethodError` naming the indicator. For
    lower-is-better indicators the normalised column is mirrored within its
    observed range, :math:`p \mapsto \max p + \min p - p`, so higher is always
    better while TOPSIS and VIKOR distances stay those of a cost criterion.
    Missing values stay missing and are left out of the sum. A constant
    indicator (a column of zeros too) gives :math:`1/n` everywhere, with a
    :class:`~zongheng.errors.ConstantIndicatorWarning`.

    Parameters
    ----------
    scope : str, default "per_period"
        Reference scope of the sum and of the mirroring range.

    References
    ----------
    C.-L. Hwang and K. Yoon (1981), *Multiple Attribute Decision Making:
    Methods and Applications*, Springer (linear sum normalisation, entropy method).
    """

    stage = "normalise"
    key = "sum"
    elementwise = True
    affine = True

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Check that values are non-negative, then learn sums and ranges over the scope."""
        _refuse(values, values < 0, "normalise_negative", ctx, self.key)
        return super().fit(values, ctx)

    def _denominator(self, sample: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = np.sum(~np.isnan(sample), axis=-2)
        with np.errstate(divide="ignore"):
            return np.nansum(sample, axis=-2), 1.0 / n


# -- per-indicator overrides ---------------------------------------------------------------------


@register
@dataclass(frozen=True)
class NormaliseByIndicator(Overrides):
    """A default normalisation with per-indicator overrides (按指标设置标准化方法)."""

    stage = "normalise"
    fallback = "minmax"

