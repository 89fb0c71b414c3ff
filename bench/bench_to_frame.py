"""Benchmark: ``Evaluation.to_frame()`` on a large evaluation (time and the table's memory).

Run: ``.venv/bin/python bench/bench_to_frame.py --units 200000``. Synthetic uniform data,
seeded; the framework is 5 indicators under 2 dimensions under an index (8 nodes).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import zongheng as zh
from zongheng.testing import make_framework, make_panel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    framework = make_framework({"I": ["A", "B"], "A": ["a1", "a2", "a3"], "B": ["b1", "b2"]})
    values = np.random.default_rng(0).random((args.units, 5))
    panel = make_panel(framework, values, units=[f"u{i}" for i in range(args.units)])
    ev = zh.build(framework, panel)
    _ = ev.ranks  # rank once outside the timing: to_frame's own cost is measured
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        frame = ev.to_frame()
        times.append(time.perf_counter() - start)
    mib = frame.memory_usage(deep=True).sum() / 2**20
    print(f"to_frame: {len(frame):,} rows, median {statistics.median(times):.3f} s "
          f"(min {min(times):.3f} s) over {args.repeats}, table {mib:.0f} MiB")


if __name__ == "__main__":
    main()
