"""Growth curves (增长曲线): time and peak memory of zongheng's operations against the table's size.

For each operation and each size, a fresh interpreter (``--worker``) draws the
seeded synthetic input, warms the operation up once at a tiny size (imports,
caches), then times it ``--repeats`` times and records its memory. A least-squares
line through ``log(size)``, ``log(value)`` gives the exponent: 1 grows linearly,
2 quadratically (a units × units structure), 0 does not grow. Operations:

``build``
    :func:`zongheng.build` of *n* units × 40 indicators (bench/synthetic.py, the
    ASEM method: denominators, imputation, screening, winsorisation, min-max,
    arithmetic means), 1 period.
``grade``
    :func:`zongheng.enterprise.grade_enterprises` (the in-memory pandas/numpy
    engine) of *n* synthetic 永康-like firms.
``grade-duckdb``
    ``grade_table(…, engine="duckdb")`` of the same firms from a Parquet file in
    /tmp, writing the grade list to Parquet — only once the DuckDB engine is in
    the tree (``zongheng.enterprise.engines.grade_table`` and ``duckdb``); skipped
    with a note before.
``path``
    :func:`zongheng.analysis.path.path` of the unit at the 60th percentile of
    ranks to the 40th, without a cap, among *n* units (a plan verified by a full
    rebuild, so it grows at least as ``build``).
``uncertainty``
    1,000 samples of the weights (every level, ±25 %) ranked among *n* units:
    :func:`~zongheng.analysis.uncertainty.sample` and ``evaluate``.
``report-brief``
    :func:`~zongheng.report.brief.unit_brief` of the median unit among *n*: what
    the reports show (scores, progress, gap to the next unit, path one place up).
``report-html``, ``report-docx``
    The unit brief of the median unit among *n* (scores, gap, path one place up;
    built untimed) written as the HTML page and the Word draft.
``grade-xlsx``
    The formatted Excel workbook of the grading of *n* firms
    (:func:`zongheng.enterprise.export.write_result`; ≤ 1,048,576 rows).

Memory: ``peak`` is the process's peak RSS (``ru_maxrss``: interpreter, input
and operation); ``op`` is the rise of the peak during the operation alone (the
kernel's high-water mark, ``VmHWM``, reset through ``/proc/self/clear_refs``
after the input is drawn), which is what the memory exponent is fitted to.
Time: the median wall-clock seconds of the repeats, and their CPU seconds (user +
system of every thread): on a machine shared with other work the wall time
stretches with the load, the CPU time much less, so the CPU-time exponent is the
steadier one there (each point records the load average when it ended).
Exponents are fitted to the largest ``--tail`` points (small sizes measure fixed
costs) and to all points. An operation stops growing when a point takes longer
than ``--point-limit`` seconds, or when the fitted memory predicts its next
point above 70 % of the memory available.

Usage::

    .venv/bin/python bench/bench_growth.py                          # default sizes, < 15 min
    .venv/bin/python bench/bench_growth.py --only build,grade --sizes 1e3,1e4,1e5,1e6
    .venv/bin/python bench/bench_growth.py --repeats 5 --json /tmp/growth.json \\
        --markdown docs/scale/growth.md
    .venv/bin/python bench/bench_growth.py --from-json /tmp/build.json /tmp/grade.json \\
        --markdown docs/scale/growth.md

``--from-json`` measures nothing and joins the ``--json`` files of several runs
(e.g. one per operation at its own sizes) into one report. ``--markdown``
rewrites only the part of the file between ``<!-- growth:begin -->`` and
``<!-- growth:end -->`` (the whole file when it has no markers). BLAS is held
to one thread, as zongheng's engines run it. On a shared machine quote the load
average printed with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))  # run from a checkout without installing

BEGIN, END = "<!-- growth:begin -->", "<!-- growth:end -->"
N_INDICATORS = 40
UNCERTAINTY_SAMPLES = 1000
WARM_UP_SIZE = 200
MEMORY_SHARE = 0.7  # of MemAvailable a predicted point may take before the operation stops growing
MIN_OP_MIB = 1.0  # a rise of the peak below this is noise: left out of the memory fit


# -- fitting and reporting (pure functions; tests/test_bench_growth.py) -------
@dataclass(frozen=True)
class Fit:
    """A power law ``value ≈ coefficient × size ** exponent`` fitted in log-log space.

    Attributes
    ----------
    exponent : float
        The slope of ``log(value)`` against ``log(size)``.
    coefficient : float
        ``exp`` of the intercept.
    r2 : float
        Coefficient of determination of the log-log line (1 for a perfect fit;
        NaN with two points, where any line fits).
    points : int
        Number of points fitted.
    """

    exponent: float
    coefficient: float
    r2: float
    points: int

    def predict(self, size: float) -> float:
        """Return the fitted value at ``size``."""
        return self.coefficient * size ** self.exponent


def fit_power(sizes: Sequence[float], values: Sequence[float]) -> Fit | None:
    """Fit ``value = c × size ** k`` by least squares on the logarithms.

    Parameters
    ----------
    sizes, values : sequences of positive float
        Points; pairs with a missing (None/NaN) or non-positive value are left out.

    Returns
    -------
    Fit or None
        None when fewer than two distinct sizes remain.
    """
    pairs = [(float(s), float(v)) for s, v in zip(sizes, values, strict=True)
             if s is not None and v is not None and s > 0 and v > 0
             and math.isfinite(float(s)) and math.isfinite(float(v))]
    if len({s for s, _ in pairs}) < 2:
        return None
    x = [math.log(s) for s, _ in pairs]
    y = [math.log(v) for _, v in pairs]
    mx, my = statistics.fmean(x), statistics.fmean(y)
    sxx = sum((a - mx) ** 2 for a in x)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    slope = sxy / sxx
    intercept = my - slope * mx
    ss_tot = sum((b - my) ** 2 for b in y)
    ss_res = sum((b - (intercept + slope * a)) ** 2 for a, b in zip(x, y, strict=True))
    if len(pairs) < 3:
        r2 = math.nan
    else:
        r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    return Fit(slope, math.exp(intercept), r2, len(pairs))


def fit_tail(sizes: Sequence[float], values: Sequence[float], tail: int = 3) -> Fit | None:
    """Fit :func:`fit_power` to the ``tail`` largest sizes with a usable value."""
    pairs = sorted((s, v) for s, v in zip(sizes, values, strict=True)
                   if v is not None and v > 0 and math.isfinite(v))
    pairs = pairs[-tail:] if tail > 0 else pairs
    return fit_power([s for s, _ in pairs], [v for _, v in pairs])


def parse_sizes(text: str) -> list[int]:
    """Parse ``"1e3,3000,1e5"`` into sorted distinct positive integers.

    Raises
    ------
    ValueError
        For an item that is not a positive whole number.
    """
    sizes = set()
    for item in (t.strip() for t in text.split(",")):
        if not item:
            continue
        try:
            number = float(item.replace("_", ""))
        except ValueError:
            raise ValueError(f"size {item!r} is not a number (use e.g. 1000 or 1e3)") from None
        if not math.isfinite(number) or number < 1 or number != int(number):
            raise ValueError(f"size {item!r} is not a positive whole number")
        sizes.add(int(number))
    if not sizes:
        raise ValueError("no size given (use e.g. --sizes 1e3,1e4)")
    return sorted(sizes)


def parse_only(text: str | None, known: Sequence[str]) -> list[str]:
    """Return the operations named in ``"build,grade"`` (all of ``known`` for None), in known order.

    Raises
    ------
    ValueError
        Naming an unknown operation and the known ones.
    """
    if text is None:
        return list(known)
    names = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise ValueError(f"unknown operation {', '.join(unknown) or '(none)'}; "
                         f"choose among {', '.join(known)}")
    return [k for k in known if k in names]


@dataclass
class Point:
    """One operation at one size, measured in its own interpreter.

    ``times`` are wall-clock seconds of the repeats, ``cpu`` their CPU seconds
    (user + system, every thread of the process: less sensitive than wall time to
    other processes on a shared machine), ``load`` the 1-minute load average
    when the point ended; ``peak_mib`` the process's
    peak RSS; ``op_mib`` the rise of the peak during the operation (None where
    the kernel's high-water mark cannot be reset); ``status`` is ``ok`` or why
    the point has no figures (``timeout``, ``failed: …``, ``skipped: …``).
    """

    operation: str
    size: int
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    load: float | None = None
    setup_s: float | None = None
    base_mib: float | None = None
    peak_mib: float | None = None
    op_mib: float | None = None
    status: str = "ok"
    note: str = ""

    @property
    def median(self) -> float | None:
        """Median wall time of the repeats (None without figures)."""
        return statistics.median(self.times) if self.times else None

    @property
    def cpu_median(self) -> float | None:
        """Median CPU seconds of the repeats (None without figures)."""
        return statistics.median(self.cpu) if self.cpu else None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Point:
        """Return the point of a worker's JSON, ignoring keys this version does not know."""
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def summarise(points: Sequence[Point], tail: int = 3) -> dict[str, Any]:
    """Return the fits of one operation's points: wall time, CPU time and memory, tail and all points."""
    ok = [p for p in points if p.status == "ok" and p.times]
    sizes = [p.size for p in ok]
    times = [p.median for p in ok]
    cpu = [p.cpu_median for p in ok]
    memory = [p.op_mib if p.op_mib is not None and p.op_mib >= MIN_OP_MIB else None for p in ok]
    return {"time_tail": fit_tail(sizes, times, tail), "time_all": fit_power(sizes, times),
            "cpu_tail": fit_tail(sizes, cpu, tail), "cpu_all": fit_power(sizes, cpu),
            "memory_tail": fit_tail(sizes, memory, tail), "memory_all": fit_power(sizes, memory)}


def _fmt_size(n: int) -> str:
    exponent = math.log10(n) if n > 0 else 0
    if n >= 1000 and exponent == int(exponent):
        return f"10^{int(exponent)}"
    return f"{n:,}"


def _fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 0.1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def _fmt_mib(mib: float | None) -> str:
    return "—" if mib is None else f"{mib:,.0f}" if mib >= 10 else f"{mib:.1f}"


def _fmt_fit(fit: Fit | None) -> str:
    if fit is None:
        return "—"
    r2 = "" if math.isnan(fit.r2) else f", R² {fit.r2:.3f}"
    return f"{fit.exponent:.2f} ({fit.points} pts{r2})"


def markdown_table(operation: str, points: Sequence[Point], tail: int = 3,
                   description: str = "") -> str:
    """Return one operation's points and fitted exponents as a markdown section."""
    fits = summarise(points, tail)
    lines = [f"#### {operation}", ""]
    if description:
        lines += [description, ""]
    lines += ["| size | median | min | max | CPU s | peak RSS MiB | op MiB | load | note |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for p in points:
        load = "—" if p.load is None else f"{p.load:.1f}"
        if p.status == "ok" and p.times:
            lines.append(f"| {_fmt_size(p.size)} | {_fmt_s(p.median)} | {_fmt_s(min(p.times))} | "
                         f"{_fmt_s(max(p.times))} | {_fmt_s(p.cpu_median)} | {_fmt_mib(p.peak_mib)} | "
                         f"{_fmt_mib(p.op_mib)} | {load} | {p.note} |")
        else:
            lines.append(f"| {_fmt_size(p.size)} | — | — | — | — | — | — | — | {p.status} |")
    lines += ["", f"Exponent of wall time: **{_fmt_fit(fits['time_tail'])}** over the largest sizes, "
              f"{_fmt_fit(fits['time_all'])} over all; of CPU time: {_fmt_fit(fits['cpu_tail'])} "
              f"over the largest sizes; of the operation's memory: "
              f"**{_fmt_fit(fits['memory_tail'])}** over the largest sizes, "
              f"{_fmt_fit(fits['memory_all'])} over all.", ""]
    return "\n".join(lines)


def summary_table(results: dict[str, Sequence[Point]], tail: int = 3) -> str:
    """Return one row per operation: largest size measured, its time and memory, the exponents."""
    lines = ["| operation | largest size | median there | op MiB there | time exponent | "
             "CPU-time exponent | memory exponent |", "|---|---:|---:|---:|---:|---:|---:|"]
    for operation, points in results.items():
        ok = [p for p in points if p.status == "ok" and p.times]
        if not ok:
            reason = points[0].status if points else "not run"
            lines.append(f"| {operation} | — | — | — | — | — | — ({reason}) |")
            continue
        last = max(ok, key=lambda p: p.size)
        fits = summarise(points, tail)
        exponents = " | ".join("—" if fits[k] is None else f"{fits[k].exponent:.2f}"
                               for k in ("time_tail", "cpu_tail", "memory_tail"))
        lines.append(f"| {operation} | {_fmt_size(last.size)} | {_fmt_s(last.median)} | "
                     f"{_fmt_mib(last.op_mib)} | {exponents} |")
    return "\n".join(lines)


def report_markdown(results: dict[str, Sequence[Point]], header: str, tail: int = 3,
                    descriptions: dict[str, str] | None = None) -> str:
    """Return the whole markdown report: header, summary table, one section per operation."""
    descriptions = descriptions or {}
    parts = [header, "", summary_table(results, tail), ""]
    parts += [markdown_table(op, pts, tail, descriptions.get(op, "")) for op, pts in results.items()]
    return "\n".join(parts).rstrip() + "\n"


def splice(document: str, body: str) -> str:
    """Put ``body`` between the growth markers of ``document`` (replace it all without markers)."""
    if BEGIN in document and END in document:
        head, rest = document.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        return f"{head}{BEGIN}\n{body}{END}{tail}"
    return body


def next_too_big(points: Sequence[Point], next_size: int, available_mib: float, tail: int = 3,
                 share: float = MEMORY_SHARE) -> float | None:
    """Return the predicted peak (MiB) of ``next_size`` when it exceeds ``share`` × available, else None.

    The prediction is the last point's peak plus the fitted growth of the
    operation's own memory from the last size to the next.
    """
    ok = [p for p in points if p.status == "ok" and p.peak_mib is not None]
    fit = summarise(points, tail)["memory_tail"]
    if not ok or fit is None:
        return None
    last = max(ok, key=lambda p: p.size)
    predicted = last.peak_mib + max(fit.predict(next_size) - fit.predict(last.size), 0.0)
    return predicted if predicted > share * available_mib else None


# -- the operations (run inside the worker) -----------------------------------
@dataclass(frozen=True)
class Operation:
    """How to draw the input of size *n* (untimed) and what to time on it."""

    name: str
    setup: Callable[[int], Any]
    run: Callable[[Any], Any]
    sizes: tuple[int, ...]
    description: str
    available: Callable[[], str | None] = lambda: None  # a reason it cannot run, or None


_SCRATCH: list[Path] = []  # the worker's temporary folder, removed when it ends


def _scratch() -> Path:
    """Return a fresh folder inside the worker's temporary folder (for files the operations write)."""
    return Path(tempfile.mkdtemp(prefix="zh-growth-", dir=_SCRATCH[-1] if _SCRATCH else None))


def _asem_method():
    from zongheng.datasets import path
    from zongheng.method import read_method

    return read_method(path("asem") / "method.yaml")


def _setup_build(n: int) -> tuple:
    import synthetic

    framework = synthetic.make_framework(N_INDICATORS)
    return framework, synthetic.make_panel(framework, n), _asem_method()


def _run_build(state: tuple) -> Any:
    import zongheng as zh

    return zh.build(*state)


def _setup_grade(n: int) -> Any:
    from zongheng.enterprise.generator import generate_enterprises

    return generate_enterprises(n, seed=n)


def _run_grade(table: Any) -> Any:
    from zongheng.enterprise import grade_enterprises

    return grade_enterprises(table)


def _duckdb_missing() -> str | None:
    try:
        import duckdb  # noqa: F401

        from zongheng.enterprise.engines import grade_table  # noqa: F401
    except ImportError as error:
        return f"skipped: no DuckDB engine yet ({error})"
    return None


def _setup_grade_duckdb(n: int) -> tuple[Path, Path]:
    folder = _scratch()
    source = folder / "firms.parquet"
    _setup_grade(n).to_parquet(source, index=False)
    return source, folder / "grades.parquet"


def _run_grade_duckdb(state: tuple[Path, Path]) -> Any:
    from zongheng.enterprise.engines import grade_table

    return grade_table(state[0], engine="duckdb", output=state[1])


def _built(n: int) -> Any:
    return _run_build(_setup_build(n))


def _unit_at(ev: Any, share: float) -> tuple[str, int]:
    """Return the unit whose rank is at ``share`` of the ranking (0 = first), and its rank."""
    ranking = ev.ranking().sort_values("rank", kind="stable").reset_index(drop=True)
    row = ranking.iloc[min(int(share * len(ranking)), len(ranking) - 1)]
    return str(row["unit"]), int(row["rank"])


def _setup_path(n: int) -> tuple:
    ev = _built(n)
    unit, rank = _unit_at(ev, 0.6)
    return ev, unit, max(1, min(rank - 1, int(0.4 * n)))


def _run_path(state: tuple) -> Any:
    from zongheng.analysis.path import path

    ev, unit, target = state
    return path(ev, unit, target, max_change=None)


def _setup_uncertainty(n: int) -> tuple:
    from zongheng.analysis.uncertainty import default_spec

    ev = _built(n)
    return ev, default_spec(ev, ["weights"])


def _run_uncertainty(state: tuple) -> Any:
    from zongheng.analysis.uncertainty import evaluate, sample

    ev, spec = state
    return evaluate(ev, spec, sample(ev, spec, UNCERTAINTY_SAMPLES, seed=0))


def _setup_brief(n: int) -> tuple:
    from zongheng.report.brief import unit_brief

    ev = _built(n)
    unit, rank = _unit_at(ev, 0.5)
    folder = _scratch()
    return unit_brief(ev, unit, target_rank=max(1, rank - 1)), folder


def _setup_unit(n: int) -> tuple:
    ev = _built(n)
    unit, rank = _unit_at(ev, 0.5)
    return ev, unit, max(1, rank - 1)


def _run_brief(state: tuple) -> Any:
    from zongheng.report.brief import unit_brief

    ev, unit, target = state
    return unit_brief(ev, unit, target_rank=target)


def _writer(fmt: str) -> Callable[[tuple], Any]:
    def run(state: tuple) -> Any:
        from zongheng.report.writers import write_report

        brief, folder = state
        return write_report(brief, folder / f"report.{fmt}", format=fmt, synthetic=True)

    return run


def _setup_xlsx(n: int) -> tuple:
    result = _run_grade(_setup_grade(n))
    return result, _scratch() / "grades.xlsx"


def _run_xlsx(state: tuple) -> Any:
    from zongheng.enterprise.export import write_result

    return write_result(state[0], state[1], synthetic=True)


OPERATIONS: dict[str, Operation] = {op.name: op for op in (
    Operation("build", _setup_build, _run_build, (1000, 3000, 10_000, 30_000, 100_000),
              f"`zh.build` of n units × {N_INDICATORS} indicators, ASEM method, one period."),
    Operation("grade", _setup_grade, _run_grade, (1000, 10_000, 100_000, 300_000, 1_000_000),
              "`grade_enterprises` (pandas/numpy engine) of n synthetic firms, in memory."),
    Operation("grade-duckdb", _setup_grade_duckdb, _run_grade_duckdb,
              (1000, 10_000, 100_000, 1_000_000),
              "`grade_table(engine='duckdb')`: Parquet in, Parquet out.", _duckdb_missing),
    Operation("path", _setup_path, _run_path, (1000, 3000, 10_000, 30_000),
              "`path` of the unit at the 60th rank percentile to the 40th, no cap, among n units "
              f"× {N_INDICATORS} indicators."),
    Operation("uncertainty", _setup_uncertainty, _run_uncertainty, (100, 300, 1000, 3000),
              f"{UNCERTAINTY_SAMPLES:,} weight samples (every level ±25 %) ranked among n units "
              f"× {N_INDICATORS} indicators: `sample` + `evaluate`."),
    Operation("report-brief", _setup_unit, _run_brief, (100, 1000, 10_000),
              "`unit_brief` of the median unit among n units: every analysis of the reports, "
              "with the path one place up."),
    Operation("report-html", _setup_brief, _writer("html"), (100, 1000, 10_000),
              "HTML page of the median unit's brief among n units (brief built untimed)."),
    Operation("report-docx", _setup_brief, _writer("docx"), (100, 1000, 10_000),
              "Word draft of the median unit's brief among n units (brief built untimed)."),
    Operation("grade-xlsx", _setup_xlsx, _run_xlsx, (300, 1000, 3000),
              "Formatted Excel workbook of the grading of n firms (`write_result`)."),
)}


def _rss_mib(field_name: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def _reset_high_water_mark() -> bool:
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0), so the peak read
    # after the operation is the operation's own (on top of the input already drawn).
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def worker(name: str, size: int, repeats: int) -> dict[str, Any]:
    """Measure one operation at one size in this interpreter; return the point as a dict."""
    with tempfile.TemporaryDirectory(prefix="zh-growth-") as folder:
        _SCRATCH.append(Path(folder))
        try:
            return _measure_here(name, size, repeats)
        finally:
            _SCRATCH.pop()


def _measure_here(name: str, size: int, repeats: int) -> dict[str, Any]:
    operation = OPERATIONS[name]
    operation.run(operation.setup(min(size, WARM_UP_SIZE)))  # imports and caches, untimed
    gc.collect()
    start = time.perf_counter()
    state = operation.setup(size)
    setup_s = time.perf_counter() - start
    gc.collect()
    base = _rss_mib("VmRSS")
    reset = _reset_high_water_mark()
    times, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = operation.run(state)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        del result
        gc.collect()
    hwm = _rss_mib("VmHWM") if reset else None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    return asdict(Point(name, size, times, cpu, os.getloadavg()[0], setup_s, base, peak,
                        None if hwm is None or base is None else max(hwm - base, 0.0)))


def measure(name: str, size: int, repeats: int, timeout: float) -> Point:
    """Run :func:`worker` in a fresh interpreter; return its point (or why it has none)."""
    args = [sys.executable, str(Path(__file__).resolve()), "--worker", name, str(size),
            "--repeats", str(repeats)]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return Point(name, size, status=f"timeout (> {timeout:.0f} s)")
    if done.returncode < 0:  # e.g. SIGKILL from the kernel's out-of-memory killer
        return Point(name, size, status=f"killed by signal {-done.returncode}")
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return Point(name, size, status=f"failed: {last[:160]}")
    return Point.from_dict(json.loads(done.stdout.strip().splitlines()[-1]))


# -- the run --------------------------------------------------------------------
def _available_mib() -> float:
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.inf


def machine() -> dict[str, Any]:
    """Return what the figures depend on: machine, versions, load, date, commit."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(package: str) -> str:
        try:  # the version without importing the package: the parent stays light
            return version(package)
        except PackageNotFoundError:
            return "?"

    from hostinfo import cpu_model

    cpu = cpu_model(platform.processor() or platform.machine())
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        commit = ""
    return {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "cpu": cpu,
            "cpus": os.cpu_count(), "memory_available_mib": round(_available_mib()),
            "python": platform.python_version(), "numpy": installed("numpy"),
            "pandas": installed("pandas"), "duckdb": installed("duckdb"),
            "commit": commit or "?", "load_before": list(os.getloadavg())}


def header(info: dict[str, Any], repeats: int) -> str:
    """Return the line that says where and when the figures were taken."""
    load = lambda key: " / ".join(f"{x:.2f}" for x in info.get(key, []))  # noqa: E731
    return (f"Measured {info['date']} at commit {info['commit']} · {info['cpu']} · {info['cpus']} CPUs "
            f"· Python {info['python']}, numpy {info['numpy']}, pandas {info['pandas']}"
            f"{'' if info.get('duckdb', '?') == '?' else ', duckdb ' + info['duckdb']} · "
            f"median of {repeats} runs per point, each point in a fresh interpreter · "
            f"load average (1/5/15 min) {load('load_before')} before, "
            f"{load('load_after') or '?'} after.")


def merge_runs(documents: Sequence[dict[str, Any]]) -> tuple[dict[str, list[Point]], str]:
    """Join the JSON documents of several runs (``--json``) into one report's points and header.

    An operation measured in several runs keeps its points from the last run
    that has it; the header says, per run, which operations it measured, when,
    and under what load.
    """
    results: dict[str, list[Point]] = {}
    owner: dict[str, int] = {}  # operation → the last run that measured it
    for i, doc in enumerate(documents):
        for name, pts in doc["points"].items():
            results[name] = [Point.from_dict(p) for p in pts]
            owner[name] = i
    lines = []
    for i, doc in enumerate(documents):
        names = [name for name in doc["points"] if owner[name] == i]
        if names:  # a run whose operations were all measured again later is not quoted
            lines.append(f"- {', '.join(names)}: {header(doc['machine'], doc['repeats'])}")
    order = [name for name in OPERATIONS if name in results]
    order += [name for name in results if name not in order]
    return {name: results[name] for name in order}, "\n".join(lines)


def run(names: Sequence[str], sizes: Sequence[int] | None, repeats: int, timeout: float,
        point_limit: float, tail: int, echo: Callable[[str], None] = print) -> dict[str, list[Point]]:
    """Measure every operation of ``names`` at its sizes (``sizes`` for all when given)."""
    results: dict[str, list[Point]] = {}
    for name in names:
        operation = OPERATIONS[name]
        points: list[Point] = []
        results[name] = points
        reason = operation.available()
        todo = list(sizes or operation.sizes)
        if reason:
            points.append(Point(name, todo[0], status=reason))
            echo(f"{name}: {reason}")
            continue
        stop = ""
        for size in todo:
            if not stop:
                big = next_too_big(points, size, _available_mib(), tail)
                if big is not None:
                    stop = f"skipped: predicted peak {big:,.0f} MiB > {MEMORY_SHARE:.0%} of available"
            if stop:
                points.append(Point(name, size, status=stop))
                echo(f"{name} {size:>10,}: {stop}")
                continue
            point = measure(name, size, repeats, timeout)
            points.append(point)
            if point.status != "ok":
                stop = f"skipped: {point.status} at a smaller size"
                echo(f"{name} {size:>10,}: {point.status}")
                continue
            echo(f"{name} {size:>10,}: median {_fmt_s(point.median)} (CPU {_fmt_s(point.cpu_median)}), "
                 f"peak {_fmt_mib(point.peak_mib)} "
                 f"MiB, op {_fmt_mib(point.op_mib)} MiB (setup {_fmt_s(point.setup_s)}, "
                 f"load {point.load:.2f})")
            if point.median is not None and point.median > point_limit:
                stop = f"skipped: {_fmt_s(point.median)} at {size:,} > --point-limit"
    return results


def _write(path: Path, text: str) -> None:
    from zongheng.io.atomic import atomic_write

    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, measure, print the markdown report, write --json and --markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help=f"operations, comma-separated: {','.join(OPERATIONS)}")
    parser.add_argument("--sizes", help="sizes for every chosen operation, e.g. 1e3,1e4,1e5 "
                        "(default: each operation's own)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per point (default 3)")
    parser.add_argument("--tail", type=int, default=3, help="largest points the exponents are fitted "
                        "to (default 3)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds before a point is "
                        "abandoned (default 300)")
    parser.add_argument("--point-limit", type=float, default=20, help="stop growing an operation "
                        "after a point whose median exceeds this many seconds (default 20)")
    parser.add_argument("--json", type=Path, help="write every point and fit to this file")
    parser.add_argument("--markdown", type=Path, help="write the report into this file (between "
                        "the growth markers if it has them)")
    parser.add_argument("--from-json", type=Path, nargs="+", metavar="JSON",
                        help="measure nothing: join the --json files of earlier runs into one report")
    parser.add_argument("--worker", nargs=2, metavar=("OPERATION", "SIZE"), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.repeats < 1:
        parser.error("--repeats must be at least 1")
    if options.worker:
        name, size = options.worker
        print(json.dumps(worker(name, int(size), options.repeats)))
        return 0
    if options.from_json:
        try:
            docs = [json.loads(path.read_text(encoding="utf-8")) for path in options.from_json]
            results, head = merge_runs(docs)
        except (OSError, ValueError, KeyError, TypeError) as error:
            parser.error(f"cannot read the runs {', '.join(map(str, options.from_json))}: {error}")
        text = report_markdown(results, head, options.tail,
                               {name: OPERATIONS[name].description for name in results
                                if name in OPERATIONS})
        print(text)
        if options.markdown:
            old = options.markdown.read_text(encoding="utf-8") if options.markdown.exists() else ""
            _write(options.markdown, splice(old, text))
        return 0
    try:
        names = parse_only(options.only, list(OPERATIONS))
        sizes = parse_sizes(options.sizes) if options.sizes else None
    except ValueError as error:
        parser.error(str(error))
    info = machine()
    print(f"load before: {info['load_before']}, {info['memory_available_mib']:,} MiB available",
          flush=True)
    echo = lambda line: print(line, flush=True)  # noqa: E731
    results = run(names, sizes, options.repeats, options.timeout, options.point_limit, options.tail,
                  echo)
    info["load_after"] = list(os.getloadavg())
    text = report_markdown(results, header(info, options.repeats), options.tail,
                           {name: OPERATIONS[name].description for name in results})
    print()
    print(text)
    if options.json:
        fits = {name: {k: None if f is None else asdict(f) for k, f in summarise(pts, options.tail).items()}
                for name, pts in results.items()}
        doc = {"machine": info, "repeats": options.repeats, "tail": options.tail,
               "points": {name: [asdict(p) for p in pts] for name, pts in results.items()},
               "fits": fits}
        _write(options.json, json.dumps(doc, ensure_ascii=False, indent=1))
    if options.markdown:
        old = options.markdown.read_text(encoding="utf-8") if options.markdown.exists() else ""
        _write(options.markdown, splice(old, text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
