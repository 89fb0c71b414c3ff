"""Background jobs and evaluation runs (后台任务与评价结果).

A job is a row in the database (a queue that works alike on SQLite and PostgreSQL, with no other
server): queued → running → done or failed, with progress a page can show and a heartbeat that
tells a crashed worker's job from a slow one. An evaluation run is immutable once written: what it
read (framework version, periods, regions, input hash, whether every value was approved), how
(the method's YAML, the code version) and what it found (scores and ranks, compressed).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zongheng.platform.models.base import Base, utcnow
from zongheng.platform.models.frameworks import FrameworkVersion

__all__ = ["Job", "JobState", "Run"]


class JobState(StrEnum):
    """State of a background job (任务状态)."""

    QUEUED = "queued"       # 排队中
    RUNNING = "running"     # 运行中
    DONE = "done"           # 已完成
    FAILED = "failed"       # 失败


class Job(Base):
    """A unit of background work (后台任务), claimed by one worker at a time."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_state", "state", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text, default="{}")
    """The job's arguments as JSON."""
    state: Mapped[str] = mapped_column(String(16), default=JobState.QUEUED.value)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    """Percent done, 0–100."""
    message: Mapped[str] = mapped_column(Text, default="")
    """What it is doing, or why it failed."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str] = mapped_column(String(100), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    result_id: Mapped[int | None] = mapped_column(Integer)
    """The run a job made (for ``evaluate`` jobs)."""


class Run(Base):
    """One evaluation of a framework version through a period (评价结果), never edited."""

    __tablename__ = "run"
    __table_args__ = (Index("ix_run_version_period", "version_id", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("framework_version.id"))
    period: Mapped[str] = mapped_column(String(16))
    reference_id: Mapped[int | None] = mapped_column(ForeignKey("reference_data.id"))
    """The peers' release the run ranks among, if any."""
    regions: Mapped[str] = mapped_column(Text)
    """Region codes evaluated, as JSON."""
    method_name: Mapped[str] = mapped_column(String(100))
    method_text: Mapped[str] = mapped_column(Text)
    """The method as YAML: what ``zongheng build --method`` reads."""
    input_sha256: Mapped[str] = mapped_column(String(64))
    approved: Mapped[bool] = mapped_column(Boolean)
    """Every value used was approved; otherwise every page says 未审核."""
    unapproved_values: Mapped[int] = mapped_column(Integer, default=0)
    code_version: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    inputs: Mapped[bytes] = mapped_column(LargeBinary)
    """The framework YAML and the panel, compressed: the run can be rebuilt from its record."""
    results: Mapped[bytes] = mapped_column(LargeBinary)
    """Scores and ranks of every node, unit and period, compressed JSON."""

    version: Mapped[FrameworkVersion] = relationship()
