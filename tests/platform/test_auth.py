"""Login, sessions, CSRF and security headers, through the real app."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from zongheng.platform.app import SECURITY_HEADERS
from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent, LoginSession
from zongheng.platform.pages.deps import COOKIE
from zongheng.platform.services import audit

from .conftest import PASSWORD, csrf_of, login, set_session_cookie

STATIC = Path(__file__).resolve().parents[2] / "src" / "zongheng" / "platform" / "static"


def test_login_sets_an_httponly_samesite_session_cookie(client, world):
    response = login(client, "reporter")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert client.get("/").status_code == 200


def test_a_planted_session_token_is_never_promoted(client, world, factory):
    set_session_cookie(client, "token-chosen-by-an-attacker")
    response = login(client, "reporter")
    assert response.status_code == 303
    assert client.cookies.get(COOKIE) != "token-chosen-by-an-attacker"
    set_session_cookie(client, "token-chosen-by-an-attacker")
    assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"


def test_logging_in_again_replaces_the_session(client, world, factory):
    login(client, "reporter")
    first = client.cookies.get(COOKIE)
    login(client, "approver")
    second = client.cookies.get(COOKIE)
    assert first and second and first != second
    with factory() as s:
        assert s.query(LoginSession).count() == 1       # the first session was ended, not left behind
    set_session_cookie(client, first)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_state_changing_requests_need_the_session_csrf_token(client, world):
    login(client, "reporter")
    token = csrf_of(client.get("/").text)
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.post("/logout", data={"csrf_token": "wrong"}, follow_redirects=False).status_code == 403
    wrong = client.post("/logout", headers={"X-CSRF-Token": "wrong"}, follow_redirects=False)
    assert wrong.status_code == 403
    assert client.post("/logout", data={"csrf_token": "令牌"}, follow_redirects=False).status_code == 403
    assert client.get("/").status_code == 200        # still logged in after the refusals
    # The HTMX header form of the token works as well as the form field.
    assert client.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_the_login_form_needs_its_own_token(client, world):
    client.get("/login")
    response = client.post("/login", follow_redirects=False,
                           data={"username": "reporter", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 403 and "表单已过期" in response.text
    chinese = client.post("/login", follow_redirects=False,
                          data={"username": "reporter", "password": PASSWORD, "csrf_token": "伪造"})
    assert chinese.status_code == 403
    assert COOKIE not in client.cookies


def test_a_wrong_password_says_nothing_about_which_part_was_wrong(client, world, factory):
    unknown = login(client, "nobody", "whatever password")
    wrong = login(client, "reporter", "wrong password!")
    assert unknown.status_code == wrong.status_code == 401
    message = "用户名或密码不正确"
    assert message in unknown.text and message in wrong.text
    with factory() as s:
        actions = [e.action for e in s.query(AuditEvent).order_by(AuditEvent.id)][-2:]
        assert actions == ["login.failed", "login.failed"]
        assert audit.verify_chain(s) is None


def test_next_only_redirects_within_the_site(client, world):
    for target, expected in (("/submissions/1", "/submissions/1"), ("//evil.example/", "/"),
                             ("https://evil.example/", "/"), ("/\\evil.example", "/")):
        page = client.get("/login")
        response = client.post("/login", data={"username": "reporter", "password": PASSWORD,
                                               "csrf_token": csrf_of(page.text), "next": target},
                               follow_redirects=False)
        assert response.headers["location"] == expected, target


def test_security_headers_on_every_response(client, world):
    login(client, "reporter")
    for path in ("/login", "/", "/static/app.css", "/no-such-page"):
        response = client.get(path)
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value, (path, name)
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
    assert SECURITY_HEADERS["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style_and_no_external_asset(client, world):
    pages = [client.get("/login").text]
    login(client, "analyst")
    pages += [client.get("/").text, client.get(f"/submissions/{world.submissions['s2']}").text]
    for html in pages:
        scripts = re.findall(r"<script\b([^>]*)>", html)
        assert scripts and all('src="/static/' in attrs for attrs in scripts)
        assert "<style" not in html and " style=" not in html and "onclick" not in html
        assert "http://" not in html and "https://" not in html


def test_vendored_htmx_matches_its_provenance_note():
    note = (STATIC / "PROVENANCE.md").read_text(encoding="utf-8")
    recorded = re.search(r"\| `htmx.min.js` \|.*\| ([0-9a-f]{64}) \|", note).group(1)
    assert hashlib.sha256((STATIC / "htmx.min.js").read_bytes()).hexdigest() == recorded
    assert (STATIC / "HTMX_LICENSE.txt").read_text(encoding="utf-8").startswith("Zero-Clause BSD")


def test_expired_sessions_are_refused(client, world, factory):
    login(client, "reporter")
    with transaction(factory) as s:
        for row in s.query(LoginSession):
            row.expires_at = row.created_at
    assert client.get("/", follow_redirects=False).status_code == 303
    client.cookies.clear()          # another browser: its login does not end this session by cookie
    login(client, "approver")
    with factory() as s:
        assert s.query(LoginSession).count() == 1       # the expired one was swept at this login
