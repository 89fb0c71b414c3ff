"""Seeded synthetic frameworks and panels for the benchmarks.

The shape follows a typical composite indicator: index → 2 sub-indices →
8 pillars → indicators. Every fifth indicator is lower-is-better, every
tenth is a count divided by a denominator (population or GDP). Values are
lognormal with three kinds of indicator so that the ASEM treatment does real
work:

* ``mild`` (about half): lognormal σ = 0.25, passes the skew/kurtosis test;
* ``outliers`` (about 30 %): lognormal σ = 0.4 plus 1–4 extreme points, which
  winsorisation removes within its 5 points;
* ``heavy`` (about 20 %): lognormal σ = 1.5, still skewed after 5 points, so
  the log fallback applies.

About 1 % of values are missing at random, and 0.5 % of units miss 20 % of
their indicators.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zongheng.framework import Attribute, Framework, framework_from_records
from zongheng.panel import Panel

GROUP = "EurAsia_group"  # the group column the ASEM method imputes by
DENOMINATORS = ("Population", "GDP")
N_SUBINDICES = 2
N_PILLARS = 8


def kind_of(i: int) -> str:
    """Return the distribution kind of the i-th indicator (deterministic)."""
    r = i % 10
    if r in (3, 7):
        return "heavy"
    if r in (1, 5, 8):
        return "outliers"
    return "mild"


def make_framework(n_indicators: int) -> Framework:
    """Return index → 2 sub-indices → 8 pillars → ``n_indicators`` indicators."""
    records: list[dict] = [{"code": "Index", "name": "综合指数", "type": "aggregate"}]
    pillars_per_sub = N_PILLARS // N_SUBINDICES
    for s in range(N_SUBINDICES):
        records.append({"code": f"S{s + 1}", "parent": "Index", "type": "aggregate",
                        "weight": 1.0 + 0.5 * s})
        for p in range(pillars_per_sub):
            records.append({"code": f"P{s * pillars_per_sub + p + 1}", "parent": f"S{s + 1}",
                            "type": "aggregate", "weight": 1.0 + 0.25 * (p % 3)})
    pillar_of = np.array_split(np.arange(n_indicators), N_PILLARS)
    for p, members in enumerate(pillar_of):
        for i in members:
            rec = {"code": f"X{i + 1:03d}", "parent": f"P{p + 1}", "name": f"指标{i + 1}",
                   "direction": "-" if i % 5 == 4 else "+", "weight": 1.0 + (i % 3) * 0.5}
            if i % 10 == 9:
                rec["denominator"] = DENOMINATORS[(i // 10) % 2]
            records.append(rec)
    return framework_from_records(
        records, [{"key": r["code"]} for r in records],
        groups=[Attribute(GROUP, "Europe or Asia")],
        denominators=[Attribute(d) for d in DENOMINATORS])


def make_panel(framework: Framework, n_units: int, seed: int = 20240601,
               missing: float = 0.01) -> Panel:
    """Return a one-period panel of ``n_units`` units for ``framework`` (seeded)."""
    rng = np.random.default_rng(seed)
    n_ind = len(framework.indicators)
    values = np.empty((n_units, n_ind))
    for i in range(n_ind):
        kind = kind_of(i)
        sigma = {"mild": 0.25, "outliers": 0.4, "heavy": 1.5}[kind]
        col = rng.lognormal(mean=rng.uniform(0, 4), sigma=sigma, size=n_units)
        if kind == "outliers":
            k = int(rng.integers(1, 5))
            at = rng.choice(n_units, size=k, replace=False)
            col[at] = np.median(col) * rng.uniform(15, 40, size=k)
        values[:, i] = col
    population = rng.lognormal(6, 1.0, size=n_units)
    gdp = population * rng.lognormal(2, 0.5, size=n_units)
    dens = np.column_stack([population, gdp])
    for i, ind in enumerate(framework.indicators):
        if ind.denominator:  # a count: a rate times the size variable
            values[:, i] *= dens[:, DENOMINATORS.index(ind.denominator)]
    values[rng.random(values.shape) < missing] = np.nan
    sparse = rng.choice(n_units, size=max(1, n_units // 200), replace=False)
    for u in sparse:
        values[u, rng.choice(n_ind, size=max(1, n_ind // 5), replace=False)] = np.nan
    units = [f"U{u:05d}" for u in range(n_units)]
    attributes = pd.DataFrame({
        "name": [f"单位{u}" for u in range(n_units)],
        GROUP: np.where(rng.random(n_units) < 0.55, "Europe", "Asia"),
    }, index=pd.Index(units, name="unit"))
    return Panel(values[None], units, (2024,), framework.indicator_codes, attributes,
                 dens[None], DENOMINATORS)


def wide_frame(panel: Panel) -> pd.DataFrame:
    """Return the panel as a wide table: unit, name, group, denominators, indicators."""
    frame = pd.DataFrame({"unit": panel.units, "name": panel.names(),
                          GROUP: panel.group(GROUP)})
    for j, code in enumerate(panel.denominator_codes):
        frame[code] = panel.denominators[0, :, j]
    indicators = pd.DataFrame(panel.values[0], columns=list(panel.indicators))
    return pd.concat([frame, indicators], axis=1)
