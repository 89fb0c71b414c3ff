"""The identifiers' hashes of the DuckDB engine's checks: halves, counts and repeats against a plain set."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from zongheng.enterprise.engines import hash_duplicates
from zongheng.enterprise.engines.hash_duplicates import TOP_BIT, Hashes

TOP = int(TOP_BIT)


def _hashes(values: list[int]) -> Hashes:
    con = duckdb.connect()
    con.register("t", pa.table({"h": pa.array(values, type=pa.uint64())}))
    return Hashes(con, "t", "h", len(values))


@pytest.mark.parametrize(("values", "expected"), [
    ([1, 2, 3, TOP, TOP + 1], False),
    ([7, 3, 7], True),                                  # a repeat below the top bit
    ([TOP + 9, 4, TOP + 9], True),                      # a repeat from the top bit up
    ([5, TOP + 5, 2**64 - 1, 0], False),                # the same low bits, not the same hash
    ([2**64 - 1, 0, 2**64 - 1], True),                  # the extremes
    ([], False),
])
def test_repeats_found_in_either_half(values: list[int], expected: bool) -> None:
    hashes = _hashes(values)
    assert sorted(np.concatenate(hashes.halves).tolist()) == sorted(values)
    assert all(v < TOP for v in hashes.halves[0]) and all(v >= TOP for v in hashes.halves[1])
    assert hashes.repeat() is expected
    assert (len(set(values)) < len(values)) is expected


def test_counts_of_one_hash() -> None:
    hashes = _hashes([TOP + 4, 4, 4, TOP + 4, TOP + 4, 9])
    assert [hashes.count(v) for v in (4, TOP + 4, 9, 5, TOP)] == [2, 3, 1, 0, 0]


def test_batches_across_the_stream_match_a_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """Copies that arrive in different batches are found; random tables agree with a set."""
    monkeypatch.setattr(hash_duplicates, "_BATCH", 3)
    rng = np.random.default_rng(7)
    for trial in range(20):
        n = int(rng.integers(1, 60))
        # Both halves: a number below the top bit, doubled for about half of them.
        drawn = rng.integers(0, 2**63, n, dtype=np.uint64) * rng.integers(1, 3, n).astype(np.uint64)
        values = [int(v) for v in drawn]
        if trial % 2:
            values[int(rng.integers(0, n))] = values[0]  # a repeat (of itself when n = 1: no repeat)
        hashes = _hashes(values)
        assert hashes.count(values[-1]) == values.count(values[-1])
        assert hashes.repeat() is (len(set(values)) < len(values)), values


def test_rows_that_do_not_match_the_count_stop() -> None:
    con = duckdb.connect()
    con.register("t", pa.table({"h": pa.array([1, 2, TOP], type=pa.uint64())}))
    for rows in (2, 4):
        with pytest.raises(RuntimeError, match="rows counted"):
            Hashes(con, "t", "h", rows)
