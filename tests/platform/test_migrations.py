"""Migrations: from an empty database to the newest revision, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from zongheng.platform.db import make_engine
from zongheng.platform.migrate import current_revision, head_revision, upgrade
from zongheng.platform.models import Base

TABLES = {"alembic_version", "api_token", "app_user", "audit_event", "audit_head", "department",
          "framework_indicator", "framework_version", "login_session", "region", "role_assignment",
          "role_scope_region", "submission", "value", "value_history"}

TABLES |= {"late_entry_request", "message", "reporting_period"}     # issue 12: deadlines
TABLES |= {"check_flag"}        # issue 12: checks (0003_check_flags)

TABLES |= {"change_request"}                # part 2: change requests (0002_change_requests)
TABLES |= {"job", "reference_data", "run"}   # issue 13: jobs, reference data, runs (0009_runs)
TABLES |= {"evidence", "evidence_content"}  # issue 12: evidence files (0006_evidence)
TABLES |= {"approval_chain_step", "submission_approval"}    # issue 12: approval chain (0008)
TABLES |= {"grading_input", "grading_run"}     # issue 13: 亩均 grading runs (0010_grading)
TABLES |= {"run_document"}       # issue 13: documents archived with a run (0011_run_documents)
TABLES |= {"problem", "task", "task_milestone", "task_evidence", "task_file", "task_event"}  # issue 14 (0012)


def test_upgrade_from_empty_matches_the_models(database_url):
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert set(inspect(engine).get_table_names()) == TABLES
        # The migration creates exactly what the models declare: autogenerate finds nothing to do.
        with engine.connect() as con:
            assert compare_metadata(MigrationContext.configure(con), Base.metadata) == []
        if engine.dialect.name == "postgresql":
            # Prefix LIKE ("own and below") can use the path index whatever the collation.
            with engine.connect() as con:
                query = text("SELECT indexdef FROM pg_indexes WHERE indexname LIKE '%_path'")
                defs = con.execute(query).scalars()
                assert sorted(d.split(" USING ")[1] for d in defs) == ["btree (path varchar_pattern_ops)"] * 2
        upgrade(engine)     # a second upgrade is a no-op
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as con:
        assert con.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert con.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert con.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
    engine.dispose()


def test_the_audit_head_starts_at_genesis(engine):
    with engine.connect() as con:
        assert con.execute(text("SELECT id, last_hash, count FROM audit_head")).all() == [(1, "0" * 64, 0)]
