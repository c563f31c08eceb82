"""Storage on SQLite and on a real PostgreSQL server (no models: imported transcripts)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from qa.core.errors import NotFound
from qa.core.types import CallMetadata, call_id_for
from qa.db import calls as call_store
from qa.db import scores
from qa.db.engine import make_engine, open_database
from qa.db.migrate import current_revision, head_revision, upgrade
from qa.ingest.interchange import read_interchange
from qa.pipeline.imports import import_files


@pytest.fixture
def engine(db_url):
    engine = open_database(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def dev_files(eval_dir) -> list[Path]:
    return sorted((eval_dir / "labeled-dev").glob("*.json"))[:6]


def test_import_roundtrip_keeps_transcript_labels_and_metadata(engine, dev_files):
    results = import_files(engine, dev_files)
    assert [r.status for r in results] == ["imported"] * len(dev_files)
    source = json.loads(dev_files[0].read_text())
    call_id = call_store.resolve_call(engine, ref=source["call_id"])
    stored = call_store.load_call(engine, call_id=call_id)
    assert stored.summary.external_id == source["call_id"]
    assert stored.metadata.operator_id == source["operator"]
    assert stored.metadata.started_at == datetime.fromisoformat(source["started_at"])
    assert [(u.role.value, u.start_s, u.end_s, u.text) for u in stored.transcript.utterances] == sorted(
        [(u["role"], u["start_s"], u["end_s"], u["text"]) for u in source["utterances"]], key=lambda x: x[1]
    )
    assert stored.features is not None and stored.features.talk_s > 0
    with engine.connect() as conn:
        labels = dict(conn.execute(text("select criterion_id, verdict from humanlabel where call_id = :c"), {"c": call_id}).all())
    assert labels == source["labels"]
    # the same files again: nothing new, nothing changed
    again = import_files(engine, dev_files)
    assert [r.status for r in again] == ["skipped"] * len(dev_files)
    assert call_store.table_counts(engine)["calls"] == len(dev_files)


def test_list_filters_and_resolve(engine, dev_files):
    import_files(engine, dev_files)
    calls = call_store.list_calls(engine)
    assert len(calls) == len(dev_files)
    assert [c.started_at for c in calls] == sorted(c.started_at for c in calls)
    operator = calls[0].operator_id
    mine = call_store.list_calls(engine, operator=operator)
    assert mine and all(c.operator_id == operator for c in mine)
    day = calls[0].started_at.replace(hour=0, minute=0, second=0)
    same_day = call_store.list_calls(engine, date_from=day, date_to=day.replace(day=day.day + 1))
    assert calls[0] in same_day and all(c.started_at.date() == day.date() for c in same_day)
    assert call_store.resolve_call(engine, ref=calls[0].call_id) == calls[0].call_id
    assert call_store.resolve_call(engine, ref=calls[0].file_name) == calls[0].call_id
    with pytest.raises(NotFound, match="qa calls"):
        call_store.resolve_call(engine, ref="no-such-call")


def test_failure_never_overwrites_a_processed_call(engine, dev_files):
    import_files(engine, dev_files[:1])
    call = read_interchange(dev_files[0])
    call_id = call_id_for(call.sha256)
    before = call_store.load_call(engine, call_id=call_id)
    call_store.save_failure(engine, call_id=call_id, sha256=call.sha256, path=dev_files[0], reason="boom", batch_id=None, metadata=CallMetadata())
    assert call_store.load_call(engine, call_id=call_id) == before
    # a failure on a new file is recorded with its reason, and a later success replaces it
    call_store.save_failure(engine, call_id="abc123abc123", sha256=None, path=Path("x.wav"), reason="file is empty", batch_id=None, metadata=CallMetadata(operator_id="op-new"))
    failed = call_store.list_calls(engine, status="failed")
    assert [(c.call_id, c.error, c.operator_id) for c in failed] == [("abc123abc123", "file is empty", "op-new")]


def test_migrations_are_at_head_and_upgrade_keeps_data(db_url):
    """A database created by the first release (revision 0001) keeps its calls through the upgrade."""
    engine = make_engine(db_url)
    upgrade(engine, "0001")
    with engine.begin() as conn:  # rows as release 0001 wrote them
        conn.execute(text("insert into operator (id, name, created_at) values ('op-1', 'Anna', '2026-11-01 09:00:00')"))
        conn.execute(text(
            "insert into call (id, sha256, source, file_name, source_path, status, operator_id, mode, language, duration_s, processed_at) "
            "values ('abcdefabcdef', 'abcdef', 'audio', 'a.wav', '/calls/a.wav', 'done', 'op-1', 'stereo', 'ru', 12.5, '2026-11-01 09:05:00')"
        ))
        conn.execute(text(
            "insert into utterance (call_id, idx, role, speaker, start_s, end_s, text) "
            "values ('abcdefabcdef', 0, 'agent', 'ch0', 0.5, 2.0, 'Добрый день')"
        ))
    upgrade(engine)  # to head
    assert current_revision(engine) == head_revision(engine)
    stored = call_store.load_call(engine, call_id="abcdefabcdef")
    assert stored.summary.operator_id == "op-1" and stored.transcript.utterances[0].text == "Добрый день"
    assert scores.load_scorecards(engine, call_id="abcdefabcdef") == []
    tables = set(inspect(engine).get_table_names())
    assert {"call", "utterance", "word", "operator", "batch", "speakerturn", "callmetrics", "rolemetrics", "humanlabel",
            "scorecard", "criterionverdict", "alembic_version"} <= tables
    engine.dispose()


def test_models_match_the_migrated_schema(db_url):
    """Autogenerate finds nothing to do: the tables and the migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    engine = open_database(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    assert diff == []
