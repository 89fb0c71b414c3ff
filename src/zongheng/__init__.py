"""zongheng (纵横): evaluate, rank and benchmark regions and enterprises on indicator systems.

>>> import zongheng as zh
>>> ds = zh.datasets.load("asem")
>>> ev = zh.build(ds.framework, ds.panel, ds.method)
>>> ev.ranking().iloc[0]["unit"]
'CHE'

The names below are imported on first use (PEP 562), so ``import zongheng`` and the
command line's ``--help`` start without numpy, pandas or scipy.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from zongheng.errors import (
    ArgumentError,
    DataError,
    FrameworkError,
    MethodError,
    ZonghengError,
    ZonghengWarning,
)
from zongheng.i18n import set_lang

if TYPE_CHECKING:  # what the lazy names are, for type checkers and IDEs
    from zongheng import datasets, enterprise, frameworks
    from zongheng.analysis.attainment import attainment
    from zongheng.analysis.gap import gap
    from zongheng.analysis.path import path
    from zongheng.analysis.progress import progress
    from zongheng.analysis.strengths import strengths
    from zongheng.analysis.whatif import whatif
    from zongheng.build import build
    from zongheng.evaluation import Evaluation
    from zongheng.framework import Aggregate, Direction, Framework, Indicator
    from zongheng.io import read_framework, read_panel, write_framework
    from zongheng.method import Method, read_method, write_method
    from zongheng.panel import Panel

__version__ = "0.1.0"  # kept equal to pyproject.toml's version by tests/test_startup.py

__all__ = [
    "Aggregate",
    "ArgumentError",
    "DataError",
    "Direction",
    "Evaluation",
    "Framework",
    "FrameworkError",
    "Indicator",
    "Method",
    "MethodError",
    "Panel",
    "ZonghengError",
    "ZonghengWarning",
    "attainment",
    "build",
    "datasets",
    "enterprise",
    "frameworks",
    "gap",
    "path",
    "progress",
    "read_framework",
    "read_method",
    "read_panel",
    "set_lang",
    "strengths",
    "whatif",
    "write_framework",
    "write_method",
]

# name -> module that defines it; a name that is its own module is a subpackage.
_LAZY: dict[str, str] = {
    "Aggregate": "zongheng.framework",
    "Direction": "zongheng.framework",
    "Framework": "zongheng.framework",
    "Indicator": "zongheng.framework",
    "Evaluation": "zongheng.evaluation",
    "Method": "zongheng.method",
    "read_method": "zongheng.method",
    "write_method": "zongheng.method",
    "Panel": "zongheng.panel",
    "build": "zongheng.build",
    "read_framework": "zongheng.io",
    "read_panel": "zongheng.io",
    "write_framework": "zongheng.io",
    "datasets": "zongheng.datasets",
    "enterprise": "zongheng.enterprise",
    "frameworks": "zongheng.frameworks",
    # the 纵横 analyses, where a user looks for them (also methods of Evaluation)
    "progress": "zongheng.analysis.progress",
    "strengths": "zongheng.analysis.strengths",
    "gap": "zongheng.analysis.gap",
    "path": "zongheng.analysis.path",
    "whatif": "zongheng.analysis.whatif",
    "attainment": "zongheng.analysis.attainment",
}


def __getattr__(name: str) -> Any:
    """Import a public name on first access and keep it (PEP 562)."""
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'zongheng' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if module_name == f"zongheng.{name}" and name != "build" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """The ``zongheng`` module object.

    Importing the submodule ``zongheng.build`` makes Python set the attribute ``build`` on
    this package to the *module*; ``zh.build`` must stay the *function*, whichever of the
    two is imported first, so that one assignment is dropped and ``__getattr__`` answers.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "build" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
