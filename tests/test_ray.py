"""A batch through a local Ray cluster with two worker processes: every call stored exactly once (SQLite and
PostgreSQL), the same rows as an in-process run, a worker killed mid-file replaced and its file done by the new
one, a file that kills every worker quarantined with its reason, and a re-run that changes nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import ray
from sqlalchemy import text

from qa.db.engine import open_database
from qa.pipeline.batch import process_batch
from qa.pipeline.processor import CallProcessor, PipelineOptions
from qa.pipeline.ray_executor import RayExecutor
from tests.conftest import ROOT, copy_sqlite
from tests.fakes import FakeDiarizer, FakeTranscriber, dump_rows, speechlike


@pytest.fixture(scope="module", autouse=True)
def cluster():
    """One local Ray instance with two CPUs for the module (the executor leaves a running instance running)."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}})
    yield
    ray.shutdown()


class KillingTranscriber(FakeTranscriber):
    """Kills its worker process on the file of ``kill_samples`` samples: once (leaving ``marker`` behind), or on
    every attempt when ``marker`` is None."""

    def __init__(self, kill_samples: int, marker: Path | None) -> None:
        super().__init__()
        self.kill_samples, self.marker = kill_samples, marker

    def __call__(self, samples, *, language, speech=None, hook=None):
        if len(samples) == self.kill_samples and (self.marker is None or not self.marker.exists()):
            if self.marker is not None:
                self.marker.write_text(str(os.getpid()))
            os._exit(1)  # as an out-of-memory kill or a lost node would
        return super().__call__(samples, language=language, hook=hook)


def calls(tmp_path: Path, n: int = 5, seed: int = 0) -> list[Path]:
    return [speechlike(tmp_path / "calls" / f"op{i}_20261102_10{i}500.wav", seconds=5 + i, seed=seed + i)
            for i in range(n)]


def fake_processor(transcriber=None) -> CallProcessor:
    return CallProcessor(PipelineOptions(), transcriber=transcriber or FakeTranscriber(), diarizer=FakeDiarizer())


def stored(url: str) -> list[tuple]:
    engine = open_database(url)
    try:
        with engine.connect() as con:
            return con.execute(text("select id, count(*) from call group by id order by id")).fetchall()
    finally:
        engine.dispose()


def test_two_workers_store_every_call_once_and_a_rerun_changes_nothing(db_url, tmp_path):
    files = calls(tmp_path)
    engine = open_database(db_url)
    report = process_batch(engine, files, processor=fake_processor(), executor=RayExecutor(workers=2))
    assert [o.status for o in report.outcomes] == ["processed"] * 5
    again = process_batch(engine, files, processor=fake_processor(), executor=RayExecutor(workers=2))
    assert [o.status for o in again.outcomes] == ["skipped"] * 5
    engine.dispose()
    rows = stored(db_url)
    assert len(rows) == 5 and all(count == 1 for _, count in rows)


def test_ray_stores_the_same_rows_as_an_in_process_run(tmp_path, empty_template):
    files = calls(tmp_path)
    local = open_database(copy_sqlite(empty_template, tmp_path / "local.db"))
    remote = open_database(copy_sqlite(empty_template, tmp_path / "ray.db"))
    process_batch(local, files, processor=fake_processor())
    process_batch(remote, files, processor=fake_processor(), executor=RayExecutor(workers=2))
    local.dispose(), remote.dispose()
    assert dump_rows(tmp_path / "ray.db") == dump_rows(tmp_path / "local.db")


def test_a_killed_worker_is_replaced_and_a_file_that_kills_every_worker_is_quarantined(tmp_path, empty_template,
                                                                                      monkeypatch):
    from qa.ingest.audio import decode

    files = calls(tmp_path)
    samples = [len(decode(f, sample_rate_hz=16000).channels[0]) for f in files]
    engine = open_database(copy_sqlite(empty_template, tmp_path / "qa.db"))
    marker = tmp_path / "killed-once"
    once = process_batch(engine, files, processor=fake_processor(KillingTranscriber(samples[2], marker)),
                         executor=RayExecutor(workers=2))
    assert marker.exists()  # a worker did die on the third file
    assert [o.status for o in once.outcomes] == ["processed"] * 5  # ... and a new one did it
    more = calls(tmp_path / "more", 3, seed=100)
    more_samples = [len(decode(f, sample_rate_hz=16000).channels[0]) for f in more]
    always = process_batch(engine, more, processor=fake_processor(KillingTranscriber(more_samples[1], None)),
                           executor=RayExecutor(workers=2, max_attempts=2))
    assert [o.status for o in always.outcomes] == ["processed", "failed", "processed"]
    assert "worker died 2 times" in always.outcomes[1].reason
    from qa.db.jobs import list_jobs, to_retry

    quarantined = list_jobs(engine, status="quarantined")
    assert [(Path(j.path).name, j.attempts) for j in quarantined] == [(more[1].name, 2)]
    assert "worker died" in quarantined[0].error and quarantined[0].worker is None  # no worker finished it
    done = list_jobs(engine, status="done")
    assert len(done) == 7 and len({j.worker for j in done}) >= 2  # two worker processes (and a replaced one)
    tries = {Path(j.path).name: j.attempts for j in list_jobs(engine, batch_id=once.batch_id)}
    assert tries == {f.name: 2 if i == 2 else 1 for i, f in enumerate(files)}  # only the killed worker's file
    assert [Path(p).name for p in to_retry(engine)] == [more[1].name]
    from typer.testing import CliRunner

    from cli import app

    monkeypatch.setenv("QA_DB_URL", str(engine.url))
    got = CliRunner().invoke(app, ["jobs", "list", "--status", "quarantined", "--json"])
    assert got.exit_code == 0 and [j["attempts"] for j in json.loads(got.stdout)] == [2]
    retried = process_batch(engine, [Path(p) for p in to_retry(engine)], processor=fake_processor())
    assert [o.status for o in retried.outcomes] == ["processed"] and to_retry(engine) == []
    engine.dispose()
    rows = stored(f"sqlite:///{tmp_path / 'qa.db'}")
    assert all(count == 1 for _, count in rows) and len(rows) == 8  # 5 + 3, the quarantined one done on retry


def test_the_cli_refuses_an_unknown_executor(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cli import app

    files = calls(tmp_path, 1)
    got = CliRunner().invoke(app, ["process", str(files[0]), "--executor", "spark"])
    assert got.exit_code == 1 and "use local or ray" in got.output
    got = CliRunner().invoke(app, ["process", str(files[0]), "--address", "auto"])
    assert got.exit_code == 1 and "--address is for --executor ray" in got.output


@pytest.mark.models
def test_real_models_on_ray_workers(eval_dir, tmp_path, empty_template, processor, transcriber):
    """Two synthetic stereo calls through Whisper and pyannote loaded once in each of two Ray workers (the
    bundled model is assembled here first, by ``transcriber``, so the workers only read it)."""
    from qa.db import calls as call_store

    engine = open_database(copy_sqlite(empty_template, tmp_path / "qa.db"))
    real = processor  # its loaded models stay here: each worker gets a fresh processor and loads its own
    files = [eval_dir / "synthetic" / name / "stereo.flac" for name in ("ru-dev-005", "en-dev-004")]
    report = process_batch(engine, files, processor=real, executor=RayExecutor(workers=2))
    assert [o.status for o in report.outcomes] == ["processed", "processed"], [o.reason for o in report.outcomes]
    languages = [call_store.load_call(engine, call_id=o.call_id).transcript.language for o in report.outcomes]
    assert languages == ["ru", "en"]
    assert all(call_store.load_call(engine, call_id=o.call_id).transcript.utterances for o in report.outcomes)
    engine.dispose()
