# ruff: noqa: D103
"""亩均 grading runs (亩均效益评价结果) and the enterprise tables they read.

Revision ID: 0010_grading
Revises: 0008_approval_chain
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_grading"
down_revision = "0008_approval_chain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grading_input",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["uploaded_by"], ["app_user.id"],
                                name=op.f("fk_grading_input_uploaded_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grading_input")),
    )
    op.create_table(
        "grading_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=64), nullable=False),
        sa.Column("input_id", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(length=200), nullable=False),
        sa.Column("rule_name", sa.String(length=100), nullable=False),
        sa.Column("rule_text", sa.Text(), nullable=False),
        sa.Column("input_sha256", sa.String(length=64), nullable=False),
        sa.Column("firms", sa.Integer(), nullable=False),
        sa.Column("graded", sa.Integer(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("code_version", sa.String(length=40), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("results", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"],
                                name=op.f("fk_grading_run_created_by_app_user")),
        sa.ForeignKeyConstraint(["input_id"], ["grading_input.id"],
                                name=op.f("fk_grading_run_input_id_grading_input")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grading_run")),
    )
    with op.batch_alter_table("grading_run", schema=None) as batch_op:
        batch_op.create_index("ix_grading_run_region", ["region_code", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("grading_run", schema=None) as batch_op:
        batch_op.drop_index("ix_grading_run_region")
    op.drop_table("grading_run")
    op.drop_table("grading_input")
