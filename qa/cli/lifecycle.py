"""``qa erase`` and ``qa retention``: a customer's erasure request, and retention periods applied."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.text import Text

from qa.cli import common
from qa.cli.common import ActorOpt, AsOpt, CallArg, JsonOpt, emit

app = typer.Typer()
retention_app = typer.Typer(
    help="Retention periods per kind (audio, transcript, clips), from QA_RETENTION_AUDIO_DAYS, "
    "QA_RETENTION_TRANSCRIPT_DAYS and QA_RETENTION_CLIPS_DAYS or the options.",
    no_args_is_help=True,
)
app.add_typer(retention_app, name="retention")



@app.command()
def erase(
    call: CallArg,
    ticket: Annotated[str, typer.Option(help="The erasure request's reference, e.g. GDPR-2026-118 (kept in the audit trail; no names).")],
    keep_audio: Annotated[bool, typer.Option("--keep-audio", help="Leave the recording file on disk (delete it elsewhere).")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    by: ActorOpt = None, as_: AsOpt = None, as_json: JsonOpt = False,
) -> None:
    """Erase a call on a customer's request: its transcript, quotes in verdicts, comments, clips, file name, phone
    and (unless --keep-audio) the recording. Scores and timings stay, so KPIs keep counting the call.

    Example: qa erase 3f2a9c --ticket GDPR-2026-118 --by olga
    """
    from qa.pipeline.lifecycle import erase as erase_call
    from qa.reports.serialize import record_dict

    engine = common.engine()
    actor = common.actor(engine, by, as_, "data.erase")
    if not yes and not as_json:
        typer.confirm(f"Erase call {call} for good (transcript, quotes, clips{'' if keep_audio else ', recording'})?",
                      abort=True, err=True)
    result = erase_call(engine, call_ref=call, actor=actor, ticket=ticket, delete_audio=not keep_audio)
    emit(as_json, result, record_dict, _erasure_text)
    if result.problem:
        raise typer.Exit(1)


def _erasure_text(e) -> Text:
    audio = "recording deleted" if e.audio_deleted else (f"recording NOT deleted: {e.problem}" if e.problem
                                                          else "recording kept")
    return Text(f"Call {e.call_id} erased: {e.utterances} utterances, {e.quotes} quotes, {e.notes} notes, "
                f"{e.clips} clips removed; {audio}.")


@retention_app.command("apply")
def retention_apply(
    audio_days: Annotated[Optional[int], typer.Option(help="Delete recordings older than this (default QA_RETENTION_AUDIO_DAYS).")] = None,
    transcript_days: Annotated[Optional[int], typer.Option(help="Remove transcripts and quotes older than this (default QA_RETENTION_TRANSCRIPT_DAYS).")] = None,
    clips_days: Annotated[Optional[int], typer.Option(help="Remove playlist clips added longer ago (default QA_RETENTION_CLIPS_DAYS).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would go; change nothing.")] = False,
    by: ActorOpt = None, as_: AsOpt = None, as_json: JsonOpt = False,
) -> None:
    """Apply the retention periods: what is older goes, scores and timings stay. Run it daily (cron).

    Example: QA_RETENTION_AUDIO_DAYS=90 qa retention apply --dry-run
    """
    from qa.pipeline.lifecycle import apply_retention
    from qa.reports.serialize import record_dict

    settings = common.settings(retention_audio_days=audio_days, retention_transcript_days=transcript_days,
                               retention_clips_days=clips_days)
    engine = common.engine(settings)
    actor = common.actor(engine, by, as_, "data.erase")
    report = apply_retention(engine, audio_days=settings.retention_audio_days,
                             transcript_days=settings.retention_transcript_days,
                             clips_days=settings.retention_clips_days, actor=actor, dry_run=dry_run)
    emit(as_json, report, record_dict, _retention_text)
    if report.problems:
        raise typer.Exit(1)


def _retention_text(r) -> list:
    verb = "would remove" if r.dry_run else "removed"
    policy = ", ".join(f"{kind} {days} days" if days else f"{kind} kept" for kind, days in r.policy)
    lines = [Text(f"Retention ({policy}): {verb} {len(r.audio)} recording(s), {len(r.transcripts)} transcript(s), "
                  f"{r.clips} clip(s).")]
    lines += [Text(f"could not delete {p}", style="red") for p in r.problems]
    return lines
