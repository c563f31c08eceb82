"""Jobs: the files a batch handed to its executor and what became of each (``qa jobs list|retry``).

A job is queued when the batch is planned and settled when its result is stored; a batch that was killed leaves
its unfinished jobs queued, which is how ``qa jobs list`` shows where it stopped.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from qa.core.records import JobInfo
from qa.db import tables as t
from qa.db.engine import utcnow

SETTLED = ("done", "failed", "quarantined")


def _info(row: t.Job) -> JobInfo:
    return JobInfo(job_id=row.id, batch_id=row.batch_id, index=row.idx, path=row.path, call_id=row.call_id,
                   status=row.status, attempts=row.attempts, worker=row.worker, stage=row.stage, error=row.error,
                   updated_at=row.updated_at)


def queue_jobs(engine: Engine, *, batch_id: int, files: Sequence[tuple[int, str, str | None]]) -> None:
    """(index, path, call id) of every file the executor will compute, as queued jobs, in one transaction."""
    now = utcnow()
    with Session(engine) as s, s.begin():
        s.add_all(t.Job(batch_id=batch_id, idx=i, path=path, call_id=call_id, updated_at=now) for i, path, call_id in files)


def settle_job(engine: Engine, *, batch_id: int, index: int, status: str, attempts: int, worker: str | None,
               stage: str | None, error: str | None) -> None:
    assert status in SETTLED
    with Session(engine) as s, s.begin():
        row = s.exec(select(t.Job).where(t.Job.batch_id == batch_id, t.Job.idx == index)).first()
        if row is None:
            return
        row.status, row.attempts, row.worker, row.updated_at = status, attempts, worker, utcnow()
        row.stage, row.error = (None, None) if status == "done" else (stage, error)
        s.add(row)


def list_jobs(engine: Engine, *, status: str | None = None, batch_id: int | None = None,
              limit: int | None = None) -> list[JobInfo]:
    """Newest first."""
    with Session(engine) as s:
        q = select(t.Job)
        if status is not None:
            q = q.where(t.Job.status == status)
        if batch_id is not None:
            q = q.where(t.Job.batch_id == batch_id)
        q = q.order_by(t.Job.id.desc())
        if limit is not None:
            q = q.limit(limit)
        return [_info(r) for r in s.exec(q).all()]


def to_retry(engine: Engine) -> list[str]:
    """Paths whose newest job failed (or was quarantined) and whose call is not stored as done since."""
    newest: dict[str, t.Job] = {}
    with Session(engine) as s:
        for row in s.exec(select(t.Job).order_by(t.Job.id)).all():
            newest[row.path] = row
        done = {c for c in s.exec(select(t.Call.id).where(t.Call.status == "done")).all()}
    return [p for p, row in newest.items() if row.status in ("failed", "quarantined") and row.call_id not in done]
