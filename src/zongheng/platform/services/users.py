"""Users service (用户): create, disable, reset, authenticate, assign roles.

Authentication counts failed attempts: after :data:`MAX_FAILED` in a row the account is locked for
:data:`LOCK_MINUTES`, which turns password guessing from thousands of tries an hour into a few.
An unknown user name costs the same argon2 work as a wrong password, so timing does not tell
which names exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from zongheng.platform.models import Role, RoleAssignment, RoleScopeRegion, Scope, User, utcnow
from zongheng.platform.services import audit
from zongheng.platform.services.passwords import (
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)

__all__ = ["LOCK_MINUTES", "MAX_FAILED", "assign", "authenticate", "by_name", "checked_email", "create",
           "disable", "reset_password", "set_email"]

MAX_FAILED = 5
LOCK_MINUTES = 15


@cache
def _dummy_hash() -> str:
    return hash_password("an unknown user costs the same work")


def by_name(session: Session, username: str) -> User | None:
    """Return the user called ``username``."""
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def _check_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"密码至少 {MIN_LENGTH} 个字符 (a password needs {MIN_LENGTH} characters or more)")


def checked_email(address: str) -> str:
    """Return the address stripped, or raise ``ValueError`` saying what a mail address looks like.

    Only the shape is checked (one ``@``, a dot in the domain, no spaces): the mail server decides
    the rest. Empty is allowed: the user then gets notices in the in-app inbox only.
    """
    address = address.strip()
    if address and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
        raise ValueError(f"邮箱 {address!r} 格式不对，应如 name@example.cn "
                         f"(mail address {address!r} should look like name@example.cn)")
    return address


def set_email(session: Session, user: User, address: str, *, actor: int | None = None) -> None:
    """Set or clear a user's mail address (设置邮箱)."""
    user.email = checked_email(address)
    audit.record(session, "user.email", user_id=actor, object_type="user", object_id=user.id,
                 has_email=bool(user.email))


def create(session: Session, username: str, password: str, *, display_name: str = "", email: str = "",
           actor: int | None = None) -> User:
    """Create a user with an argon2id-hashed password (新增用户) and, optionally, a mail address."""
    _check_password(password)
    if by_name(session, username) is not None:
        raise ValueError(f"用户 {username!r} 已存在 (user {username!r} exists)")
    user = User(username=username, display_name=display_name or username, email=checked_email(email),
                password_hash=hash_password(password))
    session.add(user)
    session.flush()
    audit.record(session, "user.create", user_id=actor, object_type="user", object_id=user.id,
                 username=username)
    return user


def assign(session: Session, user: User, role: Role, *, scope: Scope = Scope.OWN,
           region: str | None = None, department: str | None = None,
           regions: Iterable[str] = (), view_unapproved: bool = False,
           actor: int | None = None) -> RoleAssignment:
    """Give a user a role with a scope (授权).

    ``region`` (and optionally ``department``) anchor scopes ``own`` and ``below``; ``regions``
    lists the chosen set of scope ``set``.
    """
    regions = list(regions)
    if scope is Scope.SET and not regions:
        raise ValueError("scope 'set' needs the chosen regions")
    if scope is not Scope.SET and region is None:
        raise ValueError(f"scope {scope.value!r} needs a region")
    grant = RoleAssignment(role=role.value, scope=scope.value, region_code=region,
                           department_code=department, view_unapproved=view_unapproved,
                           regions=[RoleScopeRegion(region_code=r) for r in regions])
    user.roles.append(grant)
    session.flush()
    audit.record(session, "user.assign", user_id=actor, object_type="user", object_id=user.id,
                 role=role.value, scope=scope.value, region=region, department=department,
                 regions=regions, view_unapproved=view_unapproved)
    return grant


def disable(session: Session, user: User, *, actor: int | None = None) -> None:
    """Disable a user (停用) and end their sessions."""
    from zongheng.platform.services.sessions import end_all

    user.disabled = True
    end_all(session, user)
    audit.record(session, "user.disable", user_id=actor, object_type="user", object_id=user.id)


def reset_password(session: Session, user: User, password: str, *, actor: int | None = None) -> None:
    """Set a new password (重置密码), unlock the account and end its sessions."""
    from zongheng.platform.services.sessions import end_all

    _check_password(password)
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    end_all(session, user)
    audit.record(session, "user.reset", user_id=actor, object_type="user", object_id=user.id)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the user when the password is right and the account usable, else ``None``.

    Records the attempt in the audit log either way (``login`` or ``login.failed``).
    """
    user = by_name(session, username)
    if user is None:
        verify_password(_dummy_hash(), password)
        audit.record(session, "login.failed", object_type="user", object_id="", username=username)
        return None
    now = utcnow()
    locked = user.locked_until is not None and user.locked_until > now
    # Verify first, always: skipping the hash for a disabled or locked account would answer
    # faster and so tell a guesser which accounts exist.
    matches = verify_password(user.password_hash, password)
    if user.disabled or locked or not matches:
        if not user.disabled and not locked:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED:
                user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
        audit.record(session, "login.failed", user_id=user.id, object_type="user", object_id=user.id,
                     disabled=user.disabled, locked=locked)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    audit.record(session, "login", user_id=user.id, object_type="user", object_id=user.id)
    return user
