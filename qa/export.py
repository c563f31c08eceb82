"""Render a stored call as JSON (interchange format + extras), TXT, SRT or RTTM."""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import Enum

from qa.types import StoredCall


class ExportFormat(str, Enum):
    JSON = "json"
    TXT = "txt"
    SRT = "srt"
    RTTM = "rttm"


def clock(seconds: float) -> str:
    """mm:ss.s (h:mm:ss.s past an hour)."""
    m, s = divmod(max(seconds, 0.0), 60)
    h, m = divmod(int(m), 60)
    return f"{h}:{m:02d}:{s:04.1f}" if h else f"{m:02d}:{s:04.1f}"


def _srt_time(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def to_txt(call: StoredCall) -> str:
    return "".join(f"[{clock(u.start_s)}] {u.role.value}: {u.text}\n" for u in call.transcript.utterances)


def to_srt(call: StoredCall) -> str:
    blocks = [
        f"{i}\n{_srt_time(u.start_s)} --> {_srt_time(u.end_s)}\n{u.role.value}: {u.text}\n"
        for i, u in enumerate(call.transcript.utterances, start=1)
    ]
    return "\n".join(blocks)


def to_rttm(call: StoredCall) -> str:
    """Speaker turns named by role (agent/customer); from utterances, one line each."""
    uri = call.summary.call_id
    return "".join(
        f"SPEAKER {uri} 1 {u.start_s:.3f} {u.end_s - u.start_s:.3f} <NA> <NA> {u.role.value} <NA> <NA>\n"
        for u in call.transcript.utterances
    )


def _jsonable(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def to_dict(call: StoredCall) -> dict:
    m = call.metadata
    return {
        "call_id": call.summary.call_id,
        "file_name": call.summary.file_name,
        "language": call.transcript.language,
        "operator": m.operator_id,
        "started_at": m.started_at.isoformat() if m.started_at else None,
        "channel": m.direction.value if m.direction else None,
        "phone": m.phone,
        "order_id": m.order_id,
        "duration_s": call.summary.duration_s,
        "mode": call.summary.mode,
        "asr_model": call.asr_model,
        "roles": {"method": call.transcript.role_assignment.method, "confidence": call.transcript.role_assignment.confidence},
        "utterances": [
            {
                "role": u.role.value, "speaker": u.speaker, "start_s": u.start_s, "end_s": u.end_s, "text": u.text,
                "confidence": None if u.confidence is None else round(u.confidence, 4),
                "words": [{"start_s": w.start_s, "end_s": w.end_s, "text": w.text.strip(), "probability": w.probability} for w in u.words],
            }
            for u in call.transcript.utterances
        ],
        "features": _jsonable(asdict(call.features)) if call.features else None,
        "notes": list(call.notes),
    }


def render(call: StoredCall, fmt: ExportFormat) -> str:
    if fmt == ExportFormat.JSON:
        return json.dumps(to_dict(call), ensure_ascii=False, indent=2) + "\n"
    return {ExportFormat.TXT: to_txt, ExportFormat.SRT: to_srt, ExportFormat.RTTM: to_rttm}[fmt](call)
