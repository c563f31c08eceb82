"""jobs: each file a batch hands to an executor, with its attempts, worker, failing stage and error

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 21:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'job',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('batch_id', sa.Integer(), sa.ForeignKey('batch.id'), nullable=False),
        sa.Column('idx', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(), nullable=False),
        sa.Column('call_id', sa.String(), nullable=True),
        sa.Column('status', sa.String(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('worker', sa.String(), nullable=True),
        sa.Column('stage', sa.String(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('batch_id', 'idx'),
    )
    op.create_index('ix_job_batch_id', 'job', ['batch_id'])
    op.create_index('ix_job_status', 'job', ['status'])


def downgrade() -> None:
    op.drop_index('ix_job_status', table_name='job')
    op.drop_index('ix_job_batch_id', table_name='job')
    op.drop_table('job')
