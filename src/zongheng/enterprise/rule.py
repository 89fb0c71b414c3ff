"""Grading rule (评价办法): how a county scores and grades its enterprises.

A rule is a small frozen dataclass, read from and written to YAML::

    framework: muyun            # bundled framework, or a path to a framework YAML
    scoring: benchmark          # benchmark: x/基准值×权重 | efficacy: 功效系数 60 + 40·…
    benchmark: total            # total (Σ分子/Σ分母) | mean | median of the graded firms
    benchmark_factor: 1         # 淮安: 2 × the county average
    cap: null                   # e.g. 1.5: an item scores at most 1.5 × its weight
    efficacy: {base: 60, span: 40}
    cuts: {A: 0.20, B: 0.75, C: 0.95}   # cumulative shares from the top; D is the rest
    labels: {A: 优先发展类, B: 提升发展类, C: 调控帮扶类, D: 倒逼整治类}
    undefined_item: average     # a zero denominator: average | zero | best item score
    veto_grade: C               # a safety/environment violation: at best C
    protected_floor: null       # null: protected firms are not graded; C: graded, at worst C
    weakest: 2                  # weakest indicators listed for each D firm
    branches:
      - {name: 规上, name_en: above-scale, scale: 规上}      # weights: the framework's
      - {name: 规下, name_en: below-scale, scale: 规下, weights: {tax_per_mu: 100}}

Every mistake is reported at once with its key (``branches[1].weights.亩均税收``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from zongheng.enterprise.columns import BASE_COLUMNS
from zongheng.errors import FrameworkError, MethodError, Problem
from zongheng.framework import Framework
from zongheng.i18n import register_messages
from zongheng.io.atomic import write_text_atomic
from zongheng.io.yaml_file import read_yaml

__all__ = ["GRADES", "Branch", "GradingRule", "read_rule", "write_rule"]

GRADES = ("A", "B", "C", "D")
SCORINGS = ("benchmark", "efficacy")
BENCHMARKS = ("total", "mean", "median")
UNDEFINED = ("average", "zero", "best")
SCALES = ("规上", "规下", "all")

# Labels of 天台 (2022 data), a Zhejiang county (domain.md §3.4).
DEFAULT_LABELS = {"A": "优先发展类", "B": "提升发展类", "C": "调控帮扶类", "D": "倒逼整治类"}
DEFAULT_LABELS_EN = {"A": "priority development", "B": "to improve", "C": "controlled and assisted",
                     "D": "forced rectification"}

register_messages({
    "muyun_rule_unknown_key": (
        "未知的键 '{name}'（可用: {allowed}）",
        "unknown key '{name}' (known: {allowed})",
    ),
    "muyun_rule_bad_choice": (
        "{name} 必须是 {allowed} 之一，实际为 {value!r}",
        "{name} must be one of {allowed}, got {value!r}",
    ),
    "muyun_rule_not_positive": (
        "{name} 必须是正数，实际为 {value!r}",
        "{name} must be a positive number, got {value!r}",
    ),
    "muyun_rule_not_number": (
        "{name} 必须是数字，实际为 {value!r}",
        "{name} must be a number, got {value!r}",
    ),
    "muyun_rule_bad_cuts": (
        "分级比例必须满足 0 < A < B < C ≤ 1（自上而下的累计比例），实际为 {value!r}",
        "the cut-offs must satisfy 0 < A < B < C ≤ 1 (cumulative shares from the top), got {value!r}",
    ),
    "muyun_rule_bad_shape": ("应为 {expected}，实际为 {found!r}", "expected {expected}, got {found!r}"),
    "muyun_rule_no_branches": ("至少需要一个分组 (branches)", "at least one branch is needed"),
    "muyun_rule_duplicate_branch": ("分组名 '{name}' 重复", "the branch name '{name}' is duplicated"),
    "muyun_rule_unknown_indicator": (
        "'{name}' 不是指标体系 {framework} 的指标（可用: {allowed}）",
        "'{name}' is not an indicator of the framework {framework} (known: {allowed})",
    ),
    "muyun_rule_no_formula": (
        "指标 '{code}' 在指标体系的 meta.formulas 中没有计算公式（分子、分母）",
        "the indicator '{code}' has no formula (numerator, denominator) under meta.formulas",
    ),
    "muyun_rule_bad_formula": (
        "指标 '{code}' 的公式引用了未知的基础数据列 '{column}'（可用: {allowed}）",
        "the formula of '{code}' names an unknown base column '{column}' (known: {allowed})",
    ),
    "muyun_rule_unknown_framework": (
        "找不到指标体系 '{name}'（内置: {available}；或给出 YAML 文件路径）",
        "no framework '{name}' (bundled: {available}; or give the path of a YAML file)",
    ),
    "muyun_rule_framework_error": ("指标体系有误: {detail}", "the framework is invalid: {detail}"),
    "muyun_rule_bad_land_range": (
        "用地下限 min_land ({low}) 必须小于上限 max_land ({high})",
        "min_land ({low}) must be below max_land ({high})",
    ),
    "muyun_rule_bad_yaml": ("无法解析 YAML: {detail}", "cannot parse YAML: {detail}"),
})


@dataclass(frozen=True)
class Branch:
    """A branch of the evaluation (评价分组): its firms, indicators, weights and benchmarks.

    Parameters
    ----------
    name : str
        The list's name (``规上``, ``规下≥3亩`` …).
    scale : str
        Which firms: ``规上``, ``规下`` or ``all``.
    weights : mapping of str to float, optional
        Points per indicator (code or name); the framework's weights when not given.
        Indicators not named are not used in this branch.
    benchmarks : mapping of str to float
        Given benchmark values (基准值) per indicator; the others are computed.
    min_land, max_land : float, optional
        Land range in 亩, ``min_land ≤ land < max_land`` (慈溪's 规下 ≥ 3亩 / < 3亩 lists).
    cuts : mapping of str to float, optional
        This branch's cut-offs, when they differ from the rule's.
    name_en : str
        English name.
    """

    name: str
    scale: str = "all"
    weights: Mapping[str, float] | None = None
    benchmarks: Mapping[str, float] = field(default_factory=dict)
    min_land: float | None = None
    max_land: float | None = None
    cuts: Mapping[str, float] | None = None
    name_en: str = ""

    def label(self, lang: str = "zh") -> str:
        """Return the branch's name in ``lang``."""
        return (self.name_en or self.name) if lang == "en" else self.name


def _default_branches() -> tuple[Branch, ...]:
    # 规下 on 亩均税收 only: 杭州 ("mainly on 亩均税收") and 某市 (规下 亩均税收100), domain.md §3.1/3.3.
    return (Branch("规上", "规上", name_en="above-scale"),
            Branch("规下", "规下", {"tax_per_mu": 100.0}, name_en="below-scale"))


@dataclass(frozen=True)
class GradingRule:
    """A grading rule (评价办法); see the module docstring for the YAML form.

    Parameters
    ----------
    framework : str or Framework
        A bundled framework name, a YAML path, or a framework whose
        ``meta.formulas`` says how each indicator is computed from base data.
    scoring : str
        ``benchmark``: item = value / benchmark × weight (黄岩, domain.md §3.3);
        ``efficacy``: item = weight × (base + span × (x − min)/(max − min)) / 100.
    benchmark : str
        How computed benchmarks are found over the branch's graded firms:
        ``total`` (Σ numerator / Σ denominator, the county-wide ratio), ``mean`` or ``median``.
    benchmark_factor : float
        Multiplies computed benchmarks (淮安: 2 × the county average).
    cap : float, optional
        Benchmark scoring only: an item scores at most ``cap`` × its weight.
    efficacy_base, efficacy_span : float
        The 功效系数 scores: ``base`` at the branch minimum, ``base + span`` at its maximum.
    cuts : mapping of str to float
        Cumulative shares of the ranking, from the top, that end grades A, B and C.
    labels : mapping of str to str
        Names of the grades.
    undefined_item : str
        The score of an item whose denominator is 0 (no emissions, no revenue …):
        ``average`` of the branch's graded firms (黄岩's rule for missing emissions),
        ``zero`` or ``best``.
    veto_grade : str
        The best grade a firm with a safety/environment violation can get.
    protected_floor : str, optional
        ``None``: protected firms are scored but not graded; a grade: they are
        ranked and graded, but no worse than it (昌乐: not D).
    weakest : int
        How many weakest indicators to list for each D firm.
    branches : tuple of Branch
        The separately ranked lists; a firm goes to the first branch it fits.
    """

    framework: str | Framework = "muyun"
    scoring: str = "benchmark"
    benchmark: str = "total"
    benchmark_factor: float = 1.0
    cap: float | None = None
    efficacy_base: float = 60.0
    efficacy_span: float = 40.0
    cuts: Mapping[str, float] = field(default_factory=lambda: {"A": 0.20, "B": 0.75, "C": 0.95})
    labels: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_LABELS))
    undefined_item: str = "average"
    veto_grade: str = "C"
    protected_floor: str | None = None
    weakest: int = 2
    branches: tuple[Branch, ...] = field(default_factory=_default_branches)
    file: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.branches, tuple) or any(isinstance(b, Mapping) for b in self.branches):
            # Python callers may give branches as mappings, as the YAML does.
            object.__setattr__(self, "branches", tuple(Branch(**b) if isinstance(b, Mapping) else b
                                                       for b in self.branches))
        problems = _validate(self)
        if problems:
            raise MethodError(problems)

    # -- resolved views ----------------------------------------------------
    @cached_property
    def resolved_framework(self) -> Framework:
        """Return the framework (loaded when given by name or path)."""
        return _load_framework(self.framework, self.file)  # validated in __post_init__

    def branch_weights(self, branch: Branch) -> dict[str, float]:
        """Return the branch's points per indicator code, in framework order."""
        fw = self.resolved_framework
        given = ({i.code: i.weight for i in fw.indicators} if branch.weights is None
                 else {_indicator_code(fw, k): float(v) for k, v in branch.weights.items()})
        return {c: given[c] for c in fw.indicator_codes if c in given}

    def branch_benchmarks(self, branch: Branch) -> dict[str, float]:
        """Return the branch's given benchmark values by indicator code."""
        fw = self.resolved_framework
        return {_indicator_code(fw, k): float(v) for k, v in branch.benchmarks.items()}

    def branch_cuts(self, branch: Branch) -> tuple[float, float, float]:
        """Return the cumulative cut-offs (A, B, C) that apply to the branch."""
        cuts = branch.cuts if branch.cuts is not None else self.cuts
        return tuple(float(cuts[g]) for g in GRADES[:3])  # type: ignore[return-value]

    @cached_property
    def used_indicators(self) -> tuple[str, ...]:
        """Return the indicator codes used by any branch, in framework order."""
        used = {c for b in self.branches for c in self.branch_weights(b)}
        return tuple(c for c in self.resolved_framework.indicator_codes if c in used)

    @cached_property
    def formulas(self) -> dict[str, tuple[str, str, float]]:
        """Return ``(numerator, denominator, scale)`` of each used indicator."""
        table = self.resolved_framework.meta.get("formulas") or {}
        return {c: (str(table[c]["numerator"]), str(table[c]["denominator"]),
                    float(table[c].get("scale", 1.0))) for c in self.used_indicators}

    @cached_property
    def base_columns(self) -> tuple[str, ...]:
        """Return the base-data columns the used indicators need (plus land area)."""
        cols = [col for c in self.used_indicators for col in self.formulas[c][:2]]
        if any(b.min_land is not None or b.max_land is not None for b in self.branches):
            cols.append("land_area")
        return tuple(dict.fromkeys(cols))

    def label(self, grade: str, lang: str = "zh") -> str:
        """Return a grade's name in ``lang`` (the English default when the rule gives none)."""
        if lang == "en" and self.labels.get(grade) == DEFAULT_LABELS.get(grade):
            return DEFAULT_LABELS_EN[grade]
        return str(self.labels.get(grade, grade))

    # -- YAML ----------------------------------------------------------------
    @classmethod
    def from_dict(cls, doc: Mapping[str, Any] | None, *, file: str | None = None) -> GradingRule:
        """Build a rule from its YAML mapping; raise MethodError listing every problem."""
        problems: list[Problem] = []
        if doc is not None and not isinstance(doc, Mapping):
            raise MethodError([Problem("muyun_rule_bad_shape", {"expected": "mapping", "found": doc},
                                       file=_shown(file))])
        doc = dict(doc or {})
        shown = _shown(file)
        allowed = {f.name for f in fields(cls)} - {"file", "efficacy_base", "efficacy_span"} | {"efficacy"}
        for key in doc:
            if key not in allowed:
                problems.append(Problem("muyun_rule_unknown_key", {"name": key, "allowed": ", ".join(
                    sorted(allowed))}, file=shown, key=str(key)))
        kwargs: dict[str, Any] = {k: v for k, v in doc.items() if k in allowed and k != "efficacy"}
        eff = doc.get("efficacy")
        if eff is not None:
            if isinstance(eff, dict):
                for k in eff:
                    if k not in ("base", "span"):
                        problems.append(Problem("muyun_rule_unknown_key",
                                                {"name": k, "allowed": "base, span"},
                                                file=shown, key=f"efficacy.{k}"))
                if "base" in eff:
                    kwargs["efficacy_base"] = eff["base"]
                if "span" in eff:
                    kwargs["efficacy_span"] = eff["span"]
            else:
                problems.append(Problem("muyun_rule_bad_shape", {"expected": "{base, span}", "found": eff},
                                        file=shown, key="efficacy"))
        if isinstance(kwargs.get("cuts"), list | tuple):
            kwargs["cuts"] = dict(zip(GRADES, kwargs["cuts"], strict=False))
        if "branches" in kwargs:
            kwargs["branches"] = _branches_from(kwargs["branches"], shown, problems)
        try:
            rule = cls(**kwargs, file=file)
        except MethodError as exc:  # report the shape problems and the rule's own together
            raise MethodError([*problems, *exc.problems]) from None
        except TypeError as exc:  # a value of the wrong type that validation could not reach
            raise MethodError([*problems, Problem("muyun_rule_bad_shape", {
                "expected": "a valid rule", "found": str(exc)}, file=shown)]) from None
        if problems:
            raise MethodError(problems)
        return rule

    def to_dict(self) -> dict[str, Any]:
        """Return the rule as its YAML mapping."""
        out: dict[str, Any] = {
            "framework": self.framework if isinstance(self.framework, str)
            else str(self.resolved_framework.root.code),
            "scoring": self.scoring, "benchmark": self.benchmark,
            "benchmark_factor": self.benchmark_factor, "cap": self.cap,
            "efficacy": {"base": self.efficacy_base, "span": self.efficacy_span},
            "cuts": dict(self.cuts), "labels": dict(self.labels),
            "undefined_item": self.undefined_item, "veto_grade": self.veto_grade,
            "protected_floor": self.protected_floor, "weakest": self.weakest,
            "branches": [],
        }
        for b in self.branches:
            entry: dict[str, Any] = {"name": b.name, "scale": b.scale}
            if b.name_en:
                entry["name_en"] = b.name_en
            if b.weights is not None:
                entry["weights"] = dict(b.weights)
            if b.benchmarks:
                entry["benchmarks"] = dict(b.benchmarks)
            for k in ("min_land", "max_land"):
                if getattr(b, k) is not None:
                    entry[k] = getattr(b, k)
            if b.cuts is not None:
                entry["cuts"] = dict(b.cuts)
            out["branches"].append(entry)
        return out


_BRANCH_KEYS = ("name", "name_en", "scale", "weights", "benchmarks", "min_land", "max_land", "cuts")


def _branches_from(items: Any, file: str | None, problems: list[Problem]) -> tuple[Branch, ...]:
    if not isinstance(items, list):
        problems.append(Problem("muyun_rule_bad_shape", {"expected": "list", "found": items}, file=file,
                                key="branches"))
        return ()
    out: list[Branch] = []
    for i, item in enumerate(items):
        key = f"branches[{i}]"
        if not isinstance(item, dict):
            problems.append(Problem("muyun_rule_bad_shape", {"expected": "mapping", "found": item},
                                    file=file, key=key))
            continue
        for k in item:
            if k not in _BRANCH_KEYS:
                problems.append(Problem("muyun_rule_unknown_key",
                                        {"name": k, "allowed": ", ".join(_BRANCH_KEYS)},
                                        file=file, key=f"{key}.{k}"))
        spec = {k: v for k, v in item.items() if k in _BRANCH_KEYS}
        spec["name"] = str(spec.get("name") or "")
        spec["name_en"] = str(spec.get("name_en") or "")
        spec["scale"] = str(spec.get("scale") or "all")
        spec["benchmarks"] = spec.get("benchmarks") or {}
        if isinstance(spec.get("cuts"), list | tuple):
            spec["cuts"] = dict(zip(GRADES, spec["cuts"], strict=False))
        out.append(Branch(**spec))
    return tuple(out)


def _shown(file: str | None) -> str | None:
    """Return the file name shown in messages (the rule keeps its path to find the framework)."""
    return Path(file).name if file else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _validate(rule: GradingRule) -> list[Problem]:
    """Return every problem of a rule, each with its YAML key."""
    problems: list[Problem] = []
    file = _shown(rule.file)

    def add(kind: str, key: str, **params: Any) -> None:
        problems.append(Problem(kind, params, file=file, key=key))

    def choice(name: str, value: Any, allowed: tuple) -> None:
        if value not in allowed:
            add("muyun_rule_bad_choice", name, name=name, value=value,
                allowed=", ".join(str(a) for a in allowed))

    def positive(name: str, value: Any, key: str | None = None) -> None:
        number = _number(value)
        if number is None or number <= 0:
            add("muyun_rule_not_positive", key or name, name=key or name, value=value)

    choice("scoring", rule.scoring, SCORINGS)
    choice("benchmark", rule.benchmark, BENCHMARKS)
    choice("undefined_item", rule.undefined_item, UNDEFINED)
    choice("veto_grade", rule.veto_grade, GRADES)
    if rule.protected_floor is not None:
        choice("protected_floor", rule.protected_floor, GRADES)
    positive("benchmark_factor", rule.benchmark_factor)
    if rule.cap is not None:
        positive("cap", rule.cap)
    if _number(rule.efficacy_base) is None:
        add("muyun_rule_not_number", "efficacy.base", name="efficacy.base", value=rule.efficacy_base)
    positive("efficacy.span", rule.efficacy_span)
    if isinstance(rule.weakest, bool) or not isinstance(rule.weakest, int) or rule.weakest < 0:
        add("muyun_rule_bad_choice", "weakest", name="weakest", value=rule.weakest, allowed="0, 1, 2, …")
    _check_cuts(rule.cuts, "cuts", add)
    if not isinstance(rule.labels, Mapping):
        add("muyun_rule_bad_shape", "labels", expected="{A: …, B: …, C: …, D: …}", found=rule.labels)
    else:
        for g in rule.labels:
            choice(f"labels.{g}", g, GRADES)

    framework = None
    try:
        framework = _load_framework(rule.framework, rule.file)
    except MethodError as exc:
        problems.extend(exc.problems)
    if not rule.branches:
        add("muyun_rule_no_branches", "branches")
    seen: set[str] = set()
    for i, b in enumerate(rule.branches):
        key = f"branches[{i}]"
        if not str(b.name).strip():
            add("muyun_rule_bad_shape", f"{key}.name", expected="a name", found=b.name)
        elif b.name in seen:
            add("muyun_rule_duplicate_branch", f"{key}.name", name=b.name)
        seen.add(b.name)
        choice(f"{key}.scale", b.scale, SCALES)
        for k in ("min_land", "max_land"):
            value = getattr(b, k)
            if value is not None and (_number(value) is None or value < 0):
                add("muyun_rule_not_number", f"{key}.{k}", name=f"{key}.{k}", value=value)
        if (_number(b.min_land) is not None and _number(b.max_land) is not None
                and b.min_land >= b.max_land):  # type: ignore[operator]
            add("muyun_rule_bad_land_range", f"{key}.min_land", low=b.min_land, high=b.max_land)
        if b.cuts is not None:
            _check_cuts(b.cuts, f"{key}.cuts", add)
        for part in ("weights", "benchmarks"):
            mapping = getattr(b, part)
            if mapping is None:
                continue
            if not isinstance(mapping, Mapping) or (part == "weights" and not mapping):
                add("muyun_rule_bad_shape", f"{key}.{part}", expected="{indicator: number, …}", found=mapping)
                continue
            for name, value in mapping.items():
                positive(f"{key}.{part}.{name}", value)
                if framework is not None and _indicator_code(framework, name) is None:
                    add("muyun_rule_unknown_indicator", f"{key}.{part}.{name}", name=name,
                        framework=framework.root.code, allowed=", ".join(framework.indicator_codes))
    if framework is not None and not problems:
        problems.extend(_check_formulas(rule, framework))
    return problems


def _check_cuts(cuts: Any, key: str, add: Any) -> None:
    if not isinstance(cuts, Mapping) or set(cuts) != set(GRADES[:3]):
        add("muyun_rule_bad_shape", key, expected="{A: share, B: share, C: share}", found=cuts)
        return
    values = [_number(cuts[g]) for g in GRADES[:3]]
    if any(v is None for v in values) or not (0 < values[0] < values[1] < values[2] <= 1):  # type: ignore[operator]
        add("muyun_rule_bad_cuts", key, value=dict(cuts))


def _check_formulas(rule: GradingRule, framework: Framework) -> list[Problem]:
    table = framework.meta.get("formulas") or {}
    used = {_indicator_code(framework, k) for b in rule.branches
            for k in (b.weights if b.weights is not None else framework.indicator_codes)}
    problems: list[Problem] = []
    numbers = [k for k, c in BASE_COLUMNS.items() if c.kind == "number"]
    for code in framework.indicator_codes:
        if code not in used:
            continue
        spec = table.get(code)
        if not isinstance(spec, Mapping) or "numerator" not in spec or "denominator" not in spec:
            problems.append(Problem("muyun_rule_no_formula", {"code": code}, file=_shown(rule.file),
                                    key=f"framework.meta.formulas.{code}"))
            continue
        for part in ("numerator", "denominator"):
            if spec[part] not in numbers:
                problems.append(Problem("muyun_rule_bad_formula", {"code": code, "column": spec[part],
                                                             "allowed": ", ".join(numbers)},
                                        file=_shown(rule.file),
                                        key=f"framework.meta.formulas.{code}.{part}"))
        if "scale" in spec and (_number(spec["scale"]) is None or spec["scale"] <= 0):
            problems.append(Problem("muyun_rule_not_positive",
                                    {"name": f"{code}.scale", "value": spec["scale"]},
                                    file=_shown(rule.file), key=f"framework.meta.formulas.{code}.scale"))
    return problems


def _indicator_code(framework: Framework, name: Any) -> str | None:
    """Return the code of an indicator named by code or by its Chinese or English name."""
    text = str(name).strip()
    if text in framework.indicator_codes:
        return text
    for ind in framework.indicators:
        if text in (ind.name, ind.name_en):
            return ind.code
    return None


_FRAMEWORK_CACHE: dict[tuple[str, float], Framework] = {}


def _load_framework(spec: str | Framework, rule_file: str | None) -> Framework:
    if isinstance(spec, Framework):
        return spec
    from zongheng import frameworks
    from zongheng.io import read_framework

    name = str(spec)
    if name in frameworks.available():
        path = frameworks.path(name)
    else:
        path = Path(name)
        if not path.is_absolute() and rule_file is not None:
            path = Path(rule_file).parent / path
        if not path.exists():
            raise MethodError([Problem("muyun_rule_unknown_framework", {
                "name": name, "available": ", ".join(frameworks.available())},
                file=_shown(rule_file), key="framework")])
    # A rule is validated and resolved more than once; read each file once per version.
    cache_key = (str(path.resolve()), path.stat().st_mtime)
    if cache_key not in _FRAMEWORK_CACHE:
        try:
            _FRAMEWORK_CACHE[cache_key] = read_framework(path)
        except FrameworkError as exc:
            raise MethodError([Problem("muyun_rule_framework_error", {"detail": str(exc)},
                                       file=_shown(rule_file), key="framework")]) from None
    return _FRAMEWORK_CACHE[cache_key]


def read_rule(path: str | Path) -> GradingRule:
    """Read a grading rule (评价办法) from YAML.

    Raises
    ------
    MethodError
        Listing every problem with its key.
    """
    path = Path(path)
    doc = read_yaml(path, error=MethodError, bad_yaml="muyun_rule_bad_yaml")
    if doc is not None and not isinstance(doc, dict):
        raise MethodError([Problem("muyun_rule_bad_shape", {"expected": "mapping", "found": doc},
                                   file=path.name)])
    return GradingRule.from_dict(doc, file=str(path))


def write_rule(rule: GradingRule, path: str | Path) -> None:
    """Write a grading rule to YAML (Chinese kept readable)."""
    text = yaml.safe_dump(rule.to_dict(), allow_unicode=True, sort_keys=False, width=100)
    write_text_atomic(path, text)
