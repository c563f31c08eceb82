"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 11:27:14.739954
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('inputs', sa.Text(), nullable=False),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('audio_s', sa.Float(), nullable=False),
    sa.Column('wall_s', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('operator',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('team', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('call',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source_path', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('operator_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('order_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('language_probability', sa.Float(), nullable=True),
    sa.Column('duration_s', sa.Float(), nullable=True),
    sa.Column('sample_rate_hz', sa.Integer(), nullable=True),
    sa.Column('channels', sa.Integer(), nullable=True),
    sa.Column('role_method', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('role_confidence', sa.Float(), nullable=True),
    sa.Column('asr_model', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('processing_s', sa.Float(), nullable=True),
    sa.Column('processed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operator.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sha256')
    )
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_external_id'), ['external_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_file_name'), ['file_name'], unique=False)
        batch_op.create_index('ix_call_operator_started', ['operator_id', 'started_at'], unique=False)
        batch_op.create_index('ix_call_status', ['status'], unique=False)

    op.create_table('callmetrics',
    sa.Column('call_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('duration_s', sa.Float(), nullable=False),
    sa.Column('talk_s', sa.Float(), nullable=False),
    sa.Column('talk_listen_ratio', sa.Float(), nullable=True),
    sa.Column('silence_total_s', sa.Float(), nullable=False),
    sa.Column('silence_longest_s', sa.Float(), nullable=False),
    sa.Column('overtalk_s', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], ),
    sa.PrimaryKeyConstraint('call_id')
    )
    op.create_table('humanlabel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('criterion_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('verdict', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('humanlabel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_humanlabel_call_id'), ['call_id'], unique=False)

    op.create_table('rolemetrics',
    sa.Column('call_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('talk_s', sa.Float(), nullable=False),
    sa.Column('talk_ratio', sa.Float(), nullable=False),
    sa.Column('turns', sa.Integer(), nullable=False),
    sa.Column('words', sa.Integer(), nullable=False),
    sa.Column('speech_rate_wpm', sa.Float(), nullable=True),
    sa.Column('interruptions', sa.Integer(), nullable=False),
    sa.Column('response_latency_mean_s', sa.Float(), nullable=True),
    sa.Column('response_latency_max_s', sa.Float(), nullable=True),
    sa.Column('loudness_dbfs', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], ),
    sa.PrimaryKeyConstraint('call_id', 'role')
    )
    op.create_table('speakerturn',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('speaker', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('start_s', sa.Float(), nullable=False),
    sa.Column('end_s', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('speakerturn', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_speakerturn_call_id'), ['call_id'], unique=False)

    op.create_table('utterance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('idx', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('speaker', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('start_s', sa.Float(), nullable=False),
    sa.Column('end_s', sa.Float(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('call_id', 'idx')
    )
    with op.batch_alter_table('utterance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_utterance_call_id'), ['call_id'], unique=False)

    op.create_table('word',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('utterance_id', sa.Integer(), nullable=False),
    sa.Column('idx', sa.Integer(), nullable=False),
    sa.Column('start_s', sa.Float(), nullable=False),
    sa.Column('end_s', sa.Float(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['utterance_id'], ['utterance.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('utterance_id', 'idx')
    )
    with op.batch_alter_table('word', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_word_utterance_id'), ['utterance_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('word', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_word_utterance_id'))

    op.drop_table('word')
    with op.batch_alter_table('utterance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_utterance_call_id'))

    op.drop_table('utterance')
    with op.batch_alter_table('speakerturn', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_speakerturn_call_id'))

    op.drop_table('speakerturn')
    op.drop_table('rolemetrics')
    with op.batch_alter_table('humanlabel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_humanlabel_call_id'))

    op.drop_table('humanlabel')
    op.drop_table('callmetrics')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index('ix_call_status')
        batch_op.drop_index('ix_call_operator_started')
        batch_op.drop_index(batch_op.f('ix_call_file_name'))
        batch_op.drop_index(batch_op.f('ix_call_external_id'))

    op.drop_table('call')
    op.drop_table('operator')
    op.drop_table('batch')
