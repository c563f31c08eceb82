"""Import calls transcribed elsewhere (the interchange format, docs/FORMAT.md).

Each file is identified by the hash of its bytes, so importing the same file
twice changes nothing. Gold ``labels`` are kept as human labels (source
``import``) for calibration and learned criteria; ``outcome`` is kept too.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import NamedTuple

from sqlalchemy.engine import Engine

from qa.errors import TranscriptFormatError
from qa.features import compute_features
from qa.metadata import parse_datetime, parse_direction
from qa.types import CallMetadata, ImportedCall, Role, RoleAssignment, Transcript, Utterance

VERDICTS = {"pass", "fail", "na"}


def read_interchange(path: Path) -> ImportedCall:
    try:
        raw = path.read_bytes()
        data = json.loads(raw.decode("utf-8-sig"))
    except OSError as exc:
        raise TranscriptFormatError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise TranscriptFormatError(f"{path}: not valid UTF-8 JSON{where}: {exc}") from exc
    if not isinstance(data, dict):
        raise TranscriptFormatError(f"{path}: expected a JSON object with 'call_id', 'language' and 'utterances'")
    for key in ("call_id", "language", "utterances"):
        if key not in data:
            raise TranscriptFormatError(f"{path}: missing '{key}' (see the interchange format in the README)")
    language = str(data["language"])
    if language not in ("ru", "uk", "en"):
        raise TranscriptFormatError(f"{path}: language {language!r} is not one of ru, uk, en")
    utterances: list[Utterance] = []
    for i, u in enumerate(data["utterances"]):
        try:
            role = Role(u["role"])
            start, end = float(u["start_s"]), float(u["end_s"])
            text = str(u["text"])
        except (KeyError, TypeError, ValueError) as exc:
            raise TranscriptFormatError(
                f"{path}: utterance {i} needs role (agent|customer), start_s, end_s and text ({exc})"
            ) from exc
        if end < start:
            raise TranscriptFormatError(f"{path}: utterance {i} ends ({end}) before it starts ({start})")
        utterances.append(Utterance(role=role, speaker=role.value, start_s=start, end_s=end, text=text))
    utterances.sort(key=lambda u: u.start_s)
    labels = data.get("labels") or {}
    bad = {k: v for k, v in labels.items() if v not in VERDICTS}
    if bad:
        raise TranscriptFormatError(f"{path}: labels must be pass|fail|na, got {bad}")
    try:
        metadata = CallMetadata(
            operator_id=data.get("operator"),
            team=data.get("team"),
            extra=tuple(sorted((str(k), str(v)) for k, v in (data.get("extra") or {}).items())),
            started_at=parse_datetime(data.get("started_at")),
            direction=parse_direction(data.get("channel")),
        )
    except Exception as exc:
        raise TranscriptFormatError(f"{path}: {exc}") from exc
    roles = RoleAssignment(roles=(("agent", Role.AGENT), ("customer", Role.CUSTOMER)), confidence=1.0, method="import")
    duration = max((u.end_s for u in utterances), default=0.0)
    return ImportedCall(
        sha256=hashlib.sha256(raw).hexdigest(),
        source_path=path,
        external_id=str(data["call_id"]),
        metadata=metadata,
        transcript=Transcript(language=language, utterances=tuple(utterances), role_assignment=roles),
        duration_s=duration,
        features=compute_features(utterances, duration),
        labels=tuple(sorted(labels.items())),
        outcome=tuple(sorted((data.get("outcome") or {}).items())),
    )


class ImportResult(NamedTuple):
    path: str
    status: str  # imported | skipped | failed
    call_id: str | None
    detail: str


def import_files(engine: Engine, paths: list[Path], rubric=None) -> list[ImportResult]:
    """Import every ``*.json`` given (folders recursively); one bad file does not stop the rest."""
    from qa.db import repo
    from qa.types import call_id_for

    files: list[Path] = []
    for p in paths:
        files.extend(sorted(p.rglob("*.json")) if p.is_dir() else [p])
    results: list[ImportResult] = []
    for path in files:
        try:
            call = read_interchange(path)
        except TranscriptFormatError as exc:
            results.append(ImportResult(str(path), "failed", None, str(exc)))
            continue
        call_id = call_id_for(call.sha256)
        if repo.call_status(engine, call_id=call_id) == "done":
            results.append(ImportResult(str(path), "skipped", call_id, "already imported"))
            continue
        repo.save_imported(engine, call=call, call_id=call_id, batch_id=None)
        if rubric is not None:
            from qa.pipeline import score_and_store

            score_and_store(engine, call_id, call.transcript, call.features, rubric)
        results.append(ImportResult(str(path), "imported", call_id, f"{len(call.transcript.utterances)} utterances"))
    return results
