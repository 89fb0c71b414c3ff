"""The tasks a user sees as tables (任务数据表): one row per task, event, milestone, evidence.

The 台账 (:mod:`~zongheng.platform.services.task_ledger`), the 整改情况报告
(:mod:`~zongheng.platform.services.rectification_report`) and a department's record
(:mod:`~zongheng.platform.services.department_record`) all read the same few tables of the tasks in
a user's scope (:func:`zongheng.platform.services.tasks.tasks_for`). Each table is one SQL query
into a :class:`pandas.DataFrame`, so the writers work on columns, not on one ORM object per task.

Timestamps are stored in UTC without a zone; a 销号日期 is a local day, so :func:`local_days`
turns them into dates in the platform's time zone (``Settings.timezone``).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, aliased

from zongheng.i18n import register_messages, text
from zongheng.platform.models import (
    Department,
    FrameworkIndicator,
    FrameworkVersion,
    Milestone,
    Problem,
    ProblemSource,
    Region,
    Run,
    Task,
    TaskEvent,
    TaskEvidence,
    TaskFile,
    TaskState,
    User,
)
from zongheng.platform.services.org import valid_on
from zongheng.platform.services.tasks import tasks_for

__all__ = ["TIMEZONE", "action_label", "event_rows", "evidence_rows", "local_days", "local_today",
           "milestone_rows", "overdue", "scoped_ids", "source_label", "state_label", "task_rows"]

# The same texts as the 闭环 pages (pages/task_texts.py) register under the same keys: the 台账, the
# report and the pages must name a state alike, and register_messages refuses a key defined twice
# differently.
register_messages({
    "pf_task_state_pending": ("待认领", "to claim"),
    "pf_task_state_in_progress": ("整改中", "in progress"),
    "pf_task_state_requested": ("申请销号", "asked to close"),
    "pf_task_state_closed": ("已销号", "closed"),
    "pf_task_state_returned": ("退回", "sent back"),
    "pf_task_source_weakest": ("短板指标", "among the weakest"),
    "pf_task_source_decline": ("退步", "decline"),
    "pf_task_source_below_target": ("未达标", "below target"),
    "pf_task_source_red_light": ("红灯预警", "red light"),
    "pf_task_source_d_grade": ("亩均 D 类企业", "D-grade firm"),
    "pf_task_source_path_lever": ("路径抓手", "path lever"),
    "pf_task_source_congress": ("人大审议意见", "People's Congress review"),
    "pf_task_source_instruction": ("领导批示", "leader's instruction"),
    "pf_task_action_assign": ("下达", "assigned"),
    "pf_task_action_claim": ("认领", "claimed"),
    "pf_task_action_work": ("更新", "updated"),
    "pf_task_action_request": ("申请销号", "asked to close"),
    "pf_task_action_verify": ("核实销号", "verified and closed"),
    "pf_task_action_send_back": ("退回", "sent back"),
    "pf_task_action_reopen": ("重新打开", "reopened"),
    "pf_task_action_urge": ("催办", "urged"),
})

TIMEZONE = "Asia/Shanghai"
"""The platform's default time zone (``Settings.timezone``): 销号日期 are days there."""

TASK_COLUMNS = ("task_id", "problem_id", "source", "title", "indicator_code", "version_id", "region_code",
                "region", "department_code", "department", "owner", "measures", "due", "state",
                "return_reason", "reopened", "created_at", "closed_at")


def action_label(action: str, lang: str = "zh") -> str:
    """Return the name of a task event's action (任务操作) in ``lang``: ``verify`` → 核实销号.

    An action no text names yet (a later kind of event) is shown by its code rather than failing a
    whole export.
    """
    try:
        return text(f"pf_task_action_{action}", lang)
    except KeyError:
        return action


def state_label(state: str, lang: str = "zh") -> str:
    """Return the name of a task state (任务状态) in ``lang``: ``closed`` → 已销号."""
    return text(f"pf_task_state_{TaskState(state).value}", lang)


def source_label(source: str, lang: str = "zh") -> str:
    """Return the name of a problem source (问题来源) in ``lang``: ``congress`` → 人大审议意见."""
    return text(f"pf_task_source_{ProblemSource(source).value}", lang)


def scoped_ids(db: Session, user: User, *, on: date | None = None) -> Select:
    """Return the query of the ids of the tasks ``user`` may read (scope of :func:`tasks_for`)."""
    scoped = tasks_for(db, user, "read", on=on).subquery()
    return select(scoped.c.id)


def local_today(timezone: str = TIMEZONE) -> date:
    """Return today's date where the platform is (a 时限 is a local day, as a 销号日期 is)."""
    return datetime.now(ZoneInfo(timezone)).date()


def local_days(stamps: pd.Series, timezone: str = TIMEZONE) -> pd.Series:
    """Return UTC timestamps (stored without a zone) as local dates; missing stays missing.

    >>> local_days(pd.Series([pd.Timestamp("2026-12-04 17:30"), None])).tolist()
    [datetime.date(2026, 12, 5), None]
    """
    moments = pd.to_datetime(stamps).dt.tz_localize("UTC").dt.tz_convert(timezone)
    days = moments.dt.date.astype(object)
    return days.where(moments.notna(), None)


def overdue(rows: pd.DataFrame, today: date) -> np.ndarray:
    """Return which tasks are overdue (逾期): not closed and their 时限 before ``today``."""
    if rows.empty:
        return np.zeros(0, dtype=bool)
    late = pd.to_datetime(rows["due"]).to_numpy() < np.datetime64(today)
    return late & (rows["state"].to_numpy() != TaskState.CLOSED.value)


def task_rows(db: Session, ids: Select, *, on: date | None = None) -> pd.DataFrame:
    """Return one row per task of ``ids`` with its problem, names and dates (任务表).

    Parameters
    ----------
    db : Session
    ids : Select
        The task ids to read (:func:`scoped_ids`).
    on : date, optional
        The day whose region and department names are shown (default today).

    Returns
    -------
    DataFrame
        Columns :data:`TASK_COLUMNS`, ordered by problem then task. ``region``, ``department``
        and ``owner`` are names (the code, or the user name, where a name is missing); ``due`` is
        a date; ``created_at`` and ``closed_at`` are UTC timestamps.
    """
    on = on or date.today()
    region, dept, owner = aliased(Region), aliased(Department), aliased(User)
    query = (select(Task.id, Task.problem_id, Problem.source, Problem.title, Problem.indicator_code,
                    Run.version_id, Task.region_code, func.coalesce(region.name, Task.region_code),
                    Task.department_code, func.coalesce(dept.name, Task.department_code),
                    func.coalesce(func.nullif(owner.display_name, ""), owner.username), Task.measures,
                    Task.due, Task.state, Task.return_reason, Task.reopened, Task.created_at,
                    Task.closed_at)
             .join(Problem, Problem.id == Task.problem_id)
             .outerjoin(Run, Run.id == Problem.run_id)
             .outerjoin(region, and_(region.code == Task.region_code, valid_on(region, on)))
             .outerjoin(dept, and_(dept.code == Task.department_code, valid_on(dept, on)))
             .outerjoin(owner, owner.id == Task.owner_id)
             .where(Task.id.in_(ids))
             .order_by(Task.problem_id, Task.id))
    rows = pd.DataFrame(db.execute(query).all(), columns=list(TASK_COLUMNS))
    rows["owner"] = rows["owner"].fillna("")
    for column in ("created_at", "closed_at"):
        rows[column] = pd.to_datetime(rows[column])
    return _with_indicators(db, rows)


def _with_indicators(db: Session, rows: pd.DataFrame) -> pd.DataFrame:
    """Add the indicator's name and unit: of the problem's run's version, else the newest version."""
    codes = sorted(set(rows["indicator_code"].dropna()))
    found = pd.DataFrame(db.execute(
        select(FrameworkIndicator.code, FrameworkIndicator.version_id, FrameworkIndicator.name,
               FrameworkIndicator.unit, FrameworkVersion.year)
        .join(FrameworkVersion, FrameworkVersion.id == FrameworkIndicator.version_id)
        .where(FrameworkIndicator.code.in_(codes))).all(),
        columns=["indicator_code", "version_id", "indicator", "unit", "year"])
    # A problem found in a run names the indicator as that run's framework did; one recorded by
    # hand has no run, and takes the newest framework that has the code.
    newest = (found.sort_values(["year", "version_id"]).groupby("indicator_code").last()
              [["indicator", "unit"]])
    exact = found.set_index(["indicator_code", "version_id"])[["indicator", "unit"]]
    keys = pd.MultiIndex.from_arrays([rows["indicator_code"], rows["version_id"]])
    by_run = exact.reindex(keys).reset_index(drop=True)
    by_code = newest.reindex(rows["indicator_code"]).reset_index(drop=True)
    named = by_run.fillna(by_code).fillna("")
    return rows.assign(indicator=named["indicator"].to_numpy(), unit=named["unit"].to_numpy())


def event_rows(db: Session, ids: Select) -> pd.DataFrame:
    """Return the events of the tasks of ``ids`` (任务记录), oldest first.

    Columns ``task_id``, ``event_id``, ``at`` (UTC), ``action``, ``from_state``, ``to_state``, ``note``.
    """
    query = (select(TaskEvent.task_id, TaskEvent.id, TaskEvent.at, TaskEvent.action, TaskEvent.from_state,
                    TaskEvent.to_state, TaskEvent.note)
             .where(TaskEvent.task_id.in_(ids)).order_by(TaskEvent.id))
    events = pd.DataFrame(db.execute(query).all(),
                          columns=["task_id", "event_id", "at", "action", "from_state", "to_state", "note"])
    events["at"] = pd.to_datetime(events["at"])
    return events


def milestone_rows(db: Session, ids: Select) -> pd.DataFrame:
    """Return the milestones (节点) of the tasks of ``ids``: ``task_id``, ``title``, ``due``, ``done_at``."""
    query = (select(Milestone.task_id, Milestone.title, Milestone.due, Milestone.done_at)
             .where(Milestone.task_id.in_(ids)).order_by(Milestone.task_id, Milestone.due, Milestone.id))
    return pd.DataFrame(db.execute(query).all(), columns=["task_id", "title", "due", "done_at"])


def evidence_rows(db: Session, ids: Select) -> pd.DataFrame:
    """Return the latest evidence (销号佐证) of each task of ``ids`` that has any.

    Indexed by ``task_id``; columns ``text``, ``new_value`` (NaN when none was given), ``files``
    (the file names joined with ``、``) and ``added_at`` (UTC).
    """
    latest = (select(TaskEvidence.task_id, func.max(TaskEvidence.id).label("id"))
              .where(TaskEvidence.task_id.in_(ids)).group_by(TaskEvidence.task_id).subquery())
    query = (select(TaskEvidence.task_id, TaskEvidence.id, TaskEvidence.text, TaskEvidence.new_value,
                    TaskEvidence.added_at)
             .join(latest, latest.c.id == TaskEvidence.id))
    evidence = pd.DataFrame(db.execute(query).all(),
                            columns=["task_id", "evidence_id", "text", "new_value", "added_at"])
    files = pd.DataFrame(db.execute(
        select(TaskFile.evidence_id, TaskFile.name).join(latest, latest.c.id == TaskFile.evidence_id)
        .order_by(TaskFile.id)).all(), columns=["evidence_id", "name"])
    names = files.groupby("evidence_id")["name"].agg("、".join)
    evidence["files"] = names.reindex(evidence["evidence_id"]).fillna("").to_numpy()
    evidence["new_value"] = pd.to_numeric(evidence["new_value"], errors="coerce")
    evidence["added_at"] = pd.to_datetime(evidence["added_at"])
    return evidence.set_index("task_id")
