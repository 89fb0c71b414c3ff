"""Data-entry templates (填报模板): an Excel workbook generated from a framework.

Departments send their numbers in Excel today; the template keeps that habit
and makes the file machine-readable: a 填报说明 sheet, a 数据 sheet with one row
per unit and period and one column per indicator (headed ``名称（单位）``, with
the code, direction, target and lead department in the header's note, and
numeric data validation), and a 指标说明 sheet listing every indicator.
:func:`zongheng.read_panel` reads a filled template back as it is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from zongheng.framework import Direction, Framework, Indicator
from zongheng.io.atomic import atomic_write
from zongheng.io.cells import clean_text
from zongheng.io.safe_cells import set_cell

__all__ = ["indicator_headers", "write_template"]

# One soft fill per top-level dimension, so a wide sheet stays readable.
_FILLS = ("DDEBF7", "E2EFDA", "FFF2CC", "FCE4D6", "EDE1F5", "D9E1F2", "F2F2F2")
_BLANK_ROWS = 30


def indicator_headers(framework: Framework, lang: str = "zh") -> dict[str, str]:
    """Return the data-sheet header of each indicator: ``名称（单位）``, or the code if names clash.

    In English the name is ``name_en`` (``Name (unit)``); an indicator without one keeps its
    code. Both read back: the reader knows an indicator by code, name and English name.
    """
    def name(ind: Indicator) -> str:
        return (ind.name_en if lang == "en" else ind.name) or ""

    counts = Counter(name(i) for i in framework.indicators if name(i))
    out = {}
    for ind in framework.indicators:
        label = name(ind) if name(ind) and counts[name(ind)] == 1 else ind.code
        unit = (f" ({ind.unit})" if lang == "en" else f"（{ind.unit}）") if ind.unit else ""
        out[ind.code] = label + unit
    return out


# Every word the workbook says, Chinese and English; sheet names and key columns are ones
# the reader takes back (数据 / Data; 单位代码 / code, 单位名称 / name, 年份 / year).
_WORDS = {
    "instructions": ("填报说明", "Instructions"),
    "data": ("数据", "Data"),
    "indicators": ("指标说明", "Indicators"),
    "title": ("{title} 数据填报模板", "{title}: data-entry template"),
    "keys": (("单位代码", "单位名称", "年份"), ("code", "name", "year")),
    "higher": ("正向（越大越好）", "higher is better"),
    "lower": ("逆向（越小越好）", "lower is better"),
    "note": (("代码 code", "方向", "目标值", "牵头单位"), ("code", "direction", "target", "lead department")),
    "only_numbers": (("只能填写数字", "此处只能填写数字；没有数据请留空。"),
                     ("Numbers only", "Enter a number here; leave the cell empty when there is no value.")),
    "columns": (("代码", "指标名称", "英文名称", "计量单位", "方向", "权重", "目标值", "所属维度",
                 "牵头单位", "数据来源", "备注"),
                ("code", "name (Chinese)", "name", "unit", "direction", "weight", "target", "dimension",
                 "lead department", "reported by", "note")),
    "direction": (("正向", "逆向"), ("higher is better", "lower is better")),
    "reports": ("{department}报送", "{department}"),
}


def _w(key: str, lang: str):
    return _WORDS[key][1 if lang == "en" else 0]


def _top_dimension(framework: Framework, code: str) -> str:
    node = framework.node(code)
    while node.parent is not None and node.parent != framework.root.code:
        node = framework.node(node.parent)
    return node.code


def _note(ind: Indicator, lang: str = "zh") -> str:
    code, direction_word, target, department = _w("note", lang)
    direction = _w("higher" if ind.direction is Direction.HIGHER else "lower", lang)
    lines = [f"{code}: {ind.code}", f"{direction_word}: {direction}"]
    if ind.target is not None:
        lines.append(f"{target}: {ind.target:g}")
    if ind.department:
        lines.append(f"{department}: {ind.department}")
    return "\n".join(lines)


def write_template(framework: Framework, path: str | Path, *,
                   units: Sequence[str] | pd.DataFrame | None = None,
                   periods: Sequence[Hashable] | None = None, lang: str = "zh") -> Path:
    """Write a data-entry workbook for a framework.

    Parameters
    ----------
    framework : Framework
    path : path
        The ``.xlsx`` file to write.
    units : sequence of str or DataFrame, optional
        Units to prefill (names, or a table with ``code`` and ``name``); blank rows otherwise.
    periods : sequence, optional
        Periods to prefill for every unit (e.g. ``[2024]``).
    lang : {"zh", "en"}
        Language of the sheets, headers and notes; either reads back as it is.

    Returns
    -------
    Path
    """
    path = Path(path)
    book = Workbook()
    _instructions(book.active, framework, lang)
    _data_sheet(book.create_sheet(_w("data", lang)), framework, units, periods, lang)
    _indicator_sheet(book.create_sheet(_w("indicators", lang)), framework, lang)
    for sheet in book.worksheets:
        _print_setup(sheet)
    # All at once: a kill or a second run writing the same file never leaves a broken workbook.
    return atomic_write(path, lambda tmp: book.save(tmp))


def _print_setup(sheet) -> None:
    """Print on A4 landscape, one page wide, the header row repeated on every page."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if sheet.max_row > 1:
        sheet.print_title_rows = "1:1"


_ENGLISH_INSTRUCTIONS = (
    "",
    "How to fill it in:",
    "1. In the Data sheet, one row per unit and year; the name and year columns are required.",
    "2. One column per indicator, headed 'name (unit)': enter values in that unit and leave the "
    "headers as they are.",
    "3. Numbers only (thousands separators allowed); leave a cell empty when there is no value, "
    "do not write 0, '-' or words.",
    "4. Hover over a header to see the indicator's code, direction, target and lead department.",
    "5. The Indicators sheet lists every indicator's definition, weight and lead department; the "
    "framework file holds the design notes and sources.",
    "6. When filled, compute with: zongheng build framework.yaml this-file.xlsx",
)


def _instructions(sheet, framework: Framework, lang: str = "zh") -> None:
    sheet.title = _w("instructions", lang)
    title = (framework.root.name_en if lang == "en" else "") or framework.root.name or framework.root.code
    if lang == "en":
        rows = [_w("title", lang).format(title=title), *_ENGLISH_INSTRUCTIONS]
        for r, line in enumerate(rows, start=1):
            sheet.cell(row=r, column=1, value=clean_text(line))
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.column_dimensions["A"].width = 100
        return
    rows = [
        f"{title} 数据填报模板",
        "",
        "填报方法:",
        "1. 在「数据」工作表中，每个单位每个年度填一行；「单位名称」「年份」两列必填。",
        "2. 每个指标一列，表头为「指标名称（计量单位）」，请按表头单位填写数值，不要改动表头。",
        "3. 只填数字（可带千分位逗号）；没有数据的单元格请留空，不要填 0、“-” 或文字说明。",
        "4. 将鼠标停在表头上可看到指标代码、方向（正向/逆向）、目标值和牵头单位。",
        "5. 各指标的定义、权重与牵头单位见「指标说明」工作表；指标的设计依据与出处见指标体系文件。",
        "6. 填好后可直接用于计算: zongheng build 指标体系.yaml 本文件.xlsx",
        "",
        "Instructions (English): one row per unit and year in the 数据 sheet; one column per",
        "indicator in the unit of its header; numbers only, leave missing values blank.",
    ]
    for r, line in enumerate(rows, start=1):
        sheet.cell(row=r, column=1, value=clean_text(line))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 100


def _data_sheet(sheet, framework: Framework, units, periods, lang: str = "zh") -> None:
    headers = indicator_headers(framework, lang)
    has_codes = isinstance(units, pd.DataFrame) and "code" in units.columns
    code, name, year = _w("keys", lang)
    key_columns = [code, name, year] if has_codes else [name, year]
    for c, label in enumerate(key_columns + list(headers.values()), start=1):
        cell = sheet.cell(row=1, column=c, value=clean_text(label))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    dimensions = list(dict.fromkeys(_top_dimension(framework, i.code) for i in framework.indicators))
    for j, ind in enumerate(framework.indicators, start=len(key_columns) + 1):
        cell = sheet.cell(row=1, column=j)
        fill = _FILLS[dimensions.index(_top_dimension(framework, ind.code)) % len(_FILLS)]
        cell.fill = PatternFill("solid", fgColor=fill)
        cell.comment = Comment(clean_text(_note(ind, lang)), "zongheng", width=260, height=110)
        # CJK text is about twice as wide as Latin: size columns for the header's characters.
        sheet.column_dimensions[get_column_letter(j)].width = min(40, max(12, len(headers[ind.code])
                                                                         * 1.6))
    rows = _key_rows(units, periods, has_codes)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            set_cell(sheet.cell(row=r, column=c), value)  # a unit named "=…" stays text
    last_row = max(len(rows), _BLANK_ROWS) + 1
    first_col, last_col = len(key_columns) + 1, len(key_columns) + len(headers)
    validation = DataValidation(type="decimal", operator="between", formula1="-1E+15",
                                formula2="1E+15", allow_blank=True, showErrorMessage=True,
                                errorTitle=_w("only_numbers", lang)[0], error=_w("only_numbers", lang)[1])
    validation.add(f"{get_column_letter(first_col)}2:{get_column_letter(last_col)}{last_row}")
    sheet.add_data_validation(validation)
    for c in range(1, len(key_columns) + 1):
        sheet.column_dimensions[get_column_letter(c)].width = 16
    sheet.row_dimensions[1].height = 48
    sheet.freeze_panes = sheet.cell(row=2, column=len(key_columns) + 1)


def _provider(ind: Indicator, lang: str = "zh") -> str:
    """Say who reports an indicator (数据来源), in the words of the department filling in.

    The framework's ``source`` is the designer's research note (often English, with
    URLs): it stays in the framework file, and 填报说明 points there.
    """
    return _w("reports", lang).format(department=ind.department) if ind.department else ""


def _chinese(note: str | None) -> str:
    """Return a note if it is written in Chinese; an English design note stays in the framework file."""
    if not note or not any(0x4E00 <= ord(ch) <= 0x9FFF for ch in note):  # CJK ideographs
        return ""
    return note


def _key_rows(units, periods, has_codes: bool) -> list[list]:
    if units is None:
        return []
    if isinstance(units, pd.DataFrame):
        names = units["name"] if "name" in units.columns else units["code"]
        keys = list(zip(units["code"], names, strict=True)) if has_codes else [(n,) for n in names]
    else:
        keys = [(u,) for u in units]
    periods = list(periods) if periods is not None else [None]
    return [[*key, p] for key in keys for p in periods]


def _indicator_sheet(sheet, framework: Framework, lang: str = "zh") -> None:
    columns = _w("columns", lang)
    for c, label in enumerate(columns, start=1):
        sheet.cell(row=1, column=c, value=label).font = Font(bold=True)
    for r, ind in enumerate(framework.indicators, start=2):
        dimension = _top_dimension(framework, ind.code)
        values = [ind.code, ind.name, ind.name_en, ind.unit,
                  _w("direction", lang)[0 if ind.direction is Direction.HIGHER else 1], ind.weight,
                  ind.target, framework.label(dimension, lang), ind.department, _provider(ind, lang),
                  ind.note if lang == "en" else _chinese(ind.note)]
        for c, value in enumerate(values, start=1):
            set_cell(sheet.cell(row=r, column=c), value)
    widths = [12, 30, 30, 14, 8, 8, 10, 16, 16, 30, 30]
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = width
    sheet.freeze_panes = "C2"
