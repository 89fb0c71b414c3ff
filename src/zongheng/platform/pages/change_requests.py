"""Change requests (变更申请) for the 汇总分析员: the pending ones in scope, approve or reject each."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from zongheng.platform.models import ChangeRequest, Region, Role, Submission, User, Value
from zongheng.platform.pages.deps import Caller, require
from zongheng.platform.pages.entry import write
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.services.access import submissions_under
from zongheng.platform.services.entry import Problem
from zongheng.platform.services.submissions import department_names
from zongheng.platform.services.workflow import WorkflowError, decide_change

__all__ = ["routes"]

routes = Routes()
AnalystDep = Annotated[Caller, Depends(require(Role.ANALYST))]


def _visible(caller: Caller):
    grants = [g for g in caller.grants if g.role is Role.ANALYST]
    in_scope = submissions_under(grants, "read").with_only_columns(Submission.id)
    return select(ChangeRequest).where(ChangeRequest.submission_id.in_(in_scope))


def _page(request: Request, caller: Caller, problems: list[Problem] | None = None) -> Response:
    db = caller.db
    query = _visible(caller).options(
        selectinload(ChangeRequest.indicator),
        selectinload(ChangeRequest.submission).selectinload(Submission.version))
    found = list(db.scalars(query.order_by(ChangeRequest.state != "pending", ChangeRequest.id.desc())))
    current = {(v.submission_id, v.indicator_id): v.value for v in db.scalars(select(Value).where(
        Value.submission_id.in_({r.submission_id for r in found})))}
    names = dict(db.execute(select(User.id, User.username)).all())
    regions = dict(db.execute(select(Region.code, Region.name).where(Region.valid_to.is_(None))).all())
    return render(request, "change_requests.html", caller=caller, requests=found, current=current,
                  names=names, regions=regions, depts=department_names(db),
                  problems=[p.message(caller.lang) for p in problems or []])


@routes.add("GET", "/change-requests")
def change_requests(request: Request, caller: AnalystDep) -> Response:
    """List the change requests in scope, pending first."""
    return _page(request, caller)


@routes.add("POST", "/change-requests/decide")
def decide(request: Request, caller: AnalystDep, request_id: Annotated[int, Form(ge=0, le=2**31 - 1)] = 0,
           decision: Annotated[str, Form(max_length=16)] = "",
           note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Approve or reject one change request; a request outside the scope is 'not found'."""
    def apply(db) -> None:
        found = db.scalars(_visible(caller).where(ChangeRequest.id == request_id)).one_or_none()
        if found is None or decision not in ("approve", "reject"):
            raise WorkflowError([Problem("pf_cr_not_found", {})])
        decide_change(db, found, decision == "approve", user=caller.user, note=note)

    problems = write(caller, apply)
    if problems:
        return _page(request, caller, problems)
    return RedirectResponse("/change-requests", status_code=303)
