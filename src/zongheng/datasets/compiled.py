"""Compiled bundled datasets (预编译数据集): the parsed framework and panel, ready to load.

Reading a bundled dataset's CSV files goes through the table readers (pandas,
pyarrow: about half a second to import). The parsed result is stored beside
the files as ``compiled.json`` — the framework as its YAML mapping, the panel's
values and labels — together with the sha256 of every source file, so that a
command such as ``zongheng build --dataset asem`` starts at once. A compiled
file is used only when every source still has the recorded hash; otherwise the
sources are read as usual. A test checks that each compiled file equals a
fresh parse (``python -m zongheng.datasets.compiled`` writes them anew).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from zongheng.framework import Framework
from zongheng.panel import Panel

__all__ = ["COMPILED", "FORMAT", "compiled", "load_compiled", "source_files", "write_compiled"]

COMPILED = "compiled.json"
FORMAT = 1
"""Bumped when the layout of the compiled file changes (an older file is then not used)."""


def source_files(folder: Path, manifest: dict[str, Any]) -> dict[str, Path]:
    """Return the files a dataset is parsed from, by manifest key (framework, data, units)."""
    return {key: (folder / manifest[key]).resolve() for key in ("framework", "data", "units")
            if manifest.get(key)}


def _digests(files: dict[str, Path]) -> dict[str, str]:
    return {key: hashlib.sha256(path.read_bytes()).hexdigest() for key, path in files.items()}


def _plain(value: Any) -> Any:
    """JSON types: numpy scalars unwrapped, NaN as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _array(values: np.ndarray) -> list:
    return np.where(np.isnan(values), None, values.astype(object)).tolist()


def compiled(framework: Framework, panel: Panel, files: dict[str, Path]) -> dict[str, Any]:
    """Return the compiled form of a parsed dataset (a JSON-ready mapping)."""
    from zongheng.io.framework_yaml import framework_to_dict

    return {
        "format": FORMAT,
        "sources": _digests(files),
        "framework": framework_to_dict(framework),
        "panel": {
            "units": list(panel.units),
            "periods": [_plain(p) for p in panel.periods],
            "indicators": list(panel.indicators),
            "values": _array(panel.values),
            "attributes": {"name": list(panel.names_),
                           **{k: [_plain(v) for v in col] for k, col in panel.groups_.items()}},
            "denominator_codes": list(panel.denominator_codes),
            "denominators": _array(panel.denominators),
            "source": panel.source,
        },
    }


def write_compiled(folder: Path, document: dict[str, Any]) -> Path:
    """Write a dataset's compiled form beside its files (atomically)."""
    from zongheng.io.atomic import atomic_write

    path = folder / COMPILED
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))

    def write(tmp: Path) -> None:
        tmp.write_text(text + "\n", encoding="utf-8")

    atomic_write(path, write)
    return path


def load_compiled(folder: Path, manifest: dict[str, Any]) -> tuple[Framework, Panel] | None:
    """Return the dataset's framework and panel from its compiled file, or None if it is stale."""
    path = folder / COMPILED
    if not path.is_file():
        return None
    document = json.loads(path.read_text(encoding="utf-8"))
    if document.get("format") != FORMAT or document.get("sources") != _digests(
            source_files(folder, manifest)):
        return None
    from zongheng.io.framework_yaml import framework_from_dict

    framework = framework_from_dict(document["framework"])
    p = document["panel"]
    shape = (len(p["periods"]), len(p["units"]))
    values = np.array(p["values"], dtype=np.float64).reshape(*shape, len(p["indicators"]))
    denominators = np.array(p["denominators"], dtype=np.float64).reshape(*shape, len(p["denominator_codes"]))
    panel = Panel(values, p["units"], p["periods"], p["indicators"], p["attributes"], denominators,
                  p["denominator_codes"], p["source"])
    return framework, panel


def main() -> None:  # pragma: no cover - a maintenance command, exercised by the test through load
    """Write ``compiled.json`` for every bundled dataset from a fresh parse of its sources."""
    import sys

    from zongheng import datasets

    for name in datasets.available():
        ds = datasets.load(name, compiled=False)
        manifest = datasets.manifest(name)
        written = write_compiled(ds.directory, compiled(ds.framework, ds.panel,
                                                        source_files(ds.directory, manifest)))
        sys.stdout.write(f"{written}\n")


if __name__ == "__main__":  # pragma: no cover
    main()
