"""Expected submissions and their values (报送任务与填报值).

A submission is what one department owes for one region and one period of one framework version:
the values of the indicators it leads (牵头), by a due date. Its state moves draft → submitted →
returned / approved → locked. Every change of a value appends a ValueHistory row (who, when,
old → new, reason), shown beside the value in the UI.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zongheng.platform.models.base import Base, utcnow
from zongheng.platform.models.frameworks import FrameworkIndicator, FrameworkVersion

__all__ = ["State", "Submission", "Value", "ValueHistory"]


class State(StrEnum):
    """Workflow state of a submission (报送状态)."""

    DRAFT = "draft"           # 草稿
    SUBMITTED = "submitted"   # 已报送
    RETURNED = "returned"     # 已退回
    APPROVED = "approved"     # 已审核
    LOCKED = "locked"         # 已锁定


UNAPPROVED = frozenset({State.DRAFT, State.SUBMITTED, State.RETURNED})


class Submission(Base):
    """What a department owes for a region and period (报送任务)."""

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("version_id", "department_code", "region_code", "period"),
        Index("ix_submission_scope", "region_code", "department_code"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("framework_version.id"))
    department_code: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(16))
    due_date: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default=State.DRAFT.value)
    return_reason: Mapped[str] = mapped_column(Text, default="")
    return_due: Mapped[date | None] = mapped_column(Date)
    """When a returned submission must be back (退回后的补正期限)."""
    submitted_at: Mapped[datetime | None] = mapped_column()
    approved_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    approval_step: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Steps of the approval chain (审核链) approved since the last submit (0 … the chain's length)."""

    version: Mapped[FrameworkVersion] = relationship()
    values: Mapped[list[Value]] = relationship(back_populates="submission", cascade="all, delete-orphan")


class Value(Base):
    """The value of one indicator in one submission (填报值); ``None`` until entered."""

    __tablename__ = "value"
    __table_args__ = (UniqueConstraint("submission_id", "indicator_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("framework_indicator.id"))
    value: Mapped[float | None] = mapped_column(Float)
    approved_value: Mapped[float | None] = mapped_column(Float)
    """The value when the submission was last approved: "changed since approval" compares the two."""
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="values")
    indicator: Mapped[FrameworkIndicator] = relationship()
    history: Mapped[list[ValueHistory]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="ValueHistory.id")


class ValueHistory(Base):
    """One change of a value (修改记录): who, when, old → new, why."""

    __tablename__ = "value_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    value_id: Mapped[int] = mapped_column(ForeignKey("value.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    old: Mapped[float | None] = mapped_column(Float)
    new: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")

    entry: Mapped[Value] = relationship(back_populates="history")
