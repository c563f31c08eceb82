"""The call interchange format (one JSON file per call, see the README): reading AND writing it.

``read_interchange`` turns a file into an :class:`ImportedCall` (every problem is one
:class:`TranscriptFormatError` naming the file and what is wrong); ``to_interchange`` turns a stored call
into the same document, so whatever ``qa export --format json`` writes, ``qa import-transcript`` reads back.

A document: ``call_id``, ``language`` (ru|uk|en), optional ``operator``, ``team``, ``started_at`` (ISO 8601,
local time), ``channel`` (inbound|outbound|callback), ``extra`` (an object of further metadata: ``phone``,
``order_id``, ``mystery_campaign``...), ``utterances`` (``role``, ``start_s``, ``end_s``, ``text``; optional
``speaker`` and ``words``: ``start_s``, ``end_s``, ``text``, ``probability``), optional ``outcome`` and
``labels`` (criterion -> pass|fail|na). Other keys (e.g. ``notes``) are ignored.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qa.core.errors import QAError, TranscriptFormatError
from qa.core.records import StoredCall
from qa.core.types import (
    CallMetadata,
    ImportedCall,
    Role,
    RoleAssignment,
    Transcript,
    Utterance,
    Word,
)
from qa.ingest.metadata import parse_datetime, parse_direction

VERDICTS = {"pass", "fail", "na"}
LANGUAGES = ("ru", "uk", "en")
ROLES = tuple(r.value for r in Role)
# metadata columns of their own that travel inside ``extra``
EXTRA_COLUMNS = ("phone", "order_id")


# ---------------------------------------------------------------- reading


def _fail(path: Path, what: str) -> TranscriptFormatError:
    return TranscriptFormatError(f"{path}: {what} (see the interchange format in the README)")


def _number(value: Any, path: Path, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(path, f"{where} must be a finite number of seconds, got {json.dumps(value, ensure_ascii=False)}")
    return float(value)


def _optional_text(data: dict, key: str, path: Path) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(path, f"'{key}' must be a string, got {json.dumps(value, ensure_ascii=False)}")
    return value.strip() or None


def _object(data: dict, key: str, path: Path) -> dict:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(path, f"'{key}' must be an object, got {json.dumps(value, ensure_ascii=False)[:60]}")
    return value


def _words(raw: Any, path: Path, i: int) -> tuple[Word, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _fail(path, f"utterance {i}: 'words' must be a list of objects")
    out = []
    for j, w in enumerate(raw):
        if not isinstance(w, dict):
            raise _fail(path, f"utterance {i}, word {j}: expected an object with start_s, end_s, text")
        if not isinstance(w.get("text"), str):
            raise _fail(path, f"utterance {i}, word {j}: 'text' must be a string")
        start = _number(w.get("start_s"), path, f"utterance {i}, word {j}: start_s")
        end = _number(w.get("end_s"), path, f"utterance {i}, word {j}: end_s")
        probability = _number(w.get("probability", 1.0), path, f"utterance {i}, word {j}: probability")
        if not 0.0 <= probability <= 1.0:
            raise _fail(path, f"utterance {i}, word {j}: probability {probability} is not between 0 and 1")
        out.append(Word(start, end, w["text"], probability))
    return tuple(out)


def _utterances(raw: Any, path: Path) -> list[Utterance]:
    if not isinstance(raw, list):
        raise _fail(path, "'utterances' must be a list of objects with role, start_s, end_s and text")
    utterances: list[Utterance] = []
    for i, u in enumerate(raw):
        if not isinstance(u, dict):
            raise _fail(path, f"utterance {i} must be an object with role (agent|customer), start_s, end_s and text")
        missing = [k for k in ("role", "start_s", "end_s", "text") if k not in u]
        if missing:
            raise _fail(path, f"utterance {i} needs role (agent|customer), start_s, end_s and text (missing {', '.join(missing)})")
        if u["role"] not in ROLES:
            raise _fail(path, f"utterance {i}: role {json.dumps(u['role'], ensure_ascii=False)} must be agent or customer")
        role = Role(u["role"])
        start = _number(u["start_s"], path, f"utterance {i}: start_s")
        end = _number(u["end_s"], path, f"utterance {i}: end_s")
        if start < 0:
            raise _fail(path, f"utterance {i} starts before the call ({start} s)")
        if end < start:
            raise TranscriptFormatError(f"{path}: utterance {i} ends ({end}) before it starts ({start})")
        if not isinstance(u["text"], str):
            raise _fail(path, f"utterance {i}: 'text' must be a string")
        speaker = u.get("speaker", role.value)
        if not isinstance(speaker, str) or not speaker.strip():
            raise _fail(path, f"utterance {i}: 'speaker' must be a non-empty string")
        utterances.append(Utterance(role=role, speaker=speaker, start_s=start, end_s=end, text=u["text"],
                                    words=_words(u.get("words"), path, i)))
    if not utterances:
        raise TranscriptFormatError(f"{path}: the transcript is empty: 'utterances' has no entries, nothing to score")
    if not any(u.text.strip() for u in utterances):
        raise TranscriptFormatError(f"{path}: the transcript is empty: all {len(utterances)} utterances have no text")
    return sorted(utterances, key=lambda u: u.start_s)


def _metadata(data: dict, path: Path) -> CallMetadata:
    extra_raw = _object(data, "extra", path)
    extra: dict[str, str] = {}
    for k, v in extra_raw.items():
        if isinstance(v, (dict, list)):
            raise _fail(path, f"extra.{k} must be a string or a number, not {'an object' if isinstance(v, dict) else 'a list'}")
        if v is not None:
            extra[str(k)] = str(v).lower() if isinstance(v, bool) else str(v)
    columns = {k: extra.pop(k, None) for k in EXTRA_COLUMNS}
    for k in EXTRA_COLUMNS:  # accepted at the top level too (older exports wrote them there)
        columns[k] = columns[k] or _optional_text(data, k, path)
    try:
        return CallMetadata(
            operator_id=_optional_text(data, "operator", path),
            team=_optional_text(data, "team", path),
            started_at=parse_datetime(_optional_text(data, "started_at", path)),
            direction=parse_direction(_optional_text(data, "channel", path)),
            phone=columns["phone"], order_id=columns["order_id"],
            extra=tuple(sorted(extra.items())),
        )
    except TranscriptFormatError:
        raise
    except QAError as exc:
        raise TranscriptFormatError(f"{path}: {exc}") from exc


def parse_interchange(data: Any, *, path: Path, raw: bytes) -> ImportedCall:
    """An interchange document (already decoded from ``raw``, the file's bytes) -> ImportedCall."""
    if not isinstance(data, dict):
        raise TranscriptFormatError(f"{path}: expected a JSON object with 'call_id', 'language' and 'utterances'")
    for key in ("call_id", "language", "utterances"):
        if key not in data:
            raise TranscriptFormatError(f"{path}: missing '{key}' (see the interchange format in the README)")
    call_id = data["call_id"]
    if isinstance(call_id, bool) or not isinstance(call_id, (str, int)) or not str(call_id).strip():
        raise _fail(path, f"'call_id' must be a non-empty string, got {json.dumps(call_id, ensure_ascii=False)}")
    language = data["language"]
    if language not in LANGUAGES:
        raise TranscriptFormatError(f"{path}: language {language!r} is not one of ru, uk, en")
    utterances = _utterances(data["utterances"], path)
    labels = _object(data, "labels", path)
    bad = {k: v for k, v in labels.items() if not isinstance(v, str) or v not in VERDICTS}
    if bad:
        raise TranscriptFormatError(f"{path}: labels must be pass|fail|na, got {bad}")
    outcome = _object(data, "outcome", path)
    metadata = _metadata(data, path)
    roles = RoleAssignment(roles=tuple(sorted({(u.speaker, u.role) for u in utterances})), confidence=1.0, method="import")
    return ImportedCall(
        sha256=hashlib.sha256(raw).hexdigest(),
        source_path=path,
        external_id=str(call_id).strip(),
        metadata=metadata,
        transcript=Transcript(language=language, utterances=tuple(utterances), role_assignment=roles),
        duration_s=max(u.end_s for u in utterances),
        features=None,
        labels=tuple(sorted(labels.items())),
        outcome=tuple(sorted(outcome.items())),
    )


def read_interchange(path: Path) -> ImportedCall:
    """One interchange file -> ImportedCall; any problem is one TranscriptFormatError naming the file."""
    try:
        raw = path.read_bytes()
        data = json.loads(raw.decode("utf-8-sig"))
    except OSError as exc:
        raise TranscriptFormatError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise TranscriptFormatError(f"{path}: not valid UTF-8 JSON{where}: {exc}") from exc
    except RecursionError as exc:
        raise TranscriptFormatError(f"{path}: JSON nested too deeply") from exc
    return parse_interchange(data, path=path, raw=raw)


# ---------------------------------------------------------------- writing


def to_interchange(
    call: StoredCall, *, labels: Mapping[str, str] | None = None, outcome: Mapping | None = None,
) -> dict:
    """A stored call as an interchange document. ``call_id`` is the imported transcript's own id, else ours;
    ``labels``/``outcome`` default to the ones imported with the call (give ``{}`` to leave them out)."""
    m = call.metadata
    doc: dict[str, Any] = {"call_id": call.summary.external_id or call.summary.call_id, "language": call.transcript.language}
    if m.operator_id:
        doc["operator"] = m.operator_id
    if m.team:
        doc["team"] = m.team
    if m.started_at:
        doc["started_at"] = m.started_at.isoformat()
    if m.direction:
        doc["channel"] = m.direction.value
    extra = {k: v for k, v in (("phone", m.phone), ("order_id", m.order_id)) if v} | dict(m.extra)
    if extra:
        doc["extra"] = dict(sorted(extra.items()))
    utterances = []
    for u in call.transcript.utterances:
        item: dict[str, Any] = {"role": u.role.value, "start_s": u.start_s, "end_s": u.end_s, "text": u.text}
        if u.speaker != u.role.value:
            item["speaker"] = u.speaker
        if u.words:
            item["words"] = [{"start_s": w.start_s, "end_s": w.end_s, "text": w.text, "probability": w.probability} for w in u.words]
        utterances.append(item)
    doc["utterances"] = utterances
    outcome = dict(call.outcome) if outcome is None else dict(outcome)
    if outcome:
        doc["outcome"] = outcome
    labels = dict(call.labels) if labels is None else dict(labels)
    if labels:
        doc["labels"] = labels
    return doc


def dumps(doc: Mapping) -> str:
    """The document as written to a file: UTF-8 JSON, indented, one trailing newline."""
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def write_interchange(
    path: Path, call: StoredCall, *, labels: Mapping[str, str] | None = None, outcome: Mapping | None = None,
) -> Path:
    path.write_text(dumps(to_interchange(call, labels=labels, outcome=outcome)), encoding="utf-8")
    return path
