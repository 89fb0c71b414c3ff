"""Excel workbooks (Excel 工作簿): the sheets people filter, sort and print.

- :func:`write_xlsx` — a unit's workbook from its brief (:mod:`.unit`);
- :func:`write_results_xlsx` — a whole evaluation, every unit, every period
  (:mod:`.evaluation`); ``zongheng build -o x.xlsx`` and the demo write it;
- :func:`write_attainment_xlsx`, :func:`write_eco_xlsx` — supervision
  indicators against their targets (:mod:`.attainment`), and
  :func:`write_attainment_csv`;
- :func:`write_grading_xlsx` — the 亩均 grading (:mod:`.grading`), what
  ``zongheng grade -o x.xlsx`` writes;
- :mod:`.book` — the generic writer all of them share: frozen headers,
  filters, print titles, fit to the page width, unique sheet names, text that
  never runs as a formula; :mod:`.formats` — number formats with the decimals
  of :mod:`zongheng.display`;
- :func:`render_png`, :func:`render_pdf` — a workbook as LibreOffice shows and
  prints it (:mod:`.render`), for tests and documentation.

Every number is a number (formats only change how it shows): ranks are
integers, rank changes show as ▲/▼ through their number format, shares are
fractions shown as percentages, raw values show 4 significant digits.
Submodules load on first use, so that the generic writer stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["ATTAINMENT_SHEETS", "RESULTS_DETAIL_SHEETS", "RESULTS_SHEETS", "SHEETS",
           "render_pdf", "render_png", "sheet_names", "text_width", "write_attainment_csv",
           "write_attainment_xlsx", "write_eco_xlsx", "write_grading_xlsx", "write_results_xlsx",
           "write_xlsx"]

_WHERE = {
    "SHEETS": "unit", "write_xlsx": "unit",
    "RESULTS_SHEETS": "evaluation", "RESULTS_DETAIL_SHEETS": "evaluation",
    "write_results_xlsx": "evaluation",
    "ATTAINMENT_SHEETS": "attainment", "write_attainment_xlsx": "attainment",
    "write_eco_xlsx": "attainment", "write_attainment_csv": "attainment",
    "write_grading_xlsx": "grading", "text_width": "book", "render_png": "render", "render_pdf": "render",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def sheet_names(lang: str = "zh", *, unit: bool = True, attainment: bool = False,
                detail: bool = False) -> list[str]:
    """Return the sheet names of a workbook in order (工作表名称).

    Parameters
    ----------
    lang : {"zh", "en"}
    unit : bool
        A unit's workbook (:func:`write_xlsx`) or a whole evaluation's (:func:`write_results_xlsx`).
    attainment : bool
        An attainment workbook (:func:`write_attainment_xlsx`).
    detail : bool
        A whole evaluation's workbook with ``detail=True`` (without the treatment and
        screening sheets, which appear only when those steps changed something).
    """
    from zongheng.i18n import text
    from zongheng.report.xlsx.attainment import ATTAINMENT_SHEETS
    from zongheng.report.xlsx.evaluation import RESULTS_DETAIL_SHEETS, RESULTS_SHEETS
    from zongheng.report.xlsx.unit import SHEETS

    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    if attainment:
        keys: tuple[str, ...] = ATTAINMENT_SHEETS
    elif unit:
        keys = SHEETS
    else:
        keys = RESULTS_SHEETS + (RESULTS_DETAIL_SHEETS[:4] if detail else ())
    return [text(f"xlsx.sheet_{k}", lang) for k in keys]
