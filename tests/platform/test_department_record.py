"""A department's record (services/department_record.py) on SQLite and PostgreSQL.

task_world.py's tasks by department, counted by hand: DA has seven (closed, late and congress_done
closed, late after its 时限; returned sent back once; reopened reopened once; four open, none past
its 时限), DA2 two (both 待认领 and overdue), DB one (open). The days to close are set below.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from zongheng.platform.db import transaction
from zongheng.platform.models import Task
from zongheng.platform.services import department_record as record
from zongheng.platform.services import tasks

from .task_world import build_tasks
from .test_tasks import DUE, TODAY, _ask, _do, _user

COUNTS = ["tasks", "closed", "closed_late", "open", "overdue", "reopened", "returned"]


@pytest.fixture
def placed(factory, world) -> dict[str, int]:
    placed = build_tasks(factory)
    # As if the closed tasks had taken 2, 5 and 11 days from 下达 to 销号: median 5.
    with transaction(factory) as s:
        for name, days in (("closed", 2), ("late", 11), ("congress_done", 5)):
            task = s.get(Task, placed[name])
            task.created_at = task.closed_at - timedelta(days=days)
    return placed


def _record(factory, name: str = "analyst", today=TODAY) -> pd.DataFrame:
    with factory() as s:
        return record.department_record(s, _user(s, name), today=today)


def _expected(rows: dict[str, tuple]) -> pd.DataFrame:
    """The record as derived by hand: {code: (name, *COUNTS, median days)}."""
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(record.RECORD_COLUMNS))
    frame.index.name = "department_code"
    return frame.astype(dict.fromkeys(COUNTS, np.int64) | {"median_days": float})


def test_each_department_has_its_closed_late_open_overdue_reopened_and_returned_tasks(factory, placed):
    pd.testing.assert_frame_equal(_record(factory), _expected({
        "DA": ("部门DA", 7, 3, 1, 4, 0, 1, 1, 5.0),
        "DA2": ("部门DA2", 2, 0, 0, 2, 2, 0, 0, np.nan),
        "DB": ("部门DB", 1, 0, 0, 1, 0, 0, 0, np.nan),
    }), check_exact=False, rtol=1e-9)
    # The day after DUE, every open task is overdue.
    later = _record(factory, today=DUE + timedelta(days=1))
    assert later["overdue"].to_dict() == {"DA": 4, "DA2": 2, "DB": 1}


def test_a_task_reopened_twice_counts_once_and_scope_holds(factory, placed):
    task_id = placed["reopened"]
    _do(factory, "reporter", _ask("再次完成", 2.5), task_id)
    _do(factory, "analyst", tasks.verify, task_id)
    _do(factory, "analyst", lambda s, u, t: tasks.reopen(s, u, t, "又回落"), task_id)
    mine = _record(factory, "reporter")     # DA at A: DA's line only
    assert mine.index.tolist() == ["DA"]
    assert (mine.loc["DA", "reopened"], mine.loc["DA", "closed"], mine.loc["DA", "open"]) == (1, 3, 4)


def test_closed_late_compares_the_local_day_of_closing_with_the_deadline(factory, placed):
    # 17:00 UTC is 01:00 the next day in Asia/Shanghai: closed on the 时限 in UTC, a day late locally.
    with transaction(factory) as s:
        task = s.get(Task, placed["closed"])
        task.closed_at = datetime(2026, 3, 1, 17, 0)
        task.created_at = task.closed_at - timedelta(days=2)
        task.due = datetime(2026, 3, 2).date()
        s.get(Task, placed["late"]).due = s.get(Task, placed["late"]).closed_at.date() + timedelta(days=30)
    assert _record(factory).loc["DA", "closed_late"] == 0
    with transaction(factory) as s:
        s.get(Task, placed["closed"]).due = datetime(2026, 3, 1).date()
    assert _record(factory).loc["DA", "closed_late"] == 1


def test_a_user_without_tasks_has_an_empty_record(factory, world):
    empty = _record(factory)
    assert (empty.empty, list(empty.columns)) == (True, list(record.RECORD_COLUMNS))
