r"""Weight (赋权): the weight of each node within its parent.

Weights are asked for parent by parent while aggregating, level by level, so a
data-driven method (entropy, CRITIC …) sees the scores of the children it
weighs — normalised indicators at the first level, aggregated scores above.
Weights are common to every period: data-driven weights are learned over the
pooled periods or a base period.

The catalogue (赋权方法目录):

- subjective (主观赋权): ``framework``, ``given``, ``equal``, ``ahp``;
- objective (客观赋权, learned from the data): ``entropy``, ``critic``, ``cv``,
  ``pca``, ``optimised``;
- both (主客观组合赋权): ``combined``.

Every weight handed to the aggregator is positive. A method that gives a child
no weight at all (a constant child under entropy, CRITIC, the coefficient of
variation, PCA or the optimisation) gives it :data:`WEIGHT_FLOOR` of the
parent's total instead, with a :class:`~zongheng.errors.ConstantIndicatorWarning`
naming it. The pure functions (:func:`entropy_weights`, :func:`critic_weights`,
:func:`cv_weights`, :func:`pca_weights`, :func:`ahp_weights`,
:func:`optimised_weights`) return the method's own numbers, zeros included.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from zongheng.errors import ConstantIndicatorWarning, MethodError, Problem, ZonghengWarning
from zongheng.i18n import register_messages, text
from zongheng.steps.base import Context, Scope, Step, register, step_from_spec

__all__ = [
    "CR_THRESHOLD",
    "RANDOM_INDEX",
    "RECIPROCAL_TOLERANCE",
    "WEIGHT_FLOOR",
    "AHPResult",
    "AHPWeights",
    "CRITICWeights",
    "CVWeights",
    "CombinedWeights",
    "DataDrivenWeights",
    "EntropyWeights",
    "EqualWeights",
    "FrameworkWeights",
    "GivenWeights",
    "OptimisationWarning",
    "OptimisedResult",
    "OptimisedWeights",
    "PCAResult",
    "PCAWeights",
    "Weigher",
    "ahp_weights",
    "critic_weights",
    "cv_weights",
    "entropy_weights",
    "optimised_weights",
    "parent_correlations",
    "pca_weights",
    "varimax",
]

#: Share of its parent's total weight given to a child that the method gives none.
WEIGHT_FLOOR = 1e-9

#: Saaty's random consistency index RI by matrix order n (Saaty 1980).
RANDOM_INDEX: dict[int, float] = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32,
                                  8: 1.41, 9: 1.45, 10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56,
                                  14: 1.57, 15: 1.59}

#: Largest acceptable consistency ratio CR of a pairwise comparison matrix.
CR_THRESHOLD = 0.1

#: Relative tolerance of reciprocity, |a_ij · a_ji − 1| ≤ tolerance (0.33 for 1/3 passes).
RECIPROCAL_TOLERANCE = 0.05

register_messages({
    "weight_raw_needs_indicators": (
        "权重方法 {method} 的 data: raw 只能为指标赋权，而 {parent} 的下级 {children} 是汇总项；"
        "请用 levels 限定到指标所在层级，或改用 data: scores",
        "data: raw of the weight method {method} weighs indicators only, but {parent} has the "
        "aggregate child(ren) {children}; limit it with levels, or use data: scores",
    ),
    "weight_per_period": (
        "权重方法 {method} 的 scope 不能是 per_period：权重须对所有时期一致（可用 pooled 或 base:<时期>）",
        "the scope of the weight method {method} cannot be per_period: weights are common to every "
        "period (use pooled or base:<period>)",
    ),
    "weight_too_few_rows": (
        "'{parent}' 的下级在参照范围内只有 {n} 个完整样本（单位×时期），客观赋权至少需要 2 个",
        "the children of '{parent}' have {n} complete row(s) (unit × period) in the reference "
        "scope; objective weights need at least 2",
    ),
    "weight_negative": (
        "{method} 要求非负数据，但 '{child}'（'{parent}' 的下级）的最小值为 {value:g}；"
        "请先标准化到非负区间（如 minmax 0–100）",
        "{method} needs non-negative data, but '{child}' (under '{parent}') has minimum "
        "{value:g}; normalise to a non-negative range first (e.g. minmax 0–100)",
    ),
    "weight_zero_mean": (
        "'{child}'（'{parent}' 的下级）均值为 0，无法计算变异系数",
        "'{child}' (under '{parent}') has mean 0: its coefficient of variation is undefined",
    ),
    "weight_unknown_node": (
        "{method} 的参数 {param} 中的 '{code}' 不是指标体系中的节点",
        "'{code}' in the {param} of {method} is not a node of the framework",
    ),
    "weight_ahp_unknown_parent": (
        "判断矩阵 '{parent}' 不是指标体系中的汇总项（可用: {allowed}）",
        "the pairwise matrix '{parent}' is not an aggregate of the framework (known: {allowed})",
    ),
    "weight_ahp_not_square": (
        "判断矩阵 '{parent}' 必须是方阵，实际为 {shape}",
        "the pairwise matrix of '{parent}' must be square, got {shape}",
    ),
    "weight_ahp_children": (
        "判断矩阵 '{parent}' 的指标 ({found}) 与其下级 ({expected}) 不一致",
        "the pairwise matrix of '{parent}' compares ({found}), but its children are ({expected})",
    ),
    "weight_ahp_size": (
        "判断矩阵 '{parent}' 为 {n} 阶，但它有 {k} 个下级 ({expected})",
        "the pairwise matrix of '{parent}' has order {n}, but it has {k} children ({expected})",
    ),
    "weight_ahp_labels": (
        "判断矩阵 '{parent}' 的首行 ({columns}) 与首列 ({rows}) 不一致",
        "the pairwise matrix of '{parent}': its first row ({columns}) and first column ({rows}) "
        "differ",
    ),
    "weight_ahp_not_positive": (
        "判断矩阵 '{parent}' 的元素必须是正数，第 {row} 行第 {column} 列为 {value!r}",
        "the entries of the pairwise matrix of '{parent}' must be positive; row {row}, column "
        "{column} is {value!r}",
    ),
    "weight_ahp_not_reciprocal": (
        "判断矩阵 '{parent}' 不满足互反性: a[{row},{column}] = {a:g}，a[{column},{row}] = {b:g}，"
        "应为 1/{a:g}",
        "the pairwise matrix of '{parent}' is not reciprocal: a[{row},{column}] = {a:g} but "
        "a[{column},{row}] = {b:g}, expected 1/{a:g}",
    ),
    "weight_ahp_too_large": (
        "判断矩阵 '{parent}' 有 {n} 阶，Saaty 随机一致性指标 RI 只到 15 阶",
        "the pairwise matrix of '{parent}' has order {n}; Saaty's random index RI stops at 15",
    ),
    "weight_ahp_inconsistent": (
        "判断矩阵 '{parent}' 的一致性比率 CR = {cr:.4f} 超过 {threshold}（λmax = {lambda_max:.4f}，"
        "CI = {ci:.4f}）；请修改判断矩阵，或设置 allow_inconsistent: true",
        "the pairwise matrix of '{parent}' has consistency ratio CR = {cr:.4f} above {threshold} "
        "(λmax = {lambda_max:.4f}, CI = {ci:.4f}); revise it or set allow_inconsistent: true",
    ),
    "warn_weight_constant": (
        "'{parent}' 的下级 {children} 在参照范围内取值全部相同，没有区分信息，权重取极小正值",
        "the children {children} of '{parent}' are constant over the reference scope: they "
        "carry no information and get a tiny positive weight",
    ),
    "warn_weight_all_constant": (
        "'{parent}' 的下级在参照范围内全部为常数，改用等权",
        "every child of '{parent}' is constant over the reference scope: equal weights used",
    ),
    "warn_weight_not_optimal": (
        "'{parent}' 的优化权重未达到目标（{status}）: 相关系数占比 {achieved}，目标 {target}",
        "the optimised weights of '{parent}' miss the target ({status}): correlation shares "
        "{achieved}, target {target}",
    ),
})


class OptimisationWarning(ZonghengWarning):
    """Optimised weights did not reach the target importances (优化权重未达到目标)."""


# -- base classes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Weigher(Step):
    """Base of weighting steps: ``weights_for`` gives the weights of one parent's children."""

    stage = "weight"

    def weights_for(self, parent: str, children: Sequence[str], scores: np.ndarray,
                    ctx: Context) -> np.ndarray:
        """Return the weights of ``children`` within ``parent``, shape (child,), all > 0.

        Parameters
        ----------
        parent : str
            The parent's code.
        children : sequence of str
            The children's codes, in framework order.
        scores : ndarray, shape (period, unit, child)
            The children's scores (normalised values for indicators); screened
            units are NaN.
        ctx : Context
        """
        return np.array([ctx.framework.node(c).weight for c in children], dtype=np.float64)


@register
@dataclass(frozen=True)
class FrameworkWeights(Weigher):
    """Weights as written in the framework (指标体系权重)."""

    key = "framework"


@register
@dataclass(frozen=True)
class GivenWeights(Weigher):
    """Expert weights given in the method (专家赋权), overriding the framework's.

    Parameters
    ----------
    weights : mapping of str to float
        Weight within its parent by node code; nodes not named keep the
        framework's weight.
    """

    key = "given"
    weights: Mapping[str, float] = field(default_factory=dict)

    def weights_for(self, parent: str, children: Sequence[str], scores: np.ndarray,
                    ctx: Context) -> np.ndarray:
        """Return the given weight of each child, else the framework's."""
        problems = [Problem("method_bad_param", {"name": self.key, "detail": f"unknown node {c!r}"},
                            key=f"weight.weights.{c}")
                    for c in self.weights if c not in ctx.framework.by_code]
        problems += [Problem("fw_bad_weight", {"code": c, "weight": w}, key=f"weight.weights.{c}")
                     for c, w in self.weights.items()
                     if not (isinstance(w, int | float) and not isinstance(w, bool) and w > 0)]
        if problems:
            raise MethodError(problems)
        return np.array([float(self.weights.get(c, ctx.framework.node(c).weight)) for c in children])


@register
@dataclass(frozen=True)
class EqualWeights(Weigher):
    """Equal weights (等权法): every child of a parent weighs the same.

    .. math:: w_j = \\frac{1}{n}

    for the *n* children of a parent; the framework's weights are ignored.
    Missing values do not matter: the aggregator rescales the weights of the
    known children, which stay equal.

    References
    ----------
    OECD/JRC (2008). *Handbook on Constructing Composite Indicators:
    Methodology and User Guide*, §6.1 (equal weighting). OECD Publishing.
    """

    key = "equal"

    def weights_for(self, parent: str, children: Sequence[str], scores: np.ndarray,
                    ctx: Context) -> np.ndarray:
        """Return one for every child."""
        return np.ones(len(children))


@dataclass(frozen=True)
class DataDrivenWeights(Weigher):
    """Base of weights learned from the data (客观赋权).

    Parameters
    ----------
    levels : sequence of int, optional
        The levels whose children are weighted from the data (2 = indicators
        within their dimensions); the other levels keep the framework's
        weights. All levels by default.
    scope : str, optional
        ``pooled`` (default) or ``base:<period>``: weights are common to all periods.
    """

    levels: tuple[int, ...] | None = None
    scope: str | None = None

    def __post_init__(self) -> None:
        if self.levels is not None:
            levels = (self.levels,) if isinstance(self.levels, int) else tuple(self.levels)
            if not levels or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 2
                                     for v in levels):
                raise ValueError(f"levels must be aggregate levels (integers ≥ 2), got {self.levels!r}")
            object.__setattr__(self, "levels", levels)
        if self.scope is not None:
            if Scope.parse(self.scope).kind == "per_period":
                raise ValueError("scope must be pooled or base:<period>: weights are common to "
                                 "all periods")
            object.__setattr__(self, "scope", Scope.parse(self.scope).to_spec())

    def weights_for(self, parent: str, children: Sequence[str], scores: np.ndarray,
                    ctx: Context) -> np.ndarray:
        """Learn the weights from the children's scores, or use the framework's on other levels."""
        if self.levels is not None and ctx.framework.levels[parent] not in self.levels:
            return super().weights_for(parent, children, scores, ctx)
        if len(children) == 1:
            return np.ones(1)
        values = self.values_for(parent, children, scores, ctx)
        return self.learn(self.sample(values, ctx), parent, children, ctx)

    def values_for(self, parent: str, children: Sequence[str], scores: np.ndarray,
                   ctx: Context) -> np.ndarray:
        """Return what the weights are learned from: the children's scores (by default)."""
        return scores

    def sample(self, scores: np.ndarray, ctx: Context) -> np.ndarray:
        """Return the rows (unit-periods of the scope) with every child known, shape (n, child)."""
        scope = ctx.scope_of(self)
        if scope.kind == "per_period":
            if self.scope is None:
                # Weights are common to every period: a method-wide per_period scope (meant for
                # goalposts) leaves data-driven weights learned over all periods pooled.
                scope = Scope.parse("pooled")
            else:
                raise MethodError([Problem("weight_per_period", {"method": self.key},
                                           key="weight.scope")])
        rows, _ = scope.split(scores, ctx)
        rows = rows.reshape(-1, scores.shape[-1])
        missing = np.isnan(rows).any(axis=1)
        return rows[~missing] if missing.any() else rows  # no copy when nothing is missing

    def learn(self, sample: np.ndarray, parent: str, children: Sequence[str],
              ctx: Context) -> np.ndarray:
        """Return weights from the sample (n, child); subclasses implement the method."""
        raise NotImplementedError


@dataclass(frozen=True)
class _Objective(DataDrivenWeights):
    """Objective weights from a pure function of the sample, with the common checks.

    Checks that the sample has two rows, warns about constant children, calls
    :meth:`compute` and floors zero weights to :data:`WEIGHT_FLOOR`.
    """

    method_name = ""

    def learn(self, sample: np.ndarray, parent: str, children: Sequence[str],
              ctx: Context) -> np.ndarray:
        """Return the method's weights of the sample's columns, all positive."""
        if sample.shape[0] < 2:
            raise MethodError([Problem("weight_too_few_rows", {"parent": parent, "n": sample.shape[0]},
                                       key="weight")])
        self.check(sample, parent, children)
        constant = np.fmax.reduce(sample, axis=0) == np.fmin.reduce(sample, axis=0)
        if constant.all():
            warnings.warn(text("warn_weight_all_constant", parent=parent), ConstantIndicatorWarning,
                          stacklevel=4)
            return np.ones(len(children))
        if constant.any():
            names = ", ".join(c for c, k in zip(children, constant, strict=True) if k)
            warnings.warn(text("warn_weight_constant", parent=parent, children=names),
                          ConstantIndicatorWarning, stacklevel=4)
        return _positive(self.compute(sample, parent, children, ctx))

    def check(self, sample: np.ndarray, parent: str, children: Sequence[str]) -> None:
        """Raise a :class:`MethodError` when the sample does not suit the method."""

    def compute(self, sample: np.ndarray, parent: str, children: Sequence[str],
                ctx: Context) -> np.ndarray:
        """Return the method's weights (zeros allowed) of a complete sample."""
        raise NotImplementedError

    def _nonnegative(self, sample: np.ndarray, parent: str, children: Sequence[str]) -> None:
        low = np.fmin.reduce(sample, axis=0)
        problems = [Problem("weight_negative", {"method": self.method_name, "child": c,
                                                "parent": parent, "value": float(v)}, key="weight")
                    for c, v in zip(children, low, strict=True) if v < 0]
        if problems:
            raise MethodError(problems)


def _positive(w: np.ndarray) -> np.ndarray:
    """Normalise to sum 1 and lift zero weights to :data:`WEIGHT_FLOOR`."""
    w = np.asarray(w, dtype=np.float64)
    w = np.maximum(w / w.sum(), WEIGHT_FLOOR)
    return w / w.sum()


def _check_sample(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"the sample must be 2-D (row, child), got shape {x.shape}")
    if x.shape[0] < 2:
        raise ValueError(f"the sample needs at least 2 rows, got {x.shape[0]}")
    if not np.isfinite(x).all():
        raise ValueError("the sample must be finite (drop rows with missing values first)")
    return x


def _informative(x: np.ndarray, weigh: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Apply ``weigh`` to the non-constant columns; constant ones get 0, all constant: equal."""
    constant = np.fmax.reduce(x, axis=0) == np.fmin.reduce(x, axis=0)
    if constant.all():
        return np.full(x.shape[1], 1.0 / x.shape[1])
    if not constant.any():
        return weigh(x)  # no copy of the sample in the usual case
    w = np.zeros(x.shape[1])
    w[~constant] = weigh(x[:, ~constant])
    return w


def _share(v: np.ndarray) -> np.ndarray:
    """Return ``v / v.sum()``, or equal shares when everything is zero."""
    total = v.sum()
    return v / total if total > 0 else np.full(v.shape, 1.0 / v.size)


# -- entropy ------------------------------------------------------------------------------------


def entropy_weights(x: np.ndarray) -> np.ndarray:
    r"""Entropy weights (熵权法) of the columns of a complete sample (pure kernel).

    .. math::
        p_{ij} = \frac{x_{ij}}{\sum_i x_{ij}}, \quad
        e_j = -\frac{1}{\ln m} \sum_i p_{ij} \ln p_{ij}, \quad
        d_j = 1 - e_j, \quad w_j = \frac{d_j}{\sum_k d_k}

    with *m* rows and :math:`0 \ln 0 = 0`. :math:`d_j` is computed as
    :math:`\sum_i p_{ij} \ln(m\,p_{ij}) / \ln m`, the same number without the
    cancellation of :math:`1 - e_j` for a nearly constant column.

    Parameters
    ----------
    x : array_like, shape (row, child)
        Non-negative, finite values.

    Returns
    -------
    ndarray, shape (child,)
        Sums to 1. A constant column gets 0; if every column is constant, all
        get equal weights.

    Raises
    ------
    ValueError
        If a value is negative or missing, or there are fewer than 2 rows.
    """
    x = _check_sample(x)
    if np.fmin.reduce(x, axis=None) < 0:
        raise ValueError("entropy weights need non-negative values")

    def weigh(v: np.ndarray) -> np.ndarray:
        m = v.shape[0]
        t = v * (m / v.sum(axis=0))  # t = m·p, so that Σ p ln(m p) = Σ t ln t / m
        if np.fmin.reduce(t, axis=None) > 0:
            log_t = np.log(t)
        else:
            with np.errstate(divide="ignore"):
                log_t = np.where(t > 0, np.log(t), 0.0)  # 0 ln 0 = 0
        d = np.einsum("ij,ij->j", t, log_t) / (m * math.log(m))
        return _share(np.clip(d, 0.0, None))

    return _informative(x, weigh)


@register
@dataclass(frozen=True)
class EntropyWeights(_Objective):
    r"""Entropy weights (熵权法): the more a child's values differ across units, the more it weighs.

    Over the rows of the reference scope (unit × period, rows with a missing
    child dropped), with *m* rows:

    .. math::
        p_{ij} = \frac{x_{ij}}{\sum_i x_{ij}}, \quad
        e_j = -\frac{1}{\ln m} \sum_i p_{ij} \ln p_{ij} \;(0 \ln 0 = 0), \quad
        d_j = 1 - e_j, \quad w_j = \frac{d_j}{\sum_k d_k}

    The values must be non-negative, so use it after a normalisation to a
    non-negative range (minmax 0–100 by default); a negative value is a
    :class:`~zongheng.errors.MethodError` naming the child. A constant child
    has :math:`e_j = 1` and no weight: it gets :data:`WEIGHT_FLOOR` of the
    parent's total with a :class:`~zongheng.errors.ConstantIndicatorWarning`;
    if every child is constant, weights are equal (with the warning).

    Parameters
    ----------
    With ``data="raw"`` the entropy is taken on the indicators' raw values
    as they are in the data (the matrix that libraries such as pymcdm and
    scikit-criteria weigh, direction ignored), instead of on their normalised
    scores (default: lower-is-better indicators already mirrored, so that a
    cost criterion's spread counts the same way as a benefit's). The two
    differ for cost criteria and for normalisations that are not linear; raw
    values weigh indicators only, so a parent with an aggregate child is a
    :class:`~zongheng.errors.MethodError` then.

    Parameters
    ----------
    levels : sequence of int, optional
        Levels weighted this way (2 = indicators within their dimensions);
        the others keep the framework's weights. All by default.
    scope : str, optional
        ``pooled`` (default: the method's scope) or ``base:<period>``.
    data : {"scores", "raw"}, default "scores"
        Weigh the children's normalised scores or the indicators' raw values.

    References
    ----------
    Xu, X. (2004). A note on the subjective and objective integrated approach
    to determine attribute weights. *European Journal of Operational Research*
    156(2), 530–532 (the worked example reproduced in the tests).
    """

    key = "entropy"
    method_name = "entropy"
    data: str = "scores"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.data not in ("scores", "raw"):
            raise ValueError(f"data must be 'scores' or 'raw', got {self.data!r}")

    def values_for(self, parent: str, children: Sequence[str], scores: np.ndarray,
                   ctx: Context) -> np.ndarray:
        """Return the children's scores, or the indicators' raw values with ``data="raw"``."""
        return _raw_values(parent, children, ctx, self.key) if self.data == "raw" else scores

    def check(self, sample: np.ndarray, parent: str, children: Sequence[str]) -> None:
        """Refuse negative values, naming the child."""
        self._nonnegative(sample, parent, children)

    def compute(self, sample: np.ndarray, parent: str, children: Sequence[str],
                ctx: Context) -> np.ndarray:
        """Return :func:`entropy_weights` of the sample."""
        return entropy_weights(sample)


def _raw_values(parent: str, children: Sequence[str], ctx: Context, method: str) -> np.ndarray:
    """Return the raw values of indicator children (screened units NaN), shape (period, unit, child)."""
    codes = ctx.framework.indicator_codes
    aggregates = [c for c in children if c not in codes]
    if aggregates:
        raise MethodError([Problem("weight_raw_needs_indicators", {
            "method": method, "parent": parent, "children": ", ".join(aggregates)}, key="weight.data")])
    values = ctx.panel.values[..., [codes.index(c) for c in children]]
    if ctx.included is not None:
        values = np.where(ctx.included[..., None], values, np.nan)
    return values


# -- CRITIC -------------------------------------------------------------------------------------


def _correlation(x: np.ndarray, method: str) -> np.ndarray:
    if method == "spearman":
        from scipy.stats import rankdata

        x = rankdata(x, axis=0)
    return np.atleast_2d(np.corrcoef(x, rowvar=False))


def critic_weights(x: np.ndarray, correlation: str = "pearson") -> np.ndarray:
    r"""CRITIC weights (CRITIC 法) of the columns of a complete sample (pure kernel).

    .. math::
        C_j = \sigma_j \sum_k (1 - r_{jk}), \quad w_j = \frac{C_j}{\sum_k C_k}

    with :math:`\sigma_j` the standard deviation of column *j* and
    :math:`r_{jk}` the Pearson (or Spearman) correlation. The data are used as
    given: the published method scales each column to [0, 1] first.

    Parameters
    ----------
    x : array_like, shape (row, child)
    correlation : {"pearson", "spearman"}

    Returns
    -------
    ndarray, shape (child,)
        Sums to 1. A constant column gets 0 and is left out of the others'
        correlations; if every :math:`C_j` is 0 (all constant, or all
        perfectly correlated) the weights are equal.
    """
    if correlation not in ("pearson", "spearman"):
        raise ValueError(f"correlation must be pearson or spearman, got {correlation!r}")
    x = _check_sample(x)

    def weigh(v: np.ndarray) -> np.ndarray:
        sigma = v.std(axis=0)
        conflict = np.clip(1.0 - _correlation(v, correlation), 0.0, None)
        conflict[conflict < 1e-12] = 0.0  # perfect correlation up to rounding
        return _share(sigma * conflict.sum(axis=1)) if v.shape[1] > 1 else np.ones(1)

    return _informative(x, weigh)


@register
@dataclass(frozen=True)
class CRITICWeights(_Objective):
    r"""CRITIC weights (CRITIC 法, 指标间相关性赋权): contrast times conflict.

    A child weighs more when its values vary more (contrast, the standard
    deviation) and when it correlates less with its siblings (conflict):

    .. math::
        C_j = \sigma_j \sum_k (1 - r_{jk}), \quad w_j = \frac{C_j}{\sum_k C_k}

    over the rows of the reference scope (rows with a missing child dropped).
    The children's scores are used as they reach the weight step; after a
    min-max normalisation this is the published method (Diakoulaki et al.
    scale every criterion to [0, 1]; a common scale factor does not change the
    weights). A constant child has no contrast: it gets :data:`WEIGHT_FLOOR`
    with a :class:`~zongheng.errors.ConstantIndicatorWarning` and is left out
    of the others' conflict; if every child is constant (or all are perfectly
    correlated) the weights are equal.

    Parameters
    ----------
    correlation : {"pearson", "spearman"}, default "pearson"
        Correlation used for the conflict.
    levels : sequence of int, optional
        Levels weighted this way; the others keep the framework's weights.
    scope : str, optional
        ``pooled`` (default) or ``base:<period>``.

    References
    ----------
    Diakoulaki, D., Mavrotas, G. & Papayannakis, L. (1995). Determining
    objective weights in multiple criteria problems: the CRITIC method.
    *Computers & Operations Research* 22(7), 763–770.
    """

    key = "critic"
    correlation: str = "pearson"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.correlation not in ("pearson", "spearman"):
            raise ValueError(f"correlation must be pearson or spearman, got {self.correlation!r}")

    def compute(self, sample: np.ndarray, parent: str, children: Sequence[str],
                ctx: Context) -> np.ndarray:
        """Return :func:`critic_weights` of the sample."""
        return critic_weights(sample, self.correlation)


# -- coefficient of variation -------------------------------------------------------------------


def cv_weights(x: np.ndarray) -> np.ndarray:
    r"""Coefficient-of-variation weights (变异系数法) of the columns of a sample (pure kernel).

    .. math:: v_j = \frac{\sigma_j}{|\mu_j|}, \quad w_j = \frac{v_j}{\sum_k v_k}

    Returns
    -------
    ndarray, shape (child,)
        Sums to 1; a constant column gets 0 (all constant: equal weights).

    Raises
    ------
    ValueError
        If a non-constant column has mean 0.
    """
    x = _check_sample(x)

    def weigh(v: np.ndarray) -> np.ndarray:
        mu = np.abs(v.mean(axis=0))
        if (mu == 0).any():
            raise ValueError("a column has mean 0: its coefficient of variation is undefined")
        return _share(v.std(axis=0) / mu)

    return _informative(x, weigh)


@register
@dataclass(frozen=True)
class CVWeights(_Objective):
    r"""Coefficient-of-variation weights (变异系数法): relative dispersion.

    .. math:: v_j = \frac{\sigma_j}{|\mu_j|}, \quad w_j = \frac{v_j}{\sum_k v_k}

    over the rows of the reference scope (rows with a missing child dropped).
    The result depends on where the scale's zero lies, so use it on
    ratio-scale data or after a normalisation with a meaningful zero. A child
    whose mean is 0 but which varies is a :class:`~zongheng.errors.MethodError`
    naming it; a constant child gets :data:`WEIGHT_FLOOR` with a
    :class:`~zongheng.errors.ConstantIndicatorWarning` (all constant: equal
    weights).

    Parameters
    ----------
    levels : sequence of int, optional
        Levels weighted this way; the others keep the framework's weights.
    scope : str, optional
        ``pooled`` (default) or ``base:<period>``.

    References
    ----------
    OECD/JRC (2008). *Handbook on Constructing Composite Indicators:
    Methodology and User Guide*, §6.1 (weights from statistical models).
    """

    key = "cv"

    def check(self, sample: np.ndarray, parent: str, children: Sequence[str]) -> None:
        """Refuse a varying child with mean 0, naming it."""
        zero = (sample.mean(axis=0) == 0) & (np.ptp(sample, axis=0) > 0)
        if zero.any():
            raise MethodError([Problem("weight_zero_mean", {"child": c, "parent": parent}, key="weight")
                               for c, z in zip(children, zero, strict=True) if z])

    def compute(self, sample: np.ndarray, parent: str, children: Sequence[str],
                ctx: Context) -> np.ndarray:
        """Return :func:`cv_weights` of the sample."""
        return cv_weights(sample)


# -- PCA ----------------------------------------------------------------------------------------


def varimax(loadings: np.ndarray, *, normalize: bool = True, max_iter: int = 500,
            tol: float = 1e-12) -> np.ndarray:
    r"""Varimax rotation (方差最大正交旋转) of a loading matrix (Kaiser 1958).

    Finds the orthogonal rotation maximising the variance of the squared
    loadings within each factor,

    .. math:: V = \sum_f \Big[\frac{1}{p} \sum_j b_{jf}^4 -
        \Big(\frac{1}{p} \sum_j b_{jf}^2\Big)^2\Big],

    by Kaiser's sweeps over pairs of factors: for factors *f*, *g* with
    :math:`u_j = b_{jf}^2 - b_{jg}^2`, :math:`v_j = 2 b_{jf} b_{jg}`,
    :math:`A = \sum u`, :math:`B = \sum v`, :math:`C = \sum (u^2 - v^2)`,
    :math:`D = 2 \sum u v`, the pair is rotated by the angle that maximises
    *V* for that pair,

    .. math:: 4\varphi = \operatorname{atan2}\big(D - 2AB/p,\; C - (A^2 - B^2)/p\big),

    until no angle exceeds ``tol``. The closed-form angle cannot stall on a
    saddle point of *V* (a symmetric start), as the SVD iteration can.

    Parameters
    ----------
    loadings : array_like, shape (variable, factor)
    normalize : bool, default True
        Kaiser normalisation: rows are scaled to unit length before rotating
        and back afterwards (R's ``stats::varimax`` default).
    max_iter : int
        Largest number of sweeps.
    tol : float
        Stop when every rotation angle of a sweep is below this (radians).

    Returns
    -------
    ndarray, shape (variable, factor)
        The rotated loadings (a single factor is returned as it is).
    """
    b = np.array(loadings, dtype=np.float64)
    p, k = b.shape
    if k < 2:
        return b
    h = np.sqrt((b ** 2).sum(axis=1)) if normalize else np.ones(p)
    h = np.where(h > 0, h, 1.0)
    b = b / h[:, None]
    pairs = [(f, g) for f in range(k - 1) for g in range(f + 1, k)]
    for _ in range(max_iter):
        largest = 0.0
        for f, g in pairs:  # a loop over factor pairs, vectorised over variables
            x, y = b[:, f], b[:, g]
            u, v = x ** 2 - y ** 2, 2 * x * y
            a_, b_ = u.sum(), v.sum()
            num = 2 * (u * v).sum() - 2 * a_ * b_ / p
            den = (u ** 2 - v ** 2).sum() - (a_ ** 2 - b_ ** 2) / p
            phi = math.atan2(num, den) / 4
            if abs(phi) > tol:
                c, s = math.cos(phi), math.sin(phi)
                b[:, f], b[:, g] = x * c + y * s, -x * s + y * c
            largest = max(largest, abs(phi))
        if largest <= tol:
            break
    return b * h[:, None]


class PCAResult(NamedTuple):
    """What :func:`pca_weights` found (主成分赋权结果)."""

    weights: np.ndarray
    """Weight of each column, sums to 1 (0 for a constant column)."""
    loadings: np.ndarray
    """Rotated loadings of the non-constant columns on the retained factors, (column, factor)."""
    factor: np.ndarray
    """The factor each column is assigned to (−1 for a constant column)."""
    variance: np.ndarray
    """Variance explained by each retained (rotated) factor."""
    eigenvalues: np.ndarray
    """Eigenvalues of the correlation matrix, descending."""


def pca_weights(x: np.ndarray, min_variance: float = 0.6) -> PCAResult:
    r"""Weights from principal components (主成分分析赋权) as in the OECD/JRC Handbook, §6.1.

    1. Correlation matrix *R* of the columns; eigenvalues
       :math:`\lambda_1 \ge \dots \ge \lambda_p` and eigenvectors.
    2. Keep the components with :math:`\lambda > 1` (at least one); while
       their cumulative share :math:`\sum_{f \le k} \lambda_f / p` is below
       ``min_variance``, add the next component.
    3. Loadings :math:`L = V_k \Lambda_k^{1/2}`, varimax-rotated
       (:func:`varimax`) when more than one component is kept.
    4. Squared loadings scaled to unity sum per factor,
       :math:`s_{jf} = L_{jf}^2 / \sum_i L_{if}^2`; each column is assigned to
       the factor :math:`f_j` where :math:`L_{jf}^2` is largest, and

    .. math::
        w_j \propto s_{j f_j} \cdot \frac{V_{f_j}}{\sum_f V_f},
        \quad V_f = \sum_i L_{if}^2

    normalised to sum 1.

    Parameters
    ----------
    x : array_like, shape (row, child)
    min_variance : float, default 0.6
        Share of the total variance the retained components must explain.

    Returns
    -------
    PCAResult
        A constant column gets weight 0 and is left out of the correlation
        matrix; with one informative column it gets all the weight.
    """
    if not 0 < min_variance <= 1:
        raise ValueError(f"min_variance must be in (0, 1], got {min_variance!r}")
    x = _check_sample(x)
    n_cols = x.shape[1]
    constant = np.ptp(x, axis=0) == 0
    keep = np.flatnonzero(~constant)
    factor = np.full(n_cols, -1)
    if len(keep) < 2:
        w = np.full(n_cols, 1.0 / n_cols) if len(keep) == 0 else (~constant).astype(float)
        factor[keep] = 0
        return PCAResult(w, np.ones((len(keep), len(keep))), factor, np.ones(len(keep)),
                         np.ones(len(keep)))
    corr = np.corrcoef(x[:, keep], rowvar=False)
    values, vectors = np.linalg.eigh(corr)
    order = np.argsort(values)[::-1]
    values, vectors = np.clip(values[order], 0.0, None), vectors[:, order]
    p = len(keep)
    k = max(1, int((values > 1 + 1e-10).sum()))
    cumulative = np.cumsum(values) / p
    while k < p and cumulative[k - 1] < min_variance - 1e-12:
        k += 1
    loadings = varimax(vectors[:, :k] * np.sqrt(values[:k]))
    squared = loadings ** 2
    variance = squared.sum(axis=0)
    scaled = squared / np.where(variance > 0, variance, 1.0)
    assigned = squared.argmax(axis=1)
    w_keep = scaled[np.arange(p), assigned] * variance[assigned] / variance.sum()
    w = np.zeros(n_cols)
    w[keep] = _share(w_keep)
    factor[keep] = assigned
    return PCAResult(w, loadings, factor, variance, values)


@register
@dataclass(frozen=True)
class PCAWeights(_Objective):
    r"""Principal-component weights (主成分分析赋权), the OECD/JRC Handbook procedure (§6.1).

    On the rows of the reference scope (rows with a missing child dropped):
    the correlation matrix of the children; the components with eigenvalue
    above 1 (at least one), extended until they explain ``min_variance`` of
    the variance; their loadings varimax-rotated; squared loadings scaled to
    unity sum per factor; each child assigned to the factor on which its
    squared loading is largest, with weight

    .. math::
        w_j \propto \frac{L_{j f_j}^2}{\sum_i L_{i f_j}^2} \cdot
        \frac{V_{f_j}}{\sum_f V_f}, \quad V_f = \sum_i L_{if}^2

    normalised to sum 1 (see :func:`pca_weights`). Children that correlate
    with nothing retained get a weight near 0, as in the Handbook; a weight of
    exactly 0 (and a constant child, left out of the correlation matrix, with
    a :class:`~zongheng.errors.ConstantIndicatorWarning`) gets
    :data:`WEIGHT_FLOOR`. Correlation-based weights reward redundancy: read
    the Handbook's caveats before using them as importance.

    Parameters
    ----------
    min_variance : float, default 0.6
        Cumulative share of variance the retained components must explain.
    levels : sequence of int, optional
        Levels weighted this way; the others keep the framework's weights.
    scope : str, optional
        ``pooled`` (default) or ``base:<period>``.

    References
    ----------
    OECD/JRC (2008). *Handbook on Constructing Composite Indicators:
    Methodology and User Guide*, §6.1 (weights based on principal component
    analysis or factor analysis). OECD Publishing, Paris.
    """

    key = "pca"
    min_variance: float = 0.6

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (isinstance(self.min_variance, int | float) and 0 < self.min_variance <= 1):
            raise ValueError(f"min_variance must be in (0, 1], got {self.min_variance!r}")

    def compute(self, sample: np.ndarray, parent: str, children: Sequence[str],
                ctx: Context) -> np.ndarray:
        """Return the weights of :func:`pca_weights`."""
        return pca_weights(sample, self.min_variance).weights


# -- optimised ----------------------------------------------------------------------------------


def parent_correlations(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    r"""Pearson correlation of each column with the weighted mean of the columns (pure).

    .. math:: r_j = \mathrm{corr}\left(x_{\cdot j},\; \frac{\sum_k w_k x_{\cdot k}}{\sum_k w_k}\right)

    Parameters
    ----------
    x : array_like, shape (row, child)
    weights : array_like, shape (child,)
    """
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=0)
    parent = centred @ np.asarray(weights, dtype=np.float64)
    scale = np.sqrt((centred ** 2).sum(axis=0)) * math.sqrt(parent @ parent)
    with np.errstate(invalid="ignore", divide="ignore"):
        return centred.T @ parent / scale


class OptimisedResult(NamedTuple):
    """What :func:`optimised_weights` found (优化权重结果)."""

    weights: np.ndarray
    """Optimised weights, sum 1."""
    correlations: np.ndarray
    """Pearson correlation of each column with the parent score under ``weights``."""
    target: np.ndarray
    """Target shares of the correlations: the importances normalised to sum 1."""
    success: bool
    """Whether the optimiser reported convergence (L-BFGS-B may report a failed line search
    once the objective is already at rounding level: judge by ``objective``)."""
    objective: float
    """Sum of squared differences between correlation shares and target at the optimum."""
    message: str
    """The optimiser's message."""

    @property
    def shares(self) -> np.ndarray:
        """Return the correlations normalised to sum 1 (compared with ``target``)."""
        return self.correlations / self.correlations.sum()


def optimised_weights(x: np.ndarray, importance: Sequence[float] | None = None, *,
                      max_iter: int = 2000) -> OptimisedResult:
    r"""Weights whose children correlate with the parent as important as wanted (pure).

    Minimises, over positive weights (bounded to [1e-4, 1], scale-free), the
    squared distance between the children's normalised correlations with the
    parent score and the normalised importances:

    .. math::
        \min_w \sum_j \left(\frac{r_j(w)}{\sum_k r_k(w)} - \frac{I_j}{\sum_k I_k}\right)^2

    with :math:`r_j(w)` from :func:`parent_correlations`, starting from equal
    weights (``scipy.optimize.minimize``, L-BFGS-B), as COINr's
    ``get_opt_weights`` (``optype = "balance"``) does for a level.

    Parameters
    ----------
    x : array_like, shape (row, child)
        Complete sample; no column may be constant.
    importance : sequence of float, optional
        Relative importance of each column; equal by default.
    max_iter : int, default 2000

    Returns
    -------
    OptimisedResult
        ``shares`` may still miss ``target`` when the target cannot be reached
        (e.g. an indicator uncorrelated with its siblings cannot be made the
        most influential); check ``objective``.
    """
    from scipy.optimize import minimize

    x = _check_sample(x)
    m = x.shape[1]
    if (np.ptp(x, axis=0) == 0).any():
        raise ValueError("a constant column has no correlation with the parent")
    target = np.ones(m) if importance is None else np.asarray(importance, dtype=np.float64)
    if target.shape != (m,) or not (target > 0).all():
        raise ValueError(f"importance must be {m} positive numbers, got {importance!r}")
    target = target / target.sum()

    def objective(w: np.ndarray) -> float:
        r = parent_correlations(x, w)
        return float(((r / r.sum() - target) ** 2).sum())

    result = minimize(objective, np.full(m, 1.0 / m), method="L-BFGS-B", bounds=[(1e-4, 1.0)] * m,
                      options={"maxiter": max_iter, "ftol": 1e-15, "gtol": 1e-12})
    w = result.x / result.x.sum()
    return OptimisedResult(w, parent_correlations(x, w), target, bool(result.success),
                           float(objective(w)), str(result.message))


@register
@dataclass(frozen=True)
class OptimisedWeights(_Objective):
    r"""Optimised weights (相关性优化权重): children influence the parent as intended.

    Nominal weights are not influence: a child that correlates strongly with
    its siblings drives the parent more than its weight says. These weights
    make each child's Pearson correlation with the parent score (the weighted
    arithmetic mean of the children) proportional to a chosen importance:

    .. math::
        \min_{w > 0} \sum_j \left(\frac{r_j(w)}{\sum_k r_k(w)} -
        \frac{I_j}{\sum_k I_k}\right)^2, \quad
        r_j(w) = \mathrm{corr}\Big(x_j, \frac{\sum_k w_k x_k}{\sum_k w_k}\Big)

    over the rows of the reference scope (rows with a missing child dropped),
    with ``scipy.optimize.minimize`` from equal weights (see
    :func:`optimised_weights`). When the target is not reached (the squared
    distance stays above 1e-6: the target may be out of reach, or the
    optimiser stopped early), the best weights found are used with an
    :class:`OptimisationWarning` giving the achieved and target shares and
    the optimiser's status. A constant child has no correlation:
    it gets :data:`WEIGHT_FLOOR` with a
    :class:`~zongheng.errors.ConstantIndicatorWarning` and the others are
    optimised without it.

    Parameters
    ----------
    importance : mapping of str to float, optional
        Relative importance of a node within its parent, by code; nodes not
        named have importance 1 (equal importance by default).
    levels : sequence of int, optional
        Levels weighted this way; the others keep the framework's weights.
    scope : str, optional
        ``pooled`` (default) or ``base:<period>``.

    References
    ----------
    Becker, W., Saisana, M., Paruolo, P. & Vandecasteele, I. (2017). Weights
    and importance in composite indicators: closing the gap. *Ecological
    Indicators* 80, 12–22. COINr's ``get_opt_weights`` (Becker et al. 2022,
    *Journal of Open Source Software* 7(78), 4567).
    """

    key = "optimised"
    importance: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.importance, Mapping):
            raise ValueError(f"importance must map node codes to numbers, got {self.importance!r}")
        bad = {c: v for c, v in self.importance.items()
               if not (isinstance(v, int | float) and not isinstance(v, bool) and v > 0)}
        if bad:
            raise ValueError(f"importances must be positive numbers, got {bad}")
        object.__setattr__(self, "importance", {str(c): v for c, v in self.importance.items()})

    def compute(self, sample: np.ndarray, parent: str, children: Sequence[str],
                ctx: Context) -> np.ndarray:
        """Return the optimised weights of the non-constant children, 0 for the constant ones."""
        unknown = [c for c in self.importance if c not in ctx.framework.by_code]
        if unknown:
            raise MethodError([Problem("weight_unknown_node", {"method": self.key, "param": "importance",
                                                               "code": c}, key=f"weight.importance.{c}")
                               for c in unknown])
        informative = np.ptp(sample, axis=0) > 0
        w = np.zeros(len(children))
        if informative.sum() == 1:
            w[informative] = 1.0
            return w
        importance = [float(self.importance.get(c, 1.0))
                      for c, k in zip(children, informative, strict=True) if k]
        result = optimised_weights(sample[:, informative], importance)
        if result.objective > 1e-6:
            warnings.warn(text("warn_weight_not_optimal", parent=parent, status=result.message,
                               achieved=np.round(result.shares, 4).tolist(),
                               target=np.round(result.target, 4).tolist()),
                          OptimisationWarning, stacklevel=5)
        w[informative] = result.weights
        return w


# -- AHP ----------------------------------------------------------------------------------------


class AHPResult(NamedTuple):
    """Priority vector and consistency of a pairwise comparison matrix (层次分析法结果)."""

    weights: np.ndarray
    """Principal right eigenvector normalised to sum 1."""
    lambda_max: float
    """Principal eigenvalue λmax."""
    ci: float
    """Consistency index CI = (λmax − n)/(n − 1)."""
    cr: float
    """Consistency ratio CR = CI/RI (0 for n ≤ 2)."""


def _entry(value: Any) -> float:
    """Read a matrix entry: a number or a string such as ``"1/3"``."""
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        num, _, den = value.strip().partition("/")
        try:
            return float(num) / float(den) if den else float(num)
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"not a number or fraction: {value!r}") from None
    if isinstance(value, np.number):
        return float(value)
    raise ValueError(f"not a number: {value!r}")


def _ahp_problems(a: np.ndarray) -> list[tuple[str, dict]]:
    """Return (message kind, params) for each structural problem of a pairwise matrix."""
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        return [("weight_ahp_not_square", {"shape": "×".join(map(str, a.shape))})]
    n = a.shape[0]
    if n > max(RANDOM_INDEX):
        return [("weight_ahp_too_large", {"n": n})]
    bad = np.argwhere(~(np.isfinite(a) & (a > 0)))
    if len(bad):
        return [("weight_ahp_not_positive", {"row": int(i) + 1, "column": int(j) + 1,
                                             "value": float(a[i, j])}) for i, j in bad]
    off = np.abs(a * a.T - 1.0) > RECIPROCAL_TOLERANCE
    return [("weight_ahp_not_reciprocal", {"row": int(i) + 1, "column": int(j) + 1,
                                           "a": float(a[i, j]), "b": float(a[j, i])})
            for i, j in np.argwhere(np.triu(off))]


def ahp_weights(matrix: Any) -> AHPResult:
    r"""AHP priority vector and consistency (层次分析法) of one pairwise comparison matrix (pure).

    .. math::
        A w = \lambda_{max} w, \quad
        CI = \frac{\lambda_{max} - n}{n - 1}, \quad CR = \frac{CI}{RI_n}

    *w* is the principal right eigenvector (``numpy.linalg.eig``) normalised
    to sum 1 and :math:`RI_n` Saaty's random index (:data:`RANDOM_INDEX`);
    CR is 0 for n ≤ 2.

    Parameters
    ----------
    matrix : array_like, shape (n, n)
        Positive and reciprocal (:math:`a_{ji} = 1/a_{ij}` within
        :data:`RECIPROCAL_TOLERANCE`); entries may be numbers or strings
        such as ``"1/3"``; n ≤ 15.

    Returns
    -------
    AHPResult
        ``(weights, lambda_max, ci, cr)``.

    Raises
    ------
    ValueError
        If the matrix is not square, not positive or not reciprocal.

    Examples
    --------
    >>> w, lam, ci, cr = ahp_weights([[1, 3], ["1/3", 1]])
    >>> w.round(2).tolist(), round(lam, 6), cr
    ([0.75, 0.25], 2.0, 0.0)
    """
    rows = [list(r) for r in matrix] if not isinstance(matrix, np.ndarray) else matrix.tolist()
    width = {len(r) for r in rows}
    if len(width) > 1:
        raise ValueError(text("weight_ahp_not_square", parent="…", shape="ragged"))
    a = np.array([[_entry(v) for v in r] for r in rows], dtype=np.float64)
    problems = _ahp_problems(a)
    if problems:
        raise ValueError("; ".join(text(kind, parent="…", **params) for kind, params in problems))
    n = a.shape[0]
    values, vectors = np.linalg.eig(a)
    top = int(np.argmax(values.real))
    w = np.abs(vectors[:, top].real)
    lambda_max = float(values[top].real)
    ci = (lambda_max - n) / (n - 1) if n > 2 else 0.0
    cr = ci / RANDOM_INDEX[n] if n > 2 else 0.0
    return AHPResult(w / w.sum(), lambda_max, ci, cr)


def _label(value: Any) -> str:
    """Return a sheet label as a code: ``101.0`` read from Excel is ``"101"``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@functools.lru_cache(maxsize=16)
def _read_ahp_workbook(path: str, stamp: tuple[int, int]) -> dict[str, tuple[tuple, tuple]]:
    """Read every sheet of a workbook as (column labels, row labels and rows)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        out = {}
        for sheet in book.worksheets:
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
            rows = [r for r in rows if any(v not in (None, "") for v in r)]
            if not rows:
                continue
            header = list(rows[0][1:])
            while header and header[-1] in (None, ""):
                header.pop()
            cols = tuple(_label(v) for v in header)
            labels = tuple(_label(r[0]) for r in rows[1:])
            body = tuple(tuple(r[1:1 + len(cols)]) for r in rows[1:])
            out[sheet.title] = (cols, labels, body)
        return out
    finally:
        book.close()


def _canonical_matrices(matrices: Any) -> dict[str, Any]:
    """Check the form of ``matrices`` and return it with tuples for lists (entries as given)."""
    if not isinstance(matrices, Mapping):
        raise ValueError(f"matrices must map parent codes to matrices, got {matrices!r}")
    out: dict[str, Any] = {}
    for parent, spec in matrices.items():
        if isinstance(spec, Mapping):
            if set(spec) != {"children", "matrix"}:
                raise ValueError(f"matrix {parent!r}: give a list of rows or {{children, matrix}}, "
                                 f"got keys {sorted(spec)}")
            children = spec["children"]
            if isinstance(children, str) or not isinstance(children, Sequence):
                raise ValueError(f"matrix {parent!r}: children must be a list of codes")
            out[str(parent)] = {"children": tuple(str(c) for c in children),
                                "matrix": _canonical_rows(parent, spec["matrix"])}
        else:
            out[str(parent)] = _canonical_rows(parent, spec)
    return out


def _canonical_rows(parent: Any, rows: Any) -> tuple:
    if isinstance(rows, str | bytes) or not isinstance(rows, Sequence | np.ndarray):
        raise ValueError(f"matrix {parent!r} must be a list of rows, got {rows!r}")
    out = []
    for i, row in enumerate(rows):
        if isinstance(row, str | bytes) or not isinstance(row, Sequence | np.ndarray):
            raise ValueError(f"matrix {parent!r}: row {i + 1} must be a list, got {row!r}")
        for j, v in enumerate(row):
            try:
                _entry(v)
            except ValueError as exc:
                raise ValueError(f"matrix {parent!r}, row {i + 1}, column {j + 1}: {exc}") from None
        out.append(tuple(v.strip() if isinstance(v, str) else
                         float(v) if isinstance(v, np.number) else v for v in row))
    return tuple(out)


@register
@dataclass(frozen=True)
class AHPWeights(Weigher):
    r"""Analytic hierarchy process (层次分析法, AHP): weights from pairwise comparison matrices.

    For each parent with a matrix, :math:`a_{ij}` says how much more important
    child *i* is than child *j* on Saaty's 1–9 scale (:math:`a_{ji} = 1/a_{ij}`).
    The weights are the principal right eigenvector, normalised to sum 1; the
    consistency of the judgements is checked with Saaty's ratio:

    .. math::
        A w = \lambda_{max} w, \quad
        CI = \frac{\lambda_{max} - n}{n - 1}, \quad CR = \frac{CI}{RI_n}

    (:data:`RANDOM_INDEX`; CR = 0 for n ≤ 2). CR above 0.1 is a
    :class:`~zongheng.errors.MethodError` naming the parent, its CR and the
    threshold, unless ``allow_inconsistent``. A matrix that is not square, has
    a non-positive entry, is not reciprocal (within :data:`RECIPROCAL_TOLERANCE`,
    so 0.33 passes for 1/3), names another parent than an aggregate of the
    framework or compares other nodes than the parent's children is a
    :class:`~zongheng.errors.MethodError` too; every problem of every matrix
    is reported at once. Parents without a matrix keep the framework's
    weights. The data are not used, so missing values do not matter.

    Parameters
    ----------
    matrices : mapping of str to matrix, optional
        By parent code: the rows of the matrix as nested lists in the order of
        the parent's children in the framework, or ``{children: [codes],
        matrix: rows}`` in any order. Entries are numbers or strings such as
        ``"1/3"``. In YAML::

            weight:
              method: ahp
              matrices:
                经济: [[1, 3], [1/3, 1]]
                社会: {children: [就业, 教育], matrix: [[1, "1/2"], [2, 1]]}

    file : str, optional
        An ``.xlsx`` workbook instead of ``matrices``: one sheet per parent
        code, the children's codes along the first row and down the first
        column (the same order), the judgements inside. A relative path is
        read from the working directory.
    file_sha256 : str, optional
        The workbook's content hash, recorded when the step is made and written
        with the method, so that a method names the judgements it used, not
        just a file name: a method whose workbook has changed since is refused
        (and a rebuild notices the change instead of reusing stale weights).
    allow_inconsistent : bool, default False
        Use the eigenvector even when CR > 0.1.

    References
    ----------
    Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill, New York.
    Wang, Y.-M. & Chin, K.-S. (2011). A linear programming approximation to the
    eigenvector method in the analytic hierarchy process. *Information
    Sciences* 181(23), 5240–5248 (the worked example reproduced in the tests).
    """

    key = "ahp"
    matrices: Mapping[str, Any] = field(default_factory=dict)
    file: str | None = None
    allow_inconsistent: bool = False
    file_sha256: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "matrices", _canonical_matrices(self.matrices))
        if self.file is not None:
            if not isinstance(self.file, str | Path) or Path(self.file).suffix.lower() != ".xlsx":
                raise ValueError(f"file must be an .xlsx workbook, got {self.file!r}")
            if self.matrices:
                raise ValueError("give matrices or file, not both")
            object.__setattr__(self, "file", str(self.file))
            path = Path(self.file)
            if path.is_file():
                found = hashlib.sha256(path.read_bytes()).hexdigest()
                if self.file_sha256 is not None and self.file_sha256 != found:
                    raise ValueError(f"the workbook {self.file} has changed since this method was "
                                     f"written (sha256 {self.file_sha256[:12]}…, now {found[:12]}…)")
                object.__setattr__(self, "file_sha256", found)
        elif self.file_sha256 is not None:
            raise ValueError("file_sha256 goes with file")
        if not isinstance(self.allow_inconsistent, bool):
            raise ValueError(f"allow_inconsistent must be true or false, got {self.allow_inconsistent!r}")

    def _tables(self) -> tuple[dict[str, tuple[tuple | None, tuple]], list[Problem]]:
        """Return each parent's (children order or None, rows) and the problems of the file."""
        if self.file is None:
            return {p: ((s["children"], s["matrix"]) if isinstance(s, Mapping) else (None, s))
                    for p, s in self.matrices.items()}, []
        path = Path(self.file)
        if not path.exists():
            return {}, [Problem("file_not_found", file=self.file, key="weight.file")]
        stat = path.stat()
        try:
            sheets = _read_ahp_workbook(str(path.resolve()), (stat.st_mtime_ns, stat.st_size))
        except Exception as exc:  # a broken or non-Excel file: report, don't crash
            return {}, [Problem("file_unreadable", {"detail": str(exc)}, file=self.file)]
        tables, problems = {}, []
        for name, (cols, labels, body) in sheets.items():
            if cols != labels:
                problems.append(Problem("weight_ahp_labels", {"parent": name, "columns": ", ".join(cols),
                                                              "rows": ", ".join(labels)},
                                        file=self.file, sheet=name))
            else:
                tables[name] = (cols, body)
        return tables, problems

    def results(self, framework: Any) -> dict[str, AHPResult]:
        """Return the AHP result of every parent with a matrix, in framework child order.

        Raises
        ------
        MethodError
            Listing every problem of every matrix (structure, children, consistency).
        """
        tables, problems = self._tables()
        where = {"file": self.file} if self.file else {}
        out: dict[str, AHPResult] = {}
        for parent, (order, rows) in tables.items():
            key = {"sheet": parent} if self.file else {"key": f"weight.matrices.{parent}"}
            if parent not in framework.children:
                problems.append(Problem("weight_ahp_unknown_parent", {
                    "parent": parent, "allowed": ", ".join(framework.children)}, **where, **key))
                continue
            children = framework.children[parent]
            lengths = [len(r) for r in rows]
            if not rows or any(n != len(rows) for n in lengths):
                shape = f"{len(rows)}×{lengths[0]}" if len(set(lengths)) == 1 else \
                    f"{len(rows)} rows of {', '.join(map(str, lengths))} entries"
                problems.append(Problem("weight_ahp_not_square", {"parent": parent, "shape": shape},
                                        **where, **key))
                continue
            try:
                a = np.array([[_entry(v) for v in r] for r in rows], dtype=np.float64)
            except ValueError as exc:
                problems.append(Problem("method_bad_param", {"name": self.key, "detail": str(exc)},
                                        **where, **key))
                continue
            if order is None and len(rows) != len(children):
                problems.append(Problem("weight_ahp_size", {
                    "parent": parent, "n": len(rows), "k": len(children),
                    "expected": ", ".join(children)}, **where, **key))
                continue
            order = children if order is None else order
            if len(order) != len(rows) or sorted(order) != sorted(children):
                problems.append(Problem("weight_ahp_children", {
                    "parent": parent, "found": ", ".join(order), "expected": ", ".join(children)},
                    **where, **key))
                continue
            found = _ahp_problems(a)
            if found:
                problems += [Problem(kind, {"parent": parent, **params}, **where, **key)
                             for kind, params in found]
                continue
            result = ahp_weights(a)
            if result.cr > CR_THRESHOLD and not self.allow_inconsistent:
                problems.append(Problem("weight_ahp_inconsistent", {
                    "parent": parent, "cr": result.cr, "threshold": CR_THRESHOLD,
                    "lambda_max": result.lambda_max, "ci": result.ci}, **where, **key))
                continue
            index = [list(order).index(c) for c in children]
            out[parent] = result._replace(weights=result.weights[index])
        if problems:
            raise MethodError(problems)
        return out

    def weights_for(self, parent: str, children: Sequence[str], scores: np.ndarray,
                    ctx: Context) -> np.ndarray:
        """Return the eigenvector weights of the parent's matrix, else the framework's."""
        results = self.results(ctx.framework)
        if parent in results:
            return _positive(results[parent].weights)
        return super().weights_for(parent, children, scores, ctx)


# -- combined -----------------------------------------------------------------------------------


@register
@dataclass(frozen=True)
class CombinedWeights(Weigher):
    r"""Combined subjective and objective weights (主客观组合赋权).

    Both weightings are asked for the same parent and normalised to sum 1,
    then combined linearly (``blend``) or multiplicatively (``multiply``):

    .. math::
        w^{blend}_j = \alpha\, w^s_j + (1 - \alpha)\, w^o_j, \qquad
        w^{multiply}_j = \frac{w^s_j\, w^o_j}{\sum_k w^s_k\, w^o_k}

    Each part handles missing values, constant children and levels as it
    does on its own (e.g. an ``entropy`` part drops rows with a missing
    child; its ``levels`` leave other levels at the framework's weights).

    Parameters
    ----------
    subjective : weight spec, default "framework"
        A weight method in its YAML form, e.g. ``{method: ahp, matrices: …}``
        or ``given``.
    objective : weight spec, default "entropy"
        A weight method in its YAML form, e.g. ``entropy`` or
        ``{method: critic, correlation: spearman}``.
    alpha : float, default 0.5
        Share of the subjective weights in ``blend`` (0 ≤ α ≤ 1); not used by
        ``multiply``.
    mode : {"blend", "multiply"}, default "blend"

    Examples
    --------
    In YAML::

        weight: {method: combined, subjective: {method: ahp, matrices: {…}},
                 objective: entropy, alpha: 0.6}

    References
    ----------
    Ma, J., Fan, Z.-P. & Huang, L.-H. (1999). A subjective and objective
    integrated approach to determine attribute weights. *European Journal of
    Operational Research* 112(2), 397–404; Xu, X. (2004), ibid. 156(2),
    530–532.
    """

    key = "combined"
    subjective: Any = FrameworkWeights()
    objective: Any = EntropyWeights()
    alpha: float = 0.5
    mode: str = "blend"

    def __post_init__(self) -> None:
        for name in ("subjective", "objective"):
            step = step_from_spec("weight", getattr(self, name), key=f"weight.{name}")
            if not isinstance(step, Weigher):
                raise ValueError(f"{name} must be a weight method, got {step!r}")
            object.__setattr__(self, name, step)
        if isinstance(self.alpha, bool) or not isinstance(self.alpha, int | float) \
                or not 0 <= self.alpha <= 1:
            raise ValueError(f"alpha must be between 0 and 1, got {self.alpha!r}")
        if self.mode not in ("blend", "multiply"):
            raise ValueError(f"mode must be blend or multiply, got {self.mode!r}")

    def to_spec(self) -> str | dict[str, Any]:
        """Return the YAML form with the nested weight methods in their YAML forms."""
        params: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value != f.default:
                params[f.name] = value.to_spec() if isinstance(value, Step) else value
        return {"method": self.key, **params} if params else self.key

    def weights_for(self, parent: str, children: Sequence[str], scores: np.ndarray,
                    ctx: Context) -> np.ndarray:
        """Return the combination of both weightings of the parent's children."""
        ws = np.asarray(self.subjective.weights_for(parent, children, scores, ctx), dtype=np.float64)
        wo = np.asarray(self.objective.weights_for(parent, children, scores, ctx), dtype=np.float64)
        ws, wo = ws / ws.sum(), wo / wo.sum()
        if self.mode == "blend":
            return _positive(self.alpha * ws + (1 - self.alpha) * wo)
        return _positive(ws * wo)
