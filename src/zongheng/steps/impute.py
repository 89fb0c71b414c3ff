"""Impute (插补): fill missing values, or refuse to.

Across units in a period (mean, median, group mean/median), within a unit over
periods (interpolation, carry forward/backward), or from the sibling indicators'
normalised values (sibling mean). Cells that a method has nothing to fill from
stay NaN: later steps ignore them, and aggregation leaves them out.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from zongheng.errors import MethodError, Problem
from zongheng.i18n import register_messages
from zongheng.steps.base import NO_STATE, Context, State, Step, register
from zongheng.steps.rank import group_codes

__all__ = ["CarryBackward", "CarryForward", "CrossSectionMean", "CrossSectionMedian", "FillState",
           "GroupMean", "GroupMedian", "Imputer", "Interpolate", "NoImpute", "SiblingFillState",
           "SiblingMean", "SiblingState"]

register_messages({
    "impute_zero_denominator": (
        "指标 {indicator} 在 {period} 有 {n} 个值因分母为 0 或缺失而无法计算（如 {units}）："
        "请检查分母列，或在方法中加入 impute",
        "indicator {indicator} has {n} value(s) in {period} that cannot be divided because the "
        "denominator is 0 or missing (e.g. {units}): check the denominator column, or add impute",
    ),
    "impute_more_missing": (
        "…另有 {n} 项指标有缺失值（{indicators}）",
        "… {n} more indicator(s) have missing values ({indicators})",
    ),
    "impute_group_unlabelled": (
        "{n} 个单位（如 {units}）在分组列 {group} 中没有取值，却有缺失值：无法用组统计量插补",
        "{n} unit(s) (e.g. {units}) have missing values but no label in the group column "
        "{group}: the group statistic cannot impute them",
    ),
})


_SHOWN_PROBLEMS = 10  # missing-value problems listed one by one before the rest are counted


@dataclass(frozen=True)
class Imputer(Step):
    """Base of the imputations: known values are kept, missing ones filled from the state.

    With the state held fixed a known cell passes through unchanged, so every
    imputation is ``elementwise`` and ``affine`` in the sense of the step
    contract (a change to a known value is not re-imputed).
    """

    stage = "impute"
    elementwise = True
    affine = True


@dataclass(frozen=True, kw_only=True)
class FillState(State):
    """The value filled into each missing cell (``fill_``, NaN where nothing is filled)."""

    fill_: np.ndarray
    unfilled_: np.ndarray | None = None


@dataclass(frozen=True, kw_only=True)
class GroupFillState(State):
    """A statistic per group (``stats_``: period, group, indicator) and each unit's group (``codes_``).

    Held per group rather than per cell: at 10⁶ units a full (period, unit,
    indicator) array of fills would cost as much memory as the data.
    """

    stats_: np.ndarray
    codes_: np.ndarray

    @property
    def fill_(self) -> np.ndarray:
        """Return the value filled into each cell (period, unit, indicator; NaN: no group)."""
        padded = np.concatenate([self.stats_, np.full(self.stats_[:, :1].shape, np.nan)], axis=1)
        return padded[:, self.codes_, :]  # code −1 picks the NaN column

    def fill(self, values: np.ndarray) -> np.ndarray:
        """Return ``values`` with each missing cell filled from its group (leading axes broadcast)."""
        return self.fill_in_place(np.array(values, dtype=np.float64, copy=True))

    def fill_in_place(self, out: np.ndarray) -> np.ndarray:
        """Fill the missing cells of ``out`` (float64, writeable) from their group, in place; return it."""
        if out.flags.c_contiguous and out.ndim >= 3:
            return self._fill_flat(out)
        where = np.nonzero(np.isnan(out))  # the few missing cells only, not the whole array
        p, u, i = where[-3:]
        codes = self.codes_[u]
        known = codes >= 0
        fill = np.full(len(u), np.nan)
        fill[known] = self.stats_[p[known], codes[known], i[known]]
        out[where] = fill
        return out

    def _fill_flat(self, out: np.ndarray) -> np.ndarray:
        """:meth:`fill_in_place` on a C-contiguous array through one flat index of its missing cells.

        One index array instead of one per axis (and no tuple indexing); the mask is made in
        blocks of a reused buffer, not as a boolean copy of the data. Each cell gets the
        same value as in the per-axis form: its group's statistic, or NaN without a group.
        """
        flat = out.reshape(-1)
        n_periods, n_units, n_ind = out.shape[-3:]
        n_groups = self.stats_.shape[1]
        mask = np.empty(min(flat.size, _FLAT_BLOCK), dtype=bool)
        parts = []
        for start in range(0, flat.size, _FLAT_BLOCK):
            block = flat[start:start + _FLAT_BLOCK]
            np.isnan(block, out=mask[:block.size])
            found = np.flatnonzero(mask[:block.size])
            if found.size:
                parts.append(found + start)
        if not parts:
            return out
        cell = np.concatenate(parts)
        rest, i = np.divmod(cell, n_ind)
        rest, u = np.divmod(rest, n_units)
        p = rest % n_periods  # leading batch axes share the periods' statistics
        codes = self.codes_[u]
        known = codes >= 0
        fill = np.full(cell.size, np.nan)
        fill[known] = self.stats_.reshape(-1)[(p[known] * n_groups + codes[known]) * n_ind + i[known]]
        flat[cell] = fill
        return out


#: Cells per block of the flat missing-cell search (1 MB of mask: in cache).
_FLAT_BLOCK = 2**20


@register
@dataclass(frozen=True)
class NoImpute(Imputer):
    """No imputation (不插补): a missing value is an error naming the cells."""

    key = "none"

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Check that nothing is missing among the included units."""
        missing = np.isnan(values)
        if ctx.included is not None:
            missing &= ctx.included[..., None]
        # A value the data has but that is NaN here was lost dividing by a zero or missing
        # denominator: say so, rather than call it missing.
        raw = ctx.panel.values if ctx.columns is None else ctx.panel.values[..., ctx.columns]
        lost = missing & ~np.isnan(raw) if raw.shape == missing.shape else np.zeros_like(missing)
        problems = []
        for kind, cells in (("impute_zero_denominator", lost), ("method_missing_values", missing & ~lost)):
            for p, i in zip(*np.nonzero(cells.any(axis=-2)), strict=True):
                units = [ctx.panel.units[u] for u in np.flatnonzero(cells[p, :, i])]
                problems.append(Problem(kind, {
                    "indicator": ctx.indicator_codes[i], "period": ctx.panel.periods[p],
                    "n": len(units), "units": ", ".join(units[:5])}, key="impute"))
        if len(problems) > _SHOWN_PROBLEMS:  # a hundred lines help nobody: the first, then a count
            rest = {p.params["indicator"] for p in problems[_SHOWN_PROBLEMS:]}
            problems = problems[:_SHOWN_PROBLEMS] + [Problem("impute_more_missing", {
                "n": len(rest), "indicators": ", ".join(sorted(rest)[:10]) + (" …" if len(rest) > 10
                                                                            else "")}, key="impute")]
        if problems:
            raise MethodError(problems)
        return NO_STATE


def _fill(values: np.ndarray, fill: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), fill, values)


@dataclass(frozen=True)
class _CrossSection(Imputer):
    statistic = staticmethod(np.nanmean)

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Learn the statistic of each indicator per period over the units."""
        return FillState(fill_=_statistic(self.statistic, values))

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Fill the missing values; report how many were filled."""
        return _fill(values, state.fill_)


@register
@dataclass(frozen=True)
class CrossSectionMean(_CrossSection):
    """Cross-section mean (截面均值插补): the indicator's mean over units in that period.

    .. math:: x_{pui} = \\frac{1}{|K_{pi}|} \\sum_{v \\in K_{pi}} x_{pvi}

    with :math:`K_{pi}` the units with a value of indicator *i* in period *p*.
    An indicator that no unit has in a period stays NaN in that period; a
    constant indicator fills with its constant.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §1.3
    (unconditional mean imputation); COINr ``Impute(f_i = "i_mean")``.
    """

    key = "mean"
    statistic = staticmethod(np.nanmean)


@register
@dataclass(frozen=True)
class CrossSectionMedian(_CrossSection):
    """Cross-section median (截面中位数插补): the indicator's median over units in that period.

    .. math:: x_{pui} = \\operatorname{median}_{v \\in K_{pi}} x_{pvi}

    with :math:`K_{pi}` the units with a value of indicator *i* in period *p*.
    An indicator that no unit has in a period stays NaN in that period; a
    constant indicator fills with its constant.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §1.3;
    COINr ``Impute(f_i = "i_median")``.
    """

    key = "median"
    statistic = staticmethod(np.nanmedian)


@dataclass(frozen=True)
class _Group(Imputer):
    """Fill with a statistic over the units of the same group in the same period."""

    group: str = ""
    statistic = staticmethod(np.nanmean)

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Learn the statistic per group, period and indicator."""
        if self.group not in ctx.panel.groups:
            raise MethodError([Problem("method_unknown_group", {
                "group": self.group, "found": ", ".join(ctx.panel.groups)})])
        labels = ctx.panel.group(self.group)
        problems = []
        codes = group_codes(labels)  # −1 for a missing label (None, NaN, pd.NA, blank): no group
        # Only units without a group can lack one: no pass over the data when every unit has one.
        unlabelled = codes < 0
        lacking = unlabelled & np.isnan(values).any(axis=(0, 2)) if unlabelled.any() else unlabelled
        if lacking.any():
            units = [ctx.panel.units[u] for u in np.flatnonzero(lacking)]
            problems.append(Problem("impute_group_unlabelled", {
                "group": self.group, "n": len(units), "units": ", ".join(units[:5])},
                key="impute"))
        stats, missing = _group_statistics(self.statistic, values, codes)
        # A group with some missing cells but no value to fill them from (period, group, indicator).
        gap = np.isnan(stats) & missing
        # The groups' names only when there is a problem to name (a pass over every unit's label).
        names = list(dict.fromkeys(labels[codes >= 0])) if gap.any() else []
        for p, k, i in zip(*np.nonzero(gap), strict=True):  # a loop over the problems found only
            problems.append(Problem("method_group_all_missing", {
                "indicator": ctx.indicator_codes[i], "period": ctx.panel.periods[p],
                "group": self.group, "value": names[k]}))
        if problems:
            raise MethodError(problems)
        return GroupFillState(stats_=stats, codes_=codes)

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Fill the missing values with their group's statistic."""
        return state.fill(values)

    def fit_apply_owned(self, values: np.ndarray, ctx: Context) -> tuple[State, np.ndarray]:
        """As ``fit_apply``, filling the missing cells in place (no copy of the data)."""
        state = self.fit(values, ctx)
        if type(self).apply is not _Group.apply or values.dtype != np.float64:
            return state, self.apply(values, state, ctx)
        return state, state.fill_in_place(values)


@register
@dataclass(frozen=True)
class GroupMean(_Group):
    """Group mean (组均值插补): mean of the indicator over the unit's group in that period.

    .. math:: x_{pui} = \\frac{1}{|K_{pi}^{g(u)}|} \\sum_{v \\in K_{pi}^{g(u)}} x_{pvi}

    with :math:`K_{pi}^{g}` the units of group *g* with a value of *i* in *p*.
    A group in which no unit has the indicator in a period, while some of its
    cells are missing, is a :class:`~zongheng.errors.MethodError` naming the
    indicator, period and group, and so is a unit with missing values but no
    label in the group column: nothing stays missing.

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
    """Group median (组中位数插补): median over the unit's group in that period.

    As ``group_mean`` with the median:
    :math:`x_{pui} = \\operatorname{median}_{v \\in K_{pi}^{g(u)}} x_{pvi}`; a
    group with no value of an indicator in a period, or an unlabelled unit with
    missing values, is a :class:`~zongheng.errors.MethodError`.

    Parameters
    ----------
    group : str
        A group column of the unit attributes.
    """

    key = "group_median"
    statistic = staticmethod(np.nanmedian)


def _group_statistics(function, values: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return a statistic of each group and whether the group has a missing cell.

    Both shaped (period, group, indicator); units with code −1 belong to no
    group. The mean is a sparse one-hot matrix product, a few indicators at a
    time (one pass over the data, temporaries of a few indicators' size);
    another statistic is computed group by group.
    """
    n_periods, n_units, n_ind = values.shape
    n_groups = int(codes.max()) + 1 if codes.size else 0
    if n_units <= _SPARSE_FROM or function is not np.nanmean:
        return _group_statistics_by_group(function, values, codes, n_groups)
    # Y += A·X lets a product over blocks of units continue the sums of the blocks before (large
    # panels only: a bundled build never imports scipy).
    try:
        from scipy.sparse._sparsetools import csr_matvecs
    except ImportError:  # pragma: no cover - a scipy without it: the column-block product
        return _group_statistics_by_columns(values, codes, n_groups)
    stats = np.full((n_periods, n_groups, n_ind), np.nan)
    missing = np.zeros((n_periods, n_groups, n_ind), dtype=bool)
    sizes = np.bincount(codes[codes >= 0], minlength=n_groups).astype(np.float64)[:, None]
    # Blocks of units with every indicator (a block stays in cache, one pass over the data). The
    # one-hot product adds each unit's row to its group's sums in unit order (CSR rows list their
    # units in order); continuing into the same sums block after block adds the same numbers in
    # the same order as one product over all units, so the sums are the same to the bit.
    # Block-sized work arrays made once (a fresh few-MB temporary per block costs page faults);
    # filled with the same numbers as ``unknown.astype(float)`` and ``np.where(unknown, 0.0, x)``.
    rows = min(n_units, _UNIT_BLOCK)
    unknown_buffer = np.empty((rows, n_ind), dtype=bool)
    operands = np.empty((2, rows, n_ind))
    for p in range(n_periods):
        sums = np.zeros((n_groups, n_ind))
        n_missing = np.zeros((n_groups, n_ind))
        for start in range(0, n_units, _UNIT_BLOCK):
            c = codes[start:start + _UNIT_BLOCK]
            # The block's one-hot matrix in CSR form: each group's units, in unit order.
            order = np.argsort(c, kind="stable")
            first = np.searchsorted(c[order], 0)  # units without a group (−1) sort first
            indices = order[first:].astype(np.int32)
            indptr = np.zeros(n_groups + 1, dtype=np.int32)
            np.cumsum(np.bincount(c[indices], minlength=n_groups), out=indptr[1:])
            ones = np.ones(indices.size)
            x = values[p, start:start + _UNIT_BLOCK]
            m = len(x)
            unknown = unknown_buffer[:m]
            np.isnan(x, out=unknown)
            flags, known_values = operands[0, :m], operands[1, :m]
            np.copyto(flags, unknown)  # 1.0 where missing, 0.0 where known
            np.copyto(known_values, x)
            np.copyto(known_values, 0.0, where=unknown)
            for operand, total in ((flags, n_missing), (known_values, sums)):
                csr_matvecs(n_groups, c.size, n_ind, indptr, indices, ones, operand.reshape(-1),
                            total.reshape(-1))
        missing[p] = n_missing > 0
        counts = sizes - n_missing
        with np.errstate(invalid="ignore", divide="ignore"):
            stats[p] = np.where(counts > 0, sums / counts, np.nan)
    return stats, missing


#: Units of a block of the blocked group mean: 8192 units of 40 indicators (2.6 MB) stay in cache.
_UNIT_BLOCK = 8192


def _group_statistics_by_columns(values: np.ndarray, codes: np.ndarray,
                                 n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the group means as one sparse product over all units, a few indicators at a time."""
    from scipy import sparse

    n_periods, n_units, n_ind = values.shape
    labelled = np.flatnonzero(codes >= 0)
    onehot = sparse.csr_matrix((np.ones(labelled.size), (codes[labelled], labelled)),
                               shape=(n_groups, n_units))
    stats = np.full((n_periods, n_groups, n_ind), np.nan)
    missing = np.zeros((n_periods, n_groups, n_ind), dtype=bool)
    sizes = onehot.sum(axis=1).A
    # Temporaries of at most 16 MB: a larger one is a fresh allocation each time (glibc maps
    # every block above 32 MB anew). Each column's sums are independent of the others.
    block = max(1, min(8, 2**21 // max(1, n_units)))
    for p in range(n_periods):
        for start in range(0, n_ind, block):
            x = values[p, :, start:start + block]
            unknown = np.isnan(x)
            n_missing = onehot @ unknown.astype(np.float64)
            missing[p, :, start:start + block] = n_missing > 0
            sums = onehot @ np.where(unknown, 0.0, x)
            counts = sizes - n_missing
            with np.errstate(invalid="ignore", divide="ignore"):
                stats[p, :, start:start + block] = np.where(counts > 0, sums / counts, np.nan)
    return stats, missing


#: Above this many units the group mean is a sparse matrix product (scipy), else group by group.
_SPARSE_FROM = 20_000


def _group_statistics_by_group(function, values: np.ndarray, codes: np.ndarray,
                               n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_group_statistics` group by group (a loop over groups, not units)."""
    n_periods, _, n_ind = values.shape
    stats = np.full((n_periods, n_groups, n_ind), np.nan)
    missing = np.zeros((n_periods, n_groups, n_ind), dtype=bool)
    for k in range(n_groups):
        members = values[:, codes == k, :]
        stats[:, k, :] = _statistic(function, members)[:, 0, :]
        missing[:, k, :] = np.isnan(members).any(axis=1)
    return stats, missing


def _statistic(function, values: np.ndarray) -> np.ndarray:
    """Apply a nan-statistic over units, silencing numpy's empty-slice warning.

    An all-missing slice gives NaN, which the callers report themselves.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return function(values, axis=-2, keepdims=True)


# -- over periods, within a unit -----------------------------------------------------------


def _columns(values: np.ndarray) -> np.ndarray:
    """View (period, unit, indicator) as periods × (unit·indicator) columns."""
    return values.reshape(values.shape[0], -1)


def _last_known(known: np.ndarray) -> np.ndarray:
    """Return, per cell of (period, column), the latest period ≤ it with a known value (−1: none)."""
    index = np.where(known, np.arange(known.shape[0])[:, None], -1)
    return np.maximum.accumulate(index, axis=0)


def _ffill(frame: np.ndarray, limit: int | None = None) -> np.ndarray:
    """Carry each column's last known value forward over periods (at most ``limit`` periods)."""
    known = ~np.isnan(frame)
    last = _last_known(known)
    out = np.where(last >= 0, frame[np.maximum(last, 0), np.arange(frame.shape[1])], np.nan)
    if limit is not None:
        out = np.where(np.arange(frame.shape[0])[:, None] - last > limit, np.nan, out)
    return out


def _bfill(frame: np.ndarray, limit: int | None = None) -> np.ndarray:
    """Carry each column's next known value backward over periods (at most ``limit`` periods)."""
    return _ffill(frame[::-1], limit)[::-1]


def _period_axis(periods: tuple) -> np.ndarray:
    """Return the position of each period on the time axis.

    The period itself when every period is a number (years, so a gap from 2018
    to 2020 counts two), otherwise its rank.
    """
    try:
        axis = np.array([float(p) for p in periods])
    except (TypeError, ValueError):
        return np.arange(len(periods), dtype=np.float64)
    if len(axis) > 1 and not (np.all(np.isfinite(axis)) and np.all(np.diff(axis) > 0)):
        return np.arange(len(periods), dtype=np.float64)
    return axis


@dataclass(frozen=True)
class _OverPeriods(Imputer):
    """Fill within each unit from its own values in other periods (vectorised over columns)."""

    # Cells with nothing to fill from stay missing (checked by the common tests).
    may_leave_missing: ClassVar[bool] = True

    def _filled(self, values: np.ndarray, ctx: Context) -> np.ndarray:
        raise NotImplementedError

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Compute the fill of every cell (``fill_``) and which cells stay missing (``unfilled_``)."""
        fill = self._filled(values, ctx)
        # Keep fills for missing cells only: replay() must not bring back a value that was removed.
        return FillState(fill_=np.where(np.isnan(values), fill, np.nan), unfilled_=np.isnan(fill))

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Fill the missing values; known values are kept."""
        return _fill(values, state.fill_)


def _limit(value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"limit must be a whole number ≥ 1 or null, got {value!r}")


@register
@dataclass(frozen=True)
class Interpolate(_OverPeriods):
    """Linear interpolation over periods (线性插值): within a unit, between its known values.

    A missing value between two known values of the same unit and indicator,
    at periods :math:`t_0 < t < t_1`, becomes

    .. math:: x_t = x_{t_0} + \\frac{t - t_0}{t_1 - t_0}\\,(x_{t_1} - x_{t_0})

    where *t* is the period itself when every period is a number (so a gap
    from 2018 to 2020 counts two years), otherwise its position.

    Before the first and after the last known value nothing is filled unless
    ``extrapolate="nearest"``, which carries the nearest known value out to the
    ends. Cells that stay missing — outside the known periods without
    extrapolation, or every period of a unit with no value at all — stay NaN,
    and the screen, aggregation and ranking treat them as missing. A constant
    series interpolates to the same constant; a single known value fills
    nothing unless extrapolated. Every known value is kept as it is.

    Parameters
    ----------
    extrapolate : {"none", "nearest"}, default "none"
        Leave the cells before the first and after the last known value
        missing, or fill them with the nearest known value.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §1.3
    (imputation of missing data); Becker W. et al., COINr (R package),
    ``impute_panel(imp_type = "linear")``.
    """

    key = "interpolate"
    extrapolate: str = "none"

    def __post_init__(self) -> None:
        if self.extrapolate not in ("none", "nearest"):
            raise ValueError(f"extrapolate must be 'none' or 'nearest', got {self.extrapolate!r}")

    def _filled(self, values: np.ndarray, ctx: Context) -> np.ndarray:
        frame = _columns(values)
        t = _period_axis(ctx.panel.periods)[:, None] * np.ones((1, frame.shape[1]))
        known_t = np.where(np.isnan(frame), np.nan, t)
        x0, x1 = _ffill(frame), _bfill(frame)
        t0, t1 = _ffill(known_t), _bfill(known_t)
        with np.errstate(invalid="ignore", divide="ignore"):
            inside = x0 + (t - t0) / (t1 - t0) * (x1 - x0)
        out = np.where(np.isnan(frame), inside, frame)  # NaN outside the gaps
        if self.extrapolate == "nearest":
            out = np.where(np.isnan(out), np.where(np.isnan(x0), x1, x0), out)
        return out.reshape(values.shape)


@register
@dataclass(frozen=True)
class CarryForward(_OverPeriods):
    """Carry forward (向前填充, 沿用上期值): a missing value takes the unit's latest earlier value.

    .. math:: x_t = x_{t'}, \\quad t' = \\max\\{s < t : x_s \\text{ known}\\}

    The usual fill for a county whose latest statistics are not yet published.
    Cells with no earlier known value (the first periods of a unit, or a unit
    with no value at all) stay NaN, and so do gaps longer than ``limit``
    periods beyond the limit. A constant series stays constant; known values
    are kept.

    Parameters
    ----------
    limit : int or None, default None
        The most consecutive missing periods filled after a known value; null
        for no limit.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §1.3;
    Becker W. et al., COINr (R package), ``impute_panel(imp_type = "latest",
    max_time)``.
    """

    key = "carry_forward"
    limit: int | None = None

    def __post_init__(self) -> None:
        _limit(self.limit)

    def _filled(self, values: np.ndarray, ctx: Context) -> np.ndarray:
        return _ffill(_columns(values), self.limit).reshape(values.shape)


@register
@dataclass(frozen=True)
class CarryBackward(_OverPeriods):
    """Carry backward (向后填充, 用下期值回填): a missing value takes the unit's next later value.

    .. math:: x_t = x_{t'}, \\quad t' = \\min\\{s > t : x_s \\text{ known}\\}

    Cells with no later known value (the last periods of a unit, or a unit with
    no value at all) stay NaN, and so do gaps longer than ``limit`` periods
    beyond the limit. A constant series stays constant; known values are kept.

    Parameters
    ----------
    limit : int or None, default None
        The most consecutive missing periods filled before a known value; null
        for no limit.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §1.3.
    """

    key = "carry_backward"
    limit: int | None = None

    def __post_init__(self) -> None:
        _limit(self.limit)

    def _filled(self, values: np.ndarray, ctx: Context) -> np.ndarray:
        return _bfill(_columns(values), self.limit).reshape(values.shape)


# -- from siblings, after normalisation ------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SiblingState(State):
    """The cells missing before normalisation (``missing_``)."""

    missing_: np.ndarray


@dataclass(frozen=True, kw_only=True)
class SiblingFillState(State):
    """What the fill after normalisation did: cells ``filled_`` and cells left ``unfilled_``."""

    filled_: np.ndarray
    unfilled_: np.ndarray


@register
@dataclass(frozen=True)
class SiblingMean(Imputer):
    """Mean of sibling indicators (同级指标均值插补, COINr's aggregate-level row mean).

    A missing indicator of a unit in a period is filled, *after
    normalisation*, with the weighted mean of the normalised values of the
    other indicators under the same parent, for that unit and period:

    .. math:: \\tilde x_{pui} = \\frac{\\sum_{j \\in S_{pu}(i)} w_j \\tilde x_{puj}}
              {\\sum_{j \\in S_{pu}(i)} w_j}

    with :math:`S_{pu}(i)` the indicators sharing *i*'s parent (other than
    *i*) that are known for unit *u* in period *p* (siblings missing too are
    left out), :math:`w_j` their framework weights and :math:`\\tilde x` the
    normalised values (so every sibling is on the same scale and direction).
    Since only normalised values can be compared, the impute stage itself
    leaves the values as they are (its state ``missing_`` records the missing
    cells) and the method runs :meth:`fill_normalised` as a stage of its own,
    ``fill``, right after normalisation (``fills_after_normalise``); what it
    filled is in that stage's state (``filled_``, ``unfilled_``).

    With a weighted arithmetic aggregation the parent's score is the same as
    when the missing indicator is simply left out; the filled value matters
    for the indicator's own score and rank and for other aggregations.

    A cell stays NaN when no sibling is known: an indicator that is its
    parent's only indicator (its siblings being aggregates, or none), a unit
    missing every sibling, and a screened unit. A constant sibling fills with
    its constant normalised value. Data-driven treatment and normalisation
    parameters are learned without the cells filled here.

    References
    ----------
    Becker W. et al., COINr (R package), ``Impute(impute_by = "row",
    group_level = 2)``; OECD/JRC (2008), *Handbook on Constructing Composite
    Indicators*, §1.3.
    """

    key = "sibling_mean"
    may_leave_missing: ClassVar[bool] = True
    fills_after_normalise = True

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Record which cells are missing (``missing_``); nothing is filled yet."""
        return SiblingState(missing_=np.isnan(values))

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Leave the values as they are: they are filled after normalisation."""
        return np.asarray(values, dtype=np.float64)

    @staticmethod
    def sibling_weights(ctx: Context) -> np.ndarray:
        """Return the (indicator, indicator) matrix of sibling weights: w_j at [j, i] for j ≠ i."""
        inds = ctx.indicators
        parents = np.array([i.parent for i in inds], dtype=object)
        weights = np.array([i.weight for i in inds], dtype=np.float64)
        same = (parents[:, None] == parents[None, :]) & ~np.eye(len(inds), dtype=bool)
        return np.where(same, weights[:, None], 0.0)

    def fill_normalised(self, normalised: np.ndarray, ctx: Context) -> tuple[np.ndarray, State]:
        """Fill the missing normalised values from their siblings.

        Returns
        -------
        filled : ndarray, shape (period, unit, indicator)
        report : SiblingFillState
            ``filled_`` and ``unfilled_``: boolean masks of the cells filled and
            of those that stay missing (screened units excluded).
        """
        w = self.sibling_weights(ctx)
        known = ~np.isnan(normalised)
        numerator = np.where(known, normalised, 0.0) @ w
        denominator = known.astype(np.float64) @ w
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(denominator > 0, numerator / denominator, np.nan)
        missing = ~known
        if ctx.included is not None:
            missing &= ctx.included[..., None]
        out = np.where(missing, mean, normalised)
        filled = missing & ~np.isnan(out)
        return out, SiblingFillState(filled_=filled, unfilled_=missing & ~filled)
