"""A department's record (责任单位整改记录): closed, late, open, overdue, reopened and returned tasks.

Per 责任单位 among the tasks a user may read: how many tasks it has closed (已销号), of those how many
after their 时限 (逾期销号, the local day of 销号 after the deadline), how many are open and how many of
those are overdue (逾期未销号), how many were reopened after a 销号 (重新打开) or sent back when they
asked to close (退回), and the median days from 下达 to 销号. Counts of reopened and returned are of
tasks, not of events: a task sent back twice counts once. Computed over the task and event tables
(:mod:`~zongheng.platform.services.task_rows`) with one group-by, not a loop over departments.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from zongheng.i18n import register_messages, text
from zongheng.platform.models import TaskState, User
from zongheng.platform.services.task_rows import (
    TIMEZONE,
    event_rows,
    local_days,
    local_today,
    overdue,
    scoped_ids,
    task_rows,
)

__all__ = ["RECORD_COLUMNS", "department_record", "record_headers"]

register_messages({
    "pf_record_department": ("责任单位", "Responsible unit"),
    "pf_record_tasks": ("任务数", "Tasks"),
    "pf_record_closed": ("已销号", "Closed"),
    "pf_record_closed_late": ("逾期销号", "Closed late"),
    "pf_record_open": ("未销号", "Open"),
    "pf_record_overdue": ("逾期未销号", "Overdue"),
    "pf_record_reopened": ("重新打开", "Reopened"),
    "pf_record_returned": ("退回", "Sent back"),
    "pf_record_median_days": ("销号用时中位数（天）", "Median days to close"),
})

RECORD_COLUMNS = ("department", "tasks", "closed", "closed_late", "open", "overdue", "reopened", "returned",
                  "median_days")
"""The record's columns in order; the header of ``c`` is the message ``pf_record_<c>``."""


def record_headers(lang: str = "zh") -> dict[str, str]:
    """Return the header of each column of the record in ``lang`` (for a page or an export)."""
    return {c: text(f"pf_record_{c}", lang) for c in RECORD_COLUMNS}


def department_record(db: Session, user: User, *, today: date | None = None,
                      timezone: str = TIMEZONE) -> pd.DataFrame:
    """Return each 责任单位's record of the tasks ``user`` may read (责任单位整改记录).

    Parameters
    ----------
    db : Session
    user : User
        Whose scope (:func:`zongheng.platform.services.tasks.tasks_for`): a department's reporter sees
        their department's line only.
    today : date, optional
        The day that decides what is overdue (default: today in ``timezone``).
    timezone : str
        Where a 销号 falls on a day, to compare with the 时限 (the platform's ``Settings.timezone``).

    Returns
    -------
    DataFrame
        Indexed by department code, in code order, columns :data:`RECORD_COLUMNS`: the department's
        name, then counts (int), then ``median_days`` (float, days from 下达 to 销号 of the closed
        tasks; NaN when none is closed). Empty when the user sees no task.
    """
    today = today or local_today(timezone)
    ids = scoped_ids(db, user, on=today)
    tasks = task_rows(db, ids, on=today)
    events = event_rows(db, ids)
    closed = (tasks["state"] == TaskState.CLOSED.value).to_numpy()
    closed_on = pd.to_datetime(local_days(tasks["closed_at"], timezone))
    late = closed & (closed_on.to_numpy() > pd.to_datetime(tasks["due"]).to_numpy())
    took = (tasks["closed_at"] - tasks["created_at"]).dt.total_seconds() / 86400.0
    flags = pd.DataFrame({
        "department_code": tasks["department_code"],
        "tasks": 1,
        "closed": closed,
        "closed_late": late,
        "open": ~closed,
        "overdue": overdue(tasks, today),
        "reopened": tasks["task_id"].isin(events.loc[events["action"] == "reopen", "task_id"]).to_numpy(),
        "returned": tasks["task_id"].isin(events.loc[events["action"] == "send_back", "task_id"]).to_numpy(),
        "days": took.where(closed),
    })
    grouped = flags.groupby("department_code")
    counts = grouped[list(RECORD_COLUMNS[1:-1])].sum().astype(np.int64)
    names = tasks.groupby("department_code")["department"].first()
    record = counts.assign(department=names, median_days=grouped["days"].median())
    return record[list(RECORD_COLUMNS)].sort_index()
