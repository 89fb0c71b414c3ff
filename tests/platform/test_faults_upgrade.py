"""A database made by the previous release upgrades with ``zongheng db upgrade``, keeping every row.

``data/release_0008.db`` was written by the release at commit 3d165dd (newest migration
``0008_approval_chain``; data/README.md says how). A copy is upgraded by the real command in a
subprocess; then every table the old release had keeps its rows, each one's content hash over the
old columns is unchanged, the schema is exactly today's models (Alembic's autogenerate finds
nothing to do), the audit chain still verifies, and the old users log in and read their data.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from zongheng.platform.db import make_engine, make_sessionmaker
from zongheng.platform.migrate import current_revision, head_revision
from zongheng.platform.models import Base, Job, Submission
from zongheng.platform.services.audit import verify_chain
from zongheng.platform.settings import load_settings

from .conftest import login
from .fault_server import zongheng_command

STORED = Path(__file__).parent / "data" / "release_0008.db"
OLD_HEAD = "0008_approval_chain"
OLD_PASSWORD = "old release password"


def _tables(file: Path, columns: dict[str, list[str]] | None = None) -> dict[str, tuple[list[str], int, str]]:
    """Each table's columns, row count and SHA-256 of its rows in rowid order (``columns``: only those)."""
    out = {}
    with closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as con:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        for name in names:
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{name}")')]
            if columns is not None:
                if name not in columns:
                    continue
                cols = columns[name]
            rows = con.execute(f'SELECT {", ".join(cols)} FROM "{name}" ORDER BY rowid').fetchall()
            out[name] = (cols, len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return out


def test_the_previous_release_s_database_upgrades_keeping_every_row(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    database = data / "zongheng.db"
    shutil.copyfile(STORED, database)
    before = _tables(database)
    assert before["alembic_version"][1] == 1 and before["audit_event"][1] == 32
    assert {"submission", "value_history", "approval_chain_step", "job"} <= set(before)
    assert "task" not in before                         # really the old schema

    done = subprocess.run([*zongheng_command(), "db", "upgrade", "--data", str(data)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert head_revision() in done.stdout

    old_columns = {name: cols for name, (cols, _, _) in before.items() if name != "alembic_version"}
    after = _tables(database, old_columns)
    kept = {name: figures[1:] for name, figures in before.items() if name != "alembic_version"}
    assert {name: figures[1:] for name, figures in after.items()} == kept      # rows and content, per table
    assert sum(n for n, _ in kept.values()) == 67      # the stored rows (data/README.md)

    engine = make_engine(f"sqlite:///{database}")
    try:
        assert current_revision(engine) == head_revision() != OLD_HEAD
        with engine.connect() as con:
            assert compare_metadata(MigrationContext.configure(con), Base.metadata) == []
        with make_sessionmaker(engine)() as s:
            assert verify_chain(s) is None
            states = sorted(s.scalars(select(Submission.state)))
            (job,) = s.scalars(select(Job)).all()
        assert states == ["approved", "returned"] and job.state == "queued"
    finally:
        engine.dispose()
    _old_users_still_work(data, database)


def _old_users_still_work(data: Path, database: Path) -> None:
    from fastapi.testclient import TestClient

    from zongheng.platform.app import create_app

    app = create_app(load_settings(data, None))
    try:
        with TestClient(app) as client:
            assert login(client, "tianbao", OLD_PASSWORD).status_code == 303
            with closing(sqlite3.connect(database)) as con:
                (sid,) = con.execute("SELECT id FROM submission WHERE department_code = 'TJ'").fetchone()
            page = client.get(f"/submissions/{sid}")
            assert page.status_code == 200 and "99.25" in page.text and "更正" in page.text
    finally:
        app.state.engine.dispose()
