"""Build (构建): run a method's steps on a panel and record every stage.

The pipeline is denominate → impute → screen → treat → normalise → weight →
aggregate (level by level) → rank. Each stage leaves a :class:`StageRecord`
(the step, what it learned, what it produced), so a rebuild with one stage
changed starts from the records before it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from zongheng.framework import Framework
from zongheng.method import Method
from zongheng.panel import Panel
from zongheng.steps import STAGES, Context, Scope, Step
from zongheng.steps.rank import competition_rank, group_rank

__all__ = ["StageRecord", "build", "run_stages"]

DATA_STAGES = ("denominate", "impute", "screen", "treat", "normalise")


@dataclass(frozen=True)
class StageRecord:
    """What one stage did: its step, the state it learned, and its output (read-only)."""

    stage: str
    step: Any
    state: dict
    output: np.ndarray | None


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.asarray(array, dtype=np.float64)
    if array.flags.writeable:
        array = array.copy() if not array.flags.owndata else array
        array.setflags(write=False)
    return array


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


def run_stages(framework: Framework, panel: Panel, method: Method,
               reuse: Sequence[StageRecord] = ()) -> list[StageRecord]:
    """Run every stage, reusing the given leading records unchanged.

    Returns
    -------
    list of StageRecord
        One per stage of :data:`~zongheng.steps.STAGES`, the last holding the
        scores of every node, shaped (period, unit, node).
    """
    ctx = Context(framework, panel, Scope.parse(method.scope))
    records: list[StageRecord] = list(reuse)
    values = records[-1].output if records else panel.values
    for record in records:
        _restore_context(record, ctx)
    for stage in STAGES[len(records):]:
        if stage == "aggregate":
            records.append(_aggregate(values, method, ctx))
            break
        step: Step = getattr(method, stage)
        if stage == "weight":  # weights are asked for parent by parent while aggregating
            records.append(StageRecord(stage, step, {}, values))
            continue
        if stage == "impute" and _screens_raw_data(method.screen):
            # A screen that reads only the raw data is known before imputing, so that refusing
            # missing values (impute: none) spares units the screen leaves out anyway.
            ctx.included = method.screen.fit(values, ctx).get("included_")
        state = step.fit(values, ctx)
        output = step.apply(values, state, ctx)
        if stage == "normalise" and hasattr(method.impute, "fill_normalised"):
            # Imputation from siblings' normalised values can only happen once they exist.
            output, state["filled_"] = method.impute.fill_normalised(output, ctx)
        record = StageRecord(stage, step, state, _frozen(output))
        _restore_context(record, ctx)
        records.append(record)
        values = record.output
    return records


def _screens_raw_data(screen: Step) -> bool:
    """Whether a screen's decision depends on the raw data only (not on imputed values)."""
    return getattr(screen, "data", "raw") == "raw"


def _restore_context(record: StageRecord, ctx: Context) -> None:
    """Carry what later stages read from earlier ones (the screen mask)."""
    if record.stage == "screen":
        ctx.included = record.state.get("included_")


def _aggregate(values: np.ndarray, method: Method, ctx: Context,
               fixed_weights: dict[str, float] | None = None) -> StageRecord:
    """Aggregate level by level; weights asked of the weight step, or fixed ones replayed."""
    framework = ctx.framework
    n_ind = len(framework.indicator_codes)
    scores = np.full(values.shape[:-1] + (len(framework.node_codes),), np.nan)
    scores[..., :n_ind] = values
    position = {c: i for i, c in enumerate(framework.node_codes)}
    weights: dict[str, float] = {framework.root.code: 1.0}
    steps = {}

    def weigh(parent: str, children: tuple[str, ...]) -> np.ndarray:
        if fixed_weights is not None:
            return np.array([fixed_weights[c] for c in children])
        cols = [position[c] for c in children]
        # Children of one parent are usually contiguous columns: a slice avoids a copy.
        if cols == list(range(cols[0], cols[0] + len(cols))):
            return method.weight.weights_for(parent, children, scores[..., cols[0]:cols[-1] + 1], ctx)
        return method.weight.weights_for(parent, children, scores[..., cols], ctx)

    for level in sorted({framework.levels[a.code] for a in framework.aggregates}):
        step = method.aggregator(level)
        steps[level] = step
        matrix, columns, used = level_weights(framework, weigh, level)
        weights.update(used)
        scores[..., columns] = step.combine(scores, matrix, ctx)
    if ctx.included is not None and not ctx.included.all():
        scores = np.where(ctx.included[..., None], scores, np.nan)
    return StageRecord("aggregate", steps, {"weights_": weights}, _frozen(scores))


def replay(framework: Framework, panel: Panel, method: Method, trace: Sequence[StageRecord],
           values: np.ndarray) -> np.ndarray:
    """Score other raw values with everything the build learned held fixed (冻结参数重算).

    Goalposts, winsorisation caps, imputation fills, the screen and the weights
    are taken from ``trace`` instead of being learned again, so the result shows
    the effect of the new values alone. Use a fresh :func:`build` to refit.

    Parameters
    ----------
    values : ndarray, shape (period, unit, indicator)
        New raw values for the same units, periods and indicators.

    Returns
    -------
    ndarray, shape (period, unit, node)
        Scores of every node.
    """
    ctx = Context(framework, panel.with_values(values), Scope.parse(method.scope))
    x = ctx.panel.values
    for record in trace:
        if record.stage in ("weight", "aggregate"):
            continue
        x = record.step.apply(x, record.state, ctx)
        if record.stage == "normalise" and hasattr(method.impute, "fill_normalised"):
            x, _ = method.impute.fill_normalised(x, ctx)
        _restore_context(record, ctx)
    return _aggregate(x, method, ctx, fixed_weights=trace[-1].state["weights_"]).output


def rank_all(scores: np.ndarray, panel: Panel) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Rank every node over units, overall and within each group column."""
    overall = competition_rank(scores, axis=-2)
    groups = {g: group_rank(scores, panel.group(g), axis=-2) for g in panel.groups}
    return overall, groups


def build(framework: Framework, panel: Panel, method: Method | None = None):
    """Build an evaluation (评价): scores and ranks of every node for every unit and period.

    Parameters
    ----------
    framework : Framework
    panel : Panel
        Its indicators must be the framework's (as :func:`zongheng.read_panel` ensures).
    method : Method, optional
        The default method: no imputation, min-max 0–100 pooled over periods,
        framework weights, weighted arithmetic mean.

    Returns
    -------
    Evaluation
    """
    from zongheng.evaluation import Evaluation

    method = method or Method()
    if tuple(panel.indicators) != framework.indicator_codes:
        panel = _align(panel, framework)
    records = run_stages(framework, panel, method)
    return Evaluation(framework, panel, method, tuple(records))


def _align(panel: Panel, framework: Framework) -> Panel:
    """Reorder the panel's indicator axis to the framework's order."""
    order = [panel.indicators.index(c) for c in framework.indicator_codes]
    return Panel(panel.values[..., order], panel.units, panel.periods, framework.indicator_codes,
                 panel.attributes, panel.denominators, panel.denominator_codes, panel.source,
                 dict(panel.meta))


def first_changed(old: Method, new: Method) -> int:
    """Return the index of the first stage whose step differs between two methods."""
    if old.scope != new.scope:
        return 0
    for i, stage in enumerate(STAGES):
        if getattr(old, stage) != getattr(new, stage):
            return i
    return len(STAGES)
