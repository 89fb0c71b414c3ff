"""``zongheng db backup`` / ``restore``: a round trip gives back exactly the same rows."""

from __future__ import annotations

import sqlite3
import stat
from contextlib import closing

import pytest
from sqlalchemy import select

from zongheng.platform.db import transaction
from zongheng.platform.models import Base, User
from zongheng.platform.services import audit, backup, users

from .conftest import PASSWORD


def _dump(engine) -> dict[str, list[tuple]]:
    out = {}
    with engine.connect() as con:
        for table in Base.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(r) for r in con.execute(query)]
        out["alembic_version"] = [tuple(r) for r in con.exec_driver_sql("SELECT * FROM alembic_version")]
    return out


def test_backup_then_restore_gives_back_the_same_rows(settings, engine, factory, world, tmp_path):
    before = _dump(engine)
    assert len(before["submission"]) == 9 and len(before["audit_event"]) > 10
    file = backup.backup(settings.database_url, tmp_path / "backups" / "zongheng.backup")
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    with transaction(factory) as s:         # changes made after the backup…
        users.create(s, "late", PASSWORD)
        users.disable(s, s.scalars(select(User).where(User.username == "reporter")).one())
    assert _dump(engine) != before
    engine.dispose()
    backup.restore(settings.database_url, file)       # …are gone after the restore
    assert _dump(engine) == before
    with factory() as s:
        assert audit.verify_chain(s) is None


def test_restore_refuses_a_file_that_is_not_a_platform_backup(tmp_path):
    url = f"sqlite:///{tmp_path / 'zongheng.db'}"
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(backup.BackupError, match="不是 SQLite 数据库"):
        backup.restore(url, junk)
    with pytest.raises(backup.BackupError, match="备份文件不存在"):
        backup.restore(url, tmp_path / "missing.db")
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as con:
        con.execute("CREATE TABLE t (x)")
        con.commit()
    with pytest.raises(backup.BackupError, match="不是纵横平台的备份"):
        backup.restore(url, other)
    assert not (tmp_path / "zongheng.db").exists()      # nothing was written


def test_postgres_without_client_tools_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    with pytest.raises(backup.BackupError, match=r"找不到 pg_dump.*postgresql-client"):
        backup.backup("postgresql+psycopg://u@127.0.0.1:1/x", tmp_path / "b")
    with pytest.raises(backup.BackupError, match="找不到 pg_restore"):
        (tmp_path / "b").write_bytes(b"x")
        backup.restore("postgresql+psycopg://u@127.0.0.1:1/x", tmp_path / "b")
