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

import numpy as np
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
        Cells as written (object dtype); column names stripped of spaces. The
        index counts every data row as read, blank rows included, so that
        :meth:`row_number` can name the row even after blank rows are dropped.
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

    def row_number(self, position: int) -> int:
        """Return the row number the user sees for a data row position.

        Blank rows dropped on reading still count, so the number matches the
        spreadsheet (header is row ``header_row``).
        """
        return self.header_row + 1 + int(self.frame.index[position])

    def where(self, position: int | None = None, column: str | None = None) -> dict:
        """Return Problem location keywords for a data row position and column."""
        loc: dict = {"file": self.file, "sheet": self.sheet}
        row = None if position is None else self.row_number(position)
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


def read_text_any(path: Path) -> str:
    """Read a text file (YAML, CSV) saved as UTF-8 (with or without BOM) or GB18030/GBK.

    Raises
    ------
    DataError
        When neither encoding decodes it.
    """
    text = _decode(Path(path).read_bytes())
    if text is None:
        raise DataError([Problem("file_encoding", file=Path(path).name)])
    return text


def read_table(source: str | Path | pd.DataFrame, *, sheet: str | int | None = None,
               prefer: tuple[str, ...] = ()) -> Table:
    """Read a table from a path (.csv, .xlsx, .xlsm, .parquet) or a DataFrame.

    Parameters
    ----------
    source : path or DataFrame
        The table. CSV is decoded as UTF-8 (with or without BOM), else GB18030
        (which covers GBK and GB2312).
    sheet : str or int, optional
        Excel sheet name or 0-based position; the first sheet by default.
    prefer : tuple of str
        Sheet names to use, in order, when ``sheet`` is not given and the
        workbook has one of them (e.g. the 数据 sheet of a data-entry template).

    Returns
    -------
    Table

    Raises
    ------
    DataError
        If the file is missing, unreadable, of an unknown type or empty.
    """
    if isinstance(source, pd.DataFrame):
        return _finish(Table(_with_plain_index(source).astype(object), file=None))
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
                                skip_blank_lines=False)
            table = Table(frame.astype(object), file=file)
        elif suffix in (".xlsx", ".xlsm"):
            table = _read_excel(path, sheet, prefer)
        elif suffix == ".parquet":
            table = Table(_with_plain_index(pd.read_parquet(path)).astype(object), file=file)
        else:
            raise DataError([Problem("file_unsupported", {"suffix": suffix}, file=file)])
    except DataError:
        raise
    except pd.errors.EmptyDataError:
        raise DataError([Problem("file_empty", file=file)]) from None
    except Exception as exc:  # the reader's own message names what it could not parse
        raise DataError([Problem("file_unreadable", {"detail": str(exc)}, file=file)]) from None
    return _finish(table)


def _with_plain_index(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with a 0-based row index; a named index (``set_index("unit")``) becomes columns."""
    unnamed = all(name is None for name in frame.index.names)
    return frame.reset_index(drop=unnamed)


def _read_excel(path: Path, sheet: str | int | None, prefer: tuple[str, ...] = ()) -> Table:
    with pd.ExcelFile(path, engine="openpyxl") as book:
        names = [str(s) for s in book.sheet_names]
        if sheet is None:
            sheet = next((n for n in prefer if n in names), None)
        known = sheet is None or sheet in names or (
            isinstance(sheet, int) and not isinstance(sheet, bool) and -len(names) <= sheet < len(names))
        if not known:
            raise DataError([Problem("sheet_missing", {"sheet": sheet, "found": ", ".join(names)},
                                     file=path.name)])
        name = sheet if isinstance(sheet, str) else names[sheet or 0]
        frame = pd.read_excel(book, sheet_name=name, dtype=object, header=0)
    return Table(frame, file=path.name, sheet=name)


def _finish(table: Table) -> Table:
    """Strip the headers, drop blank rows (keeping row positions) and blank trailing columns."""
    frame = table.frame
    frame.columns = [str(c).strip() for c in frame.columns]
    original = frame
    frame = frame.loc[~_blank_rows(frame)]
    # Columns without a header and without a value at the right edge (formatted but empty
    # spreadsheet columns, trailing commas); dropping only trailing ones keeps column letters.
    keep = len(frame.columns)
    while keep and _unnamed(frame.columns[keep - 1]) and _blank_column(original, keep - 1).all():
        keep -= 1
    frame = frame.iloc[:, :keep]
    if frame.empty or len(frame.columns) == 0:
        raise DataError([Problem("file_empty", file=table.file, sheet=table.sheet)])
    return Table(frame, table.file, table.sheet, table.header_row)


def _unnamed(header: str) -> bool:
    return not header or header.startswith("Unnamed: ")


def _blank_column(frame: pd.DataFrame, position: int, rows: np.ndarray | None = None) -> np.ndarray:
    """Return which cells of one column (optionally only some rows) are blank."""
    col = frame.iloc[:, position] if rows is None else frame.iloc[rows, position]
    return np.fromiter((_is_blank(v) for v in col), dtype=bool, count=len(col))


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Return which rows are blank everywhere.

    Column by column over the rows still blank so far: the first filled column
    (usually the unit) rules out almost every row, so the cost is one column's.
    """
    candidates = np.arange(len(frame))
    for position in range(frame.shape[1]):
        if not len(candidates):
            break
        candidates = candidates[_blank_column(frame, position, candidates)]
    out = np.zeros(len(frame), dtype=bool)
    out[candidates] = True
    return out


def _is_blank(value: object) -> bool:
    return (value is None or value is pd.NA or _is_nan(value)
            or (isinstance(value, str) and not value.strip()))


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
        number = float(value)
        return number if math.isfinite(number) or math.isnan(number) else None
    text = str(value).strip()
    if text.lower() in MISSING_MARKERS:
        return math.nan
    text = text.translate(_FULL_WIDTH).replace(",", "").replace(" ", "")
    if not _NUMBER.match(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None  # 1e999 overflows to inf: not a value


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+")
