"""Strengths and weaknesses (找问题): where a unit leads, lags and slipped among its peers.

For one unit in one period, every indicator's normalised value is ranked
within the unit's peer group (all units, or those sharing its label in a
group column). Indicators where the unit is among the best *k* are its
strengths (优势指标), those where it is among the worst *k* its weaknesses
(短板指标), and those whose raw value moved the wrong way since the previous
period are declines (退步指标): a lower-is-better indicator declines when its
value rises.

The helpers :func:`select_unit` and :func:`dimension_of` are shared with
:mod:`zongheng.analysis.gap`.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from zongheng.errors import MethodError, Problem, ZonghengError
from zongheng.evaluation import Evaluation
from zongheng.framework import Framework
from zongheng.i18n import register_messages
from zongheng.steps.rank import group_codes

__all__ = ["KINDS", "strengths"]

register_messages({
    "sw_unknown_unit": (
        "单位 '{unit}' 不在数据中（已有: {known}）",
        "the unit '{unit}' is not in the data (known: {known})",
    ),
    "sw_unit_screened": (
        "单位 '{unit}' 在 {period} 被筛选排除、没有得分（见 Evaluation.screened），"
        "无法分析其优势短板、差距与路径",
        "the unit '{unit}' is screened out in {period} and has no score (see Evaluation.screened): "
        "it has no strengths, weaknesses, gaps or path to show",
    ),
    "sw_unit_without_group": (
        "单位 '{unit}' 在分组列 '{group}' 中没有取值，无法确定其对标组",
        "the unit '{unit}' has no label in the group column '{group}', so it has no peer group",
    ),
    "sw_unit_unscored": (
        "单位 '{unit}' 在 {period} 没有总得分（未参评或数据不足）",
        "the unit '{unit}' has no index score in {period} (screened out or too little data)",
    ),
    "sw_bad_k": (
        "k 必须是正整数，实际为 {k!r}",
        "k must be a positive integer, got {k!r}",
    ),
})

KINDS = ("strength", "weakness", "declined")
"""The kinds of rows :func:`strengths` returns, in their order."""

COLUMNS = ["kind", "indicator", "name", "dimension", "rank", "group_size", "normalised",
           "value", "imputed", "previous", "unit_of_measure", "change", "change_normalised",
           "department"]

_SHOWN_UNITS = 8  # how many known units an "unknown unit" message lists


@dataclass(frozen=True)
class Selection:
    """A unit, a period and the unit's peer group, as positions in an evaluation.

    Attributes
    ----------
    unit : str
        The unit's code.
    u, p : int
        Positions of the unit and the period.
    period : hashable
        The period's label.
    group : str or None
        The group column (``None``: every unit is a peer).
    label : object
        The unit's label in ``group`` (``None`` without a group).
    members : ndarray of bool, shape (unit,)
        Which units are in the peer group, the unit itself included.
    """

    unit: str
    u: int
    p: int
    period: Hashable
    group: str | None
    label: object
    members: np.ndarray


def resolve_unit(evaluation: Evaluation, unit: str) -> int:
    """Return the position of a unit given by code, or by name when no code matches.

    Raises
    ------
    MethodError
        Naming the unit and listing a few known units.
    """
    return evaluation.unit_position(unit)


def resolve_period(evaluation: Evaluation, period: Hashable | None) -> int:
    """Return the position of a period (the last when ``None``); MethodError if unknown."""
    return evaluation.period_position(period)


def select_unit(evaluation: Evaluation, unit: str, period: Hashable | None,
                group: str | None) -> Selection:
    """Resolve a unit, a period and the unit's peer group.

    Raises
    ------
    MethodError
        For an unknown unit, period or group column, or a unit without a
        label in the group column.
    """
    panel = evaluation.panel
    u = resolve_unit(evaluation, unit)
    p = resolve_period(evaluation, period)
    included = evaluation.record("screen").state.included_
    if not included[p, u]:
        raise MethodError([Problem("sw_unit_screened", {"unit": panel.units[u],
                                                        "period": panel.periods[p]}, key="unit")])
    if group is None:
        return Selection(panel.units[u], u, p, panel.periods[p], None, None,
                         np.ones(len(panel.units), dtype=bool))
    if group not in panel.groups:
        raise MethodError([Problem("method_unknown_group", {
            "group": group, "found": ", ".join(panel.groups)})])
    codes = group_codes(panel.group(group))  # −1: no label (None, NaN, blank)
    if codes[u] < 0:
        raise MethodError([Problem("sw_unit_without_group", {"unit": panel.units[u],
                                                             "group": group}, key="group")])
    label = panel.group(group)[u]
    return Selection(panel.units[u], u, p, panel.periods[p], group, label, codes == codes[u])


def dimension_of(framework: Framework) -> dict[str, str]:
    """Return the top-level dimension (the index's child) each indicator belongs to."""
    dimensions = set(framework.dimensions)
    out = {}
    for code in framework.indicator_codes:
        node = code
        while node not in dimensions:
            node = framework.by_code[node].parent
        out[code] = node
    return out


def strengths(evaluation: Evaluation, unit: str, *, period: Hashable | None = None,
              group: str | None = None, k: int = 3) -> pd.DataFrame:
    """Strengths, weaknesses and declines of one unit (找问题: 优势、短板、退步指标).

    Parameters
    ----------
    evaluation : Evaluation
    unit : str
        The unit's code (or its name, when unique).
    period : hashable, optional
        The period (the last by default).
    group : str, optional
        A group column: peers are the units with the unit's label (e.g. the
        same prefecture city or 山区26县); every unit by default.
    k : int, default 3
        Size of the top and the bottom.

    Returns
    -------
    DataFrame
        One row per indicator and kind, strengths first (best rank first),
        then weaknesses (worst first), then declines (largest fall of the
        normalised value first). Columns:

        - ``kind``: ``strength`` (the unit is among the best *k* of its group
          on that indicator), ``weakness`` (among the worst *k*) or
          ``declined`` (the raw value moved in the bad direction since the
          previous period);
        - ``indicator, name, dimension`` (the top-level dimension);
        - ``rank, group_size``: competition rank of the normalised value in
          the group (1 = best) and the number of peers with a value;
        - ``normalised``; ``value, previous`` (raw, this and the previous
          period) and ``unit_of_measure``; ``change`` (raw) and
          ``change_normalised`` since the previous period;
        - ``imputed``: the value the method filled in where the data had none
          (NaN for a reported value, and for a value filled only after
          normalisation, whose ``value`` is NaN and ``normalised`` known). An
          imputed value is neither a strength nor a weakness nor a decline: it
          says nothing the data said;
        - ``department`` (牵头单位).

        An indicator can appear twice (e.g. a strength that declined).
        ``attrs`` holds ``unit, period, previous_period, group, label``.

    Notes
    -----
    With *better* (*worse*) the number of peers strictly above (below) the
    unit, an indicator is a strength when ``better < k`` and ``better <
    worse``, a weakness when ``worse < k`` and ``worse < better``. In a group
    of at least ``2k`` units without ties this is simply rank ≤ k or rank >
    size − k; the second condition keeps an indicator on which the unit sits
    in the middle of a small group, or ties with everyone, out of both lists.

    Raises
    ------
    MethodError
        For an unknown unit (naming it and listing known units), period or
        group column, or a ``k`` below 1.
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise MethodError([Problem("sw_bad_k", {"k": k})])
    sel = select_unit(evaluation, unit, period, group)
    table = _indicator_table(evaluation, sel)
    better, worse = table.pop("_better"), table.pop("_worse")
    declined = table.pop("_declined")
    # An imputed value is the method's guess, not the unit's result: no strength, weakness
    # or decline is read from it.
    reported = table.pop("_reported")
    known = table["normalised"].notna() & reported
    strong = known & (better < k) & (better < worse)
    weak = known & (worse < k) & (worse < better)
    declined = declined & reported
    parts = [
        table[strong].sort_values(["rank", "_weight"], ascending=[True, False], kind="stable")
        .assign(kind="strength"),
        table[weak].sort_values(["rank", "_weight"], ascending=[False, False], kind="stable")
        .assign(kind="weakness"),
        table[declined].sort_values("change_normalised", kind="stable")
        .assign(kind="declined"),
    ]
    out = pd.concat([part for part in parts if len(part)] or [table.iloc[:0].assign(kind="")],
                    ignore_index=True)
    out = out[COLUMNS].astype({"rank": "Int64", "group_size": "Int64"})
    out.attrs.update({
        "unit": sel.unit, "period": sel.period, "group": sel.group, "label": sel.label,
        "previous_period": evaluation.panel.periods[sel.p - 1] if sel.p > 0 else None,
    })
    return out


def _indicator_table(evaluation: Evaluation, sel: Selection) -> pd.DataFrame:
    """Return every indicator's rank among the peers, values and change for the unit."""
    fw = evaluation.framework
    n_ind = len(fw.indicator_codes)
    normalised = evaluation.scores[sel.p, :, :n_ind]
    mine = normalised[sel.u]
    peers = normalised[sel.members]
    # Comparisons with NaN are False, so peers without a value count neither above nor below.
    better = (peers > mine).sum(axis=0)
    worse = (peers < mine).sum(axis=0)
    raw = evaluation.panel.values[:, sel.u, :]
    value = raw[sel.p]
    imputed = np.where(np.isnan(value) & ~np.isnan(mine), _filled(evaluation, sel), np.nan)
    previous = raw[sel.p - 1] if sel.p > 0 else np.full(n_ind, np.nan)
    change = value - previous
    change_normalised = mine - (evaluation.scores[sel.p - 1, sel.u, :n_ind] if sel.p > 0
                                else np.full(n_ind, np.nan))
    with np.errstate(invalid="ignore"):
        declined = fw.directions * change < 0  # NaN (no previous value) is never a decline
    dims = dimension_of(fw)
    weights = evaluation.effective_weights
    known = ~np.isnan(mine)
    return pd.DataFrame({
        "indicator": list(fw.indicator_codes),
        "name": [i.name or i.code for i in fw.indicators],
        "dimension": [dims[c] for c in fw.indicator_codes],
        "rank": np.where(known, better + 1, np.nan),
        "group_size": (~np.isnan(peers)).sum(axis=0),
        "normalised": mine, "value": value, "imputed": imputed, "previous": previous,
        "unit_of_measure": [i.unit for i in fw.indicators],
        "change": change, "change_normalised": change_normalised,
        "department": [i.department for i in fw.indicators],
        "_better": better, "_worse": worse, "_declined": declined, "_reported": ~np.isnan(value),
        "_weight": [weights[c] for c in fw.indicator_codes],
    })


def _filled(evaluation: Evaluation, sel: Selection) -> np.ndarray:
    """Return the unit's values after imputation (as data, before treatment) in the period.

    A value filled only after normalisation (sibling mean) has no raw counterpart: it is
    shown as imputed with its normalised score (NaN here). A build that kept only its final
    scores cannot say which value was filled: NaN.
    """
    try:
        return np.asarray(evaluation.stage("imputed")[sel.p, sel.u], dtype=np.float64)
    except ZonghengError:
        return np.full(len(evaluation.framework.indicator_codes), np.nan)
