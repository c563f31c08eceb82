"""Engines and sessions. Nothing is created at import time.

Faults of the database itself become one :class:`~qa.core.errors.StorageError` naming the file and what to do:
a file that is not a database or is damaged (never overwritten), a read-only file or folder (reading still
works), a full disk. Opening migrates the schema under a lock, so commands started together on a fresh
``QA_HOME`` do not race to create the tables; :func:`batch_lock` lets one ``qa process`` run at a time.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import create_engine

from qa.core.errors import StateError, StorageError
from qa.core.locks import Busy, file_lock
from qa.db.migrate import current_revision, head_revision, upgrade

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MIGRATE_LOCK = 0x71615F6D  # pg_advisory_lock key for schema upgrades ("qa_m")

__all__ = ["batch_lock", "make_engine", "open_database", "sqlite_path", "utcnow"]


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for another database or an in-memory one)."""
    if not url.startswith("sqlite:///") or url in ("sqlite:///", "sqlite:///:memory:"):
        return None
    return Path(url.removeprefix("sqlite:///").split("?", 1)[0])


def damaged(path: Path) -> StorageError:
    return StorageError(f"{path} is not a qa database or is damaged: restore it from a backup or move it away "
                        "(a new empty one is then created); nothing was written")


def read_only(path: Path, detail: str = "the file or its folder is read-only") -> StorageError:
    return StorageError(f"cannot write to {path}: {detail}; fix the permissions (chmod u+w on the file and its "
                        "folder) or use another QA_HOME; nothing was written")


def disk_full(path: Path | None) -> StorageError:
    where = path if path is not None else "the database"
    return StorageError(f"cannot write to {where}: the disk is full (database or disk is full); free disk space and "
                        "run the same command again; nothing was half-stored")


def _writable(path: Path) -> bool:
    if not os.access(path.parent, os.W_OK):
        return False
    return not path.exists() or os.access(path, os.W_OK)


def _check_header(path: Path) -> None:
    """Refuse a file that is not an SQLite database, or one cut short, before SQLite touches it."""
    try:
        with path.open("rb") as fh:
            head = fh.read(100)
        size = path.stat().st_size
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror or exc}; check its owner and mode") from exc
    if size == 0:
        return  # SQLite makes an empty file a new database
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        raise damaged(path)
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    counter_valid = head[24:28] == head[92:96]  # the in-header size is trustworthy only then
    wal = path.with_name(path.name + "-wal")
    if counter_valid and pages and not wal.exists() and size < pages * page_size:
        raise damaged(path)


def _classify(exc: BaseException, path: Path | None) -> StorageError | None:
    message = str(getattr(exc, "orig", None) or exc).lower()
    if path is not None and ("not a database" in message or "malformed" in message or "disk i/o error" in message):
        return damaged(path)
    if "readonly" in message or "read-only" in message:
        return read_only(path) if path is not None else StorageError(f"the database is read-only: {message}")
    if "disk is full" in message or "no space left" in message:
        return disk_full(path)
    return None


def make_engine(url: str) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        writable = _writable(path)
        if writable or not path.exists():
            engine = create_engine(url, connect_args={"timeout": 30})
        else:  # read what is there; every write is one "cannot write" line
            engine = create_engine(url, creator=_read_only_connect(path))

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if writable:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "handle_error")
        def _storage_error(context):  # noqa: ANN001
            if not isinstance(context.original_exception, sqlite3.Error):
                return None
            mapped = _classify(context.original_exception, path)
            # a full disk stays an OperationalError here: the batch names the file it could not store
            if mapped is not None and "disk is full" not in str(mapped):
                return mapped
            return None

        engine.info = {"sqlite_path": path, "writable": writable}  # type: ignore[attr-defined]
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


def _read_only_connect(path: Path):
    """sqlite3 opened read-only; ``immutable`` when the folder is read-only and no WAL is left to read (SQLite
    could not create its shared-memory file there)."""
    immutable = not os.access(path.parent, os.W_OK) and not path.with_name(path.name + "-wal").exists()
    uri = f"file:{quote(str(path.resolve()))}?mode=ro" + ("&immutable=1" if immutable else "")

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)

    return connect


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def open_database(url: str) -> Engine:
    """Engine for ``url`` with the schema migrated to the newest revision (under a lock: see the module doc)."""
    path = sqlite_path(url)
    if path is not None:
        _check_header(path)
    engine = make_engine(url)
    try:
        if path is not None:
            _upgrade_sqlite(engine, path)
        elif engine.dialect.name == "postgresql":
            _upgrade_postgres(engine)
        else:
            upgrade(engine)
    except StorageError:
        engine.dispose()
        raise
    except (DBAPIError, sqlite3.Error) as exc:
        engine.dispose()
        mapped = _classify(exc, path)
        if mapped is None:
            raise
        raise mapped from exc
    return engine


def _upgrade_sqlite(engine: Engine, path: Path) -> None:
    if not engine.info["writable"]:  # type: ignore[attr-defined]
        if current_revision(engine) != head_revision(engine):
            raise read_only(path, "the database needs a schema upgrade and the file or its folder is read-only")
        return
    if current_revision(engine) == head_revision(engine):
        return
    with file_lock(path.with_name(".migrate.lock"), wait=True):
        upgrade(engine)  # re-reads the revision: a run that waited finds the schema already there


def _upgrade_postgres(engine: Engine) -> None:
    if current_revision(engine) == head_revision(engine):
        return
    with engine.connect() as conn:  # a session-level advisory lock, held while another connection migrates
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_MIGRATE_LOCK})
        try:
            upgrade(engine)
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_MIGRATE_LOCK})


@contextmanager
def batch_lock(engine: Engine) -> Iterator[None]:
    """One batch at a time per SQLite database (``.batch.lock`` beside it); a second one is refused at once, so it
    never redoes or deletes what the first is storing. Other databases: no lock (each call is one transaction)."""
    path = (getattr(engine, "info", None) or {}).get("sqlite_path")
    if path is None:
        yield
        return
    try:
        with file_lock(path.with_name(".batch.lock"), wait=False):
            yield
    except Busy as busy:
        pid = f" (pid {busy.pid})" if busy.pid else ""
        raise StateError(f"another qa process is running on this database{pid}: {path}; wait for it to finish or use "
                         "another QA_HOME") from None
