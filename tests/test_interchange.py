"""The interchange format is read and written by one module: what `qa export --format json` writes,
`qa import-transcript` reads back into the same call; bad files get one clear message each."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from qa.core.errors import TranscriptFormatError
from qa.core.records import CallSummary, StoredCall
from qa.core.types import (
    CallMetadata,
    Diarization,
    Direction,
    Role,
    RoleAssignment,
    SpeakerTurn,
    Transcript,
    Utterance,
    Word,
)
from qa.db import calls as call_store
from qa.db.engine import open_database
from qa.ingest.interchange import dumps, read_interchange, to_interchange
from qa.pipeline.imports import import_files
from qa.reports.exports import ExportFormat, render


def _export(db: Path, ref: str) -> str:
    engine = open_database(f"sqlite:///{db}")
    try:
        return render(call_store.load_call(engine, call_id=call_store.resolve_call(engine, ref=ref)), ExportFormat.JSON)
    finally:
        engine.dispose()


def _import(db: Path, files: list[Path]):
    engine = open_database(f"sqlite:///{db}")
    try:
        return import_files(engine, files)
    finally:
        engine.dispose()


def test_export_import_export_gives_the_same_document(eval_dir, tmp_path):
    source = eval_dir / "labeled-dev" / "ru-dev-001.json"
    original = json.loads(source.read_text(encoding="utf-8"))
    # with metadata the dev file lacks: a team and further columns travel in `extra`
    original.update(team="north", extra={"phone": "+380501234567", "order_id": "A-17", "mystery_campaign": "nov"})
    given = tmp_path / "in.json"
    given.write_text(json.dumps(original, ensure_ascii=False), encoding="utf-8")
    assert [r.status for r in _import(tmp_path / "a.db", [given])] == ["imported"]
    first = _export(tmp_path / "a.db", original["call_id"])
    doc = json.loads(first)
    assert doc["call_id"] == original["call_id"]  # the transcript's own id, not our hash
    assert (doc["operator"], doc["team"], doc["started_at"], doc["channel"], doc["language"]) == (
        original["operator"], "north", original["started_at"], original["channel"], original["language"])
    assert doc["extra"] == {"mystery_campaign": "nov", "order_id": "A-17", "phone": "+380501234567"}
    assert doc["labels"] == original["labels"] and doc["outcome"] == original["outcome"]
    assert [(u["role"], u["start_s"], u["end_s"], u["text"]) for u in doc["utterances"]] == sorted(
        ((u["role"], u["start_s"], u["end_s"], u["text"]) for u in original["utterances"]), key=lambda x: x[1])

    exported = tmp_path / "exported.json"
    exported.write_text(first, encoding="utf-8")
    assert [r.status for r in _import(tmp_path / "b.db", [exported])] == ["imported"]  # a fresh database
    assert _export(tmp_path / "b.db", original["call_id"]) == first
    # and the metadata landed where it belongs
    engine = open_database(f"sqlite:///{tmp_path / 'b.db'}")
    stored = call_store.load_call(engine, call_id=call_store.resolve_call(engine, ref=original["call_id"]))
    engine.dispose()
    assert (stored.metadata.phone, stored.metadata.order_id, stored.metadata.team) == ("+380501234567", "A-17", "north")
    assert dict(stored.metadata.extra) == {"mystery_campaign": "nov"}


def _processed_call() -> StoredCall:
    words = (Word(0.5, 0.9, " Добрый", 0.91), Word(0.9, 1.4, " день", 0.88))
    utterances = (
        Utterance(Role.AGENT, "ch0", 0.5, 1.4, "Добрый день", words),
        Utterance(Role.CUSTOMER, "ch1", 1.8, 3.25, "Здравствуйте, хочу заказать чайник."),
    )
    return StoredCall(
        summary=CallSummary("0123456789ab", "call.flac", "done", None, "op-anna", datetime(2026, 11, 2, 10, 15), "inbound",
                            "stereo", "ru", 3.5, 2),
        metadata=CallMetadata(operator_id="op-anna", team="north", started_at=datetime(2026, 11, 2, 10, 15),
                              direction=Direction.INBOUND, phone="+380", extra=(("queue", "sales"),)),
        transcript=Transcript("ru", utterances, RoleAssignment((("ch0", Role.AGENT), ("ch1", Role.CUSTOMER)), 0.9, "stereo")),
        diarization=Diarization((SpeakerTurn("ch0", 0.5, 1.4),), "channels"), features=None, notes=(),
        source_path="/calls/call.flac", asr_model="whisper-base",
    )


def test_a_processed_call_round_trips_with_speakers_and_words(tmp_path):
    call = _processed_call()
    doc = to_interchange(call, labels={"greeting": "pass"}, outcome={"order_placed": False})
    assert doc["call_id"] == "0123456789ab" and doc["utterances"][0]["speaker"] == "ch0"
    assert doc["utterances"][0]["words"][1] == {"start_s": 0.9, "end_s": 1.4, "text": " день", "probability": 0.88}
    path = tmp_path / "call.json"
    path.write_text(dumps(doc), encoding="utf-8")
    back = read_interchange(path)
    assert back.external_id == "0123456789ab" and back.transcript.utterances == call.transcript.utterances
    assert back.metadata == CallMetadata(operator_id="op-anna", team="north", started_at=datetime(2026, 11, 2, 10, 15),
                                         direction=Direction.INBOUND, phone="+380", extra=(("queue", "sales"),))
    assert dict(back.labels) == {"greeting": "pass"} and dict(back.outcome) == {"order_placed": False}
    # stored and exported again: the same document
    engine = open_database(f"sqlite:///{tmp_path / 'qa.db'}")
    assert [r.status for r in import_files(engine, [path])] == ["imported"]
    again = to_interchange(call_store.load_call(engine, call_id=call_store.resolve_call(engine, ref="0123456789ab")))
    engine.dispose()
    assert again == doc


GOOD = {"call_id": "c-1", "language": "ru", "utterances": [{"role": "agent", "start_s": 0.0, "end_s": 1.0, "text": "Алло"}]}


@pytest.mark.parametrize(("change", "message"), [
    ({"utterances": []}, "transcript is empty: 'utterances' has no entries"),
    ({"utterances": [{"role": "agent", "start_s": 0, "end_s": 1, "text": " "}] * 2}, "all 2 utterances have no text"),
    ({"utterances": {"role": "agent"}}, "'utterances' must be a list"),
    ({"utterances": ["hello"]}, "utterance 0 must be an object"),
    ({"utterances": [{"role": "agent", "start_s": "0", "end_s": 1, "text": "a"}]}, "start_s must be a finite number"),
    ({"utterances": [{"role": "agent", "start_s": 0, "end_s": 1e999, "text": "a"}]}, "end_s must be a finite number"),
    ({"utterances": [{"role": "agent", "start_s": 0, "end_s": 1, "text": 5}]}, "'text' must be a string"),
    ({"utterances": [{"role": "boss", "start_s": 0, "end_s": 1, "text": "a"}]}, "role \"boss\""),
    ({"utterances": [{"role": "agent", "start_s": 0, "text": "a"}]}, "missing end_s"),
    ({"labels": ["greeting"]}, "'labels' must be an object"),
    ({"labels": {"greeting": "ok"}}, "labels must be pass|fail|na"),
    ({"operator": 17}, "'operator' must be a string"),
    ({"extra": {"a": {"b": 1}}}, "extra.a must be a string or a number"),
    ({"started_at": "yesterday"}, "cannot read date/time"),
    ({"call_id": None}, "'call_id' must be a non-empty string"),
])
def test_each_bad_file_gets_one_clear_message(tmp_path, change, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(GOOD | change), encoding="utf-8")
    with pytest.raises(TranscriptFormatError) as exc:
        read_interchange(path)
    assert str(exc.value).startswith(f"{path}: ") and message in str(exc.value)


def test_bad_files_do_not_stop_the_import(tmp_path):
    (tmp_path / "a_empty.json").write_text(json.dumps(GOOD | {"utterances": []}), encoding="utf-8")
    (tmp_path / "b_good.json").write_text(json.dumps(GOOD), encoding="utf-8")
    (tmp_path / "c_list.json").write_text("[1, 2]", encoding="utf-8")
    engine = open_database(f"sqlite:///{tmp_path / 'qa.db'}")
    results = import_files(engine, [tmp_path])
    assert [r.status for r in results] == ["failed", "imported", "failed"]
    assert "a_empty.json: the transcript is empty" in results[0].detail
    assert [c.status for c in call_store.list_calls(engine)] == ["done"]
    engine.dispose()
