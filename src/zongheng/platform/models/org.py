"""Organisation (组织机构): the region tree and the department tree, both effective-dated.

A row is one *version* of a region or department: a rename, or 撤县设区 that keeps the code, closes
the current row (``valid_to``) and opens a new one (``valid_from``), so the name a submission was
made under stays readable. The ``code`` is stable across versions and is what other tables refer
to. ``path`` is the materialised path of codes from the root (``/33/3307/330784/``): "own and
below" is one prefix comparison, ``path LIKE '/33/3307/%'``, with no recursive query (on
PostgreSQL the index uses ``varchar_pattern_ops`` so that LIKE uses it under any collation).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zongheng.platform.models.base import Base

__all__ = ["Department", "Region", "RegionLevel"]


class RegionLevel(StrEnum):
    """Level of a region (行政层级)."""

    PROVINCE = "province"   # 省
    CITY = "city"           # 市 (设区市)
    COUNTY = "county"       # 县 (县、县级市、区)
    TOWN = "town"           # 乡镇、街道、园区


class _Versioned:
    """Columns shared by the two effective-dated trees."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(1000))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    """First day the row no longer holds; ``None`` while it is current."""


class Region(_Versioned, Base):
    """A version of a region (行政区划): 省、市、县、乡镇/园区."""

    __tablename__ = "region"
    __table_args__ = (
        UniqueConstraint("code", "valid_from"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_range"),
        Index("ix_region_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )
    level: Mapped[str] = mapped_column(String(16))


class Department(_Versioned, Base):
    """A version of a department (部门): a bureau such as 统计局, or a section (科室) under it.

    ``region_code`` is the government it belongs to (永康市's 统计局 reports for 永康市).
    """

    __tablename__ = "department"
    __table_args__ = (
        UniqueConstraint("code", "valid_from"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_range"),
        Index("ix_department_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )
    region_code: Mapped[str | None] = mapped_column(String(64))
    short_name: Mapped[str] = mapped_column(String(100), default="")
    """The name the frameworks use as 牵头单位 (``统计局``), without the region."""

