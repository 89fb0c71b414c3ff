"""The duplicate-hash test of the DuckDB engine's checks: sorted halves against a plain set."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from zongheng.enterprise.engines import hash_duplicates
from zongheng.enterprise.engines.hash_duplicates import TOP_BIT, hashes_repeat, split_sql


def _table(values: list[int], keep: list[bool] | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    keep = keep if keep is not None else [True] * len(values)
    con.register("t", pa.table({"h": pa.array(values, type=pa.uint64()), "keep": keep}))
    return con


def _repeat(con: duckdb.DuckDBPyConnection) -> bool:
    """Compare the kept rows' hashes, counted and read as the engine does."""
    kept = "(SELECT h FROM t WHERE keep)"
    low, n = con.execute(f"SELECT {split_sql('h')}, count(*) FROM {kept}").fetchall()[0]
    low = int(low or 0)  # count_if of no rows is NULL
    return hashes_repeat(con, kept, "h", (low, int(n) - low))


def _plain(values: list[int], keep: list[bool]) -> bool:
    kept = [v for v, k in zip(values, keep, strict=True) if k]
    return len(set(kept)) < len(kept)


@pytest.mark.parametrize(("values", "expected"), [
    ([1, 2, 3, TOP_BIT, TOP_BIT + 1], False),
    ([7, 3, 7], True),                                  # a repeat below the top bit
    ([TOP_BIT + 9, 4, TOP_BIT + 9], True),              # a repeat from the top bit up
    ([5, TOP_BIT + 5, 2**64 - 1, 0], False),            # the same low bits, not the same hash
    ([2**64 - 1, 0, 2**64 - 1], True),                  # the extremes
    ([], False),
])
def test_repeats_found_in_either_half(values: list[int], expected: bool) -> None:
    assert _repeat(_table(values)) is expected
    assert _plain(values, [True] * len(values)) is expected


def test_rows_left_out_of_the_relation_are_not_compared() -> None:
    values = [11, 11, TOP_BIT + 3, TOP_BIT + 3, 12]
    keep = [True, False, False, True, True]
    assert _repeat(_table(values, keep)) is False
    assert _repeat(_table(values, [True] * 5)) is True


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
        keep = [bool(k) for k in rng.integers(0, 2, n)] if trial % 3 == 0 else [True] * n
        assert _repeat(_table(values, keep)) is _plain(values, keep), (values, keep)


def test_halves_that_do_not_match_the_rows_stop() -> None:
    con = _table([1, 2, TOP_BIT])
    with pytest.raises(RuntimeError, match="hashes read"):
        hashes_repeat(con, "t", "h", (1, 2))
    with pytest.raises(RuntimeError, match="hashes read"):
        hashes_repeat(con, "t", "h", (2, 2))
