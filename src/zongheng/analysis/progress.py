"""Progress over time (纵向比进步): how each unit moved against its own past.

For every unit, period and node: the score and its change against the
previous period and against a base period, the rank and how many places the
unit climbed, and for indicators the change and growth rate of the raw value.
:func:`most_improved` lists the units that improved most in one period and
:func:`annual_assessment` mixes level and progress into one annual score
(水平 + 进步), as county assessments that reward both do.

Score changes only measure progress when scores compare across periods, i.e.
when every data-driven parameter (goalposts, caps) is learned over a scope
common to all periods (``pooled`` or ``base:<period>``). A method that learns
them period by period, or scores units relative to the others of the same
period (TOPSIS, VIKOR, Borda …), makes a score change mean "moved within this
year's field", not "improved": every function here then emits an
:class:`IncomparableScoresWarning` naming the steps responsible.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Hashable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from zongheng.errors import MethodError, Problem, ZonghengWarning
from zongheng.evaluation import Evaluation
from zongheng.i18n import register_messages, text
from zongheng.method import Method
from zongheng.steps import STAGES, Scope, Step
from zongheng.steps.rank import competition_rank

__all__ = [
    "IncomparableScoresWarning",
    "annual_assessment",
    "incomparable_reasons",
    "most_improved",
    "progress",
]

register_messages({
    "progress_incomparable": (
        "各期得分不可比，得分变化不能衡量进步: {reasons}（请改用 scope: pooled 或 base:<时期>）",
        "scores are not comparable across periods, so score changes do not measure progress: "
        "{reasons} (use scope: pooled or base:<period>)",
    ),
    "progress_reason_scope": ("方法的 scope 为 per_period", "the method's scope is per_period"),
    "progress_reason_step": (
        "{stage} 步骤 {key} 按期学习参数",
        "the {stage} step {key} learns its parameters per period",
    ),
    "progress_reason_relative": (
        "{stage} 步骤 {key} 按期相对其他单位评分",
        "the {stage} step {key} scores units relative to the others of the same period",
    ),
    "progress_unknown_node": (
        "节点 '{node}' 不在指标体系中（可用: {found}）",
        "the node '{node}' is not in the framework (found: {found})",
    ),
    "progress_first_period": (
        "时期 {period} 是第一期，没有上一期可比（需要至少两期数据）",
        "the period {period} is the first: there is no previous period to compare with "
        "(at least two periods are needed)",
    ),
    "progress_bad_option": (
        "{option} 应为 {expected}，实际为 {value!r}",
        "{option} must be {expected}, got {value!r}",
    ),
})

# Steps that score a unit against the other units of the same period whatever the scope:
# their scores move when the field moves, even if the unit stands still.
_RELATIVE = {
    ("normalise", "reference_unit"),
    *(("aggregate", k) for k in ("topsis", "vikor", "grey_relational", "copeland", "borda", "bod")),
}


class IncomparableScoresWarning(ZonghengWarning):
    """Scores are not comparable across periods, so their changes do not measure progress."""


# -- comparability -------------------------------------------------------------------------------


def _nested_steps(step: Step) -> Iterator[Step]:
    """Yield a step and every step nested in its parameters (overrides, combined weights)."""
    yield step
    if not dataclasses.is_dataclass(step):
        return
    for f in dataclasses.fields(step):
        value = getattr(step, f.name)
        inner = value.values() if isinstance(value, Mapping) else (
            value if isinstance(value, list | tuple) else (value,))
        for item in inner:
            if isinstance(item, Step):
                yield from _nested_steps(item)


def _method_steps(method: Method) -> Iterator[tuple[str, Step]]:
    for stage in STAGES:
        value = getattr(method, stage)
        for step in (value.values() if isinstance(value, Mapping) else (value,)):
            for inner in _nested_steps(step):
                yield stage, inner


def incomparable_reasons(method: Method) -> list[str]:
    """Return why a method's scores do not compare across periods (各期得分是否可比); empty if they do.

    A reason is the method's ``per_period`` scope, a step whose own scope is
    ``per_period`` (vector and sum normalisation by default), or a step that
    scores units relative to the same period's other units (reference-unit
    normalisation, TOPSIS, VIKOR, grey relational, Copeland, Borda, DEA).

    Examples
    --------
    >>> from zongheng.method import Method
    >>> incomparable_reasons(Method())
    []
    >>> incomparable_reasons(Method(normalise="vector"))
    ['normalise 步骤 vector 按期学习参数']
    """
    reasons: list[str] = []
    if Scope.parse(method.scope).kind == "per_period":
        reasons.append(text("progress_reason_scope"))
    for stage, step in _method_steps(method):
        key = getattr(step, "key", "")
        own = getattr(step, "scope", None)
        if own is not None and Scope.parse(own).kind == "per_period":
            reasons.append(text("progress_reason_step", stage=stage, key=key))
        elif (stage, key) in _RELATIVE:
            reasons.append(text("progress_reason_relative", stage=stage, key=key))
    return list(dict.fromkeys(reasons))


def _warn_if_incomparable(ev: Evaluation) -> None:
    reasons = incomparable_reasons(ev.method)
    if reasons:
        # stacklevel 3: point at the user's call of progress / most_improved / annual_assessment.
        warnings.warn(text("progress_incomparable", reasons="; ".join(reasons)),
                      IncomparableScoresWarning, stacklevel=3)


# -- shared helpers ------------------------------------------------------------------------------


def period_position(ev: Evaluation, period: Hashable | None, option: str = "period") -> int:
    """Return a period's position (the last when ``None``); MethodError naming ``option`` if unknown."""
    return ev.period_position(period, key=option)


def node_position(ev: Evaluation, node: str | None, option: str = "node") -> int:
    """Return a node's column in ``ev.scores`` (the index when ``None``)."""
    codes = ev.node_codes
    node = ev.framework.root.code if node is None else node
    if node not in codes:
        raise MethodError([Problem("progress_unknown_node", {
            "node": node, "found": ", ".join(codes)}, key=option)])
    return codes.index(node)


def previous_position(ev: Evaluation, p: int) -> int:
    """Return the position of the period before ``p``; MethodError when ``p`` is the first."""
    if p == 0:
        raise MethodError([Problem("progress_first_period", {"period": ev.panel.periods[0]},
                                   key="period")])
    return p - 1


def _check_option(ok: bool, option: str, expected: str, value: object) -> None:
    if not ok:
        raise MethodError([Problem("progress_bad_option", {
            "option": option, "expected": expected, "value": value}, key=option)])


def _changes(values: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the change along the period axis against the previous and the base period.

    The first period has no previous one: its change is NaN.
    """
    previous = np.full(values.shape, np.nan)
    previous[1:] = values[1:] - values[:-1]
    return previous, values - values[base]


def _growth(change: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Return change / |reference|; NaN where the reference is 0 or missing."""
    magnitude = np.abs(reference)
    out = np.full(change.shape, np.nan)
    np.divide(change, magnitude, out=out, where=magnitude > 0)
    return out


def _int(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Return whole numbers with NaN as <NA> (ranks and rank changes)."""
    return pd.array(np.asarray(values, dtype=np.float64).ravel(), dtype="Float64").astype("Int64")


# -- progress ------------------------------------------------------------------------------------


def progress(ev: Evaluation, *, base: Hashable | None = None,
             nodes: Sequence[str] | None = None) -> pd.DataFrame:
    """Progress of every unit against its own past (纵向比进步).

    Parameters
    ----------
    ev : Evaluation
    base : period label, optional
        The base period of the ``*_base`` columns; the first period by default.
    nodes : sequence of str, optional
        Node codes to report (indicators, dimensions, the index); all by default.

    Returns
    -------
    DataFrame
        One row per unit, period and node (unit-major, periods ascending, nodes
        in ``ev.node_codes`` order) with columns

        - ``unit, name, period, node, level``;
        - ``score``; ``score_change`` (against the previous period, NaN in the
          first) and ``score_change_base`` (against the base period);
        - ``rank``; ``rank_change`` = previous rank − rank, so that a positive
          change means the unit climbed; ``rank_change_base`` likewise against
          the base period;
        - for indicators (NaN for aggregates), from the raw values
          ``ev.panel.values``: ``value``, ``value_change``, ``value_change_base``,
          ``growth`` = value_change / |previous value| and ``growth_base`` =
          value_change_base / |base value|, NaN where the reference value is 0.

        Raw changes keep the indicator's own sign: a fall of a lower-is-better
        indicator is an improvement, which its ``score_change`` shows.

    Warns
    -----
    IncomparableScoresWarning
        When the method's scores do not compare across periods.

    Examples
    --------
    >>> import zongheng as zh
    >>> from zongheng.testing import make_framework, make_panel
    >>> fw = make_framework({"I": ["a", "b"]})
    >>> ev = zh.build(fw, make_panel(fw, [[[0, 0], [10, 10]], [[5, 10], [10, 10]]]))
    >>> progress(ev, nodes=["I"])[["unit", "period", "score", "score_change", "rank_change"]]
      unit period  score  score_change  rank_change
    0   U0   2020    0.0           NaN         <NA>
    1   U0   2021   75.0          75.0            0
    2   U1   2020  100.0           NaN         <NA>
    3   U1   2021  100.0           0.0            0
    """
    _warn_if_incomparable(ev)
    b = 0 if base is None else period_position(ev, base, "base")
    cols = list(range(len(ev.node_codes))) if nodes is None else [
        node_position(ev, n, "nodes") for n in nodes]
    n_p, n_u, _ = ev.scores.shape
    n_ind = len(ev.framework.indicator_codes)
    raw = np.full(ev.scores.shape, np.nan)
    raw[..., :n_ind] = ev.panel.values
    scores, ranks, raw = ev.scores[..., cols], ev.ranks[..., cols], raw[..., cols]

    score_change, score_change_base = _changes(scores, b)
    rank_change, rank_change_base = (-c for c in _changes(ranks, b))
    value_change, value_change_base = _changes(raw, b)
    previous = np.full(raw.shape, np.nan)
    previous[1:] = raw[:-1]
    growth = _growth(value_change, previous)
    growth_base = _growth(value_change_base, np.broadcast_to(raw[b], raw.shape))

    def flat(a: np.ndarray) -> np.ndarray:  # (period, unit, node) → rows unit-major
        return np.moveaxis(a, 1, 0).ravel()

    u, p, k = (a.ravel() for a in np.indices((n_u, n_p, len(cols))))
    codes = np.asarray(ev.node_codes, dtype=object)[cols]
    levels = np.array([ev.framework.levels[c] for c in codes], dtype=int)
    return pd.DataFrame({
        "unit": np.asarray(ev.panel.units, dtype=object)[u],
        "name": np.asarray(ev.panel.names(), dtype=object)[u],
        "period": np.asarray(ev.panel.periods, dtype=object)[p],
        "node": codes[k], "level": levels[k],
        "score": flat(scores), "score_change": flat(score_change),
        "score_change_base": flat(score_change_base),
        "rank": _int(flat(ranks)), "rank_change": _int(flat(rank_change)),
        "rank_change_base": _int(flat(rank_change_base)),
        "value": flat(raw), "value_change": flat(value_change),
        "value_change_base": flat(value_change_base),
        "growth": flat(growth), "growth_base": flat(growth_base),
    })


def most_improved(ev: Evaluation, period: Hashable | None = None, node: str | None = None,
                  k: int = 10, by: str = "score") -> pd.DataFrame:
    """Return the units that improved most in one period (进步最大的单位).

    Parameters
    ----------
    ev : Evaluation
    period : period label, optional
        The period whose change against the one before is ranked; the last by default.
    node : str, optional
        The node whose progress counts; the index by default.
    k : int, default 10
        How many places to list. Places are competition ranks of the
        improvement, so units tied at place ``k`` are all listed. Changes
        closer than 2⁻⁴⁰ of the scores' extent tie (the tolerance of every
        rank, see :mod:`zongheng.steps.rank`): the same real change computed
        from different scores differs by float noise.
    by : {"score", "rank"}
        Rank by the score change, or by the places climbed (ties in places
        climbed are listed by score change, sharing their place).

    Returns
    -------
    DataFrame
        ``place, unit, name, score, score_change, rank, previous_rank,
        rank_change``, sorted by place; units without a change (no score in
        either period) are left out.

    Raises
    ------
    MethodError
        When the period is the first (nothing to compare with), or an option is invalid.
    """
    _check_option(by in ("score", "rank"), "by", "score | rank", by)
    _check_option(isinstance(k, int | np.integer) and not isinstance(k, bool) and k >= 1,
                  "k", "a positive integer", k)
    _warn_if_incomparable(ev)
    p = period_position(ev, period)
    q = previous_position(ev, p)
    n = node_position(ev, node)
    score, rank = ev.scores[p, :, n], ev.ranks[p, :, n]
    score_change = score - ev.scores[q, :, n]
    rank_change = ev.ranks[q, :, n] - rank
    # Rounding errors of a change follow the scores, not the change: the tolerance does too.
    by_change = competition_rank(score_change, axis=0, extent=_extent(ev.scores[[q, p], :, n]))
    place = by_change if by == "score" else competition_rank(rank_change, axis=0)
    frame = pd.DataFrame({
        "place": place, "unit": ev.panel.units, "name": ev.panel.names(), "score": score,
        "score_change": score_change, "rank": _int(rank), "previous_rank": _int(ev.ranks[q, :, n]),
        "rank_change": _int(rank_change), "_by_change": by_change,
    })
    frame = frame[place <= k].sort_values(["place", "_by_change", "unit"], kind="stable")
    frame["place"] = frame["place"].astype(int)
    return frame.drop(columns="_by_change").reset_index(drop=True)


def _extent(scores: np.ndarray) -> float:
    """Return the largest magnitude of the scores (0 when none is known)."""
    known = scores[np.isfinite(scores)]
    return float(np.abs(known).max()) if known.size else 0.0


def annual_assessment(ev: Evaluation, alpha: float = 0.5,
                      period: Hashable | None = None) -> pd.DataFrame:
    r"""Annual assessment of level and progress (年度考核: 水平 + 进步).

    .. math:: A_u = \alpha L_u + (1 - \alpha) P_u

    with :math:`L_u` the unit's index score in the period and :math:`P_u` its
    index score change against the previous period, rescaled by min-max over
    the assessed units onto the range of their levels:

    .. math:: P_u = L_{\min} + (L_{\max} - L_{\min})
              \frac{\Delta_u - \Delta_{\min}}{\Delta_{\max} - \Delta_{\min}}

    so that both parts have the same spread and :math:`\alpha` is the real
    share of level in the assessment (a component with a wider spread would
    otherwise weigh more whatever :math:`\alpha` says). When every change is
    equal, :math:`P_u` is the middle of the level range. The assessed units
    are those with a score in both periods; the others get no assessment.

    Parameters
    ----------
    ev : Evaluation
    alpha : float, default 0.5
        Share of the level, between 0 and 1.
    period : period label, optional
        The assessed period; the last by default. It needs a previous period.

    Returns
    -------
    DataFrame
        ``rank, unit, name, assessment, level, level_rank, score_change,
        progress, progress_rank``, sorted by ``rank`` (competition ranks of the
        assessment).
    """
    _check_option(isinstance(alpha, int | float | np.floating) and not isinstance(alpha, bool)
                  and 0 <= alpha <= 1, "alpha", "a number between 0 and 1", alpha)
    _warn_if_incomparable(ev)
    p = period_position(ev, period)
    q = previous_position(ev, p)
    n = node_position(ev, None)
    level = ev.scores[p, :, n]
    change = level - ev.scores[q, :, n]
    assessed = ~np.isnan(change)
    scaled = np.full(level.shape, np.nan)
    if assessed.any():
        lo, hi = level[assessed].min(), level[assessed].max()
        c_lo, c_hi = change[assessed].min(), change[assessed].max()
        share = (change - c_lo) / (c_hi - c_lo) if c_hi > c_lo else np.full(level.shape, 0.5)
        scaled = np.where(assessed, lo + (hi - lo) * share, np.nan)
    assessment = alpha * level + (1 - alpha) * scaled

    def ranked(values: np.ndarray, extent: float | None = None) -> pd.arrays.IntegerArray:
        return _int(competition_rank(values, axis=0, extent=extent))

    frame = pd.DataFrame({
        "rank": ranked(assessment), "unit": ev.panel.units, "name": ev.panel.names(),
        "assessment": assessment, "level": level, "level_rank": _int(ev.ranks[p, :, n]),
        "score_change": change, "progress": scaled,
        "progress_rank": ranked(change, _extent(ev.scores[[q, p], :, n])),
    })
    frame = frame.sort_values(["rank", "unit"], na_position="last", kind="stable")
    return frame.reset_index(drop=True)
