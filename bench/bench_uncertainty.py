"""Benchmarks of the uncertainty engine (issue "Uncertainty and sensitivity of ranks").

Usage::

    .venv/bin/python bench/bench_uncertainty.py                 # the three cases, 7 repeats
    .venv/bin/python bench/bench_uncertainty.py --skip-10m      # cases 1 and 2 only
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/bench_uncertainty.py --json /tmp/u.json

1. **ASEM, COINr's sensitivity vignette**: winsorisation with at most 1–5 points,
   min-max [1, 100] or z-score (10, 2), pillar and sub-index weights × (1 + U(−0.25, 0.25)),
   arithmetic or geometric mean; 100,000 replications (sampling + evaluation; the nominal
   build and data loading excluded). Target ≤ 2.5 s. For COINr, docs/benchmarks.md quotes the
   performance review's measurements (COINr 1.1.14, 0.10–0.17 s per replication, 2026-12-03);
   no ratio is formed here, since COINr is not run here and its replication is a full rebuild.
2. **Weights only, 90 units × 42 indicators** (the synthetic 天工鼎 demo panel, every weight ×
   (1 + U(−0.25, 0.25)) at both levels), 100,000 samples, against the bare numpy floor measured
   in the same run, interleaved: one matrix product of 100,000 pre-drawn weight vectors with
   the 90 × 42 normalised values, then ``argsort`` of each row. Target ≤ 1.5× the floor. The
   floor runs on one BLAS thread, as the engine does (``threadpoolctl``), so both sides use
   the same resources.
3. **10,000,000 samples** of case 2 through the CLI (``zongheng uncertainty … --progress``) in
   a fresh interpreter: wall time and peak RSS (``wait4``). Target ≤ 1 GB.
4. **BLAS threads**: cases 1 and 2 with the engine's default of one BLAS thread
   (``evaluate(blas_threads=1)``, threadpoolctl) against the library's own setting
   (``blas_threads=None``), interleaved in the same run, medians (``--skip-blas`` leaves it out).
   Run it without ``OPENBLAS_NUM_THREADS`` set, or both sides are the same.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import zongheng as zh  # noqa: E402
from zongheng.analysis.uncertainty import (  # noqa: E402
    UncertaintySpec,
    WeightPerturbation,
    default_spec,
    evaluate,
    sample,
)

N = 100_000


def _load(name: str):
    ds = zh.datasets.load(name)
    return zh.build(ds.framework, ds.panel, ds.method)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def case_asem(repeats: int) -> dict:
    """Case 1: COINr's four uncertain inputs on ASEM, 100,000 replications."""
    ev = _load("asem")
    spec = default_spec(ev, ["weights", "normalise", "aggregate", "treat"])
    times = []
    result = None
    for seed in range(repeats + 1):  # the first is a warm-up
        start = time.perf_counter()
        result = evaluate(ev, spec, sample(ev, spec, N, seed=seed))
        times.append(time.perf_counter() - start)
    times = times[1:]
    median = statistics.median(times)
    return {"case": "asem-coinr", "samples": N, "combinations": result.combinations,
            "median_s": median, "min_s": min(times), "per_replication_us": median / N * 1e6,
            "target_s": 2.5, "met": median <= 2.5}


def _weights_case() -> tuple[zh.Evaluation, UncertaintySpec]:
    ev = _load("tiangong_demo")
    return ev, UncertaintySpec(weights=[WeightPerturbation(levels=(2, 3), spread=0.25)])


def case_weights(repeats: int) -> dict:
    """Case 2: weights only, 90 × 42, against matmul + argsort in the same run."""
    ev, spec = _weights_case()
    n_ind = len(ev.framework.indicator_codes)
    x = np.ascontiguousarray(ev.scores[-1, :, :n_ind])  # normalised values, 90 × 42
    rng = np.random.default_rng(0)
    w = rng.random((N, n_ind))

    def floor() -> None:
        with threadpool_limits(limits=1, user_api="blas"):  # as the engine runs
            np.argsort(w @ x.T, axis=1)

    def ours(seed: int) -> None:
        evaluate(ev, spec, sample(ev, spec, N, seed=seed))

    floor_times, our_times = [], []
    for i in range(repeats + 1):  # interleaved, so that both see the same machine load
        start = time.perf_counter()
        floor()
        floor_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        ours(i)
        our_times.append(time.perf_counter() - start)
    floor_times, our_times = floor_times[1:], our_times[1:]
    ratio_median = statistics.median(our_times) / statistics.median(floor_times)
    ratio_min = min(our_times) / min(floor_times)
    return {"case": "weights-90x42", "samples": N, "units": x.shape[0], "indicators": n_ind,
            "floor_median_s": statistics.median(floor_times), "floor_min_s": min(floor_times),
            "median_s": statistics.median(our_times), "min_s": min(our_times),
            "ratio_median": ratio_median, "ratio_min": ratio_min, "target_ratio": 1.5,
            "met": ratio_median <= 1.5}


def case_blas(repeats: int) -> dict:
    """Case 4: one BLAS thread (the engine's default) against the library default, interleaved."""
    asem = _load("asem")
    asem_spec = default_spec(asem, ["weights", "normalise", "aggregate", "treat"])
    weights, weights_spec = _weights_case()
    cases = {"asem-coinr": (asem, asem_spec), "weights-90x42": (weights, weights_spec)}
    drawn = {name: sample(ev, spec, N, seed=0) for name, (ev, spec) in cases.items()}
    times: dict[tuple[str, str], list[float]] = {}
    for i in range(repeats + 1):  # the first round is a warm-up
        for name, (ev, spec) in cases.items():
            order = ((None, "default"), (1, "one")) if i % 2 else ((1, "one"), (None, "default"))
            for threads, label in order:  # alternate which goes first, so neither gets the warm cache
                start = time.perf_counter()
                evaluate(ev, spec, drawn[name], blas_threads=threads)
                if i:
                    times.setdefault((name, label), []).append(time.perf_counter() - start)
    out = {"case": "blas-threads", "samples": N,
           "blas_default_threads": _blas_threads(), "rounds": repeats}
    for name in cases:
        default = statistics.median(times[(name, "default")])
        one = statistics.median(times[(name, "one")])
        out[name] = {"default_median_s": default, "one_median_s": one, "speedup": default / one}
    return out


def _blas_threads() -> int | None:
    from threadpoolctl import threadpool_info

    blas = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    return blas[0] if blas else None


def case_10m(samples: int) -> dict:
    """Case 3: 10,000,000 samples through the CLI, fresh interpreter, peak RSS from wait4."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "weights.yaml"
        spec.write_text("weights: {levels: [2, 3], spread: 0.25}\n", encoding="utf-8")
        code = ("import sys; from zongheng.cli import app, commands_uncertainty; "
                "app(sys.argv[1:], prog_name='zongheng')")
        args = [sys.executable, "-c", code, "uncertainty", "--dataset", "tiangong_demo",
                "--samples", str(samples), "--spec", str(spec), "--progress", "--json"]
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        start = time.perf_counter()
        child = subprocess.Popen(args, stdout=subprocess.PIPE, env=env)  # progress bar: stderr
        out = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
    if child.returncode != 0:
        raise RuntimeError(f"the CLI run failed with status {child.returncode}")
    doc = json.loads(out)
    rss = usage.ru_maxrss / 1024  # Linux: KiB
    return {"case": "10m-cli", "samples": doc["samples"], "wall_s": wall,
            "evaluate_s": doc["seconds"], "peak_rss_mib": rss, "target_mib": 1024,
            "met": rss <= 1024, "mean_abs_shift": doc["mean_abs_shift"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--skip-10m", action="store_true")
    parser.add_argument("--skip-blas", action="store_true")
    parser.add_argument("--only-blas", action="store_true", help="run case 4 alone")
    parser.add_argument("--samples-10m", type=int, default=10_000_000)
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    import numpy

    info = {"python": platform.python_version(), "numpy": numpy.__version__, "cpus": os.cpu_count(),
            "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
            "load_before": os.getloadavg()}
    print(f"Python {info['python']}, numpy {info['numpy']}, {info['cpus']} CPUs, "
          f"OPENBLAS_NUM_THREADS={info['blas_threads']}, load {info['load_before']}")
    if options.only_blas:
        _print_blas(case_blas(options.repeats), options.json, info)
        return
    results = [case_asem(options.repeats), case_weights(options.repeats)]
    a, w = results
    print(f"1. ASEM (COINr vignette inputs), {a['samples']:,} replications, {a['combinations']} "
          f"builds: median {a['median_s']:.3f} s (min {a['min_s']:.3f} s), "
          f"{a['per_replication_us']:.2f} µs per replication — target ≤ 2.5 s "
          f"{'met' if a['met'] else 'MISSED'}")
    print(f"2. weights only, {w['units']} × {w['indicators']}, {w['samples']:,} samples: "
          f"median {_ms(w['median_s'])} (min {_ms(w['min_s'])}); floor median "
          f"{_ms(w['floor_median_s'])} (min {_ms(w['floor_min_s'])}); ratio {w['ratio_median']:.2f} "
          f"(of minima {w['ratio_min']:.2f}) — target ≤ 1.5 {'met' if w['met'] else 'MISSED'}")
    if not options.skip_10m:
        t = case_10m(options.samples_10m)
        results.append(t)
        print(f"3. {t['samples']:,} samples via the CLI: {t['wall_s']:.1f} s wall "
              f"({t['evaluate_s']:.1f} s evaluating), peak RSS {t['peak_rss_mib']:.0f} MiB — "
              f"target ≤ 1 GiB {'met' if t['met'] else 'MISSED'}")
    if not options.skip_blas:
        results.append(_print_blas(case_blas(options.repeats)))
    info["load_after"] = os.getloadavg()
    print(f"load after: {info['load_after']}")
    if options.json:
        options.json.write_text(json.dumps({"info": info, "results": results}, indent=1),
                                encoding="utf-8")


def _print_blas(b: dict, path: Path | None = None, info: dict | None = None) -> dict:
    """Print case 4 (and write it alone to ``path`` with ``--only-blas``)."""
    for name in ("asem-coinr", "weights-90x42"):
        r = b[name]
        print(f"4. BLAS threads, {name}, {b['samples']:,} samples, {b['rounds']} interleaved rounds: "
              f"library default ({b['blas_default_threads']} threads) median "
              f"{_ms(r['default_median_s'])}, one thread median {_ms(r['one_median_s'])}: "
              f"×{r['speedup']:.2f}")
    if path is not None:
        path.write_text(json.dumps({"info": info, "results": [b]}, indent=1), encoding="utf-8")
    return b


if __name__ == "__main__":
    main()
