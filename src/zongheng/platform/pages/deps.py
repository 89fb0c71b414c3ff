"""Request dependencies (请求依赖): the database session, the caller, CSRF, language.

:func:`require` is the one gate every non-public route passes: it finds the login session from the
cookie, refuses a state-changing request whose CSRF token does not match the session's, resolves
the user's grants and checks the route's roles. Objects are then loaded through
:func:`submission_in_scope`, which applies :mod:`zongheng.platform.services.access` and answers
404 for anything outside the caller's scope (so a URL does not tell that a submission exists).
"""

# No ``from __future__ import annotations``: FastAPI reads the dependencies' annotations at run time,
# and the closures below name local values (the role set) that a string annotation cannot reach.
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from sqlalchemy.orm import Session

from zongheng.platform.db import request_session
from zongheng.platform.models import LoginSession, Role, Submission, User
from zongheng.platform.services import access, sessions
from zongheng.platform.settings import Settings

__all__ = ["COOKIE", "CSRF_FIELD", "CSRF_HEADER", "Caller", "DbDep", "NotLoggedIn", "lang_of", "require",
           "submission_in_scope"]

COOKIE = "zongheng_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_ID = 2**31 - 1


class NotLoggedIn(Exception):
    """No live session: pages redirect to the login page, HTMX requests get 401."""


def get_settings(request: Request) -> Settings:
    """Return the settings the app was created with."""
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    """Yield a database session for one request; handlers that write commit it themselves."""
    with request_session(request.app.state.sessionmaker) as session:
        yield session


DbDep = Annotated[Session, Depends(get_db)]


def lang_of(request: Request) -> str:
    """Return the page language: ``?lang=`` first, then the ``lang`` cookie, else ``zh``."""
    lang = request.query_params.get("lang") or request.cookies.get("lang") or "zh"
    return lang if lang in ("zh", "en") else "zh"


async def submitted_csrf(request: Request) -> str | None:
    """Return the CSRF token a state-changing request carries (HTMX header or form field)."""
    if request.method in SAFE_METHODS:
        return None
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


@dataclass
class Caller:
    """The logged-in user of a request, with their grants."""

    user: User
    login: LoginSession
    grants: list[access.Grant]
    db: Session
    lang: str

    @property
    def csrf_token(self) -> str:
        """The session's CSRF token, for forms and the HTMX header."""
        return self.login.csrf_token


@cache
def require(*roles: Role) -> Callable[..., Caller]:
    """Return the dependency that admits a logged-in caller holding one of ``roles`` (all if none).

    Cached per role set, so a route that also loads an object through it resolves the caller once.
    """
    allowed = frozenset(roles) or frozenset(Role)

    def dependency(request: Request, db: DbDep,
                   csrf: Annotated[str | None, Depends(submitted_csrf)]) -> Caller:
        settings = get_settings(request)
        found = sessions.find(db, settings.secret_key, request.cookies.get(COOKIE))
        if found is None:
            raise NotLoggedIn
        login, user = found
        if request.method not in SAFE_METHODS and (
                csrf is None or not secrets.compare_digest(csrf.encode(), login.csrf_token.encode())):
            raise HTTPException(status_code=403, detail="pf_form_expired")
        user_grants = access.grants(db, user)
        if not any(g.role in allowed for g in user_grants):
            raise HTTPException(status_code=403, detail="pf_forbidden")
        return Caller(user, login, user_grants, db, lang_of(request))

    dependency.zongheng_roles = allowed  # type: ignore[attr-defined]  # read by the route registry
    return dependency


@cache
def submission_in_scope(action: str) -> Callable[..., Submission]:
    """Return the dependency that loads path parameter ``submission_id`` if ``action`` is allowed."""
    roles = tuple(sorted(access.ACTIONS[action]))

    # Bounded: a 30-digit id would overflow the database's integer and fail as a server error.
    def dependency(submission_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                   caller: Annotated[Caller, Depends(require(*roles))]) -> Submission:
        if not access.can(caller.db, caller.user, action, submission_id):
            raise HTTPException(status_code=404, detail="pf_not_found")
        return caller.db.get(Submission, submission_id)

    dependency.zongheng_object = ("submission", action)  # type: ignore[attr-defined]
    return dependency
