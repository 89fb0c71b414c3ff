"""Declarative base (表定义基类): naming convention and the clock every table uses."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

__all__ = ["Base", "utcnow"]

# Named constraints: Alembic's batch mode (SQLite rebuilds a table to alter it) can only drop or
# change a constraint it can name, and both databases then show the same names.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every platform table."""

    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """Now in UTC without a time zone: SQLite keeps none, so both databases store the same."""
    return datetime.now(UTC).replace(tzinfo=None)
