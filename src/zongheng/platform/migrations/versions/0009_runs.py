# ruff: noqa: D103
"""Background jobs, reference data and evaluation runs (后台任务、参照数据与评价结果).

Revision ID: 0009_runs
Revises: 0007_token_write
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_runs"
down_revision = "0007_token_write"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("result_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], name=op.f("fk_job_created_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index("ix_job_state", ["state", "id"], unique=False)
    op.create_table(
        "reference_data",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("periods", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["uploaded_by"], ["app_user.id"],
                                name=op.f("fk_reference_data_uploaded_by_app_user")),
        sa.ForeignKeyConstraint(["version_id"], ["framework_version.id"],
                                name=op.f("fk_reference_data_version_id_framework_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_data")),
    )
    op.create_table(
        "run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("reference_id", sa.Integer(), nullable=True),
        sa.Column("regions", sa.Text(), nullable=False),
        sa.Column("method_name", sa.String(length=100), nullable=False),
        sa.Column("method_text", sa.Text(), nullable=False),
        sa.Column("input_sha256", sa.String(length=64), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("unapproved_values", sa.Integer(), nullable=False),
        sa.Column("code_version", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("inputs", sa.LargeBinary(), nullable=False),
        sa.Column("results", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], name=op.f("fk_run_created_by_app_user")),
        sa.ForeignKeyConstraint(["reference_id"], ["reference_data.id"],
                                name=op.f("fk_run_reference_id_reference_data")),
        sa.ForeignKeyConstraint(["version_id"], ["framework_version.id"],
                                name=op.f("fk_run_version_id_framework_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run")),
    )
    with op.batch_alter_table("run", schema=None) as batch_op:
        batch_op.create_index("ix_run_version_period", ["version_id", "period"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("run", schema=None) as batch_op:
        batch_op.drop_index("ix_run_version_period")
    op.drop_table("run")
    op.drop_table("reference_data")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index("ix_job_state")
    op.drop_table("job")
