# ruff: noqa: D103
"""Inbox, late-entry requests and reporting periods (站内消息、补报申请、报送期).

Revision ID: 0004_inbox_late
Revises: 0003_check_flags
Create Date: 2026-12-03

Only new tables, referring to tables of 0001 (app_user, framework_version, submission), so the
revision can follow any other revision that keeps those.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_inbox_late"
down_revision = "0003_check_flags"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reporting_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("locked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["opened_by"], ["app_user.id"],
                                name=op.f("fk_reporting_period_opened_by_app_user")),
        sa.ForeignKeyConstraint(["version_id"], ["framework_version.id"], ondelete="CASCADE",
                                name=op.f("fk_reporting_period_version_id_framework_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_period")),
        sa.UniqueConstraint("version_id", "period", name=op.f("uq_reporting_period_version_id_period")),
    )
    op.create_table(
        "message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("subject_key", sa.String(length=64), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["recipient_id"], ["app_user.id"], ondelete="CASCADE",
                                name=op.f("fk_message_recipient_id_app_user")),
        sa.ForeignKeyConstraint(["sender_id"], ["app_user.id"], ondelete="SET NULL",
                                name=op.f("fk_message_sender_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message")),
    )
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.create_index("ix_message_inbox", ["recipient_id", "read_at"], unique=False)
    op.create_table(
        "late_entry_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["decided_by"], ["app_user.id"], ondelete="SET NULL",
                                name=op.f("fk_late_entry_request_decided_by_app_user")),
        sa.ForeignKeyConstraint(["requested_by"], ["app_user.id"], ondelete="SET NULL",
                                name=op.f("fk_late_entry_request_requested_by_app_user")),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], ondelete="CASCADE",
                                name=op.f("fk_late_entry_request_submission_id_submission")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_late_entry_request")),
    )
    with op.batch_alter_table("late_entry_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_late_entry_request_submission_id"), ["submission_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("late_entry_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_late_entry_request_submission_id"))
    op.drop_table("late_entry_request")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index("ix_message_inbox")
    op.drop_table("message")
    op.drop_table("reporting_period")
