"""Database migrations (数据库升级): ``zongheng db upgrade`` and the check that a database is current.

The Alembic scripts live in ``zongheng/platform/migrations`` inside the package, so an installed
platform can upgrade its own database without an ``alembic.ini`` on disk.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

__all__ = ["alembic_config", "current_revision", "head_revision", "upgrade"]

SCRIPTS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """Return an Alembic configuration pointing at the shipped migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database up to ``revision`` (default: the newest), in one transaction."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """Return the database's revision, ``None`` for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """Return the newest revision the package ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None  # the package always ships at least the first migration
    return head
