"""Framework versions service (指标体系版本): import a framework file as one year's version."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from zongheng.platform.models import FrameworkIndicator, FrameworkVersion
from zongheng.platform.services import audit

__all__ = ["import_framework"]


def import_framework(session: Session, key: str, year: int, file: Path, *,
                     actor: int | None = None) -> FrameworkVersion:
    """Store a framework YAML file as version ``year`` of ``key`` (导入指标体系).

    The file is read by the library's own reader (every problem reported at once) and kept
    verbatim with its SHA-256, so the version can be shown and rebuilt later.

    Raises
    ------
    ValueError
        Version ``year`` of ``key`` exists already: a new revision is a new year, not an edit.
    """
    from zongheng.io import read_framework

    raw = file.read_bytes()
    framework = read_framework(file)
    exists = session.scalars(select(FrameworkVersion).where(
        FrameworkVersion.key == key, FrameworkVersion.year == year)).first()
    if exists is not None:
        raise ValueError(f"framework {key!r} {year} exists already (version {exists.id})")
    version = FrameworkVersion(
        key=key, year=year, name=framework.root.name, content_sha256=hashlib.sha256(raw).hexdigest(),
        source_text=raw.decode("utf-8"),
        indicators=[FrameworkIndicator(
            code=i.code, name=i.name, name_en=i.name_en, unit=i.unit, direction=int(i.direction),
            parent_code=i.parent, lead_department=i.department, position=n)
            for n, i in enumerate(framework.indicators)],
    )
    session.add(version)
    session.flush()
    audit.record(session, "framework.import", user_id=actor, object_type="framework_version",
                 object_id=version.id, key=key, year=year, sha256=version.content_sha256)
    return version
