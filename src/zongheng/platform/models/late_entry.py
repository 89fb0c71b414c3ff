"""补报申请 (late-entry requests): entering a submission after its deadline or the period's lock.

A 填报员 asks with a reason; the 汇总分析员 approves until a date (the submission may be edited up
to and including that day) or rejects.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zongheng.platform.models.base import Base, utcnow
from zongheng.platform.models.submissions import Submission

__all__ = ["LateEntryRequest", "LateState"]


class LateState(StrEnum):
    """State of a 补报申请."""

    PENDING = "pending"     # 待审批
    APPROVED = "approved"   # 已批准
    REJECTED = "rejected"   # 已驳回


class LateEntryRequest(Base):
    """A request to enter a submission late (补报申请)."""

    __tablename__ = "late_entry_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default=LateState.PENDING.value)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column()
    until: Mapped[date | None] = mapped_column(Date)
    """Last day the submission may be edited (approved requests only)."""
    note: Mapped[str] = mapped_column(Text, default="")
    """The analyst's note with the decision."""

    submission: Mapped[Submission] = relationship()
