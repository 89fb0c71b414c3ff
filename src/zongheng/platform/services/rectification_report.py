"""The 整改情况报告 draft (审议意见整改落实情况的报告): from the 人大's items and their tasks to Word.

The 人大常委会 reviews the 生态文明 report and sends 审议意见; each item is recorded as a problem of
source ``congress`` and given to 责任单位 as tasks. This module writes the government's answer as a
Word draft in the official layout (:mod:`zongheng.report.docx_style`: 公文 fonts on named styles,
Chinese in the east-Asian slot): a title, the 草稿 mark, a summary of the counts (items, tasks,
closed, in progress, pending, overdue), then item by item what each 责任单位 did: 措施, state, 时限,
销号日期, the evidence's statement and the indicator's new value. Leaders' instructions (领导批示)
may follow as a second part, and a table lists every task. Parts officials must write (the issuer,
the date, a missing 措施) are 【待填写】 placeholders.

What the draft holds follows the reader's scope: the tasks :func:`~zongheng.platform.services.tasks.
tasks_for` gives them, and the items of their regions not yet given to anybody.
"""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from zongheng import display
from zongheng.i18n import register_messages, text
from zongheng.platform.models import Problem, ProblemSource, Region, Task, TaskState, User
from zongheng.platform.services import access
from zongheng.platform.services.org import valid_on
from zongheng.platform.services.run_access import regions_in_scope
from zongheng.platform.services.task_rows import (
    TIMEZONE,
    evidence_rows,
    local_days,
    local_today,
    overdue,
    scoped_ids,
    state_label,
    task_rows,
)
from zongheng.platform.services.tasks import ROLES
from zongheng.report import docx_style as ds
from zongheng.report.html.text import zh_number

__all__ = ["rectification_report"]

register_messages({
    "pf_rect_title_about": ("关于{region}", "Report of {region} on"),
    "pf_rect_title_items": ("人大常委会审议意见", "the review of the People's Congress"),
    "pf_rect_title_end": ("整改落实情况的报告", "and its follow-up"),
    "pf_rect_draft": ("草稿：{today}根据整改任务台账生成，请核实修改后使用",
                      "Draft generated on {today} from the task ledger: check and edit before use"),
    "pf_rect_summary": ("人大常委会审议意见共{items}条，已分解为整改任务{tasks}项。"
                        "截至{today}，已销号{closed}项，整改中{in_progress}项，待认领{pending}项；逾期未销号{overdue}项。",
                        "The review of the People's Congress made {items} points, given to responsible "
                        "units as {tasks} tasks. By {today}, {closed} were closed, {in_progress} in "
                        "progress and {pending} not yet claimed; {overdue} are overdue."),
    "pf_rect_summary_instructions": ("领导批示{items}件，分解为整改任务{tasks}项，已销号{closed}项。",
                                     "Leaders' instructions: {items}, as {tasks} tasks, {closed} closed."),
    "pf_rect_part_congress": ("审议意见整改落实情况", "Follow-up of the review"),
    "pf_rect_part_instruction": ("领导批示落实情况", "Follow-up of leaders' instructions"),
    "pf_rect_part_table": ("整改任务清单", "List of tasks"),
    "pf_rect_no_tasks": ("此项尚未分解为整改任务。", "Not yet given to a responsible unit."),
    "pf_rect_task": ("{n}. {department}{owner}：{measures}", "{n}. {department}{owner}: {measures}"),
    "pf_rect_owner": ("（责任人：{name}）", " (in charge: {name})"),
    "pf_rect_no_measures": ("【待填写：整改措施】", "[TO BE WRITTEN: measures]"),
    "pf_rect_state": ("当前状态：{state}，时限{due}", "Status: {state}, due {due}"),
    "pf_rect_overdue": ("，已逾期{days}天", ", {days} days overdue"),
    "pf_rect_closed_on": ("，{day}销号", ", closed on {day}"),
    "pf_rect_evidence": ("整改成效：{text}", "Result: {text}"),
    "pf_rect_new_value": ("{indicator}新值为{value}", "{indicator} now {value}"),
    "pf_rect_files": ("（附佐证材料：{names}）", " (evidence: {names})"),
    "pf_rect_return": ("退回理由：{reason}", "Sent back: {reason}"),
    "pf_rect_end": ("。", "."),
    "pf_rect_col_no": ("序号", "No."),
    "pf_rect_col_item": ("审议意见", "Point"),
    "pf_rect_col_department": ("责任单位", "Unit"),
    "pf_rect_col_due": ("时限", "Due"),
    "pf_rect_col_state": ("状态", "Status"),
    "pf_rect_col_closed": ("销号日期", "Closed"),
    "pf_rect_issuer": ("【待填写：报告单位】", "[TO BE WRITTEN: issuing body]"),
    "pf_rect_date": ("【待填写：成文日期】", "[TO BE WRITTEN: date]"),
})

_IN_PROGRESS = (TaskState.IN_PROGRESS.value, TaskState.REQUESTED.value, TaskState.RETURNED.value)
"""States counted as 整改中: claimed and not closed (a request or a return is still work under way)."""


def _items(db: Session, user: User, ids, sources: list[str], region_code: str | None) -> pd.DataFrame:
    """Return the problems of ``sources`` the user sees: with a task of theirs, or given to nobody yet."""
    regions = regions_in_scope(db, access.grants(db, user), ROLES["read"])
    mine = select(Task.problem_id).where(Task.id.in_(ids))
    untasked = ~exists().where(Task.problem_id == Problem.id)
    query = (select(Problem.id, Problem.source, Problem.title, Problem.region_code, Problem.indicator_code)
             .where(Problem.source.in_(sources),
                    or_(Problem.id.in_(mine), untasked & Problem.region_code.in_(sorted(regions))))
             .order_by(Problem.created_at, Problem.id))
    if region_code is not None:
        query = query.where(Problem.region_code == region_code)
    return pd.DataFrame(db.execute(query).all(),
                        columns=["problem_id", "source", "title", "region_code", "indicator_code"])


def _counts(items: pd.DataFrame, tasks: pd.DataFrame, late: np.ndarray) -> dict[str, int]:
    state = tasks["state"]
    return {"items": len(items), "tasks": len(tasks), "closed": int((state == TaskState.CLOSED.value).sum()),
            "in_progress": int(state.isin(_IN_PROGRESS).sum()),
            "pending": int((state == TaskState.PENDING.value).sum()), "overdue": int(late.sum())}


def _task_text(task: pd.Series, n: int, lang: str, today: date) -> str:
    """One task's paragraph: unit, 措施, state and dates, then the evidence and the new value."""
    owner = text("pf_rect_owner", lang, name=task["owner"]) if task["owner"] else ""
    measures = task["measures"] or text("pf_rect_no_measures", lang)
    end = text("pf_rect_end", lang)
    parts = [text("pf_rect_task", lang, n=n, department=task["department"], owner=owner,
                  measures=measures.rstrip("。.")) + end]
    state = text("pf_rect_state", lang, state=state_label(task["state"], lang), due=task["due"].isoformat())
    if task["late"]:
        state += text("pf_rect_overdue", lang, days=(today - task["due"]).days)
    if task["closed_on"] is not None:
        state += text("pf_rect_closed_on", lang, day=task["closed_on"].isoformat())
    parts.append(state + end)
    if task["state"] == TaskState.RETURNED.value and task["return_reason"]:
        parts.append(text("pf_rect_return", lang, reason=task["return_reason"].rstrip("。.")) + end)
    if isinstance(task["evidence"], str) and task["evidence"]:
        result = text("pf_rect_evidence", lang, text=task["evidence"].rstrip("。."))
        if pd.notna(task["new_value"]):
            value = ds.with_unit(display.value(task["new_value"]), task["unit"] or None, lang)
            indicator = task["indicator"] or task["indicator_code"] or ""
            result += ("，" if lang == "zh" else "; ") + text("pf_rect_new_value", lang, indicator=indicator,
                                                             value=value)
        if task["files"]:
            result += text("pf_rect_files", lang, names=task["files"])
        parts.append(result + end)
    return ds.join(lang, *parts)


def _part(doc, heading: str, items: pd.DataFrame, tasks: pd.DataFrame, lang: str, today: date) -> None:
    ds.add_heading(doc, heading, 1)
    for i, item in enumerate(items.itertuples(index=False), start=1):
        number = f"（{zh_number(i)}）" if lang == "zh" else f"{i}. "
        ds.add_heading(doc, number + item.title, 2)
        mine = tasks[tasks["problem_id"] == item.problem_id]
        if mine.empty:
            ds.add_paragraph(doc, text("pf_rect_no_tasks", lang))
        for n, (_, task) in enumerate(mine.iterrows(), start=1):
            ds.add_paragraph(doc, _task_text(task, n, lang, today))


def rectification_report(db: Session, user: User, *, region_code: str | None = None,
                         instructions: bool = False, lang: str = "zh", today: date | None = None,
                         timezone: str = TIMEZONE) -> bytes:
    """Write the 审议意见整改落实情况报告 draft as a Word document and return its bytes.

    Parameters
    ----------
    db : Session
    user : User
        Whose scope: their tasks (:func:`~zongheng.platform.services.tasks.tasks_for`) and the items of
        their regions that have no task yet.
    region_code : str, optional
        Only the items of this region (a report answers one 人大); its name goes in the title.
    instructions : bool
        Add a part on leaders' instructions (领导批示) after the 审议意见.
    lang : {"zh", "en"}
    today : date, optional
        The day of the counts and of what is overdue (default: today in ``timezone``).
    timezone : str
        Where 销号日期 are days (the platform's ``Settings.timezone``).

    Returns
    -------
    bytes
        The .docx, marked 草稿, in the 公文 styles of :func:`zongheng.report.docx_style.new_document`.
    """
    today = today or local_today(timezone)
    sources = [ProblemSource.CONGRESS.value] + ([ProblemSource.INSTRUCTION.value] if instructions else [])
    ids = scoped_ids(db, user, on=today)
    items = _items(db, user, ids, sources, region_code)
    tasks = task_rows(db, ids, on=today)
    tasks = tasks[tasks["problem_id"].isin(items["problem_id"])].reset_index(drop=True)
    evidence = evidence_rows(db, ids).reindex(tasks["task_id"]).reset_index(drop=True)
    tasks = tasks.assign(late=overdue(tasks, today), closed_on=local_days(tasks["closed_at"], timezone),
                         evidence=evidence["text"], new_value=evidence["new_value"],
                         files=evidence["files"].fillna(""))

    regions = sorted(set(items["region_code"]) | ({region_code} if region_code else set()))
    about = ""
    if len(regions) == 1:
        name = db.scalars(select(Region.name).where(Region.code == regions[0],
                                                     valid_on(Region, today))).first()
        about = text("pf_rect_title_about", lang, region=name or regions[0])
    title = [about, text("pf_rect_title_items", lang), text("pf_rect_title_end", lang)]
    doc = ds.new_document(lang, title="".join(title) if lang == "zh" else " ".join(t for t in title if t))
    doc.core_properties.keywords = text("pf_rect_draft", lang, today=today.isoformat())
    ds.add_title(doc, *(title if lang == "zh" else [f"{t} " for t in title if t]))
    ds.add_note(doc, f"（{text('pf_rect_draft', lang, today=today.isoformat())}）" if lang == "zh"
                else f"({text('pf_rect_draft', lang, today=today.isoformat())})")

    by_source = {s: (items[items["source"] == s], tasks["source"] == s) for s in sources}
    congress_items, congress_rows = by_source[ProblemSource.CONGRESS.value]
    congress_tasks = tasks[congress_rows]
    ds.add_paragraph(doc, text("pf_rect_summary", lang, today=today.isoformat(),
                               **_counts(congress_items, congress_tasks, congress_tasks["late"].to_numpy())))
    if instructions:
        given_items, given_rows = by_source[ProblemSource.INSTRUCTION.value]
        given = _counts(given_items, tasks[given_rows], tasks.loc[given_rows, "late"].to_numpy())
        ds.add_paragraph(doc, text("pf_rect_summary_instructions", lang, **given))
    parts = [("pf_rect_part_congress", ProblemSource.CONGRESS.value)]
    if instructions:
        parts.append(("pf_rect_part_instruction", ProblemSource.INSTRUCTION.value))
    for k, (key, source) in enumerate(parts, start=1):
        number = f"{zh_number(k)}、" if lang == "zh" else f"{k}. "
        source_items, rows = by_source[source]
        _part(doc, number + text(key, lang), source_items, tasks[rows], lang, today)
    _task_table(doc, items, tasks, lang, len(parts) + 1)
    ds.add_signature(doc, text("pf_rect_issuer", lang), text("pf_rect_date", lang), lang=lang)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _task_table(doc, items: pd.DataFrame, tasks: pd.DataFrame, lang: str, k: int) -> None:
    """Add the closing table: one row per task with its item, unit, dates and state."""
    if tasks.empty:
        return
    number = f"{zh_number(k)}、" if lang == "zh" else f"{k}. "
    ds.add_heading(doc, number + text("pf_rect_part_table", lang), 1)
    titles = items.set_index("problem_id")["title"].reindex(tasks["problem_id"]).to_numpy()
    rows = [[str(n), title, task.department, task.due.isoformat(), state_label(task.state, lang),
             task.closed_on.isoformat() if task.closed_on is not None else "—"]
            for n, (title, task) in enumerate(zip(titles, tasks.itertuples(index=False), strict=True),
                                              start=1)]
    header = [text(f"pf_rect_col_{c}", lang) for c in ("no", "item", "department", "due", "state", "closed")]
    ds.add_table(doc, header, rows, widths_cm=[1.2, 4.6, 2.4, 2.6, 1.8, 2.6], align="clllcl")
