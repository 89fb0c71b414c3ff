"""Indicator systems per year (指标体系版本).

A framework version stores the framework file it was made from (YAML text and its SHA-256), so
what departments were asked for can always be shown again. A version used by an approved
submission is frozen; next year's revision is a new version, never an edit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zongheng.platform.models.base import Base, utcnow

__all__ = ["FrameworkIndicator", "FrameworkVersion"]


class FrameworkVersion(Base):
    """One year's version of an indicator system (指标体系年度版本)."""

    __tablename__ = "framework_version"
    __table_args__ = (UniqueConstraint("key", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    """The framework's name across years, e.g. ``tiangong``."""
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    content_sha256: Mapped[str] = mapped_column(String(64))
    source_text: Mapped[str] = mapped_column(Text)
    """The framework file as imported (YAML)."""
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    indicators: Mapped[list[FrameworkIndicator]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="FrameworkIndicator.position")


class FrameworkIndicator(Base):
    """An indicator of a framework version, with its lead department (牵头单位)."""

    __tablename__ = "framework_indicator"
    __table_args__ = (UniqueConstraint("version_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("framework_version.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    unit: Mapped[str] = mapped_column(String(64), default="")
    direction: Mapped[int] = mapped_column(Integer, default=1)
    parent_code: Mapped[str] = mapped_column(String(64), default="")
    lead_department: Mapped[str] = mapped_column(String(100), default="")
    """牵头单位 as the framework names it (``统计局``); matched to a Department's short name."""
    position: Mapped[int] = mapped_column(Integer, default=0)

    version: Mapped[FrameworkVersion] = relationship(back_populates="indicators")
