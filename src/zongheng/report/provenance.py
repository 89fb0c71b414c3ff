"""Where report data come from (数据来源): whether a panel is a bundled synthetic demo; 未审核.

A document made from data not all approved yet (the platform's runs on 未审核 data) says so on
its first page: every writer takes ``unapproved=True`` and shows :func:`unapproved_text`.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from zongheng.i18n import register_messages, text
from zongheng.panel import Panel

__all__ = ["UNAPPROVED_MARK", "is_synthetic", "unapproved_text"]

register_messages({
    "report_unapproved_mark": ("未审核", "NOT APPROVED"),
    "report_unapproved": ("未审核：本文件所用数据尚未全部审核，仅供内部参考，不得引用。",
                          "NOT APPROVED: the data of this document are not all approved yet; "
                          "internal use only, do not quote."),
})

UNAPPROVED_MARK = "未审核"
"""The mark every document on data not all approved carries, in Chinese (as documents show it)."""


def unapproved_text(lang: str = "zh", *, short: bool = False) -> str:
    """Return the 未审核 notice of a document in ``lang``: the mark alone with ``short``.

    The English notice keeps the Chinese mark too (未审核), so a reader of either finds it.
    """
    if lang == "en":
        mark = f"{UNAPPROVED_MARK} {text('report_unapproved_mark', 'en')}"
        return mark if short else f"{UNAPPROVED_MARK} {text('report_unapproved', 'en')}"
    return text("report_unapproved_mark", "zh") if short else text("report_unapproved", "zh")


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
