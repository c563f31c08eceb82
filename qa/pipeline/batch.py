"""Batches of recordings: find files, skip what is stored, process the rest, store each call in one transaction.

A file that fails is recorded with its reason and the batch goes on; Ctrl-C marks the batch interrupted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from qa.core.errors import ModelError, QAError, StageError
from qa.core.types import CallMetadata, call_id_for
from qa.db import calls
from qa.ingest.audio import decode
from qa.ingest.recordings import find_recordings, identify
from qa.pipeline.processor import SAMPLE_RATE_HZ, CallProcessor, Hook
from qa.pipeline.rescore import score_and_store

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


class StorageError(StageError):
    """The database refused a write (disk full, read-only, gone)."""


MetadataFor = Callable[[Path], tuple[CallMetadata, tuple[str, ...]]]


def process_batch(
    engine: Engine,
    paths: Sequence[Path],
    *,
    processor: CallProcessor,
    metadata_for: MetadataFor = lambda p: (CallMetadata(), ()),
    rubric=None,
    hook: Hook | None = None,
) -> BatchReport:
    """Process files and folders; skip what is stored, record what fails, go on.

    Each call is stored in one transaction when it is complete, so an
    interrupted batch re-run gives the same rows as an uninterrupted one.
    KeyboardInterrupt is re-raised after the batch row is marked interrupted.
    """
    emit = hook or (lambda *a, **k: None)
    files, ignored = find_recordings(list(paths))
    try:
        batch_id = calls.start_batch(engine, inputs=[str(p) for p in paths])
    except OperationalError as exc:
        raise StorageError(f"cannot write to the database: {exc.orig or exc}. Free disk space or fix QA_DB_URL.") from exc
    report = BatchReport(batch_id=batch_id, ignored=ignored)
    started = time.perf_counter()
    emit("batch_start", total=len(files), ignored=len(ignored))
    try:
        for index, path in enumerate(files):
            emit("file_start", path=path, index=index)
            outcome = _process_one(engine, path, processor, metadata_for, batch_id, emit, rubric)
            report.outcomes.append(outcome)
            emit("file_done", outcome=outcome)
        report.status = "finished"
    except KeyboardInterrupt:
        report.status = "interrupted"
        raise
    except QAError:
        report.status = "aborted"
        raise
    finally:
        report.wall_s = time.perf_counter() - started
        try:
            calls.finish_batch(
                engine, batch_id=batch_id, status=report.status, processed=report.count("processed"),
                skipped=report.count("skipped"), failed=report.count("failed"), audio_s=report.audio_s, wall_s=report.wall_s,
            )
        except OperationalError:
            log.warning("could not record the batch summary (database unavailable)")
        emit("batch_end", report=report)
    return report


def _process_one(engine: Engine, path: Path, processor: CallProcessor, metadata_for: MetadataFor, batch_id: int, emit: Hook, rubric) -> FileOutcome:
    t0 = time.perf_counter()
    warnings: tuple[str, ...] = ()
    metadata = CallMetadata()
    call_id: str | None = None
    sha: str | None = None
    try:
        metadata, warnings = metadata_for(path)
        recording = identify(path)
        call_id, sha = recording.call_id, recording.sha256
        if calls.call_status(engine, call_id=call_id) == "done":
            if rubric is not None:  # stored before scoring existed, or with another rubric version
                stored = calls.load_call(engine, call_id=call_id)
                score_and_store(engine, call_id, stored.transcript, stored.features, rubric)
            return FileOutcome(path, "skipped", call_id, "already processed", warnings=warnings)
        emit("stage", name="decode")
        audio = decode(path, sample_rate_hz=SAMPLE_RATE_HZ, max_duration_s=processor.options.max_duration_s)
        call = processor(recording, audio, metadata, hook=emit)
        emit("stage", name="store")
        try:
            calls.save_processed(engine, call=call, batch_id=batch_id)
            if rubric is not None:
                emit("stage", name="score")
                score_and_store(engine, call_id, call.transcript, call.features, rubric)
        except OperationalError as exc:
            raise StorageError(
                f"could not store {path.name}: {exc.orig or exc}. Free disk space or fix the database, then re-run: "
                "finished calls are kept and will be skipped."
            ) from exc
        return FileOutcome(path, "processed", call_id, audio_s=call.duration_s, wall_s=time.perf_counter() - t0, warnings=warnings)
    except (StorageError, ModelError):
        raise
    except QAError as exc:
        reason = str(exc)
    except MemoryError:
        reason = "ran out of memory decoding or processing this recording (split it or raise QA_MAX_DURATION_S limits)"
    except Exception as exc:  # a stage crashed on this file: record it, keep the batch going
        log.exception("stage failed on %s", path)
        reason = f"internal error in processing ({type(exc).__name__}: {exc}); the file was skipped"
    call_id = call_id or call_id_for(_path_key(path))
    try:
        calls.save_failure(engine, call_id=call_id, sha256=sha, path=path, reason=reason, batch_id=batch_id, metadata=metadata)
    except OperationalError as exc:
        raise StorageError(f"could not record the failure of {path.name}: {exc.orig or exc}") from exc
    return FileOutcome(path, "failed", call_id, reason, wall_s=time.perf_counter() - t0, warnings=warnings)


def _path_key(path: Path) -> str:
    import hashlib

    return hashlib.sha256(("unreadable:" + str(path.resolve())).encode()).hexdigest()
