"""superseded calls and the critical-fail rule stored with each scorecard

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 10:00:00.000000

``call.superseded_by``: a re-imported transcript (same external id, new content) replaces the old call,
which is kept with status ``superseded``. ``scorecard.critical_zeroes_total``: whether a failed critical
criterion zeroes the total, as the rubric said when the card was scored; existing cards take it from the
rubric file in ``rubrics/`` whose id and SHA-256 match, otherwise True (the rubric default).
"""
import hashlib
from pathlib import Path

import sqlalchemy as sa
import sqlmodel
import yaml
from alembic import context, op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

RUBRICS_DIR = Path(__file__).resolve().parents[4] / "rubrics"


def _rubric_rules(directory: Path = RUBRICS_DIR) -> dict[tuple[str, str], bool]:
    """(rubric id, sha256 of the file) -> critical_zeroes_total, for the rubric files at hand.

    Read with PyYAML here (not scoring.rubric: storage imports only qa.core); unreadable files are skipped."""
    out = {}
    for path in sorted(directory.glob("*.y*ml")) if directory.is_dir() else ():
        try:
            raw = path.read_bytes()
            data = yaml.safe_load(raw.decode("utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            out[(data["id"], hashlib.sha256(raw).hexdigest())] = bool(data.get("critical_zeroes_total", True))
    return out


def upgrade() -> None:
    # plain ADD COLUMN, also on SQLite: a batch "move and copy" of call or scorecard would trip the foreign keys
    # of the rows that point at them (utterances, verdicts, reviews...)
    op.add_column('call', sa.Column('superseded_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('scorecard', sa.Column('critical_zeroes_total', sa.Boolean(), nullable=False, server_default=sa.true()))

    bind = op.get_bind()
    scorecard = sa.table('scorecard', sa.column('rubric_id', sa.String), sa.column('rubric_hash', sa.String),
                         sa.column('critical_zeroes_total', sa.Boolean))
    directory = context.config.attributes.get("rubrics_dir", RUBRICS_DIR)
    for (rubric_id, sha256), zeroes in _rubric_rules(directory).items():
        if not zeroes:
            bind.execute(
                scorecard.update()
                .where(scorecard.c.rubric_id == rubric_id, scorecard.c.rubric_hash == sha256)
                .values(critical_zeroes_total=False)
            )


def downgrade() -> None:
    op.drop_column('scorecard', 'critical_zeroes_total')  # SQLite 3.35+ drops a column in place
    op.drop_column('call', 'superseded_by')
