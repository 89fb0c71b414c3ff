"""Reader time and memory: ``zh.read_panel`` beside ``pandas.read_csv`` on wide CSVs.

Usage::

    .venv/bin/python bench/bench_reader.py                       # 10⁴, 10⁵ (3 runs each), 10⁶ (once)
    .venv/bin/python bench/bench_reader.py --sizes 10000 --repeats 1      # a quick smoke run
    .venv/bin/python bench/bench_reader.py --keep /tmp/reader-csv         # keep the CSVs for a rerun

The CSVs are seeded and generated in a temporary folder: a column ``unit``
(``u0000001`` …), a column ``year`` (2024) and 40 indicators ``X001`` … ``X040``
written with 17 significant digits (about 760 bytes a row, so 10⁶ units make a
757 MiB file, the size of the performance review §6.4), with 1 % of the cells
blank and, in every 10,000th row, one cell written ``1,234.5`` (a thousands
separator, accepted by the reader's slow path).

Every measurement runs in a fresh interpreter, so its peak RSS
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) is its own:

* ``pandas``: ``pandas.read_csv(path)`` (types inferred; the memory baseline);
* ``read_panel``: ``zongheng.read_panel(path, framework)`` with a flat 40-indicator
  framework (every cell checked, the panel built).

The import-only RSS of each interpreter is printed too (``base``), with the median wall and
CPU seconds (user + system) of the read and the largest 1-minute load average seen when a
case ended (the machine may be shared). The target of
issue 10 is read_panel's peak ≤ 2 × pandas'.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SRC = ROOT / "src"

N_INDICATORS = 40
SEED = 20261201


def make_csv(path: Path, n_units: int, n_indicators: int = N_INDICATORS) -> None:
    """Write the seeded wide CSV (in blocks, so that 10⁶ rows need little memory)."""
    import numpy as np

    rng = np.random.default_rng(SEED)
    codes = [f"X{i + 1:03d}" for i in range(n_indicators)]
    block = 50_000
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(["unit", "year", *codes]) + "\n")
        for start in range(0, n_units, block):
            stop = min(start + block, n_units)
            values = rng.lognormal(mean=2.0, sigma=1.0, size=(stop - start, n_indicators))
            blank = rng.random(values.shape) < 0.01
            lines = []
            for r in range(stop - start):
                row = ["" if blank[r, j] else repr(float(values[r, j])) for j in range(n_indicators)]
                if (start + r) % 10_000 == 7:
                    row[3] = '"1,234.5"'
                lines.append(f"u{start + r + 1:07d},2024," + ",".join(row))
            out.write("\n".join(lines) + "\n")


def framework():
    """Return a flat framework Index → X001 … X040."""
    from zongheng.framework import framework_from_records

    records = [{"code": "Index", "type": "aggregate"}]
    records += [{"code": f"X{i + 1:03d}", "parent": "Index", "direction": "+"}
                for i in range(N_INDICATORS)]
    return framework_from_records(records, [{"key": r["code"]} for r in records])


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def worker(case: str, path: str) -> dict:
    """Run one case in this interpreter and return its figures."""
    sys.path.insert(0, str(SRC))
    import pandas as pd

    import zongheng as zh

    fw = framework()
    base = _peak_mib()
    start, start_cpu = time.perf_counter(), time.process_time()
    if case == "pandas":
        with warnings.catch_warnings():  # "mixed types" for the 1,234.5 column: the point of it
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            frame = pd.read_csv(path)
        shape = list(frame.shape)
    elif case == "read_panel":
        panel = zh.read_panel(path, fw)
        shape = list(panel.values.shape)
    else:
        raise SystemExit(f"unknown case {case!r}")
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    return {"case": case, "seconds": seconds, "cpu": cpu, "peak_mib": _peak_mib(), "base_mib": base,
            "shape": shape, "load": os.getloadavg()[0]}


def run_case(case: str, path: Path) -> dict:
    """Run one case in a fresh interpreter."""
    out = subprocess.run([sys.executable, __file__, "--worker", case, str(path)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Generate the CSVs, run every case in its own process, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="units per CSV, comma-separated")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs per case below 10⁶ units (10⁶ runs once)")
    parser.add_argument("--keep", type=Path, help="folder for the CSVs (kept; reused when present)")
    parser.add_argument("--worker", nargs=2, metavar=("CASE", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    folder_ctx = tempfile.TemporaryDirectory(prefix="zh-bench-reader-") if args.keep is None else None
    folder = Path(folder_ctx.name) if folder_ctx else args.keep
    folder.mkdir(parents=True, exist_ok=True)
    print(f"# bench_reader  {dt.datetime.now():%Y-%m-%d %H:%M}  {platform.node()}  "
          f"{platform.processor() or platform.machine()}  {os.cpu_count()} CPUs  "
          f"Python {platform.python_version()}")
    print(f"{'units':>9} {'MiB':>6} {'case':>11} {'runs':>4} {'time s':>8} {'CPU s':>8} {'peak MiB':>9} "
          f"{'base MiB':>9} {'peak ratio':>10} {'load':>5}")
    try:
        for n in sizes:
            path = folder / f"wide_{n}x{N_INDICATORS}.csv"
            if not path.exists():
                make_csv(path, n)
            size_mib = path.stat().st_size / 2**20
            repeats = 1 if n >= 1_000_000 else args.repeats
            results: dict[str, list[dict]] = {"pandas": [], "read_panel": []}
            for _ in range(repeats):
                for case in results:  # interleaved
                    results[case].append(run_case(case, path))
            pandas_peak = statistics.median(r["peak_mib"] for r in results["pandas"])
            for case, runs in results.items():
                secs = statistics.median(r["seconds"] for r in runs)
                cpu = statistics.median(r["cpu"] for r in runs)
                load = max(r["load"] for r in runs)
                peak = statistics.median(r["peak_mib"] for r in runs)
                base = statistics.median(r["base_mib"] for r in runs)
                print(f"{n:>9} {size_mib:>6.0f} {case:>11} {repeats:>4} {secs:>8.2f} {cpu:>8.2f} "
                      f"{peak:>9.0f} {base:>9.0f} {peak / pandas_peak:>10.2f} {load:>5.2f}")
            if n >= 1_000_000 and args.keep is None:
                path.unlink()
    finally:
        if folder_ctx:
            folder_ctx.cleanup()


if __name__ == "__main__":
    main()
