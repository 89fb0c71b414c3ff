"""Time each phase of one DuckDB grading in its own process (wall and CPU), for the 10⁷–10⁸ tables.

Usage::

    python bench/bench_grade_phases.py TABLE.parquet OUT.parquet [--columns grades] [--order table]

One line per run: the whole (wall, CPU, peak RSS) and each phase as wall/CPU seconds. The phases
are the engine's own steps (checks, benchmarks, fills, totals, ranks, the final write — which
includes the ranks —, the summary and the D firms' scores it looks up, the move into place),
timed by wrapping them in this process: nothing is changed but the clock around them. To compare
two versions, run this file alternately with ``PYTHONPATH`` on each version's ``src`` (e.g. a
``git worktree`` of the base), on a quiet machine: its time drifts by tens of per cent within
minutes, so quote pairs run side by side (``bench_grade_rounds.py`` runs the rounds and gives the
medians). Make the table with
``zongheng.enterprise.generator.write_synthetic(path, n, seed=1)`` (10⁸ firms: ≈ 90 s, 3.9 GB).
"""

from __future__ import annotations

import argparse
import functools
import resource
import time
from collections.abc import Callable
from typing import Any

from zongheng.enterprise.engines import duckdb_engine as de

PHASES = ("_benchmarks", "_fills", "_totals", "_ranks", "write", "scores_of")
FUNCTIONS = ("_check", "_summary", "_place")


def cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def timed(times: dict[str, list[float]], name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """Return ``func`` adding its wall and CPU seconds to ``times[name]`` on every call."""
    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        c0, w0 = cpu(), time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            spent = times.setdefault(name, [0.0, 0.0])
            spent[0] += time.perf_counter() - w0
            spent[1] += cpu() - c0
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("table")
    parser.add_argument("output")
    parser.add_argument("--columns", default="full", choices=("full", "grades"))
    parser.add_argument("--order", default="table", choices=("rank", "table"))
    args = parser.parse_args()
    times: dict[str, list[float]] = {}
    for name in PHASES:
        if hasattr(de._Grading, name):  # an older version may lack a phase
            setattr(de._Grading, name, timed(times, name, getattr(de._Grading, name)))
    for name in FUNCTIONS:
        if hasattr(de, name):
            setattr(de, name, timed(times, name, getattr(de, name)))
    c0, w0 = cpu(), time.perf_counter()
    de.grade_duckdb(args.table, output=args.output, order=args.order, columns=args.columns)
    wall, spent = time.perf_counter() - w0, cpu() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    phases = " ".join(f"{k.lstrip('_')} {w:.1f}/{c:.1f}" for k, (w, c) in times.items())
    print(f"{de.__file__} {args.columns}: whole {wall:.1f} s wall, {spent:.1f} s CPU, {rss} MiB | {phases}",
          flush=True)


if __name__ == "__main__":
    main()
