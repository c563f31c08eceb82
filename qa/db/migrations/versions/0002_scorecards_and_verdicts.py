"""scorecards and verdicts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:23:14.538793
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scorecard',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('rubric_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('rubric_version', sa.Integer(), nullable=False),
    sa.Column('rubric_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('total', sa.Float(), nullable=True),
    sa.Column('critical_failed', sa.Boolean(), nullable=False),
    sa.Column('section_scores', sa.Text(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('call_id', 'rubric_id', 'rubric_version', 'rubric_hash')
    )
    with op.batch_alter_table('scorecard', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorecard_call_id'), ['call_id'], unique=False)

    op.create_table('criterionverdict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scorecard_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('section_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('verdict', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('critical', sa.Boolean(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['scorecard_id'], ['scorecard.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scorecard_id', 'criterion_id')
    )
    with op.batch_alter_table('criterionverdict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_criterionverdict_scorecard_id'), ['scorecard_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('criterionverdict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_criterionverdict_scorecard_id'))

    op.drop_table('criterionverdict')
    with op.batch_alter_table('scorecard', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scorecard_call_id'))

    op.drop_table('scorecard')
