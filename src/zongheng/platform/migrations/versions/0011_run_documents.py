# ruff: noqa: D103
"""Documents generated from a run (评价文档): HTML, Word and Excel, bytes kept in the database.

Revision ID: 0011_run_documents
Revises: 0008_approval_chain
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_run_documents"
down_revision = "0010_grading"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("unapproved", sa.Boolean(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"], name=op.f("fk_run_document_run_id_run"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"],
                                name=op.f("fk_run_document_created_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_document")),
        sa.UniqueConstraint("run_id", "version", "kind", name=op.f("uq_run_document_run_id_version_kind")),
    )
    with op.batch_alter_table("run_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_document_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("run_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_document_run_id"))
    op.drop_table("run_document")
