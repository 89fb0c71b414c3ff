"""Sparse rank counts (issue 16): many units keep only the (unit, rank) pairs that occur."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

import zongheng as zh
from zongheng.analysis.uncertainty import analyse, default_spec, engine, evaluate, rank_quantile, sample


@pytest.fixture(scope="module")
def ev():
    ds = zh.datasets.load("asem")
    return zh.build(ds.framework, ds.panel, ds.method)


def _run(ev, monkeypatch=None, dense_units=None):
    if monkeypatch is not None:
        monkeypatch.setattr(engine, "DENSE_UNITS", dense_units)
        monkeypatch.setattr(engine, "_COMPACT_PAIRS", 500)  # merge often: the merge is tested too
    spec = default_spec(ev, ["weights", "normalise", "aggregate", "treat"])
    samples = sample(ev, spec, 300, seed=7, chunk_size=100)  # 3 chunks: sparse counts are added
    return evaluate(ev, spec, samples, groups=["EurAsia_group"])


def test_sparse_counts_equal_dense_counts_and_every_statistic(ev, monkeypatch):
    dense = _run(ev)
    assert isinstance(dense.counts, np.ndarray)
    lean = _run(ev, monkeypatch, dense_units=4)
    assert sparse.issparse(lean.counts) and sparse.issparse(lean.group_counts["EurAsia_group"])
    np.testing.assert_array_equal(lean.counts.toarray(), dense.counts)
    np.testing.assert_array_equal(lean.group_counts["EurAsia_group"].toarray(),
                                  dense.group_counts["EurAsia_group"])
    unit = ev.panel.units[3]
    for options in ({}, {"group": "EurAsia_group", "top": 5}, {"unit": unit, "places": 1}):
        a, b = analyse(dense, **options), analyse(lean, **options)
        pd.testing.assert_frame_equal(a.table, b.table)
        for key, value in a.summary.items():  # shares summed in another order: equal to 1e-12
            if key != "seconds":
                assert b.summary[key] == (pytest.approx(value, rel=1e-12) if isinstance(value, float)
                                          else value), key
        if "unit" in options:
            pd.testing.assert_frame_equal(a.distribution, b.distribution)
            assert a.detail == b.detail


def test_sparse_rank_quantile():
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 4, size=(30, 12)) * (rng.random((30, 12)) < 0.4)
    counts[5] = 0  # a unit never ranked
    for level in (0.05, 0.5, 0.95, 1.0):
        np.testing.assert_array_equal(rank_quantile(sparse.csr_array(counts), level),
                                      rank_quantile(counts, level))


def test_counts_memory_is_bounded_by_pairs_not_units_squared():
    # 10⁵ units: dense counts would be 10¹⁰ integers; a few samples keep ~10⁵ pairs each.
    n = 100_000
    pairs = engine._PairCounts(n, n + 1)
    rng = np.random.default_rng(0)
    for _ in range(3):
        units = np.argsort(rng.random((2, n)), axis=1)
        local, rank = engine._rank_pairs(units, np.empty((0, n), dtype=np.int64), np.zeros(2, bool))
        pairs.add(local, rank)
    counts = pairs.tocsr()
    assert counts.shape == (n, n + 1) and counts.sum() == 6 * n
    assert counts.data.nbytes + counts.indices.nbytes <= 6 * n * 16
