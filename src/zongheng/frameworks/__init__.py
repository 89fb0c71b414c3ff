"""Bundled frameworks (内置指标体系): ``<name>.yaml`` files in this folder.

>>> from zongheng import frameworks
>>> "tiangong" in frameworks.available()
True
>>> frameworks.companion("tiangong", "award").name
'tiangong_award.yaml'
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from zongheng.framework import Framework

__all__ = ["available", "companion", "load", "path"]


def _root() -> Path:
    return Path(str(resources.files("zongheng.frameworks")))


# Companion files that sit beside a framework but are not frameworks themselves.
_COMPANIONS = ("_award", "_method")


def available() -> list[str]:
    """Return the names of the bundled frameworks (not their award-rule or method files)."""
    return sorted(p.stem for p in _root().glob("*.yaml") if not p.stem.endswith(_COMPANIONS))


def companion(name: str, kind: str) -> Path:
    """Return a framework's companion file: ``kind`` is ``award`` or ``method``."""
    file = _root() / f"{name}_{kind}.yaml"
    if not file.exists():
        raise KeyError(f"framework {name!r} has no {kind} file")
    return file


def path(name: str) -> Path:
    """Return the YAML file of a bundled framework (to copy and adapt)."""
    if name not in available():
        raise KeyError(f"unknown framework {name!r}; available: {', '.join(available())}")
    return _root() / f"{name}.yaml"


def load(name: str) -> Framework:
    """Load a bundled framework by name."""
    from zongheng.io import read_framework

    return read_framework(path(name))
