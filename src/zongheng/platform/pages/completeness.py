"""Completeness page (报送进度), for 汇总分析员 and 领导: 报送率, 及时率, overdue list, 催报.

Rates and the overdue list come from ``services.completeness`` (SQL aggregates) over the
submissions in the caller's scope; 催报 (analysts only) goes through ``services.inbox.remind``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from fastapi.responses import Response
from sqlalchemy import select

from zongheng import display
from zongheng.platform.models import FrameworkVersion, Role, Submission
from zongheng.platform.pages.deadlines_common import (
    form_of,
    notice_of,
    redirect,
    region_names,
    state_grants,
    today,
)
from zongheng.platform.pages.deps import MAX_ID, Caller, require
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.services import completeness, inbox
from zongheng.platform.services.access import submissions_under
from zongheng.platform.services.submissions import department_names

__all__ = ["routes"]

routes = Routes()
READERS = (Role.ANALYST, Role.LEADER)


def _latest_period(caller: Caller) -> str | None:
    query = (submissions_under(state_grants(caller, *READERS), "read")
             .with_only_columns(Submission.period).order_by(Submission.period.desc()).limit(1))
    return caller.db.scalars(query).first()


@routes.add("GET", "/completeness")
def completeness_page(request: Request, caller: Annotated[Caller, Depends(require(*READERS))]) -> Response:
    """Show 报送率 and 及时率 by department, by region and overall, and the overdue list."""
    db = caller.db
    period = request.query_params.get("period", "")[:16] or _latest_period(caller)
    grants = state_grants(caller, *READERS)
    day = today(request)
    result = completeness.completeness(db, period or "", grants=grants,
                                       timezone=request.app.state.settings.timezone)
    late = completeness.overdue(db, period or "", day, grants=grants)
    periods = sorted(set(db.scalars(submissions_under(grants, "read").with_only_columns(
        Submission.period).distinct())), reverse=True)
    versions = dict(db.execute(select(FrameworkVersion.id, FrameworkVersion.name)).all())
    return render(request, "completeness.html", caller=caller, period=period, periods=periods, result=result,
                  overdue=late, depts=department_names(db), regions=region_names(caller), versions=versions,
                  percent=display.percent, can_remind=any(g.role is Role.ANALYST for g in caller.grants),
                  notice=notice_of(request, caller.lang))


def _reminder_names(caller: Caller) -> dict[str, str]:
    return {**region_names(caller), **department_names(caller.db)}


def remindable(submission_id: Annotated[int, Path(ge=1, le=MAX_ID)],
               caller: Annotated[Caller, Depends(require(Role.ANALYST))]) -> Submission:
    """Load path parameter ``submission_id`` if it is in the analyst's scope (states), else 404."""
    query = (submissions_under(state_grants(caller, Role.ANALYST), "read")
             .where(Submission.id == submission_id).limit(1))
    found = caller.db.scalars(query).first()
    if found is None:
        raise HTTPException(status_code=404, detail="pf_not_found")
    return found


remindable.zongheng_object = ("submission", "remind")  # type: ignore[attr-defined]


@routes.add("POST", "/submissions/{submission_id}/remind")
def remind_one(request: Request, submission: Annotated[Submission, Depends(remindable)],
               caller: Annotated[Caller, Depends(require(Role.ANALYST))]) -> Response:
    """催报 one submission: a message to its 填报员 and 审核员."""
    n = inbox.remind(caller.db, [submission], sender_id=caller.user.id, today=today(request),
                     names=_reminder_names(caller))
    caller.db.commit()
    return redirect("/completeness", "pf_done_reminded", period=submission.period, n=n)


@routes.add("POST", "/completeness/remind")
async def remind_department(request: Request,
                            caller: Annotated[Caller, Depends(require(Role.ANALYST))]) -> Response:
    """催报 every overdue submission of one department in a period (within the analyst's scope)."""
    form = await form_of(request)
    period, dept = form.get("period", "")[:16], form.get("department_code", "")[:64]
    if not period or not dept:
        return redirect("/completeness", "pf_err_form")
    late = completeness.overdue(caller.db, period, today(request), grants=state_grants(caller, Role.ANALYST),
                                department_code=dept)
    subs = [caller.db.get(Submission, x.submission_id) for x in late]
    n = inbox.remind(caller.db, subs, sender_id=caller.user.id, today=today(request),
                     names=_reminder_names(caller))
    caller.db.commit()
    return redirect("/completeness", "pf_done_reminded", period=period, n=n)


