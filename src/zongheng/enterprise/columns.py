"""Enterprise base data (企业基础数据): the columns of a 亩均 table and how they are read.

A county's table has one row per enterprise with its base data (用地面积, 税收,
工业增加值 …) under Chinese or English headers; a unit in brackets
(``用地面积(亩)``, ``税收（万元）``) is ignored when matching. Every bad cell is
reported at once with its position; nothing is half-read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from zongheng.errors import DataError, Problem
from zongheng.i18n import register_messages
from zongheng.io.tables import MISSING_MARKERS, Table, parse_number, read_table

__all__ = ["BASE_COLUMNS", "BaseColumn", "EnterpriseTable", "load_enterprises", "read_enterprises"]

register_messages({
    "muyun_ent_missing_column": (
        "缺少列 '{column}'（{what}；可用列名: {aliases}）",
        "the column '{column}' is missing ({what}; accepted names: {aliases})",
    ),
    "muyun_ent_no_id_column": (
        "找不到企业标识列（统一社会信用代码或企业名称；可用列名: {aliases}）",
        "no enterprise column found (credit code or name; accepted names: {aliases})",
    ),
    "muyun_ent_duplicate_header": (
        "列 '{name}' 与列 '{other}' 都对应 '{column}'",
        "the columns '{name}' and '{other}' both mean '{column}'",
    ),
    "muyun_ent_missing_value": (
        "'{column}' 为空，需要一个数字（{unit}）",
        "'{column}' is empty; a number ({unit}) is needed",
    ),
    "muyun_ent_non_numeric": (
        "'{value}' 不是数字（'{column}'，单位 {unit}）",
        "'{value}' is not a number ('{column}', in {unit})",
    ),
    "muyun_ent_negative": (
        "'{column}' 不能为负数，实际为 {value}",
        "'{column}' cannot be negative, got {value}",
    ),
    "muyun_ent_bad_scale": (
        "规模 '{value}' 无法识别（应为 规上 或 规下）",
        "the scale '{value}' is not recognised (expected 规上 or 规下, above or below)",
    ),
    "muyun_ent_bad_flag": (
        "'{value}' 不是是/否（'{column}'；可填 是、否、1、0、Y、N 或留空）",
        "'{value}' is not yes/no ('{column}'; use 是, 否, 1, 0, Y, N or leave empty)",
    ),
    "muyun_ent_missing_id": ("企业标识为空", "the enterprise identifier is empty"),
    "muyun_ent_duplicate_id": (
        "企业 '{id}' 重复（首次出现在第 {first} 行）",
        "the enterprise '{id}' is duplicated (first at row {first})",
    ),
    "muyun_ent_more_problems": (
        "列 '{column}' 还有 {n} 处同类问题未列出",
        "{n} more problem(s) of the same kind in the column '{column}' are not listed",
    ),
})

# Only the first few problems of one kind in one column are listed: a million bad cells would
# make a message nobody reads, and the first ones show what to fix.
MAX_LISTED = 20


@dataclass(frozen=True, slots=True)
class BaseColumn:
    """A base-data column of the enterprise table (企业基础数据列).

    Parameters
    ----------
    key : str
        The name used in formulas and in the library's frames (e.g. ``land_area``).
    zh, en : str
        The header written in templates, in Chinese and English.
    unit : str
        The unit of a number column (``亩``, ``万元`` …).
    kind : str
        ``id``, ``text``, ``scale``, ``number`` or ``flag``.
    aliases : tuple of str
        Other accepted headers (compared without case, spaces or a bracketed unit).
    nonnegative : bool
        Whether a number must be ≥ 0 (tax and value added may be negative).
    """

    key: str
    zh: str
    en: str
    unit: str = ""
    kind: str = "number"
    aliases: tuple[str, ...] = ()
    nonnegative: bool = True

    @property
    def header(self) -> str:
        """Return the template header, with the unit in brackets (``用地面积(亩)``)."""
        return f"{self.zh}({self.unit})" if self.unit else self.zh

    def label(self, lang: str = "zh") -> str:
        """Return the column's name in ``lang``."""
        return self.en if lang == "en" else self.zh


BASE_COLUMNS: dict[str, BaseColumn] = {c.key: c for c in (
    BaseColumn("id", "统一社会信用代码", "credit code", kind="id",
               aliases=("信用代码", "社会信用代码", "企业代码", "代码", "id", "credit_code", "uscc",
                        "code")),
    BaseColumn("name", "企业名称", "name", kind="text",
               aliases=("名称", "企业", "name", "enterprise", "company")),
    BaseColumn("sector", "行业", "sector", kind="text",
               aliases=("所属行业", "行业类别", "行业门类", "sector", "industry")),
    BaseColumn("scale", "规模", "scale", kind="scale",
               aliases=("企业规模", "规上规下", "规上/规下", "是否规上", "scale", "size")),
    BaseColumn("land_area", "用地面积", "land area", "亩",
               aliases=("土地面积", "占地面积", "用地", "land", "land_area", "area")),
    BaseColumn("tax", "税收", "tax", "万元",
               aliases=("评价税收", "实缴税收", "实缴税金", "税收实际贡献", "tax"), nonnegative=False),
    BaseColumn("value_added", "工业增加值", "value added", "万元",
               aliases=("增加值", "value_added", "va"), nonnegative=False),
    BaseColumn("revenue", "营业收入", "revenue", "万元",
               aliases=("主营业务收入", "销售收入", "revenue", "sales")),
    BaseColumn("energy", "综合能耗", "energy use", "吨标准煤",
               aliases=("能耗", "综合能源消费量", "energy", "energy_use")),
    BaseColumn("emissions", "排放当量", "emissions", "吨",
               aliases=("主要污染物排放量", "排放量", "污染物排放当量", "emissions")),
    BaseColumn("employees", "年平均职工人数", "employees", "人",
               aliases=("职工人数", "从业人员", "从业人员平均人数", "employees", "workers")),
    BaseColumn("rd", "研发经费", "R&D expenditure", "万元",
               aliases=("r&d经费支出", "研发经费支出", "研发费用", "研发投入", "rd", "r&d",
                        "rd_expenditure")),
    BaseColumn("exempt", "是否豁免", "exempt", kind="flag",
               aliases=("豁免", "免评", "是否免评", "exempt")),
    BaseColumn("protected", "是否保护", "protected", kind="flag",
               aliases=("保护期", "是否保护期", "保护", "protected")),
    BaseColumn("veto", "安全环保违法", "safety/environment violation", kind="flag",
               aliases=("一票否决", "否决", "安全环保", "veto", "violation")),
)}

SCALES = ("规上", "规下")
NUMBER_KEYS = tuple(k for k, c in BASE_COLUMNS.items() if c.kind == "number")
FLAG_KEYS = tuple(k for k, c in BASE_COLUMNS.items() if c.kind == "flag")

_SCALE_WORDS = {
    **dict.fromkeys(("规上", "规模以上", "规上企业", "规上工业", "规上工业企业", "above", "above-scale",
                     "above scale", "是"), "规上"),
    **dict.fromkeys(("规下", "规模以下", "规下企业", "规下工业", "规下工业企业", "below", "below-scale",
                     "below scale", "否"), "规下"),
}
_FLAG_WORDS = {
    **dict.fromkeys(("是", "y", "yes", "true", "t", "1", "1.0", "√", "✓", "✔", "x"), True),
    **dict.fromkeys(("否", "n", "no", "false", "f", "0", "0.0", "", "nan", "none", "×", "-", "—"), False),
}
_BRACKETED = re.compile(r"\s*[（(\[【][^（()）\]】]*[)）\]】]\s*$")


def _normal(header: object) -> str:
    """Return a header as compared: without a trailing bracketed unit, spaces and case."""
    text = _BRACKETED.sub("", str(header).strip())
    return re.sub(r"\s+", "", text).lower()


def _lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for col in BASE_COLUMNS.values():
        for spelling in (col.key, col.zh, col.en, *col.aliases):
            out.setdefault(_normal(spelling), col.key)
    return out


_LOOKUP = _lookup()


class _Problems:
    """Collects problems, listing at most :data:`MAX_LISTED` per kind and column."""

    def __init__(self, table: Table):
        self.table = table
        self.items: list[Problem] = []

    def cells(self, kind: str, positions: np.ndarray, column: str, params: Iterable[dict]) -> None:
        for pos, extra in zip(positions[:MAX_LISTED], params, strict=False):
            self.items.append(Problem(kind, extra, **self.table.where(int(pos), column)))
        if len(positions) > MAX_LISTED:
            self.items.append(Problem("muyun_ent_more_problems",
                                      {"column": column, "n": len(positions) - MAX_LISTED},
                                      file=self.table.file, sheet=self.table.sheet))


@dataclass(frozen=True)
class EnterpriseTable:
    """An enterprise table as read (企业基础数据): canonical columns and where each cell was.

    Attributes
    ----------
    data : pandas.DataFrame
        ``id``, ``name``, (``sector``), ``scale`` (categorical 规上/规下), the number
        columns found as float64 (NaN where blank), ``exempt``, ``protected``, ``veto``.
    table : Table
        The table read, to name cells.
    headers : dict
        The header found for each key.
    blank : dict
        Per number column, which rows are blank.
    problems : tuple of Problem
        The bad cells found (kept when read with ``strict=False``).
    """

    data: pd.DataFrame
    table: Table
    headers: dict[str, str]
    blank: dict[str, np.ndarray]
    problems: tuple[Problem, ...] = ()

    def require(self, key: str, rows: np.ndarray | None = None, branch: str | None = None) -> list[Problem]:
        """Return the problems if ``key`` is absent or blank in ``rows`` (a boolean mask; all by default).

        A column only some firms need (规上 indicators in a table that also lists 规下
        firms) may be blank for the others.
        """
        col = BASE_COLUMNS[key]
        if key not in self.headers:
            what = col.label() if branch is None else f"{col.label()}, {branch}"
            return [Problem("muyun_ent_missing_column", {"column": col.header, "what": what,
                                                   "aliases": ", ".join(col.aliases[:4])},
                            file=self.table.file, sheet=self.table.sheet)]
        blank = self.blank[key] if rows is None else self.blank[key] & rows
        problems = _Problems(self.table)
        positions = np.flatnonzero(blank)
        problems.cells("muyun_ent_missing_value", positions, self.headers[key],
                       ({"column": self.headers[key], "unit": col.unit} for _ in positions))
        return problems.items


def load_enterprises(source: str | Path | pd.DataFrame | Table, wanted: Iterable[str] = NUMBER_KEYS, *,
                     sheet: str | int | None = None, strict: bool = True) -> EnterpriseTable:
    """Read an enterprise table, leaving blank numbers as NaN (see :meth:`EnterpriseTable.require`).

    Parameters
    ----------
    source : path, DataFrame or Table
        CSV (UTF-8 or GBK), ``.xlsx`` or a DataFrame; one row per enterprise.
    wanted : iterable of str
        The number columns (keys of :data:`BASE_COLUMNS`) to read when present.
    sheet : str or int, optional
        Excel sheet.
    strict : bool
        Raise on bad cells; with ``False`` they are returned in ``problems`` (bad
        cells read as NaN, unknown scales as missing, bad flags as ``False``) so
        that the caller can add its own and report everything at once.

    Raises
    ------
    DataError
        Listing every problem other than blank numbers and absent number columns:
        no 规模 or identifier column (always), non-numeric or negative numbers,
        unknown scales and flags, empty or duplicated identifiers.
    """
    table = _as_table(source, sheet)
    frame = table.frame.reset_index(drop=True)  # positions; table.where() names the real rows
    problems = _Problems(table)
    found = _match_columns(list(frame.columns), table, problems)
    if "scale" not in found:
        problems.items.extend(EnterpriseTable(pd.DataFrame(), table, found, {}).require("scale"))
    if "id" not in found and "name" not in found:
        problems.items.append(Problem("muyun_ent_no_id_column",
                                      {"aliases": "统一社会信用代码, 企业名称, id, name"},
                                      file=table.file, sheet=table.sheet))
    if problems.items:
        raise DataError(problems.items)

    out: dict[str, object] = {}
    id_col = found.get("id", found.get("name"))
    out["id"] = _identifiers(frame[id_col], id_col, table, problems)
    out["name"] = _text(frame[found["name"]]) if "name" in found else out["id"]
    if "sector" in found:
        out["sector"] = _text(frame[found["sector"]])
    out["scale"] = _scale(frame[found["scale"]], found["scale"], problems)
    blank: dict[str, np.ndarray] = {}
    for key in dict.fromkeys(wanted):
        if key in found:
            out[key], blank[key] = _numbers(frame[found[key]], found[key], BASE_COLUMNS[key], problems)
    for key in FLAG_KEYS:
        out[key] = (_flags(frame[found[key]], found[key], problems) if key in found
                    else np.zeros(len(frame), dtype=bool))
    if problems.items and strict:
        raise DataError(problems.items)
    data = pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
    return EnterpriseTable(data, table, found, blank, tuple(problems.items))


def read_enterprises(source: str | Path | pd.DataFrame | Table, needs: Iterable[str] = NUMBER_KEYS, *,
                     sheet: str | int | None = None) -> pd.DataFrame:
    """Read an enterprise table (读取企业基础数据) into canonical columns.

    Parameters
    ----------
    source : path, DataFrame or Table
        CSV (UTF-8 or GBK), ``.xlsx`` or a DataFrame; one row per enterprise.
    needs : iterable of str
        The number columns (keys of :data:`BASE_COLUMNS`) that must be present
        and filled in every row; others are ignored even when present.
    sheet : str or int, optional
        Excel sheet.

    Returns
    -------
    pandas.DataFrame
        ``id``, ``name``, (``sector``), ``scale`` (categorical ``规上``/``规下``), the
        needed number columns as float64, and ``exempt``, ``protected``, ``veto``
        as bool (``False`` where the column is absent). Row order is kept.

    Raises
    ------
    DataError
        Listing every missing column and bad cell (position and what was expected):
        empty or non-numeric numbers, negative land area, employees …, unknown
        scales and flags, empty or duplicated identifiers.
    """
    needs = tuple(dict.fromkeys(needs))
    loaded = load_enterprises(source, needs, sheet=sheet, strict=False)
    problems = [*loaded.problems, *(p for key in needs for p in loaded.require(key))]
    if problems:
        raise DataError(problems)
    return loaded.data


def _as_table(source: str | Path | pd.DataFrame | Table, sheet: str | int | None) -> Table:
    if isinstance(source, Table):
        return source
    if isinstance(source, pd.DataFrame):
        # Not through read_table: it inspects every cell in Python, too slow for 10⁶ firms, and
        # a DataFrame has no blank rows to skip. Row numbers count the header as row 1.
        frame = source.reset_index(drop=all(n is None for n in source.index.names))
        frame.columns = [str(c).strip() for c in frame.columns]
        return Table(frame.reset_index(drop=True))
    return read_table(source, sheet=sheet)


def _match_columns(columns: list[str], table: Table, problems: _Problems) -> dict[str, str]:
    found: dict[str, str] = {}
    for column in columns:
        key = _LOOKUP.get(_normal(column))
        if key is None:
            continue  # other columns (乡镇街道, 备注 …) are allowed and ignored
        if key in found:
            problems.items.append(Problem(
                "muyun_ent_duplicate_header", {"name": column, "other": found[key],
                                         "column": BASE_COLUMNS[key].zh},
                file=table.file, sheet=table.sheet))
            continue
        found[key] = column
    return found


def _text(series: pd.Series) -> pd.Series:
    """Return cells as stripped text, empty for missing cells (a string Series)."""
    return series.where(series.notna(), "").astype(str).str.strip()


def _id_text(value: object) -> object:
    # Excel gives whole-number codes as floats (123.0); write them back as 123.
    return str(int(value)) if isinstance(value, float) and value.is_integer() else value


def _identifiers(series: pd.Series, column: str, table: Table, problems: _Problems) -> pd.Series:
    if series.dtype == object or series.dtype.kind == "f":
        series = series.astype(object).map(_id_text)
    ids = _text(series).reset_index(drop=True)
    empty = np.flatnonzero((ids == "").to_numpy())
    problems.cells("muyun_ent_missing_id", empty, column, ({} for _ in empty))
    dup = ids.duplicated(keep="first").to_numpy() & (ids != "").to_numpy()
    if dup.any():
        first = pd.Series(np.arange(len(ids))).groupby(ids.to_numpy()).transform("min").to_numpy()
        positions = np.flatnonzero(dup)
        problems.cells("muyun_ent_duplicate_id", positions, column,
                       ({"id": ids.iloc[p], "first": table.row_number(int(first[p]))} for p in positions))
    return ids


def _coded(series: pd.Series, words: dict) -> tuple[np.ndarray, np.ndarray]:
    """Translate cells through ``words``, once per distinct value; return values and unknown positions.

    A million firms have a handful of distinct 规模 or 是/否 spellings, so the dictionary is
    consulted per distinct value and the result spread with the factorised codes.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    looked = pd.Series([words.get(str(u).strip().lower() if not _missing(u) else "")
                        for u in uniques], dtype=object)
    values = looked.to_numpy()[codes]
    unknown = np.flatnonzero(pd.isna(looked).to_numpy()[codes])
    return values, unknown


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _scale(series: pd.Series, column: str, problems: _Problems) -> pd.Categorical:
    values, bad = _coded(series, _SCALE_WORDS)
    problems.cells("muyun_ent_bad_scale", bad, column, ({"value": series.iloc[p]} for p in bad))
    return pd.Categorical(values, categories=SCALES)


def _flags(series: pd.Series, column: str, problems: _Problems) -> np.ndarray:
    values, bad = _coded(series, _FLAG_WORDS)
    problems.cells("muyun_ent_bad_flag", bad, column,
                   ({"value": series.iloc[p], "column": column} for p in bad))
    values[bad] = False
    return values.astype(bool)


def _numbers(series: pd.Series, column: str, spec: BaseColumn,
             problems: _Problems) -> tuple[np.ndarray, np.ndarray]:
    """Return a column as float64 and its blank cells; name every non-numeric or negative cell."""
    # Fast path for the common case (numbers, or plain numeric strings); the per-cell parser
    # (thousands separators, full-width digits) only sees what it rejects and is not blank.
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, copy=True)
    unparsed = np.flatnonzero(np.isnan(values))
    blank = np.zeros(len(values), dtype=bool)
    if len(unparsed):
        cells = series.iloc[unparsed]
        empty = (cells.isna() | cells.astype(str).str.strip().str.lower().isin(MISSING_MARKERS)).to_numpy()
        blank[unparsed[empty]] = True
        unparsed = unparsed[~empty]
    wrong: list[int] = []
    for pos, cell in zip(unparsed, series.iloc[unparsed].to_numpy(dtype=object), strict=True):
        number = parse_number(cell)
        if number is None or np.isnan(number):
            wrong.append(int(pos))
        else:
            values[pos] = number
    problems.cells("muyun_ent_non_numeric", np.array(wrong, dtype=int), column,
                   ({"value": series.iloc[p], "column": column, "unit": spec.unit} for p in wrong))
    if spec.nonnegative:
        negative = np.flatnonzero(values < 0)
        problems.cells("muyun_ent_negative", negative, column,
                       ({"column": column, "value": _plain(values[p])} for p in negative))
    infinite = np.flatnonzero(np.isinf(values))
    problems.cells("muyun_ent_non_numeric", infinite, column,
                   ({"value": series.iloc[p], "column": column, "unit": spec.unit} for p in infinite))
    return values, blank


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else float(value)
