# ruff: noqa: D103
"""The approval chain (审核链): configured steps, each submission's steps and approvals, its level.

Revision ID: 0008_approval_chain
Revises: 0006_evidence
Create Date: 2026-12-03

New tables refer only to tables of 0001 (app_user, submission); the one new column on submission
is added in batch mode (SQLite rebuilds the table), with a server default so existing rows read 0.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_approval_chain"
down_revision = "0006_evidence"
branch_labels = None
depends_on = None


def _step_columns() -> list[sa.Column]:
    return [
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("covers", sa.String(length=16), nullable=False),
        sa.Column("same_approver", sa.Boolean(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "approval_chain_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_key", sa.String(length=64), nullable=False),
        *_step_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_chain_step")),
        sa.UniqueConstraint("framework_key", "position",
                            name=op.f("uq_approval_chain_step_framework_key_position")),
    )
    op.create_table(
        "submission_approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        *_step_columns(),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["approved_by"], ["app_user.id"], ondelete="SET NULL",
                                name=op.f("fk_submission_approval_approved_by_app_user")),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], ondelete="CASCADE",
                                name=op.f("fk_submission_approval_submission_id_submission")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_approval")),
        sa.UniqueConstraint("submission_id", "round", "position",
                            name=op.f("uq_submission_approval_submission_id_round_position")),
    )
    with op.batch_alter_table("submission_approval", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submission_approval_submission_id"), ["submission_id"],
                              unique=False)
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approval_step", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("approval_step")
    with op.batch_alter_table("submission_approval", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_approval_submission_id"))
    op.drop_table("submission_approval")
    op.drop_table("approval_chain_step")
