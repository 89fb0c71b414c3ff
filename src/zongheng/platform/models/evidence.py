"""Evidence files (佐证材料) attached to a value, and their bytes.

A file belongs to one :class:`~zongheng.platform.models.submissions.Value` (and so to one
submission). Its bytes live in the database, in :class:`EvidenceContent`, a table of their own
so lists of files never read them: saving a file is one transaction on SQLite and PostgreSQL,
and ``zongheng db backup`` / ``restore`` carry the files with everything else. Removing a file
is a soft delete (who, when), recorded in the audit log; the bytes stay.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zongheng.platform.models.base import Base, utcnow
from zongheng.platform.models.submissions import Value

__all__ = ["Evidence", "EvidenceContent"]


class Evidence(Base):
    """One uploaded evidence file of a value (佐证材料)."""

    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    value_id: Mapped[int] = mapped_column(ForeignKey("value.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    """The file name as uploaded, made safe (no folders, no control characters, length-limited)."""
    media_type: Mapped[str] = mapped_column(String(100))
    """The type read from the content (never the browser's claim), e.g. ``application/pdf``."""
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column()
    removed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    value: Mapped[Value] = relationship()
    content: Mapped[EvidenceContent] = relationship(cascade="all, delete-orphan")


class EvidenceContent(Base):
    """The bytes of one evidence file (佐证材料内容), apart so that listing files never loads them."""

    __tablename__ = "evidence_content"
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
