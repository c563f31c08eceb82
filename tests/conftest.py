from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
SAMPLES = ROOT / "samples" / "calls"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")


@pytest.fixture(autouse=True)
def qa_home(tmp_path, monkeypatch) -> Path:
    """Every test gets its own data directory and SQLite database."""
    home = tmp_path / "qa-home"
    monkeypatch.setenv("QA_HOME", str(home))
    monkeypatch.delenv("QA_DB_URL", raising=False)
    return home


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    if not EVAL.is_dir():
        pytest.skip(f"evaluation data not found at {EVAL} (../shared/eval beside the checkout)")
    return EVAL


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    """The bundled Whisper model is assembled once per test session."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def processor(models_dir):
    """One CallProcessor (real Whisper base + pyannote) shared by the model tests."""
    from qa.pipeline.processor import CallProcessor, PipelineOptions

    return CallProcessor(PipelineOptions(models_dir=models_dir, cpu_threads=os.cpu_count() or 2))


@pytest.fixture(scope="session")
def transcriber(processor):
    return processor.transcriber


@pytest.fixture(scope="session")
def diarizer(processor):
    return processor.diarizer


def _postgres_url() -> str | None:
    return os.environ.get("QA_TEST_PG_URL") or None


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database: SQLite file, or a new database on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    base = _postgres_url()
    if not base:
        pytest.skip("QA_TEST_PG_URL not set: run the suite with `make test` (it starts PostgreSQL)")
    import psycopg

    try:
        admin = psycopg.connect(base, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at {base} is not reachable: {exc}")
    name = "qa_test_" + uuid.uuid4().hex[:10]
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
