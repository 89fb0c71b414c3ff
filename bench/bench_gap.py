"""Benchmark of the gap analysis (找差距): one ``gap`` call under every aggregation.

The issue's target: every aggregation — the means (arithmetic, geometric,
harmonic, generalised, minimum) and the multi-criteria methods (TOPSIS,
VIKOR, grey relational, Copeland, Borda, benefit-of-the-doubt) — in ≤ 2 s
per ``gap`` call on the bundled tiangong_demo (90 units × 42 indicators,
4 dimensions of 10–11) and ASEM (51 units × 49 indicators, 3 levels) data.
Benefit-of-the-doubt took 13–16 minutes per call before its Shapley games
asked the aggregator for the two scores they need instead of re-running the
whole parent per coalition.

Usage::

    .venv/bin/python bench/bench_gap.py                 # 5 runs, every case
    .venv/bin/python bench/bench_gap.py --repeats 7 --datasets asem
    .venv/bin/python bench/bench_gap.py --oracle        # also the old way, once (minutes)

Each dataset is built once per aggregation with its own method (weights,
imputation, treatment); only the aggregation changes, and ASEM is min-max
normalised to 1–100 for every aggregation (the geometric and harmonic means
need positive values). Three calls per build: the last unit against the
leader, the best unit below the top against the next, the first unit
against the last. The table gives, per aggregation, the median wall time of
each call over the runs, and the largest of those three medians (the figure
held to the target). ``--oracle`` times the computation the kernels replace
(every coalition recomputes the whole parent with ``combine``) on ASEM once
per aggregation that has a kernel of its own, and checks both give the same
contributions to 1e-9. BLAS is held to one thread.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
import scipy  # noqa: E402

import zongheng as zh  # noqa: E402
from zongheng.analysis.gap import gap  # noqa: E402
from zongheng.steps import registry  # noqa: E402
from zongheng.steps.aggregate import Aggregator  # noqa: E402

TARGET_SECONDS = 2.0
AGGREGATIONS = {
    "arithmetic": "arithmetic", "geometric": "geometric", "harmonic": "harmonic",
    "generalised": {"method": "generalised", "p": 0.5}, "minimum": "minimum",
    "topsis": "topsis", "vikor": "vikor", "grey_relational": "grey_relational",
    "copeland": "copeland", "borda": "borda", "bod": "bod",
}
DATASETS = ("tiangong_demo", "asem")


def evaluation(dataset: str, aggregate) -> zh.Evaluation:
    """Return the dataset built with its own method but this aggregation."""
    ds = zh.datasets.load(dataset)
    method = ds.method.replace(aggregate=aggregate)
    if dataset == "asem":
        method = method.replace(normalise={"method": "minmax", "low": 1, "high": 100})
    return zh.build(ds.framework, ds.panel, method)


def calls(ev: zh.Evaluation) -> list[tuple[str, str]]:
    """Return the three (unit, versus) calls timed on this build."""
    index = ev.scores[-1, :, -1]
    units = ev.panel.units
    scored = [u for u in np.argsort(-np.where(np.isnan(index), -np.inf, index), kind="stable")
              if not np.isnan(index[u])]
    below_top = [u for u in scored if index[u] < index[scored[0]]]
    return [(units[scored[-1]], "leader"), (units[below_top[0]], "next"),
            (units[scored[0]], units[scored[-1]])]


def timed(ev: zh.Evaluation, unit: str, versus: str):
    start = time.perf_counter()
    result = gap(ev, unit, versus=versus)
    return time.perf_counter() - start, result


def oracle(ev: zh.Evaluation, unit: str, versus: str) -> tuple[float, object]:
    """Time the old computation: every coalition recomputes the whole parent with ``combine``."""
    saved = {cls: cls.__dict__.get("scores_with_row") for cls in set(registry("aggregate").values())}
    try:
        for cls in saved:
            cls.scores_with_row = Aggregator.scores_with_row
        return timed(ev, unit, versus)
    finally:
        for cls, method in saved.items():
            if method is None:
                del cls.scores_with_row
            else:
                cls.scores_with_row = method


def main(argv: list[str] | None = None) -> None:
    """Run every case and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per call (≥ 3)")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--aggregations", nargs="+", default=list(AGGREGATIONS),
                        choices=list(AGGREGATIONS))
    parser.add_argument("--oracle", action="store_true",
                        help="also time the old computation on ASEM, once (several minutes)")
    args = parser.parse_args(argv)
    print(f"gap, one call per cell; median of {args.repeats} runs; "
          f"{dt.date.today().isoformat()}; {platform.machine()} {platform.processor() or ''}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, numpy {np.__version__}, "
          f"scipy {scipy.__version__}; BLAS 1 thread")
    print(f"{'dataset':<15}{'aggregation':<17}{'vs leader':>10}{'vs next':>10}{'vs last':>10}"
          f"{'max s':>9}{'|Σ−gap|':>10}{'target':>9}")
    worst = 0.0
    for dataset in args.datasets:
        for key in args.aggregations:
            ev = evaluation(dataset, AGGREGATIONS[key])
            cases = calls(ev)
            for unit, versus in cases:
                timed(ev, unit, versus)  # warm-up: first-call imports and caches
            medians, error = [], 0.0
            for unit, versus in cases:
                runs = [timed(ev, unit, versus) for _ in range(args.repeats)]
                medians.append(statistics.median(t for t, _ in runs))
                error = max(error, abs(runs[-1][1].total - runs[-1][1].gap))
            worst = max(worst, max(medians))
            ok = "ok" if max(medians) <= TARGET_SECONDS else "MISSED"
            print(f"{dataset:<15}{key:<17}" + "".join(f"{m:>10.3f}" for m in medians)
                  + f"{max(medians):>9.3f}{error:>10.1e}{ok:>9}", flush=True)
    print(f"largest median {worst:.3f} s (target ≤ {TARGET_SECONDS:g} s per call)")
    if args.oracle:
        print("\nold computation (whole parent recomputed per coalition), ASEM, last unit vs leader:")
        for key in ("topsis", "vikor", "grey_relational", "copeland", "borda", "bod"):
            ev = evaluation("asem", AGGREGATIONS[key])
            unit, versus = calls(ev)[0]
            fast_seconds, fast = timed(ev, unit, versus)
            slow_seconds, slow = oracle(ev, unit, versus)
            a = fast.indicators.set_index("indicator")["contribution"]
            b = slow.indicators.set_index("indicator")["contribution"][a.index]
            print(f"  {key:<17} old {slow_seconds:9.2f} s   new {fast_seconds:7.3f} s   "
                  f"max |difference| {np.abs(a - b).max():.1e}", flush=True)


if __name__ == "__main__":
    main()
