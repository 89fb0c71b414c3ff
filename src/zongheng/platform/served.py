"""A real ``zongheng serve`` process (服务进程) on a free loopback port, for tests and benchmarks.

The fault tests and the deadline-day load generator need what an in-process test client cannot
give: a process that ``kill -9`` ends between two instructions, a server that must find its feet
again on its own, and requests that cross a real socket. :class:`Served` runs the installed
``zongheng`` console script in a new process group, waits (bounded) until its login page answers,
and kills or stops it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx

from zongheng.platform.throwaway import free_port

__all__ = ["Served", "cpu_seconds", "free_port", "zongheng_command"]

START_SECONDS = 90.0
"""How long a server may take to answer its login page (migrations included) before the test fails."""


def zongheng_command() -> list[str]:
    """Return the installed console script beside this interpreter (the one a deployment runs)."""
    script = Path(sys.executable).with_name("zongheng")
    return [str(script)] if script.exists() else [sys.executable, "-m", "zongheng"]


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
        """The server's base URL on loopback."""
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
        """Return the end of the server's output, for a failure message."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the running server has used so far (0 when not running)."""
        return cpu_seconds(self.process.pid) if self.process is not None else 0.0


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) a process has used, from /proc (0 where there is none).

    The benchmark machine's two cores are shared: latencies depend on everyone's load, the
    server's CPU seconds per request do not, so load reports give both.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
