"""accounts for the web UI and the CLI, full-text search over utterances

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 08:30:00.000000

``appuser``: a login with a role (lead | reviewer | trainer | operator), the operator it is (for operators), an
argon2 password hash, a disabled switch and the failed-login counter that throttles guessing.

Search: on SQLite an FTS5 index over ``utterance.text`` kept in step by triggers (existing utterances indexed
here); on PostgreSQL a GIN index over ``to_tsvector('simple', text)``.
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'appuser',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('login', sa.String(), nullable=False, unique=True),
        sa.Column('role', sa.String(), nullable=False),
        sa.Column('operator_id', sa.String(), sa.ForeignKey('operator.id'), nullable=True),
        sa.Column('password_hash', sa.String(), nullable=True),
        sa.Column('disabled', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('locked_until', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_login_at', sa.DateTime(), nullable=True),
    )
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute("CREATE VIRTUAL TABLE utterance_fts USING fts5(text, content='utterance', content_rowid='id', "
                   "tokenize='unicode61 remove_diacritics 2')")
        op.execute("CREATE TRIGGER utterance_fts_ai AFTER INSERT ON utterance BEGIN "
                   "INSERT INTO utterance_fts(rowid, text) VALUES (new.id, new.text); END")
        op.execute("CREATE TRIGGER utterance_fts_ad AFTER DELETE ON utterance BEGIN "
                   "INSERT INTO utterance_fts(utterance_fts, rowid, text) VALUES ('delete', old.id, old.text); END")
        op.execute("CREATE TRIGGER utterance_fts_au AFTER UPDATE ON utterance BEGIN "
                   "INSERT INTO utterance_fts(utterance_fts, rowid, text) VALUES ('delete', old.id, old.text); "
                   "INSERT INTO utterance_fts(rowid, text) VALUES (new.id, new.text); END")
        op.execute("INSERT INTO utterance_fts(utterance_fts) VALUES ('rebuild')")
    elif bind.dialect.name == 'postgresql':
        op.execute("CREATE INDEX ix_utterance_text_fts ON utterance USING gin (to_tsvector('simple', text))")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for trigger in ('utterance_fts_ai', 'utterance_fts_ad', 'utterance_fts_au'):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS utterance_fts")
    elif bind.dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_utterance_text_fts")
    op.drop_table('appuser')
