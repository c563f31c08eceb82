"""Erasure on request and retention: storage (``qa.db.lifecycle``) and the recordings on disk, together.

The database is changed first, in one transaction; then the recording is deleted. A file that cannot be deleted
is reported (its path, why) and not marked removed, so a re-run tries again. A recording outside the database's knowledge (a file never processed) is never touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from qa.core.errors import ConfigError
from qa.db import calls as call_store
from qa.db import lifecycle as store
from qa.db.engine import utcnow
from qa.ingest.files import readable

TICKET = re.compile(r"[A-Za-z0-9._:/#-]{1,64}")


@dataclass(frozen=True, slots=True)
class Erasure:
    call_id: str
    utterances: int
    quotes: int
    notes: int
    clips: int
    audio_deleted: bool
    problem: str | None  # why the recording could not be deleted


@dataclass(frozen=True, slots=True)
class RetentionReport:
    dry_run: bool
    audio: tuple[str, ...]  # call ids whose recording went (or would go)
    transcripts: tuple[str, ...]
    clips: int
    problems: tuple[str, ...]
    policy: tuple[tuple[str, int | None], ...]  # (kind, days) as configured


def _delete(path: str) -> str | None:
    """Delete one recording; the reason when it could not be (a file already gone is not a problem)."""
    try:
        Path(path).unlink(missing_ok=True)
    except OSError as exc:
        return f"{readable(Path(path))}: {exc.strerror or exc}"
    return None


def erase(engine: Engine, *, call_ref: str, actor: str, ticket: str, delete_audio: bool = True) -> Erasure:
    """A customer's erasure request: the call's words, quotes, comments, clips and (unless ``delete_audio`` is off)
    its recording are removed; the audit entry keeps the ticket and counts, nothing personal."""
    if not TICKET.fullmatch(ticket or ""):
        raise ConfigError("--ticket is the request's reference (letters, digits, . _ : / # -, up to 64), e.g. "
                          "GDPR-2026-118; not a name or a phone number: the audit trail keeps it")
    call_id = call_store.resolve_call(engine, ref=call_ref)
    removed = store.erase_call(engine, call_id=call_id, actor=actor, ticket=ticket)
    problem = _delete(removed.source_path) if removed.source_path and delete_audio else None
    if removed.source_path and delete_audio and problem is None:
        store.mark_audio_removed(engine, call_ids=[call_id], actor=actor)
    return Erasure(call_id, removed.utterances, removed.quotes, removed.notes, removed.clips,
                   audio_deleted=bool(removed.source_path and delete_audio and problem is None), problem=problem)


def apply_retention(engine: Engine, *, audio_days: int | None, transcript_days: int | None,
                    clips_days: int | None, actor: str, dry_run: bool = False) -> RetentionReport:
    """Remove what is older than its period (unset: kept). ``dry_run`` lists it and changes nothing."""
    if audio_days is None and transcript_days is None and clips_days is None:
        raise ConfigError("no retention period is set: set QA_RETENTION_AUDIO_DAYS, QA_RETENTION_TRANSCRIPT_DAYS "
                          "or QA_RETENTION_CLIPS_DAYS (days), or pass --audio-days/--transcript-days/--clips-days")
    now = utcnow()
    audio, transcripts, clips, problems = [], [], 0, []
    if audio_days is not None:
        due = store.audio_before(engine, before=now - timedelta(days=audio_days))
        audio = [call_id for call_id, _ in due]
        if not dry_run:
            failed = {call_id: p for call_id, path in due if (p := _delete(path))}
            problems += failed.values()
            audio = [call_id for call_id in audio if call_id not in failed]  # a re-run tries the rest again
            store.mark_audio_removed(engine, call_ids=audio, actor=actor, days=audio_days)
    if transcript_days is not None:
        transcripts = store.transcripts_before(engine, before=now - timedelta(days=transcript_days))
        if not dry_run:
            store.remove_transcripts(engine, call_ids=transcripts, actor=actor, days=transcript_days)
    if clips_days is not None:
        before = now - timedelta(days=clips_days)
        clips = (len(store.clips_before(engine, before=before)) if dry_run
                 else store.remove_clips(engine, before=before, actor=actor, days=clips_days))
    return RetentionReport(dry_run, tuple(audio), tuple(transcripts), clips, tuple(problems),
                           (("audio", audio_days), ("transcript", transcript_days), ("clips", clips_days)))
