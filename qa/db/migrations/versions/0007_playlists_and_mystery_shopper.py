"""trainer playlists of clips, mystery-shopper campaigns, assignments and entries

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 19:00:00.000000

``playlist`` / ``playlistitem`` (a clip: call, start_s, end_s, criterion, note, ordered by position) /
``playlistlisten`` (who listened to which clip, first time kept). ``shoppercampaign`` (a wave: period, scenarios,
target operators, calls per operator, results deadline, staff-informed switch), ``shopperassignment`` (one test
call and its state), ``shopperentry`` (the shopper's answers, rating and the call the recording became).
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'playlist',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('title', sa.String(), nullable=False),
        sa.Column('audience', sa.String(), nullable=True),
        sa.Column('purpose', sa.Text(), nullable=True),
        sa.Column('owner', sa.String(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
    )
    op.create_table(
        'playlistitem',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('playlist_id', sa.Integer(), sa.ForeignKey('playlist.id'), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('call_id', sa.String(length=64), sa.ForeignKey('call.id'), nullable=False),
        sa.Column('start_s', sa.Float(), nullable=False),
        sa.Column('end_s', sa.Float(), nullable=False),
        sa.Column('criterion_id', sa.String(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('added_by', sa.String(), nullable=False),
        sa.Column('added_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_playlistitem_playlist_id', 'playlistitem', ['playlist_id'])
    op.create_index('ix_playlistitem_call_id', 'playlistitem', ['call_id'])
    op.create_table(
        'playlistlisten',
        sa.Column('item_id', sa.Integer(), sa.ForeignKey('playlistitem.id'), primary_key=True),
        sa.Column('login', sa.String(), primary_key=True),
        sa.Column('listened_at', sa.DateTime(), nullable=False),
    )
    op.create_table(
        'shoppercampaign',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(), nullable=False, unique=True),
        sa.Column('title', sa.String(), nullable=False),
        sa.Column('series', sa.String(), nullable=False),
        sa.Column('starts_on', sa.DateTime(), nullable=False),
        sa.Column('ends_on', sa.DateTime(), nullable=False),
        sa.Column('scenarios', sa.Text(), nullable=False),
        sa.Column('operators', sa.Text(), nullable=False),
        sa.Column('calls_per_operator', sa.Integer(), nullable=False),
        sa.Column('deadline_h', sa.Integer(), nullable=False),
        sa.Column('staff_informed', sa.Boolean(), nullable=False),
        sa.Column('rubric_id', sa.String(), nullable=False),
        sa.Column('created_by', sa.String(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
    )
    op.create_table(
        'shopperassignment',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('campaign_id', sa.Integer(), sa.ForeignKey('shoppercampaign.id'), nullable=False),
        sa.Column('scenario_id', sa.String(), nullable=False),
        sa.Column('operator_id', sa.String(), sa.ForeignKey('operator.id'), nullable=False),
        sa.Column('shopper', sa.String(), nullable=True),
        sa.Column('status', sa.String(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_shopperassignment_campaign_id', 'shopperassignment', ['campaign_id'])
    op.create_index('ix_shopperassignment_operator_id', 'shopperassignment', ['operator_id'])
    op.create_table(
        'shopperentry',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('assignment_id', sa.Integer(), sa.ForeignKey('shopperassignment.id'), nullable=False, unique=True),
        sa.Column('call_id', sa.String(), sa.ForeignKey('call.id'), nullable=True),
        sa.Column('recording', sa.String(), nullable=False),
        sa.Column('status', sa.String(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('shopper', sa.String(), nullable=False),
        sa.Column('operator_id', sa.String(), sa.ForeignKey('operator.id'), nullable=False),
        sa.Column('called_at', sa.DateTime(), nullable=True),
        sa.Column('dialled_number', sa.String(), nullable=True),
        sa.Column('rings', sa.Integer(), nullable=True),
        sa.Column('service_rating', sa.Integer(), nullable=False),
        sa.Column('scenario_id', sa.String(), nullable=False),
        sa.Column('scenario_version', sa.Integer(), nullable=False),
        sa.Column('scenario_hash', sa.String(length=64), nullable=False),
        sa.Column('answers', sa.Text(), nullable=False),
        sa.Column('checks', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_shopperentry_call_id', 'shopperentry', ['call_id'])
    op.create_index('ix_shopperentry_operator_id', 'shopperentry', ['operator_id'])


def downgrade() -> None:
    for table in ('shopperentry', 'shopperassignment', 'shoppercampaign', 'playlistlisten', 'playlistitem', 'playlist'):
        op.drop_table(table)
