"""What every command group shares: the two consoles, option types and choices, settings, the database
engine, the rubric, and JSON / file output.

Library modules are imported inside the commands, so ``qa --help`` starts without loading them.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, time, timedelta
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console

from qa.core.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from qa.cli.progress import BatchProgress
    from qa.core.settings import Settings
    from qa.pipeline.processor import CallProcessor
    from scoring.rubric import Rubric

__all__ = [
    "ActorOpt", "AsOpt", "AudioOpt", "ByOpt", "CallArg", "ChannelOpt", "DecisionOpt", "ExportOpt", "JsonOpt", "LanguageOpt",
    "MonoRolesOpt", "OutputOpt", "RubricOpt", "ScorecardFormatOpt", "StatusOpt", "VerdictOpt", "emit", "engine",
    "check_output", "err", "executor", "out", "day_range", "log_path", "parse_day", "print_json", "processor", "progress",
    "report_unexpected", "rubric", "settings", "show", "write",
]

# Piped output (files, CI logs, `| grep`) is never cut: a width no table reaches. A terminal folds long cells.
PIPE_WIDTH = 100_000
out = Console(width=None if sys.stdout.isatty() else PIPE_WIDTH)
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


class ExportOpt(str, Enum):
    json = "json"
    txt = "txt"
    srt = "srt"
    rttm = "rttm"


class ScorecardFormatOpt(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    html = "html"


class AudioOpt(str, Enum):
    stereo = "stereo"
    mono = "mono"


class VerdictOpt(str, Enum):
    pass_ = "pass"
    fail = "fail"
    na = "na"


class DecisionOpt(str, Enum):
    upheld = "upheld"
    overturned = "overturned"


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
RubricOpt = Annotated[Optional[str], typer.Option("--rubric", help="Rubric id from rubrics/ or a YAML file (default: order_desk, or QA_RUBRIC).")]
ByOpt = Annotated[str, typer.Option("--by", help="Who does this (the reviewer's name); recorded in the audit trail.")]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file instead of standard output.")]
ActorOpt = Annotated[Optional[str], typer.Option("--by", help="Who does this; with accounts (`qa users`) the account given by --as / QA_USER.")]
AsOpt = Annotated[Optional[str], typer.Option("--as", help="Act as this account (default QA_USER); needed once accounts exist.")]
CallArg = Annotated[str, typer.Argument(help="Call id (from `qa calls`), the recording's file name, or an imported call's call_id.")]


def settings(**overrides) -> Settings:
    from qa.core.settings import load_settings, quiet_third_parties

    quiet_third_parties()
    return load_settings(**overrides)


def engine(chosen: Settings | None = None) -> Engine:
    from qa.db.engine import open_database

    return open_database((chosen or settings()).database_url)


def actor(db: Engine, named: Optional[str], as_login: Optional[str], action: str, option: str = "--by NAME") -> str:
    """Who this command acts as (see :func:`qa.access.acting`): the name typed, or the account of --as / QA_USER."""
    from qa import access

    return access.acting(db, named=named, login=as_login or settings().user, action=action, option=option)


def rubric(chosen: Settings, ref: Optional[str]) -> Rubric:
    from scoring.rubric import find_rubric

    return find_rubric(ref or chosen.rubric)


def rubric_version(chosen: Settings, ref: Optional[str], engine) -> tuple[str, int | None]:
    """``ID@VERSION`` (a stored version, checked against the database) or a rubric as :func:`rubric` finds it
    (every call's newest scorecard of it): (rubric id, version or None)."""
    from qa.core.errors import NotFound
    from qa.db.scores import stored_rubric_versions

    if ref and "@" in ref and not ref.endswith((".yaml", ".yml")):
        rubric_id, _, version = ref.rpartition("@")
        stored = stored_rubric_versions(engine, rubric_id=rubric_id)
        if not version.isdigit() or int(version) not in {v for v, _, _ in stored}:
            known = ", ".join(f"{rubric_id}@{v}" for v in sorted({v for v, _, _ in stored})) or "none"
            raise NotFound(f"no stored scorecards of rubric {ref}; stored versions: {known}")
        return rubric_id, int(version)
    return rubric(chosen, ref).id, None


def processor(chosen: Settings, **overrides) -> CallProcessor:
    """The pipeline's processor; its models load on first use, so building one costs nothing."""
    from qa.pipeline.processor import CallProcessor, PipelineOptions

    return CallProcessor(PipelineOptions.from_settings(chosen, **overrides))


def executor(kind: str, address: Optional[str], workers: int, chosen: Settings):
    """``--executor local|ray``: None (process_batch runs in this process) or a Ray executor whose workers share
    the machine's (or the cluster's) CPUs."""
    if kind == "local":
        if address:
            raise ConfigError("--address is for --executor ray")
        return None
    if kind != "ray":
        raise ConfigError(f"--executor {kind!r}: use local or ray")
    from qa.pipeline.ray_executor import RayExecutor

    return RayExecutor(address=address, workers=workers, cpus_per_worker=max(1, chosen.cpu_threads // workers))


def parse_day(value: Optional[str], option: str) -> Optional[date]:
    """A YYYY-MM-DD option; anything else is a one-line error (exit 1)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} must be a date like 2026-11-02, got {value!r}") from None


def day_range(date_from: Optional[str], date_to: Optional[str]) -> tuple[Optional[datetime], Optional[datetime]]:
    """``--from DAY --to DAY`` (both inclusive) as the half-open range [first midnight, midnight after the last)."""
    start, end = parse_day(date_from, "--from"), parse_day(date_to, "--to")
    return (None if start is None else datetime.combine(start, time()),
            None if end is None else datetime.combine(end + timedelta(days=1), time()))


def print_json(data) -> None:
    """``--json`` output: one document shaped in ``qa.reports.serialize``, valid JSON (no bare NaN) in valid UTF-8
    (a file name that is not UTF-8 is shown decoded, see ``qa.ingest.files.readable``)."""
    from qa.ingest.files import readable
    from qa.reports.serialize import json_text

    try:
        text = json_text(data)
    except ValueError as exc:  # a NaN or an infinity that serialize did not turn into null
        raise ConfigError(f"cannot print JSON: {exc}; nothing was printed (run without --json to see the table)") from exc
    sys.stdout.write(readable(text))


def check_output(output: Path) -> None:
    """Refuse an ``-o`` file that cannot be written before any work is done: a missing folder, a directory."""
    from qa.ingest.files import readable

    shown = readable(output)
    if output.is_dir():
        raise ConfigError(f"-o {shown} is a directory; give a file name, e.g. -o {readable(output / 'report.txt')}")
    if not output.parent.is_dir():
        raise ConfigError(f"-o {shown}: the folder {readable(output.parent)} does not exist; create it first (mkdir -p)")


def write(text: str, output: Optional[Path]) -> None:
    """An export to a file (named on stderr) or to stdout; a file that cannot be written is one ConfigError."""
    if output:
        from qa.ingest.files import readable

        check_output(output)
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write -o {readable(output)}: {exc.strerror or exc} (check the disk space and "
                              "the folder's permissions)") from exc
        err.print(f"Wrote {readable(output)}", highlight=False, markup=False)
    else:
        sys.stdout.write(text)


def emit(as_json: bool, value, to_json, to_rich) -> None:
    """Print ``value`` as JSON (``to_json``: a function of qa.reports.serialize, applied to each item of a
    list) or as the renderables ``to_rich`` makes (one, or a list of them)."""
    if as_json:
        print_json([to_json(v) for v in value] if isinstance(value, list) else to_json(value))
    else:
        show(to_rich(value))


def show(parts) -> None:
    """Print a renderable of ``qa.cli.render`` or a list of them."""
    for part in parts if isinstance(parts, list) else [parts]:
        out.print(part)


def log_path(now: datetime | None = None) -> Path:
    """Where unexpected errors are written: ``$QA_HOME/logs/qa-YYYYmmdd.log`` (a temp folder when QA_HOME cannot be
    written). Read from the environment directly: the settings may be what failed."""
    import os
    import tempfile

    from qa.core.settings import _default_home

    name = f"qa-{(now or datetime.now()):%Y%m%d}.log"
    for folder in (Path(os.environ["QA_HOME"]) / "logs" if os.environ.get("QA_HOME") else _default_home() / "logs",
                   Path(tempfile.gettempdir()) / "callqa-logs"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with (folder / name).open("a", encoding="utf-8"):
                pass
            return folder / name
        except OSError:
            continue
    return Path(tempfile.gettempdir()) / name


def report_unexpected(exc: BaseException) -> str:
    """An error nobody planned for: its traceback goes to the log file; the user gets one line saying where."""
    import traceback

    from qa.ingest.files import readable

    path = log_path()
    try:
        with path.open("a", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write(f"--- {datetime.now().isoformat(timespec='seconds')} qa {' '.join(readable(a) for a in sys.argv[1:])}\n")
            fh.write("".join(traceback.format_exception(exc)))
        where = f"details in {path}"
    except OSError:
        where = "the log file could not be written"
    message = " ".join(readable(str(exc)).split())
    message = message if len(message) <= 300 else message[:300] + "…"
    return f"unexpected error: {type(exc).__name__}: {message} — {where}"


def progress(enabled: bool) -> BatchProgress:
    """Progress bars on stderr for a batch (``enabled=False`` with --json: stdout and stderr stay clean), and plain
    progress lines in the log file, also on stderr when it is not a terminal (a cron job, CI, ``2> run.log``)."""
    from qa.cli.progress import BatchProgress, ProgressLines, appender

    plain = enabled and not err.is_terminal
    also = (lambda line: print(line, file=sys.stderr, flush=True)) if plain else None
    return BatchProgress(err, enabled=enabled and not plain, lines=ProgressLines(appender(log_path(), also)),
                         failures=not plain)
