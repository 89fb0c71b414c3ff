"""Login sessions service (会话): start, find, end.

The cookie carries a random 256-bit token; the table stores ``HMAC-SHA256(secret key, token)``, so
neither a database copy nor a guess yields a usable cookie. Starting a session always makes a new
token (a token planted before login is never promoted: no session fixation).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from zongheng.platform.models import LoginSession, User, utcnow

__all__ = ["digest", "end", "end_all", "find", "start"]


def digest(secret_key: str, token: str) -> str:
    """Return the stored form of a session token."""
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def start(session: Session, user: User, secret_key: str, *, hours: float,
          replacing: str | None = None) -> tuple[str, LoginSession]:
    """Start a session for ``user``; end the one whose token is ``replacing`` (the old cookie).

    Returns the new token (for the cookie, never stored) and the session row.
    """
    if replacing:
        end(session, secret_key, replacing)
    # Expired sessions are of no use to anyone: each login sweeps them away.
    session.execute(delete(LoginSession).where(LoginSession.expires_at <= utcnow()))
    token = secrets.token_urlsafe(32)
    row = LoginSession(token_digest=digest(secret_key, token), user_id=user.id,
                       csrf_token=secrets.token_urlsafe(32), expires_at=utcnow() + timedelta(hours=hours))
    session.add(row)
    session.flush()
    return token, row


def find(session: Session, secret_key: str, token: str | None) -> tuple[LoginSession, User] | None:
    """Return the live session and its user for a cookie token, ``None`` if there is none."""
    if not token:
        return None
    row = session.scalars(select(LoginSession).where(
        LoginSession.token_digest == digest(secret_key, token))).one_or_none()
    if row is None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    return row, user


def end(session: Session, secret_key: str, token: str) -> None:
    """End the session of a token (退出登录)."""
    session.execute(delete(LoginSession).where(LoginSession.token_digest == digest(secret_key, token)))


def end_all(session: Session, user: User) -> None:
    """End every session of a user (after disabling or a password reset)."""
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
