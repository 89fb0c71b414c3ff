"""Evaluation runs pages (评价运行): start a run, watch its progress, read it, export its inputs.

The analyst office (汇总分析员) starts a run of a framework version through a period; the work is
a background job (:mod:`~zongheng.platform.services.jobs`) whose page polls its progress with
HTMX, then opens the run. Every reader in scope (:mod:`~zongheng.platform.services.run_access`)
reads the ranking; a run on data not all approved says 未审核 at the top.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.
import io
import json
import tempfile
import zipfile
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy import select

from zongheng import display
from zongheng.i18n import register_messages
from zongheng.platform.models import FrameworkVersion, Job, JobState, Run, Submission
from zongheng.platform.pages.deadlines_common import form_of
from zongheng.platform.pages.deps import MAX_ID, Caller, require
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.services import run_access, runs
from zongheng.platform.services.reference import references_for

__all__ = ["routes"]

routes = Routes()

register_messages({
    "pf_nav_runs": ("评价结果", "Evaluations"),
    "pf_runs_title": ("评价运行", "Evaluation runs"),
    "pf_runs_none": ("权限范围内还没有评价结果。", "No evaluation in your scope yet."),
    "pf_run_start": ("发起评价", "Start an evaluation"),
    "pf_run_framework": ("指标体系", "Framework"),
    "pf_run_period": ("评价期", "Period"),
    "pf_run_method": ("方法", "Method"),
    "pf_run_method_default": ("默认方法（min-max 0–100，加权算术平均）",
                              "Default (min-max 0–100, weighted arithmetic mean)"),
    "pf_run_method_bundled": ("{name} 的内置方法", "{name}'s bundled method"),
    "pf_run_approved_only": ("只用已审核数据（未审核的数值视为缺失）",
                             "Approved data only (unapproved values count as missing)"),
    "pf_run_unapproved": ("未审核：本结果使用了 {n} 个尚未审核的数值，仅供内部参考。",
                          "NOT APPROVED: this result uses {n} value(s) not yet approved; internal use only."),
    "pf_run_approved": ("全部数据已审核", "All data approved"),
    "pf_run_heading": ("评价结果 #{id} · {name} · {period}", "Evaluation #{id} · {name} · {period}"),
    "pf_run_meta": ("方法 {method}；输入哈希 {sha}；程序版本 {version}；{at}",
                    "Method {method}; input hash {sha}; code version {version}; {at}"),
    "pf_run_rank": ("位次", "Rank"),
    "pf_run_unit": ("地区", "Region"),
    "pf_run_score": ("综合得分", "Score"),
    "pf_run_change": ("较上期", "vs last period"),
    "pf_run_group": ("分组", "Group"),
    "pf_run_all": ("全部地区", "All regions"),
    "pf_run_in_group": ("{column}：{label}（组内排名）", "{column}: {label} (ranked within the group)"),
    "pf_run_export": ("导出输入（可用 zongheng build 重算）",
                      "Export the inputs (rebuild with zongheng build)"),
    "pf_run_stages": ("下载各阶段得分与排名（CSV）", "Download every stage's scores and ranks (CSV)"),
    "pf_run_stages_none": ("该评价结果生成于平台保存各阶段数据之前，只有最终得分与排名；"
                           "重新发起评价即可得到各阶段数据。",
                           "This evaluation was made before the platform kept every stage: it has the final "
                           "scores and ranks only. Start the evaluation again to get every stage."),
    "pf_run_stages_no_unit": ("该评价结果中没有这个地区。", "This evaluation has no such region."),
    "pf_run_error_form": ("请选择指标体系、评价期和方法。", "Choose a framework, a period and a method."),
    "pf_run_error_regions": ("您的权限范围内没有该指标体系在此期间的报送任务。",
                             "No submission of this framework in this period within your scope."),
    "pf_run_reference": ("参照数据", "Peers from"),
    "pf_run_reference_none": ("不用（只比较本平台填报的地区）", "None (only the regions entered here)"),
    "pf_job_title": ("评价进行中 · 任务 #{id}", "Evaluation in progress · job #{id}"),
    "pf_job_state_queued": ("排队中", "Queued"),
    "pf_job_state_running": ("运行中", "Running"),
    "pf_job_state_done": ("已完成", "Done"),
    "pf_job_state_failed": ("失败", "Failed"),
    "pf_job_open_run": ("查看评价结果", "Open the evaluation"),
})


def _run_readable(run_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                  caller: Annotated[Caller, Depends(require(*run_access.READERS))]) -> Run:
    """Load path parameter ``run_id`` if the caller may read it, else 404 (as if it did not exist)."""
    run = caller.db.get(Run, run_id)
    if run is None or not run_access.sees_run(caller.db, caller.grants, run):
        raise HTTPException(status_code=404, detail="pf_not_found")
    return run


_run_readable.zongheng_object = ("run", "read")  # type: ignore[attr-defined]


def _own_job(job_id: Annotated[int, Path(ge=1, le=MAX_ID)],
             caller: Annotated[Caller, Depends(require(*run_access.STARTERS))]) -> Job:
    """Load path parameter ``job_id`` if the caller started it, else 404."""
    job = caller.db.get(Job, job_id)
    if job is None or job.created_by != caller.user.id:
        raise HTTPException(status_code=404, detail="pf_not_found")
    return job


_own_job.zongheng_object = ("job", "read")  # type: ignore[attr-defined]

ReaderDep = Annotated[Caller, Depends(require(*run_access.READERS))]
StarterDep = Annotated[Caller, Depends(require(*run_access.STARTERS))]


def _startable(caller: Caller) -> list[tuple[FrameworkVersion, list[str], list[str], list]]:
    """Versions with submissions in the analyst's regions: (version, periods, methods, references)."""
    mine = sorted(run_access.regions_in_scope(caller.db, caller.grants, run_access.STARTERS))
    rows = caller.db.execute(select(Submission.version_id, Submission.period).distinct()
                             .where(Submission.region_code.in_(mine))).all()
    periods: dict[int, set[str]] = {}
    for version_id, period in rows:
        periods.setdefault(version_id, set()).add(period)
    versions = caller.db.scalars(select(FrameworkVersion).where(FrameworkVersion.id.in_(list(periods)))
                                 .order_by(FrameworkVersion.key, FrameworkVersion.year)).all()
    return [(v, sorted(periods[v.id], reverse=True), runs.methods_for(v), references_for(caller.db, v))
            for v in versions]


@routes.add("GET", "/runs")
def run_list(request: Request, caller: ReaderDep) -> Response:
    """List the runs the caller may read; the analyst office also gets the form to start one."""
    can_start = any(g.role in run_access.STARTERS for g in caller.grants)
    error = request.query_params.get("error")
    readable = run_access.readable_runs(caller.db, caller.grants)
    from zongheng.platform.services import department_view

    return render(request, "runs.html", caller=caller, runs=readable,
                  my_departments=department_view.mine_by_run(caller.db, caller.grants, readable),
                  startable=_startable(caller) if can_start else [], can_start=can_start,
                  error=error if error in ("pf_run_error_form", "pf_run_error_regions") else None)


@routes.add("POST", "/runs")
async def run_start(request: Request, caller: StarterDep) -> Response:
    """Queue an evaluation over the submissions' regions in the analyst's scope; open its job page."""
    form = await form_of(request)
    version_id, period, method = form.get("version_id", ""), form.get("period", "")[:16], form.get("method")
    valid_id = version_id.isdigit() and len(version_id) < 10
    version = caller.db.get(FrameworkVersion, int(version_id)) if valid_id else None
    if version is None or not period or method not in (runs.methods_for(version) if version else []):
        return RedirectResponse("/runs?error=pf_run_error_form", status_code=303)
    mine = run_access.regions_in_scope(caller.db, caller.grants, run_access.STARTERS)
    regions = sorted(set(caller.db.scalars(select(Submission.region_code).distinct().where(
        Submission.version_id == version.id, Submission.period == period))) & mine)
    if not regions:
        return RedirectResponse("/runs?error=pf_run_error_regions", status_code=303)
    reference = form.get("reference_id", "")
    known = {r.id for r in references_for(caller.db, version)}
    reference_id = int(reference) if reference.isdigit() and len(reference) < 10 else None
    if reference and reference_id not in known:
        return RedirectResponse("/runs?error=pf_run_error_form", status_code=303)
    job = runs.start(caller.db, version, period, method=method, user_id=caller.user.id, regions=regions,
                     approved_only=form.get("approved_only") == "1", reference_id=reference_id)
    caller.db.commit()
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def result_url(job: Job) -> str:
    """Where a finished job's result opens: a grading's page, a run's documents, or the run."""
    if job.kind == "grade":
        return f"/grading/{job.result_id}"
    # A document job's result is the run whose documents it made: back to their section.
    return f"/runs/{job.result_id}" + ("#documents" if job.kind == "document" else "")


@routes.add("GET", "/jobs/{job_id}")
def job_page(request: Request, job: Annotated[Job, Depends(_own_job)], caller: StarterDep) -> Response:
    """Show a job's progress; the progress block polls until the run is ready."""
    return render(request, "job.html", caller=caller, job=job, result_url=result_url(job))


@routes.add("GET", "/jobs/{job_id}/progress")
def job_progress(request: Request, job: Annotated[Job, Depends(_own_job)], caller: StarterDep) -> Response:
    """Render the progress block (HTMX); once the run exists, send the browser to it."""
    response = render(request, "job_progress.html", caller=caller, job=job, result_url=result_url(job))
    if job.state == JobState.DONE.value and job.result_id and request.headers.get("HX-Request"):
        response.headers["HX-Redirect"] = result_url(job)
    return response


# Before /runs/{run_id}: routes match in order, and "compare" is not a run id.
@routes.add("GET", "/runs/compare")
def run_compare(request: Request, caller: ReaderDep) -> Response:
    """Show two runs side by side: rank and score per unit, and why they differ (data or method)."""
    ids = [request.query_params.get(k, "") for k in ("a", "b")]
    if not all(i.isdigit() and len(i) < 10 for i in ids):
        return RedirectResponse("/runs", status_code=303)
    found = [caller.db.get(Run, int(i)) for i in ids]
    if any(r is None or not run_access.sees_run(caller.db, caller.grants, r) for r in found):
        raise HTTPException(status_code=404, detail="pf_not_found")
    first, second = found
    result = runs.compare(first, second)
    return render(request, "run_compare.html", caller=caller, first=first, second=second, result=result,
                  score=display.score, value=display.value)


def _ranking(found: "runs.Results", framework, lang: str, group: tuple[str, str] | None
             ) -> tuple[list[dict], list[str]]:
    """Rows of the last period's ranking: rank, unit, score, change of rank, dimension scores.

    With ``group`` = (column, label) only that group's units, ranked within it (组内排名).
    """
    import math

    root = framework.root.code
    dims = list(framework.children.get(root, ()))
    at = {c: n for n, c in enumerate(found.nodes)}
    last = len(found.periods) - 1
    ranks, keep = found.ranks, range(len(found.units))
    if group is not None:
        column, label = group
        ranks = found.group_ranks[column]
        keep = [u for u, x in enumerate(found.groups[column]) if x == label]
    rows = []
    for u in keep:
        rank = ranks[last, u, at[root]]
        before = ranks[last - 1, u, at[root]] if last > 0 else math.nan
        change = before - rank if not (math.isnan(rank) or math.isnan(before)) else None
        rows.append({"unit": found.units[u], "rank": None if math.isnan(rank) else int(rank),
                     "score": display.score(found.scores[last, u, at[root]]),
                     "change": None if change is None else int(change),
                     "dims": [display.score(found.scores[last, u, at[d]]) for d in dims]})
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["unit"]))
    nodes = [framework.node(d) for d in dims]
    names = [n.name_en if lang == "en" and n.name_en else n.name for n in nodes]
    return rows, names


@routes.add("GET", "/runs/{run_id}")
def run_page(request: Request, run: Annotated[Run, Depends(_run_readable)], caller: ReaderDep) -> Response:
    """Show a run: its provenance, the 未审核 mark if any, the last period's ranking with ▲▼.

    ``?group=设区市&label=金华市`` shows one group, ranked within it.
    """
    framework, _ = runs.inputs_of(run)
    found = runs.results_of(run)
    column, label = request.query_params.get("group", ""), request.query_params.get("label", "")
    choices = {g: sorted({x for x in labels if x is not None}) for g, labels in found.groups.items()}
    group = (column, label) if column in choices and label in choices[column] else None
    rows, dims = _ranking(found, framework, caller.lang, group)
    from zongheng.platform.pages import run_documents  # its routes need this module's loader
    from zongheng.platform.services import department_view
    from zongheng.report.targets import has_targets

    departments = department_view.departments_of(framework)
    mine = [d for d in department_view.leads_of_grants(caller.db, caller.grants) if d in departments]
    links = {"departments": departments, "my_departments": mine, "stages_kept": found.stages_kept,
             "eco": has_targets(framework)}
    return render(request, "run.html", caller=caller, run=run, rows=rows, dims=dims, choices=choices,
                  group=group, regions=json.loads(run.regions), **links, **run_documents.context(caller, run),
                  documents_error=request.query_params.get("documents_error") == "1")


@routes.add("GET", "/runs/{run_id}/stages.csv")
def run_stages_csv(request: Request, run: Annotated[Run, Depends(_run_readable)], caller: ReaderDep
                   ) -> Response:
    """Download every stage's scores and ranks as a tidy CSV (stage, period, node, unit, score, rank).

    ``?unit=永康市`` keeps one unit. A run made before stages were kept: 404 saying so.
    """
    from zongheng.platform.services.run_stages import csv_chunks

    stages = runs.stages_of(run)
    if stages is None:
        raise HTTPException(status_code=404, detail="pf_run_stages_none")
    unit = request.query_params.get("unit") or None
    if unit is not None and unit not in stages.units:
        raise HTTPException(status_code=404, detail="pf_run_stages_no_unit")
    name = f"zongheng-run-{run.id}-stages.csv"

    def body():
        yield "\ufeff"         # a BOM: Excel and WPS read the file as UTF-8
        yield from csv_chunks(stages, unit=unit)

    return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@routes.add("GET", "/runs/{run_id}/inputs.zip")
def run_export(request: Request, run: Annotated[Run, Depends(_run_readable)], caller: ReaderDep) -> Response:
    """Download the run's inputs, method and README as a zip: ``zongheng build`` rebuilds it."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for file in runs.export(run, FilePath(folder)):
            out.write(file, arcname=file.name)
    name = f"zongheng-run-{run.id}.zip"
    return Response(buffer.getvalue(), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


register_messages({
    "pf_compare_title": ("对比评价结果 #{a} 与 #{b}", "Evaluation #{a} against #{b}"),
    "pf_compare_choose": ("选择两个评价结果进行对比", "Choose two evaluations to compare"),
    "pf_compare_why_nothing": ("两次评价的数据和方法都相同，结果一致。",
                               "Same data and same method: the results are the same."),
    "pf_compare_why_data": ("方法相同，数据不同：结果的变化来自数据。",
                            "Same method, different data: the results changed with the data."),
    "pf_compare_why_method": ("数据相同，方法不同：结果的变化来自方法。",
                              "Same data, different method: the results changed with the method."),
    "pf_compare_why_both": ("数据和方法都不同。", "Both the data and the method differ."),
    "pf_compare_values": ("数据差异（前 {n} 项）", "Values that differ (first {n})"),
    "pf_compare_indicator": ("指标", "Indicator"),
})
