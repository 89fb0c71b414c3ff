"""Stand-ins for heavy imports (延迟导入) that a command module's functions use by bare name.

``zongheng --help`` imports every command module, so a module-level ``import pandas`` or
``from zongheng.analysis.path import path`` costs every command a second or more. Command
functions import what they need inside themselves; where a module's functions refer to a
module-level name instead, :func:`lazy` binds that name to a stand-in that imports the real
object on first use and then behaves as it (call, attribute, iteration, membership).

>>> pd = lazy("pandas")
>>> isna = lazy("pandas", "isna")
>>> bool(isna(float("nan"))), pd.isna(None)
(True, True)
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

__all__ = ["lazy"]


class _Lazy:
    """A module, or an object in a module, imported when first used."""

    __slots__ = ("_module", "_name", "_target")

    def __init__(self, module: str, name: str | None) -> None:
        self._module = module
        self._name = name
        self._target: Any = None

    def _resolve(self) -> Any:
        if self._target is None:
            module = importlib.import_module(self._module)
            self._target = module if self._name is None else getattr(module, self._name)
        return self._target

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._resolve(), attr)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._resolve()(*args, **kwargs)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._resolve())

    def __contains__(self, item: object) -> bool:
        return item in self._resolve()

    def __len__(self) -> int:
        return len(self._resolve())

    def __getitem__(self, key: Any) -> Any:
        return self._resolve()[key]

    def __repr__(self) -> str:
        where = self._module if self._name is None else f"{self._module}.{self._name}"
        state = "imported" if self._target is not None else "not imported yet"
        return f"<lazy {where} ({state})>"


def lazy(module: str, name: str | None = None) -> Any:
    """Return a stand-in for ``module`` (or ``module.name``) that imports it on first use.

    Parameters
    ----------
    module : str
        Absolute module name, e.g. ``"pandas"``.
    name : str, optional
        An attribute of the module (a function, class or constant).
    """
    return _Lazy(module, name)
