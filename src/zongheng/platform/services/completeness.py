"""Completeness (报送完整性): 报送率, 及时率 and the overdue list, as SQL aggregates.

- 报送率 (reporting rate) = submissions submitted or later (submitted, approved, locked) / expected.
  A returned submission is owed again, so it does not count until it is submitted again.
- 及时率 (timeliness) = submissions reported whose first submission fell on or before their due
  date, in local time (the due date is a local day; ``submitted_at`` is stored in UTC) / expected.
- Overdue (逾期): not reported and the due date has passed; days overdue = today − due date.

Completeness counts states, not values, so a reader without the "view unapproved" right still sees
the rates of the units in their scope.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, Select, and_, case, cast, func, literal, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from zongheng.platform.models import State, Submission
from zongheng.platform.services.access import Grant, submissions_under

__all__ = ["REPORTED", "Completeness", "Overdue", "Rate", "completeness", "overdue"]

REPORTED = (State.SUBMITTED.value, State.APPROVED.value, State.LOCKED.value)


@dataclass(frozen=True)
class Rate:
    """Counts of one department, region or the whole period."""

    key: str
    expected: int
    reported: int
    on_time: int

    @property
    def reporting_rate(self) -> float | None:
        """报送率, ``None`` when nothing is expected."""
        return self.reported / self.expected if self.expected else None

    @property
    def timely_rate(self) -> float | None:
        """及时率, ``None`` when nothing is expected."""
        return self.on_time / self.expected if self.expected else None


@dataclass(frozen=True)
class Completeness:
    """报送率 and 及时率 of a period by department, by region and overall."""

    by_department: list[Rate]
    by_region: list[Rate]
    overall: Rate


@dataclass(frozen=True)
class Overdue:
    """A submission past its due date and not reported (逾期未报)."""

    submission_id: int
    department_code: str
    region_code: str
    version_id: int
    state: str
    due_date: date
    days: int


def _utc_offset_hours(timezone: str) -> int:
    # Due dates are local days; China keeps one offset all year, so one shift is exact there.
    offset = datetime.now(ZoneInfo(timezone)).utcoffset()
    return int(offset.total_seconds() // 3600) if offset else 0


def _local_day(session: Session, column: ColumnElement, hours: int) -> ColumnElement:
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column, f"{hours:+d} hours")
    return cast(column + literal_column(f"interval '{hours} hours'"), Date)


def _days_between(session: Session, later: date, column: ColumnElement) -> ColumnElement:
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(later.isoformat()) - func.julianday(column), Integer)
    return literal(later, Date) - column


def _where(query: Select, period: str, version_id: int | None, grants: list[Grant] | None) -> Select:
    query = query.where(Submission.period == period)
    if version_id is not None:
        query = query.where(Submission.version_id == version_id)
    if grants is not None:
        # States, not values: read the scope as if the grants saw unapproved data.
        states_visible = [dataclasses.replace(g, view_unapproved=True) for g in grants]
        scoped = submissions_under(states_visible, "read").with_only_columns(Submission.id)
        query = query.where(Submission.id.in_(scoped))
    return query


def completeness(session: Session, period: str, *, version_id: int | None = None,
                 grants: list[Grant] | None = None, timezone: str = "Asia/Shanghai") -> Completeness:
    """Return 报送率 and 及时率 of ``period`` by department, by region and overall (报送完整性).

    Parameters
    ----------
    version_id : int, optional
        One framework version only; default every version with this period.
    grants : list of Grant, optional
        Count only submissions in these grants' scope; default all.
    """
    reported = Submission.state.in_(REPORTED)
    on_time = and_(reported, Submission.submitted_at.is_not(None),
                   _local_day(session, Submission.submitted_at, _utc_offset_hours(timezone))
                   <= Submission.due_date)
    counts = (func.count(Submission.id), func.sum(case((reported, 1), else_=0)),
              func.sum(case((on_time, 1), else_=0)))

    def grouped(column: ColumnElement | None) -> list[Rate]:
        columns = (column, *counts) if column is not None else (literal(""), *counts)
        query = _where(select(*columns), period, version_id, grants)
        if column is not None:
            query = query.group_by(column).order_by(column)
        return [Rate(k, n, int(r or 0), int(o or 0)) for k, n, r, o in session.execute(query)]

    (overall,) = grouped(None)
    return Completeness(grouped(Submission.department_code), grouped(Submission.region_code), overall)


def overdue(session: Session, period: str, today: date, *, version_id: int | None = None,
            grants: list[Grant] | None = None, department_code: str | None = None) -> list[Overdue]:
    """Return the submissions of ``period`` not reported by their due date (逾期清单), most overdue first."""
    days = _days_between(session, today, Submission.due_date)
    query = select(Submission.id, Submission.department_code, Submission.region_code, Submission.version_id,
                   Submission.state, Submission.due_date, days).where(
        Submission.state.not_in(REPORTED), Submission.due_date < today)
    if department_code is not None:
        query = query.where(Submission.department_code == department_code)
    query = _where(query, period, version_id, grants).order_by(
        Submission.due_date, Submission.department_code, Submission.region_code, Submission.id)
    return [Overdue(*row[:6], int(row[6])) for row in session.execute(query)]
