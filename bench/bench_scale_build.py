"""Scale benchmark of ``build`` (issue 16, part C): 10⁶ units × 40 indicators, and its tidy output.

Usage::

    .venv/bin/python bench/bench_scale_build.py                      # 10⁶ units, 3 repeats
    .venv/bin/python bench/bench_scale_build.py --units 100000 --repeats 5
    .venv/bin/python bench/bench_scale_build.py --src /tmp/old/src   # the same on another checkout
    .venv/bin/python bench/bench_scale_build.py --json out.json

Each case runs in a fresh interpreter (``--worker``), so its peak RSS
(``ru_maxrss``) is its own. The panel is the seeded synthetic one of
``bench/synthetic.py`` (index → 2 sub-indices → 8 pillars → 40 indicators,
1 % missing, 0.5 % sparse units) under the ASEM method (group-mean
imputation, availability screen, skew/kurtosis winsorisation, min-max,
arithmetic mean), as ``bench/run.py`` builds it. Cases:

* ``build-final``: ``zh.build(..., keep="final")`` — the target case (≤ 5 s, ≤ 2 GB);
* ``build-all``: ``zh.build(...)`` keeping every stage's data;
* ``parquet``: a final build, then ``write_evaluation(ev, "….parquet")`` (the tidy
  table, one row per unit and node, streamed in chunks; ranks of every node included).

Reported per case: median and minimum wall time of the repeats, the CPU time
(the process's, all threads: less moved by other jobs on a shared machine),
the peak RSS of the process during the timed part (``VmHWM`` reset after the
panel is made: the panel plus everything the build needs), the RSS before it
(the panel itself, about 0.6 GiB at 10⁶ units) and the 1-minute load average
before and after. OpenBLAS runs on one
thread (``OPENBLAS_NUM_THREADS=1``), as ``bench/run.py`` recommends on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CASES = ("build-final", "build-all", "parquet")
ASEM_METHOD = ROOT / "src" / "zongheng" / "datasets" / "asem" / "method.yaml"


def rss_mib() -> float:
    """Return this process's peak resident set size so far (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def status_mib(field: str) -> float:
    """Return a field of /proc/self/status in MiB (``VmRSS``: now, ``VmHWM``: peak since reset)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    """Reset the peak RSS (VmHWM) so that it measures what follows (Linux ≥ 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def worker(case: str, units: int, repeats: int, src: str) -> dict:
    """Run one case in this interpreter and return its figures."""
    sys.path.insert(0, src)
    sys.path.insert(0, str(HERE))
    import gc

    import zongheng as zh
    from synthetic import make_framework, make_panel
    from zongheng.method import read_method

    framework = make_framework(40)
    panel = make_panel(framework, units)
    method = read_method(ASEM_METHOD)
    zh.build(framework, make_panel(framework, 200, seed=1), method)  # imports and caches warm
    gc.collect()
    generation_peak, base = rss_mib(), status_mib("VmRSS")
    reset_peak()  # the panel's generation peaks higher than the panel itself: not counted
    walls, cpus, rows = [], [], 0
    load_before = os.getloadavg()[0]
    for _ in range(repeats):
        gc.collect()
        cpu, start = time.process_time(), time.perf_counter()
        if case == "build-all":
            ev = zh.build(framework, panel, method)
        else:
            ev = zh.build(framework, panel, method, keep="final")
        if case == "parquet":
            from zongheng.io.results import write_evaluation

            with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
                out = write_evaluation(ev, Path(tmp) / "tidy.parquet")
                rows = int(__import__("pyarrow.parquet").parquet.ParquetFile(out).metadata.num_rows)
                size = out.stat().st_size
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        del ev
    result = {"case": case, "units": units, "indicators": 40, "repeats": repeats,
              "median_s": statistics.median(walls), "min_s": min(walls),
              "cpu_median_s": statistics.median(cpus), "peak_rss_mib": status_mib("VmHWM"),
              "panel_rss_mib": base, "generation_peak_mib": generation_peak,
              "load_before": load_before, "load_after": os.getloadavg()[0],
              "src": src}
    if case == "parquet":
        result.update(rows=rows, file_mib=size / 2**20)
    return result


def run_case(case: str, units: int, repeats: int, src: str) -> dict:
    """Run a case in a fresh interpreter (its own peak RSS) and return its figures."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    out = subprocess.run([sys.executable, __file__, "--worker", case, "--units", str(units),
                          "--repeats", str(repeats), "--src", src],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(results: list[dict]) -> str:
    """Return the results as a markdown table."""
    lines = ["| case | units | median s | min s | CPU s | peak RSS MiB (panel incl.) | panel RSS MiB "
             "| load 1 min |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['case']} | {r['units']:,} | {r['median_s']:.2f} | {r['min_s']:.2f} | "
                     f"{r['cpu_median_s']:.2f} | {r['peak_rss_mib']:.0f} | {r['panel_rss_mib']:.0f} | "
                     f"{r['load_before']:.1f}→{r['load_after']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated: " + ", ".join(CASES))
    parser.add_argument("--src", default=str(ROOT / "src"), help="the zongheng source tree to time")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.units, args.repeats, args.src)))
        return
    results = []
    for case in args.cases.split(","):
        results.append(run_case(case, args.units, args.repeats, args.src))
        print(table(results[-1:]).splitlines()[-1], flush=True)
    print(f"\n{platform.node()} · {platform.processor() or platform.machine()} · {os.cpu_count()} cores · "
          f"Python {platform.python_version()} · {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · "
          f"source {args.src}\n")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
