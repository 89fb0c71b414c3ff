"""Writing a grading (评价结果输出): readable headers, Excel for 公示, CSV and JSON.

The library's frames keep codes (``tax_per_mu``, ``veto``); what people read
(Excel sheets, the CLI's tables) gets names in Chinese or English.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from zongheng.enterprise.rule import GRADES
from zongheng.io.atomic import atomic_write
from zongheng.io.cells import clean_frame
from zongheng.io.safe_cells import csv_frame

if TYPE_CHECKING:
    from zongheng.enterprise.muyun import GradingResult

__all__ = ["document", "headers", "localised", "write_result"]

_FIXED: dict[str, tuple[str, str]] = {
    "id": ("统一社会信用代码", "credit code"), "name": ("企业名称", "name"),
    "sector": ("行业", "sector"), "scale": ("规模", "scale"), "branch": ("评价分组", "branch"),
    "total": ("总分", "total score"), "rank": ("排名", "rank"),
    "percentile": ("位次百分比", "percentile from the top"), "grade": ("等级", "grade"),
    "reason": ("说明", "note"), "firms": ("企业数", "firms"), "graded": ("定级企业数", "graded"),
    "not_graded": ("未定级", "not graded"), "indicator": ("指标", "indicator"),
    "weight": ("权重", "weight"), "benchmark": ("基准值", "benchmark"), "source": ("来源", "source"),
    "low": ("最小值", "minimum"), "high": ("最大值", "maximum"),
    "population": ("参评企业数", "firms learned from"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def headers(result: GradingResult, lang: str = "zh") -> dict[str, str]:
    """Return a readable header for every column of the result's frames."""
    fw = result.framework
    out = {k: _pick(v, lang) for k, v in _FIXED.items()}
    for code in result.indicators:
        ind = fw.node(code)
        name = fw.label(code, lang)
        unit = f"({ind.unit})" if lang != "en" else f" ({ind.unit})"
        out[code] = name + (unit if ind.unit else "")
        out[f"{code}_score"] = f"{name}得分" if lang != "en" else f"{name} score"
    for g in GRADES:
        out[g] = f"{g}类" if lang != "en" else g
        out[f"{g}_share"] = f"{g}类占比" if lang != "en" else f"{g} share"
    for i in range(1, result.rule.weakest + 1):
        out[f"weakest_{i}"] = f"短板指标{i}" if lang != "en" else f"weakest {i}"
        out[f"weakest_{i}_share"] = f"短板{i}得分率" if lang != "en" else f"weakest {i} score share"
    return out


def localised(result: GradingResult, frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Return a frame with readable headers and values (reasons, indicators, branches) in ``lang``."""
    from zongheng.enterprise.muyun import REASONS

    fw = result.framework
    out = frame.copy()
    if "reason" in out:
        names = {k: _pick(v, lang) for k, v in REASONS.items()}
        sep = "、" if lang != "en" else "; "
        # Translate each distinct value once: a million firms have a handful of reason sets.
        out["reason"] = _translate(out["reason"],
                                   lambda r: sep.join(names[x] for x in r.split(";")) if r else "")
    for col in [c for c in out.columns if str(c).startswith("weakest_") and not str(c).endswith("_share")]:
        out[col] = _translate(out[col], lambda c: fw.label(c, lang) if isinstance(c, str) else c)
    if "indicator" in out:
        out["indicator"] = _translate(out["indicator"], lambda c: fw.label(c, lang))
    if lang == "en":
        names = {b.name: b.label("en") for b in result.rule.branches}
        for col in ("branch",):
            if col in out:
                out[col] = out[col].map(lambda b: names.get(b, b))
    if "grade" in out:
        out["grade"] = out["grade"].astype(object).where(out["grade"].notna(), "")
    return clean_frame(out.rename(columns=headers(result, lang)))  # no control characters in xlsx


def _translate(series: pd.Series, how: Any) -> pd.Series:
    table = {v: how(v) for v in series.dropna().unique()}
    return series.map(table)


def _clean(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    plain = frame.astype(object).where(frame.notna(), None)
    return [{str(k): _clean(v) for k, v in row.items()} for row in plain.to_dict("records")]


def document(result: GradingResult, *, grades: bool = True) -> dict:
    """Return the result as a JSON-ready mapping (codes, not translated)."""
    doc: dict[str, Any] = {
        "rule": result.rule.to_dict(),
        "distribution": _records(result.distribution),
        "benchmarks": _records(result.benchmarks),
        "d_list": _records(result.d_list),
    }
    if grades:
        doc["grades"] = _records(result.grades)
    return doc


def write_result(result: GradingResult, path: str | Path, *, lang: str = "zh",
                 by_branch: bool = False, synthetic: bool = False) -> Path:
    """Write a grading by the file's suffix (atomically).

    ``.xlsx``: the grade list (one sheet per branch with ``by_branch``), the
    distribution, the D list, the benchmarks and the rule, formatted
    (:mod:`zongheng.report.xlsx.grading`; ``synthetic`` says so on every sheet);
    ``.csv``: the grade list; ``.json``: everything, with codes. Text that a
    spreadsheet would run as a formula is neutralised (:mod:`zongheng.io.safe_cells`).

    Raises
    ------
    ValueError
        For another suffix.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv", ".json"):
        raise ValueError(f"unsupported output type {suffix!r}; use .xlsx, .csv or .json")

    def write(tmp: Path) -> None:
        if suffix == ".csv":  # a firm named "=HYPERLINK(…)" gets a quote: nothing runs
            csv_frame(localised(result, result.grades, lang)).to_csv(tmp, index=False,
                                                                     encoding="utf-8-sig")
        elif suffix == ".json":
            tmp.write_text(json.dumps(document(result), ensure_ascii=False, indent=1),
                           encoding="utf-8")
        else:
            _write_xlsx(result, tmp, lang, by_branch, synthetic)

    return atomic_write(path, write)


def _write_xlsx(result: GradingResult, path: Path, lang: str, by_branch: bool,
                synthetic: bool) -> None:
    # The formatted workbook (formats, frozen headers, print setup, text never a formula).
    from zongheng.report.xlsx.grading import GradingBook

    GradingBook(result, lang, by_branch, synthetic=synthetic).write(path)
