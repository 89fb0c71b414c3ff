"""API request dependencies (接口依赖): the database session and the token's caller.

Every route but the OpenAPI description depends on :func:`api_caller`: no or a bad token is
``401`` with a ``WWW-Authenticate: Bearer`` header; an object outside the caller's scope is
``404``, the same answer as one that does not exist.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from zongheng.platform.api.problems import refusal
from zongheng.platform.models import ApiToken, User
from zongheng.platform.services import access, tokens

__all__ = ["ApiCaller", "api_caller", "api_writer"]

_bearer = HTTPBearer(auto_error=False, description="个人访问令牌 personal API token (zh_…)")


def get_db(request: Request) -> Iterator[Session]:
    """Yield a database session for one request, committed when the request succeeds."""
    with request.app.state.sessionmaker() as session, session.begin():
        yield session


@dataclass
class ApiCaller:
    """The user a token acts for, with their grants."""

    user: User
    grants: list[access.Grant]
    db: Session
    token: ApiToken | None = None


def api_caller(request: Request, db: Annotated[Session, Depends(get_db)],
               credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> ApiCaller:
    """Return the caller of a token, or refuse with 401."""
    found = tokens.find(db, request.app.state.settings.secret_key,
                        credentials.credentials if credentials else None)
    if found is None:
        raise HTTPException(status_code=401, detail="missing, unknown, expired or revoked token",
                            headers={"WWW-Authenticate": "Bearer"})
    token, user = found
    return ApiCaller(user, access.grants(db, user), db, token)


CallerDep = Annotated[ApiCaller, Depends(api_caller)]


def api_writer(caller: CallerDep) -> ApiCaller:
    """Return the caller of a token that may write (``can_write``), or refuse with 403.

    Only a bearer token reaches here: the API reads no cookie, so a browser's login session cannot
    call a write route (which is why the API's writes need no CSRF token).
    """
    if caller.token is None or not caller.token.can_write:
        raise refusal(403, "pf_api_read_only")
    return caller


WriterDep = Annotated[ApiCaller, Depends(api_writer)]
