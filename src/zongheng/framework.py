"""Framework (指标体系): an immutable tree of index, dimensions and indicators.

A framework is built from flat *records* (one per element, each naming its
parent), whatever the source: YAML, an Excel sheet or COINr's iMeta table.
:func:`framework_from_records` checks every record and raises one
:class:`~zongheng.errors.FrameworkError` listing all problems at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property
from typing import Any

import numpy as np

from zongheng.errors import FrameworkError, Problem
from zongheng.i18n import register_messages

__all__ = [
    "Aggregate",
    "Attribute",
    "Direction",
    "Framework",
    "Indicator",
    "framework_from_records",
]


class Direction(IntEnum):
    """Direction of an indicator (指标方向): higher or lower is better."""

    HIGHER = 1
    LOWER = -1

    @classmethod
    def parse(cls, value: object) -> Direction | None:
        """Read a direction written in any accepted spelling; ``None`` if unknown.

        Accepted: ``+ 1 max higher positive 正向 正 正向指标`` and
        ``- -1 min lower negative 逆向 负向 负 反向 逆向指标 负向指标``.
        """
        if isinstance(value, Direction):
            return value
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value)):
            return {1: cls.HIGHER, -1: cls.LOWER}.get(int(value)) if value == int(value) else None
        key = str(value).strip().lower()
        return _DIRECTION_WORDS.get(key)

    @property
    def symbol(self) -> str:
        """Return ``"+"`` or ``"-"``, the spelling used when saving."""
        return "+" if self is Direction.HIGHER else "-"


_DIRECTION_WORDS = {
    **dict.fromkeys(["+", "1", "1.0", "+1", "max", "higher", "positive", "正向", "正", "正向指标"],
                    Direction.HIGHER),
    **dict.fromkeys(["-", "-1", "-1.0", "min", "lower", "negative", "逆向", "负向", "负", "反向",
                     "逆向指标", "负向指标", "反向指标"], Direction.LOWER),
}


@dataclass(frozen=True, slots=True)
class Indicator:
    """An indicator (指标): a leaf of the framework."""

    code: str
    name: str
    direction: Direction
    parent: str
    weight: float = 1.0
    name_en: str = ""
    unit: str = ""
    target: float | None = None
    goalposts: tuple[float, float] | None = None
    denominator: str | None = None
    department: str = ""
    source: str = ""
    note: str = ""
    category: str = ""
    """``"binding"`` (约束性), ``"expected"`` (预期性) or ``""`` (not said)."""
    rule: str = ""
    """Attainment rule (达标规则): ``">="`` at least the target, ``"<="`` at most the target,
    ``"yes"`` a yes/no item done when the value is 1; ``""`` follows the direction."""


@dataclass(frozen=True, slots=True)
class Aggregate:
    """An aggregate (维度 / 指数): the index, a dimension or a sub-dimension."""

    code: str
    name: str
    parent: str | None
    weight: float = 1.0
    name_en: str = ""
    unit: str = ""
    department: str = ""
    source: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Attribute:
    """A declared unit attribute: a group column (分组) or a denominator (分母)."""

    code: str
    name: str = ""
    name_en: str = ""
    unit: str = ""


Node = Indicator | Aggregate


@dataclass(frozen=True)
class Framework:
    """An indicator framework (指标体系): index → dimensions → … → indicators.

    Use :func:`zongheng.read_framework` or :func:`framework_from_records` to
    make one; the constructor trusts its input.

    Parameters
    ----------
    nodes : tuple of Indicator and Aggregate
        Every element, parents before children (depth-first order).
    groups : tuple of Attribute
        Declared group columns of the units (e.g. prefecture city).
    denominators : tuple of Attribute
        Declared denominator columns (e.g. GDP, population).
    meta : dict
        Free provenance information (title, source, version).
    """

    nodes: tuple[Node, ...]
    groups: tuple[Attribute, ...] = ()
    denominators: tuple[Attribute, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)

    # -- structure -------------------------------------------------------
    @cached_property
    def by_code(self) -> dict[str, Node]:
        """Return every node by its code."""
        return {n.code: n for n in self.nodes}

    @cached_property
    def root(self) -> Aggregate:
        """Return the index, the one node without a parent."""
        return next(n for n in self.nodes if isinstance(n, Aggregate) and n.parent is None)

    @cached_property
    def indicators(self) -> tuple[Indicator, ...]:
        """Return the indicators in framework order (the column order of the data)."""
        return tuple(n for n in self.nodes if isinstance(n, Indicator))

    @cached_property
    def indicator_codes(self) -> tuple[str, ...]:
        """Return the indicator codes in framework order."""
        return tuple(i.code for i in self.indicators)

    @cached_property
    def children(self) -> dict[str, tuple[str, ...]]:
        """Return the child codes of every aggregate, in framework order."""
        out: dict[str, list[str]] = {n.code: [] for n in self.nodes if isinstance(n, Aggregate)}
        for n in self.nodes:
            if n.parent is not None:
                out[n.parent].append(n.code)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def levels(self) -> dict[str, int]:
        """Return each node's level: 1 for indicators, 1 + the highest child level above."""
        level: dict[str, int] = {}
        for n in reversed(self.nodes):  # children come after their parent
            if isinstance(n, Indicator):
                level[n.code] = 1
            else:
                level[n.code] = 1 + max(level[c] for c in self.children[n.code])
        return {n.code: level[n.code] for n in self.nodes}

    @cached_property
    def aggregates(self) -> tuple[Aggregate, ...]:
        """Return the aggregates ordered by level (lowest first), the index last."""
        aggs = [n for n in self.nodes if isinstance(n, Aggregate)]
        return tuple(sorted(aggs, key=lambda a: self.levels[a.code]))

    @cached_property
    def node_codes(self) -> tuple[str, ...]:
        """Return the score columns: indicators, then aggregates by level."""
        return self.indicator_codes + tuple(a.code for a in self.aggregates)

    @cached_property
    def dimensions(self) -> tuple[str, ...]:
        """Return the codes of the index's children (the top-level dimensions)."""
        return self.children[self.root.code]

    @cached_property
    def depth(self) -> int:
        """Return the level of the index."""
        return self.levels[self.root.code]

    def node(self, code: str) -> Node:
        """Return the node with this code."""
        return self.by_code[code]

    def label(self, code: str, lang: str = "zh") -> str:
        """Return the node's name in ``lang``, falling back to the other language or the code."""
        n = self.by_code[code]
        first, second = (n.name_en, n.name) if lang == "en" else (n.name, n.name_en)
        return first or second or code

    # -- arrays used by the engine ---------------------------------------
    @cached_property
    def directions(self) -> np.ndarray:
        """Return +1/−1 per indicator (read-only)."""
        arr = np.array([int(i.direction) for i in self.indicators], dtype=np.float64)
        arr.setflags(write=False)
        return arr

    def effective_weights(self, weights: Mapping[str, float] | None = None) -> dict[str, float]:
        """Return each indicator's share of the index under arithmetic aggregation.

        The share is the product of the normalised weights along the path from
        the indicator to the index.

        Parameters
        ----------
        weights : mapping, optional
            Weight of each node within its parent; the framework's by default.
        """
        w = weights or {n.code: n.weight for n in self.nodes}
        share: dict[str, float] = {self.root.code: 1.0}
        for n in self.nodes:
            if n.parent is None:
                continue
            siblings = self.children[n.parent]
            total = sum(w[s] for s in siblings)
            share[n.code] = share[n.parent] * w[n.code] / total
        return {c: share[c] for c in self.indicator_codes}

    def with_nodes(self, nodes: Sequence[Node]) -> Framework:
        """Return a copy with other nodes (same groups, denominators and meta)."""
        return Framework(tuple(nodes), self.groups, self.denominators, dict(self.meta))


# -- building from records ------------------------------------------------

Locator = Callable[[], dict]

_TEXT_FIELDS = ("name", "name_en", "unit", "department", "source", "note")
RECORD_FIELDS = (
    "code", "parent", "type", "name", "name_en", "unit", "direction", "weight", "target",
    "goalposts", "denominator", "department", "source", "note", "category", "rule",
)

# Accepted spellings of an indicator's category (约束性/预期性) and attainment rule (达标规则).
_CATEGORY_WORDS = {
    **dict.fromkeys(["binding", "约束性", "约束", "约束性指标", "mandatory"], "binding"),
    **dict.fromkeys(["expected", "预期性", "预期", "预期性指标", "indicative"], "expected"),
}
_RULE_WORDS = {
    **dict.fromkeys([">=", "≥", "=>", "at least", "at_least", "不低于", "不少于", "不小于",
                     "达到", "以上"], ">="),
    **dict.fromkeys(["<=", "≤", "=<", "at most", "at_most", "不高于", "不超过", "不大于",
                     "以下", "以内"], "<="),
    # YAML reads a bare ``yes`` as true.
    **dict.fromkeys(["yes", "true", "yes/no", "bool", "boolean", "是否", "是/否", "完成"], "yes"),
}

register_messages({
    "fw_bad_category": (
        "'{code}' 的约束性/预期性 (category) 必须是 约束性/binding 或 预期性/expected，实际为 {value!r}",
        "the category of '{code}' must be 约束性/binding or 预期性/expected, got {value!r}",
    ),
    "fw_bad_rule": (
        "'{code}' 的达标规则 (rule) 必须是 >=（不低于目标）、<=（不高于目标）或 yes（是否类，1 为完成），"
        "实际为 {value!r}",
        "the attainment rule of '{code}' must be '>=' (at least the target), '<=' (at most) or "
        "'yes' (a yes/no item, 1 = done), got {value!r}",
    ),
})


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _clean_text(value: object) -> str:
    if _blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(value: object) -> float | None:
    """Return ``value`` as a float, ``None`` if blank; raise ValueError if not a number."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(str(value).strip().replace(",", "")) if isinstance(value, str) else float(value)
    if not math.isfinite(number):
        # 'nan', '.inf' written as a target would be taken as a target no unit can meet.
        raise ValueError(value)
    return number


@dataclass
class _Row:
    record: dict
    where: Mapping[str, Any]
    code: str = ""
    parent: str | None = None


def framework_from_records(
    records: Sequence[Mapping[str, Any]],
    locations: Sequence[Mapping[str, Any]],
    *,
    groups: Sequence[Attribute] = (),
    denominators: Sequence[Attribute] = (),
    meta: Mapping[str, Any] | None = None,
) -> Framework:
    """Build and validate a framework from flat records.

    Parameters
    ----------
    records : sequence of mapping
        One mapping per element with keys among ``code, parent, type, name,
        name_en, unit, direction, weight, target, goalposts, denominator,
        department, source, note, category, rule``. A record whose ``type`` is
        ``aggregate`` (or which has children) is an aggregate; others are indicators. A key
        that is absent takes its default (weight 1); a key present but blank
        is a problem where a value is required (weight, indicator direction).
    locations : sequence of mapping
        Where each record came from, as keyword arguments of
        :class:`~zongheng.errors.Problem` (``file``, ``sheet``, ``row``, ``key``).
        A problem with one field of a record whose location is a ``key`` is
        reported at that field's key (``children[0].weight``).
    groups, denominators : sequence of Attribute
        Declared unit attribute columns.
    meta : mapping, optional
        Provenance kept with the framework.

    Returns
    -------
    Framework

    Raises
    ------
    FrameworkError
        Listing every problem found, each with its row or key.
    """
    problems: list[Problem] = []

    def report(where: Mapping[str, Any], kind: str, **params: object) -> None:
        problems.append(Problem(kind, params, **where))

    rows: list[_Row] = []
    first_seen: dict[str, Mapping[str, Any]] = {}
    for rec, where in zip(records, locations, strict=True):
        # ``where`` is kept as given: a reader may compute it lazily (a deep YAML's key paths).
        row = _Row(dict(rec), where)
        row.code = _clean_text(rec.get("code"))
        row.parent = _clean_text(rec.get("parent")) or None
        if not row.code:
            report(where, "fw_missing_code")
            continue
        if row.code in first_seen:
            report(where, "fw_duplicate_code", code=row.code,
                   first=Problem("fw_duplicate_code", **first_seen[row.code]))
            continue
        first_seen[row.code] = where
        rows.append(row)

    by_code = {r.code: r for r in rows}
    kids: dict[str, list[str]] = {r.code: [] for r in rows}
    for r in rows:
        if r.parent is None:
            continue
        if r.parent not in by_code:
            report(r.where, "fw_unknown_parent", code=r.code, parent=r.parent)
            r.parent = "\0unknown"
            continue
        kids[r.parent].append(r.code)

    roots = [r for r in rows if r.parent is None]
    if not roots and rows:
        report({}, "fw_no_root")
    elif len(roots) > 1:
        report(roots[1].where, "fw_many_roots", n=len(roots), codes=", ".join(r.code for r in roots))

    # Cycles: walk up from each row until a code already settled, a root or an unknown parent.
    # Every code is walked once (settled codes stop later walks), so the check is linear in
    # the number of rows even for a chain thousands of levels deep.
    settled: set[str] = set()
    for r in rows:
        path: dict[str, int] = {}  # codes of this walk → position, in order
        cur: str | None = r.code
        while cur is not None and cur in by_code and cur not in settled and cur not in path:
            path[cur] = len(path)
            cur = by_code[cur].parent
        if cur is not None and cur in path:
            cycle = list(path)[path[cur]:]
            report(by_code[cur].where, "fw_cycle", cycle=" → ".join([*cycle, cur]))
        settled.update(path)

    nodes: dict[str, Node] = {}
    for r in rows:
        rec, where = r.record, r.where
        kind = _clean_text(rec.get("type")).lower()
        is_aggregate = bool(kids[r.code]) or kind in _AGGREGATE_TYPES or r.parent is None
        if is_aggregate and not kids[r.code]:
            report(where, "fw_empty_branch", code=r.code)
        weight = 1.0
        if "weight" in rec:
            try:
                w = _number(rec["weight"])
            except (TypeError, ValueError):
                w = None
            if r.parent is not None and (w is None or not math.isfinite(w) or w <= 0):
                report(_at(where, "weight"), "fw_bad_weight", code=r.code, weight=rec["weight"])
            elif w is not None:
                weight = w
        texts = {f: _clean_text(rec.get(f)) for f in _TEXT_FIELDS}
        if is_aggregate:
            nodes[r.code] = Aggregate(code=r.code, parent=r.parent, weight=weight, **texts)
            continue
        direction = Direction.parse(rec.get("direction")) if "direction" in rec else None
        if direction is None:
            at = _at(where, "direction") if "direction" in rec else where
            report(at, "fw_bad_direction", code=r.code, direction=rec.get("direction"))
            direction = Direction.HIGHER
        target = None
        try:
            target = _number(rec.get("target"))
        except (TypeError, ValueError):
            report(_at(where, "target"), "fw_bad_number", code=r.code, field="target",
                   value=rec.get("target"))
        goalposts = _goalposts(rec.get("goalposts"))
        if goalposts is False:
            report(_at(where, "goalposts"), "fw_bad_goalposts", code=r.code,
                   value=rec.get("goalposts"))
            goalposts = None
        denominator = _clean_text(rec.get("denominator")) or None
        choices = {}
        for name, words, kind in (("category", _CATEGORY_WORDS, "fw_bad_category"),
                                  ("rule", _RULE_WORDS, "fw_bad_rule")):
            raw = _clean_text(rec.get(name))
            choices[name] = words.get(raw.lower(), None) if raw else ""
            if choices[name] is None:
                report(_at(where, name), kind, code=r.code, value=rec.get(name))
                choices[name] = ""
        nodes[r.code] = Indicator(
            code=r.code, parent=r.parent or "", direction=direction, weight=weight, target=target,
            goalposts=goalposts, denominator=denominator, **texts, **choices,
        )

    declared = {d.code for d in denominators}
    denominators = list(denominators)
    for n in nodes.values():
        if isinstance(n, Indicator) and n.denominator and n.denominator not in declared:
            # An indicator may name its denominator without a declaration: declare it.
            denominators.append(Attribute(n.denominator))
            declared.add(n.denominator)

    if problems:
        raise FrameworkError(problems)

    # Parents before children, depth first, children in order; a stack, not recursion, so
    # that a framework thousands of levels deep does not exhaust Python's recursion limit.
    ordered: list[Node] = []
    stack = [roots[0].code]
    while stack:
        code = stack.pop()
        ordered.append(nodes[code])
        stack.extend(reversed(kids[code]))
    return Framework(tuple(ordered), tuple(groups), tuple(denominators), dict(meta or {}))


def _at(where: Mapping[str, Any], field_name: str) -> dict:
    """Return a record's location narrowed to one of its fields (a YAML key path)."""
    out = dict(where)
    key = out.get("key")
    if key:
        out["key"] = field_name if key == "(root)" else f"{key}.{field_name}"
    return out


_AGGREGATE_TYPES = {"aggregate", "dimension", "index", "维度", "汇总", "指数"}


def _goalposts(value: object) -> tuple[float, float] | bool | None:
    """Return (lo, hi), ``None`` when blank, ``False`` when malformed."""
    if _blank(value):
        return None
    if isinstance(value, str):
        value = value.replace("，", ",").strip("[]() ").split(",")
    try:
        lo, hi = (float(v) for v in value)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return False
    # Infinite goalposts put every value at the same normalised score (reliability FW_target_weird).
    return (lo, hi) if lo < hi and math.isfinite(lo) and math.isfinite(hi) else False
