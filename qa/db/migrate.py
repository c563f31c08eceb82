"""Schema migrations (Alembic), applied automatically when a database is opened.

An upgrade keeps existing data: every schema change is a new revision in
``qa/db/migrations/versions``; SQLite uses Alembic's batch mode.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine, rubrics_dir: Path | None = None) -> Config:
    """``rubrics_dir``: where revision 0004 looks for the rubric files of stored scorecards (default rubrics/)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    if rubrics_dir is not None:
        config.attributes["rubrics_dir"] = Path(rubrics_dir)
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def upgrade(engine: Engine, revision: str = "head", *, rubrics_dir: Path | None = None) -> None:
    if revision == "head" and current_revision(engine) == head_revision(engine):
        return
    command.upgrade(alembic_config(engine, rubrics_dir), revision)
