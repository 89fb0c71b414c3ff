"""The 台账 (整改任务台账): every task a user sees, in the usual ledger layout, as Excel or CSV.

One row per task, in the columns offices keep by hand: 序号, 问题 (title and source), 地区, 指标,
责任单位, 责任人, 整改措施, 时限, 进展 (the latest step and the milestones), 状态, 销号日期, 佐证
(the latest evidence: statement, new value, files). :func:`ledger` builds the table once; the
writers put it in a workbook (:func:`ledger_xlsx`: a title row, a frozen header with a filter,
dates as dates, overdue rows in red) or a CSV (:func:`ledger_csv`, UTF-8 with a BOM for Excel and
WPS). Every text goes through :mod:`zongheng.io.safe_cells`: a problem titled ``=HYPERLINK(…)`` stays
text.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from zongheng import display
from zongheng.i18n import register_messages, text
from zongheng.io.safe_cells import csv_frame, set_cell
from zongheng.platform.models import User
from zongheng.platform.services.task_rows import (
    TIMEZONE,
    action_label,
    event_rows,
    evidence_rows,
    local_days,
    local_today,
    milestone_rows,
    overdue,
    scoped_ids,
    source_label,
    state_label,
    task_rows,
)
from zongheng.report.docx_style import with_unit
from zongheng.report.xlsx.book import HEADER, RED_FILL, RED_FONT, text_width

__all__ = ["COLUMNS", "Ledger", "ledger", "ledger_csv", "ledger_xlsx"]

register_messages({
    "pf_ledger_title": ("整改任务台账", "Rectification task ledger"),
    "pf_ledger_subtitle": ("导出日期：{today}　共 {n} 项任务，逾期 {late} 项（红色标出）",
                           "Exported {today}: {n} tasks, {late} overdue (in red)"),
    "pf_ledger_no": ("序号", "No."),
    "pf_ledger_problem": ("问题", "Problem"),
    "pf_ledger_region": ("地区", "Region"),
    "pf_ledger_indicator": ("指标", "Indicator"),
    "pf_ledger_department": ("责任单位", "Responsible unit"),
    "pf_ledger_owner": ("责任人", "Person in charge"),
    "pf_ledger_measures": ("整改措施", "Measures"),
    "pf_ledger_due": ("时限", "Deadline"),
    "pf_ledger_progress": ("进展", "Progress"),
    "pf_ledger_state": ("状态", "Status"),
    "pf_ledger_closed_on": ("销号日期", "Closed on"),
    "pf_ledger_evidence": ("佐证", "Evidence"),
    "pf_ledger_problem_cell": ("{title}（{source}）", "{title} ({source})"),
    "pf_ledger_milestones": ("节点完成 {done}/{total}", "milestones done {done}/{total}"),
    "pf_ledger_next": ("下一节点：{title}（{due}）", "next: {title} ({due})"),
    "pf_ledger_new_value": ("新值：{value}", "new value: {value}"),
    "pf_ledger_files": ("附件：{names}", "files: {names}"),
    "pf_ledger_sep": ("；", "; "),
})

COLUMNS = ("no", "problem", "region", "indicator", "department", "owner", "measures", "due", "progress",
           "state", "closed_on", "evidence")
"""The ledger's columns in order; the header of ``c`` is the message ``pf_ledger_<c>``."""

_WIDTHS = {"no": 6, "problem": 36, "region": 10, "indicator": 18, "department": 16, "owner": 10,
           "measures": 36, "due": 12, "progress": 36, "state": 10, "closed_on": 12, "evidence": 36}
_WRAPPED = frozenset({"problem", "indicator", "measures", "progress", "evidence"})
_DATES = frozenset({"due", "closed_on"})
_HEADER_ROW = 3
_DATE_FORMAT = "yyyy-mm-dd"
_NOT_STEPS = ("work", "urge")
"""Events 进展 passes over: edits of 措施 and 节点 (the milestones are shown apart) and 催办 (a reminder
from outside, not a step of the work)."""
_LINE_HEIGHT = 15.0   # points per line of 11-point text
_CENTRED = frozenset({"no", "region", "owner", "due", "state", "closed_on"})


@dataclass(frozen=True)
class Ledger:
    """A built 台账: the table as it reads, and which rows are overdue.

    Attributes
    ----------
    table : DataFrame
        One row per task, columns :data:`COLUMNS` under their headers in ``lang``; 时限 and 销号日期
        are dates (销号日期 None while open).
    overdue : ndarray of bool
        Rows not closed whose 时限 is before ``today``.
    task_ids : ndarray of int
        The task of each row.
    today : date
    lang : {"zh", "en"}
    """

    table: pd.DataFrame
    overdue: np.ndarray
    task_ids: np.ndarray
    today: date
    lang: str


def _fill(key: str, lang: str, when: pd.Series | np.ndarray, **columns: pd.Series) -> pd.Series:
    """Return the message ``key`` filled from ``columns`` row by row where ``when``, else ""."""
    template = text(key, lang, **{name: f"{{{name}}}" for name in columns})
    names = list(columns)
    rows = zip(when, *(pd.Series(c).to_numpy(dtype=object) for c in columns.values()), strict=True)
    return pd.Series([template.format(**dict(zip(names, values, strict=True))) if ok else ""
                      for ok, *values in rows], dtype=object)


def _join(lang: str, *parts: pd.Series) -> pd.Series:
    """Join text columns row by row with the language's separator, skipping empty parts."""
    frame = pd.concat([pd.Series(p).reset_index(drop=True).fillna("").astype(str) for p in parts], axis=1)
    sep = text("pf_ledger_sep", lang)
    return pd.Series([sep.join(v for v in row if v) for row in frame.to_numpy()], dtype=object)


def _progress(tasks: pd.DataFrame, events: pd.DataFrame, milestones: pd.DataFrame, lang: str,
              timezone: str) -> pd.Series:
    """进展: the latest step (not an edit or a 催办: :data:`_NOT_STEPS`), its note, then the milestones."""
    ids = tasks["task_id"]
    steps = events[~events["action"].isin(_NOT_STEPS)].groupby("task_id").last()
    steps = steps.reindex(ids).reset_index(drop=True)
    days = local_days(steps["at"], timezone).map(lambda d: d.isoformat() if d else "")
    actions = {a: action_label(a, lang) for a in steps["action"].dropna().unique()}
    notes = steps["note"].fillna("")
    step = ((days + " " + steps["action"].map(actions).fillna("")).str.strip()
            + np.where(notes != "", "：" if lang == "zh" else ": ", "") + notes)
    done = milestones["done_at"].notna()
    counts = pd.DataFrame({"task_id": milestones["task_id"], "done": done}).groupby("task_id")["done"]
    total = counts.size().reindex(ids).fillna(0).astype(int).reset_index(drop=True)
    finished = counts.sum().reindex(ids).fillna(0).astype(int).reset_index(drop=True)
    upcoming = milestones[~done].groupby("task_id").first().reindex(ids).reset_index(drop=True)
    return _join(lang, step,
                 _fill("pf_ledger_milestones", lang, total > 0, done=finished, total=total),
                 _fill("pf_ledger_next", lang, upcoming["title"].notna(), title=upcoming["title"],
                       due=upcoming["due"]))


def _evidence(tasks: pd.DataFrame, evidence: pd.DataFrame, lang: str) -> pd.Series:
    """佐证: the latest evidence's statement, the indicator's new value with its unit, the files."""
    latest = evidence.reindex(tasks["task_id"]).reset_index(drop=True)
    units = tasks["unit"].reset_index(drop=True).fillna("")
    values = pd.Series([with_unit(display.value(v), u or None, lang)
                        for v, u in zip(latest["new_value"], units, strict=True)], dtype=object)
    files = latest["files"].fillna("")
    return _join(lang, latest["text"],
                 _fill("pf_ledger_new_value", lang, latest["new_value"].notna(), value=values),
                 _fill("pf_ledger_files", lang, files != "", names=files))


def ledger(db: Session, user: User, *, lang: str = "zh", today: date | None = None,
           timezone: str = TIMEZONE) -> Ledger:
    """Build the 台账 of every task ``user`` may read (整改任务台账).

    Parameters
    ----------
    db : Session
    user : User
        Whose scope: a department's reporter sees their department's tasks, an analyst their region's
        (:func:`zongheng.platform.services.tasks.tasks_for`).
    lang : {"zh", "en"}
        Headers, states, sources and the words in 进展 and 佐证; names stay as recorded.
    today : date, optional
        The day that decides what is overdue (default: today in ``timezone``).
    timezone : str
        Where 销号日期 and the dates in 进展 are days (the platform's ``Settings.timezone``).

    Returns
    -------
    Ledger
        Rows ordered by problem, then task.
    """
    today = today or local_today(timezone)
    ids = scoped_ids(db, user, on=today)
    tasks = task_rows(db, ids, on=today)
    events, milestones, evidence = event_rows(db, ids), milestone_rows(db, ids), evidence_rows(db, ids)
    sources = {s: source_label(s, lang) for s in tasks["source"].unique()}
    problems = _fill("pf_ledger_problem_cell", lang, np.ones(len(tasks), dtype=bool), title=tasks["title"],
                     source=tasks["source"].map(sources))
    indicators = (tasks["indicator_code"].fillna("") + " " + tasks["indicator"]).str.strip()
    columns = {
        "no": np.arange(1, len(tasks) + 1),
        "problem": problems,
        "region": tasks["region"],
        "indicator": indicators,
        "department": tasks["department"],
        "owner": tasks["owner"],
        "measures": tasks["measures"],
        "due": tasks["due"],
        "progress": _progress(tasks, events, milestones, lang, timezone),
        "state": tasks["state"].map({s: state_label(s, lang) for s in tasks["state"].unique()}),
        "closed_on": local_days(tasks["closed_at"], timezone),
        "evidence": _evidence(tasks, evidence, lang),
    }
    table = pd.DataFrame({text(f"pf_ledger_{c}", lang): pd.Series(v).reset_index(drop=True).to_numpy()
                          for c, v in columns.items()})
    return Ledger(table, overdue(tasks, today), tasks["task_id"].to_numpy(), today, lang)


def ledger_xlsx(book: Ledger) -> bytes:
    """Write a 台账 as an Excel workbook (台账导出) and return its bytes.

    Row 1 is the title, row 2 the export date and counts, row 3 the header (frozen with the first two
    columns, with a filter); dates are Excel dates (``yyyy-mm-dd``); overdue rows are filled red;
    long texts wrap. Printed landscape on A4, fitted to the width, the header on every page.

    Parameters
    ----------
    book : Ledger
        From :func:`ledger`.

    Returns
    -------
    bytes
        The .xlsx file; one sheet named as the title.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    lang, table = book.lang, book.table
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = text("pf_ledger_title", lang)[:31]
    last_col = get_column_letter(len(COLUMNS))
    set_cell(sheet.cell(1, 1), text("pf_ledger_title", lang)).font = Font(bold=True, size=16)
    sheet.merge_cells(f"A1:{last_col}1")
    sheet.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 28
    set_cell(sheet.cell(2, 1), text("pf_ledger_subtitle", lang, today=book.today.isoformat(), n=len(table),
                                    late=int(book.overdue.sum())))
    sheet.merge_cells(f"A2:{last_col}2")
    thin = Side(style="thin", color="BFBFBF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_fill = PatternFill("solid", fgColor=HEADER.lstrip("#"))
    for col, header in enumerate(table.columns, start=1):
        cell = set_cell(sheet.cell(_HEADER_ROW, col), header)
        cell.font, cell.fill, cell.border = Font(bold=True), header_fill, border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    late_fill = PatternFill("solid", fgColor=RED_FILL.lstrip("#"))
    late_font = Font(color=RED_FONT.lstrip("#"))
    values = table.to_numpy(dtype=object)
    for r, (row, late) in enumerate(zip(values, book.overdue, strict=True), start=_HEADER_ROW + 1):
        for c, (key, value) in enumerate(zip(COLUMNS, row, strict=True), start=1):
            cell = set_cell(sheet.cell(r, c), None if value == "" else value)
            cell.border = border
            cell.alignment = Alignment(vertical="top", wrap_text=key in _WRAPPED,
                                       horizontal="center" if key in _CENTRED else None)
            if key in _DATES:
                cell.number_format = _DATE_FORMAT
            if late:
                cell.fill, cell.font = late_fill, late_font
    widths = {key: max(_WIDTHS[key], text_width(header) + 2) for key, header in zip(COLUMNS, table.columns,
                                                                                    strict=True)}
    for c, key in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = widths[key]
    for r, lines in enumerate(_lines(table, widths), start=_HEADER_ROW + 1):
        if lines > 1:
            sheet.row_dimensions[r].height = _LINE_HEIGHT * lines
    last_row = _HEADER_ROW + len(table)
    sheet.freeze_panes = sheet.cell(_HEADER_ROW + 1, 3)
    sheet.auto_filter.ref = f"A{_HEADER_ROW}:{last_col}{last_row}"
    sheet.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _lines(table: pd.DataFrame, widths: dict[str, float]) -> np.ndarray:
    """Return how many lines each row's wrapped texts take in their columns.

    openpyxl writes no row heights and LibreOffice does not grow a row for wrapped text when it opens
    the file, so the height is set from the widest text: a CJK character counts two widths of ``0``.
    """
    lines = np.ones(len(table), dtype=int)
    for position, key in enumerate(COLUMNS):
        if key in _WRAPPED:
            used = table.iloc[:, position].fillna("").astype(str).map(text_width).to_numpy(dtype=float)
            lines = np.maximum(lines, np.ceil(used / (widths[key] - 1)).astype(int))
    return lines


def ledger_csv(book: Ledger) -> bytes:
    """Write a 台账 as CSV (UTF-8 with a BOM, dates ``2026-12-31``) and return its bytes.

    Formula-like texts get a leading quote (:func:`zongheng.io.safe_cells.csv_frame`); a CSV cannot
    colour rows, so overdue tasks are the ones whose 时限 has passed and whose 状态 is not 已销号.

    Parameters
    ----------
    book : Ledger
        From :func:`ledger`.

    Returns
    -------
    bytes
        The CSV: the header row, then one row per task.
    """
    return csv_frame(book.table).to_csv(index=False).encode("utf-8-sig")
