"""Checks at the public edge (入口检查): arguments of the library's entry points.

Readers already check files cell by cell; a Python caller who builds a
framework, a panel or a method by hand passes through here instead, and gets
the same kind of error — saying what was expected and what was found — rather
than an ``AttributeError`` from deep inside a step.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zongheng.errors import ArgumentError, DataError, MethodError, Problem, ZonghengWarning
from zongheng.framework import Framework
from zongheng.i18n import register_messages, text
from zongheng.method import Method, read_method
from zongheng.panel import Panel
from zongheng.steps import STAGES, registry

__all__ = ["check_inputs", "check_method", "closest"]

register_messages({
    "arg_bad_type": (
        "参数 {name} 应为 {expected}，实际为 {found}",
        "the argument {name} must be {expected}, got {found}",
    ),
    "arg_swapped": (
        "参数顺序有误：应为 build(framework, panel, method)，framework 与 panel 的位置颠倒了",
        "the arguments are in the wrong order: build(framework, panel, method) was called with the "
        "panel first",
    ),
    "arg_bad_choice": (
        "参数 {name} 应为 {allowed} 之一，实际为 {found!r}",
        "the argument {name} must be one of {allowed}, got {found!r}",
    ),
    "method_is_a_step": (
        "'{name}' 是{stages}步骤的方法名，而不是一个完整的方法；可写作 Method({example}) 或 "
        "{{'{stage}': '{name}'}}",
        "'{name}' is a method of the stage(s) {stages}, not a whole method; write Method({example}) "
        "or {{'{stage}': '{name}'}}",
    ),
    "method_not_found": (
        "'{name}' 既不是方法 YAML 文件，也不是任何步骤的方法名",
        "'{name}' is neither a method YAML file nor the name of any step's method",
    ),
    "panel_missing_indicators": (
        "数据缺少指标体系中的 {n} 个指标: {codes}",
        "the data lacks {n} indicator(s) of the framework: {codes}",
    ),
    "warn_panel_extra_indicators": (
        "数据中有 {n} 个指标不在指标体系中，已忽略: {codes}",
        "{n} indicator(s) of the data are not in the framework and are ignored: {codes}",
    ),
    "did_you_mean": ("（是否为 {name}？）", " (did you mean {name}?)"),
})


def closest(name: str, known: Any) -> str:
    """Return " (did you mean X?)" for the closest known name, or an empty string."""
    match = difflib.get_close_matches(str(name), [str(k) for k in known], n=1, cutoff=0.6)
    return text("did_you_mean", name=match[0]) if match else ""


def _type_name(value: Any) -> str:
    return type(value).__name__


def check_method(method: Any, *, name: str = "method") -> Method:
    """Return a :class:`Method` from a Method, a YAML mapping, a YAML file path or None.

    Raises
    ------
    MethodError
        For a mapping or file that is not a valid method, or a step's name
        given where a whole method is expected (``method="minmax"``).
    ArgumentError
        For anything else.
    """
    if method is None:
        return Method()
    if isinstance(method, Method):
        return method
    if isinstance(method, Mapping):
        return Method.from_dict(method)
    if isinstance(method, str | Path):
        path = Path(method)
        if path.suffix.lower() in (".yaml", ".yml") or path.is_file():
            return read_method(path)
        stages = [s for s in STAGES if str(method) in registry(s)]
        if stages:
            stage = stages[0]
            raise MethodError([Problem("method_is_a_step", {
                "name": method, "stages": "、".join(stages), "stage": stage,
                "example": f"{stage}={str(method)!r}"}, key=name)])
        raise MethodError([Problem("method_not_found", {"name": method}, key=name)])
    raise ArgumentError([Problem("arg_bad_type", {
        "name": name, "expected": "Method, mapping or YAML path", "found": _type_name(method)})])


def check_inputs(framework: Any, panel: Any, method: Any = None, *,
                 keep: str = "all") -> tuple[Framework, Panel, Method]:
    """Check and coerce the arguments of :func:`zongheng.build`.

    Returns
    -------
    framework : Framework
    panel : Panel
        With its indicators in the framework's order; indicators the
        framework does not have are dropped with a warning naming them.
    method : Method

    Raises
    ------
    ArgumentError
        Arguments of the wrong type or swapped, or an unknown ``keep``.
    DataError
        The panel lacks some of the framework's indicators (all named).
    MethodError
        The method cannot be read.
    """
    if isinstance(framework, Panel) and isinstance(panel, Framework):
        raise ArgumentError([Problem("arg_swapped")])
    problems = []
    if not isinstance(framework, Framework):
        problems.append(Problem("arg_bad_type", {"name": "framework", "expected": "Framework",
                                                 "found": _type_name(framework)}))
    if not isinstance(panel, Panel):
        problems.append(Problem("arg_bad_type", {"name": "panel", "expected": "Panel",
                                                 "found": _type_name(panel)}))
    if keep not in ("all", "final"):
        problems.append(Problem("arg_bad_choice", {"name": "keep", "allowed": "all, final",
                                                   "found": keep}))
    if problems:
        raise ArgumentError(problems)
    method = check_method(method)
    return framework, align_panel(panel, framework), method


def align_panel(panel: Panel, framework: Framework) -> Panel:
    """Return the panel with the framework's indicators in the framework's order.

    Raises
    ------
    DataError
        Naming every indicator of the framework the panel lacks.
    """
    wanted = framework.indicator_codes
    if tuple(panel.indicators) == wanted:
        return panel
    have = set(panel.indicators)
    missing = [c for c in wanted if c not in have]
    if missing:
        shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        raise DataError([Problem("panel_missing_indicators", {"n": len(missing), "codes": shown})])
    extra = [c for c in panel.indicators if c not in set(wanted)]
    if extra:
        shown = ", ".join(extra[:10]) + (" …" if len(extra) > 10 else "")
        warnings.warn(text("warn_panel_extra_indicators", n=len(extra), codes=shown),
                      ZonghengWarning, stacklevel=3)
    position = {c: i for i, c in enumerate(panel.indicators)}
    return panel.select_indicators([position[c] for c in wanted], wanted)
