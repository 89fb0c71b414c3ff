"""补报申请 (late entry): ask to enter after the deadline or the lock; the analyst office decides.

:func:`late_entry_open` is what the entry page asks; :func:`may_enter` combines it with the
period's own deadline and lock (``services.periods.entry_closed``).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from zongheng.platform.models import LateEntryRequest, LateState, Submission, utcnow
from zongheng.platform.services import audit
from zongheng.platform.services.periods import entry_closed

__all__ = ["decide", "late_entry_open", "may_enter", "request_late_entry"]


def request_late_entry(session: Session, submission: Submission, reason: str, *,
                       user_id: int | None) -> LateEntryRequest:
    """File a 补报申请 for ``submission`` with ``reason`` (must not be blank).

    Raises
    ------
    ValueError
        The reason is blank.
    """
    if not reason.strip():
        raise ValueError("a 补报申请 needs a reason")
    request = LateEntryRequest(submission_id=submission.id, reason=reason.strip(), requested_by=user_id)
    session.add(request)
    session.flush()
    audit.record(session, "late_entry.request", user_id=user_id, object_type="late_entry_request",
                 object_id=request.id, submission=submission.id, reason=request.reason)
    return request


def decide(session: Session, request: LateEntryRequest, approve: bool, *, user_id: int | None,
           until: date | None = None, note: str = "") -> None:
    """Approve (until a date, inclusive) or reject a pending 补报申请.

    Raises
    ------
    ValueError
        The request was already decided, or an approval has no ``until`` date.
    """
    if request.state != LateState.PENDING.value:
        raise ValueError("the 补报申请 was already decided")
    if approve and until is None:
        raise ValueError("an approved 补报申请 needs the date it is open until")
    request.state = (LateState.APPROVED if approve else LateState.REJECTED).value
    request.until = until if approve else None
    request.decided_by, request.decided_at, request.note = user_id, utcnow(), note.strip()
    session.flush()
    audit.record(session, "late_entry.approve" if approve else "late_entry.reject", user_id=user_id,
                 object_type="late_entry_request", object_id=request.id, submission=request.submission_id,
                 until=until.isoformat() if until and approve else None, note=request.note)


def late_entry_open(db: Session, submission: Submission, today: date) -> bool:
    """Tell whether an approved 补报申请 lets ``submission`` be edited on ``today`` (until day inclusive)."""
    query = select(LateEntryRequest.id).where(
        LateEntryRequest.submission_id == submission.id,
        LateEntryRequest.state == LateState.APPROVED.value, LateEntryRequest.until >= today)
    return db.scalars(query.limit(1)).first() is not None


def may_enter(db: Session, submission: Submission, today: date) -> bool:
    """Tell whether the deadline and lock allow entry on ``today`` (the role check comes on top)."""
    return not entry_closed(db, submission, today) or late_entry_open(db, submission, today)
