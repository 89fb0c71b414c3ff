"""The audit log (审计日志): append-only, hash-chained.

Each event's ``hash`` is the SHA-256 of its content and the previous event's hash, so editing or
deleting any row breaks every hash after it; :func:`zongheng.platform.services.audit.verify_chain`
finds the first row that no longer matches. ``audit_head`` holds the last hash in one row that an
appender locks (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite lets one writer at a time), so two
requests at once cannot both chain to the same predecessor.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zongheng.platform.models.base import Base, utcnow

__all__ = ["GENESIS", "AuditEvent", "AuditHead"]

GENESIS = "0" * 64
"""The "previous hash" of the first event."""


class AuditEvent(Base):
    """One action (操作记录): who did what to which object, and when."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(Integer)
    """Not a foreign key: the log outlives the users it names."""
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")
    """JSON text, canonical (sorted keys), as hashed."""
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The end of the chain: one row, locked by whoever appends."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)
    count: Mapped[int] = mapped_column(Integer, default=0)
