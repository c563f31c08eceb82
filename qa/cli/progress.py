"""Rich progress display for ``qa process``, ``qa eval`` and ``qa learn``: one bar for the batch, one for the
current file; and the same progress as plain lines in the log file (``$QA_HOME/logs``), also on stderr when it
is not a terminal, so an unattended run over an hour of audio shows where it is.

It is fed by the pipeline's typed events (:mod:`qa.core.hooks`); presentation only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from qa.core.hooks import (
    BatchStarted,
    Event,
    FileDone,
    FileStarted,
    Scored,
    StageProgress,
    StageStarted,
)
from qa.ingest.files import readable


class ProgressLines:
    """Progress as one plain line per file started, stage, file done and, within a stage, every ``every_s``."""

    def __init__(self, write: Callable[[str], None], every_s: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._write, self._every_s, self._clock = write, every_s, clock
        self._last = 0.0
        self._done = 0
        self._total: int | None = None
        self._name = ""

    def _line(self, text: str) -> None:
        where = f"[{self._done + 1}/{self._total}] " if self._total else ""
        self._write(f"{datetime.now():%Y-%m-%dT%H:%M:%S} {where}{text}")

    def hook(self, event: Event) -> None:
        match event:
            case BatchStarted(total=total):
                self._total = total
                self._write(f"{datetime.now():%Y-%m-%dT%H:%M:%S} batch of {total} file(s) started")
            case FileStarted(path=path):
                self._name = readable(path.name)
                self._line(f"{self._name}: started")
            case StageStarted(name=name):
                self._last = self._clock()
                self._line(f"{self._name}: {name}")
            case StageProgress(name=name, completed=completed, total=total, unit=unit) if self._clock() - self._last >= self._every_s:
                self._last = self._clock()
                of = f"/{total:.0f}" if total else ""
                self._line(f"{self._name}: {name} {completed:.0f}{of}{' ' + unit + ' of audio' if unit else ''}")
            case FileDone(path=path, status=status, reason=reason):
                self._line(f"{readable(path.name)}: {status}" + (f" ({readable(reason)})" if reason else ""))
                self._done += 1


def appender(path: Path, also: Callable[[str], None] | None = None) -> Callable[[str], None]:
    """Write each line to ``path`` (opened per line: a log others may rotate) and to ``also``; a log that cannot be
    written is skipped, never an error in the middle of a batch."""

    def write(line: str) -> None:
        try:
            with path.open("a", encoding="utf-8", errors="backslashreplace") as fh:
                fh.write(line + "\n")
        except OSError:
            pass
        if also is not None:
            also(line)

    return write


class BatchProgress:
    def __init__(self, console: Console, enabled: bool = True, lines: ProgressLines | None = None,
                 failures: bool = True) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=console, disable=not enabled, transient=False,
        )
        self._console = console
        self._lines = lines
        self._failures = failures  # print each failed file (off when the progress lines already say it there)
        self._batch = None
        self._file = None
        self._name = ""

    def __enter__(self) -> "BatchProgress":
        self._progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.__exit__(*exc)

    def hook(self, event: Event) -> None:
        if self._lines is not None:
            self._lines.hook(event)
        p = self._progress
        match event:
            case BatchStarted(total=total):
                self._batch = p.add_task("all files", total=total, note="")
            case FileStarted(path=path):
                self._name = path.name
                if self._file is not None:
                    p.remove_task(self._file)
                self._file = p.add_task(escape(readable(self._name)[:40]), total=None, note="hashing")  # markup column
            case StageStarted(name=name) if self._file is not None:
                p.update(self._file, note=name, total=None, completed=0)
            case StageProgress(name=name, completed=completed, total=total, unit=unit) if self._file is not None:
                note = f"{name} (audio {unit})" if unit else name
                p.update(self._file, total=total, completed=completed, note=note)
            case FileDone(path=path, status=status, reason=reason):
                if self._file is not None:
                    p.remove_task(self._file)
                    self._file = None
                if status == "failed" and self._failures:
                    p.console.print(f"[red]failed[/] {escape(readable(path.name))}: {escape(readable(reason or ''))}")
                if self._batch is not None:
                    p.advance(self._batch)
            case Scored() if self._batch is not None:
                p.advance(self._batch)
