"""Attack, sessions: CSRF on every state-changing route, session fixation, logout, login lockout (issue 15).

What test_auth.py already proves (the planted session token, a second login replacing the first,
CSRF on /logout, the login form's own token, expiry) is not repeated here. This file adds:

- every POST route of the registry (read from the app, so a new route is covered without anyone
  listing it) refuses, for a caller its roles admit, a request with no CSRF token, with another
  live session's token in the form and in the HTMX header — 403, and nothing audited;
- the pre-login cookie never becomes the session; logout ends the session in the database, so the
  old cookie and its CSRF token are dead even in a browser that kept them;
- the login form locks an account after ``MAX_FAILED`` wrong passwords, answers exactly as for a
  wrong password while locked, and opens again once ``LOCK_MINUTES`` have passed.

SQLite only: none of this depends on the database (test_auth.py runs both).
"""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent, LoginSession, User, utcnow
from zongheng.platform.pages.auth import PRELOGIN
from zongheng.platform.pages.deps import COOKIE
from zongheng.platform.pages.registry import routes
from zongheng.platform.services import users

from .attack_world import database_url  # noqa: F401  (SQLite only)
from .conftest import PASSWORD, USERS, csrf_of, login, set_session_cookie

ROLES = {name: role for name, (role, _) in USERS.items()}
CSRF_REFUSALS: dict[str, int] = {}
"""Requests refused per kind of forgery (read by docs/reliability/attack.md's figures)."""



def _fill(path: str) -> str:
    """Put a well-formed value in every path parameter: the CSRF gate must refuse before any lookup."""
    for name, value in (("{unit}", "A"), ("{department}", "DA"), ("{firm}", "0")):
        path = path.replace(name, value)
    while "{" in path:
        start = path.index("{")
        path = path[:start] + "1" + path[path.index("}", start) + 1:]
    return path


def _audit_count(factory) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent))


def test_every_state_changing_route_refuses_a_missing_or_foreign_csrf_token(app, world, factory):
    clients = {}
    for name in USERS:
        clients[name] = TestClient(app).__enter__()
        login(clients[name], name)
    tokens = {name: csrf_of(c.get("/").text) for name, c in clients.items()}
    before = _audit_count(factory)
    posts = [r for r in routes(app) if r.method != "GET" and not r.public]
    assert len(posts) > 40          # the registry's POST routes, not a hand-made list
    for spec in posts:
        name = next(n for n in USERS if ROLES[n] in spec.roles)
        foreign = tokens[next(n for n in USERS if n != name)]
        url = _fill(spec.path)
        attempts = {
            "none": {"data": {"reason": "x"}},
            "none_multipart": {"files": {"file": ("a.txt", b"ok", "text/plain")}},
            "foreign_field": {"data": {"csrf_token": foreign}},
            "foreign_field_multipart": {"data": {"csrf_token": foreign},
                                        "files": {"file": ("a.txt", b"ok", "text/plain")}},
            "foreign_header": {"headers": {"X-CSRF-Token": foreign, "HX-Request": "true"}},
            "empty_header": {"headers": {"X-CSRF-Token": ""}, "data": {"csrf_token": foreign}},
        }
        for kind, request in attempts.items():
            response = clients[name].post(url, follow_redirects=False, **request)
            assert response.status_code == 403, (spec.path, kind, response.status_code)
            assert "表单已过期" in response.text, (spec.path, kind)
            CSRF_REFUSALS[kind] = CSRF_REFUSALS.get(kind, 0) + 1
    assert _audit_count(factory) == before          # not one refused request wrote anything
    # Each user's own token still works afterwards: the refusals ended no session.
    for name, c in clients.items():
        assert c.post("/logout", data={"csrf_token": tokens[name]}, follow_redirects=False).status_code == 303
        c.__exit__(None, None, None)


def test_the_prelogin_cookie_never_becomes_the_session(client, world):
    client.get("/login")
    planted = client.cookies.get(PRELOGIN)
    assert planted and COOKIE not in client.cookies
    login(client, "reporter")
    session = client.cookies.get(COOKIE)
    assert session and session != planted and PRELOGIN not in client.cookies
    # An attacker who knows the pre-login value (it was in the victim's form) cannot use it as a session.
    other = TestClient(client.app).__enter__()
    set_session_cookie(other, planted)
    assert other.get("/", follow_redirects=False).status_code == 303
    other.__exit__(None, None, None)


def test_logout_ends_the_session_on_the_server(client, world, factory):
    login(client, "analyst")
    cookie = client.cookies.get(COOKIE)
    csrf = csrf_of(client.get("/").text)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(LoginSession)) == 1
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(LoginSession)) == 0
    # A browser (or a thief) that kept the cookie: every page and every form is closed to it.
    set_session_cookie(client, cookie)
    assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"
    assert client.get("/tasks", headers={"HX-Request": "true"}).status_code == 401
    replay = client.post("/tokens", data={"csrf_token": csrf, "name": "后门", "days": "30"},
                         follow_redirects=False)
    assert replay.status_code == 303 and replay.headers["location"] == "/login"
    with factory() as s:
        assert not s.scalars(select(AuditEvent).where(AuditEvent.action.like("token%"))).all()


def _failed(client, username: str, password: str) -> tuple[int, str]:
    response = login(client, username, password)
    return response.status_code, "用户名或密码不正确" in response.text


def test_the_login_form_locks_an_account_then_opens_it_after_the_lock(client, world, factory):
    for _ in range(users.MAX_FAILED):
        assert _failed(client, "reporter", "wrong password!") == (401, True)
    # Locked: the right password is refused, with the same answer as a wrong one (no oracle).
    assert _failed(client, "reporter", PASSWORD) == (401, True)
    assert _failed(client, "nobody-at-all", PASSWORD) == (401, True)
    assert COOKIE not in client.cookies
    with factory() as s:
        user = s.scalars(select(User).where(User.username == "reporter")).one()
        left = user.locked_until - utcnow()
        assert timedelta(minutes=users.LOCK_MINUTES - 1) < left <= timedelta(minutes=users.LOCK_MINUTES)
        locked = s.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed",
                                                    AuditEvent.user_id == user.id)).all()
        assert len(locked) == users.MAX_FAILED + 1 and json.loads(locked[-1].detail)["locked"] is True
    # Other accounts are untouched by one account's lock.
    assert login(client, "approver").status_code == 303
    client.cookies.clear()
    # The lock runs out: move it into the past, as LOCK_MINUTES of waiting would.
    with transaction(factory) as s:
        s.scalars(select(User).where(User.username == "reporter")).one().locked_until = \
            utcnow() - timedelta(seconds=1)
    assert login(client, "reporter").status_code == 303
    with factory() as s:
        assert s.scalars(select(User).where(User.username == "reporter")).one().failed_logins == 0


def test_one_source_spraying_a_password_over_many_accounts_is_throttled(app, world, factory):
    from zongheng.platform.services.login_throttle import LoginThrottle

    now = [1000.0]
    app.state.login_throttle = LoginThrottle(limit=5, window=600, clock=lambda: now[0])
    sprayer = TestClient(app, client=("10.0.0.66", 50000)).__enter__()
    # One wrong try per account: no account reaches its own lock, the source reaches its budget.
    names = [f"user{n}" for n in range(4)] + list(USERS)
    answers = [login(sprayer, name, "Winter2026!").status_code for name in names[:5]]
    assert answers == [401] * 5
    with factory() as s:
        assert all(u.locked_until is None for u in s.scalars(select(User)))
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "login.throttled")).all()
        assert [(e.object_type, e.object_id) for e in events] == [("source", "10.0.0.66")]
    # Past the budget even the right password is refused, before any password check, and told when.
    before = _audit_count(factory)
    refused = login(sprayer, "reporter", PASSWORD)
    assert refused.status_code == 429 and COOKIE not in sprayer.cookies
    assert refused.headers["Retry-After"] == "600" and "登录失败次数过多" in refused.text
    assert _audit_count(factory) == before          # refused tries write nothing
    # Another address (a colleague in the same office on their own machine) logs in as usual.
    colleague = TestClient(app, client=("10.0.0.7", 50001)).__enter__()
    assert login(colleague, "approver").status_code == 303
    # Once the oldest failures leave the window the source may try again; a success does not count.
    now[0] += 599
    assert login(sprayer, "reporter", PASSWORD).status_code == 429
    now[0] += 2
    assert login(sprayer, "reporter", PASSWORD).status_code == 303
