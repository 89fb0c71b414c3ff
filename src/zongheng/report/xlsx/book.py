"""The generic workbook writer (工作簿写入): tables, formats, print setup, on xlsxwriter.

Every workbook zongheng writes (the unit and whole-evaluation results, the
attainment book, the 亩均 grading, the data-entry template) is written by a
:class:`Book`: a list of sheets, each a title, a description and tables of
:class:`Column` s. What every table gets:

* numbers stay numbers; their number format has the decimals of
  :mod:`zongheng.display` (scores ``0.00``, raw values 4 significant digits,
  shares ``0.0%``), so a cell shows what the Word draft and the HTML page say;
* frozen header rows (and name columns), an autofilter on the main table,
  column widths that count a CJK character as two;
* text from the user's data is written as text, never as a formula, and
  formula-like text gets the quote prefix (:mod:`zongheng.io.safe_cells`);
* printing: A4, the header rows repeated on every page, fitted to the page
  width (landscape and several pages wide, with the name columns repeated,
  when the table is too wide to stay readable on one), page numbers.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from zongheng import display
from zongheng.i18n import register_messages, text
from zongheng.io.cells import clean_cell
from zongheng.io.safe_cells import formula_like
from zongheng.report.provenance import unapproved_text
from zongheng.report.xlsx.formats import ARROW, value_format

__all__ = ["Book", "Column", "Table", "raw_column", "text_width", "unique_sheet_name"]

register_messages({
    "xlsx.synthetic": ("演示数据为合成数据：数值由程序生成，不代表任何地区的真实情况，请勿引用。",
                       "Synthetic demo data: generated values that describe no real place; do not "
                       "quote them."),
    "xlsx.yes": ("是", "yes"), "xlsx.no": ("否", "no"),
    "xlsx.a_item": ("项目", "Item"), "xlsx.a_content": ("内容", "Content"),
    "xlsx.a_sheets": ("工作表", "Sheets"), "xlsx.a_tool": ("生成工具", "Made with"),
    "xlsx.a_data_note": ("数据说明", "About the data"),
    "xlsx.footer": ("第 &P 页，共 &N 页", "Page &P of &N"),
    "xlsx.imputed_suffix": ("（插补）", " (imputed)"),
})

# Colours (Excel's own palette, so the workbook looks familiar).
GREEN_FILL, GREEN_FONT = "#C6EFCE", "#006100"
RED_FILL, RED_FONT = "#FFC7CE", "#9C0006"
YELLOW_FILL, YELLOW_FONT = "#FFEB9C", "#9C5700"
SCALE = ("#F8696B", "#FFEB84", "#63BE7B")
FOCUS = "#FFF2CC"
HEADER = "#DDEBF7"
BANDS = ("#D9E1F2", "#E2EFDA", "#FCE4D6", "#EDE1F5", "#FFF2CC", "#F2F2F2")
BORDER = "#BFBFBF"
IMPUTED_FONT = "#7F7F7F"


_HEADER_CAP = 20      # widest a text column grows for its header (longer headers wrap)
_NUMBER_CAP = 10      # the same for a number column: its values are short
_MAX_WIDTH = 60
LINE_HEIGHT = 15.0    # points per wrapped header line

# Printing: A4 holds about this many column-width units at 100 % (0.5" margins); a sheet is
# fitted to the width down to _MIN_SCALE, and printed several pages wide below that.
_A4_PORTRAIT, _A4_LANDSCAPE = 100.0, 146.0
_MIN_SCALE = 0.55


def text_width(value: object) -> float:
    """Return the display width of a cell's text (显示宽度): a CJK character counts as 2.

    Excel measures columns in widths of the digit 0; a Chinese character in a
    common UI font is about two of them.

    Examples
    --------
    >>> text_width("排名"), text_width("Rank"), text_width("亩均税收（万元/亩）")
    (4.0, 4.0, 19.0)
    """
    return float(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value)))


_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def unique_sheet_name(name: str, taken: Sequence[str]) -> str:
    """Return a sheet name Excel accepts that no sheet in ``taken`` has (工作表名去重).

    Excel allows 31 characters, none of ``[ ] : * ? / \\``, and compares names
    without case. Two names that share their first 31 characters get ``(2)``,
    ``(3)`` … at the end, so that no sheet replaces another.

    Examples
    --------
    >>> unique_sheet_name("规上企业" * 10, ["规上企业" * 7 + "规上企"])
    '规上企业规上企业规上企业规上企业规上企业规上企业规上企业(2)'
    >>> unique_sheet_name("a/b", [])
    'a_b'
    """
    base = _FORBIDDEN.sub("_", clean_cell(str(name))).strip("'") or "Sheet"
    used = {t.casefold() for t in taken}
    candidate = base[:31]
    k = 1
    while candidate.casefold() in used:
        k += 1
        tail = f"({k})"
        candidate = base[:31 - len(tail)] + tail
    return candidate


@dataclass
class Column:
    """One column of a table: header, values and how they show.

    ``fmt`` is the column's number format (None for text); ``fmts`` and
    ``styles``, when given, set a number format and extra format properties per
    row (a raw value's decimals, an imputed value in grey).
    """

    header: str
    values: Sequence[Any]
    fmt: str | None = None
    cap: float | None = None       # the header's share of the width (longer ones wrap)
    band: str | None = None        # a label above the header (dimension, node)
    code: str | None = None        # a second header line (indicator code)
    key: str = ""                  # for finding the column again (conditional formats)
    fmts: Sequence[str | None] | None = None
    styles: Sequence[dict[str, Any] | None] | None = None
    shown: Sequence[str] | None = None  # the text each value shows, for the width

    def format_at(self, row: int) -> str | None:
        """Return the number format of a row."""
        return self.fmts[row] if self.fmts is not None else self.fmt


@dataclass
class Table:
    """Where a written table sits: its header row, data rows and columns by key."""

    header: int
    first: int
    last: int
    columns: dict[str, int] = field(default_factory=dict)

    def rng(self, col: int, last_col: int | None = None) -> tuple[int, int, int, int]:
        """Return the data rows of a column (or columns) as (first row, col, last row, col)."""
        return (self.first, col, self.last, col if last_col is None else last_col)


def cell_value(value: Any) -> Any:
    """Return a value Excel can hold: None for missing, plain Python numbers."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class Formats:
    """Cached cell formats: xlsxwriter needs one Format object per combination."""

    def __init__(self, book: xlsxwriter.Workbook, font: str) -> None:
        self._book, self._font = book, font
        self._cache: dict[tuple, Format] = {}
        self._props: dict[int, dict[str, Any]] = {}

    def __call__(self, **props: Any) -> Format:
        key = tuple(sorted(props.items()))
        if key not in self._cache:
            fmt = self._book.add_format(
                {"font_name": self._font, "font_size": 10, "valign": "vcenter", **props})
            self._cache[key] = fmt
            self._props[id(fmt)] = props
        return self._cache[key]

    def cell(self, fmt: str | None, focus: bool = False, **extra: Any) -> Format:
        props: dict[str, Any] = {"border": 1, "border_color": BORDER, **extra}
        if fmt:
            props["num_format"] = fmt
        if focus:
            props.update(bg_color=FOCUS, bold=True)
        return self(**props)

    def quoted(self, fmt: Format | None) -> Format:
        """Return the same format with Excel's quote prefix: an edited cell stays text."""
        props = dict(self._props.get(id(fmt), {})) if fmt is not None else {}
        props["quote_prefix"] = True
        return self(**props)


@dataclass
class _Print:
    """What a sheet prints: the header rows to repeat and the name columns."""

    rows: tuple[int, int] | None = None
    columns: int = 0


class Book:
    """A workbook's shared machinery: labels, formats, tables, headings, printing.

    Subclasses list their sheets in :meth:`sheets` (key, name, writer) and give
    the titles; a sheet writer calls :meth:`heading` (written last, once the
    widths are known) and :meth:`table`.
    """

    font: ClassVar[dict[str, str]] = {"zh": "等线", "en": "Calibri"}
    unapproved: bool = False
    """The data are not all approved (未审核): the first sheet and every sheet's note say so, in red."""

    def __init__(self, lang: str, title: str, source: object, synthetic: bool) -> None:
        if lang not in ("zh", "en"):
            raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
        self.lang = lang
        self.title, self.source, self.synthetic = title, source, synthetic
        self._pending: tuple[str, str] | None = None
        self._widths: dict[str, dict[int, float]] = {}
        self._print: dict[str, _Print] = {}
        self.names: list[str] = []

    # -- text ---------------------------------------------------------------------------------
    def t(self, key: str, **params: Any) -> str:
        """Return the message ``xlsx.<key>`` in the book's language."""
        return text(f"xlsx.{key}", self.lang, **params)

    def sheets(self) -> list[tuple[str, str, Callable[[Worksheet], None]]]:
        """Return each sheet's key, name and writer, in order."""
        raise NotImplementedError

    def book_title(self) -> str:
        """Return the workbook's title (the about sheet's first line, the document property)."""
        raise NotImplementedError

    def sheet_title(self, sheet: str) -> str:
        """Return the title row of a sheet."""
        return f"{self.title} · {sheet}"

    def comments(self) -> str:
        """Return the document's comments property: the synthetic note or the source."""
        return self.t("synthetic") if self.synthetic else str(self.source)

    def sheet_names(self) -> list[str]:
        """Return the sheets' names as written: legal and unique (:func:`unique_sheet_name`)."""
        names: list[str] = []
        for _key, name, _writer in self.sheets():
            names.append(unique_sheet_name(name, names))
        return names

    # -- the workbook -------------------------------------------------------------------------
    def write(self, path: Path) -> None:
        """Write the workbook to ``path`` (the caller makes it atomic)."""
        book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                               "strings_to_urls": False,
                                               "strings_to_numbers": False})
        self.f = Formats(book, self.font[self.lang])
        book.set_properties({"title": self.book_title(), "author": "zongheng",
                             "comments": self.comments()})
        for _key, name, writer in self.sheets():
            name = unique_sheet_name(name, self.names)
            self.names.append(name)
            ws = book.add_worksheet(name)
            ws.set_default_row(16)
            self._pending = None
            writer(ws)
            if self._pending is not None:  # an about sheet writes its own title
                self._finish(ws)
            self._page_setup(ws)
        book.close()

    # -- cells --------------------------------------------------------------------------------
    def write_text(self, ws: Worksheet, row: int, col: int, value: object,
                   fmt: Format | None = None) -> None:
        """Write text as text: never a formula, with the quote prefix when it looks like one."""
        s = clean_cell(str(value))
        if formula_like(s):
            fmt = self.f.quoted(fmt)
        ws.write_string(row, col, s, fmt)

    def write_value(self, ws: Worksheet, row: int, col: int, value: Any, fmt: Format) -> None:
        """Write a number as a number, a bool as 是/否, anything else as text; blank when missing."""
        value = cell_value(value)
        if value is None:
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            ws.write_string(row, col, self.t("yes" if value else "no"), fmt)
        elif isinstance(value, int | float):
            ws.write_number(row, col, value, fmt)
        else:
            self.write_text(ws, row, col, value, fmt)

    # -- headings -----------------------------------------------------------------------------
    def heading(self, ws: Worksheet, sheet: str, description: str) -> None:
        """Remember the sheet's title and description; :meth:`_finish` writes them."""
        self._pending = (sheet, description)

    def _finish(self, ws: Worksheet) -> None:
        """Write the title row, then the description wrapped over the table's first columns.

        Written last, once the column widths are known; the synthetic note comes first, red.
        """
        assert self._pending is not None
        sheet, description = self._pending
        self.write_text(ws, 0, 0, self.sheet_title(sheet), self.f(bold=True, font_size=14))
        ws.set_row(0, 24)
        last, span = self._span(ws)
        grey = self.f(font_color="#595959", text_wrap=True, valign="top")
        note = "【" + self.t("synthetic") + "】" if self.synthetic else ""
        if self.unapproved:
            note = "【" + unapproved_text(self.lang, short=True) + "】" + note
        if last > 0:
            ws.merge_range(1, 0, 1, last, "", grey)
        if note:
            red = self.f(font_color="#C00000", bold=True)
            ws.write_rich_string(1, 0, red, note, grey, clean_cell(description), grey)
        else:
            self.write_text(ws, 1, 0, description, grey)
        lines = math.ceil(text_width(note + description) / max(span - 2, 1))
        ws.set_row(1, LINE_HEIGHT * lines + 3)

    def _span(self, ws: Worksheet, at_least: float = 90) -> tuple[int, float]:
        """Return the last column and total width of the first columns reaching ``at_least``."""
        widths = self._widths.setdefault(ws.name, {})
        if not widths:
            ws.set_column(0, 0, at_least)
            widths[0] = at_least
        total, last = 0.0, 0
        for j in range(max(widths) + 1):
            total += widths.get(j, 8.43)
            last = j
            if total >= at_least:
                break
        return last, total

    def grow(self, ws: Worksheet, col: int, width: float) -> None:
        """Widen a column (never narrow it: tables on one sheet share columns)."""
        widths = self._widths.setdefault(ws.name, {})
        if width > widths.get(col, 0):
            widths[col] = width
            ws.set_column(col, col, width)

    # -- tables -------------------------------------------------------------------------------
    def table(self, ws: Worksheet, top: int, cols: list[Column], *, focus: int | None = None,
              autofilter: bool = True, freeze_cols: int | None = None,
              print_titles: bool | None = None) -> Table:
        """Write a table at row ``top``: optional band and code rows, the header, the data.

        The main table of a sheet (the first with an autofilter, unless
        ``print_titles`` says otherwise) has its header rows repeated on every
        printed page.
        """
        f = self.f
        row = top
        if any(c.band for c in cols):
            self._bands(ws, row, cols)
            row += 1
        if any(c.code for c in cols):
            code_fmt = f(font_color="#7F7F7F", align="center", border=1, border_color=BORDER,
                         bg_color=HEADER, font_size=9)
            for j, c in enumerate(cols):
                self.write_text(ws, row, j, c.code or "", code_fmt)
            row += 1
        header = row
        head_fmt = f(bold=True, text_wrap=True, align="center", border=1, border_color=BORDER,
                     bg_color=HEADER)
        lines = 1
        for j, c in enumerate(cols):
            self.write_text(ws, header, j, c.header, head_fmt)
            self.grow(ws, j, _width(c))
            width = self._widths[ws.name][j]
            lines = max(lines, math.ceil(text_width(c.header) / max(width - 2, 1)))
        ws.set_row(header, LINE_HEIGHT * lines + 3)
        n = max((len(c.values) for c in cols), default=0)
        first = header + 1
        for j, c in enumerate(cols):
            plain = {None: f.cell(c.fmt)}
            for r, value in enumerate(c.values):
                number_format = c.format_at(r)
                style = c.styles[r] if c.styles is not None else None
                if r == focus or style:
                    fmt = f.cell(number_format, focus=r == focus, **(style or {}))
                else:
                    fmt = plain.get(number_format) or plain.setdefault(number_format,
                                                                       f.cell(number_format))
                self.write_value(ws, first + r, j, value, fmt)
        last = first + max(n, 1) - 1
        if autofilter:
            ws.autofilter(header, 0, last, len(cols) - 1)
        if freeze_cols is not None:
            ws.freeze_panes(first, freeze_cols)
        setup = self._print.setdefault(ws.name, _Print())
        if (autofilter if print_titles is None else print_titles) and setup.rows is None:
            setup.rows = (top, header)
            setup.columns = freeze_cols or 0
        return Table(header, first, last, {c.key: j for j, c in enumerate(cols) if c.key})

    def _bands(self, ws: Worksheet, row: int, cols: list[Column]) -> None:
        """Merge each run of equal band labels above the header, one soft colour per band."""
        j, k = 0, 0
        while j < len(cols):
            end = j
            while end + 1 < len(cols) and cols[end + 1].band == cols[j].band:
                end += 1
            label = cols[j].band or ""
            fmt = self.f(bold=True, align="center", border=1, border_color=BORDER,
                         bg_color=BANDS[k % len(BANDS)] if label else "#FFFFFF")
            if end > j:
                ws.merge_range(row, j, row, end, "", fmt)
            self.write_text(ws, row, j, label, fmt)
            k += bool(label)
            j = end + 1

    def notes(self, ws: Worksheet, row: int, notes: Sequence[str]) -> None:
        """Write notes under a table, each wrapped over the table's first columns."""
        fmt = self.f(font_color="#595959", text_wrap=True, valign="top")
        last, span = self._span(ws)
        for k, note in enumerate(notes):
            if last > 0:
                ws.merge_range(row + k, 0, row + k, last, "", fmt)
            self.write_text(ws, row + k, 0, note, fmt)
            ws.set_row(row + k, LINE_HEIGHT * math.ceil(text_width(note) / max(span - 2, 1)) + 3)

    def about(self, ws: Worksheet, rows: Sequence[tuple[str, str, bool]],
              toc: Sequence[tuple[str, str]], width: float = 80) -> None:
        """Write an about sheet: the title, item/content rows (warnings in red), the sheets.

        ``toc`` lists (sheet name, what it holds); each name links to its sheet.
        """
        self.write_text(ws, 0, 0, self.book_title(), self.f(bold=True, font_size=16))
        ws.set_row(0, 28)
        if self.unapproved:  # the first thing read, above the items
            self.write_text(ws, 1, 0, unapproved_text(self.lang), self.f(bold=True, font_color="#C00000"))
        head = self.f(bold=True, border=1, border_color=BORDER, bg_color=HEADER)
        key_fmt = self.f.cell(None, bold=True, text_wrap=True, valign="top")
        wrap = self.f.cell(None, text_wrap=True, valign="top")
        red = self.f.cell(None, bold=True, font_color="#C00000", text_wrap=True, valign="top")
        self.write_text(ws, 2, 0, self.t("a_item"), head)
        self.write_text(ws, 2, 1, self.t("a_content"), head)
        for k, (key, value, warn) in enumerate(rows):
            self.write_text(ws, 3 + k, 0, key, key_fmt)
            self.write_text(ws, 3 + k, 1, value, red if warn else wrap)
            lines = sum(max(1, math.ceil(text_width(part) / width)) for part in value.split("\n"))
            ws.set_row(3 + k, LINE_HEIGHT * lines + 3)
        row = 3 + len(rows) + 1
        self.write_text(ws, row, 0, self.t("a_sheets"), self.f(bold=True, font_size=12))
        link = self.f(font_color="#0563C1", underline=1)
        for k, (name, what) in enumerate(toc):
            quoted = name.replace("'", "''")
            ws.write_url(row + 1 + k, 0, f"internal:'{quoted}'!A1", link, string=name)
            self.write_text(ws, row + 1 + k, 1, what)
        key_width = max([text_width(k) for k, _, _ in rows] + [text_width(n) for n, _ in toc]
                        + [8.0]) + 4
        self.grow(ws, 0, key_width)
        self.grow(ws, 1, width + 2)
        ws.freeze_panes(3, 0)
        self._print.setdefault(ws.name, _Print()).rows = (2, 2)

    # -- printing -----------------------------------------------------------------------------
    def _page_setup(self, ws: Worksheet) -> None:
        """A4; header rows on every page; fitted to the width, several pages wide if need be."""
        ws.set_paper(9)
        ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.6)
        widths = self._widths.get(ws.name, {})
        total = sum(widths.get(j, 8.43) for j in range(max(widths) + 1)) if widths else 0.0
        landscape = total > _A4_PORTRAIT
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        capacity = (_A4_LANDSCAPE if landscape else _A4_PORTRAIT) / _MIN_SCALE
        wide = max(1, math.ceil(total / capacity))
        ws.fit_to_pages(wide, 0)
        setup = self._print.get(ws.name, _Print())
        if setup.rows is not None:
            ws.repeat_rows(*setup.rows)
        if wide > 1 and setup.columns:
            ws.repeat_columns(0, setup.columns - 1)
        # One footer line (a header as well makes LibreOffice add blank pages to full sheets).
        title = self.book_title().replace("&", "&&")[:100]
        ws.set_footer(f"&L&8{title}&C&9{self.t('footer')}&R&8&A")

    # -- conditional formats ------------------------------------------------------------------
    def scale(self, ws: Worksheet, rng: tuple[int, int, int, int], reverse: bool = False) -> None:
        """Add a red → yellow → green colour scale (reversed: green for low values)."""
        low, mid, high = SCALE[::-1] if reverse else SCALE
        ws.conditional_format(*rng, {"type": "3_color_scale", "min_color": low,
                                     "mid_color": mid, "max_color": high})

    def lights(self, ws: Worksheet, rng: tuple[int, int, int, int], size: str) -> None:
        """Top 3 green, bottom quarter (rank > ¾ of ``size``, a number or a formula) red."""
        cell = xl_rowcol_to_cell(rng[0], rng[1], col_abs=False, row_abs=False)
        green = self.f(bg_color=GREEN_FILL, font_color=GREEN_FONT)
        red = self.f(bg_color=RED_FILL, font_color=RED_FONT)
        ws.conditional_format(*rng, {"type": "formula",
                                     "criteria": f"=AND(ISNUMBER({cell}),{cell}<=3)",
                                     "format": green})
        ws.conditional_format(*rng, {"type": "formula",
                                     "criteria": f"=AND(ISNUMBER({cell}),{cell}>0.75*{size})",
                                     "format": red})

    def arrows(self, ws: Worksheet, rng: tuple[int, int, int, int]) -> None:
        """Show positive changes in green, negative ones in red."""
        ws.conditional_format(*rng, {"type": "cell", "criteria": ">", "value": 0,
                                     "format": self.f(font_color=GREEN_FONT, bold=True)})
        ws.conditional_format(*rng, {"type": "cell", "criteria": "<", "value": 0,
                                     "format": self.f(font_color=RED_FONT, bold=True)})

    def bars(self, ws: Worksheet, rng: tuple[int, int, int, int]) -> None:
        """Add data bars around a middle axis (gap contributions)."""
        # Positive: the peer leads (a shortfall, red); negative: the unit leads (green).
        ws.conditional_format(*rng, {"type": "data_bar", "bar_color": "#F8696B",
                                     "bar_negative_color": "#63BE7B", "bar_solid": True,
                                     "bar_axis_position": "middle", "data_bar_2010": True})

    def words(self, ws: Worksheet, rng: tuple[int, int, int, int],
              colours: Sequence[tuple[str, str, str | None]]) -> None:
        """Colour the cells whose text is a given word (达标, 红 …): (word, font, fill)."""
        for word, font, fill in colours:
            props: dict[str, Any] = {"font_color": font, "bold": True}
            if fill:
                props["bg_color"] = fill
            value = '"' + word.replace('"', '""') + '"'
            ws.conditional_format(*rng, {"type": "cell", "criteria": "==", "value": value,
                                         "format": self.f(**props)})


def raw_column(header: str, values: Sequence[Any], *, imputed: Sequence[Any] | None = None,
               signed: bool = False, direction: Sequence[int | None] | None = None,
               imputed_suffix: str = "", **options: Any) -> Column:
    """Return a column of raw values, each shown as :func:`zongheng.display.value` shows it.

    Where ``values`` is missing and ``imputed`` has a value, the imputed value
    is written, in grey, with ``imputed_suffix`` after it (``79.4（插补）``):
    still a number, flagged as the method's guess.
    """
    out_values, fmts, styles, shown = [], [], [], []
    for k, v in enumerate(values):
        v = cell_value(v)
        guess = cell_value(imputed[k]) if imputed is not None else None
        d = direction[k] if direction is not None else None
        if v is None and guess is not None:
            out_values.append(guess)
            fmts.append(value_format(guess, suffix=imputed_suffix))
            styles.append({"font_color": IMPUTED_FONT, "italic": True})
            shown.append(display.value(guess) + imputed_suffix)
            continue
        out_values.append(v)
        if isinstance(v, int | float) and not isinstance(v, bool):
            fmts.append(value_format(v, signed=signed, direction=d))
            text_shown = display.value(v, direction=d)
            shown.append(("+" if signed and v > 0 else "") + text_shown)
        else:
            fmts.append(None)
            shown.append("" if v is None else str(v))
        styles.append(None)
    return Column(header, out_values, "#,##0.00", fmts=fmts, styles=styles, shown=shown, **options)


def _width(col: Column) -> float:
    """Column width: the widest value, or the header up to its cap.

    A longer header wraps onto lines of equal length, so that no line holds a lone bracket.
    """
    if col.shown is not None:
        widest = max((text_width(s) for s in col.shown), default=0.0)
    else:
        widest = max((text_width(_shown(v, col.format_at(k))) for k, v in enumerate(col.values)),
                     default=0.0)
    cap = col.cap if col.cap is not None else (_NUMBER_CAP if col.fmt else _HEADER_CAP)
    header = text_width(col.header)
    if header > cap:
        header = math.ceil(header / math.ceil(header / cap)) + 3  # room for a closing bracket
    code = text_width(col.code or "")
    return min(max(widest, header, code, 4.0) + 2, _MAX_WIDTH)


def _shown(value: Any, fmt: str | None) -> str:
    """Roughly the text a number shows in its format (for the column width)."""
    value = cell_value(value)
    if value is None:
        return ""
    if not isinstance(value, int | float) or isinstance(value, bool) or fmt is None:
        return str(value)
    if "%" in fmt:
        return f"{value * 100:+.1f}%"
    if fmt == ARROW:
        return f"▲{abs(value):.0f}"
    decimals = len(fmt.split(";")[0].rpartition(".")[2]) if "." in fmt else 0
    return f"{value:+,.{decimals}f}"
