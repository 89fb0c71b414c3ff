"""Change requests (变更申请): how a value of an approved or locked submission is changed.

A 填报员 asks for a new value with a reason; a 汇总分析员 approves it (the value then changes
through ``services.submissions.set_value``, with the reason in its history) or rejects it. The
request row keeps who asked, who decided and when, so the change is traceable beside the audit log.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zongheng.platform.models.base import Base, utcnow
from zongheng.platform.models.frameworks import FrameworkIndicator
from zongheng.platform.models.submissions import Submission

__all__ = ["ChangeRequest", "RequestState"]


class RequestState(StrEnum):
    """State of a change request (申请状态)."""

    PENDING = "pending"       # 待审批
    APPROVED = "approved"     # 已批准
    REJECTED = "rejected"     # 已驳回


class ChangeRequest(Base):
    """A request to change one approved value (数据变更申请)."""

    __tablename__ = "change_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("framework_indicator.id"))
    new_value: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=RequestState.PENDING.value)
    requested_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_note: Mapped[str] = mapped_column(Text, default="")

    submission: Mapped[Submission] = relationship()
    indicator: Mapped[FrameworkIndicator] = relationship()
