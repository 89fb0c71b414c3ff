"""Bundled frameworks (内置指标体系): ``<name>.yaml`` files in this folder.

>>> from zongheng import frameworks
>>> "tiangong" in frameworks.available() or True
True
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from zongheng.framework import Framework

__all__ = ["available", "load", "path"]


def _root() -> Path:
    return Path(str(resources.files("zongheng.frameworks")))


def available() -> list[str]:
    """Return the names of the bundled frameworks."""
    return sorted(p.stem for p in _root().glob("*.yaml"))


def path(name: str) -> Path:
    """Return the YAML file of a bundled framework (to copy and adapt)."""
    if name not in available():
        raise KeyError(f"unknown framework {name!r}; available: {', '.join(available())}")
    return _root() / f"{name}.yaml"


def load(name: str) -> Framework:
    """Load a bundled framework by name."""
    from zongheng.io import read_framework

    return read_framework(path(name))
