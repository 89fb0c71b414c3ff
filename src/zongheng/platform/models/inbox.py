"""In-app messages (站内消息): 催报 reminders and other notices to one user.

The subject is a message key with its parameters (JSON), not rendered text, so each reader sees it
in their own language.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zongheng.platform.models.base import Base, utcnow

__all__ = ["Message"]


class Message(Base):
    """A message in one user's inbox (站内消息)."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_inbox", "recipient_id", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    subject_key: Mapped[str] = mapped_column(String(64))
    """A ``pf_*`` message key, rendered in the reader's language."""
    params: Mapped[str] = mapped_column(Text, default="{}")
    """The key's parameters as JSON."""
    link: Mapped[str] = mapped_column(String(300), default="")
    """A path on this site (``/submissions/12``)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()
