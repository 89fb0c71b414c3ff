"""The Excel template pages (Excel 模板): download it pre-filled; upload, preview, then confirm.

The upload is two steps. The first (试导入) reads the workbook and answers a page listing every
problem cell, or the changes (old → new) it would make; nothing is saved. When there is no problem
the page carries the changes in a hidden field signed with the platform's secret key for this
login session and submission (HMAC), so the confirmation saves exactly what was previewed, from
nobody else's session, and within an hour. The second step (确认保存) saves them through the entry
service: checks, history and the audit log run, all or nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from zongheng.platform.models import Department, Region, Role, Submission
from zongheng.platform.pages.deps import Caller, require, submission_in_scope
from zongheng.platform.pages.entry import write
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.pages.xlsx_texts import EXPIRED
from zongheng.platform.services.access import ACTIONS
from zongheng.platform.services.entry import EDITABLE, Problem
from zongheng.platform.services.entry_xlsx import (
    MAX_BYTES,
    DryRun,
    build_template,
    comment_digest,
    confirm,
    dry_run,
    template_filename,
)
from zongheng.platform.services.org import current

__all__ = ["routes"]

routes = Routes()
READ_ROLES = tuple(sorted(ACTIONS["read"]))
ReadDep = Annotated[Submission, Depends(submission_in_scope("read"))]
ReaderDep = Annotated[Caller, Depends(require(*READ_ROLES))]
EnterDep = Annotated[Submission, Depends(submission_in_scope("enter"))]
ReporterDep = Annotated[Caller, Depends(require(Role.REPORTER))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONFIRM_SECONDS = 3600
"""How long a preview may be confirmed."""


@routes.add("GET", "/submissions/{submission_id}/template.xlsx")
def download(request: Request, submission: ReadDep, caller: ReaderDep) -> Response:
    """Download the pre-filled Excel template of a submission (下载填报模板)."""
    data = build_template(caller.db, submission.id, demo=request.app.state.settings.demo)
    name = template_filename(caller.db, submission)
    # RFC 6266/5987: an ASCII fallback for old clients, the UTF-8 name for everyone else.
    disposition = (f'attachment; filename="submission-{submission.id}.xlsx"; '
                   f"filename*=UTF-8''{quote(name, safe='')}")
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})


MAX_BODY = MAX_BYTES + 64 * 1024
"""The largest upload request read at all: the file limit and room for the form around it."""


def small_body(request: Request) -> None:
    """Refuse a declared-oversized upload before the form is parsed (the first dependency to run)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise HTTPException(status_code=413, detail="pf_xlsx_body_too_large")


SmallDep = Annotated[None, Depends(small_body)]


async def uploaded_file(request: Request) -> bytes | None:
    """Return the posted file's bytes (at most one byte past the limit, so size is judged), or None."""
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile):
        return None
    data = await file.read(MAX_BYTES + 1)
    return data or None


async def form_fields(request: Request) -> dict[str, str]:
    """Return the posted form's text fields."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FileDep = Annotated[bytes | None, Depends(uploaded_file)]
FieldsDep = Annotated[dict[str, str], Depends(form_fields)]


def _key(request: Request) -> bytes:
    # A key of its own, derived from the platform secret: a signature here means nothing elsewhere.
    secret = request.app.state.settings.secret_key
    return hashlib.sha256(b"zongheng entry xlsx confirm\0" + secret.encode()).digest()


def _sign(request: Request, caller: Caller, payload: str) -> str:
    # The login session's CSRF token is random per session (ids may be reused after a logout).
    message = caller.csrf_token.encode("ascii") + b"\0" + payload.encode()
    return hmac.new(_key(request), message, hashlib.sha256).hexdigest()


def _payload(caller: Caller, submission: Submission, result: DryRun) -> str:
    body = {"s": submission.id, "t": int(time.time()), "sha": result.sha256,
            "changes": [{"id": c.value_id, "old": c.old_value, "new": c.new_value,
                         "old_comment": comment_digest(c.old_comment), "new_comment": c.new_comment}
                        for c in result.changes]}
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _opened(request: Request, caller: Caller, submission: Submission, fields: dict[str, str]
            ) -> dict[str, Any] | None:
    """Return the signed preview a confirmation carries, or None if it is not this one's, valid, fresh."""
    payload, signature = fields.get("payload", ""), fields.get("signature", "")
    if not payload or not signature or not hmac.compare_digest(
            _sign(request, caller, payload).encode(), signature.encode()):
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except ValueError:
        return None
    if body.get("s") != submission.id:
        return None
    if not 0 <= time.time() - body.get("t", 0) <= CONFIRM_SECONDS:
        return None
    return body


def _page(request: Request, caller: Caller, submission: Submission, **context: Any) -> Response:
    db = caller.db
    region = current(db, Region, submission.region_code)
    dept = current(db, Department, submission.department_code)
    context.setdefault("result", None)
    context.setdefault("problems", [])
    context.setdefault("saved", None)
    context["editable"] = submission.state in EDITABLE
    return render(request, "entry_upload.html", caller=caller, submission=submission,
                  region=region.name if region else submission.region_code,
                  department=dept.name if dept else submission.department_code, **context)


def _messages(problems: list[Problem], lang: str) -> list[str]:
    return [p.message(lang) for p in problems]


@routes.add("POST", "/submissions/{submission_id}/upload")
def upload(request: Request, _small: SmallDep, submission: EnterDep, caller: ReporterDep,
           data: FileDep) -> Response:
    """Read an uploaded template and preview it (试导入): problem cells or changes; nothing saved."""
    if data is None:
        return _page(request, caller, submission, problems=_messages([Problem("pf_xlsx_no_file", {})],
                                                                       caller.lang))
    result = dry_run(caller.db, submission.id, data)
    caller.db.rollback()   # a dry run: nothing it loaded may be flushed
    context: dict[str, Any] = {"result": result, "problems": _messages(result.problems, caller.lang)}
    if result.ok and result.changes:
        payload = _payload(caller, submission, result)
        context.update(payload=payload, signature=_sign(request, caller, payload))
    return _page(request, caller, submission, **context)


@routes.add("POST", "/submissions/{submission_id}/upload/confirm")
def confirm_upload(request: Request, submission: EnterDep, caller: ReporterDep,
                   fields: FieldsDep) -> Response:
    """Save a previewed upload (确认保存) exactly as previewed; refused if stale, foreign or expired."""
    body = _opened(request, caller, submission, fields)
    if body is None:
        return _page(request, caller, submission, problems=_messages([EXPIRED], caller.lang))
    saved: list[int] = []
    problems = write(caller, lambda db: saved.append(
        confirm(db, submission, body["changes"], user_id=caller.user.id, sha256=body["sha"])))
    if problems:
        return _page(request, caller, submission, problems=_messages(problems, caller.lang))
    return _page(request, caller, submission, saved=saved[0])

