r"""The path to a target rank (找方法、找路径): the least-effort change that gets there.

:func:`path` answers "what must unit *u* change, and by how much, to reach rank
*K* (within its group) in period *p*, everyone else held fixed?" as an
optimisation, not a guess:

.. math::
   \min_{\Delta} \sum_i c_i \frac{|\Delta x_i|}{|x_i|}
   \quad\text{s.t.}\quad s_u(x + \Delta) \ge s_{(K)} ,\qquad
   \Delta_i \in [lo_i, hi_i]

where :math:`s_{(K)}` is the *K*-th highest index score among the other peers
(with competition ranking, rank ≤ K exactly when the unit's score is at least
that; a tie counts as reaching the rank), :math:`c_i` a cost per indicator (1 by
default) and the bounds keep each indicator no worse than now, no better than
the best peer, and within ``max_change`` of its value.

The index is evaluated on the *frozen* pipeline (:meth:`Evaluation.replay
<zongheng.evaluation.Evaluation.replay>`: goalposts, winsorisation caps,
imputed values and weights as learned by the build). Every step before the
aggregation is then elementwise, so one replay gives the response of every
indicator at once; with arithmetic aggregation at every level the index is a
sum of one-dimensional, piecewise-linear responses (linear for min-max, z-score,
goalposts, target, ratio …; a kink where a winsorisation cap clips) and the
problem is a linear programme solved exactly with HiGHS. Other aggregations
(geometric, TOPSIS …) are solved iteratively (SLSQP) from the linear
programme's answer. Either way the answer is verified by a full rebuild
(:meth:`~zongheng.evaluation.Evaluation.with_values`), which learns every
parameter again; if that moves the target out of reach, the needed gain is
raised by the shortfall and the problem solved again.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog, minimize

from zongheng.errors import DataError, MethodError, Problem
from zongheng.evaluation import Evaluation
from zongheng.i18n import register_messages, text
from zongheng.pipeline import replay
from zongheng.steps import Context, Scope

__all__ = ["PathResult", "path"]

register_messages({
    "path_unknown_unit": (
        "单位 '{unit}' 不在数据中（按代码或名称查找；已有如: {found}）",
        "the unit '{unit}' is not in the data (looked up by code or name; e.g. {found})",
    ),
    "path_unknown_period": (
        "时期 '{period}' 不在数据中（已有: {found}）",
        "the period '{period}' is not in the data (found: {found})",
    ),
    "path_unknown_group": (
        "分组列 '{group}' 不在单位信息中（已有: {found}）",
        "the group column '{group}' is not among the unit attributes (found: {found})",
    ),
    "path_no_group_label": (
        "单位 '{unit}' 在分组列 '{group}' 中没有取值，无法确定组内对手",
        "the unit '{unit}' has no value in the group column '{group}': its peers are unknown",
    ),
    "path_unscored": (
        "单位 '{unit}' 在 {period} 没有得分（未参评），无法计算路径",
        "the unit '{unit}' has no score in {period} (screened out): no path can be computed",
    ),
    "path_bad_rank": (
        "目标名次必须是不小于 1 的整数，实际为 {rank!r}",
        "the target rank must be a whole number ≥ 1, got {rank!r}",
    ),
    "path_bad_max_change": (
        "max_change 必须是正数（相对变化上限，如 0.2 = 20%）或 None（不设上限），实际为 {value!r}",
        "max_change must be a positive number (largest relative change, e.g. 0.2 = 20 %) or None "
        "(no cap), got {value!r}",
    ),
    "path_unknown_indicator": (
        "{argument} 中的 '{name}' 不是指标代码或名称",
        "'{name}' in {argument} is neither an indicator code nor name",
    ),
    "path_bad_cost": (
        "指标 {code} 的成本必须是正数，实际为 {value!r}",
        "the cost of indicator {code} must be a positive number, got {value!r}",
    ),
    "path_bad_bounds": (
        "指标 {code} 的上下限必须是 (下限, 上限) 且下限 ≤ 上限（None 表示沿用默认），实际为 {value!r}",
        "the bounds of indicator {code} must be (lo, hi) with lo ≤ hi (None keeps the default), "
        "got {value!r}",
    ),
    "path_bounds_missing_value": (
        "单位 '{unit}' 在 {period} 没有指标 {code} 的数值，不能为它设上下限",
        "the unit '{unit}' has no value of indicator {code} in {period}, so it cannot be bounded",
    ),
    "path_assumption_linear": (
        "求解时冻结构建学得的参数（极值/目标区间、缩尾上下限、插补值、权重），其他单位数值不变；"
        "此时综合指数是本单位各指标的分段线性函数，用线性规划（HiGHS）精确求解；"
        "结果再用改变后的数据完整重建（重新学习参数）验证名次。",
        "Learned parameters (min/max or goalposts, winsorisation caps, imputed values, weights) "
        "are held fixed while solving and every other unit keeps its values; the index is then "
        "piecewise linear in each of the unit's indicators and the linear programme (HiGHS) is "
        "solved exactly. The answer is verified by a full rebuild with the changed data, which "
        "learns every parameter again.",
    ),
    "path_assumption_iterative": (
        "汇总方法非线性（{methods}）：求解时冻结构建学得的参数，其他单位数值不变；先以有限差分"
        "线性化问题的线性规划解为起点，再用 SLSQP 迭代求最小调整（约束：冻结参数下达到目标名次）；"
        "结果再用完整重建（重新学习参数）验证名次。",
        "The aggregation is non-linear ({methods}): learned parameters are held fixed and every "
        "other unit keeps its values; starting from the linear programme of the problem "
        "linearised by finite differences, SLSQP finds the least change that reaches the target "
        "on the frozen pipeline. The answer is verified by a full rebuild, which learns every "
        "parameter again.",
    ),
    "path_note_already": (
        "当前已是第 {rank} 名（目标第 {target} 名），不需要调整",
        "already ranked {rank} (target {target}): nothing needs to change",
    ),
    "path_note_refit": (
        "完整重建后（参数重新学习）名次为第 {rank} 名，差 {gap:.4g} 分；所需提升加上该差距后重新求解",
        "after the full rebuild (parameters learned again) the rank was {rank}, {gap:.4g} points "
        "short; the needed gain was raised by that and the problem solved again",
    ),
    "path_note_unreachable": (
        "在各指标的上下限内达不到第 {target} 名：全部指标调到上下限时最好为第 {best} 名",
        "rank {target} cannot be reached within the bounds: with every indicator at its bound "
        "the best rank is {best}",
    ),
    "path_note_best_plan": (
        "下表为达到第 {best} 名的最小调整",
        "the table shows the least change that reaches rank {best}",
    ),
    "path_note_bounds_plan": (
        "下表为全部指标调到上下限的结果",
        "the table shows every indicator at its bound",
    ),
    "path_note_no_gain": (
        "在上下限内任何调整都不能提高名次",
        "no change within the bounds improves the rank",
    ),
    "path_note_range_scale": (
        "指标 {codes} 当前值约为 0，其变化幅度按同组对手的取值范围计算",
        "indicators {codes} are about 0 now: their change is measured against the peers' range",
    ),
})

_REPLAY_FLOATS = 2**23  # cap on one batched replay's copy of the panel (64 MiB)
_GRID_FINE = 33  # grid points on each indicator's bounded range where responses are not affine
_ROUNDS = 6  # rebuild-verification rounds before giving up
_BISECT = 48  # bisection steps: 2**-48 of a bounded range is below any reported digit


@dataclass(frozen=True)
class PathResult:
    """The path of one unit to a target rank (到达目标名次的路径).

    Attributes
    ----------
    unit, name : str
        The unit's code and display name.
    period : hashable
        The period whose values change.
    group : str or None
        The group column the rank is counted within (None: all units).
    target_rank : int
    current_rank : int
    current_score : float
        Index score now.
    achieved_rank : int
    achieved_score : float
        Rank and index score after the full rebuild with the changed values.
    reachable : bool
        Whether the target rank is reached within the bounds.
    best_rank : int
        The best rank reachable within the bounds (the achieved rank when the
        target is reached).
    needed_score : float
        The score to reach with the learned parameters frozen: the target-th
        highest score of the other peers (a tie reaches the rank).
    solver : str
        ``"linear-programme"`` (arithmetic aggregation) or ``"iterative"``.
    assumption : str
        What the solver held fixed, and how the answer was verified.
    effort : float
        :math:`\\sum_i c_i |\\Delta x_i| / |x_i|` of the changes shown.
    changes : DataFrame
        A row per indicator that changes: ``indicator, name, measure (unit of
        measure), direction, now, needed, change, change_pct, relative_to
        (value or range), effort_share, department``; largest relative
        change first.
    notes : tuple of str
        What happened on the way (rebuild rounds, unreachable target …).
    values : ndarray
        The raw panel values with the changes applied, shaped (period, unit,
        indicator): ``ev.with_values(result.values)`` is the verifying rebuild.
    """

    unit: str
    name: str
    period: Hashable
    group: str | None
    target_rank: int
    current_rank: int
    current_score: float
    achieved_rank: int
    achieved_score: float
    reachable: bool
    best_rank: int
    needed_score: float
    solver: str
    assumption: str
    effort: float
    changes: pd.DataFrame
    notes: tuple[str, ...] = ()
    values: np.ndarray = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the result as plain data (the changes as a list of records), for JSON."""
        out = {k: getattr(self, k) for k in (
            "unit", "name", "period", "group", "target_rank", "current_rank", "current_score",
            "achieved_rank", "achieved_score", "reachable", "best_rank", "needed_score",
            "solver", "assumption", "effort")}
        out["notes"] = list(self.notes)
        out["changes"] = self.changes.to_dict("records")
        return out


# -- the problem --------------------------------------------------------------------------------


@dataclass
class _Task:
    """The validated problem of one unit in one period (improvements measured upwards)."""

    ev: Evaluation
    p: int
    u: int
    group: str | None
    peers: np.ndarray  # bool (unit,): scored units of the unit's group, the unit included
    x0: np.ndarray  # raw values of the unit now (indicator,)
    direction: np.ndarray  # +1 / −1
    scale: np.ndarray  # |x| or the peers' range when x is ~0
    by_range: np.ndarray  # bool: scale is the range
    base: np.ndarray  # forced improvement (user bounds that exclude the value now), usually 0
    span: np.ndarray  # improvement available above base (≥ 0)
    unit_cost: np.ndarray  # effort per unit of improvement: cost / scale

    @property
    def root(self) -> int:
        return len(self.ev.node_codes) - 1

    def raw(self, v: np.ndarray) -> np.ndarray:
        """Return raw value rows for improvement rows ``v`` above the base (NaN stays NaN)."""
        return self.x0 + self.direction * (self.base + v)

    def effort(self, v: np.ndarray) -> np.ndarray:
        """Return the effort of each improvement: Σ c |Δx| / scale."""
        return np.sum(self.unit_cost * np.abs(self.base + v), axis=-1)

    def values(self, v: np.ndarray) -> np.ndarray:
        """Return the whole raw panel with the unit's row of the period changed."""
        out = np.array(self.ev.panel.values, copy=True)
        out[self.p, self.u] = self.raw(v)
        return out

    def rank_of(self, ev: Evaluation) -> tuple[int, float]:
        """Return the unit's rank (within the group) and index score in an evaluation."""
        ranks = ev.ranks if self.group is None else ev.group_ranks(self.group)
        return int(ranks[self.p, self.u, self.root]), float(ev.scores[self.p, self.u, self.root])

    def threshold(self, scores: np.ndarray, k: int) -> np.ndarray:
        """Return the k-th highest score among the other peers (−inf when fewer), per row."""
        others = self.peers.copy()
        others[self.u] = False
        s = np.atleast_2d(scores)[:, others]
        if k > s.shape[1]:
            return np.full(s.shape[0], -np.inf)
        return -np.sort(-s, axis=1)[:, k - 1]  # NaN (a peer losing its score) sorts last


class _Frozen:
    """The evaluation with every learned parameter held fixed, seen from one unit."""

    def __init__(self, task: _Task) -> None:
        ev = self.ev = task.ev
        self.task = task
        self.n_ind = len(ev.framework.indicator_codes)
        self.base_scores = ev.scores[task.p]  # (unit, node): the replay of the data as is
        self.ctx = Context(ev.framework, ev.panel, Scope.parse(ev.method.scope))
        self.levels = [(lv.aggregator, lv.matrix, lv.columns) for lv in ev.levels()]
        aggregators = [step for step, _, _ in self.levels]
        self.per_unit = all(step.scores_units_alone for step in aggregators)
        self.linear = all(step.linear for step in aggregators)
        # The data steps, with their states fixed, are what turns raw values into normalised ones.
        self.data_records = [r for r in ev.trace if r.stage != "aggregate"]
        # Steps known to be affine in a raw value everywhere: no midpoint replay needed.
        self.affine = self.linear and all(r.step.affine for r in self.data_records)
        self.included = np.asarray(ev.record("screen").state.included_)[task.p]

    def normalised(self, rows: np.ndarray) -> np.ndarray:
        """Return the unit's normalised indicator values for raw value rows (batched replays).

        The candidate rows go on a leading batch axis (every step broadcasts
        over it), in chunks that keep each replay's copy of the panel small.
        """
        rows = np.atleast_2d(rows)
        p, u = self.task.p, self.task.u
        values = self.ev.panel.values
        out = np.empty(rows.shape)
        chunk = max(1, _REPLAY_FLOATS // values.size)
        for start in range(0, len(rows), chunk):  # a loop over chunks of candidates, not units
            part = rows[start:start + chunk]
            work = np.broadcast_to(values, (len(part), *values.shape)).copy()
            work[:, p, u] = part
            out[start:start + len(part)] = replay(self.ev.framework, self.ev.panel, self.ev.method,
                                                  self.data_records, work)[:, p, u, :self.n_ind]
        return out

    def index(self, norm_rows: np.ndarray) -> np.ndarray:
        """Return every unit's index, shaped (row, unit), for rows of the unit's normalised values.

        The aggregation is re-run on a batch: only the unit's own row when every
        level scores units on their own, else the whole period (TOPSIS and the
        like compare units), the other units' values as built.
        """
        norm_rows = np.atleast_2d(norm_rows)
        b, u, root = len(norm_rows), self.task.u, self.task.root
        if self.per_unit:
            scores = np.full((b, 1, self.base_scores.shape[-1]), np.nan)
            scores[:, 0, :self.n_ind] = norm_rows
        else:
            scores = np.full((b, *self.base_scores.shape), np.nan)
            scores[..., :self.n_ind] = self.base_scores[:, :self.n_ind]
            scores[:, u, :self.n_ind] = norm_rows
        for step, matrix, columns in self.levels:
            scores[..., columns] = step.combine(scores, matrix, self.ctx)
        if self.per_unit:
            out = np.tile(self.base_scores[:, root], (b, 1))
            out[:, u] = scores[:, 0, root]
        else:
            out = scores[..., root]
        if self.included is not None:
            out = np.where(self.included, out, np.nan)
        return out

    def gap(self, norm_rows: np.ndarray, k: int) -> np.ndarray:
        """Return the unit's score minus the k-th highest other peer's, per row."""
        scores = self.index(norm_rows)
        return scores[:, self.task.u] - self.task.threshold(scores, k)


# -- validation ---------------------------------------------------------------------------------


def indicator_position(ev: Evaluation, name: object) -> int | None:
    """Return the position of an indicator given by code, Chinese or English name; None if unknown.

    A name shared by several indicators is ambiguous and also gives None.
    """
    key = str(name).strip()
    codes = ev.framework.indicator_codes
    if key in codes:
        return codes.index(key)
    lower = key.lower()
    hits = [i for i, ind in enumerate(ev.framework.indicators)
            if lower and lower in (ind.name.strip().lower(), ind.name_en.strip().lower())]
    return hits[0] if len(hits) == 1 else None


def _per_indicator(ev: Evaluation, given: Mapping[str, Any] | None, argument: str
                   ) -> tuple[dict[int, Any], list[Problem]]:
    """Resolve a mapping keyed by indicator code or name; report unknown keys."""
    out: dict[int, Any] = {}
    problems = []
    for name, value in dict(given or {}).items():
        i = indicator_position(ev, name)
        if i is None:
            problems.append(Problem("path_unknown_indicator", {"name": name, "argument": argument},
                                    key=f"{argument}.{name}"))
        else:
            out[i] = value
    return out, problems


def _comparable_factor(ev: Evaluation, p: int) -> np.ndarray:
    """Return the factor that turns raw values into compared ones (÷ denominator), (unit, ind).

    The denominate step is linear in the raw value, so applying it to ones gives
    each cell's factor; a missing or non-positive one is taken as 1.
    """
    record = ev.record("denominate")
    ctx = Context(ev.framework, ev.panel, Scope.parse(ev.method.scope))
    with np.errstate(all="ignore"):
        factor = np.asarray(record.step.apply(np.ones(ev.panel.values.shape), record.state, ctx))
    factor = factor[p]
    return np.where(np.isfinite(factor) & (factor > 0), factor, 1.0)


def _task(ev: Evaluation, unit: str, target_rank: int, period: Hashable | None,
          group: str | None, max_change: float | None, cost: Mapping[str, float] | None,
          bounds: Mapping[str, tuple[float | None, float | None]] | None) -> _Task:
    """Validate the arguments and set up the bounded problem (every problem reported at once)."""
    if isinstance(target_rank, bool) or not isinstance(target_rank, int | np.integer) \
            or target_rank < 1:
        raise MethodError([Problem("path_bad_rank", {"rank": target_rank})])
    if max_change is not None and (isinstance(max_change, bool) or not isinstance(
            max_change, int | float) or not math.isfinite(max_change) or max_change <= 0):
        raise MethodError([Problem("path_bad_max_change", {"value": max_change})])
    u = ev.unit_position(unit)
    p = ev.period_position(period)
    root = len(ev.node_codes) - 1
    if group is not None and group not in ev.panel.groups:
        raise DataError([Problem("path_unknown_group", {
            "group": group, "found": ", ".join(ev.panel.groups)})])
    scored = ~np.isnan(ev.scores[p, :, root])
    if not scored[u]:
        raise DataError([Problem("path_unscored", {"unit": ev.panel.units[u],
                                                   "period": ev.panel.periods[p]})])
    peers = scored.copy()
    if group is not None:
        labels = pd.Series(ev.panel.group(group))
        if pd.isna(labels[u]):
            raise DataError([Problem("path_no_group_label", {"unit": ev.panel.units[u],
                                                             "group": group})])
        peers &= (labels == labels[u]).to_numpy()

    costs, problems = _per_indicator(ev, cost, "cost")
    limits, more = _per_indicator(ev, bounds, "bounds")
    problems += more
    codes = ev.framework.indicator_codes
    for i, c in costs.items():
        if isinstance(c, bool) or not isinstance(c, int | float) or not math.isfinite(c) or c <= 0:
            problems.append(Problem("path_bad_cost", {"code": codes[i], "value": c},
                                    key=f"cost.{codes[i]}"))
    x0 = np.asarray(ev.panel.values[p, u], dtype=float)
    for i, lim in limits.items():
        if not _valid_bounds(lim):
            problems.append(Problem("path_bad_bounds", {"code": codes[i], "value": lim},
                                    key=f"bounds.{codes[i]}"))
        elif np.isnan(x0[i]):
            problems.append(Problem("path_bounds_missing_value", {
                "unit": ev.panel.units[u], "period": ev.panel.periods[p], "code": codes[i]}))
    if problems:
        raise MethodError(problems)

    direction = np.asarray(ev.framework.directions, dtype=float)
    factor = _comparable_factor(ev, p)
    comparable = ev.panel.values[p] * factor  # (unit, ind): what the build compares
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an indicator no peer has
        high, low = np.nanmax(comparable[peers], axis=0), np.nanmin(comparable[peers], axis=0)
    best = np.where(direction > 0, high, low) / factor[u]
    spread = (high - low) / factor[u]
    spread = np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)
    by_range = np.abs(x0) <= 1e-6 * spread  # "about zero" relative to how the peers spread
    scale = np.where(by_range | np.isnan(x0), spread, np.abs(x0))

    known = ~np.isnan(x0)
    upper = np.where(known, np.maximum(direction * (best - x0), 0.0), 0.0)
    upper = np.where(np.isnan(upper), 0.0, upper)
    if max_change is not None:
        upper = np.minimum(upper, max_change * scale)
    lower = np.zeros_like(upper)
    for i, (lo, hi) in limits.items():  # user bounds in raw units, override side by side
        default = sorted((x0[i] + direction[i] * lower[i], x0[i] + direction[i] * upper[i]))
        lo = default[0] if lo is None else float(lo)
        hi = default[1] if hi is None else float(hi)
        a, b = sorted((direction[i] * (lo - x0[i]), direction[i] * (hi - x0[i])))
        lower[i], upper[i] = a, b
    base = np.minimum(np.maximum(lower, 0.0), upper)
    span = np.where(known, upper - base, 0.0)
    unit_cost = np.ones(len(codes))
    for i, c in costs.items():
        unit_cost[i] = float(c)
    return _Task(ev, p, u, group, peers, x0, direction, scale, by_range & known,
                 np.where(known, base, 0.0), span, unit_cost / scale)


def _valid_bounds(value: object) -> bool:
    try:
        lo, hi = value  # type: ignore[misc]
    except (TypeError, ValueError):
        return False
    numbers = [v for v in (lo, hi) if v is not None]
    if any(isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v)
           for v in numbers):
        return False
    return lo is None or hi is None or lo <= hi


# -- the response of each indicator ---------------------------------------------------------------


@dataclass
class _Table:
    """The one-at-a-time gain of each indicator on a grid of its bounded range."""

    t: np.ndarray  # (point,) in [0, 1]
    gain: np.ndarray  # (point, indicator): gap change from the base with only i moved
    norm: np.ndarray  # (point, indicator): normalised values on the grid (frozen)
    affine: np.ndarray  # bool (indicator,)
    gap0: float  # gap at the base point


def _gains(model: _Frozen, norm: np.ndarray, base_norm: np.ndarray, k: int) -> np.ndarray:
    """Return the gap change of moving each indicator alone to each row of ``norm``."""
    n_pt, n_ind = norm.shape
    rows = np.repeat(base_norm[None, None, :], n_pt, axis=0).repeat(n_ind, axis=1)
    idx = np.arange(n_ind)
    rows[:, idx, idx] = norm  # row (point, i): the base with indicator i at that point
    gaps = model.gap(rows.reshape(-1, n_ind), k).reshape(n_pt, n_ind)
    return gaps - model.gap(base_norm, k)[0]


def _table(task: _Task, model: _Frozen, k: int, *, refine: bool) -> _Table:
    """Tabulate each indicator's response; refine the grid where one is not affine.

    Without ``refine`` (the start of the iterative solver) three points do.
    """
    if model.affine:  # affine by construction: the two ends of each range are enough
        t = np.array([0.0, 1.0])
    else:
        t = np.array([0.0, 0.5, 1.0])
    if np.any(task.base):
        norm = model.normalised(task.raw(t[:, None] * task.span))
    else:  # the base is the data as built: its replay is the build itself
        norm = np.vstack([model.base_scores[task.u, :model.n_ind],
                          model.normalised(task.raw(t[1:, None] * task.span))])
    gain = _gains(model, norm, norm[0], k)
    if model.affine:
        return _Table(t, np.nan_to_num(gain), norm, np.ones(model.n_ind, dtype=bool),
                      float(model.gap(norm[0], k)[0]))
    tol = 1e-9 * (1.0 + np.nanmax(np.abs(model.base_scores[:, task.root])))
    affine = np.abs(gain[1] - 0.5 * (gain[0] + gain[2])) <= tol
    affine |= task.span == 0
    if refine and not affine.all():
        fine = np.linspace(0.0, 1.0, _GRID_FINE)
        extra = np.setdiff1d(np.arange(_GRID_FINE), [0, _GRID_FINE // 2, _GRID_FINE - 1])
        norm_fine = np.empty((_GRID_FINE, model.n_ind))
        norm_fine[[0, _GRID_FINE // 2, _GRID_FINE - 1]] = norm
        norm_fine[extra] = model.normalised(task.raw(fine[extra, None] * task.span))
        t, norm = fine, norm_fine
        gain = _gains(model, norm, norm[0], k)
    elif affine.all():
        t, norm, gain = t[[0, 2]], norm[[0, 2]], gain[[0, 2]]
    return _Table(t, np.nan_to_num(gain), norm, affine, float(model.gap(norm[0], k)[0]))


# -- solving ------------------------------------------------------------------------------------


def _linear_programme(task: _Task, table: _Table, need: float) -> np.ndarray | None:
    """Solve min effort s.t. Σ segment gains ≥ need on the tabulated responses; None if infeasible.

    Each indicator's range is cut at the grid into segments used from 0 to 1;
    the gain of a segment is the chord of the response. With a concave
    response (a cap that clips) the segments fill in order, so the programme is
    exact at grid points; the marginal segment is topped up so that the chord
    gain meets ``need`` to rounding.
    """
    dt = np.diff(table.t)
    seg_gain = np.diff(table.gain, axis=0)  # (segment, indicator)
    seg_len = dt[:, None] * task.span[None, :]
    usable = (seg_gain > 0) & (seg_len > 0)
    s_idx, i_idx = np.nonzero(usable)
    v = np.zeros_like(task.span)
    if need <= 0:
        return v
    gains = seg_gain[s_idx, i_idx]
    if gains.sum() < need:
        return None
    costs = task.unit_cost[i_idx] * seg_len[s_idx, i_idx]
    scale = gains.max()  # rows of O(1) keep HiGHS's tolerances relative
    res = linprog(costs / costs.max(), A_ub=-(gains / scale)[None, :], b_ub=[-need / scale],
                  bounds=(0.0, 1.0), method="highs")
    if res.status != 0:
        return None
    frac = np.clip(res.x, 0.0, 1.0)
    short = need - gains @ frac
    if short > 0:  # HiGHS meets the row to its tolerance: top up the cheapest open segments
        for j in np.argsort(costs / gains):
            add = min(1.0 - frac[j], short / gains[j])
            frac[j] += add
            short -= add * gains[j]
            if short <= 0:
                break
    np.add.at(v, i_idx, frac * seg_len[s_idx, i_idx])
    return v


def _bisect(feasible: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray
            ) -> np.ndarray:
    """Return the smallest feasible point of each monotone 1-D problem (``hi`` must be feasible)."""
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    for _ in range(_BISECT):
        mid = 0.5 * (lo + hi)
        ok = feasible(mid)
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    return hi


def _trim(task: _Task, model: _Frozen, table: _Table, v: np.ndarray, k: int) -> np.ndarray:
    """Stop each kinked indicator where its gain stops growing (past a cap effort buys nothing)."""
    t_of = np.divide(v, task.span, out=np.zeros_like(v), where=task.span > 0)
    at_grid = np.isclose(t_of[None, :], table.t[:, None], rtol=0, atol=1e-12).any(axis=0)
    cand = ~table.affine & (v > 0) & at_grid
    if not cand.any():
        return v
    target = _gains(model, model.normalised(task.raw(v)), table.norm[0], k)[0]
    tol = 1e-12 * (1.0 + np.abs(target))
    cols = np.flatnonzero(cand)
    lo = np.maximum(v[cols] - task.span[cols] / (_GRID_FINE - 1), 0.0)

    def feasible(w: np.ndarray) -> np.ndarray:
        probe = v.copy()
        probe[cols] = w
        g = _gains(model, model.normalised(task.raw(probe)), table.norm[0], k)[0]
        return g[cols] >= target[cols] - tol[cols]

    out = v.copy()
    out[cols] = _bisect(feasible, lo, v[cols])
    return out


def _settle(task: _Task, model: _Frozen, table: _Table, v: np.ndarray, k: int, want: float,
            slack: float) -> np.ndarray | None:
    """Make the frozen gap reach ``want`` exactly by moving the marginal indicator; None if it can't.

    A gap within ``slack`` below ``want`` (rounding, far inside the margin) is accepted as is.
    With every response affine the programme's chords are the responses, so its answer is
    exact and taken without a check (the rebuild verifies it anyway).
    """
    if table.affine.all():
        return v
    gap = float(model.gap(model.normalised(task.raw(v)), k)[0])
    floor = want - slack
    met = gap >= floor
    if met and gap <= want + slack:
        return v
    t_of = np.divide(v, task.span, out=np.zeros_like(v), where=task.span > 0)
    off_grid = ~np.isclose(t_of[None, :], table.t[:, None], rtol=0, atol=1e-12).any(axis=0)
    marginal = np.flatnonzero(off_grid & (task.span > 0))
    if met and not len(marginal):
        return v
    # The marginal lever (else the cheapest one still open) moves until the gap is met exactly.
    open_ = np.flatnonzero((v < task.span) & (task.span > 0))
    if len(marginal):
        m = int(marginal[0])
    elif len(open_):
        m = int(open_[np.argmin(task.unit_cost[open_])])
    else:
        return None

    def feasible(w: np.ndarray) -> np.ndarray:
        probe = v.copy()
        probe[m] = float(w[0])
        return model.gap(model.normalised(task.raw(probe)), k) >= floor

    hi = np.array([v[m]]) if met else np.array([task.span[m]])
    if not met and not feasible(hi)[0]:
        return None
    lo = np.array([0.0]) if met else np.array([v[m]])
    out = v.copy()
    out[m] = _bisect(feasible, lo, hi)[0]
    return out


def _solve_linear(task: _Task, model: _Frozen, table: _Table, k: int, want: float,
                  slack: float) -> np.ndarray | None:
    """Least effort with a frozen gap ≥ ``want`` on a separable (arithmetic) index."""
    need = want - table.gap0
    for _ in range(_ROUNDS):
        v = _linear_programme(task, table, need)
        if v is None:
            return None
        if not table.affine.all():
            v = _trim(task, model, table, v, k)
        settled = _settle(task, model, table, v, k, want, slack)
        if settled is not None:
            return settled
        # A response that is not concave made the chords promise too much: ask for more.
        gap = float(model.gap(model.normalised(task.raw(v)), k)[0])
        need += max(want - gap, 1e-9 * (1.0 + abs(want)))
    return None


def _solve_iterative(task: _Task, model: _Frozen, table: _Table, k: int, want: float,
                     slack: float) -> np.ndarray | None:
    """Least effort on a non-linear index: SLSQP from the linearised programme's answer."""
    active = np.flatnonzero(task.span > 0)
    if not len(active):
        return None
    cache: dict[bytes, tuple[np.ndarray, float]] = {}

    def full(t: np.ndarray) -> np.ndarray:
        v = np.zeros_like(task.span)
        v[active] = np.clip(t, 0.0, 1.0) * task.span[active]
        return v

    def evaluate(t: np.ndarray) -> tuple[np.ndarray, float]:
        key = np.asarray(t, dtype=float).tobytes()
        if key not in cache:
            norm = model.normalised(task.raw(full(t)))[0]
            cache[key] = (norm, float(model.gap(norm, k)[0]))
        return cache[key]

    def constraint(t: np.ndarray) -> float:
        return evaluate(t)[1] - (want - slack)

    def jacobian(t: np.ndarray) -> np.ndarray:
        # Steps before aggregation are elementwise: one replay moves every indicator at once,
        # then the aggregation is re-run on a batch with one indicator moved per row.
        norm, gap = evaluate(t)
        h = np.where(t + 1e-6 <= 1.0, 1e-6, -1e-6)
        moved = model.normalised(task.raw(full(t + h)))[0]
        rows = np.repeat(norm[None, :], len(active), axis=0)
        rows[np.arange(len(active)), active] = moved[active]
        return (model.gap(rows, k) - gap) / h

    weight = task.unit_cost[active] * task.span[active]
    weight = weight / weight.max()
    if constraint(np.ones(len(active))) < 0:
        return None
    start = _linear_programme(task, table, want - table.gap0)
    t0 = np.ones(len(active)) if start is None else start[active] / task.span[active]
    candidates = [_feasible_along(t0, constraint)]
    res = minimize(lambda t: float(weight @ t), np.clip(t0, 0, 1), jac=lambda t: weight,
                   method="SLSQP", bounds=[(0.0, 1.0)] * len(active),
                   constraints=[{"type": "ineq", "fun": constraint, "jac": jacobian}],
                   options={"maxiter": 200, "ftol": 1e-10})
    candidates.append(_feasible_along(np.clip(res.x, 0.0, 1.0), constraint))
    best = min(candidates, key=lambda t: float(weight @ t))
    return full(best)


def _feasible_along(t: np.ndarray, constraint: Callable[[np.ndarray], float]) -> np.ndarray:
    """Return ``t`` if feasible, else the first feasible point on the way to every bound."""
    if constraint(t) >= 0:
        return t
    alpha = _bisect(lambda a: np.array([constraint(t + a[0] * (1.0 - t)) >= 0]),
                    np.array([0.0]), np.array([1.0]))[0]
    return t + alpha * (1.0 - t)


def _margin(threshold: float) -> float:
    """Return a score margin above the threshold that rounding cannot eat."""
    return 1e-9 * (1.0 + abs(threshold)) if math.isfinite(threshold) else 0.0


@dataclass
class _Plan:
    v: np.ndarray
    rank: int
    score: float
    values: np.ndarray
    notes: list[str]


def _reach(task: _Task, model: _Frozen, k: int) -> _Plan | None:
    """Solve for rank ≤ k on the frozen pipeline and verify by full rebuilds; None if out of reach."""
    table = _table(task, model, k, refine=model.linear)
    threshold = float(task.threshold(model.base_scores[:, task.root], k)[0])
    want = _margin(threshold)
    slack = 0.5 * want  # rounding far below the margin is not worth another solve
    notes: list[str] = []
    solve = _solve_linear if model.linear else _solve_iterative
    for _ in range(_ROUNDS):
        v = solve(task, model, table, k, want, slack)
        if v is None:
            return None
        values = task.values(v)
        rebuilt = task.ev.with_values(values)
        rank, score = task.rank_of(rebuilt)
        if rank <= k:
            return _Plan(v, rank, score, values, notes)
        # Learned again, the parameters moved: ask the frozen problem for the shortfall more.
        others = task.threshold(rebuilt.scores[task.p, :, task.root], k)[0]
        short = float(others - score) + _margin(float(others))
        notes.append(text("path_note_refit", rank=rank, gap=short))
        want += max(short, _margin(threshold))
    return None


# -- the public function ------------------------------------------------------------------------


def path(ev: Evaluation, unit: str, target_rank: int, *, period: Hashable | None = None,
         group: str | None = None, max_change: float | None = 0.2,
         cost: Mapping[str, float] | None = None,
         bounds: Mapping[str, tuple[float | None, float | None]] | None = None) -> PathResult:
    """Path to a target rank (找路径): the least-effort change of a unit's indicators that reaches it.

    Parameters
    ----------
    ev : Evaluation
    unit : str
        Unit code or display name.
    target_rank : int
        The rank to reach (1 = first), overall or within ``group``. With
        competition ranking (1, 2, 2, 4) the unit reaches rank *K* when its index
        score is at least the *K*-th highest score of the other peers: a tie
        counts as reaching the rank. A tiny margin (1e-9 relative) is added so
        that rounding cannot miss it.
    period : hashable, optional
        The period whose values change and whose rank counts; the last by default.
    group : str, optional
        A group column: the rank is counted among the units of the unit's group,
        and the bounds use those peers.
    max_change : float or None, default 0.2
        Largest relative change of any indicator (0.2 = ±20 % of its value);
        None for no cap.
    cost : mapping of indicator (code or name) to float, optional
        Cost of one unit of relative change per indicator; 1 for every indicator
        by default. Raise it for a lever that is harder to move.
    bounds : mapping of indicator (code or name) to (lo, hi), optional
        Raw-value bounds that replace the default ones for an indicator; a side
        given as None keeps its default.

    Returns
    -------
    PathResult

    Notes
    -----
    *Effort* is :math:`\\sum_i c_i |\\Delta x_i| / |x_i|`, the cost-weighted
    relative change. When a value is about zero (:math:`|x_i| \\le 10^{-6}`
    times the peers' range) the change is measured against the range of the
    indicator over the peers in that period instead (``relative_to="range"``
    in the table). Missing values are not changed.

    *Default bounds* per indicator: no worse than now; no better than the
    best value among the peers in that period (compared as the build compares
    them, i.e. after dividing by a denominator, then turned back into this
    unit's raw units); and at most ``max_change`` relative change.
    Lower-is-better indicators improve by going down.

    *Solvers.* With every level aggregated by :class:`~zongheng.steps.aggregate.Arithmetic`,
    the frozen index is a sum of one-dimensional responses of the unit's raw
    values (exactly affine for min-max, z-score, goalposts, target, ratio …
    with their parameters fixed). Each response is read off replays at the
    ends and middle of its bounded range; where one is not affine (a
    winsorisation cap, a log) it is tabulated on a 33-point grid. The least
    effort is then a linear programme (``scipy.optimize.linprog``, HiGHS); the
    marginal indicator is set by bisection so that the score meets the
    threshold exactly, and an indicator that passes a cap is stopped where its
    gain ends. Other aggregations are solved by SLSQP on the frozen pipeline,
    started from the programme of the one-at-a-time (linearised) responses,
    with finite-difference gradients (one replay moves every indicator at once).

    *Verification.* The learned parameters (min/max, goalposts, caps, imputed
    values, data-driven weights) depend on the data, so the answer is
    rebuilt in full (:meth:`Evaluation.with_values`). If the rebuilt rank
    misses the target, the needed gain is raised by the shortfall and the
    problem solved again (up to 6 rounds; each round is reported in
    ``notes``).

    *Unreachable targets* give ``reachable=False``, the best rank with every
    indicator at its bound (rebuilt), and the least change that reaches that
    best rank.

    Examples
    --------
    >>> import zongheng as zh
    >>> from zongheng.analysis.path import path
    >>> ds = zh.datasets.load("asem")
    >>> ev = zh.build(ds.framework, ds.panel, ds.method)
    >>> result = path(ev, "MLT", 5)
    >>> result.current_rank, result.achieved_rank, result.solver
    (10, 5, 'linear-programme')
    """
    task = _task(ev, unit, target_rank, period, group, max_change, cost, bounds)
    model = _Frozen(task)
    current_rank, current_score = task.rank_of(ev)
    solver = "linear-programme" if model.linear else "iterative"
    assumption = (text("path_assumption_linear") if model.linear else text(
        "path_assumption_iterative", methods=", ".join(
            dict.fromkeys(step.key for step, _, _ in model.levels))))
    k = int(target_rank)
    threshold = float(task.threshold(model.base_scores[:, task.root], k)[0])

    def result(plan: _Plan, reachable: bool, best: int, more: Sequence[str]) -> PathResult:
        changes = _changes(task, plan.v)
        by_range = changes.loc[changes["relative_to"] == "range", "indicator"].tolist()
        notes = [text("path_note_range_scale", codes=", ".join(by_range))] if by_range else []
        return PathResult(
            unit=ev.panel.units[task.u], name=ev.panel.names()[task.u],
            period=ev.panel.periods[task.p], group=group, target_rank=k,
            current_rank=current_rank, current_score=current_score,
            achieved_rank=plan.rank, achieved_score=plan.score, reachable=reachable,
            best_rank=best, needed_score=threshold, solver=solver, assumption=assumption,
            effort=float(task.effort(plan.v)), changes=changes,
            notes=(*notes, *plan.notes, *more), values=plan.values)

    zero = np.zeros_like(task.span)
    if current_rank <= k and not np.any(task.base):
        here = _Plan(zero, current_rank, current_score, np.array(ev.panel.values, copy=True), [])
        return result(here, True, current_rank, [text("path_note_already", rank=current_rank,
                                                       target=k)])
    plan = _reach(task, model, k)
    if plan is not None:
        return result(plan, True, plan.rank, [])

    # Out of reach: every indicator at its bound shows the best rank; then the least change to it.
    values = task.values(task.span)
    at_bounds = ev.with_values(values)
    best, score = task.rank_of(at_bounds)
    bound_plan = _Plan(task.span.copy(), best, score, values, [])
    if best <= k:  # only the bounds themselves pass the rebuild
        return result(bound_plan, True, best, [text("path_note_bounds_plan")])
    more = [text("path_note_unreachable", target=k, best=best)]
    if best >= current_rank and not np.any(task.base):
        here = _Plan(zero, current_rank, current_score, np.array(ev.panel.values, copy=True), [])
        return result(here, False, current_rank, [*more, text("path_note_no_gain")])
    cheaper = _reach(task, model, best)
    if cheaper is not None and cheaper.rank <= best:
        return result(cheaper, False, best, [*more, text("path_note_best_plan", best=best)])
    return result(bound_plan, False, best, [*more, text("path_note_bounds_plan")])


def _changes(task: _Task, v: np.ndarray) -> pd.DataFrame:
    """Return the table of changed indicators, largest relative change first."""
    fw = task.ev.framework
    delta = task.direction * (task.base + v)
    rel = np.divide(delta, task.scale, out=np.zeros_like(delta), where=task.scale > 0)
    effort = task.unit_cost * np.abs(task.base + v)
    total = effort.sum()
    moved = np.flatnonzero((np.abs(rel) > 1e-12) & ~np.isnan(task.x0))
    inds = [fw.indicators[i] for i in moved]
    table = pd.DataFrame({
        "indicator": [ind.code for ind in inds],
        "name": [ind.name or ind.name_en or ind.code for ind in inds],
        "measure": [ind.unit for ind in inds],
        "direction": [ind.direction.symbol for ind in inds],
        "now": task.x0[moved], "needed": task.x0[moved] + delta[moved], "change": delta[moved],
        "change_pct": 100.0 * rel[moved],
        "relative_to": np.where(task.by_range[moved], "range", "value").astype(object),
        "effort_share": effort[moved] / total if total > 0 else np.zeros(len(moved)),
        "department": [ind.department for ind in inds],
    })
    order = np.argsort(-np.abs(table["change_pct"].to_numpy()), kind="stable")
    return table.iloc[order].reset_index(drop=True)
