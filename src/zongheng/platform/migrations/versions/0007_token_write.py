# ruff: noqa: D103
"""Read-only or read-write API tokens (访问令牌的写权限).

Revision ID: 0007_token_write
Revises: 0005_api_tokens
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_token_write"
down_revision = "0005_api_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing tokens stay read-only: writing through the API is a choice made when a token is made.
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("can_write", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("can_write")
