"""Reading a panel (读取数据): long or wide tables matched against a framework.

Wide: a row per unit (or unit-period), a column per indicator, named by code or
by Chinese name, with or without a trailing unit in brackets
(``亩均税收（万元/亩）``); a bracketed unit that contradicts the framework's
(``产值（元）`` for an indicator in 亿元) is an error, since the values would be
read in the wrong unit. Denominator columns are matched the same way (code or
name). Long: columns unit, period, indicator, value. COINr's iData reads as it is.

Periods ``2024``, ``2024.0``, ``2024年`` and ``2024 年`` are the same year. Values
whose magnitude is 1e100 or more are refused: min-max and distances overflow on
them, and the best unit would come out last.

Every problem is collected with its file, sheet, row and column, and one
:class:`~zongheng.errors.DataError` lists them all; nothing is half-loaded.
The work is done column by column in numpy, pandas and Arrow: Python loops
only over the cells and rows that have a problem, and over distinct labels
(unit names, periods, indicator names of a long table).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from zongheng.errors import DataError, Problem
from zongheng.framework import Framework
from zongheng.i18n import register_messages
from zongheng.io.safe_cells import unquote_series
from zongheng.io.tables import (
    MISSING_MARKERS,
    Table,
    blank_cells,
    number_problem,
    parse_number,
    parse_numbers,
    read_table,
)
from zongheng.panel import Panel

__all__ = ["TOO_LARGE", "read_panel", "unit_key_columns"]

# Sheets read by default when a workbook has one (the data sheet of a data-entry template).
DATA_SHEETS = ("数据", "data", "Data")

UNIT_ALIASES = ("ucode", "unit", "unit_code", "code", "代码", "单位代码", "地区代码", "企业代码",
                "统一社会信用代码", "单位", "地区", "县市区", "县（市、区）", "县(市、区)", "企业")
NAME_ALIASES = ("uname", "name", "unit_name", "名称", "单位名称", "地区名称", "企业名称")
PERIOD_ALIASES = ("time", "period", "year", "年份", "年度", "时期", "期间")
INDICATOR_ALIASES = ("indicator", "icode", "指标", "指标代码", "指标名称")
VALUE_ALIASES = ("value", "值", "数值", "指标值")

TOO_LARGE = 1e100
"""Values this large in magnitude are refused: (x − min) and sums of squares overflow near 1e308."""

_BRACKETED_UNIT = re.compile(r"\s*[（(]([^（()）]*)[)）]\s*$")
_YEAR = re.compile(r"^(\d+)\s*年$")

register_messages({
    "unit_leading_zeros": (
        "单位代码 '{unit}' 与第 {first} 行的 '{other}' 只差前导零，会被当作两个单位；"
        "Excel 常把 001 存成数字 1，请把代码列设为文本并统一写法",
        "the unit code '{unit}' differs from '{other}' (row {first}) only by leading zeros, so they "
        "would be two units; Excel stores 001 as the number 1 unless the column is text: make the "
        "column text and write the codes one way",
    ),
    "aggregate_column": (
        "列 '{name}' 是指标体系中的汇总项 {code}（下级: {children}），不是指标；数据只填指标的值。"
        "若 {code} 本应是指标，请改正指标体系中其下级的上级",
        "column '{name}' is the aggregate {code} of the framework (children: {children}), not an "
        "indicator: data hold indicator values only. If {code} is meant to be an indicator, correct "
        "the parent of its children in the framework",
    ),
    "title_above_header": (
        "第 {header} 行不是表头（找不到单位代码列），表头看来在第 {row} 行；请删除表头上方的标题行后再读",
        "row {header} is not the header (no unit column in it); the header seems to be row {row}: "
        "delete the title rows above it and read again",
    ),
    "header_unit_mismatch": (
        "'{name}' 标注的单位「{unit}」与指标体系中 {code} 的单位「{expected}」不一致；"
        "请把数值换算为「{expected}」并改正表头，或改正指标体系",
        "'{name}' is labelled in {unit!r} but {code} is in {expected!r} in the framework: convert the "
        "values to {expected!r} and correct the label, or correct the framework",
    ),
    "unit_table_duplicate": (
        "单位 '{unit}' 在单位信息表中重复（首次出现在第 {first} 行）",
        "the unit '{unit}' is listed twice in the unit table (first at row {first})",
    ),
    "value_too_large": (
        "{value} 太大，无法参与计算（绝对值须小于 1e100；指标 {indicator}）；请检查单位或录入",
        "{value} is too large to compute with (the magnitude must be below 1e100; indicator "
        "{indicator}): check the unit or the entry",
    ),
})


def unit_key_columns(columns: Sequence[str]) -> tuple[str | None, str | None]:
    """Return the unit-code and unit-name columns of a table, by the names data files use.

    Parameters
    ----------
    columns : sequence of str
        The table's headers.

    Returns
    -------
    tuple
        ``(code column, name column)``; either is ``None`` when the table has none.
    """
    return _find(list(columns), UNIT_ALIASES, None), _find(list(columns), NAME_ALIASES, None)


def _find(columns: list[str], aliases: tuple[str, ...], given: str | None) -> str | None:
    if given is not None:
        return given if given in columns else None
    lower = {c.strip().lower(): c for c in columns}
    for alias in aliases:
        if alias in lower:
            return lower[alias]
    return None


def _lookup(items, spellings) -> dict[str, tuple[str, ...]]:
    """Map every accepted spelling of an item to the codes it may mean.

    ``spellings`` lists, tier by tier, the spellings of one item (codes first,
    then names, then names without a trailing bracketed unit); a spelling keeps
    the meaning of the first tier that has it. A name shared by several items
    maps to all of them.
    """
    lookup: dict[str, tuple[str, ...]] = {}
    for tier_of in spellings:
        tier: dict[str, list[str]] = {}
        for item in items:
            for spelling in tier_of(item):
                key = _lower(spelling)
                if key and item.code not in tier.setdefault(key, []):
                    tier[key].append(item.code)
        for key, codes in tier.items():
            lookup.setdefault(key, tuple(codes))
    return lookup


_TIERS = (
    lambda i: (i.code,),
    lambda i: (i.name, i.name_en),
    lambda i: (_strip_unit(i.name), _strip_unit(i.name_en)),
)


def _indicator_lookup(framework: Framework) -> dict[str, tuple[str, ...]]:
    """Map every accepted spelling of an indicator to the codes it may mean (see :func:`_lookup`)."""
    return _lookup(framework.indicators, _TIERS)


def _denominator_lookup(framework: Framework) -> dict[str, tuple[str, ...]]:
    """Map every spelling of a declared denominator (code, names, names without unit) to its code."""
    return _lookup(framework.denominators, _TIERS)


def _match(lookup: dict[str, tuple[str, ...]], header: object) -> tuple[tuple[str, ...], list[str]]:
    """Return the codes a header or cell may mean and the bracketed units removed to find them.

    Tried as written, then without its trailing ``（单位）`` parts one by one.
    """
    text = _lower(header)
    removed: list[str] = []
    while text:
        if text in lookup:
            return lookup[text], removed
        found = _BRACKETED_UNIT.search(text)
        if found is None:
            break
        removed.append(found.group(1))
        text = text[:found.start()].strip()
    return (), []


def _lower(text: object) -> str:
    return str(text).strip().lower()


def _strip_unit(text: str) -> str:
    """Return ``text`` without one trailing bracketed part: ``亩均税收（万元/亩）`` → ``亩均税收``."""
    return _BRACKETED_UNIT.sub("", text).strip()


def _unit_key(unit: str) -> str:
    """Return a unit as compared: NFKC (full-width ％ is %), without spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", unit)).lower()


def _unit_conflict(item, removed: list[str]) -> tuple[str, str] | None:
    """Return (label unit, declared unit) when a label's bracketed unit contradicts the item's.

    Only the framework's ``unit`` field is compared: a bracket inside a name may
    be anything (``研发投入（R&D）``), and without a declared unit there is nothing
    to contradict.
    """
    declared = (item.unit or "").strip()
    if not removed or not declared:
        return None
    if any(_unit_key(u) == _unit_key(declared) for u in removed):
        return None
    return removed[-1].strip(), declared


def _cell_text(value: object) -> str:
    """Return a key cell (unit code, indicator name) as text; blank for an empty cell.

    A whole float (``330102.0``, as Excel and pandas store numbers) is written
    without its ``.0``.
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _texts(series: pd.Series) -> np.ndarray:
    """Return a key column as stripped text per row (object array), blank for empty cells.

    Text columns are stripped in bulk; other columns are converted once per distinct value.
    """
    # A quote before a formula-like name is the one zongheng's CSV writers add (safe_cells.csv_cell).
    series = unquote_series(series)
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        return series.str.strip().fillna("").to_numpy(dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    texts = np.array([_cell_text(u) for u in uniques] + [""], dtype=object)
    return texts[codes]  # code -1 (missing) picks the trailing ""


def _period_label(value: object) -> object:
    """Return a period cell as a number when it is one (``2024``, ``2024.0``, ``2024年``), else text."""
    text = _cell_text(value)
    year = _YEAR.match(text)
    if year:
        return int(year.group(1))
    number = parse_number(value)
    if number is not None and not math.isnan(number):
        return number
    return text


def _period_labels(values: list[object]) -> list[Hashable]:
    """Return periods as numbers when every label is one (whole numbers as ints), else as text.

    ``2024 年`` is written ``2024年`` as text, so that spellings of one year never make two periods.
    """
    labels = [_period_label(v) for v in values]
    # A whole number is one year however it is spelled (2023, 2023.0, 2023年): one period.
    labels = [int(x) if isinstance(x, float | int) and float(x).is_integer() else x for x in labels]
    if all(isinstance(x, float | int) for x in labels):
        return labels
    # Text periods: a whole year is written one way in the column ("2024年" when the column
    # speaks of 年 at all, else "2024"), so that its spellings never make two periods.
    year = "{}年" if any("年" in _cell_text(v) for v in values) else "{}"
    return [year.format(x) if isinstance(x, int) else _cell_text(v)
            for x, v in zip(labels, values, strict=True)]


@dataclass
class _Keys:
    """Unit and period of every row, as codes into ``units`` and ``periods``."""

    unit: np.ndarray  # text per row ("" when blank)
    unit_code: np.ndarray  # int per row, index into ``units`` (order of first appearance)
    units: list[str]
    period_code: np.ndarray  # int per row, index into ``periods`` (time order)
    periods: list

    def first_rows(self) -> np.ndarray:
        """Return the first row position of each unit, in unit order."""
        return np.unique(self.unit_code, return_index=True)[1]


class _Reader:
    """Collects problems while turning one table into a panel."""

    def __init__(self, table: Table, framework: Framework):
        self.table = table
        self.framework = framework
        self.problems: list[Problem] = []

    def problem(self, kind: str, position: int | None = None, column: str | None = None, /,
                **params: object) -> None:
        """Record a problem at a data row position and column of the table (both optional).

        The location is positional only, so that ``column=`` can be a message parameter.
        """
        self.problems.append(Problem(kind, params, **self.table.where(position, column)))

    def numbers(self, column: str, indicator: str | np.ndarray) -> np.ndarray:
        """Parse a column to floats; name every cell that is not a number or is too large.

        ``indicator`` names the column's indicator, or each row's (long layout).
        """
        raw = self.table.frame[column]
        values, bad = parse_numbers(raw)
        for pos in bad:
            value = raw.iloc[pos]
            name = indicator if isinstance(indicator, str) else indicator[pos]
            self.problem(number_problem(value), int(pos), column, value=value, indicator=name)
        with np.errstate(invalid="ignore"):
            huge = np.flatnonzero(np.abs(values) >= TOO_LARGE)
        for pos in huge:
            name = indicator if isinstance(indicator, str) else indicator[pos]
            self.problem("value_too_large", int(pos), column, value=raw.iloc[pos], indicator=name)
        values[huge] = np.nan
        return values

    def keys(self, unit_col: str | None, name_col: str | None, period_col: str | None) -> _Keys:
        frame = self.table.frame
        code_col = unit_col or name_col
        unit = _texts(frame[code_col])
        for pos in np.flatnonzero(unit == ""):
            self.problem("missing_unit", int(pos), code_col)
        unit_code, units = pd.factorize(unit)
        if period_col is None:
            return _Keys(unit, unit_code, list(units), np.zeros(len(unit), dtype=np.int64),
                         [self.default_period])
        raw_code, raw = pd.factorize(frame[period_col], use_na_sentinel=True)
        uniques = list(raw)
        blank = np.array([_cell_text(v).lower() in MISSING_MARKERS for v in uniques] + [True])
        for pos in np.flatnonzero(blank[raw_code]):  # code -1 (an empty cell) picks the last True
            self.problem("missing_period", int(pos), period_col)
        filled = [v for v, b in zip(uniques, blank, strict=False) if not b]
        labels = dict(zip(map(id, filled), _period_labels(filled), strict=True))
        periods = _period_order(list(labels.values())) or [self.default_period]
        where = {p: i for i, p in enumerate(periods)}
        # A missing period reads as the first one: the row is reported, and nothing is built.
        to_period = np.array([where[labels[id(v)]] if id(v) in labels else 0 for v in uniques] + [0],
                             dtype=np.int64)
        return _Keys(unit, unit_code, list(units), to_period[raw_code], periods)

    default_period: Hashable = ""


def read_panel(
    source: str | Path | pd.DataFrame,
    framework: Framework,
    *,
    sheet: str | int | None = None,
    units: str | Path | pd.DataFrame | None = None,
    unit_column: str | None = None,
    period_column: str | None = None,
    period: Hashable = "",
    layout: str = "auto",
) -> Panel:
    """Read indicator data for a framework from a table.

    Parameters
    ----------
    source : path or DataFrame
        ``.csv`` (UTF-8 with or without BOM, or GB18030/GBK), ``.xlsx``,
        ``.parquet`` or a DataFrame.
    framework : Framework
        Indicators are matched by code or by name; group and denominator
        columns declared in the framework are read as unit attributes and
        denominators (denominators by code or by name, like indicators).
    sheet : str or int, optional
        Excel sheet of the data; the first visible one by default.
    units : path or DataFrame, optional
        A unit table (code, name, group columns). When given, every unit of
        the data must be in it, once.
    unit_column, period_column : str, optional
        Column names, when they are not among the usual spellings
        (``uCode``/``unit``/``代码``…, ``Time``/``year``/``年份``…).
    period : hashable, default ""
        Period label for a single cross-section without a period column.
    layout : {"auto", "wide", "long"}
        ``auto`` picks long when there are indicator and value columns.

    Returns
    -------
    Panel

    Raises
    ------
    DataError
        Listing every problem with its file, sheet, row and column.
    """
    if layout not in ("auto", "wide", "long"):
        raise ValueError(f"layout must be 'auto', 'wide' or 'long', got {layout!r}")
    table = read_table(source, sheet=sheet, prefer=DATA_SHEETS)
    reader = _Reader(table, framework)
    reader.default_period = period
    columns = list(table.frame.columns)
    unit_col = _find(columns, UNIT_ALIASES, unit_column)
    name_col = _find(columns, NAME_ALIASES, None)
    period_col = _find(columns, PERIOD_ALIASES, period_column)
    indicator_col = _find(columns, INDICATOR_ALIASES, None)
    value_col = _find(columns, VALUE_ALIASES, None)
    is_long = layout == "long" or (layout == "auto" and indicator_col is not None
                                   and value_col is not None)
    _check_key_columns(reader, {"unit": (unit_column, unit_col or name_col),
                                "period": (period_column, period_col)})
    if is_long:
        for column, found, aliases in (("indicator", indicator_col, INDICATOR_ALIASES),
                                       ("value", value_col, VALUE_ALIASES)):
            if found is None:
                reader.problem("missing_long_column", column=column, aliases=", ".join(aliases))
    if reader.problems:
        raise DataError(reader.problems)
    if is_long:
        return _read_long(reader, unit_col or name_col, name_col if unit_col else None,
                          period_col, indicator_col, value_col, units)
    return _read_wide(reader, unit_col, name_col, period_col, units)


def _check_key_columns(reader: _Reader, keys: dict[str, tuple[str | None, str | None]]) -> None:
    """Report a key column named by the caller but absent, and a table without a unit column."""
    for key, (given, found) in keys.items():
        if given is not None and found is None:
            reader.problem("missing_column", column=given)
        elif key == "unit" and found is None:
            below = _header_below(reader.table)
            if below is not None:
                reader.problem("title_above_header", row=below, header=reader.table.header_row)
            else:
                reader.problem("no_unit_column", aliases=", ".join(UNIT_ALIASES[:6]) + " …")


def _header_below(table: Table) -> int | None:
    """Return the row number of a header row found under the one read, if any.

    Official statistical tables carry a title (``2024年各县指标数据表``) above the header;
    read as the header it hides the real one, and "no unit column" would blame the columns.
    """
    head = table.frame.head(10)
    if head.empty:
        return None
    aliases = set(UNIT_ALIASES) | set(NAME_ALIASES)
    cells = head.apply(lambda column: column.astype(str).str.strip().str.lower().isin(aliases))
    found = np.flatnonzero(cells.to_numpy().any(axis=1))
    return table.row_number(int(found[0])) if found.size else None


def _classify_columns(reader: _Reader, skip: set[str]) -> tuple[dict, dict, list]:
    """Sort the columns of a wide table into indicators, denominators and attributes."""
    framework = reader.framework
    lookup = _indicator_lookup(framework)
    den_lookup = _denominator_lookup(framework)
    aggregates = {spelling: a.code for a in framework.aggregates for spelling in (a.code, a.name) if spelling}
    items = {**{d.code: d for d in framework.denominators}, **framework.by_code}
    groups = {g.code for g in framework.groups}
    indicator_cols: dict[str, str] = {}
    denominator_cols: dict[str, str] = {}
    attribute_cols: list[str] = []
    for col in reader.table.frame.columns:
        if col in skip:
            continue
        codes, removed = _match(lookup, col)
        target = indicator_cols
        if not codes:
            codes, removed = _match(den_lookup, col)
            target = denominator_cols
        if len(codes) > 1:
            reader.problem("ambiguous_indicator", None, col, name=col, codes=", ".join(codes))
        elif codes:
            code = codes[0]
            conflict = _unit_conflict(items[code], removed)
            if conflict:
                reader.problem("header_unit_mismatch", None, col, name=col, unit=conflict[0],
                               code=code, expected=conflict[1])
            if code in target:
                reader.problem("duplicate_column", None, col, name=col, other=target[code], code=code)
            else:
                target[code] = col
        elif col in groups or col.lower().endswith("_group") or _is_text(reader.table.frame[col]):
            attribute_cols.append(col)
        elif col.strip() in aggregates:
            # A1 made a parent in the framework is an aggregate now: "not in the framework"
            # would be untrue (reliability review FW_indpar).
            code = aggregates[col.strip()]
            reader.problem("aggregate_column", None, col, name=col, code=code,
                           children=", ".join(framework.children[code][:5]))
        else:
            reader.problem("unknown_indicator", None, col, name=col)
    return indicator_cols, denominator_cols, attribute_cols


def _is_text(series: pd.Series, sample: int = 10_000) -> bool:
    """Return True when the non-blank cells are mostly not numbers (a label column).

    Judged on at most ``sample`` filled cells, evenly spaced: a million-row label
    column is not parsed cell by cell to learn that it holds labels.
    """
    filled = np.flatnonzero(~blank_cells(series))
    if not len(filled):
        return False
    if len(filled) > sample:
        filled = filled[np.linspace(0, len(filled) - 1, sample).astype(np.int64)]
    cells = series.iloc[filled].to_numpy(dtype=object)
    not_numbers = sum(parse_number(v) is None for v in cells)
    return not_numbers > len(cells) / 2


def _check_coverage(reader: _Reader, indicator_codes: set[str], denominator_codes: set[str]) -> None:
    framework = reader.framework
    missing = [c for c in framework.indicator_codes if c not in indicator_codes]
    if missing:
        reader.problem("missing_indicators", codes=", ".join(missing))
    needed: dict[str, list[str]] = {}
    for ind in framework.indicators:
        if ind.denominator and ind.denominator not in denominator_codes:
            needed.setdefault(ind.denominator, []).append(ind.code)
    for name, codes in needed.items():
        reader.problem("missing_denominator", name=name, codes=", ".join(codes))


def _read_wide(reader: _Reader, unit_col: str | None, name_col: str | None,
               period_col: str | None, units_source: object) -> Panel:
    framework, frame = reader.framework, reader.table.frame
    skip = {c for c in (unit_col, name_col, period_col) if c}
    indicator_cols, denominator_cols, attribute_cols = _classify_columns(reader, skip)
    _check_coverage(reader, set(indicator_cols), set(denominator_cols))
    keys = reader.keys(unit_col, name_col, period_col)
    _check_unique_rows(reader, keys, has_period=period_col is not None)
    _check_leading_zeros(reader, keys, unit_col or name_col)

    # Each column is parsed straight into the panel's array: no second copy of the data.
    shape = (len(keys.periods), len(keys.units))
    codes = framework.indicator_codes
    values = np.full(shape + (len(codes),), np.nan)
    den_codes = [d.code for d in framework.denominators if d.code in denominator_cols]
    dens = np.full(shape + (len(den_codes),), np.nan)
    rows = keys.period_code, keys.unit_code
    for target, columns, order in ((values, indicator_cols, codes), (dens, denominator_cols, den_codes)):
        for j, code in enumerate(order):
            if code in columns:
                target[rows[0], rows[1], j] = reader.numbers(columns[code], code)

    attr_cols = ([name_col] if name_col and unit_col else []) + attribute_cols
    attributes = _attributes_from_rows(frame, keys, attr_cols, name_col)
    attributes = _merge_unit_table(reader, attributes, keys, unit_col or name_col, units_source)
    if reader.problems:
        raise DataError(reader.problems)
    return _panel(values, keys, framework, attributes, dens, den_codes, reader.table.file)


def _panel(values: np.ndarray, keys: _Keys, framework: Framework, attributes: pd.DataFrame,
           dens: np.ndarray, den_codes: list[str], source: str | None) -> Panel:
    # Frozen here, so that Panel keeps these arrays instead of copying them.
    values.setflags(write=False)
    dens.setflags(write=False)
    return Panel(values, tuple(keys.units), tuple(keys.periods), framework.indicator_codes,
                 attributes, dens, tuple(den_codes), source=source)


def _check_unique_rows(reader: _Reader, keys: _Keys, has_period: bool) -> None:
    """Report every repeated unit (or unit-period) row of a wide table with its first row."""
    combined = keys.unit_code.astype(np.int64) * max(len(keys.periods), 1) + keys.period_code
    _report_repeats(reader, combined, keys.unit != "", lambda pos, first: (
        ("duplicate_unit_row", {"unit": keys.unit[pos], "period": keys.periods[keys.period_code[pos]],
                                "first": first}) if has_period
        else ("duplicate_unit", {"unit": keys.unit[pos], "first": first})))


def _check_leading_zeros(reader: _Reader, keys: _Keys, column: str | None) -> None:
    """Report unit codes that differ only by leading zeros (``001`` and ``1``).

    Excel stores a code typed as 001 as the number 1 unless the column is text, so one unit
    appears under two codes; read as two units it only shows up later as missing values
    (reliability review D_leadzero).
    """
    units = pd.Series(keys.units, dtype=object)
    digits = units[units.str.fullmatch(r"\d+").fillna(False).astype(bool)]
    stripped = digits.str.lstrip("0").replace("", "0")
    clash = stripped.duplicated(keep=False)
    if not clash.any():
        return
    first_rows = keys.first_rows()
    for _, codes in digits[clash].groupby(stripped[clash]):  # the clashing codes only
        rows = first_rows[codes.index.to_numpy()]
        reader.problem("unit_leading_zeros", int(rows[1]), column, unit=codes.iloc[1],
                       other=codes.iloc[0], first=reader.table.row_number(int(rows[0])))


def _report_repeats(reader: _Reader, combined: np.ndarray, valid: np.ndarray, message) -> None:
    """Report each row whose key was seen on an earlier row, naming that first row."""
    key = pd.Series(np.where(valid, combined, -1 - np.arange(len(combined))))
    repeated = np.flatnonzero(key.duplicated(keep="first").to_numpy())
    if not len(repeated):
        return
    first = pd.Series(np.arange(len(key))).groupby(key.to_numpy()).transform("min").to_numpy()
    for pos in repeated:
        kind, params = message(int(pos), reader.table.row_number(int(first[pos])))
        reader.problem(kind, int(pos), **params)


_CHINESE_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_RUNS = re.compile(r"(\d+)")


def _natural_key(label: Hashable) -> tuple:
    """Sort key reading numbers as numbers: 2024-2 < 2024-10, 2024年二季度 < 2024年三季度."""
    text = str(label).translate(_CHINESE_DIGITS)
    # 十 in Chinese numerals: 十二 = 12, 二十 = 20, 二十三 = 23, 十 = 10
    text = re.sub(r"(\d)十(?=\d)", r"\1", text)
    text = re.sub(r"(\d)十", r"\g<1>0", text)
    text = re.sub(r"十(?=\d)", "1", text).replace("十", "10")
    return tuple((0, int(run), "") if run.isdigit() else (1, 0, run)
                 for run in _RUNS.split(text) if run)


def _period_order(period_keys: list) -> list:
    """Return the periods in time order: years ascending, text labels in natural order.

    Text labels such as 2024年一季度 or 2024-1 … 2024-12 do not sort as plain text.
    """
    return sorted(dict.fromkeys(period_keys), key=_natural_key)


def _attributes_from_rows(frame: pd.DataFrame, keys: _Keys, columns: list[str],
                          name_col: str | None) -> pd.DataFrame:
    """One row per unit; where a unit has several periods, its latest row's values win."""
    if not columns:
        return pd.DataFrame(index=pd.Index(keys.units, name="unit"))
    attrs = frame[columns].reset_index(drop=True)
    attrs.insert(0, "_order", keys.period_code)
    attrs.insert(0, "unit", keys.unit)
    if len(keys.periods) > 1:
        attrs = attrs.sort_values("_order", kind="stable")
    attrs = attrs.drop_duplicates("unit", keep="last")
    attrs = attrs.drop(columns="_order").set_index("unit")
    if name_col and name_col in attrs.columns:
        attrs = attrs.rename(columns={name_col: "name"})
    return _blank_to_missing(attrs)


def _blank_to_missing(attrs: pd.DataFrame) -> pd.DataFrame:
    """Make blank labels missing: an empty group cell is no group, not a group called ''."""
    out = attrs.copy()
    for position in range(out.shape[1]):
        column = unquote_series(out.iloc[:, position])     # group labels as zongheng's CSVs wrote them
        blank = blank_cells(column) & column.notna().to_numpy()
        if column is not out.iloc[:, position]:
            out.isetitem(position, column)
        if blank.any():
            column = column.astype(object)
            column[blank] = np.nan
            out.isetitem(position, column)
    return out


def _merge_unit_table(reader: _Reader, attributes: pd.DataFrame, keys: _Keys,
                      unit_col: str, units_source: object) -> pd.DataFrame:
    """Join the unit table's names and groups; report data units missing from it.

    A unit listed twice in the unit table is reported at its second row; a data
    unit missing from it is reported at its first row in the data.
    """
    if units_source is None:
        return attributes
    try:
        table = read_table(units_source)  # type: ignore[arg-type]
    except DataError as exc:
        reader.problems.extend(exc.problems)
        return attributes
    cols = list(table.frame.columns)
    code_col = _find(cols, UNIT_ALIASES, None) or _find(cols, NAME_ALIASES, None)
    if code_col is None:
        reader.problems.append(Problem("no_unit_column", {"aliases": ", ".join(UNIT_ALIASES[:6])},
                                       file=table.file, sheet=table.sheet))
        return attributes
    meta = table.frame.reset_index(drop=True)
    meta[code_col] = _texts(meta[code_col])
    codes = meta[code_col].to_numpy(dtype=object)
    unit_code, _ = pd.factorize(codes)
    repeats = _Reader(table, reader.framework)
    _report_repeats(repeats, unit_code, codes != "", lambda pos, first: (
        "unit_table_duplicate", {"unit": codes[pos], "first": first}))
    reader.problems.extend(repeats.problems)
    meta = meta.drop_duplicates(code_col, keep="first").set_index(code_col)
    name_col = _find(cols, NAME_ALIASES, None)
    if name_col and name_col != code_col:
        meta = meta.rename(columns={name_col: "name"})
    known = pd.Index(keys.units).isin(meta.index)
    first = keys.first_rows()
    for i in np.flatnonzero(~known):
        if keys.units[i]:
            reader.problem("unit_without_metadata", int(first[i]), unit_col, unit=keys.units[i])
    meta.index.name = "unit"
    meta = _blank_to_missing(meta)
    extra = [c for c in attributes.columns if c not in meta.columns]
    merged = meta.reindex(keys.units)
    return merged.join(attributes[extra]) if extra else merged


def _long_codes(reader: _Reader, names: np.ndarray, column: str,
                lookup: dict[str, tuple[str, ...]], den_lookup: dict[str, tuple[str, ...]]
                ) -> np.ndarray:
    """Return the indicator (or denominator) code of each row of a long table (None if unknown).

    Matched once per distinct name; an unknown, ambiguous or mislabelled name is
    reported once, at its first row; an empty one at every row.
    """
    items = {**{d.code: d for d in reader.framework.denominators}, **reader.framework.by_code}
    name_code, distinct = pd.factorize(names)
    first = np.unique(name_code, return_index=True)[1]
    codes: list[str | None] = []
    found: list[tuple[int, str, dict]] = []  # problems by row, reported in row order
    for i, name in enumerate(distinct):
        matched, removed = _match(lookup, name) if name else ((), [])
        if name and not matched:
            matched, removed = _match(den_lookup, name)
        code = matched[0] if len(matched) == 1 else None
        pos = int(first[i])
        if name and code is None:
            if matched:
                found.append((pos, "ambiguous_indicator", {"name": name, "codes": ", ".join(matched)}))
            else:
                found.append((pos, "unknown_indicator_long", {"name": name}))
        elif code is not None and (conflict := _unit_conflict(items[code], removed)):
            found.append((pos, "header_unit_mismatch", {"name": name, "unit": conflict[0], "code": code,
                                                        "expected": conflict[1]}))
        codes.append(code)
    found += [(int(pos), "missing_indicator_name", {}) for pos in np.flatnonzero(names == "")]
    for pos, kind, params in sorted(found, key=lambda f: f[0]):
        reader.problem(kind, pos, column, **params)
    return np.array(codes + [None], dtype=object)[name_code]


def _read_long(reader: _Reader, unit_col: str, name_col: str | None, period_col: str | None,
               indicator_col: str, value_col: str, units_source: object) -> Panel:
    framework, frame = reader.framework, reader.table.frame
    keys = reader.keys(unit_col, name_col, period_col)
    names = _texts(frame[indicator_col])
    codes = _long_codes(reader, names, indicator_col, _indicator_lookup(framework),
                        _denominator_lookup(framework))
    known = np.array([c is not None for c in codes], dtype=bool)
    values = reader.numbers(value_col, np.where(known, codes, names))
    found = set(pd.unique(codes[known]))
    den_all = {d.code for d in framework.denominators}
    _check_coverage(reader, found & set(framework.indicator_codes), found & den_all)

    columns = {c: j for j, c in enumerate(framework.indicator_codes)}
    den_codes = [d.code for d in framework.denominators if d.code in found]
    slot = {**columns, **{c: len(columns) + j for j, c in enumerate(den_codes)}}
    code_slot = np.array([slot.get(c, -1) if c is not None else -1 for c in codes], dtype=np.int64)
    n_slots = len(slot) + 1
    combined = (keys.unit_code.astype(np.int64) * max(len(keys.periods), 1)
                + keys.period_code) * n_slots + code_slot
    _report_repeats(reader, combined, known & (keys.unit != ""), lambda pos, first: (
        "duplicate_row", {"unit": keys.unit[pos], "period": keys.periods[keys.period_code[pos]],
                          "indicator": codes[pos], "first": first}))

    declared = {g.code for g in framework.groups}
    attr_cols = ([name_col] if name_col else []) + [c for c in frame.columns if c in declared]
    attributes = _attributes_from_rows(frame, keys, attr_cols, name_col)
    attributes = _merge_unit_table(reader, attributes, keys, unit_col, units_source)
    if reader.problems:
        raise DataError(reader.problems)

    shape = (len(keys.periods), len(keys.units))
    out = np.full(shape + (len(columns),), np.nan)
    den = np.full(shape + (len(den_codes),), np.nan)
    ind_rows = np.flatnonzero((code_slot >= 0) & (code_slot < len(columns)))
    den_rows = np.flatnonzero(code_slot >= len(columns))
    out[keys.period_code[ind_rows], keys.unit_code[ind_rows], code_slot[ind_rows]] = values[ind_rows]
    den[keys.period_code[den_rows], keys.unit_code[den_rows],
        code_slot[den_rows] - len(columns)] = values[den_rows]
    return _panel(out, keys, framework, attributes, den, den_codes, reader.table.file)
