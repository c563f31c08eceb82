"""data lifecycle: when a call was erased on request, and when retention removed its transcript or audio

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 20:00:00.000000

Three nullable timestamps on ``call``; the call row itself stays (its scores, timings and operator count in
scorecards), what carried personal data is gone.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

COLUMNS = ('erased_at', 'transcript_removed_at', 'audio_removed_at')


def upgrade() -> None:
    with op.batch_alter_table('call') as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('call') as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
