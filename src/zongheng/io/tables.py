"""Reading user tables (表格读取): CSV in UTF-8 or GB18030, Excel, Parquet, DataFrames.

Tables are read with every cell as it was written (strings for CSV, Python
values for Excel), so that the callers can name the exact cell of a bad value.
"""

from __future__ import annotations

import io
import math
import numbers
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from zongheng.errors import DataError, Problem

__all__ = ["Table", "column_letter", "parse_number", "read_table"]

# Spellings of a missing value in Chinese and English spreadsheets.
MISSING_MARKERS = frozenset({"", "na", "n/a", "#n/a", "nan", "null", "none", "-", "--", "—", "——",
                             "…", "...", "缺失", "无数据", "/"})


@dataclass(frozen=True)
class Table:
    """A table as read, with what is needed to name a cell.

    Attributes
    ----------
    frame : pandas.DataFrame
        Cells as written (object dtype); column names stripped of spaces.
    file : str or None
        The file name shown in messages.
    sheet : str or None
        The Excel sheet, if any.
    header_row : int
        The spreadsheet row number of the header (1 for a plain file).
    """

    frame: pd.DataFrame
    file: str | None = None
    sheet: str | None = None
    header_row: int = 1

    def where(self, position: int | None = None, column: str | None = None) -> dict:
        """Return Problem location keywords for a data row position and column."""
        loc: dict = {"file": self.file, "sheet": self.sheet}
        row = None if position is None else self.header_row + 1 + position
        if column is not None:
            letter = column_letter(list(self.frame.columns).index(column))
            if row is not None and self.sheet:
                return {"file": self.file, "cell": f"{self.sheet}!{letter}{row}",
                        "column": str(column)}
            loc["column"] = f"{letter} ({column})"
        loc["row"] = row
        return loc


def column_letter(index: int) -> str:
    """Return the spreadsheet letter of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _decode(raw: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def read_table(source: str | Path | pd.DataFrame, *, sheet: str | int | None = None) -> Table:
    """Read a table from a path (.csv, .xlsx, .xlsm, .parquet) or a DataFrame.

    Parameters
    ----------
    source : path or DataFrame
        The table. CSV is decoded as UTF-8 (with or without BOM), else GB18030
        (which covers GBK and GB2312).
    sheet : str or int, optional
        Excel sheet name or 0-based position; the first sheet by default.

    Returns
    -------
    Table

    Raises
    ------
    DataError
        If the file is missing, unreadable, of an unknown type or empty.
    """
    if isinstance(source, pd.DataFrame):
        frame = source.reset_index(drop=True) if _plain_index(source) else source.reset_index()
        table = Table(frame.astype(object), file=None)
        return _finish(table)
    path = Path(source)
    file = path.name
    if not path.exists():
        raise DataError([Problem("file_not_found", file=str(path))])
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            text = _decode(path.read_bytes())
            if text is None:
                raise DataError([Problem("file_encoding", file=file)])
            sep = "\t" if suffix == ".tsv" else ","
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep,
                                skip_blank_lines=True)
            table = Table(frame.astype(object), file=file)
        elif suffix in (".xlsx", ".xlsm"):
            table = _read_excel(path, sheet)
        elif suffix == ".parquet":
            table = Table(pd.read_parquet(path).astype(object), file=file)
        else:
            raise DataError([Problem("file_unsupported", {"suffix": suffix}, file=file)])
    except DataError:
        raise
    except pd.errors.EmptyDataError:
        raise DataError([Problem("file_empty", file=file)]) from None
    except Exception as exc:  # the reader's own message names what it could not parse
        raise DataError([Problem("file_unreadable", {"detail": str(exc)}, file=file)]) from None
    return _finish(table)


def _plain_index(frame: pd.DataFrame) -> bool:
    return isinstance(frame.index, pd.RangeIndex) and frame.index.name is None


def _read_excel(path: Path, sheet: str | int | None) -> Table:
    with pd.ExcelFile(path, engine="openpyxl") as book:
        names = [str(s) for s in book.sheet_names]
        if isinstance(sheet, str) and sheet not in names:
            raise DataError([Problem("sheet_missing", {"sheet": sheet, "found": ", ".join(names)},
                                     file=path.name)])
        name = names[sheet or 0] if not isinstance(sheet, str) else sheet
        frame = book.parse(name, dtype=object, header=0)
    return Table(frame, file=path.name, sheet=name)


def _finish(table: Table) -> Table:
    frame = table.frame
    frame.columns = [str(c).strip() for c in frame.columns]
    # Drop rows that are blank everywhere (trailing rows in spreadsheets); keep positions.
    blank = frame.map(lambda v: v is None or _is_nan(v) or (isinstance(v, str) and not v.strip()))
    frame = frame.loc[~blank.all(axis=1)]
    if frame.empty or len(frame.columns) == 0:
        raise DataError([Problem("file_empty", file=table.file, sheet=table.sheet)])
    return Table(frame, table.file, table.sheet, table.header_row)


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(value: object) -> float | None:
    """Return ``value`` as a float, NaN when it marks a missing value, ``None`` if not a number.

    Accepts numbers, numeric strings with thousands separators (``1,234.5``)
    and full-width digits; the missing markers are blank, ``NA``, ``-``, ``—``
    and the like.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return math.nan
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    text = str(value).strip()
    if text.lower() in MISSING_MARKERS:
        return math.nan
    text = text.translate(_FULL_WIDTH).replace(",", "").replace(" ", "")
    return float(text) if _NUMBER.match(text) else None


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+")
