"""Benchmark: the Dask grading engine on a loopback cluster beside the in-memory engine.

Usage::

    .venv/bin/python bench/bench_dask.py                          # 10⁵ (3 runs) and 10⁶ (2 runs)
    .venv/bin/python bench/bench_dask.py --sizes 100000 --repeats 1   # a quick smoke run
    .venv/bin/python bench/bench_dask.py --sizes 3000000 --repeats 1 --memory-limit 10GB

For each size a synthetic 永康-like table (:func:`zongheng.enterprise.generate_enterprises`,
seeded, in chunks of 250,000 firms with their own seeds and unique identifiers) is written to a
Parquet dataset (a directory of part files, so that Dask reads it by partitions) in a temporary
folder, deleted at the end unless ``--keep``. Then:

* ``dask``: :func:`grade_dask` on a cluster this script starts — ``dask scheduler`` and
  ``--workers`` ``dask worker`` processes on 127.0.0.1, one thread each — writing the grade
  list as a Parquet dataset. Time is the client's wall time; ``peak MiB`` is the largest
  worker's peak RSS (``ru_maxrss``; the workers are restarted before every run so that the
  peak is the run's) and ``client MiB`` this process's peak.
* ``memory``: in a fresh interpreter, ``pandas.read_parquet`` + ``grade_enterprises`` +
  ``grades.to_parquet``: the in-memory engine on the same table (its own peak RSS).

Figures are medians of ``--repeats`` runs. The machine is shared: the load average before and
after is printed with the results and written in the JSON line at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

CHUNK = 250_000


def write_table(n: int, folder: Path, seed: int = 16) -> Path:
    """Write ``n`` synthetic firms as a Parquet dataset of ``CHUNK``-firm parts; return its path."""
    import numpy as np
    import pandas as pd

    from zongheng.enterprise import generate_enterprises

    path = folder / f"firms-{n}.parquet"
    path.mkdir(parents=True, exist_ok=True)
    for k, start in enumerate(range(0, n, CHUNK)):
        part = generate_enterprises(min(CHUNK, n - start), seed=seed + k)
        # Each chunk numbers its firms from 1: renumber so that the identifiers stay unique.
        numbers = pd.Series(np.arange(start + 1, start + len(part) + 1)).astype(str).str.zfill(9)
        part["统一社会信用代码"] = ("91330784SYN" + numbers).to_numpy()
        part.to_parquet(path / f"part-{k:05d}.parquet", index=False)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def loopback_cluster(workers: int, memory_limit: str, folder: Path):
    """Start ``dask scheduler`` and ``workers`` ``dask worker`` processes; yield the address."""
    import distributed

    dask = str(Path(sys.executable).with_name("dask"))
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs: list[subprocess.Popen] = []
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    try:
        procs.append(subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                       "--no-dashboard"], stdout=subprocess.DEVNULL,
                                      stderr=open(folder / "scheduler.log", "wb"), env=env,
                                      start_new_session=True))
        for i in range(workers):
            procs.append(subprocess.Popen([dask, "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                                           "--no-dashboard", "--memory-limit", memory_limit,
                                           "--local-directory", str(folder / f"w{i}")],
                                          stdout=subprocess.DEVNULL,
                                          stderr=open(folder / f"worker{i}.log", "wb"), env=env,
                                          start_new_session=True))
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_dask(table: Path, out: Path, address: str, warm: Path | None) -> dict:
    """Grade ``table`` on the cluster once, on freshly restarted workers; return time and peaks.

    With ``warm`` (a small table), the restarted workers first grade it, so that the run is not
    charged with their imports (dask.dataframe, pyarrow, zongheng: seconds on a loaded machine,
    once per worker process); without it the run is a cold start.
    """
    import distributed

    from zongheng.enterprise.engines.dask_engine import grade_dask

    with distributed.Client(address, timeout=60) as client:
        client.restart()
        if warm is not None:
            grade_dask(warm, output=out, scheduler=address)
        started = time.perf_counter()
        summary = grade_dask(table, output=out, scheduler=address)
        seconds = time.perf_counter() - started
        peaks = client.run(_worker_peak_mib)
    return {"seconds": seconds, "peak_mib": max(peaks.values()), "client_mib": _peak_mib(),
            "firms": summary.firms, "d_firms": summary.d_firms}


def _worker_peak_mib() -> float:
    import resource as r

    return r.getrusage(r.RUSAGE_SELF).ru_maxrss / 1024


_MEMORY = """
import json, resource, sys, time
import pandas as pd
from zongheng.enterprise import grade_enterprises
started = time.perf_counter()
result = grade_enterprises(pd.read_parquet(sys.argv[1]))
result.grades.to_parquet(sys.argv[2], index=False)
print(json.dumps({"seconds": time.perf_counter() - started, "firms": len(result.grades),
                  "d_firms": len(result.d_list),
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_memory(table: Path, out: Path) -> dict:
    """Grade ``table`` with the in-memory engine in a fresh interpreter; return time and peak."""
    done = subprocess.run([sys.executable, "-c", _MEMORY, str(table), str(out)], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, nargs="+", default=None,
                        help="runs per size (one number for all, or one per size; default 3, 2 …)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="8GB", help="per worker (dask's --memory-limit)")
    parser.add_argument("--keep", type=Path, default=None, help="folder to keep the tables in")
    args = parser.parse_args(argv)
    repeats = args.repeats or [3 if n <= 100_000 else 2 for n in args.sizes]
    if len(repeats) == 1:
        repeats = repeats * len(args.sizes)

    load_before = os.getloadavg()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="bench-dask-", dir="/tmp"))
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        warm = write_table(2000, folder / "warm")
        with loopback_cluster(args.workers, args.memory_limit, folder) as address:
            for n, reps in zip(args.sizes, repeats, strict=True):
                table = folder / f"firms-{n}.parquet"
                if not table.exists():
                    table = write_table(n, folder)
                size = sum(p.stat().st_size for p in table.iterdir()) / 2**20
                results = {"dask": [], "memory": []}
                if n == args.sizes[0]:  # what a user's first grading on new workers costs
                    cold = run_dask(table, folder / "out-dask.parquet", address, None)
                    rows.append({"firms": n, "file_mib": round(size, 1), "case": "dask-cold", "runs": 1,
                                 "seconds": cold["seconds"], "peak_mib": cold["peak_mib"]})
                    print(f"{n:>10,} {size:>7.1f} MiB dask, cold workers: {cold['seconds']:7.2f} s",
                          flush=True)
                for _ in range(reps):
                    results["dask"].append(run_dask(table, folder / "out-dask.parquet", address, warm))
                    results["memory"].append(run_memory(table, folder / "out-memory.parquet"))
                    assert results["dask"][-1]["d_firms"] == results["memory"][-1]["d_firms"]
                for case, runs in results.items():
                    row = {"firms": n, "file_mib": round(size, 1), "case": case, "runs": reps,
                           "seconds": statistics.median(r["seconds"] for r in runs),
                           "peak_mib": statistics.median(r["peak_mib"] for r in runs)}
                    if case == "dask":
                        row["client_mib"] = statistics.median(r["client_mib"] for r in runs)
                    rows.append(row)
                    print(f"{n:>10,} {size:>7.1f} MiB {case:>7} runs {reps}  {row['seconds']:7.2f} s  "
                          f"peak {row['peak_mib']:7.0f} MiB"
                          + (f"  client {row['client_mib']:6.0f} MiB" if case == "dask" else ""),
                          flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    load_after = os.getloadavg()
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; workers {args.workers} × 1 thread; load average before "
          f"{load_before[0]:.2f}, after {load_after[0]:.2f} (shared machine: figures taken under load)")
    print(json.dumps({"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "rows": rows,
                      "workers": args.workers, "cores": os.cpu_count(),
                      "load_before": load_before, "load_after": load_after}))


if __name__ == "__main__":
    main()
