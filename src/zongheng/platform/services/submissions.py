"""Submissions service (报送): derive expected submissions, set values, read a submission.

The building blocks the entry grid (:mod:`.entry`), the workflow (:mod:`.workflow`), the checks
and the API share: every value change goes through :func:`set_value` (history row + audit
event) or, for a whole grid, :func:`set_values` (a history row per value, one audit event), every
state change through :func:`set_state`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session, selectinload

from zongheng.platform.models import (
    Department,
    FrameworkIndicator,
    FrameworkVersion,
    State,
    Submission,
    Value,
    ValueHistory,
    utcnow,
)
from zongheng.platform.services import audit

__all__ = ["ValueRow", "expected_submissions", "previous_values", "set_state", "set_value", "set_values",
           "value_rows"]


def expected_submissions(session: Session, version: FrameworkVersion, region_code: str, period: str,
                         due: date, departments: dict[str, str]) -> list[Submission]:
    """Create the submissions a region owes for a period (生成报送任务), one per lead department.

    Parameters
    ----------
    departments : dict
        牵头单位 as the framework names it (``统计局``) → the code of that department in the region.

    Raises
    ------
    ValueError
        An indicator's lead department has no department in ``departments``.
    """
    by_lead: dict[str, list[FrameworkIndicator]] = defaultdict(list)
    for indicator in version.indicators:
        by_lead[indicator.lead_department].append(indicator)
    unknown = sorted(set(by_lead) - set(departments))
    if unknown:
        raise ValueError(f"no department for 牵头单位 {', '.join(map(repr, unknown))}")
    out = []
    for lead, indicators in by_lead.items():
        submission = Submission(version_id=version.id, department_code=departments[lead],
                                region_code=region_code, period=period, due_date=due,
                                values=[Value(indicator_id=i.id) for i in indicators])
        session.add(submission)
        out.append(submission)
    session.flush()
    return out


def set_value(session: Session, value: Value, new: float | None, *, user_id: int | None,
              reason: str = "") -> None:
    """Change a value (修改填报值), keeping its history and the audit log."""
    if value.value == new:
        return
    old = value.value
    _change(session, value, new, user_id=user_id, reason=reason, at=utcnow())
    session.flush()
    audit.record(session, "value.set", user_id=user_id, object_type="value", object_id=value.id,
                 submission=value.submission_id, old=old, new=new, reason=reason)


_PENDING_HISTORY = "zongheng.pending_value_history"


def _change(session: Session, value: Value, new: float | None, *, user_id: int | None, reason: str,
            at: datetime) -> None:
    row = {"value_id": value.id, "user_id": user_id, "at": at, "old": value.value, "new": new,
           "reason": reason}
    if value.id is not None and "history" in inspect(value).unloaded:
        # The value's history is not loaded (a save never loads it): the row waits for the next
        # flush, which writes every waiting row in one executemany (_write_history). Appending to
        # ``value.history`` instead cost a SELECT of the whole history per value, and SQLite then
        # inserted the rows one statement each (the ORM needs their ids back, in order).
        session.info.setdefault(_PENDING_HISTORY, []).append(row)
    else:
        value.history.append(ValueHistory(**row))
    value.value, value.updated_by, value.updated_at = new, user_id, at


@event.listens_for(Session, "after_flush")
def _write_history(session: Session, _context: object) -> None:
    rows = session.info.pop(_PENDING_HISTORY, None)
    if rows:
        session.connection().execute(insert(ValueHistory), rows)


@event.listens_for(Session, "after_soft_rollback")
def _forget_history(session: Session, _previous: object) -> None:
    session.info.pop(_PENDING_HISTORY, None)


def set_values(session: Session, changes: Iterable[tuple[Value, float | None]], *, user_id: int | None,
               reason: str = "", record: bool = True) -> list[dict[str, object]]:
    """Change several values at once (批量修改填报值): a history row each, one audit event.

    Values whose number does not change are skipped. With ``record`` the changes are flushed and
    one ``values.set`` event lists them all; without, nothing is flushed or recorded and the caller
    records the returned list in its own event (the entry grid does, as late as it can: see
    :func:`zongheng.platform.services.entry.save_entries`).

    Returns
    -------
    list of dict
        One per changed value, in the order given: ``value`` (id), ``indicator`` (code), ``old``,
        ``new``.
    """
    changes = list(changes)
    at = utcnow()
    done: list[dict[str, object]] = []
    for value, new in changes:
        if value.value == new:
            continue
        done.append({"value": value.id, "indicator": value.indicator.code, "old": value.value, "new": new})
        _change(session, value, new, user_id=user_id, reason=reason, at=at)
    if done and record:
        submissions = sorted({v.submission_id for v, _ in changes})
        audit.record(session, "values.set", user_id=user_id, object_type="submission",
                     object_id=submissions[0] if len(submissions) == 1 else "", changes=done, reason=reason)
    return done


def set_state(session: Session, submission: Submission, state: State, *, user_id: int | None,
              reason: str = "", due: date | None = None) -> None:
    """Move a submission to ``state`` and record it (no transition rules yet: part 2).

    Approving keeps each value as ``approved_value``; returning keeps the reason and the date
    ``due`` by which it must come back.
    """
    old = submission.state
    submission.state = state.value
    now = utcnow()
    if state is State.SUBMITTED:
        submission.submitted_at = now
    elif state is State.APPROVED:
        submission.approved_at = now
        for value in submission.values:
            value.approved_value = value.value
    elif state is State.RETURNED:
        submission.return_reason, submission.return_due = reason, due
    session.flush()
    audit.record(session, "submission.state", user_id=user_id, object_type="submission",
                 object_id=submission.id, old=old, new=state.value, reason=reason)


def previous_values(session: Session, submission: Submission) -> dict[str, tuple[str, float | None]]:
    """Return last period's value of each indicator (上期值): code → (period, value).

    "Last period" is the latest earlier period of the same framework (any year's version) and
    region with a value for the indicator's code.
    """
    codes = [v.indicator.code for v in submission.values]
    query = (select(FrameworkIndicator.code, Submission.period, Value.value)
             .join(Value.submission).join(Value.indicator).join(Submission.version)
             .where(FrameworkVersion.key == submission.version.key,
                    Submission.region_code == submission.region_code,
                    Submission.period < submission.period,
                    FrameworkIndicator.code.in_(codes), Value.value.is_not(None))
             .order_by(Submission.period.desc()))
    out: dict[str, tuple[str, float | None]] = {}
    for code, period, number in session.execute(query):
        out.setdefault(code, (period, number))
    return out


@dataclass(frozen=True)
class ValueRow:
    """What the submission page shows for one indicator."""

    value: Value
    indicator: FrameworkIndicator
    previous_period: str | None
    previous: float | None
    history: list[ValueHistory]


def value_rows(session: Session, submission_id: int) -> tuple[Submission, list[ValueRow]]:
    """Load a submission with, per indicator, its value, last period's value and history."""
    submission = session.scalars(
        select(Submission).where(Submission.id == submission_id).options(
            selectinload(Submission.values).selectinload(Value.indicator),
            selectinload(Submission.values).selectinload(Value.history),
            selectinload(Submission.version))).one()
    before = previous_values(session, submission)
    rows = [ValueRow(v, v.indicator, *before.get(v.indicator.code, (None, None)), list(v.history))
            for v in sorted(submission.values, key=lambda v: v.indicator.position)]
    return submission, rows


def department_names(session: Session) -> dict[str, str]:
    """Return the open name of every department code (for lists)."""
    rows = session.execute(select(Department.code, Department.name).where(Department.valid_to.is_(None)))
    return dict(rows.all())
