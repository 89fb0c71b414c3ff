"""The 亩均 page (亩均效益评价): grading runs of the enterprise table, their counts, D list and firm cards.

The analyst office uploads the county's enterprise table (the one ``zongheng grade`` reads) or
takes the synthetic demo table; the library's reader checks it in the request (a bad table is
listed cell by cell and nothing is kept), the grading itself is a background job. Analysts and
leaders whose scope reaches the run's region read it: grade counts by township (乡镇/街道), by
sector (行业) and by the rule's branch (评价分组), the D list with each firm's weakest indicators,
and a card per firm. Every number is the library's (:func:`zongheng.enterprise.grade_enterprises`).
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.
import json
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from zongheng.errors import ZonghengError
from zongheng.i18n import register_messages
from zongheng.platform.models import GradingRun, Job, JobState, Region
from zongheng.platform.pages.deps import MAX_ID, Caller, require
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.services import grading

__all__ = ["routes"]

routes = Routes()

register_messages({
    "pf_nav_grading": ("亩均评价", "Per-mu grading"),
    "pf_grading_title": ("亩均效益评价", "Per-mu efficiency grading"),
    "pf_grading_none": ("权限范围内还没有亩均评价结果。", "No grading in your scope yet."),
    "pf_grading_start": ("发起亩均评价", "Grade an enterprise table"),
    "pf_grading_region": ("所属地区", "Region"),
    "pf_grading_file": ("企业基础数据表（.csv 或 .xlsx，与 zongheng grade 读取的格式相同；可含 乡镇街道 列）",
                        "Enterprise table (.csv or .xlsx, as zongheng grade reads it; may have a 乡镇街道 "
                        "township column)"),
    "pf_grading_upload": ("上传并评价", "Upload and grade"),
    "pf_grading_demo": ("使用演示数据（合成演示数据：永康市 2,000 家合成企业，非真实企业）",
                        "Use the demo table (synthetic: 2,000 made-up firms of 永康市, not real firms)"),
    "pf_grading_demo_go": ("用演示数据评价", "Grade the demo table"),
    "pf_grading_synthetic": ("合成演示数据：企业、数值和所属乡镇均由程序生成，不代表任何真实企业。",
                             "Synthetic demo data: firms, values and townships are made up, not real firms."),
    "pf_grading_synthetic_short": ("合成演示数据", "synthetic"),
    "pf_grading_rule_default": ("默认评价办法（规上六项指标、规下亩均税收；"
                                "A 前 20%，B 至 75%，C 至 95%，D 末 5%）",
                                "Default rule (six indicators above scale, tax per mu below; A top 20 %, "
                                "B to 75 %, C to 95 %, D the last 5 %)"),
    "pf_grading_error_empty": ("请选择要上传的企业基础数据表。", "Choose the enterprise table to upload."),
    "pf_grading_error_type": ("文件 {name} 的类型不支持：请上传 .csv 或 .xlsx。",
                              "The file {name} is not supported: upload a .csv or .xlsx file."),
    "pf_grading_error_size": ("文件超过 {mb} MB 上限。", "The file is larger than {mb} MB."),
    "pf_grading_too_large": ("上传的文件过大。", "The upload is too large."),
    "pf_grading_error_region": ("请选择您权限范围内的地区。", "Choose a region in your scope."),
    "pf_grading_invalid": ("企业基础数据表有问题，未保存任何内容。请修改后重新上传：",
                           "The enterprise table has problems; nothing was saved. "
                           "Fix them and upload again:"),
    "pf_grading_jobs": ("我发起的评价任务", "My grading jobs"),
    "pf_grading_heading": ("亩均评价结果 #{id} · {name}", "Grading #{id} · {name}"),
    "pf_grading_meta": ("评价办法 {rule}；输入哈希 {sha}；程序版本 {version}；{at}",
                        "Rule {rule}; input hash {sha}; code version {version}; {at}"),
    "pf_grading_source": ("数据表", "Table"),
    "pf_grading_firms": ("企业数", "Firms"),
    "pf_grading_graded": ("定级", "Graded"),
    "pf_grading_not_graded": ("未定级", "Not graded"),
    "pf_grading_all": ("合计", "All"),
    "pf_grading_by_township": ("按乡镇（街道）", "By township (乡镇/街道)"),
    "pf_grading_by_sector": ("按行业", "By sector (行业)"),
    "pf_grading_by_branch": ("按评价分组", "By branch of the rule (评价分组)"),
    "pf_grading_no_township": ("数据表没有 乡镇街道 列，无法按乡镇统计。",
                               "The table has no township (乡镇街道) column."),
    "pf_grading_township": ("乡镇（街道）", "Township"),
    "pf_grading_sector": ("行业", "Sector"),
    "pf_grading_branch": ("评价分组", "Branch"),
    "pf_grading_d_list": ("D类企业名单（倒逼整治对象）及其最弱指标",
                          "D firms (for remediation) and their weakest indicators"),
    "pf_grading_d_none": ("没有 D 类企业。", "No D firm."),
    "pf_grading_firm": ("企业", "Firm"),
    "pf_grading_total": ("总分", "Total"),
    "pf_grading_rank": ("排名", "Rank"),
    "pf_grading_percentile": ("位次百分比", "Percentile"),
    "pf_grading_weakest": ("最弱指标（得分率）", "Weakest indicators (score ÷ weight)"),
    "pf_grading_download_xlsx": ("下载评价结果（Excel）", "Download the grades (Excel)"),
    "pf_grading_download_csv": ("下载评价结果（CSV）", "Download the grades (CSV)"),
    "pf_grading_d_more": ("仅列出前 {n} 家，完整名单见下载文件。",
                          "First {n} shown; the download has them all."),
    "pf_grading_card_title": ("{name} · 亩均评价", "{name} · grading"),
    "pf_grading_back": ("返回评价结果 #{id}", "Back to grading #{id}"),
    "pf_grading_id": ("统一社会信用代码", "Credit code"),
    "pf_grading_scale": ("规模", "Scale"),
    "pf_grading_grade": ("等级", "Grade"),
    "pf_grading_indicator": ("指标", "Indicator"),
    "pf_grading_value": ("实际值", "Value"),
    "pf_grading_weight": ("权重", "Weight"),
    "pf_grading_benchmark": ("基准值", "Benchmark"),
    "pf_grading_score": ("得分", "Score"),
    "pf_grading_share": ("得分率", "Score ÷ weight"),
    "pf_grading_place": ("分组内位次", "Place in the branch"),
    "pf_grading_why": ("为何是这个等级", "Why this grade"),
    "pf_grading_why_rank": ("在{branch}的 {n} 家定级企业中排第 {rank} 名，位次百分比 {pct}。",
                            "Rank {rank} of the {n} graded firms of {branch}: percentile {pct}."),
    "pf_grading_why_cut": ("{grade}类：排名 ≤ {up_to}（前 {share}）",
                           "{grade}: rank ≤ {up_to} (top {share})"),
    "pf_grading_why_veto": ("一票否决：安全环保违法，等级不高于 {grade} 类。",
                            "Veto: a safety/environment violation caps the grade at {grade}."),
    "pf_grading_why_not": ("未定级：{reasons}。", "Not graded: {reasons}."),
    "pf_grading_why_weak": ("最弱指标：{names}。", "Weakest indicators: {names}."),
})

READ = require(*grading.READERS)
ReaderDep = Annotated[Caller, Depends(READ)]


def _small_body(request: Request) -> None:
    """Refuse a declared-oversized upload before the form is parsed (the first dependency to run)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > grading.MAX_BYTES + 64 * 1024:
        raise HTTPException(status_code=413, detail="pf_grading_too_large")


SmallDep = Annotated[None, Depends(_small_body)]
StarterDep = Annotated[Caller, Depends(require(*grading.STARTERS))]
D_SHOWN = 500
"""D firms listed on the page; the download has every firm."""


def _grading_readable(grading_id: Annotated[int, Path(ge=1, le=MAX_ID)], caller: ReaderDep) -> GradingRun:
    """Load path parameter ``grading_id`` if the caller may read it, else 404 (as if it did not exist)."""
    run = caller.db.get(GradingRun, grading_id)
    if run is None or not grading.sees(caller.db, caller.grants, run):
        raise HTTPException(status_code=404, detail="pf_not_found")
    return run


_grading_readable.zongheng_object = ("grading", "read")  # type: ignore[attr-defined]
RunDep = Annotated[GradingRun, Depends(_grading_readable)]


def _list(request: Request, caller: Caller, *, status: int = 200, **context: object) -> Response:
    can_start = any(g.role in grading.STARTERS for g in caller.grants)
    mine = []
    if can_start:
        mine = caller.db.scalars(select(Job).where(Job.kind == grading.GRADE,
                                                   Job.created_by == caller.user.id,
                                                   Job.state != JobState.DONE.value)
                                 .order_by(Job.id.desc()).limit(10)).all()
    found = grading.readable(caller.db, caller.grants)
    codes = sorted({r.region_code for r in found})
    names = dict(caller.db.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())
    return render(request, "grading.html", status=status, caller=caller,
                  runs=[(r, json.loads(r.counts)) for r in found], region_names=names, can_start=can_start,
                  regions=grading.regions_for(caller.db, caller.grants) if can_start else [],
                  jobs=mine, max_mb=grading.MAX_BYTES // (1024 * 1024), **context)


@routes.add("GET", "/grading")
def grading_list(request: Request, caller: ReaderDep) -> Response:
    """List the grading runs the caller may read; the analyst office also gets the upload form."""
    return _list(request, caller)


@routes.add("POST", "/grading")
async def grading_start(request: Request, _small: SmallDep, caller: StarterDep) -> Response:
    """Check the uploaded table (or take the demo), keep it and queue its grading; open the job page.

    A bad table answers the list page with the library's located problems, and nothing is kept.
    """
    form = await request.form()
    region = form.get("region_code")
    allowed = {r.code for r in grading.regions_for(caller.db, caller.grants)}
    if not isinstance(region, str) or region not in allowed:
        return _list(request, caller, status=400, error=("pf_grading_error_region", {}))
    if form.get("source") == "demo":
        name, data, synthetic = grading.DEMO_NAME, grading.demo_table(), True
    else:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _list(request, caller, status=400, error=("pf_grading_error_empty", {}))
        name, data, synthetic = upload.filename, await upload.read(grading.MAX_BYTES + 1), False
    try:
        job = grading.start(caller.db, name, data, region_code=region, user_id=caller.user.id,
                            synthetic=synthetic)
    except grading.Refused as exc:
        caller.db.rollback()
        return _list(request, caller, status=400, error=(exc.key, exc.params))
    except ZonghengError as exc:
        caller.db.rollback()
        lines = exc.render(caller.lang).splitlines() if hasattr(exc, "render") else [str(exc)]
        problems = [line.removeprefix("  - ") for line in lines[1:]] or lines
        return _list(request, caller, status=400, error=("pf_grading_invalid", {}), problems=problems)
    caller.db.commit()
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def _branch_label(result, name: str, lang: str) -> str:
    branch = next((b for b in result.rule.branches if b.name == name), None)
    return branch.label(lang) if branch is not None else name


@routes.add("GET", "/grading/{grading_id}")
def grading_page(request: Request, run: RunDep, caller: ReaderDep) -> Response:
    """Show a grading: counts by township, sector and branch; the D list with the weakest indicators."""
    stored = grading.result_of(run)
    result = stored.result
    grades = result.grades
    by_township = grading.by_label(result, stored.township) if stored.township is not None else None
    by_sector = grading.by_label(result, grades["sector"]) if "sector" in grades else None
    by_branch = grading.by_label(result, grades["branch"].astype(object))
    fw, lang = result.framework, caller.lang
    # Each D firm's position in the grade list (its card's address).
    position = {str(firm): n for n, firm in enumerate(grades["id"])}
    d_rows = []
    for row in result.d_list.head(D_SHOWN).itertuples(index=False):
        record = row._asdict()
        weak = []
        for i in range(1, result.rule.weakest + 1):
            code, share = record.get(f"weakest_{i}"), record.get(f"weakest_{i}_share")
            if isinstance(code, str):
                weak.append({"code": code, "name": fw.label(code, lang), "share": share})
        at = position[str(record["id"])]
        d_rows.append({"position": at, "id": record["id"], "name": record["name"],
                       "branch": _branch_label(result, record["branch"], lang),
                       "township": stored.township[at] if stored.township is not None else None,
                       "total": record["total"], "rank": int(record["rank"]),
                       "percentile": record["percentile"], "weak": weak})
    return render(request, "grading_run.html", caller=caller, run=run, counts=json.loads(run.counts),
                  by_township=by_township, by_sector=by_sector, by_branch=by_branch,
                  branch_label=lambda name: _branch_label(result, name, lang),
                  d_rows=d_rows, d_total=len(result.d_list), d_shown=D_SHOWN, grades="ABCD",
                  labels={g: result.rule.label(g, lang) for g in "ABCD"})


@routes.add("GET", "/grading/{grading_id}/firms/{firm}")
def grading_firm(request: Request, run: RunDep, caller: ReaderDep,
                 firm: Annotated[int, Path(ge=0, le=MAX_ID)]) -> Response:
    """Show one firm's card: its indicators, item scores and places, its grade and why."""
    stored = grading.result_of(run)
    card = grading.firm_card(stored, firm, caller.lang)
    if card is None:
        raise HTTPException(status_code=404, detail="pf_not_found")
    veto = stored.result.rule.veto_grade
    branch = _branch_label(stored.result, card["branch"], caller.lang) if card["branch"] else None
    return render(request, "grading_firm.html", caller=caller, run=run, card=card, veto_grade=veto,
                  branch=branch)


def _download(run: GradingRun, suffix: str, lang: str) -> Response:
    data = grading.export(grading.result_of(run), suffix, lang=lang, synthetic=run.synthetic)
    media = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if suffix == ".xlsx"
             else "text/csv; charset=utf-8")
    name = f"grading-{run.id}{suffix}"
    local = f"亩均评价结果-{run.id}{suffix}"
    # RFC 6266/5987: an ASCII name for old clients, the UTF-8 one for everyone else.
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(local, safe='')}"
    return Response(data, media_type=media, headers={"Content-Disposition": disposition})


@routes.add("GET", "/grading/{grading_id}/grades.xlsx")
def grading_xlsx(request: Request, run: RunDep, caller: ReaderDep) -> Response:
    """Download the grades as the library's workbook (grades, distribution, D list, benchmarks, rule)."""
    return _download(run, ".xlsx", caller.lang)


@routes.add("GET", "/grading/{grading_id}/grades.csv")
def grading_csv(request: Request, run: RunDep, caller: ReaderDep) -> Response:
    """Download the grade list as CSV (text that a spreadsheet would run gets a quote)."""
    return _download(run, ".csv", caller.lang)
