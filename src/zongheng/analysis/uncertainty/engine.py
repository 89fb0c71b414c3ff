"""The vectorised Monte Carlo engine (向量化蒙特卡洛引擎).

Samples are grouped by their combination of discrete choices; each
combination is built once (``Evaluation.rebuild``, reusing the stages before
the first one that changes), and every sample of it is then scored in batches
as array operations:

- the nodes whose score cannot depend on the sampled weights (below every
  perturbed weight) are taken from that build as they are;
- when every aggregation above them is the same power mean (arithmetic,
  geometric in log space, harmonic, generalised) and none of their scores is
  missing, the index of a batch is **one matrix product**: the frontier scores
  times each sample's effective weights (products of normalised weights along
  the path to the index);
- otherwise the levels are aggregated one after the other, still vectorised
  over the batch for the means and the minimum; the other aggregators
  (TOPSIS, VIKOR, grey relational, Copeland, Borda, BoD) are called once per
  sample through their ``combine`` (slower).

Ranks are those of :mod:`zongheng.steps.rank`, the one definition the build
uses too: competition ranks (1, 2, 2, 4) of the index over the units it
scores, scores closer than 2⁻⁴⁰ of their extent tied, so that differences
left by the order of floating-point sums are ties, not ranks. Within a group,
the group's units are ranked on their own. Each batch row is sorted once
(grid cell and unit packed into one integer), and only rank counts per unit
are kept (units × ranks), so memory does not grow with the number of samples.
Above :data:`DENSE_UNITS` units the counts are kept sparse (a
``scipy.sparse.csr_array`` of the (unit, rank) pairs that occurred): units²
integers would be 80 GB at 10⁵ units, while the pairs that occur are at most
units × samples (and at most units × the ranks a unit reaches: with many units and
±25 % weights most pairs are distinct, ≈ 12 bytes each as CSR).
The nominal ranks are the build's own (``ev.ranks`` of the index).

BLAS runs on one thread during the batches (``threadpoolctl``): the products
are small, and on a loaded machine more threads only wait for each other.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from zongheng.analysis.uncertainty.sample import Samples
from zongheng.analysis.uncertainty.spec import without
from zongheng.build import build
from zongheng.errors import MethodError, Problem
from zongheng.evaluation import Evaluation
from zongheng.i18n import register_messages
from zongheng.panel import Panel
from zongheng.steps import Context
from zongheng.steps.rank import (
    TIE_BITS,
    OnGrid,
    competition_rank,
    group_codes,
    group_rank,
    layout,
    ranks_by_unit,
    sorted_places,
    tie_extent,
)

__all__ = ["ChunkResult", "Engine", "add_counts", "competition_ranks", "empty_counts"]

#: Elements (float64) of the largest batch array: about 8 MiB each, so batches stay in cache.
BATCH_ELEMENTS = 1 << 20

#: Up to this many units (or members of a group) rank counts are a dense (unit, rank) array
#: (4096² int64 = 128 MiB); above it, sparse.
DENSE_UNITS = 4096

#: Pairs buffered before the sparse counts are merged (16 M keys, 128 MiB).
_COMPACT_PAIRS = 1 << 24

#: Shards (ranges of rows) the merged sparse pairs are kept in: a merge copies one at a time.
_SHARDS = 64


def empty_counts(n_rows: int, n_ranks: int) -> np.ndarray | Any:
    """Return zero rank counts (row, rank): dense up to :data:`DENSE_UNITS` rows, else sparse."""
    if n_rows <= DENSE_UNITS and n_ranks <= DENSE_UNITS + 1:
        return np.zeros((n_rows, n_ranks), dtype=np.int64)
    from scipy import sparse

    return sparse.csr_array((n_rows, n_ranks), dtype=np.int64)


def add_counts(total: np.ndarray | Any, part: np.ndarray | Any) -> np.ndarray | Any:
    """Return ``total + part`` (in place when dense; ``part`` itself when sparse ``total`` is empty)."""
    if isinstance(total, np.ndarray):
        total += part
        return total
    if total.nnz == 0 and part.shape == total.shape:  # the first chunk: no copy of its counts
        return part
    return total + part


def _unique_counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort ``keys`` in place; return its distinct values and how often each occurs."""
    keys.sort()
    if keys.size == 0:
        return keys, np.empty(0, dtype=np.int64)
    new = np.empty(keys.size, dtype=bool)
    new[0] = True
    np.not_equal(keys[1:], keys[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    del new
    return keys[starts], np.diff(starts, append=keys.size)


def _merge_sorted(keys: np.ndarray, counts: np.ndarray, more: np.ndarray,
                  more_counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add the sorted distinct ``more`` keys (with counts) to the sorted distinct ``keys``.

    ``counts`` is updated in place where a key is already there; the new keys are inserted at
    their places (one copy of the arrays, no sort of the whole): the peak is about twice the
    stored pairs, where ``np.unique`` of everything needed about five times.
    """
    if keys.size == 0:
        return more, more_counts
    at = np.searchsorted(keys, more)
    found = at < keys.size
    found[found] = keys[at[found]] == more[found]
    counts[at[found]] += more_counts[found]  # distinct keys: distinct places
    fresh = ~found
    del found
    at, more, more_counts = at[fresh], more[fresh], more_counts[fresh]
    if not at.size:
        return keys, counts
    keys = np.insert(keys, at, more)
    return keys, np.insert(counts, at, more_counts)


class _PairCounts:
    """Counts of (row, rank) pairs, buffered as packed keys and merged now and then (sparse counts).

    The merged pairs are kept as sorted distinct keys (``row × ranks + rank``) with their counts,
    in :data:`_SHARDS` shards of consecutive rows, so that a merge copies one shard at a time,
    not every pair; counts are int32 while the counts added can't pass 2³¹. A buffer of up to
    :data:`_COMPACT_PAIRS` keys is sorted, counted and merged into the shards.
    """

    def __init__(self, n_rows: int, n_ranks: int) -> None:
        self.shape = (n_rows, n_ranks)
        self.keys: list[np.ndarray] = []  # each key counts once
        self.weighted: list[tuple[np.ndarray, int]] = []  # each key counts ``weight`` times
        self.buffered = 0
        self.added = 0  # the sum of every count: int32 counts while it fits
        self.dtype: type = np.int32
        n_shards = max(1, min(_SHARDS, n_rows))
        rows = np.linspace(0, n_rows, n_shards + 1).round().astype(np.int64)
        self.bounds = rows * n_ranks  # shard i holds the keys in [bounds[i], bounds[i + 1])
        empty = np.empty(0, dtype=np.int64)
        self.shards: list[tuple[np.ndarray, np.ndarray]] = [(empty, empty.astype(self.dtype))] * n_shards

    def add(self, rows: np.ndarray, ranks: np.ndarray, weight: int = 1) -> None:
        keys = rows.astype(np.int64).ravel()
        keys *= self.shape[1]
        keys += np.asarray(ranks).ravel()
        if weight == 1:
            self.keys.append(keys)
        else:
            self.weighted.append((keys, int(weight)))
        self.buffered += keys.size
        self.added += keys.size * int(weight)
        if self.added > np.iinfo(np.int32).max and self.dtype is np.int32:
            self.dtype = np.int64
            self.shards = [(k, c.astype(np.int64)) for k, c in self.shards]
        if self.buffered > _COMPACT_PAIRS:
            self._merge()

    def _merge(self) -> None:
        if self.keys:
            keys = self.keys[0] if len(self.keys) == 1 else np.concatenate(self.keys)
            self.keys = []
            self._fold(*_unique_counts(keys))
        while self.weighted:
            keys, weight = self.weighted.pop()
            keys, counts = _unique_counts(keys)
            counts *= weight
            self._fold(keys, counts)
        self.buffered = 0

    def _fold(self, keys: np.ndarray, counts: np.ndarray) -> None:
        counts = counts.astype(self.dtype, copy=False)
        cuts = np.searchsorted(keys, self.bounds)
        for i, (lo, hi) in enumerate(itertools.pairwise(cuts)):
            if hi > lo:
                shard_keys, shard_counts = self.shards[i]
                # a copy when the shard is empty: a view would keep the whole buffer alive
                part = (keys[lo:hi], counts[lo:hi]) if shard_keys.size else (keys[lo:hi].copy(),
                                                                              counts[lo:hi].copy())
                self.shards[i] = _merge_sorted(shard_keys, shard_counts, *part)

    def tocsr(self) -> Any:
        """Return the counts as a ``csr_array`` (and let go of the merged pairs, shard by shard)."""
        from scipy import sparse

        self._merge()
        n_rows, n_ranks = self.shape
        nnz = sum(k.size for k, _ in self.shards)
        index = np.int32 if max(n_ranks, nnz) < np.iinfo(np.int32).max else np.int64
        data = np.empty(nnz, dtype=np.int64)
        indices = np.empty(nnz, dtype=index)
        per_row = np.zeros(n_rows, dtype=np.int64)
        at = 0
        for i in range(len(self.shards)):
            keys, counts = self.shards[i]
            self.shards[i] = (keys[:0], counts[:0])
            rows, ranks = np.divmod(keys, n_ranks)  # sorted by row, then rank: CSR's order
            del keys
            data[at:at + counts.size] = counts
            indices[at:at + counts.size] = ranks
            per_row += np.bincount(rows, minlength=n_rows)
            at += counts.size
            del rows, ranks, counts
        indptr = np.zeros(n_rows + 1, dtype=index)
        np.cumsum(per_row, out=indptr[1:])
        return sparse.csr_array((data, indices, indptr), shape=self.shape, copy=False)


register_messages({
    "unc_combination_failed": (
        "方法组合 {combination} 无法构建（可用 skip_failed=True 或 --skip-failed 跳过这类组合）: {detail}",
        "the method combination {combination} cannot be built (skip such combinations with "
        "skip_failed=True or --skip-failed): {detail}",
    ),
})


# -- ranks ---------------------------------------------------------------------------------------


def competition_ranks(scores: np.ndarray) -> np.ndarray:
    """Return competition ranks (1, 2, 2, 4) of each row, the highest score first (竞争排名).

    The ranks of :func:`zongheng.steps.rank.competition_rank` along each row
    (scores closer than 2⁻⁴⁰ of the row's extent tie), as integers; every
    score must be finite.

    Examples
    --------
    >>> competition_ranks(np.array([[3.0, 5.0, 3.0, 1.0]])).tolist()
    [[2, 1, 2, 4]]
    """
    return ranks_by_unit(*sorted_places(np.array(scores, dtype=np.float64, ndmin=2), finite=True))


def _places(scores: np.ndarray | OnGrid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return :func:`~zongheng.steps.rank.sorted_places` of rows of index scores, all finite."""
    return sorted_places(scores, finite=True)


def _columns(scores: np.ndarray | OnGrid, which: np.ndarray) -> np.ndarray | OnGrid:
    return scores.columns(which) if isinstance(scores, OnGrid) else scores[:, which]


# -- what each combination needs -----------------------------------------------------------------


def _exponent(step: Any) -> float | str | None:
    """Return a mean's exponent, ``"min"`` for the minimum, ``None`` for any other aggregator.

    Asked of the step's capabilities, so a new power mean takes the fast path too.
    """
    p = getattr(step, "power_exponent", None)
    if p is None:
        return None
    return "min" if p == -math.inf else float(p)


@dataclass
class _Parent:
    """One aggregate whose score depends on the sampled weights (the ``levels`` plan).

    Its children are *static* (scores fixed by the build: their transformed
    values are kept, so a batch needs one matrix product) or *dynamic*
    (aggregates scored per sample).
    """

    column: int  # its node column
    index: int  # its column among the dynamic aggregates
    children: np.ndarray  # node columns of all its children
    slots: np.ndarray  # their positions among the plan's weighted nodes
    static_slots: np.ndarray
    dynamic: np.ndarray  # dynamic-aggregate columns of its dynamic children
    dynamic_slots: np.ndarray
    static_values: np.ndarray | None = None  # (static child, unit): transformed, 0 if missing
    static_known: np.ndarray | None = None  # (static child, unit): 1 if known; None if all are
    static_min: np.ndarray | None = None  # (unit,): minimum over the static children


@dataclass
class Plan:
    """One method combination, ready to score batches of weight multipliers.

    ``kind`` is ``static`` (no sampled weight matters: one index for all
    samples), ``linear`` (one matrix product per batch) or ``levels``.
    :meth:`scores` returns the index of each sample and unit.
    """

    valid: np.ndarray  # positions of the ranked units on the unit axis
    kind: str
    index: np.ndarray | None = None  # static: the index of the valid units
    w0: np.ndarray | None = None  # nominal weight of each weighted node (frontier first)
    mcol: np.ndarray | None = None  # its multiplier column, −1 when its weight is fixed
    same_columns: bool = False  # mcol is 0, 1, 2 …: the multipliers need no gather
    membership: np.ndarray | None = None  # (weighted node, parent): its nominal weight, else 0
    # linear
    frontier: np.ndarray | None = None  # (frontier node, unit): transformed (on a grid if p = 1), × w0
    exponent: float = 1.0  # of the power mean: the product is the index transformed (see _transform)
    zero: float = 0.0  # p = 1: the grid of the frontier (see OnGrid), which the product keeps
    inv: float = 0.0
    run_parent: np.ndarray | None = None  # the parents of the runs of frontier siblings
    run_length: np.ndarray | None = None  # and the length of each run
    scale_levels: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    root_parent: int = 0
    # levels
    base: np.ndarray | None = None  # (unit, node) scores of the valid units
    levels: list[tuple[Any, list[_Parent]]] = field(default_factory=list)
    n_dynamic: int = 0
    root_dynamic: int = 0
    dynamic_columns: list[int] = field(default_factory=list)  # node column of each
    root: int = 0
    ctx: Context | None = None

    def multipliers(self, mult: np.ndarray) -> np.ndarray:
        """Return the multiplier of each weighted node for each sample (row, node); 1 if fixed."""
        if self.same_columns:
            return mult[:, :len(self.w0)]
        out = np.ones((len(mult), len(self.w0)))
        varied = self.mcol >= 0
        out[:, varied] = mult[:, self.mcol[varied]]
        return out

    def scores(self, mult: np.ndarray) -> np.ndarray | OnGrid:
        """Return each sample's index score per valid unit (row, unit).

        An arithmetic ``linear`` plan returns them on the frontier's grid (see
        :class:`~zongheng.steps.rank.OnGrid`): the product gives the cells at
        once, since the effective weights sum to 1.
        """
        if self.kind == "static":
            return np.broadcast_to(self.index, (len(mult), len(self.index))).copy()
        m = self.multipliers(mult)
        if self.kind == "levels":
            return self._levels(m * self.w0)
        # The effective weight of a frontier node is its weight times its parent's scale, the
        # product of the normalised weights above divided by the parent's total: computed on
        # the (few) parents, top down, then one product with the frontier scores (which carry
        # their nominal weights, so only the multipliers are needed here).
        total = m @ self.membership  # the membership matrix carries the nominal weights
        scale = np.empty_like(total)
        scale[:, self.root_parent] = 1.0 / total[:, self.root_parent]
        for parents, up, slots in self.scale_levels:
            scale[:, parents] = scale[:, up] * (m[:, slots] * self.w0[slots]) / total[:, parents]
        # Frontier nodes come in runs of siblings: repeating is far cheaper than a fancy gather.
        effective = m[:, :len(self.frontier)] * np.repeat(scale[:, self.run_parent], self.run_length,
                                                          axis=1)
        if self.exponent == 1:
            return OnGrid(effective @ self.frontier, self.zero, self.inv)
        return _untransform(effective @ self.frontier, self.exponent)

    def _levels(self, w: np.ndarray) -> np.ndarray:
        """Aggregate the dynamic aggregates level by level for a batch of weights."""
        dynamic = np.full((len(w), len(self.valid), self.n_dynamic), np.nan)
        for step, parents in self.levels:
            kind = _exponent(step)
            if kind is None:
                self._combine_each(step, parents, dynamic, w)
                continue
            for parent in parents:
                dynamic[:, :, parent.index] = _aggregate_one(parent, kind, dynamic, w, self.base)
        return dynamic[:, :, self.root_dynamic]

    def _combine_each(self, step: Any, parents: list[_Parent], dynamic: np.ndarray,
                      w: np.ndarray) -> None:
        """Call the aggregator's own ``combine`` once per sample (non-mean aggregators)."""
        values = self.base.copy()
        matrix = np.zeros((values.shape[-1], len(parents)))
        targets = [p.index for p in parents]
        for b in range(len(w)):
            values[:, self.dynamic_columns] = dynamic[b]  # NaN where not yet computed
            for m, parent in enumerate(parents):
                matrix[parent.children, m] = w[b, parent.slots]
            dynamic[b][:, targets] = step.combine(values[None], matrix, self.ctx)[0]


def _aggregate_one(parent: _Parent, kind: float | str, dynamic: np.ndarray, w: np.ndarray,
                   base: np.ndarray) -> np.ndarray:
    """Score one dynamic aggregate with a mean or the minimum, for a batch of weights."""
    d = dynamic[:, :, parent.dynamic]  # (row, unit, dynamic child)
    if kind == "min":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # no child known: NaN
            out = np.nanmin(d, axis=-1) if d.shape[-1] else np.full(d.shape[:2], np.nan)
        if parent.static_min is not None:
            out = np.fmin(out, parent.static_min)
        return out
    if kind not in (1.0, 0.0, -1.0):  # other exponents: the anchored kernel on all children
        x = np.concatenate([np.broadcast_to(base[:, parent.children[:len(parent.static_slots)]],
                                            (len(w), *base.shape[:1], len(parent.static_slots))), d],
                           axis=-1)
        return _power_mean(x, w[:, np.r_[parent.static_slots, parent.dynamic_slots]], kind)
    ws, wd = w[:, parent.static_slots], w[:, parent.dynamic_slots]
    num = np.zeros(d.shape[:2])
    den = np.zeros(d.shape[:2])
    if len(parent.static_slots):  # one product per batch for the children the build fixed
        num += ws @ parent.static_values
        den += ws @ parent.static_known if parent.static_known is not None else ws.sum(axis=1)[:, None]
    if d.shape[-1]:
        known = ~np.isnan(d)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = _transform(np.where(known, d, 1.0), kind)
        num += np.einsum("buk,bk->bu", np.where(known, t, 0.0), wd)
        den += np.einsum("buk,bk->bu", known.astype(float), wd)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mean = num / den
        if kind == 0.0:
            mean = np.exp(mean)
        elif kind == -1.0:
            mean = -1.0 / mean  # the transform of x^−1 was −x^−1
    return np.where(den > 0, mean, np.nan)


def _power_mean(x: np.ndarray, w: np.ndarray, p: float) -> np.ndarray:
    """Weighted power mean over the last axis of (row, unit, child) with weights (row, child).

    The batch form of :func:`zongheng.steps.aggregate.power_mean`: missing
    children are left out and the weights of the known ones rescaled.
    """
    known = ~np.isnan(x)
    complete = bool(known.all())
    with np.errstate(invalid="ignore", divide="ignore", over="ignore", under="ignore"):
        den = w.sum(axis=1)[:, None] if complete else np.einsum("buk,bk->bu", known.astype(float), w)
        if p == 0:
            logs = np.log(x) if complete else np.where(known, np.log(x), 0.0)
            out = np.exp(np.einsum("buk,bk->bu", logs, w) / den)
        else:
            anchor = (np.nanmax if p > 0 else np.nanmin)(x, axis=-1)
            anchor = np.where(anchor > 0, anchor, 1.0)
            moved = (x / anchor[..., None]) ** p
            if not complete:
                moved = np.where(known, moved, 0.0)
            out = anchor * (np.einsum("buk,bk->bu", moved, w) / den) ** (1.0 / p)
    return out if complete else np.where(den > 0, out, np.nan)


def make_plan(ev: Evaluation, period: int, multiplier_column: dict[str, int]) -> Plan:
    """Prepare one built combination for batches (see :class:`Plan`)."""
    fw = ev.framework
    scores = ev.scores[period]
    position = {c: i for i, c in enumerate(fw.node_codes)}
    root = position[fw.root.code]
    valid = np.flatnonzero(np.isfinite(scores[:, root]))
    dynamic: list[str] = []  # aggregates whose score depends on a sampled weight, by level
    for agg in fw.aggregates:
        if any(c in multiplier_column or c in dynamic for c in fw.children[agg.code]):
            dynamic.append(agg.code)
    if not dynamic:
        return Plan(valid, "static", index=scores[valid, root].copy())
    parent_index = {a: j for j, a in enumerate(dynamic)}
    children = {c for a in dynamic for c in fw.children[a]}
    # Frontier nodes (scores fixed by the build) first, then the dynamic aggregates, each in
    # score-column order: the order of the multiplier columns when every weight varies.
    frontier = [c for c in fw.node_codes if c in children and c not in parent_index]
    weighted = frontier + [c for c in fw.node_codes if c in children and c in parent_index]
    slot = {c: i for i, c in enumerate(weighted)}
    parent_of = np.array([parent_index[fw.node(c).parent] for c in weighted])
    mcol = np.array([multiplier_column.get(c, -1) for c in weighted])
    plan = Plan(valid, "levels", w0=np.array([ev.weights[c] for c in weighted]), mcol=mcol,
                same_columns=bool(np.array_equal(mcol, np.arange(len(weighted)))), root=root)
    plan.membership = np.zeros((len(weighted), len(dynamic)))
    plan.membership[np.arange(len(weighted)), parent_of] = plan.w0
    levels = sorted({fw.levels[a] for a in dynamic})
    steps = {level: ev.method.aggregator(level) for level in levels}
    kinds = {_exponent(steps[level]) for level in levels}
    values = scores[np.ix_(valid, [position[c] for c in frontier])]
    p = next(iter(kinds))
    with np.errstate(all="ignore"):
        moved = _transform(values, p) if len(kinds) == 1 and isinstance(p, float) else None
    # A large exponent can overflow x**p: the levels path anchors its power means instead.
    if moved is not None and np.isfinite(moved).all():
        plan.kind = "linear"
        plan.exponent = p
        if p == 1:  # the index is a convex combination of the frontier: a grid of its extent fits it
            lo, hi = float(moved.min()), float(moved.max())
            extent = float(tie_extent(lo, hi))
            plan.inv = float(1 << (TIE_BITS + layout(len(valid))[0])) / extent if extent > 0 else 0.0
            plan.zero = 0.5 - lo * plan.inv
            moved = moved * plan.inv + plan.zero
        plan.frontier = (moved * plan.w0[:len(frontier)]).T.copy()
        parents = parent_of[:len(frontier)]
        starts = np.flatnonzero(np.r_[True, parents[1:] != parents[:-1]])
        plan.run_parent = parents[starts]
        plan.run_length = np.diff(np.r_[starts, len(parents)])
        plan.root_parent = parent_index[fw.root.code]
        for level in reversed(levels[:-1]):  # every dynamic aggregate below the index, top down
            aggs = [a for a in dynamic if fw.levels[a] == level]
            plan.scale_levels.append((np.array([parent_index[a] for a in aggs]),
                                      np.array([parent_index[fw.node(a).parent] for a in aggs]),
                                      np.array([slot[a] for a in aggs])))
        return plan
    plan.base = scores[valid].copy()
    plan.ctx = Context(fw, ev.panel)
    plan.n_dynamic = len(dynamic)
    plan.root_dynamic = parent_index[fw.root.code]
    plan.dynamic_columns = [position[a] for a in dynamic]
    for level in levels:
        kind = _exponent(steps[level])
        parents = [_parent(fw, a, parent_index, position, slot, plan.base, kind)
                   for a in dynamic if fw.levels[a] == level]
        plan.levels.append((steps[level], parents))
    return plan


def _parent(fw: Any, code: str, parent_index: dict[str, int], position: dict[str, int],
            slot: dict[str, int], base: np.ndarray, kind: float | str | None) -> _Parent:
    """Prepare one dynamic aggregate: its static children's values transformed once."""
    kids = fw.children[code]
    static = [c for c in kids if c not in parent_index]
    moving = [c for c in kids if c in parent_index]
    parent = _Parent(position[code], parent_index[code],
                     np.array([position[c] for c in static + moving], dtype=int),
                     np.array([slot[c] for c in static + moving], dtype=int),
                     np.array([slot[c] for c in static], dtype=int),
                     np.array([parent_index[c] for c in moving], dtype=int),
                     np.array([slot[c] for c in moving], dtype=int))
    x = base[:, [position[c] for c in static]]
    if not static:
        return parent
    known = ~np.isnan(x)
    if kind == "min":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            parent.static_min = np.nanmin(x, axis=1)
    elif kind in (1.0, 0.0, -1.0):
        with np.errstate(divide="ignore", invalid="ignore"):
            parent.static_values = np.where(known, _transform(np.where(known, x, 1.0), kind), 0.0).T
        parent.static_known = None if known.all() else known.astype(float).T
    return parent


def _transform(values: np.ndarray, p: float) -> np.ndarray:
    """Return values whose weighted sum increases with the nested power mean of exponent ``p``."""
    if p == 1:
        return values
    if p == 0:
        return np.log(values)
    return np.sign(p) * values**p


def _untransform(values: np.ndarray, p: float) -> np.ndarray:
    """Return the power mean from its transformed value (the inverse of :func:`_transform`), in place."""
    if p == 1:
        return values
    if p == 0:
        return np.exp(values, out=values)
    if p == -1:
        return np.divide(-1.0, values, out=values)
    return np.power(np.abs(values, out=values), 1.0 / p, out=values)


# -- tallies -------------------------------------------------------------------------------------


@dataclass
class ChunkResult:
    """What one chunk of samples contributes: rank counts and, when kept, per-sample outputs."""

    chunk: int
    counts: np.ndarray  # (unit, rank 0..n_units), int64
    group_counts: dict[str, np.ndarray]
    shift: np.ndarray | None  # (sample,) mean absolute rank shift
    tracked: dict[str, np.ndarray]  # unit → (sample,) rank, 0 when unranked
    combinations: set[tuple[int, ...]]
    skipped: dict[str, int] = field(default_factory=dict)  # failed combination → samples
    failures: dict[str, str] = field(default_factory=dict)  # failed combination → why
    tracked_in_group: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # group → unit → rank


class _Tally:
    """Accumulate the rank counts (and kept outputs) of one chunk."""

    def __init__(self, engine: Engine, n: int) -> None:
        n_units = engine.n_units
        self.engine = engine
        self.counts = self._counts(n_units, n_units + 1)
        self.group_counts = {g: self._counts(n_units, size + 1) for g, size in engine.group_sizes.items()}
        self.shift = np.full(n, np.nan) if engine.keep else None
        self.tracked = {u: np.zeros(n, dtype=np.int32) for u in engine.track} if engine.keep else {}
        self.tracked_in_group = {g: {u: np.zeros(n, dtype=np.int32) for u in engine.track}
                                 for g in engine.labels} if engine.keep else {}

    @staticmethod
    def _counts(n_rows: int, n_ranks: int) -> np.ndarray | _PairCounts:
        counts = empty_counts(n_rows, n_ranks)
        return counts if isinstance(counts, np.ndarray) else _PairCounts(n_rows, n_ranks)

    def finish(self) -> tuple[np.ndarray | Any, dict[str, np.ndarray | Any]]:
        """Return the counts and group counts (sparse ones as ``csr_array``)."""
        def done(c: np.ndarray | _PairCounts) -> np.ndarray | Any:
            return c.tocsr() if isinstance(c, _PairCounts) else c

        return done(self.counts), {g: done(c) for g, c in self.group_counts.items()}

    def add(self, scores: np.ndarray | OnGrid, valid: np.ndarray, rows: np.ndarray,
            repeat: int = 1) -> None:
        """Count the ranks of a batch of index scores (row, valid unit), see :meth:`Plan.scores`.

        With ``repeat``, its single row stands for ``len(rows)`` samples.
        """
        n = len(valid)
        for group, members_of in self.engine.groups.items():
            for members in members_of(valid):  # each group ranked on its own, as the build does
                places = _places(_columns(scores, members))
                if self.shift is not None:
                    self._keep_in_group(group, places, valid[members], rows)
                target = self.group_counts[group]
                if isinstance(target, _PairCounts):
                    local, rank = _rank_pairs(*places)
                    target.add(valid[members][local], rank, repeat)
                else:
                    target[valid[members], :len(members) + 1] += repeat * _rank_counts(*places)
        units, ranks, tied = _places(scores)
        if self.shift is not None:
            self._keep(units, ranks, tied, valid, rows)
        if isinstance(self.counts, _PairCounts):
            local, rank = _rank_pairs(units, ranks, tied)
            self.counts.add(valid[local], rank, repeat)
        else:
            self.counts[valid, :n + 1] += repeat * _rank_counts(units, ranks, tied)  # reuses units

    def _keep(self, units: np.ndarray, ranks: np.ndarray, tied: np.ndarray, valid: np.ndarray,
              rows: np.ndarray) -> None:
        by_unit = ranks_by_unit(units, ranks, tied)
        nominal = self.engine.nominal_rank[valid]
        both = np.isfinite(nominal)
        shift = np.abs(by_unit[:, both] - nominal[both]).mean(axis=1) if both.any() else np.nan
        self.shift[rows] = shift
        local = {u: i for i, u in enumerate(valid)}
        for code, position in self.engine.track.items():
            if position in local:
                self.tracked[code][rows] = by_unit[:, local[position]]

    def _keep_in_group(self, group: str, places: tuple[np.ndarray, np.ndarray, np.ndarray],
                       members: np.ndarray, rows: np.ndarray) -> None:
        """Keep the rank within its group of each tracked unit among ``members`` (unit positions)."""
        local = {u: i for i, u in enumerate(members)}
        hits = {code: local[p] for code, p in self.engine.track.items() if p in local}
        if hits:
            by_unit = ranks_by_unit(*places)
            for code, i in hits.items():
                self.tracked_in_group[group][code][rows] = by_unit[:, i]


def _rank_pairs(units: np.ndarray, ranks: np.ndarray, tied: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the (unit, rank) pair of every place of every row (see :func:`_rank_counts`)."""
    n = units.shape[1]
    untied = units[~tied]
    by_place = np.broadcast_to(np.arange(n, 0, -1), untied.shape)  # place j has rank n − j
    return (np.concatenate([untied.ravel(), units[tied].ravel()]),
            np.concatenate([by_place.ravel(), np.asarray(ranks).ravel()]))


def _rank_counts(units: np.ndarray, ranks: np.ndarray, tied: np.ndarray) -> np.ndarray:
    """Return counts (unit, rank 0..n) from sorted places (see :func:`~zongheng.steps.rank.sorted_places`).

    ``units`` is overwritten.
    """
    n = units.shape[1]
    counts = np.zeros((n, n + 1), dtype=np.int64)
    untied = units if not tied.any() else units[~tied]
    if len(untied):
        # Without ties the rank is n − place: count (rank, unit) pairs in one bincount.
        untied += np.arange((n - 1) * n, -1, -n)
        counts[:, 1:] = np.bincount(untied.ravel(), minlength=n * n).reshape(n, n).T
    if len(ranks):
        keys = units[tied] * (n + 1) + ranks
        counts += np.bincount(keys.ravel(), minlength=n * (n + 1)).reshape(n, n + 1)
    return counts


# -- the engine ----------------------------------------------------------------------------------


class Engine:
    """Score samples combination by combination (picklable: Dask ships it to workers).

    Parameters
    ----------
    evaluation : Evaluation
        The nominal build.
    samples : Samples
    period : int
        Position of the period ranked.
    groups : sequence of str
        Group columns whose within-group rank counts are kept.
    track : dict of str to int
        Units (code → position) whose rank is kept per sample.
    keep : bool
        Keep per-sample outputs (mean absolute rank shift, tracked ranks).
    batch : int, optional
        Samples per batch; by default about 2²⁰ array elements.
    skip_failed : bool
        Leave out the samples of a combination that cannot be built (e.g. the
        geometric mean of z-scores below 0) instead of raising.
    blas_threads : int or None
        BLAS threads while a chunk is scored (``threadpoolctl``); ``None``
        leaves the library's own setting. One by default: the products are
        small, and with more threads they mostly wait for each other (1.8–4×
        slower on a loaded 2-core machine, review 2026-12 performance §6.2).
    """

    def __init__(self, evaluation: Evaluation, samples: Samples, period: int, groups: Sequence[str],
                 track: dict[str, int], keep: bool, batch: int | None = None,
                 skip_failed: bool = False, blas_threads: int | None = 1) -> None:
        self.evaluation = evaluation
        self.samples = samples
        self.period = period
        self.n_units = len(evaluation.panel.units)
        self.track = dict(track)
        self.keep = keep
        self.batch = batch
        self.labels = {g: group_codes(evaluation.panel.group(g)) for g in groups}
        self.group_sizes = {g: int(np.bincount(c[c >= 0]).max(initial=0)) for g, c in self.labels.items()}
        self.multiplier_column = {c: j for j, c in enumerate(samples.layout.weight_nodes)}
        self.skip_failed = skip_failed
        self.blas_threads = blas_threads
        self.failures: dict[tuple[int, ...], str] = {}
        self._plans: dict[tuple[int, ...], Plan | None] = {}
        self._bases: dict[int, Evaluation] = {}
        self.rebuilt: set[tuple[int, ...]] = set()
        self.nominal_rank, self.nominal_group_rank = self._nominal()

    @property
    def groups(self) -> dict[str, Callable[[np.ndarray], list[np.ndarray]]]:
        """Return, per group column, a function giving each group's members among valid units."""
        def members_of(labels: np.ndarray) -> Callable[[np.ndarray], list[np.ndarray]]:
            def split(valid: np.ndarray) -> list[np.ndarray]:
                codes = labels[valid]
                return [np.flatnonzero(codes == g) for g in np.unique(codes[codes >= 0])]
            return split
        return {g: members_of(c) for g, c in self.labels.items()}

    def _nominal(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Rank the nominal index as the build does (``ev.ranks``; only the index is ranked)."""
        ev = self.evaluation
        index = ev.scores[self.period, :, ev.node_codes.index(ev.framework.root.code)]
        return competition_rank(index, axis=0), {
            g: group_rank(index, ev.panel.group(g), axis=0) for g in self.labels}

    # -- combinations --------------------------------------------------------
    def plan(self, combination: tuple[int, ...]) -> Plan | None:
        """Return the plan of a combination of choice indices, building it on first use.

        ``None`` when the combination cannot be built and ``skip_failed`` is set.
        """
        if combination not in self._plans:
            try:
                ev = self._build(combination)
            except MethodError:
                if not self.skip_failed:
                    raise
                self._plans[combination] = None
                return None
            self._plans[combination] = make_plan(ev, self.period, self.multiplier_column)
            self.rebuilt.add(combination)
        return self._plans[combination]

    def label(self, combination: tuple[int, ...]) -> str:
        """Return a combination as text: ``normalise=zscore(…); aggregate=geometric``."""
        layout = self.samples.layout
        return "; ".join(f"{s}={layout.label(j, i)}"
                         for j, (s, i) in enumerate(zip(layout.stages, combination, strict=True)))

    def _build(self, combination: tuple[int, ...]) -> Evaluation:
        layout = self.samples.layout
        changes = {}
        excluded = 0
        for stage, choices, i in zip(layout.stages, layout.choices, combination, strict=True):
            if stage == "exclude":
                excluded = i
            else:
                changes[stage] = choices[i]
        try:
            base = self._base(excluded)
            return base.rebuild(base.method.replace(**changes))
        except MethodError as exc:
            self.failures[combination] = str(exc)
            raise MethodError([Problem("unc_combination_failed", {
                "combination": self.label(combination), "detail": str(exc)},
                key="uncertainty")]) from None

    def _base(self, excluded: int) -> Evaluation:
        """Return the nominal build, or the nominal method built without one node."""
        if excluded == 0:
            return self.evaluation
        base = self._bases.get(excluded)
        if base is None:
            code = self.samples.layout.choices[-1][excluded]
            base = _build_without(self.evaluation, code)
            self._bases[excluded] = base
        return base

    # -- chunks --------------------------------------------------------------
    def run_chunk(self, k: int) -> ChunkResult:
        """Score chunk ``k`` of the samples (BLAS on :attr:`blas_threads` threads)."""
        if self.blas_threads is None:
            return self._run_chunk(k)
        with threadpool_limits(limits=self.blas_threads, user_api="blas"):
            return self._run_chunk(k)

    def _run_chunk(self, k: int) -> ChunkResult:
        choices, mult = self.samples.chunk(k)
        tally = _Tally(self, len(choices))
        seen = set()
        skipped: dict[str, int] = {}
        for combination, rows in _by_combination(choices, self.samples.layout.n_choices):
            seen.add(combination)
            plan = self.plan(combination)
            if plan is None:  # cannot be built, skipped: its samples count nowhere
                skipped[self.label(combination)] = _size(rows)
                continue
            if plan.kind == "static":  # every sample of the combination ranks the same
                tally.add(plan.scores(mult[:1]), plan.valid, rows, repeat=_size(rows))
                continue
            size = self.batch or max(64, BATCH_ELEMENTS // max(
                len(plan.valid) * (plan.base.shape[1] if plan.base is not None else 1),
                len(plan.w0)))
            for part in _batches(rows, size):
                tally.add(plan.scores(mult[part]), plan.valid, part)
        failures = {self.label(c): self.failures[c] for c in seen if c in self.failures}
        counts, group_counts = tally.finish()
        return ChunkResult(k, counts, group_counts, tally.shift, tally.tracked,
                           seen - set(self.failures), skipped, failures, tally.tracked_in_group)


def _size(rows: slice | np.ndarray) -> int:
    return rows.stop - rows.start if isinstance(rows, slice) else len(rows)


def _batches(rows: slice | np.ndarray, size: int):
    """Yield the rows in batches of ``size``: slices of a slice (views), parts of an index array."""
    for start in range(0, _size(rows), size):
        if isinstance(rows, slice):
            yield slice(rows.start + start, min(rows.start + start + size, rows.stop))
        else:
            yield rows[start:start + size]


def _by_combination(choices: np.ndarray, n_choices: Sequence[int]):
    """Yield (combination, rows) for each distinct row of choice indices."""
    strides = np.cumprod([1, *n_choices])[:len(n_choices)].astype(np.int64)
    code = choices.astype(np.int64) @ strides
    if choices.shape[1] == 0 or (code == code[0]).all():
        # One combination: a slice keeps the batches views of the samples, not copies.
        yield tuple(int(v) for v in choices[0]), slice(0, len(choices))
        return
    order = np.argsort(code, kind="stable")
    bounds = np.flatnonzero(np.diff(code[order])) + 1
    for rows in np.split(order, bounds):
        yield tuple(int(v) for v in choices[rows[0]]), rows


def _build_without(ev: Evaluation, code: str) -> Evaluation:
    """Build the nominal method on the framework and panel without one node (and its subtree)."""
    fw = ev.framework
    kept = set(without(fw, code))
    reduced = fw.with_nodes([n for n in fw.nodes if n.code in kept])
    columns = [i for i, c in enumerate(fw.indicator_codes) if c in kept]
    panel = ev.panel
    smaller = Panel(panel.values[..., columns], panel.units, panel.periods,
                    tuple(fw.indicator_codes[i] for i in columns), panel.attributes,
                    panel.denominators, panel.denominator_codes, panel.source, dict(panel.meta))
    return build(reduced, smaller, ev.method)
