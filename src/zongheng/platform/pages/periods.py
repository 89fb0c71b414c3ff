"""Reporting periods page (报送期管理), for 管理员 and 汇总分析员: open, set due dates, lock."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from zongheng.platform.models import FrameworkVersion, Region, ReportingPeriod, Role, Scope, Submission
from zongheng.platform.pages.deadlines_common import form_of, notice_of, parse_day, redirect
from zongheng.platform.pages.deps import Caller, require
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.services import periods
from zongheng.platform.services.submissions import department_names

__all__ = ["routes"]

routes = Routes()
ROLES = (Role.ADMIN, Role.ANALYST)
CallerDep = Annotated[Caller, Depends(require(*ROLES))]


def _regions_in_scope(caller: Caller) -> set[str]:
    """Regions the caller's 管理员/汇总分析员 grants reach (a period is opened only for those)."""
    terms = []
    for g in caller.grants:
        if g.role not in ROLES:
            continue
        if g.scope is Scope.SET:
            terms.append(Region.code.in_(g.regions))
        elif g.scope is Scope.OWN:
            terms.append(Region.code == g.region_code)
        elif g.region_path is not None:
            terms.append(Region.path.startswith(g.region_path, autoescape=True))
    if not terms:
        return set()
    return set(caller.db.scalars(select(Region.code).where(Region.valid_to.is_(None), or_(*terms))))


@routes.add("GET", "/periods")
def periods_page(request: Request, caller: CallerDep) -> Response:
    """List the opened periods that reach the caller's regions, with the submissions there.

    Periods are shared (a province opens 2024 for every county), so the list and its counts are
    limited to the regions of the caller's 管理员/汇总分析员 grants: a county sees its own.
    """
    db = caller.db
    scope = _regions_in_scope(caller)
    counts = {(v, p): n for v, p, n in db.execute(
        select(Submission.version_id, Submission.period, func.count(Submission.id))
        .where(Submission.region_code.in_(sorted(scope)))
        .group_by(Submission.version_id, Submission.period))}
    rows = [r for r in db.scalars(select(ReportingPeriod).options(selectinload(ReportingPeriod.version))
                                  .order_by(ReportingPeriod.period.desc(), ReportingPeriod.version_id))
            if (r.version_id, r.period) in counts]
    order = (FrameworkVersion.key, FrameworkVersion.year)
    versions = list(db.scalars(select(FrameworkVersion).order_by(*order)))
    depts = department_names(db)
    return render(request, "periods.html", caller=caller, rows=rows, counts=counts, versions=versions,
                  depts=depts, notice=notice_of(request, caller.lang))


@routes.add("POST", "/periods/open")
async def open_period(request: Request, caller: CallerDep) -> Response:
    """Open a period of a framework version for the regions in the caller's scope."""
    form = await form_of(request)
    version_id, period = form.get("version_id", ""), form.get("period", "")[:16]
    if not version_id.isdigit() or not period:
        return redirect("/periods", "pf_err_form")
    due = parse_day(form.get("due", ""))
    if due is None:
        return redirect("/periods", "pf_err_date")
    version = caller.db.get(FrameworkVersion, int(version_id))
    if version is None:
        return redirect("/periods", "pf_err_form")
    scope = _regions_in_scope(caller)
    complete = {r for r, d in periods.lead_departments(caller.db, version).items()
                if {i.lead_department for i in version.indicators} <= set(d)}
    regions = sorted(scope & complete)
    if not regions:
        return redirect("/periods", "pf_err_no_regions")
    opened = periods.open_period(caller.db, version, period, due, regions=regions, user_id=caller.user.id)
    caller.db.commit()
    return redirect("/periods", "pf_done_opened", created=opened.created, expected=opened.expected)


def _period_of(caller: Caller, form: dict[str, str]) -> ReportingPeriod | None:
    text = form.get("period_id", "")
    return caller.db.get(ReportingPeriod, int(text)) if text.isdigit() and len(text) < 10 else None


@routes.add("POST", "/periods/due")
async def department_due(request: Request, caller: CallerDep) -> Response:
    """Give one department its own due date in a period."""
    form = await form_of(request)
    row, dept = _period_of(caller, form), form.get("department_code", "")
    if row is None or not dept:
        return redirect("/periods", "pf_err_form")
    due = parse_day(form.get("due", ""))
    if due is None:
        return redirect("/periods", "pf_err_date")
    n = periods.set_department_due(caller.db, row, dept, due, regions=_regions_in_scope(caller),
                                   user_id=caller.user.id)
    caller.db.commit()
    return redirect("/periods", "pf_done_due", n=n)


@routes.add("POST", "/periods/lock")
async def lock(request: Request, caller: CallerDep) -> Response:
    """Lock or unlock a period, if every region that reports in it is in the caller's scope."""
    form = await form_of(request)
    row = _period_of(caller, form)
    if row is None:
        return redirect("/periods", "pf_err_form")
    locked = form.get("locked") != "0"
    # A lock closes entry for every region of the period: only a caller over all of them may.
    if not periods.regions_of(caller.db, row) <= _regions_in_scope(caller):
        return redirect("/periods", "pf_err_lock_scope")
    periods.lock_period(caller.db, row, locked, user_id=caller.user.id)
    caller.db.commit()
    return redirect("/periods", "pf_done_locked" if locked else "pf_done_unlocked")
