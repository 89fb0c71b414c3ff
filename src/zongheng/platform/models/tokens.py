"""Personal API tokens (个人访问令牌) for integrations that call the REST API.

A token acts as its user, with the user's roles and scopes, no more. The caller sees the token
once, when it is made; the table keeps its keyed digest (as for login sessions), a name, an
expiry, and when it was last used or revoked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from zongheng.platform.models.base import Base, utcnow

__all__ = ["ApiToken"]


class ApiToken(Base):
    """One personal API token (个人访问令牌)."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    can_write: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """The token may change data (填报、流转) through the API; a token reads only unless its user
    chose otherwise when making it (migration 0007_token_write)."""
