"""Small builders shared by tests (a framework and a panel from plain lists)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from zongheng.framework import Framework, framework_from_records
from zongheng.panel import Panel


def make_framework(tree: dict[str, list[str]], directions: dict[str, str] | None = None,
                   weights: dict[str, float] | None = None, denominators: dict[str, str] | None = None
                   ) -> Framework:
    """Build a framework from {parent: [children]}; the first key is the index."""
    directions = directions or {}
    weights = weights or {}
    denominators = denominators or {}
    parents = {c: p for p, kids in tree.items() for c in kids}
    codes = list(tree) + [c for kids in tree.values() for c in kids if c not in tree]
    records = []
    for code in codes:
        rec = {"code": code, "parent": parents.get(code), "weight": weights.get(code, 1.0)}
        if code in tree:
            rec["type"] = "aggregate"
        else:
            rec["direction"] = directions.get(code, "+")
            if code in denominators:
                rec["denominator"] = denominators[code]
        records.append(rec)
    return framework_from_records(records, [{"key": c} for c in codes])


def make_panel(framework: Framework, values, units=None, periods=None, groups=None,
               denominators=None) -> Panel:
    values = np.asarray(values, dtype=float)
    if values.ndim == 2:
        values = values[None]
    n_p, n_u, _ = values.shape
    units = units or [f"U{i}" for i in range(n_u)]
    periods = periods or list(range(2020, 2020 + n_p))
    attrs = pd.DataFrame(groups or {}, index=pd.Index(units, name="unit"))
    den_codes = tuple(denominators) if denominators else ()
    den = (np.stack([np.asarray(v, dtype=float).reshape(n_p, n_u) for v in denominators.values()],
                    axis=-1) if denominators else None)
    return Panel(values, units, periods, framework.indicator_codes, attrs, den, den_codes)
