"""Indicator systems (指标体系): every version by year, and the import of next year's revision.

The 管理员 imports a framework file (YAML, an Excel/CSV table, or COINr's iMeta) as one year's
version of a key; the file is read by the library's own reader, every problem is listed with its
row or key, and nothing is saved unless it all reads. A version used by an approved period is
frozen: a revision is a new year's version, never an edit.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.
import re
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from zongheng.errors import ZonghengError
from zongheng.i18n import register_messages
from zongheng.platform.models import Role
from zongheng.platform.pages.deps import Caller, require
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.services import frameworks

__all__ = ["MAX_BYTES", "routes"]

routes = Routes()
MAX_BYTES = 5 * 1024 * 1024
"""Largest framework file accepted (a 42-indicator framework is a few kB)."""
SUFFIXES = (".yaml", ".yml", ".xlsx", ".csv")
KEY = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")

register_messages({
    "pf_frameworks": ("指标体系", "Indicator systems"),
    "pf_frameworks_note": ("每年一个版本；已被审核通过的报送使用的版本即冻结，次年修订请导入为新版本。",
                           "One version a year; a version used by an approved period is frozen, so "
                           "next year's revision is imported as a new version."),
    "pf_fw_key": ("标识", "Key"),
    "pf_fw_year": ("年度", "Year"),
    "pf_fw_name": ("名称", "Name"),
    "pf_fw_count": ("指标数", "Indicators"),
    "pf_fw_frozen": ("已冻结", "Frozen"),
    "pf_fw_open": ("可修改", "Open"),
    "pf_fw_file": ("文件（YAML、Excel 或 CSV）", "File (YAML, Excel or CSV)"),
    "pf_fw_import": ("导入", "Import"),
    "pf_fw_imported": ("已导入 {fw} {year} 年版本（{n} 项指标）。",
                       "Imported {fw} {year} ({n} indicators)."),
    "pf_fw_bad_key": ("标识须以小写字母开头，只含小写字母、数字、-、_，不超过64个字符。",
                      "The key starts with a lower-case letter and has only a–z, 0–9, - and _ "
                      "(at most 64)."),
    "pf_fw_bad_year": ("年度应在 2000 至 2100 之间。", "The year is between 2000 and 2100."),
    "pf_fw_bad_type": ("文件应为 .yaml、.yml、.xlsx 或 .csv，实际为“{name}”。",
                       "The file must be .yaml, .yml, .xlsx or .csv, not “{name}”."),
    "pf_fw_too_big": ("文件超过 {mb} MB。", "The file is over {mb} MB."),
    "pf_fw_exists": ("{fw} 的 {year} 年版本已存在：修订请导入为新的年度版本。",
                     "{fw} {year} exists already: import a revision as a new year's version."),
    "pf_fw_invalid": ("文件未能读取为指标体系，未保存任何内容：",
                      "The file is not a valid framework; nothing was saved:"),
    "pf_nav_frameworks": ("指标体系", "Frameworks"),
})


def _page(request: Request, caller: Caller, *, status: int = 200, **context: object) -> Response:
    admin = Role.ADMIN in {g.role for g in caller.grants}
    return render(request, "frameworks.html", status=status, caller=caller,
                  versions=frameworks.versions(caller.db), can_import=admin, **context)


@routes.add("GET", "/frameworks")
def framework_list(request: Request, caller: Annotated[Caller, Depends(require(Role.ADMIN, Role.ANALYST))]
                   ) -> Response:
    """List every framework version."""
    return _page(request, caller)


@routes.add("POST", "/frameworks")
async def framework_import(request: Request, caller: Annotated[Caller, Depends(require(Role.ADMIN))],
                           key: Annotated[str, Form(max_length=64)],
                           year: Annotated[int, Form()],
                           file: Annotated[UploadFile, File()]) -> Response:
    """Import a framework file as a new version; every problem listed, nothing saved on error."""
    name = Path(file.filename or "").name
    suffix = Path(name).suffix.lower()
    error: tuple[str, dict] | None = None
    if not KEY.match(key):
        error = ("pf_fw_bad_key", {})
    elif not 2000 <= year <= 2100:
        error = ("pf_fw_bad_year", {})
    elif suffix not in SUFFIXES:
        error = ("pf_fw_bad_type", {"name": name})
    if error is None:
        data = await file.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            error = ("pf_fw_too_big", {"mb": MAX_BYTES // 2**20})
    if error is not None:
        return _page(request, caller, status=400, error=error)
    with tempfile.TemporaryDirectory() as folder:
        # The base name only, in a folder of our own: problems name the user's file, and a name
        # such as ../../x.yaml cannot reach outside the folder (the suffix check rules out "..").
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            version = frameworks.import_framework(caller.db, key, year, path, actor=caller.user.id)
        except ZonghengError as exc:  # before ValueError: a FrameworkError is one
            caller.db.rollback()
            return _page(request, caller, status=400, error=("pf_fw_invalid", {}),
                         problems=str(exc).splitlines()[1:])
        except ValueError:
            caller.db.rollback()
            return _page(request, caller, status=400, error=("pf_fw_exists", {"fw": key, "year": year}))
    caller.db.commit()
    return _page(request, caller, done=("pf_fw_imported", {"fw": key, "year": year,
                                                           "n": len(version.indicators)}))
