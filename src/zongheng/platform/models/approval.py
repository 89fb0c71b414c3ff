"""The approval chain (审核链): who approves a submission, in which order, and each approval given.

The chain is configured once for every framework (``framework_key`` empty) and optionally overridden
for one framework key (a county may run 天工鼎 with three levels and 生态文明 with two). Each step
names the role that approves it and which grant of that role counts (``covers``):

- ``department`` (科室审核): a grant that names a department and whose scope covers the submission's
  department — the head of the 科室;
- ``parent`` (牵头单位审核): a grant that names a department and whose scope covers the parent of the
  submission's department in the department tree — the 局 above the 科室;
- ``any`` (汇总部门审核, and the default single step): any grant of the role in whose scope the
  submission lies.

When a submission is submitted, the chain in force is copied into :class:`SubmissionApproval` rows
(one per step, one *round* per submit): the submission keeps that chain until it is approved or
returned, whatever the 管理员 changes meanwhile. Approving a step fills its row (who, when).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zongheng.platform.models.base import Base

__all__ = ["ApprovalChainStep", "Covers", "SubmissionApproval"]


class Covers(StrEnum):
    """Which grant of the step's role may approve it (审核范围)."""

    DEPARTMENT = "department"   # 科室负责人: scope covers the submission's department
    PARENT = "parent"           # 牵头单位: scope covers the department above it
    ANY = "any"                 # 汇总部门 / 单级审核: any grant of the role over the submission


class _Step:
    """Columns a configured step and its copy on a submission share."""

    position: Mapped[int] = mapped_column(Integer)
    """1, 2, 3 … in the order the approvals are given."""
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(16))
    covers: Mapped[str] = mapped_column(String(16), default=Covers.ANY.value)
    same_approver: Mapped[bool] = mapped_column(Boolean, default=False)
    """The approver of the step before may approve this one too (no four-eyes rule between them)."""


class ApprovalChainStep(_Step, Base):
    """One configured step of the chain (审核链步骤); ``framework_key`` empty for every framework."""

    __tablename__ = "approval_chain_step"
    __table_args__ = (UniqueConstraint("framework_key", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    framework_key: Mapped[str] = mapped_column(String(64), default="")


class SubmissionApproval(_Step, Base):
    """One step of the chain a submission was submitted under, and its approval (逐级审核记录)."""

    __tablename__ = "submission_approval"
    __table_args__ = (UniqueConstraint("submission_id", "round", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    """1 for the first submit, 2 after a return and a new submit, …"""
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column()
