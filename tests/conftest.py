from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.history import HistoryCall, write_history

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


@dataclass(frozen=True)
class DemoDatabase:
    report: object  # the BatchReport of processing samples/calls
    sqlite: Path  # a self-contained copy: copy it per test with copy_sqlite


@pytest.fixture(scope="session")
def demo_database(processor, tmp_path_factory) -> DemoDatabase:
    """The bundled sample recordings processed by the real models as `make demo` does, once per session."""
    from qa.db.engine import open_database
    from qa.ingest.metadata import metadata_source
    from qa.pipeline.batch import process_batch
    from scoring.rubric import find_rubric

    root = tmp_path_factory.mktemp("demo")
    engine = open_database(f"sqlite:///{root / 'demo.db'}")
    lookup, _ = metadata_source(ROOT / "samples" / "calls.csv", None)
    report = process_batch(engine, [SAMPLES], processor=processor, metadata_for=lookup, rubric=find_rubric("order_desk"))
    engine.dispose()
    return DemoDatabase(report, snapshot_sqlite(root / "demo.db", root / "template.db"))


@pytest.fixture(scope="session")
def transcriber(processor):
    return processor.transcriber


@pytest.fixture(scope="session")
def diarizer(processor):
    return processor.diarizer


def _postgres_url() -> str | None:
    return os.environ.get("QA_TEST_PG_URL") or None


@contextmanager
def _pg_admin():
    """An autocommit connection to the test PostgreSQL server, or a skip saying how to get one."""
    base = _postgres_url()
    if not base:
        pytest.skip("QA_TEST_PG_URL not set: run the suite with `make test` (it starts PostgreSQL)")
    import psycopg

    try:
        admin = psycopg.connect(base, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at {base} is not reachable: {exc}")
    try:
        yield admin
    finally:
        admin.close()


def _pg_url(name: str) -> str:
    return _postgres_url().rsplit("/", 1)[0] + "/" + name


@contextmanager
def _pg_database(template: str | None = None) -> Iterator[str]:
    """A new database on the test server (a copy of ``template`` when given), dropped afterwards."""
    with _pg_admin() as admin:
        name = "qa_test_" + uuid.uuid4().hex[:10]
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        try:
            yield _pg_url(name)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    """A fresh, empty database: SQLite file, or a new database on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    with _pg_database() as url:
        yield url


# ---------------------------------------------------------------- shared histories, built once per session
#
# Importing and scoring the 44 labeled transcripts takes seconds; many tests need exactly that history and then
# change it. It is built once per session into a template (a SQLite file; a PostgreSQL template database) and
# every test gets its own copy, so tests stay isolated.

HISTORY_RUBRIC = "order_desk"


@dataclass(frozen=True)
class HistoryTemplate:
    calls: list[HistoryCall]  # what tests/history.py wrote: operators, months, labels
    json_dir: Path  # the transcripts as imported (their paths are the stored source paths)
    sqlite: Path  # the imported and scored database

    def copy_sqlite(self, target: Path) -> str:
        """A private copy of the history as a SQLite database at ``target``; returns its URL."""
        return copy_sqlite(self.sqlite, target)


def _import_history(url: str, paths: list[Path], rubric: str | None = HISTORY_RUBRIC) -> None:
    from qa.db.engine import open_database
    from qa.pipeline.imports import import_files
    from scoring.rubric import find_rubric

    engine = open_database(url)
    try:
        results = import_files(engine, paths, rubric=find_rubric(rubric) if rubric else None)
        assert {r.status for r in results} == {"imported"}, [r for r in results if r.status != "imported"]
    finally:
        engine.dispose()


def _sqlite_template(root: Path, paths: list[Path], rubric: str | None = HISTORY_RUBRIC) -> Path:
    _import_history(f"sqlite:///{root / 'build.db'}", paths, rubric)
    return snapshot_sqlite(root / "build.db", root / "template.db")


def snapshot_sqlite(source: Path, template: Path) -> Path:
    """``source`` (with whatever its WAL holds, even while an engine still has it open) as one self-contained
    file at ``template``, to be copied per test with :func:`copy_sqlite`."""
    template.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(source)
    try:
        con.execute("VACUUM INTO ?", (str(template),))  # one self-contained file, no WAL beside it
    finally:
        con.close()
    return template


def copy_sqlite(template: Path, target: Path) -> str:
    """A private copy of a template database at ``target``; returns its URL."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory) -> Path:
    """An empty database migrated to the newest revision, built once: copying it (``copy_sqlite``) saves every
    test that only needs somewhere to store calls the Alembic run (~0.2 s). Tests of migrations start from nothing."""
    from qa.db.engine import open_database

    root = tmp_path_factory.mktemp("empty")
    open_database(f"sqlite:///{root / 'build.db'}").dispose()
    return snapshot_sqlite(root / "build.db", root / "template.db")


@pytest.fixture(scope="session")
def history_template(eval_dir, tmp_path_factory) -> HistoryTemplate:
    """The 44 labeled dev dialogues as 5 operators' calls in Oct + Nov 2026, imported and scored once."""
    root = tmp_path_factory.mktemp("history")
    calls = write_history(eval_dir / "labeled-dev", root / "json")
    return HistoryTemplate(calls, root / "json", _sqlite_template(root, [root / "json"]))


@pytest.fixture(scope="session")
def imported_template(tmp_path_factory):
    """``imported_template(files, rubric="order_desk") -> Path``: a SQLite template with exactly these interchange
    files imported (and scored unless ``rubric`` is None), built once per session for each distinct argument.
    Copy it per test with ``copy_sqlite(template, qa_home / "qa.db")`` (the database the CLI uses)."""
    built: dict[tuple, Path] = {}

    def template(files: list[Path], rubric: str | None = HISTORY_RUBRIC) -> Path:
        key = (tuple(str(f) for f in files), rubric)
        if key not in built:
            built[key] = _sqlite_template(tmp_path_factory.mktemp("imported"), list(files), rubric)
        return built[key]

    return template


@pytest.fixture(scope="session")
def pg_history_template(history_template) -> Iterator[str]:
    """The same history in a PostgreSQL template database (its name); copied per test with CREATE DATABASE."""
    with _pg_admin() as admin:
        name = "qa_tpl_" + uuid.uuid4().hex[:10]
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            _import_history(_pg_url(name), [history_template.json_dir])  # disposes its engine: no one is connected
            yield name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def history_url(request, history_template, tmp_path) -> Iterator[str]:
    """A private copy of the shared history: SQLite file, or a new PostgreSQL database made from the template."""
    if request.param == "sqlite":
        yield history_template.copy_sqlite(tmp_path / "test.db")
        return
    template = request.getfixturevalue("pg_history_template")
    with _pg_database(template) as url:
        yield url


@pytest.fixture
def history_engine(history_template, qa_home, monkeypatch):
    """An engine on a private SQLite copy of the history, which the CLI (``QA_DB_URL``) uses too."""
    from qa.db.engine import open_database

    url = history_template.copy_sqlite(qa_home / "qa.db")
    monkeypatch.setenv("QA_DB_URL", url)
    engine = open_database(url)
    yield engine
    engine.dispose()
