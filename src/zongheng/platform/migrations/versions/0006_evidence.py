# ruff: noqa: D103
"""Evidence files of values (佐证材料), bytes kept in the database.

Revision ID: 0006_evidence
Revises: 0009_runs
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_evidence"
down_revision = "0009_runs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.Column("removed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["value_id"], ["value.id"], name=op.f("fk_evidence_value_id_value"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by"], ["app_user.id"],
                                name=op.f("fk_evidence_uploaded_by_app_user")),
        sa.ForeignKeyConstraint(["removed_by"], ["app_user.id"],
                                name=op.f("fk_evidence_removed_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_value_id"), ["value_id"], unique=False)
    op.create_table(
        "evidence_content",
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["evidence_id"], ["evidence.id"],
                                name=op.f("fk_evidence_content_evidence_id_evidence"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("evidence_id", name=op.f("pk_evidence_content")),
    )


def downgrade() -> None:
    op.drop_table("evidence_content")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_value_id"))
    op.drop_table("evidence")
