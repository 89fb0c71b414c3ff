"""Where report data come from (数据来源): whether a panel is a bundled synthetic demo."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from zongheng.panel import Panel

__all__ = ["is_synthetic"]


@lru_cache(maxsize=8)
def _synthetic_datasets() -> tuple[str, ...]:
    root = Path(str(resources.files("zongheng.datasets")))
    names = []
    for manifest in sorted(root.glob("*/dataset.yaml")):
        doc = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
        if doc.get("synthetic"):
            names.append(manifest.parent.name)
    return tuple(names)


@lru_cache(maxsize=8)
def _dataset_panel(name: str) -> Panel:
    from zongheng import datasets

    return datasets.load(name).panel


def is_synthetic(panel: Panel) -> bool:
    """Return whether a panel holds the values of a bundled synthetic dataset (合成演示数据).

    ``panel.meta["synthetic"]`` decides when present. Otherwise the panel is
    compared with the bundled datasets marked ``synthetic: true`` (same units,
    periods and values), so that a report built from demo data says so even
    when the caller did not pass the flag.
    """
    flag = panel.meta.get("synthetic")
    if flag is not None:
        return bool(flag)
    for name in _synthetic_datasets():
        demo = _dataset_panel(name)
        if tuple(demo.units) != tuple(panel.units) or tuple(map(str, demo.periods)) != tuple(
                map(str, panel.periods)):
            continue
        common = [c for c in panel.indicators if c in demo.indicators]
        if not common:
            continue
        a = panel.values[:, :, [panel.indicators.index(c) for c in common]]
        b = demo.values[:, :, [demo.indicators.index(c) for c in common]]
        if np.array_equal(a, b, equal_nan=True):
            return True
    return False
