"""Alembic environment: migrate the connection zongheng.platform.migrate hands over."""

from __future__ import annotations

from alembic import context

from zongheng.platform.models import Base

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place: batch mode copies the table, changes it, swaps it.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
