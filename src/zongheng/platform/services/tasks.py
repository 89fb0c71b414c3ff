"""The 闭环 loop (闭环落实): record problems, give them to 责任单位 as tasks, and close them only on evidence.

Every change goes through :func:`_move`, which checks the state, appends a :class:`TaskEvent`
and an audit event in the caller's transaction. Who may do what:

======================  =====================================================  ==================
action                  who                                                    states
======================  =====================================================  ==================
record a problem        汇总分析员 (any source); 人大 (审议意见); 领导 (批示)     —
assign (下达任务)        汇总分析员 over the problem's region                   —  → 待认领
claim (认领)             填报员 / 审核员 of the 责任单位                          待认领 → 整改中
work (措施, 节点)         填报员 / 审核员 of the 责任单位                          整改中, 退回
request (申请销号)        填报员 / 审核员 of the 责任单位, with evidence           整改中, 退回 → 申请销号
verify (销号)            汇总分析员 over the region, not the one who asked       申请销号 → 已销号
send back (退回)         汇总分析员 over the region, with a reason               申请销号 → 退回
reopen (重新打开)         汇总分析员 over the region, with a reason               已销号 → 整改中
======================  =====================================================  ==================

A department's grant sees its own department's tasks; a region-wide grant sees the region's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date
from typing import BinaryIO

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from zongheng.i18n import register_messages
from zongheng.platform.models import (
    MANUAL_SOURCES,
    Department,
    FrameworkIndicator,
    FrameworkVersion,
    Milestone,
    Problem,
    ProblemSource,
    Role,
    Run,
    Task,
    TaskEvent,
    TaskEvidence,
    TaskFile,
    TaskState,
    User,
    utcnow,
)
from zongheng.platform.services import access, audit
from zongheng.platform.services.evidence import Limits, checked_file
from zongheng.platform.services.org import valid_on
from zongheng.platform.services.run_access import regions_in_scope

__all__ = ["ROLES", "TaskError", "add_milestone", "assign", "claim", "complete_milestone", "lead_department",
           "may", "record_problem", "reopen", "request_close", "send_back", "set_measures", "tasks_for",
           "verify"]

register_messages({
    "pf_task_not_allowed": ("您无权进行此操作。", "You may not do this."),
    "pf_task_bad_state": ("任务当前为“{state}”，不能{action}。",
                          "The task is {state}: it cannot be {action}."),
    "pf_task_no_title": ("请填写问题的标题。", "Give the problem a title."),
    "pf_task_source_not_yours": ("此类问题只能由{roles}记录。",
                                 "Only {roles} may record this kind of problem."),
    "pf_task_no_department": ("指标 {code} 没有牵头单位可作默认责任单位，请指定责任单位。",
                              "Indicator {code} has no lead department to default to: choose one."),
    "pf_task_unknown_department": ("责任单位 {code} 不在地区 {region}。",
                                   "Department {code} is not one of region {region}."),
    "pf_task_due_past": ("时限 {due} 已过，请选择今天或以后的日期。",
                         "The deadline {due} has passed: choose today or a later day."),
    "pf_task_no_evidence": ("申请销号需写明整改情况，并附文件或指标的新数值。",
                            "A request to close needs a statement and a file or the indicator's new "
                            "value."),
    "pf_task_own_request": ("申请人不能为自己的申请销号，须由另一位分析员核实。",
                            "You asked to close this task: another analyst must verify it."),
    "pf_task_no_reason": ("请写明理由。", "Give a reason."),
    "pf_task_too_many_files": ("一次最多附 {limit} 个文件。", "At most {limit} files at a time."),
})

READ = frozenset(Role)
ROLES: dict[str, frozenset[Role]] = {
    "read": READ,
    "assign": frozenset({Role.ANALYST}),
    "claim": frozenset({Role.REPORTER, Role.APPROVER}),
    "work": frozenset({Role.REPORTER, Role.APPROVER}),
    "verify": frozenset({Role.ANALYST}),
}
"""Which roles may take which action on a task in their scope."""

RECORDERS: dict[ProblemSource, frozenset[Role]] = {
    ProblemSource.CONGRESS: frozenset({Role.ANALYST, Role.CONGRESS}),
    ProblemSource.INSTRUCTION: frozenset({Role.ANALYST, Role.LEADER}),
}
"""Who records a problem by hand; problems a rule finds are recorded by the analyst office."""

MOVES: dict[tuple[str, str], TaskState] = {
    ("claim", TaskState.PENDING): TaskState.IN_PROGRESS,
    ("work", TaskState.IN_PROGRESS): TaskState.IN_PROGRESS,
    ("work", TaskState.RETURNED): TaskState.RETURNED,
    ("request", TaskState.IN_PROGRESS): TaskState.REQUESTED,
    ("request", TaskState.RETURNED): TaskState.REQUESTED,
    ("verify", TaskState.REQUESTED): TaskState.CLOSED,
    ("send_back", TaskState.REQUESTED): TaskState.RETURNED,
    ("reopen", TaskState.CLOSED): TaskState.IN_PROGRESS,
}
"""(action, state now) → the state after; any other pair is refused."""

STATE_LABELS = {TaskState.PENDING: "待认领", TaskState.IN_PROGRESS: "整改中", TaskState.REQUESTED: "申请销号",
                TaskState.CLOSED: "已销号", TaskState.RETURNED: "退回"}
ACTION_LABELS = {"claim": "认领", "work": "修改", "request": "申请销号", "verify": "销号",
                 "send_back": "退回", "reopen": "重新打开"}


class TaskError(Exception):
    """A refused change of a problem or task (nothing written); ``key`` and ``params`` say why."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key, self.params = key, params


def tasks_for(db: Session, user: User, action: str = "read", *, on: date | None = None) -> Select:
    """Return the query of the tasks ``user`` may take ``action`` on (see the table above)."""
    return access.placed_under(access.grants(db, user, on=on), ROLES[action], Task, on=on)


def may(db: Session, user: User, action: str, task: Task) -> bool:
    """Tell whether ``user`` may take ``action`` on ``task`` (role and scope, not the state)."""
    query = tasks_for(db, user, action).where(Task.id == task.id).limit(1)
    return db.scalars(query).first() is not None


def _region_grant(db: Session, user: User, roles: frozenset[Role], region_code: str) -> bool:
    """Whether a grant of ``roles`` reaches ``region_code`` (its department, if any, aside)."""
    return region_code in regions_in_scope(db, access.grants(db, user), roles)


def record_problem(db: Session, user: User | None, *, source: ProblemSource, region_code: str, title: str,
                   indicator_code: str | None = None, run_id: int | None = None,
                   detail: dict | None = None) -> Problem:
    """Record a problem (记录问题): found by a rule in a run, or by hand (人大审议意见, 领导批示).

    ``user`` None is the system (a rule run by the analyst office's job). Raises :class:`TaskError`
    when the user may not record this source over the region, or the title is empty.
    """
    title = " ".join(title.split())
    if not title:
        raise TaskError("pf_task_no_title")
    if user is not None:
        roles = RECORDERS.get(source, ROLES["assign"])
        if not _region_grant(db, user, roles, region_code):
            raise TaskError("pf_task_source_not_yours", roles="、".join(r.value for r in sorted(roles)))
    problem = Problem(source=source.value, region_code=region_code, indicator_code=indicator_code,
                      run_id=run_id, title=title[:300],
                      detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
                      created_by=user.id if user else None)
    db.add(problem)
    db.flush()
    audit.record(db, "problem.record", user_id=user.id if user else None, object_type="problem",
                 object_id=problem.id, source=source.value, region=region_code, indicator=indicator_code,
                 run=run_id, manual=source in MANUAL_SOURCES)
    return problem


def lead_department(db: Session, problem: Problem, *, on: date | None = None) -> str | None:
    """Return the code of the department that leads the problem's indicator in its region (牵头单位).

    The indicator's lead department is a short name in the framework (``统计局``); the region's
    department of that short name, valid on ``on``, is the default 责任单位.
    """
    if problem.indicator_code is None:
        return None
    query = select(FrameworkIndicator.lead_department).where(
        FrameworkIndicator.code == problem.indicator_code)
    if problem.run_id is not None:
        run = db.get(Run, problem.run_id)
        if run is not None:
            query = query.where(FrameworkIndicator.version_id == run.version_id)
    query = query.join(FrameworkVersion, FrameworkVersion.id == FrameworkIndicator.version_id)
    short = db.scalars(query.order_by(FrameworkVersion.year.desc())).first()
    if not short:
        return None
    return db.scalars(select(Department.code).where(
        Department.region_code == problem.region_code, Department.short_name == short,
        valid_on(Department, on or date.today()))).first()


def _event(db: Session, task: Task, user: User | None, action: str, before: str, note: str = "",
           **detail: object) -> None:
    task.events.append(TaskEvent(user_id=user.id if user else None, action=action, from_state=before,
                                 to_state=task.state, note=note))
    audit.record(db, f"task.{action}", user_id=user.id if user else None, object_type="task",
                 object_id=task.id, state=task.state, before=before, note=note[:500], **detail)


def _move(db: Session, task: Task, user: User, action: str, note: str = "", *, rule: str | None = None,
          **detail: object) -> None:
    """Check role, scope and state, then move the task and record it (one event, one audit row)."""
    if not may(db, user, rule or action, task):
        raise TaskError("pf_task_not_allowed")
    after = MOVES.get((action, TaskState(task.state)))
    if after is None:
        raise TaskError("pf_task_bad_state", state=STATE_LABELS[TaskState(task.state)],
                        action=ACTION_LABELS[action])
    before, task.state = task.state, after.value
    _event(db, task, user, action, before, note, **detail)


def assign(db: Session, user: User, problem: Problem, *, due: date, department_code: str | None = None,
           today: date | None = None) -> Task:
    """Give a problem to a 责任单位 as a task (下达任务), 待认领 until someone there claims it.

    The department defaults to the indicator's 牵头单位 in the problem's region.
    """
    today = today or date.today()
    if not _region_grant(db, user, ROLES["assign"], problem.region_code):
        raise TaskError("pf_task_not_allowed")
    code = department_code or lead_department(db, problem, on=today)
    if code is None:
        raise TaskError("pf_task_no_department", code=problem.indicator_code or "—")
    found = db.scalars(select(Department.code).where(
        Department.code == code, Department.region_code == problem.region_code,
        valid_on(Department, today))).first()
    if found is None:
        raise TaskError("pf_task_unknown_department", code=code, region=problem.region_code)
    if due < today:
        raise TaskError("pf_task_due_past", due=due.isoformat())
    task = Task(problem=problem, region_code=problem.region_code, department_code=code, due=due,
                created_by=user.id, state=TaskState.PENDING.value)
    db.add(task)
    db.flush()
    _event(db, task, user, "assign", "", department=code, due=due.isoformat(), problem=problem.id)
    return task


def claim(db: Session, user: User, task: Task) -> None:
    """Claim a task for oneself (认领): the 责任人 is the user; 待认领 → 整改中."""
    _move(db, task, user, "claim")
    task.owner_id = user.id


def set_measures(db: Session, user: User, task: Task, measures: str) -> None:
    """Write the task's 整改措施 (while 整改中 or 退回)."""
    _move(db, task, user, "work", "measures")
    task.measures = measures.strip()


def add_milestone(db: Session, user: User, task: Task, title: str, due: date) -> Milestone:
    """Add a dated step (节点) to a task (while 整改中 or 退回)."""
    title = " ".join(title.split())
    if not title:
        raise TaskError("pf_task_no_title")
    _move(db, task, user, "work", f"milestone: {title}", due=due.isoformat())
    milestone = Milestone(title=title[:300], due=due)
    task.milestones.append(milestone)
    db.flush()
    return milestone


def complete_milestone(db: Session, user: User, milestone: Milestone) -> None:
    """Mark a step done (节点完成)."""
    task = db.get(Task, milestone.task_id)
    _move(db, task, user, "work", f"milestone done: {milestone.title}", milestone=milestone.id)
    milestone.done_at = utcnow()


def request_close(db: Session, user: User, task: Task, *, text: str, new_value: float | None = None,
                  files: Iterable[tuple[str, BinaryIO]] = (), limits: Limits) -> TaskEvidence:
    """Ask to close a task (申请销号) with its evidence: a statement and a file or the new value.

    Files are checked as every upload is (type sniffed from the content, at most
    ``limits.max_bytes``, at most ``limits.max_files``); a refused file refuses the whole request.
    """
    text = text.strip()
    files = list(files)
    if len(files) > limits.max_files:
        raise TaskError("pf_task_too_many_files", limit=limits.max_files)
    checked = [checked_file(name, stream, limits) for name, stream in files]
    if not text or (not checked and new_value is None):
        raise TaskError("pf_task_no_evidence")
    _move(db, task, user, "request", text, rule="work", files=len(checked), new_value=new_value)
    evidence = TaskEvidence(text=text, new_value=new_value, added_by=user.id)
    for name, media_type, data in checked:
        evidence.files.append(TaskFile(name=name, media_type=media_type, size=len(data),
                                       sha256=hashlib.sha256(data).hexdigest(), data=data))
    task.evidence.append(evidence)
    task.requested_by = user.id
    task.return_reason = ""
    db.flush()
    return evidence


def verify(db: Session, user: User, task: Task, note: str = "") -> None:
    """Close a task after checking its evidence (核实销号); not by the one who asked."""
    if task.requested_by == user.id:
        raise TaskError("pf_task_own_request")
    _move(db, task, user, "verify", note.strip())
    task.closed_by, task.closed_at = user.id, utcnow()


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise TaskError("pf_task_no_reason")
    return reason


def send_back(db: Session, user: User, task: Task, reason: str) -> None:
    """Refuse a request to close (退回) with a reason; the work goes on."""
    reason = _reason(reason)
    _move(db, task, user, "send_back", reason, rule="verify")
    task.return_reason = reason


def reopen(db: Session, user: User, task: Task, reason: str) -> None:
    """Open a closed task again (重新打开), e.g. when the next run shows the problem back."""
    reason = _reason(reason)
    _move(db, task, user, "reopen", reason, rule="verify")
    task.reopened += 1
    task.closed_by = task.closed_at = None
