"""What-if scenarios (情景模拟): change some raw values and see every unit's new score and rank.

A scenario is a list of changes, one per row, from Python, a DataFrame, a
YAML file or a CSV/Excel sheet::

    unit, indicator, value | change [, period]
    永康, 亩均税收, 32.5            # a new raw value
    永康, R&D 经费占比, , 0.1       # +10 % of the value now

:func:`whatif` checks every row at once (an unknown unit or indicator is a
:class:`~zongheng.errors.DataError` naming the row), applies the changes and
rebuilds the evaluation in full (every learned parameter learned again), or
replays it with the parameters frozen (``refit=False``), and returns the index
and rank of every unit before and after.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zongheng.analysis.path import indicator_position
from zongheng.errors import DataError, MethodError, Problem
from zongheng.evaluation import Evaluation
from zongheng.i18n import register_messages, text
from zongheng.io.tables import parse_number, read_table
from zongheng.io.yaml_file import read_yaml
from zongheng.steps.rank import competition_rank, group_rank

__all__ = ["WhatIfResult", "read_scenario", "whatif"]

register_messages({
    "whatif_unknown_unit": (
        "单位 '{unit}' 不在数据中（按代码或名称查找）",
        "the unit '{unit}' is not in the data (looked up by code or name)",
    ),
    "whatif_unknown_indicator": (
        "指标 '{indicator}' 不是指标体系中的指标代码或名称",
        "the indicator '{indicator}' is neither an indicator code nor name in the framework",
    ),
    "whatif_unknown_period": (
        "时期 '{period}' 不在数据中（已有: {found}）",
        "the period '{period}' is not in the data (found: {found})",
    ),
    "whatif_value_or_change": (
        "每行需给出 value（新值）或 change（相对变化，如 0.1 = +10%）之一，不能{what}",
        "each row needs either value (a new raw value) or change (relative, e.g. 0.1 = +10 %), "
        "not {what}",
    ),
    "whatif_not_number": (
        "{column} 的值 '{value}' 不是数字",
        "the {column} '{value}' is not a number",
    ),
    "whatif_change_of_missing": (
        "单位 '{unit}' 在 {period} 没有指标 {indicator} 的数值，不能按比例变化；请用 value 给出新值",
        "the unit '{unit}' has no value of indicator {indicator} in {period}, so it cannot change "
        "by a share; give a new value instead",
    ),
    "whatif_duplicate": (
        "单位 '{unit}'、指标 {indicator}、时期 {period} 重复（首次出现在 {first}）",
        "unit '{unit}', indicator {indicator}, period {period} is repeated (first at {first})",
    ),
    "whatif_empty": ("情景中没有任何变化", "the scenario has no changes"),
    "whatif_bad_scenario": (
        "情景应为变化的列表（每项含 unit、indicator 与 value 或 change），实际为 {found}",
        "a scenario is a list of changes (each with unit, indicator and value or change); "
        "got {found}",
    ),
    "whatif_neither": ("两者都没有", "neither"),
    "whatif_both": ("两者都给", "both"),
})

COLUMNS: dict[str, tuple[str, ...]] = {
    "unit": ("unit", "单位", "单位代码", "单位名称", "unit_code", "地区", "county", "区县"),
    "indicator": ("indicator", "指标", "指标代码", "指标名称", "indicator_code"),
    "value": ("value", "new_value", "新值", "数值", "值"),
    "change": ("change", "relative_change", "变化", "变化率", "变动", "增幅"),
    "period": ("period", "时期", "年份", "年度", "year"),
}


@dataclass(frozen=True)
class WhatIfResult:
    """The outcome of a what-if scenario (情景模拟结果).

    Attributes
    ----------
    period : hashable
        The period the table shows.
    refit : bool
        True: full rebuild (parameters learned again); False: parameters frozen.
    group : str or None
        The group column of the in-group ranks, if any.
    changes : DataFrame
        The changes applied: ``unit, name, period, indicator, indicator_name,
        before, after, change_pct``.
    table : DataFrame
        A row per unit: ``unit, name, changed`` (the scenario touches it),
        ``index_before, index_after, index_change, rank_before, rank_after,
        rank_change`` (places climbed: positive is up) and, with a group,
        ``<group>, rank_in_group_before, rank_in_group_after``; sorted by the
        new rank.
    values : ndarray
        The raw panel values with the changes, (period, unit, indicator).
    scores : ndarray
        The new scores of every node, (period, unit, node).
    evaluation : Evaluation or None
        The rebuilt evaluation (``refit=True``).
    """

    period: Hashable
    refit: bool
    group: str | None
    changes: pd.DataFrame
    table: pd.DataFrame
    values: np.ndarray = field(repr=False)
    scores: np.ndarray = field(repr=False)
    evaluation: Evaluation | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the result as plain data (tables as lists of records), for JSON."""
        return {"period": self.period, "refit": self.refit, "group": self.group,
                "changes": self.changes.to_dict("records"),
                "table": self.table.to_dict("records")}


# -- reading a scenario -------------------------------------------------------------------------


def _columns(names: Sequence[object]) -> dict[str, str]:
    """Map the canonical fields to the columns (or keys) that hold them, case-insensitive."""
    lower = {str(c).strip().lower(): str(c) for c in names}
    out = {}
    for canonical, aliases in COLUMNS.items():
        hit = next((lower[a] for a in aliases if a in lower), None)
        if hit is not None:
            out[canonical] = hit
    return out


def read_scenario(source: str | Path | pd.DataFrame | Sequence[Mapping[str, Any]]
                  ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Read a scenario's rows with where each came from (for messages).

    Parameters
    ----------
    source : path, DataFrame or list of mappings
        A ``.yaml``/``.yml`` file (a list of changes, or ``{changes: [...]}``),
        a CSV/Excel/Parquet table, a DataFrame, or a list of dicts. Fields
        (case-insensitive, Chinese accepted): ``unit`` (单位), ``indicator``
        (指标: code or name), ``value`` (新值) or ``change`` (变化率, a share
        such as ``0.1`` or ``"10%"``), optional ``period`` (时期).

    Returns
    -------
    list of (row, location)
        ``row`` has the canonical keys present; ``location`` is keyword
        arguments of :class:`~zongheng.errors.Problem`.

    Raises
    ------
    DataError
        If the file cannot be read, the shape is wrong or a required column is missing.
    """
    if isinstance(source, str | Path) and Path(source).suffix.lower() in (".yaml", ".yml"):
        return _yaml_rows(Path(source))
    if isinstance(source, str | Path | pd.DataFrame):
        table = read_table(source)
        mapping = _columns(table.frame.columns)
        missing = [c for c in ("unit", "indicator") if c not in mapping]
        if missing:
            raise DataError([Problem("missing_column", {"column": c}, file=table.file)
                             for c in missing])
        rows = []
        for pos, record in enumerate(table.frame.to_dict("records")):
            row = {k: record[col] for k, col in mapping.items()}
            rows.append((row, table.where(pos)))
        return rows
    if isinstance(source, Sequence) and all(isinstance(r, Mapping) for r in source):
        return [_record(r, {"key": f"changes[{i}]"}) for i, r in enumerate(source)]
    raise DataError([Problem("whatif_bad_scenario", {"found": type(source).__name__})])


def _record(record: Mapping[str, Any], where: dict[str, Any]) -> tuple[dict[str, Any], dict]:
    mapping = _columns(list(record))
    return {k: record[col] for k, col in mapping.items()}, where


def _yaml_rows(path: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    doc = read_yaml(path, error=DataError)
    if isinstance(doc, Mapping):
        doc = doc.get("changes", doc.get("情景"))
    if not isinstance(doc, list) or not all(isinstance(r, Mapping) for r in doc):
        raise DataError([Problem("whatif_bad_scenario", {"found": type(doc).__name__},
                                 file=path.name)])
    return [_record(r, {"file": path.name, "key": f"changes[{i}]"}) for i, r in enumerate(doc)]


# -- checking and applying ----------------------------------------------------------------------


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def _share(value: object) -> float | None:
    """Return a relative change: ``0.1``, ``"0.1"``, ``"10%"`` or ``"+10 %"`` → 0.1."""
    if isinstance(value, str) and value.strip().endswith(("%", "％")):
        number = parse_number(value.strip()[:-1])
        return None if number is None or math.isnan(number) else number / 100.0
    number = parse_number(value)
    return None if number is None or math.isnan(number) else number


def _unit_position(ev: Evaluation, unit: object) -> int | None:
    """Return the unit's position, or None so that the caller reports the row."""
    try:
        return ev.unit_position(unit)
    except MethodError:
        return None


def _period_position(ev: Evaluation, period: object) -> int | None:
    if _blank(period):
        return len(ev.panel.periods) - 1
    if isinstance(period, float) and period.is_integer():
        period = int(period)
    try:
        return ev.period_position(period)
    except MethodError:
        return None


@dataclass
class _Change:
    p: int
    u: int
    i: int
    value: float | None
    share: float | None


def _check(ev: Evaluation, rows: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[_Change]:
    """Check every row and return the changes; raise one DataError listing every problem."""
    problems: list[Problem] = []
    changes: list[_Change] = []
    seen: dict[tuple[int, int, int], dict] = {}
    if not rows:
        raise DataError([Problem("whatif_empty")])
    for row, where in rows:
        here = len(problems)
        u = _unit_position(ev, row.get("unit"))
        if u is None:
            problems.append(Problem("whatif_unknown_unit", {"unit": row.get("unit")}, **where))
        i = indicator_position(ev, row.get("indicator"))
        if i is None:
            problems.append(Problem("whatif_unknown_indicator",
                                    {"indicator": row.get("indicator")}, **where))
        p = _period_position(ev, row.get("period"))
        if p is None:
            problems.append(Problem("whatif_unknown_period", {
                "period": row.get("period"), "found": ", ".join(map(str, ev.panel.periods))},
                **where))
        has_value, has_change = not _blank(row.get("value")), not _blank(row.get("change"))
        value = share = None
        if has_value == has_change:
            what = "whatif_both" if has_value else "whatif_neither"
            problems.append(Problem("whatif_value_or_change", {"what": text(what)}, **where))
        elif has_value:
            value = parse_number(row["value"])
            if value is None or math.isnan(value):
                problems.append(Problem("whatif_not_number",
                                        {"column": "value", "value": row["value"]}, **where))
        else:
            share = _share(row["change"])
            if share is None:
                problems.append(Problem("whatif_not_number",
                                        {"column": "change", "value": row["change"]}, **where))
        if len(problems) > here:
            continue
        key = (p, u, i)
        if key in seen:
            problems.append(Problem("whatif_duplicate", {
                "unit": ev.panel.units[u], "indicator": ev.framework.indicator_codes[i],
                "period": ev.panel.periods[p], "first": Problem("whatif_duplicate", **seen[key])},
                **where))
            continue
        seen[key] = where
        if share is not None and np.isnan(ev.panel.values[p, u, i]):
            problems.append(Problem("whatif_change_of_missing", {
                "unit": ev.panel.units[u], "indicator": ev.framework.indicator_codes[i],
                "period": ev.panel.periods[p]}, **where))
            continue
        changes.append(_Change(p, u, i, value, share))
    if problems:
        raise DataError(problems)
    return changes


def _apply(ev: Evaluation, changes: list[_Change]) -> np.ndarray:
    values = np.array(ev.panel.values, copy=True)
    for c in changes:  # a loop over the scenario's rows (a handful), not over units
        now = values[c.p, c.u, c.i]
        values[c.p, c.u, c.i] = c.value if c.value is not None else now * (1.0 + c.share)
    return values


def _changes_table(ev: Evaluation, changes: list[_Change], values: np.ndarray) -> pd.DataFrame:
    p = np.array([c.p for c in changes])
    u = np.array([c.u for c in changes])
    i = np.array([c.i for c in changes])
    before, after = ev.panel.values[p, u, i], values[p, u, i]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(before != 0, 100.0 * (after - before) / np.abs(before), np.nan)
    inds = ev.framework.indicators
    names = ev.panel.names()
    return pd.DataFrame({
        "unit": [ev.panel.units[k] for k in u], "name": [names[k] for k in u],
        "period": [ev.panel.periods[k] for k in p],
        "indicator": [inds[k].code for k in i],
        "indicator_name": [inds[k].name or inds[k].name_en or inds[k].code for k in i],
        "before": before, "after": after, "change_pct": pct,
    })


def whatif(ev: Evaluation, changes: str | Path | pd.DataFrame | Sequence[Mapping[str, Any]], *,
           refit: bool = True, period: Hashable | None = None,
           group: str | None = None) -> WhatIfResult:
    """Simulate a scenario (情景模拟): every unit's new score and rank after some values change.

    Parameters
    ----------
    ev : Evaluation
    changes : path, DataFrame or list of mappings
        The scenario, read by :func:`read_scenario`: rows of ``unit`` (code or
        name), ``indicator`` (code, Chinese or English name), and either
        ``value`` (the new raw value) or ``change`` (relative: ``0.1`` or
        ``"10%"`` is +10 % of the value now), with an optional ``period``
        (the last by default).
    refit : bool, default True
        True: rebuild in full, learning every parameter (min/max, caps,
        imputed values, data-driven weights) again, as a new year's build
        would. False: replay with the parameters frozen, to see the effect of
        the changes alone.
    period : hashable, optional
        The period of the table; by default the latest period the scenario changes.
    group : str, optional
        A group column: adds the ranks within each unit's group.

    Returns
    -------
    WhatIfResult

    Raises
    ------
    DataError
        Listing every row that names an unknown unit, indicator or period, has
        both or neither of value and change, a value that is not a number, a
        relative change of a missing value, or repeats a cell.

    Examples
    --------
    >>> import zongheng as zh
    >>> from zongheng.analysis.whatif import whatif
    >>> ds = zh.datasets.load("asem")
    >>> ev = zh.build(ds.framework, ds.panel, ds.method)
    >>> result = whatif(ev, [{"unit": "MLT", "indicator": "IGOs", "change": "20%"}])
    >>> row = result.table.set_index("unit").loc["MLT"]
    >>> int(row["rank_before"]), int(row["rank_after"])
    (10, 9)
    """
    checked = _check(ev, read_scenario(changes))
    if group is not None and group not in ev.panel.groups:
        raise DataError([Problem("method_unknown_group", {
            "group": group, "found": ", ".join(ev.panel.groups)}, key="group")])
    values = _apply(ev, checked)
    if period is None:
        p = max(c.p for c in checked)
    else:
        p = _period_position(ev, period)
        if p is None:
            raise DataError([Problem("whatif_unknown_period", {
                "period": period, "found": ", ".join(map(str, ev.panel.periods))})])
    rebuilt = ev.with_values(values) if refit else None
    scores = rebuilt.scores if rebuilt is not None else ev.replay(values)
    table = _table(ev, scores, rebuilt, p, group, {c.u for c in checked})
    return WhatIfResult(ev.panel.periods[p], refit, group, _changes_table(ev, checked, values),
                        table, values, scores, rebuilt)


def _table(ev: Evaluation, scores: np.ndarray, rebuilt: Evaluation | None, p: int,
           group: str | None, touched: set[int]) -> pd.DataFrame:
    """Return the before/after table of one period, sorted by the new rank."""
    root = len(ev.node_codes) - 1
    new_ranks = rebuilt.ranks if rebuilt is not None else competition_rank(scores, axis=-2)
    table = pd.DataFrame({
        "unit": ev.panel.units, "name": ev.panel.names(),
        "changed": [u in touched for u in range(len(ev.panel.units))],
        "index_before": ev.scores[p, :, root], "index_after": scores[p, :, root],
    })
    table["index_change"] = table["index_after"] - table["index_before"]
    before, after = ev.ranks[p, :, root], new_ranks[p, :, root]
    table["rank_before"] = pd.array(before, dtype="Float64").astype("Int64")
    table["rank_after"] = pd.array(after, dtype="Float64").astype("Int64")
    table["rank_change"] = table["rank_before"] - table["rank_after"]
    if group is not None:
        labels = ev.panel.group(group)
        new_group = (rebuilt.group_ranks(group) if rebuilt is not None
                     else group_rank(scores, labels, axis=-2))
        table[group] = labels
        table["rank_in_group_before"] = pd.array(ev.group_ranks(group)[p, :, root],
                                                 dtype="Float64").astype("Int64")
        table["rank_in_group_after"] = pd.array(new_group[p, :, root],
                                                dtype="Float64").astype("Int64")
        # A unit with a blank group cell has no group rank: its change is missing too (<NA>).
        table["rank_in_group_change"] = table["rank_in_group_before"] - table["rank_in_group_after"]
    table = table.sort_values(["rank_after", "unit"], na_position="last", kind="stable")
    return table.reset_index(drop=True)
