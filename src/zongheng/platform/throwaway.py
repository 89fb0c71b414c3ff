"""A throwaway PostgreSQL cluster (临时数据库) for tests and benchmarks, on loopback.

Debian's server binaries (``apt-get install postgresql``) start a fresh cluster in a temporary
folder on a free port, with durability off (``fsync=off``: nothing here needs to survive a crash),
and remove it afterwards. As root, the cluster runs as the ``postgres`` user (initdb refuses root).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["create_database", "free_port", "postgres_bin", "throwaway_postgres"]


def postgres_bin() -> Path | None:
    """Return the newest installed server's ``bin`` folder, ``None`` when there is none."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.parent.name)])
    return found[-1].parent if found else None


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 at the time of asking."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def throwaway_postgres(bindir: Path, *, max_connections: int = 100) -> Iterator[str]:
    """Start a cluster; yield its base URL (``postgresql+psycopg://postgres@127.0.0.1:PORT``)."""
    folder = Path(tempfile.mkdtemp(prefix="zongheng-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()
    subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                 "-E", "UTF8", "--locale=C.UTF-8", "-N"]),
                   check=True, capture_output=True)
    options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
               f"-c synchronous_commit=off -c full_page_writes=off -c max_connections={max_connections}")
    subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w",
                                 "-o", options, "start"]), check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def create_database(base: str, name: str) -> str:
    """Create database ``name`` on the cluster at ``base``; return its URL."""
    import psycopg

    with psycopg.connect(base.replace("+psycopg", "") + "/postgres", autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    return f"{base}/{name}"
