"""Faults of the database itself: a damaged or foreign file, a read-only home, two runs at once.

Each ends in one StorageError/StateError line that names the file and what to do, and nothing stored changes."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from qa.core.errors import StateError, StorageError
from qa.db import calls as call_store
from qa.db.engine import batch_lock, open_database
from tests.conftest import copy_sqlite


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_that_is_not_a_database_is_refused_and_left_as_it_is(tmp_path):
    db = tmp_path / "qa.db"
    db.write_bytes(b"these are someone's notes, not a database\n" * 50)
    before = digest(db)
    with pytest.raises(StorageError, match="not a qa database or is damaged"):
        open_database(f"sqlite:///{db}")
    assert digest(db) == before


def test_a_database_cut_short_is_refused(tmp_path, empty_template):
    db = tmp_path / "qa.db"
    copy_sqlite(empty_template, db)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    with pytest.raises(StorageError, match="damaged"):
        open_database(f"sqlite:///{db}")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through any file mode")
def test_a_read_only_database_is_read_and_every_write_is_one_clear_line(tmp_path, empty_template):
    home = tmp_path / "home"
    home.mkdir()
    db = home / "qa.db"
    url = copy_sqlite(empty_template, db)
    engine = open_database(url)
    call_store.set_operator(engine, operator_id="op1", name="Olga")
    engine.dispose()
    before = digest(db)
    db.chmod(stat.S_IRUSR)
    home.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        engine = open_database(url)
        assert [o.id for o in call_store.list_operators(engine)] == ["op1"]
        with pytest.raises(StorageError, match="cannot write to .*read-only"):
            call_store.set_operator(engine, operator_id="op2")
        engine.dispose()
    finally:
        home.chmod(stat.S_IRWXU)
        db.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert digest(db) == before


def test_a_second_batch_on_the_same_database_is_refused_while_the_first_runs(tmp_path, empty_template):
    url = copy_sqlite(empty_template, tmp_path / "qa.db")
    engine = open_database(url)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom qa.db.engine import batch_lock, open_database\n"
         "e = open_database(sys.argv[1])\nwith batch_lock(e):\n    print('held', flush=True)\n    time.sleep(30)\n", url],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1],
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StateError, match=f"another qa process is running on this database \\(pid {holder.pid}\\)"):
            with batch_lock(engine):
                pass
    finally:
        holder.kill()
        holder.wait()
    with batch_lock(engine):  # the kernel dropped the dead run's lock: no stale lock file blocks the next run
        pass


def test_commands_started_together_on_a_new_home_migrate_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'qa.db'}"
    code = "import sys\nfrom qa.db.engine import open_database\nopen_database(sys.argv[1]).dispose()\n"
    procs = [subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE, text=True,
                              cwd=Path(__file__).parents[1]) for _ in range(3)]
    errors = [p.communicate()[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    con = sqlite3.connect(tmp_path / "qa.db")
    try:
        assert con.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    finally:
        con.close()


LABELED = Path(__file__).resolve().parents[2] / "shared" / "eval"


def test_a_full_disk_during_import_is_one_error_and_a_rerun_completes_it(tmp_path, empty_template):
    from qa.pipeline.imports import import_files
    from tests.fakes import dump_rows, full_disk_engine

    folder = LABELED / "labeled-dev"
    clean = tmp_path / "clean.db"
    import_files(open_database(copy_sqlite(empty_template, clean)), [folder])

    url = copy_sqlite(empty_template, tmp_path / "full.db")
    con = sqlite3.connect(tmp_path / "full.db")
    con.execute("CREATE TABLE room (x)")  # free pages for a few calls, then no more: the disk fills mid-import
    con.execute("INSERT INTO room VALUES (zeroblob(300000))")
    con.commit()
    con.execute("DROP TABLE room")
    con.commit()
    con.close()
    engine = full_disk_engine(url)
    with pytest.raises(StorageError, match=r"could not store .*\.json: .*full.*import again: the \d+ file\(s\) imported before it are kept"):
        import_files(engine, [folder])
    engine.dispose()
    partial = dump_rows(tmp_path / "full.db")
    con = sqlite3.connect(tmp_path / "full.db")
    try:  # whatever was stored is whole: every stored call has all its utterances
        stored = {cid for (cid,) in con.execute("select id from call")}
        assert stored and len(stored) < len(list(folder.glob("*.json")))
    finally:
        con.close()
    for table, rows in partial.items():
        assert set(rows) <= set(dump_rows(clean)[table]), table

    again = import_files(open_database(url), [folder])  # room again: the rest is imported, the stored skipped
    assert {r.status for r in again} == {"imported", "skipped"}
    assert sum(r.status == "skipped" for r in again) == len(stored)
    assert dump_rows(tmp_path / "full.db") == dump_rows(clean)


def test_an_import_killed_mid_way_resumes_to_the_rows_of_a_clean_import(tmp_path, empty_template):
    import signal
    import time

    from tests.fakes import dump_rows

    folders = [str(LABELED / "labeled-dev"), str(LABELED / "labeled-dev-2")]
    env = {**os.environ, "QA_DB_URL": ""}
    env.pop("QA_DB_URL")

    def qa(home: Path, *args: str) -> subprocess.Popen:
        home.mkdir(exist_ok=True)
        copy_sqlite(empty_template, home / "qa.db")
        return subprocess.Popen([sys.executable, "cli.py", *args], cwd=Path(__file__).parents[1], env={**env, "QA_HOME": str(home)},
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    clean = qa(tmp_path / "clean", "import-transcript", *folders)
    assert clean.wait(timeout=600) == 0, clean.stderr.read()
    killed = qa(tmp_path / "killed", "import-transcript", *folders)
    db = tmp_path / "killed" / "qa.db"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # kill -9 once some calls, not all, are stored
        con = sqlite3.connect(db, timeout=10)
        try:
            n = con.execute("select count(*) from call").fetchone()[0]
        finally:
            con.close()
        if n >= 10:
            break
        time.sleep(0.2)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert 10 <= n < 84
    resumed = subprocess.run([sys.executable, "cli.py", "import-transcript", *folders], cwd=Path(__file__).parents[1],
                             env={**env, "QA_HOME": str(tmp_path / "killed")}, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert dump_rows(db) == dump_rows(tmp_path / "clean" / "qa.db")
