"""Run bench_grade_phases.py in rounds, versions alternated, and give each version's medians.

Usage::

    python bench/bench_grade_rounds.py TABLE.parquet OUT.parquet --rounds 3 --columns grades \\
        --src base=/tmp/base/src --src new=src

Each round runs every ``--src`` once, in that order, each in a fresh process with ``PYTHONPATH``
on that source tree (a ``git worktree`` of the base, say); without ``--src`` the working tree's
``src`` is run alone. One line per run as it ends (with the time of day and the load average, for
this machine's slow spells), then per version the median and range of the whole (wall, CPU, peak
RSS) and the median of each phase. The VM's speed drifts by tens of per cent within minutes: only
versions alternated in one call are compared.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WHOLE = re.compile(r"whole ([\d.]+) s wall, ([\d.]+) s CPU, (\d+) MiB \| (.*)$")


def parse(line: str) -> tuple[tuple[float, float, float], dict[str, tuple[float, float]]]:
    """Return (wall, CPU, MiB) and {phase: (wall, CPU)} of one bench_grade_phases line."""
    found = WHOLE.search(line)
    if found is None:
        raise ValueError(f"not a bench_grade_phases line: {line!r}")
    wall, cpu, mib, rest = found.groups()
    parts = rest.split()
    phases = {}
    for name, pair in zip(parts[::2], parts[1::2], strict=True):
        w, c = pair.split("/")
        phases[name] = (float(w), float(c))
    return (float(wall), float(cpu), float(mib)), phases


def run_once(src: Path, table: str, output: str, columns: str, order: str) -> str:
    """Run one grading in a fresh process on ``src`` and return its result line."""
    env = dict(os.environ, PYTHONPATH=str(src))
    done = subprocess.run([sys.executable, str(HERE / "bench_grade_phases.py"), table, output,
                           "--columns", columns, "--order", order],
                          env=env, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if "whole " in line]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{src}: bench_grade_phases failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return lines[-1]


def summary(name: str, runs: list[str]) -> str:
    """Return the medians (and the range of the whole) of one version's runs."""
    parsed = [parse(line) for line in runs]
    walls = [whole[0] for whole, _ in parsed]
    cpus = [whole[1] for whole, _ in parsed]
    mibs = [whole[2] for whole, _ in parsed]
    phases = {}
    for phase in parsed[0][1]:
        phases[phase] = statistics.median(p[phase][0] for _, p in parsed if phase in p)
    shown = " ".join(f"{k} {v:.1f}" for k, v in phases.items())
    return (f"{name}: {len(runs)} runs, whole median {statistics.median(walls):.1f} s wall "
            f"({min(walls):.1f}–{max(walls):.1f}), {statistics.median(cpus):.1f} s CPU, "
            f"{statistics.median(mibs):.0f} MiB (max {max(mibs):.0f}) | phase medians (wall): {shown}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("table")
    parser.add_argument("output")
    parser.add_argument("--src", action="append", default=[], metavar="NAME=PATH",
                        help="a version to run (repeat to alternate several); default: this tree's src")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--columns", default="grades", choices=("full", "grades"))
    parser.add_argument("--order", default="table", choices=("rank", "table"))
    args = parser.parse_args()
    versions = [tuple(s.split("=", 1)) for s in args.src] or [("this", str(HERE.parent / "src"))]
    if any(len(v) != 2 for v in versions):
        raise SystemExit("--src takes NAME=PATH")
    sys.path.insert(0, str(HERE))
    from hostinfo import cpu_model

    print(f"{cpu_model('unknown CPU')}, {os.cpu_count()} cores; {args.table}, {args.columns}, "
          f"{args.order} order; {time.strftime('%Y-%m-%d', time.gmtime())} UTC", flush=True)
    runs: dict[str, list[str]] = {name: [] for name, _ in versions}
    for _ in range(args.rounds):
        for name, src in versions:
            start = time.strftime("%H:%M:%S", time.gmtime())
            load = os.getloadavg()[0]
            line = run_once(Path(src).resolve(), args.table, args.output, args.columns, args.order)
            runs[name].append(line)
            print(f"{start} load {load:.1f} {name}: {line.split(': ', 1)[1]}", flush=True)
    for name, lines in runs.items():
        print(summary(name, lines), flush=True)


if __name__ == "__main__":
    main()
