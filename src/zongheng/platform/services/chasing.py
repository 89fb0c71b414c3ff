"""Chasing tasks (督办): due-soon and overdue lists per 责任单位, and 催办 that escalates.

A task is open until it is 已销号. The lists show a user's open tasks (the scope of
:func:`tasks.tasks_for`: a department sees its own, an analyst the regions under them), grouped per
department. A 催办 (:func:`urge`) is a task event, an audit event and an in-app message (mirrored
by mail when SMTP settings and addresses are given) to the people who must act, widening with its
level:

=====  ==========================================================================================
level  who is told
=====  ==========================================================================================
1      the task's 责任人 (who claimed it); before a claim, the department's 填报员 who may claim it
2      and the department head: the 审核员 whose grant covers the department (``Role.APPROVER`` is
       the department head who approves its data, models/users.py; no separate head role exists)
3      and the analyst office: the 汇总分析员 whose scope covers the task
=====  ==========================================================================================

The level is the higher of what the task's earlier 催办 and its lateness call for
(:func:`escalation_level`). Analysts may urge any task in their scope, department heads their
department's; nobody urges a task that waits on the analysts (申请销号) or is closed.
:func:`chase_all` urges every overdue task once a day, for a scheduled job or the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zongheng.i18n import register_messages
from zongheng.platform.models import (
    Department,
    Problem,
    Region,
    Role,
    RoleAssignment,
    Task,
    TaskEvent,
    TaskState,
    User,
)
from zongheng.platform.services import access, tasks
from zongheng.platform.services.mailer import MailConfig, addresses_of, notify
from zongheng.platform.services.org import valid_on

__all__ = [
    "LATE_STEPS",
    "URGE_STEPS",
    "DepartmentTasks",
    "OpenTask",
    "Urge",
    "chase_all",
    "department_summary",
    "due_soon",
    "escalation_level",
    "may_urge",
    "names_of",
    "overdue",
    "reaching",
    "recipients",
    "urge",
]

register_messages({
    "pf_msg_urge_late": ("催办（{level} 级）：{department}（{region}）的整改任务“{title}”已逾期 {days} 天"
                         "（时限 {due}），请尽快办理。{note}",
                         "Chase (level {level}): the task “{title}” of {department} ({region}) is {days} "
                         "day(s) overdue (due {due}); please act now. {note}"),
    "pf_msg_urge_soon": ("催办（{level} 级）：{department}（{region}）的整改任务“{title}”将于 {due} 到期"
                         "（还有 {days} 天），请抓紧办理。{note}",
                         "Chase (level {level}): the task “{title}” of {department} ({region}) is due "
                         "{due} (in {days} day(s)); please press on. {note}"),
})

URGE = "urge"
URGERS = frozenset({Role.ANALYST, Role.APPROVER})
"""Who may 催办: the analyst office over its scope, a department head over their department."""
WORKERS, HEADS, OFFICE = frozenset({Role.REPORTER}), frozenset({Role.APPROVER}), frozenset({Role.ANALYST})
URGEABLE = frozenset({TaskState.PENDING, TaskState.IN_PROGRESS, TaskState.RETURNED})
"""States in which the department has the next move; 申请销号 waits on the analysts."""
URGE_STEPS = (1, 3)
"""Earlier 催办 on a task from which a new one is level 2, level 3."""
LATE_STEPS = (8, 31)
"""Days past the deadline from which a 催办 is level 2 (over a week), level 3 (over a month)."""


def escalation_level(earlier_urges: int, days_late: int) -> int:
    """Return the level (1–3) of a 催办: the higher of what earlier 催办 and lateness call for.

    Examples
    --------
    >>> escalation_level(0, -3), escalation_level(1, 0), escalation_level(3, 0)
    (1, 2, 3)
    >>> escalation_level(0, 8), escalation_level(0, 31), escalation_level(1, 40)
    (2, 3, 3)
    """
    by_urges = 1 + int(np.searchsorted(URGE_STEPS, earlier_urges, side="right"))
    by_lateness = 1 + int(np.searchsorted(LATE_STEPS, days_late, side="right"))
    return max(by_urges, by_lateness)


@dataclass(frozen=True)
class OpenTask:
    """An open task in a chase list."""

    task_id: int
    title: str
    """The problem's title."""
    region_code: str
    department_code: str
    state: str
    due: date
    days_late: int
    """Days past the deadline (0 on the day; negative: days left)."""
    owner_id: int | None
    urges: int
    """催办 so far."""


@dataclass(frozen=True)
class DepartmentTasks:
    """One 责任单位's tasks in a chase list, most late first."""

    department_code: str
    department_name: str
    region_code: str
    region_name: str
    tasks: tuple[OpenTask, ...]

    @property
    def count(self) -> int:
        """How many tasks the department has in the list."""
        return len(self.tasks)


COLUMNS = ["task_id", "title", "region_code", "department_code", "state", "due", "owner_id", "urges"]


def _urge_count():
    return (select(func.count(TaskEvent.id)).where(TaskEvent.task_id == Task.id, TaskEvent.action == URGE)
            .correlate(Task).scalar_subquery())


def _open(db: Session, user: User, today: date) -> pd.DataFrame:
    """Return the user's open tasks, one row each, with the problem's title, 催办 so far and days late."""
    query = (tasks.tasks_for(db, user, on=today).where(Task.state != TaskState.CLOSED.value)
             .join(Problem, Problem.id == Task.problem_id)
             .with_only_columns(Task.id, Problem.title, Task.region_code, Task.department_code, Task.state,
                                Task.due, Task.owner_id, _urge_count(), maintain_column_froms=True))
    frame = pd.DataFrame(db.execute(query).all(), columns=COLUMNS)
    frame["days_late"] = (pd.Timestamp(today) - pd.to_datetime(frame["due"])).dt.days.astype(int)
    return frame


def names_of(db: Session, table: type[Region] | type[Department], codes, today: date) -> dict[str, str]:
    """Return code → name of the regions or departments of ``codes`` as they stood on ``today``."""
    codes = sorted(set(codes))
    if not codes:
        return {}
    return dict(db.execute(select(table.code, table.name).where(table.code.in_(codes),
                                                                valid_on(table, today))).all())


def _grouped(db: Session, frame: pd.DataFrame, today: date) -> list[DepartmentTasks]:
    departments = names_of(db, Department, frame["department_code"], today)
    regions = names_of(db, Region, frame["region_code"], today)
    frame = frame.sort_values(["region_code", "department_code", "days_late", "task_id"],
                              ascending=[True, True, False, True])
    out = []
    for (region, department), rows in frame.groupby(["region_code", "department_code"], sort=False):
        items = tuple(OpenTask(task_id=int(r.task_id), title=r.title, region_code=r.region_code,
                               department_code=r.department_code, state=r.state, due=r.due,
                               days_late=int(r.days_late),
                               owner_id=None if pd.isna(r.owner_id) else int(r.owner_id), urges=int(r.urges))
                      for r in rows.itertuples(index=False))
        out.append(DepartmentTasks(department, departments.get(department, department), region,
                                   regions.get(region, region), items))
    return out


def due_soon(db: Session, user: User, today: date, days: int = 7) -> list[DepartmentTasks]:
    """Return the user's open tasks due within ``days`` days from ``today`` (today included), per department.

    Parameters
    ----------
    db : Session
    user : User
        Whose scope (:func:`tasks.tasks_for`): a department's users see their department only.
    today : date
        The day the list is for.
    days : int, default=7
        How far ahead "soon" reaches.
    """
    frame = _open(db, user, today)
    return _grouped(db, frame[frame["days_late"].between(-days, 0)], today)


def overdue(db: Session, user: User, today: date) -> list[DepartmentTasks]:
    """Return the user's open tasks past their deadline on ``today``, per department, most late first."""
    frame = _open(db, user, today)
    return _grouped(db, frame[frame["days_late"] > 0], today)


def department_summary(db: Session, user: User, today: date, days: int = 7) -> pd.DataFrame:
    """Return one row per 责任单位 in the user's scope with open tasks: how many are open, due soon, late.

    Returns
    -------
    pandas.DataFrame
        Columns ``department``, ``name``, ``region``, ``region_name``, ``open``, ``due_soon``
        (within ``days`` days), ``overdue``, ``days_late`` (summed over the overdue tasks) and
        ``most_late`` (the latest one's days, 0 with none); the most overdue departments first.
    """
    frame = _open(db, user, today)
    late = frame["days_late"].clip(lower=0)
    frame = frame.assign(open=1, due_soon=frame["days_late"].between(-days, 0).astype(int),
                         overdue=(late > 0).astype(int), late=late)
    summary = (frame.groupby(["department_code", "region_code"], as_index=False)
               .agg(open=("open", "sum"), due_soon=("due_soon", "sum"), overdue=("overdue", "sum"),
                    days_late=("late", "sum"), most_late=("late", "max"))
               .rename(columns={"department_code": "department", "region_code": "region"}))
    departments = names_of(db, Department, summary["department"], today)
    summary.insert(1, "name", summary["department"].map(departments))
    summary.insert(3, "region_name", summary["region"].map(names_of(db, Region, summary["region"], today)))
    summary["name"] = summary["name"].fillna(summary["department"])
    summary["region_name"] = summary["region_name"].fillna(summary["region"])
    return (summary.sort_values(["overdue", "days_late", "department"], ascending=[False, False, True])
            .reset_index(drop=True))


def may_urge(db: Session, user: User, task: Task, today: date) -> bool:
    """Tell whether ``user`` may 催办 ``task``: an analyst over its region, or its department's head."""
    return _reaches(db, user, URGERS, task, today)


def _reaches(db: Session, user: User, roles: frozenset[Role], task: Task, today: date) -> bool:
    query = access.placed_under(access.grants(db, user, on=today), roles, Task, on=today)
    return db.scalars(query.where(Task.id == task.id).limit(1)).first() is not None


def reaching(db: Session, task: Task, roles: frozenset[Role], today: date) -> list[User]:
    """Return the enabled users holding one of ``roles`` over the task's department."""
    candidates = db.scalars(select(User).join(RoleAssignment).where(
        RoleAssignment.role.in_(sorted(r.value for r in roles)), User.disabled.is_(False))
        .distinct().order_by(User.id))
    return [u for u in candidates if _reaches(db, u, roles, task, today)]


def recipients(db: Session, task: Task, level: int, today: date) -> list[User]:
    """Return who a 催办 of ``level`` on ``task`` goes to (the table of the module), by user id.

    Level 1 falls back to the department heads when the task is unclaimed and nobody may claim it
    but them, so a 催办 always reaches someone in the department when the department has anyone.
    """
    if not 1 <= level <= 3:
        raise ValueError(f"recipients: level must be 1, 2 or 3, got {level!r}")
    owner = db.get(User, task.owner_id) if task.owner_id is not None else None
    chosen = [owner] if owner is not None and not owner.disabled else reaching(db, task, WORKERS, today)
    heads = reaching(db, task, HEADS, today) if level >= 2 or not chosen else []
    office = reaching(db, task, OFFICE, today) if level >= 3 else []
    return sorted({u.id: u for u in chosen + heads + office}.values(), key=lambda u: u.id)


@dataclass(frozen=True)
class Urge:
    """A 催办 that was sent."""

    task_id: int
    level: int
    days_late: int
    recipients: tuple[int, ...]
    """User ids told in the inbox."""
    mail_errors: tuple[tuple[int, str], ...] = ()
    """(user id, why) for each mail that failed; their in-app messages were sent all the same."""


def urge(db: Session, user: User, task: Task, today: date, note: str = "", *, mail: MailConfig | None = None,
         addresses: Mapping[int, str] | None = None, base_url: str = "") -> Urge:
    """催办 a task: a task event, an audit event and a message to each recipient of its level.

    Parameters
    ----------
    db : Session
    user : User
        Who urges: an analyst over the task's region, or the head (审核员) of its department.
    task : Task
        An open task whose next move is the department's (待认领, 整改中 or 退回).
    today : date
        The day of the 催办; the lateness and so the level count from it.
    note : str, default=""
        Added to the message and the task's record.
    mail : MailConfig, optional
        Mirror the messages by mail (services/mailer.py).
    addresses : Mapping[int, str], optional
        Mail addresses by user id, over the users' own (``User.email``); a user with neither gets
        the in-app message only.
    base_url : str, default=""
        The site's address, to make the mail's link absolute.

    Raises
    ------
    TaskError
        ``pf_task_not_allowed`` for a user who may not urge the task, ``pf_task_bad_state`` for a
        task that is closed or waits on the analysts.
    """
    if not may_urge(db, user, task, today):
        raise tasks.TaskError("pf_task_not_allowed")
    return _send(db, user, task, today, note, mail=mail, addresses=addresses, base_url=base_url)


def _send(db: Session, sender: User | None, task: Task, today: date, note: str, *, mail: MailConfig | None,
          addresses: Mapping[int, str] | None, base_url: str) -> Urge:
    state = TaskState(task.state)
    if state not in URGEABLE:
        raise tasks.TaskError("pf_task_bad_state", state=tasks.STATE_LABELS[state], action="催办")
    note = note.strip()
    earlier = db.scalar(select(func.count(TaskEvent.id)).where(TaskEvent.task_id == task.id,
                                                                TaskEvent.action == URGE)) or 0
    days_late = (today - task.due).days
    level = escalation_level(earlier, days_late)
    sender_id = sender.id if sender is not None else None
    told = [u.id for u in recipients(db, task, level, today) if u.id != sender_id]
    tasks._event(db, task, sender, URGE, task.state, note, level=level, recipients=told,
                 days_late=days_late, day=today.isoformat())
    department = names_of(db, Department, [task.department_code], today).get(task.department_code,
                                                                          task.department_code)
    region = names_of(db, Region, [task.region_code], today).get(task.region_code, task.region_code)
    key = "pf_msg_urge_late" if days_late > 0 else "pf_msg_urge_soon"
    # A user's own address unless the caller maps another (e.g. a department mailbox).
    addresses = {**addresses_of(db, told), **(addresses or {})}
    errors = []
    for user_id in told:
        delivery = notify(db, user_id, key, config=mail, address=addresses.get(user_id),
                          link=f"/tasks/{task.id}", sender_id=sender_id, base_url=base_url, level=level,
                          department=department, region=region, title=task.problem.title,
                          due=task.due.isoformat(), days=abs(days_late), note=note)
        if delivery.error:
            errors.append((user_id, delivery.error))
    return Urge(task.id, level, days_late, tuple(told), tuple(errors))


def _local_day(today: date, timezone: str) -> tuple[datetime, datetime]:
    """Return the UTC bounds (naive, as stored) of the local day ``today``."""
    start = datetime.combine(today, time(), ZoneInfo(timezone)).astimezone(UTC).replace(tzinfo=None)
    return start, start + timedelta(days=1)


def chase_all(db: Session, today: date, *, timezone: str = "Asia/Shanghai", mail: MailConfig | None = None,
              addresses: Mapping[int, str] | None = None, base_url: str = "") -> list[Urge]:
    """催办 every overdue task once a day, as the system; a second run on the same day does nothing.

    A task already urged on the local day ``today`` (in ``timezone``, the platform's), by anyone,
    is left alone. Only tasks whose next move is the department's are urged; the level follows
    :func:`escalation_level`, so a task chased day after day climbs to the analyst office.

    Returns
    -------
    list of Urge
        One per task urged, in task order.
    """
    start, end = _local_day(today, timezone)
    urged_today = select(TaskEvent.task_id).where(TaskEvent.action == URGE, TaskEvent.at >= start,
                                                  TaskEvent.at < end)
    due = db.scalars(select(Task).where(Task.due < today, Task.state.in_(sorted(s.value for s in URGEABLE)),
                                        Task.id.not_in(urged_today)).order_by(Task.id)).all()
    return [_send(db, None, task, today, "", mail=mail, addresses=addresses, base_url=base_url)
            for task in due]
