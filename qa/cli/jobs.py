"""``qa jobs``: what each batch did with each file it computed — and running the failed ones again."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from qa.cli import common
from qa.cli.calls import AddressOpt, ExecutorOption, MetadataOpt, NamePatternOpt, WorkersOpt
from qa.cli.common import JsonOpt, RubricOpt, emit

app = typer.Typer(help="Jobs: every file a `qa process` batch computed, with its status (queued, done, failed, "
                  "quarantined), attempts, worker, failing stage and error; retry the failed ones.",
                  no_args_is_help=True)


@app.command("list")
def jobs_list(
    status: Annotated[Optional[str], typer.Option(help="queued, done, failed or quarantined.")] = None,
    batch: Annotated[Optional[int], typer.Option(help="Only this batch's jobs.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """List jobs, newest first (a batch that was killed leaves its unfinished files queued)."""
    from qa.cli.render import jobs_table
    from qa.db.jobs import list_jobs
    from qa.reports.serialize import record_dict

    if status is not None and status not in ("queued", "done", "failed", "quarantined"):
        raise typer.BadParameter("--status must be queued, done, failed or quarantined")
    emit(as_json, list_jobs(common.engine(), status=status, batch_id=batch, limit=limit), record_dict, jobs_table)


@app.command("retry")
def jobs_retry(
    failed: Annotated[bool, typer.Option("--failed", help="The files whose newest job failed or was quarantined (the default and only choice).")] = True,
    metadata: MetadataOpt = None, name_pattern: NamePatternOpt = None, rubric: RubricOpt = None,
    executor: ExecutorOption = "local", address: AddressOpt = None, workers: WorkersOpt = 2, as_json: JsonOpt = False,
) -> None:
    """Run the failed files again as a new batch (what succeeds since is left alone)."""
    from pathlib import Path

    from qa.cli.calls import process
    from qa.db.jobs import to_retry

    paths = [Path(p) for p in to_retry(common.engine())]
    if not paths:
        common.err.print("Nothing to retry: no file's newest job failed.")
        return
    process(paths, metadata=metadata, name_pattern=name_pattern, rubric=rubric, as_json=as_json,
            executor=executor, address=address, workers=workers)
