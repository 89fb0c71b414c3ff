"""Benchmark of the path analysis (找路径): every unit of a 90 × 42 panel to rank 1.

The issue's target: on a synthetic one-period panel of 90 units × 42
indicators with a linear pipeline (min-max, weighted arithmetic mean over 4
dimensions), the path to rank 1 of each of the 90 units, each verified by a
full rebuild, in ≤ 1 s in total.

Usage::

    .venv/bin/python bench/bench_path.py               # 7 runs, prints the table
    .venv/bin/python bench/bench_path.py --repeats 9

Two cases run: ``max_change=None`` (every unit can reach rank 1 within the
best peer values: 90 linear programmes and 90 rebuilds) and the default
``max_change=0.2`` (most units cannot reach rank 1 within ±20 %, so each of
those also rebuilds with every indicator at its bound and solves for its best
reachable rank). Wall times are medians over the runs; BLAS is held to one
thread (the matrix products are small; see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
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
TARGET_SECONDS = 1.0


def make_evaluation(seed: int = 20240601) -> zh.Evaluation:
    """Return the build of a seeded 90 × 42 panel: 4 dimensions, min-max, arithmetic."""
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
    return zh.build(fw, panel, zh.Method(normalise="minmax", aggregate="arithmetic"))


def run_all(ev: zh.Evaluation, max_change: float | None) -> tuple[float, float, list]:
    """Return the wall and CPU time of the path to rank 1 for every unit, and the results."""
    start, cpu = time.perf_counter(), time.process_time()
    results = [path(ev, unit, 1, max_change=max_change) for unit in ev.panel.units]
    return time.perf_counter() - start, time.process_time() - cpu, results


def main(argv: list[str] | None = None) -> None:
    """Run the cases and print a table of median wall times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs per case (≥ 5)")
    args = parser.parse_args(argv)
    ev = make_evaluation()
    print(f"path to rank 1 for each of {N_UNITS} units × {N_INDICATORS} indicators "
          f"(minmax + arithmetic, {N_DIMENSIONS} dimensions), {args.repeats} runs, "
          f"{os.cpu_count()} CPUs")
    print(f"{'case':<18}{'median s':>10}{'min s':>8}{'max s':>8}{'cpu s':>8}{'ms/unit':>9}"
          f"{'reached':>9}{'target':>8}")
    for max_change in (None, 0.2):
        run_all(ev, max_change)  # warm-up: imports, first-call caches
        times, cpus, results = [], [], []
        for _ in range(args.repeats):
            seconds, cpu, results = run_all(ev, max_change)
            times.append(seconds)
            cpus.append(cpu)
        reached = sum(r.reachable for r in results)
        verified = all(r.achieved_rank <= 1 for r in results if r.reachable)
        assert verified, "a reachable path missed rank 1 after the rebuild"
        median = statistics.median(times)
        label = f"max_change={max_change}"
        target = f"≤{TARGET_SECONDS:g}s" if max_change is None else "—"
        print(f"{label:<18}{median:>10.3f}{min(times):>8.3f}{max(times):>8.3f}"
              f"{statistics.median(cpus):>8.3f}{1000 * median / N_UNITS:>9.2f}"
              f"{reached:>6}/{N_UNITS}{target:>8}")


if __name__ == "__main__":
    main()
