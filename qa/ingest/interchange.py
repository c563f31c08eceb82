"""The call interchange format (one JSON file per call, see the README): reading AND writing it.

``read_interchange`` turns a file into an :class:`ImportedCall` (every problem is one
:class:`TranscriptFormatError` naming the file and what is wrong); ``to_interchange`` turns a stored call
into the same document, so whatever ``qa export --format json`` writes, ``qa import-transcript`` reads back.

A document: ``call_id``, ``language`` (ru|uk|en), optional ``operator``, ``team``, ``started_at`` (ISO 8601,
local time), ``channel`` (inbound|outbound|callback), ``extra`` (an object of further metadata: ``phone``,
``order_id``, ``mystery_campaign``...), ``utterances`` (``role``, ``start_s``, ``end_s``, ``text``; optional
``speaker`` and ``words``: ``start_s``, ``end_s``, ``text``, ``probability``), optional ``outcome`` and
``labels`` (criterion -> pass|fail|na). Other keys (e.g. ``notes``) are ignored.

Limits, checked here at the boundary so nothing stored can stall scoring later: a regular file of at most
:data:`MAX_TRANSCRIPT_BYTES`, at most :data:`MAX_UTTERANCES` utterances of at most :data:`MAX_UTTERANCE_CHARS`
characters, short fields (ids, names) of at most :data:`MAX_FIELD_CHARS`, finite numbers only, no NUL or lone
surrogate characters, ``outcome`` nested at most :data:`MAX_NESTING` levels.
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
from qa.ingest.files import read_limited, readable, readable_path
from qa.ingest.metadata import parse_datetime, parse_direction

VERDICTS = {"pass", "fail", "na"}
LANGUAGES = ("ru", "uk", "en")
ROLES = tuple(r.value for r in Role)
# metadata columns of their own that travel inside ``extra``
EXTRA_COLUMNS = ("phone", "order_id")
# Limits at the boundary: far above any real call (a 4-hour call with word timings is ~5 MB, its longest turn a few
# thousand characters), far below what would stall scoring (spaCy refuses texts over 1,000,000 characters).
MAX_TRANSCRIPT_BYTES = 50_000_000
MAX_UTTERANCES = 50_000
MAX_UTTERANCE_CHARS = 100_000
MAX_FIELD_CHARS = 1_000  # call_id, operator, team, speaker, extra values, label names...
MAX_NESTING = 20  # outcome and extra values


# ---------------------------------------------------------------- reading


def _fail(path: Path, what: str) -> TranscriptFormatError:
    return TranscriptFormatError(f"{readable(path)}: {what} (see the interchange format in the README)")


def _shown(value: Any, limit: int = 60) -> str:
    """A value as it appears in a message: JSON, cut short, any character the terminal cannot print escaped."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        text = type(value).__name__
    text = text if len(text) <= limit else text[:limit] + "…"
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8")


def _number(value: Any, path: Path, where: str) -> float:
    try:
        finite = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        finite = False
    if not finite:
        raise _fail(path, f"{where} must be a finite number of seconds, got {_shown(value)}")
    return float(value)


def _text(value: Any, path: Path, where: str, limit: int = MAX_FIELD_CHARS) -> str:
    """A string the database can store and the scorer can read: valid Unicode, no NUL, at most ``limit`` characters."""
    if not isinstance(value, str):
        raise _fail(path, f"{where} must be a string, got {_shown(value)}")
    if len(value) > limit:
        raise _fail(path, f"{where} is {len(value):,} characters long, over the {limit:,}-character limit")
    if "\x00" in value:
        raise _fail(path, f"{where} contains a NUL character (\\u0000); remove it")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _fail(path, f"{where} contains an invalid character (a lone UTF-16 surrogate such as \\udc80); "
                    "export the file again as UTF-8") from None
    return value


def _plain(value: Any, path: Path, where: str, depth: int = 0) -> None:
    """Stored JSON values (``outcome``): strings, finite numbers, booleans, null, and lists/objects of them."""
    if depth > MAX_NESTING:
        raise _fail(path, f"{where} is nested deeper than {MAX_NESTING} levels")
    if isinstance(value, str):
        _text(value, path, where, MAX_UTTERANCE_CHARS)
    elif isinstance(value, float) and not math.isfinite(value):
        raise _fail(path, f"{where} must be a finite number, got {_shown(value)}")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
        raise _fail(path, f"{where} is a number too large to store")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _plain(item, path, f"{where}[{i}]", depth + 1)
    elif isinstance(value, dict):
        for k, item in value.items():
            _plain(item, path, f"{where}.{_text(k, path, f'a key of {where}')}", depth + 1)


def _optional_text(data: dict, key: str, path: Path) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    return _text(value, path, f"'{key}'").strip() or None


def _object(data: dict, key: str, path: Path) -> dict:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(path, f"'{key}' must be an object, got {_shown(value)}")
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
        _text(w.get("text"), path, f"utterance {i}, word {j}: 'text'")
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
    if len(raw) > MAX_UTTERANCES:
        raise _fail(path, f"{len(raw):,} utterances, over the limit of {MAX_UTTERANCES:,} per call; split the call")
    utterances: list[Utterance] = []
    for i, u in enumerate(raw):
        if not isinstance(u, dict):
            raise _fail(path, f"utterance {i} must be an object with role (agent|customer), start_s, end_s and text")
        missing = [k for k in ("role", "start_s", "end_s", "text") if k not in u]
        if missing:
            raise _fail(path, f"utterance {i} needs role (agent|customer), start_s, end_s and text (missing {', '.join(missing)})")
        if not isinstance(u["role"], str) or u["role"] not in ROLES:
            raise _fail(path, f"utterance {i}: role {_shown(u['role'])} must be agent or customer")
        role = Role(u["role"])
        start = _number(u["start_s"], path, f"utterance {i}: start_s")
        end = _number(u["end_s"], path, f"utterance {i}: end_s")
        if start < 0:
            raise _fail(path, f"utterance {i} starts before the call ({start} s)")
        if end < start:
            raise TranscriptFormatError(f"{readable(path)}: utterance {i} ends ({end}) before it starts ({start})")
        _text(u["text"], path, f"utterance {i}: 'text'", MAX_UTTERANCE_CHARS)
        speaker = u.get("speaker", role.value)
        if not isinstance(speaker, str) or not _text(speaker, path, f"utterance {i}: 'speaker'").strip():
            raise _fail(path, f"utterance {i}: 'speaker' must be a non-empty string")
        utterances.append(Utterance(role=role, speaker=speaker, start_s=start, end_s=end, text=u["text"],
                                    words=_words(u.get("words"), path, i)))
    if not utterances:
        raise TranscriptFormatError(f"{readable(path)}: the transcript is empty: 'utterances' has no entries, nothing to score")
    if not any(u.text.strip() for u in utterances):
        raise TranscriptFormatError(f"{readable(path)}: the transcript is empty: all {len(utterances)} utterances have no text")
    return sorted(utterances, key=lambda u: u.start_s)


def _metadata(data: dict, path: Path) -> CallMetadata:
    extra_raw = _object(data, "extra", path)
    extra: dict[str, str] = {}
    for k, v in extra_raw.items():
        if isinstance(v, (dict, list)):
            raise _fail(path, f"extra.{k} must be a string or a number, not {'an object' if isinstance(v, dict) else 'a list'}")
        if isinstance(v, float) and not math.isfinite(v):
            raise _fail(path, f"extra.{k} must be a finite number, got {_shown(v)}")
        if v is not None:
            _text(k, path, "a key of 'extra'")
            extra[str(k)] = _text(str(v).lower() if isinstance(v, bool) else str(v), path, f"extra.{k}")
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
        raise TranscriptFormatError(f"{readable(path)}: {exc}") from exc


def parse_interchange(data: Any, *, path: Path, raw: bytes) -> ImportedCall:
    """An interchange document (already decoded from ``raw``, the file's bytes) -> ImportedCall."""
    if not isinstance(data, dict):
        raise TranscriptFormatError(f"{readable(path)}: expected a JSON object with 'call_id', 'language' and 'utterances'")
    for key in ("call_id", "language", "utterances"):
        if key not in data:
            raise TranscriptFormatError(f"{readable(path)}: missing '{key}' (see the interchange format in the README)")
    call_id = data["call_id"]
    if (isinstance(call_id, bool) or not isinstance(call_id, (str, int)) or isinstance(call_id, int) and abs(call_id) >= 2**63
            or not _text(str(call_id), path, "'call_id'").strip()):
        raise _fail(path, f"'call_id' must be a non-empty string, got {_shown(call_id)}")
    language = data["language"]
    if not isinstance(language, str) or language not in LANGUAGES:
        shown = repr(language[:20]) if isinstance(language, str) else _shown(language)
        raise TranscriptFormatError(f"{readable(path)}: language {shown} is not one of ru, uk, en")
    utterances = _utterances(data["utterances"], path)
    labels = _object(data, "labels", path)
    bad = {_text(k, path, "a criterion id in 'labels'"): v for k, v in labels.items() if not isinstance(v, str) or v not in VERDICTS}
    if bad:
        raise TranscriptFormatError(f"{readable(path)}: labels must be pass|fail|na, got {_shown(bad)}")
    outcome = _object(data, "outcome", path)
    _plain(outcome, path, "outcome")
    metadata = _metadata(data, path)
    roles = RoleAssignment(roles=tuple(sorted({(u.speaker, u.role) for u in utterances})), confidence=1.0, method="import")
    return ImportedCall(
        sha256=hashlib.sha256(raw).hexdigest(),
        source_path=readable_path(path),  # shown and stored: a name that is not UTF-8 is decoded
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
    raw = read_limited(path, max_bytes=MAX_TRANSCRIPT_BYTES, error=TranscriptFormatError, what="transcript")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else exc.reason
        raise TranscriptFormatError(f"{readable(path)}: not valid UTF-8 JSON{where}: {reason}") from exc
    except RecursionError as exc:
        raise TranscriptFormatError(f"{readable(path)}: JSON nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise TranscriptFormatError(f"{readable(path)}: not a usable JSON document: {exc}") from exc
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
