"""Reporting periods (报送期): open a period, set due dates, lock it.

Opening a period of a framework version creates every expected submission: one per 牵头单位 the
framework names × region, the department being the one of that region whose short name is the
牵头单位. Opening again creates only what is missing (nothing, if nothing changed), so an
administrator may re-open after adding a region. Every change is audited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from zongheng.platform.models import (
    Department,
    FrameworkVersion,
    ReportingPeriod,
    Submission,
    Value,
    utcnow,
)
from zongheng.platform.services import audit

__all__ = ["Opened", "entry_closed", "lead_departments", "lock_period", "open_period", "regions_of",
           "set_department_due"]


@dataclass(frozen=True)
class Opened:
    """What opening a period did."""

    period: ReportingPeriod
    created: int
    """Submissions created by this call (0 when the period was already complete)."""
    expected: int
    """Submissions the period owes in all: 牵头单位 × regions."""


def lead_departments(session: Session, version: FrameworkVersion) -> dict[str, dict[str, str]]:
    """Return, per region, the department code of each 牵头单位 of ``version`` (by short name)."""
    leads = {i.lead_department for i in version.indicators}
    rows = session.execute(select(Department.region_code, Department.short_name, Department.code).where(
        Department.valid_to.is_(None), Department.short_name.in_(leads), Department.region_code.is_not(None)))
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for region, short, code in rows:
        out[region][short] = code
    return dict(out)


def open_period(session: Session, version: FrameworkVersion, period: str, due: date, *,
                regions: list[str] | None = None, due_by_department: dict[str, date] | None = None,
                user_id: int | None = None) -> Opened:
    """Open ``period`` of ``version`` (开启报送期): create its expected submissions, idempotently.

    Parameters
    ----------
    due : date
        The period's due date (截止日期).
    regions : list of str, optional
        Regions that report; default every region with a department for each 牵头单位.
    due_by_department : dict, optional
        Department code → its own due date, overriding ``due`` for the submissions created now.

    Raises
    ------
    ValueError
        A region has no department for some 牵头单位 (the message names them).
    """
    by_lead: dict[str, list[int]] = defaultdict(list)
    for indicator in version.indicators:
        by_lead[indicator.lead_department].append(indicator.id)
    found = lead_departments(session, version)
    if regions is None:
        regions = sorted(r for r, depts in found.items() if set(by_lead) <= set(depts))
    missing = [f"{r}: {lead}" for r in regions for lead in sorted(by_lead) if lead not in found.get(r, {})]
    if missing:
        raise ValueError(f"no department for 牵头单位 {', '.join(missing)}")
    row = session.scalars(select(ReportingPeriod).where(
        ReportingPeriod.version_id == version.id, ReportingPeriod.period == period)).one_or_none()
    if row is None:
        row = ReportingPeriod(version_id=version.id, period=period, due_date=due, opened_by=user_id)
        session.add(row)
    have = set(session.execute(select(Submission.department_code, Submission.region_code).where(
        Submission.version_id == version.id, Submission.period == period)).all())
    overrides = due_by_department or {}
    created = 0
    for region in regions:
        for lead, indicator_ids in by_lead.items():
            dept = found[region][lead]
            if (dept, region) in have:
                continue
            session.add(Submission(version_id=version.id, department_code=dept, region_code=region,
                                   period=period, due_date=overrides.get(dept, row.due_date),
                                   values=[Value(indicator_id=i) for i in indicator_ids]))
            created += 1
    session.flush()
    audit.record(session, "period.open", user_id=user_id, object_type="reporting_period", object_id=row.id,
                 version=version.id, period=period, due=due.isoformat(), regions=regions, created=created)
    return Opened(row, created, len(regions) * len(by_lead))


def set_department_due(session: Session, period: ReportingPeriod, department_code: str, due: date, *,
                       regions: Collection[str] | None = None, user_id: int | None = None) -> int:
    """Give one department its own due date in ``period`` (单独设置截止日期); return the rows changed.

    ``regions`` limits the change to those regions' submissions (a county sets its own dates only).
    """
    condition = [Submission.version_id == period.version_id, Submission.period == period.period,
                 Submission.department_code == department_code]
    if regions is not None:
        condition.append(Submission.region_code.in_(sorted(regions)))
    result = session.execute(update(Submission).where(*condition).values(due_date=due))
    audit.record(session, "period.due", user_id=user_id, object_type="reporting_period", object_id=period.id,
                 department=department_code, due=due.isoformat(), submissions=result.rowcount)
    return result.rowcount


def lock_period(session: Session, period: ReportingPeriod, locked: bool = True, *,
                user_id: int | None = None) -> None:
    """Lock (or unlock) a period (锁定报送期): after the lock, entering needs a 补报申请."""
    period.locked = locked
    period.locked_at = utcnow() if locked else None
    session.flush()
    audit.record(session, "period.lock" if locked else "period.unlock", user_id=user_id,
                 object_type="reporting_period", object_id=period.id)


def regions_of(session: Session, period: ReportingPeriod) -> set[str]:
    """Return the regions that owe submissions in ``period`` (who a lock affects)."""
    return set(session.scalars(select(Submission.region_code).distinct().where(
        Submission.version_id == period.version_id, Submission.period == period.period)))


def entry_closed(session: Session, submission: Submission, today: date) -> bool:
    """Tell whether entry is closed for ``submission`` on ``today``: period locked or due date passed.

    A returned submission may be corrected until its ``return_due`` if that is later.
    """
    locked = session.scalar(select(ReportingPeriod.locked).where(
        ReportingPeriod.version_id == submission.version_id, ReportingPeriod.period == submission.period))
    if locked:
        return True
    last = max(d for d in (submission.due_date, submission.return_due) if d is not None)
    return today > last
