"""Batches with fake stages (tests/fakes.py): skip, resume, bad input, crashes and storage errors in seconds.

The same behaviours on the real models and the real CLI are in tests/test_batch.py (``models`` marker).
"""

from __future__ import annotations

import io
import pickle
import shutil
import sqlite3
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text

from qa.cli.progress import BatchProgress
from qa.core.errors import ModelError
from qa.core.hooks import BatchDone, BatchStarted, FileDone, FileStarted, StageStarted
from qa.db import calls as call_store
from qa.db.engine import open_database
from qa.ingest.metadata import metadata_source
from qa.pipeline.batch import StorageError, plan, process_batch
from qa.pipeline.executors import LocalExecutor, run_one
from qa.pipeline.processor import CallProcessor, PipelineOptions
from tests.badfiles import make_bad_corpus
from tests.conftest import copy_sqlite
from tests.fakes import (
    FakeDiarizer,
    FakeTranscriber,
    dump_rows,
    full_disk_engine,
    speechlike,
)


def fake_processor(transcriber: FakeTranscriber | None = None, diarizer: FakeDiarizer | None = None, **options) -> CallProcessor:
    return CallProcessor(PipelineOptions(**options), transcriber=transcriber or FakeTranscriber(),
                         diarizer=diarizer or FakeDiarizer())


@pytest.fixture
def calls_dir(tmp_path) -> list[Path]:
    """Five different synthetic mono calls named as the telephony system does."""
    return [speechlike(tmp_path / "calls" / f"op{i}_20261102_10{i}500.wav", seconds=6 + i, seed=i) for i in range(5)]


@pytest.fixture
def database(empty_template):
    """``database(path)``: an engine on a new, migrated, empty SQLite database at ``path``."""
    return lambda path: open_database(copy_sqlite(empty_template, path))


def batch_rows(db: Path) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute("select status, processed, skipped, failed from batch order by id").fetchall()
    finally:
        con.close()


def test_a_rerun_skips_stored_calls_and_scores_those_stored_unscored(tmp_path, calls_dir, database):
    from scoring.rubric import find_rubric

    engine = database(tmp_path / "qa.db")
    duplicate = shutil.copy(calls_dir[0], calls_dir[0].with_name("op0_copy.wav"))
    first = process_batch(engine, [calls_dir[0].parent], processor=fake_processor())
    assert (first.count("processed"), first.count("skipped"), first.ok) == (5, 1, True)
    by_name = {o.path.name: o for o in first.outcomes}
    assert by_name["op0_copy.wav"].reason.startswith(f"same recording as {calls_dir[0].name}")
    assert [o.path for o in first.outcomes] == sorted([*calls_dir, Path(duplicate)])  # input order, whatever the executor
    stored = dump_rows(tmp_path / "qa.db")

    transcriber, diarizer = FakeTranscriber(), FakeDiarizer()
    rubric = find_rubric("order_desk")
    again = process_batch(engine, [calls_dir[0].parent], processor=fake_processor(transcriber, diarizer), rubric=rubric)
    assert (again.count("processed"), again.count("skipped"), again.ok) == (0, 6, True)
    assert transcriber.calls == [] and diarizer.calls == []  # nothing was run again
    assert dump_rows(tmp_path / "qa.db") == stored
    assert batch_rows(tmp_path / "qa.db") == [("finished", 5, 1, 0), ("finished", 0, 6, 0)]
    from qa.db import scores

    assert all(scores.load_scorecards(engine, call_id=o.call_id) for o in first.outcomes)


def test_an_interrupted_batch_resumes_to_the_rows_of_a_clean_run(tmp_path, calls_dir, database):
    clean = database(tmp_path / "clean.db")
    process_batch(clean, calls_dir, processor=fake_processor())

    resumed = database(tmp_path / "resumed.db")
    with pytest.raises(KeyboardInterrupt):
        process_batch(resumed, calls_dir, processor=fake_processor(FakeTranscriber(fail_on={calls_dir[2]: KeyboardInterrupt()})))
    assert batch_rows(tmp_path / "resumed.db") == [("interrupted", 2, 0, 0)]

    transcriber = FakeTranscriber()
    report = process_batch(resumed, calls_dir, processor=fake_processor(transcriber))
    assert (report.count("skipped"), report.count("processed"), report.ok) == (2, 3, True)
    assert len(transcriber.calls) == 3
    assert dump_rows(tmp_path / "resumed.db") == dump_rows(tmp_path / "clean.db")


def test_bad_files_are_reported_with_their_reason_and_good_ones_stored(tmp_path, calls_dir, eval_dir, database):
    expected = make_bad_corpus(tmp_path / "bad", eval_dir / "real" / "pisets_ru_asr_smoke" / "test_sound_en.wav")
    engine = database(tmp_path / "qa.db")
    lookup, _ = metadata_source(None, "{operator}_{date}_{time}")
    report = process_batch(engine, [calls_dir[0].parent, tmp_path / "bad"], processor=fake_processor(max_duration_s=60),
                           metadata_for=lookup)
    by_name = {o.path.name: o for o in report.outcomes}
    for name, words in expected.items():
        assert by_name[name].status == "failed", name
        assert words in by_name[name].reason, (name, by_name[name].reason)
    assert report.count("processed") == len(calls_dir) and report.count("failed") == len(expected)
    assert not report.ok and report.status == "finished"
    assert any("does not match" in w for w in by_name["empty.wav"].warnings)
    rows = dump_rows(tmp_path / "qa.db")["calls"]
    assert sum(1 for r in rows if r[3] == "failed" and r[4]) == len(expected)
    assert {r[2]: r[5] for r in rows if r[3] == "done"} == {p.name: f"op{i}" for i, p in enumerate(calls_dir)}


def test_a_stage_crash_fails_that_file_and_the_batch_goes_on(tmp_path, calls_dir, database):
    engine = database(tmp_path / "qa.db")
    diarizer = FakeDiarizer(fail_on={calls_dir[1]: RuntimeError("boom")})
    report = process_batch(engine, calls_dir, processor=fake_processor(diarizer=diarizer))
    failed = [o for o in report.outcomes if o.status == "failed"]
    assert [o.path for o in failed] == [calls_dir[1]]
    assert failed[0].reason == "internal error in processing (RuntimeError: boom); the file was skipped"
    assert report.count("processed") == 4 and report.status == "finished" and not report.ok
    assert call_store.call_status(engine, call_id=failed[0].call_id) == "failed"
    assert batch_rows(tmp_path / "qa.db") == [("finished", 4, 0, 1)]
    # the next run retries the failed file only
    transcriber = FakeTranscriber()
    again = process_batch(engine, calls_dir, processor=fake_processor(transcriber))
    assert (again.count("processed"), again.count("skipped"), again.ok) == (1, 4, True)


def test_a_model_error_stops_the_batch(tmp_path, calls_dir, database):
    engine = database(tmp_path / "qa.db")
    broken = FakeTranscriber(fail_on={calls_dir[1]: ModelError("the ASR model is gone")})
    with pytest.raises(ModelError):
        process_batch(engine, calls_dir, processor=fake_processor(broken))
    assert batch_rows(tmp_path / "qa.db") == [("aborted", 1, 0, 0)]


def test_a_storage_error_stops_the_batch_and_keeps_what_is_stored(tmp_path, calls_dir, database):
    url = f"sqlite:///{tmp_path / 'full.db'}"
    engine = database(tmp_path / "full.db")
    process_batch(engine, calls_dir[:1], processor=fake_processor())
    before = dump_rows(tmp_path / "full.db")
    engine.dispose()

    full = full_disk_engine(url)

    long_calls = [speechlike(tmp_path / "long" / f"op{i}_long.wav", seconds=90, seed=10 + i) for i in range(3)]
    with pytest.raises(StorageError, match="disk is full"):
        process_batch(full, [*calls_dir, *long_calls], processor=fake_processor())  # fills the last free bytes
    full.dispose()
    after = dump_rows(tmp_path / "full.db")
    kept = {row[0] for row in before["calls"]}
    for table, rows in after.items():
        assert [r for r in rows if r[0] in kept] == before[table], table
    con = sqlite3.connect(tmp_path / "full.db")
    for (call_id,) in con.execute("select id from call where status = 'done'"):  # no call is half-written
        assert con.execute("select count(*) from callmetrics where call_id = ?", (call_id,)).fetchone()[0] == 1
        assert con.execute("select count(*) from utterance where call_id = ?", (call_id,)).fetchone()[0] > 0
    assert con.execute("select count(*) from call where status = 'done'").fetchone()[0] < len(calls_dir) + len(long_calls)


class ShippingExecutor:
    """Stands in for a distributed executor: items, events and results cross a pickle boundary, and results
    come back in another order than asked."""

    def __init__(self) -> None:
        self.shipped_events = 0

    def execute(self, items, *, processor, hook):
        def relay(event):
            self.shipped_events += 1
            hook(pickle.loads(pickle.dumps(event)))

        results = [run_one(pickle.loads(pickle.dumps(item)), processor, relay) for item in items]
        for result in reversed(results):
            yield pickle.loads(pickle.dumps(result))


def test_an_executor_that_ships_work_elsewhere_stores_the_same_rows(tmp_path, calls_dir, database):
    local = database(tmp_path / "local.db")
    process_batch(local, calls_dir, processor=fake_processor(), executor=LocalExecutor())
    shipped = database(tmp_path / "shipped.db")
    executor = ShippingExecutor()
    report = process_batch(shipped, calls_dir, processor=fake_processor(), executor=executor)
    assert executor.shipped_events > 0
    assert [o.path for o in report.outcomes] == calls_dir and report.ok
    assert dump_rows(tmp_path / "shipped.db") == dump_rows(tmp_path / "local.db")


def test_plan_writes_nothing_and_says_what_will_happen(tmp_path, calls_dir, database):
    engine = database(tmp_path / "qa.db")
    process_batch(engine, calls_dir[:2], processor=fake_processor())
    (calls_dir[0].parent / "notes.txt").write_text("not audio")
    batch = plan(engine, [calls_dir[0].parent])
    assert [f.skip for f in batch.files] == ["already processed"] * 2 + [None] * 3
    assert [f.path for f in batch.todo] == calls_dir[2:] and [p.name for p in batch.ignored] == ["notes.txt"]
    assert batch_rows(tmp_path / "qa.db") == [("finished", 2, 0, 0)]


def test_events_are_typed_picklable_and_rendered(tmp_path, calls_dir, database):
    engine = database(tmp_path / "qa.db")
    bad = tmp_path / "calls" / "empty.wav"
    bad.touch()
    events = []
    console = Console(file=io.StringIO(), width=120, force_terminal=True)
    with BatchProgress(console) as progress:
        def hook(e):
            events.append(e)
            progress.hook(e)

        process_batch(engine, [*calls_dir[:2], bad], processor=fake_processor(), hook=hook)
    assert all(pickle.loads(pickle.dumps(e)) == e for e in events)
    assert events[0] == BatchStarted(total=3, ignored=0)
    assert isinstance(events[-1], BatchDone) and (events[-1].processed, events[-1].failed) == (2, 1)
    files = [e for e in events if isinstance(e, FileStarted | FileDone)]
    assert [type(e) for e in files] == [FileStarted, FileDone] * 3
    stages = [e.name for e in events if isinstance(e, StageStarted)]
    assert stages[:7] == ["decode", "language", "transcribe", "diarize", "features", "store", "decode"]
    assert "failed empty.wav: file is empty" in Text.from_ansi(console.file.getvalue()).plain


def test_a_scoring_crash_fails_that_file_but_keeps_its_transcript(tmp_path, calls_dir, monkeypatch, database):
    import qa.pipeline.batch as batch_module

    real = batch_module.score_and_store

    def flaky(engine, call_id, transcript, features, rubric):
        if call_id == first_id:
            raise RuntimeError("scoring bug")
        return real(engine, call_id, transcript, features, rubric)

    from scoring.rubric import find_rubric

    engine = database(tmp_path / "qa.db")
    first_id = plan(engine, calls_dir[:1]).files[0].recording.call_id
    monkeypatch.setattr(batch_module, "score_and_store", flaky)
    report = process_batch(engine, calls_dir[:3], processor=fake_processor(), rubric=find_rubric("order_desk"))
    assert [o.status for o in report.outcomes] == ["failed", "processed", "processed"]
    assert "RuntimeError: scoring bug" in report.outcomes[0].reason
    assert call_store.call_status(engine, call_id=first_id) == "done"  # the transcript is stored; re-running scores it


def test_a_half_copied_recording_fails_and_once_complete_is_one_call(tmp_path, database):
    from tests.badfiles import TELEPHONY_FORMATS

    engine = database(tmp_path / "qa.db")
    whole = tmp_path / "src.wav"
    TELEPHONY_FORMATS["mulaw_8k.wav"][0](whole, seconds=8.0, seed=3)
    target = tmp_path / "share" / "op1_20261102_101500.wav"
    target.parent.mkdir()
    data = whole.read_bytes()
    target.write_bytes(data[: len(data) // 2])  # the recorder's copy is still running
    first = process_batch(engine, [target.parent], processor=fake_processor())
    (outcome,) = first.outcomes
    assert outcome.status == "failed" and "shorter than its WAV header says" in outcome.reason
    assert "still in progress" in outcome.reason

    target.write_bytes(data)  # the copy has finished
    second = process_batch(engine, [target.parent], processor=fake_processor())
    assert [o.status for o in second.outcomes] == ["processed"]
    rows = dump_rows(tmp_path / "qa.db")["calls"]
    assert [r[3] for r in rows] == ["done"]  # one call; the failed attempt of the half file is gone
    (call,) = call_store.list_calls(engine)
    assert call.duration_s == pytest.approx(8.0, abs=0.05)
