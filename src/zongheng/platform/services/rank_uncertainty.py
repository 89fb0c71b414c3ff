"""A run's rank uncertainty (排名不确定性摘要): P(rank ≤ k), computed once when the run is made.

The dashboard shows how sure a rank is without making anyone wait: when a run is stored, the
library's Monte Carlo analysis (:mod:`zongheng.analysis.uncertainty`) perturbs the weights a
modest, seeded number of times and the probability of rank ≤ 1, 2, 3 of every unit, overall and
within each group column, is kept in the run's results. Old runs have no summary (未计算).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zongheng.evaluation import Evaluation

__all__ = ["SAMPLES", "SEED", "TOPS", "summarise"]

SAMPLES = 500
"""Samples per run: 90 units × 5 years take about 0.1 s, and P(rank ≤ k) is within ±0.05 (2σ ≈ 2·√(¼/500))."""
SEED = 20261203
TOPS = (1, 2, 3)


def summarise(evaluation: Evaluation, *, samples: int = SAMPLES, seed: int = SEED,
              tops: tuple[int, ...] = TOPS) -> dict[str, Any]:
    """Return P(rank ≤ k) per unit, overall and within each group (排名概率), as plain JSON.

    The weights vary (the library's default: each weight × (1 + U(−0.25, 0.25))); the last period
    is ranked.

    Returns
    -------
    dict
        ``samples, seed, vary, units, top`` (k per column), ``p_top`` (per unit, a list over
        ``top``; None where the unit is never ranked) and ``groups`` (group column → the same
        within each unit's group).
    """
    import math

    from zongheng.analysis.uncertainty import analyse, default_spec, evaluate, sample

    spec = default_spec(evaluation)
    drawn = sample(evaluation, spec, samples, seed=seed)
    groups = list(evaluation.panel.groups)
    result = evaluate(evaluation, spec, drawn, groups=groups)
    units = list(evaluation.panel.units)

    def column(table, name: str) -> list[float | None]:
        by_unit = dict(zip(table["unit"], table[name], strict=True))
        return [None if by_unit[u] is None or math.isnan(by_unit[u]) else float(by_unit[u]) for u in units]

    overall: list[list[float | None]] = []
    within: dict[str, list[list[float | None]]] = {g: [] for g in groups}
    for k in tops:
        overall.append(column(analyse(result, top=k).table, "p_top"))
        for g in groups:
            within[g].append(column(analyse(result, top=k, group=g).table, "p_top_in_group"))
    # Stored per unit: [P(≤1), P(≤2), P(≤3)].
    return {"samples": samples, "seed": seed, "vary": list(spec.varied), "units": units, "top": list(tops),
            "p_top": [list(x) for x in zip(*overall, strict=True)],
            "groups": {g: [list(x) for x in zip(*rows, strict=True)] for g, rows in within.items()}}
