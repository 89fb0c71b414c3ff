"""Messages in Chinese and English (中英文文本).

Every user-facing sentence lives here under a key, zh-CN first. The library
renders errors in the current language (``zh`` unless :func:`set_lang` says
otherwise); the CLI sets it from ``--lang``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

LANGS = ("zh", "en")
# The language is a context variable, not a module global: a web request, a Dask task or a
# thread sets its own without changing anybody else's.
_LANG: ContextVar[str] = ContextVar("zongheng_lang", default="zh")

MESSAGES: dict[str, tuple[str, str]] = {
    # locations
    "loc_sheet": ("工作表 {sheet}", "sheet {sheet}"),
    "loc_row": ("第 {row} 行", "row {row}"),
    "loc_column": ("列 {column}", "column {column}"),
    "loc_key": ("键 {key}", "key {key}"),
    # error titles
    "framework_error_title": (
        "指标体系有 {n} 处问题:",
        "The framework has {n} problem(s):",
    ),
    "data_error_title": (
        "数据有 {n} 处问题，未载入任何数据:",
        "The data has {n} problem(s); nothing was loaded:",
    ),
    "method_error_title": ("方法有 {n} 处问题:", "The method has {n} problem(s):"),
    "argument_error_title": ("调用参数有 {n} 处问题:", "The call has {n} problem(s):"),
    # framework problems
    "fw_duplicate_code": (
        "代码 '{code}' 重复（首次出现在 {first}）",
        "code '{code}' is duplicated (first seen at {first})",
    ),
    "fw_missing_code": ("缺少代码 (code)", "the code is missing"),
    "fw_unknown_parent": (
        "'{code}' 的上级 '{parent}' 不存在",
        "the parent '{parent}' of '{code}' does not exist",
    ),
    "fw_cycle": ("上下级关系成环: {cycle}", "parent links form a cycle: {cycle}"),
    "fw_bad_weight": (
        "'{code}' 的权重必须是正数，实际为 {weight!r}",
        "the weight of '{code}' must be a positive number, got {weight!r}",
    ),
    "fw_bad_direction": (
        "'{code}' 的方向必须是 +、-、正向、逆向、max、min、1 或 -1 之一，实际为 {direction!r}",
        "the direction of '{code}' must be one of '+', '-', '正向', '逆向', 'max', 'min', 1, -1; "
        "got {direction!r}",
    ),
    "fw_empty_branch": (
        "汇总项 '{code}' 下没有任何指标",
        "the aggregate '{code}' has no indicators under it",
    ),
    "fw_no_root": ("找不到根节点（没有上级的总指数）", "no root (an element without a parent) was found"),
    "fw_many_roots": (
        "只能有一个根节点（总指数），实际有 {n} 个: {codes}",
        "there must be one root (the index); found {n}: {codes}",
    ),
    "fw_bad_number": (
        "'{code}' 的 {field} 必须是有限的数字，实际为 {value!r}",
        "the {field} of '{code}' must be a finite number, got {value!r}",
    ),
    "fw_bad_goalposts": (
        "'{code}' 的目标区间 (goalposts) 必须是两个有限的数 [下限, 上限] 且下限 < 上限，实际为 {value!r}",
        "the goalposts of '{code}' must be two finite numbers [lo, hi] with lo < hi, got {value!r}",
    ),
    "fw_unknown_field": (
        "未知字段 '{field}'（可用字段: {allowed}）",
        "unknown field '{field}' (known fields: {allowed})",
    ),
    "fw_missing_column": (
        "缺少必需的列 '{column}'（已有列: {found}）",
        "the required column '{column}' is missing (found: {found})",
    ),
    "fw_bad_yaml": ("无法解析 YAML: {detail}", "cannot parse YAML: {detail}"),
    "fw_bad_shape": ("应为 {expected}，实际为 {found}", "expected {expected}, got {found}"),
    "fw_unknown_denominator": (
        "'{code}' 的分母 '{denominator}' 没有在 denominators 中声明",
        "the denominator '{denominator}' of '{code}' is not declared under denominators",
    ),
    # data problems
    "file_not_found": ("文件不存在", "the file does not exist"),
    "file_unsupported": (
        "不支持的文件类型 '{suffix}'（支持 .csv、.xlsx、.parquet）",
        "unsupported file type '{suffix}' (supported: .csv, .xlsx, .parquet)",
    ),
    "file_empty": ("文件是空的，没有数据行", "the file is empty: no data rows"),
    "file_unreadable": ("无法读取文件: {detail}", "cannot read the file: {detail}"),
    "file_encoding": (
        "无法识别文件编码（已尝试 UTF-8 和 GB18030）",
        "cannot decode the file (tried UTF-8 and GB18030)",
    ),
    "sheet_missing": (
        "没有名为 '{sheet}' 的工作表（已有: {found}）",
        "there is no sheet named '{sheet}' (found: {found})",
    ),
    "no_unit_column": (
        "找不到单位代码列（可用列名: {aliases}；或用 unit_column 指定）",
        "no unit column found (accepted names: {aliases}; or pass unit_column)",
    ),
    "missing_column": ("缺少列 '{column}'", "the column '{column}' is missing"),
    "missing_long_column": (
        "长表缺少 {column} 列（可用列名: {aliases}）",
        "the long table has no {column} column (accepted names: {aliases})",
    ),
    "unknown_indicator": (
        "列 '{name}' 不是指标体系中的指标代码或名称；若是分组或属性列，请在指标体系的 groups 中声明",
        "column '{name}' is neither an indicator code nor name in the framework; "
        "if it is a group or attribute column, declare it under groups in the framework",
    ),
    "unknown_indicator_long": (
        "指标 '{name}' 不在指标体系中",
        "the indicator '{name}' is not in the framework",
    ),
    "ambiguous_indicator": (
        "'{name}' 同时是多个指标的名称（{codes}），请改用指标代码",
        "'{name}' is the name of several indicators ({codes}); use the indicator code",
    ),
    "missing_indicator_name": ("指标为空", "the indicator is empty"),
    "missing_indicators": (
        "数据中缺少指标: {codes}",
        "the data has no values for the indicators: {codes}",
    ),
    "missing_denominator": (
        "数据中缺少分母列 '{name}'（指标 {codes} 需要它）",
        "the denominator column '{name}' is missing (needed by {codes})",
    ),
    "non_numeric": (
        "'{value}' 不是数字（指标 {indicator}）；缺失值请留空",
        "'{value}' is not a number (indicator {indicator}); leave missing values empty",
    ),
    "duplicate_row": (
        "单位 '{unit}'、时期 '{period}'、指标 '{indicator}' 重复（首次出现在第 {first} 行）",
        "unit '{unit}', period '{period}', indicator '{indicator}' is duplicated "
        "(first at row {first})",
    ),
    "duplicate_unit": (
        "单位 '{unit}' 重复（首次出现在第 {first} 行）",
        "unit '{unit}' is duplicated (first at row {first})",
    ),
    "duplicate_unit_row": (
        "单位 '{unit}'、时期 '{period}' 重复（首次出现在第 {first} 行）",
        "unit '{unit}', period '{period}' is duplicated (first at row {first})",
    ),
    "duplicate_column": (
        "列 '{name}' 与列 '{other}' 都对应指标 '{code}'",
        "columns '{name}' and '{other}' both map to the indicator '{code}'",
    ),
    "missing_unit": ("单位代码为空", "the unit code is empty"),
    "missing_period": ("时期为空", "the period is empty"),
    "ambiguous_unit": (
        "名称 '{unit}' 对应多个单位（代码 {codes}）；请用单位代码指定",
        "the name '{unit}' belongs to several units (codes {codes}): give the unit code",
    ),
    "unknown_unit": (
        "单位 '{unit}' 不在数据中（已有: {known}）",
        "the unit '{unit}' is not in the data (found: {known})",
    ),
    "unit_without_metadata": (
        "单位 '{unit}' 不在单位信息表中",
        "the unit '{unit}' is not in the unit table",
    ),
    "conflicting_attribute": (
        "单位 '{unit}' 的 '{column}' 前后不一致: {a!r} 与 {b!r}",
        "the unit '{unit}' has conflicting '{column}': {a!r} and {b!r}",
    ),
    # method problems
    "method_unknown_stage": (
        "未知的步骤 '{stage}'（可用: {allowed}）",
        "unknown stage '{stage}' (known: {allowed})",
    ),
    "method_unknown_key": (
        "步骤 {stage} 没有方法 '{name}'（可用: {allowed}）",
        "the stage {stage} has no method '{name}' (known: {allowed})",
    ),
    "method_bad_param": (
        "方法 {name} 的参数有误: {detail}",
        "bad parameters for method {name}: {detail}",
    ),
    "method_bad_scope": (
        "参照范围 scope 必须是 pooled、per_period 或 base:<时期>，实际为 {scope!r}",
        "scope must be pooled, per_period or base:<period>, got {scope!r}",
    ),
    "method_unknown_period": (
        "时期 '{period}' 不在数据中（已有: {found}）",
        "the period '{period}' is not in the data (found: {found})",
    ),
    "method_unknown_group": (
        "分组列 '{group}' 不在单位信息中（已有: {found}）",
        "the group column '{group}' is not among the unit attributes (found: {found})",
    ),
    "method_missing_values": (
        "指标 {indicator} 在 {period} 有 {n} 个缺失值（如 {units}），但插补方法为 none"
        "（可在方法中加入 impute，如 impute: interpolate 或 impute: mean）",
        "indicator {indicator} has {n} missing value(s) in {period} (e.g. {units}) "
        "but the imputation method is none (add impute to the method, e.g. impute: interpolate "
        "or impute: mean)",
    ),
    "method_group_all_missing": (
        "指标 {indicator} 在 {period} 的分组 {group}={value} 全部缺失，无法用组均值插补",
        "indicator {indicator} is missing for every unit of {group}={value} in {period}: "
        "the group mean cannot impute it",
    ),
    "method_unknown_level": (
        "层级 {level} 不在指标体系中（已有: {found}）",
        "level {level} is not in the framework (found: {found})",
    ),
    # warnings
    "warn_constant": (
        "指标 {indicators} 取值全部相同，标准化后取区间中点",
        "indicator(s) {indicators} are constant; normalised to the middle of the range",
    ),
}


def register_messages(messages: dict[str, tuple[str, str]]) -> None:
    """Add messages ``{key: (zh, en)}`` from a module (e.g. a step family's own errors)."""
    clash = [k for k in messages if k in MESSAGES and MESSAGES[k] != messages[k]]
    if clash:
        raise ValueError(f"message keys already defined differently: {clash}")
    MESSAGES.update(messages)


def set_lang(lang: str) -> None:
    """Set the language of messages: ``"zh"`` (default) or ``"en"``."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    _LANG.set(lang)


def get_lang() -> str:
    """Return the current message language."""
    return _LANG.get()


@contextmanager
def using_lang(lang: str | None) -> Iterator[str]:
    """Use ``lang`` inside a ``with`` block, then restore the language before it.

    ``None`` keeps the current language. Writers take ``lang=`` and run under it,
    so their messages and terms follow one language.
    """
    if lang is None:
        yield get_lang()
        return
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    token = _LANG.set(lang)
    try:
        yield lang
    finally:
        _LANG.reset(token)


def text(key: str, lang: str | None = None, /, **params: object) -> str:
    """Return the message ``key`` in ``lang`` with ``params`` filled in."""
    zh, en = MESSAGES[key]
    template = en if (lang or get_lang()) == "en" else zh
    return template.format(**params)
