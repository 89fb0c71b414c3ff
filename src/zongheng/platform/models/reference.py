"""Reference data (参照数据): a published table of every peer's values, imported for runs.

A county's departments enter the county's own values; its peers' values come from the province's
release (e.g. 经信厅's 天工鼎 indicator table of every county). An analyst imports that table once
per release, read against a framework version; a run may rank the county among those peers, the
values entered on the platform taking the place of the released ones for the regions that
entered them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zongheng.platform.models.base import Base, utcnow
from zongheng.platform.models.frameworks import FrameworkVersion

__all__ = ["ReferenceData"]


class ReferenceData(Base):
    """One imported release of peers' values (参照数据集)."""

    __tablename__ = "reference_data"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("framework_version.id"))
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text, default="")
    """Who published it, where (a citation); synthetic data says so here."""
    sha256: Mapped[str] = mapped_column(String(64))
    """Of the file as uploaded."""
    units: Mapped[int] = mapped_column(default=0)
    periods: Mapped[str] = mapped_column(Text, default="[]")
    """The periods it holds, as JSON."""
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    """The panel (units, periods, indicators, values, unit groups), compressed JSON."""
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[FrameworkVersion] = relationship()
