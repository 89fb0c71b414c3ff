"""What the fault tests add to a real ``zongheng serve`` (:mod:`zongheng.platform.served`).

:func:`logged_in` opens an httpx session through the login form, as a browser would; :func:`figures`
shows a test's figures on the terminal.
"""

from __future__ import annotations

import re
import sys

import httpx2 as httpx

from zongheng.platform.served import Served, free_port, zongheng_command

__all__ = ["Served", "csrf_in", "figures", "free_port", "logged_in", "zongheng_command"]


def csrf_in(page: str) -> str:
    """Return the CSRF token of the first form in a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF field in the page"
    return found.group(1)


def figures(capsys, line: str) -> None:
    """Show a fault test's figures on the terminal even without ``-s`` (docs/reliability/faults.md)."""
    with capsys.disabled():
        sys.stdout.write(f"\n[faults] {line}\n")


def logged_in(served: Served, username: str, password: str) -> httpx.Client:
    """An httpx session logged in through the login form (double-submit CSRF cookie and all)."""
    client = httpx.Client(base_url=served.url, timeout=60.0)
    page = client.get("/login")
    done = client.post("/login", data={"username": username, "password": password, "next": "/",
                                       "csrf_token": csrf_in(page.text)})
    assert done.status_code in (200, 303) and "zongheng_session" in client.cookies, done.text[:500]
    return client
