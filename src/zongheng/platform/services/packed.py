"""Compressed JSON columns (压缩存储): arrays and records kept in one database column.

Runs and reference data keep panels and results as zlib-compressed JSON: the same on SQLite and
PostgreSQL, readable without the platform, and NaN written as ``null`` (JSON has no NaN).

A blob may carry a *tail* after its zlib stream (:func:`pack` with ``tail=``): bytes the JSON
reader never decompresses. A run keeps its stages there as a NumPy ``.npz`` archive
(:mod:`.run_stages`), so a page that reads the final scores does not pay for them, and a blob
written before tails existed reads back with an empty tail: no schema change.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

__all__ = ["pack", "plain", "tail_of", "unpack", "unpack_with_tail"]


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
