"""Pipeline (流水线): run a method's plan of steps and record each one; replay with states fixed.

The plan is the method's steps in order (``Method.plan``); running it is a
plain loop over the step contract of :mod:`zongheng.steps.base` — no stage is
special here. Each step leaves a :class:`StageRecord` (the step, what it
learned, what it produced), so a rebuild with one step changed starts from the
records before it, and :func:`replay` scores other values with every learned
state held fixed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from zongheng.framework import Framework
from zongheng.frozen import freeze_array
from zongheng.method import Method
from zongheng.panel import Panel
from zongheng.steps import Context, Scope, State, Step

__all__ = ["Keep", "StageRecord", "first_changed", "replay", "run_stages"]

Keep = Literal["all", "final"]


@dataclass(frozen=True)
class StageRecord:
    """What one stage did: its step, the state it learned, and its output (read-only).

    ``output`` is None for an intermediate stage of a build that kept only the
    final scores (``keep="final"``).
    """

    stage: str
    step: Step
    state: State
    output: np.ndarray | None


def _context(framework: Framework, panel: Panel, method: Method) -> Context:
    return Context(framework, panel, Scope.parse(method.scope))


def run_stages(framework: Framework, panel: Panel, method: Method,
               reuse: Sequence[StageRecord] = (), *, keep: Keep = "all") -> list[StageRecord]:
    """Run the method's plan, reusing the given leading records unchanged.

    Parameters
    ----------
    reuse : sequence of StageRecord
        Records of an earlier run of the same plan; the last must keep its output.
    keep : {"all", "final"}
        Keep every stage's output, or only the scores (the states are always kept).

    Returns
    -------
    list of StageRecord
        One per step of ``method.plan()``, the last holding the scores of every
        node, shaped (period, unit, node).
    """
    plan = method.plan()
    ctx = _context(framework, panel, method)
    for _, step in plan:
        ctx = step.prepare(panel.values, ctx)
    records: list[StageRecord] = list(reuse)
    for record in records:
        ctx = record.step.publish(record.state, ctx)
    values = records[-1].output if records else panel.values
    owned = False  # whether ``values`` is referenced by nothing but this loop
    for i, (stage, step) in enumerate(plan[len(records):], start=len(records)):
        if owned:
            state, output = step.fit_apply_owned(values, ctx)
        else:
            state, output = step.fit_apply(values, ctx)
        ctx = step.publish(state, ctx)
        output = np.asarray(output, dtype=np.float64)
        last = i == len(plan) - 1
        if keep == "all" or last:
            output = freeze_array(output)
            owned = False
        else:
            # An intermediate stage that is not kept: the next step may overwrite it. Only an
            # array the step made (writeable, owning its data) qualifies: a step may return its
            # input (the panel's values) or a view of it, and a state's arrays are read-only.
            owned = output.flags.writeable and output.flags.owndata
        records.append(StageRecord(stage, step, state, output if keep == "all" or last else None))
        values = output
    return records


def replay(framework: Framework, panel: Panel, method: Method, trace: Sequence[StageRecord],
           values: np.ndarray) -> np.ndarray:
    """Score other raw values with everything the build learned held fixed (冻结参数重算).

    Goalposts, winsorisation caps, imputation fills, the screen and the weights
    are taken from ``trace`` instead of being learned again, so the result shows
    the effect of the new values alone. Use a fresh build to refit.

    Parameters
    ----------
    values : ndarray, shape (..., period, unit, indicator)
        New raw values for the same units, periods and indicators; leading
        axes are a batch (every step broadcasts over them), so many candidate
        panels cost one pass.

    Returns
    -------
    ndarray, shape (..., period, unit, node)
        Scores of every node.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.shape[-3:] != panel.values.shape:
        raise ValueError(f"values must end with shape {panel.values.shape}, got {values.shape}")
    ctx = _context(framework, panel, method)
    for record in trace:  # decisions made up front in the build are made up front here too
        if record.step.reads == "raw":
            ctx = record.step.publish(record.state, ctx)
    x = values
    for record in trace:
        x = record.step.apply(x, record.state, ctx)
        ctx = record.step.publish(record.state, ctx)
    return x


def first_changed(old: Method, new: Method) -> int:
    """Return the index of the first step of the plan that differs between two methods."""
    if old.scope != new.scope:
        return 0
    a, b = old.plan(), new.plan()
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x[0] != y[0] or x[1] != y[1]:
            return i
    return min(len(a), len(b))
