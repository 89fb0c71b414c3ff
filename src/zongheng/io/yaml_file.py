"""YAML files given to zongheng (YAML 文件读取): one loader for frameworks, methods and rules.

Every YAML file a user hands over (framework, method, award rule, warning rule,
scenario, uncertainty spec, grading rule) is read by :func:`read_yaml`:

* the bytes are decoded as UTF-8 (with or without BOM) or GB18030/GBK, like CSV
  files (:func:`zongheng.io.tables.read_text_any`);
* only plain YAML is built (a :class:`yaml.SafeLoader`, so ``!!python/...`` tags
  are refused);
* a key written twice in one mapping is an error naming the key path and both
  lines: YAML itself keeps the last value, so ``direction: +`` followed by
  ``direction: -`` would flip an indicator without a word;
* aliases (``*name``) may not make the document grow by more than
  :data:`MAX_ALIAS_NODES` nodes, and may not refer to the node they sit in: a
  1 KB file of nested aliases otherwise stands for 2²⁴ nodes and takes every
  byte of memory of whoever walks it;
* a syntax error becomes one :class:`~zongheng.errors.Problem` with the file,
  line and column.

The caller chooses the error class (a framework file raises
:class:`~zongheng.errors.FrameworkError`, a method or rule
:class:`~zongheng.errors.MethodError`, a scenario :class:`~zongheng.errors.DataError`)
and the message key of a syntax error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Any

import yaml

from zongheng.errors import DataError, FrameworkError, MethodError, Problem
from zongheng.i18n import register_messages
from zongheng.io.text import read_text_any

__all__ = ["MAX_ALIAS_NODES", "parse_yaml", "read_yaml"]

MAX_ALIAS_NODES = 100_000
"""The most nodes that aliases may add to a document (counted as if every alias were copied out)."""

ErrorClass = type[DataError] | type[FrameworkError] | type[MethodError]

register_messages({
    "yaml_duplicate_key": (
        "键 '{name}' 在同一层写了两次（首次在第 {first} 行）；YAML 会用后写的值悄悄覆盖先写的，请只保留一个",
        "the key '{name}' is written twice at the same level (first at line {first}); YAML would "
        "silently keep the later value: keep only one",
    ),
    "yaml_alias_bomb": (
        "别名 (*) 展开后会超过 {limit} 个节点（共引用 {uses} 次，如第 {line} 行的锚点 &{name}），"
        "拒绝读取；请把重复的内容直接写出",
        "the aliases (*) would expand to more than {limit} nodes ({uses} uses, e.g. of the anchor "
        "&{name} at line {line}): refused; write the repeated parts out",
    ),
    "yaml_recursive_alias": (
        "第 {line} 行的锚点 &{name} 被它内部的别名引用（循环引用）",
        "the anchor &{name} at line {line} is used by an alias inside itself (a cycle)",
    ),
    "yaml_too_deep": (
        "YAML 嵌套超过 1000 层；层级很深的指标体系请写成 elements: 平铺列表（每项写 parent），"
        "或用表格（code、parent 列）",
        "the YAML nests more than 1000 levels; write a very deep framework as a flat elements: "
        "list (each with its parent) or as a table (code and parent columns)",
    ),
})

# libyaml >= 0.2.5 stops at 1000 levels of nesting with this message; the pure-Python
# parser recurses instead (RecursionError). Both become ``yaml_too_deep``.
_TOO_DEEP = "maximum nesting depth"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"


def read_yaml(path: str | Path, *, error: ErrorClass, bad_yaml: str = "fw_bad_yaml",
              repair: Callable[[str], str] | None = None) -> Any:
    """Read a YAML file (读取 YAML 文件) given by the user; see the module docstring.

    Parameters
    ----------
    path : str or Path
        The file.
    error : FrameworkError, MethodError or DataError
        The class raised for every problem (missing file, encoding, syntax,
        duplicate key, alias bomb).
    bad_yaml : str
        Message key of a syntax error; it receives ``detail``.
    repair : callable, optional
        Applied to the text when it does not parse; the repaired text is parsed
        instead, and if that fails too the first error is reported.

    Returns
    -------
    object
        The document (``None`` for an empty file).

    Raises
    ------
    FrameworkError, MethodError or DataError
        As chosen by ``error``.
    """
    path = Path(path)
    if not path.exists():
        raise error([Problem("file_not_found", file=str(path))])
    try:
        text = read_text_any(path)
    except DataError as exc:
        raise error(list(exc.problems)) from None
    return parse_yaml(text, file=path.name, error=error, bad_yaml=bad_yaml, repair=repair)


def parse_yaml(text: str, *, file: str | None = None, error: ErrorClass = MethodError,
               bad_yaml: str = "fw_bad_yaml", repair: Callable[[str], str] | None = None) -> Any:
    """Parse YAML text (解析 YAML 文本) as :func:`read_yaml` does; ``file`` names it in messages."""
    try:
        return _parse(text, file)
    except _Refused as refused:
        raise error(refused.problems) from None
    except yaml.YAMLError as first:
        fixed = repair(text) if repair else text
        if fixed != text:
            try:
                return _parse(fixed, file)
            except (_Refused, yaml.YAMLError, RecursionError):
                pass
        raise error([_syntax_problem(first, file, bad_yaml)]) from None
    except RecursionError:
        raise error([Problem("yaml_too_deep", file=file)]) from None


class _Refused(Exception):
    """The YAML parsed but is refused (duplicate keys, aliases); carries the problems."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


def _syntax_problem(exc: yaml.YAMLError, file: str | None, kind: str) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where: dict[str, Any] = {"file": file}
    if mark is not None:
        where.update(row=mark.line + 1, column=str(mark.column + 1))
    problem = str(getattr(exc, "problem", "") or "")
    if _TOO_DEEP in problem:
        return Problem("yaml_too_deep", **where)
    context = str(getattr(exc, "context", "") or "")
    detail = f"{context}: {problem}" if context and problem else (problem or context or str(exc))
    return Problem(kind, {"detail": detail}, **where)


def _parse(text: str, file: str | None) -> Any:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        _check_nodes(loader, root, file, text)
        return loader.construct_document(root)
    finally:
        loader.dispose()


def _children(node: yaml.Node) -> Iterator[tuple[str, yaml.Node]]:
    """Yield (key path step, child) pairs; a mapping's key nodes have an empty step."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield "", key
            yield (str(key.value) if isinstance(key, yaml.ScalarNode) else "?"), value
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield f"[{i}]", item


def _check_nodes(loader: Any, root: yaml.Node, file: str | None, text: str) -> None:
    """Refuse duplicate keys, recursive aliases and alias expansion past the limit.

    One depth-first walk over the composed node graph (an alias is the very node
    its anchor names, so a node reached again is an alias use). The expanded
    size, the node count as if every alias were copied out, is summed bottom-up
    and capped, so a bomb is measured without being expanded.
    """
    cap = 10**12  # keeps the sums small; any size past MAX_ALIAS_NODES is refused anyway
    grey, black = 1, 2
    state: dict[int, int] = {id(root): grey}
    size: dict[int, int] = {}
    parent: dict[int, tuple[int | None, str]] = {id(root): (None, "")}
    problems: list[Problem] = []
    alias_uses = 0
    first_alias: yaml.Node | None = None
    _duplicate_keys(loader, root, parent, file, problems)
    # Each entry: the node, its children still to visit, the expanded size of those visited.
    stack: list[list[Any]] = [[root, _children(root), 1]]
    while stack:
        top = stack[-1]
        step, child = next(top[1], ("", None))
        if child is None:
            stack.pop()
            state[id(top[0])] = black
            size[id(top[0])] = min(cap, top[2])
            if stack:
                stack[-1][2] += size[id(top[0])]
            continue
        seen = state.get(id(child))
        if seen is not None:
            alias_uses += 1
            first_alias = first_alias or child
            if seen == grey:
                raise _Refused([Problem("yaml_recursive_alias", _anchor(child, text), file=file)])
            top[2] += size[id(child)]
            continue
        state[id(child)] = grey
        parent[id(child)] = (id(top[0]), step)
        _duplicate_keys(loader, child, parent, file, problems)
        stack.append([child, _children(child), 1])
    if problems:
        raise _Refused(problems)
    if first_alias is not None and size[id(root)] - len(state) > MAX_ALIAS_NODES:
        raise _Refused([Problem("yaml_alias_bomb", {**_anchor(first_alias, text), "uses": alias_uses,
                                                    "limit": f"{MAX_ALIAS_NODES:,}"}, file=file)])


_ANCHOR = re.compile(r"&([^\s,\[\]{}]+)")


def _anchor(node: yaml.Node, text: str) -> dict[str, object]:
    """Return the anchor's name and line of an aliased node (nodes do not keep the name)."""
    line = node.start_mark.line
    lines = text.splitlines()
    found = _ANCHOR.findall(lines[line]) if line < len(lines) else []
    return {"name": found[-1] if found else "?", "line": line + 1}


def _path(parent: dict[int, tuple[int | None, str]], node_id: int) -> str:
    steps: list[str] = []
    current: int | None = node_id
    while current is not None:
        current, step = parent[current]
        if step:
            steps.append(step)
    out = ""
    for step in reversed(steps):
        out += step if step.startswith("[") or not out else f".{step}"
    return out


def _duplicate_keys(loader: Any, node: yaml.Node, parent: dict[int, tuple[int | None, str]],
                    file: str | None, problems: list[Problem]) -> None:
    """Report every key written twice in one mapping (merge keys ``<<`` aside)."""
    if not isinstance(node, yaml.MappingNode):
        return
    first: dict[Hashable, int] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
            continue
        value: Hashable = key.value
        if key.tag != _STR:  # 1 and 0x1, true and yes: the same key once built
            try:
                value = loader.construct_object(key)
                hash(value)
            except (yaml.YAMLError, TypeError):
                value = (key.tag, key.value)
        line = key.start_mark.line + 1
        if value in first:
            base = _path(parent, id(node))
            name = str(key.value)
            problems.append(Problem("yaml_duplicate_key", {"name": name, "first": first[value]},
                                    file=file, row=line, key=f"{base}.{name}" if base else name))
        else:
            first[value] = line
