"""Reference data page (参照数据): the analyst office imports a released table of peers' values.

The table is read by the library's panel reader against a framework version: every problem is
listed with its file, row and column, and nothing is stored unless it all reads. A run may then
rank the county among those peers (``/runs``).
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.
import json
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select

from zongheng.errors import ZonghengError
from zongheng.i18n import register_messages
from zongheng.platform.models import FrameworkVersion, ReferenceData, Role
from zongheng.platform.pages.deps import Caller, require
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.services.reference import import_reference

__all__ = ["MAX_BYTES", "routes"]

routes = Routes()
MAX_BYTES = 20 * 1024 * 1024
"""Largest table accepted (90 counties × 5 years × 42 indicators is about 100 kB)."""
SUFFIXES = (".csv", ".xlsx")

register_messages({
    "pf_nav_reference": ("参照数据", "Reference data"),
    "pf_ref_title": ("参照数据（同类地区的公开数据）", "Reference data (peers' published values)"),
    "pf_ref_note": ("导入上级发布的全部地区指标数据（如全省各县的天工鼎指标表），评价时本地区与之比较；"
                    "本平台填报的数值优先于参照数据中同一地区、同一年份、同一指标的数值。",
                    "Import the values a higher level publishes for every region (e.g. every county's 天工鼎 "
                    "indicators); a run ranks this region among them, and a value entered on this "
                    "platform takes the place of the published one for the same region, year and indicator."),
    "pf_ref_name": ("名称", "Name"),
    "pf_ref_source": ("来源（发布单位、文号或网址）", "Source (publisher, document or address)"),
    "pf_ref_file": ("数据表（.csv 或 .xlsx）", "Table (.csv or .xlsx)"),
    "pf_ref_units": ("地区信息表（可选：地区、设区市等分组）", "Unit table (optional: regions and groups)"),
    "pf_ref_import": ("导入", "Import"),
    "pf_ref_imported": ("已导入“{name}”：{units} 个地区，{periods}。",
                        "Imported \"{name}\": {units} regions, {periods}."),
    "pf_ref_invalid": ("数据表未能读取，未保存任何内容：", "The table does not read; nothing was saved:"),
    "pf_ref_bad_form": ("请选择指标体系并填写名称。", "Choose a framework and give a name."),
    "pf_ref_bad_type": ("文件应为 .csv 或 .xlsx，实际为“{name}”。",
                        "The file must be .csv or .xlsx, not \"{name}\"."),
    "pf_ref_too_big": ("文件超过 {mb} MB。", "The file is over {mb} MB."),
    "pf_ref_none": ("还没有参照数据。", "No reference data yet."),
    "pf_ref_count": ("地区数", "Regions"),
    "pf_ref_periods": ("年份", "Periods"),
})

AnalystDep = Annotated[Caller, Depends(require(Role.ANALYST))]


def _page(request: Request, caller: Caller, *, status: int = 200, **context: object) -> Response:
    rows = caller.db.scalars(select(ReferenceData).order_by(ReferenceData.id.desc())).all()
    versions = caller.db.scalars(select(FrameworkVersion).order_by(FrameworkVersion.key,
                                                                   FrameworkVersion.year)).all()
    return render(request, "reference.html", status=status, caller=caller, rows=rows, versions=versions,
                  **context)


@routes.add("GET", "/reference")
def reference_list(request: Request, caller: AnalystDep) -> Response:
    """List the imported reference datasets, with the import form."""
    return _page(request, caller)


async def _read_capped(upload: UploadFile) -> bytes | None:
    data = await upload.read(MAX_BYTES + 1)
    return None if len(data) > MAX_BYTES else data


@routes.add("POST", "/reference")
async def reference_import(request: Request, caller: AnalystDep,
                           version_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
                           name: Annotated[str, Form(max_length=200)],
                           file: Annotated[UploadFile, File()],
                           source: Annotated[str, Form(max_length=2000)] = "",
                           units: Annotated[UploadFile | None, File()] = None) -> Response:
    """Import a table of peers' values; every problem listed, nothing saved on error."""
    version = caller.db.get(FrameworkVersion, version_id)
    if version is None or not name.strip():
        return _page(request, caller, status=400, error=("pf_ref_bad_form", {}))
    uploads = [("data", file)] + ([("units", units)] if units is not None and units.filename else [])
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for role, upload in uploads:
            # The base name only, in a folder of our own: problems name the user's file, and a name
            # such as ../../x.csv cannot reach outside the folder.
            base = Path(upload.filename or "").name
            if Path(base).suffix.lower() not in SUFFIXES:
                return _page(request, caller, status=400, error=("pf_ref_bad_type", {"name": base}))
            data = await _read_capped(upload)
            if data is None:
                too_big = ("pf_ref_too_big", {"mb": MAX_BYTES // 2**20})
                return _page(request, caller, status=400, error=too_big)
            (Path(folder) / role).mkdir()
            paths[role] = Path(folder) / role / base
            paths[role].write_bytes(data)
        try:
            row = import_reference(caller.db, version, paths["data"], name=name, source=source,
                                   user_id=caller.user.id, units=paths.get("units"))
        except ZonghengError as exc:
            caller.db.rollback()
            return _page(request, caller, status=400, error=("pf_ref_invalid", {}),
                         problems=str(exc).splitlines()[1:] or [str(exc)])
    caller.db.commit()
    periods = "、".join(json.loads(row.periods))
    return _page(request, caller, done=("pf_ref_imported", {"name": row.name, "units": row.units,
                                                            "periods": periods}))
