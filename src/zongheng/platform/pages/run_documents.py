"""Documents of a run (评价文档): ask for them, watch the job, download the archived files.

The analyst office (汇总分析员) presses 生成文档 on a run's page (a CSRF-checked POST); a background
job (:mod:`~zongheng.platform.services.run_documents`) makes the HTML page, the Word draft and the
Excel workbook of one unit and stores them with the run, and its progress page returns to the
run. Everyone who may read the run downloads them: the stored bytes, never made again.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response

from zongheng.i18n import register_messages
from zongheng.platform.models import Run, RunDocument
from zongheng.platform.pages.deadlines_common import form_of
from zongheng.platform.pages.deps import MAX_ID, Caller, require
from zongheng.platform.pages.evidence import DOWNLOAD_POLICY, content_disposition
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.runs import _run_readable
from zongheng.platform.services import audit, run_access
from zongheng.platform.services import run_documents as service
from zongheng.platform.services.evidence import size_text

__all__ = ["context", "routes"]

routes = Routes()

register_messages({
    "pf_docs_title": ("文档", "Documents"),
    "pf_docs_note": ("文档由本次评价的记录生成并随之存档，生成后不再改动；再次生成即新增一版，旧版保留。",
                     "Documents are made from this evaluation's record and archived with it, never "
                     "edited: asking again adds a new version, and the old ones stay."),
    "pf_docs_generate": ("生成文档", "Generate the documents"),
    "pf_docs_unit": ("报告单位", "Unit reported on"),
    "pf_docs_none": ("还没有生成文档。", "No document yet."),
    "pf_docs_version": ("第 {n} 版 · {unit} · {at}", "Version {n} · {unit} · {at}"),
    "pf_docs_unapproved": ("未审核", "NOT APPROVED (未审核)"),
    "pf_docs_unapproved_note": ("本次评价的数据未全部审核：生成的每个文档都标明“未审核”。",
                                "This evaluation's data are not all approved: every document made "
                                "says 未审核 (not approved)."),
    "pf_docs_kind_html": ("网页报告（HTML）", "Web page (HTML)"),
    "pf_docs_kind_docx": ("Word 分析报告", "Word draft"),
    "pf_docs_kind_xlsx": ("Excel 工作簿", "Excel workbook"),
    "pf_docs_error_unit": ("所选单位不在本次评价中。", "The chosen unit is not in this evaluation."),
    "pf_job_title_document": ("生成文档中 · 任务 #{id}", "Generating documents · job #{id}"),
    "pf_job_open_documents": ("查看文档", "Open the documents"),
})


def context(caller: Caller, run: Run) -> dict[str, Any]:
    """Return what the run page's 文档 section shows: the versions, and the form for the analyst."""
    can_generate = any(g.role in run_access.STARTERS for g in caller.grants)
    return {"document_versions": service.listing(caller.db, run), "document_size": size_text,
            "document_units": service.units_by_rank(run) if can_generate else [],
            "can_generate": can_generate}


def _document_of_run(document_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                     run: Annotated[Run, Depends(_run_readable)],
                     caller: Annotated[Caller, Depends(require(*run_access.READERS))]) -> RunDocument:
    """Load path parameter ``document_id`` if it belongs to the readable run, else 404."""
    row = caller.db.get(RunDocument, document_id)
    if row is None or row.run_id != run.id:
        raise HTTPException(status_code=404, detail="pf_not_found")
    return row


StarterDep = Annotated[Caller, Depends(require(*run_access.STARTERS))]
ReaderDep = Annotated[Caller, Depends(require(*run_access.READERS))]


@routes.add("POST", "/runs/{run_id}/documents")
async def generate(request: Request, run: Annotated[Run, Depends(_run_readable)],
                   caller: StarterDep) -> Response:
    """Queue the making of the run's documents (生成文档) about the chosen unit (the top one by default)."""
    form = await form_of(request)
    units = service.units_by_rank(run)
    unit = form.get("unit") or (units[0] if units else "")
    if unit not in units:
        return RedirectResponse(f"/runs/{run.id}?documents_error=1#documents", status_code=303)
    job = service.start(caller.db, run, unit=unit, lang=caller.lang,
                        synthetic=request.app.state.settings.demo, user_id=caller.user.id)
    caller.db.commit()
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@routes.add("GET", "/runs/{run_id}/documents/{document_id}")
def download(row: Annotated[RunDocument, Depends(_document_of_run)], caller: ReaderDep) -> Response:
    """Download an archived document (下载文档): its stored bytes, as an attachment."""
    data = row.data
    audit.record(caller.db, "run_document.download", user_id=caller.user.id, object_type="run_document",
                 object_id=row.id, run=row.run_id, kind=row.kind, sha256=row.sha256)
    caller.db.commit()
    return Response(data, media_type=row.media_type, headers={
        "Content-Disposition": content_disposition(row.filename),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": DOWNLOAD_POLICY,
    })
