"""Compressed JSON columns (压缩存储): arrays and records kept in one database column.

Runs and reference data keep panels and results as zlib-compressed JSON: the same on SQLite and
PostgreSQL, readable without the platform, and NaN written as ``null`` (JSON has no NaN).
"""

from __future__ import annotations

import json
import zlib
from typing import Any

__all__ = ["pack", "plain", "unpack"]


def pack(obj: Any) -> bytes:
    """Return ``obj`` as compressed JSON."""
    return zlib.compress(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


def unpack(blob: bytes) -> Any:
    """Read back what :func:`pack` wrote."""
    return json.loads(zlib.decompress(blob).decode("utf-8"))


def plain(array: Any) -> list:
    """Return a float array as nested lists, NaN as ``None``."""
    import numpy as np

    array = np.asarray(array, dtype=np.float64)
    return np.where(np.isnan(array), None, array).tolist()
