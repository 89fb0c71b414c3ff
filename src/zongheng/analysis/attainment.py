"""Target attainment and early warning (目标达成与预警) of supervision indicators.

What a 生态文明建设情况报告 (and any target-driven report to the People's
Congress) tabulates for each indicator: the value, the target, whether it is
attained (达标/未达标), the gap, the change on the previous period (同比) and
the five-year trend (宁波 asks for both, domain.md §2.2), and a traffic light
(预警) that says which indicators need attention.

Everything is computed on the raw values of a :class:`~zongheng.panel.Panel`
(no normalisation), as whole arrays ``(period, unit, indicator)``.

Rules (达标规则, the indicator's ``rule``): ``">="`` attained when the value is
at least the target, ``"<="`` at most the target, ``"yes"`` a yes/no item done
when the value is 1 (its target is 1 unless the framework says otherwise). An
indicator without a rule follows its direction (``+`` → ``>=``, ``-`` → ``<=``).

The default warning rule (:class:`WarningRule`)::

    green  = attained and not worsening
    yellow = attained but worsening,
             or not attained, within ``near`` (5 %) of the target and not worsening
    red    = not attained and (worsening or more than ``near`` away from the target)

"Worsening" is the year-on-year change against the indicator's direction
(``basis: yoy``) or the trend slope (``basis: trend``).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from zongheng.errors import DataError, MethodError, Problem
from zongheng.framework import Framework
from zongheng.i18n import get_lang, register_messages
from zongheng.io.yaml_file import read_yaml
from zongheng.panel import Panel

__all__ = [
    "COLUMNS",
    "WarningRule",
    "attainment",
    "display",
    "labels",
    "read_warning_rule",
    "summary",
    "trend_slopes",
    "value_label",
]

# What each warning-rule key must be, in both languages (one message per key).
_EXPECTED = {
    "near": ("不小于 0 的比例，如 0.05 或 '5%'", "a share ≥ 0 such as 0.05 or '5%'"),
    "basis": ("yoy（同比）或 trend（趋势）", "yoy (同比) or trend (趋势)"),
    "tolerance": ("不小于 0 的比例，如 0 或 '1%'", "a share ≥ 0 such as 0 or '1%'"),
    "window": ("不小于 2 的整数", "a whole number ≥ 2"),
    "min_points": ("2 到 window 之间的整数", "a whole number from 2 to window"),
    "strict": ("true 或 false", "true or false"),
}
register_messages({
    f"att_rule_bad_{key}": (f"预警规则参数 {key} 应为 {zh}，实际为 {{value!r}}",
                            f"the warning-rule key {key} must be {en}, got {{value!r}}")
    for key, (zh, en) in _EXPECTED.items()
})
register_messages({
    "att_rule_unknown_key": (
        "未知的预警规则参数 '{key}'（可用: {allowed}）",
        "unknown warning-rule key '{key}' (known: {allowed})",
    ),
    "att_rule_bad_shape": (
        "预警规则应为键值映射（near、basis …），实际为 {found}",
        "a warning rule must be a mapping (near, basis …), got {found}",
    ),
    "att_unknown_unit": (
        "数据中没有单位 '{unit}'（已有: {found}）",
        "the unit '{unit}' is not in the data (found: {found})",
    ),
    "att_unknown_period": (
        "数据中没有时期 '{period}'（已有: {found}）",
        "the period '{period}' is not in the data (found: {found})",
    ),
    "att_missing_indicators": (
        "数据缺少指标体系中的指标: {codes}",
        "the data lack indicators of the framework: {codes}",
    ),
})

# -- the warning rule ------------------------------------------------------------------------

_BASES = {"yoy": "yoy", "同比": "yoy", "trend": "trend", "趋势": "trend"}


@dataclass(frozen=True)
class WarningRule:
    """An early-warning rule (预警规则): when an indicator's light is green, yellow or red.

    Parameters
    ----------
    near : float, default 0.05
        How far short of the target an unattained indicator may be and still
        be yellow, as a share of the target (0.05 = within 5 %). A target of 0
        has no relative scale: any shortfall from it is "far".
    basis : {"yoy", "trend"}, default "yoy"
        What says an indicator is worsening: the change on the previous period
        (同比) or the slope of the trend line (趋势).
    tolerance : float, default 0.0
        A change (or a slope per period) no larger than this share of the
        previous value (or of the window's mean) counts as stable, neither
        better nor worse.
    window : int, default 5
        Number of periods in the trend line (the last five years).
    min_points : int, default 3
        Fewest values in the window for a trend to be computed.
    strict : bool, default False
        If true, an unattained indicator near its target is yellow only when
        improving (stable or unknown is red); by default stable is enough.
    """

    near: float = 0.05
    basis: str = "yoy"
    tolerance: float = 0.0
    window: int = 5
    min_points: int = 3
    strict: bool = False

    def __post_init__(self) -> None:
        problems = _rule_problems(asdict(self))
        if problems:
            raise MethodError(problems)

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any] | None, *, file: str | None = None) -> WarningRule:
        """Read a rule from a mapping (a ``warning:`` section or the mapping itself).

        ``near`` and ``tolerance`` may be written as a share (``0.05``) or a
        percentage (``"5%"``); ``basis`` as ``同比``/``趋势`` too.

        Raises
        ------
        MethodError
            Naming every unknown key and bad value.
        """
        if doc is None:
            return cls()
        if not isinstance(doc, Mapping):
            raise MethodError([Problem("att_rule_bad_shape", {"found": type(doc).__name__},
                                       file=file)])
        prefix = ""
        if set(doc) == {"warning"}:
            doc, prefix = doc["warning"] or {}, "warning."
            if not isinstance(doc, Mapping):
                raise MethodError([Problem("att_rule_bad_shape", {"found": type(doc).__name__},
                                           file=file, key="warning")])
        allowed = list(cls.__dataclass_fields__)
        problems = [Problem("att_rule_unknown_key", {"key": k, "allowed": ", ".join(allowed)},
                            file=file, key=f"{prefix}{k}") for k in doc if k not in allowed]
        values = {k: v for k, v in doc.items() if k in allowed}
        for key in ("near", "tolerance"):
            if isinstance(values.get(key), str):
                values[key] = _percent(values[key])
        if isinstance(values.get("basis"), str):
            values["basis"] = _BASES.get(values["basis"].strip().lower(), values["basis"])
        problems += [_relocate(p, prefix, file) for p in _rule_problems({**asdict(cls()),
                                                                          **values})]
        if problems:
            raise MethodError(problems)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Return the rule as the mapping written to YAML."""
        return asdict(self)


def _relocate(problem: Problem, prefix: str, file: str | None) -> Problem:
    """Return the problem located in ``file`` at ``prefix + key``."""
    return Problem(problem.kind, problem.params, file=file, key=f"{prefix}{problem.key}")


def _percent(text: str) -> object:
    """Read ``"5%"`` as 0.05 and ``"0.05"`` as 0.05; leave anything else for validation."""
    raw = text.strip().replace("％", "%")
    try:
        return float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        return text


def _rule_problems(values: Mapping[str, Any]) -> list[Problem]:
    """Check every field of a rule; return a problem per bad value."""
    problems: list[Problem] = []

    def bad(key: str) -> None:
        problems.append(Problem(f"att_rule_bad_{key}", {"value": values[key]}, key=key))

    def number(value: object) -> bool:
        return (isinstance(value, int | float) and not isinstance(value, bool)
                and math.isfinite(value))

    if not (number(values["near"]) and values["near"] >= 0):
        bad("near")
    if values["basis"] not in ("yoy", "trend"):
        bad("basis")
    if not (number(values["tolerance"]) and values["tolerance"] >= 0):
        bad("tolerance")
    window_ok = isinstance(values["window"], int) and not isinstance(values["window"], bool) \
        and values["window"] >= 2
    if not window_ok:
        bad("window")
    points = values["min_points"]
    if not (isinstance(points, int) and not isinstance(points, bool) and points >= 2
            and (not window_ok or points <= values["window"])):
        bad("min_points")
    if not isinstance(values["strict"], bool):
        bad("strict")
    return problems


def read_warning_rule(path: str | Path) -> WarningRule:
    """Read a warning rule from a YAML file (预警规则文件).

    The file holds the fields of :class:`WarningRule`, at the top or under ``warning:``::

        near: 10%        # within 10 % of the target and not worsening: yellow
        basis: trend     # worsening = the five-year trend goes the wrong way

    Raises
    ------
    MethodError
        If the file is missing or not YAML, or a key or value is wrong.
    """
    path = Path(path)
    doc = read_yaml(path, error=MethodError)
    return WarningRule.from_dict(doc, file=path.name)


# -- the computation --------------------------------------------------------------------------

COLUMNS = (
    "unit", "unit_name", "period", "aspect", "aspect_name", "aspect_name_en", "indicator", "name",
    "name_en",
    "measure", "category", "rule", "direction", "department", "value", "target", "attained",
    "gap", "gap_pct", "previous", "change", "change_pct", "change_dir", "slope", "trend", "light",
)
"""Columns of :func:`attainment`'s table, in order."""

_RULE_SIGN = {">=": 1.0, "yes": 1.0, "<=": -1.0}


def trend_slopes(values: np.ndarray, x: np.ndarray, window: int = 5,
                 min_points: int = 3) -> np.ndarray:
    """Return the least-squares slope over the last ``window`` periods at every period (趋势斜率).

    Parameters
    ----------
    values : ndarray, shape (period, ...)
        Values; NaN is left out of the fit.
    x : ndarray, shape (period,)
        Position of each period (e.g. the year).
    window, min_points : int
        Periods in the window ending at each period, and the fewest values
        needed (fewer, or all at one x, gives NaN).

    Returns
    -------
    ndarray, same shape as ``values``
        Slope per unit of ``x`` of the line fitted to the window ending there.
    """
    values = np.asarray(values, dtype=np.float64)
    pad = np.full((window - 1,) + values.shape[1:], np.nan)
    y = sliding_window_view(np.concatenate([pad, values]), window, axis=0)  # (P, ..., W)
    xs = sliding_window_view(np.concatenate([np.full(window - 1, np.nan),
                                             np.asarray(x, dtype=np.float64)]), window)
    xs = xs.reshape(xs.shape[:1] + (1,) * (values.ndim - 1) + xs.shape[1:])
    mask = ~np.isnan(y) & ~np.isnan(xs)
    n = mask.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        x_mean = np.where(mask, xs, 0).sum(axis=-1) / n
        y_mean = np.where(mask, y, 0).sum(axis=-1) / n
        dx = np.where(mask, xs - x_mean[..., None], 0)
        dy = np.where(mask, y - y_mean[..., None], 0)
        sxx = (dx * dx).sum(axis=-1)
        slope = (dx * dy).sum(axis=-1) / sxx
    return np.where((n >= min_points) & (sxx > 0), slope, np.nan)


def _signal(delta: np.ndarray, scale: np.ndarray, direction: np.ndarray,
            tolerance: float) -> np.ndarray:
    """Return +1 better, −1 worse, 0 stable, NaN unknown for changes ``delta`` of size vs ``scale``."""
    signed = np.sign(delta) * direction
    with np.errstate(invalid="ignore", divide="ignore"):
        small = np.abs(delta) <= tolerance * np.abs(scale)
    return np.where(np.isnan(delta), np.nan, np.where(small, 0.0, signed))


def _period_positions(periods: Sequence[Hashable]) -> np.ndarray:
    """Return years as numbers when every period is one, else positions 0, 1, 2."""
    try:
        numbers = np.array([float(str(p)) for p in periods])
    except ValueError:
        return np.arange(len(periods), dtype=np.float64)
    return numbers if np.all(np.diff(numbers) > 0) else np.arange(len(periods), dtype=np.float64)


def _select_units(panel: Panel, unit: str | Sequence[str] | None) -> list[int]:
    if unit is None:
        return list(range(len(panel.units)))
    wanted = [unit] if isinstance(unit, str) else list(unit)
    names = panel.names()
    positions: list[int] = []
    problems: list[Problem] = []
    for u in wanted:
        u = str(u).strip()
        if u in panel.units:
            positions.append(panel.units.index(u))
        elif u in names:
            positions.append(names.index(u))
        else:
            problems.append(Problem("att_unknown_unit", {"unit": u, "found": ", ".join(panel.units)},
                                    file=panel.source))
    if problems:
        raise DataError(problems)
    return positions


def _select_periods(panel: Panel, period: Hashable | Sequence[Hashable] | None) -> list[int]:
    if period is None:
        return list(range(len(panel.periods)))
    wanted = [period] if isinstance(period, str | int) or not isinstance(period, Sequence) \
        else list(period)
    positions: list[int] = []
    problems: list[Problem] = []
    for p in wanted:
        try:
            positions.append(panel.period_index(p))
        except KeyError:
            problems.append(Problem("att_unknown_period", {
                "period": p, "found": ", ".join(map(str, panel.periods))}, file=panel.source))
    if problems:
        raise DataError(problems)
    return positions


def _aspects(framework: Framework) -> list[str]:
    """Return the top-level dimension (方面) of each indicator: its ancestor below the index."""
    root = framework.root.code
    out = []
    for ind in framework.indicators:
        code = ind.code
        while framework.node(code).parent not in (root, None):
            code = framework.node(code).parent  # type: ignore[assignment]
        out.append(code if code != ind.code else root)
    return out


def attainment(framework: Framework, panel: Panel, *, unit: str | Sequence[str] | None = None,
               period: Hashable | Sequence[Hashable] | None = None,
               rule: WarningRule | None = None) -> pd.DataFrame:
    """Return the attainment of every indicator, per unit and period (目标达成情况表).

    Parameters
    ----------
    framework : Framework
        Indicators with ``target`` and ``rule`` (and ``category``, ``department``).
    panel : Panel
        Raw values; earlier periods feed the change and the trend.
    unit : str or sequence of str, optional
        Units by code or name; all by default.
    period : hashable or sequence, optional
        Periods to return (``2024`` or ``"2024"``); all by default.
    rule : WarningRule, optional
        The early-warning rule; :class:`WarningRule()` by default.

    Returns
    -------
    DataFrame
        One row per unit, period and indicator with the columns of
        :data:`COLUMNS`: ``value``, ``target``, ``attained`` (nullable
        boolean; missing where the value or target is), ``gap`` (value −
        target), ``gap_pct`` (gap as % of the target), ``previous``,
        ``change`` and ``change_pct`` on the previous period, ``change_dir``
        (better / worse / same), ``slope`` (per year of the trend line over
        ``rule.window`` periods), ``trend`` (improving / worsening / stable)
        and ``light`` (green / yellow / red). Labels for display:
        :func:`labels`, :func:`display`.

    Raises
    ------
    DataError
        If a unit or period is not in the data, or the data lack an indicator.
    """
    rule = rule or WarningRule()
    codes = framework.indicator_codes
    missing = [c for c in codes if c not in panel.indicators]
    if missing:
        raise DataError([Problem("att_missing_indicators", {"codes": ", ".join(missing)},
                                 file=panel.source)])
    units = _select_units(panel, unit)
    periods = _select_periods(panel, period)
    columns = [panel.indicators.index(c) for c in codes]
    values = panel.values[:, units][:, :, columns]                      # (P, U, I), all periods

    inds = framework.indicators
    direction = framework.directions                                     # (I,)
    rules = np.array([i.rule or (">=" if i.direction > 0 else "<=") for i in inds], dtype=object)
    sign = np.array([_RULE_SIGN[r] for r in rules])
    target = np.array([1.0 if (i.target is None and r == "yes") else
                       (np.nan if i.target is None else i.target) for i, r in zip(inds, rules,
                                                                                   strict=True)])

    gap = values - target
    # Equal to the target within rounding counts as attained (30.2 vs 30.2 read from text).
    eps = 1e-9 * np.maximum(1.0, np.abs(target))
    known = ~np.isnan(gap)
    attained = known & (sign * gap >= -eps)
    with np.errstate(invalid="ignore", divide="ignore"):
        gap_pct = np.where(target != 0, gap / np.abs(target) * 100, np.nan)
        shortfall = np.where(attained, 0.0, np.where(target != 0, -sign * gap / np.abs(target),
                                                     np.inf))

    previous = np.concatenate([np.full((1,) + values.shape[1:], np.nan), values[:-1]])
    change = values - previous
    with np.errstate(invalid="ignore", divide="ignore"):
        change_pct = np.where(previous != 0, change / np.abs(previous) * 100, np.nan)
    change_signal = _signal(change, previous, direction, rule.tolerance)

    slope = trend_slopes(values, _period_positions(panel.periods), rule.window, rule.min_points)
    window_mean = _window_means(values, rule.window)
    trend_signal = _signal(slope, window_mean, direction, rule.tolerance)

    signal = change_signal if rule.basis == "yoy" else trend_signal
    worse = signal == -1
    better = signal == 1
    near = (shortfall <= rule.near) & (better if rule.strict else ~worse)
    light = np.select([~known, attained & ~worse, attained | near],
                      [None, "green", "yellow"], "red")

    sel = (periods, slice(None), slice(None))
    arrays = {
        "value": values, "target": np.broadcast_to(target, values.shape), "attained": attained,
        "known": known, "gap": gap, "gap_pct": gap_pct, "previous": previous, "change": change,
        "change_pct": change_pct, "change_signal": change_signal, "slope": slope,
        "trend_signal": trend_signal, "light": light,
    }
    arrays = {k: np.asarray(v)[sel] for k, v in arrays.items()}
    n_p, n_u, n_i = arrays["value"].shape
    p_idx, u_idx, i_idx = (a.ravel() for a in np.meshgrid(np.arange(n_p), np.arange(n_u),
                                                          np.arange(n_i), indexing="ij"))
    unit_codes = np.asarray(panel.units, dtype=object)[units]
    unit_names = np.asarray(panel.names(), dtype=object)[units]
    period_labels = np.asarray(panel.periods, dtype=object)[periods]
    aspects = np.asarray(_aspects(framework), dtype=object)

    def per_indicator(values_: Sequence[object]) -> np.ndarray:
        return np.asarray(values_, dtype=object)[i_idx]

    attained_col = pd.array(arrays["attained"].ravel(), dtype="boolean")
    attained_col[~arrays["known"].ravel()] = pd.NA
    words = {1.0: "better", -1.0: "worse", 0.0: "same"}
    trend_words = {1.0: "improving", -1.0: "worsening", 0.0: "stable"}
    frame = pd.DataFrame({
        "unit": unit_codes[u_idx],
        "unit_name": unit_names[u_idx],
        "period": period_labels[p_idx],
        "aspect": aspects[i_idx],
        "aspect_name": per_indicator([framework.node(a).name for a in aspects]),
        "aspect_name_en": per_indicator([framework.node(a).name_en for a in aspects]),
        "indicator": per_indicator(codes),
        "name": per_indicator([i.name for i in inds]),
        "name_en": per_indicator([i.name_en for i in inds]),
        "measure": per_indicator([i.unit for i in inds]),
        "category": per_indicator([i.category or pd.NA for i in inds]),
        "rule": per_indicator(rules),
        "direction": per_indicator([i.direction.symbol for i in inds]),
        "department": per_indicator([i.department for i in inds]),
        "value": arrays["value"].ravel(),
        "target": arrays["target"].ravel(),
        "attained": attained_col,
        "gap": arrays["gap"].ravel(),
        "gap_pct": arrays["gap_pct"].ravel(),
        "previous": arrays["previous"].ravel(),
        "change": arrays["change"].ravel(),
        "change_pct": arrays["change_pct"].ravel(),
        "change_dir": pd.Series(arrays["change_signal"].ravel()).map(words).astype(object),
        "slope": arrays["slope"].ravel(),
        "trend": pd.Series(arrays["trend_signal"].ravel()).map(trend_words).astype(object),
        "light": arrays["light"].ravel(),
    })
    for col in ("change_dir", "trend", "light", "category"):
        frame[col] = frame[col].where(frame[col].notna(), pd.NA)
    return frame[list(COLUMNS)]


def _window_means(values: np.ndarray, window: int) -> np.ndarray:
    """Return the mean of the non-missing values in the window ending at each period."""
    pad = np.full((window - 1,) + values.shape[1:], np.nan)
    y = sliding_window_view(np.concatenate([pad, values]), window, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nansum(y, axis=-1) / (~np.isnan(y)).sum(axis=-1)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Return the attainment summary per unit and period (达标情况汇总).

    Parameters
    ----------
    table : DataFrame
        The output of :func:`attainment`.

    Returns
    -------
    DataFrame
        Indexed by ``unit, period``: ``indicators`` (N), ``assessed`` (with a
        value and a target), ``attained`` (n), ``attained_pct``, ``binding``
        (约束性 indicators assessed), ``binding_attained``, and the count of
        each light ``green, yellow, red``.
    """
    t = table.assign(
        _assessed=table["attained"].notna(),
        _attained=table["attained"].fillna(False).astype(bool),
        _binding=(table["category"] == "binding").fillna(False).astype(bool)
        & table["attained"].notna(),
        _green=table["light"] == "green", _yellow=table["light"] == "yellow",
        _red=table["light"] == "red",
    )
    t["_binding_attained"] = t["_binding"] & t["_attained"]
    out = t.groupby(["unit", "period"], sort=False).agg(
        indicators=("indicator", "size"), assessed=("_assessed", "sum"),
        attained=("_attained", "sum"), binding=("_binding", "sum"),
        binding_attained=("_binding_attained", "sum"), green=("_green", "sum"),
        yellow=("_yellow", "sum"), red=("_red", "sum"))
    with np.errstate(invalid="ignore", divide="ignore"):
        out.insert(3, "attained_pct", out["attained"] / out["assessed"] * 100)
    return out


# -- labels for display -------------------------------------------------------------------------

_LABELS: dict[str, tuple[str, str]] = {
    "unit": ("单位", "Unit"), "unit_name": ("单位名称", "Unit name"), "period": ("时期", "Period"),
    "aspect": ("方面代码", "Aspect code"), "aspect_name": ("方面", "Aspect"),
    "aspect_name_en": ("方面（英文）", "Aspect (en)"),
    "indicator": ("代码", "Code"), "name": ("指标", "Indicator"),
    "name_en": ("指标（英文）", "Indicator (en)"), "measure": ("计量单位", "Unit of measure"),
    "category": ("属性", "Category"), "rule": ("达标规则", "Rule"),
    "direction": ("方向", "Direction"), "department": ("牵头单位", "Lead department"),
    "value": ("实际值", "Value"), "target": ("目标值", "Target"), "attained": ("是否达标", "Attained"),
    "gap": ("差距", "Gap"), "gap_pct": ("差距率(%)", "Gap (%)"), "previous": ("上年值", "Previous"),
    "change": ("同比变化", "Change"), "change_pct": ("同比(%)", "Change (%)"),
    "change_dir": ("同比方向", "Change direction"), "slope": ("五年趋势斜率", "Trend slope"),
    "trend": ("五年趋势", "Trend"), "light": ("预警", "Warning"),
    # summary
    "indicators": ("指标数", "Indicators"), "assessed": ("可评价", "Assessed"),
    "attained_pct": ("达标率(%)", "Attained (%)"), "binding": ("约束性指标", "Binding"),
    "binding_attained": ("约束性达标", "Binding attained"), "green": ("绿灯", "Green"),
    "yellow": ("黄灯", "Yellow"), "red": ("红灯", "Red"),
}

_VALUE_LABELS: dict[str, dict[object, tuple[str, str]]] = {
    "attained": {True: ("达标", "attained"), False: ("未达标", "not attained")},
    "category": {"binding": ("约束性", "binding"), "expected": ("预期性", "expected")},
    "rule": {">=": ("≥目标", "≥ target"), "<=": ("≤目标", "≤ target"), "yes": ("是否", "yes/no")},
    "change_dir": {"better": ("向好", "better"), "worse": ("变差", "worse"),
                   "same": ("持平", "same")},
    "trend": {"improving": ("改善", "improving"), "worsening": ("恶化", "worsening"),
              "stable": ("平稳", "stable")},
    "light": {"green": ("绿", "green"), "yellow": ("黄", "yellow"), "red": ("红", "red")},
}


def labels(lang: str | None = None) -> dict[str, str]:
    """Return the display label of every column of the attainment and summary tables (列名).

    Parameters
    ----------
    lang : {"zh", "en"}, optional
        The current message language by default.
    """
    pick = 1 if (lang or get_lang()) == "en" else 0
    return {k: v[pick] for k, v in _LABELS.items()}


def value_label(column: str, value: object, lang: str | None = None) -> str:
    """Return a coded cell (light, trend, attained …) as a word in ``lang``; ``—`` if missing."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    pick = 1 if (lang or get_lang()) == "en" else 0
    entry = _VALUE_LABELS.get(column, {}).get(value)
    return entry[pick] if entry else str(value)


def display(table: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """Return a table with coded cells as words and columns relabelled in ``lang`` (for reports).

    In English the name columns show ``name_en`` and ``aspect_name_en`` (falling back to the
    Chinese names); the ``*_en`` columns themselves are left out.
    """
    lang = lang or get_lang()
    out = table.copy()
    english = [c for c in ("name_en", "aspect_name_en") if c in out.columns]
    if lang == "en":
        for col in english:
            zh_col = col.removesuffix("_en")
            out[zh_col] = out[col].where(out[col].astype(bool), out[zh_col])
    pick = 1 if lang == "en" else 0
    for col, words in _VALUE_LABELS.items():
        if col in out.columns:
            mapping = {k: v[pick] for k, v in words.items()}
            out[col] = out[col].astype(object).map(mapping).fillna("—")
    return out.drop(columns=english).rename(columns=labels(lang))
