"""Test helpers (测试工具): small frameworks and panels from plain lists, and an equality check.

Public so that users testing their own methods can use them as zongheng's own tests do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from zongheng.evaluation import Evaluation
from zongheng.framework import Framework, framework_from_records
from zongheng.panel import Panel

__all__ = ["assert_evaluation_equal", "make_framework", "make_panel"]


def make_framework(tree: Mapping[str, Sequence[str]], *, directions: Mapping[str, str] | None = None,
                   weights: Mapping[str, float] | None = None,
                   denominators: Mapping[str, str] | None = None) -> Framework:
    """Build a framework from ``{parent: [children]}``; the first key is the index.

    Examples
    --------
    >>> fw = make_framework({"I": ["D1", "D2"], "D1": ["a", "b"], "D2": ["c"]}, directions={"b": "-"})
    >>> fw.indicator_codes, fw.levels["I"]
    (('a', 'b', 'c'), 3)
    """
    directions, weights, denominators = directions or {}, weights or {}, denominators or {}
    parents = {c: p for p, kids in tree.items() for c in kids}
    codes = list(tree) + [c for kids in tree.values() for c in kids if c not in tree]
    records = []
    for code in codes:
        rec: dict = {"code": code, "parent": parents.get(code), "weight": weights.get(code, 1.0)}
        if code in tree:
            rec["type"] = "aggregate"
        else:
            rec["direction"] = directions.get(code, "+")
            if code in denominators:
                rec["denominator"] = denominators[code]
        records.append(rec)
    return framework_from_records(records, [{"key": c} for c in codes])


def make_panel(framework: Framework, values: object, *, units: Sequence[str] | None = None,
               periods: Sequence[object] | None = None,
               groups: Mapping[str, Sequence[object]] | None = None,
               denominators: Mapping[str, Sequence[float]] | None = None) -> Panel:
    """Build a panel for ``framework`` from values shaped (unit, indicator) or (period, unit, indicator).

    Units default to ``U0, U1, …`` and periods to ``2020, 2021, …``.
    """
    array = np.asarray(values, dtype=float)
    if array.ndim == 2:
        array = array[None]
    n_p, n_u, _ = array.shape
    units = list(units) if units is not None else [f"U{i}" for i in range(n_u)]
    periods = list(periods) if periods is not None else list(range(2020, 2020 + n_p))
    attrs = dict(groups or {})
    den_codes = tuple(denominators or ())
    den = None
    if denominators:
        den = np.stack([np.asarray(v, dtype=float).reshape(n_p, n_u) for v in denominators.values()],
                       axis=-1)
    return Panel(array, units, periods, framework.indicator_codes, attrs, den, den_codes)


def assert_evaluation_equal(actual: Evaluation, expected: Evaluation, *, atol: float = 0.0) -> None:
    """Assert that two evaluations have the same units, periods, nodes, scores and ranks."""
    assert actual.panel.units == expected.panel.units, "units differ"
    assert actual.panel.periods == expected.panel.periods, "periods differ"
    assert actual.node_codes == expected.node_codes, "nodes differ"
    np.testing.assert_allclose(actual.scores, expected.scores, rtol=0, atol=atol, equal_nan=True)
    np.testing.assert_array_equal(actual.ranks, expected.ranks)
