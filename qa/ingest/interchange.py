"""The call interchange format (one JSON file per call, see the README): reading it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from qa.core.errors import TranscriptFormatError
from qa.core.types import (
    CallMetadata,
    ImportedCall,
    Role,
    RoleAssignment,
    Transcript,
    Utterance,
)
from qa.ingest.metadata import parse_datetime, parse_direction

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
        features=None,
        labels=tuple(sorted(labels.items())),
        outcome=tuple(sorted((data.get("outcome") or {}).items())),
    )
