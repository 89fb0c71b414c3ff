"""Backup and restore (备份与恢复), ``zongheng db backup FILE`` / ``zongheng db restore FILE``.

SQLite uses its online backup API: a consistent copy while the server keeps running, page by
page, into a file written all at once. PostgreSQL uses ``pg_dump`` / ``pg_restore`` (custom
format) when they are on the PATH. A backup holds password hashes: it is written readable by its
owner only (0600).
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from zongheng.io.atomic import atomic_write

__all__ = ["BackupError", "backup", "restore"]


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("内存数据库无法备份 (an in-memory database cannot be backed up)")
    return Path(database)


def _libpq_url(url: str) -> str:
    # pg_dump speaks libpq URLs: no "+psycopg" driver suffix.
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"找不到 {name}：PostgreSQL 的备份与恢复需要 PostgreSQL 客户端工具"
                          f"（Debian: apt-get install postgresql-client）。 ({name} is not on the PATH; "
                          f"install the PostgreSQL client tools.)")
    return found


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} 失败 (failed): {done.stderr.strip()}")


def _not_written(what: tuple[str, str], file: Path, exc: Exception) -> BackupError:
    """Say that a write failed (disk full, no permission…), where, and that no partial file is left."""
    zh, en = what
    if getattr(exc, "errno", None) == errno.ENOSPC or "disk is full" in str(exc).lower():
        return BackupError(f"{zh}未完成：{file.parent} 所在磁盘已满，请清理后重试（未留下不完整的文件）。 "
                           f"({en} not done: the disk of {file.parent} is full; free space and try "
                           f"again. No partial file was left.)")
    return BackupError(f"{zh}未完成 ({en} not done): {file}: {exc}")


def _copy(source: Path, target: Path) -> None:
    # sqlite3's "with connection" commits but does not close: closing() does.
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def backup(url: str, file: Path) -> Path:
    """Write a consistent copy of the database at ``url`` to ``file`` (备份)."""
    file = Path(file)
    if url.startswith("sqlite"):
        source = _sqlite_file(url)
        if not source.exists():
            raise BackupError(f"数据库文件不存在 (no database file): {source}")

        def write(tmp: Path) -> None:
            _copy(source, tmp)
    else:
        pg_dump = _tool("pg_dump")

        def write(tmp: Path) -> None:
            _run([pg_dump, "--format=custom", "--no-owner", f"--file={tmp}", f"--dbname={_libpq_url(url)}"])
    try:
        atomic_write(file, write)   # a failure leaves no file: the copy goes to a temporary name first
    except (OSError, sqlite3.Error) as exc:
        raise _not_written(("备份", "backup"), file, exc) from exc
    os.chmod(file, 0o600)
    return file


def _check_sqlite_backup(file: Path) -> None:
    try:
        with closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as con:
            tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{file} 不是 SQLite 数据库 (is not an SQLite database): {exc}") from exc
    if "alembic_version" not in tables or "audit_event" not in tables:
        raise BackupError(f"{file} 不是纵横平台的备份 (is not a zongheng platform backup)")


def restore(url: str, file: Path) -> None:
    """Replace the database at ``url`` with the backup ``file`` (恢复). Stop the server first.

    Then run ``zongheng db upgrade`` if the backup is older than the installed platform.
    """
    file = Path(file)
    if not file.is_file():
        raise BackupError(f"备份文件不存在 (no backup file): {file}")
    if url.startswith("sqlite"):
        _check_sqlite_backup(file)
        target = _sqlite_file(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            _copy(file, target)     # SQLite's backup API writes in one transaction: all or nothing
        except (OSError, sqlite3.Error) as exc:
            raise _not_written(("恢复", "restore"), target, exc) from exc
        return
    pg_restore = _tool("pg_restore")
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
          f"--dbname={_libpq_url(url)}", str(file)])
