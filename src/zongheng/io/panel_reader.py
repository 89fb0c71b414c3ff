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
from collections.abc import Hashable
from pathlib import Path

import numpy as np
import pandas as pd

from zongheng.errors import DataError, Problem
from zongheng.framework import Framework
from zongheng.io.tables import Table, parse_number, read_table
from zongheng.panel import Panel

__all__ = ["read_panel"]

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


def _indicator_lookup(framework: Framework) -> dict[str, str]:
    """Map every accepted spelling of an indicator (code, name, English name) to its code."""
    lookup: dict[str, str] = {}
    for ind in framework.indicators:
        for spelling in (ind.name_en, ind.name, ind.code):
            if spelling:
                lookup[_key(spelling)] = ind.code
    return lookup


def _key(header: object) -> str:
    text = str(header).strip()
    return _BRACKETED_UNIT.sub("", text).strip().lower()


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

    def problem(self, kind: str, position: int | None = None, column: str | None = None,
                **params: object) -> None:
        self.problems.append(Problem(kind, params, **self.table.where(position, column)))

    def numbers(self, column: str, indicator: str) -> np.ndarray:
        """Parse a column to floats; name every cell that is not a number."""
        raw = self.table.frame[column]
        fast = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
        out = fast.copy()
        for pos in np.flatnonzero(np.isnan(fast)):
            value = raw.iloc[pos]
            parsed = parse_number(value)
            if parsed is None:
                self.problem("non_numeric", int(pos), column, value=value, indicator=indicator)
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
            text = "" if value is None or (isinstance(value, float) and math.isnan(value)) \
                else str(value).strip()
            if isinstance(value, float) and value.is_integer():
                text = str(int(value))
            if not text:
                self.problem("missing_unit", pos, code_col)
            units.append(text)
        if period_col is None:
            return units, [self.default_period] * len(units)
        raw_periods = list(frame[period_col])
        for pos, value in enumerate(raw_periods):
            if parse_number(value) is not None and math.isnan(parse_number(value) or 0.0):
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
    table = read_table(source, sheet=sheet)
    reader = _Reader(table, framework)
    reader.default_period = period
    columns = list(table.frame.columns)
    unit_col = _find(columns, UNIT_ALIASES, unit_column)
    name_col = _find(columns, NAME_ALIASES, None)
    period_col = _find(columns, PERIOD_ALIASES, period_column)
    if unit_col is None and name_col is None:
        reader.problem("no_unit_column", aliases=", ".join(UNIT_ALIASES[:6]) + " …")
        raise DataError(reader.problems)
    if period_column is not None and period_col is None:
        reader.problem("missing_column", column=period_column)
        raise DataError(reader.problems)
    indicator_col = _find(columns, INDICATOR_ALIASES, None)
    value_col = _find(columns, VALUE_ALIASES, None)
    is_long = layout == "long" or (layout == "auto" and indicator_col and value_col)
    if is_long:
        return _read_long(reader, unit_col or name_col, name_col if unit_col else None,
                          period_col, indicator_col, value_col, units)
    return _read_wide(reader, unit_col, name_col, period_col, units)


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
        code = lookup.get(_key(col))
        if code is not None:
            if code in indicator_cols:
                reader.problem("duplicate_column", column=col, name=col,
                               other=indicator_cols[code], code=code)
            else:
                indicator_cols[code] = col
        elif col in dens:
            denominator_cols[col] = col
        elif col in groups or col.lower().endswith("_group") or _is_text(reader.table.frame[col]):
            attribute_cols.append(col)
        else:
            reader.problem("unknown_indicator", column=col, name=col)
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

    first: dict[tuple, int] = {}
    for pos, key in enumerate(zip(unit_keys, period_keys, strict=True)):
        if key in first:
            reader.problem("duplicate_row", pos, unit=key[0], period=key[1], indicator="*",
                           first=reader.table.header_row + 1 + first[key])
        else:
            first[key] = pos

    codes = [c for c in framework.indicator_codes if c in indicator_cols]
    parsed = {c: reader.numbers(indicator_cols[c], c) for c in codes}
    den_codes = [d.code for d in framework.denominators if d.code in denominator_cols]
    den_parsed = {d: reader.numbers(denominator_cols[d], d) for d in den_codes}

    unit_order = list(dict.fromkeys(unit_keys))
    periods = sorted(set(period_keys), key=_period_sort_key)
    attr_cols = ([name_col] if name_col and unit_col else []) + attribute_cols
    attributes = _attributes_from_rows(frame, unit_keys, period_keys, attr_cols, name_col,
                                       periods)
    attributes = _merge_unit_table(reader, attributes, unit_order, units_source)
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


def _period_sort_key(p: Hashable) -> tuple:
    return (0, p, "") if isinstance(p, int) else (1, 0, str(p))


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
    return attrs


def _merge_unit_table(reader: _Reader, attributes: pd.DataFrame, unit_order: list[str],
                      units_source: object) -> pd.DataFrame:
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
    meta[code_col] = [str(v).strip() for v in meta[code_col]]
    meta = meta.drop_duplicates(code_col, keep="last").set_index(code_col)
    name_col = _find(cols, NAME_ALIASES, None)
    if name_col and name_col != code_col:
        meta = meta.rename(columns={name_col: "name"})
    known = set(meta.index)
    for unit in unit_order:
        if unit not in known:
            reader.problems.append(Problem("unit_without_metadata", {"unit": unit},
                                           file=table.file, sheet=table.sheet))
    meta.index.name = "unit"
    extra = [c for c in attributes.columns if c not in meta.columns]
    return meta.reindex(unit_order).join(attributes[extra]) if extra else meta.reindex(unit_order)


def _read_long(reader: _Reader, unit_col: str, name_col: str | None, period_col: str | None,
               indicator_col: str, value_col: str, units_source: object) -> Panel:
    framework, frame = reader.framework, reader.table.frame
    lookup = _indicator_lookup(framework)
    dens = {d.code for d in framework.denominators}
    unit_keys, period_keys = reader.keys(unit_col, name_col, period_col)
    values = reader.numbers(value_col, "value")
    names = [str(v).strip() for v in frame[indicator_col]]
    codes: list[str | None] = []
    reported: set[str] = set()
    for pos, name in enumerate(names):
        code = lookup.get(_key(name)) or (name if name in dens else None)
        if code is None and name not in reported:
            reported.add(name)
            reader.problem("unknown_indicator_long", pos, indicator_col, name=name)
        codes.append(code)
    found = {c for c in codes if c}
    _check_coverage(reader, found & set(framework.indicator_codes), found & dens)

    first: dict[tuple, int] = {}
    for pos, key in enumerate(zip(unit_keys, period_keys, codes, strict=True)):
        if key[2] is None:
            continue
        if key in first:
            reader.problem("duplicate_row", pos, unit=key[0], period=key[1], indicator=key[2],
                           first=reader.table.header_row + 1 + first[key])
        else:
            first[key] = pos
    unit_order = list(dict.fromkeys(unit_keys))
    periods = sorted(set(period_keys), key=_period_sort_key)
    attr_cols = [name_col] if name_col else []
    attributes = _attributes_from_rows(frame, unit_keys, period_keys, attr_cols, name_col, periods)
    attributes = _merge_unit_table(reader, attributes, unit_order, units_source)
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
