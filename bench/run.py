"""Benchmarks of zongheng (not tests): build speed and memory, per-stage time, readers.

Usage::

    .venv/bin/python bench/run.py                      # every case, 7 repeats, print a table
    .venv/bin/python bench/run.py --repeats 9 --markdown docs/benchmarks.md
    .venv/bin/python bench/run.py --cases build-3000x40 --blas default

Each case runs in a fresh interpreter (``--worker``), so its max RSS is its
own. Build cases run twice: with OpenBLAS' default thread count and with
``OPENBLAS_NUM_THREADS=1`` (the aggregation's matrix products are small, and
on a shared two-core machine waking and spinning BLAS threads costs more than
it saves). ``--markdown`` rewrites only the part of the file between the
``<!-- bench:begin -->`` and ``<!-- bench:end -->`` markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))  # run from a checkout without installing

# COINr 1.1.14's build times measured on this machine class by the performance review of
# 2026-12-03 (../shared/reviews/2026-12-performance.md §2.2: COINr's own synthetic generator,
# its time_synthetic.R pipeline; medians of 3 rounds). Not measured in this run (no R here) and
# on other data, so no ratio is formed from them: the review's same-run ratio is ~60×.
COINR_SECONDS = {"build-3000x40": 1.36, "build-10000x100": 7.11}
TARGET_SECONDS = {"build-3000x40": 0.1, "build-10000x100": 0.5}
BUILD_SIZES = {"build-3000x40": (3000, 40), "build-10000x100": (10000, 100)}
CASES = (*BUILD_SIZES, "read-asem", "read-wide-10000x100")
BLAS_MODES = {"default": None, "1": "1"}
DATA_STAGES = ("denominate", "impute", "screen", "treat", "normalise")
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


# -- measuring -----------------------------------------------------------------
def max_rss_mib() -> float:
    """Return this process's peak resident set size so far (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def repeat(function, repeats: int, cpu: list[float] | None = None) -> list[float]:
    """Return the wall times of ``repeats`` calls (garbage collected before each).

    The process CPU times (all threads) go to ``cpu`` when given: on a shared
    machine they move less than wall times when other jobs compete.
    """
    times = []
    for _ in range(repeats):
        gc.collect()
        cpu_start, start = time.process_time(), time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
        if cpu is not None:
            cpu.append(time.process_time() - cpu_start)
    return times


def summary(times: list[float], cpu: list[float] | None = None) -> dict:
    out = {"times": times, "median": statistics.median(times), "min": min(times)}
    if cpu:
        out["cpu_median"] = statistics.median(cpu)
    return out


def traced_peak(function) -> tuple[float, float, object]:
    """Return tracemalloc's peak and retained MiB during one call, and its result."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    result = function()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - before) / 2**20, (current - before) / 2**20, result


def stage_times(framework, panel, method, repeats: int) -> dict[str, dict[str, float]]:
    """Time each stage as ``run_stages`` runs it, and the fit and apply of the data stages.

    A stage's time is the difference between running the pipeline from that
    stage and from the next one (``run_stages(..., reuse=records[:k])``, the
    path ``Evaluation.rebuild`` takes), the median of differences paired within
    each round of repeats. Fit
    and apply are timed on the stage's recorded input. Ranking is not part of
    ``build`` (ranks are computed on first use); it is timed apart.
    """
    from zongheng.pipeline import run_stages
    from zongheng.steps import Context, Scope
    from zongheng.steps.rank import competition_rank, group_rank

    plan = method.plan()
    records = run_stages(framework, panel, method)
    runs: list[list[float]] = [[] for _ in plan]
    for _ in range(repeats):
        for k in range(len(plan)):
            gc.collect()
            start = time.perf_counter()
            run_stages(framework, panel, method, records[:k])
            runs[k].append(time.perf_counter() - start)
    runs.append([0.0] * repeats)
    # Paired within a round (back to back), so slow drifts of a shared machine cancel out.
    out = {stage: {"total": statistics.median(a - b for a, b in zip(runs[k], runs[k + 1], strict=True))}
           for k, (stage, _) in enumerate(plan)}

    ctx = Context(framework, panel, Scope.parse(method.scope))
    for _, step in plan:
        ctx = step.prepare(panel.values, ctx)
    for k, (stage, step) in enumerate(plan):
        if stage in DATA_STAGES:
            values = records[k - 1].output if k else panel.values
            state = step.fit(values, ctx)
            out[stage]["fit"] = statistics.median(
                repeat(lambda s=step, v=values, c=ctx: s.fit(v, c), repeats))
            out[stage]["apply"] = statistics.median(
                repeat(lambda s=step, v=values, st=state, c=ctx: s.apply(v, st, c), repeats))
        ctx = step.publish(records[k].state, ctx)

    scores = records[-1].output
    out["rank, overall (not in build)"] = {"total": statistics.median(
        repeat(lambda: competition_rank(scores, axis=-2), repeats))}
    out["rank, in groups (not in build)"] = {"total": statistics.median(repeat(
        lambda: [group_rank(scores, panel.group(g), axis=-2) for g in panel.groups], repeats))}
    return out


def winsorise_passes(framework, panel, method) -> dict:
    """Count the winsorisation loop's iterations and its moment passes over the data."""
    from zongheng.pipeline import run_stages
    from zongheng.steps import Context, Scope, treat

    records = run_stages(framework, panel, method)
    before = next(r for r in records if r.stage == "screen").output
    original, calls = getattr(treat, "_skew_kurt", None), []
    if original is None or not hasattr(method.treat, "max_points"):
        return {"moment_passes": 0, "iterations": 0, "columns_per_pass": 0}

    def counting(values, known, n):
        calls.append(values.shape[-1])
        return original(values, known, n)

    treat._skew_kurt = counting
    try:
        method.treat.fit(before, Context(framework, panel, Scope.parse(method.scope)))
    finally:
        treat._skew_kurt = original
    # One pass over every column before the loop, then one per round on the columns still failing.
    return {"moment_passes": len(calls), "iterations": len(calls) - 1,
            "columns_per_pass": round(sum(calls[1:]) / max(len(calls) - 1, 1))}


# -- cases (each runs in its own interpreter) ---------------------------------
def asem_method():
    from zongheng.datasets import path
    from zongheng.method import read_method

    return read_method(path("asem") / "method.yaml")


def case_build(name: str, repeats: int) -> dict:
    import numpy as np

    import synthetic
    import zongheng as zh

    n_units, n_ind = BUILD_SIZES[name]
    rss_imports = max_rss_mib()
    start = time.perf_counter()
    framework = synthetic.make_framework(n_ind)
    panel = synthetic.make_panel(framework, n_units)
    method = asem_method()
    generate = time.perf_counter() - start
    gc.collect()
    rss_data = max_rss_mib()

    start = time.perf_counter()
    ev = zh.build(framework, panel, method)  # the first call also warms caches and imports
    first = time.perf_counter() - start
    treated = ev.treated
    facts = {
        "units": n_units, "indicators": n_ind, "nodes": len(framework.node_codes),
        "missing_share": float(np.isnan(panel.values).mean()),
        "winsorised_indicators": int((~treated["log"] & (treated["winsorised"] > 0)).sum()),
        "winsorised_points": int(treated["winsorised"].sum()),
        "log_indicators": int(treated["log"].sum()),
        "screened_units": len(ev.screened),
        "method": method.to_dict(),
        "generate_s": generate,
        "winsorise": winsorise_passes(framework, panel, method),
    }
    del ev, treated

    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    cpu: list[float] = []
    build = summary(repeat(lambda: zh.build(framework, panel, method), repeats, cpu), cpu)
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / repeats
    ranks = summary(repeat(lambda: zh.build(framework, panel, method).ranks, repeats))
    stages = stage_times(framework, panel, method, repeats)
    rss_build = max_rss_mib()
    peak, retained, ev = traced_peak(lambda: zh.build(framework, panel, method))
    arrays = {id(r.output): r.output.nbytes for r in ev.trace if r.output is not None}  # weight reuses
    retained_arrays = sum(arrays.values()) / 2**20
    return {
        "case": name, "kind": "build", "repeats": repeats, "first_s": first, "page_faults": faults,
        "build": build, "build_and_rank": ranks, "stages": stages,
        "tracemalloc_peak_mib": peak, "tracemalloc_retained_mib": retained,
        "stage_outputs_mib": retained_arrays, "input_mib": panel.values.nbytes / 2**20,
        "rss_imports_mib": rss_imports, "rss_data_mib": rss_data, "rss_max_mib": rss_build,
        **facts,
    }


def case_read_asem(repeats: int) -> dict:
    import zongheng as zh
    from zongheng.datasets import path

    folder = path("asem")
    meta, data = folder / "iMeta.csv", folder / "iData.csv"
    framework = zh.read_framework(meta)
    rss_before = max_rss_mib()
    fw = summary(repeat(lambda: zh.read_framework(meta), repeats))
    panel = summary(repeat(lambda: zh.read_panel(data, framework), repeats))
    peak, _, p = traced_peak(lambda: zh.read_panel(data, framework))
    method = asem_method()
    build = summary(repeat(lambda: zh.build(framework, p, method), repeats))
    return {
        "case": "read-asem", "kind": "read", "repeats": repeats,
        "parts": {"read_framework (iMeta.csv)": fw, "read_panel (iData.csv)": panel,
                  "build (for scale, not a reader)": build},
        "file_mib": (meta.stat().st_size + data.stat().st_size) / 2**20,
        "shape": list(p.shape), "tracemalloc_peak_mib": peak,
        "rss_before_mib": rss_before, "rss_max_mib": max_rss_mib(),
    }


def case_read_wide(repeats: int) -> dict:
    import pandas as pd

    import synthetic
    import zongheng as zh
    from zongheng.io.tables import read_table

    framework = synthetic.make_framework(100)
    panel = synthetic.make_panel(framework, 10000)
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "wide_10000x100.csv"
        synthetic.wide_frame(panel).to_csv(csv, index=False)
        rss_before = max_rss_mib()
        parts = {
            "pandas.read_csv (floor, floats)": summary(repeat(lambda: pd.read_csv(csv), repeats)),
            "read_table (cells as text)": summary(repeat(lambda: read_table(csv), repeats)),
            "read_panel (total)": summary(repeat(lambda: zh.read_panel(csv, framework), repeats)),
        }
        peak, _, read = traced_peak(lambda: zh.read_panel(csv, framework))
        size = csv.stat().st_size / 2**20
    same = bool(((read.values == panel.values) | (read.values != read.values)).all())
    return {
        "case": "read-wide-10000x100", "kind": "read", "repeats": repeats, "parts": parts,
        "file_mib": size, "shape": list(read.shape), "round_trip_equal": same,
        "tracemalloc_peak_mib": peak, "rss_before_mib": rss_before, "rss_max_mib": max_rss_mib(),
    }


def worker(case: str, repeats: int) -> dict:
    if case in BUILD_SIZES:
        result = case_build(case, repeats)
    elif case == "read-asem":
        result = case_read_asem(repeats)
    else:
        result = case_read_wide(repeats)
    result["blas_threads"] = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    return result


def run_worker(case: str, repeats: int, blas: str) -> dict:
    """Run one case in a fresh interpreter and return its JSON result."""
    env = dict(os.environ)
    for var in THREAD_VARS:
        env.pop(var, None)
    if BLAS_MODES[blas] is not None:
        for var in THREAD_VARS:
            env[var] = BLAS_MODES[blas]
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", case, "--repeats", str(repeats)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"case {case} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- machine -------------------------------------------------------------------
def machine() -> dict:
    import numpy as np
    import pandas as pd
    import scipy

    import zongheng

    def sh(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "?"

    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    blas = "?"
    try:
        found = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{found.get('name', 'blas')} {found.get('version', '')}".strip()
    except Exception:  # older numpy: not essential
        pass
    return {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": sh("nproc"),
        "cpu": model.group(1).strip() if model else platform.processor() or "?",
        "memory": sh("free", "-h").splitlines()[1].split()[1] if sh("free", "-h") else "?",
        "load": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__, "pandas": pd.__version__, "scipy": scipy.__version__,
        "blas": blas, "zongheng": zongheng.__version__,
        "commit": sh("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD") or "?",
        "dirty": bool(sh("git", "-C", str(ROOT), "status", "--porcelain", "--", "src")),
        "env": {k: v for k, v in os.environ.items() if k.startswith("MALLOC_") or k in THREAD_VARS},
    }


# -- reporting -----------------------------------------------------------------
def ms(seconds: float) -> str:
    if abs(seconds) < 5e-5:
        seconds = 0.0  # no "-0.0 ms" from a difference of two medians
    return f"{seconds * 1e3:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def mib(value: float) -> str:
    return f"{value:,.1f} MiB" if value >= 1 else f"{value * 1024:,.0f} KiB"


def stage_cell(s: dict[str, float]) -> str:
    if "fit" in s:
        return f"**{ms(s['total'])}** ({ms(s['fit'])} / {ms(s['apply'])})"
    return f"**{ms(s['total'])}**"


def build_tables(results: list[dict]) -> list[str]:
    builds = [r for r in results if r["kind"] == "build"]
    if not builds:
        return []
    lines = [
        "### Build (`zh.build(framework, panel, method)`, ASEM method)",
        "",
        "| case | BLAS threads | median | min | CPU time (median) | build + ranks (median) | target | "
        "COINr 1.1.14 (review 2026-12-03, other run) | tracemalloc peak | "
        "max RSS (after data → after builds) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in builds:
        name, med = r["case"], r["build"]["median"]
        target, coinr = TARGET_SECONDS[name], COINR_SECONDS[name]
        verdict = "✅" if med <= target else "❌"
        lines.append(
            f"| {r['units']:,} × {r['indicators']} | {r['blas_threads']} | {ms(med)} | "
            f"{ms(r['build']['min'])} | {ms(r['build']['cpu_median'])} | "
            f"{ms(r['build_and_rank']['median'])} | ≤ {ms(target)} {verdict} "
            f"| {coinr} s | {mib(r['tracemalloc_peak_mib'])} | "
            f"{mib(r['rss_data_mib'])} → {mib(r['rss_max_mib'])} |")
    lines += ["", "What the data made the steps do, and the memory each build keeps:", ""]
    lines += ["| case | missing | winsorised indicators (points) | log fallback | winsorisation loop: "
              "iterations, moment passes × columns | screened units | input values | stage outputs kept "
              "by the Evaluation | RSS after imports | first call | minor page faults per build |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    seen = set()
    for r in builds:
        if r["case"] in seen:
            continue
        seen.add(r["case"])
        w = r["winsorise"]
        lines.append(
            f"| {r['units']:,} × {r['indicators']} | {r['missing_share']:.2%} | "
            f"{r['winsorised_indicators']} ({r['winsorised_points']}) | {r['log_indicators']} | "
            f"{w['iterations']}, {w['moment_passes']} × {w['columns_per_pass']} | "
            f"{r['screened_units']} | {mib(r['input_mib'])} | {mib(r['stage_outputs_mib'])} | "
            f"{mib(r['rss_imports_mib'])} | {ms(r['first_s'])} | {r['page_faults']:,.0f} |")
    lines += ["", "### Per stage", "",
              "Stage time = pipeline run from this stage minus run from the next (`run_stages` with "
              "`reuse`, as `Evaluation.rebuild` does; median of differences paired within each round); "
              "in brackets, the step's `fit` / `apply` timed "
              "alone on the stage's recorded input. Medians; a difference can be slightly off "
              "(even negative) for a stage under a millisecond.", ""]
    header = "| stage | " + " | ".join(f"{r['units']:,}×{r['indicators']}, BLAS {r['blas_threads']}"
                                       for r in builds) + " |"
    lines += [header, "|---|" + "---|" * len(builds)]
    for stage in builds[0]["stages"]:
        cells = []
        for r in builds:
            cells.append(stage_cell(r["stages"][stage]))
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    totals = [ms(sum(v["total"] for k, v in r["stages"].items() if not k.startswith("rank")))
              for r in builds]
    lines.append("| all build stages (run_stages) | " + " | ".join(totals) + " |")
    return lines


def read_tables(results: list[dict]) -> list[str]:
    reads = [r for r in results if r["kind"] == "read"]
    if not reads:
        return []
    lines = ["### Readers (no target; recorded)", "",
             "| case | part | median | min | file | tracemalloc peak of read_panel | max RSS of the case |",
             "|---|---|---|---|---|---|---|"]
    for r in reads:
        for part, s in r["parts"].items():
            lines.append(f"| {r['case']} {tuple(r['shape'])} | {part} | {ms(s['median'])} | "
                         f"{ms(s['min'])} | {mib(r['file_mib'])} | {mib(r['tracemalloc_peak_mib'])} | "
                         f"{mib(r['rss_max_mib'])} |")
    return lines


def render(results: list[dict], info: dict, command: str) -> str:
    load = info["load"]
    lines = [
        f"Measured {info['date']} at commit `{info['commit']}`"
        + (" (src/ modified)" if info["dirty"] else "") + f" with `{command}`.",
        "",
        f"- Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} RAM, {info['os']}; "
        f"shared and noisy; load average (1/5/15 min) {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} at the "
        f"start, {info['load_end'][0]:.2f} / {info['load_end'][1]:.2f} / {info['load_end'][2]:.2f} at the end"
        if load else f"- Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} RAM",
        f"- Python {info['python']}, numpy {info['numpy']} ({info['blas']}), pandas {info['pandas']}, "
        f"scipy {info['scipy']}, zongheng {info['zongheng']}",
        *([f"- Environment: {', '.join(f'{k}={v}' for k, v in info['env'].items())}"]
          if info["env"] else []),
        f"- {results[0]['repeats']} timed repeats per case after one warm-up call; each case in its own "
        "interpreter; times are wall clock (`time.perf_counter`).",
        "",
        *build_tables(results),
        "",
        *read_tables(results),
    ]
    return "\n".join(lines).rstrip() + "\n"


def print_table(results: list[dict]) -> None:
    print(f"{'case':<22}{'BLAS':>8}{'part':>34}{'median':>12}{'min':>12}{'peak':>12}")
    for r in results:
        if r["kind"] == "build":
            rows = [("build", r["build"]), ("build + ranks", r["build_and_rank"])]
        else:
            rows = list(r["parts"].items())
        for part, s in rows:
            cpu = f"  (CPU {ms(s['cpu_median'])})" if "cpu_median" in s else ""
            print(f"{r['case']:<22}{r['blas_threads']:>8}{part[:33]:>34}{ms(s['median']):>12}"
                  f"{ms(s['min']):>12}{mib(r['tracemalloc_peak_mib']):>12}{cpu}")
        if r["kind"] == "build":
            med = r["build"]["median"]
            print(f"{'':<30}COINr 1.1.14: {COINR_SECONDS[r['case']]} s (review 2026-12-03, not this run); "
                  f"target ≤ {TARGET_SECONDS[r['case']]} s "
                  f"{'met' if med <= TARGET_SECONDS[r['case']] else 'MISSED'}")
            for stage, s in r["stages"].items():
                detail = f"  (fit {ms(s['fit'])}, apply {ms(s['apply'])})" if "fit" in s else ""
                print(f"{'':<30}{stage:<32}{ms(s['total']):>12}{detail}")


def write_markdown(path: Path, body: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text = text.rstrip() + f"\n\n## Results\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{body}{END}{tail}", encoding="utf-8")


def wait_for_quiet(load: float, timeout: float = 600) -> None:
    """Wait until the 1-minute load average drops below ``load`` (a shared machine)."""
    deadline = time.monotonic() + timeout
    while os.getloadavg()[0] >= load and time.monotonic() < deadline:
        print(f"load {os.getloadavg()[0]:.2f} ≥ {load}: waiting …", file=sys.stderr, flush=True)
        time.sleep(15)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per case (≥ 5)")
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated: {', '.join(CASES)}")
    parser.add_argument("--blas", choices=("both", *BLAS_MODES), default="both",
                        help="OpenBLAS threads for the build cases")
    parser.add_argument("--markdown", type=Path, help="write the results into this file (markers)")
    parser.add_argument("--json", type=Path, help="also save the raw results as JSON")
    parser.add_argument("--wait-load", type=float, metavar="LOAD",
                        help="first wait (up to 10 min) until the 1-minute load average is below LOAD")
    parser.add_argument("--render", type=Path, metavar="JSON",
                        help="measure nothing: print (and with --markdown write) saved --json results")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(args.worker, args.repeats)))
        return
    if args.render:
        saved = json.loads(args.render.read_text(encoding="utf-8"))
        print_table(saved["results"])
        if args.markdown:
            write_markdown(args.markdown, render(saved["results"], saved["machine"],
                                                 saved["machine"]["command"]))
        return
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        parser.error(f"unknown cases {unknown}; known: {', '.join(CASES)}")
    if args.wait_load is not None:
        wait_for_quiet(args.wait_load)
    info = machine()
    modes = list(BLAS_MODES) if args.blas == "both" else [args.blas]
    results = []
    for case in cases:
        for mode in modes if case in BUILD_SIZES else ["default"]:
            print(f"running {case} (BLAS threads: {mode}) …", file=sys.stderr, flush=True)
            results.append(run_worker(case, args.repeats, mode))
    info["load_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    print_table(results)
    command = "python bench/run.py " + " ".join(a for a in (argv if argv is not None else sys.argv[1:]))
    info["command"] = command.strip()
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": results}, indent=1,
                                        ensure_ascii=False), encoding="utf-8")
    if args.markdown:
        write_markdown(args.markdown, render(results, info, command.strip()))
        print(f"wrote {args.markdown}", file=sys.stderr)


if __name__ == "__main__":
    main()
