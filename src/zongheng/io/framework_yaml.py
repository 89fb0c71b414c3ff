"""Frameworks in YAML (指标体系 YAML 文件): read a nested tree, write it back.

The file is the index itself: its fields, ``children`` (nested to any depth),
and optionally ``groups``, ``denominators`` and ``meta``::

    code: Index
    name: 综合指数
    groups: [{code: city, name: 设区市}]
    children:
      - code: Q
        name: 质量变革
        weight: 0.2
        children:
          - {code: Q1, name: 规上工业亩均税收, unit: 万元/亩, direction: +, weight: 1}

A flat list under ``elements:`` (each with a ``parent``) is read as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from zongheng.errors import FrameworkError, Problem
from zongheng.framework import (
    RECORD_FIELDS,
    Aggregate,
    Attribute,
    Framework,
    Indicator,
    framework_from_records,
)
from zongheng.io.atomic import write_text_atomic
from zongheng.io.yaml_file import read_yaml

__all__ = ["framework_from_dict", "framework_to_dict", "read_framework_yaml", "write_framework_yaml"]

_TOP_ONLY = {"children", "groups", "denominators", "meta", "elements", "zongheng"}
_NODE_FIELDS = set(RECORD_FIELDS) - {"parent"} | {"children"}


def read_framework_yaml(path: str | Path) -> Framework:
    """Read a framework from a YAML file.

    Raises
    ------
    FrameworkError
        Listing every problem, each with its key path (e.g. ``children[1].weight``).
    """
    doc = read_yaml(path, error=FrameworkError, repair=_repair)
    return framework_from_dict(doc, file=Path(path).name)


def _repair(text: str) -> str:
    """Quote lone ``-``/``>=`` values, which YAML rejects (tried only when the text does not parse)."""
    return _quote_bare_rules(_quote_bare_dashes(text))


# ``direction: -`` is not valid YAML (a lone dash starts a list); read it as the string "-".
_BARE_DASH = re.compile(r"^(\s*(?:-\s+)?[^\s#:'\"-][^:#]*:[ \t]+)-([ \t]*(?:#.*)?)$", re.MULTILINE)


def _quote_bare_dashes(text: str) -> str:
    """Quote a value that is a lone ``-`` (a lower-is-better direction), which YAML rejects."""
    return _BARE_DASH.sub(r"\1'-'\2", text)


# ``rule: >=`` is not valid YAML either (``>`` starts a folded block): read it as ">=".
_BARE_AT_LEAST = re.compile(r"(:[ \t]+)>=(?=[ \t]*(?:[,}#]|$))", re.MULTILINE)


def _quote_bare_rules(text: str) -> str:
    """Quote a value that is a lone ``>=`` (an attainment rule), which YAML rejects."""
    return _BARE_AT_LEAST.sub(r"\1'>='", text)


def framework_from_dict(doc: Any, *, file: str | None = None) -> Framework:
    """Build a framework from the parsed YAML document (a nested mapping)."""
    if not isinstance(doc, dict):
        raise FrameworkError([Problem("fw_bad_shape", {"expected": "mapping",
                                                       "found": type(doc).__name__}, file=file)])
    problems: list[Problem] = []
    records: list[dict] = []
    where: list[Mapping] = []

    def unknown_fields(node: dict, at: Mapping, allowed: set[str]) -> None:
        for f in node:
            if f not in allowed:
                key = at["key"]
                problems.append(Problem("fw_unknown_field", {"field": f, "allowed": ", ".join(
                    sorted(allowed))}, file=file, key=str(f) if key == "(root)" else f"{key}.{f}"))

    def walk(root: dict) -> None:
        # Depth-first with a stack (not recursion): a framework may be thousands of levels deep.
        # Each record's key path is built only if a problem names it (_KeyPath).
        stack: list[tuple[Any, _KeyPath, str | None]] = [(root, _KeyPath(file, None, ""), None)]
        while stack:
            node, at, parent = stack.pop()
            if not isinstance(node, dict):
                problems.append(Problem("fw_bad_shape", {"expected": "mapping",
                                                         "found": repr(node)}, file=file, key=at.path()))
                continue
            unknown_fields(node, at, _NODE_FIELDS | (_TOP_ONLY if parent is None else set()))
            rec = {k: v for k, v in node.items() if k in RECORD_FIELDS}
            rec["parent"] = parent
            if "children" in node:
                rec.setdefault("type", "aggregate")
            records.append(rec)
            where.append(at)
            children = node.get("children") or []
            if not isinstance(children, list):
                problems.append(Problem("fw_bad_shape", {"expected": "list", "found": repr(children)},
                                        file=file, key=at.child("children").path()))
                continue
            code = _code_text(node.get("code"))
            stack.extend((child, at.child("children", i), code)
                         for i, child in reversed(list(enumerate(children))))

    if "elements" in doc:
        for i, rec in enumerate(doc["elements"] or []):
            key = f"elements[{i}]"
            if not isinstance(rec, dict):
                problems.append(Problem("fw_bad_shape", {"expected": "mapping",
                                                         "found": repr(rec)}, file=file, key=key))
                continue
            unknown_fields(rec, {"key": key}, set(RECORD_FIELDS))
            records.append(rec)
            where.append({"file": file, "key": key})
    else:
        walk(doc)

    groups = _attributes(doc.get("groups"), "groups", file, problems)
    denominators = _attributes(doc.get("denominators"), "denominators", file, problems)
    try:
        framework = framework_from_records(records, where, groups=groups,
                                           denominators=denominators, meta=doc.get("meta") or {})
    except FrameworkError as exc:
        problems.extend(exc.problems)
    if problems:
        raise FrameworkError(problems)
    return framework


class _KeyPath(Mapping):
    """A record's location, ``{"file": …, "key": "children[0].children[2]"}``, built on demand.

    A chain of thousands of levels would otherwise hold a key path per record as long as its
    depth: quadratic memory for locations that are read only when a problem names them.
    """

    __slots__ = ("_file", "_parent", "_step")

    def __init__(self, file: str | None, parent: _KeyPath | None, step: str):
        self._file, self._parent, self._step = file, parent, step

    def child(self, field: str, index: int | None = None) -> _KeyPath:
        """Return the location of ``field`` (``children``) or of its item ``index``."""
        at = _KeyPath(self._file, self, field)
        return at if index is None else _KeyPath(self._file, at, f"[{index}]")

    def path(self) -> str:
        """Return the key path, ``(root)`` for the document itself."""
        steps: list[str] = []
        at: _KeyPath | None = self
        while at is not None:
            if at._step:
                steps.append(at._step)
            at = at._parent
        out = ""
        for step in reversed(steps):
            out += step if step.startswith("[") or not out else f".{step}"
        return out or "(root)"

    def __getitem__(self, name: str) -> Any:
        if name == "file":
            return self._file
        if name == "key":
            return self.path()
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(("file", "key"))

    def __len__(self) -> int:
        return 2


def _code_text(value: object) -> str:
    """Return a code as the records see it (``1`` and ``1.0`` both give ``"1"``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _attributes(items: Any, key: str, file: str | None, problems: list[Problem]) -> list[Attribute]:
    out: list[Attribute] = []
    for i, item in enumerate(items or []):
        if isinstance(item, str):
            out.append(Attribute(item))
        elif isinstance(item, dict) and item.get("code"):
            out.append(Attribute(str(item["code"]), str(item.get("name", "")),
                                 str(item.get("name_en", "")), str(item.get("unit", ""))))
        else:
            problems.append(Problem("fw_bad_shape", {"expected": "code or {code, name}",
                                                     "found": repr(item)}, file=file,
                                    key=f"{key}[{i}]"))
    return out


def framework_to_dict(framework: Framework) -> dict:
    """Return the framework as the nested mapping written to YAML (defaults left out)."""

    def node_dict(code: str) -> dict:
        n = framework.node(code)
        out: dict[str, Any] = {"code": n.code}
        for f in ("name", "name_en", "unit"):
            if getattr(n, f):
                out[f] = getattr(n, f)
        if isinstance(n, Indicator):
            out["direction"] = n.direction.symbol
        if n.parent is not None:
            out["weight"] = _plain(n.weight)
        if isinstance(n, Indicator):
            if n.target is not None:
                out["target"] = _plain(n.target)
            if n.goalposts is not None:
                out["goalposts"] = [_plain(v) for v in n.goalposts]
            if n.denominator:
                out["denominator"] = n.denominator
            for f in ("category", "rule"):
                if getattr(n, f):
                    out[f] = getattr(n, f)
        for f in ("department", "source", "note"):
            if getattr(n, f):
                out[f] = getattr(n, f)
        if isinstance(n, Aggregate):
            out["children"] = [node_dict(c) for c in framework.children[code]]
        return out

    doc = node_dict(framework.root.code)
    top: dict[str, Any] = {}
    if framework.meta:
        top["meta"] = dict(framework.meta)
    for key, attrs in (("groups", framework.groups), ("denominators", framework.denominators)):
        if attrs:
            top[key] = [{k: v for k, v in (("code", a.code), ("name", a.name),
                                           ("name_en", a.name_en), ("unit", a.unit)) if v}
                        for a in attrs]
    children = doc.pop("children")
    return {**doc, **top, "children": children}


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else float(value)


def write_framework_yaml(framework: Framework, path: str | Path) -> None:
    """Write the framework to a YAML file (UTF-8, Chinese kept readable)."""
    text = yaml.safe_dump(framework_to_dict(framework), allow_unicode=True, sort_keys=False,
                          width=100)
    write_text_atomic(path, text)
