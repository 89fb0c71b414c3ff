"""Benchmark of the path analysis (找路径): arithmetic, geometric, and an unreachable target.

Three cases, each answer verified by a full rebuild inside :func:`path`:

1. **arithmetic, 90 units to rank 1** — a seeded one-period panel of 90 units ×
   42 indicators (min-max, weighted arithmetic mean over 4 dimensions); the
   path of every unit to rank 1, all 90 in one timing, with no cap
   (``max_change=None``) and with the default ±20 %. The issue's target was
   ≤ 1 s for the 90.
2. **geometric** — one path at a time on the bundled ``tiangong_demo`` (90
   counties × 5 periods × 42 indicators, percentile winsorisation, efficacy
   scores, pooled scope) with the geometric mean at every level, and with the
   arithmetic mean over indicators under a geometric index; plus the 90-unit
   panel above with min-max 1–100 and the geometric mean. Target: ≤ 2 s a path
   (it took 3–26 s before the level-by-level solver).
3. **松阳县** — the last county of ``tiangong_demo`` to rank 1 (out of reach
   within ±20 %): the least change to its best reachable rank, 47th.

Usage::

    .venv/bin/python bench/bench_path.py               # 7 runs per case
    .venv/bin/python bench/bench_path.py --repeats 9

Times are medians (and the slowest run) of wall-clock seconds over the runs,
all cases in the same process; BLAS is held to one thread (the matrix products
are small; see docs/benchmarks.md). The header says the machine, the load and
the date: on a shared machine compare figures of the same run only.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))  # run from a checkout without installing

import numpy as np  # noqa: E402

import zongheng as zh  # noqa: E402
from zongheng.analysis.path import path  # noqa: E402
from zongheng.testing import make_framework, make_panel  # noqa: E402

N_UNITS, N_INDICATORS, N_DIMENSIONS = 90, 42, 4


def make_evaluation(seed: int = 20240601, method: zh.Method | None = None) -> zh.Evaluation:
    """Return the build of a seeded 90 × 42 panel: 4 dimensions, min-max, arithmetic by default."""
    rng = np.random.default_rng(seed)
    codes = [f"X{i + 1:02d}" for i in range(N_INDICATORS)]
    members = np.array_split(np.arange(N_INDICATORS), N_DIMENSIONS)
    tree = {"Index": [f"D{d + 1}" for d in range(N_DIMENSIONS)]}
    tree.update({f"D{d + 1}": [codes[i] for i in m] for d, m in enumerate(members)})
    directions = {c: "-" for i, c in enumerate(codes) if i % 5 == 4}
    weights = {c: 1.0 + (i % 3) * 0.5 for i, c in enumerate(codes)}
    weights.update({f"D{d + 1}": 1.0 + 0.25 * d for d in range(N_DIMENSIONS)})
    fw = make_framework(tree, directions=directions, weights=weights)
    values = rng.lognormal(mean=rng.uniform(0, 4, N_INDICATORS), sigma=0.3,
                           size=(N_UNITS, N_INDICATORS))
    panel = make_panel(fw, values, units=[f"U{u:02d}" for u in range(N_UNITS)])
    return zh.build(fw, panel, method or zh.Method(normalise="minmax", aggregate="arithmetic"))


def tiangong(aggregate: object = None) -> zh.Evaluation:
    """Return the bundled demo built with its own method, or with another aggregation."""
    ds = zh.datasets.load("tiangong_demo")
    m = ds.method
    method = m if aggregate is None else zh.Method(
        denominate=m.denominate, impute=m.impute, screen=m.screen, treat=m.treat,
        normalise=m.normalise, weight=m.weight, aggregate=aggregate, scope=m.scope)
    return zh.build(ds.framework, ds.panel, method)


def timed(job, repeats: int) -> tuple[list[float], object]:
    """Run ``job`` once to warm up, then ``repeats`` times; return the wall times and a result."""
    result = job()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = job()
        times.append(time.perf_counter() - start)
    return times, result


def machine() -> str:
    from hostinfo import cpu_model

    cpu = cpu_model(platform.processor() or platform.machine())
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"{datetime.date.today().isoformat()} · {cpu} · {os.cpu_count()} CPUs · load {load} · "
            f"Python {platform.python_version()} · numpy {np.__version__}")


def row(label: str, times: list[float], note: str) -> None:
    print(f"  {label:<44}{statistics.median(times):>9.3f}{max(times):>9.3f}   {note}")


def main(argv: list[str] | None = None) -> None:
    """Run the cases and print a table of median wall times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs per case (≥ 5)")
    args = parser.parse_args(argv)
    print(machine())
    print(f"  {'case':<44}{'median s':>9}{'max s':>9}   result")

    print("1. arithmetic: all 90 units to rank 1 (one timing for the 90)")
    ev = make_evaluation()
    for cap in (None, 0.2):
        times, results = timed(lambda cap=cap: [path(ev, u, 1, max_change=cap)
                                                for u in ev.panel.units], args.repeats)
        reached = sum(r.reachable for r in results)
        assert all(r.achieved_rank <= 1 for r in results if r.reachable)
        row(f"max_change={cap}", times, f"{reached}/90 reach 1st; "
            f"{1000 * statistics.median(times) / N_UNITS:.1f} ms a unit (target ≤ 1 s for 90)")

    print("2. geometric: one path at a time (target ≤ 2 s a path)")
    cases = [("geometric", "松阳县", 1, None), ("geometric", "秀洲区", 10, None),
             ("geometric", "江北区", 30, None), ("geometric", "永康市", 2, "设区市"),
             ({2: "arithmetic", 3: "geometric"}, "秀洲区", 10, None),
             ({2: "arithmetic", 3: "geometric"}, "温岭市", 30, None)]
    built: dict[str, zh.Evaluation] = {}
    for aggregate, unit, target, group in cases:
        key = str(aggregate)
        built.setdefault(key, tiangong(aggregate))
        times, result = timed(lambda e=built[key], u=unit, t=target, g=group: path(
            e, u, t, group=g), args.repeats)
        label = "geometric" if aggregate == "geometric" else "arithmetic → geometric"
        row(f"tiangong {label}: {unit} → {target}{' in ' + group if group else ''}", times,
            f"rank {result.current_rank} → {result.achieved_rank}, effort {result.effort:.3f}, "
            f"{len(result.changes)} levers")
    geo = make_evaluation(method=zh.Method(normalise={"method": "minmax", "low": 1, "high": 100},
                                           aggregate="geometric"))
    units = list(geo.ranking()["unit"])
    for unit in (units[-1], units[45]):
        times, result = timed(lambda u=unit: path(geo, u, 1, max_change=None), args.repeats)
        row(f"90 × 42 geometric: {unit} → 1", times,
            f"rank {result.current_rank} → {result.achieved_rank}, effort {result.effort:.3f}")

    print("3. 松阳县 to rank 1 on tiangong_demo (out of reach within ±20 %)")
    demo = tiangong()
    times, result = timed(lambda: path(demo, "松阳县", 1), args.repeats)
    row("松阳县 → 1 (its own method)", times,
        f"best reachable {result.best_rank}, effort {result.effort:.3f} with "
        f"{len(result.changes)} of 42 levers (every lever at its bound: 8.292)")


if __name__ == "__main__":
    main()
