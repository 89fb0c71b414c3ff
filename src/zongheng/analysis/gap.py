r"""Gap analysis (找差距): how far a unit is from a peer or a target, indicator by indicator.

The index-score gap between a unit and what it is compared with — the unit one
place above it in its group, the group's leader, a named peer, or a target
score — is split into one contribution per indicator, and the contributions
add up to the gap exactly.

*Arithmetic pipelines* (every level a weighted arithmetic mean) are linear:
each unit's index is the sum of its indicators' *points*
:math:`e_{u,i}\,n_{u,i}`, with :math:`n` the normalised value and
:math:`e_{u,i}` the effective weight (the product of the weights along the
path to the index, rescaled at each parent over the children the unit has a
value for, as the arithmetic aggregation does). The contribution of indicator
*i* is the difference of points, :math:`e_{p,i} n_{p,i} - e_{u,i} n_{u,i}`,
which is :math:`e_i (n_{p,i} - n_{u,i})` when both units have the same
values missing (``method = "exact-linear"``).

*Other pipelines* (any level geometric, harmonic, TOPSIS …) are not linear,
so the gap is shared out with Shapley values: the players are the children of
a non-linear parent (the top-level dimensions for a non-linear index); a
coalition's worth is how much of the gap closes when the unit takes the peer's
scores on those children, the parent being recomputed with the method's own
aggregation and the weights used. Shapley values add up to the gap exactly.
Each child's value is then split among its indicators in proportion to the
decomposition of that child's own gap (Shapley again below a non-linear
level, points below an arithmetic one) (``method = "shapley"``). For
multi-criteria methods, which score a unit against the others of its period,
the recomputation keeps every other unit in place and counts the peer's own
score change too.

A *target score* has no real peer: its gap is spread over the indicators by
the unit's effective weights times each indicator's room to move — up to the
highest normalised value in the data for a rise, down to the lowest for a
fall — so an indicator already at the top carries none of a rise
(``method = "effective-weight"``, ``hypothetical``). With arithmetic levels
every indicator then moves by the same fraction of its room. A target must lie
within what the unit's index can reach: its index with every indicator at the
lowest, and at the highest, normalised value in the data (the method's own
aggregation, the other units in place); outside that range it is refused.

*Cost.* A coalition only changes the unit's row, so each game asks the
parent's aggregator for the unit's and the peer's scores alone
(:meth:`~zongheng.steps.aggregate.Aggregator.scores_with_row`): two rows for
the means, which score each unit alone; for the multi-criteria methods the
aggregator's own kernel (Copeland and Borda update only the pairs with the
unit; benefit-of-the-doubt solves two small LPs per coalition in one batch).
Games up to :data:`EXACT_PLAYERS` children are enumerated exactly.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from zongheng.analysis.strengths import Selection, dimension_of, select_unit
from zongheng.errors import ArgumentError, MethodError, Problem
from zongheng.evaluation import Evaluation
from zongheng.framework import Indicator
from zongheng.i18n import register_messages, text
from zongheng.steps.aggregate import Aggregator
from zongheng.validation import closest

__all__ = ["METHODS", "GapResult", "gap", "reachable"]

METHODS = ("exact-linear", "shapley", "effective-weight")
"""How a gap is attributed: see the module's documentation."""

EXACT_PLAYERS = 12
"""Up to this many children, Shapley values are computed over every coalition (2**12 = 4096)."""

SAMPLED_PERMUTATIONS = 512
"""Above :data:`EXACT_PLAYERS`, Shapley values average this many random orders (seed 0)."""

register_messages({
    "gap_no_next": (
        "'{unit}' 在{scope}已排第一，前面没有单位；可改为对比 leader（看领先优势）、指定单位或目标分",
        "'{unit}' is already first {scope}: no unit is above it; compare with leader (its lead), "
        "a named unit or a target score instead",
    ),
    "gap_alone": ("'{unit}' 在{scope}没有其他参评单位", "'{unit}' has no scored peer {scope}"),
    "gap_self": ("对标单位不能是 '{unit}' 本身", "the unit '{unit}' cannot be compared with itself"),
    "gap_bad_versus": (
        "对比对象应为 next（前一名）、leader（第一名）、单位代码或名称、或目标分（有限数值），"
        "实际为 {versus!r}{hint}（单位如: {known}）",
        "expected next (the unit above), leader (the first), a unit code or name, or a target "
        "score (a finite number); got {versus!r}{hint} (units, e.g.: {known})",
    ),
    "gap_target_unreachable": (
        "目标分 {target:g} 超出 '{unit}' 的总分可达范围 {low:.6g}–{high:.6g}"
        "（各指标都取数据中最低或最高的标准化值时的总分）",
        "the target score {target:g} is outside what the index of '{unit}' can reach, "
        "{low:.6g}–{high:.6g} (every indicator at the lowest or the highest normalised value "
        "in the data)",
    ),
    "gap_scope_all": ("全部单位中", "among all units"),
    "gap_scope_group": ("{group}={label} 组内", "within {group}={label}"),
    "gap_target_name": ("目标分 {score:g}", "target score {score:g}"),
    "gap_note_exact-linear": (
        "精确线性分解：各指标贡献 = 对标单位与本单位在该指标上的得分点数之差"
        "（有效权重 × 标准化值），合计等于总分差距。",
        "Exact linear decomposition: each indicator's contribution is the difference of its "
        "points (effective weight × normalised value) between the peer and the unit; they add "
        "up to the index gap.",
    ),
    "gap_note_shapley": (
        "汇总含非线性方法（{methods}），按 Shapley 值精确分解：先在非线性层的子项间分配差距，"
        "再按各子项内部的分解比例分到指标，合计等于总分差距。",
        "The aggregation is not linear ({methods}): the gap is attributed with Shapley values "
        "over the children of each non-linear level, then split among indicators in proportion "
        "to each child's own decomposition; the parts add up to the index gap.",
    ),
    "gap_note_effective-weight": (
        "目标分是假设的对标对象：差距按本单位各指标的有效权重 × 可变动空间（距数据中最高或最低"
        "标准化值）分摊，已到顶的指标不再分担提升；表示各指标需分担的变化，并非与真实单位的差异。",
        "The target score is a hypothetical peer: the gap is spread over the indicators by the "
        "unit's effective weights times each one's room to move (to the highest or lowest "
        "normalised value in the data), so an indicator already at the top carries none of a "
        "rise; it is the share of the change each would carry, not a difference with a real "
        "unit.",
    ),
    "gap_note_sampled": (
        "'{node}' 有 {n} 个子项，Shapley 值取 {permutations} 个随机排列的平均（种子 0），"
        "合计仍精确等于差距。",
        "'{node}' has {n} children: its Shapley values average {permutations} random orders "
        "(seed 0); they still add up to the gap exactly.",
    ),
    "gap_note_missing": (
        "两单位缺失的指标不同：缺失指标不计分，其余指标的权重按各单位重新归一。",
        "The two units miss different indicators: a missing indicator scores no points and "
        "the other weights are rescaled for each unit.",
    ),
})

INDICATOR_COLUMNS = ["indicator", "name", "dimension", "effective_weight", "unit_value",
                     "peer_value", "unit_normalised", "peer_normalised", "contribution", "share",
                     "unit_of_measure", "department"]
DIMENSION_COLUMNS = ["dimension", "name", "unit_score", "peer_score", "contribution", "share"]


@dataclass(frozen=True)
class GapResult:
    """The index gap between a unit and a peer or target, per indicator (差距分解).

    Attributes
    ----------
    unit, unit_name : str
        The unit analysed.
    peer : str or None
        The unit compared with; ``None`` for a target score.
    peer_name : str
        Its name, or ``目标分 70`` for a target.
    versus : str or float
        What was asked: ``next``, ``leader``, a unit code or a target score.
    period : hashable
    group : str or None
        The group column whose peers ``next`` and ``leader`` are taken from.
    method : str
        ``exact-linear``, ``shapley`` or ``effective-weight`` (see the module).
    hypothetical : bool
        True for a target score: there is no real peer.
    unit_score, peer_score, gap : float
        Index scores and ``peer_score - unit_score`` (negative: the unit leads).
    unit_rank, peer_rank, group_size : int
        Competition ranks in the group (for a target, the rank that score
        would take among the other units) and the number of scored units.
    indicators : DataFrame
        One row per indicator, largest ``|contribution|`` first: ``indicator,
        name, dimension, effective_weight`` (the unit's, rescaled over its
        known values), ``unit_value, peer_value`` (raw), ``unit_normalised,
        peer_normalised``, ``contribution`` (index points; positive where the
        peer is ahead), ``share`` (of the gap), ``unit_of_measure,
        department`` (牵头单位).
    dimensions : DataFrame
        Subtotals per top-level dimension: ``dimension, name, unit_score,
        peer_score, contribution, share``.
    notes : tuple of str
        How the gap was attributed, in the language of the call.
    """

    unit: str
    unit_name: str
    peer: str | None
    peer_name: str
    versus: str | float
    period: Hashable
    group: str | None
    method: str
    hypothetical: bool
    unit_score: float
    peer_score: float
    gap: float
    unit_rank: int
    peer_rank: int
    group_size: int
    indicators: pd.DataFrame = field(repr=False)
    dimensions: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    @property
    def total(self) -> float:
        """Return the sum of the contributions (equal to :attr:`gap`)."""
        return float(self.indicators["contribution"].sum())

    def to_dict(self) -> dict[str, Any]:
        """Return plain Python (JSON-ready): every attribute, tables as lists of records."""
        out: dict[str, Any] = {}
        for name in ("unit", "unit_name", "peer", "peer_name", "versus", "period", "group",
                     "method", "hypothetical", "unit_score", "peer_score", "gap", "unit_rank",
                     "peer_rank", "group_size"):
            out[name] = _plain(getattr(self, name))
        out["total"] = self.total
        out["notes"] = list(self.notes)
        out["dimensions"] = _records(self.dimensions)
        out["indicators"] = _records(self.indicators)
        return out


def gap(evaluation: Evaluation, unit: str, *, versus: str | float = "next",
        period: Hashable | None = None, group: str | None = None) -> GapResult:
    """Decompose the index gap between a unit and a peer or target (找差距).

    Parameters
    ----------
    evaluation : Evaluation
    unit : str
        The unit's code (or its name, when unique).
    versus : {"next", "leader"}, str or float, default "next"
        ``next``: the nearest unit of the group with a strictly higher index
        (the first in data order when several tie there); ``leader``: the
        best of the *other* units of the group (for the leader itself, the
        runner-up, so the gap is its lead, negative); a unit code or name: that
        unit, in the group or not; a number: a target index score, within what
        the unit's index can reach (see the module).
    period : hashable, optional
        The period (the last by default).
    group : str, optional
        A group column: ``next`` and ``leader`` are looked for among the units
        sharing the unit's label, and ranks are within that group.

    Returns
    -------
    GapResult
        Its contributions add up to ``gap`` (to rounding).

    Raises
    ------
    ArgumentError
        For a ``versus`` that is neither ``next``, ``leader``, a known unit
        nor a finite number (listing known units), or a target score outside
        the range the unit's index can reach (giving the range); each at the
        key ``versus``.
    MethodError
        For an unknown unit (listing known units), period or group column; a
        unit or peer without an index score; ``next`` for the first unit of
        its group; or a unit compared with itself.

    Examples
    --------
    >>> import zongheng as zh
    >>> ds = zh.datasets.load("asem")
    >>> result = gap(zh.build(ds.framework, ds.panel, ds.method), "CHN", versus="leader")
    >>> result.peer, result.method, round(result.gap, 2), abs(result.total - result.gap) < 1e-9
    ('CHE', 'exact-linear', 30.62, True)
    """
    target = _target(evaluation, versus)
    sel = select_unit(evaluation, unit, period, group)
    fw = evaluation.framework
    scores = evaluation.scores[sel.p]
    index = scores[:, fw.node_codes.index(fw.root.code)]
    pool = sel.members & ~np.isnan(index)
    if np.isnan(index[sel.u]):
        raise MethodError([Problem("sw_unit_unscored", {"unit": sel.unit, "period": sel.period})])
    game = _Game(evaluation, scores, sel.u, sel.u)
    if target is not None:
        peer, peer_row, peer_score = None, np.full(scores.shape[1], np.nan), target
        contribution = _spread_target(evaluation, game, sel, target)
        method = "effective-weight"
    else:
        q = _choose_peer(evaluation, sel, index, pool, versus)
        peer, peer_row, peer_score = evaluation.panel.units[q], scores[q], float(index[q])
        game = _Game(evaluation, scores, sel.u, q)
        contribution = game.decompose(fw.root.code, 1.0, 1.0)
        method = "exact-linear" if game.linear else "shapley"
    unit_score = float(index[sel.u])
    difference = peer_score - unit_score
    others = pool.copy()
    others[sel.u] = False
    names = evaluation.panel.names()
    indicators = _indicator_table(evaluation, sel, game, peer_row, contribution, difference)
    return GapResult(
        unit=sel.unit, unit_name=names[sel.u], peer=peer,
        peer_name=names[q] if peer is not None else text("gap_target_name", score=target),
        versus=versus, period=sel.period, group=sel.group, method=method,
        hypothetical=peer is None, unit_score=unit_score, peer_score=peer_score,
        gap=difference,
        unit_rank=int(1 + (pool & (index > unit_score)).sum()),
        peer_rank=int(1 + ((others if peer is None else pool) & (index > peer_score)).sum()),
        group_size=int(pool.sum()),
        indicators=indicators,
        dimensions=_dimension_table(evaluation, scores[sel.u], peer_row, indicators, difference),
        notes=_notes(evaluation, method, game, scores[sel.u], peer_row),
    )


def reachable(evaluation: Evaluation, unit: str, *,
              period: Hashable | None = None) -> tuple[float, float]:
    """Return the lowest and highest index score the unit can reach (可达总分范围).

    Its index with every indicator it has a value for at the lowest, then at
    the highest, normalised value in the data (any unit, any period),
    aggregated level by level with the method's own aggregations and the
    weights used, the other units of the period in place. A target score for
    :func:`gap` must lie within this range.

    Examples
    --------
    >>> import zongheng as zh
    >>> ds = zh.datasets.load("tiangong_demo")
    >>> [round(s, 6) for s in reachable(zh.build(ds.framework, ds.panel, ds.method), "上城区")]
    [60.0, 100.0]
    """
    sel = select_unit(evaluation, unit, period, None)
    return _reachable(evaluation, evaluation.scores[sel.p], sel.u)


# -- choosing what to compare with ------------------------------------------------------------


def _target(evaluation: Evaluation, versus: object) -> float | None:
    """Return the target score, ``None`` for a peer; ArgumentError for anything else."""
    if isinstance(versus, str):
        return None
    if (isinstance(versus, int | float | np.integer | np.floating) and not isinstance(versus, bool)
            and math.isfinite(versus)):
        return float(versus)
    raise _bad_versus(evaluation, versus)


def _bad_versus(evaluation: Evaluation, versus: object) -> ArgumentError:
    units = evaluation.panel.units
    known = ", ".join(units[:8]) + (f" … ({len(units)})" if len(units) > 8 else "")
    hint = closest(str(versus), ["next", "leader", *units]) if isinstance(versus, str) else ""
    return ArgumentError([Problem("gap_bad_versus", {"versus": versus, "hint": hint,
                                                     "known": known}, key="versus")])


def _scope(sel: Selection) -> str:
    if sel.group is None:
        return text("gap_scope_all")
    return text("gap_scope_group", group=sel.group, label=sel.label)


def _choose_peer(evaluation: Evaluation, sel: Selection, index: np.ndarray, pool: np.ndarray,
                 versus: str) -> int:
    """Return the position of the peer that ``versus`` names."""
    if versus == "next":
        above = pool & (index > index[sel.u])
        if not above.any():
            raise MethodError([Problem("gap_no_next", {"unit": sel.unit, "scope": _scope(sel)})])
        return int(np.flatnonzero(above & (index == index[above].min()))[0])
    if versus == "leader":
        others = pool.copy()
        others[sel.u] = False
        if not others.any():
            raise MethodError([Problem("gap_alone", {"unit": sel.unit, "scope": _scope(sel)})])
        return int(np.flatnonzero(others & (index == index[others].max()))[0])
    try:
        q = evaluation.unit_position(versus, key="versus")
    except MethodError:
        raise _bad_versus(evaluation, versus) from None
    if q == sel.u:
        raise MethodError([Problem("gap_self", {"unit": sel.unit})])
    if np.isnan(index[q]):
        raise MethodError([Problem("sw_unit_unscored", {"unit": evaluation.panel.units[q],
                                                        "period": sel.period})])
    return q


# -- a target score ---------------------------------------------------------------------------


def _extremes(evaluation: Evaluation) -> tuple[np.ndarray, np.ndarray]:
    """Return each indicator's lowest and highest normalised value in the data."""
    normalised = evaluation.scores[..., :len(evaluation.framework.indicator_codes)]
    flat = normalised.reshape(-1, normalised.shape[-1])
    known = ~np.isnan(flat)
    low = np.where(known, flat, np.inf).min(axis=0)
    high = np.where(known, flat, -np.inf).max(axis=0)
    return low, high


def _reachable(evaluation: Evaluation, scores: np.ndarray, u: int) -> tuple[float, float]:
    """Return the unit's index with its indicators at the lowest and at the highest values."""
    fw = evaluation.framework
    n = len(fw.indicator_codes)
    root = fw.node_codes.index(fw.root.code)
    known = ~np.isnan(scores[u, :n])
    levels = evaluation.levels()
    out = []
    for extreme in _extremes(evaluation):
        row = scores[u].copy()
        row[:n] = np.where(known, extreme, np.nan)
        for level in levels:
            step = level.aggregator
            for m, column in enumerate(level.columns):
                kids = np.flatnonzero(level.matrix[:, m])
                block, r = (row[kids][None], 0) if step.scores_units_alone else (scores[:, kids], u)
                row[column] = step.scores_with_row(block, level.matrix[kids, m], r, row[kids][None],
                                                   [r])[0, 0]
        out.append(float(row[root]))
    return out[0], out[1]


def _spread_target(evaluation: Evaluation, game: _Game, sel: Selection, target: float) -> np.ndarray:
    """Check the target is reachable, and spread its gap by effective weight × room to move."""
    scores = game.scores
    low, high = _reachable(evaluation, scores, sel.u)
    slack = 1e-9 * max(1.0, abs(low), abs(high))
    if not low - slack <= target <= high + slack:
        raise ArgumentError([Problem("gap_target_unreachable", {
            "target": target, "unit": sel.unit, "low": low, "high": high}, key="versus")])
    root = evaluation.framework.node_codes.index(evaluation.framework.root.code)
    difference = target - scores[sel.u, root]
    mine = scores[sel.u, :game.n_ind]
    bottom, top = _extremes(evaluation)
    room = np.nan_to_num(top - mine if difference > 0 else mine - bottom)
    weights = game.effective(scores[sel.u])
    return _spread(weights * room, difference, weights)


# -- attribution ------------------------------------------------------------------------------


class _Game:
    """The unit's and the peer's scores of one period, and how to split their differences."""

    def __init__(self, evaluation: Evaluation, scores: np.ndarray, u: int, q: int) -> None:
        self.evaluation = evaluation
        self.fw = evaluation.framework
        self.weights = evaluation.weights
        self.scores = scores
        self.u, self.q = u, q
        self.position = {c: i for i, c in enumerate(self.fw.node_codes)}
        self.n_ind = len(self.fw.indicator_codes)
        self.sampled: list[tuple[str, int]] = []  # (node, children) whose Shapley was sampled
        self.steps = {level.level: level.aggregator for level in evaluation.levels()}
        self.nonlinear = sorted({step.key for step in self.steps.values() if not step.linear})
        self.linear = not self.nonlinear

    def aggregator(self, node: str) -> Aggregator:
        return self.steps[self.fw.levels[node]]

    def _shares(self, rows: np.ndarray, parent: str) -> np.ndarray:
        """Return each row's weights on the children of ``parent``, over its known children.

        This is how the arithmetic mean treats a missing child: left out, the
        weights of the others rescaled to sum to 1.
        """
        children = self.fw.children[parent]
        cols = [self.position[c] for c in children]
        weighted = ~np.isnan(rows[:, cols]) * np.array([self.weights[c] for c in children])
        total = weighted.sum(axis=1, keepdims=True)
        return np.divide(weighted, total, out=np.zeros_like(weighted), where=total > 0)

    def effective(self, row: np.ndarray, top: str | None = None) -> np.ndarray:
        """Return each indicator's effective weight within ``top`` (the index) for one row."""
        rows = np.asarray(row, dtype=np.float64)[None]
        top = top or self.fw.root.code
        ew = np.zeros(rows.shape)
        ew[:, self.position[top]] = 1.0
        for parent in _aggregates_under(self.fw, top):
            cols = [self.position[c] for c in self.fw.children[parent]]
            ew[:, cols] = ew[:, [self.position[parent]]] * self._shares(rows, parent)
        return ew[0, :self.n_ind]

    def nominal(self, node: str) -> np.ndarray:
        """Return the indicators' effective weights within ``node`` with nothing missing."""
        return self.effective(np.zeros(len(self.position)), node)

    def decompose(self, node: str, a_peer: float, a_unit: float) -> np.ndarray:
        """Split ``a_peer * s_peer - a_unit * s_unit`` of ``node`` among the indicators.

        ``a_peer`` and ``a_unit`` are the products of the rescaled weights on
        the path from the arithmetic levels above; a missing score counts 0
        (its weight is 0 then). Returns one part per indicator; they add up
        to the amount exactly.
        """
        pos = self.position[node]
        s_unit, s_peer = self.scores[self.u, pos], self.scores[self.q, pos]
        amount = a_peer * _zero(s_peer) - a_unit * _zero(s_unit)
        if pos < self.n_ind:
            out = np.zeros(self.n_ind)
            out[pos] = amount
            return out
        children = self.fw.children[node]
        step = self.aggregator(node)
        if step.linear:
            shares = self._shares(self.scores[[self.u, self.q]], node)
            return sum((self.decompose(c, a_peer * shares[1, j], a_unit * shares[0, j])
                        for j, c in enumerate(children)), np.zeros(self.n_ind))
        if np.isnan(s_unit) or np.isnan(s_peer):
            # One side has no score here: there is no gap to play a game on.
            return self.nominal(node) * amount
        phi = self.shapley(node, step)
        base = sum((_spread(self.decompose(c, 1.0, 1.0), phi[j], self.nominal(c))
                    for j, c in enumerate(children)), np.zeros(self.n_ind))
        return _spread(base, amount, self.nominal(node))

    def shapley(self, node: str, step: Aggregator) -> np.ndarray:
        """Return the Shapley value of each child of ``node`` in closing its gap.

        A coalition's worth is the gap closed when the unit takes the peer's
        scores on those children, ``node`` being recomputed by ``step`` with
        the weights used and every other unit in place. Only the unit's row
        changes, so the aggregator is asked for the unit's and the peer's
        scores alone (:meth:`~zongheng.steps.aggregate.Aggregator.scores_with_row`),
        from their two rows when it ``scores_units_alone``.
        """
        children = self.fw.children[node]
        cols = [self.position[c] for c in children]
        weights = np.array([self.weights[c] for c in children])
        if step.scores_units_alone:
            block, ui, qi = self.scores[[self.u, self.q]][:, cols], 0, 1
        else:
            block, ui, qi = self.scores[:, cols], self.u, self.q
        mine, theirs = block[ui], block[qi]

        def gap_left(masks: np.ndarray) -> np.ndarray:
            # Sampled orders share coalitions (every order starts empty and ends full).
            unique, inverse = np.unique(masks, axis=0, return_inverse=True)
            scored = step.scores_with_row(block, weights, ui, np.where(unique, theirs, mine), [ui, qi])
            return (scored[:, 1] - scored[:, 0])[inverse.ravel()]

        m = len(children)
        if m <= EXACT_PLAYERS:
            return _exact_shapley(m, gap_left)
        self.sampled.append((node, m))
        return _sampled_shapley(m, gap_left, SAMPLED_PERMUTATIONS)


def _exact_shapley(m: int, gap_left) -> np.ndarray:
    """Return Shapley values over every coalition of ``m`` players."""
    coalitions = np.arange(2**m)
    masks = ((coalitions[:, None] >> np.arange(m)) & 1).astype(bool)
    left = gap_left(masks)
    closed = left[0] - left
    size = masks.sum(axis=1)
    coef = np.array([math.factorial(s) * math.factorial(m - s - 1) / math.factorial(m)
                     if s < m else 0.0 for s in range(m + 1)])[size]
    phi = np.empty(m)
    for j in range(m):  # a loop over players (children), each a vector operation over coalitions
        without = coalitions[~masks[:, j]]
        phi[j] = (coef[without] * (closed[without | (1 << j)] - closed[without])).sum()
    return phi


def _sampled_shapley(m: int, gap_left, permutations: int) -> np.ndarray:
    """Return Shapley values averaged over random orders (each order's parts add up exactly)."""
    rng = np.random.default_rng(0)
    orders = np.argsort(rng.random((permutations, m)), axis=1)
    place = np.argsort(orders, axis=1)  # where each player joins in each order
    masks = place[:, None, :] < np.arange(m + 1)[None, :, None]  # (order, step, player)
    left = gap_left(masks.reshape(-1, m)).reshape(permutations, m + 1)
    marginal = np.diff(left[:, :1] - left, axis=1)  # the player joining at each step
    phi = np.zeros(m)
    np.add.at(phi, orders.ravel(), marginal.ravel())
    return phi / permutations


def _spread(parts: np.ndarray, amount: float, fallback: np.ndarray) -> np.ndarray:
    """Scale ``parts`` to add up to ``amount``; by ``fallback`` (sums to 1) when they add to 0."""
    total = parts.sum()
    if abs(total) > 1e-12 * np.abs(parts).sum():
        return parts * (amount / total)
    return fallback * amount


def _zero(value: float) -> float:
    return 0.0 if np.isnan(value) else float(value)


def _aggregates_under(framework, top: str) -> list[str]:
    """Return the aggregates of ``top``'s subtree, ``top`` first, parents before children."""
    out, stack = [], [top]
    while stack:
        node = stack.pop()
        if node in framework.children:
            out.append(node)
            stack.extend(reversed(framework.children[node]))
    return out


# -- tables -----------------------------------------------------------------------------------


def _indicator_table(evaluation: Evaluation, sel: Selection, game: _Game, peer_row: np.ndarray,
                     contribution: np.ndarray, difference: float) -> pd.DataFrame:
    fw = evaluation.framework
    n = game.n_ind
    raw = evaluation.panel.values[sel.p]
    peer_raw = raw[game.q] if game.q != sel.u else np.full(n, np.nan)
    dims = dimension_of(fw)
    indicators: tuple[Indicator, ...] = fw.indicators
    table = pd.DataFrame({
        "indicator": list(fw.indicator_codes),
        "name": [i.name or i.code for i in indicators],
        "dimension": [dims[c] for c in fw.indicator_codes],
        "effective_weight": game.effective(game.scores[sel.u]),
        "unit_value": raw[sel.u], "peer_value": peer_raw,
        "unit_normalised": game.scores[sel.u, :n], "peer_normalised": peer_row[:n],
        "contribution": contribution,
        "share": contribution / difference if difference != 0 else np.nan,
        "unit_of_measure": [i.unit for i in indicators],
        "department": [i.department for i in indicators],
    })
    order = np.argsort(-np.abs(contribution), kind="stable")
    return table.iloc[order].reset_index(drop=True)[INDICATOR_COLUMNS]


def _dimension_table(evaluation: Evaluation, unit_row: np.ndarray, peer_row: np.ndarray,
                     indicators: pd.DataFrame, difference: float) -> pd.DataFrame:
    fw = evaluation.framework
    cols = [fw.node_codes.index(d) for d in fw.dimensions]
    subtotal = indicators.groupby("dimension", sort=False)["contribution"].sum()
    contribution = subtotal.reindex(list(fw.dimensions)).to_numpy()
    return pd.DataFrame({
        "dimension": list(fw.dimensions),
        "name": [fw.node(d).name or d for d in fw.dimensions],
        "unit_score": unit_row[cols], "peer_score": peer_row[cols],
        "contribution": contribution,
        "share": contribution / difference if difference != 0 else np.nan,
    }, columns=DIMENSION_COLUMNS)


def _notes(evaluation: Evaluation, method: str, game: _Game, unit_row: np.ndarray,
           peer_row: np.ndarray) -> tuple[str, ...]:
    notes = [text(f"gap_note_{method}", methods=", ".join(game.nonlinear))]
    notes += [text("gap_note_sampled", node=node, n=m, permutations=SAMPLED_PERMUTATIONS)
              for node, m in game.sampled]
    n = game.n_ind
    if method == "exact-linear" and (np.isnan(unit_row[:n]) != np.isnan(peer_row[:n])).any():
        notes.append(text("gap_note_missing"))
    return tuple(notes)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
