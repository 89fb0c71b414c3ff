"""Weight (赋权): the weight of each node within its parent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from zongheng.errors import MethodError, Problem
from zongheng.steps.base import Context, State, Step, register

__all__ = ["FrameworkWeights", "GivenWeights"]


@register
@dataclass(frozen=True)
class FrameworkWeights(Step):
    """Weights as written in the framework (指标体系权重)."""

    stage = "weight"
    key = "framework"

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Read each node's weight within its parent from the framework."""
        return {"weights_": {n.code: n.weight for n in ctx.framework.nodes}}


@register
@dataclass(frozen=True)
class GivenWeights(Step):
    """Expert weights given in the method (专家赋权), overriding the framework's.

    Parameters
    ----------
    weights : mapping of str to float
        Weight within its parent by node code; nodes not named keep the
        framework's weight.
    """

    stage = "weight"
    key = "given"
    weights: Mapping[str, float] = field(default_factory=dict)

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Merge the given weights into the framework's."""
        out = {n.code: n.weight for n in ctx.framework.nodes}
        problems = []
        for code, w in self.weights.items():
            if code not in out:
                problems.append(Problem("fw_unknown_parent", {"code": "weights", "parent": code}))
            elif not (isinstance(w, int | float) and w > 0):
                problems.append(Problem("fw_bad_weight", {"code": code, "weight": w}))
            else:
                out[code] = float(w)
        if problems:
            raise MethodError(problems)
        return {"weights_": out}
