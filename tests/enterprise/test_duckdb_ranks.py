"""The DuckDB engine's ranks: chained competition ranks followed batch by batch over one sorted key.

``_Grading._ranks`` sorts the ranked firms on a packed key (branch, cell from the top, NULLs last)
and walks the chains in numpy, batch by batch. These tests give it cells directly (no grading) and
compare every rank with a plain loop written from the rule: per branch, cells from the highest,
a firm starts a new rank when the firm above is at least τ cells higher (or above is NULL).
"""

from types import SimpleNamespace

import numpy as np
import pytest

duckdb = pytest.importorskip("duckdb")

from zongheng.enterprise.engines import duckdb_engine as de  # noqa: E402


def _expected(branch: list[int | None], cell: list[int | None], ranked: list[bool],
              limits: dict[int, int]) -> list[int]:
    """Return the ranks by the rule, one firm at a time (0: not ranked)."""
    rank = [0] * len(cell)
    for b, lim in limits.items():
        rows = [i for i in range(len(cell)) if ranked[i] and branch[i] == b]
        # Highest cell first, NULL cells last, equal cells (and NULLs) in the table's order.
        rows.sort(key=lambda i: (cell[i] is None, -(cell[i] or 0), i))
        start = 0
        for place, i in enumerate(rows):
            above = rows[place - 1] if place else None
            if above is None or cell[above] is None or (cell[i] is not None and cell[above] - cell[i] >= lim):
                start = place
            rank[i] = start + 1
    return rank


def _ranks(branch, cell, ranked, limits, monkeypatch, batch: int) -> list[int]:
    con = duckdb.connect()
    con.execute("CREATE TABLE scored (__rn INTEGER, branch_no UTINYINT, ranked BOOLEAN, c BIGINT)")
    con.executemany("INSERT INTO scored VALUES (?, ?, ?, ?)",
                    [(i, b, r, c) for i, (b, r, c) in enumerate(zip(branch, ranked, cell, strict=True))])
    grading = object.__new__(de._Grading)
    grading.con, grading.n = con, len(cell)
    grading.rule = SimpleNamespace(branches=[None] * (max(limits) + 1))
    grading.grid = {b: (0.0, 0.0, lim, 0, ()) for b, lim in limits.items()}
    monkeypatch.setattr(de, "_RANK_BATCH", batch)
    try:
        return grading._ranks("c").tolist()
    finally:
        con.close()


@pytest.mark.parametrize("batch", [1, 3, 1 << 20])
def test_gaps_of_exactly_tau_split_and_smaller_gaps_chain(batch, monkeypatch):
    # Branch 0, τ = 16 cells: 1000 and 984 are τ apart (two ranks); 984, 969, 954 chain (gaps of 15).
    cell = [1000, 984, 969, 954, 900, 900, 0, 16, 15]
    branch = [0] * len(cell)
    ranked = [True] * len(cell)
    got = _ranks(branch, cell, ranked, {0: 16}, monkeypatch, batch)
    assert got == _expected(branch, cell, ranked, {0: 16})
    assert got == [1, 2, 2, 2, 5, 5, 7, 7, 7]


@pytest.mark.parametrize("batch", [1, 4, 1 << 20])
def test_branches_unranked_firms_and_null_cells(batch, monkeypatch):
    # Two branches with their own τ, firms that are not ranked (rank 0), and NULL cells (last;
    # a NULL after a number takes that number's rank, a NULL after a NULL starts one).
    cell = [50, 7, None, 50, 49, 3, None, 45, 0, 2**44 + 1, None, 44]
    branch = [0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 1]
    ranked = [True, True, True, True, True, False, True, True, True, True, True, True]
    limits = {0: 5, 1: 2}
    got = _ranks(branch, cell, ranked, limits, monkeypatch, batch)
    assert got == _expected(branch, cell, ranked, limits)
    assert got[5] == 0
    assert got[9] == 1  # the highest cell the grid can hold (2**44 + 1) sorts first


def test_random_cells_in_many_batches(monkeypatch):
    rng = np.random.default_rng(7)
    n = 3000
    branch = rng.integers(0, 3, n).tolist()
    cell = [None if rng.random() < 0.02 else int(v) for v in rng.integers(0, 400, n)]
    ranked = (rng.random(n) < 0.9).tolist()
    limits = {0: 1, 1: 3, 2: 9}
    assert _ranks(branch, cell, ranked, limits, monkeypatch, 97) == _expected(branch, cell, ranked, limits)
