"""The in-place paths of a ``keep="final"`` build (issue 16) give the plain paths' numbers, to the bit."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import zongheng as zh
from zongheng.steps import Context, Scope
from zongheng.steps import impute as impute_module
from zongheng.steps.aggregate import Arithmetic
from zongheng.steps.impute import GroupMean
from zongheng.steps.normalise import MinMax, minmax
from zongheng.steps.screen import Availability
from zongheng.steps.treat import Winsorise, _column_summary

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from synthetic import make_framework, make_panel

pytestmark = pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning")

ASEM = {"denominate": "framework", "impute": {"method": "group_mean", "group": "EurAsia_group"},
        "screen": {"method": "availability", "min_share": 0.9, "data": "input"},
        "treat": {"method": "winsorise", "max_points": 5, "skew": 2, "kurtosis": 3.5},
        "normalise": {"method": "minmax", "low": 0, "high": 100}, "aggregate": "arithmetic"}


def _same(a: np.ndarray, b: np.ndarray) -> None:
    """Equal to the bit (NaN where NaN, the same float64 elsewhere, signed zeros included)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_array_equal(np.where(np.isnan(a), 0, a).view(np.uint64),
                                  np.where(np.isnan(b), 0, b).view(np.uint64))


@pytest.fixture(scope="module")
def fw():
    return make_framework(40)


@pytest.fixture(scope="module")
def panel(fw):
    # Above the sparse group-mean threshold, and not a multiple of the 8192-row blocks.
    return make_panel(fw, 25_000, seed=5)


def _ctx(fw, panel):
    return Context(fw, panel, Scope.parse("pooled"))


def _stress(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Add a constant column, ties, signed zeros, infinite values and all-missing rows."""
    x = np.array(values, dtype=np.float64, copy=True)
    x[..., 2] = 7.0
    x[..., 3] = np.round(x[..., 3])  # many ties
    x[..., 0, 4] = -0.0
    x[..., rng.choice(x.shape[-2], 50, replace=False), :] = np.nan
    x[..., rng.random(x.shape[:-1]) < 0.02, 6] = np.nan
    return x


@pytest.mark.parametrize("keep_all_first", [True, False])
def test_keep_final_build_equals_keep_all(fw, panel, keep_all_first):
    method = ASEM if keep_all_first else {**ASEM, "screen": {"method": "availability", "min_share": 0.95}}
    full = zh.build(fw, panel, method)
    final = zh.build(fw, panel, method, keep="final")
    _same(full.scores, final.scores)
    for a, b in zip(full.trace, final.trace, strict=True):
        for name, value in vars(a.state).items():
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(value, getattr(b.state, name), err_msg=name)


def test_each_owned_step_equals_its_plain_step(fw, panel):
    rng = np.random.default_rng(0)
    ctx = _ctx(fw, panel)
    x = _stress(panel.values, rng)
    x[..., :, 8] = np.where(rng.random(x.shape[-2]) < 0.01, np.nan, x[..., :, 8])
    screen = Availability(min_share=0.9, data="input")
    for step in (GroupMean(group="EurAsia_group"), screen, Winsorise(max_points=5, skew=2, kurtosis=3.5),
                 MinMax(low=1, high=10)):
        plain_state, plain = step.fit_apply(x, ctx)
        given = np.array(x, copy=True)
        try:
            owned_state, owned = step.fit_apply_owned(given, ctx)
        except Exception as exc:  # the same error both ways (group mean of an all-missing group …)
            pytest.fail(f"{type(step).__name__}: {exc}")
        _same(plain, owned)
        for name, value in vars(plain_state).items():
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(value, getattr(owned_state, name), err_msg=name)
        x = plain


def test_group_mean_in_blocks_of_units_equals_one_product(fw, panel):
    rng = np.random.default_rng(1)
    x = _stress(panel.values, rng)
    codes = rng.integers(-1, 5, size=x.shape[-2])
    codes[:3] = 4  # a group, and units without one, across block edges
    blocked = impute_module._group_statistics(np.nanmean, x, codes)
    plain = impute_module._group_statistics_by_columns(x, codes, int(codes.max()) + 1)
    for a, b in zip(blocked, plain, strict=True):
        _same(a, b)


def test_minmax_in_place_equals_a_new_array():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 20_000, 6))
    x[rng.random(x.shape) < 0.05] = np.nan
    x[..., 1] = 3.0  # constant: the middle of the range
    lo, hi = np.nanmin(x, axis=1, keepdims=True), np.nanmax(x, axis=1, keepdims=True)
    direction = np.array([1, -1, 1, -1, -1, 1])
    new = minmax(x, lo, hi, direction, 0, 100)
    given = x.copy()
    _same(new, minmax(given, lo, hi, direction, 0, 100, out=given))
    _same(new, given)
    # The plain formula, written out.
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (x - lo) / (hi - lo)
    share = np.where(direction < 0, 1.0 - share, share)
    share = np.where((hi - lo == 0) & ~np.isnan(x), 0.5, share)
    _same(new, share * 100.0 + 0.0)


def test_arithmetic_with_scratch_equals_without():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 100, size=(1, 20_001, 12))
    x[rng.random(x.shape) < 0.1] = np.nan
    x[0, 5] = np.nan  # a unit with no known child
    weights = np.zeros((12, 3))
    weights[:5, 0], weights[5:9, 1], weights[9:, 2] = [1, 2, 1, 1, 3], [1, 1, 2, 1], [1, 1, 1]
    plain = Arithmetic().combine(x, weights)
    scratch = np.empty(x.size)
    _same(plain, Arithmetic().combine(x, weights, scratch=scratch))
    known = ~np.isnan(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        numerator, denominator = np.where(known, x, 0.0) @ weights, known.astype(np.float64) @ weights
        _same(plain, np.where(denominator > 0, numerator / denominator, np.nan))


def test_column_summary_with_work_arrays_equals_the_plain_sums():
    rng = np.random.default_rng(4)
    x = rng.lognormal(size=(20_000, 5))
    x[rng.random(x.shape) < 0.05] = np.nan
    x[:, 4] = np.nan  # no value at all
    lo, hi, n, g1, g2, _ = _column_summary(x)
    np.testing.assert_array_equal(n, (~np.isnan(x)).sum(axis=0))
    _same(lo, np.fmin.reduce(x, axis=0))
    _same(hi, np.fmax.reduce(x, axis=0))
    assert np.isnan(g1[4]) and np.isnan(g2[4])
    np.testing.assert_allclose(g1[:4], [_g1(x[:, j]) for j in range(4)], rtol=1e-9)


def _g1(column: np.ndarray) -> float:
    c = column[~np.isnan(column)]
    n, d = c.size, c - c.mean()
    return float(np.sqrt(n) * (d**3).sum() / (d**2).sum() ** 1.5 * np.sqrt(n * (n - 1.0)) / (n - 2.0))


@pytest.mark.parametrize("scope", ["pooled", "per_period"])
def test_two_periods_keep_final_equals_keep_all(fw, scope):
    from zongheng.panel import Panel

    one, two = make_panel(fw, 21_000, seed=6), make_panel(fw, 21_000, seed=7)
    panel = Panel(np.concatenate([one.values, two.values]), one.units, (2023, 2024),
                  one.indicators, one.attributes,
                  np.concatenate([one.denominators, two.denominators]), one.denominator_codes)
    method = {**ASEM, "scope": scope}
    full = zh.build(fw, panel, method)
    final = zh.build(fw, panel, method, keep="final")
    _same(full.scores, final.scores)
    np.testing.assert_array_equal(full.ranks, final.ranks)


def test_tidy_parquet_ranks_node_by_node_equal_the_evaluation_ranks(fw, tmp_path):
    import pyarrow.parquet as pq

    from zongheng.io.results import node_ranks, write_tidy_parquet

    panel = make_panel(fw, 3000, seed=8)
    values = np.array(panel.values, copy=True)
    values[..., 0] = np.round(values[..., 0])  # ties
    ev = zh.build(fw, panel.with_values(values), ASEM, keep="final")
    overall, by_group = node_ranks(ev.scores, ev.panel)

    def as_int(ranks):
        return np.where(np.isnan(ranks), -1, ranks).astype(np.int32)

    streamed = pq.read_table(write_tidy_parquet(ev, tmp_path / "a.parquet", chunk_rows=5000) and
                             tmp_path / "a.parquet")
    np.testing.assert_array_equal(overall, as_int(ev.ranks))  # ranks now cached on ev
    for g, ranks in by_group.items():
        np.testing.assert_array_equal(ranks, as_int(ev.group_ranks(g)))
    cached = pq.read_table(write_tidy_parquet(ev, tmp_path / "b.parquet", chunk_rows=5000) and
                           tmp_path / "b.parquet")
    assert streamed.equals(cached)
