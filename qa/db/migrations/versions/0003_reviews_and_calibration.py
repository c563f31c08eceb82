"""reviews disputes calibration learned models

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:18:03.476201
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('auditevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entity_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.create_index('ix_auditevent_entity', ['entity', 'entity_id'], unique=False)

    op.create_table('calibrationround',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('rubric_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('learnedmodel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('path', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('trained_at', sa.DateTime(), nullable=False),
    sa.Column('n_train', sa.Integer(), nullable=False),
    sa.Column('metrics', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('criterion_id', 'version')
    )
    op.create_table('reviewsession',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reviewer', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pick', sa.Text(), nullable=False),
    sa.Column('rubric_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('actions', sa.Text(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reviewsession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviewsession_operator_id'), ['operator_id'], unique=False)

    op.create_table('reviewcomment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('call_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('utterance_idx', sa.Integer(), nullable=True),
    sa.Column('at_s', sa.Float(), nullable=True),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['reviewsession.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reviewcomment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviewcomment_session_id'), ['session_id'], unique=False)

    op.create_table('reviewitem',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('call_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('why', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['reviewsession.id'], ),
    sa.PrimaryKeyConstraint('session_id', 'call_id')
    )
    op.create_table('dispute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('call_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('criterion_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('operator_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('disputed_verdict', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('claimed_verdict', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('label_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], ),
    sa.ForeignKeyConstraint(['label_id'], ['humanlabel.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['reviewsession.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dispute', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispute_session_id'), ['session_id'], unique=False)

    with op.batch_alter_table('humanlabel', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('machine_verdict', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('review_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('calibration_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('supersedes_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_humanlabel_calibration_id'), ['calibration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_humanlabel_review_id'), ['review_id'], unique=False)
        batch_op.create_foreign_key('fk_humanlabel_supersedes_id', 'humanlabel', ['supersedes_id'], ['id'])
        batch_op.create_foreign_key('fk_humanlabel_calibration_id', 'calibrationround', ['calibration_id'], ['id'])
        batch_op.create_foreign_key('fk_humanlabel_review_id', 'reviewsession', ['review_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('humanlabel', schema=None) as batch_op:
        batch_op.drop_constraint('fk_humanlabel_review_id', type_='foreignkey')
        batch_op.drop_constraint('fk_humanlabel_calibration_id', type_='foreignkey')
        batch_op.drop_constraint('fk_humanlabel_supersedes_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_humanlabel_review_id'))
        batch_op.drop_index(batch_op.f('ix_humanlabel_calibration_id'))
        batch_op.drop_column('supersedes_id')
        batch_op.drop_column('calibration_id')
        batch_op.drop_column('review_id')
        batch_op.drop_column('machine_verdict')
        batch_op.drop_column('reason')

    with op.batch_alter_table('dispute', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispute_session_id'))

    op.drop_table('dispute')
    op.drop_table('reviewitem')
    with op.batch_alter_table('reviewcomment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviewcomment_session_id'))

    op.drop_table('reviewcomment')
    with op.batch_alter_table('reviewsession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviewsession_operator_id'))

    op.drop_table('reviewsession')
    op.drop_table('learnedmodel')
    op.drop_table('calibrationround')
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.drop_index('ix_auditevent_entity')

    op.drop_table('auditevent')
