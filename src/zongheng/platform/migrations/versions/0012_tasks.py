# ruff: noqa: D103, E501
"""The 闭环 loop: problems (问题清单), tasks (整改任务), milestones, 销号 evidence and files, task events.

Revision ID: 0012_tasks
Revises: 0008_approval_chain
Create Date: 2026-12-04

New tables only; they refer to app_user, run (0009_runs) and each other.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_tasks"
down_revision = "0011_run_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('problem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('region_code', sa.String(length=64), nullable=False),
    sa.Column('indicator_code', sa.String(length=64), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_problem_created_by_app_user')),
    sa.ForeignKeyConstraint(['run_id'], ['run.id'], name=op.f('fk_problem_run_id_run'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem'))
    )
    op.create_index('ix_problem_region', 'problem', ['region_code', 'source'], unique=False)
    op.create_index(op.f('ix_problem_run_id'), 'problem', ['run_id'], unique=False)
    op.create_table('task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=64), nullable=False),
    sa.Column('department_code', sa.String(length=64), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('return_reason', sa.Text(), nullable=False),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by'], ['app_user.id'], name=op.f('fk_task_closed_by_app_user')),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_task_created_by_app_user')),
    sa.ForeignKeyConstraint(['owner_id'], ['app_user.id'], name=op.f('fk_task_owner_id_app_user')),
    sa.ForeignKeyConstraint(['problem_id'], ['problem.id'], name=op.f('fk_task_problem_id_problem'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by'], ['app_user.id'], name=op.f('fk_task_requested_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task'))
    )
    op.create_index(op.f('ix_task_problem_id'), 'task', ['problem_id'], unique=False)
    op.create_index('ix_task_scope', 'task', ['region_code', 'department_code', 'state'], unique=False)
    op.create_table('task_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=False),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_event_task_id_task'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_task_event_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_event'))
    )
    op.create_index(op.f('ix_task_event_task_id'), 'task_event', ['task_id'], unique=False)
    op.create_table('task_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('new_value', sa.Float(), nullable=True),
    sa.Column('added_by', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by'], ['app_user.id'], name=op.f('fk_task_evidence_added_by_app_user')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_evidence_task_id_task'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_evidence'))
    )
    op.create_index(op.f('ix_task_evidence_task_id'), 'task_evidence', ['task_id'], unique=False)
    op.create_table('task_milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_milestone_task_id_task'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_milestone'))
    )
    op.create_index(op.f('ix_task_milestone_task_id'), 'task_milestone', ['task_id'], unique=False)
    op.create_table('task_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['task_evidence.id'], name=op.f('fk_task_file_evidence_id_task_evidence'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_file'))
    )
    op.create_index(op.f('ix_task_file_evidence_id'), 'task_file', ['evidence_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_task_file_evidence_id'), table_name='task_file')
    op.drop_table('task_file')
    op.drop_index(op.f('ix_task_milestone_task_id'), table_name='task_milestone')
    op.drop_table('task_milestone')
    op.drop_index(op.f('ix_task_evidence_task_id'), table_name='task_evidence')
    op.drop_table('task_evidence')
    op.drop_index(op.f('ix_task_event_task_id'), table_name='task_event')
    op.drop_table('task_event')
    op.drop_index('ix_task_scope', table_name='task')
    op.drop_index(op.f('ix_task_problem_id'), table_name='task')
    op.drop_table('task')
    op.drop_index(op.f('ix_problem_run_id'), table_name='problem')
    op.drop_index('ix_problem_region', table_name='problem')
    op.drop_table('problem')
