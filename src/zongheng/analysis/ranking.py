"""Ranking among peers (横向比进位): ranks and rank changes, tiers, award rules.

- :func:`ranking_table`: each unit's rank overall and within its peer groups
  (e.g. 山区26县 or not), and the places it climbed since the previous period.
- :func:`add_tiers`: peer groups by a threshold rule (分档), e.g. the former
  工业强县 tiers by above-scale industrial output (Ⅰ ≥1000亿, Ⅱ 500–1000亿,
  Ⅲ <500亿); build with the returned panel to rank within tiers.
- :func:`read_award_rule` and :func:`evaluate_award`: who wins an award such as
  浙江制造天工鼎 (top 20 non-mountain counties, top 6 of the 山区26县) in each
  period, and who earns its streak award (金鼎 after three consecutive wins).

Ranks are competition ranks (1, 2, 2, 4), so a tie at the cut-off lets every
tied unit in: with "top 20", two units tied at rank 20 both win (21 winners).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zongheng.analysis.progress import node_position, period_position
from zongheng.errors import MethodError, Problem
from zongheng.evaluation import Evaluation
from zongheng.i18n import register_messages, text
from zongheng.io.yaml_file import read_yaml
from zongheng.panel import Panel

__all__ = [
    "AwardResult",
    "AwardRule",
    "AwardSelection",
    "StreakRule",
    "add_tiers",
    "evaluate_award",
    "ranking_table",
    "read_award_rule",
]

register_messages({
    "tier_unknown_variable": (
        "分档变量 '{variable}' 既不是指标、分母，也不是单位属性（指标: {indicators}；分母: {denominators}；"
        "属性: {attributes}）",
        "the tier variable '{variable}' is neither an indicator, a denominator nor a unit attribute "
        "(indicators: {indicators}; denominators: {denominators}; attributes: {attributes})",
    ),
    "tier_not_numeric": (
        "分档变量 '{variable}' 必须是数值，单位 '{unit}' 的值为 {value!r}",
        "the tier variable '{variable}' must be numeric; unit '{unit}' has {value!r}",
    ),
    "tier_bad_thresholds": (
        "分档阈值必须是至少一个严格递增的有限数，实际为 {thresholds!r}",
        "the thresholds must be one or more finite numbers in strictly ascending order, "
        "got {thresholds!r}",
    ),
    "tier_bad_labels": (
        "{n} 个阈值分出 {expected} 档，需要 {expected} 个标签，实际为 {found} 个",
        "{n} threshold(s) make {expected} tiers, so {expected} labels are needed; got {found}",
    ),
    "tier_name_taken": (
        "单位属性中已有列 '{name}'，请换一个分档列名",
        "the unit attributes already have a column '{name}'; choose another tier name",
    ),
    "award_not_mapping": (
        "应为映射（键: 值），实际为 {found!r}",
        "expected a mapping (key: value), got {found!r}",
    ),
    "award_unknown_key": (
        "未知的键 '{name}'（可用: {allowed}）",
        "unknown key '{name}' (known: {allowed})",
    ),
    "award_missing_key": ("缺少必需的键 '{name}'", "the required key '{name}' is missing"),
    "award_bad_value": (
        "应为 {expected}，实际为 {found!r}",
        "expected {expected}, got {found!r}",
    ),
    "award_value_without_group": (
        "给出了 value 却没有 group：value 是分组列 group 中的一个取值",
        "value is given without group: value is one label of the group column",
    ),
    "award_none": (
        "没有评奖规则：请给出规则文件，或在指标体系的 meta.award 中声明",
        "no award rule: give a rule file or declare it under meta.award in the framework",
    ),
    "award_unknown_value": (
        "分组列 '{group}' 中没有取值 {value!r}（已有: {found}）",
        "the group column '{group}' has no label {value!r} (found: {found})",
    ),
    "award_default_rule": ("{group}={value} 前{top}名", "top {top} of {group}={value}"),
    "award_default_rule_groups": ("{group} 各组前{top}名", "top {top} of each {group}"),
    "award_default_rule_all": ("前{top}名", "top {top}"),
    "award_default_name": ("奖项", "award"),
    "award_default_streak": ("连续{n}次获奖", "{n} wins in a row"),
})


# -- ranking table -------------------------------------------------------------------------------


def _check_groups(ev: Evaluation, groups: Sequence[str], key: str) -> list[str]:
    groups = [groups] if isinstance(groups, str) else list(groups)
    unknown = [g for g in groups if g not in ev.panel.groups]
    if unknown:
        raise MethodError([Problem("method_unknown_group", {
            "group": g, "found": ", ".join(ev.panel.groups)}, key=key) for g in unknown])
    return groups


def _int(values: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.array(np.asarray(values, dtype=np.float64), dtype="Float64").astype("Int64")


def ranking_table(ev: Evaluation, period: Hashable | None = None, groups: Sequence[str] = (), *,
                  node: str | None = None) -> pd.DataFrame:
    """Return ranks overall and within peer groups, with rank changes (横向比进位).

    Parameters
    ----------
    ev : Evaluation
    period : period label, optional
        The last by default.
    groups : sequence of str
        Group columns of the units (e.g. ``["mountain26", "city"]``).
    node : str, optional
        The node ranked; the index by default.

    Returns
    -------
    DataFrame
        ``rank, previous_rank, rank_change, unit, name, score, score_change``,
        then for each group column ``g``: ``g`` (the unit's label),
        ``rank_in_g`` and ``rank_change_in_g``. A rank change is previous rank
        − rank, so positive means the unit climbed; it is missing in the first
        period. Sorted by rank (unranked units last).

    Raises
    ------
    MethodError
        When a group column, the period or the node is unknown.
    """
    groups = _check_groups(ev, groups, "groups")
    p = period_position(ev, period)
    n = node_position(ev, node)
    q = p - 1

    def before(array: np.ndarray) -> np.ndarray:
        return array[q, :, n] if q >= 0 else np.full(array.shape[1], np.nan)

    score, rank = ev.scores[p, :, n], ev.ranks[p, :, n]
    frame = pd.DataFrame({
        "rank": _int(rank), "previous_rank": _int(before(ev.ranks)),
        "rank_change": _int(before(ev.ranks) - rank), "unit": ev.panel.units,
        "name": ev.panel.names(), "score": score, "score_change": score - before(ev.scores),
    })
    for g in groups:
        ranks = ev.group_ranks(g)
        frame[g] = ev.panel.group(g)
        frame[f"rank_in_{g}"] = _int(ranks[p, :, n])
        frame[f"rank_change_in_{g}"] = _int(before(ranks) - ranks[p, :, n])
    frame = frame.sort_values(["rank", "unit"], na_position="last", kind="stable")
    return frame.reset_index(drop=True)


# -- tiers ---------------------------------------------------------------------------------------


def _number_label(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def tier_labels(thresholds: Sequence[float]) -> list[str]:
    """Return the default tier labels: ``<t0``, ``t0–t1`` (t0 ≤ x < t1), …, ``≥tn``.

    Examples
    --------
    >>> tier_labels([500, 1000])
    ['<500', '500–1000', '≥1000']
    """
    t = [_number_label(v) for v in thresholds]
    return [f"<{t[0]}", *(f"{a}–{b}" for a, b in pairwise(t)), f"≥{t[-1]}"]


def _tier_variable(panel: Panel, variable: str, period: Hashable | None) -> np.ndarray:
    """Return the variable's value for each unit: an indicator, a denominator or an attribute."""
    def at_period() -> int:
        if period is None:
            return len(panel.periods) - 1
        try:
            return panel.period_index(period)
        except KeyError:
            raise MethodError([Problem("method_unknown_period", {
                "period": period, "found": ", ".join(map(str, panel.periods))}, key="period")]
            ) from None

    if variable in panel.indicators:
        return panel.values[at_period(), :, panel.indicators.index(variable)]
    if variable in panel.denominator_codes:
        return panel.denominators[at_period(), :, panel.denominator_codes.index(variable)]
    if variable in panel.groups:
        column = panel.attributes[variable]
        numbers = pd.to_numeric(column, errors="coerce")
        bad = numbers.isna() & column.notna()
        if bad.any():
            unit = bad.idxmax()
            raise MethodError([Problem("tier_not_numeric", {
                "variable": variable, "unit": unit, "value": column[unit]}, key="variable")])
        return numbers.to_numpy(dtype=np.float64)
    raise MethodError([Problem("tier_unknown_variable", {
        "variable": variable, "indicators": ", ".join(panel.indicators),
        "denominators": ", ".join(panel.denominator_codes) or "—",
        "attributes": ", ".join(panel.groups) or "—"}, key="variable")])


def add_tiers(panel: Panel, name: str, variable: str, thresholds: Sequence[float],
              labels: Sequence[str] | None = None, period: Hashable | None = None) -> Panel:
    """Return the panel with a tier column (分档) made by a threshold rule.

    A unit with value ``x`` falls in tier *i* when ``thresholds[i-1] ≤ x <
    thresholds[i]``: below the first threshold is the first tier, at or above
    the last is the last. A unit whose value is missing gets no tier (and so
    no rank within tiers).

    Parameters
    ----------
    panel : Panel
    name : str
        The new attribute column; build with the returned panel and
        ``ev.group_ranks(name)`` ranks within tiers.
    variable : str
        An indicator code (its raw value), a denominator code, or a numeric
        unit attribute; looked up in that order.
    thresholds : sequence of float
        Strictly ascending.
    labels : sequence of str, optional
        One per tier (``len(thresholds) + 1``), lowest tier first; by default
        ``<t0``, ``t0–t1``, …, ``≥tn``.
    period : period label, optional
        The period whose indicator or denominator value sets the tier; the
        last by default (the former 工业强县 tiers used the previous year's
        output). Tiers are one label per unit, common to every period.

    Returns
    -------
    Panel

    Examples
    --------
    >>> from zongheng.testing import make_framework, make_panel
    >>> fw = make_framework({"I": ["output"]})
    >>> panel = add_tiers(make_panel(fw, [[1200], [700], [300]]), "tier", "output", [500, 1000],
    ...                   labels=["Ⅲ", "Ⅱ", "Ⅰ"])
    >>> panel.group("tier").tolist()
    ['Ⅰ', 'Ⅱ', 'Ⅲ']
    """
    if name in panel.attributes.columns:
        raise MethodError([Problem("tier_name_taken", {"name": name}, key="name")])
    try:
        cuts = np.asarray(thresholds, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        cuts = np.array([np.nan])
    if cuts.size == 0 or not np.isfinite(cuts).all() or (np.diff(cuts) <= 0).any():
        raise MethodError([Problem("tier_bad_thresholds", {"thresholds": list(thresholds)},
                                   key="thresholds")])
    labels = tier_labels(cuts) if labels is None else [str(v) for v in labels]
    if len(labels) != cuts.size + 1:
        raise MethodError([Problem("tier_bad_labels", {
            "n": cuts.size, "expected": cuts.size + 1, "found": len(labels)}, key="labels")])
    x = _tier_variable(panel, variable, period)
    tier = np.searchsorted(cuts, x, side="right")  # number of thresholds ≤ x
    column = np.where(np.isnan(x), None, np.asarray(labels, dtype=object)[np.minimum(tier, cuts.size)])
    attributes = panel.attributes.copy()
    attributes[name] = column
    return Panel(panel.values, panel.units, panel.periods, panel.indicators, attributes,
                 panel.denominators, panel.denominator_codes, panel.source, dict(panel.meta))


# -- award rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AwardSelection:
    """One way to win an award (评选规则): the top ``top`` units of a group.

    Parameters
    ----------
    top : int
        Units ranked ``≤ top`` win (competition ranks: ties at the cut-off all win).
    group : str, optional
        A group column; units are ranked within their group. Over all units when absent.
    value : label, optional
        The group label this rule selects from (e.g. ``0`` = not a mountain
        county); every group of the column when absent.
    name : str
        How winners by this rule are named (e.g. 山区26县前6).
    """

    top: int
    group: str | None = None
    value: Hashable | None = None
    name: str = ""


@dataclass(frozen=True)
class StreakRule:
    """A streak award (连续获奖): ``consecutive`` wins in a row earn it.

    Parameters
    ----------
    consecutive : int
        Wins in a row needed (≥ 2).
    name : str
        The streak award's name (e.g. 金鼎).
    reset : bool, default True
        Start counting again after the streak award: six wins in a row earn
        it twice (3rd and 6th), not four times (3rd to 6th). ``False`` awards
        it at every win from the ``consecutive``-th in a row on.
    """

    consecutive: int
    name: str = ""
    reset: bool = True


@dataclass(frozen=True)
class AwardRule:
    """An award rule (评奖规则): a unit wins in a period if any selection picks it."""

    name: str
    rules: tuple[AwardSelection, ...]
    streak: StreakRule | None = None
    node: str | None = None


@dataclass(frozen=True)
class AwardResult:
    """Winners of an award in every period and its streaks (获奖名单与连续获奖).

    Attributes
    ----------
    rule : AwardRule
    winners : DataFrame
        ``period, rule, unit, name, group, group_value, rank, score, run``: one
        row per period and selection that picked the unit; ``rank`` is the rank
        within the group (overall without a group); ``run`` the wins in a row
        up to and including this period.
    streaks : DataFrame
        ``period, unit, name, won, run, toward, awarded`` for every unit and
        period: ``run`` = consecutive wins ending in this period (0 when not
        won), ``toward`` = wins counted toward the next streak award (after a
        reset, 0 in the period of the award), ``awarded`` = earns the streak
        award in this period. ``toward`` is missing without a streak rule.
    streak_awards : DataFrame
        ``period, unit, name, award``: the units earning the streak award in each period.
    current : DataFrame
        ``unit, name, run, toward, streak_awards`` in the last period, sorted
        by ``run`` (longest first): the current consecutive wins and the
        number of streak awards earned so far.
    """

    rule: AwardRule
    winners: pd.DataFrame
    streaks: pd.DataFrame
    streak_awards: pd.DataFrame
    current: pd.DataFrame


_AWARD_KEYS = ("name", "rules", "streak", "node")
_RULE_KEYS = ("group", "value", "top", "name")
_STREAK_KEYS = ("consecutive", "name", "reset")


class _Checker:
    """Collect every problem of an award rule, each at its YAML key."""

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def report(self, kind: str, key: str, **params: object) -> None:
        self.problems.append(Problem(kind, params, file=self.file, key=key))

    def mapping(self, value: object, key: str, allowed: Sequence[str]) -> dict | None:
        if not isinstance(value, Mapping):
            self.report("award_not_mapping", key, found=value)
            return None
        for k in value:
            if k not in allowed:
                self.report("award_unknown_key", f"{key}.{k}", name=k, allowed=", ".join(allowed))
        return dict(value)

    def integer(self, spec: dict, key: str, name: str, minimum: int) -> int | None:
        if name not in spec:
            self.report("award_missing_key", f"{key}.{name}", name=name)
            return None
        value = spec[name]
        ok = isinstance(value, int | float) and not isinstance(value, bool) and \
            math.isfinite(value) and float(value).is_integer() and value >= minimum
        if not ok:
            self.report("award_bad_value", f"{key}.{name}", expected=f"an integer ≥ {minimum}",
                        found=value)
            return None
        return int(value)

    def string(self, spec: dict, key: str, name: str) -> str | None:
        value = spec.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float) or not str(value).strip():
            self.report("award_bad_value", f"{key}.{name}", expected="text", found=value)
            return None
        return str(value).strip()


def _selection(check: _Checker, spec: object, key: str) -> AwardSelection | None:
    spec = check.mapping(spec, key, _RULE_KEYS)
    if spec is None:
        return None
    top = check.integer(spec, key, "top", 1)
    group = check.string(spec, key, "group")
    value = spec.get("value")
    ok = top is not None and ("group" not in spec or group is not None)
    if value is not None and "group" not in spec:
        check.report("award_value_without_group", f"{key}.value")
        ok = False
    elif isinstance(value, Mapping | list):
        check.report("award_bad_value", f"{key}.value", expected="one group label", found=value)
        ok = False
    name = check.string(spec, key, "name")
    if not ok:
        return None
    if name is None:
        name = (text("award_default_rule_all", top=top) if group is None else
                text("award_default_rule_groups", group=group, top=top) if value is None else
                text("award_default_rule", group=group, value=value, top=top))
    return AwardSelection(top=top, group=group, value=value, name=name)


def _streak(check: _Checker, spec: object, key: str) -> StreakRule | None:
    spec = check.mapping(spec, key, _STREAK_KEYS)
    if spec is None:
        return None
    n = check.integer(spec, key, "consecutive", 2)
    name = check.string(spec, key, "name")
    reset = spec.get("reset", True)
    if not isinstance(reset, bool):
        check.report("award_bad_value", f"{key}.reset", expected="true or false", found=reset)
        return None
    if n is None:
        return None
    return StreakRule(consecutive=n, name=name or text("award_default_streak", n=n), reset=reset)


def _award(check: _Checker, doc: object, key: str) -> AwardRule | None:
    spec = check.mapping(doc, key, _AWARD_KEYS)
    if spec is None:
        return None
    rules_spec = spec.get("rules")
    selections: list[AwardSelection | None] = []
    if "rules" not in spec:
        check.report("award_missing_key", f"{key}.rules", name="rules")
    elif not isinstance(rules_spec, list) or not rules_spec:
        check.report("award_bad_value", f"{key}.rules", expected="a non-empty list of rules",
                     found=rules_spec)
    else:
        selections = [_selection(check, r, f"{key}.rules[{i}]") for i, r in enumerate(rules_spec)]
    streak = _streak(check, spec["streak"], f"{key}.streak") if spec.get("streak") is not None \
        else None
    name = check.string(spec, key, "name") or text("award_default_name")
    node = check.string(spec, key, "node")
    if check.problems:
        return None
    return AwardRule(name=name, rules=tuple(s for s in selections if s is not None),
                     streak=streak, node=node)


def read_award_rule(source: str | Path | Mapping[str, Any]) -> AwardRule:
    """Read and validate an award rule (读取评奖规则) from a YAML file or a mapping.

    The rule may stand under an ``award:`` key (as in a rule file) or alone
    (as in ``framework.meta["award"]``)::

        award:
          name: 天工鼎
          node: I                     # optional: the node ranked (the index by default)
          rules:                      # a unit wins in a period if any rule selects it
            - {group: mountain26, value: 0, top: 20, name: 非山区县前20}
            - {group: mountain26, value: 1, top: 6, name: 山区26县前6}
          streak: {consecutive: 3, name: 金鼎}    # optional; reset: true by default

    Raises
    ------
    MethodError
        Listing every unknown key, missing key and bad value, each at its key
        (e.g. ``award.rules[1].top``).
    """
    file = None
    doc: object = source
    if isinstance(source, str | Path):
        path = Path(source)
        file = path.name
        doc = read_yaml(path, error=MethodError)
    check = _Checker(file)
    key = "award"
    if isinstance(doc, Mapping) and "award" in doc:
        extra = [k for k in doc if k != "award"]
        for k in extra:
            check.report("award_unknown_key", str(k), name=k, allowed="award")
        doc = doc["award"]
    rule = _award(check, doc, key)
    if check.problems or rule is None:
        raise MethodError(check.problems)
    return rule


def _same_label(label: object, value: object) -> bool:
    """Whether a group label is the rule's value; ``0``, ``"0"`` and ``0.0`` match (CSV vs YAML)."""
    if label == value or str(label).strip() == str(value).strip():
        return True
    try:
        return float(str(label)) == float(str(value))
    except ValueError:
        return False


def _members(labels: np.ndarray, group: str, value: Hashable | None, key: str) -> np.ndarray:
    """Return which units belong to the selection's group (every labelled unit when no value)."""
    known = pd.Series(labels).dropna().unique()
    if value is None:
        return pd.Series(labels).notna().to_numpy()
    hits = [lab for lab in known if _same_label(lab, value)]  # a loop over labels, not units
    if not hits:
        raise MethodError([Problem("award_unknown_value", {
            "group": group, "value": value, "found": ", ".join(map(str, known))}, key=key)])
    return pd.Series(labels).isin(hits).to_numpy()


def _streak_arrays(won: np.ndarray, streak: StreakRule | None
                   ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Return run, toward and awarded, each (period, unit), from who won each period."""
    run = np.zeros(won.shape, dtype=int)
    toward = np.zeros(won.shape, dtype=int) if streak else None
    awarded = np.zeros(won.shape, dtype=bool)
    for t in range(won.shape[0]):  # a loop over periods; every unit at once
        run[t] = np.where(won[t], (run[t - 1] if t else 0) + 1, 0)
        if streak is None:
            continue
        count = np.where(won[t], (toward[t - 1] if t else 0) + 1, 0)
        if streak.reset:
            awarded[t] = won[t] & (count == streak.consecutive)
            toward[t] = np.where(awarded[t], 0, count)
        else:
            awarded[t] = won[t] & (count >= streak.consecutive)
            toward[t] = count
    return run, toward, awarded


def evaluate_award(ev: Evaluation, rule: AwardRule | str | Path | Mapping[str, Any] | None = None
                   ) -> AwardResult:
    """Find the winners of an award in every period and its streaks (评奖).

    Parameters
    ----------
    ev : Evaluation
    rule : AwardRule, path or mapping, optional
        The rule, or a file or mapping :func:`read_award_rule` reads; by
        default ``ev.framework.meta["award"]``.

    Returns
    -------
    AwardResult

    Notes
    -----
    Periods are taken as consecutive rounds of the award in panel order; a
    unit without a score in a period (screened out) does not win, which breaks
    its streak. The streak count restarts after a streak award unless the
    rule says ``reset: false`` (see :class:`StreakRule`): 天工鼎's 金鼎
    certifies one run of three 天工鼎 wins, so a fourth win in a row does not
    earn a second 金鼎 on the strength of two wins already rewarded.

    Raises
    ------
    MethodError
        When there is no rule, or it names a group column, label or node the evaluation lacks.
    """
    if rule is None:
        rule = ev.framework.meta.get("award")
        if rule is None:
            raise MethodError([Problem("award_none", key="award")])
    if not isinstance(rule, AwardRule):
        rule = read_award_rule(rule)
    n = node_position(ev, rule.node, "award.node")
    problems: list[Problem] = []
    for i, sel in enumerate(rule.rules):
        if sel.group is not None and sel.group not in ev.panel.groups:
            problems.append(Problem("method_unknown_group", {
                "group": sel.group, "found": ", ".join(ev.panel.groups)},
                key=f"award.rules[{i}].group"))
    if problems:
        raise MethodError(problems)

    n_p, n_u = ev.scores.shape[:2]
    selected = np.zeros((len(rule.rules), n_p, n_u), dtype=bool)
    rank_used = np.full((len(rule.rules), n_p, n_u), np.nan)
    for i, sel in enumerate(rule.rules):  # a loop over rules; every period and unit at once
        if sel.group is None:
            ranks, members = ev.ranks[..., n], np.ones(n_u, dtype=bool)
        else:
            ranks = ev.group_ranks(sel.group)[..., n]
            members = _members(ev.panel.group(sel.group), sel.group, sel.value,
                               f"award.rules[{i}].value")
        rank_used[i] = ranks
        selected[i] = members[None, :] & (ranks <= sel.top)

    won = selected.any(axis=0)
    run, toward, awarded = _streak_arrays(won, rule.streak)
    units = np.asarray(ev.panel.units, dtype=object)
    names = np.asarray(ev.panel.names(), dtype=object)
    periods = np.asarray(ev.panel.periods, dtype=object)

    r, p, u = np.nonzero(selected)
    rule_names = np.asarray([s.name for s in rule.rules], dtype=object)
    rule_groups = np.asarray([s.group for s in rule.rules], dtype=object)
    group_values = np.full(len(r), None, dtype=object)
    for i, sel in enumerate(rule.rules):
        if sel.group is not None:
            group_values[r == i] = ev.panel.group(sel.group)[u[r == i]]
    winners = pd.DataFrame({
        "period": periods[p], "rule": rule_names[r], "unit": units[u], "name": names[u],
        "group": rule_groups[r], "group_value": group_values, "rank": _int(rank_used[r, p, u]),
        "score": ev.scores[p, u, n], "run": run[p, u],
    })
    winners = winners.assign(_p=p, _r=r).sort_values(["_p", "_r", "rank", "unit"], kind="stable")
    winners = winners.drop(columns=["_p", "_r"]).reset_index(drop=True)

    pp, uu = (a.ravel() for a in np.indices((n_p, n_u)))
    streaks = pd.DataFrame({
        "period": periods[pp], "unit": units[uu], "name": names[uu], "won": won.ravel(),
        "run": run.ravel(),
        "toward": _int(toward.ravel()) if toward is not None else _int(np.full(pp.size, np.nan)),
        "awarded": awarded.ravel(),
    })
    streak_name = rule.streak.name if rule.streak else ""
    hit_p, hit_u = np.nonzero(awarded)
    streak_awards = pd.DataFrame({"period": periods[hit_p], "unit": units[hit_u],
                                  "name": names[hit_u], "award": streak_name})
    current = pd.DataFrame({
        "unit": units, "name": names, "run": run[-1],
        "toward": _int(toward[-1]) if toward is not None else _int(np.full(n_u, np.nan)),
        "streak_awards": awarded.sum(axis=0),
    }).sort_values(["run", "unit"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return AwardResult(rule, winners, streaks, streak_awards, current)
