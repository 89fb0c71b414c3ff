"""Weight (赋权): the weight of each node within its parent.

Weights are asked for parent by parent while aggregating, level by level, so a
data-driven method (entropy, CRITIC …) sees the scores of the children it
weighs — normalised indicators at the first level, aggregated scores above.
Weights are common to every period: data-driven weights are learned over the
pooled periods or a base period.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from zongheng.errors import MethodError, Problem
from zongheng.steps.base import Context, Step, register

__all__ = ["DataDrivenWeights", "FrameworkWeights", "GivenWeights", "Weigher"]


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

    def weights_for(self, parent: str, children: Sequence[str], scores: np.ndarray,
                    ctx: Context) -> np.ndarray:
        """Learn the weights from the children's scores, or use the framework's on other levels."""
        if self.levels is not None and ctx.framework.levels[parent] not in self.levels:
            return super().weights_for(parent, children, scores, ctx)
        if len(children) == 1:
            return np.ones(1)
        return self.learn(self.sample(scores, ctx), parent, children, ctx)

    def sample(self, scores: np.ndarray, ctx: Context) -> np.ndarray:
        """Return the rows (unit-periods of the scope) with every child known, shape (n, child)."""
        scope = ctx.scope_of(self)
        if scope.kind == "per_period":
            raise MethodError([Problem("method_bad_scope", {"scope": "per_period (weights must be "
                                                                     "common to all periods)"})])
        rows, _ = scope.split(scores, ctx)
        rows = rows.reshape(-1, scores.shape[-1])
        return rows[~np.isnan(rows).any(axis=1)]

    def learn(self, sample: np.ndarray, parent: str, children: Sequence[str],
              ctx: Context) -> np.ndarray:
        """Return weights from the sample (n, child); subclasses implement the method."""
        raise NotImplementedError
