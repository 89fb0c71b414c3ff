"""Evidence files on the pages (佐证材料): upload, remove, download.

The entry page and the submission page include ``evidence.html``, which lists each value's files
(through the template global ``evidence_of``) with a download link and, on the entry page of an
editable submission, an upload form and a remove button per file. Uploads are plain multipart
forms (CSRF field first in the form) answered with a redirect back to the entry page, or with a
page naming the file and what was wrong.

A body larger than the limit is refused from its ``Content-Length`` before any of it is read;
below that, the form parser spools a file to disk past 1 MB and the service reads at most the
limit + 1 byte. Downloads are always attachments, with the type read from the content,
``nosniff`` and a sandboxing policy, so an uploaded file never renders or runs in this origin.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import object_session
from starlette.datastructures import UploadFile

from zongheng.platform.models import Evidence, Role, Submission
from zongheng.platform.pages.deps import MAX_ID, Caller, get_settings, require, submission_in_scope
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.services import access
from zongheng.platform.services import evidence as service
from zongheng.platform.services.sniff import ACCEPTED

__all__ = ["TEMPLATE_GLOBALS", "content_disposition", "evidence_in_scope", "routes"]

routes = Routes()
OVERHEAD = 64 * 1024
"""Room in a request body for the multipart framing, the CSRF and value fields and the name."""
ACCEPT = ",".join(sorted({f".{e}" for k in ACCEPTED.values() for e in k.extensions}))
DOWNLOAD_POLICY = "default-src 'none'; sandbox"


def files_of(rows: Sequence[Any]) -> dict[int, list[service.Listed]]:
    """Return the live files of the values of ``rows`` (page rows with a ``value``), for templates."""
    values = [r.value for r in rows]
    if not values:
        return {}
    return service.listing(object_session(values[0]), [v.id for v in values])


TEMPLATE_GLOBALS = {"evidence_of": files_of, "evidence_size": service.size_text, "evidence_accept": ACCEPT}


def content_disposition(name: str) -> str:
    """Return ``attachment`` with the name as RFC 6266/5987: an ASCII fallback and the UTF-8 name.

    Examples
    --------
    >>> content_disposition("统计表 2024.xlsx")
    'attachment; filename="___ 2024.xlsx"; filename*=UTF-8\\'\\'%E7%BB%9F%E8%AE%A1%E8%A1%A8%202024.xlsx'
    """
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\%' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def body_within_limit(request: Request) -> None:
    """Refuse a body larger than the evidence limit from its declared length, before reading it.

    Runs before the caller is resolved, because resolving the caller reads the form for its CSRF
    field. A body sent without a length is parsed to a spooled file and capped by the service.
    """
    declared = request.headers.get("content-length", "")
    limit = get_settings(request).evidence_max_bytes + OVERHEAD
    if declared and (not declared.isdigit() or int(declared) > limit):
        raise HTTPException(status_code=413, detail="pf_ev_body_too_large")


@dataclass(frozen=True)
class Posted:
    """The upload form: which value, and the file."""

    value_id: int | None
    filename: str
    file: UploadFile | None


async def posted_file(request: Request) -> Posted:
    """Read the upload form (already parsed by the CSRF check when the token came in the form)."""
    form = await request.form()
    raw = form.get("value_id")
    value_id = int(raw) if isinstance(raw, str) and raw.isdigit() and int(raw) <= MAX_ID else None
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return Posted(value_id, "", None)
    return Posted(value_id, upload.filename, upload)


def evidence_in_scope(action: str) -> Callable[..., Evidence]:
    """Return the dependency that loads path parameter ``evidence_id`` if ``action`` is allowed.

    The action is checked on the file's submission; a removed file, or one outside the caller's
    scope, answers 404 as if it did not exist.
    """
    roles = tuple(sorted(access.ACTIONS[action]))

    def dependency(evidence_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                   caller: Annotated[Caller, Depends(require(*roles))]) -> Evidence:
        row = caller.db.get(Evidence, evidence_id)
        if (row is None or row.removed_at is not None
                or not access.can(caller.db, caller.user, action, row.value.submission_id)):
            raise HTTPException(status_code=404, detail="pf_not_found")
        return row

    dependency.zongheng_object = ("evidence", action)  # type: ignore[attr-defined]  # read by the registry
    return dependency


SizeDep = Annotated[None, Depends(body_within_limit)]
EnterDep = Annotated[Submission, Depends(submission_in_scope("enter"))]
ReporterDep = Annotated[Caller, Depends(require(Role.REPORTER))]
PostedDep = Annotated[Posted, Depends(posted_file)]
ReadEvidenceDep = Annotated[Evidence, Depends(evidence_in_scope("read"))]
EnterEvidenceDep = Annotated[Evidence, Depends(evidence_in_scope("enter"))]
READ_ROLES = tuple(sorted(access.ACTIONS["read"]))


def _back(submission_id: int, value_id: int | None = None) -> RedirectResponse:
    anchor = f"#ev-{value_id}" if value_id else "#evidence"
    return RedirectResponse(f"/submissions/{submission_id}/entry{anchor}", status_code=303)


def _refused(request: Request, caller: Caller, submission: Submission,
             error: service.EvidenceError) -> Response:
    caller.db.rollback()
    return render(request, "evidence_refused.html", caller=caller, submission=submission,
                  problems=[p.message(caller.lang) for p in error.problems])


# The size check comes first: the next dependency (the caller, through its CSRF check) reads the body.
@routes.add("POST", "/submissions/{submission_id}/evidence")
def upload(request: Request, _size: SizeDep, submission: EnterDep, caller: ReporterDep,
           posted: PostedDep) -> Response:
    """Attach a file to a value (上传佐证材料); back to the entry page, or a page saying why not."""
    settings = get_settings(request)
    limits = service.Limits(settings.evidence_max_bytes, settings.evidence_max_files)
    try:
        service.add(caller.db, submission, posted.value_id, posted.filename,
                    posted.file.file if posted.file is not None else None,
                    user_id=caller.user.id, limits=limits)
    except service.EvidenceError as exc:
        return _refused(request, caller, submission, exc)
    caller.db.commit()
    return _back(submission.id, posted.value_id)


@routes.add("POST", "/evidence/{evidence_id}/remove")
def remove(request: Request, row: EnterEvidenceDep, caller: ReporterDep) -> Response:
    """Remove a file (删除佐证材料): recorded, and gone from the pages."""
    submission = row.value.submission
    try:
        service.remove(caller.db, row, user_id=caller.user.id)
    except service.EvidenceError as exc:
        return _refused(request, caller, submission, exc)
    caller.db.commit()
    return _back(submission.id, row.value_id)


@routes.add("GET", "/evidence/{evidence_id}")
def download(row: ReadEvidenceDep, caller: Annotated[Caller, Depends(require(*READ_ROLES))]) -> Response:
    """Download a file (下载佐证材料) as an attachment, never shown inline."""
    return Response(service.content(caller.db, row), media_type=row.media_type, headers={
        "Content-Disposition": content_disposition(row.name),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": DOWNLOAD_POLICY,
    })

