"""needs_review on each automatic verdict

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 10:00:00.000000

``criterionverdict.needs_review``: the scorer's calibrated confidence in the verdict was below the rubric's
``review_below`` (or 0.0: the criterion could not decide), so a person should check it. Verdicts stored
before this revision were never calibrated and get False; re-scoring a call computes it.
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN, also on SQLite (as in 0004): nothing points at verdict rows, but keep one style
    op.add_column('criterionverdict', sa.Column('needs_review', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column('criterionverdict', 'needs_review')  # SQLite 3.35+ drops a column in place
