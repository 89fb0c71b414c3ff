r"""Aggregate (加权汇总): combine children into their parent, level by level.

Every aggregator has the same contract (:meth:`Aggregator.combine`): child
scores shaped ``(..., period, unit, node)``, higher is better on every column
(normalisation has applied the directions), and a ``(node, parent)`` weight
matrix. Each parent's weights are normalised to sum to 1 over its children.

Two families, with two policies for missing children:

*Means* (``arithmetic``, ``geometric``, ``harmonic``, ``generalised``,
``minimum``) score each unit on its own. A missing child is left out and the
weights of the known children are rescaled; a parent with no known child is
missing. One vectorised pass per level.

*Multi-criteria methods* (``topsis``, ``vikor``, ``grey_relational``,
``copeland``, ``borda``, ``bod``) score a unit *relative to the other units of
the same period* (ideal points, reference sequences, pairwise comparisons or a
frontier). They use complete cases: a unit with a missing child gets no score
(NaN) for that parent and takes no part in that parent's reference set in that
period, so every other unit scores as if it were absent. Screened units (all
NaN) drop out the same way. Reference sets are learned per period and per
leading batch index, never across periods.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from zongheng.errors import MethodError, Problem
from zongheng.i18n import register_messages
from zongheng.steps.base import Context, Step, register

__all__ = [
    "Aggregator",
    "Arithmetic",
    "BenefitOfTheDoubt",
    "Borda",
    "Copeland",
    "Generalised",
    "Geometric",
    "GreyRelational",
    "Harmonic",
    "Minimum",
    "Topsis",
    "Vikor",
    "bod_scores_with_row",
    "bod_weights",
    "borda_scores",
    "borda_scores_with_row",
    "copeland_scores",
    "copeland_scores_with_row",
    "grey_relational_grade",
    "power_mean",
    "topsis_closeness",
    "vikor_indices",
]

register_messages({
    "agg_not_positive": (
        "{method} 汇总要求子项取值 {condition}，以下子项不满足: {children}；"
        "请先标准化到正区间，例如 normalise: {{method: minmax, low: 1, high: 100}}",
        "{method} aggregation needs every child's values to be {condition}; not so for: "
        "{children}. Normalise to a positive range first, "
        "e.g. normalise: {{method: minmax, low: 1, high: 100}}",
    ),
    "agg_bod_lower_infeasible": (
        "bod 的最小份额 lower={lower} 乘以子项个数 {n}（{children}）超过 1，约束无解；"
        "请把 lower 设为不超过 {limit}",
        "bod's minimum share lower={lower} times the number of children {n} ({children}) "
        "exceeds 1, so no weights satisfy it; set lower to at most {limit}",
    ),
})

_TIE = 1e-9  # weights sum to 1: differences below this are rounding, not preference
_BATCH_FLOATS = 2**22  # cap on one combine call's input in scores_with_row (32 MiB)


# -- shared helpers ---------------------------------------------------------------------------


def _parents(weights: np.ndarray):
    """Yield ``(m, rows, w)`` per parent: its child columns and weights summing to 1."""
    for m in range(weights.shape[1]):
        rows = np.flatnonzero(weights[:, m])
        if len(rows):
            w = weights[rows, m]
            yield m, rows, w / w.sum()


def _complete_cases(x: np.ndarray) -> np.ndarray:
    """Return ``x`` with every unit (row) that misses a child set entirely to NaN.

    ``x`` itself (no copy) when nothing is missing, the usual case.
    """
    incomplete = np.isnan(x).any(axis=-1, keepdims=True)
    return np.where(incomplete, np.nan, x) if incomplete.any() else x


def _keep_nan(result: np.ndarray, like: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(like), np.nan, result)


def _nan_extreme(x: np.ndarray, axis, *, high: bool) -> np.ndarray:
    """``nanmax``/``nanmin`` with keepdims, silent on all-NaN slices (they stay NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return (np.nanmax if high else np.nanmin)(x, axis=axis, keepdims=True)


def _children_where(columns: np.ndarray, ctx: Context | None):
    """Name child columns: codes with a context, else a localised ``column j`` location."""
    if ctx is not None:
        codes = ctx.framework.node_codes
        return ", ".join(codes[j] for j in columns)
    return Problem("loc_column", column=", ".join(str(j) for j in columns))


def _check_domain(values: np.ndarray, weights: np.ndarray, ctx: Context | None, method: str,
                  *, strict: bool) -> None:
    """Raise a MethodError naming the children with values ``<= 0`` (strict) or ``< 0``."""
    used = np.flatnonzero(weights.any(axis=1))
    sub = values[..., used]
    with np.errstate(invalid="ignore"):
        bad = (sub <= 0) if strict else (sub < 0)
    bad = bad.reshape(-1, len(used)).any(axis=0)
    if bad.any():
        raise MethodError([Problem("agg_not_positive", {
            "method": method, "condition": "> 0" if strict else "≥ 0",
            "children": _children_where(used[bad], ctx)}, key="aggregate")])


def _per_parent(values: np.ndarray, weights: np.ndarray, kernel) -> np.ndarray:
    """Apply ``kernel(x, w) -> (..., unit)`` to each parent's complete cases."""
    values = np.asarray(values, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    out = np.full(values.shape[:-1] + (weights.shape[1],), np.nan)
    for m, rows, w in _parents(weights):
        # Children are usually contiguous columns: a slice is a view, fancy indexing a copy.
        contiguous = rows[-1] - rows[0] + 1 == len(rows) and (np.diff(rows) == 1).all()
        children = values[..., rows[0]:rows[-1] + 1] if contiguous else values[..., rows]
        out[..., m] = kernel(_complete_cases(children), w)
    return out


def _positive(name: str, value: object, *, allow_zero: bool = False) -> None:
    _finite(name, value)
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'≥' if allow_zero else '>'} 0, got {value!r}")


def _finite(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")


# -- the step base and the means ----------------------------------------------------------------


@dataclass(frozen=True)
class Aggregator(Step):
    """Base of aggregation steps: ``combine`` maps children to parents for one level."""

    stage = "aggregate"
    # Capabilities the analyses ask (see zongheng.steps.base):
    # scores_units_alone: a unit's parent score depends on its own children only (the means);
    # power_exponent: p when the aggregator is the weighted power mean M_p (1 arithmetic,
    # 0 geometric, −1 harmonic, −inf the minimum), None for the multi-criteria methods.
    # scores_with_row (a method): a few units' scores as one unit's row changes, what the gap's
    # Shapley games ask; the default rescores the whole parent, a kernel may do it faster.
    scores_units_alone: ClassVar[bool] = False
    power_exponent: ClassVar[float | None] = None

    @property
    def linear(self) -> bool:
        """Whether the parent is a weighted sum of its known children (the arithmetic mean)."""
        return self.power_exponent == 1.0

    def combine(self, values: np.ndarray, weights: np.ndarray, ctx: Context | None = None) -> np.ndarray:
        """Return parent scores from child scores.

        Parameters
        ----------
        values : ndarray, shape (..., period, unit, node)
            Scores of every node (columns in ``ctx.framework.node_codes`` order);
            those not yet computed are NaN. Higher is better on every column.
        weights : ndarray, shape (node, parent)
            Column *m* holds the weights of parent *m*'s children (positive),
            zero for every other node.
        ctx : Context, optional
            For messages that name nodes (``ctx.framework.node_codes``); absent
            when the kernel is called on bare arrays.

        Returns
        -------
        ndarray, shape (..., period, unit, parent)
        """
        raise NotImplementedError

    def scores_with_row(self, values: np.ndarray, weights: np.ndarray, row: int,
                        candidates: np.ndarray, watch: Sequence[int]) -> np.ndarray:
        """Return some units' scores when one unit's children take each candidate row (换行重算).

        What the gap analysis asks of a parent for every Shapley coalition:
        the other units stay as they are. This default recomputes the whole
        parent once per candidate with :meth:`combine`; an aggregator may
        override it with a faster kernel that gives the same scores.

        Parameters
        ----------
        values : ndarray, shape (unit, child)
            One parent's children in one period (higher is better).
        weights : ndarray, shape (child,)
            The children's weights (positive).
        row : int
            The unit whose children are replaced.
        candidates : ndarray, shape (batch, child)
            The rows it takes in turn.
        watch : sequence of int
            The units whose scores are returned (``row`` among them or not).

        Returns
        -------
        ndarray, shape (batch, len(watch))
        """
        values = np.asarray(values, dtype=np.float64)
        candidates = np.asarray(candidates, dtype=np.float64)
        matrix = np.asarray(weights, dtype=np.float64)[:, None]
        out = np.empty((len(candidates), len(watch)))
        chunk = max(1, _BATCH_FLOATS // max(1, values.size))
        for start in range(0, len(candidates), chunk):
            batch = np.repeat(values[None], len(candidates[start:start + chunk]), axis=0)
            batch[:, row] = candidates[start:start + chunk]
            out[start:start + chunk] = self.combine(batch, matrix)[:, list(watch), 0]
        return out


@register
@dataclass(frozen=True)
class Arithmetic(Aggregator):
    r"""Weighted arithmetic mean (加权算术平均).

    .. math:: s_{parent} = \frac{\sum_c w_c x_c}{\sum_{c:\,x_c \text{ known}} w_c}

    A missing child is left out and the weights of the others are rescaled
    (COINr's default); a parent with no known child is missing. Fully
    compensatory: a low child is offset by a high one at the rate of their
    weights. One matrix product per level, so a batch of units and periods
    costs one call.

    References
    ----------
    OECD/JRC (2008). *Handbook on Constructing Composite Indicators:
    Methodology and User Guide*, §6.1. OECD Publishing.
    """

    key = "arithmetic"
    scores_units_alone = True
    power_exponent = 1.0

    def combine(self, values: np.ndarray, weights: np.ndarray, ctx: Context | None = None, *,
                scratch: np.ndarray | None = None, out: np.ndarray | None = None) -> np.ndarray:
        """Return the weighted mean of the known children of each parent.

        ``scratch``, a C-contiguous float64 array the caller gives up, holds the
        temporaries when it is large enough, instead of a fresh array of the data's size.
        ``out``, a float64 array shaped as the result (e.g. the parents' columns of a
        score array, a strided view), receives it instead of a new array; it must not
        share memory with ``values`` or ``scratch``. The result is the same to the bit
        either way.
        """
        # Only the children of this level's parents enter (the rows of ``weights`` not all zero):
        # the other columns would multiply by zero at the cost of a pass over the data.
        rows = np.flatnonzero(np.any(weights != 0, axis=-1))
        if rows.size and rows.size < values.shape[-1]:
            if rows[-1] - rows[0] + 1 == rows.size:  # contiguous children: a view, no copy
                values, weights = values[..., rows[0]:rows[-1] + 1], weights[rows[0]:rows[-1] + 1]
            else:
                values, weights = values[..., rows], weights[rows]
        # One buffer serves both products (the values with 0 for missing, then the 0/1 mask), the
        # same contiguous operands as np.where(known, values, 0.0) and known.astype(float), so BLAS
        # gives the same sums; it is filled in row blocks (elementwise, in cache).
        if (scratch is not None and scratch.dtype == np.float64 and scratch.flags.c_contiguous
                and scratch.flags.writeable and scratch.size >= values.size):
            buffer = scratch.reshape(-1)[:values.size].reshape(values.shape)
        else:
            buffer = np.empty(values.shape)
        n_rows = values.shape[-2] if values.ndim >= 2 else 1
        step = _BLOCK_ROWS if values.ndim >= 2 else 1
        for start in range(0, n_rows, step):
            at = (..., slice(start, start + step), slice(None)) if values.ndim >= 2 else (...,)
            np.copyto(buffer[at], values[at])
            np.copyto(buffer[at], 0.0, where=np.isnan(values[at]))
        numerator = buffer @ weights
        for start in range(0, n_rows, step):
            at = (..., slice(start, start + step), slice(None)) if values.ndim >= 2 else (...,)
            np.equal(values[at], values[at], out=buffer[at])  # 1.0 where known, 0.0 where NaN
        denominator = buffer @ weights
        if np.ndim(numerator) == 0:
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = np.where(denominator > 0, numerator / denominator, np.nan)
            if out is None:
                return ratio
            out[...] = ratio
            return out
        # In place of np.where(denominator > 0, numerator / denominator, nan): no temporaries. With
        # ``out`` the ratio is written there, so the caller's copy is this division's own pass. (The
        # products stay contiguous: BLAS writing into strided parent columns was slower here.)
        result = numerator if out is None else out
        with np.errstate(invalid="ignore", divide="ignore"):
            np.divide(numerator, denominator, out=result)
        np.copyto(result, np.nan, where=~(denominator > 0))
        return result


#: Rows of a block of the blocked elementwise passes (a few MB: in cache).
_BLOCK_ROWS = 8192


def power_mean(values: np.ndarray, weights: np.ndarray, p: float) -> np.ndarray:
    r"""Weighted power mean of the known values (广义加权平均), the kernel of the means.

    .. math:: M_p = \Bigl(\frac{\sum_c w_c x_c^{\,p}}{\sum_{c:\,x_c\text{ known}} w_c}\Bigr)^{1/p},
       \qquad M_0 = \exp\frac{\sum_c w_c \ln x_c}{\sum_c w_c}

    Computed as :math:`M_p(x) = m\,M_p(x/m)` with *m* the largest (p > 0) or
    smallest (p < 0) known value of each unit, so that large :math:`|p|`
    neither overflows nor underflows.

    Parameters
    ----------
    values : ndarray, shape (..., child)
        Values must be > 0 for ``p <= 0`` and ≥ 0 otherwise (not checked here).
    weights : ndarray, shape (child,) or (child, parent)
        Non-negative; a column per parent (zero for other children).
    p : float
        The exponent: 1 arithmetic, 0 geometric, −1 harmonic.

    Returns
    -------
    ndarray, shape (...) or (..., parent)
        NaN where no child is known.

    Examples
    --------
    >>> float(power_mean(np.array([1.0, 4.0]), np.array([1.0, 1.0]), 0))
    2.0
    >>> float(power_mean(np.array([1.0, np.nan, 4.0]), np.array([1.0, 5.0, 1.0]), -1))
    1.6
    """
    values = np.asarray(values, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim == 2:
        out = np.full(values.shape[:-1] + (weights.shape[1],), np.nan)
        for m in range(weights.shape[1]):
            rows = np.flatnonzero(weights[:, m])
            if len(rows):
                out[..., m] = power_mean(values[..., rows], weights[rows, m], p)
        return out
    known = ~np.isnan(values)
    denominator = known.astype(np.float64) @ weights
    with np.errstate(invalid="ignore", divide="ignore", over="ignore", under="ignore"):
        if p == 0:
            mean = np.exp((np.where(known, np.log(values), 0.0) @ weights) / denominator)
        else:
            anchor = _nan_extreme(values, -1, high=p > 0)
            anchor = np.where(anchor > 0, anchor, 1.0)  # all zero (p > 0): the mean is 0
            moved = np.where(known, (values / anchor) ** p, 0.0) @ weights
            mean = anchor[..., 0] * (moved / denominator) ** (1.0 / p)
    return np.where(denominator > 0, mean, np.nan)


@dataclass(frozen=True)
class _PowerMean(Aggregator):
    """A power mean over the children used at this level (shared by the means)."""

    scores_units_alone = True

    def _exponent(self) -> float:
        raise NotImplementedError

    @property
    def power_exponent(self) -> float:  # type: ignore[override]
        """The exponent p of this mean."""
        return self._exponent()

    def combine(self, values: np.ndarray, weights: np.ndarray, ctx: Context | None = None) -> np.ndarray:
        """Return the weighted power mean of the known children of each parent."""
        values = np.asarray(values, dtype=np.float64)
        weights = np.asarray(weights, dtype=np.float64)
        p = self._exponent()
        _check_domain(values, weights, ctx, self.key, strict=p <= 0)
        return power_mean(values, weights, p)


@register
@dataclass(frozen=True)
class Geometric(_PowerMean):
    r"""Weighted geometric mean (加权几何平均).

    .. math:: s = \prod_c x_c^{\,w_c / \sum w}
       = \exp\Bigl(\frac{\sum_c w_c \ln x_c}{\sum_c w_c}\Bigr)

    Partly compensatory: a low child costs more than under the arithmetic
    mean, so balanced profiles score higher (OECD/JRC 2008, §6.1).

    Every child's values must be > 0: a ``MethodError`` names the children
    with a value ≤ 0 (min-max to 0–100 gives 0 to the lowest unit, so
    normalise to a positive range such as ``minmax`` with ``low: 1, high:
    100``). A missing child is left out and the other weights rescaled; a
    parent with no known child is missing. A constant child multiplies every
    unit's score by the same factor.

    References
    ----------
    OECD/JRC (2008). *Handbook on Constructing Composite Indicators:
    Methodology and User Guide*, §6.1. OECD Publishing.

    Examples
    --------
    >>> values = np.array([[[1.0, 4.0, 16.0]]])
    >>> Geometric().combine(values, np.array([[1.0], [1.0], [1.0]])).round(6).tolist()
    [[[4.0]]]
    """

    key = "geometric"

    def _exponent(self) -> float:
        return 0.0


@register
@dataclass(frozen=True)
class Harmonic(_PowerMean):
    r"""Weighted harmonic mean (加权调和平均).

    .. math:: s = \frac{\sum_c w_c}{\sum_c w_c / x_c}

    Less compensatory than the geometric mean: the lowest child weighs most.
    Every child's values must be > 0 (a ``MethodError`` names the children
    that are not; normalise to a positive range first). A missing child is
    left out and the other weights rescaled; a parent with no known child is
    missing. A constant child needs no special care: each unit is scored on
    its own.

    References
    ----------
    OECD/JRC (2008). *Handbook on Constructing Composite Indicators:
    Methodology and User Guide*, §6.1. OECD Publishing.

    Examples
    --------
    >>> Harmonic().combine(np.array([[[1.0, 4.0]]]), np.array([[1.0], [1.0]])).tolist()
    [[[1.6]]]
    """

    key = "harmonic"

    def _exponent(self) -> float:
        return -1.0


@register
@dataclass(frozen=True)
class Generalised(_PowerMean):
    r"""Generalised (power) mean (广义幂平均).

    .. math:: s = \Bigl(\frac{\sum_c w_c x_c^{\,p}}{\sum_c w_c}\Bigr)^{1/p},
       \qquad p = 0:\ \prod_c x_c^{\,w_c/\sum w}

    ``p`` sets the degree of compensation: 1 is the arithmetic mean, 0 the
    geometric, −1 the harmonic; as *p* → −∞ it tends to the minimum and as
    *p* → +∞ to the maximum.

    Values must be > 0 when ``p <= 0`` and ≥ 0 when ``p > 0``; a
    ``MethodError`` names the children that are not. A missing child is left
    out and the other weights rescaled; a parent with no known child is
    missing. A constant child needs no special care: each unit is scored on
    its own.

    Parameters
    ----------
    p : float, default 1
        The exponent (finite).

    References
    ----------
    OECD/JRC (2008). *Handbook on Constructing Composite Indicators:
    Methodology and User Guide*, §6.1. OECD Publishing.

    Examples
    --------
    >>> Generalised(p=2).combine(np.array([[[3.0, 4.0]]]), np.array([[1.0], [1.0]])).tolist()
    [[[3.5355339059327378]]]
    """

    key = "generalised"
    p: float = 1.0

    def __post_init__(self) -> None:
        _finite("p", self.p)

    def _exponent(self) -> float:
        return float(self.p)


@register
@dataclass(frozen=True)
class Minimum(Aggregator):
    r"""Minimum over the children (最小值法, 短板原则).

    .. math:: s = \min_c x_c

    Non-compensatory: a parent is as good as its weakest child. **Weights are
    ignored** (a child with a tiny weight can still set the score); they only
    say which children belong to the parent. A missing child is left out (the
    minimum of the known children); a parent with no known child is missing.
    A constant child caps every unit's score at its value.

    References
    ----------
    OECD/JRC (2008). *Handbook on Constructing Composite Indicators:
    Methodology and User Guide*, §6.1. OECD Publishing.

    Examples
    --------
    >>> Minimum().combine(np.array([[[5.0, np.nan, 2.0]]]), np.array([[1.0], [1.0], [9.0]])).tolist()
    [[[2.0]]]
    """

    key = "minimum"
    scores_units_alone = True
    power_exponent = -math.inf  # M_p → min as p → −∞

    def combine(self, values: np.ndarray, weights: np.ndarray, ctx: Context | None = None) -> np.ndarray:
        """Return the minimum of the known children of each parent."""
        values = np.asarray(values, dtype=np.float64)
        weights = np.asarray(weights, dtype=np.float64)
        out = np.full(values.shape[:-1] + (weights.shape[1],), np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN: stays NaN
            for m, rows, _ in _parents(weights):
                out[..., m] = np.nanmin(values[..., rows], axis=-1)
        return out


# -- TOPSIS -------------------------------------------------------------------------------------


def topsis_closeness(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    r"""Relative closeness to the ideal point (TOPSIS kernel), per leading index.

    .. math:: v_{uj} = w_j x_{uj},\quad d^{\pm}_u = \sqrt{\textstyle\sum_j (v_{uj} - v^{\pm}_j)^2},
       \quad C_u = \frac{d^-_u}{d^+_u + d^-_u}

    with :math:`v^+_j = \max_u v_{uj}` and :math:`v^-_j = \min_u v_{uj}`.

    Parameters
    ----------
    values : ndarray, shape (..., unit, child)
        Higher is better. Units with a NaN are left out of the ideal points
        and get NaN.
    weights : ndarray, shape (child,)

    Returns
    -------
    ndarray, shape (..., unit)
        In [0, 1]; 0.5 where :math:`d^+ = d^- = 0` (every child constant).

    Examples
    --------
    >>> topsis_closeness(np.array([[0.0, 1.0], [1.0, 1.0], [0.5, 1.0]]), np.array([0.5, 0.5])).tolist()
    [0.0, 1.0, 0.5]
    """
    weighted = _complete_cases(np.asarray(values, dtype=np.float64)) * np.asarray(weights)
    ideal = _nan_extreme(weighted, -2, high=True)
    anti = _nan_extreme(weighted, -2, high=False)
    # One buffer for both differences; einsum sums the squares without another temporary.
    diff = weighted - ideal
    d_plus = np.sqrt(np.einsum("...j,...j->...", diff, diff))
    np.subtract(weighted, anti, out=diff)
    d_minus = np.sqrt(np.einsum("...j,...j->...", diff, diff))
    total = d_plus + d_minus
    with np.errstate(invalid="ignore", divide="ignore"):
        closeness = np.where(total > 0, d_minus / total, 0.5)
    return _keep_nan(closeness, total)


@register
@dataclass(frozen=True)
class Topsis(Aggregator):
    r"""TOPSIS closeness (逼近理想解排序法).

    Each unit's weighted profile :math:`v_{uj} = w_j x_{uj}` is compared with
    the ideal point (the best weighted value of each child among the units of
    the period) and the anti-ideal point (the worst), by Euclidean distance:

    .. math:: d^+_u = \sqrt{\sum_j (v_{uj} - \max_{u'} v_{u'j})^2},\quad
       d^-_u = \sqrt{\sum_j (v_{uj} - \min_{u'} v_{u'j})^2},\quad
       s_u = \mathrm{scale}\cdot\frac{d^-_u}{d^+_u + d^-_u}

    Scores are relative to the units of the same period. The classic method
    vector-normalises first (:math:`x_{uj}/\sqrt{\sum_u x_{uj}^2}`): use
    ``normalise: vector`` for that (the published worked examples need it);
    the closeness depends on the normalisation chosen (min-max is common in
    county evaluation practice).

    Missing values: a unit with a missing child gets no score for this
    parent and takes no part in its ideal points (complete cases). A constant
    child adds nothing to either distance; when every child is constant
    :math:`d^+ = d^- = 0` and every unit gets ``0.5 * scale``.

    Parameters
    ----------
    scale : float, default 1
        The score is the closeness times ``scale`` (100 for a 0–100 score).

    References
    ----------
    Hwang, C.-L. & Yoon, K. (1981). *Multiple Attribute Decision Making:
    Methods and Applications*. Springer.

    Examples
    --------
    >>> x = np.array([[[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]])
    >>> Topsis().combine(x, np.array([[1.0], [1.0]])).round(3).tolist()
    [[[0.5], [0.5], [1.0]]]
    """

    key = "topsis"
    scale: float = 1.0

    def __post_init__(self) -> None:
        _positive("scale", self.scale)

    def combine(self, values: np.ndarray, weights: np.ndarray, ctx: Context | None = None) -> np.ndarray:
        """Return each unit's closeness to the ideal point, per parent and period."""
        return self.scale * _per_parent(values, weights, topsis_closeness)


# -- VIKOR --------------------------------------------------------------------------------------


def vikor_indices(values: np.ndarray, weights: np.ndarray,
                  v: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""VIKOR group utility S, individual regret R and compromise index Q (kernel).

    .. math:: g_{uj} = w_j\frac{f^*_j - x_{uj}}{f^*_j - f^-_j},\quad S_u = \sum_j g_{uj},
       \quad R_u = \max_j g_{uj},

       Q_u = v\frac{S_u - S^*}{S^- - S^*} + (1 - v)\frac{R_u - R^*}{R^- - R^*}

    with :math:`f^*_j = \max_u x_{uj}`, :math:`f^-_j = \min_u x_{uj}`,
    :math:`S^* = \min_u S_u`, :math:`S^- = \max_u S_u` (likewise R).

    Parameters
    ----------
    values : ndarray, shape (..., unit, child)
        Higher is better. Units with a NaN are left out and get NaN.
    weights : ndarray, shape (child,)
        Summing to 1.
    v : float
        Weight of the group utility (majority) against the regret (veto).

    Returns
    -------
    S, R, Q : ndarray, shape (..., unit)
        Lower is better. A constant child gives :math:`g = 0`; when
        :math:`S^- = S^*` (or :math:`R^- = R^*`, within 1e-12) that term is 0.

    Examples
    --------
    >>> s, r, q = vikor_indices(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([0.5, 0.5]))
    >>> s.tolist(), r.tolist(), q.tolist()
    ([0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [1.0, 1.0, 0.0])
    """
    values = _complete_cases(np.asarray(values, dtype=np.float64))
    best = _nan_extreme(values, -2, high=True)
    span = best - _nan_extreme(values, -2, high=False)
    gap = (best - values) / np.where(span > 0, span, 1.0)  # constant child: 0 / 1
    regret = np.asarray(weights) * gap
    s = regret.sum(axis=-1)
    r = regret.max(axis=-1)

    def spread(index: np.ndarray) -> np.ndarray:
        lo = _nan_extreme(index, -1, high=False)
        width = _nan_extreme(index, -1, high=True) - lo
        return (index - lo) / np.where(width > 1e-12, width, np.inf)

    q = v * spread(s) + (1.0 - v) * spread(r)
    return s, r, q


@register
@dataclass(frozen=True)
class Vikor(Aggregator):
    r"""VIKOR compromise ranking (多准则妥协解排序法), scored as 1 − Q.

    Best and worst values per child among the units of the period,
    :math:`f^*_j = \max_u x_{uj}` and :math:`f^-_j = \min_u x_{uj}`, give the
    weighted normalised regret :math:`g_{uj} = w_j (f^*_j - x_{uj}) / (f^*_j - f^-_j)`,
    then

    .. math:: S_u = \sum_j g_{uj},\qquad R_u = \max_j g_{uj},

       Q_u = v\,\frac{S_u - S^*}{S^- - S^*} + (1 - v)\,\frac{R_u - R^*}{R^- - R^*},
       \qquad s_u = \mathrm{scale}\cdot(1 - Q_u)

    with :math:`S^* = \min S`, :math:`S^- = \max S` (likewise R). **Q is
    lower-is-better** (0 for the best compromise), so the score is
    :math:`1 - Q` to keep "higher is better" above this level; ranks by the
    score equal VIKOR's ranks by Q. :func:`vikor_indices` returns S, R and Q.
    Opricovic's acceptance conditions (advantage and stability) for a single
    compromise solution are not applied: every unit gets a score.

    Missing values: a unit with a missing child gets no score for this parent
    and takes no part in :math:`f^*, f^-, S^*, S^-, R^*, R^-` (complete
    cases). Constant children and ties: a constant child adds no regret; when
    every unit has the same S (:math:`S^- = S^*`) the S term is 0, likewise
    for R, so when every child is constant every unit gets Q = 0 (score
    ``scale``).

    Parameters
    ----------
    v : float, default 0.5
        Weight of the "majority" (group utility S) against the "veto"
        (individual regret R); in [0, 1].
    scale : float, default 1
        The score is :math:`1 - Q` times ``scale``.

    References
    ----------
    Opricovic, S. & Tzeng, G.-H. (2004). Compromise solution by MCDM methods:
    a comparative analysis of VIKOR and TOPSIS. *European Journal of
    Operational Research* 156(2), 445–455.

    Examples
    --------
    >>> x = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
    >>> Vikor().combine(x, np.array([[1.0], [1.0]])).tolist()
    [[[0.0], [0.0], [1.0]]]
    """

    key = "vikor"
    v: float = 0.5
    scale: float = 1.0

    def __post_init__(self) -> None:
        _finite("v", self.v)
        if not 0 <= self.v <= 1:
            raise ValueError(f"v must be between 0 and 1, got {self.v!r}")
        _positive("scale", self.scale)

    def combine(self, values: np.ndarray, weights: np.ndarray, ctx: Context | None = None) -> np.ndarray:
        """Return ``scale * (1 - Q)`` per parent and period."""
        q = _per_parent(values, weights, lambda x, w: vikor_indices(x, w, self.v)[2])
        return self.scale * (1.0 - q)


# -- grey relational analysis ---------------------------------------------------------------------


def grey_relational_grade(values: np.ndarray, weights: np.ndarray, rho: float = 0.5) -> np.ndarray:
    r"""Grey relational grade to the best-of-each-child reference sequence (kernel).

    .. math:: \Delta_{uj} = |x_{0j} - x_{uj}|,\quad
       \xi_{uj} = \frac{\Delta_{\min} + \rho\Delta_{\max}}{\Delta_{uj} + \rho\Delta_{\max}},
       \quad \gamma_u = \sum_j w_j \xi_{uj}

    with :math:`x_{0j} = \max_u x_{uj}` and :math:`\Delta_{\min}, \Delta_{\max}`
    over all units and children.

    Parameters
    ----------
    values : ndarray, shape (..., unit, child)
        Higher is better. Units with a NaN are left out and get NaN.
    weights : ndarray, shape (child,)
        Summing to 1.
    rho : float
        Distinguishing coefficient (分辨系数), in (0, 1].

    Returns
    -------
    ndarray, shape (..., unit)
        In :math:`(\rho/(1+\rho), 1]`; 1 for every unit when every child is
        constant (:math:`\Delta_{\max} = 0`).

    Examples
    --------
    >>> grey_relational_grade(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([0.5, 0.5]))
    array([0.66666667, 0.66666667, 1.        ])
    """
    values = _complete_cases(np.asarray(values, dtype=np.float64))
    delta = np.abs(_nan_extreme(values, -2, high=True) - values)
    d_min = _nan_extreme(delta, (-2, -1), high=False)
    d_max = _nan_extreme(delta, (-2, -1), high=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        xi = np.where(d_max > 0, (d_min + rho * d_max) / (delta + rho * d_max), 1.0)
    return (_keep_nan(xi, delta) * np.asarray(weights)).sum(axis=-1)


@register
@dataclass(frozen=True)
class GreyRelational(Aggregator):
    r"""Grey relational grade (灰色关联分析, 灰色关联度).

    The reference sequence (参考序列) is the best value of each child among the
    units of the period, :math:`x_{0j} = \max_u x_{uj}`; each unit's
    relational coefficient (关联系数) on each child and its weighted grade
    (关联度) are

    .. math:: \Delta_{uj} = |x_{0j} - x_{uj}|,\qquad
       \xi_{uj} = \frac{\Delta_{\min} + \rho\,\Delta_{\max}}{\Delta_{uj} + \rho\,\Delta_{\max}},
       \qquad s_u = \mathrm{scale}\cdot\sum_j w_j\,\xi_{uj}

    where :math:`\Delta_{\min}` and :math:`\Delta_{\max}` are taken over every
    unit and every child of the parent in the period. The grade lies in
    :math:`(\rho/(1+\rho), 1]`; 1 means the unit is the best on every child.
    The normalise stage stands in for the usual 初值化/均值化 step; the grade
    is unchanged by a common rescaling of all children.

    Missing values: a unit with a missing child gets no score for this parent
    and takes no part in the reference sequence or in
    :math:`\Delta_{\min}, \Delta_{\max}` (complete cases). A constant child
    gives every unit :math:`\Delta = 0`, so :math:`\xi = 1`; when every child
    is constant (:math:`\Delta_{\max} = 0`) every unit gets ``scale``.

    Parameters
    ----------
    rho : float, default 0.5
        Distinguishing coefficient (分辨系数), in (0, 1]; smaller values spread
        the coefficients more.
    scale : float, default 1
        The score is the grade times ``scale``.

    References
    ----------
    Deng, J.-L. (1982). Control problems of grey systems. *Systems & Control
    Letters* 1(5), 288–294.

    Examples
    --------
    >>> x = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
    >>> GreyRelational().combine(x, np.array([[1.0], [1.0]])).round(4).tolist()
    [[[0.6667], [0.6667], [1.0]]]
    """

    key = "grey_relational"
    rho: float = 0.5
    scale: float = 1.0

    def __post_init__(self) -> None:
        _positive("rho", self.rho)
        if self.rho > 1:
            raise ValueError(f"rho must be in (0, 1], got {self.rho!r}")
        _positive("scale", self.scale)

    def combine(self, values: np.ndarray, weights: np.ndarray, ctx: Context | None = None) -> np.ndarray:
        """Return each unit's grey relational grade, per parent and period."""
        grade = _per_parent(values, weights, lambda x, w: grey_relational_grade(x, w, self.rho))
        return self.scale * grade


# -- non-compensatory: Copeland and Borda -------------------------------------------------------


def copeland_scores(values: np.ndarray, weights: np.ndarray, *, max_elements: int = 1 << 20) -> np.ndarray:
    r"""Copeland scores from the weighted outranking matrix (kernel).

    .. math:: e_{ab} = \sum_j w_j [x_{aj} > x_{bj}] + \tfrac12\sum_j w_j [x_{aj} = x_{bj}],\quad
       c_a = \#\{b: e_{ab} > \tfrac12\} - \#\{b: e_{ab} < \tfrac12\}

    Since :math:`e_{ab} - \tfrac12 = \tfrac12\sum_j w_j\,\mathrm{sign}(x_{aj} - x_{bj})`,
    the comparison is made on that signed sum (ties within 1e-9).

    Parameters
    ----------
    values : ndarray, shape (..., unit, child)
        Units with a NaN are left out of every comparison and get NaN.
    weights : ndarray, shape (child,)
        Summing to 1.
    max_elements : int
        Largest pairwise block (batch × chunk of units × units × children)
        held at once: units are taken in chunks so that the peak memory is
        about ``16 * max_elements`` bytes (some 20 MB by default, whatever
        the number of units); the work is O(units² · children).

    Returns
    -------
    ndarray, shape (..., unit)
        Integers in [−(n − 1), n − 1] for n comparable units.

    Examples
    --------
    >>> copeland_scores(np.array([[3.0, 1.0], [2.0, 2.0], [1.0, 3.0]]), np.array([0.6, 0.4])).tolist()
    [2.0, 0.0, -2.0]
    """
    values = _complete_cases(np.asarray(values, dtype=np.float64))
    weights = np.asarray(weights, dtype=np.float64)
    *lead, n_units, n_children = values.shape
    flat = values.reshape(-1, n_units, n_children)
    out = np.zeros(flat.shape[:2])
    per_row = max(1, flat.shape[0] * n_units * n_children)
    chunk = max(1, max_elements // per_row)
    with np.errstate(invalid="ignore"):
        for start in range(0, n_units, chunk):
            diff = flat[:, start:start + chunk, None, :] - flat[:, None, :, :]
            np.sign(diff, out=diff)
            margin = diff @ weights  # (batch, chunk, unit): 2 e_ab − 1; NaN for incomplete b
            out[:, start:start + chunk] = (margin > _TIE).sum(axis=-1) - (margin < -_TIE).sum(axis=-1)
    out[np.isnan(flat).any(axis=-1)] = np.nan
    return out.reshape(*lead, n_units)


def copeland_scores_with_row(values: np.ndarray, weights: np.ndarray, row: int,
                             candidates: np.ndarray, watch: Sequence[int]) -> np.ndarray:
    r"""Copeland scores of some units while one unit takes each candidate row (kernel).

    Only the pairs with the replaced unit change, so each candidate costs
    O(units · children) instead of :func:`copeland_scores`' O(units² · children):
    another unit keeps its score among the rest and adds its vote against the
    candidate; the replaced unit's score is its votes against the rest.

    Parameters
    ----------
    values : ndarray, shape (unit, child)
    weights : ndarray, shape (child,)
        Positive; normalised to sum to 1 here.
    row : int
    candidates : ndarray, shape (batch, child)
    watch : sequence of int

    Returns
    -------
    ndarray, shape (batch, len(watch))
        Equal to :func:`copeland_scores` of ``values`` with ``row`` replaced
        (a unit or candidate with a NaN: left out, NaN).

    Examples
    --------
    >>> x = np.array([[3.0, 1.0], [2.0, 2.0], [1.0, 3.0]])
    >>> copeland_scores_with_row(x, np.array([0.6, 0.4]), 2, np.array([[4.0, 4.0]]), [0, 2]).tolist()
    [[0.0, 2.0]]
    """
    values = _complete_cases(np.asarray(values, dtype=np.float64))
    candidates = _complete_cases(np.asarray(candidates, dtype=np.float64))
    weights = np.asarray(weights, dtype=np.float64)
    weights = weights / weights.sum()
    rest = values.copy()
    rest[row] = np.nan
    among_rest = copeland_scores(rest, weights)
    out = np.empty((len(candidates), len(watch)))
    chunk = max(1, _BATCH_FLOATS // max(1, rest.size))
    with np.errstate(invalid="ignore"):
        for i, v in enumerate(watch):
            if v == row:
                for start in range(0, len(candidates), chunk):
                    part = candidates[start:start + chunk]
                    margin = np.sign(part[:, None, :] - rest[None]) @ weights  # NaN for the left out
                    out[start:start + chunk, i] = ((margin > _TIE).sum(axis=-1)
                                                   - (margin < -_TIE).sum(axis=-1))
                out[np.isnan(candidates).any(axis=-1), i] = np.nan
            else:
                margin = np.sign(values[v] - candidates) @ weights
                vote = (margin > _TIE).astype(np.float64) - (margin < -_TIE)
                out[:, i] = among_rest[v] + np.where(np.isnan(margin), 0.0, vote)
    return out


@register
@dataclass(frozen=True)
class Copeland(Aggregator):
    r"""Copeland score (Copeland 计分法, 非补偿性汇总).

    A non-compensatory method: units are compared in pairs, child by child,
    and only *which* unit is better counts, not by how much, so a large lead
    on one child cannot buy off a loss on others. With weights summing to 1,

    .. math:: e_{ab} = \sum_j w_j\,[x_{aj} > x_{bj}] + \tfrac12\sum_j w_j\,[x_{aj} = x_{bj}],

       s_a = \#\{b : e_{ab} > \tfrac12\} - \#\{b : e_{ab} < \tfrac12\}

    (wins minus losses of the weighted majority vote; :math:`e_{ab} = \frac12`
    is a draw). Scores are integers in [−(n − 1), n − 1] for n units in the
    period; they are relative to the units of the period. Pairwise work is
    O(n² · children) per period, done in chunks of units with bounded memory
    (about 20 MB at a time whatever n; 5,000 units × 5 children take well
    under a second).

    Missing values: a unit with a missing child gets no score for this parent
    and is left out of every comparison (complete cases). A constant child is
    a draw for every pair (it adds :math:`w_j/2` to every :math:`e_{ab}`); when
    every child is constant every unit scores 0.

    References
    ----------
    Munda, G. & Nardo, M. (2009). Noncompensatory/nonlinear composite
    indicators for ranking countries: a defensible setting. *Applied
    Economics* 41(12), 1513–1523.

    OECD/JRC (2008). *Handbook on Constructing Composite Indicators:
    Methodology and User Guide*, §6.2. OECD Publishing.

    Examples
    --------
    >>> x = np.array([[[3.0, 1.0], [2.0, 2.0], [1.0, 3.0]]])
    >>> Copeland().combine(x, np.array([[3.0], [2.0]])).tolist()
    [[[2.0], [0.0], [-2.0]]]
    """

    key = "copeland"

    def combine(self, values: np.ndarray, weights: np.ndarray, ctx: Context | None = None) -> np.ndarray:
        """Return each unit's Copeland score, per parent and period."""
        return _per_parent(values, weights, copeland_scores)

    def scores_with_row(self, values: np.ndarray, weights: np.ndarray, row: int,
                        candidates: np.ndarray, watch: Sequence[int]) -> np.ndarray:
        """Return some units' Copeland scores as one unit takes each candidate row (only its pairs change)."""
        return copeland_scores_with_row(values, weights, row, candidates, watch)


def borda_scores(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    r"""Weighted Borda scores: units beaten on each child, weighted (kernel).

    .. math:: b_a = \sum_j w_j\,\#\{b : x_{bj} < x_{aj}\}

    Counted from ranks (O(n log n) per child), not from pairs.

    Parameters
    ----------
    values : ndarray, shape (..., unit, child)
        Units with a NaN are left out of the counts and get NaN.
    weights : ndarray, shape (child,)
        Summing to 1.

    Returns
    -------
    ndarray, shape (..., unit)
        In [0, n − 1] for n comparable units.

    Examples
    --------
    >>> borda_scores(np.array([[3.0, 1.0], [2.0, 2.0], [1.0, 3.0]]), np.array([0.6, 0.4])).tolist()
    [1.2, 1.0, 0.8]
    """
    from scipy.stats import rankdata  # here, not at the top: scipy.stats takes a second to import

    values = _complete_cases(np.asarray(values, dtype=np.float64))
    if values.shape[-2] == 0:
        return np.full(values.shape[:-1], np.nan)
    beaten = rankdata(values, method="min", axis=-2, nan_policy="omit") - 1.0
    return beaten @ np.asarray(weights, dtype=np.float64)


def borda_scores_with_row(values: np.ndarray, weights: np.ndarray, row: int,
                          candidates: np.ndarray, watch: Sequence[int]) -> np.ndarray:
    r"""Weighted Borda scores of some units while one unit takes each candidate row (kernel).

    Another unit's count of units beaten changes only by whether it beats the
    candidate; the replaced unit's count is over the rest. O(units · children)
    per candidate.

    Parameters
    ----------
    values : ndarray, shape (unit, child)
    weights : ndarray, shape (child,)
        Positive; normalised to sum to 1 here.
    row : int
    candidates : ndarray, shape (batch, child)
    watch : sequence of int

    Returns
    -------
    ndarray, shape (batch, len(watch))
        Equal to :func:`borda_scores` of ``values`` with ``row`` replaced
        (a unit or candidate with a NaN: left out, NaN).

    Examples
    --------
    >>> x = np.array([[3.0, 1.0], [2.0, 2.0], [1.0, 3.0]])
    >>> borda_scores_with_row(x, np.array([0.6, 0.4]), 2, np.array([[4.0, 4.0]]), [0, 2]).tolist()
    [[0.6, 2.0]]
    """
    values = _complete_cases(np.asarray(values, dtype=np.float64))
    candidates = _complete_cases(np.asarray(candidates, dtype=np.float64))
    weights = np.asarray(weights, dtype=np.float64)
    weights = weights / weights.sum()
    rest = values.copy()
    rest[row] = np.nan
    out = np.empty((len(candidates), len(watch)))
    chunk = max(1, _BATCH_FLOATS // max(1, rest.size))
    for i, v in enumerate(watch):
        if v == row:
            for start in range(0, len(candidates), chunk):
                part = candidates[start:start + chunk]
                beaten = (rest[None] < part[:, None, :]).sum(axis=1)  # NaN compares False
                out[start:start + chunk, i] = beaten @ weights
            out[np.isnan(candidates).any(axis=-1), i] = np.nan
        else:
            beaten = (rest < values[v]).sum(axis=0) + (candidates < values[v])
            out[:, i] = np.nan if np.isnan(values[v]).any() else beaten @ weights
    return out


@register
@dataclass(frozen=True)
class Borda(Aggregator):
    r"""Weighted Borda count (Borda 计分法, 非补偿性汇总).

    Each child is a voter whose ballot is the ranking of the units on it,
    with the child's weight as its number of votes; a unit earns one point
    per unit it beats strictly on that child:

    .. math:: s_a = \sum_j w_j\,\#\{b : x_{bj} < x_{aj}\}

    Only the order of units on each child counts, not the size of the gaps
    (non-compensatory in the intensity of preference). Scores lie in
    [0, n − 1] for n units in the period and are relative to them. Counted
    from per-child ranks, O(n log n), so any number of units fits.

    Missing values: a unit with a missing child gets no score for this parent
    and is not counted as beaten by anyone (complete cases). A constant child
    gives nobody a point; when every child is constant every unit scores 0.

    References
    ----------
    Munda, G. & Nardo, M. (2009). Noncompensatory/nonlinear composite
    indicators for ranking countries: a defensible setting. *Applied
    Economics* 41(12), 1513–1523.

    OECD/JRC (2008). *Handbook on Constructing Composite Indicators:
    Methodology and User Guide*, §6.2. OECD Publishing.

    Examples
    --------
    >>> x = np.array([[[3.0, 1.0], [2.0, 2.0], [1.0, 3.0]]])
    >>> Borda().combine(x, np.array([[3.0], [2.0]])).round(6).tolist()
    [[[1.2], [1.0], [0.8]]]
    """

    key = "borda"

    def combine(self, values: np.ndarray, weights: np.ndarray, ctx: Context | None = None) -> np.ndarray:
        """Return each unit's weighted Borda score, per parent and period."""
        return _per_parent(values, weights, borda_scores)

    def scores_with_row(self, values: np.ndarray, weights: np.ndarray, row: int,
                        candidates: np.ndarray, watch: Sequence[int]) -> np.ndarray:
        """Return some units' Borda scores as one unit takes each candidate row (only its counts change)."""
        return borda_scores_with_row(values, weights, row, candidates, watch)


# -- benefit of the doubt (DEA) -------------------------------------------------------------------


def _undominated(x: np.ndarray, max_elements: int = 1 << 22) -> np.ndarray:
    """Return the distinct rows of ``x`` that no other row weakly dominates."""
    rows = np.unique(x, axis=0)
    n, k = rows.shape
    keep = np.ones(n, dtype=bool)
    chunk = max(1, max_elements // max(1, n * k))
    for start in range(0, n, chunk):
        covers = (rows[None, :, :] >= rows[start:start + chunk, None, :]).all(axis=-1)
        keep[start:start + chunk] = covers.sum(axis=-1) == 1  # only itself (rows are distinct)
    return rows[keep]


def bod_weights(values: np.ndarray, lower: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    r"""Benefit-of-the-doubt scores and each unit's most favourable weights (DEA kernel).

    For each unit *u* of each leading index (period), solves

    .. math:: \max_{w \ge 0} \sum_j w_j x_{uj}\quad\text{s.t.}\quad
       \sum_j w_j x_{vj} \le 1\ \ \forall v,\qquad
       w_j x_{uj} \ge \mathrm{lower}\cdot\sum_i w_i x_{ui}\ \ \forall j

    with ``scipy.optimize.linprog(method="highs")``, one small LP per unit;
    only the undominated units' constraints are passed (the others are
    implied).

    Parameters
    ----------
    values : ndarray, shape (..., unit, child)
        Non-negative (not checked here). Units with a NaN are left out of
        every constraint and get NaN.
    lower : float
        Minimum share of each child in the unit's own score; needs
        ``lower * children <= 1``.

    Returns
    -------
    scores : ndarray, shape (..., unit)
        In [0, 1]; 1 on the frontier.
    weights : ndarray, shape (..., unit, child)
        One optimal weight vector per unit (not unique in general); the
        unit's share of child *j* is ``weights * values / scores``.

    Examples
    --------
    >>> scores, w = bod_weights(np.array([[2.0, 1.0], [1.0, 2.0], [1.0, 1.0]]))
    >>> scores.round(6).tolist()
    [1.0, 1.0, 0.666667]
    """
    from scipy.optimize import linprog  # here, not at the top: scipy.optimize is slow to import

    values = np.asarray(values, dtype=np.float64)
    *lead, n_units, n_children = values.shape
    flat = values.reshape(-1, n_units, n_children)
    scores = np.full(flat.shape[:2], np.nan)
    weights = np.full(flat.shape, np.nan)
    shares = lower * np.ones((n_children, n_children)) - np.eye(n_children) if lower > 0 else None
    for b in range(flat.shape[0]):
        complete = ~np.isnan(flat[b]).any(axis=-1)
        if not complete.any():
            continue
        frontier = _undominated(flat[b][complete])
        bound = np.concatenate([np.ones(len(frontier)),
                                np.zeros(n_children if shares is not None else 0)])
        for u in np.flatnonzero(complete):
            x = flat[b, u]
            a_ub = frontier if shares is None else np.vstack([frontier, shares * x])
            result = linprog(-x, A_ub=a_ub, b_ub=bound, bounds=(0, None), method="highs")
            if result.status != 0:  # pragma: no cover - a bounded feasible LP by construction
                raise RuntimeError(f"benefit-of-the-doubt LP failed: {result.message}")
            scores[b, u] = min(1.0, max(0.0, -result.fun))  # solver round-off
            weights[b, u] = result.x
    return scores.reshape(*lead, n_units), weights.reshape(*lead, n_units, n_children)


def bod_scores_with_row(values: np.ndarray, row: int, candidates: np.ndarray,
                        watch: Sequence[int], lower: float = 0.0) -> np.ndarray:
    r"""Benefit-of-the-doubt scores of some units while one unit takes each candidate row (kernel).

    Scores as :func:`bod_weights` gives them for ``values`` with row ``row``
    replaced by each candidate, but only for the units ``watch``, and with
    the LPs of a batch solved together (:func:`zongheng.steps.simplex.max_linear`)
    instead of one ``linprog`` call each:

    - the frontier of the *other* units (their undominated rows) does not
      change with the candidate, so it is found once;
    - the replaced unit scores :math:`\min(1, t)` with *t* its LP against the
      others alone (its own constraint :math:`w \cdot x \le 1` only caps the
      optimum at 1, since the other constraints leave a convex set holding
      :math:`w = 0`). With ``lower = 0`` those LPs share their constraints
      and differ in the objective only, so an optimal basis found for one
      candidate certifies every candidate whose objective lies in the cone of
      its tight constraints, and a feasible weight vector that already gives a
      candidate 1 settles it: only a few LPs are solved, in rounds;
    - another unit *v* keeps its optimum :math:`w^*` against the others
      whenever the candidate satisfies :math:`w^* \cdot x \le 1` (a
      constraint its optimum meets leaves the optimum unchanged); only the
      other candidates need its LP with the candidate's constraint added.

    Every LP the batch cannot certify is solved again with HiGHS. Columns are
    scaled to a maximum of 1 first (the scores do not change: units invariance).

    Parameters
    ----------
    values : ndarray, shape (unit, child)
        Non-negative. Units with a NaN take no part and score NaN.
    row : int
    candidates : ndarray, shape (batch, child)
        A candidate with a NaN leaves the unit out (it scores NaN).
    watch : sequence of int
    lower : float
        Minimum share of each child in a unit's own score, as in :func:`bod_weights`.

    Returns
    -------
    ndarray, shape (batch, len(watch))
        In [0, 1].

    Examples
    --------
    >>> x = np.array([[2.0, 1.0], [1.0, 2.0], [1.0, 1.0]])
    >>> bod_scores_with_row(x, 2, np.array([[1.0, 1.0], [3.0, 3.0]]), [0, 2]).round(6).tolist()
    [[1.0, 0.666667], [0.666667, 1.0]]
    """
    values = np.asarray(values, dtype=np.float64)
    candidates = np.asarray(candidates, dtype=np.float64)
    n_children = values.shape[1]
    complete = ~np.isnan(values).any(axis=1)
    present = ~np.isnan(candidates).any(axis=1)
    top = np.max(np.vstack([np.where(complete[:, None], values, 0.0),
                               np.where(present[:, None], candidates, 0.0)]), axis=0)
    scale = np.where(top > 0, top, 1.0)
    x = values / scale
    rows = np.where(present[:, None], candidates / scale, 0.0)  # an absent candidate: 0·w ≤ 1
    others = complete.copy()
    others[row] = False
    frontier = _undominated(x[others]) if others.any() else np.zeros((0, n_children))
    out = np.full((len(candidates), len(watch)), np.nan)
    for i, v in enumerate(watch):
        if v == row:
            out[:, i] = _bod_replaced(frontier, rows, lower)
            out[~present, i] = np.nan
        elif complete[v]:
            out[:, i] = _bod_other(frontier, x[v], rows, lower)
    return out


def _bod_problem(frontier: np.ndarray, own: np.ndarray, extra: np.ndarray | None,
                 lower: float) -> tuple[np.ndarray, np.ndarray]:
    """Return ``A, b`` of the LPs of units ``own`` (batch, child) against the frontier (and ``extra``)."""
    batch, n = own.shape
    parts = [np.broadcast_to(frontier, (batch, *frontier.shape))]
    if extra is not None:
        parts.append(extra[:, None, :])
    ones = sum(p.shape[1] for p in parts)
    if lower > 0:  # w_j x_j ≥ lower Σ w_i x_i, as lower Σ w_i x_i − w_j x_j ≤ 0
        parts.append((lower * np.ones((n, n)) - np.eye(n))[None] * own[:, None, :])
    a = np.concatenate(parts, axis=1)
    b = np.zeros(a.shape[:2])
    b[:, :ones] = 1.0
    return a, b


def _bod_solve(c: np.ndarray, a: np.ndarray, b: np.ndarray,
               basis: bool = False) -> tuple[np.ndarray, ...]:
    """Solve ``max c·w, A w ≤ b, w ≥ 0`` in a batch; HiGHS for the LPs the batch leaves unsolved.

    With ``basis``, also the tight constraints of each optimum (NaN for those HiGHS solved).
    """
    from zongheng.steps.simplex import max_linear

    value, w = np.empty(len(c)), np.empty(c.shape)
    tight = np.full((len(c), c.shape[1], c.shape[1]), np.nan)
    chunk = max(1, _BATCH_FLOATS // max(1, a[0].size))
    for start in range(0, len(c), chunk):
        part = slice(start, start + chunk)
        value[part], w[part], tight[part] = max_linear(c[part], a[part], b[part], basis=True)
    for j in np.flatnonzero(np.isnan(value)):  # a safety net: the batch could not certify these
        from scipy.optimize import linprog

        result = linprog(-c[j], A_ub=a[j], b_ub=b[j], bounds=(0, None), method="highs")
        unbounded = result.status == 3  # BoD's LP against the others alone, a child all 0 there
        value[j] = np.inf if unbounded else -result.fun
        w[j] = np.nan if unbounded else result.x
        tight[j] = np.nan  # no basis to certify others by
    return (value, w, tight) if basis else (value, w)


def _bod_replaced(frontier: np.ndarray, rows: np.ndarray, lower: float) -> np.ndarray:
    """Return the score of the replaced unit for each candidate row."""
    if lower > 0 or not len(frontier):
        a, b = _bod_problem(frontier, rows, rows, lower)
        return np.clip(_bod_solve(rows, a, b)[0], 0.0, 1.0)
    return _bod_against(frontier, rows)


_CERTIFY = 1e-12  # a dual value above −this certifies a basis (data scaled to a maximum of 1)


def _bod_against(frontier: np.ndarray, rows: np.ndarray) -> np.ndarray:
    r"""Return :math:`\min(1, \max\{w \cdot x : w \ge 0, F w \le 1\})` for each row *x*.

    The LPs share their constraints and differ in the objective only, so an
    optimal basis found for one row is optimal for every row whose objective
    lies in the cone of its tight constraints (non-negative duals), which a
    product with the basis inverse tells for all rows at once. LPs are solved
    in rounds of growing size, from rows spread over those still open, and
    each round's bases certify what they can; the frontier units' own optima
    start the list (a feasible weight vector giving a row 1 settles it too).
    """
    def solve(objectives: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        size = len(objectives)
        value, w, tight = _bod_solve(objectives, np.broadcast_to(frontier, (size, *frontier.shape)),
                                     np.ones((size, len(frontier))), basis=True)
        w = w / np.maximum(1.0, (w @ frontier.T).max(axis=1, initial=0.0))[:, None]  # feasible
        good = np.isfinite(value) & np.isfinite(tight).all(axis=(1, 2))
        good[good] = np.abs(np.linalg.det(tight[good])) > 1e-300
        return value, w, w[good], np.linalg.inv(tight[good]) if good.any() else tight[:0]

    _, _, vertices, inverses = solve(frontier)
    score = np.full(len(rows), np.nan)
    todo = np.arange(len(rows))
    size = 8
    while len(todo):
        if len(vertices):
            bound = rows[todo] @ vertices.T  # each a lower bound: the vertices are feasible
            best = bound.argmax(axis=1)
            low = bound[np.arange(len(todo)), best]
            settled = low >= 1.0
            for k in np.unique(best[~settled]):
                group = np.flatnonzero((best == k) & ~settled)
                dual = rows[todo[group]] @ inverses[k]
                settled[group[(dual >= -_CERTIFY).all(axis=1)]] = True
            score[todo[settled]] = low[settled]
            todo = todo[~settled]
        if not len(todo):
            break
        pick = todo[np.unique(np.linspace(0, len(todo) - 1, min(size, len(todo))).astype(int))]
        score[pick], _, found, found_inverses = solve(rows[pick])
        vertices = np.concatenate([vertices, found])
        inverses = np.concatenate([inverses, found_inverses])
        todo = np.setdiff1d(todo, pick)
        size *= 2
    return np.clip(score, 0.0, 1.0)


def _bod_other(frontier: np.ndarray, own: np.ndarray, rows: np.ndarray, lower: float) -> np.ndarray:
    """Return the score of a unit that is not replaced, for each candidate row of the replaced one."""
    a, b = _bod_problem(frontier, own[None], None, lower)
    value, w = _bod_solve(own[None], a, b)
    w = w[0] / max(1.0, float((a[0] @ w[0])[b[0] > 0].max(initial=0.0)))  # feasible for certain
    score = np.full(len(rows), float(value[0]))
    todo = np.flatnonzero(rows @ w > 1.0)
    if len(todo):
        a, b = _bod_problem(frontier, np.broadcast_to(own, (len(todo), len(own))), rows[todo], lower)
        score[todo] = _bod_solve(np.broadcast_to(own, (len(todo), len(own))), a, b)[0]
    return np.clip(score, 0.0, 1.0)


@register
@dataclass(frozen=True)
class BenefitOfTheDoubt(Aggregator):
    r"""Benefit of the doubt (有利权重法, BoD/DEA).

    Each unit is scored with the weights most favourable to it (data
    envelopment analysis with the children as outputs and a unit input):

    .. math:: s_u = \mathrm{scale}\cdot\max_{w \ge 0} \sum_j w_j x_{uj}\quad
       \text{s.t.}\quad \sum_j w_j x_{vj} \le 1 \text{ for every unit } v
       \text{ of the period}

    so the score is in [0, 1], 1 for the units on the frontier: no weights
    make anyone look better than 1. **The framework's weights are not used**
    (they only say which children belong to the parent); ``lower`` bounds the
    share each child must have in a unit's own score,
    :math:`w_j x_{uj} \ge \mathrm{lower}\cdot\sum_i w_i x_{ui}`, so that no
    child is weighted to zero. Scores do not change when a child is rescaled
    (units invariance). One LP per unit (``scipy.optimize.linprog``, HiGHS),
    with only the undominated units as constraints; :func:`bod_weights`
    returns the weights for reports.

    Values must be ≥ 0 (a ``MethodError`` names the children that are not;
    min-max normalisation gives that). Missing values: a unit with a missing
    child gets no score for this parent and is left out of the frontier
    (complete cases). A constant child is treated like any other; a unit
    whose children are all 0 scores 0.

    Parameters
    ----------
    lower : float, default 0
        Minimum share of every child in each unit's score, in [0, 1); a
        parent with *k* children needs ``lower <= 1/k``.
    scale : float, default 1
        The score is the optimum times ``scale``.

    References
    ----------
    Cherchye, L., Moesen, W., Rogge, N. & Van Puyenbroeck, T. (2007). An
    introduction to 'benefit of the doubt' composite indicators. *Social
    Indicators Research* 82, 111–145.

    OECD/JRC (2008). *Handbook on Constructing Composite Indicators:
    Methodology and User Guide*, §6.1. OECD Publishing.

    Examples
    --------
    >>> x = np.array([[[2.0, 1.0], [1.0, 2.0], [1.0, 1.0]]])
    >>> BenefitOfTheDoubt().combine(x, np.array([[1.0], [1.0]])).round(4).tolist()
    [[[1.0], [1.0], [0.6667]]]
    """

    key = "bod"
    lower: float = 0.0
    scale: float = 1.0

    def __post_init__(self) -> None:
        _positive("lower", self.lower, allow_zero=True)
        if self.lower >= 1:
            raise ValueError(f"lower must be below 1, got {self.lower!r}")
        _positive("scale", self.scale)

    def combine(self, values: np.ndarray, weights: np.ndarray, ctx: Context | None = None) -> np.ndarray:
        """Return each unit's benefit-of-the-doubt score, per parent and period."""
        values = np.asarray(values, dtype=np.float64)
        weights = np.asarray(weights, dtype=np.float64)
        _check_domain(values, weights, ctx, self.key, strict=False)
        problems = []
        for _, rows, _ in _parents(weights):
            if self.lower * len(rows) > 1 + 1e-12:
                problems.append(Problem("agg_bod_lower_infeasible", {
                    "lower": self.lower, "n": len(rows), "limit": round(1 / len(rows), 6),
                    "children": _children_where(rows, ctx)}, key="aggregate"))
        if problems:
            raise MethodError(problems)
        return self.scale * _per_parent(values, weights, lambda x, w: bod_weights(x, self.lower)[0])

    def scores_with_row(self, values: np.ndarray, weights: np.ndarray, row: int,
                        candidates: np.ndarray, watch: Sequence[int]) -> np.ndarray:
        """Return some units' scores as one unit takes each candidate row: two LPs per candidate.

        The same scores as :meth:`combine` (see :func:`bod_scores_with_row`);
        the framework's weights are not used, as in :meth:`combine`.
        """
        return self.scale * bod_scores_with_row(values, row, candidates, watch, self.lower)
