"""Documents made from a run (评价文档): the HTML page, Word draft and Excel workbook, archived.

A document is made once, from the run's record, and never edited: a new request makes a new
version beside the old ones. Its bytes live in the database (like evidence files), so a download
is the very file that was made and ``zongheng db backup`` carries it; the bytes column is
deferred, so listing a run's documents never reads them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zongheng.platform.models.base import Base, utcnow
from zongheng.platform.models.runs import Run

__all__ = ["DocumentKind", "RunDocument"]

DocumentKind = ("html", "docx", "xlsx")
"""The kinds of document, in the order a run's page lists them."""


class RunDocument(Base):
    """One document generated from a run (评价文档), immutable once made."""

    __tablename__ = "run_document"
    __table_args__ = (UniqueConstraint("run_id", "version", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    """1 for the run's first set of documents, 2 for the next request, …"""
    kind: Mapped[str] = mapped_column(String(8))
    """``html``, ``docx`` or ``xlsx``."""
    unit: Mapped[str] = mapped_column(String(100))
    """The unit the document is about, as the run names it."""
    lang: Mapped[str] = mapped_column(String(2))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    unapproved: Mapped[bool] = mapped_column(Boolean)
    """The run's data were not all approved: the document says 未审核."""
    job_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    """The file's bytes, read only for a download."""

    run: Mapped[Run] = relationship()
