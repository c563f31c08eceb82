"""Rich progress display for ``qa process``, ``qa eval`` and ``qa learn``: one bar for the batch, one for the
current file.

It is fed by the pipeline's typed events (:mod:`qa.core.hooks`); presentation only.
"""

from __future__ import annotations

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


class BatchProgress:
    def __init__(self, console: Console, enabled: bool = True) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=console, disable=not enabled, transient=False,
        )
        self._console = console
        self._batch = None
        self._file = None
        self._name = ""

    def __enter__(self) -> "BatchProgress":
        self._progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.__exit__(*exc)

    def hook(self, event: Event) -> None:
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
                if status == "failed":
                    p.console.print(f"[red]failed[/] {escape(readable(path.name))}: {escape(readable(reason or ''))}")
                if self._batch is not None:
                    p.advance(self._batch)
            case Scored() if self._batch is not None:
                p.advance(self._batch)
