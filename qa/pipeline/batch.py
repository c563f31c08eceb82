"""Batches of recordings: plan → execute → store.

* :func:`plan` finds the files, hashes each (content hash → call id), reads its metadata and decides what
  happens to it: processed, skipped (already stored, or the same recording twice in the batch) or failed
  (unreadable). It writes nothing.
* An :class:`~qa.pipeline.executors.Executor` computes the files to process (here, or on workers) and yields
  one result per file; it never touches the database.
* :func:`process_batch` stores each call in one transaction as its result arrives, so an interrupted batch
  re-run gives the same rows as an uninterrupted one.

A file that fails is recorded with its reason and the batch goes on; a storage or model error stops it;
Ctrl-C marks the batch interrupted.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from qa.core.errors import ModelError, NotFound, QAError, StorageError
from qa.db.engine import batch_lock
from qa.core.hooks import (
    BatchDone,
    BatchStarted,
    FileDone,
    FileStarted,
    Hook,
    StageStarted,
    ignore,
)
from qa.core.types import CallMetadata, call_id_for
from qa.db import calls, jobs, scores
from qa.ingest.files import readable, readable_path
from qa.ingest.recordings import AUDIO_EXTENSIONS, find_recordings, identify
from qa.pipeline.executors import (
    Executor,
    Failed,
    ItemResult,
    LocalExecutor,
    PlannedFile,
    failure_reason,
)
from qa.pipeline.processor import CallProcessor
from qa.pipeline.rescore import score_and_store

__all__ = ["BatchPlan", "BatchReport", "FileOutcome", "MetadataFor", "StorageError", "no_metadata", "plan", "process_batch"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FileOutcome:
    path: Path
    status: str  # processed | skipped | failed
    call_id: str | None = None
    reason: str | None = None
    audio_s: float = 0.0
    wall_s: float = 0.0
    warnings: tuple[str, ...] = ()

    def event(self) -> FileDone:
        return FileDone(self.path, self.status, self.call_id, self.reason, self.audio_s, self.wall_s)


@dataclass(slots=True)
class BatchReport:
    batch_id: int | None
    outcomes: list[FileOutcome] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)
    wall_s: float = 0.0
    status: str = "running"

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def audio_s(self) -> float:
        return sum(o.audio_s for o in self.outcomes if o.status == "processed")

    @property
    def processing_s(self) -> float:
        return sum(o.wall_s for o in self.outcomes if o.status == "processed")

    @property
    def real_time_factor(self) -> float | None:
        return self.processing_s / self.audio_s if self.audio_s else None

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0 and self.status == "finished"


MetadataFor = Callable[[Path], tuple[CallMetadata, tuple[str, ...]]]


def no_metadata(path: Path) -> tuple[CallMetadata, tuple[str, ...]]:
    return CallMetadata(), ()


@dataclass(frozen=True, slots=True)
class BatchPlan:
    files: tuple[PlannedFile, ...]  # every candidate, in input order
    ignored: tuple[Path, ...]  # found in folders but not recordings

    @property
    def todo(self) -> list[PlannedFile]:
        return [f for f in self.files if f.todo]


def plan(engine: Engine, paths: Sequence[Path], *, metadata_for: MetadataFor = no_metadata, hook: Hook | None = None) -> BatchPlan:
    """Find and identify the files of a batch and decide, per file, what happens to it (reads the database only)."""
    files, ignored = find_recordings(list(paths))
    if not files:
        raise _nothing_found(paths, ignored)
    (hook or ignore)(BatchStarted(total=len(files), ignored=len(ignored)))
    first_of: dict[str, Path] = {}
    planned = []
    for index, path in enumerate(files):
        item = _plan_one(engine, index, path, metadata_for)
        if item.todo and item.recording is not None:
            first = first_of.setdefault(item.recording.call_id, path)
            if first != path:
                item = replace(item, skip=f"same recording as {first.name}, earlier in this batch")
        planned.append(item)
    return BatchPlan(tuple(planned), tuple(ignored))


def _nothing_found(paths: Sequence[Path], ignored: Sequence[Path]) -> NotFound:
    where = ", ".join(readable(p) for p in paths) or "no paths given"
    other = f" ({len(ignored)} other file(s) there are not audio)" if ignored else ""
    return NotFound(f"no recordings found in {where}{other}; give audio files or folders with "
                    f"{', '.join(sorted(AUDIO_EXTENSIONS))} files")


def _plan_one(engine: Engine, index: int, path: Path, metadata_for: MetadataFor) -> PlannedFile:
    metadata, warnings = CallMetadata(), ()
    try:
        metadata, warnings = metadata_for(path)
        recording = identify(path)
    except ModelError:
        raise
    except Exception as exc:
        return PlannedFile(index, path, None, metadata, warnings, failure=failure_reason(exc, path))
    try:
        stored = calls.call_status(engine, call_id=recording.call_id) == "done"
    except OperationalError as exc:
        raise StorageError(f"cannot read the database: {exc.orig or exc}. Fix QA_DB_URL and re-run.") from exc
    return PlannedFile(index, path, recording, metadata, warnings, skip="already processed" if stored else None)


def process_batch(
    engine: Engine,
    paths: Sequence[Path],
    *,
    processor: CallProcessor,
    metadata_for: MetadataFor = no_metadata,
    rubric=None,
    hook: Hook | None = None,
    executor: Executor | None = None,
) -> BatchReport:
    """Process files and folders; skip what is stored, record what fails, go on.

    ``executor`` computes the calls (default: :class:`LocalExecutor`, in this process); each call is stored
    in one transaction when it is complete. StorageError and ModelError stop the batch (status ``aborted``);
    KeyboardInterrupt is re-raised after the batch row is marked ``interrupted``.
    """
    emit = hook or ignore
    executor = executor or LocalExecutor()
    if rubric is not None:  # an edited rubric file without a new version is refused before any work
        scores.check_rubric(engine, rubric_id=rubric.id, version=rubric.version, sha256=rubric.sha256)
    files, ignored = find_recordings(list(paths))  # nothing to do is refused before a batch is recorded
    if not files:
        raise _nothing_found(paths, ignored)
    with batch_lock(engine):  # a second `qa process` on the same database is refused, never interleaved
        return _run_batch(engine, paths, processor=processor, metadata_for=metadata_for, rubric=rubric, emit=emit,
                          executor=executor)


def _run_batch(engine: Engine, paths: Sequence[Path], *, processor: CallProcessor, metadata_for: MetadataFor,
               rubric, emit: Hook, executor: Executor) -> BatchReport:
    try:
        batch_id = calls.start_batch(engine, inputs=[readable(p) for p in paths])
    except OperationalError as exc:
        raise StorageError(f"cannot write to the database: {exc.orig or exc}. Free disk space or fix QA_DB_URL.") from exc
    report = BatchReport(batch_id=batch_id)
    position: dict[Path, int] = {}
    started = time.perf_counter()

    def done(outcome: FileOutcome) -> None:
        report.outcomes.append(outcome)
        emit(outcome.event())

    try:
        batch = plan(engine, paths, metadata_for=metadata_for, hook=emit)
        report.ignored = list(batch.ignored)
        position = {item.path: item.index for item in batch.files}
        for item in batch.files:
            if not item.todo:
                emit(FileStarted(item.path, item.index))
                done(_safely(engine, item, batch_id, lambda: _store_planned(engine, item, batch_id, rubric, emit)))
        _storing(Path("the job list"), lambda: jobs.queue_jobs(engine, batch_id=batch_id, files=[
            (i.index, readable(i.path.resolve()), i.recording.call_id if i.recording else None) for i in batch.todo]))
        stages = _StageTracker(emit)
        for result in executor.execute(batch.todo, processor=processor, hook=stages):
            outcome = _safely(engine, result.item, batch_id, lambda: _store_result(engine, result, batch_id, rubric, emit))
            _storing(result.item.path, lambda: _settle(engine, batch_id, result, outcome, stages))
            done(outcome)
        report.status = "finished"
    except KeyboardInterrupt:
        report.status = "interrupted"
        raise
    except QAError:
        report.status = "aborted"
        raise
    finally:
        report.outcomes.sort(key=lambda o: position.get(o.path, 0))
        report.wall_s = time.perf_counter() - started
        try:
            calls.finish_batch(
                engine, batch_id=batch_id, status=report.status, processed=report.count("processed"),
                skipped=report.count("skipped"), failed=report.count("failed"), audio_s=report.audio_s, wall_s=report.wall_s,
            )
        except OperationalError:
            log.warning("could not record the batch summary (database unavailable)")
        emit(BatchDone(
            batch_id, report.status, report.count("processed"), report.count("skipped"), report.count("failed"),
            report.audio_s, report.wall_s,
        ))
    return report


class _StageTracker:
    """Passes the executor's events on, remembering the stage each file was last in (its job's failing stage)."""

    def __init__(self, emit: Hook) -> None:
        self.emit, self.current, self.stage = emit, None, {}

    def __call__(self, event) -> None:
        if isinstance(event, FileStarted):
            self.current = event.index
        elif isinstance(event, StageStarted) and self.current is not None:
            self.stage[self.current] = event.name
        self.emit(event)


def _settle(engine: Engine, batch_id: int, result: ItemResult, outcome: FileOutcome, stages: _StageTracker) -> None:
    status = "done" if outcome.status == "processed" else (
        "quarantined" if isinstance(result, Failed) and result.quarantined else "failed")
    jobs.settle_job(engine, batch_id=batch_id, index=result.item.index, status=status, attempts=result.attempts,
                    worker=result.worker, stage=stages.stage.get(result.item.index), error=outcome.reason)


def _safely(engine: Engine, item: PlannedFile, batch_id: int, store: Callable[[], FileOutcome]) -> FileOutcome:
    """Store one file's outcome; if scoring it fails, that file is failed (the stored call stays) and the batch goes on."""
    t0 = time.perf_counter()
    try:
        return store()
    except (StorageError, ModelError):
        raise
    except Exception as exc:
        return _store_failure(engine, item, failure_reason(exc, item.path), time.perf_counter() - t0, batch_id)


def _store_planned(engine: Engine, item: PlannedFile, batch_id: int, rubric, emit: Hook) -> FileOutcome:
    """A file decided at planning: skipped (scored now if ``rubric`` has not scored it yet) or failed."""
    if item.failure is not None:
        return _store_failure(engine, item, item.failure, 0.0, batch_id)
    assert item.recording is not None
    call_id = item.recording.call_id
    if rubric is not None and item.skip == "already processed":  # stored before scoring, or with another rubric version
        emit(StageStarted("score"))
        stored = calls.load_call(engine, call_id=call_id)
        _storing(item.path, lambda: score_and_store(engine, call_id, stored.transcript, stored.features, rubric))
    return FileOutcome(item.path, "skipped", call_id, item.skip, warnings=item.warnings)


def _store_result(engine: Engine, result: ItemResult, batch_id: int, rubric, emit: Hook) -> FileOutcome:
    item = result.item
    if isinstance(result, Failed):
        return _store_failure(engine, item, result.reason, result.wall_s, batch_id)
    t0 = time.perf_counter()
    call = result.call
    call_id = call.recording.call_id

    def store() -> None:
        emit(StageStarted("store"))
        shown = readable_path(call.recording.path)  # a name that is not UTF-8 is stored decoded (cp1251)
        stored = call if shown is call.recording.path else replace(call, recording=replace(call.recording, path=shown))
        calls.save_processed(engine, call=stored, batch_id=batch_id)
        if rubric is not None:
            emit(StageStarted("score"))
            score_and_store(engine, call_id, call.transcript, call.features, rubric)

    _storing(item.path, store)
    wall_s = result.wall_s + time.perf_counter() - t0
    return FileOutcome(item.path, "processed", call_id, audio_s=call.duration_s, wall_s=wall_s, warnings=item.warnings)


def _storing(path: Path, write: Callable[[], object]) -> None:
    try:
        write()
    except OperationalError as exc:
        raise StorageError(
            f"could not store {path.name}: {exc.orig or exc}. Free disk space or fix the database, then re-run: "
            "finished calls are kept and will be skipped."
        ) from exc


def _store_failure(engine: Engine, item: PlannedFile, reason: str, wall_s: float, batch_id: int) -> FileOutcome:
    call_id = item.recording.call_id if item.recording else call_id_for(_path_key(item.path))
    sha = item.recording.sha256 if item.recording else None
    reason = readable(reason)
    try:
        calls.save_failure(engine, call_id=call_id, sha256=sha, path=readable_path(item.path), reason=reason,
                           batch_id=batch_id, metadata=item.metadata)
    except OperationalError as exc:
        raise StorageError(f"could not record the failure of {item.path.name}: {exc.orig or exc}") from exc
    return FileOutcome(item.path, "failed", call_id, reason, wall_s=wall_s, warnings=item.warnings)


def _path_key(path: Path) -> str:
    return hashlib.sha256(b"unreadable:" + os.fsencode(os.path.realpath(path))).hexdigest()
