"""Benchmark: the HTML report's time against the number of units (issue 11, item 11).

The reliability review (2026-12) measured ``report --format html`` at 7 s for 5,000 units,
19 s for 10,000 and 60 s for 20,000: quadratic. Budget: ≤ 5 s for the page of one unit at
20,000 units × 50 indicators (the build and the brief are timed apart; they are not the page).
Checked here, not in the tests (a timing assertion fails at random on a shared machine).

The data are the seeded synthetic panels of ``bench/synthetic.py`` (one period, groups
Europe/Asia); the page is of the first unit, in its group, with a target one place up.

    .venv/bin/python bench/bench_html.py --units 5000 10000 20000
    .venv/bin/python bench/bench_html.py --units 20000 --profile   # cProfile of the page

Results, 2026-12-03, 2 shared vCPUs (load average 4–7 from other jobs), Python 3.11.7:

    units   build s   brief s    html s   html MB
     5000      0.04      0.26      0.88      2.31
    10000      0.16      0.43      1.46      3.42
    20000      0.39      2.79      2.28      5.65   (≤ 5 s: ok)

What was quadratic (cProfile): ``tuple.index`` over all units inside loops over units (the
histogram's names per bin, the trajectories, the heat map), and a heat map and trajectory chart
of every unit of the group (110,000 cells for a group of 2,200). Now: positions from dicts built
once, charts of the group when it has ≤ 20 units and of the unit and its 8 neighbours otherwise,
and table cells escaped with ``str.translate`` and marked safe once (``Markup.format`` per cell
was ~20 µs). What remains grows linearly: the ranking table (one row per unit).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import platform
import pstats
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic
import zongheng as zh
from zongheng.report.brief import unit_brief
from zongheng.report.html import write_html

BUDGET = 5.0  # seconds for the page (render + write) at 20,000 units
N_INDICATORS = 50


def run(n_units: int, out: Path, profile: bool) -> dict[str, float]:
    """Return the seconds of build, brief and page for ``n_units`` units."""
    framework = synthetic.make_framework(N_INDICATORS)
    panel = synthetic.make_panel(framework, n_units)
    t = time.perf_counter()
    ev = zh.build(framework, panel, zh.Method(impute="median", normalise="minmax", aggregate="arithmetic"))
    times = {"build": time.perf_counter() - t}
    t = time.perf_counter()
    unit = panel.units[0]
    rank = int(ev.group_ranks(synthetic.GROUP)[0, 0, 0])
    brief = unit_brief(ev, unit, group=synthetic.GROUP, target_rank=max(1, rank - 1))
    times["brief"] = time.perf_counter() - t
    profiler = cProfile.Profile() if profile else None
    t = time.perf_counter()
    if profiler:
        profiler.enable()
    write_html(brief, out / f"page_{n_units}.html", synthetic=True)
    if profiler:
        profiler.disable()
    times["html"] = time.perf_counter() - t
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, nargs="+", default=[5000, 10000, 20000])
    parser.add_argument("--profile", action="store_true", help="print a cProfile of each page")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="zh-bench-html-"))
    run(200, out, profile=False)  # warm up imports and caches
    print(f"# {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
          f"{platform.platform()}, Python {platform.python_version()}, numpy {np.__version__}")
    print(f"{'units':>8}{'build s':>10}{'brief s':>10}{'html s':>10}{'html MB':>10}   budget")
    for n in args.units:
        times = run(n, out, args.profile)
        size = (out / f"page_{n}.html").stat().st_size / 1e6
        verdict = ("ok" if times["html"] <= BUDGET else "OVER") if n >= 20_000 else ""
        print(f"{n:>8}{times['build']:>10.2f}{times['brief']:>10.2f}{times['html']:>10.2f}"
              f"{size:>10.2f}   {verdict}")


if __name__ == "__main__":
    main()
