"""Check flags (校验标记): what a rule or the outlier test found in a submission, and its 说明.

A flag is data, not a message on a page: it stays with the submission until the value no longer
trips the check (then ``resolved``), and a blocking one must carry the 填报员's explanation
(说明) before the submission can be submitted. Its text is a message key and its parameters,
so the follow-up queue shows it in the reader's language.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zongheng.platform.models.base import Base, utcnow
from zongheng.platform.models.frameworks import FrameworkIndicator
from zongheng.platform.models.submissions import Submission

__all__ = ["CheckFlag", "CheckKind", "Severity"]


class Severity(StrEnum):
    """How much a flag stops (严重程度)."""

    WARNING = "warning"       # 提示: shown on save
    BLOCKING = "blocking"     # 阻断: no submit until explained


class CheckKind(StrEnum):
    """What found the flag (校验类型)."""

    REQUIRED = "required"     # 必填
    RANGE = "range"           # 取值范围
    YOY = "yoy"               # 同比变动幅度
    RELATION = "relation"     # 指标间关系
    SUM = "sum"               # 合计
    PEER = "peer"             # 与同期其他地区比较的离群值
    HISTORY = "history"       # 与本地区历史比较的离群值


class CheckFlag(Base):
    """One finding of the checks on one indicator of a submission (校验标记)."""

    __tablename__ = "check_flag"
    __table_args__ = (Index("ix_check_flag_open", "submission_id", "resolved"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("framework_indicator.id"))
    kind: Mapped[str] = mapped_column(String(16))
    rule_key: Mapped[str] = mapped_column(String(64))
    """Which rule found it (``range#3``): the same rule on the same indicator is the same flag."""
    severity: Mapped[str] = mapped_column(String(16))
    message_key: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    explanation: Mapped[str] = mapped_column(Text, default="")
    """The 填报员's 说明."""
    explained_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    explained_at: Mapped[datetime | None] = mapped_column()
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    """The value no longer trips the check (the flag is kept for the record)."""
    resolved_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    """When the checks last found it."""

    submission: Mapped[Submission] = relationship()
    indicator: Mapped[FrameworkIndicator] = relationship()
