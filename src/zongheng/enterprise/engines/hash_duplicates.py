"""The identifiers' 64-bit hashes in numpy: blank identifiers counted, repeats found by sorting.

DuckDB's ``count(DISTINCT hash)`` builds a hash table of every firm (10⁸ firms: ≈ 12 s of the checks'
wall time, one cache miss per firm). Streamed out and sorted instead, the same answer costs a scan of
the identifiers and two sorts of half the hashes each, one per core: equal hashes have the same top
bit, so each half is checked on its own. The checks' own scan then reads no identifier at all: a
blank one is the hash of the empty text (10⁸ firms: the identifiers' part of that scan was 3.7 s).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import duckdb

#: The top bit of a hash: the halves are the hashes below it and from it up.
TOP_BIT = np.uint64(1 << 63)

#: Hashes per batch streamed out of DuckDB.
_BATCH = 1 << 20


class Hashes:
    """Every row's hash of ``relation``, in two arrays: below :data:`TOP_BIT`, and from it up.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The connection holding ``relation``.
    relation : str
        The table or view (SQL) to read, every row of it: a filter here cost more than the scan
        (10⁷ firms through the engine's views: 0.9–1.1 s against 0.4–0.6 s).
    column : str
        A UBIGINT column of hashes.
    rows : int
        The rows of ``relation``. Each half gets an array of that size, filled as far as needed:
        the pages never written are never given memory.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, relation: str, column: str, rows: int) -> None:
        full = (np.empty(rows, dtype=np.uint64), np.empty(rows, dtype=np.uint64))
        at = [0, 0]
        for batch in con.sql(f"SELECT {column} FROM {relation}").to_arrow_reader(_BATCH):
            got = batch.column(0).to_numpy()
            top = got >= TOP_BIT
            for i, part in enumerate((got[~top], got[top])):
                end = at[i] + part.size
                if end > rows:  # the rows came from another scan: a mismatch is a bug, not bad input
                    raise RuntimeError(f"{relation}: more than the {rows} rows counted")
                full[i][at[i]:end] = part
                at[i] = end
        if sum(at) != rows:
            raise RuntimeError(f"{relation}: {sum(at)} hashes read, {rows} rows counted")
        self.halves = (full[0][:at[0]], full[1][:at[1]])

    def count(self, value: int) -> int:
        """Return how many rows have the hash ``value``."""
        half = self.halves[int(np.uint64(value) >= TOP_BIT)]
        return int(np.count_nonzero(half == np.uint64(value)))

    def repeat(self) -> bool:
        """Return whether two rows have the same hash (the halves are sorted in place)."""
        low, high = self.halves
        # numpy's sort lets go of the GIL: the two halves sort on two cores.
        side = threading.Thread(target=high.sort)
        side.start()
        low.sort()
        side.join()
        return bool(np.any(low[1:] == low[:-1]) or np.any(high[1:] == high[:-1]))
