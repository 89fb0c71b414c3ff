"""Reading user tables (表格读取): CSV in UTF-8 or GB18030, Excel, Parquet, DataFrames.

Tables are read with every cell as it was written, so that the callers can name
the exact cell of a bad value: CSV cells are text (pandas ``str`` columns backed
by Arrow, compact and converted to numbers by :func:`parse_numbers` without a
Python loop), Excel cells are the Python values openpyxl reads, Parquet and
DataFrame columns keep their types.

What a reader does not pass on silently:

* **Excel cells without a value**: a formula whose result was never computed
  (a workbook written by a script; Excel stores the last result, other tools
  often do not), an error cell (``#DIV/0!``, ``#REF!``, ``#N/A`` …) and
  ``TRUE``/``FALSE`` become :class:`BadCell` values, which are not numbers: the
  callers report them with their cell instead of reading them as missing (and
  then imputing them) or as 1 and 0.
* **Hidden sheets**: without ``sheet=``, the first *visible* sheet is read (a
  hidden first sheet is usually a stale copy); naming a hidden sheet reads it.
* **Sheets larger than they look**: Excel cells are read from the cells that
  exist (a sheet whose dimension claims ``A1:XFD1048576`` because of one stray
  cell is read as its real cells), with at most :data:`MAX_EXCEL_ROWS` rows,
  :data:`MAX_EXCEL_CELLS` filled cells and :data:`MAX_TABLE_CELLS` cells in the
  rectangle of used rows and columns; past these the error says so.
* **Control characters** (``\\x00``–``\\x08``, ``\\x0b``, ``\\x0c``, ``\\x0e``–``\\x1f``,
  from Word or PDF pastes) are removed from every text cell and header
  (:mod:`zongheng.io.cells`), so no writer later fails on them.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import re
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from zongheng.errors import DataError, Problem
from zongheng.i18n import register_messages
from zongheng.io.cells import CONTROL_CHARS, clean_frame, clean_text
from zongheng.io.text import read_text_any

__all__ = [
    "MAX_EXCEL_CELLS",
    "MAX_EXCEL_ROWS",
    "MAX_TABLE_CELLS",
    "BadCell",
    "Table",
    "blank_cells",
    "column_letter",
    "number_problem",
    "parse_number",
    "parse_numbers",
    "read_table",
    "read_text_any",
]

# Spellings of a missing value in Chinese and English spreadsheets.
MISSING_MARKERS = frozenset({"", "na", "n/a", "#n/a", "nan", "null", "none", "-", "--", "—", "——",
                             "…", "...", "缺失", "无数据", "/"})

MAX_EXCEL_ROWS = 1_048_576
"""Rows of an Excel sheet read at most: the most Excel itself allows."""
MAX_EXCEL_CELLS = 20_000_000
"""Filled cells of an Excel sheet read at most (openpyxl reads some 10⁵ cells a second)."""
MAX_TABLE_CELLS = 50_000_000
"""Cells of the rectangle spanned by an Excel sheet's used rows and columns (8 bytes each in memory)."""

register_messages({
    "sheet_not_excel": (
        "--sheet {sheet} 只用于 Excel 文件（.xlsx），此文件不是 Excel 工作簿；"
        "请去掉 --sheet 或改用 Excel 文件",
        "--sheet {sheet} applies to Excel files (.xlsx) only and this file is not a workbook: "
        "leave --sheet out or give the Excel file",
    ),
    "csv_delimiter": (
        "表头只有一列，列名中含有{name}（{header}）：文件看来是用{name}分隔的，而 .csv 须用逗号分隔；"
        "请在 Excel 中另存为“CSV（逗号分隔）”，或{hint}",
        "the header has one column whose name contains {name_en} ({header}): the file seems to be "
        "separated by {name_en}, but a .csv must be separated by commas: save it from Excel as "
        "\"CSV (comma delimited)\", or {hint_en}",
    ),
    "cell_formula": (
        "公式 {value} 没有计算结果（指标 {indicator}；文件可能由程序生成，未经 Excel 计算）；"
        "请在 Excel 中打开并保存，或填入数值",
        "the formula {value} has no computed result (indicator {indicator}; the file was probably "
        "written by a program, not saved by Excel): open and save it in Excel, or enter the value",
    ),
    "cell_error": (
        "单元格是 Excel 错误值 {value}，不是数字（指标 {indicator}）；请修正公式或留空",
        "the cell is the Excel error {value}, not a number (indicator {indicator}): fix the formula "
        "or leave it empty",
    ),
    "cell_boolean": (
        "单元格是逻辑值 {value}，不是数字（指标 {indicator}）；请填 1/0 或数值",
        "the cell is the logical value {value}, not a number (indicator {indicator}): enter 1/0 or "
        "the value",
    ),
    "sheet_too_many_rows": (
        "工作表超过 {limit} 行（Excel 的上限），文件不是 Excel 保存的；请另存为 CSV 或 Parquet",
        "the sheet has more than {limit} rows (the most Excel allows), so Excel did not write it: "
        "save it as CSV or Parquet",
    ),
    "sheet_too_many_cells": (
        "工作表有超过 {limit} 个非空单元格；这么大的数据请另存为 CSV 或 Parquet（读取快得多）",
        "the sheet has more than {limit} filled cells: save data this large as CSV or Parquet "
        "(much faster to read)",
    ),
    "sheet_too_wide": (
        "工作表的已用区域为 {rows} 行 × {columns} 列（到 {last}），超过 {limit} 个单元格；"
        "多半是远处有零散内容（如 {far}），请删除后再读",
        "the sheet's used range is {rows} rows × {columns} columns (to {last}), more than {limit} "
        "cells; probably a stray entry far away (such as {far}): delete it and read again",
    ),
})


@dataclass(frozen=True, slots=True)
class BadCell:
    """An Excel cell that shows something but holds no usable value (无效单元格).

    Attributes
    ----------
    kind : str
        ``"formula"`` (a formula without a computed result), ``"error"``
        (``#DIV/0!``, ``#REF!``, ``#N/A`` …) or ``"boolean"`` (``TRUE``/``FALSE``).
    text : str
        What the cell shows or holds: ``=D2*2``, ``#DIV/0!``, ``TRUE``.
    """

    kind: str
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Table:
    """A table as read, with what is needed to name a cell.

    Attributes
    ----------
    frame : pandas.DataFrame
        Cells as written (see the module docstring); column names stripped of
        spaces. The index counts every data row as read, blank rows included,
        so that :meth:`row_number` can name the row even after blank rows are
        dropped.
    file : str or None
        The file name shown in messages.
    sheet : str or None
        The Excel sheet, if any.
    header_row : int
        The spreadsheet row number of the header (1 for a plain file).
    letters : tuple of str, optional
        The spreadsheet letter of each column when the columns are not A, B, C …
        in order (an Excel sheet whose empty columns were left out).
    """

    frame: pd.DataFrame
    file: str | None = None
    sheet: str | None = None
    header_row: int = 1
    letters: tuple[str, ...] | None = None

    def row_number(self, position: int) -> int:
        """Return the row number the user sees for a data row position.

        Blank rows dropped on reading still count, so the number matches the
        spreadsheet (header is row ``header_row``).
        """
        return self.header_row + 1 + int(self.frame.index[position])

    def letter(self, column: Hashable) -> str:
        """Return the spreadsheet letter of a column (列号)."""
        position = list(self.frame.columns).index(column)
        return self.letters[position] if self.letters is not None else column_letter(position)

    def where(self, position: int | None = None, column: str | None = None) -> dict:
        """Return Problem location keywords for a data row position and column."""
        loc: dict = {"file": self.file, "sheet": self.sheet}
        row = None if position is None else self.row_number(position)
        if column is not None:
            letter = self.letter(column)
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


def read_table(source: str | Path | pd.DataFrame, *, sheet: str | int | None = None,
               prefer: tuple[str, ...] = ()) -> Table:
    """Read a table from a path (.csv, .xlsx, .xlsm, .parquet) or a DataFrame.

    Parameters
    ----------
    source : path or DataFrame
        The table. CSV is decoded as UTF-8 (with or without BOM), else GB18030
        (which covers GBK and GB2312).
    sheet : str or int, optional
        Excel sheet name or 0-based position; by default the first visible
        sheet (a hidden sheet is read only when named).
    prefer : tuple of str
        Sheet names to use, in order, when ``sheet`` is not given and the
        workbook has one of them visible (e.g. the 数据 sheet of a data-entry template).

    Returns
    -------
    Table

    Raises
    ------
    DataError
        If the file is missing, unreadable, of an unknown type, empty, or an
        Excel sheet is past the limits of the module docstring.
    """
    if isinstance(source, pd.DataFrame):
        return _finish(Table(clean_frame(_with_plain_index(source)), file=None))
    path = Path(source)
    file = path.name
    if not path.exists():
        raise DataError([Problem("file_not_found", file=str(path))])
    suffix = path.suffix.lower()
    if sheet is not None and suffix not in (".xlsx", ".xlsm"):
        # A sheet named for a CSV would otherwise be ignored without a word (known #16).
        raise DataError([Problem("sheet_not_excel", {"sheet": sheet}, file=file)])
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            table = Table(_read_csv(path, "\t" if suffix == ".tsv" else ","), file=file)
        elif suffix in (".xlsx", ".xlsm"):
            table = _read_excel(path, sheet, prefer)
        elif suffix == ".parquet":
            table = Table(clean_frame(_with_plain_index(pd.read_parquet(path))), file=file)
        else:
            raise DataError([Problem("file_unsupported", {"suffix": suffix}, file=file)])
    except DataError:
        raise
    except pd.errors.EmptyDataError:
        raise DataError([Problem("file_empty", file=file)]) from None
    except Exception as exc:  # the reader's own message names what it could not parse
        detail = str(exc) or type(exc).__name__  # MemoryError has no message
        raise DataError([Problem("file_unreadable", {"detail": detail}, file=file)]) from None
    return _finish(table)


def _with_plain_index(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with a 0-based row index; a named index (``set_index("unit")``) becomes columns."""
    unnamed = all(name is None for name in frame.index.names)
    return frame.reset_index(drop=unnamed)


# -- CSV ------------------------------------------------------------------------------------------


def _read_csv(path: Path, sep: str) -> pd.DataFrame:
    """Read every cell as text: Arrow's reader first (compact), pandas' for what Arrow rejects.

    Arrow's reader holds the text once, in Arrow strings, and converts nothing;
    it needs every row to have every field. A file with short rows (which pandas
    pads) or an encoding Arrow cannot read is read by pandas instead.
    """
    header, encoding = _csv_header(path, sep)
    if header is None:
        raise pd.errors.EmptyDataError
    if encoding is None:
        raise DataError([Problem("file_encoding", file=path.name)])
    _check_delimiter(header, sep, path.name)
    frame = _read_csv_arrow(path, sep, header, encoding)
    if frame is None:
        frame = _read_csv_pandas(path, sep, encoding)
    if _has_control_bytes(path):
        frame = clean_frame(frame)
    return frame


# Separators a spreadsheet export may use instead of the comma, as said in a message.
_OTHER_SEPARATORS = {"\t": ("制表符", "tabs", "把扩展名改为 .tsv", "rename it to .tsv"),
                     ";": ("分号", "semicolons", "把分号换成逗号", "replace them by commas")}


def _check_delimiter(header: list[str], sep: str, file: str) -> None:
    """Refuse a comma file whose one header field is split by another separator.

    Without this the table reads as one column and the user is told there is no unit column,
    which hides the cause (reliability review F_tabs, F_semi).
    """
    if sep != "," or len(header) != 1:
        return
    for other, (name, name_en, hint, hint_en) in _OTHER_SEPARATORS.items():
        if other in header[0]:
            raise DataError([Problem("csv_delimiter", {
                "name": name, "name_en": name_en, "header": header[0][:60].replace("\t", "\\t"),
                "hint": hint, "hint_en": hint_en}, file=file)])


def _csv_header(path: Path, sep: str) -> tuple[list[str] | None, str | None]:
    """Return the header fields and the encoding (``None`` if neither decodes the file's start)."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not merely a character cut at the 1 MiB boundary
                continue
            text = head[:exc.start].decode(encoding)
        if not text.strip():
            return None, encoding
        row = next(csv.reader(io.StringIO(text), delimiter=sep), None)
        return (row if row else None), encoding
    return [], None


def _unique_names(header: list[str]) -> list[str]:
    """Return pandas' column names for a header: ``Unnamed: 3`` for a blank, ``a.1`` for a repeat."""
    names: list[str] = []
    used: dict[str, int] = {}
    for i, name in enumerate(header):
        name = name if name.strip() else f"Unnamed: {i}"
        if name in used:
            base = name
            while name in used:
                used[base] += 1
                name = f"{base}.{used[base]}"
        used[name] = 0
        names.append(name)
    return names


def _read_csv_arrow(path: Path, sep: str, header: list[str], encoding: str) -> pd.DataFrame | None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = _unique_names(header)
    for enc in ("utf8", "gb18030") if encoding == "utf-8-sig" else ("gb18030",):
        try:
            table = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(encoding=enc, column_names=names, skip_rows=1),
                parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True,
                                                 ignore_empty_lines=False),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                    quoted_strings_can_be_null=False))
        except UnicodeDecodeError:
            return None
        except pa.ArrowInvalid as exc:
            if "invalid UTF8" in str(exc):
                continue  # a GBK file whose first MiB happens to be plain ASCII
            return None  # short rows, a stray quote …: pandas reads or explains it
        frame = table.to_pandas()
        del table
        return frame
    return None


def _read_csv_pandas(path: Path, sep: str, encoding: str) -> pd.DataFrame:
    for enc in dict.fromkeys((encoding, "gb18030")):
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep, encoding=enc,
                               skip_blank_lines=False)
        except UnicodeDecodeError:
            continue
    raise DataError([Problem("file_encoding", file=path.name)])


_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])


def _has_control_bytes(path: Path) -> bool:
    """Whether the file has a control character, scanned in blocks (memory stays flat).

    The bytes 0x00–0x1f are never part of a multi-byte character in UTF-8 or
    GB18030, so a byte scan finds exactly the characters that need removing.
    ``bytes.translate`` deleting them is several times faster than a regex search.
    """
    with open(path, "rb") as handle:
        while block := handle.read(1 << 24):
            if len(block.translate(None, _CONTROL_BYTES)) != len(block):
                return True
    return False


# -- Excel ----------------------------------------------------------------------------------------


def _read_excel(path: Path, sheet: str | int | None, prefer: tuple[str, ...] = ()) -> Table:
    import openpyxl

    from zongheng.io.zipcheck import check_zip

    check_zip(path)     # before openpyxl unpacks anything
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = book.worksheets
        names = [ws.title for ws in sheets]
        visible = [ws.title for ws in sheets if ws.sheet_state == "visible"] or names
        if sheet is None:
            name = next((n for n in prefer if n in visible), visible[0])
        else:
            known = sheet in names or (isinstance(sheet, int) and not isinstance(sheet, bool)
                                       and -len(names) <= sheet < len(names))
            if not known:
                raise DataError([Problem("sheet_missing", {"sheet": sheet, "found": ", ".join(names)},
                                         file=path.name)])
            name = sheet if isinstance(sheet, str) else names[sheet]
        ws = book[name]
        rows, columns, values = _sheet_cells(ws, path.name)
    finally:
        book.close()
    return _excel_table(rows, columns, values, path.name, name)


def _sheet_cells(ws, file: str) -> tuple[list[int], list[int], list[object]]:
    """Return the row, column and value of every cell that holds something.

    openpyxl's read-only sheet pads every row to the sheet's declared dimension
    (one stray cell at XFD1048576 makes that 1.7e10 cells), so its row parser
    is used directly: it yields only the cells present in the file. The parser
    reads cached results (``data_only``) and is told to keep the formula of a
    cell that has none (:class:`BadCell`).
    """
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                formula = element.findtext(FORMULA_TAG) or ""
                cell["value"] = BadCell("formula", f"={formula}" if formula else "=…")
            elif cell["data_type"] == "e":
                cell["value"] = BadCell("error", str(cell["value"]))
            elif cell["data_type"] == "b" and cell["value"] is not None:
                cell["value"] = BadCell("boolean", "TRUE" if cell["value"] else "FALSE")
            return cell

    book = ws.parent
    rows: list[int] = []
    columns: list[int] = []
    values: list[object] = []
    with ws._get_source() as source:
        parser = Parser(source, ws._shared_strings, data_only=True, epoch=book.epoch,
                        date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        for row, cells in parser.parse():
            if row > MAX_EXCEL_ROWS:
                raise DataError([Problem("sheet_too_many_rows", {"limit": f"{MAX_EXCEL_ROWS:,}"},
                                         file=file, sheet=ws.title)])
            for cell in cells:
                value = cell["value"]
                if value is None:
                    continue  # formatted but empty
                if isinstance(value, str) and ("_x" in value or CONTROL_CHARS.search(value)):
                    value = clean_text(_XSTRING.sub(_unescape, value))
                rows.append(row)
                columns.append(cell["column"])
                values.append(value)
            if len(values) > MAX_EXCEL_CELLS:
                raise DataError([Problem("sheet_too_many_cells", {"limit": f"{MAX_EXCEL_CELLS:,}"},
                                         file=file, sheet=ws.title)])
    return rows, columns, values


# Control characters, which XML cannot hold, are stored as _x0001_ … _x001F_ (ECMA-376
# ST_Xstring). openpyxl leaves these escapes in the text (it only drops the x005F_ of an escaped
# underscore, so other _xHHHH_ may be literal text): undo the control ones, as Excel shows them.
_XSTRING = re.compile(r"_x00[01][0-9A-Fa-f]_")


def _unescape(match: re.Match) -> str:
    return chr(int(match.group(0)[2:6], 16))


def _excel_table(rows: list[int], columns: list[int], values: list[object], file: str,
                 sheet: str) -> Table:
    """Lay the cells out: header from the first used row, one column per used column."""
    if not values:
        return Table(pd.DataFrame(), file=file, sheet=sheet)
    row_ids = np.asarray(rows)
    col_ids = np.asarray(columns)
    used_rows, row_pos = np.unique(row_ids, return_inverse=True)
    used_cols, col_pos = np.unique(col_ids, return_inverse=True)
    if len(used_rows) * len(used_cols) > MAX_TABLE_CELLS:
        far = int(np.argmax(row_ids * (1 << 15) + col_ids))
        raise DataError([Problem("sheet_too_wide", {
            "rows": f"{len(used_rows):,}", "columns": f"{len(used_cols):,}",
            "last": f"{column_letter(int(col_ids.max()) - 1)}{int(row_ids.max())}",
            "limit": f"{MAX_TABLE_CELLS:,}",
            "far": f"{column_letter(int(col_ids[far]) - 1)}{int(row_ids[far])}"},
            file=file, sheet=sheet)])
    grid = np.full((len(used_rows), len(used_cols)), None, dtype=object)
    grid[row_pos, col_pos] = np.fromiter(values, dtype=object, count=len(values))
    header_row = int(used_rows[0])
    # A blank header cell is named by its position in the sheet, as pandas does.
    header = [str(v) if v is not None and str(v).strip() else f"Unnamed: {int(c) - 1}"
              for v, c in zip(grid[0], used_cols, strict=True)]
    names = _unique_names(header)
    body = grid[1:]
    index = pd.Index(used_rows[1:] - header_row - 1)  # data row offsets, blank rows counted
    frame = pd.DataFrame({i: body[:, i] for i in range(len(names))}, index=index, dtype=object)
    frame.columns = names
    letters = tuple(column_letter(int(c) - 1) for c in used_cols)
    return Table(frame, file=file, sheet=sheet, header_row=header_row, letters=letters)


# -- all sources ----------------------------------------------------------------------------------


def _finish(table: Table) -> Table:
    """Strip the headers, drop blank rows (keeping row positions) and blank trailing columns."""
    frame = table.frame
    frame.columns = [str(c).strip() for c in frame.columns]
    original = frame
    blank = _blank_rows(frame)
    if blank.any():
        frame = frame.loc[~blank]
    # Columns without a header and without a value at the right edge (formatted but empty
    # spreadsheet columns, trailing commas); dropping only trailing ones keeps column letters.
    keep = len(frame.columns)
    while keep and _unnamed(frame.columns[keep - 1]) and blank_cells(original.iloc[:, keep - 1]).all():
        keep -= 1
    if keep < len(frame.columns):
        frame = frame.iloc[:, :keep]
    if frame.empty or len(frame.columns) == 0:
        raise DataError([Problem("file_empty", file=table.file, sheet=table.sheet)])
    letters = table.letters[:keep] if table.letters is not None else None
    return Table(frame, table.file, table.sheet, table.header_row, letters)


def _unnamed(header: str) -> bool:
    return not header or header.startswith("Unnamed: ")


def blank_cells(series: pd.Series) -> np.ndarray:
    """Return which cells are blank (空单元格): missing, or text of spaces only (vectorised)."""
    blank = series.isna().to_numpy(dtype=bool, copy=True)
    if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        try:
            stripped = series.str.strip()
        except AttributeError:  # an object column without any text
            return blank
        blank |= stripped.eq("").fillna(False).to_numpy(dtype=bool)
    return blank


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Return which rows are blank everywhere.

    Column by column over the rows still blank so far: the first filled column
    (usually the unit) rules out almost every row, so the cost is one column's.
    """
    candidates = np.arange(len(frame))
    for position in range(frame.shape[1]):
        if not len(candidates):
            break
        column = frame.iloc[:, position]
        if len(candidates) < len(frame):
            column = column.iloc[candidates]
        candidates = candidates[blank_cells(column)]
    out = np.zeros(len(frame), dtype=bool)
    out[candidates] = True
    return out


# -- numbers --------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(value: object) -> float | None:
    """Return ``value`` as a float, NaN when it marks a missing value, ``None`` if not a number.

    Accepts numbers, numeric strings with thousands separators (``1,234.5``)
    and full-width digits; the missing markers are blank, ``NA``, ``-``, ``—``
    and the like. Booleans, :class:`BadCell` values and infinities are not numbers.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return math.nan
    if isinstance(value, bool | np.bool_ | BadCell):
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


def parse_numbers(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse a column to float64 (解析数值列) as :func:`parse_number` does each cell, vectorised.

    Returns
    -------
    values : numpy.ndarray
        float64, NaN for missing values and for cells that are not numbers.
    bad : numpy.ndarray
        Positions (int) of the cells that are not numbers, in order.

    Notes
    -----
    The plain cases run in numpy or Arrow: a numeric column as it is; a text
    column through Arrow's float parser, with blank cells and the missing
    markers matched in bulk. :func:`parse_number` sees only the cells left
    over: thousands separators, full-width digits and the cells that are
    wrong, which the caller reports one by one anyway.
    """
    dtype = series.dtype
    if dtype.kind in "fiu":
        values = series.to_numpy(dtype=np.float64, copy=True)
        bad = np.flatnonzero(np.isinf(values))
        values[bad] = np.nan
        return values, bad
    if dtype.kind == "b" or isinstance(dtype, pd.BooleanDtype):
        values = np.full(len(series), np.nan)
        return values, np.flatnonzero(series.notna().to_numpy(dtype=bool))
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and not pd.api.types.is_string_dtype(dtype) \
            and pd.api.types.is_numeric_dtype(dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.flatnonzero(np.isinf(values))
        values[bad] = np.nan
        return values, bad
    if dtype.kind != "O" and not pd.api.types.is_string_dtype(dtype):
        series = series.astype(object)  # dates, categories …: judged cell by cell, as written
    arrow = _arrow_strings(series)
    parsed = _parse_arrow(arrow) if arrow is not None else None
    values, leftover = parsed if parsed is not None else _parse_objects(series)
    bad: list[int] = []
    if len(leftover):
        cells = series.iloc[leftover].to_numpy(dtype=object)
        for pos, cell in zip(leftover, cells, strict=True):
            number = parse_number(cell)
            if number is None:
                bad.append(int(pos))
                values[pos] = np.nan
            else:
                values[pos] = number
    return values, np.asarray(bad, dtype=np.int64)


def _arrow_strings(series: pd.Series):
    """Return the column's Arrow string array, or None if it is not one."""
    if not pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
        return None
    array = getattr(series.array, "_pa_array", None)
    return array


def _parse_arrow(array) -> tuple[np.ndarray, np.ndarray] | None:
    """Parse Arrow strings; return the values and the positions left to :func:`parse_number`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    null = pa.scalar(None, pa.string())
    blank = pc.fill_null(pc.equal(array, ""), True)  # "" and missing cells
    strings = pc.if_else(blank, null, array)
    try:
        parsed = pc.cast(strings, pa.float64())
        plain = pc.invert(pc.is_null(parsed))
    except pa.ArrowInvalid:  # some cell is not a plain number: parse the plain ones only
        plain = pc.fill_null(pc.match_substring_regex(strings, _NUMBER.pattern), False)
        try:
            parsed = pc.cast(pc.if_else(plain, strings, null), pa.float64())
        except pa.ArrowInvalid:  # never seen: Arrow parses what the pattern accepts
            return None
    values = parsed.to_numpy(zero_copy_only=False).astype(np.float64, copy=True)
    blank_np = np.asarray(blank.to_numpy(zero_copy_only=False), dtype=bool)
    plain_np = np.asarray(plain.to_numpy(zero_copy_only=False), dtype=bool)
    # Arrow reads "nan", "inf" and "1e999" as floats; those go to the strict parser.
    odd = plain_np & ~np.isfinite(values)
    leftover = ~plain_np & ~blank_np | odd
    values[~plain_np | odd] = np.nan
    positions = np.flatnonzero(leftover)
    if len(positions):
        # Missing markers (NA, —, 无数据 …) in bulk, so that a column of them costs no loop.
        cells = pc.take(array, pa.array(positions))
        marker = pc.is_in(pc.utf8_lower(pc.utf8_trim_whitespace(cells)),
                          value_set=pa.array(sorted(MISSING_MARKERS)))
        marker_np = np.asarray(pc.fill_null(marker, False).to_numpy(zero_copy_only=False), dtype=bool)
        positions = positions[~marker_np]
    return values, positions


def _parse_objects(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse an object column; return the values and the positions left to :func:`parse_number`."""
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, copy=True)
    suspect = ~np.isfinite(values)  # not parsed, or inf
    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) not in (
            "floating", "integer", "mixed-integer-float", "decimal", "string", "empty"):
        # pandas reads True as 1: booleans (and other odd objects) go to the strict parser.
        suspect |= series.map(type).isin((bool, np.bool_)).to_numpy(dtype=bool)
    missing = series.isna().to_numpy(dtype=bool)
    leftover = np.flatnonzero(suspect & ~missing)
    values[suspect] = np.nan
    return values, leftover


def number_problem(value: object) -> str:
    """Return the message key of a non-number cell (非数值单元格): ``non_numeric`` or a BadCell's."""
    if isinstance(value, BadCell):
        return f"cell_{value.kind}"
    if isinstance(value, bool | np.bool_):
        return "cell_boolean"
    return "non_numeric"
