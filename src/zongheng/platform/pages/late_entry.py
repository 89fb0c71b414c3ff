"""补报申请 page (late entry): 填报员 ask to enter after the deadline or lock; 汇总分析员 decide."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from zongheng.platform.models import LateEntryRequest, LateState, Role, State, Submission, User
from zongheng.platform.pages.deadlines_common import (
    form_of,
    notice_of,
    parse_day,
    redirect,
    region_names,
    state_grants,
    today,
)
from zongheng.platform.pages.deps import Caller, require, submission_in_scope
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.services import inbox, late_entry
from zongheng.platform.services.access import submissions_under
from zongheng.platform.services.periods import entry_closed
from zongheng.platform.services.submissions import department_names

__all__ = ["routes"]

routes = Routes()
ROLES = (Role.REPORTER, Role.ANALYST)
OWED = (State.DRAFT.value, State.RETURNED.value)
LATE_KEYS = {s.value: f"pf_late_state_{s.value}" for s in LateState}


def _closed_for_reporter(caller: Caller, day) -> list[Submission]:
    grants = [g for g in caller.grants if g.role is Role.REPORTER]
    if not grants:
        return []
    query = (submissions_under(grants, "enter").where(Submission.state.in_(OWED))
             .options(selectinload(Submission.version)).order_by(Submission.period.desc(), Submission.id))
    return [s for s in caller.db.scalars(query)
            if entry_closed(caller.db, s, day) and not late_entry.late_entry_open(caller.db, s, day)]


def _to_decide(caller: Caller) -> list[LateEntryRequest]:
    grants = state_grants(caller, Role.ANALYST)
    if not grants:
        return []
    scoped = submissions_under(grants, "read").with_only_columns(Submission.id)
    query = (select(LateEntryRequest).where(LateEntryRequest.submission_id.in_(scoped))
             .options(selectinload(LateEntryRequest.submission).selectinload(Submission.version))
             .order_by((LateEntryRequest.state != LateState.PENDING.value), LateEntryRequest.id.desc())
             .limit(200))
    return list(caller.db.scalars(query))


@routes.add("GET", "/late-entry")
def late_entry_page(request: Request, caller: Annotated[Caller, Depends(require(*ROLES))]) -> Response:
    """Show a reporter's closed submissions and requests, and an analyst's requests to decide."""
    db = caller.db
    day = today(request)
    mine = list(db.scalars(select(LateEntryRequest).where(LateEntryRequest.requested_by == caller.user.id)
                           .options(selectinload(LateEntryRequest.submission).selectinload(Submission.version))
                           .order_by(LateEntryRequest.id.desc()).limit(200)))
    decide = _to_decide(caller)
    user_ids = {r.requested_by for r in decide if r.requested_by is not None}
    names = dict(db.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all())
    roles = {g.role for g in caller.grants}
    return render(request, "late_entry.html", caller=caller, closed=_closed_for_reporter(caller, day),
                  mine=mine, decide=decide, names=names, depts=department_names(db),
                  regions=region_names(caller), is_reporter=Role.REPORTER in roles,
                  is_analyst=Role.ANALYST in roles, today=day, late_keys=LATE_KEYS,
                  notice=notice_of(request, caller.lang))


@routes.add("POST", "/submissions/{submission_id}/late-entry")
async def ask(request: Request, submission: Annotated[Submission, Depends(submission_in_scope("enter"))],
              caller: Annotated[Caller, Depends(require(Role.REPORTER))]) -> Response:
    """File a 补报申请 for a submission the reporter may enter."""
    reason = (await form_of(request)).get("reason", "")[:2000]
    if not reason:
        return redirect("/late-entry", "pf_err_reason")
    late_entry.request_late_entry(caller.db, submission, reason, user_id=caller.user.id)
    caller.db.commit()
    return redirect("/late-entry", "pf_done_requested")


@routes.add("POST", "/late-entry/decide")
async def decide(request: Request, caller: Annotated[Caller, Depends(require(Role.ANALYST))]) -> Response:
    """Approve (until a date) or reject a 补报申请 of a submission in the analyst's scope."""
    form = await form_of(request)
    text = form.get("request_id", "")
    if not text.isdigit() or len(text) >= 10 or form.get("decision") not in ("approve", "reject"):
        return redirect("/late-entry", "pf_err_form")
    found = caller.db.get(LateEntryRequest, int(text))
    scoped = submissions_under(state_grants(caller, Role.ANALYST), "read").where(
        Submission.id == (found.submission_id if found else -1))
    if found is None or caller.db.scalars(scoped.limit(1)).first() is None:
        raise HTTPException(status_code=404, detail="pf_not_found")
    approve = form["decision"] == "approve"
    until = parse_day(form.get("until", "")) if approve else None
    if approve and until is None:
        return redirect("/late-entry", "pf_err_until")
    if found.state != LateState.PENDING.value:
        return redirect("/late-entry", "pf_err_decided")
    note = form.get("note", "")[:2000]
    late_entry.decide(caller.db, found, approve, user_id=caller.user.id, until=until, note=note)
    sub, names = found.submission, {**region_names(caller), **department_names(caller.db)}
    if found.requested_by is not None:
        inbox.send(caller.db, found.requested_by, f"pf_msg_late_decided_{found.state}",
                   link=f"/submissions/{sub.id}", sender_id=caller.user.id, period=sub.period,
                   department=names.get(sub.department_code, sub.department_code),
                   region=names.get(sub.region_code, sub.region_code),
                   until=until.isoformat() if until else "", note=note)
    caller.db.commit()
    return redirect("/late-entry", "pf_done_decided")
