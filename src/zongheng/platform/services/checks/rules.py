"""Declarative check rules (校验规则): read a framework's ``checks:`` list and evaluate it.

A rules file (``zongheng/platform/rules/<framework key>.yaml``) holds, per framework, what
DHIS2 calls validation rules. The library's framework reader refuses unknown top-level keys, so
the rules live beside the platform rather than in the framework file::

    checks:
      - {kind: required, indicators: all, severity: blocking}
      - {kind: range, indicators: [Q01, D01], min: 0, max: 100, severity: blocking}
      - {kind: yoy, indicators: [Q02], band: 50}                  # within ±50 % of last period
      - {kind: relation, left: A, op: "<=", right: B, tolerance: 0.5, severity: blocking}
      - {kind: sum, parts: [A1, A2], total: A, tolerance: 0.1}   # total: a code or a number
    outliers: {threshold: 3.5, min_peers: 5, min_history: 3, history: 5, severity: blocking}

Boundaries pass: ``min ≤ x ≤ max``, ``|x/last − 1| ≤ band %``, ``A ≤ B + tolerance``,
``|Σ parts − total| ≤ tolerance``. A rule whose values are missing is not judged (``required``
reports missing values). A bad file is refused with every problem and its YAML key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from zongheng.errors import FrameworkError, Problem
from zongheng.i18n import register_messages
from zongheng.io.yaml_file import read_yaml
from zongheng.platform.models.checks import CheckKind, Severity

__all__ = ["RULES_DIR", "Finding", "OutlierSettings", "Rule", "RuleSet", "evaluate", "fmt", "load_rules",
           "parse_rules"]

RULES_DIR = Path(__file__).resolve().parent.parent.parent / "rules"

register_messages({
    "ck_rule_kind": ("校验规则类型应为 {allowed} 之一，实际为 {found}",
                     "a check's kind must be one of {allowed}, got {found}"),
    "ck_rule_field": ("校验规则缺少或写错了字段 {field}：{expected}",
                      "a check's field {field} is missing or wrong: {expected}"),
    "ck_rule_code": ("校验规则引用了指标体系中没有的指标代码 {code}",
                     "a check names indicator code {code}, which the framework does not have"),
    "pf_ck_required": ("{region}「{indicator}」未填报。", "{region} · {indicator}: no value entered."),
    "pf_ck_range_low": ("{region}「{indicator}」为 {value}{unit}，低于下限 {min}{unit}。",
                        "{region} · {indicator} is {value}{unit}, below the minimum {min}{unit}."),
    "pf_ck_range_high": ("{region}「{indicator}」为 {value}{unit}，高于上限 {max}{unit}。",
                         "{region} · {indicator} is {value}{unit}, above the maximum {max}{unit}."),
    "pf_ck_yoy_up": ("{region}「{indicator}」为 {value}{unit}，"
                     "较上期（{period}：{previous}{unit}）增长 {pct}%，超出 ±{band}% 的正常变动范围。",
                     "{region} · {indicator} is {value}{unit}, up {pct}% on last period ({period}: "
                     "{previous}{unit}), outside the ±{band}% band."),
    "pf_ck_yoy_down": ("{region}「{indicator}」为 {value}{unit}，"
                       "较上期（{period}：{previous}{unit}）下降 {pct}%，超出 ±{band}% 的正常变动范围。",
                       "{region} · {indicator} is {value}{unit}, down {pct}% on last period ({period}: "
                       "{previous}{unit}), outside the ±{band}% band."),
    "pf_ck_relation": ("{region}「{left}」（{left_value}）应 {op}「{right}」（{right_value}），"
                       "容差 {tolerance}。",
                       "{region}: {left} ({left_value}) should be {op} {right} ({right_value}), "
                       "tolerance {tolerance}."),
    "pf_ck_sum": ("{region}「{parts}」之和为 {sum}，应 {op} {total}（{total_value}），"
                  "相差 {diff}，容差 {tolerance}。",
                  "{region}: {parts} add up to {sum}, which should be {op} {total} ({total_value}); "
                  "off by {diff}, tolerance {tolerance}."),
})

OPS = {"<=": "<=", "≤": "<=", "<": "<", ">=": ">=", "≥": ">=", ">": ">", "==": "==", "=": "=="}
OP_TEXT = {"<=": "≤", "<": "<", ">=": "≥", ">": ">", "==": "="}
RULE_KINDS = (CheckKind.REQUIRED, CheckKind.RANGE, CheckKind.YOY, CheckKind.RELATION, CheckKind.SUM)


@dataclass(frozen=True)
class Rule:
    """One declarative rule (校验规则), already checked against the framework's codes."""

    key: str
    """``kind#n``, n its place in the list: the identity of the flags it raises."""
    kind: CheckKind
    severity: Severity
    indicators: tuple[str, ...] = ()
    """required / range / yoy: the codes it applies to (``()`` with ``all_indicators``)."""
    all_indicators: bool = False
    min: float | None = None
    max: float | None = None
    band: float | None = None
    left: str = ""
    right: str = ""
    op: str = "<="
    parts: tuple[str, ...] = ()
    total: str | float = ""
    tolerance: float = 0.0


@dataclass(frozen=True)
class OutlierSettings:
    """How the outlier test runs (离群值检测设置)."""

    threshold: float = 3.5
    min_peers: int = 5
    min_history: int = 3
    history: int = 5
    """How many past periods the history comparison looks back over."""
    severity: Severity = Severity.BLOCKING
    enabled: bool = True


@dataclass(frozen=True)
class RuleSet:
    """A framework's rules and outlier settings."""

    rules: tuple[Rule, ...] = ()
    outliers: OutlierSettings = field(default_factory=OutlierSettings)


@dataclass(frozen=True)
class Finding:
    """What one rule found on one indicator (before it becomes a stored flag)."""

    indicator: str
    kind: CheckKind
    rule_key: str
    severity: Severity
    message_key: str
    params: dict[str, Any]


def fmt(x: float) -> str:
    """Format a number for a message: up to 4 decimals, no trailing zeros."""
    return f"{x:,.4f}".rstrip("0").rstrip(".")


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) else None


def parse_rules(doc: Any, codes: set[str] | None = None, *, file: str | None = None) -> RuleSet:
    """Build a rule set from a parsed document; ``codes`` (if given) are the framework's indicators.

    Raises
    ------
    FrameworkError
        With every problem and its key (``checks[2].max``).
    """
    problems: list[Problem] = []
    if doc is None:
        return RuleSet()
    if not isinstance(doc, Mapping):
        raise FrameworkError([Problem("fw_bad_shape", {"expected": "mapping", "found": type(doc).__name__},
                                      file=file)])

    def bad(key: str, name: str, expected: str) -> None:
        problems.append(Problem("ck_rule_field", {"field": name, "expected": expected}, file=file, key=key))

    def code_list(raw: Any, key: str) -> tuple[str, ...]:
        items = [raw] if isinstance(raw, str | int) else raw
        if not isinstance(items, list) or not items:
            bad(key, key.rsplit(".", 1)[-1], "指标代码或其列表")
            return ()
        out = tuple(str(c) for c in items)
        for c in out:
            if codes is not None and c not in codes:
                problems.append(Problem("ck_rule_code", {"code": c}, file=file, key=key))
        return out

    rules: list[Rule] = []
    raw_rules = doc.get("checks") or []
    if not isinstance(raw_rules, list):
        bad("checks", "checks", "列表")
        raw_rules = []
    for n, raw in enumerate(raw_rules):
        at = f"checks[{n}]"
        if not isinstance(raw, Mapping):
            problems.append(Problem("fw_bad_shape", {"expected": "mapping", "found": repr(raw)},
                                    file=file, key=at))
            continue
        try:
            kind = CheckKind(raw.get("kind"))
            assert kind in RULE_KINDS
        except (ValueError, AssertionError):
            problems.append(Problem("ck_rule_kind", {"allowed": ", ".join(RULE_KINDS),
                                                     "found": raw.get("kind")}, file=file, key=f"{at}.kind"))
            continue
        try:
            severity = Severity(raw.get("severity", "warning"))
        except ValueError:
            bad(f"{at}.severity", "severity", "warning 或 blocking")
            continue
        spec: dict[str, Any] = {"key": f"{kind.value}#{n}", "kind": kind, "severity": severity}
        tolerance = _number(raw.get("tolerance", 0))
        if tolerance is None or tolerance < 0:
            bad(f"{at}.tolerance", "tolerance", "非负数")
        spec["tolerance"] = tolerance or 0.0
        if kind in (CheckKind.REQUIRED, CheckKind.RANGE, CheckKind.YOY):
            target = raw.get("indicators", "all" if kind is CheckKind.REQUIRED else None)
            if target == "all":
                spec["all_indicators"] = True
            else:
                spec["indicators"] = code_list(target, f"{at}.indicators")
        if kind is CheckKind.RANGE:
            lo, hi = _number(raw.get("min")), _number(raw.get("max"))
            if ("min" in raw and lo is None) or ("max" in raw and hi is None) or (lo is None and hi is None):
                bad(f"{at}.min", "min/max", "至少一个数值")
            elif lo is not None and hi is not None and lo > hi:
                bad(f"{at}.max", "max", f"不小于 min（{fmt(lo)}）")
            spec.update(min=lo, max=hi)
        elif kind is CheckKind.YOY:
            band = _number(raw.get("band"))
            if band is None or band <= 0:
                bad(f"{at}.band", "band", "正数（百分比，如 50 表示 ±50%）")
            spec["band"] = band
        elif kind in (CheckKind.RELATION, CheckKind.SUM):
            op = OPS.get(str(raw.get("op", "<=" if kind is CheckKind.RELATION else "==")))
            if op is None:
                bad(f"{at}.op", "op", " ".join(OPS))
            spec["op"] = op or "<="
            if kind is CheckKind.RELATION:
                for side in ("left", "right"):
                    found = code_list(raw.get(side), f"{at}.{side}")
                    if len(found) > 1:
                        bad(f"{at}.{side}", side, "一个指标代码")
                    spec[side] = found[0] if found else ""
            else:
                spec["parts"] = code_list(raw.get("parts"), f"{at}.parts")
                total = raw.get("total")
                if _number(total) is not None:
                    spec["total"] = float(total)
                else:
                    found = code_list(total, f"{at}.total")
                    spec["total"] = found[0] if found else ""
        rules.append(Rule(**spec))
    outliers = _outlier_settings(doc.get("outliers"), bad)
    if problems:
        raise FrameworkError(problems)
    return RuleSet(tuple(rules), outliers)


def _outlier_settings(raw: Any, bad) -> OutlierSettings:
    if raw is None:
        return OutlierSettings()
    if raw is False:
        return OutlierSettings(enabled=False)
    if not isinstance(raw, Mapping):
        bad("outliers", "outliers", "映射或 false")
        return OutlierSettings()
    out: dict[str, Any] = {}
    for name, minimum, kind in (("threshold", 0.0, float), ("min_peers", 2, int), ("min_history", 2, int),
                                ("history", 2, int)):
        if name in raw:
            v = _number(raw[name])
            if v is None or v < minimum or (kind is int and v != int(v)):
                bad(f"outliers.{name}", name, f"不小于 {minimum} 的{'整数' if kind is int else '数'}")
                continue
            out[name] = kind(v)
    if "severity" in raw:
        try:
            out["severity"] = Severity(raw["severity"])
        except ValueError:
            bad("outliers.severity", "severity", "warning 或 blocking")
    return OutlierSettings(**out)


@lru_cache(maxsize=64)
def _read(file: Path, _mtime_ns: int) -> Any:
    # Every save runs the checks: read each rules file once per change, not once per save.
    return read_yaml(file, error=FrameworkError)


def load_rules(key: str, codes: set[str] | None = None, *, folder: Path = RULES_DIR) -> RuleSet:
    """Read the rules of framework ``key`` (``rules/<key>.yaml``); no file means no rules."""
    file = folder / f"{key}.yaml"
    if not file.is_file():
        return RuleSet()
    return parse_rules(_read(file, file.stat().st_mtime_ns), codes, file=file.name)


def _holds(left: float, op: str, right: float, tolerance: float) -> bool:
    if op == "==":
        return abs(left - right) <= tolerance
    if op == "<=":
        return left <= right + tolerance
    if op == "<":
        return left < right + tolerance
    if op == ">=":
        return left >= right - tolerance
    return left > right - tolerance


@dataclass(frozen=True)
class Context:
    """What the rules see: the region's values of the period, last period's, names and units."""

    region: str
    values: Mapping[str, float | None]
    """Every indicator of the version in this region and period (all departments' submissions)."""
    own: frozenset[str]
    """The codes of the submission being checked: only rules touching these raise flags here."""
    previous: Mapping[str, tuple[str, float | None]] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)


def evaluate(rules: RuleSet, ctx: Context) -> list[Finding]:
    """Evaluate every rule on one submission's values (执行校验规则); return what fails."""
    out: list[Finding] = []
    name = ctx.names.get
    for rule in rules.rules:
        def found(code: str, message: str, rule: Rule = rule, **params: Any) -> None:
            out.append(Finding(code, rule.kind, rule.key, rule.severity, message,
                               {"region": ctx.region, "indicator": name(code, code), **params}))

        if rule.kind in (CheckKind.REQUIRED, CheckKind.RANGE, CheckKind.YOY):
            targets = sorted(ctx.own) if rule.all_indicators else [c for c in rule.indicators if c in ctx.own]
            for code in targets:
                x, unit = ctx.values.get(code), ctx.units.get(code, "")
                if rule.kind is CheckKind.REQUIRED:
                    if x is None:
                        found(code, "pf_ck_required")
                elif x is None:
                    continue
                elif rule.kind is CheckKind.RANGE:
                    if rule.min is not None and x < rule.min - rule.tolerance:
                        found(code, "pf_ck_range_low", value=fmt(x), unit=unit, min=fmt(rule.min))
                    elif rule.max is not None and x > rule.max + rule.tolerance:
                        found(code, "pf_ck_range_high", value=fmt(x), unit=unit, max=fmt(rule.max))
                else:
                    period, last = ctx.previous.get(code, ("", None))
                    if last is None or last == 0 or rule.band is None:
                        continue        # no base to grow from: a change in % means nothing
                    change = (x / last - 1.0) * 100.0 if last > 0 else (x - last) / abs(last) * 100.0
                    if abs(change) > rule.band + rule.tolerance:
                        found(code, "pf_ck_yoy_up" if change > 0 else "pf_ck_yoy_down", value=fmt(x),
                              unit=unit, period=period, previous=fmt(last), pct=f"{abs(change):.1f}",
                              band=fmt(rule.band))
        elif rule.kind is CheckKind.RELATION:
            if not {rule.left, rule.right} & ctx.own:
                continue
            lv, rv = ctx.values.get(rule.left), ctx.values.get(rule.right)
            if lv is None or rv is None or _holds(lv, rule.op, rv, rule.tolerance):
                continue
            found(rule.left if rule.left in ctx.own else rule.right, "pf_ck_relation",
                  left=name(rule.left, rule.left), left_value=fmt(lv), op=OP_TEXT[rule.op],
                  right=name(rule.right, rule.right), right_value=fmt(rv), tolerance=fmt(rule.tolerance))
        else:
            total_code = rule.total if isinstance(rule.total, str) else ""
            involved = [*rule.parts, *([total_code] if total_code else [])]
            mine = [c for c in involved if c in ctx.own]
            if not mine:
                continue
            parts = [ctx.values.get(c) for c in rule.parts]
            total = ctx.values.get(total_code) if total_code else float(rule.total)
            if total is None or any(p is None for p in parts):
                continue
            s = math.fsum(p for p in parts if p is not None)
            if _holds(s, rule.op, total, rule.tolerance):
                continue
            found(total_code if total_code in ctx.own else mine[0], "pf_ck_sum",
                  parts="」+「".join(name(c, c) for c in rule.parts), sum=fmt(s), op=OP_TEXT[rule.op],
                  total=name(total_code, total_code) if total_code else fmt(total), total_value=fmt(total),
                  diff=fmt(abs(s - total)), tolerance=fmt(rule.tolerance))
    return out
