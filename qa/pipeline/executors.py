"""Where the stages of a batch run: the seam between planning/storing a batch and computing its calls.

:func:`qa.pipeline.batch.process_batch` plans a batch (files found, hashed, metadata read, stored calls
skipped), hands the files still to do to an :class:`Executor`, and stores each result as it comes back. An
executor only computes: it never touches the database, so a result can come from another process or machine.

* :class:`LocalExecutor` runs the :class:`~qa.pipeline.processor.CallProcessor` on each file, in order, here.
* :class:`~qa.pipeline.ray_executor.RayExecutor` implements the same protocol on Ray actors: it ships a fresh
  processor (``CallProcessor.for_worker``) to each worker, which loads its own models once and calls
  :func:`run_one`; results and the workers' hook events come back as each file finishes, in any order.

What an executor must honour:

* one :data:`ItemResult` per item, each carrying its item (results may come in any order);
* a file that fails is a :class:`Failed` result with a reason a person can act on, never an exception;
* :class:`~qa.core.errors.ModelError` (the models cannot run at all) and ``KeyboardInterrupt`` propagate;
  they stop the batch, and what was stored stays stored.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeAlias

from qa.core.errors import ModelError, QAError
from qa.core.hooks import FileStarted, Hook, StageStarted, ignore
from qa.core.types import CallMetadata, ProcessedCall, Recording
from qa.ingest.audio import decode
from qa.pipeline.processor import SAMPLE_RATE_HZ, CallProcessor

__all__ = ["Executor", "Failed", "ItemResult", "LocalExecutor", "PlannedFile", "Processed", "failure_reason", "run_one", "worker_name"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """One file of a batch after planning. Exactly one of ``recording`` (to process), ``skip`` and ``failure``
    says what happens to it."""

    index: int  # position in the batch
    path: Path
    recording: Recording | None
    metadata: CallMetadata = CallMetadata()
    warnings: tuple[str, ...] = ()
    skip: str | None = None  # why it is not processed again ("already processed")
    failure: str | None = None  # why it cannot be processed (unreadable, metadata error)

    @property
    def todo(self) -> bool:
        return self.skip is None and self.failure is None


@dataclass(frozen=True, slots=True)
class Processed:
    item: PlannedFile
    call: ProcessedCall
    wall_s: float
    worker: str | None = None  # host:pid that computed it
    attempts: int = 1


@dataclass(frozen=True, slots=True)
class Failed:
    item: PlannedFile
    reason: str
    wall_s: float
    worker: str | None = None
    attempts: int = 1
    quarantined: bool = False  # its worker died on every try: the file is set aside, the batch goes on


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


ItemResult: TypeAlias = Processed | Failed


class Executor(Protocol):
    def execute(self, items: Sequence[PlannedFile], *, processor: CallProcessor, hook: Hook) -> Iterator[ItemResult]:
        """Compute every item (``item.todo`` is true for all), yielding one result per item as it finishes."""
        ...


def run_one(item: PlannedFile, processor: CallProcessor, hook: Hook = ignore) -> ItemResult:
    """Decode and process one planned file; a failure of this file becomes a :class:`Failed` result."""
    assert item.recording is not None, "only planned files to process are executed"
    started = time.perf_counter()
    hook(FileStarted(item.path, item.index))
    try:
        hook(StageStarted("decode"))
        audio = decode(item.path, sample_rate_hz=SAMPLE_RATE_HZ, max_duration_s=processor.options.max_duration_s)
        call = processor(item.recording, audio, item.metadata, hook=hook)
        return Processed(item, call, time.perf_counter() - started, worker=worker_name())
    except ModelError:
        raise
    except Exception as exc:  # this file failed: record why, keep the batch going
        return Failed(item, failure_reason(exc, item.path), time.perf_counter() - started, worker=worker_name())


def failure_reason(exc: Exception, path: Path) -> str:
    """What to record when one file fails: our own errors say how to fix; a crash is logged with its traceback."""
    if isinstance(exc, QAError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "ran out of memory decoding or processing this recording (split it or raise QA_MAX_DURATION_S limits)"
    log.error("stage failed on %s", path, exc_info=exc)
    return f"internal error in processing ({type(exc).__name__}: {exc}); the file was skipped"


class LocalExecutor:
    """Runs the files one after another in this process, with the processor's models (loaded once)."""

    def execute(self, items: Sequence[PlannedFile], *, processor: CallProcessor, hook: Hook) -> Iterator[ItemResult]:
        for item in items:
            yield run_one(item, processor, hook)
