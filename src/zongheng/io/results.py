"""Writing results (结果输出): tidy CSV, an Excel workbook with a sheet per stage, JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from zongheng.io.atomic import atomic_write
from zongheng.io.cells import clean_frame

if TYPE_CHECKING:  # io sits below the core: it names the evaluation, never imports it
    from zongheng.evaluation import Evaluation

__all__ = ["write_evaluation"]

_STAGE_SHEETS = ("raw", "denominated", "imputed", "screened", "treated", "normalised",
                 "aggregated")


def write_evaluation(evaluation: Evaluation, path: str | Path, *, lang: str = "zh") -> Path:
    """Write an evaluation by the file's suffix: ``.csv``, ``.xlsx`` or ``.json``.

    The file is written to a temporary name and moved into place, so a failure
    never leaves a half-written file.

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    writers = {".csv": _write_csv, ".xlsx": _write_xlsx, ".json": _write_json}
    if suffix not in writers:
        raise ValueError(f"unsupported output type {suffix!r}; use .csv, .xlsx or .json")
    return atomic_write(path, lambda tmp: writers[suffix](evaluation, tmp, lang))


def _write_csv(ev: Evaluation, path: Path, lang: str) -> None:
    frame = ev.to_frame()[["unit", "period", "node", "level", "score", "rank"]]
    frame.to_csv(path, index=False, encoding="utf-8-sig")


def _write_xlsx(ev: Evaluation, path: Path, lang: str) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as book:
        ranking = pd.concat([ev.ranking(p).assign(period=p) for p in ev.panel.periods])
        clean_frame(ranking).to_excel(book, sheet_name="ranking", index=False)
        for name in _STAGE_SHEETS:
            frames = [ev.stage_frame(name, p).reset_index().assign(period=p)
                      for p in ev.panel.periods]
            clean_frame(pd.concat(frames)).to_excel(book, sheet_name=name, index=False)
        clean_frame(ev.effective_weights.rename_axis("indicator").reset_index()).to_excel(
            book, sheet_name="weights", index=False)
        clean_frame(ev.treated).to_excel(book, sheet_name="treatment", index=False)
        clean_frame(ev.screened).to_excel(book, sheet_name="screened", index=False)
        pd.DataFrame({"method": [json.dumps(ev.method.to_dict(), ensure_ascii=False)]}).to_excel(
            book, sheet_name="method", index=False)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def _write_json(ev: Evaluation, path: Path, lang: str) -> None:
    frame = ev.to_frame()
    records = [{k: _clean(v) for k, v in row.items()}
               for row in frame.astype(object).where(frame.notna(), None).to_dict("records")]
    doc = {
        "method": ev.method.to_dict(),
        "framework": {"index": ev.framework.root.code, "nodes": list(ev.node_codes)},
        "units": list(ev.panel.units),
        "periods": [_clean(p) for p in ev.panel.periods],
        "effective_weights": {k: float(v) for k, v in ev.effective_weights.items()},
        "screened": ev.screened.to_dict("records"),
        "scores": records,
    }
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=_clean),
                    encoding="utf-8")
