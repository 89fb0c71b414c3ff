"""Stages made of other steps (组合阶段): weighting with aggregation, and a fill after normalisation.

A method names one step per stage; two of its stages only make sense
together with another:

- weights are asked for parent by parent *while* aggregating, because
  data-driven weights (entropy, CRITIC, PCA …) at an upper level weigh the
  scores of the level below. :class:`AggregateStage` is the one recorded stage
  that does both, and its state keeps the weights it used, so that a replay
  or an analysis holds them fixed;
- an imputation that ``fills_after_normalise`` (sibling mean) runs as a stage
  of its own, :class:`FillAfterNormalise`, right after normalisation.

Neither is registered: the method builds them from its own steps (``Method.plan``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from zongheng.framework import Framework
from zongheng.frozen import FrozenMap
from zongheng.steps.aggregate import Aggregator, Arithmetic
from zongheng.steps.base import Context, State, Step
from zongheng.steps.weight import Weigher

__all__ = ["AggregateStage", "AggregateState", "FillAfterNormalise", "Level", "aggregator_of",
           "level_weights"]


def aggregator_of(aggregate: Aggregator | Mapping[Any, Aggregator], level: int) -> Aggregator:
    """Return the aggregation step of a level from one step or a per-level mapping."""
    if isinstance(aggregate, Mapping):
        return aggregate.get(level, aggregate.get("default", Arithmetic()))
    return aggregate


def level_weights(framework: Framework, weigh: Callable[[str, tuple[str, ...]], np.ndarray],
                  level: int) -> tuple[np.ndarray, list[int], dict[str, float]]:
    """Return the child→parent weight matrix of one level, the parents' columns, and the weights.

    Rows are every score column (``framework.node_codes``); column *m* holds
    the weights of the *m*-th parent of this level on its children, as given by
    ``weigh(parent, children)``.
    """
    codes = framework.node_codes
    position = {c: i for i, c in enumerate(codes)}
    parents = [a.code for a in framework.aggregates if framework.levels[a.code] == level]
    matrix = np.zeros((len(codes), len(parents)))
    used: dict[str, float] = {}
    for m, parent in enumerate(parents):
        children = framework.children[parent]
        w = np.asarray(weigh(parent, children), dtype=np.float64)
        for child, value in zip(children, w, strict=True):
            matrix[position[child], m] = value
            used[child] = float(value)
    return matrix, [position[p] for p in parents], used


@dataclass(frozen=True)
class Level:
    """One level of the aggregation with the weights held fixed (what the analyses replay).

    Attributes
    ----------
    level : int
        The framework level of the parents (2 = just above the indicators).
    aggregator : Aggregator
    matrix : ndarray, shape (node, parent)
        The weights of each parent's children.
    columns : list of int
        The parents' score columns.
    """

    level: int
    aggregator: Aggregator
    matrix: np.ndarray
    columns: list[int]


@dataclass(frozen=True, kw_only=True)
class AggregateState(State):
    """The weight of every node within its parent, as used (the index has 1)."""

    weights_: Mapping[str, float]


@dataclass(frozen=True)
class AggregateStage(Step):
    """Weighting and aggregation as one stage (赋权与汇总): level by level, weights kept.

    Parameters
    ----------
    weight : Weigher
        Asked for each parent's child weights, with the children's scores.
    aggregate : Aggregator or mapping of level to Aggregator
        One aggregation for every level, or one per level (``default`` for the rest).
    """

    stage = "aggregate"
    key = "weight_and_aggregate"
    weight: Weigher
    aggregate: Aggregator | Mapping[Any, Aggregator]

    def __post_init__(self) -> None:
        if isinstance(self.aggregate, Mapping) and not isinstance(self.aggregate, FrozenMap):
            object.__setattr__(self, "aggregate", FrozenMap(self.aggregate))

    def aggregator(self, level: int) -> Aggregator:
        """Return the aggregation step of a level."""
        return aggregator_of(self.aggregate, level)

    def levels(self, framework: Framework, weights: Mapping[str, float]) -> list[Level]:
        """Return every level of the aggregation with these weights held fixed, bottom up."""
        def weigh(parent: str, children: tuple[str, ...]) -> np.ndarray:
            return np.array([weights[c] for c in children])

        out = []
        for level in sorted({framework.levels[a.code] for a in framework.aggregates}):
            matrix, columns, _ = level_weights(framework, weigh, level)
            out.append(Level(level, self.aggregator(level), matrix, columns))
        return out

    def fit_apply(self, values: np.ndarray, ctx: Context) -> tuple[State, np.ndarray]:
        """Ask the weights level by level while aggregating; return them and every node's score."""
        return self._run(values, ctx, None)

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Learn the weights (aggregating on the way, since upper weights may read lower scores)."""
        return self._run(values, ctx, None)[0]

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Score every node with the weights held fixed; leading batch axes broadcast."""
        return self._run(values, ctx, state.weights_)[1]

    def fit_apply_owned(self, values: np.ndarray, ctx: Context) -> tuple[State, np.ndarray]:
        """As ``fit_apply``, using the values given up as the aggregation's scratch space."""
        return self._run(values, ctx, None, scratch=values)

    def _run(self, values: np.ndarray, ctx: Context, fixed: Mapping[str, float] | None,
             scratch: np.ndarray | None = None) -> tuple[State, np.ndarray]:
        framework = ctx.framework
        n_ind = len(framework.indicator_codes)
        scores = np.empty(values.shape[:-1] + (len(framework.node_codes),))
        scores[..., :n_ind] = values
        scores[..., n_ind:] = np.nan
        position = {c: i for i, c in enumerate(framework.node_codes)}
        weights: dict[str, float] = {framework.root.code: 1.0}

        def weigh(parent: str, children: tuple[str, ...]) -> np.ndarray:
            if fixed is not None:
                return np.array([fixed[c] for c in children])
            cols = [position[c] for c in children]
            # Children of one parent are usually contiguous columns: a slice avoids a copy.
            if cols == list(range(cols[0], cols[0] + len(cols))):
                return self.weight.weights_for(parent, children, scores[..., cols[0]:cols[-1] + 1], ctx)
            return self.weight.weights_for(parent, children, scores[..., cols], ctx)

        for level in sorted({framework.levels[a.code] for a in framework.aggregates}):
            matrix, columns, used = level_weights(framework, weigh, level)
            weights.update(used)
            aggregator = self.aggregator(level)
            if type(aggregator).combine is Arithmetic.combine:
                # The parents' columns receive the result directly (no array of scores per level
                # and no copy); the values given up (already copied into ``scores``), if any,
                # hold its temporaries.
                target = _columns_view(scores, columns)
                combined = aggregator.combine(scores, matrix, ctx, scratch=scratch, out=target)
                if combined is not target:
                    scores[..., columns] = combined
            else:
                scores[..., columns] = aggregator.combine(scores, matrix, ctx)
        if ctx.included is not None and not ctx.included.all():
            # In place on the array made here: a np.where would copy every score.
            scores[..., ~np.broadcast_to(ctx.included, scores.shape[:-1]), :] = np.nan
        return AggregateState(weights_=weights), scores


def _columns_view(scores: np.ndarray, columns: list[int]) -> np.ndarray | None:
    """Return ``scores[..., columns]`` as a view when the columns are contiguous, else None."""
    if not columns or list(columns) != list(range(columns[0], columns[0] + len(columns))):
        return None
    return scores[..., columns[0]:columns[0] + len(columns)]


@dataclass(frozen=True)
class FillAfterNormalise(Step):
    """The part of an imputation that fills normalised values (e.g. ``sibling_mean``).

    Its state says which cells it filled (``filled_``) and which stay missing
    (``unfilled_``); :meth:`apply` fills again from the values it is given.
    """

    stage = "fill"
    key = "fill_after_normalise"
    impute: Step

    def fit_apply(self, values: np.ndarray, ctx: Context) -> tuple[State, np.ndarray]:
        """Fill the normalised values and report what was filled."""
        out, state = self.impute.fill_normalised(values, ctx)
        return state, out

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Report what a fill of these values would do."""
        return self.fit_apply(values, ctx)[0]

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Fill the missing normalised values from the values given."""
        return self.impute.fill_normalised(values, ctx)[0]
