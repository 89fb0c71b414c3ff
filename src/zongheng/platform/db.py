"""Database engine and sessions (数据库连接).

SQLite is the embedded default. Each connection turns on write-ahead logging (readers do not
block the writer), foreign keys (off by default in SQLite) and a busy timeout (a writer waits for
another instead of failing at once). PostgreSQL needs none of this.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["BUSY_TIMEOUT_MS", "make_engine", "make_sessionmaker", "request_session", "transaction"]

BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create the engine for a database URL (SQLite pragmas set on every connection)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory; objects stay readable after commit (pages render after it)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit when the block ends, roll back if it raises."""
    with factory() as session, session.begin():
        yield session


@contextmanager
def request_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a web request's session; close it even when the database went away under it.

    Closing rolls back what is open. When PostgreSQL restarted during the request, that ROLLBACK
    fails on the dead connection; raised after the response has started, it would cut the
    client's connection. The connection is dropped from the pool instead (``invalidate``): nothing
    was committed on it, and the next request gets a fresh one.
    """
    session = factory()
    try:
        yield session
    finally:
        try:
            session.close()
        except (OperationalError, InterfaceError):
            session.invalidate()
