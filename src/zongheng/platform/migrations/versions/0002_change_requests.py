# ruff: noqa: D103
"""Change requests (变更申请): one table, for changing a value after approval.

Revision ID: 0002_change_requests
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_change_requests"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("new_value", sa.Float(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["decided_by"], ["app_user.id"],
                                name=op.f("fk_change_request_decided_by_app_user")),
        sa.ForeignKeyConstraint(["indicator_id"], ["framework_indicator.id"],
                                name=op.f("fk_change_request_indicator_id_framework_indicator")),
        sa.ForeignKeyConstraint(["requested_by"], ["app_user.id"],
                                name=op.f("fk_change_request_requested_by_app_user")),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], ondelete="CASCADE",
                                name=op.f("fk_change_request_submission_id_submission")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_request")),
    )
    with op.batch_alter_table("change_request") as batch:
        batch.create_index(batch.f("ix_change_request_submission_id"), ["submission_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("change_request") as batch:
        batch.drop_index(batch.f("ix_change_request_submission_id"))
    op.drop_table("change_request")
