"""``zongheng db backup`` then ``zongheng db restore``, as an administrator types them: the same database.

``test_backup.py`` proves the service round trip row by row; this runs the installed commands in
subprocesses (SQLite: the online backup API; PostgreSQL: ``pg_dump`` / ``pg_restore``) and
compares every table's row count and a SHA-256 of its rows in key order, before the backup and
after the restore, with changes made in between that the restore must undo.
"""

from __future__ import annotations

import hashlib
import subprocess

from sqlalchemy import select

from zongheng.platform.db import transaction
from zongheng.platform.models import Base, User
from zongheng.platform.services import users

from .conftest import PASSWORD
from .fault_server import zongheng_command


def _fingerprint(engine) -> dict[str, tuple[int, str]]:
    """Each table's row count and the SHA-256 of its rows in primary-key order."""
    out = {}
    with engine.connect() as con:
        for table in Base.metadata.sorted_tables:
            rows = [tuple(r) for r in con.execute(select(table).order_by(*table.primary_key.columns))]
            out[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return out


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*zongheng_command(), "db", *args], capture_output=True, text=True)


def test_backup_then_restore_commands_give_back_the_same_tables(settings, engine, factory, world, tmp_path):
    where = ["--data", str(settings.data_dir)]
    if not settings.database_url.startswith("sqlite"):
        where += ["--database", settings.database_url]
    before = _fingerprint(engine)
    assert sum(n for n, _ in before.values()) > 50
    file = tmp_path / "backups" / "zongheng.backup"
    made = _cli("backup", str(file), *where)
    assert made.returncode == 0 and file.stat().st_size > 0, made.stderr
    with transaction(factory) as s:         # changed after the backup: the restore must undo it
        users.create(s, "after_backup", PASSWORD)
        users.disable(s, s.scalars(select(User).where(User.username == "reporter")).one())
    changed = _fingerprint(engine)
    assert {t for t in before if before[t] != changed[t]} >= {"app_user", "audit_event"}
    engine.dispose()
    restored = _cli("restore", str(file), *where)
    assert restored.returncode == 0, restored.stderr
    assert _fingerprint(engine) == before
