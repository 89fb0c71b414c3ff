r"""The path to a target rank (找方法、找路径): the least-effort change that gets there.

:func:`path` answers "what must unit *u* change, and by how much, to reach rank
*K* (within its group) in period *p*, everyone else held fixed?" as an
optimisation, not a guess:

.. math::
   \min_{\Delta} \sum_i c_i \frac{|\Delta x_i|}{|x_i|}
   \quad\text{s.t.}\quad s_u(x + \Delta) \ge s_{(K)} + m ,\qquad
   \Delta_i \in [lo_i, hi_i]

where :math:`s_{(K)}` is the *K*-th highest index score among the other peers
(with competition ranking, rank ≤ K exactly when the unit's score is at least
that; a tie counts as reaching the rank), *m* an optional margin in score
points, :math:`c_i` a cost per indicator (1 by default) and the bounds keep each
indicator no worse than now, no better than the best peer, within
``max_change`` of its value, and unchanged when it is not a lever (``exclude``,
``only``).

The solver works on the *frozen* pipeline (:func:`zongheng.pipeline.replay`:
every state the build learned held fixed) and asks the steps what they are —
their capabilities — never which class they are:

- every data step is ``elementwise``, so one replay moves every indicator at
  once, and one batch of replays tabulates each indicator's response on a grid
  of its bounded range (the two ends suffice when every step is ``affine``);
- when every level is a power mean of one exponent *p*
  (``aggregator.power_exponent``; *p* = 1 is the arithmetic mean) that
  ``scores_units_alone``, the condition is a *sum* of one-dimensional responses
  (in the mean's own scale: :math:`s^p`, or :math:`\ln s` for *p* = 0). The least
  effort is then the linear programme over the upper concave envelopes of the
  responses, solved exactly by buying the cheapest index points first (the
  fractional knapsack, Dantzig 1957); a lever whose response is not concave
  goes to the first point of its true response that gives what the programme
  asked of it;
- power means of several exponents (the arithmetic mean of indicators under a
  geometric index; the minimum, *p* = −∞) are solved level by level: each node
  gets a production curve (the best score for each amount of effort), a power
  mean's the concave envelope of its children's in its own scale, the
  minimum's the sum of its children's efforts to a level; the root's target is
  then handed down to the levers;
- methods that compare units (TOPSIS, VIKOR, Borda …) see the other units'
  scores move with the unit's: the separable programme is solved again around
  each plan, with every indicator's one-at-a-time response tabulated at the
  plan, until the plan stops moving (successive separable approximation: at a
  fixed point the plan meets the optimality conditions of the original
  problem), and SLSQP on the tabulated problem may improve on it.

Batched replays then put the plan exactly on the frozen constraint. The
values are rounded to ``digits`` significant digits toward improvement (what
the command line prints, so a value copied from it is enough), and the plan is
verified by a full rebuild (:meth:`~zongheng.evaluation.Evaluation.with_values`),
which learns every parameter again. If the refit moves the target out of
reach, the problem is frozen again at the rebuilt plan and solved anew; if that
does not settle, the plan moves toward every bound until a rebuild reaches the
target.

References
----------
Dantzig, G. B. (1957). Discrete-variable extremum problems. *Operations
Research* 5(2), 266–288.
"""

from __future__ import annotations

import fnmatch
import math
import warnings
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from zongheng.display import SIGNIFICANT, round_significant, round_toward
from zongheng.errors import DataError, MethodError, Problem
from zongheng.evaluation import Evaluation
from zongheng.i18n import register_messages, text
from zongheng.pipeline import replay
from zongheng.steps import Context, Scope

__all__ = ["PathResult", "indicator_positions", "path", "round_toward"]

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
    "path_bad_margin": (
        "margin 必须是不小于 0 的数（高出目标名次所需得分的分数），实际为 {value!r}",
        "margin must be a number ≥ 0 (score points above what the target rank needs), got {value!r}",
    ),
    "path_bad_digits": (
        "digits 必须是 1 到 15 的整数（需达到值的有效数字位数）或 None（不取整），实际为 {value!r}",
        "digits must be a whole number from 1 to 15 (significant digits of the needed values) or "
        "None (no rounding), got {value!r}",
    ),
    "path_unknown_indicator": (
        "{argument} 中的 '{name}' 不是指标或维度的代码、名称，也不匹配任何指标代码",
        "'{name}' in {argument} is neither an indicator's nor an aggregate's code or name, and "
        "matches no indicator code",
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
        "各层均为算术平均，综合指数是本单位各指标一维响应之和，按每分调整量从小到大选取（线性规划的精确解）",
        "Learned parameters (min/max or goalposts, winsorisation caps, imputed values, weights) "
        "are held fixed while solving and every other unit keeps its values; every level is an "
        "arithmetic mean, so the index is a sum of one-dimensional responses of the unit's "
        "indicators and the cheapest index points are taken first (the exact solution of the "
        "linear programme)",
    ),
    "path_assumption_power": (
        "求解时冻结构建学得的参数，其他单位数值不变；各层均为同一指数 p = {p} 的幂平均（{methods}），"
        "按其尺度（s^p，p = 0 时为 ln s）综合指数是各指标一维响应之和，按每单位增益的调整量从小到大选取"
        "（线性规划的精确解）",
        "Learned parameters are held fixed and every other unit keeps its values; every level is "
        "the power mean of one exponent p = {p} ({methods}), so in its scale (s^p, ln s for "
        "p = 0) the index is a sum of one-dimensional responses and the cheapest gains are "
        "taken first (the exact solution of the linear programme)",
    ),
    "path_assumption_nested": (
        "求解时冻结构建学得的参数，其他单位数值不变；各层为不同指数的幂平均（{methods}），"
        "逐层求解：每个节点按调整量求可达最高得分，再把目标得分自上而下分配到各指标",
        "Learned parameters are held fixed and every other unit keeps its values; the levels "
        "are power means of different exponents ({methods}), solved level by level: each node's "
        "best score for each amount of effort, then the target handed down to the indicators",
    ),
    "path_assumption_iterative": (
        "汇总方法不可分（{methods}）：求解时冻结构建学得的参数，其他单位数值不变；在当前方案处列出"
        "每个指标单独变化的响应，求可分问题的最小调整，再在新方案处重复，直至方案不再变化",
        "The aggregation is not separable ({methods}): learned parameters are held fixed and "
        "every other unit keeps its values; each indicator's one-at-a-time response is tabulated "
        "at the current plan, the separable problem solved, and this repeated at the new plan "
        "until the plan stops moving",
    ),
    "path_assumption_verify": (
        "需达到值按 {digits} 位有效数字向改进方向取整（高优指标向上、低优指标向下），"
        "再用改变后的数据完整重建（重新学习参数）验证名次",
        "the needed values are rounded to {digits} significant digits toward improvement (up "
        "for higher-is-better, down for lower-is-better) and verified by a full rebuild with the "
        "changed data, which learns every parameter again",
    ),
    "path_assumption_verify_exact": (
        "需达到值不取整，用改变后的数据完整重建（重新学习参数）验证名次",
        "the needed values are not rounded; they are verified by a full rebuild with the changed "
        "data, which learns every parameter again",
    ),
    "path_assumption_margin": (
        "得分须高出目标名次所需得分 {margin} 分",
        "the score must clear what the target rank needs by {margin} points",
    ),
    "path_assumption_join": ("；", "; "),
    "path_assumption_end": ("。", "."),
    "path_note_already": (
        "当前已是第 {rank} 名（目标第 {target} 名），不需要调整；在上下限内最好可达第 {best} 名",
        "already ranked {rank} (target {target}): nothing needs to change; the best rank within "
        "the bounds is {best}",
    ),
    "path_note_refit": (
        "完整重建后（参数重新学习）名次为第 {rank} 名，差 {gap} 分；按重建后的参数重新求解",
        "after the full rebuild (parameters learned again) the rank was {rank}, {gap} points "
        "short; solved again with the parameters of that rebuild",
    ),
    "path_note_toward_bounds": (
        "冻结参数的解经完整重建达不到目标；各指标从该解向上下限同步加大调整，取完整重建达到目标的最小幅度",
        "the frozen solutions fall short once rebuilt; every indicator was moved from them toward "
        "its bound, as little as a full rebuild needs to reach the target",
    ),
    "path_note_unreachable": (
        "在各指标的上下限内达不到第 {target} 名，最好可达第 {best} 名",
        "rank {target} cannot be reached within the bounds: the best reachable rank is {best}",
    ),
    "path_note_unreachable_margin": (
        "在各指标的上下限内达不到第 {target} 名（得分高出 {margin} 分），最好可达第 {best} 名",
        "rank {target} cannot be reached within the bounds ({margin} points clear): the best "
        "reachable rank is {best}",
    ),
    "path_note_best_plan": (
        "下表为达到第 {best} 名的最小调整",
        "the table shows the least change that reaches rank {best}",
    ),
    "path_note_no_gain": (
        "在上下限内任何调整都不能提高名次",
        "no change within the bounds improves the rank",
    ),
    "path_note_range_scale": (
        "指标 {codes} 当前值约为 0，其变化幅度按同组对手的取值范围计算",
        "indicators {codes} are about 0 now: their change is measured against the peers' range",
    ),
    "path_note_held": (
        "{n} 个指标保持不变（不作为调整对象）: {codes}",
        "{n} indicators are held as they are (not levers): {codes}",
    ),
})

_REPLAY_FLOATS = 2**23  # cap on one batched replay's copy of the panel (64 MiB)
_GRID = 33  # points of each indicator's bounded range where a response is not affine
_GRID_PERIOD = 9  # one-at-a-time points when a row is a whole period (methods comparing units)
_ITERATIONS = 40  # successive separable approximations before taking the best plan seen
_ITERATIONS_PERIOD = 20  # … when each one aggregates whole periods (methods comparing units)
_ROUNDS = 4  # frozen solves, each re-frozen at the last rebuild, before moving toward the bounds
_SEARCH_POINTS = 32  # candidates per batched replay in a one-dimensional search
_SEARCH_ROUNDS = 4  # 32**-4 ≈ 1e-6 of the searched range, below the printed digits
_REBUILD_STEPS = 14  # bisection steps of the move toward the bounds (one rebuild each)
_DIGITS = SIGNIFICANT  # significant digits of the needed values: what every document prints


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
        The best rank reachable within the bounds: the rank (full rebuild) with
        every lever at the bound of its improvement, or the achieved rank when
        that is better (methods that compare units need not be monotone).
        Reported also when the target is already met.
    needed_score : float
        The score the target rank needs in the verifying rebuild: the
        target-th highest score of the other peers there, plus ``margin``
        (now, when nothing changes). −inf when there are fewer peers than the
        target.
    solver : str
        ``"linear-programme"`` (a separable index, solved exactly),
        ``"level-by-level"`` (power means of several exponents) or
        ``"iterative"`` (methods comparing units: successive separable
        approximation).
    assumption : str
        What the solver held fixed, and how the answer was verified.
    effort : float
        :math:`\\sum_i c_i |\\Delta x_i| / |x_i|` of the changes shown.
    changes : DataFrame
        A row per indicator that changes: ``indicator, name, measure (unit of
        measure), direction, now, needed, change, change_pct, relative_to
        (value or range), effort_share, department``; largest relative
        change first. ``needed`` is rounded to ``digits`` significant digits
        toward improvement.
    notes : tuple of str
        What happened on the way (rebuild rounds, unreachable target …).
    margin : float
        Score points the plan clears the target by (0: a tie reaches it).
    digits : int or None
        Significant digits of the needed values (None: not rounded).
    held : tuple of str
        Indicators held as they are because they are not levers (``exclude``, ``only``).
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
    margin: float = 0.0
    digits: int | None = _DIGITS
    held: tuple[str, ...] = ()
    values: np.ndarray = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the result as plain data (the changes as a list of records), for JSON."""
        out = {k: getattr(self, k) for k in (
            "unit", "name", "period", "group", "target_rank", "current_rank", "current_score",
            "achieved_rank", "achieved_score", "reachable", "best_rank", "needed_score",
            "solver", "assumption", "effort", "margin", "digits")}
        out["held"] = list(self.held)
        out["notes"] = list(self.notes)
        out["changes"] = self.changes.to_dict("records")
        return out


# -- rounding as printed ------------------------------------------------------------------------


def _round_significant(x: np.ndarray, digits: int, up: np.ndarray) -> np.ndarray:
    """Round to ``digits`` significant digits, up where ``up`` and down elsewhere (display's kernel)."""
    return round_significant(x, digits, up)


def _plain(value: float) -> str:
    """Format a number with 4 significant digits and no exponent (for notes)."""
    return np.format_float_positional(float(value), precision=4, unique=False, fractional=False,
                                      trim="-")


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
    held: np.ndarray  # bool: not a lever (exclude / only)
    margin: float  # score points above the target-th other peer
    digits: int | None
    k: int  # the target rank

    @property
    def root(self) -> int:
        return len(self.ev.node_codes) - 1

    def raw(self, v: np.ndarray) -> np.ndarray:
        """Return raw value rows for improvement rows ``v`` above the base (NaN stays NaN)."""
        return self.x0 + self.direction * (self.base + v)

    def snap(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the raw values of a plan as printed, and their improvement above the base.

        Moved values are rounded to ``digits`` significant digits toward
        improvement; one that the rounding would carry past its bound keeps its
        exact value (the bounds are rounded inward, so only a forced value can).
        """
        raw = self.raw(v)
        moved = (self.base + v > 0) & ~np.isnan(self.x0)
        if self.digits is not None:
            rounded = _round_significant(raw, self.digits, self.direction > 0)
            inside = self.direction * (rounded - self.x0) <= self.base + self.span
            raw = np.where(moved & inside, rounded, raw)
        raw = np.where(moved, raw, self.x0)
        improvement = np.where(moved, self.direction * (raw - self.x0), 0.0)
        return raw, np.maximum(improvement - self.base, 0.0)

    def effort(self, v: np.ndarray) -> float:
        """Return the effort of an improvement: Σ c |Δx| / scale."""
        return float(np.sum(self.unit_cost * np.abs(self.base + v)))

    def panel_values(self, raw: np.ndarray) -> np.ndarray:
        """Return the whole raw panel with the unit's row of the period set to ``raw``."""
        out = np.array(self.ev.panel.values, copy=True)
        out[self.p, self.u] = raw
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

    def needed(self, ev: Evaluation, k: int) -> float:
        """Return the score rank k needs in an evaluation: the k-th other peer's plus the margin."""
        return float(self.threshold(ev.scores[self.p, :, self.root], k)[0]) + self.margin

    def best_rank(self, ev: Evaluation) -> int:
        """Return the best rank the unit's score reaches in an evaluation, with the margin."""
        rank, score = self.rank_of(ev)
        if self.margin <= 0:
            return rank
        others = self.peers.copy()
        others[self.u] = False
        return 1 + int(np.sum(ev.scores[self.p, others, self.root] > score - self.margin))


class _Frozen:
    """The evaluation with every learned state held fixed, seen from one unit and a target rank.

    The constraint of a row of the unit's normalised values is ``c ≥ 0``, with
    ``c`` the unit's score minus what rank *k* needs, in the scale where the
    index is separable (``s^p`` or ``ln s`` for a power mean of exponent *p*).
    """

    def __init__(self, task: _Task, ev: Evaluation | None = None, k: int | None = None) -> None:
        ev = task.ev if ev is None else ev  # a rebuild's evaluation, to freeze its states instead
        k = task.k if k is None else k  # another rank (the best reachable one)
        self.task, self.ev, self.k = task, ev, k
        self.n_ind = len(ev.framework.indicator_codes)
        self.base_scores = ev.scores[task.p]  # (unit, node)
        self.levels = [(lv.aggregator, lv.matrix, lv.columns) for lv in ev.levels()]
        aggregators = [step for step, _, _ in self.levels]
        self.methods = ", ".join(dict.fromkeys(step.key for step in aggregators))
        self.data_records = [r for r in ev.trace if r.stage != "aggregate"]
        ctx = Context(ev.framework, ev.panel, Scope.parse(ev.method.scope))
        for record in self.data_records:
            ctx = record.step.publish(record.state, ctx)
        self.ctx = ctx
        self.per_unit = all(step.scores_units_alone for step in aggregators)
        exponents = {step.power_exponent for step in aggregators}
        exponent = exponents.pop() if len(exponents) == 1 else None
        self.exponent = exponent if exponent is not None and math.isfinite(exponent) else None
        elementwise = all(r.step.elementwise for r in self.data_records)
        self.affine = elementwise and all(r.step.affine for r in self.data_records)
        # A power mean of one exponent at every level is a sum of responses in its own scale.
        self.separable = self.per_unit and elementwise and self.exponent is not None
        self.linear = self.separable and self.exponent == 1.0
        # Power means of several exponents (the minimum is p = −inf) still solve level by level.
        self.nested = self.per_unit and elementwise and all(
            step.power_exponent is not None and step.power_exponent < math.inf
            for step in aggregators)
        included = ev.record("screen").state.included_
        self.included = None if included is None else np.asarray(included)[task.p]
        threshold = float(task.threshold(self.base_scores[:, task.root], k)[0])
        self.extra = 0.0  # asked above the target when the parameters learned again fell short
        self.want = threshold + task.margin
        # A sliver above the target so that the arithmetic of a rebuild cannot tie it away (far
        # below what rounding as printed moves).
        self.tiny = 1e-11 * (1.0 + abs(self.want)) if math.isfinite(self.want) else 0.0
        self._table: np.ndarray | None = None
        self._norm_all: np.ndarray | None = None

    # -- replays (batched: candidate rows on a leading axis) -------------------------------------

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

    @property
    def norm_all(self) -> np.ndarray:
        """Every unit's normalised values in the period, as the aggregation received them."""
        if self._norm_all is None:
            values = self.ev.panel.values
            self._norm_all = replay(self.ev.framework, self.ev.panel, self.ev.method,
                                    self.data_records, values)[self.task.p, :, :self.n_ind]
        return self._norm_all

    # -- the responses, tabulated once per frozen evaluation -----------------------------------

    @property
    def grid(self) -> np.ndarray:
        """Points in [0, 1] of each lever's range where the one-at-a-time gains are tabulated."""
        if self.affine and self.linear:
            return np.array([0.0, 1.0])
        return np.linspace(0.0, 1.0, _GRID if self.per_unit else _GRID_PERIOD)

    @property
    def table(self) -> np.ndarray:
        """The unit's normalised values with every lever at each grid point, (point, indicator).

        One batch of replays: the data steps are elementwise, so a row moves
        every indicator at once. Two points when the steps are affine.
        """
        if self._table is None:
            t = np.array([0.0, 1.0]) if self.affine else np.linspace(0.0, 1.0, _GRID)
            self._table = self.normalised(self.task.raw(t[:, None] * self.task.span))
        return self._table

    def norm_at(self, v: np.ndarray) -> np.ndarray:
        """Return normalised rows for improvement rows ``v``, interpolated in the table.

        Exact where the steps are affine and at the grid points; between grid
        points a kink (a cap) is cut by its chord.
        """
        v = np.atleast_2d(v)
        table = self.table
        span = self.task.span
        t = np.divide(v, span, out=np.zeros_like(v), where=span > 0).clip(0.0, 1.0)
        pos = t * (len(table) - 1)
        low = np.minimum(np.floor(pos).astype(int), len(table) - 2)
        frac = pos - low
        cols = np.arange(self.n_ind)
        return table[low, cols] * (1.0 - frac) + table[low + 1, cols] * frac

    # -- the constraint ---------------------------------------------------------------------------

    def index(self, norm_rows: np.ndarray) -> np.ndarray:
        """Return every unit's index, shaped (row, unit), for rows of the unit's normalised values.

        The aggregation is re-run on a batch: only the unit's own row when every
        level scores units on their own, else the whole period (TOPSIS and the
        like compare units), the other units' values as built.
        """
        norm_rows = np.atleast_2d(norm_rows)
        b, u, root = len(norm_rows), self.task.u, self.task.root
        n_nodes = self.base_scores.shape[-1]
        if self.per_unit:
            scores = np.full((b, 1, n_nodes), np.nan)
            scores[:, 0, :self.n_ind] = norm_rows
            for step, matrix, columns in self.levels:
                scores[..., columns] = _combine(step, scores, matrix, self.ctx)
            out = np.tile(self.base_scores[:, root], (b, 1))
            out[:, u] = scores[:, 0, root]
        else:
            out = np.empty((b, self.base_scores.shape[0]))
            chunk = max(1, _REPLAY_FLOATS // self.base_scores.size)
            for start in range(0, b, chunk):  # chunks of candidate rows, not units
                part = norm_rows[start:start + chunk]
                scores = np.full((len(part), *self.base_scores.shape), np.nan)
                scores[..., :self.n_ind] = self.norm_all
                scores[:, u, :self.n_ind] = part
                for step, matrix, columns in self.levels:
                    scores[..., columns] = _combine(step, scores, matrix, self.ctx)
                out[start:start + len(part)] = scores[..., root]
        if self.included is not None:
            out = np.where(self.included, out, np.nan)
        return out

    def _scale(self, s: np.ndarray) -> np.ndarray:
        """Map scores to the scale where the index is separable (monotone increasing)."""
        if not self.separable or self.exponent == 1.0:
            return s
        with np.errstate(all="ignore"):
            if self.exponent == 0.0:
                return np.log(s)
            powered = np.power(s, self.exponent)
            return powered if self.exponent > 0 else -powered

    def constraint(self, norm_rows: np.ndarray) -> np.ndarray:
        """Return ``c`` per row: ≥ 0 exactly when the row's score reaches rank k (with the margin)."""
        scores = self.index(norm_rows)
        own = scores[:, self.task.u]
        need = self.task.threshold(scores, self.k) + self.task.margin + self.extra + self.tiny
        c = self._scale(own) - self._scale(need)
        return np.where(np.isnan(c), -np.inf, c)

    def true(self, v: np.ndarray) -> np.ndarray:
        """Return ``c`` of improvement rows on the frozen pipeline itself (batched replays)."""
        return self.constraint(self.normalised(self.task.raw(np.atleast_2d(v))))

    @property
    def target(self) -> float:
        """The score to reach with the states held fixed (per-unit methods): target, margin, sliver."""
        return self.want + self.extra + self.tiny

    @property
    def accept(self) -> float:
        """How far below 0 a constraint may fall to rounding: half the sliver above the target."""
        need = self.target
        return float(self._scale(np.array(need - 0.5 * self.tiny)) - self._scale(np.array(need)))


def _combine(step: Any, scores: np.ndarray, matrix: np.ndarray, ctx: Context) -> np.ndarray:
    """Aggregate one level of a batch of candidates; a candidate outside the method's domain is NaN.

    A frozen state learned with other values can put a candidate out of a mean's
    domain (a min-max score below 0 under a geometric mean): that candidate is
    out of reach, not an error. Power means say their domain by their exponent;
    for other methods a failing batch is scored one candidate at a time.
    """
    p = step.power_exponent
    if p is not None:
        used = np.flatnonzero(matrix.any(axis=1))
        with np.errstate(invalid="ignore"):
            outside = (scores[..., used] <= 0) if p <= 0 else (scores[..., used] < 0)
        bad = outside.reshape(scores.shape[0], -1).any(axis=1)
        if bad.any():
            safe = scores.copy()
            safe[bad] = np.where(np.isnan(safe[bad]), np.nan, 1.0)
            out = step.combine(safe, matrix, ctx)
            out[bad] = np.nan
            return out
        return step.combine(scores, matrix, ctx)
    try:
        return step.combine(scores, matrix, ctx)
    except MethodError:
        out = np.full((*scores.shape[:-1], matrix.shape[1]), np.nan)
        for r in range(scores.shape[0]):  # only after a failure: find the candidates that fail
            try:
                out[r] = step.combine(scores[r:r + 1], matrix, ctx)[0]
            except MethodError:
                pass
        return out


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


def indicator_positions(ev: Evaluation, name: object) -> tuple[int, ...]:
    """Return the indicators a name stands for (指标或维度); () when it stands for none.

    Parameters
    ----------
    ev : Evaluation
    name : str
        An indicator (code, Chinese or English name), an aggregate such as a
        dimension (code or name: every indicator below it, e.g. ``W`` or
        ``工作评价``), or a wildcard pattern on indicator codes (``W0*``).

    Examples
    --------
    >>> import zongheng as zh
    >>> ds = zh.datasets.load("tiangong_demo")
    >>> ev = zh.build(ds.framework, ds.panel, ds.method)
    >>> [ev.framework.indicator_codes[i] for i in indicator_positions(ev, "工作评价")][:3]
    ['W01', 'W02', 'W03']
    >>> len(indicator_positions(ev, "Q0*")), indicator_positions(ev, "nowhere")
    (9, ())
    """
    one = indicator_position(ev, name)
    if one is not None:
        return (one,)
    fw = ev.framework
    key = str(name).strip()
    lower = key.lower()
    for node in fw.aggregates:
        if key == node.code or (lower and lower in (node.name.strip().lower(),
                                                     node.name_en.strip().lower())):
            below: list[str] = []
            stack = [node.code]
            while stack:  # the tree below the aggregate, depth first
                code = stack.pop()
                kids = fw.children.get(code, ())
                stack.extend(kids)
                if not kids and code in fw.indicator_codes:
                    below.append(code)
            return tuple(sorted(fw.indicator_codes.index(c) for c in below))
    if any(ch in key for ch in "*?["):
        return tuple(i for i, code in enumerate(fw.indicator_codes)
                     if fnmatch.fnmatchcase(code, key))
    return ()


def _per_indicator(ev: Evaluation, given: Mapping[str, Any] | None, argument: str
                   ) -> tuple[dict[int, Any], list[Problem]]:
    """Resolve a mapping keyed by indicator, aggregate or pattern; report unknown keys.

    A key that stands for several indicators applies to each; later keys win.
    """
    out: dict[int, Any] = {}
    problems = []
    for name, value in dict(given or {}).items():
        found = indicator_positions(ev, name)
        if not found:
            problems.append(Problem("path_unknown_indicator", {"name": name, "argument": argument},
                                    key=f"{argument}.{name}"))
        for i in found:
            out[i] = value
    return out, problems


def _names(given: str | Iterable[str] | None) -> list[str]:
    if given is None:
        return []
    return [given] if isinstance(given, str) else list(given)


def _levers(ev: Evaluation, exclude: str | Iterable[str] | None,
            only: str | Iterable[str] | None) -> tuple[np.ndarray, list[Problem]]:
    """Return the mask of indicators held as they are, and the names that stand for nothing."""
    n = len(ev.framework.indicator_codes)
    problems = []

    def mask(names: list[str], argument: str) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        for name in names:
            found = indicator_positions(ev, name)
            if not found:
                problems.append(Problem("path_unknown_indicator",
                                        {"name": name, "argument": argument}, key=argument))
            out[list(found)] = True
        return out

    held = mask(_names(exclude), "exclude")
    if only is not None:
        held |= ~mask(_names(only), "only")
    return held, problems


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


def _number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float | np.integer | np.floating) \
        and math.isfinite(value)


def _check_arguments(target_rank: object, max_change: object, margin: object,
                     digits: object) -> list[Problem]:
    problems = []
    if isinstance(target_rank, bool) or not isinstance(target_rank, int | np.integer) \
            or target_rank < 1:
        problems.append(Problem("path_bad_rank", {"rank": target_rank}, key="target_rank"))
    if max_change is not None and (not _number(max_change) or max_change <= 0):
        problems.append(Problem("path_bad_max_change", {"value": max_change}, key="max_change"))
    if not _number(margin) or margin < 0:
        problems.append(Problem("path_bad_margin", {"value": margin}, key="margin"))
    if digits is not None and (isinstance(digits, bool) or not isinstance(digits, int | np.integer)
                               or not 1 <= digits <= 15):
        problems.append(Problem("path_bad_digits", {"value": digits}, key="digits"))
    return problems


def _task(ev: Evaluation, unit: str, target_rank: int, period: Hashable | None,
          group: str | None, max_change: float | None, cost: Mapping[str, float] | None,
          bounds: Mapping[str, tuple[float | None, float | None]] | None,
          exclude: str | Iterable[str] | None = None, only: str | Iterable[str] | None = None,
          margin: float = 0.0, digits: int | None = _DIGITS) -> _Task:
    """Validate the arguments and set up the bounded problem (every problem reported at once)."""
    problems = _check_arguments(target_rank, max_change, margin, digits)
    if problems:
        raise MethodError(problems)
    u = ev.unit_position(unit)
    p = ev.period_position(period)
    root = len(ev.node_codes) - 1
    if group is not None and group not in ev.panel.groups:
        raise DataError([Problem("path_unknown_group", {
            "group": group, "found": ", ".join(ev.panel.groups)}, key="group")])
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
    held, unknown = _levers(ev, exclude, only)
    problems += more + unknown
    codes = ev.framework.indicator_codes
    for i, c in costs.items():
        if not _number(c) or c <= 0:
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
    if digits is not None:
        # The far bound rounded toward the value now, so a plan rounded toward improvement stays
        # inside it.
        far = _round_significant(x0 + direction * upper, digits, direction < 0)
        upper = np.where(upper > base, np.maximum(direction * (far - x0), base), upper)
    held = held & known
    span = np.where(known & ~held, upper - base, 0.0)
    base = np.where(known & ~held, base, 0.0)
    unit_cost = np.ones(len(codes))
    for i, c in costs.items():
        unit_cost[i] = float(c)
    return _Task(ev, p, u, group, peers, x0, direction, scale, by_range & known, base, span,
                 unit_cost / scale, held, float(margin), None if digits is None else int(digits),
                 int(target_rank))


def _valid_bounds(value: object) -> bool:
    try:
        lo, hi = value  # type: ignore[misc]
    except (TypeError, ValueError):
        return False
    numbers = [v for v in (lo, hi) if v is not None]
    if any(not _number(v) for v in numbers):
        return False
    return lo is None or hi is None or lo <= hi


# -- the separable programme ------------------------------------------------------------------


@dataclass
class _Solution:
    v: np.ndarray  # improvement above the base per indicator
    marginal: int  # the lever the programme used in part (−1: none)


def _envelopes(s: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the rising segments of each column's upper concave envelope from its first point.

    Column *i* holds the points ``(s[:, i], h[:, i])`` with ``s`` increasing and
    ``h[0] = 0``. The segments are ``(indicator, start point, end point)``,
    each indicator's in order along its envelope, so their slopes fall. The walk
    takes every column one vertex further per pass (vectorised over indicators).
    """
    n_pt, n = h.shape
    h = np.nan_to_num(h, nan=-np.inf)
    cols = np.arange(n)
    points = np.arange(n_pt)[:, None]
    cur = np.zeros(n, dtype=int)
    live = s[-1] > s[0]
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    while live.any():
        ds = s - s[cur, cols]
        dh = h - h[cur, cols]
        later = (points > cur) & (ds > 0)
        with np.errstate(all="ignore"):
            slope = np.where(later, dh / np.where(ds > 0, ds, 1.0), -np.inf)
        top = slope.max(axis=0)
        # The farthest point on (nearly) the steepest line: collinear points make one segment.
        near = later & (slope >= top - 1e-12 * np.abs(np.where(np.isfinite(top), top, 0.0)))
        nxt = n_pt - 1 - np.argmax(near[::-1], axis=0)
        rising = live & np.isfinite(top) & (top > 0)
        idx = np.flatnonzero(rising)
        found.append((idx, cur[idx], nxt[idx]))
        cur = np.where(rising, nxt, cur)
        live = rising & (cur < n_pt - 1)
    if not found:
        empty = np.zeros(0, dtype=int)
        return empty, empty, empty
    return tuple(np.concatenate(parts) for parts in zip(*found, strict=True))  # type: ignore[return-value]


def _least_effort(s: np.ndarray, h: np.ndarray, rate: np.ndarray, need: float) -> _Solution | None:
    """Least effort with a separable gain Σ h_i(v_i) ≥ need; None when even the envelopes fall short.

    The linear programme over the concave envelopes has one constraint, so
    buying the segments in order of effort per point gained is exact (Dantzig
    1957); the last one bought in part sets its lever on the lever's own
    tabulated response, at the first point that gives what was asked.
    """
    n = h.shape[1]
    v = np.zeros(n)
    if need <= 0:
        return _Solution(v, -1)
    i, a, b = _envelopes(s, h)
    gain = h[b, i] - h[a, i]
    if not len(i) or gain.sum() < need:
        return None
    effort = rate[i] * (s[b, i] - s[a, i])
    order = np.argsort(effort / gain, kind="stable")  # stable: an indicator's segments in order
    total = np.cumsum(gain[order])
    j = min(int(np.searchsorted(total, need)), len(order) - 1)
    full = order[:j]
    np.maximum.at(v, i[full], s[b[full], i[full]])
    m = order[j]
    im = int(i[m])
    level = h[a[m], im] + (need - (total[j - 1] if j else 0.0))
    v[im] = _first_reaching(s[:, im], h[:, im], level, int(a[m]), int(b[m]))
    return _Solution(v, im)


def _first_reaching(s: np.ndarray, h: np.ndarray, level: float, start: int, end: int) -> float:
    """Return the first position in ``s[start]..s[end]`` where the piecewise-linear ``h`` ≥ level."""
    ahead = np.flatnonzero(h[start + 1:end + 1] >= level)
    j = start + 1 + (int(ahead[0]) if len(ahead) else end - start - 1)
    lo_h, hi_h = h[j - 1], h[j]
    if hi_h <= lo_h or lo_h >= level:
        return float(s[j])
    frac = min(max((level - lo_h) / (hi_h - lo_h), 0.0), 1.0)
    return float(s[j - 1] + frac * (s[j] - s[j - 1]))


# -- the frozen problem -----------------------------------------------------------------------


def _one_at_a_time(model: _Frozen, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Tabulate each lever's response around the plan ``v`` (aggregation only, no replay).

    Returns the positions ``s`` (point, indicator), the gains ``h`` of moving
    lever *i* alone from 0 to ``s`` (``h[0] = 0``), and the constant ``C`` with
    ``c(v') ≈ C + Σ_i h_i(v'_i)``, exact at ``v'`` = ``v`` and, for a separable
    index, everywhere on the grid.
    """
    grid = model.grid
    span = model.task.span
    s = grid[:, None] * span[None, :]
    here = model.norm_at(v)[0]
    points = model.norm_at(s)  # (point, indicator): lever i at s[:, i]
    n_pt, n = points.shape
    rows = np.repeat(here[None, None, :], n_pt, axis=0).repeat(n, axis=1)
    idx = np.arange(n)
    rows[:, idx, idx] = points
    c = model.constraint(rows.reshape(-1, n)).reshape(n_pt, n)
    c_here = float(model.constraint(here)[0])
    h = c - c[0]
    # Each lever's own share of the gain now: moving it back to 0 loses exactly that.
    h_now = c_here - c[0]
    h_now = np.where(span > 0, h_now, 0.0)
    h = np.where(span[None, :] > 0, h, 0.0)
    # The plan itself is a point of every lever's table, so that the model is exact there and a
    # plan the programme returns to is one it can keep.
    s = np.vstack([s, v[None, :]])
    h = np.vstack([h, h_now[None, :]])
    order = np.argsort(s, axis=0, kind="stable")
    s, h = np.take_along_axis(s, order, axis=0), np.take_along_axis(h, order, axis=0)
    return s, h, c_here - float(np.sum(h_now[np.isfinite(h_now)]))


def _search(feasible: Callable[[np.ndarray], np.ndarray], lo: float, hi: float) -> float:
    """Return about the smallest x in [lo, hi] that is feasible (monotone; ``hi`` feasible).

    Each round evaluates a batch of candidates at once (one batched replay).
    """
    for _ in range(_SEARCH_ROUNDS):
        xs = lo + (hi - lo) * np.arange(1, _SEARCH_POINTS + 1) / _SEARCH_POINTS
        ok = np.asarray(feasible(xs), dtype=bool)
        if not ok.any():
            return hi
        j = int(np.argmax(ok))
        lo, hi = (xs[j - 1] if j else lo), xs[j]
    return hi


def _toward_bounds(feasible: Callable[[np.ndarray], np.ndarray], v: np.ndarray,
                   span: np.ndarray) -> np.ndarray:
    """Move every lever from ``v`` toward its bound, as little as ``feasible`` allows."""
    def along(alphas: np.ndarray) -> np.ndarray:
        return feasible(v[None, :] + alphas[:, None] * (span - v)[None, :])

    alpha = _search(along, 0.0, 1.0)
    return v + alpha * (span - v)


# -- a nest of power means, level by level ------------------------------------------------------


def _phi(p: float, x: np.ndarray) -> np.ndarray:
    """Map scores to the scale where a power mean of exponent p is a weighted mean (x^p, ln x, −x^p)."""
    with np.errstate(all="ignore"):
        if p == 1.0:
            return x
        if p == 0.0:
            return np.log(x)
        powered = np.power(x, p)
        return powered if p > 0 else -powered


def _phi_inverse(p: float, y: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        if p == 1.0:
            return y
        if p == 0.0:
            return np.exp(y)
        return np.power(y if p > 0 else -y, 1.0 / p)


def _first_effort(effort: np.ndarray, score: np.ndarray, level: float) -> float:
    """Return the least effort at which a non-decreasing production curve reaches ``level``."""
    if score[0] >= level:
        return 0.0
    return _first_reaching(effort, score, level, 0, len(score) - 1) if score[-1] >= level \
        else math.inf


class _Nest:
    """Power means nested level by level, each unit scored alone: solved from the leaves up.

    Each node gets a production curve, the best score it reaches for each
    amount of effort. A leaf's is its tabulated response (effort = cost ×
    change); a power mean's is the concave envelope of its children's curves
    in the mean's scale (``_phi``), bought cheapest gain first, as
    :func:`_least_effort` buys them; the minimum's needs every child at the
    level, so its effort is the sum of theirs. The plan is then handed down:
    the root's target to its children, theirs to the levers. Exact where the
    responses are concave, as the separable programme is.
    """

    _REFINE = 8  # points per piece of a child's curve when the parent's scale bends it

    def __init__(self, model: _Frozen) -> None:
        self.model = model
        task = model.task
        self.n_ind = model.n_ind
        self.s = model.grid[:, None] * task.span[None, :]  # lever positions (point, indicator)
        self.n = model.norm_at(self.s)  # the lever's normalised value at each of them
        base = model.norm_at(np.zeros_like(task.span))
        scores = np.full((1, 1, model.base_scores.shape[-1]), np.nan)
        scores[0, 0, :self.n_ind] = base[0]
        self.nodes: dict[int, tuple[float, np.ndarray, np.ndarray]] = {}
        for step, matrix, columns in model.levels:
            scores[..., columns] = _combine(step, scores, matrix, model.ctx)
            for m, col in enumerate(columns):
                kids = np.flatnonzero(matrix[:, m])
                self.nodes[col] = (float(step.power_exponent), kids, matrix[kids, m])
        self.base = scores[0, 0]
        self._curves: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._tables: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]] = {}
        self.v = np.zeros_like(task.span)
        self.marginal = -1

    def curve(self, node: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the production curve of a node: efforts (increasing) and best scores."""
        if node not in self._curves:
            if node < self.n_ind:
                effort = self.model.task.unit_cost[node] * self.s[:, node]
                self._curves[node] = (effort, np.maximum.accumulate(self.n[:, node]))
            elif self.nodes[node][0] == -math.inf:
                self._curves[node] = self._minimum_curve(node)
            else:
                s, h, _, _, start = self._table(node)
                i, a, b = _envelopes(s, h)
                gain, effort = h[b, i] - h[a, i], s[b, i] - s[a, i]
                order = np.argsort(effort / np.where(gain > 0, gain, np.inf), kind="stable")
                cum_e = np.concatenate([[0.0], np.cumsum(effort[order])])
                cum_g = np.concatenate([[0.0], np.cumsum(gain[order])])
                self._curves[node] = (cum_e, _phi_inverse(self.nodes[node][0], start + cum_g))
        return self._curves[node]

    def _known(self, node: int) -> tuple[np.ndarray, np.ndarray]:
        _, kids, weights = self.nodes[node]
        known = np.isfinite(self.base[kids])
        return kids[known], weights[known] / weights[known].sum()

    def _table(self, node: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
        """Each child's curve in the node's scale, as gains over effort (padded columns)."""
        if node not in self._tables:
            p = self.nodes[node][0]
            kids, w = self._known(node)
            columns = []
            for kid in kids:
                effort, score = self.curve(kid)
                if p != 1.0 and kid >= self.n_ind and len(effort) > 1:  # bent by the scale: refine
                    t = np.linspace(0.0, 1.0, self._REFINE + 1)[:-1]
                    fine = (effort[:-1, None] + t * np.diff(effort)[:, None]).ravel()
                    effort = np.append(fine, effort[-1])
                    score = np.interp(effort, *self.curve(kid))
                columns.append((effort, _phi(p, score)))
            length = max(len(e) for e, _ in columns)
            s = np.empty((length, len(kids)))
            h = np.empty((length, len(kids)))
            for j, (effort, scaled) in enumerate(columns):
                pad = length - len(effort)  # the last point repeated: no segment
                s[:, j] = np.concatenate([effort, np.repeat(effort[-1], pad)])
                h[:, j] = np.concatenate([scaled, np.repeat(scaled[-1], pad)]) * w[j]
            start = float(np.sum(h[0]))
            self._tables[node] = (s, h - h[0], kids, w, start)
        return self._tables[node]

    def _minimum_curve(self, node: int) -> tuple[np.ndarray, np.ndarray]:
        kids, _ = self._known(node)
        curves = [self.curve(kid) for kid in kids]
        low = min(score[0] for _, score in curves)
        high = min(score[-1] for _, score in curves)
        levels = np.unique(np.concatenate([[low, high], *[score for _, score in curves]]))
        levels = levels[(levels >= low) & (levels <= high)]
        effort = np.array([sum(_first_effort(e, sc, level) for e, sc in curves) for level in levels])
        return effort, levels

    def reach(self, node: int, level: float) -> None:
        """Hand a target score down to the levers (into ``self.v``), least effort first."""
        if node < self.n_ind:
            s, n = self.s[:, node], self.n[:, node]
            if n[0] < level:
                self.v[node] = _first_reaching(s, n, level, 0, len(s) - 1) if n[-1] >= level \
                    else s[-1]
                if self.v[node] < s[-1]:
                    self.marginal = node
            return
        p = self.nodes[node][0]
        if p == -math.inf:
            for kid in self._known(node)[0]:
                self.reach(int(kid), level)
            return
        s, h, kids, _, start = self._table(node)
        found = _least_effort(s, h, np.ones(len(kids)), float(_phi(p, np.array(level))) - start)
        efforts = s[-1] if found is None else found.v
        for kid, effort in zip(kids, efforts, strict=True):
            e, score = self.curve(int(kid))
            self.reach(int(kid), float(np.interp(effort, e, score)))

    def solve(self) -> _Solution:
        root = self.model.task.root
        self.reach(root, self.model.target)
        return _Solution(self.v.copy(), self.marginal)


def _approximate(model: _Frozen) -> list[_Solution] | None:
    """Least-effort candidates on the tabulated frozen problem; None when every bound falls short."""
    span = model.task.span
    rate = model.task.unit_cost
    zero = np.zeros_like(span)
    corner = model.table[-1]  # every lever at its bound: a replayed point, not interpolated
    if model.constraint(corner)[0] < model.accept:
        return None
    if model.constraint(model.norm_at(zero))[0] >= 0:
        return [_Solution(zero, -1)]
    if model.separable:  # one programme is exact (on the grid)
        s, h, const = _one_at_a_time(model, zero)
        found = _least_effort(s, h, rate, -const)
        return [found if found is not None else _Solution(span.copy(), -1)]
    if model.nested:  # power means of several exponents: level by level
        return [_Nest(model).solve()]

    def feasible(rows: np.ndarray) -> np.ndarray:
        return model.constraint(model.norm_at(rows)) >= model.accept

    v = zero
    best: _Solution | None = None
    best_effort = math.inf
    stale = 0
    for _ in range(_ITERATIONS if model.per_unit else _ITERATIONS_PERIOD):
        s, h, const = _one_at_a_time(model, v)
        found = _least_effort(s, h, rate, -const)
        # Out of reach one lever at a time (the others' scores move too): go toward the bounds.
        step = found if found is not None else _Solution(_toward_bounds(feasible, v, span), -1)
        stale += 1
        if feasible(step.v)[0]:
            effort = float(rate @ step.v)
            if best is None or effort < best_effort - 1e-9 * (1.0 + best_effort):
                best, best_effort, stale = step, effort, 0
        moved = np.max(np.abs(step.v - v) / np.where(span > 0, span, 1.0))
        v = step.v
        if moved <= 1e-9 or stale >= 3:  # settled, or circling without getting cheaper
            break
    if best is None:  # settled a hair short: the polish raises its marginal lever
        best = step
    # A non-smooth index (the minimum, distances to ideal points) can hold the approximation at a
    # plan a gradient method improves on: SLSQP on the tabulated problem (aggregations only, no
    # replays), from that plan. Both go on; the cheaper on the pipeline itself is kept.
    start = best.v if feasible(best.v)[0] else _toward_bounds(feasible, best.v, span)
    refined = _slsqp(model, start, feasible)
    if refined is not None and float(rate @ refined) < best_effort - 1e-9 * (1.0 + best_effort):
        return [best, _Solution(refined, -1)]
    return [best]


def _slsqp(model: _Frozen, start: np.ndarray,
           feasible: Callable[[np.ndarray], np.ndarray]) -> np.ndarray | None:
    """Least effort by SLSQP on the tabulated frozen problem, from a feasible plan; None if it fails.

    The variables are the levers' shares of their ranges; the gradient of the
    constraint is a forward difference computed as one batch of aggregations.
    """
    from scipy.optimize import minimize  # the optimiser is only needed here

    span = model.task.span
    active = np.flatnonzero(span > 0)
    if not len(active):
        return None
    weight = model.task.unit_cost[active] * span[active]
    weight = weight / weight.max()

    def full(t: np.ndarray) -> np.ndarray:
        v = np.zeros_like(span)
        v[active] = np.clip(t, 0.0, 1.0) * span[active]
        return v

    def constraint(t: np.ndarray) -> float:
        return float(model.constraint(model.norm_at(full(t)))[0])

    def jacobian(t: np.ndarray) -> np.ndarray:
        h = np.where(t + 1e-6 <= 1.0, 1e-6, -1e-6)
        rows = np.repeat(full(t)[None, :], len(active) + 1, axis=0)
        rows[np.arange(1, len(active) + 1), active] = np.clip(t + h, 0.0, 1.0) * span[active]
        c = model.constraint(model.norm_at(rows))
        return (c[1:] - c[0]) / h

    t0 = start[active] / span[active]
    if not np.any(np.abs(jacobian(t0)) > 1e-12):  # flat (ranks, counts): nothing to follow
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = minimize(lambda t: float(weight @ t), t0, jac=lambda t: weight, method="SLSQP",
                       bounds=[(0.0, 1.0)] * len(active),
                       constraints=[{"type": "ineq", "fun": constraint, "jac": jacobian}],
                       options={"maxiter": 60, "ftol": 1e-10})
    v = full(res.x)
    if not feasible(v)[0]:  # SLSQP stops near the constraint: step onto it toward the bounds
        v = _toward_bounds(feasible, v, span)
    return v


def _polish(model: _Frozen, found: _Solution) -> np.ndarray | None:
    """Put a plan exactly on the frozen constraint with batched replays; None if it can't be met.

    A plan short of the target (a response cut by its chord) raises its
    marginal lever, then every lever toward its bound; one well past it (a cap
    the grid did not see) lowers its marginal lever.
    """
    task = model.task
    v, m = found.v.copy(), found.marginal
    c = float(model.true(v)[0])
    if model.affine and model.linear:  # the table is the pipeline: the plan is exact
        return v if c >= model.accept else None

    def with_lever(xs: np.ndarray) -> np.ndarray:
        rows = np.repeat(v[None, :], len(xs), axis=0)
        rows[:, m] = xs
        return model.true(rows) >= model.accept

    if c >= model.accept:
        loose = 1e-7 * (1.0 + abs(float(model._scale(np.array(model.want)))))
        if m >= 0 and c > loose and v[m] > 0:
            v[m] = _search(with_lever, 0.0, v[m])
        return v
    if m < 0:  # the cheapest lever still open takes the shortfall first
        open_ = np.flatnonzero((v < task.span) & (task.span > 0))
        m = int(open_[np.argmin(task.unit_cost[open_])]) if len(open_) else -1
    if m >= 0 and with_lever(np.array([task.span[m]]))[0]:
        v[m] = _search(with_lever, v[m], task.span[m])
        return v
    if m >= 0:
        v[m] = task.span[m]
    if model.true(task.span)[0] < model.accept:
        return None
    return _toward_bounds(lambda rows: model.true(rows) >= model.accept, v, task.span)


def _solve_frozen(model: _Frozen) -> np.ndarray | None:
    """Least effort that reaches rank k on the frozen pipeline; None if out of reach there."""
    found = _approximate(model)
    if found is None:
        return None
    plans = [v for v in (_polish(model, f) for f in found) if v is not None]
    # Compared as printed: rounding up a lever moved by a hair costs a whole last digit.
    return min(plans, key=lambda v: model.task.effort(model.task.snap(v)[1])) if plans else None


# -- verified by rebuilds -----------------------------------------------------------------------


@dataclass
class _Plan:
    raw: np.ndarray  # the unit's raw values as printed
    v: np.ndarray  # their improvement above the base
    rank: int
    score: float
    values: np.ndarray  # the whole panel
    rebuilt: Evaluation
    notes: list[str]


def _verify(task: _Task, v: np.ndarray) -> _Plan:
    """Round a plan as printed and rebuild the evaluation with it in full."""
    raw, snapped = task.snap(v)
    values = task.panel_values(raw)
    rebuilt = task.ev.with_values(values)
    rank, score = task.rank_of(rebuilt)
    return _Plan(raw, snapped, rank, score, values, rebuilt, [])


def _reaches(task: _Task, plan: _Plan, k: int) -> bool:
    return plan.rank <= k and (task.margin <= 0 or plan.score >= task.needed(plan.rebuilt, k))


class _Corner:
    """Every lever at the bound of its improvement, rebuilt once when first asked for."""

    def __init__(self, task: _Task) -> None:
        self.task = task
        self._plan: _Plan | None = None

    @property
    def plan(self) -> _Plan:
        if self._plan is None:
            self._plan = _verify(self.task, self.task.span)
        return self._plan

    @property
    def best_rank(self) -> int:
        return self.task.best_rank(self.plan.rebuilt)


def _reach(task: _Task, k: int, corner: _Corner, model: _Frozen | None = None) -> _Plan | None:
    """Least change that reaches rank ≤ k on a full rebuild; None if no plan found does."""
    model = model if model is not None and model.k == k else _Frozen(task, task.ev, k)
    first = model
    notes: list[str] = []
    start = np.zeros_like(task.span)
    for _ in range(_ROUNDS):
        v = _solve_frozen(model)
        if v is None:
            break
        plan = _verify(task, v)
        if _reaches(task, plan, k):
            plan.notes = notes
            return plan
        start = v
        short = task.needed(plan.rebuilt, k) - plan.score
        notes.append(text("path_note_refit", rank=plan.rank, gap=_plain(short)))
        # Learned again, the parameters moved: freeze them where the plan put them, and solve
        # again. Frozen there, the values now may be out of the method's domain (below a new
        # minimum under a geometric mean): then ask the first freeze for the shortfall more.
        refrozen = _Frozen(task, plan.rebuilt, k)
        if np.isfinite(refrozen.constraint(refrozen.norm_at(np.zeros_like(task.span)))[0]):
            model = refrozen
        else:
            first.extra += max(short, first.tiny)
            model = first
    if not _reaches(task, corner.plan, k):
        return None
    plan = _rebuilt_toward_bounds(task, start, k, corner.plan)
    plan.notes = [*notes, text("path_note_toward_bounds")]
    return plan


def _rebuilt_toward_bounds(task: _Task, v: np.ndarray, k: int, corner: _Plan) -> _Plan:
    """Move every lever from ``v`` toward its bound until a rebuild reaches k (bisection)."""
    lo, hi, best = 0.0, 1.0, corner
    for _ in range(_REBUILD_STEPS):  # each step is a full rebuild, which cannot be batched
        mid = 0.5 * (lo + hi)
        plan = _verify(task, v + mid * (task.span - v))
        if _reaches(task, plan, k):
            hi, best = mid, plan
        else:
            lo = mid
    return best


# -- the public function ------------------------------------------------------------------------


def path(ev: Evaluation, unit: str, target_rank: int, *, period: Hashable | None = None,
         group: str | None = None, max_change: float | None = 0.2,
         cost: Mapping[str, float] | None = None,
         bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
         exclude: str | Iterable[str] | None = None, only: str | Iterable[str] | None = None,
         margin: float = 0.0, digits: int | None = _DIGITS) -> PathResult:
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
        counts as reaching the rank.
    period : hashable, optional
        The period whose values change and whose rank counts; the last by default.
    group : str, optional
        A group column: the rank is counted among the units of the unit's group,
        and the bounds use those peers.
    max_change : float or None, default 0.2
        Largest relative change of any indicator (0.2 = ±20 % of its value);
        None for no cap.
    cost : mapping of indicator to float, optional
        Cost of one unit of relative change per indicator; 1 for every indicator
        by default. Raise it for a lever that is harder to move. A key may be an
        indicator (code or name), an aggregate (every indicator below it) or a
        wildcard on codes (``"W*"``); later keys win.
    bounds : mapping of indicator to (lo, hi), optional
        Raw-value bounds that replace the default ones for an indicator; a side
        given as None keeps its default. Keys as for ``cost``.
    exclude : str or iterable of str, optional
        Indicators that are not levers and keep their values (e.g. the 工作评价
        scores a province assigns): codes, names, aggregates or wildcards.
    only : str or iterable of str, optional
        The only levers; every other indicator keeps its value.
    margin : float, default 0
        Score points by which the plan must clear the target rank's score in
        the verifying rebuild (0: a tie reaches it).
    digits : int or None, default 4
        Significant digits of the needed values, rounded toward improvement
        (up for higher-is-better, down for lower-is-better) before the
        verifying rebuild, so the values as printed — the command line prints
        4 significant digits — reach the target. None keeps them exact.

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
    unit's raw units); and at most ``max_change`` relative change. With
    ``digits`` the far bound is rounded toward the value now, so a rounded
    plan stays inside it. Lower-is-better indicators improve by going down.

    *Solvers.* The learned states are held fixed (see the module). When every
    level is a power mean of one exponent (the arithmetic mean everywhere, or
    the geometric everywhere …) the index is separable and the least effort
    is the exact solution of a linear programme over the responses' concave
    envelopes (``solver="linear-programme"``); power means of several
    exponents, the minimum included, are solved level by level
    (``"level-by-level"``); methods that compare units solve the separable
    programme again around each plan until it stops moving (``"iterative"``).
    Batched replays put the answer on the frozen constraint.

    *Verification.* The learned parameters (min/max, goalposts, caps, imputed
    values, data-driven weights) depend on the data, so the rounded answer is
    rebuilt in full (:meth:`Evaluation.with_values`). If the rebuilt rank
    misses the target, the problem is frozen again at that rebuild and solved
    anew (up to 4 rounds, each reported in ``notes``); if that does not settle,
    the plan moves toward every bound until a rebuild reaches the target.

    *Unreachable targets* give ``reachable=False``, the best rank with every
    lever at its bound (rebuilt), and the least change that reaches that best
    rank. *Met targets* change nothing, and ``best_rank`` still says how far
    the bounds reach.

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
    task = _task(ev, unit, target_rank, period, group, max_change, cost, bounds, exclude, only,
                 margin, digits)
    k = int(target_rank)
    model = _Frozen(task, ev, k)
    current_rank, current_score = task.rank_of(ev)
    solver = "linear-programme" if model.separable else "level-by-level" if model.nested \
        else "iterative"
    if model.linear:
        assumption = text("path_assumption_linear")
    elif model.separable:
        assumption = text("path_assumption_power", p=_plain(model.exponent), methods=model.methods)
    elif model.nested:
        assumption = text("path_assumption_nested", methods=model.methods)
    else:
        assumption = text("path_assumption_iterative", methods=model.methods)
    parts = [assumption, text("path_assumption_verify", digits=task.digits)
             if task.digits is not None else text("path_assumption_verify_exact")]
    if task.margin > 0:
        parts.append(text("path_assumption_margin", margin=_plain(task.margin)))
    assumption = text("path_assumption_join").join(parts) + text("path_assumption_end")
    corner = _Corner(task)
    codes = ev.framework.indicator_codes
    held = tuple(codes[i] for i in np.flatnonzero(task.held))
    held_note = [text("path_note_held", n=len(held), codes=", ".join(held))] if held else []

    def result(plan: _Plan, reachable: bool, best: int, needed: float,
               more: list[str]) -> PathResult:
        changes = _changes(task, plan.raw, plan.v)
        by_range = [code for code, rel in zip(changes["indicator"], changes["relative_to"],
                                              strict=True) if rel == "range"]
        notes = [text("path_note_range_scale", codes=", ".join(by_range))] if by_range else []
        return PathResult(
            unit=ev.panel.units[task.u], name=ev.panel.names()[task.u],
            period=ev.panel.periods[task.p], group=group, target_rank=k,
            current_rank=current_rank, current_score=current_score,
            achieved_rank=plan.rank, achieved_score=plan.score, reachable=reachable,
            best_rank=best, needed_score=needed, solver=solver, assumption=assumption,
            effort=task.effort(plan.v), changes=changes,
            notes=(*notes, *held_note, *plan.notes, *more), margin=task.margin,
            digits=task.digits, held=held, values=plan.values)

    forced = bool(np.any(task.base > 0))
    if current_rank <= k and not forced and (task.margin <= 0 or current_score >= model.want):
        here = _Plan(task.x0.copy(), np.zeros_like(task.span), current_rank, current_score,
                     np.array(ev.panel.values, copy=True), ev, [])
        best = current_rank if current_rank == 1 else min(current_rank, corner.best_rank)
        return result(here, True, best, model.want, [text(
            "path_note_already", rank=current_rank, target=k, best=best)])
    plan = _reach(task, k, corner, model)
    if plan is not None:
        best = plan.rank if plan.rank == 1 else min(plan.rank, corner.best_rank)
        return result(plan, True, best, task.needed(plan.rebuilt, k), [])

    def unreachable(best: int) -> str:
        if task.margin > 0:
            return text("path_note_unreachable_margin", target=k, best=best,
                        margin=_plain(task.margin))
        return text("path_note_unreachable", target=k, best=best)

    # Out of reach: every lever at its bound shows the best rank; then the least change to it.
    best = corner.best_rank
    if best >= current_rank and not forced:
        here = _Plan(task.x0.copy(), np.zeros_like(task.span), current_rank, current_score,
                     np.array(ev.panel.values, copy=True), ev, [])
        return result(here, False, current_rank, model.want, [
            unreachable(current_rank), text("path_note_no_gain")])
    cheaper = _reach(task, best, corner)
    plan = cheaper if cheaper is not None else corner.plan
    # Methods that compare units need not be best with every lever at its bound.
    best = min(best, task.best_rank(plan.rebuilt))
    if _reaches(task, plan, k):
        return result(plan, True, best, task.needed(plan.rebuilt, k), [])
    return result(plan, False, best, task.needed(plan.rebuilt, k), [
        unreachable(best), text("path_note_best_plan", best=best)])


def _changes(task: _Task, raw: np.ndarray, v: np.ndarray) -> pd.DataFrame:
    """Return the table of changed indicators, largest relative change first."""
    fw = task.ev.framework
    delta = raw - task.x0
    rel = np.divide(delta, task.scale, out=np.zeros_like(delta), where=task.scale > 0)
    effort = task.unit_cost * np.abs(task.base + v)
    total = effort.sum()
    moved = np.flatnonzero((delta != 0) & ~np.isnan(task.x0))
    moved = moved[np.argsort(-np.abs(rel[moved]), kind="stable")]  # largest relative change first
    inds = [fw.indicators[i] for i in moved]
    return pd.DataFrame({
        "indicator": [ind.code for ind in inds],
        "name": [ind.name or ind.name_en or ind.code for ind in inds],
        "measure": [ind.unit for ind in inds],
        "direction": [ind.direction.symbol for ind in inds],
        "now": task.x0[moved], "needed": raw[moved], "change": delta[moved],
        "change_pct": 100.0 * rel[moved],
        "relative_to": ["range" if task.by_range[i] else "value" for i in moved],
        "effort_share": effort[moved] / total if total > 0 else np.zeros(len(moved)),
        "department": [ind.department for ind in inds],
    })
