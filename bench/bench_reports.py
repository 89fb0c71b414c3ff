"""Benchmark: the three reports of one unit of the demo (issue "Reports": ≤ 10 s in total).

Times, for 永康市 in the 天工鼎 demo: the build, the unit brief (every analysis, including the
path to 2nd place), then the HTML page, the Word draft and the Excel workbook; medians of
several runs in one process, each writing to a fresh folder. Budgets, checked here and not in
the tests (a timing assertion fails at random on a shared machine): the brief and its HTML page
≤ 3 s, the Excel workbook ≤ 2 s (both were asserted in tests/report until 2026-12), all three
reports ≤ 10 s.

    .venv/bin/python bench/bench_reports.py --repeats 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import zongheng as zh
from zongheng.report.brief import unit_brief
from zongheng.report.writers import write_report

# Seconds allowed for the median of each measured step (the rest are reported without a budget).
BUDGETS = {"brief+html": 3.0, "xlsx": 2.0, "total": 10.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    ds = zh.datasets.load("tiangong_demo")
    keys = ("build", "brief", "html", "brief+html", "docx", "xlsx", "total")
    steps: dict[str, list[float]] = {k: [] for k in keys}
    for _ in range(args.repeats + 1):  # the first round warms up imports and caches
        out = Path(tempfile.mkdtemp(prefix="zh-reports-"))
        start = time.perf_counter()
        t = time.perf_counter()
        ev = zh.build(ds.framework, ds.panel, ds.method)
        times = {"build": time.perf_counter() - t}
        t = time.perf_counter()
        brief = unit_brief(ev, "永康市", group="设区市", target_rank=2)
        times["brief"] = time.perf_counter() - t
        for fmt in ("html", "docx", "xlsx"):
            t = time.perf_counter()
            write_report(brief, out / f"r.{fmt}", format=fmt, synthetic=True)
            times[fmt] = time.perf_counter() - t
        times["total"] = time.perf_counter() - start
        times["brief+html"] = times["brief"] + times["html"]
        for key, value in times.items():
            steps[key].append(value)
    print(f"# {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
          f"{platform.platform()}, Python {platform.python_version()}, numpy {np.__version__}")
    print(f"{'step':<12}{'median s':>10}{'min s':>9}{'budget s':>10}   "
          f"({args.repeats} runs after one warm-up)")
    for key, values in steps.items():
        kept = values[1:]
        median = statistics.median(kept)
        budget = BUDGETS.get(key)
        verdict = "" if budget is None else f"{budget:>10.1f}   {'ok' if median <= budget else 'OVER'}"
        print(f"{key:<12}{median:>10.3f}{min(kept):>9.3f}{verdict}")


if __name__ == "__main__":
    main()
