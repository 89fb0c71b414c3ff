"""Audit log service (审计): append an event to the hash chain, verify the chain.

An event's hash is ``sha256(canonical JSON of its content + previous hash)``. The content is the
event's id, time, user, action, object and detail, so any edited column or a reordered, deleted
or inserted row changes a hash that :func:`verify_chain` recomputes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from zongheng.platform.models import GENESIS, AuditEvent, AuditHead, utcnow

__all__ = ["event_hash", "record", "verify_chain"]


def _canonical(event: AuditEvent) -> str:
    content = {
        "id": event.id, "at": event.at.isoformat(timespec="microseconds"), "user_id": event.user_id,
        "action": event.action, "object_type": event.object_type, "object_id": event.object_id,
        "detail": event.detail,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(event: AuditEvent, prev_hash: str) -> str:
    """Return the hash an event must carry after ``prev_hash``."""
    return hashlib.sha256((_canonical(event) + prev_hash).encode("utf-8")).hexdigest()


def record(session: Session, action: str, *, user_id: int | None = None, object_type: str = "",
           object_id: object = "", **detail: Any) -> AuditEvent:
    """Append an audit event (记录操作) in the caller's transaction.

    Parameters
    ----------
    action : str
        What happened, e.g. ``"login"``, ``"value.set"``, ``"user.disable"``.
    user_id : int, optional
        Who did it (``None`` for the system or an anonymous caller).
    object_type, object_id
        What it was done to.
    **detail
        Anything else worth keeping (JSON-serialisable).
    """
    # Take the head row's write lock before reading it: a second appender waits here, then reads
    # this one's hash. A write comes first because SQLite ignores FOR UPDATE and would let two
    # transactions read the same head (Python's sqlite3 starts a transaction only at a write).
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(count=AuditHead.count))
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    event = AuditEvent(
        id=head.count + 1, at=utcnow(), user_id=user_id, action=action, object_type=object_type,
        object_id=str(object_id), prev_hash=head.last_hash,
        detail=json.dumps(detail, sort_keys=True, ensure_ascii=False, default=str),
    )
    event.hash = event_hash(event, head.last_hash)
    head.last_hash, head.count = event.hash, event.id
    session.add(event)
    session.flush()
    return event


def verify_chain(session: Session, *, batch: int = 5000) -> int | None:
    """Return the id of the first event that breaks the chain, ``None`` when it is intact.

    A row breaks the chain when its ``prev_hash`` is not the previous row's hash, when its ids
    are not consecutive (a deleted or inserted row), or when its hash does not match its content.
    The head row must also point at the last event (a deleted tail is caught).
    """
    prev_hash, expected_id = GENESIS, 1
    query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch)
    for event in session.scalars(query):
        if (event.id != expected_id or event.prev_hash != prev_hash
                or event.hash != event_hash(event, prev_hash)):
            return event.id
        prev_hash, expected_id = event.hash, expected_id + 1
    head = session.get(AuditHead, 1)
    if head is None or head.last_hash != prev_hash or head.count != expected_id - 1:
        return expected_id
    return None
