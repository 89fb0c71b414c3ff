"""Samples of the uncertain inputs (抽样): choice indices and weight multipliers.

Every uncertain input is a coordinate of the unit hypercube, as in SALib: a
discrete choice among *k* takes ``floor(u · k)``, a uniformly perturbed weight
is multiplied by ``1 + spread · (2u − 1)``, and the Dirichlet-perturbed
children of a parent take Gamma quantiles of *u* normalised to their nominal
total. Monte Carlo samples are drawn chunk by chunk, each chunk from its own
seed (``SeedSequence(seed, spawn_key=(chunk,))``), so that any chunk can be
drawn on any machine and no run holds every sample at once; a Sobol design
(SALib's Saltelli scheme, :func:`saltelli_design`) is kept whole, so its size
is checked against the memory available first (:func:`sobol_memory`).
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from zongheng.analysis.uncertainty.spec import CHOICE_STAGES, UncertaintySpec
from zongheng.errors import MethodError, Problem
from zongheng.evaluation import Evaluation
from zongheng.i18n import register_messages

__all__ = [
    "CHUNK",
    "Layout",
    "Samples",
    "available_memory",
    "layout",
    "saltelli_design",
    "sample",
    "sobol_memory",
]

#: Samples drawn per chunk (each chunk has its own seed): results depend on it, so it is fixed.
CHUNK = 1 << 16

#: Share of the available memory a Sobol run may plan to use.
MEMORY_SHARE = 0.5

#: Bootstrap resamples of the Sobol confidence intervals (:func:`~zongheng.analysis.uncertainty.sobol`).
RESAMPLES = 100

register_messages({
    "unc_bad_n": ("抽样次数必须是正整数，实际为 {n!r}", "the number of samples must be a positive integer, "
                  "got {n!r}"),
    "unc_nothing_varies": (
        "没有任何不确定性输入，无法计算 Sobol 指数；请用 --vary 指定",
        "nothing varies, so there are no Sobol indices; name the inputs with --vary",
    ),
    "unc_sobol_too_big": (
        "Sobol 抽样次数 n（--samples）= {n:,} 太大：N = {base:,} 的设计与指数计算约需 {need}，"
        "超过可用内存 {available} 的 {share:.0%}；本机最多 N = {largest:,}",
        "the Sobol sample size n (--samples) = {n:,} is too large: the design and the indices of "
        "N = {base:,} need about {need}, more than {share:.0%} of the {available} of memory "
        "available; at most N = {largest:,} here",
    ),
})


@dataclass(frozen=True, eq=False)
class Layout:
    """How the unit hypercube maps to choices and weight multipliers (resolved for one evaluation).

    Attributes
    ----------
    weight_nodes : tuple of str
        The nodes whose weight varies, one multiplier column each.
    spreads : ndarray
        Per weight node: the uniform spread, NaN for a Dirichlet node.
    blocks : tuple of (ndarray, ndarray)
        Dirichlet blocks: the weight columns of one parent's children and
        their nominal shares (summing to 1).
    concentration : ndarray
        Per Dirichlet block.
    stages : tuple of str
        The discrete inputs, one choice column each (``exclude`` last).
    choices : tuple of tuple
        The choices of each discrete input (steps; for ``exclude``, ``None``
        then the codes left out).
    """

    weight_nodes: tuple[str, ...]
    spreads: np.ndarray
    blocks: tuple[tuple[np.ndarray, np.ndarray], ...]
    concentration: np.ndarray
    stages: tuple[str, ...]
    choices: tuple[tuple[Any, ...], ...]

    @property
    def n_choices(self) -> tuple[int, ...]:
        """Return the number of choices of each discrete input."""
        return tuple(len(c) for c in self.choices)

    @property
    def uniform_columns(self) -> np.ndarray:
        """Return the weight columns perturbed uniformly."""
        return np.flatnonzero(~np.isnan(self.spreads))

    @property
    def dirichlet_columns(self) -> np.ndarray:
        """Return the weight columns perturbed by Dirichlet blocks, block after block."""
        if not self.blocks:
            return np.zeros(0, dtype=int)
        return np.concatenate([cols for cols, _ in self.blocks])

    @property
    def varied_stages(self) -> tuple[int, ...]:
        """Return the positions of the discrete inputs with more than one choice."""
        return tuple(i for i, k in enumerate(self.n_choices) if k > 1)

    @property
    def names(self) -> list[str]:
        """Return the name of each hypercube coordinate: ``w:<node>`` or a stage."""
        cols = [*self.uniform_columns, *self.dirichlet_columns]
        return [f"w:{self.weight_nodes[c]}" for c in cols] + [self.stages[i] for i in self.varied_stages]

    @property
    def groups(self) -> list[str]:
        """Return the uncertain input of each coordinate (the Sobol groups, even when only one)."""
        n_w = len(self.uniform_columns) + len(self.dirichlet_columns)
        return ["weights"] * n_w + [self.stages[i] for i in self.varied_stages]

    def problem(self) -> dict[str, Any]:
        """Return the SALib problem: every coordinate on [0, 1], grouped by input."""
        names = self.names
        if not names:
            raise MethodError([Problem("unc_nothing_varies")])
        return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names),
                "groups": self.groups}

    def map(self, u: np.ndarray, gammas: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Map hypercube rows to (choice indices, weight multipliers).

        Parameters
        ----------
        u : ndarray, shape (n, coordinates)
            In :attr:`names` order; overwritten.
        gammas : ndarray, optional
            Gamma draws for the Dirichlet columns; when absent they are the
            Gamma quantiles of the Dirichlet coordinates of ``u``.
        """
        n = len(u)
        uni, dirc = self.uniform_columns, self.dirichlet_columns
        if len(uni) == len(self.weight_nodes):  # every weight uniform: map in place, no copy
            mult = u[:, :len(uni)]
            mult *= 2.0 * self.spreads
            mult += 1.0 - self.spreads
        else:
            mult = np.ones((n, len(self.weight_nodes)))
            mult[:, uni] = 1.0 + self.spreads[uni] * (2.0 * u[:, :len(uni)] - 1.0)
        if len(dirc):
            if gammas is None:
                alpha = self._alphas()
                part = u[:, len(uni):len(uni) + len(dirc)]
                # Tiny floor: a quantile of exactly 0 would give a zero weight.
                gammas = np.maximum(special.gammaincinv(alpha, part), 1e-300)
            start = 0
            for cols, shares in self.blocks:
                g = gammas[:, start:start + len(cols)]
                start += len(cols)
                mult[:, cols] = g / g.sum(axis=1, keepdims=True) / shares
        choices = np.zeros((n, len(self.stages)), dtype=np.int32)
        first = len(uni) + len(dirc)
        for j, i in enumerate(self.varied_stages):
            k = self.n_choices[i]
            choices[:, i] = np.minimum((u[:, first + j] * k).astype(np.int32), k - 1)
        return choices, mult

    def _alphas(self) -> np.ndarray:
        return np.concatenate([c * shares for (_, shares), c in zip(self.blocks, self.concentration,
                                                                     strict=True)])

    def draw(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` Monte Carlo samples."""
        n_dir = len(self.dirichlet_columns)
        u = rng.random((n, len(self.uniform_columns) + n_dir + len(self.varied_stages)))
        gammas = rng.standard_gamma(self._alphas(), size=(n, n_dir)) if n_dir else None
        return self.map(u, gammas)

    def label(self, stage: int, choice: int) -> str:
        """Return a short text for one choice of a discrete input.

        A step shows its key with the parameters that differ from the defaults
        or between the choices of the same key (``winsorise(max_points=5)``).
        """
        value = self.choices[stage][choice]
        if self.stages[stage] == "exclude":
            return "—" if value is None else f"-{value}"
        return _spec_text(value, self.choices[stage])


def _spec_text(value: Any, among: tuple[Any, ...] = ()) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_spec_text(v)}" for k, v in value.items()) + "}"
    spec = value.to_spec()
    params = {} if isinstance(spec, str) else {k: v for k, v in spec.items() if k != "method"}
    for other in among:  # a parameter that tells same-key choices apart is always shown
        if type(other) is type(value) and other != value:
            for f in dataclasses.fields(value):
                if getattr(other, f.name) != getattr(value, f.name):
                    params.setdefault(f.name, getattr(value, f.name))
    if not params:
        return value.key
    return value.key + "(" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")"


def layout(evaluation: Evaluation, spec: UncertaintySpec) -> Layout:
    """Resolve a spec against an evaluation: the weight nodes, Dirichlet blocks and choices."""
    fw = evaluation.framework
    spreads: dict[str, float] = {}
    dirichlet: dict[str, float] = {}
    seen: set[int] = set()
    for w in spec.weights:
        levels = w.resolve_levels(fw)
        twice = seen.intersection(levels)
        if twice:
            raise MethodError([Problem("unc_level_twice", {"level": v}, key="uncertainty.weights")
                               for v in sorted(twice)])
        seen.update(levels)
        for node in fw.nodes:
            if node.parent is not None and fw.levels[node.parent] in levels:
                if w.kind == "uniform":
                    spreads[node.code] = w.spread
                else:
                    dirichlet[node.code] = w.concentration
    # Score-column order (indicators, then aggregates by level), the order the engine uses.
    nodes = tuple(c for c in fw.node_codes if c in spreads or c in dirichlet)
    column = {c: i for i, c in enumerate(nodes)}
    blocks, concentration = [], []
    nominal = evaluation.weights
    for children in fw.children.values():
        members = [c for c in children if c in dirichlet]
        if members:  # the Dirichlet children of one parent share their nominal total
            w0 = np.array([nominal[c] for c in members])
            blocks.append((np.array([column[c] for c in members]), w0 / w0.sum()))
            concentration.append(dirichlet[members[0]])
    resolved = spec.resolved(evaluation.method)
    stages = [s for s in CHOICE_STAGES if resolved[s]]
    choices = [resolved[s] for s in stages]
    if spec.exclude is not None:
        stages.append("exclude")
        choices.append((None, *spec.exclude.codes(fw)))
    return Layout(nodes, np.array([spreads.get(c, np.nan) for c in nodes]), tuple(blocks),
                  np.array(concentration), tuple(stages), tuple(tuple(c) for c in choices))


@dataclass(frozen=True, eq=False)
class Samples:
    """Samples of the uncertain inputs (抽样方案), drawn chunk by chunk.

    Attributes
    ----------
    spec : UncertaintySpec
    layout : Layout
    n : int
        Number of samples (for a Sobol design: ``base_n × (inputs + 2)``).
    seed : int
    chunk_size : int
    design : ndarray or None
        The Sobol design rows on the unit hypercube; ``None`` for Monte Carlo.
    base_n : int or None
        SALib's N of a Sobol design.
    """

    spec: UncertaintySpec
    layout: Layout
    n: int
    seed: int
    chunk_size: int = CHUNK
    design: np.ndarray | None = None
    base_n: int | None = None
    problem: dict[str, Any] = field(default_factory=dict)

    @property
    def sobol(self) -> bool:
        """Return whether the samples are a Sobol (Saltelli) design."""
        return self.design is not None

    @property
    def n_chunks(self) -> int:
        """Return the number of chunks."""
        return -(-self.n // self.chunk_size)

    def chunk_bounds(self, k: int) -> tuple[int, int]:
        """Return the first and past-the-last sample of chunk ``k``."""
        return k * self.chunk_size, min(self.n, (k + 1) * self.chunk_size)

    def chunk(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return chunk ``k``: choice indices (n, stage) and weight multipliers (n, weight node)."""
        start, stop = self.chunk_bounds(k)
        if self.design is not None:
            return self.layout.map(self.design[start:stop].copy())
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(k,))))
        return self.layout.draw(stop - start, rng)

    def to_frame(self) -> pd.DataFrame:
        """Return every sample as a row: the choice of each input and each weight multiplier.

        For inspection of small runs: it holds every sample in memory.
        """
        parts = [self.chunk(k) for k in range(self.n_chunks)]
        choices = np.concatenate([c for c, _ in parts]) if parts else np.zeros((0, 0), int)
        mult = np.concatenate([m for _, m in parts]) if parts else np.zeros((0, 0))
        frame = pd.DataFrame({stage: [self.layout.label(i, c) for c in choices[:, i]]
                              for i, stage in enumerate(self.layout.stages)})
        for j, code in enumerate(self.layout.weight_nodes):
            frame[f"w:{code}"] = mult[:, j]
        return frame


def sample(evaluation: Evaluation, spec: UncertaintySpec, n: int, *, seed: int = 0,
           sobol: bool = False, chunk_size: int = CHUNK) -> Samples:
    """Draw samples of the uncertain inputs (抽样).

    Parameters
    ----------
    evaluation : Evaluation
        The nominal build: it fixes the weighted nodes and the nominal weights.
    spec : UncertaintySpec
    n : int
        Monte Carlo: the number of samples. Sobol: SALib's base sample size N,
        rounded up to a power of two; the design has ``N × (inputs + 2)``
        rows (first-order and total indices, no second order).
    seed : int
        The same seed (and chunk size) gives the same samples anywhere.
    sobol : bool
        Draw a Sobol (Saltelli) design for :func:`~zongheng.analysis.uncertainty.sobol`.
    chunk_size : int
        Samples per chunk: each chunk has its own seed.

    Returns
    -------
    Samples
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise MethodError([Problem("unc_bad_n", {"n": n})])
    lay = layout(evaluation, spec)
    if not sobol:
        return Samples(spec, lay, int(n), int(seed), int(chunk_size))
    problem = lay.problem()
    base = 1 << max(0, int(n - 1).bit_length())
    _check_memory(problem, int(n), base)
    design = saltelli_design(problem, base, seed)
    return Samples(spec, lay, len(design), int(seed), int(chunk_size), design, base, problem)


def saltelli_design(problem: dict[str, Any], n: int, seed: int) -> np.ndarray:
    """Return the Saltelli design of SALib's ``sobol.sample`` without second order, by groups.

    The same rows as ``SALib.sample.sobol.sample(problem, n, calc_second_order=False,
    scramble=True, seed=seed)`` — per base point *i*: A_i, then A_i with the
    columns of each group taken from B_i, then B_i — built as arrays instead of
    SALib's loop over every cell, and grouped also when there is **one** group:
    SALib's sampler takes one group for no groups (``n × (columns + 2)`` rows)
    while its ``analyze`` counts one group (``n × 3`` rows), which gave wrong
    indices or "Incorrect number of samples". Here there are always
    ``n × (groups + 2)`` rows.

    Parameters
    ----------
    problem : dict
        SALib's problem, every coordinate on [0, 1].
    n : int
        SALib's N, a power of two.
    seed : int
        Seeds the scrambled Sobol sequence (``scipy.stats.qmc.Sobol``) as SALib does.
    """
    from scipy.stats import qmc

    d = int(problem["num_vars"])
    groups = list(problem.get("groups") or problem["names"])
    names = list(dict.fromkeys(groups))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's notes on the balance of Sobol points
        points = qmc.Sobol(d=2 * d, scramble=True, seed=seed).random(n)
    a, b = points[:, :d], points[:, d:]
    member = np.array([[g == name for g in groups] for name in names])  # (group, column)
    design = np.empty((n, len(names) + 2, d))
    design[:, 0] = a
    design[:, 1:-1] = np.where(member[None], b[:, None, :], a[:, None, :])
    design[:, -1] = b
    return design.reshape(-1, d)


def sobol_memory(problem: dict[str, Any], n: int, resamples: int = RESAMPLES, outputs: int = 2) -> int:
    """Return an estimate of the bytes a Sobol run of base size ``n`` holds at its peak.

    The design (rows × coordinates) with the Sobol points it comes from, the
    per-sample outputs, and SALib's bootstrap of the confidence intervals,
    which dominates: its ``analyze`` gathers ``n × resamples`` values of the
    output blocks several times over (a traced peak of 8.1 such float arrays
    with SALib 1.5; 9 are counted).
    """
    d = int(problem["num_vars"])
    rows = n * (len(set(problem.get("groups") or problem["names"])) + 2)
    design = 8 * rows * d + 8 * n * 2 * d
    kept = 8 * rows * outputs
    bootstrap = 8 * n * resamples * 9
    return design + kept + bootstrap


def available_memory() -> int | None:
    """Return the memory available to new allocations in bytes (Linux ``MemAvailable``), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _check_memory(problem: dict[str, Any], n: int, base: int) -> None:
    """Refuse a Sobol design whose run would not fit in the share of the memory available."""
    available = available_memory()
    if available is None:
        return
    budget = MEMORY_SHARE * available
    need = sobol_memory(problem, base)
    if need <= budget:
        return
    largest = base
    while largest > 1 and sobol_memory(problem, largest) > budget:
        largest //= 2
    raise MethodError([Problem("unc_sobol_too_big", {
        "n": n, "base": base, "need": _bytes(need), "available": _bytes(available),
        "share": MEMORY_SHARE, "largest": largest}, key="samples")])


def _bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} GiB"
