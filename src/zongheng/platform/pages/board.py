"""The status board (审核看板) of 审核员 and 汇总分析员: every submission in scope, by department × region.

Filters by state, department and region; several submitted ones can be approved in one POST (all or
nothing, one audit event each). Each submitted submission that was approved before shows what
changed since that approval, so the approver sees the diff before approving again. Returning (with
a reason and a date) and locking are one form per row.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from zongheng.platform.models import Region, Role, State, Submission, Value
from zongheng.platform.pages.deps import Caller, require, submission_in_scope
from zongheng.platform.pages.entry import write
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.services import approval_chain
from zongheng.platform.services.access import submissions_under
from zongheng.platform.services.entry import Problem
from zongheng.platform.services.submissions import department_names
from zongheng.platform.services.workflow import bulk_approve, changed_since_approval, transition

__all__ = ["routes"]

routes = Routes()
BOARD_ROLES = (Role.APPROVER, Role.ANALYST)
BoardDep = Annotated[Caller, Depends(require(*BOARD_ROLES))]


def _board(request: Request, caller: Caller, *, problems: list[Problem] | None = None,
           state: str = "", department: str = "", region: str = "", mine: bool = False) -> Response:
    grants = [g for g in caller.grants if g.role in BOARD_ROLES]
    query = (submissions_under(grants, "read")
             .options(selectinload(Submission.version),
                      selectinload(Submission.values).selectinload(Value.indicator))
             .order_by(Submission.department_code, Submission.region_code, Submission.period.desc(),
                       Submission.id))
    every = list(caller.db.scalars(query))
    shown = [s for s in every if (not state or s.state == state) and (not department or
             s.department_code == department) and (not region or s.region_code == region)]
    # Each submitted one waits at a level of its approval chain; the caller approves only at theirs.
    waiting = [s for s in shown if s.state == State.SUBMITTED.value]
    levels = approval_chain.progresses(caller.db, waiting)
    approvable = approval_chain.approvable(caller.db, caller.user, waiting, levels, caller.grants)
    if mine:
        shown = [s for s in shown if s.id in approvable]
    regions = dict(caller.db.execute(select(Region.code, Region.name).where(Region.valid_to.is_(None))).all())
    depts = department_names(caller.db)
    roles = {g.role for g in grants}
    return render(request, "board.html", caller=caller, submissions=shown, regions=regions, depts=depts,
                  diffs={s.id: changed_since_approval(s) for s in shown if s.state == State.SUBMITTED.value},
                  states=[s.value for s in State],
                  departments=sorted({s.department_code for s in every}),
                  region_codes=sorted({s.region_code for s in every}),
                  chosen={"state": state, "department": department, "region": region, "mine": mine},
                  levels=levels, approvable=approvable,
                  may_approve=Role.APPROVER in roles, may_lock=Role.ANALYST in roles,
                  problems=[p.message(caller.lang) for p in problems or []],
                  done=request.query_params.get("done", ""), today=date.today().isoformat())


@routes.add("GET", "/board")
def board(request: Request, caller: BoardDep, state: str = "", department: str = "",
          region: str = "", mine: str = "") -> Response:
    """Show the submissions in scope, filtered by state, department, region and "waiting for me"."""
    return _board(request, caller, state=state[:16], department=department[:64], region=region[:64],
                  mine=mine == "1")


@routes.add("POST", "/board/approve")
def approve_selected(request: Request, caller: BoardDep,
                     ids: Annotated[list[int] | None, Form()] = None) -> Response:
    """Approve the selected submissions at the caller's level of their chain, all or nothing (批量审核)."""
    chosen = [i for i in (ids or []) if 1 <= i <= 2**31 - 1]
    problems = write(caller, lambda db: bulk_approve(db, chosen, user=caller.user))
    if problems:
        return _board(request, caller, problems=problems)
    return RedirectResponse(f"/board?done=approve&n={len(chosen)}", status_code=303)


def _one(request: Request, caller: Caller, submission: Submission, name: str, **kwargs: object) -> Response:
    problems = write(caller, lambda db: transition(db, submission, name, user=caller.user, **kwargs))
    if problems:
        return _board(request, caller, problems=problems)
    return RedirectResponse(f"/board?done={name}", status_code=303)


@routes.add("POST", "/submissions/{submission_id}/approve")
def approve_one(request: Request, submission: Annotated[Submission, Depends(submission_in_scope("return"))],
                caller: BoardDep) -> Response:
    """Approve one submission at its current level (审核通过); the chain says who may (审核链)."""
    return _one(request, caller, submission, "approve")


@routes.add("POST", "/submissions/{submission_id}/return")
def return_one(request: Request, submission: Annotated[Submission, Depends(submission_in_scope("return"))],
               caller: BoardDep, reason: Annotated[str, Form(max_length=2000)] = "",
               due: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Return a submission with a reason and the date it must come back by (退回)."""
    try:
        due_date = date.fromisoformat(due) if due else None
    except ValueError:
        due_date = None
    return _one(request, caller, submission, "return", reason=reason, due=due_date)


@routes.add("POST", "/submissions/{submission_id}/lock")
def lock_one(request: Request, submission: Annotated[Submission, Depends(submission_in_scope("return"))],
             caller: Annotated[Caller, Depends(require(Role.ANALYST))]) -> Response:
    """Lock an approved submission (锁定): its values change only through change requests then."""
    return _one(request, caller, submission, "lock")
