"""Whether two firms share an identifier's 64-bit hash: the hashes sorted in numpy, two halves at once.

DuckDB's ``count(DISTINCT hash)`` builds a hash table of every firm (10⁸ firms: ≈ 12 s of the checks'
wall time, one cache miss per firm). Streamed out and sorted instead, the same answer costs a scan of
the identifiers and two sorts of half the hashes each, one per core: equal hashes have the same top
bit, so each half is checked on its own.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import duckdb

#: The top bit of a hash: the halves are the hashes below it and from it up.
TOP_BIT = 1 << 63

#: Hashes per batch streamed out of DuckDB.
_BATCH = 1 << 20


def split_sql(column: str) -> str:
    """Return the SQL counting the rows of the lower half (hash below the top bit)."""
    return f"count_if({column} < CAST({TOP_BIT} AS UBIGINT))"


def hashes_repeat(con: duckdb.DuckDBPyConnection, relation: str, column: str,
                  halves: tuple[int, int]) -> bool:
    """Return whether two rows of ``relation`` have the same ``column``.

    Every row is read: a filter here cost more than the scan (10⁷ firms through the engine's views:
    0.9–1.1 s against 0.4–0.6 s), so rows not to compare are left out before (the engine asks only
    once no identifier is blank).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The connection holding ``relation``.
    relation : str
        The table or view (SQL) to read.
    column : str
        A UBIGINT column of hashes.
    halves : (int, int)
        How many of those rows have a hash below :data:`TOP_BIT` (:func:`split_sql`) and how many
        from it up: each half is put straight into an array of its size.
    """
    low, high = (np.empty(size, dtype=np.uint64) for size in halves)
    at = [0, 0]
    # The counts came from another scan of the same rows: a mismatch is a bug, not bad input.
    for batch in con.sql(f"SELECT {column} FROM {relation}").to_arrow_reader(_BATCH):
        got = batch.column(0).to_numpy()
        top = got >= np.uint64(TOP_BIT)
        for i, (half, part) in enumerate(((low, got[~top]), (high, got[top]))):
            end = at[i] + part.size
            if end > half.size:
                raise RuntimeError(f"{relation}: more hashes read than the {list(halves)} counted")
            half[at[i]:end] = part
            at[i] = end
    if tuple(at) != tuple(halves):
        raise RuntimeError(f"{relation}: {at} hashes read, {list(halves)} counted")
    # numpy's sort lets go of the GIL: the two halves sort on two cores.
    side = threading.Thread(target=high.sort)
    side.start()
    low.sort()
    side.join()
    return bool(np.any(low[1:] == low[:-1]) or np.any(high[1:] == high[:-1]))
