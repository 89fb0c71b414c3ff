"""Framework versions service (指标体系版本): import a framework file as one year's version."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from zongheng.platform.models import FrameworkIndicator, FrameworkVersion
from zongheng.platform.services import audit

__all__ = ["freeze", "import_framework", "versions"]


def import_framework(session: Session, key: str, year: int, file: Path, *,
                     actor: int | None = None) -> FrameworkVersion:
    """Store a framework file as version ``year`` of ``key`` (导入指标体系).

    Any file the library reads: YAML, an Excel/CSV table with a parent column, or COINr's iMeta
    (every problem reported at once, as :class:`~zongheng.errors.FrameworkError`). A YAML file is
    kept verbatim; a table is kept as the YAML the library writes for it (reading it back gives
    an equal framework). The SHA-256 is of the file as uploaded.

    Raises
    ------
    ValueError
        Version ``year`` of ``key`` exists already: a new revision is a new year, not an edit.
    FrameworkError
        The file is not a valid framework.
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
        source_text=_as_yaml(framework, file),
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


def _as_yaml(framework, file: Path) -> str:
    """Return the text kept for a version: the YAML as given, or the library's YAML of a table."""
    if file.suffix.lower() in (".yaml", ".yml"):
        from zongheng.io.text import read_text_any

        return read_text_any(file)  # UTF-8 or GBK, as the reader accepted it
    import tempfile

    from zongheng.io import write_framework

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "framework.yaml"
        write_framework(framework, out)
        return out.read_text(encoding="utf-8")


def freeze(session: Session, version: FrameworkVersion, *, actor: int | None = None) -> bool:
    """Freeze a version once an approved period uses it (冻结); ``False`` if it was frozen already.

    A frozen version is never edited: next year's revision is imported as a new version.
    """
    if version.frozen:
        return False
    version.frozen = True
    audit.record(session, "framework.freeze", user_id=actor, object_type="framework_version",
                 object_id=version.id, key=version.key, year=version.year)
    return True


def versions(session: Session) -> list[FrameworkVersion]:
    """Return every framework version, by key then year (newest first)."""
    return list(session.scalars(select(FrameworkVersion).order_by(FrameworkVersion.key,
                                                                  FrameworkVersion.year.desc())))
