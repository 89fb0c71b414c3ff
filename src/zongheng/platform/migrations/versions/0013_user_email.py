# ruff: noqa: D103
"""Users' mail addresses, for 催办 and other notices by email (用户邮箱).

Revision ID: 0013_user_email
Revises: 0012_tasks
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_user_email"
down_revision = "0012_tasks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing users have no address: their notices stay in the in-app inbox until one is set.
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=200), nullable=False, server_default=""))


def downgrade() -> None:
    # Not a batch (copy-and-move) on SQLite: rebuilding app_user would cascade the deletion of the old
    # table into every row that references a user (tokens, sessions …). SQLite ≥ 3.35 drops a column
    # in place, as PostgreSQL does.
    op.drop_column("app_user", "email")
