"""The 闭环 loop (问题清单 → 整改任务 → 销号): problems, the tasks that answer them, and their evidence.

A :class:`Problem` is found in a run by a rule (an indicator among a unit's weakest, a decline, a
target missed, a red light, a D-grade firm, a path lever) or recorded by hand (a 人大审议意见 item,
a leader's instruction), with the numbers that show it. A :class:`Task` gives a problem to a
责任单位 (department of a region) with a deadline; it moves 待认领 → 整改中 → 申请销号 → 已销号, or
退回 with a reason, and every move is a :class:`TaskEvent` as well as an audit event. Nothing
closes without evidence (:class:`TaskEvidence`, text, files, the indicator's new value) and a
verifier who is not the one who asked.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zongheng.platform.models.base import Base, utcnow

__all__ = ["MANUAL_SOURCES", "Milestone", "Problem", "ProblemSource", "Task", "TaskEvent",
           "TaskEvidence", "TaskFile", "TaskState"]


class ProblemSource(StrEnum):
    """Where a problem came from (问题来源)."""

    WEAKEST = "weakest"            # among the unit's weakest indicators (短板)
    DECLINE = "decline"            # the value or the rank fell (退步)
    BELOW_TARGET = "below_target"  # a target not attained (未达标)
    RED_LIGHT = "red_light"        # a red warning light (红灯)
    D_GRADE = "d_grade"            # a D-grade firm (亩均 D 类)
    PATH_LEVER = "path_lever"      # a lever of the path to the target rank (路径抓手)
    CONGRESS = "congress"          # an item of the People's Congress review (人大审议意见)
    INSTRUCTION = "instruction"    # a leader's instruction (领导批示)


MANUAL_SOURCES = frozenset({ProblemSource.CONGRESS, ProblemSource.INSTRUCTION})
"""Sources a person records by hand; the others come from a run's rules."""


class TaskState(StrEnum):
    """States of a task (任务状态)."""

    PENDING = "pending"            # 待认领
    IN_PROGRESS = "in_progress"    # 整改中
    REQUESTED = "requested"        # 申请销号
    CLOSED = "closed"              # 已销号
    RETURNED = "returned"          # 退回 (the request was not accepted; work goes on)


class Problem(Base):
    """A problem found in a run or recorded by hand (问题)."""

    __tablename__ = "problem"
    __table_args__ = (Index("ix_problem_region", "region_code", "source"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(String(64))
    indicator_code: Mapped[str | None] = mapped_column(String(64))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id", ondelete="SET NULL"), index=True)
    """The run whose numbers show the problem (None when recorded by hand without one)."""
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    """The evidence in the run, as JSON (values, ranks, target, the rule that fired)."""
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tasks: Mapped[list[Task]] = relationship(back_populates="problem", order_by="Task.id")


class Task(Base):
    """A rectification task (整改任务) of one 责任单位 for one problem."""

    __tablename__ = "task"
    __table_args__ = (Index("ix_task_scope", "region_code", "department_code", "state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id", ondelete="CASCADE"), index=True)
    region_code: Mapped[str] = mapped_column(String(64))
    department_code: Mapped[str] = mapped_column(String(64))
    """The 责任单位 (a department code)."""
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    """The 责任人: who claimed the task."""
    measures: Mapped[str] = mapped_column(Text, default="")
    """整改措施."""
    due: Mapped[date] = mapped_column()
    """时限."""
    state: Mapped[str] = mapped_column(String(16), default=TaskState.PENDING.value)
    return_reason: Mapped[str] = mapped_column(Text, default="")
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    closed_at: Mapped[datetime | None] = mapped_column()

    problem: Mapped[Problem] = relationship(back_populates="tasks")
    milestones: Mapped[list[Milestone]] = relationship(order_by="Milestone.due", cascade="all, delete-orphan")
    evidence: Mapped[list[TaskEvidence]] = relationship(order_by="TaskEvidence.id",
                                                        cascade="all, delete-orphan")
    events: Mapped[list[TaskEvent]] = relationship(order_by="TaskEvent.id", cascade="all, delete-orphan")


class Milestone(Base):
    """A step of a task with its own date (节点)."""

    __tablename__ = "task_milestone"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    due: Mapped[date] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column()


class TaskEvidence(Base):
    """What a 申请销号 rests on (销号佐证): a statement, the indicator's new value, files."""

    __tablename__ = "task_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[float | None] = mapped_column(Float)
    """The indicator's value after the work, in the indicator's unit."""
    added_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    files: Mapped[list[TaskFile]] = relationship(order_by="TaskFile.id", cascade="all, delete-orphan")


class TaskFile(Base):
    """A file of a task's evidence; checked like every upload (services.evidence.checked_file)."""

    __tablename__ = "task_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("task_evidence.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class TaskEvent(Base):
    """One change of a task (任务记录): who moved it from which state to which, and why."""

    __tablename__ = "task_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str] = mapped_column(String(16), default="")
    to_state: Mapped[str] = mapped_column(String(16), default="")
    note: Mapped[str] = mapped_column(Text, default="")
