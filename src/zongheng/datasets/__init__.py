"""Bundled datasets (内置数据集), each with its framework, data, method and provenance."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from zongheng.framework import Framework
from zongheng.method import Method, read_method
from zongheng.panel import Panel

__all__ = ["Dataset", "available", "load"]

_FILES = {
    "asem": {"framework": "iMeta.csv", "data": "iData.csv", "method": "method.yaml"},
}


@dataclass(frozen=True)
class Dataset:
    """A bundled dataset: framework, panel, method and where they come from."""

    name: str
    framework: Framework
    panel: Panel
    method: Method
    provenance: str
    directory: Path


def available() -> list[str]:
    """Return the names of the bundled datasets."""
    return sorted(_FILES)


def path(name: str) -> Path:
    """Return the folder of a bundled dataset."""
    if name not in _FILES:
        raise KeyError(f"unknown dataset {name!r}; available: {', '.join(available())}")
    return Path(str(resources.files("zongheng.datasets") / name))


def load(name: str) -> Dataset:
    """Load a bundled dataset by name (e.g. ``"asem"``)."""
    from zongheng.io import read_framework, read_panel

    folder = path(name)
    files = _FILES[name]
    framework = read_framework(folder / files["framework"])
    panel = read_panel(folder / files["data"], framework)
    method = read_method(folder / files["method"])
    provenance = (folder / "README.md").read_text(encoding="utf-8")
    return Dataset(name, framework, panel, method, provenance, folder)
