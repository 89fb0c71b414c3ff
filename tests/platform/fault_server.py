"""A real ``zongheng serve`` process for the fault tests: started on a free loopback port, killed, restarted.

The fault tests (``test_faults_*.py``) need what an in-process test client cannot give: a process
that ``kill -9`` ends between two instructions, and a server that must find its feet again on its
own. :class:`Served` runs the installed ``zongheng`` console script in a new process group, waits
(bounded) until its login page answers, and kills or stops it; :func:`logged_in` opens an httpx
session through the login form, as a browser would.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx

__all__ = ["Served", "csrf_in", "figures", "free_port", "logged_in", "zongheng_command"]

START_SECONDS = 90.0
"""How long a server may take to answer its login page (migrations included) before the test fails."""


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 at the time of asking."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def zongheng_command() -> list[str]:
    """The installed console script beside this interpreter (the one a deployment runs)."""
    script = Path(sys.executable).with_name("zongheng")
    return [str(script)] if script.exists() else [sys.executable, "-m", "zongheng"]


def csrf_in(page: str) -> str:
    """Return the CSRF token of the first form in a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF field in the page"
    return found.group(1)


@dataclass
class Served:
    """One ``zongheng serve`` process over a data folder (and a PostgreSQL URL, if given)."""

    data: Path
    database: str | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    starts: int = 0
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.data.parent / f"serve-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Served:
        """Start the server and wait until its login page answers 200 (bounded)."""
        args = [*zongheng_command(), "serve", "--data", str(self.data), "--port", str(self.port)]
        if self.database:
            args += ["--database", self.database]
        with open(self.log, "ab") as out:
            out.write(f"\n--- start {self.starts + 1}\n".encode())
            out.flush()
            self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        self.starts += 1
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"zongheng serve exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if httpx.get(self.url + "/login", timeout=2.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"zongheng serve did not answer within {START_SECONDS:.0f} s:\n{self.tail()}")

    def kill9(self) -> None:
        """``kill -9`` the server: no handler, no cleanup, no last commit."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(30)
        self.process = None

    def stop(self) -> None:
        """Stop the server politely (SIGTERM), or kill it if it does not end in 30 s."""
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(30)
        self.process = None

    def tail(self, lines: int = 40) -> str:
        """The end of the server's output, for a failure message."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


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
