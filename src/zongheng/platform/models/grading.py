"""亩均 grading runs (亩均效益评价结果): an enterprise table graded A/B/C/D, kept as graded.

The table as uploaded (or the synthetic demo table) is kept compressed, so a grading is
reproducible by the library (``zongheng grade`` on the same file gives the same grades); the run
records the rule, the input hash, the code version and what it found, compressed
(:mod:`zongheng.platform.services.packed`). A run is never edited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zongheng.platform.models.base import Base, utcnow

__all__ = ["GradingInput", "GradingRun"]


class GradingInput(Base):
    """An enterprise table as received (企业基础数据表), waiting for or read by a grading."""

    __tablename__ = "grading_input"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    """The file name as uploaded (shown in located errors)."""
    sha256: Mapped[str] = mapped_column(String(64))
    """Of the file as uploaded."""
    size: Mapped[int] = mapped_column(Integer)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    """The file, zlib-compressed."""
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class GradingRun(Base):
    """One grading of an enterprise table (亩均评价结果), never edited."""

    __tablename__ = "grading_run"
    __table_args__ = (Index("ix_grading_run_region", "region_code", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    region_code: Mapped[str] = mapped_column(String(64))
    """The county (or city) whose firms these are: who may read the run follows from it."""
    input_id: Mapped[int] = mapped_column(ForeignKey("grading_input.id"))
    source_name: Mapped[str] = mapped_column(String(200))
    rule_name: Mapped[str] = mapped_column(String(100))
    rule_text: Mapped[str] = mapped_column(Text)
    """The grading rule as YAML: what ``zongheng grade --rule`` reads."""
    input_sha256: Mapped[str] = mapped_column(String(64))
    firms: Mapped[int] = mapped_column(Integer)
    graded: Mapped[int] = mapped_column(Integer)
    counts: Mapped[str] = mapped_column(Text)
    """Firms per grade over all branches, as JSON ``{"A": …, "D": …}``."""
    code_version: Mapped[str] = mapped_column(String(40))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    """Graded on synthetic demo data: every page and file says 合成演示数据."""
    results: Mapped[bytes] = mapped_column(LargeBinary)
    """Every firm's values, item scores, rank, grade and township; the distribution, the D list and
    the benchmarks, compressed JSON."""

    input: Mapped[GradingInput] = relationship()
