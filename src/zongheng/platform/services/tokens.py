"""Personal API tokens service (个人访问令牌): make, find, list, revoke.

A token is 256 random bits, prefixed ``zh_`` so that secret scanners and people recognise it;
the table stores ``HMAC-SHA256(secret key, token)`` (:func:`zongheng.platform.services.sessions.digest`),
so a copy of the database yields no usable token. Making and revoking a token are audited.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from zongheng.platform.models import ApiToken, User, utcnow
from zongheng.platform.services import audit
from zongheng.platform.services.sessions import digest

__all__ = ["PREFIX", "create", "find", "mine", "revoke"]

PREFIX = "zh_"
MAX_DAYS = 366
"""Longest life of a token: a forgotten integration stops within a year."""


def create(session: Session, user: User, secret_key: str, name: str, *, days: int = 90,
           can_write: bool = False) -> tuple[str, ApiToken]:
    """Make a token for ``user``; return the token (shown once, never stored) and its row.

    ``can_write`` lets the token change data through the API (values, workflow actions, 说明)
    within its user's roles and scopes; without it the token only reads.
    """
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("pf_token_bad_name")
    if not 1 <= days <= MAX_DAYS:
        raise ValueError("pf_token_bad_days")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_digest=digest(secret_key, token),
                   expires_at=utcnow() + timedelta(days=days), can_write=can_write)
    session.add(row)
    session.flush()
    audit.record(session, "token.create", user_id=user.id, object_type="api_token",
                 object_id=row.id, name=name, days=days, can_write=can_write)
    return token, row


def find(session: Session, secret_key: str, token: str | None) -> tuple[ApiToken, User] | None:
    """Return the live token and its user, ``None`` for an unknown, expired or revoked token."""
    if not token or not token.startswith(PREFIX):
        return None
    row = session.scalars(select(ApiToken).where(
        ApiToken.token_digest == digest(secret_key, token))).one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    row.last_used_at = utcnow()
    return row, user


def mine(session: Session, user: User) -> list[ApiToken]:
    """Return a user's tokens, newest first."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.id.desc())))


def revoke(session: Session, user: User, token_id: int) -> bool:
    """Revoke one of the user's own tokens; ``False`` when it is not theirs or already revoked."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    audit.record(session, "token.revoke", user_id=user.id, object_type="api_token",
                 object_id=row.id, name=row.name)
    return True
