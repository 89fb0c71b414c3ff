"""Run the samples (运行抽样): locally chunk by chunk, or on a Dask cluster.

Each chunk of samples is drawn from its own seed and scored on its own, and
chunks only add rank counts, so the same seed gives the same result on one
core or on a cluster, whatever the order in which chunks finish.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zongheng.analysis.uncertainty.engine import ChunkResult, Engine, add_counts, empty_counts
from zongheng.analysis.uncertainty.sample import Samples
from zongheng.analysis.uncertainty.spec import UncertaintySpec
from zongheng.errors import MethodError, Problem
from zongheng.evaluation import Evaluation
from zongheng.i18n import register_messages

__all__ = ["WORKERS_PER_CPU", "UncertaintyResult", "evaluate", "max_workers", "unit_position"]

register_messages({
    "unc_samples_mismatch": (
        "抽样方案与不确定性设定不一致：请用同一个 spec 调用 sample 和 evaluate",
        "the samples were drawn for another spec: call sample and evaluate with the same spec",
    ),
    "unc_unknown_unit": (
        "单位 '{unit}' 不在数据中（可用: {found} …）",
        "the unit '{unit}' is not in the data (found: {found} …)",
    ),
    "unc_unknown_group": (
        "分组列 '{group}' 不在单位信息中（可用: {found}）",
        "the group column '{group}' is not among the unit attributes (found: {found})",
    ),
    "unc_unknown_period": (
        "时期 '{period}' 不在数据中（可用: {found}）",
        "the period '{period}' is not in the data (found: {found})",
    ),
    "unc_one_scheduler": (
        "scheduler、client 和 workers 只能给一个",
        "give at most one of scheduler, client and workers",
    ),
    "unc_bad_workers": (
        "本机 Dask 进程数 workers（--workers）必须是 1 到 {limit} 之间的整数（本机 {cpus} 个 CPU 的 "
        "{factor} 倍），实际为 {workers!r}；更多进程只会争抢 CPU 和内存",
        "the number of local Dask processes, workers (--workers), must be a whole number from 1 to "
        "{limit} ({factor} × the {cpus} CPUs here), got {workers!r}; more processes only compete "
        "for the CPUs and memory",
    ),
})

#: Local Dask processes allowed per CPU: chunks are CPU-bound, so more only wait (and take memory).
WORKERS_PER_CPU = 2


def max_workers() -> tuple[int, int]:
    """Return the most local Dask processes allowed, and the CPU count it comes from."""
    cpus = os.cpu_count() or 1
    return WORKERS_PER_CPU * cpus, cpus


@dataclass(frozen=True, eq=False)
class UncertaintyResult:
    """The rank counts of a Monte Carlo run (不确定性分析结果).

    Attributes
    ----------
    units, names : tuple of str
        The unit axis.
    period : hashable
        The period ranked.
    n_samples : int
    nominal_rank : ndarray (unit,)
        Rank under the nominal method (NaN: not ranked).
    counts : ndarray (unit, rank), or scipy.sparse.csr_array above 4096 units
        ``counts[u, r]``: samples in which unit *u* ranked *r* (r = 1 … units;
        column 0 is unused); a unit's row sums to the samples that ranked it.
        Sparse for many units (see ``engine.DENSE_UNITS``): only the pairs that occurred.
    group_counts, nominal_group_rank, group_labels : dict
        The same within each group column asked for.
    shift : ndarray (sample,) or None
        Per sample, the mean absolute rank shift from the nominal ranks (kept
        for Sobol indices).
    tracked : dict of str to ndarray
        Per sample, the rank of each tracked unit (0 when unranked).
    tracked_in_group : dict of str to dict
        Per group column, the same for the rank within the unit's group (0
        when unranked or without a group).
    combinations : int
        Distinct method combinations built (one build each).
    skipped : dict of str to int
        With ``skip_failed``: the combinations that could not be built and
        the number of samples left out for each; ``failures`` says why.
    spec : UncertaintySpec
    samples : Samples
    seconds : float
        Wall time of the run.
    """

    units: tuple[str, ...]
    names: tuple[str, ...]
    period: Hashable
    n_samples: int
    nominal_rank: np.ndarray
    counts: np.ndarray
    group_counts: dict[str, np.ndarray]
    nominal_group_rank: dict[str, np.ndarray]
    group_labels: dict[str, np.ndarray]
    shift: np.ndarray | None
    tracked: dict[str, np.ndarray]
    combinations: int
    spec: UncertaintySpec
    samples: Samples
    seconds: float = 0.0
    skipped: dict[str, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    tracked_in_group: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


def unit_position(evaluation: Evaluation, unit: str) -> int:
    """Return the position of a unit given by code or name."""
    panel = evaluation.panel
    if unit in panel.units:
        return panel.units.index(unit)
    names = panel.names()
    if unit in names:
        return names.index(unit)
    raise MethodError([Problem("unc_unknown_unit", {"unit": unit,
                                                    "found": ", ".join(panel.units[:8])}, key="unit")])


def _period_position(evaluation: Evaluation, period: Hashable | None) -> int:
    panel = evaluation.panel
    if period is None:
        return len(panel.periods) - 1
    try:
        return panel.period_index(period)
    except KeyError:
        raise MethodError([Problem("unc_unknown_period", {
            "period": period, "found": ", ".join(map(str, panel.periods))}, key="period")]) from None


def evaluate(evaluation: Evaluation, spec: UncertaintySpec, samples: Samples, *,
             period: Hashable | None = None, groups: Sequence[str] = (), track: Sequence[str] = (),
             keep: bool | None = None, batch: int | None = None,
             progress: Callable[[int, int], None] | None = None, skip_failed: bool = False,
             scheduler: str | None = None, client: Any = None,
             workers: int | None = None, blas_threads: int | None = 1) -> UncertaintyResult:
    """Rank the index under every sample of the uncertain inputs (蒙特卡洛不确定性分析).

    Parameters
    ----------
    evaluation : Evaluation
        The nominal build.
    spec : UncertaintySpec
    samples : Samples
        From :func:`~zongheng.analysis.uncertainty.sample` with the same spec.
    period : hashable, optional
        The period ranked (the last by default).
    groups : sequence of str
        Group columns for ranks within groups (e.g. ``山区26县``).
    track : sequence of str
        Units (code or name) whose rank is kept per sample (for Sobol indices).
    keep : bool, optional
        Keep per-sample outputs; by default when the samples are a Sobol design.
    batch : int, optional
        Samples per array batch (memory); results do not depend on it.
    progress : callable, optional
        Called as ``progress(done, total)`` after each chunk.
    skip_failed : bool
        Leave out the samples of a method combination that cannot be built
        (e.g. the geometric mean of z-scores below 0), listed in
        ``result.skipped``, instead of raising the build's error.
    scheduler, client, workers
        Run the chunks on a Dask cluster: a scheduler address
        (``"tcp://host:8786"``), a ``distributed.Client``, or a LocalCluster
        of ``workers`` processes started (and stopped) for this run, at most
        :data:`WORKERS_PER_CPU` × ``os.cpu_count()``.
    blas_threads : int or None
        BLAS threads while samples are scored, in this process or each Dask
        worker (``threadpoolctl``); one by default, which is faster (see
        :class:`~zongheng.analysis.uncertainty.engine.Engine`). ``None`` keeps
        the library's setting (e.g. ``OPENBLAS_NUM_THREADS``).

    Returns
    -------
    UncertaintyResult
    """
    if samples.spec != spec:
        raise MethodError([Problem("unc_samples_mismatch")])
    if sum(x is not None for x in (scheduler, client, workers)) > 1:
        raise MethodError([Problem("unc_one_scheduler")])
    if workers is not None:
        limit, cpus = max_workers()
        if isinstance(workers, bool) or not isinstance(workers, int | np.integer) \
                or not 1 <= workers <= limit:
            raise MethodError([Problem("unc_bad_workers", {
                "workers": workers, "limit": limit, "cpus": cpus, "factor": WORKERS_PER_CPU},
                key="workers")])
    p = _period_position(evaluation, period)
    missing = [g for g in groups if g not in evaluation.panel.groups]
    if missing:
        raise MethodError([Problem("unc_unknown_group", {
            "group": g, "found": ", ".join(evaluation.panel.groups)}, key="group") for g in missing])
    tracked = {u: unit_position(evaluation, u) for u in track}
    tracked = {evaluation.panel.units[i]: i for i in tracked.values()}
    keep = samples.sobol if keep is None else keep
    started = time.perf_counter()
    engine = Engine(evaluation, samples, p, tuple(groups), tracked, keep, batch, skip_failed,
                    blas_threads)
    counts = empty_counts(engine.n_units, engine.n_units + 1)  # sparse for many units
    group_counts = {g: empty_counts(engine.n_units, size + 1) for g, size in engine.group_sizes.items()}
    shift = np.full(samples.n, np.nan) if keep else None
    per_unit = {u: np.zeros(samples.n, dtype=np.int32) for u in tracked} if keep else {}
    in_group = {g: {u: np.zeros(samples.n, dtype=np.int32) for u in tracked}
                for g in groups} if keep else {}
    seen: set[tuple[int, ...]] = set()
    skipped: dict[str, int] = {}
    failures: dict[str, str] = {}
    if scheduler is None and client is None and workers is None:
        results: Iterator[ChunkResult] = (engine.run_chunk(k) for k in range(samples.n_chunks))
    else:
        results = _on_dask(engine, samples.n_chunks, scheduler, client, workers)
    done = 0
    for part in results:
        counts = add_counts(counts, part.counts)
        for g, c in part.group_counts.items():
            group_counts[g] = add_counts(group_counts[g], c)
        start, stop = samples.chunk_bounds(part.chunk)
        if shift is not None:
            shift[start:stop] = part.shift
            for u, ranks in part.tracked.items():
                per_unit[u][start:stop] = ranks
            for g, by_unit in part.tracked_in_group.items():
                for u, ranks in by_unit.items():
                    in_group[g][u][start:stop] = ranks
        seen |= part.combinations
        for label, n in part.skipped.items():
            skipped[label] = skipped.get(label, 0) + n
        failures.update(part.failures)
        done += stop - start
        if progress is not None:
            progress(done, samples.n)
    panel = evaluation.panel
    return UncertaintyResult(
        units=panel.units, names=tuple(panel.names()), period=panel.periods[p], n_samples=samples.n,
        nominal_rank=engine.nominal_rank, counts=counts, group_counts=group_counts,
        nominal_group_rank=engine.nominal_group_rank,
        group_labels={g: panel.group(g) for g in groups}, shift=shift, tracked=per_unit,
        combinations=len(seen), spec=spec, samples=samples, seconds=time.perf_counter() - started,
        skipped=dict(sorted(skipped.items())), failures=dict(sorted(failures.items())),
        tracked_in_group=in_group)


def _run_chunk(engine: Engine, k: int) -> ChunkResult:
    return engine.run_chunk(k)


def _on_dask(engine: Engine, n_chunks: int, scheduler: str | None, client: Any,
             workers: int | None) -> Iterator[ChunkResult]:
    """Yield chunk results computed on a Dask cluster, as they finish."""
    from distributed import Client, LocalCluster, as_completed

    owned: list[Any] = []
    try:
        if client is None:
            if scheduler is not None:
                client = Client(scheduler)
            else:
                cluster = LocalCluster(n_workers=int(workers), processes=True, threads_per_worker=1,
                                       dashboard_address=None)
                owned.append(cluster)
                client = Client(cluster)
            owned.insert(0, client)
        [shared] = client.scatter([engine], broadcast=True)
        futures = client.map(_run_chunk, [shared] * n_chunks, range(n_chunks), pure=False)
        for future in as_completed(futures):
            yield future.result()
    finally:
        for thing in owned:
            thing.close()
