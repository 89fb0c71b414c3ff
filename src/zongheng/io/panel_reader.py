"""Reading a panel (读取数据): long or wide tables matched against a framework.

Wide: a row per unit (or unit-period), a column per indicator, named by code or
by Chinese name (a trailing unit in brackets, ``亩均税收（万元/亩）``, is ignored).
Long: columns unit, period, indicator, value. COINr's iData reads as it is.
Every problem is collected with its file, sheet, row and column, and one
:class:`~zongheng.errors.DataError` lists them all; nothing is half-loaded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from zongheng.errors import DataError, Problem
from zongheng.framework import Framework
from zongheng.io.tables import MISSING_MARKERS, Table, parse_number, read_table
from zongheng.panel import Panel

__all__ = ["read_panel"]

# Sheets read by default when a workbook has one (the data sheet of a data-entry template).
DATA_SHEETS = ("数据", "data", "Data")

UNIT_ALIASES = ("ucode", "unit", "unit_code", "code", "代码", "单位代码", "地区代码", "企业代码",
                "统一社会信用代码", "单位", "地区", "县市区", "县（市、区）", "县(市、区)", "企业")
NAME_ALIASES = ("uname", "name", "unit_name", "名称", "单位名称", "地区名称", "企业名称")
PERIOD_ALIASES = ("time", "period", "year", "年份", "年度", "时期", "期间")
INDICATOR_ALIASES = ("indicator", "icode", "指标", "指标代码", "指标名称")
VALUE_ALIASES = ("value", "值", "数值", "指标值")

_BRACKETED_UNIT = re.compile(r"\s*[（(][^（()）]*[)）]\s*$")


def _find(columns: list[str], aliases: tuple[str, ...], given: str | None) -> str | None:
    if given is not None:
        return given if given in columns else None
    lower = {c.strip().lower(): c for c in columns}
    for alias in aliases:
        if alias in lower:
            return lower[alias]
    return None


def _indicator_lookup(framework: Framework) -> dict[str, tuple[str, ...]]:
    """Map every accepted spelling of an indicator to the codes it may mean.

    Codes come first, then names (Chinese and English), then names without a
    trailing bracketed unit; a spelling keeps the meaning of the first tier
    that has it. A name shared by several indicators maps to all of them.
    """
    tiers = (
        lambda i: (i.code,),
        lambda i: (i.name, i.name_en),
        lambda i: (_strip_unit(i.name), _strip_unit(i.name_en)),
    )
    lookup: dict[str, tuple[str, ...]] = {}
    for spellings in tiers:
        tier: dict[str, list[str]] = {}
        for ind in framework.indicators:
            for spelling in spellings(ind):
                key = _lower(spelling)
                if key and ind.code not in tier.setdefault(key, []):
                    tier[key].append(ind.code)
        for key, codes in tier.items():
            lookup.setdefault(key, tuple(codes))
    return lookup


def _match(lookup: dict[str, tuple[str, ...]], header: object) -> tuple[str, ...]:
    """Return the codes a header or cell may mean: as written, then without trailing ``（单位）``."""
    text = _lower(header)
    while text:
        if text in lookup:
            return lookup[text]
        shorter = _strip_unit(text)
        if shorter == text:
            break
        text = shorter
    return ()


def _lower(text: object) -> str:
    return str(text).strip().lower()


def _strip_unit(text: str) -> str:
    """Return ``text`` without one trailing bracketed part: ``亩均税收（万元/亩）`` → ``亩均税收``."""
    return _BRACKETED_UNIT.sub("", text).strip()


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


def _period_labels(values: list[object]) -> list[Hashable]:
    """Return periods as ints when every label is a whole number (years), else as text."""
    numbers = [parse_number(v) for v in values]
    if all(n is not None and not math.isnan(n) and float(n).is_integer() for n in numbers):
        return [int(n) for n in numbers]  # type: ignore[arg-type]
    return [str(v).strip() for v in values]


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

    def numbers(self, column: str, indicator: str | Sequence[str]) -> np.ndarray:
        """Parse a column to floats; name every cell that is not a number.

        ``indicator`` names the column's indicator, or each row's (long layout).
        """
        raw = self.table.frame[column]
        fast = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, copy=True)
        fast[~np.isfinite(fast)] = np.nan  # inf and 1e999 go through the strict parser below
        out = fast.copy()
        for pos in np.flatnonzero(np.isnan(fast)):
            value = raw.iloc[pos]
            parsed = parse_number(value)
            if parsed is None:
                name = indicator if isinstance(indicator, str) else indicator[pos]
                self.problem("non_numeric", int(pos), column, value=value, indicator=name)
                out[pos] = np.nan
            else:
                out[pos] = parsed
        return out

    def keys(self, unit_col: str | None, name_col: str | None,
             period_col: str | None) -> tuple[list[str], list[Hashable]]:
        frame = self.table.frame
        code_col = unit_col or name_col
        units: list[str] = []
        for pos, value in enumerate(frame[code_col]):
            text = _cell_text(value)
            if not text:
                self.problem("missing_unit", pos, code_col)
            units.append(text)
        if period_col is None:
            return units, [self.default_period] * len(units)
        raw_periods = list(frame[period_col])
        for pos, value in enumerate(raw_periods):
            if _cell_text(value).lower() in MISSING_MARKERS:
                self.problem("missing_period", pos, period_col)
        return units, _period_labels(raw_periods)

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
        denominators.
    sheet : str or int, optional
        Excel sheet of the data; the first by default.
    units : path or DataFrame, optional
        A unit table (code, name, group columns). When given, every unit of
        the data must be in it.
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
            reader.problem("no_unit_column", aliases=", ".join(UNIT_ALIASES[:6]) + " …")


def _classify_columns(reader: _Reader, skip: set[str]) -> tuple[dict, dict, list]:
    """Sort the columns of a wide table into indicators, denominators and attributes."""
    framework = reader.framework
    lookup = _indicator_lookup(framework)
    groups = {g.code for g in framework.groups}
    dens = {d.code for d in framework.denominators}
    indicator_cols: dict[str, str] = {}
    denominator_cols: dict[str, str] = {}
    attribute_cols: list[str] = []
    for col in reader.table.frame.columns:
        if col in skip:
            continue
        codes = _match(lookup, col)
        if len(codes) > 1:
            reader.problem("ambiguous_indicator", None, col, name=col, codes=", ".join(codes))
        elif codes:
            code = codes[0]
            if code in indicator_cols:
                reader.problem("duplicate_column", None, col, name=col,
                               other=indicator_cols[code], code=code)
            else:
                indicator_cols[code] = col
        elif col in dens:
            denominator_cols[col] = col
        elif col in groups or col.lower().endswith("_group") or _is_text(reader.table.frame[col]):
            attribute_cols.append(col)
        else:
            reader.problem("unknown_indicator", None, col, name=col)
    return indicator_cols, denominator_cols, attribute_cols


def _is_text(series: pd.Series) -> bool:
    """Return True when the non-blank cells are mostly not numbers (a label column)."""
    values = [v for v in series if not (v is None or (isinstance(v, float) and math.isnan(v))
                                        or (isinstance(v, str) and not v.strip()))]
    if not values:
        return False
    not_numbers = sum(parse_number(v) is None for v in values)
    return not_numbers > len(values) / 2


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
    unit_keys, period_keys = reader.keys(unit_col, name_col, period_col)

    _check_unique_rows(reader, unit_keys, period_keys, has_period=period_col is not None)

    codes = [c for c in framework.indicator_codes if c in indicator_cols]
    parsed = {c: reader.numbers(indicator_cols[c], c) for c in codes}
    den_codes = [d.code for d in framework.denominators if d.code in denominator_cols]
    den_parsed = {d: reader.numbers(denominator_cols[d], d) for d in den_codes}

    unit_order = list(dict.fromkeys(unit_keys))
    periods = _period_order(period_keys)
    attr_cols = ([name_col] if name_col and unit_col else []) + attribute_cols
    attributes = _attributes_from_rows(frame, unit_keys, period_keys, attr_cols, name_col,
                                       periods)
    attributes = _merge_unit_table(reader, attributes, unit_keys, unit_col or name_col,
                                   units_source)
    if reader.problems:
        raise DataError(reader.problems)

    u_index = {u: i for i, u in enumerate(unit_order)}
    p_index = {p: i for i, p in enumerate(periods)}
    rows_u = np.array([u_index[u] for u in unit_keys])
    rows_p = np.array([p_index[p] for p in period_keys])
    shape = (len(periods), len(unit_order))
    values = np.full(shape + (len(framework.indicator_codes),), np.nan)
    for j, code in enumerate(framework.indicator_codes):
        values[rows_p, rows_u, j] = parsed[code]
    dens = np.full(shape + (len(den_codes),), np.nan)
    for j, code in enumerate(den_codes):
        dens[rows_p, rows_u, j] = den_parsed[code]
    return Panel(values, tuple(unit_order), tuple(periods), framework.indicator_codes, attributes,
                 dens, tuple(den_codes), source=reader.table.file)


def _check_unique_rows(reader: _Reader, unit_keys: list[str], period_keys: list,
                       has_period: bool) -> None:
    """Report every repeated unit (or unit-period) row of a wide table with its first row."""
    first: dict[tuple, int] = {}
    for pos, key in enumerate(zip(unit_keys, period_keys, strict=True)):
        if not key[0]:
            continue  # already reported as a missing unit
        if key not in first:
            first[key] = pos
        elif has_period:
            reader.problem("duplicate_unit_row", pos, unit=key[0], period=key[1],
                           first=reader.table.row_number(first[key]))
        else:
            reader.problem("duplicate_unit", pos, unit=key[0],
                           first=reader.table.row_number(first[key]))


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


def _attributes_from_rows(frame: pd.DataFrame, unit_keys: list[str], period_keys: list,
                          columns: list[str], name_col: str | None,
                          periods: list) -> pd.DataFrame:
    """One row per unit; where a unit has several periods, its latest row's values win."""
    if not columns:
        return pd.DataFrame(index=pd.Index(list(dict.fromkeys(unit_keys)), name="unit"))
    rank = {p: i for i, p in enumerate(periods)}
    attrs = frame[columns].copy()
    attrs.insert(0, "_order", [rank[p] for p in period_keys])
    attrs.insert(0, "unit", unit_keys)
    attrs = attrs.sort_values("_order", kind="stable").drop_duplicates("unit", keep="last")
    attrs = attrs.drop(columns="_order").set_index("unit")
    if name_col and name_col in attrs.columns:
        attrs = attrs.rename(columns={name_col: "name"})
    return _blank_to_missing(attrs)


def _blank_to_missing(attrs: pd.DataFrame) -> pd.DataFrame:
    """Make blank labels missing: an empty group cell is no group, not a group called ''."""
    return attrs.map(lambda v: np.nan if isinstance(v, str) and not v.strip() else v)


def _merge_unit_table(reader: _Reader, attributes: pd.DataFrame, unit_keys: list[str],
                      unit_col: str, units_source: object) -> pd.DataFrame:
    """Join the unit table's names and groups; report data units missing from it.

    A missing unit is reported at its first row in the data.
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
    meta = table.frame.copy()
    meta[code_col] = [_cell_text(v) for v in meta[code_col]]
    meta = meta.drop_duplicates(code_col, keep="last").set_index(code_col)
    name_col = _find(cols, NAME_ALIASES, None)
    if name_col and name_col != code_col:
        meta = meta.rename(columns={name_col: "name"})
    known = set(meta.index)
    first: dict[str, int] = {}
    for pos, unit in enumerate(unit_keys):
        first.setdefault(unit, pos)
    unit_order = list(first)
    for unit in unit_order:
        if unit and unit not in known:
            reader.problem("unit_without_metadata", first[unit], unit_col, unit=unit)
    meta.index.name = "unit"
    meta = _blank_to_missing(meta)
    extra = [c for c in attributes.columns if c not in meta.columns]
    return meta.reindex(unit_order).join(attributes[extra]) if extra else meta.reindex(unit_order)


def _long_codes(reader: _Reader, names: list[str], column: str, lookup: dict[str, tuple[str, ...]],
                denominators: set[str]) -> list[str | None]:
    """Return the indicator (or denominator) code of each row of a long table.

    An unknown or ambiguous name is reported once, at its first row; an empty one at every row.
    """
    codes: list[str | None] = []
    reported: set[str] = set()
    for pos, name in enumerate(names):
        matched = _match(lookup, name) if name else ()
        code = matched[0] if len(matched) == 1 else (name if name in denominators else None)
        if not name:
            reader.problem("missing_indicator_name", pos, column)
        elif code is None and name not in reported:
            reported.add(name)
            if matched:
                reader.problem("ambiguous_indicator", pos, column, name=name, codes=", ".join(matched))
            else:
                reader.problem("unknown_indicator_long", pos, column, name=name)
        codes.append(code)
    return codes


def _read_long(reader: _Reader, unit_col: str, name_col: str | None, period_col: str | None,
               indicator_col: str, value_col: str, units_source: object) -> Panel:
    framework, frame = reader.framework, reader.table.frame
    lookup = _indicator_lookup(framework)
    dens = {d.code for d in framework.denominators}
    unit_keys, period_keys = reader.keys(unit_col, name_col, period_col)
    names = [_cell_text(v) for v in frame[indicator_col]]
    codes = _long_codes(reader, names, indicator_col, lookup, dens)
    values = reader.numbers(value_col, [c or n for c, n in zip(codes, names, strict=True)])
    found = {c for c in codes if c}
    _check_coverage(reader, found & set(framework.indicator_codes), found & dens)

    first: dict[tuple, int] = {}
    for pos, key in enumerate(zip(unit_keys, period_keys, codes, strict=True)):
        if key[2] is None or not key[0]:
            continue  # reported as an unknown indicator or a missing unit
        if key in first:
            reader.problem("duplicate_row", pos, unit=key[0], period=key[1], indicator=key[2],
                           first=reader.table.row_number(first[key]))
        else:
            first[key] = pos
    unit_order = list(dict.fromkeys(unit_keys))
    periods = _period_order(period_keys)
    declared = {g.code for g in framework.groups}
    attr_cols = ([name_col] if name_col else []) + [c for c in frame.columns if c in declared]
    attributes = _attributes_from_rows(frame, unit_keys, period_keys, attr_cols, name_col, periods)
    attributes = _merge_unit_table(reader, attributes, unit_keys, unit_col, units_source)
    if reader.problems:
        raise DataError(reader.problems)

    den_codes = [d.code for d in framework.denominators if d.code in found]
    columns = {c: j for j, c in enumerate(framework.indicator_codes)}
    den_columns = {c: j for j, c in enumerate(den_codes)}
    u_index = {u: i for i, u in enumerate(unit_order)}
    p_index = {p: i for i, p in enumerate(periods)}
    shape = (len(periods), len(unit_order))
    out = np.full(shape + (len(columns),), np.nan)
    den = np.full(shape + (len(den_codes),), np.nan)
    for pos, code in enumerate(codes):
        target, col = (out, columns[code]) if code in columns else (den, den_columns[code])
        target[p_index[period_keys[pos]], u_index[unit_keys[pos]], col] = values[pos]
    return Panel(out, tuple(unit_order), tuple(periods), framework.indicator_codes, attributes,
                 den, tuple(den_codes), source=reader.table.file)
