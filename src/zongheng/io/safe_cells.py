"""Spreadsheet cells that never run (公式注入防护): text a spreadsheet would take for a formula.

A unit or a firm named ``=HYPERLINK("http://…","点击")``, ``+cmd|' /C calc'!A0``,
``@SUM(1+1)`` or ``-2+3`` comes from the user's data, and Excel, WPS and
LibreOffice would run it as a formula when the file is opened (CSV), or when
the cell is edited (a text cell whose content looks like a formula). Every
writer of zongheng passes what it writes through this module; the policy is
the one of OWASP's "CSV Injection" page:

* **Triggers.** A text cell is *formula-like* when its first character is
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (:data:`TRIGGERS`).
  Numbers are never touched: ``-0.19`` written as a number is a number.
* **xlsx.** Text is always written as a string cell, never as a formula (the
  xlsxwriter writers use ``write_string``, the openpyxl ones :func:`set_cell`),
  and a formula-like string gets
  Excel's *quote prefix* style (:func:`formula_like` tells the writer), so
  that editing the cell and pressing Enter keeps it text. The text itself is
  unchanged: the name reads back exactly as it was given.
* **CSV.** A CSV has no cell types, so a formula-like text gets a leading
  single quote: ``'=HYPERLINK(…)`` (:func:`csv_cell`, :func:`csv_frame`).
  The quote shows in the spreadsheet, and nothing runs. A tab prefix, the
  other OWASP choice, is invisible and would be stripped by many tools, so
  the quote was chosen: a reader sees that the cell was neutralised.
* **Reading back.** zongheng's own readers undo the quote (:func:`unquote_series`): a CSV it wrote
  (a run's ``data.csv``, a results table) reads back to the names it was written from.
"""


from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zongheng.io.atomic import atomic_write
from zongheng.io.cells import clean_cell, clean_frame

__all__ = ["PREFIX", "TRIGGERS", "csv_cell", "csv_frame", "formula_like", "set_cell", "unquote_series",
           "write_csv"]

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a text as a formula (OWASP)."""

PREFIX = "'"
"""What a formula-like text gets in front of it in a CSV."""


def formula_like(value: Any) -> bool:
    """Return whether ``value`` is text a spreadsheet would read as a formula.

    Examples
    --------
    >>> [formula_like(v) for v in ("=1+1", "-2+3", "@SUM(A1)", "永康市", -2, "")]
    [True, True, True, False, False, False]
    """
    return isinstance(value, str) and value.startswith(TRIGGERS)


def set_cell(cell: Any, value: Any) -> Any:
    """Put a value in an openpyxl cell; text stays text, never a formula (安全写入单元格).

    openpyxl stores any string starting with ``=`` as a formula. Text is
    cleaned of control characters and marked as a string; formula-like text
    also gets Excel's quote prefix, so that editing the cell keeps it text.
    Numbers and blanks are stored as they are. Returns the cell.
    """
    value = clean_cell(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if formula_like(value):
            cell.quotePrefix = True
    return cell


def csv_cell(value: Any) -> Any:
    """Return a cell for a CSV: a formula-like text behind a single quote; anything else as it is.

    Examples
    --------
    >>> csv_cell('=HYPERLINK("http://evil.example","x")'), csv_cell(-2.5), csv_cell("永康市")
    ('\\'=HYPERLINK("http://evil.example","x")', -2.5, '永康市')
    """
    value = clean_cell(value)
    return PREFIX + value if formula_like(value) else value


_QUOTED = "^" + PREFIX + "(?=[" + "".join("\\" + t if t in "-" else t for t in TRIGGERS) + "])"


def unquote_series(series: pd.Series) -> pd.Series:
    """Return text cells with the quote :func:`csv_cell` put before a formula-like text removed.

    Only a quote followed by a trigger is taken off (``'=1+1`` → ``=1+1``); ``'abc`` and numbers are
    left as they are. Vectorised; the same object is returned when nothing changes.

    Examples
    --------
    >>> unquote_series(pd.Series(["'=1+1", "'abc", "永康市", 2.5], dtype=object)).tolist()
    ['=1+1', "'abc", '永康市', 2.5]
    """
    if not (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)):
        return series
    text = series.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    if not text.any():
        return series
    quoted = np.zeros(len(series), dtype=bool)
    quoted[text] = series[text].astype(str).str.contains(_QUOTED, regex=True).to_numpy(dtype=bool)
    if not quoted.any():
        return series
    out = series.astype(object).copy()
    out[quoted] = series[quoted].astype(str).str.slice(len(PREFIX))
    return out


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` ready for a CSV: formula-like text cells and headers neutralised.

    Control characters are removed as for the xlsx writers
    (:func:`zongheng.io.cells.clean_frame`). Vectorised per text column; numeric
    columns are left alone.
    """
    out = clean_frame(frame)
    changed = {}
    for position in range(out.shape[1]):
        series = out.iloc[:, position]
        if not (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)):
            continue
        text = series.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
        if not text.any():
            continue
        starts = np.zeros(len(series), dtype=bool)
        starts[text] = series[text].astype(str).str.startswith(TRIGGERS).to_numpy(dtype=bool)
        if starts.any():
            fixed = series.astype(object).copy()
            fixed[starts] = PREFIX + series[starts].astype(str)
            changed[position] = fixed
    columns = [csv_cell(c) for c in out.columns]
    if not changed and columns == list(out.columns):
        return out
    out = out.copy(deep=False)
    for position, series in changed.items():
        out.isetitem(position, series)
    out.columns = columns
    return out


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV for Excel and WPS (UTF-8 with BOM), neutralised, all at once.

    Parameters
    ----------
    frame : DataFrame
        Headers and cells as they should read (see :func:`csv_frame`); the index is not written.
    path : path

    Returns
    -------
    Path
        The file written (see :func:`zongheng.io.atomic.atomic_write`).
    """
    safe = csv_frame(frame)
    return atomic_write(path, lambda tmp: safe.to_csv(tmp, index=False, encoding="utf-8-sig"))
