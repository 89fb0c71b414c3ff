"""Bundled datasets (内置数据集), each with its framework, data, method and provenance.

A dataset is a folder here with a ``dataset.yaml`` manifest::

    framework: iMeta.csv          # or a path relative to the package, e.g. ../frameworks/x.yaml
    data: iData.csv
    method: method.yaml           # optional: the default method
    units: units.csv              # optional: unit table (names, groups)
    synthetic: false              # true for generated demo data (said in every output)

and a ``README.md`` whose first line is its title and which says where the data come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from zongheng.framework import Framework
from zongheng.method import Method, read_method
from zongheng.panel import Panel

__all__ = ["Dataset", "available", "load", "manifest", "path"]


@dataclass(frozen=True)
class Dataset:
    """A bundled dataset: framework, panel, method and where they come from."""

    name: str
    framework: Framework
    panel: Panel
    method: Method
    provenance: str
    directory: Path
    synthetic: bool = False

    @property
    def title(self) -> str:
        """Return the first line of the provenance note (the dataset's title)."""
        return self.provenance.splitlines()[0].lstrip("# ") if self.provenance else self.name


def _root() -> Path:
    return Path(str(resources.files("zongheng.datasets")))


def available() -> list[str]:
    """Return the names of the bundled datasets."""
    return sorted(p.parent.name for p in _root().glob("*/dataset.yaml"))


def path(name: str) -> Path:
    """Return the folder of a bundled dataset."""
    if name not in available():
        raise KeyError(f"unknown dataset {name!r}; available: {', '.join(available())}")
    return _root() / name


def manifest(name: str) -> dict:
    """Return a bundled dataset's ``dataset.yaml`` manifest."""
    return yaml.safe_load((path(name) / "dataset.yaml").read_text(encoding="utf-8"))


def load(name: str, *, compiled: bool = True) -> Dataset:
    """Load a bundled dataset by name (e.g. ``"asem"``).

    Parameters
    ----------
    compiled : bool, default True
        Use the dataset's compiled form when its sources are unchanged (see
        :mod:`zongheng.datasets.compiled`); False always parses the sources.
    """
    from zongheng.datasets.compiled import load_compiled

    folder = path(name)
    spec = manifest(name)
    parsed = load_compiled(folder, spec) if compiled else None
    if parsed is None:
        parsed = _parse(folder, spec)
    framework, panel = parsed
    # Reports read the flag to say so on their first page, wherever the panel travels.
    panel = panel.with_meta(dataset=name, synthetic=bool(spec.get("synthetic", False)))
    method = read_method(folder / spec["method"]) if spec.get("method") else Method()
    provenance = (folder / "README.md").read_text(encoding="utf-8")
    return Dataset(name, framework, panel, method, provenance, folder, panel.meta["synthetic"])


def _parse(folder: Path, spec: dict) -> tuple[Framework, Panel]:
    """Read a dataset's framework and panel from its source files."""
    from zongheng.io import read_framework, read_panel

    framework = read_framework((folder / spec["framework"]).resolve())
    units = folder / spec["units"] if spec.get("units") else None
    return framework, read_panel(folder / spec["data"], framework, units=units)
