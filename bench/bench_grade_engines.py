"""Benchmark: 亩均 grading engines at province and nation size (issue 16) — not a test.

Run::

    .venv/bin/python bench/bench_grade_engines.py                       # CLI 10⁶, duckdb 10⁶ and 10⁷
    .venv/bin/python bench/bench_grade_engines.py --cli 1000000 --sizes 1e7,3e7 --repeats 1
    .venv/bin/python bench/bench_grade_engines.py --sizes 1e8 --data /big/disk --markdown out.md
    .venv/bin/python bench/bench_grade_engines.py --cli 0 --sizes 1e7 --engines duckdb,duckdb/table

Two kinds of case, each run in its own process so that its peak RSS is its own (read with
``os.wait4``, which gives the child's own rusage):

- ``cli``: the whole command ``zongheng grade --demo --firms N -o out.parquet`` (drawing the
  synthetic table — in memory up to 10⁶ firms, else chunk by chunk to Parquet —, grading with
  the engine ``auto`` picks, writing Parquet);
  targets ≤ 15 s and ≤ 2.5 GB at 10⁶.
- ``<engine>``: ``grade_table(table.parquet, engine=…, output=out.parquet)`` on a synthetic
  Parquet table written beforehand (not timed); target for DuckDB ≤ 120 s and ≤ 4 GB at 10⁸.

Prints medians of wall time, CPU time (user + system: what the machine's load does not
inflate) and peak RSS, with the machine, date and load average before and after. The
synthetic tables go to ``--data`` (default: the system's temp folder) and are deleted after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))  # run from a checkout without installing


def measure(cmd: list[str]) -> dict:
    """Run a command; return its wall time, CPU time and peak RSS (its own, from wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if status != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({status}):\n{err[-2000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def worker(engine: str, table: str, out: str) -> None:
    """Grade one table in this process (the measured child); ``duckdb/table``: in the table's order."""
    from zongheng.enterprise.engines import grade_table

    engine, _, order = engine.partition("/")
    grade_table(table, engine=engine, output=out, d_limit=20, **({"order": order} if order else {}))


def machine() -> dict:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "memory_gib": round(mem, 1),
            "platform": platform.platform(), "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run_case(name: str, cmd: list[str], repeats: int, rows: list[dict], size: int) -> None:
    runs = []
    for _ in range(repeats):
        before = load()
        runs.append(measure(cmd) | {"load_before": before, "load_after": load()})
    row = {"case": name, "firms": size, "repeats": repeats,
           "wall_s": statistics.median(r["wall_s"] for r in runs),
           "cpu_s": statistics.median(r["cpu_s"] for r in runs),
           "rss_mb": statistics.median(r["rss_mb"] for r in runs),
           "load": f"{runs[0]['load_before']} → {runs[-1]['load_after']}"}
    rows.append(row)
    print(f"{name:<14} {size:>12,} {row['wall_s']:8.1f} s wall {row['cpu_s']:8.1f} s cpu "
          f"{row['rss_mb']:8.0f} MB   load {row['load']}", flush=True)


def markdown(rows: list[dict], info: dict) -> str:
    lines = [f"Measured {info['date']} on {info['cpus']} cores, {info['memory_gib']} GiB, "
             f"Python {info['python']}, under load (other jobs shared the machine; "
             "load average before → after each case).", "",
             "| case | firms | wall (median) | CPU user+sys | peak RSS | load average |",
             "|---|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['firms']:,} | {r['wall_s']:.1f} s | {r['cpu_s']:.1f} s | "
                     f"{r['rss_mb']:,.0f} MB | {r['load']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", nargs=3, metavar=("ENGINE", "TABLE", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--cli", type=float, default=1e6, help="firms of the CLI case (0: skip)")
    parser.add_argument("--sizes", default="1e6,1e7", help="firms of the engine cases, comma-separated")
    parser.add_argument("--engines", default="duckdb",
                        help="engines, comma-separated (pandas, duckdb, duckdb/table: in table order, dask)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", type=Path, default=None, help="folder for the synthetic tables")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--markdown", type=Path, default=None)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    info = machine()
    print(json.dumps(info, ensure_ascii=False), flush=True)
    rows: list[dict] = []
    folder = Path(tempfile.mkdtemp(prefix="bench-grade-", dir=args.data))
    zongheng = [sys.executable, "-m", "zongheng.cli"] if not (ROOT / ".venv/bin/zongheng").exists() \
        else [str(ROOT / ".venv/bin/zongheng")]
    try:
        if args.cli:
            n = int(args.cli)
            run_case("cli --demo", [*zongheng, "grade", "--demo", "--firms", str(n), "-o",
                                    str(folder / "cli.parquet")], args.repeats, rows, n)
        from zongheng.enterprise.generator import write_synthetic

        for size in (int(float(s)) for s in args.sizes.split(",") if s):
            table = folder / f"firms-{size}.parquet"
            free = shutil.disk_usage(folder).free
            if free < size * 120:  # ≈ 30 B per firm for the table, ≈ 90 B for the grades and spill
                print(f"skipping {size:,}: {free / 2**30:.1f} GiB free in {folder}", flush=True)
                continue
            started = time.perf_counter()
            write_synthetic(table, size, seed=1)
            print(f"(table of {size:,} firms written in {time.perf_counter() - started:.0f} s, "
                  f"{table.stat().st_size / 2**20:,.0f} MiB)", flush=True)
            for engine in args.engines.split(","):
                cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", engine, str(table),
                       str(folder / f"grades-{engine.replace('/', '-')}.parquet")]
                run_case(engine, cmd, args.repeats, rows, size)
            table.unlink()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "rows": rows}, indent=1, ensure_ascii=False))
    text = markdown(rows, info)
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
