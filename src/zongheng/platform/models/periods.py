"""Reporting periods (报送期): a framework version's period once opened, its due date and lock.

Opening a period creates its expected submissions (``services.periods.open_period``); the row here
keeps the period's default due date (a department's own date, if overridden, is on its
submissions) and whether the period is locked: after the lock, or after a submission's due date,
entering needs an approved 补报申请.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zongheng.platform.models.base import Base, utcnow
from zongheng.platform.models.frameworks import FrameworkVersion

__all__ = ["ReportingPeriod"]


class ReportingPeriod(Base):
    """An opened period of a framework version (报送期)."""

    __tablename__ = "reporting_period"
    __table_args__ = (UniqueConstraint("version_id", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("framework_version.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(16))
    due_date: Mapped[date] = mapped_column(Date)
    """The period's due date; a department's override lives on its submissions."""
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_at: Mapped[datetime | None] = mapped_column()

    version: Mapped[FrameworkVersion] = relationship()
