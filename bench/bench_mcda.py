"""Entropy weights + TOPSIS on a 100,000 × 42 decision matrix: zongheng beside numpy, skcriteria, pymcdm.

Usage::

    .venv/bin/python bench/bench_mcda.py                    # 100,000 × 42, 7 interleaved repeats
    .venv/bin/python bench/bench_mcda.py --repeats 11 --profile
    .venv/bin/python bench/bench_mcda.py --units 2000 --repeats 3    # a quick smoke run

One seeded synthetic decision matrix (lognormal, all positive; every eighth
criterion from the fourth on is a cost criterion) is scored by:

* ``numpy``: bare numpy written here, in two variants (see below);
* ``zongheng``: ``zh.build(fw, panel, Method(normalise="vector", weight="entropy",
  aggregate="topsis"))`` with one parent holding every criterion, plus the pure
  kernels (``vector_normalise`` → ``entropy_weights`` → ``topsis_closeness``);
* ``skcriteria``: ``mkpipe(VectorScaler("matrix"), EntropyWeighter(), TOPSIS())`` on a
  ``DecisionMatrix`` (made before, or inside, the timed call). skcriteria 0.10 has no switch
  to turn its checks off (the DecisionMatrix checks shapes and objectives, the
  RankResult checks that the ranks are a dense ranking); the same computation by its
  module functions ``scale_by_vector`` → ``entropy_weights`` → ``topsis`` (whose
  docstring says "without any validation") is timed as well;
* ``pymcdm``: ``entropy_weights`` then ``TOPSIS(vector_normalization)`` with
  ``validation=False``.

What each computes (checked before timing, closeness to 1e-9 relative):

* TOPSIS is the same everywhere: vector normalisation r = x/‖x‖, v = w·r,
  ideal = best v per criterion (the minimum for a cost criterion), Euclidean
  distances. zongheng mirrors a cost column within its range (r ↦ max r + min r − r)
  so that higher is better; pymcdm uses 1 − r; both keep distances, so the
  closeness equals skcriteria's min-ideal on r.
* The entropy input differs. zongheng's weight step sees the *normalised* scores
  (``docs/architecture.md``: data-driven weights see the children's scores), so
  its entropy is taken on r for benefit criteria (= entropy on x: entropy is
  scale invariant) and on the *mirrored* r for cost criteria. skcriteria
  (entropy on the vector-scaled matrix, objectives ignored) and pymcdm (entropy on
  the raw matrix, all treated as benefit) both take entropy on x for every
  criterion. Mirroring is not a rescaling, so the cost criteria's weights differ.
  Hence two numpy variants: ``numpy (zongheng semantics)`` — the ratio baseline —
  and ``numpy (classic)``; zongheng must match the first, the libraries the second.
  Two more checks pin the difference down: zongheng fed the classic weights
  (``weight: given``) matches the classic closeness, and with every criterion a
  benefit criterion all implementations agree.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import os
import platform
import pstats
import resource
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy
from scipy.stats import rankdata, spearmanr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))  # run from a checkout without installing

import skcriteria as skc  # noqa: E402
from pymcdm.methods import TOPSIS as PymcdmTOPSIS  # noqa: E402
from pymcdm.normalizations import vector_normalization  # noqa: E402
from pymcdm.weights import entropy_weights as pymcdm_entropy_weights  # noqa: E402
from skcriteria.agg.topsis import TOPSIS as SkcTOPSIS  # noqa: E402
from skcriteria.agg.topsis import topsis as skc_topsis  # noqa: E402
from skcriteria.pipelines import mkpipe  # noqa: E402
from skcriteria.preprocessing.scalers import VectorScaler, scale_by_vector  # noqa: E402
from skcriteria.preprocessing.weighters import EntropyWeighter  # noqa: E402
from skcriteria.preprocessing.weighters import entropy_weights as skc_entropy_weights  # noqa: E402

import zongheng as zh  # noqa: E402
from zongheng.framework import Framework, framework_from_records  # noqa: E402
from zongheng.panel import Panel  # noqa: E402
from zongheng.steps.aggregate import topsis_closeness  # noqa: E402
from zongheng.steps.normalise import vector_normalise  # noqa: E402
from zongheng.steps.weight import entropy_weights  # noqa: E402

TARGET_SECONDS = 0.2  # issue "Method catalogue": zongheng through its public API
ISSUE_SECONDS = {"numpy": 0.16, "skcriteria": 0.64, "pymcdm": 0.85}  # as stated in the issue
RTOL = 1e-9
ROOT_CODE = "I"
BASELINE = "numpy (zongheng semantics)"

# skcriteria warns on every TOPSIS call with a minimise objective; the result is right.
warnings.filterwarnings("ignore", message="Although TOPSIS can operate with minimization")


# -- data ---------------------------------------------------------------------------------------
def decision_matrix(n_units: int, n_criteria: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return a positive (unit, criterion) matrix and the cost-criterion mask (seeded)."""
    rng = np.random.default_rng(seed)
    mu = rng.uniform(0.0, 4.0, n_criteria)
    sigma = rng.uniform(0.15, 0.9, n_criteria)
    x = rng.lognormal(mu, sigma, size=(n_units, n_criteria))
    cost = np.arange(n_criteria) % 8 == 3  # 3, 11, 19, 27, 35: five of 42
    return x, cost


def make_framework(codes: list[str], cost: np.ndarray) -> Framework:
    """One parent (the index) holding every criterion, with its direction."""
    records = [{"code": ROOT_CODE, "name": "TOPSIS", "type": "aggregate"}]
    records += [{"code": c, "parent": ROOT_CODE, "direction": "-" if k else "+"}
                for c, k in zip(codes, cost, strict=True)]
    return framework_from_records(records, [{"key": r["code"]} for r in records])


def make_panel(x: np.ndarray, codes: list[str]) -> Panel:
    """One period: values shaped (period, unit, indicator)."""
    return Panel(x[None], [f"A{u}" for u in range(x.shape[0])], (2024,), codes)


# -- bare numpy ---------------------------------------------------------------------------------
def np_entropy(x: np.ndarray) -> np.ndarray:
    """Entropy weights of positive columns: 1 − e_j over the sum of 1 − e_k."""
    p = x / x.sum(axis=0)
    e = -np.einsum("ij,ij->j", p, np.log(p)) / np.log(x.shape[0])
    d = 1.0 - e
    return d / d.sum()


def np_closeness(v: np.ndarray, ideal: np.ndarray, anti: np.ndarray) -> np.ndarray:
    """TOPSIS closeness of weighted rows ``v`` to the ideal and anti-ideal points."""
    a, b = v - ideal, v - anti
    d_plus = np.sqrt(np.einsum("ij,ij->i", a, a))
    d_minus = np.sqrt(np.einsum("ij,ij->i", b, b))
    return d_minus / (d_plus + d_minus)


def np_vector(x: np.ndarray) -> np.ndarray:
    return x / np.sqrt(np.einsum("ij,ij->j", x, x))


def numpy_zongheng_semantics(x: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vector-normalise, mirror cost columns in their range, entropy on that, TOPSIS (all benefit)."""
    r = np_vector(x)
    rc = r[:, cost]
    r[:, cost] = rc.max(axis=0) + rc.min(axis=0) - rc
    w = np_entropy(r)
    v = r * w
    return np_closeness(v, v.max(axis=0), v.min(axis=0)), w


def numpy_classic(x: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Entropy on the raw matrix, vector-normalise, TOPSIS with a min-ideal for cost criteria."""
    w = np_entropy(x)
    v = np_vector(x) * w
    hi, lo = v.max(axis=0), v.min(axis=0)
    return np_closeness(v, np.where(cost, lo, hi), np.where(cost, hi, lo)), w


# -- the implementations timed --------------------------------------------------------------------
def implementations(x: np.ndarray, cost: np.ndarray) -> dict[str, Callable[[], np.ndarray]]:
    """Return name → a call that scores ``x`` and returns the closeness of every unit."""
    codes = [f"C{j:02d}" for j in range(x.shape[1])]
    fw = make_framework(codes, cost)
    panel = make_panel(x, codes)
    method = zh.Method(normalise="vector", weight="entropy", aggregate="topsis")
    root = fw.node_codes.index(ROOT_CODE)
    direction = np.where(cost, -1.0, 1.0)
    objectives = np.where(cost, -1, 1)
    skc_pipe = mkpipe(VectorScaler(target="matrix"), EntropyWeighter(), SkcTOPSIS())
    skc_dm = skc.mkdm(x, objectives)
    pymcdm_topsis = PymcdmTOPSIS(vector_normalization)

    def zongheng_build() -> np.ndarray:
        return zh.build(fw, panel, method).scores[0, :, root]

    def zongheng_panel_build() -> np.ndarray:
        return zh.build(fw, make_panel(x, codes), method).scores[0, :, root]

    def zongheng_build_ranks() -> np.ndarray:
        ev = zh.build(fw, panel, method)
        _ = ev.ranks  # competition ranks of every node (computed lazily on first access)
        return ev.scores[0, :, root]

    def zongheng_kernels() -> np.ndarray:
        r = vector_normalise(x, direction)
        return topsis_closeness(r, entropy_weights(r))

    def skcriteria_evaluate() -> np.ndarray:
        return skc_pipe.evaluate(skc_dm).e_.similarity

    def skcriteria_mkdm_evaluate() -> np.ndarray:
        return skc_pipe.evaluate(skc.mkdm(x, objectives)).e_.similarity

    def skcriteria_functions() -> np.ndarray:
        r = scale_by_vector(x, axis=0)
        return skc_topsis(r, objectives, skc_entropy_weights(r))[3]

    def pymcdm_run() -> np.ndarray:
        w = pymcdm_entropy_weights(x)
        return pymcdm_topsis(x, w, objectives, validation=False)

    return {
        BASELINE: lambda: numpy_zongheng_semantics(x, cost)[0],
        "numpy (classic)": lambda: numpy_classic(x, cost)[0],
        "zongheng build": zongheng_build,
        "zongheng Panel + build": zongheng_panel_build,
        "zongheng build + ev.ranks": zongheng_build_ranks,
        "zongheng kernels": zongheng_kernels,
        "skcriteria pipe.evaluate(dm)": skcriteria_evaluate,
        "skcriteria mkdm + evaluate": skcriteria_mkdm_evaluate,
        "skcriteria bare functions": skcriteria_functions,
        "pymcdm (validation off)": pymcdm_run,
    }


# -- agreement ------------------------------------------------------------------------------------
def ranks_of(closeness: np.ndarray) -> np.ndarray:
    return rankdata(-closeness, method="min")


def check_agreement(x: np.ndarray, cost: np.ndarray,
                    impls: dict[str, Callable[[], np.ndarray]]) -> dict[str, np.ndarray]:
    """Assert that every implementation gives the closeness of the numpy variant it should match."""
    print("Agreement (closeness to rtol 1e-9 unless stated)")
    c_zh, w_zh = numpy_zongheng_semantics(x, cost)
    c_classic, w_classic = numpy_classic(x, cost)
    results = {name: np.asarray(f(), dtype=np.float64) for name, f in impls.items()}
    expected = {name: c_classic if name.startswith(("skcriteria", "pymcdm", "numpy (classic)"))
                else c_zh for name in impls}
    for name, c in results.items():
        np.testing.assert_allclose(c, expected[name], rtol=RTOL, atol=1e-15, err_msg=name)
        worst = float(np.max(np.abs(c - expected[name]) / np.abs(expected[name])))
        same_rank = np.array_equal(ranks_of(c), ranks_of(expected[name]))
        target = "classic" if expected[name] is c_classic else "zongheng semantics"
        print(f"  {name:30s} = numpy ({target}): max rel diff {worst:.1e}, same ranking: {same_rank}")
        assert same_rank, name

    # zongheng's weights are those of the numpy variant, and its TOPSIS is the classic one.
    codes = [f"C{j:02d}" for j in range(x.shape[1])]
    fw, panel = make_framework(codes, cost), make_panel(x, codes)
    root = fw.node_codes.index(ROOT_CODE)
    ev = zh.build(fw, panel, zh.Method(normalise="vector", weight="entropy", aggregate="topsis"))
    w_build = np.array([ev.weights[c] for c in codes])
    np.testing.assert_allclose(w_build, w_zh, rtol=1e-8, atol=1e-15)
    print(f"  zongheng build weights = numpy (zongheng semantics): max rel diff "
          f"{np.max(np.abs(w_build - w_zh) / w_zh):.1e}")
    given = zh.Method(normalise="vector", aggregate="topsis",
                      weight={"method": "given", "weights": dict(zip(codes, w_classic.tolist(),
                                                                     strict=True))})
    c_given = zh.build(fw, panel, given).scores[0, :, root]
    np.testing.assert_allclose(c_given, c_classic, rtol=RTOL, atol=1e-15)
    print(f"  zongheng build with weight: given = classic entropy weights = numpy (classic): max rel "
          f"diff {np.max(np.abs(c_given - c_classic) / c_classic):.1e}")

    # With benefit criteria only, the entropy inputs coincide and all four agree.
    none = np.zeros_like(cost)
    c_benefit = numpy_classic(x, none)[0]
    np.testing.assert_allclose(numpy_zongheng_semantics(x, none)[0], c_benefit, rtol=RTOL)
    benefit = implementations(x, none)
    for name in ("zongheng build", "zongheng kernels", "skcriteria pipe.evaluate(dm)",
                 "pymcdm (validation off)"):
        np.testing.assert_allclose(benefit[name](), c_benefit, rtol=RTOL, atol=1e-15, err_msg=name)
    print("  benefit criteria only: numpy (both), zongheng build, zongheng kernels, skcriteria, "
          "pymcdm all agree")

    # How much the entropy input matters with the cost criteria.
    rc, rz = ranks_of(c_classic), ranks_of(c_zh)
    top = 100
    overlap = len(set(np.argsort(-c_classic)[:top]) & set(np.argsort(-c_zh)[:top]))
    print(f"  zongheng semantics vs classic: cost-criterion weights {_fmt(w_zh[cost])} vs "
          f"{_fmt(w_classic[cost])};")
    print(f"    total cost weight {w_zh[cost].sum():.4f} vs {w_classic[cost].sum():.4f}; "
          f"Spearman of closeness {spearmanr(c_zh, c_classic).statistic:.4f}; "
          f"units whose rank differs {int(np.sum(rc != rz))} of {len(rc)}; "
          f"top-{top} overlap {overlap}")
    print()
    return results


def _fmt(w: np.ndarray) -> str:
    return "[" + ", ".join(f"{v:.2e}" for v in w) + "]"


# -- timing ---------------------------------------------------------------------------------------
def interleaved(impls: dict[str, Callable[[], object]], repeats: int) -> dict[str, dict]:
    """Time every implementation ``repeats`` times, round-robin (rotated each round)."""
    names = list(impls)
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    system: dict[str, list[float]] = {n: [] for n in names}
    faults: dict[str, list[int]] = {n: [] for n in names}
    for name in names:  # warm-up round, not timed
        impls[name]()
    for round_ in range(repeats):
        k = round_ % len(names)
        for name in names[k:] + names[:k]:
            gc.collect()
            u0 = resource.getrusage(resource.RUSAGE_SELF)
            c0, t0 = time.process_time(), time.perf_counter()
            impls[name]()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
            u1 = resource.getrusage(resource.RUSAGE_SELF)
            system[name].append(u1.ru_stime - u0.ru_stime)
            faults[name].append(u1.ru_minflt - u0.ru_minflt)
    return {n: {"median": statistics.median(wall[n]), "min": min(wall[n]),
                "cpu_median": statistics.median(cpu[n]), "sys_median": statistics.median(system[n]),
                "faults_median": statistics.median(faults[n]), "times": wall[n]} for n in names}


def peak_mib(function: Callable[[], object]) -> float:
    """Return the peak of Python-tracked allocations (numpy included) during one call, MiB."""
    gc.collect()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def machine() -> str:
    from hostinfo import cpu_model

    model = cpu_model("unknown")
    threads = ", ".join(f"{v}={os.environ[v]}" for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
                        if v in os.environ) or "BLAS threads: default"
    return (f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; nproc {len(os.sched_getaffinity(0))} "
            f"(cpu_count {os.cpu_count()}); CPU {model}; {platform.system()} {platform.machine()}\n"
            f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
            f"zongheng {zh.__version__}, scikit-criteria {skc.VERSION}, "
            f"pymcdm {_version('pymcdm')}; {threads}")


def _version(dist: str) -> str:
    from importlib.metadata import version
    return version(dist)


def table(stats: dict[str, dict], peaks: dict[str, float]) -> str:
    base = stats[BASELINE]["median"]
    head = (f"| {'implementation':30s} | median s | min s | × numpy | cpu median s | of which sys | "
            f"page faults | peak MiB (tracemalloc) |")
    rule = "|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|"
    rows = [head, rule]
    for name, s in stats.items():
        rows.append(f"| {name:30s} | {s['median']:8.3f} | {s['min']:5.3f} | {s['median'] / base:7.2f} | "
                    f"{s['cpu_median']:12.3f} | {s['sys_median']:12.3f} | {s['faults_median']:11.0f} | "
                    f"{peaks.get(name, float('nan')):22.0f} |")
    return "\n".join(rows)


def profile_build(x: np.ndarray, cost: np.ndarray, runs: int = 5, top: int = 25) -> None:
    """cProfile ``zh.build`` (``runs`` calls) and print the top functions by own and cumulative time.

    ``ev.ranks`` is left out: it is lazy, and its cost is its own row in the table.
    """
    codes = [f"C{j:02d}" for j in range(x.shape[1])]
    fw, panel = make_framework(codes, cost), make_panel(x, codes)
    method = zh.Method(normalise="vector", weight="entropy", aggregate="topsis")
    zh.build(fw, panel, method)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        zh.build(fw, panel, method)
    profiler.disable()
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(top)
        text = out.getvalue()
        print(f"cProfile of {runs} × zh.build, sorted by {key}:")
        print(text[text.index("   ncalls"):].rstrip())
        print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--criteria", type=int, default=42)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--profile", action="store_true",
                        help="profile zh.build even when it meets the target")
    args = parser.parse_args(argv)

    print(machine())
    x, cost = decision_matrix(args.units, args.criteria, args.seed)
    print(f"decision matrix {args.units:,} × {args.criteria} (lognormal, positive, seed {args.seed}); "
          f"cost criteria {np.flatnonzero(cost).tolist()}; input {x.nbytes / 2**20:.0f} MiB\n")

    impls = implementations(x, cost)
    check_agreement(x, cost, impls)
    peaks = {name: peak_mib(f) for name, f in impls.items()}
    stats = interleaved(impls, args.repeats)
    print(f"Times: {args.repeats} interleaved repeats each after one warm-up round (wall; process CPU, "
          f"of which kernel time, and minor page faults per call: fresh large arrays are mmapped and "
          f"faulted in); peak memory from one separate call under tracemalloc")
    print(table(stats, peaks))
    print(f"The issue's figures on this machine class: numpy {ISSUE_SECONDS['numpy']} s, "
          f"skcriteria {ISSUE_SECONDS['skcriteria']} s, pymcdm {ISSUE_SECONDS['pymcdm']} s; "
          f"target for zongheng ≤ {TARGET_SECONDS} s.")
    build = stats["zongheng build"]["median"]
    verdict = "meets" if build <= TARGET_SECONDS else "misses"
    print(f"zongheng build: median {build:.3f} s {verdict} the {TARGET_SECONDS} s target.\n")
    if args.profile or build > TARGET_SECONDS:
        profile_build(x, cost)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
