"""Rich progress display for ``qa process``: one bar for the batch, one for the current file.

It is fed by the pipeline's ``hook(event, **info)`` callback (presentation only).
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


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

    def hook(self, event: str, **info) -> None:
        p = self._progress
        if event == "batch_start":
            self._batch = p.add_task("all files", total=info["total"], note="")
        elif event == "file_start":
            self._name = info["path"].name
            if self._file is not None:
                p.remove_task(self._file)
            self._file = p.add_task(self._name[:40], total=None, note="hashing")
        elif event == "stage" and self._file is not None:
            p.update(self._file, note=info["name"], total=None, completed=0)
        elif event == "transcribe" and self._file is not None:
            p.update(self._file, total=round(info["total"]), completed=round(info["completed"]), note="transcribe (audio s)")
        elif event == "progress" and self._file is not None:
            p.update(self._file, total=info["total"], completed=info["completed"], note=info["name"])
        elif event == "file_done":
            outcome = info["outcome"]
            if self._file is not None:
                p.remove_task(self._file)
                self._file = None
            if outcome.status == "failed":
                p.console.print(f"[red]failed[/] {outcome.path.name}: {outcome.reason}")
            p.advance(self._batch)
