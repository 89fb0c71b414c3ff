"""Inbox (站内消息) and 催报 (reminders for overdue submissions).

A reminder goes to the users who must act on the submission: every 填报员 who may enter it and
every 审核员 who may approve it, as the access rules decide (the same SQL condition as every page),
so nobody outside the submission's scope is told about it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from zongheng.platform.models import Message, Role, RoleAssignment, Submission, User, utcnow
from zongheng.platform.services import access, audit

__all__ = ["mark_read", "messages_of", "params_of", "remind", "responsible_users", "send", "unread_count"]

REMIND_KEY = "pf_msg_remind"


def send(session: Session, recipient_id: int, subject_key: str, *, link: str = "",
         sender_id: int | None = None, **params: object) -> Message:
    """Put a message in one user's inbox (发送站内消息)."""
    message = Message(recipient_id=recipient_id, sender_id=sender_id, subject_key=subject_key,
                      params=json.dumps(params, ensure_ascii=False, sort_keys=True, default=str), link=link)
    session.add(message)
    session.flush()
    return message


def params_of(message: Message) -> dict[str, object]:
    """Return a message's parameters."""
    return json.loads(message.params or "{}")


def responsible_users(session: Session, submission: Submission, *, on: date | None = None) -> list[User]:
    """Return the enabled 填报员 who may enter and 审核员 who may approve ``submission``."""
    candidates = session.scalars(select(User).join(RoleAssignment).where(
        RoleAssignment.role.in_([Role.REPORTER.value, Role.APPROVER.value]), User.disabled.is_(False))
        .distinct().order_by(User.id))
    out = []
    for user in candidates:
        if (access.can(session, user, "enter", submission.id, on=on)
                or access.can(session, user, "approve", submission.id, on=on)):
            out.append(user)
    return out


def remind(session: Session, submissions: Iterable[Submission], *, sender_id: int | None, today: date,
           names: dict[str, str] | None = None) -> int:
    """Send a 催报 for each submission to its responsible users; return the messages sent.

    ``names`` maps department and region codes to the names shown in the message.
    """
    names = names or {}
    sent = 0
    for sub in submissions:
        recipients = responsible_users(session, sub, on=today)
        for user in recipients:
            send(session, user.id, REMIND_KEY, link=f"/submissions/{sub.id}", sender_id=sender_id,
                 period=sub.period, department=names.get(sub.department_code, sub.department_code),
                 region=names.get(sub.region_code, sub.region_code), due=sub.due_date.isoformat(),
                 days=(today - sub.due_date).days)
        sent += len(recipients)
        audit.record(session, "submission.remind", user_id=sender_id, object_type="submission",
                     object_id=sub.id, recipients=[u.id for u in recipients])
    return sent


def unread_count(session: Session, user_id: int) -> int:
    """Return how many of a user's messages are unread (未读消息数)."""
    return session.scalar(select(func.count(Message.id)).where(
        Message.recipient_id == user_id, Message.read_at.is_(None))) or 0


def messages_of(session: Session, user_id: int, limit: int = 200) -> list[Message]:
    """Return a user's messages, newest first."""
    return list(session.scalars(select(Message).where(Message.recipient_id == user_id)
                                .order_by(Message.id.desc()).limit(limit)))


def mark_read(session: Session, user_id: int, message_id: int | None = None) -> int:
    """Mark one of the user's messages (or all of them) read; return how many changed."""
    query = update(Message).where(Message.recipient_id == user_id, Message.read_at.is_(None))
    if message_id is not None:
        query = query.where(Message.id == message_id)
    return session.execute(query.values(read_at=utcnow())).rowcount
