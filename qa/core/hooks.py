"""Typed progress events: what the pipeline tells whoever watches it (a progress bar, a log, a web page).

Every stage and batch function takes ``hook: Hook | None`` and calls it with one of the events below; it never
prints. The events are frozen dataclasses of plain values (paths, strings, numbers), so they pickle: a
distributed executor can ship them from a worker back to the process that renders them.

Events of one batch arrive in this order::

    BatchStarted
      FileStarted  StageStarted / StageProgress ...  FileDone     (once per file; a skipped file has no stages)
    BatchDone

``qa score`` emits ``BatchStarted`` then one ``Scored`` per call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

__all__ = [
    "BatchDone", "BatchStarted", "Event", "FileDone", "FileStarted", "Hook", "Scored", "StageProgress",
    "StageStarted", "ignore",
]


@dataclass(frozen=True, slots=True)
class BatchStarted:
    total: int  # files to go through (skipped ones included)
    ignored: int  # files found that are not recordings


@dataclass(frozen=True, slots=True)
class FileStarted:
    path: Path
    index: int  # position in the batch, from 0


@dataclass(frozen=True, slots=True)
class StageStarted:
    name: str  # decode | language | diarize | transcribe | transcribe ch0 | features | store | score


@dataclass(frozen=True, slots=True)
class StageProgress:
    name: str
    completed: float
    total: float
    unit: str = ""  # "s" when completed/total are seconds of audio; "" for steps


@dataclass(frozen=True, slots=True)
class FileDone:
    path: Path
    status: str  # processed | skipped | failed
    call_id: str | None = None
    reason: str | None = None
    audio_s: float = 0.0
    wall_s: float = 0.0


@dataclass(frozen=True, slots=True)
class BatchDone:
    batch_id: int | None
    status: str  # finished | interrupted | aborted
    processed: int = 0
    skipped: int = 0
    failed: int = 0
    audio_s: float = 0.0
    wall_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Scored:
    call_id: str


Event: TypeAlias = BatchStarted | FileStarted | StageStarted | StageProgress | FileDone | BatchDone | Scored
Hook: TypeAlias = Callable[[Event], None]


def ignore(event: Event) -> None:
    """The hook used when nobody watches."""
