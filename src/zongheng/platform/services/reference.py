"""Reference data service (参照数据): import a released table of peers' values, read it back.

The table is read by the library's panel reader against the framework version (any layout it
reads: wide or long, CSV or Excel; groups such as 设区市 come along), so every problem is reported
with its file, sheet, row and column, and nothing is stored unless the whole table reads.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from zongheng.platform.models import FrameworkVersion, ReferenceData
from zongheng.platform.services import audit
from zongheng.platform.services.packed import pack, plain, unpack

if TYPE_CHECKING:
    from zongheng.panel import Panel

__all__ = ["import_reference", "panel_of", "references_for"]


def import_reference(db: Session, version: FrameworkVersion, file: Path, *, name: str, source: str,
                     user_id: int | None, units: Path | None = None,
                     display_name: str | None = None) -> ReferenceData:
    """Store a released table of peers' values (导入参照数据), read against ``version``.

    Parameters
    ----------
    units : path, optional
        A unit table (name and groups such as 设区市), when the release has them apart.

    Raises
    ------
    DataError, FrameworkError
        The table does not read (each problem located); nothing was stored.
    ValueError
        ``name`` is blank.
    """
    import zongheng as zh
    from zongheng.platform.services.run_inputs import framework_of

    if not name.strip():
        raise ValueError("a reference dataset needs a name")
    raw = file.read_bytes()
    panel = zh.read_panel(file, framework_of(version), units=units)
    payload = {"units": list(panel.units), "periods": list(panel.periods),
               "indicators": list(panel.indicators), "values": plain(panel.values),
               "groups": {g: [None if v is None else str(v) for v in panel.group(g)] for g in panel.groups}}
    row = ReferenceData(version_id=version.id, name=name.strip()[:200], source=source.strip(),
                        sha256=hashlib.sha256(raw).hexdigest(), units=len(panel.units),
                        periods=json.dumps([str(p) for p in panel.periods]), payload=pack(payload),
                        uploaded_by=user_id)
    db.add(row)
    db.flush()
    audit.record(db, "reference.import", user_id=user_id, object_type="reference_data", object_id=row.id,
                 version=version.id, name=row.name, file=display_name or file.name, sha256=row.sha256,
                 units=row.units, periods=json.loads(row.periods))
    return row


def panel_of(reference: ReferenceData) -> Panel:
    """Return the released values as a panel (units, periods, indicators, groups)."""
    import numpy as np

    from zongheng.panel import Panel

    data = unpack(reference.payload)
    values = np.array(data["values"], dtype=np.float64)
    return Panel(values, data["units"], data["periods"], data["indicators"],
                 attributes=data["groups"] or None, source=reference.name)


def references_for(db: Session, version: FrameworkVersion) -> list[ReferenceData]:
    """Return the reference datasets read against any year's version of ``version``'s framework."""
    return list(db.scalars(select(ReferenceData).join(ReferenceData.version)
                           .where(FrameworkVersion.key == version.key).order_by(ReferenceData.id.desc())))
