"""Batches through the real CLI and models: bad input, idempotence, resume after kill -9.

The same behaviours with fake stages, in seconds: tests/test_batch_fast.py."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from tests.badfiles import make_bad_corpus
from tests.conftest import ROOT, SAMPLES
from tests.fakes import dump_rows, full_disk_engine

pytestmark = pytest.mark.models
runner = CliRunner()


def _qa(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_bad_files_are_reported_and_good_ones_stored(tmp_path, eval_dir, monkeypatch):
    monkeypatch.setenv("QA_MAX_DURATION_S", "60")
    smoke = eval_dir / "real" / "pisets_ru_asr_smoke"
    expected = make_bad_corpus(tmp_path / "bad", smoke / "test_sound_en.wav")
    assert len(expected) >= 15
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(smoke / "test_sound_ru.wav", good / "op1_20261102_101500.wav")
    # an MP3 wearing a .wav name: probed by content, so it is processed, not lost
    shutil.copy(SAMPLES / "en_order_mono.mp3", good / "op2_20261102_111500.wav")
    shutil.copy(smoke / "test_sound_en.wav", good / "unnamed-recording.wav")

    result = _qa("process", str(good), str(tmp_path / "bad"), "--name-pattern", "{operator}_{date}_{time}", "--no-score", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    by_name = {Path(f["path"]).name: f for f in report["files"]}
    for name, words in expected.items():
        entry = by_name[name]
        assert entry["status"] == "failed", name
        assert words in entry["reason"], (name, entry["reason"])
    assert report["failed"] == len(expected)
    assert report["processed"] == 3
    assert any("does not match" in w for w in by_name["unnamed-recording.wav"]["warnings"])

    listed = json.loads(_qa("calls", "--json").stdout)
    done = {c["file_name"]: c for c in listed if c["status"] == "done"}
    assert set(done) == {"op1_20261102_101500.wav", "op2_20261102_111500.wav", "unnamed-recording.wav"}
    assert done["op1_20261102_101500.wav"]["operator_id"] == "op1"
    assert done["op1_20261102_101500.wav"]["started_at"].startswith("2026-11-02")
    assert done["op2_20261102_111500.wav"]["utterances"] >= 5
    failed = [c for c in listed if c["status"] == "failed"]
    assert len(failed) == len(expected) and all(c["error"] for c in failed)

    # the failures are visible and filterable
    assert len(json.loads(_qa("calls", "--status", "failed", "--json").stdout)) == len(expected)

    assert json.loads(_qa("show", "op1_20261102_101500.wav", "--json").stdout)["scorecards"] == []

    # re-running the same batch processes nothing new and damages nothing; it scores what was not scored
    again = json.loads(_qa("process", str(good), str(tmp_path / "bad"), "--json").stdout)
    assert again["processed"] == 0 and again["skipped"] == 3 and again["failed"] == len(expected)
    assert json.loads(_qa("calls", "--status", "done", "--json").stdout) == [
        c for c in listed if c["status"] == "done"
    ]
    scored = json.loads(_qa("show", "op2_20261102_111500.wav", "--json").stdout)["scorecards"]
    assert len(scored) == 1 and scored[0]["language"] == "en"
    assert {c["id"] for c in scored[0]["criteria"]} >= {"greeting", "farewell"}


def _done_calls(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(db, timeout=1)
        try:
            return con.execute("select count(*) from call where status = 'done'").fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:
        return 0


def test_killed_batch_resumes_to_the_same_rows_as_a_clean_run(tmp_path, eval_dir):
    files = [
        str(eval_dir / "real" / "pisets_ru_asr_smoke" / "test_sound_en.wav"),
        str(eval_dir / "real" / "pisets_ru_asr_smoke" / "test_sound_ru.wav"),
        str(SAMPLES / "en_support_stereo.wav"),
        str(SAMPLES / "ru_delivery_mono.ogg"),
    ]
    command = [sys.executable, "-m", "cli", "process", *files, "--json"]

    def env(home: Path) -> dict:
        return {**os.environ, "QA_HOME": str(home)}

    clean_home, killed_home = tmp_path / "clean", tmp_path / "killed"
    subprocess.run(command, cwd=ROOT, env=env(clean_home), check=True, capture_output=True, timeout=600)

    proc = subprocess.Popen(command, cwd=ROOT, env=env(killed_home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while _done_calls(killed_home / "qa.db") < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stored = _done_calls(killed_home / "qa.db")
    assert 1 <= stored < len(files), "the batch should have been killed midway"

    rerun = subprocess.run(command, cwd=ROOT, env=env(killed_home), capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert report["skipped"] == stored and report["processed"] == len(files) - stored
    assert dump_rows(killed_home / "qa.db") == dump_rows(clean_home / "qa.db")


def test_ctrl_c_stops_cleanly_and_keeps_finished_calls(tmp_path, eval_dir):
    files = [str(eval_dir / "real" / "pisets_ru_asr_smoke" / "test_sound_en.wav"), str(SAMPLES / "ru_order_stereo.flac")]
    home = tmp_path / "home"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "process", *files], cwd=ROOT, env={**os.environ, "QA_HOME": str(home)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # as from a terminal: a shell's background job (CI) starts children with SIGINT ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 300
    while _done_calls(home / "qa.db") < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "Interrupted" in stderr
    con = sqlite3.connect(home / "qa.db")
    assert con.execute("select status from batch").fetchall() == [("interrupted",)]
    assert con.execute("select count(*) from call where status='done'").fetchone()[0] == 1


def test_disk_full_stops_the_batch_and_keeps_what_is_stored(tmp_path, eval_dir, processor):
    """SQLite's own 'database or disk is full' (a page limit stands in for a full disk)."""

    from qa.db.engine import open_database
    from qa.pipeline.batch import StorageError, process_batch

    url = f"sqlite:///{tmp_path / 'full.db'}"
    engine = open_database(url)
    smoke = eval_dir / "real" / "pisets_ru_asr_smoke"
    first = process_batch(engine, [smoke / "test_sound_en.wav"], processor=processor)
    assert first.count("processed") == 1
    before = dump_rows(tmp_path / "full.db")
    engine.dispose()

    full = full_disk_engine(url)

    with pytest.raises(StorageError, match="disk is full"):
        process_batch(full, [SAMPLES], processor=processor)  # fills the last free bytes, then fails
    full.dispose()
    after = dump_rows(tmp_path / "full.db")
    kept = {row[0] for row in before["calls"]}
    for table, rows in after.items():
        assert [r for r in rows if r[0] in kept] == before[table], table
    # a call stored before the disk filled up is complete; none is half-written
    con = sqlite3.connect(tmp_path / "full.db")
    for (call_id,) in con.execute("select id from call where status = 'done'"):
        assert con.execute("select count(*) from callmetrics where call_id = ?", (call_id,)).fetchone()[0] == 1
        assert con.execute("select count(*) from utterance where call_id = ?", (call_id,)).fetchone()[0] > 0
    assert con.execute("select count(*) from call").fetchone()[0] < 1 + len(list(SAMPLES.iterdir()))
