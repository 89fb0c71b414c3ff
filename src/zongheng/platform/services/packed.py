"""Compressed JSON columns (压缩存储): arrays and records kept in one database column.

Runs and reference data keep panels and results as zlib-compressed JSON: the same on SQLite and
PostgreSQL, readable without the platform, and NaN written as ``null`` (JSON has no NaN).

A blob may carry a *tail* after its zlib stream (:func:`pack` with ``tail=``): bytes the JSON
reader never decompresses. A run keeps its arrays there (scores, ranks, every stage) as a NumPy
``.npz`` archive (:func:`arrays`, :func:`open_arrays`): a national run's scores are 3 million
floats, which JSON takes seconds to parse and an ``.npz`` member a fraction of one, and each member
is read only when asked for. A blob written before tails existed reads back with an empty tail
and its arrays in the JSON: no schema change.
"""

from __future__ import annotations

import io
import json
import zlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = ["arrays", "open_arrays", "pack", "plain", "ranks_from", "ranks_to", "tail_of", "unpack",
           "unpack_with_tail"]


def pack(obj: Any, *, tail: bytes = b"") -> bytes:
    """Return ``obj`` as compressed JSON, followed by ``tail`` (see :func:`tail_of`)."""
    return zlib.compress(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                         6) + tail


def _split(blob: bytes) -> tuple[bytes, bytes]:
    # A decompressor stops at the end of its stream and hands back what follows it.
    reader = zlib.decompressobj()
    text = reader.decompress(blob) + reader.flush()
    if not reader.eof:
        raise ValueError("truncated packed blob")
    return text, reader.unused_data


def unpack(blob: bytes) -> Any:
    """Read back what :func:`pack` wrote (its tail, if any, is left alone)."""
    return json.loads(_split(blob)[0].decode("utf-8"))


def unpack_with_tail(blob: bytes) -> tuple[Any, bytes]:
    """Read back what :func:`pack` wrote and its tail (``b""`` when it has none)."""
    text, tail = _split(blob)
    return json.loads(text.decode("utf-8")), tail


def tail_of(blob: bytes) -> bytes:
    """Return the bytes after a packed blob's zlib stream (``b""`` for a blob without a tail)."""
    return _split(blob)[1]


def plain(array: Any) -> list:
    """Return a float array as nested lists, NaN as ``None``."""
    import numpy as np

    array = np.asarray(array, dtype=np.float64)
    return np.where(np.isnan(array), None, array).tolist()


def arrays(members: dict[str, Any]) -> bytes:
    """Return named arrays as a compressed ``.npz`` archive (a tail for :func:`pack`)."""
    import numpy as np

    buffer = io.BytesIO()
    np.savez_compressed(buffer, **members)
    return buffer.getvalue()


def open_arrays(tail: bytes) -> Any:
    """Open an :func:`arrays` archive: a mapping whose members are read when asked for.

    The caller closes it (``with open_arrays(tail) as archive: …``). Nothing in it is pickled.
    """
    import numpy as np

    return np.load(io.BytesIO(tail), allow_pickle=False)


def ranks_to(ranks: np.ndarray, n_units: int) -> np.ndarray:
    """Return float ranks (NaN: unranked) as the smallest unsigned integers that hold them, 0 for NaN."""
    import numpy as np

    dtype = np.uint16 if n_units < np.iinfo(np.uint16).max else np.uint32
    return np.where(np.isnan(ranks), 0, ranks).astype(dtype)


def ranks_from(stored: np.ndarray) -> np.ndarray:
    """Read back :func:`ranks_to`: float ranks, NaN where 0."""
    import numpy as np

    kept = stored.astype(np.float64)
    return np.where(kept == 0, np.nan, kept)
