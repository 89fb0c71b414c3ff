"""The entry grid (填报表格): one row per indicator; type or paste, save all or nothing, submit.

The grid is a form whose inputs are named ``v-<value id>`` (value) and ``c-<value id>`` (comment);
``static/entry.js`` moves between cells with Enter and the arrow keys and spreads a block pasted
from Excel over the cells below. Saving is an HTMX POST that answers the grid again, with the saved
count or every refused cell named; nothing is saved from a post with one bad cell.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from zongheng.platform.models import ChangeRequest, Department, Region, Role, Submission, User
from zongheng.platform.pages.deps import Caller, require, submission_in_scope
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.services.access import submissions_under
from zongheng.platform.services.entry import EDITABLE, EntryError, Problem
from zongheng.platform.services.entry import save_entries as save_grid
from zongheng.platform.services.org import current
from zongheng.platform.services.submissions import department_names, value_rows
from zongheng.platform.services.workflow import (
    AFTER_APPROVAL,
    ChecksRefused,
    WorkflowError,
    request_change,
    transition,
)

__all__ = ["plain", "routes", "write"]

routes = Routes()
EnterDep = Annotated[Submission, Depends(submission_in_scope("enter"))]
ReporterDep = Annotated[Caller, Depends(require(Role.REPORTER))]


def plain(value: float | None) -> str:
    """Write a stored value back into an input exactly (``repr`` round-trips a float), blank if none."""
    if value is None:
        return ""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


async def form_fields(request: Request) -> dict[str, str]:
    """Return the posted form's text fields (the grid's field names depend on the submission)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormDep = Annotated[dict[str, str], Depends(form_fields)]


def _context(caller: Caller, submission_id: int) -> dict[str, object]:
    db = caller.db
    submission, rows = value_rows(db, submission_id)
    user_ids = {h.user_id for r in rows for h in r.history if h.user_id is not None}
    names = dict(db.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all())
    region = current(db, Region, submission.region_code)
    dept = current(db, Department, submission.department_code)
    requests = list(db.scalars(select(ChangeRequest).where(ChangeRequest.submission_id == submission.id)
                               .options(selectinload(ChangeRequest.indicator)).order_by(ChangeRequest.id)))
    return {"submission": submission, "rows": rows, "names": names, "plain": plain,
            "region": region.name if region else submission.region_code,
            "department": dept.name if dept else submission.department_code,
            "editable": submission.state in EDITABLE, "after_approval": submission.state in AFTER_APPROVAL,
            "requests": requests, "typed": {}, "problems": [], "saved": None}


def _messages(problems: list[Problem], lang: str) -> list[str]:
    return [p.message(lang) for p in problems]


def write(caller: Caller, change: Callable[[Session], object]) -> list[Problem]:
    """Run ``change`` in the request's session and commit; on a refusal roll back, return why.

    The services check everything before they write, and the rollback undoes anything they did
    write, so a refused post leaves the database as it was (all or nothing). One exception: a
    submit the checks refuse keeps the flags they recorded, which the refusal tells the 填报员
    to explain.
    """
    try:
        change(caller.db)
    except ChecksRefused as exc:    # keep the flags that refused it, for the 填报员 to explain
        caller.db.commit()
        return exc.problems
    except (EntryError, WorkflowError) as exc:
        caller.db.rollback()
        return exc.problems
    except Exception:
        caller.db.rollback()
        raise
    caller.db.commit()
    return []


def _refused(request: Request, caller: Caller, submission: Submission, problems: list[Problem]) -> Response:
    context = _context(caller, submission.id)
    context["problems"] = _messages(problems, caller.lang)
    return render(request, "entry.html", caller=caller, **context)


@routes.add("GET", "/entry")
def entry_list(request: Request, caller: ReporterDep) -> Response:
    """List the submissions the caller enters (我的填报), newest period first."""
    reporter = [g for g in caller.grants if g.role is Role.REPORTER]
    query = (submissions_under(reporter, "enter").options(selectinload(Submission.version))
             .order_by(Submission.period.desc(), Submission.id))
    regions = dict(caller.db.execute(select(Region.code, Region.name).where(Region.valid_to.is_(None))).all())
    return render(request, "entry_list.html", caller=caller, submissions=list(caller.db.scalars(query)),
                  regions=regions, depts=department_names(caller.db), editable=EDITABLE)


@routes.add("GET", "/submissions/{submission_id}/entry")
def entry_page(request: Request, submission: EnterDep, caller: ReporterDep) -> Response:
    """Show the entry grid of one submission."""
    return render(request, "entry.html", caller=caller, **_context(caller, submission.id))


@routes.add("POST", "/submissions/{submission_id}/entry")
def save_entries(request: Request, submission: EnterDep, caller: ReporterDep, form: FormDep) -> Response:
    """Save the grid (HTMX): answer the grid with the saved count, or every refused cell."""
    typed = {int(k[2:]): v for k, v in form.items() if k.startswith("v-") and k[2:].isdigit()}
    comments = {int(k[2:]): v for k, v in form.items() if k.startswith("c-") and k[2:].isdigit()}
    saved: list[int] = []
    problems = write(caller, lambda db: saved.append(
        save_grid(db, submission, typed, comments, user_id=caller.user.id)))
    context = _context(caller, submission.id)
    if problems:
        context.update(typed=typed, problems=_messages(problems, caller.lang),
                       comments_typed=comments)
    else:
        context["saved"] = saved[0]
    template = "entry_grid.html" if request.headers.get("HX-Request") else "entry.html"
    return render(request, template, caller=caller, **context)


@routes.add("POST", "/submissions/{submission_id}/submit")
def submit(request: Request, submission: EnterDep, caller: ReporterDep) -> Response:
    """Submit for approval (报送); a refusal shows the page again with the reason."""
    problems = write(caller, lambda db: transition(db, submission, "submit", user=caller.user))
    if problems:
        return _refused(request, caller, submission, problems)
    return RedirectResponse(f"/submissions/{submission.id}/entry", status_code=303)


@routes.add("POST", "/submissions/{submission_id}/change-requests")
def ask_change(request: Request, submission: EnterDep, caller: ReporterDep,
               code: Annotated[str, Form(max_length=64)] = "",
               new_value: Annotated[str, Form(max_length=100)] = "",
               reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Ask to change an approved value (申请变更): the 汇总分析员 decides."""
    problems = write(caller, lambda db: request_change(db, submission, code, new_value, reason,
                                                       user=caller.user))
    if problems:
        return _refused(request, caller, submission, problems)
    return RedirectResponse(f"/submissions/{submission.id}/entry", status_code=303)
