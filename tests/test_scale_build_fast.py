"""The faster paths of ``build`` (issue 16, session 2026-12-06) give the exact paths' numbers, to the bit.

Each fast path is compared with the exact computation it replaces on data chosen to
break it: ties at the tail bound, all-missing and constant columns, tiny and heavy-tailed
columns, leading batch axes, strided output.
"""

from __future__ import annotations

import numpy as np
import pytest

from zongheng.framework import framework_from_records
from zongheng.panel import Panel
from zongheng.steps import Context, Scope
from zongheng.steps import treat as treat_module
from zongheng.steps.aggregate import Arithmetic
from zongheng.steps.impute import GroupFillState
from zongheng.steps.screen import _available_share
from zongheng.steps.treat import Winsorise, WinsoriseState, _clip_log, _column_summary, _fast_tails, _Tails

pytestmark = pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning")

STATE_FIELDS = ("lo_", "hi_", "log_", "winsorised_", "log_min_", "log_max_")


def _bits(a: np.ndarray) -> tuple:
    """The dtype, shape and bytes of an array: equal only when equal to the bit (NaN positions too)."""
    a = np.ascontiguousarray(a)
    return a.dtype.str, a.shape, a.tobytes()


def _adversarial(n: int, seed: int) -> np.ndarray:
    """Columns (row, column) that stress the tail bound of the fast winsorisation."""
    rng = np.random.default_rng(seed)
    cols = [
        rng.lognormal(0, 0.4, n),                          # mild
        rng.lognormal(0, 1.5, n),                          # heavy tail: the log fallback
        -rng.lognormal(0, 1.5, n),                         # heavy lower tail: negative skew
        np.round(rng.lognormal(0, 1.0, n)),                # integers: ties everywhere
        np.full(n, 7.0),                                   # constant
        np.full(n, np.nan),                                # no value
        rng.standard_cauchy(n),                            # both tails heavy
        np.where(rng.random(n) < 0.5, 1.0, 2.0),           # two values: bounds meet
    ]
    outliers = rng.lognormal(0, 0.4, n)
    outliers[rng.choice(n, 4, replace=False)] = 40.0       # four tied extremes
    cols.append(outliers)
    at_bound = rng.lognormal(0, 0.3, n)
    at_bound[rng.choice(n, n // 50, replace=False)] = 25.0  # 2 % tied at the top: ties across the tail
    cols.append(at_bound)
    mass = rng.lognormal(0, 0.3, n)
    mass[rng.choice(n, n // 5, replace=False)] = 25.0  # 20 % tied at the top: too many beyond the bound
    cols.append(mass)
    sparse = rng.lognormal(0, 1.2, n)
    sparse[rng.random(n) < 0.97] = np.nan                  # few values (the sample may have too few)
    cols.append(sparse)
    x = np.column_stack(cols)
    x[rng.random(x.shape) < 0.02] = np.nan
    return x


def _context(values: np.ndarray, scope: str = "pooled"):
    """A real context over a panel of these values (every step reads what it needs of it)."""
    n_periods, n_units, n_ind = values.shape
    codes = [f"X{i}" for i in range(n_ind)]
    records = [{"code": "Index", "type": "aggregate"}] + [{"code": c, "parent": "Index", "direction": "+"}
                                                          for c in codes]
    framework = framework_from_records(records, [{"key": r["code"]} for r in records])
    panel = Panel(values, [f"U{u}" for u in range(n_units)], tuple(range(2020, 2020 + n_periods)),
                     tuple(codes))
    return Context(framework, panel, Scope.parse(scope))


def _fit_real(values: np.ndarray, step: Winsorise, monkeypatch, fast: bool, scope: str = "pooled"):
    monkeypatch.setattr(treat_module, "_FAST_TAILS_FROM", 0 if fast else 10**12)
    return step.fit(values, _context(values, scope))


@pytest.mark.parametrize("n", [7, 30, 200, 5_000, 70_000])
@pytest.mark.parametrize("max_points", [1, 5, 12])
def test_fast_winsorise_learns_what_the_exact_tails_learn(monkeypatch, n, max_points):
    values = _adversarial(n, seed=n + max_points)[None]
    for skew, kurt in ((2.0, 3.5), (0.5, 0.5), (1.0, 10.0)):
        step = Winsorise(max_points=max_points, skew=skew, kurtosis=kurt)
        fast = _fit_real(values, step, monkeypatch, fast=True)
        exact = _fit_real(values, step, monkeypatch, fast=False)
        for name in STATE_FIELDS:
            assert _bits(getattr(fast, name)) == _bits(getattr(exact, name)), (name, skew, kurt)


@pytest.mark.parametrize("scope", ["pooled", "per_period"])
def test_fast_winsorise_over_periods(monkeypatch, scope):
    rng = np.random.default_rng(8)
    values = np.stack([_adversarial(3_000, seed=1), _adversarial(3_000, seed=2)])
    values[1, rng.choice(3_000, 10, replace=False), 0] = 1e3  # outliers in one period only
    step = Winsorise(max_points=5)
    fast = _fit_real(values, step, monkeypatch, fast=True, scope=scope)
    exact = _fit_real(values, step, monkeypatch, fast=False, scope=scope)
    for name in STATE_FIELDS:
        assert _bits(getattr(fast, name)) == _bits(getattr(exact, name)), name


def _reference_winsorise(column: np.ndarray, step: Winsorise) -> tuple[float, float, int, bool]:
    """COINr's loop written out plainly on one column: (low cap, high cap, points moved, log)."""
    x = column[~np.isnan(column)].copy()
    g1, g2 = treat_module.skewness(x[:, None])[0], treat_module.kurtosis(x[:, None])[0]
    fails = abs(g1) >= step.skew and g2 >= step.kurtosis
    lo_cap, hi_cap, n_lo, n_hi = -np.inf, np.inf, 0, 0
    if not fails:
        return lo_cap, hi_cap, 0, False
    while fails and n_lo + n_hi < step.max_points:
        if g1 >= 0:
            at = x == x.max()
            x[at] = x[~at].max()
            hi_cap, n_hi = x.max(), int(at.sum())
        else:
            at = x == x.min()
            x[at] = x[~at].min()
            lo_cap, n_lo = x.min(), int(at.sum())
        g1, g2 = treat_module.skewness(x[:, None])[0], treat_module.kurtosis(x[:, None])[0]
        fails = abs(g1) >= step.skew and g2 >= step.kurtosis
    if fails and step.fallback == "log":
        return -np.inf, np.inf, 0, True
    return lo_cap, hi_cap, n_lo + n_hi, False


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_winsorise_equals_a_plain_reference(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    n = 80_000
    cols = [rng.lognormal(0, 0.4, n) for _ in range(4)]
    cols += [rng.lognormal(0, 1.5, n), -rng.lognormal(0, 1.5, n)]
    for c in cols[:4]:
        c[rng.choice(n, int(rng.integers(1, 5)), replace=False)] = np.median(c) * rng.uniform(15, 40)
    values = np.column_stack(cols)[None]
    values[rng.random(values.shape) < 0.01] = np.nan
    step = Winsorise(max_points=5)
    state = _fit_real(values, step, monkeypatch, fast=True)
    for j in range(values.shape[-1]):
        lo_cap, hi_cap, moved, log = _reference_winsorise(values[0, :, j], step)
        assert bool(state.log_[0, j]) == log, j
        assert state.winsorised_[0, j] == moved, j
        assert state.lo_[0, j] == lo_cap and state.hi_[0, j] == hi_cap, j


def test_fast_tails_are_the_exact_tails():
    x = _adversarial(50_000, seed=5)
    *_, n, _g1, _g2, mean = _column_summary(x)
    k = 6
    columns = np.flatnonzero(n > 4 * k)
    fast = _fast_tails(x, columns, k, mean, n)
    assert 0 in fast and 8 in fast  # the ordinary columns take the fast path
    assert 4 not in fast and 7 not in fast  # constant, two values: the bounds meet
    assert 9 in fast  # 2 % tied at the top: many values beyond the bound, ties across the tail's edge
    assert 10 not in fast  # 20 % tied at the top: too many values beyond the bound
    for j, tails in fast.items():
        column = x[:, j]
        exact = _Tails(column[~np.isnan(column)], k)
        assert _bits(np.sort(tails.tail)) == _bits(np.sort(exact.tail)), j
        assert (tails.core_min, tails.core_max, tails.n, tails.n_core) == \
            (exact.core_min, exact.core_max, exact.n, exact.n_core), j
        # The same sums up to rounding (about another centre: compare the statistics).
        np.testing.assert_allclose(tails.stats(), exact.stats(), rtol=1e-9)


def test_statistics_near_a_threshold_are_decided_on_the_exact_tails(monkeypatch):
    values = _adversarial(20_000, seed=9)[None]
    step = Winsorise(max_points=5)
    exact = _fit_real(values, step, monkeypatch, fast=False)
    unsure = []
    original = Winsorise._winsorise_tails

    def spy(self, tails, skew):
        try:
            return original(self, tails, skew)
        except treat_module._Unsure:
            unsure.append(tails)
            raise

    monkeypatch.setattr(Winsorise, "_winsorise_tails", spy)
    monkeypatch.setattr(treat_module, "_MARGIN", 1e3)  # every statistic is "near": all fall back
    fast = _fit_real(values, step, monkeypatch, fast=True)
    assert unsure and all(not t.exact for t in unsure)
    for name in STATE_FIELDS:
        assert _bits(getattr(fast, name)) == _bits(getattr(exact, name)), name


def test_near_flags_thresholds_signs_and_cancellation():
    step = Winsorise(skew=2.0, kurtosis=3.5)
    assert step._near(2.0 + 1e-12, 10.0, 1.0)
    assert step._near(-2.0 - 1e-12, 10.0, 1.0)
    assert step._near(5.0, 3.5 - 1e-12, 1.0)
    assert step._near(1e-12, 10.0, 1.0)  # the side of the next round
    assert step._near(np.nan, 10.0, 1.0) and step._near(5.0, np.inf, 1.0)
    assert step._near(5.0, 10.0, 1e7)
    assert not step._near(5.0, 10.0, 1.0) and not step._near(-0.5, 1.0, 10.0)


def test_clip_log_with_a_work_array_is_the_formula():
    rng = np.random.default_rng(6)
    x = rng.lognormal(0, 1, size=(2, 3, 20_001, 6))  # a batch axis, 3 periods, not a block multiple
    x[rng.random(x.shape) < 0.05] = np.nan
    g = np.array([0, 1, 0])
    log = np.array([[True, False, True, False, False, True], [True, False, False, False, True, True]])
    lo = np.where(log, -np.inf, 0.5)
    hi = np.where(log, np.inf, 3.0)
    mn, mx = np.full((2, 6), 0.01), np.full((2, 6), 50.0)
    state = WinsoriseState(lo_=lo, hi_=hi, log_=log, log_min_=mn, log_max_=mx, group_of_period_=g,
                           winsorised_=np.zeros((2, 6), dtype=int))
    with np.errstate(invalid="ignore", divide="ignore"):
        plain = np.where(log[g][:, None, :], np.log(x - mn[g][:, None, :] + 0.01 * (mx - mn)[g][:, None, :]),
                         np.clip(x, lo[g][:, None, :], hi[g][:, None, :]))
    assert _bits(_clip_log(x, state, np.empty(x.shape))) == _bits(plain)
    y = x.copy()
    assert _bits(_clip_log(y, state, y)) == _bits(plain)


@pytest.mark.parametrize("shape", [(1, 1, 3), (1, 5_000, 40), (2, 3, 1_000, 7), (1, 0, 4)])
def test_group_fill_by_flat_index_equals_the_per_axis_fill(shape):
    rng = np.random.default_rng(sum(shape))
    n_periods, n_units, n_ind = shape[-3:]
    stats = rng.normal(size=(n_periods, 3, n_ind))
    stats[rng.random(stats.shape) < 0.2] = np.nan
    codes = rng.integers(-1, 3, n_units)
    values = rng.normal(size=shape)
    values[rng.random(shape) < 0.1] = np.nan
    state = GroupFillState(stats_=stats, codes_=codes)
    expected = values.copy()
    where = np.nonzero(np.isnan(expected))
    p, u, i = where[-3:]
    fill = np.full(len(u), np.nan)
    known = codes[u] >= 0
    fill[known] = stats[p[known], codes[u][known], i[known]]
    expected[where] = fill
    assert _bits(state.fill_in_place(values.copy())) == _bits(expected)
    assert _bits(state.fill_in_place(np.asfortranarray(values))) == _bits(expected)  # per-axis path


@pytest.mark.filterwarnings("ignore:Mean of empty slice")
@pytest.mark.parametrize("shape", [(1, 5, 40), (2, 20_000, 7), (3, 1, 9_000, 13), (1, 0, 4), (1, 3, 0)])
def test_availability_share_in_blocks_equals_the_mean_of_the_mask(shape):
    rng = np.random.default_rng(7)
    values = rng.normal(size=shape)
    values[rng.random(shape) < 0.3] = np.nan
    if shape[-2] > 2:
        values[..., 1, :] = np.nan  # a unit with nothing
    with np.errstate(invalid="ignore"):
        expected = (~np.isnan(values)).mean(axis=-1)
    with np.errstate(invalid="ignore"):
        assert _bits(_available_share(values)) == _bits(expected)


@pytest.mark.parametrize("children", ["contiguous", "scattered"])
def test_arithmetic_into_the_parents_columns_equals_a_new_array(children):
    rng = np.random.default_rng(9)
    scores = rng.uniform(0, 100, size=(2, 20_001, 15))
    scores[rng.random(scores.shape) < 0.1] = np.nan
    scores[0, 7, :12] = np.nan  # a unit with no known child
    weights = np.zeros((15, 3))
    if children == "contiguous":
        weights[:5, 0], weights[5:9, 1], weights[9:12, 2] = [1, 2, 1, 1, 3], [1, 1, 2, 1], [1, 1, 1]
    else:
        weights[[0, 3, 6, 9], 0], weights[[1, 4, 7], 1], weights[[2, 5, 8, 10, 11], 2] = 1.0, 2.0, 0.5
    plain = Arithmetic().combine(scores, weights)
    into = scores.copy()
    target = into[..., 12:15]  # a strided view: the parents' columns of a score array
    result = Arithmetic().combine(into, weights, scratch=np.empty(scores.size), out=target)
    assert result is target
    assert _bits(into[..., 12:15]) == _bits(plain)
    assert _bits(into[..., :12]) == _bits(scores[..., :12])  # the children untouched
    # A 1-D row of children (no unit axis) still returns into ``out``.
    out = np.empty(3)
    row = Arithmetic().combine(scores[0, 3], weights, out=out)
    assert row is out and _bits(out) == _bits(Arithmetic().combine(scores[0, 3], weights))
