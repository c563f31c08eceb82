"""`qa`: offline quality assurance for recorded phone calls.

Commands stay thin: parse options, call into ``qa``, print. Library errors
(``QAError``) become a one-line message and exit code 1.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from datetime import date, datetime, timedelta
from dataclasses import asdict
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from qa.errors import QAError

app = typer.Typer(
    help="Offline QA for recorded phone calls: transcribe with who-said-what, then list, show and export calls.\n\n"
    "Data lives in $QA_HOME (default ~/.local/share/callqa); set QA_DB_URL for PostgreSQL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Tables need room: 120 columns when the output is not a terminal (pipes, CI logs).
out = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True)


class LanguageOpt(str, Enum):
    auto = "auto"
    ru = "ru"
    uk = "uk"
    en = "en"


class ChannelOpt(str, Enum):
    left = "left"
    right = "right"


class MonoRolesOpt(str, Enum):
    auto = "auto"
    first_is_agent = "first-is-agent"
    first_is_customer = "first-is-customer"


class StatusOpt(str, Enum):
    done = "done"
    failed = "failed"


class FormatOpt(str, Enum):
    json = "json"
    txt = "txt"
    srt = "srt"
    rttm = "rttm"


def command(name: str | None = None):
    """Register a command whose QAError becomes a one-line message and exit code 1."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except QAError as exc:
                err.print(f"[red]Error:[/] {exc}", highlight=False, soft_wrap=True)
                raise typer.Exit(1) from exc

        return app.command(name)(wrapper)

    return decorate


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]


def _settings(**overrides):
    from qa.settings import load_settings, quiet_third_parties

    quiet_third_parties()
    return load_settings(**overrides)


def _engine(settings):
    from qa.db.repo import open_database

    return open_database(settings.database_url)


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@command()
def process(
    paths: Annotated[list[Path], typer.Argument(help="Recordings and/or folders (searched recursively for audio files).")],
    metadata: Annotated[Optional[Path], typer.Option("--metadata", help="Sidecar CSV: a 'file' column plus operator, started_at, direction, phone, order_id.")] = None,
    name_pattern: Annotated[Optional[str], typer.Option("--name-pattern", help="Read metadata from file names, e.g. '{operator}_{date}_{time}'. Fields: operator, date, time, direction, phone, order, _ (anything).")] = None,
    language: Annotated[LanguageOpt, typer.Option(help="Call language; 'auto' detects it per call among ru, uk, en.")] = LanguageOpt.auto,
    agent_channel: Annotated[Optional[ChannelOpt], typer.Option(help="Stereo recordings: the operator's channel [default: left, or QA_AGENT_CHANNEL].")] = None,
    mono_roles: Annotated[MonoRolesOpt, typer.Option(help="Mono recordings: who is the agent. 'auto' scores greetings, agent phrases and who speaks first.")] = MonoRolesOpt.auto,
    asr_model: Annotated[Optional[str], typer.Option("--asr-model", help="CTranslate2 Whisper directory or model name [default: bundled Whisper base, or QA_ASR_MODEL].")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Transcribe recordings into the database: diarize, transcribe, assign agent/customer roles, measure timing.

    Files already processed (same content hash) are skipped, so re-running a batch only does what is left.
    Failed files are listed with a reason and the exit code is 1; the rest of the batch is stored.
    """
    from qa.metadata import metadata_source
    from qa.pipeline import CallProcessor, PipelineOptions, process_batch

    settings = _settings(asr_model=asr_model, agent_channel=agent_channel.value if agent_channel else None)
    engine = _engine(settings)
    lookup, unknown_columns = metadata_source(metadata, name_pattern)
    if unknown_columns:
        err.print(f"[yellow]Metadata columns kept as extra fields: {', '.join(unknown_columns)}[/]")
    options = PipelineOptions.from_settings(settings, language=language.value, mono_roles=mono_roles.value)
    from qa.progress import BatchProgress

    with BatchProgress(err, enabled=not as_json) as progress:
        try:
            report = process_batch(engine, paths, processor=CallProcessor(options), metadata_for=lookup, hook=progress.hook)
        except KeyboardInterrupt:
            err.print("[red]Interrupted.[/] Finished calls are stored; run the same command again to resume.")
            raise typer.Exit(130)
    from qa.reports import batch_report_dict, batch_report_tables

    if as_json:
        _print_json(batch_report_dict(report))
    else:
        for table in batch_report_tables(report):
            out.print(table)
    if not report.ok:
        raise typer.Exit(1)


@command("import-transcript")
def import_transcript(
    paths: Annotated[list[Path], typer.Argument(help="Interchange-format JSON files or folders of them.")],
    as_json: JsonOpt = False,
) -> None:
    """Store calls transcribed elsewhere (JSON interchange format: call_id, language, operator, utterances...).

    Gold 'labels' in the files are kept as human labels. Re-importing an unchanged file does nothing.
    """
    from qa.imports import import_files

    settings = _settings()
    results = import_files(_engine(settings), paths)
    if as_json:
        _print_json([r._asdict() for r in results])
    else:
        table = Table(title="Imported transcripts")
        for col in ("file", "call", "status", "utterances / reason"):
            table.add_column(col)
        for r in results:
            style = {"imported": "green", "skipped": "dim", "failed": "red"}[r.status]
            table.add_row(Path(r.path).name, r.call_id or "", f"[{style}]{r.status}[/]", r.detail)
        out.print(table)
    if any(r.status == "failed" for r in results):
        raise typer.Exit(1)


def _parse_day(value: Optional[str], option: str) -> Optional[datetime]:
    if value is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time())
    except ValueError:
        raise QAError(f"{option} must be a date like 2026-11-02, got {value!r}")


@command()
def calls(
    operator: Annotated[Optional[str], typer.Option(help="Only this operator's calls.")] = None,
    date_from: Annotated[Optional[str], typer.Option("--from", help="First day (YYYY-MM-DD) of the call start time.")] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="Last day (YYYY-MM-DD), inclusive.")] = None,
    status: Annotated[Optional[StatusOpt], typer.Option(help="done or failed.")] = None,
    limit: Annotated[Optional[int], typer.Option(help="At most this many rows.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List stored calls (processed and failed), oldest first."""
    from qa.db.repo import list_calls
    from qa.export import clock

    start = _parse_day(date_from, "--from")
    end = _parse_day(date_to, "--to")
    rows = list_calls(
        _engine(_settings()), operator=operator, date_from=start, date_to=end + timedelta(days=1) if end else None,
        status=status.value if status else None, limit=limit,
    )
    if as_json:
        _print_json([asdict(r) for r in rows])
        return
    table = Table(title=f"{len(rows)} call(s)")
    for col in ("call", "started", "operator", "file"):
        table.add_column(col, no_wrap=col != "file")
    for col in ("mode", "lang", "length", "utt.", "status"):
        table.add_column(col, no_wrap=True)
    for r in rows:
        status_cell = "[green]done[/]" if r.status == "done" else f"[red]failed[/]: {r.error}"
        table.add_row(
            r.call_id, r.started_at.strftime("%Y-%m-%d %H:%M") if r.started_at else "-", r.operator_id or "-", r.file_name,
            r.mode or "-", r.language or "-", clock(r.duration_s) if r.duration_s else "-", str(r.utterances), status_cell,
        )
    out.print(table)


@command()
def show(
    call: Annotated[str, typer.Argument(help="Call id (from `qa calls`) or the recording's file name.")],
    as_json: JsonOpt = False,
) -> None:
    """Print one call: metadata, timing features and the transcript with roles and timestamps."""
    from qa.db.repo import load_call, resolve_call
    from qa.export import to_dict
    from qa.reports import call_view

    engine = _engine(_settings())
    stored = load_call(engine, call_id=resolve_call(engine, ref=call))
    if as_json:
        _print_json(to_dict(stored))
        return
    for renderable in call_view(stored):
        out.print(renderable)


@command()
def export(
    call: Annotated[str, typer.Argument(help="Call id (from `qa calls`) or the recording's file name.")],
    fmt: Annotated[FormatOpt, typer.Option("--format", "-f", help="json (everything), txt ([mm:ss.s] role: text), srt subtitles, rttm (roles as speakers).")] = FormatOpt.json,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file instead of standard output.")] = None,
) -> None:
    """Export one call's transcript."""
    from qa.db.repo import load_call, resolve_call
    from qa.export import ExportFormat, render

    engine = _engine(_settings())
    text = render(load_call(engine, call_id=resolve_call(engine, ref=call)), ExportFormat(fmt.value))
    if output:
        output.write_text(text, encoding="utf-8")
        err.print(f"Wrote {output}")
    else:
        sys.stdout.write(text)


@command()
def models() -> None:
    """Prepare and list the models in use (assembles the bundled Whisper model into $QA_HOME/models)."""
    from qa.pipeline import PipelineOptions
    from transcription import models as m

    settings = _settings()
    options = PipelineOptions.from_settings(settings)
    table = Table(title="Models")
    table.add_column("stage")
    table.add_column("model")
    table.add_column("location")
    asr = m.bundled_whisper_dir(settings.models_dir) if options.asr_model.startswith("bundled:") else options.asr_model
    table.add_row("ASR", options.asr_model_label, str(asr))
    table.add_row("segmentation", "pyannote segmentation-3.0", str(m.segmentation_checkpoint()))
    table.add_row("speaker embedding", "3D-Speaker CAM++ (zh/en common)", str(m.campplus_files()[1]))
    out.print(table)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except QAError as exc:
        err.print(f"[red]Error:[/] {exc}")
        sys.exit(1)


if __name__ == "__main__":
    main()
