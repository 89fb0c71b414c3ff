"""Server-side login sessions (登录会话).

The browser holds only a random token (HttpOnly, SameSite=Lax cookie); the table holds its keyed
digest, so a copy of the database does not let anyone log in as anybody. Logging out or logging
in again deletes the row. Each session has its own CSRF token for forms and HTMX requests.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from zongheng.platform.models.base import Base, utcnow

__all__ = ["LoginSession"]


class LoginSession(Base):
    """A logged-in browser (会话)."""

    __tablename__ = "login_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
