"""Login and logout (登录与退出).

Login CSRF is stopped with a double-submit token: the login page sets a random cookie and puts
the same value in the form; a POST whose two copies differ is refused. A successful login always
starts a new session (new token, new CSRF token) and ends the one the browser held before, so a
token planted in a victim's browser before login never becomes a logged-in session.

Failed logins are counted per account (the account lock) and per source address
(:mod:`zongheng.platform.services.login_throttle`): a source past its budget gets 429 with
``Retry-After`` before any password is checked.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from zongheng.platform.pages.deps import COOKIE, CSRF_FIELD, Caller, DbDep, get_settings, require
from zongheng.platform.pages.registry import Routes
from zongheng.platform.pages.render import render
from zongheng.platform.services import audit, sessions, users
from zongheng.platform.services.login_throttle import LoginThrottle

__all__ = ["routes"]

routes = Routes()
PRELOGIN = "zongheng_prelogin"


def _safe_next(target: str | None) -> str:
    # Only a path on this site: "//evil.example" or "https://…" would be an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _login_page(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", status=status, prelogin=token, error=error,
                      next=_safe_next(request.query_params.get("next")))
    settings = get_settings(request)
    response.set_cookie(PRELOGIN, token, httponly=True, samesite="lax", secure=settings.secure_cookies)
    return response


def _throttle(request: Request) -> LoginThrottle:
    # One per app (a test's app starts with a clean slate); made on first use.
    state = request.app.state
    if getattr(state, "login_throttle", None) is None:
        state.login_throttle = LoginThrottle()
    return state.login_throttle


def _source(request: Request) -> str:
    return request.client.host if request.client else "?"


@routes.add("GET", "/login", public=True)
def login_form(request: Request) -> Response:
    """Show the login form."""
    return _login_page(request)


@routes.add("POST", "/login", public=True)
def login(request: Request, db: DbDep, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=1024)],
          csrf_token: Annotated[str, Form(alias=CSRF_FIELD, max_length=128)] = "",
          next: Annotated[str, Form(max_length=1000)] = "/") -> Response:
    """Check the password; on success start a fresh session and go on to ``next``."""
    cookie = request.cookies.get(PRELOGIN, "")
    # Bytes: compare_digest refuses non-ASCII text, which a forged form may well carry.
    if not cookie or not secrets.compare_digest(cookie.encode(), csrf_token.encode()):
        return _login_page(request, error="pf_form_expired", status=403)
    throttle, source = _throttle(request), _source(request)
    wait = throttle.wait(source)
    if wait:     # nothing written: a flood of refused tries must not flood the audit log
        response = _login_page(request, error="pf_login_throttled", status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    user = users.authenticate(db, username, password)
    if user is None:
        if throttle.failed(source):
            audit.record(db, "login.throttled", object_type="source", object_id=source,
                         limit=throttle.limit, window_seconds=throttle.window)
        db.commit()     # keep the failed-attempt count and its audit event
        return _login_page(request, error="pf_login_failed", status=401)
    settings = get_settings(request)
    token, _ = sessions.start(db, user, settings.secret_key, hours=settings.session_hours,
                              replacing=request.cookies.get(COOKIE))
    db.commit()
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=settings.secure_cookies)
    response.delete_cookie(PRELOGIN)
    return response


@routes.add("POST", "/logout")
def logout(request: Request, caller: Annotated[Caller, Depends(require())]) -> Response:
    """End the session."""
    sessions.end(caller.db, get_settings(request).secret_key, request.cookies[COOKIE])
    audit.record(caller.db, "logout", user_id=caller.user.id, object_type="user", object_id=caller.user.id)
    caller.db.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
