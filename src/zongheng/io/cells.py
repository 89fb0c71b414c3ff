"""Cell text shared by the readers and the writers (单元格文本清理).

Text pasted from Word or PDF often carries C0 control characters: ``\\x0b`` is
Word's soft line break, ``\\x01`` … ``\\x08`` and ``\\x0c`` come with fields and
page breaks. XML 1.0, the format inside ``.xlsx`` and ``.docx``, forbids them, so
openpyxl raises ``IllegalCharacterError`` and python-docx ``ValueError`` on the
first unit name that has one. They are never meaningful in a name or a label:

* the readers (:func:`zongheng.io.tables.read_table`) remove them from every
  text cell and header when a table is read, so names are clean everywhere after;
* the writers (results, the data-entry template, the grading export) pass what
  they write through :func:`clean_cell` / :func:`clean_frame`, for text that did
  not come through a reader (a DataFrame built in Python).

Tab, line feed and carriage return are kept: XML allows them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from zongheng.io.text import CONTROL_CHARS, clean_text

__all__ = ["CONTROL_CHARS", "clean_cell", "clean_frame", "clean_text"]

_PATTERN = CONTROL_CHARS.pattern


def clean_cell(value: Any) -> Any:
    """Return a cell value with control characters removed when it is text; others as they are."""
    return clean_text(value) if isinstance(value, str) else value


def clean_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with control characters removed from its text cells, headers and index.

    Column by column and vectorised; the same object is returned when nothing
    needs cleaning, so a clean frame is not copied.
    """
    changed: dict[Any, pd.Series] = {}
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]
        cleaned = _clean_series(series)
        if cleaned is not series:
            changed[position] = cleaned
    columns = [clean_cell(c) for c in frame.columns]
    index = frame.index
    if index.dtype == object or pd.api.types.is_string_dtype(index.dtype):
        index = pd.Index([clean_cell(v) for v in index], name=index.name) if _any_control(
            pd.Series(index, dtype=index.dtype)) else index
    if not changed and columns == list(frame.columns) and index is frame.index:
        return frame
    out = frame.copy(deep=False)
    for position, series in changed.items():
        out.isetitem(position, series)
    out.columns = columns
    out.index = index
    return out


def _any_control(series: pd.Series) -> bool:
    return bool(_control_mask(series).any())


def _control_mask(series: pd.Series) -> np.ndarray:
    """Return which cells are text holding a control character (False for other cells)."""
    if not (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)):
        return np.zeros(len(series), dtype=bool)
    try:
        found = series.str.contains(_PATTERN, regex=True)
    except AttributeError:  # an object column without any text
        return np.zeros(len(series), dtype=bool)
    return found.astype("boolean").fillna(False).to_numpy(dtype=bool)


def _clean_series(series: pd.Series) -> pd.Series:
    mask = _control_mask(series)
    if not mask.any():
        return series
    out = series.copy()
    out[mask] = series[mask].str.replace(_PATTERN, "", regex=True)
    return out
