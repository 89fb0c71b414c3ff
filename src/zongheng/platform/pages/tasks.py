"""The 闭环 pages (问题清单, 整改任务, 销号): the ledger, one task, and every move on it.

``/tasks`` lists the tasks in the caller's scope (filters: state, department; overdue marked) and,
for the 汇总分析员, the problems that have no task yet with a form to give each one to a 责任单位;
analysts, 人大 and leaders record problems by hand there (审议意见, 批示). ``/tasks/{id}`` shows one
task: the problem and its numbers, the measures, the steps, the evidence, the record, and a form
for each move the caller may make now. Every move posts to ``/tasks/{id}/<move>`` (CSRF checked by
:func:`~zongheng.platform.pages.deps.require`) and goes through :mod:`zongheng.platform.services.tasks`,
which checks role, scope and state and writes the task event and the audit event; a refused move
writes nothing and shows the task again with the reason.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.
import json
from datetime import date, timedelta
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.datastructures import UploadFile

from zongheng import i18n
from zongheng.platform.models import (
    MANUAL_SOURCES,
    Department,
    GradingRun,
    Milestone,
    Problem,
    ProblemSource,
    Role,
    Run,
    Task,
    TaskEvidence,
    TaskFile,
    TaskState,
    User,
)
from zongheng.platform.pages.deadlines_common import region_names
from zongheng.platform.pages.deps import MAX_ID, Caller, get_settings, require
from zongheng.platform.pages.evidence import DOWNLOAD_POLICY, body_within_limit, content_disposition
from zongheng.platform.pages.grading import _grading_readable
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.pages.runs import _run_readable
from zongheng.platform.pages.task_texts import TASK_KEYS  # (importing it registers the texts)
from zongheng.platform.services import chasing
from zongheng.platform.services import tasks as service
from zongheng.platform.services.evidence import EvidenceError, Limits
from zongheng.platform.services.run_access import regions_in_scope
from zongheng.platform.services.submissions import department_names

__all__ = ["routes", "task_in_scope"]

routes = Routes()
ALL = tuple(sorted(Role))
WORKERS = tuple(sorted(service.ROLES["work"]))
ANALYSTS = (Role.ANALYST,)
RECORDERS = tuple(sorted({r for roles in service.RECORDERS.values() for r in roles}))
URGERS = tuple(sorted(chasing.URGERS))
TEXT = 4000
"""Longest free text a task form takes (measures, statements, reasons)."""

ReaderDep = Annotated[Caller, Depends(require(*ALL))]
WorkerDep = Annotated[Caller, Depends(require(*WORKERS))]
AnalystDep = Annotated[Caller, Depends(require(*ANALYSTS))]
RecorderDep = Annotated[Caller, Depends(require(*RECORDERS))]


def task_in_scope(task_id: Annotated[int, Path(ge=1, le=MAX_ID)], caller: ReaderDep) -> Task:
    """Load path parameter ``task_id`` if the caller may read it; otherwise 404, as if it did not exist."""
    found = caller.db.scalars(service.tasks_for(caller.db, caller.user).where(Task.id == task_id)).first()
    if found is None:
        raise HTTPException(status_code=404, detail="pf_not_found")
    return found


task_in_scope.zongheng_object = ("task", "read")  # type: ignore[attr-defined]  # read by the registry
TaskDep = Annotated[Task, Depends(task_in_scope)]


def problem_in_scope(problem_id: Annotated[int, Path(ge=1, le=MAX_ID)], caller: AnalystDep) -> Problem:
    """Load path parameter ``problem_id`` if its region is in the caller's analyst scope; else 404."""
    found = caller.db.get(Problem, problem_id)
    if found is None or found.region_code not in regions_in_scope(caller.db, caller.grants,
                                                                 frozenset(ANALYSTS)):
        raise HTTPException(status_code=404, detail="pf_not_found")
    return found


problem_in_scope.zongheng_object = ("problem", "assign")  # type: ignore[attr-defined]  # read by the registry
ProblemDep = Annotated[Problem, Depends(problem_in_scope)]


def _overdue(task: Task, today: date) -> bool:
    return task.state != TaskState.CLOSED.value and task.due < today


def _ledger(request: Request, caller: Caller, *, problems: list[str] | None = None) -> Response:
    """Render ``/tasks``: the caller's tasks, and for analysts the problems still without a task."""
    db, today = caller.db, date.today()
    query = service.tasks_for(db, caller.user).options(selectinload(Task.problem))
    state = request.query_params.get("state", "")
    department = request.query_params.get("department", "")
    if state in {s.value for s in TaskState}:
        query = query.where(Task.state == state)
    if department:
        query = query.where(Task.department_code == department)
    due = request.query_params.get("due", "")
    if due in ("soon", "overdue"):      # the 督办 lists: open tasks due within a week, or late
        late = Task.due < today if due == "overdue" else Task.due.between(today, today + timedelta(days=7))
        query = query.where(Task.state != TaskState.CLOSED.value, late)
    found = list(db.scalars(query.order_by(Task.due, Task.id)))
    analyst_regions = regions_in_scope(db, caller.grants, frozenset(ANALYSTS))
    open_problems = list(db.scalars(
        select(Problem).where(Problem.region_code.in_(analyst_regions), ~Problem.tasks.any())
        .order_by(Problem.id.desc()))) if analyst_regions else []
    record_regions = sorted(regions_in_scope(db, caller.grants, frozenset(RECORDERS)))
    sources = [s for s in sorted(MANUAL_SOURCES)
               if any(g.role in service.RECORDERS[s] for g in caller.grants)]
    names = dict(db.execute(select(User.id, User.username)).all())
    from zongheng.platform.services.department_record import department_record, record_headers

    summary = chasing.department_summary(db, caller.user, today).to_dict("records")
    record = department_record(db, caller.user, timezone=get_settings(request).timezone)
    notice = request.query_params.get("rules", "")
    return render(request, "tasks.html", caller=caller, keys=TASK_KEYS, status=400 if problems else 200,
                  tasks=found, summary=summary, due=due, record=record.to_dict("records"),
                  record_headers=record_headers(caller.lang), today=today, state=state,
                  title_of=_title_of(caller), notice=_rules_notice(caller, notice),
                  department=department, states=list(TaskState), open_problems=open_problems,
                  regions=region_names(caller), depts=department_names(db), names=names,
                  record_regions=record_regions, sources=sources, problems=problems or [],
                  overdue={t.id for t in found if _overdue(t, today)},
                  default_due=today + timedelta(days=30),
                  leads={p.id: service.lead_department(db, p, on=today) for p in open_problems},
                  departments_of=_departments_of(caller, {p.region_code for p in open_problems}))


def _title_of(caller: Caller):
    """Return problem → its title in the caller's language (a rule's title is rewritten from its key)."""
    from zongheng.platform.services.problem_rules import title_in

    return lambda problem: title_in(problem, caller.lang)


def _rules_notice(caller: Caller, counts: str) -> str:
    """Say what a run's rules did (``?rules=created-updated-unchanged`` after the post)."""
    parts = counts.split("-")
    if len(parts) != 3 or not all(p.isdigit() and len(p) < 7 for p in parts):
        return ""
    created, updated, unchanged = (int(p) for p in parts)
    return i18n.text("pf_rules_done", caller.lang, created=created, updated=updated, unchanged=unchanged)


def _departments_of(caller: Caller, regions: set[str]) -> dict[str, list[tuple[str, str]]]:
    """Return region → [(department code, name)] of the regions' current departments (for the forms)."""
    rows = caller.db.execute(select(Department.region_code, Department.code, Department.name).where(
        Department.region_code.in_(regions), Department.valid_to.is_(None)).order_by(Department.code)).all()
    out: dict[str, list[tuple[str, str]]] = {}
    for region, code, name in rows:
        out.setdefault(region, []).append((code, name))
    return out


@routes.add("GET", "/tasks")
def ledger(request: Request, caller: ReaderDep) -> Response:
    """List the tasks in scope (整改台账), overdue marked; analysts also see problems without a task."""
    return _ledger(request, caller)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(data: bytes, media_type: str, name: str) -> Response:
    return Response(data, media_type=media_type, headers={"Content-Disposition": content_disposition(name)})


def _book(request: Request, caller: Caller, write, media_type: str, suffix: str) -> Response:
    """Build the caller's 台账 and send it written by ``write`` (xlsx or csv) as a dated attachment."""
    from zongheng.platform.services import task_ledger

    book = task_ledger.ledger(caller.db, caller.user, lang=caller.lang,
                              timezone=get_settings(request).timezone)
    name = f"{i18n.text('pf_nav_tasks', caller.lang)}-{book.today.isoformat()}.{suffix}"
    return _download(write(book), media_type, name)


@routes.add("GET", "/tasks/ledger.xlsx")
def ledger_xlsx(request: Request, caller: ReaderDep) -> Response:
    """Download the 台账 of every task in scope as Excel (问题/责任单位/措施/时限/进展/状态)."""
    from zongheng.platform.services.task_ledger import ledger_xlsx as write

    return _book(request, caller, write, XLSX, "xlsx")


@routes.add("GET", "/tasks/ledger.csv")
def ledger_csv(request: Request, caller: ReaderDep) -> Response:
    """Download the same 台账 as CSV (UTF-8 with a BOM)."""
    from zongheng.platform.services.task_ledger import ledger_csv as write

    return _book(request, caller, write, "text/csv; charset=utf-8", "csv")


def _message(caller: Caller, error: service.TaskError) -> str:
    return i18n.text(error.key, caller.lang, **error.params)


BACK = {"tasks": "/tasks#problems", "congress": "/congress"}
"""Where a recorded problem sends the browser back to (the form says which page it was on)."""


@routes.add("POST", "/problems")
def record(request: Request, caller: RecorderDep, source: Annotated[str, Form(max_length=16)] = "",
           region: Annotated[str, Form(max_length=64)] = "",
           indicator: Annotated[str, Form(max_length=64)] = "",
           title: Annotated[str, Form(max_length=300)] = "",
           run: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
           back: Annotated[str, Form(max_length=16)] = "tasks") -> Response:
    """Record a problem by hand (人大审议意见, 领导批示), optionally on a run the caller reads.

    Back to the page the form was on, or that page saying why not (nothing written).
    """
    from zongheng.platform.pages import congress

    again = congress.page if back == "congress" else _ledger

    def change() -> None:
        try:
            kind = ProblemSource(source)
        except ValueError:
            raise service.TaskError("pf_task_bad_source") from None
        if kind not in MANUAL_SOURCES:
            raise service.TaskError("pf_task_bad_source")
        if run is not None and not _run_seen(caller, run):
            raise service.TaskError("pf_task_no_run", run=run)
        service.record_problem(caller.db, caller.user, source=kind, region_code=region, title=title,
                               indicator_code=indicator.strip() or None, run_id=run)
    try:
        change()
    except service.TaskError as exc:
        caller.db.rollback()
        return again(request, caller, problems=[_message(caller, exc)])
    caller.db.commit()
    return RedirectResponse(BACK.get(back, BACK["tasks"]), status_code=303)


def _run_seen(caller: Caller, run_id: int) -> bool:
    from zongheng.platform.models import Run
    from zongheng.platform.services.run_access import sees_run

    found = caller.db.get(Run, run_id)
    return found is not None and sees_run(caller.db, caller.grants, found)


@routes.add("POST", "/runs/{run_id}/problems")
def from_run(request: Request, run: Annotated[Run, Depends(_run_readable)], caller: AnalystDep,
             weakest: Annotated[int, Form(ge=1, le=50)] = 5) -> Response:
    """Find the run's problems by the rules (短板, 退步, 未达标, 红灯, 路径抓手) in the caller's regions.

    An open problem found again is updated, not repeated; back to the ledger saying how many.
    """
    from zongheng.platform.services.problem_rules import problems_from_run

    try:
        outcome = problems_from_run(caller.db, caller.user, run, weakest=weakest)
    except service.TaskError as exc:
        caller.db.rollback()
        return _ledger(request, caller, problems=[_message(caller, exc)])
    caller.db.commit()
    return _rules_done(outcome)


@routes.add("POST", "/grading/{grading_id}/problems")
def from_grading(request: Request, run: Annotated[GradingRun, Depends(_grading_readable)],
                 caller: AnalystDep) -> Response:
    """Make each D firm of a 亩均 grading a problem (低效整治); one open problem per firm, never repeated."""
    from zongheng.platform.services.grading_problems import problems_from_grading

    try:
        outcome = problems_from_grading(caller.db, caller.user, run)
    except service.TaskError as exc:
        caller.db.rollback()
        return _ledger(request, caller, problems=[_message(caller, exc)])
    caller.db.commit()
    return _rules_done(outcome)


def _rules_done(outcome) -> RedirectResponse:
    """Back to the ledger's problems, saying how many were new, updated and unchanged."""
    counts = f"{len(outcome.created)}-{len(outcome.updated)}-{len(outcome.unchanged)}"
    return RedirectResponse(f"/tasks?rules={counts}#problems", status_code=303)


@routes.add("POST", "/problems/{problem_id}/assign")
def assign(request: Request, problem: ProblemDep, caller: AnalystDep,
           department: Annotated[str, Form(max_length=64)] = "",
           due: Annotated[date | None, Form()] = None) -> Response:
    """Give a problem to a 责任单位 (下达任务), by default the indicator's 牵头单位; on to the new task."""
    try:
        if due is None:
            raise service.TaskError("pf_task_no_due")
        task = service.assign(caller.db, caller.user, problem, due=due, department_code=department or None)
    except service.TaskError as exc:
        caller.db.rollback()
        return _ledger(request, caller, problems=[_message(caller, exc)])
    _tell(request, caller, task, "assign")
    caller.db.commit()
    return RedirectResponse(f"/tasks/{task.id}", status_code=303)


FACTS = ("period", "unit", "name", "township", "value", "previous", "previous_period", "rank",
         "previous_rank", "of", "score", "percentile", "target", "gap", "light", "target_rank",
         "current_rank", "needed", "change", "change_pct", "weakest")
"""The numbers of a rule's problem that its page shows, in this order (``pf_fact_<key>``)."""


def _facts(problem: Problem) -> tuple[list[tuple[str, object]], str | None]:
    """Return the problem's numbers worth showing as (message key, value), and its link in the run."""
    try:
        found = json.loads(problem.detail or "{}")
    except ValueError:
        found = {}
    if not isinstance(found, dict):
        found = {}
    shown = [key for key in FACTS if found.get(key) not in (None, "", [])]
    facts = [(f"pf_fact_{k}", "、".join(map(str, found[k])) if isinstance(found[k], list) else found[k])
             for k in shown]
    link = found.get("link")
    return facts, link if isinstance(link, str) and link.startswith(("/runs/", "/grading/")) else None


def _page(request: Request, caller: Caller, task: Task, *, problems: list[str] | None = None,
          status_code: int = 200) -> Response:
    """Render one task with the moves the caller may make in its state."""
    db, today = caller.db, date.today()
    state = TaskState(task.state)
    can = {action: service.may(db, caller.user, action, task) for action in service.ROLES}
    moves = {
        "claim": can["claim"] and state is TaskState.PENDING,
        "work": can["work"] and state in (TaskState.IN_PROGRESS, TaskState.RETURNED),
        "decide": can["verify"] and state is TaskState.REQUESTED and task.requested_by != caller.user.id,
        "reopen": can["verify"] and state is TaskState.CLOSED,
        "urge": state in chasing.URGEABLE and chasing.may_urge(db, caller.user, task, today),
    }
    names = dict(db.execute(select(User.id, User.username)).all())
    from zongheng.platform.services.task_effect import trajectory_of

    return render(request, "task.html", caller=caller, keys=TASK_KEYS, status=status_code, task=task,
                  problem=task.problem, moves=moves, effect=trajectory_of(db, task),
                  title_of=_title_of(caller), facts=_facts(task.problem), regions=region_names(caller),
                  depts=department_names(db), names=names, overdue=_overdue(task, today), today=today,
                  problems=problems or [])


@routes.add("GET", "/tasks/{task_id}")
def task_page(request: Request, task: TaskDep, caller: ReaderDep) -> Response:
    """Show one task: the problem and its numbers, measures, steps, evidence, record, and the moves."""
    return _page(request, caller, task)


def _apply(request: Request, caller: Caller, task: Task, change, anchor: str = "", *, tell: str = "",
           note: str = "") -> Response:
    """Run one move; tell whom it concerns (``tell``: the move's name), commit and go back to the task.

    A refused move rolls back and shows the task with the reason (400).
    """
    try:
        change()
    except service.TaskError as exc:
        caller.db.rollback()
        return _page(request, caller, caller.db.get(Task, task.id), problems=[_message(caller, exc)],
                     status_code=400)
    except EvidenceError as exc:    # a 销号 file the upload checks refused (type, size, content)
        caller.db.rollback()
        return _page(request, caller, caller.db.get(Task, task.id),
                     problems=[p.message(caller.lang) for p in exc.problems], status_code=400)
    if tell:
        _tell(request, caller, task, tell, note)
    caller.db.commit()
    return RedirectResponse(f"/tasks/{task.id}{anchor}", status_code=303)


def _tell(request: Request, caller: Caller, task: Task, action: str, note: str = "") -> None:
    from zongheng.platform.services.task_notices import tell

    settings = get_settings(request)
    tell(caller.db, task, action, caller.user, today=date.today(), note=note, mail=settings.mail,
         base_url=settings.site_url)


@routes.add("POST", "/tasks/{task_id}/claim")
def claim(request: Request, task: TaskDep, caller: WorkerDep) -> Response:
    """Claim the task (认领): the caller becomes its 责任人."""
    return _apply(request, caller, task, lambda: service.claim(caller.db, caller.user, task))


@routes.add("POST", "/tasks/{task_id}/measures")
def measures(request: Request, task: TaskDep, caller: WorkerDep,
             text: Annotated[str, Form(max_length=TEXT)] = "") -> Response:
    """Write the task's 整改措施."""
    return _apply(request, caller, task, lambda: service.set_measures(caller.db, caller.user, task, text),
                  "#measures")


@routes.add("POST", "/tasks/{task_id}/milestones")
def milestone(request: Request, task: TaskDep, caller: WorkerDep,
              title: Annotated[str, Form(max_length=300)] = "",
              due: Annotated[date | None, Form()] = None) -> Response:
    """Add a dated step (节点)."""
    def change() -> None:
        if due is None:
            raise service.TaskError("pf_task_no_due")
        service.add_milestone(caller.db, caller.user, task, title, due)
    return _apply(request, caller, task, change, "#milestones")


@routes.add("POST", "/tasks/{task_id}/milestones/done")
def milestone_done(request: Request, task: TaskDep, caller: WorkerDep,
                   milestone_id: Annotated[int, Form(ge=0, le=MAX_ID)] = 0) -> Response:
    """Mark one of the task's steps done."""
    def change() -> None:
        step = caller.db.get(Milestone, milestone_id)
        if step is None or step.task_id != task.id:
            raise service.TaskError("pf_task_no_milestone")
        service.complete_milestone(caller.db, caller.user, step)
    return _apply(request, caller, task, change, "#milestones")


async def _files(request: Request) -> list[UploadFile]:
    form = await request.form()
    return [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]


@routes.add("POST", "/tasks/{task_id}/request")
def request_close(request: Request, _size: Annotated[None, Depends(body_within_limit)], task: TaskDep,
                  caller: WorkerDep, files: Annotated[list[UploadFile], Depends(_files)],
                  text: Annotated[str, Form(max_length=TEXT)] = "",
                  new_value: Annotated[str, Form(max_length=40)] = "") -> Response:
    """Ask to close the task (申请销号) with a statement and files or the indicator's new value."""
    settings = get_settings(request)
    limits = Limits(settings.evidence_max_bytes, settings.evidence_max_files)

    def change() -> None:
        value = None
        if new_value.strip():
            try:
                value = float(new_value.strip().replace(",", ""))
            except ValueError:
                raise service.TaskError("pf_task_bad_value", value=new_value.strip()) from None
        service.request_close(caller.db, caller.user, task, text=text, new_value=value,
                              files=[(f.filename, f.file) for f in files], limits=limits)
    return _apply(request, caller, task, change, "#evidence", tell="request")


@routes.add("POST", "/tasks/{task_id}/verify")
def verify(request: Request, task: TaskDep, caller: AnalystDep,
           note: Annotated[str, Form(max_length=TEXT)] = "") -> Response:
    """Close the task after checking its evidence (核实销号)."""
    return _apply(request, caller, task, lambda: service.verify(caller.db, caller.user, task, note),
                  tell="verify", note=note)


@routes.add("POST", "/tasks/{task_id}/send-back")
def send_back(request: Request, task: TaskDep, caller: AnalystDep,
              reason: Annotated[str, Form(max_length=TEXT)] = "") -> Response:
    """Refuse the request to close (退回) with a reason."""
    return _apply(request, caller, task, lambda: service.send_back(caller.db, caller.user, task, reason),
                  tell="send_back", note=reason)


@routes.add("POST", "/tasks/{task_id}/reopen")
def reopen(request: Request, task: TaskDep, caller: AnalystDep,
           reason: Annotated[str, Form(max_length=TEXT)] = "") -> Response:
    """Open a closed task again (重新打开) with a reason."""
    return _apply(request, caller, task, lambda: service.reopen(caller.db, caller.user, task, reason),
                  tell="reopen", note=reason)


@routes.add("POST", "/tasks/{task_id}/urge")
def urge(request: Request, task: TaskDep, caller: Annotated[Caller, Depends(require(*URGERS))],
         note: Annotated[str, Form(max_length=TEXT)] = "") -> Response:
    """催办: tell the people who must act (in the inbox, and by mail when set), more of them each time."""
    settings = get_settings(request)
    return _apply(request, caller, task, lambda: chasing.urge(
        caller.db, caller.user, task, date.today(), note, mail=settings.mail, base_url=settings.site_url))


@routes.add("GET", "/tasks/{task_id}/files/{file_id}")
def task_file(task: TaskDep, caller: ReaderDep, file_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
    """Download a file of the task's evidence, as an attachment (never shown inline)."""
    found = caller.db.scalars(select(TaskFile).join(TaskEvidence).where(
        TaskFile.id == file_id, TaskEvidence.task_id == task.id)).first()
    if found is None:
        raise HTTPException(status_code=404, detail="pf_not_found")
    return Response(found.data, media_type=found.media_type, headers={
        "Content-Disposition": content_disposition(found.name),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": DOWNLOAD_POLICY,
    })
