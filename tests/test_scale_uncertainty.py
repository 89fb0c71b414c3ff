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


@pytest.mark.parametrize("shards", [1, 3, 64])
def test_pair_counts_merge_equals_a_plain_count(monkeypatch, shards):
    # Buffered keys, weighted keys (a static combination stands for many samples), duplicates
    # within an add and across merges, rows never ranked, shards of rows (more shards than rows
    # too): equal to np.add.at on a dense array.
    monkeypatch.setattr(engine, "_COMPACT_PAIRS", 50)
    monkeypatch.setattr(engine, "_SHARDS", shards)
    rng = np.random.default_rng(3)
    n_rows, n_ranks = 40, 41
    pairs = engine._PairCounts(n_rows, n_ranks)
    dense = np.zeros((n_rows, n_ranks), dtype=np.int64)
    for step in range(60):
        size = int(rng.integers(0, 30))
        rows = rng.integers(0, n_rows - 3, size)  # the last rows stay empty
        ranks = rng.integers(0, n_ranks, size)
        weight = 1 if step % 3 else int(rng.integers(2, 500))
        pairs.add(rows, ranks, weight)
        np.add.at(dense, (rows, ranks), weight)
    counts = pairs.tocsr()
    assert counts.has_canonical_format and counts.dtype == np.int64
    np.testing.assert_array_equal(counts.toarray(), dense)
    assert counts.nnz == np.count_nonzero(dense)


def test_merge_sorted_adds_and_inserts():
    keys, counts = np.array([2, 5, 9]), np.array([1, 1, 1])
    merged = engine._merge_sorted(keys, counts, np.array([0, 5, 7, 12]), np.array([3, 4, 5, 6]))
    np.testing.assert_array_equal(merged[0], [0, 2, 5, 7, 9, 12])
    np.testing.assert_array_equal(merged[1], [3, 1, 5, 5, 1, 6])


def test_first_sparse_chunk_is_taken_without_a_copy():
    total = engine.empty_counts(5000, 5001)
    part = sparse.csr_array(([3], ([7], [9])), shape=(5000, 5001), dtype=np.int64)
    assert engine.add_counts(total, part) is part
    again = engine.add_counts(part, part)
    assert again[7, 9] == 6


def test_pair_counts_widen_past_int32():
    pairs = engine._PairCounts(10, 11)
    pairs.add(np.array([1]), np.array([3]), weight=2**31 - 10)
    assert pairs.dtype is np.int32
    pairs._merge()
    pairs.add(np.array([1, 5]), np.array([3, 6]), weight=100)  # 2³¹ − 10 + 200 > int32
    assert pairs.dtype is np.int64
    counts = pairs.tocsr().toarray()
    assert counts[1, 3] == 2**31 + 90 and counts[5, 6] == 100 and counts.sum() == 2**31 + 190
