"""Alembic environment: migrate the connection zongheng.platform.migrate hands over."""

from __future__ import annotations

from alembic import context

from zongheng.platform.models import Base


def run_migrations(config) -> None:
    """Run the migrations on ``config.attributes["connection"]``."""
    context.configure(
        connection=config.attributes["connection"],
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things in place: batch mode copies the table, changes it, swaps it.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


try:
    _config = context.config
except AttributeError:      # imported outside an Alembic run (pytest's doctest collection)
    _config = None
if _config is not None:
    run_migrations(_config)
